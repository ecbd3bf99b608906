"""The seed's cost J and its averaged gradients, as array operations.

Steps 1-3 of the seed (forward pass, accumulate, average) without a Python loop
over examples or features. Parameters are stored as one array ``params`` of
shape ``(n_outputs, n_features + fit_intercept)``: row ``k`` holds the weights
``w`` of output ``k`` followed, when an intercept is fitted, by its ``b``.
Binary problems have one output (sigmoid), problems with ``K > 2`` classes have
``K`` outputs (softmax).

This module knows about arrays only; it imports nothing from scikit-learn.
"""

import numpy as np


def sigmoid(z):
    """Compute the logistic function without overflow.

    Parameters
    ----------
    z : ndarray
        Decision values.

    Returns
    -------
    a : ndarray
        ``1 / (1 + exp(-z))``, computed from ``exp(-|z|)``.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_gd._loss import sigmoid
    >>> sigmoid(np.array([-1000.0, 0.0, 1000.0]))
    array([0. , 0.5, 1. ])
    """
    # exp(-|z|) never overflows; the branch picks the form that keeps precision.
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1.0, e) / (1.0 + e)


def log_sigmoid(z):
    """Compute ``log(sigmoid(z))`` without overflow or ``log(0)``.

    Parameters
    ----------
    z : ndarray
        Decision values.

    Returns
    -------
    log_a : ndarray
        ``-log(1 + exp(-z))``.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_gd._loss import log_sigmoid
    >>> log_sigmoid(np.array([-1000.0, 0.0, 1000.0])).round(4).tolist()
    [-1000.0, -0.6931, -0.0]
    """
    return -softplus(-z)


def softplus(z):
    """Compute ``log(1 + exp(z))`` without overflow.

    Parameters
    ----------
    z : ndarray
        Decision values.

    Returns
    -------
    out : ndarray
        ``max(z, 0) + log1p(exp(-|z|))``.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_gd._loss import softplus
    >>> softplus(np.array([-1000.0, 0.0, 1000.0]))
    array([0.00000000e+00, 6.93147181e-01, 1.00000000e+03])
    """
    # exp(z) overflows for z > 709; exp(-|z|) cannot.
    return np.maximum(z, 0.0) + np.log1p(np.exp(-np.abs(z)))


def log_softmax(Z):
    """Compute ``log(softmax(Z))`` row by row, by log-sum-exp.

    Parameters
    ----------
    Z : ndarray of shape (n_samples, n_classes)
        Decision values.

    Returns
    -------
    log_A : ndarray of shape (n_samples, n_classes)
        ``Z - logsumexp(Z, axis=1)``.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_gd._loss import log_softmax
    >>> np.exp(log_softmax(np.array([[1000.0, 1000.0]])))
    array([[0.5, 0.5]])
    """
    # Subtracting the row maximum keeps exp() from overflowing.
    Z_shifted = Z - Z.max(axis=1, keepdims=True)
    return Z_shifted - np.log(np.exp(Z_shifted).sum(axis=1, keepdims=True))


def decision_values(params, X, fit_intercept):
    """Compute ``z = X w + b`` for every output.

    Parameters
    ----------
    params : ndarray of shape (n_outputs, n_features + fit_intercept)
        Weights, followed by the intercept when ``fit_intercept``.
    X : ndarray of shape (n_samples, n_features)
        Training data.
    fit_intercept : bool
        Whether the last column of ``params`` is an intercept.

    Returns
    -------
    Z : ndarray of shape (n_samples, n_outputs)
        Decision values.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_gd._loss import decision_values
    >>> decision_values(np.array([[1.0, 2.0, 0.5]]), np.eye(2), True)
    array([[1.5],
           [2.5]])
    """
    n_features = X.shape[1]
    Z = X @ params[:, :n_features].T
    if fit_intercept:
        Z += params[:, n_features]
    return Z


def _gradient_from_dz(dZ, X, fit_intercept, weight_sum):
    """Average ``x_i dz_i`` and ``dz_i`` over the examples (the seed's Step 3).

    Parameters
    ----------
    dZ : ndarray of shape (n_samples, n_outputs)
        ``s_i (a_i - y_i)`` per example and output.
    X : ndarray of shape (n_samples, n_features)
        Training data.
    fit_intercept : bool
        Whether to return the intercept's gradient as a last column.
    weight_sum : float
        The sum of the sample weights: the seed's ``m``.

    Returns
    -------
    grad : ndarray of shape (n_outputs, n_features + fit_intercept)
        ``dw`` (and ``db``) averaged over the examples.
    """
    n_features = X.shape[1]
    grad = np.empty((dZ.shape[1], n_features + int(fit_intercept)))
    grad[:, :n_features] = dZ.T @ X
    if fit_intercept:
        grad[:, n_features] = dZ.sum(axis=0)
    grad /= weight_sum
    return grad


def binary_loss_gradient(params, X, y, sample_weight, fit_intercept):
    r"""Binary cross-entropy J and its gradient, averaged over the examples.

    Parameters
    ----------
    params : ndarray of shape (1, n_features + fit_intercept)
        Weights, followed by the intercept when ``fit_intercept``.
    X : ndarray of shape (n_samples, n_features)
        Training data.
    y : ndarray of shape (n_samples,)
        Targets, 0.0 or 1.0.
    sample_weight : ndarray of shape (n_samples,)
        Weights ``s_i``; all ones gives the seed's plain average.
    fit_intercept : bool
        Whether the last column of ``params`` is an intercept.

    Returns
    -------
    cost : float
        ``sum_i s_i L_i / sum_i s_i``.
    grad : ndarray of shape (1, n_features + fit_intercept)
        The gradient of ``cost`` with respect to ``params``.

    Notes
    -----
    With :math:`z_i = w^T x_i + b` the loss of one example is written in its
    softplus form, which is the seed's cross-entropy without ``log(0)``:

    .. math::
        L_i = -(y_i \log a_i + (1 - y_i) \log(1 - a_i))
            = \log(1 + e^{z_i}) - y_i z_i,
        \qquad dz_i = a_i - y_i.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_gd._loss import binary_loss_gradient
    >>> X = np.array([[1.0, 2.0], [-1.0, 0.5]])
    >>> y = np.array([1.0, 0.0])
    >>> cost, grad = binary_loss_gradient(np.zeros((1, 3)), X, y, np.ones(2), True)
    >>> round(cost, 6)  # ln 2
    0.693147
    >>> grad
    array([[-0.5  , -0.375,  0.   ]])
    """
    z = decision_values(params, X, fit_intercept)[:, 0]
    weight_sum = sample_weight.sum()
    cost = sample_weight @ (softplus(z) - y * z) / weight_sum
    dz = sample_weight * (sigmoid(z) - y)
    return float(cost), _gradient_from_dz(dz[:, None], X, fit_intercept, weight_sum)


def multinomial_loss_gradient(params, X, y, sample_weight, fit_intercept):
    r"""Multinomial cross-entropy J and its gradient, averaged over the examples.

    Parameters
    ----------
    params : ndarray of shape (n_classes, n_features + fit_intercept)
        Weights of each class, followed by its intercept when ``fit_intercept``.
    X : ndarray of shape (n_samples, n_features)
        Training data.
    y : ndarray of shape (n_samples,)
        Class indices in ``0 .. n_classes - 1``.
    sample_weight : ndarray of shape (n_samples,)
        Weights ``s_i``; all ones gives the seed's plain average.
    fit_intercept : bool
        Whether the last column of ``params`` is an intercept.

    Returns
    -------
    cost : float
        ``sum_i s_i L_i / sum_i s_i``.
    grad : ndarray of shape (n_classes, n_features + fit_intercept)
        The gradient of ``cost`` with respect to ``params``.

    Notes
    -----
    The softmax generalisation of the seed's loss, in its log-sum-exp form:

    .. math::
        L_i = \log \sum_k e^{z_{ik}} - z_{i y_i}, \qquad
        dz_{ik} = a_{ik} - [k = y_i].

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_gd._loss import multinomial_loss_gradient
    >>> X = np.array([[1.0], [2.0], [3.0]])
    >>> y = np.array([0, 1, 2])
    >>> cost, grad = multinomial_loss_gradient(
    ...     np.zeros((3, 2)), X, y, np.ones(3), True)
    >>> round(cost, 6)  # ln 3
    1.098612
    """
    Z = decision_values(params, X, fit_intercept)
    log_A = log_softmax(Z)
    rows = np.arange(len(y))
    weight_sum = sample_weight.sum()
    cost = -(sample_weight @ log_A[rows, y]) / weight_sum
    dZ = np.exp(log_A)
    dZ[rows, y] -= 1.0
    dZ *= sample_weight[:, None]
    return float(cost), _gradient_from_dz(dZ, X, fit_intercept, weight_sum)


def penalty_strengths(C, l1_ratio, weight_sum):
    """Turn ``C`` and ``l1_ratio`` into the factors of the penalty terms.

    Parameters
    ----------
    C : float
        Inverse regularisation strength; ``np.inf`` means no penalty.
    l1_ratio : float
        Elastic-net mixing: 0 is L2, 1 is L1.
    weight_sum : float
        The sum of the sample weights.

    Returns
    -------
    l2_reg : float
        ``(1 - l1_ratio) / (C * weight_sum)``, the factor of ``||W||^2 / 2``.
    l1_reg : float
        ``l1_ratio / (C * weight_sum)``, the factor of ``||W||_1``.

    Notes
    -----
    Dividing by ``C * sum_i s_i`` gives the optimum of scikit-learn's
    :class:`~sklearn.linear_model.LogisticRegression`, whose objective is
    ``C * sum_i s_i L_i + penalty``: both are the same function up to a factor.

    Examples
    --------
    >>> from sklearn_gd._loss import penalty_strengths
    >>> penalty_strengths(0.5, 0.25, 4.0)
    (0.375, 0.125)
    """
    scale = 1.0 / (C * weight_sum)
    return (1.0 - l1_ratio) * scale, l1_ratio * scale


def penalized_loss_gradient(params, loss_gradient, l2_reg, l1_reg, n_features):
    """Add the elastic-net penalty to a data term.

    Parameters
    ----------
    params : ndarray of shape (n_outputs, n_dof)
        Weights, followed by the intercept if there is one (never penalised).
    loss_gradient : callable
        ``loss_gradient(params) -> (cost, grad)`` of the data term.
    l2_reg : float
        Factor of ``||W||^2 / 2``.
    l1_reg : float
        Factor of ``||W||_1``.
    n_features : int
        Number of weight columns in ``params``; the rest is the intercept.

    Returns
    -------
    cost : float
        The data term plus both penalty terms: the objective J.
    grad : ndarray of shape (n_outputs, n_dof)
        Gradient of the smooth part (data term and L2 term) only; the L1 term
        is handled by :func:`prox_l1`.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_gd._loss import penalized_loss_gradient
    >>> def zero_loss(params):
    ...     return 0.0, np.zeros_like(params)
    >>> penalized_loss_gradient(np.array([[2.0, -1.0, 5.0]]), zero_loss, 1.0, 0.5, 2)
    (4.0, array([[ 2., -1.,  0.]]))
    """
    cost, grad = loss_gradient(params)
    W = params[:, :n_features]
    if l2_reg:
        cost += 0.5 * l2_reg * float(np.vdot(W, W))
        grad[:, :n_features] += l2_reg * W
    if l1_reg:
        cost += l1_reg * float(np.abs(W).sum())
    return cost, grad


def prox_l1(params, step, l1_reg, n_features):
    """Soft-threshold the weights: the proximal step of the L1 term.

    Parameters
    ----------
    params : ndarray of shape (n_outputs, n_dof)
        Parameters after a gradient step.
    step : float
        The learning rate of that step.
    l1_reg : float
        Factor of ``||W||_1``.
    n_features : int
        Number of weight columns in ``params``; the intercept is left alone.

    Returns
    -------
    params : ndarray of shape (n_outputs, n_dof)
        A new array, with every weight moved towards zero by
        ``step * l1_reg`` and set to exactly zero if it would cross it.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_gd._loss import prox_l1
    >>> prox_l1(np.array([[0.3, -2.0, 5.0]]), 0.5, 1.0, 2)
    array([[ 0. , -1.5,  5. ]])
    """
    out = params.copy()
    W = out[:, :n_features]
    threshold = step * l1_reg
    W[...] = np.sign(W) * np.maximum(np.abs(W) - threshold, 0.0)
    return out


def lipschitz_constant(X, sample_weight, fit_intercept, n_classes, l2_reg):
    r"""Bound the Lipschitz constant of the gradient of the smooth objective.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
        Training data.
    sample_weight : ndarray of shape (n_samples,)
        Weights ``s_i``.
    fit_intercept : bool
        Whether an intercept (a column of ones) is part of the model.
    n_classes : int
        Number of classes: 2 uses the sigmoid, more the softmax.
    l2_reg : float
        Factor of the L2 term ``||W||^2 / 2``.

    Returns
    -------
    L : float
        An upper bound of the largest eigenvalue of the Hessian of J.
        Gradient descent with a step of ``1 / L`` never increases J.

    Notes
    -----
    The Hessian of the data term is at most :math:`c \tilde X^T D \tilde X /
    \sum_i s_i`, with :math:`\tilde X` the data with a column of ones when an
    intercept is fitted, :math:`D = \mathrm{diag}(s)`, and :math:`c = 1/4` for
    the sigmoid (the largest value of :math:`a(1-a)`) or :math:`1/2` for the
    softmax (the largest eigenvalue of :math:`\mathrm{diag}(a) - a a^T`).

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_gd._loss import lipschitz_constant
    >>> X = np.array([[1.0], [-1.0]])
    >>> round(lipschitz_constant(X, np.ones(2), False, 2, 0.0), 12)
    0.25
    """
    sqrt_s = np.sqrt(sample_weight / sample_weight.sum())
    Xs = X * sqrt_s[:, None]
    n_samples, n_features = X.shape
    # X~^T D X~ and X~ D X~^T share their non-zero eigenvalues: use the smaller.
    if n_samples < n_features + fit_intercept:
        gram = Xs @ Xs.T
        if fit_intercept:
            gram += np.outer(sqrt_s, sqrt_s)
    else:
        # The ones column is appended to the small Gram matrix, never to X.
        gram = np.empty((n_features + fit_intercept, n_features + fit_intercept))
        gram[:n_features, :n_features] = Xs.T @ Xs
        if fit_intercept:
            gram[:n_features, n_features] = Xs.T @ sqrt_s
            gram[n_features, :n_features] = gram[:n_features, n_features]
            gram[n_features, n_features] = sqrt_s @ sqrt_s
    largest_eigenvalue = np.linalg.eigvalsh(gram)[-1] if gram.size else 0.0
    curvature = 0.25 if n_classes == 2 else 0.5
    return curvature * max(float(largest_eigenvalue), 0.0) + l2_reg
