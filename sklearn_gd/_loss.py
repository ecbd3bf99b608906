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
import scipy.linalg
from scipy.sparse import issparse
from scipy.sparse.linalg import LinearOperator, eigsh


def sigmoid(z, xp=np):
    """Compute the logistic function without overflow.

    Parameters
    ----------
    z : ndarray
        Decision values.
    xp : namespace, default=numpy
        The Array API namespace of ``z``.

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
    e = xp.exp(-xp.abs(z))
    return xp.where(z >= 0, xp.ones_like(e), e) / (1.0 + e)


def log_sigmoid(z, xp=np):
    """Compute ``log(sigmoid(z))`` without overflow or ``log(0)``.

    Parameters
    ----------
    z : ndarray
        Decision values.
    xp : namespace, default=numpy
        The Array API namespace of ``z``.

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
    return -softplus(-z, xp)


def softplus(z, xp=np):
    """Compute ``log(1 + exp(z))`` without overflow.

    Parameters
    ----------
    z : ndarray
        Decision values.
    xp : namespace, default=numpy
        The Array API namespace of ``z``.

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
    return xp.maximum(z, xp.zeros_like(z)) + xp.log1p(xp.exp(-xp.abs(z)))


def log_softmax(Z, xp=np):
    """Compute ``log(softmax(Z))`` row by row, by log-sum-exp.

    Parameters
    ----------
    Z : ndarray of shape (n_samples, n_classes)
        Decision values.
    xp : namespace, default=numpy
        The Array API namespace of ``Z``.

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
    Z_shifted = Z - xp.max(Z, axis=1, keepdims=True)
    return Z_shifted - xp.log(xp.sum(xp.exp(Z_shifted), axis=1, keepdims=True))


class LogisticLoss:
    r"""The cost J and its gradient, in one pass over X per call.

    The vectorized Steps 1-3 of the seed. The rows of X are taken in blocks
    small enough to stay in the processor's cache: for each block, the forward
    pass ``z = X_b w + b``, the cost and ``dz`` are computed, and ``X_b^T dz``
    is accumulated while ``X_b`` is still in cache, so that X is read from
    memory once per call. Buffers are allocated once, when the object is made
    (once per fit); X is never copied.

    Parameters
    ----------
    X : {ndarray, sparse matrix} of shape (n_samples, n_features)
        Training data, float32 or float64; a sparse matrix must be CSR.
    y : ndarray of shape (n_samples,)
        Binary targets (0.0 or 1.0, of X's dtype) when ``n_classes == 2``,
        else class indices in ``0 .. n_classes - 1``.
    sample_weight : ndarray of shape (n_samples,)
        Weights ``s_i``; all ones gives the seed's plain average.
    fit_intercept : bool
        Whether the last column of ``params`` is an intercept.
    n_classes : int
        Number of classes: 2 uses the sigmoid, more the softmax.
    block_bytes : int, default=2**22
        Target size of one block of rows of X, in bytes.

    Notes
    -----
    With :math:`z_i = w^T x_i + b`, :math:`S = \sum_i s_i`, the loss of one
    example in its softplus form (the seed's cross-entropy without
    ``log(0)``), or for more classes in its log-sum-exp form:

    .. math::
        L_i = \log(1 + e^{z_i}) - y_i z_i, \qquad
        L_i = \log \sum_k e^{z_{ik}} - z_{i y_i},

    and :math:`J = \sum_i s_i L_i / S`, :math:`dw = \sum_i s_i x_i (a_i - y_i)
    / S`, :math:`db = \sum_i s_i (a_i - y_i) / S`.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_gd._loss import LogisticLoss
    >>> X = np.array([[1.0, 2.0], [-1.0, 0.5]])
    >>> loss = LogisticLoss(X, np.array([1.0, 0.0]), np.ones(2), True, 2)
    >>> cost, grad = loss(np.zeros((1, 3)))
    >>> round(cost, 6)  # ln 2
    0.693147
    >>> grad
    array([[-0.5  , -0.375,  0.   ]])
    """

    def __init__(
        self, X, y, sample_weight, fit_intercept, n_classes, block_bytes=2**22
    ):
        n_samples, n_features = X.shape
        self.n_features = n_features
        self.fit_intercept = fit_intercept
        self.weight_sum = float(sample_weight.sum())
        self._dense = not issparse(X)
        self._pointwise = _sigmoid_pointwise if n_classes == 2 else _softmax_pointwise
        n_outputs = 1 if n_classes == 2 else n_classes
        if self._dense:
            block_rows = max(1, block_bytes // (n_features * X.itemsize))
        else:
            block_rows = n_samples  # a sparse matvec reads X once already
        block_rows = min(block_rows, n_samples)
        # s_i y_i is the same every iteration; the softmax needs the indices.
        target = sample_weight * y if n_classes == 2 else y
        self._blocks = []
        for start in range(0, n_samples, block_rows):
            rows = slice(start, min(start + block_rows, n_samples))
            # Slices of a dense X are views; a single block is X itself.
            X_b = X if rows.stop - rows.start == n_samples else X[rows]
            self._blocks.append((X_b, target[rows], sample_weight[rows]))
        self._n_outputs = n_outputs
        self._dtype = X.dtype
        self._buffers = {}

    def _buffer(self, n_candidates, n_rows):
        """Return the buffer for z of a block, made once per fit.

        It is shaped ``(n_candidates * n_outputs, n_rows)`` so that sums over
        classes are fast; the first call has the most candidates, later calls
        (fewer candidates still running) use its first rows.
        """
        n_z = n_candidates * self._n_outputs
        buffers = self._buffers.get(n_rows)
        if buffers is None or len(buffers[0]) < n_z:
            # z itself, then scratch space for the pointwise step.
            buffers = self._buffers[n_rows] = (
                np.empty((n_z, n_rows), self._dtype),
                np.empty((n_z, n_rows), self._dtype),
                np.empty((n_z, n_rows), self._dtype),
                np.empty((n_z, n_rows), bool),
            )
        return [buffer[:n_z] for buffer in buffers]

    def __call__(self, params):
        """Compute J and its gradient at ``params``.

        Parameters
        ----------
        params : ndarray of shape (n_outputs, n_dof) or (n_candidates, n_outputs, n_dof)
            Weights, followed by the intercept when ``fit_intercept``
            (``n_dof = n_features + fit_intercept``); one row for two
            classes, one per class otherwise. A stack of candidates is
            evaluated in the same pass over X.

        Returns
        -------
        cost : float or ndarray of shape (n_candidates,)
            ``sum_i s_i L_i / sum_i s_i``, for each candidate of a stack.
        grad : ndarray shaped like ``params``
            The gradient of ``cost`` with respect to ``params``.
        """
        costs, grad = self.sums(params)
        grad /= self.weight_sum
        return costs / self.weight_sum, grad

    def sums(self, params):
        """Compute the seed's accumulators: the weighted sums before averaging.

        Parameters
        ----------
        params : ndarray of shape (n_outputs, n_dof) or (n_candidates, n_outputs, n_dof)
            As for ``__call__``.

        Returns
        -------
        cost_sum : float or ndarray of shape (n_candidates,)
            ``sum_i s_i L_i``: ``__call__``'s cost times ``sum_i s_i``.
        grad_sum : ndarray shaped like ``params``
            The gradient of ``cost_sum``. Sums over parts of the rows add up
            to the sums over all of them (how a Dask array is fitted).
        """
        if params.ndim == 2:
            costs, grads = self.sums(params[None])
            return float(costs[0]), grads[0]
        n_candidates, n_outputs, _ = params.shape
        n_features = self.n_features
        W = params[:, :, :n_features].reshape(n_candidates * n_outputs, n_features)
        grad = np.zeros_like(params)
        costs = np.zeros(n_candidates)
        for X_b, target_b, s_b in self._blocks:
            Z, *scratch = self._buffer(n_candidates, X_b.shape[0])
            # Forward pass, Z[c * n_outputs + k, i] = z_ik of candidate c: X_b
            # is read here...
            if self._dense:
                np.matmul(W, X_b.T, out=Z)
            else:
                Z[...] = (X_b @ W.T).T
            Z_c = Z.reshape(n_candidates, n_outputs, -1)
            if self.fit_intercept:
                Z_c += params[:, :, n_features, None]
            # Z now holds s_i dz_ik.
            costs += self._pointwise(Z_c, target_b, s_b, scratch)
            # ...and here again, while it is still in cache.
            dW = Z @ X_b if self._dense else (X_b.T @ Z.T).T
            grad[:, :, :n_features] += dW.reshape(n_candidates, n_outputs, -1)
            if self.fit_intercept:
                grad[:, :, n_features] += Z_c.sum(axis=-1)
        return costs, grad


class NamespaceLogisticLoss:
    r"""The cost J and its gradient for arrays of any Array API namespace.

    The same Steps 1-3 as :class:`LogisticLoss`, written with the functions
    of the Array API standard only, so that X stays in its own library and
    on its own device (PyTorch on a GPU, say). The parameters and the
    gradient, ``n_outputs x n_dof`` numbers, cross to and from NumPy at each
    call, so that the driver is the same for every array library.

    Parameters
    ----------
    X : array of shape (n_samples, n_features)
        Training data, float32 or float64, in namespace ``xp``.
    y : array of shape (n_samples,)
        Binary targets (0.0 or 1.0, of X's dtype) when ``n_classes == 2``,
        else class indices, in namespace ``xp`` on X's device.
    sample_weight : array of shape (n_samples,)
        Weights ``s_i``, of X's dtype, in namespace ``xp`` on X's device.
    fit_intercept : bool
        Whether the last column of ``params`` is an intercept.
    n_classes : int
        Number of classes: 2 uses the sigmoid, more the softmax.
    xp : namespace
        The Array API namespace of the arrays.
    device : device
        The device of X.
    to_numpy : callable
        ``to_numpy(array) -> ndarray``: copies an array of ``xp`` to NumPy.

    Notes
    -----
    The formulas are those of :class:`LogisticLoss`; the targets of the
    softmax are one-hot rows ``s_i [k = y_i]``, made once.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_gd._loss import NamespaceLogisticLoss
    >>> X = np.array([[1.0, 2.0], [-1.0, 0.5]])
    >>> loss = NamespaceLogisticLoss(
    ...     X, np.array([1.0, 0.0]), np.ones(2), True, 2, np, None, np.asarray)
    >>> cost, grad = loss(np.zeros((1, 3)))
    >>> round(cost, 6), grad
    (0.693147, array([[-0.5  , -0.375,  0.   ]]))
    """

    def __init__(
        self, X, y, sample_weight, fit_intercept, n_classes, xp, device, to_numpy
    ):
        self.n_features = X.shape[1]
        self.fit_intercept = fit_intercept
        self.weight_sum = float(xp.sum(sample_weight))
        self._X = X
        self._xp = xp
        self._device = device
        self._to_numpy = to_numpy
        self.n_classes = n_classes
        self._binary = n_classes == 2
        self._sample_weight = sample_weight[:, None]
        if self._binary:
            target = y[:, None]
        else:
            classes = xp.arange(n_classes, dtype=y.dtype, device=device)
            target = xp.astype(y[:, None] == classes[None, :], X.dtype)
        self._weighted_target = self._sample_weight * target

    def __call__(self, params):
        """Compute J and its gradient at ``params``.

        Parameters
        ----------
        params : ndarray of shape (n_outputs, n_dof)
            Weights, followed by the intercept when ``fit_intercept``, as a
            NumPy array.

        Returns
        -------
        cost : float
            ``sum_i s_i L_i / sum_i s_i``.
        grad : ndarray of shape (n_outputs, n_dof)
            The gradient of ``cost``, as a NumPy array.
        """
        xp, X, n_features = self._xp, self._X, self.n_features
        theta = xp.asarray(params, dtype=X.dtype, device=self._device)
        Z = X @ xp.matrix_transpose(theta[:, :n_features])
        if self.fit_intercept:
            Z = Z + theta[:, n_features]
        s, sy = self._sample_weight, self._weighted_target
        if self._binary:
            cost = xp.sum(s * softplus(Z, xp)) - xp.sum(Z * sy)
            dZ = s * sigmoid(Z, xp) - sy
        else:
            log_A = log_softmax(Z, xp)
            cost = -xp.sum(log_A * sy)
            dZ = s * xp.exp(log_A) - sy
        grad = xp.matrix_transpose(dZ) @ X
        if self.fit_intercept:
            grad = xp.concat([grad, xp.sum(dZ, axis=0)[:, None]], axis=1)
        cost = float(self._to_numpy(cost))
        return cost / self.weight_sum, self._to_numpy(grad) / self.weight_sum

    def lipschitz_constant(self, l2_reg):
        """Bound the Lipschitz constant of the gradient, on X's device.

        Parameters
        ----------
        l2_reg : float
            Factor of the L2 term ``||W||^2 / 2``.

        Returns
        -------
        L : float
            As :func:`lipschitz_constant` computes it, ``inf`` when the
            squares of X's values overflow float64.
        """
        xp, X = self._xp, self._X
        largest = float(self._to_numpy(xp.max(xp.abs(X))))
        if gram_could_overflow(largest, X.shape[1]):
            return np.inf
        weights = self._sample_weight / self.weight_sum
        gram = xp.matrix_transpose(X * weights) @ X
        gram = self._to_numpy(gram).astype(np.float64)
        if self.fit_intercept:
            column = self._to_numpy(xp.sum(X * weights, axis=0)).astype(np.float64)
            gram = np.block([[gram, column[:, None]], [column[None, :], 1.0]])
        return lipschitz_from_gram(gram, self.n_classes, l2_reg)


def _sigmoid_pointwise(Z, sy, sample_weight, scratch):
    """Turn the decision values of a block into ``s_i dz_i``; return the costs.

    Parameters
    ----------
    Z : ndarray of shape (n_candidates, 1, n_rows)
        Decision values ``z_i``, overwritten with ``s_i (a_i - y_i)``.
    sy : ndarray of shape (n_rows,)
        Weighted targets ``s_i y_i``.
    sample_weight : ndarray of shape (n_rows,)
        Weights ``s_i``.
    scratch : list of ndarray of shape (n_candidates, n_rows)
        Two float buffers and one boolean buffer, overwritten: writing into
        them instead of new arrays made this step 40% faster.

    Returns
    -------
    costs : ndarray of shape (n_candidates,)
        ``sum_i s_i L_i`` over the block, per candidate.
    """
    z = Z[:, 0]
    e, t, negative = scratch
    # exp(-|z|) never overflows; softplus(z) = max(z, 0) + log1p(exp(-|z|)).
    np.exp(np.negative(np.abs(z, out=e), out=e), out=e)
    costs = np.maximum(z, 0.0, out=t) @ sample_weight
    costs += np.log1p(e, out=t) @ sample_weight
    costs -= z @ sy
    # a = 1 / (1 + e) where z >= 0 and e / (1 + e) where z < 0.
    a = np.reciprocal(np.add(e, 1.0, out=t), out=t)
    np.multiply(a, e, out=a, where=np.less(z, 0.0, out=negative))
    np.multiply(a, sample_weight, out=z)
    z -= sy
    return costs


def _softmax_pointwise(Z, y, sample_weight, scratch):
    """Turn the decision values of a block into ``s_i dz_ik``; return the costs.

    Parameters
    ----------
    Z : ndarray of shape (n_candidates, n_classes, n_rows)
        Decision values ``z_ik``, overwritten with ``s_i (a_ik - [k = y_i])``.
    y : ndarray of shape (n_rows,)
        Class indices.
    sample_weight : ndarray of shape (n_rows,)
        Weights ``s_i``.
    scratch : list of ndarray
        Unused: the softmax works in place in ``Z``.

    Returns
    -------
    costs : ndarray of shape (n_candidates,)
        ``sum_i s_i L_i`` over the block, per candidate.
    """
    rows = np.arange(len(y))
    # Subtracting the largest z_ik keeps exp() from overflowing (log-sum-exp).
    Z -= Z.max(axis=1, keepdims=True)
    z_y = Z[:, y, rows]
    np.exp(Z, out=Z)
    sum_exp = Z.sum(axis=1)
    costs = (np.log(sum_exp) - z_y) @ sample_weight
    Z /= sum_exp[:, None, :]
    Z[:, y, rows] -= 1.0
    Z *= sample_weight
    return costs


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
    params : ndarray of shape (n_outputs, n_dof) or (n_candidates, n_outputs, n_dof)
        Weights, followed by the intercept if there is one (never penalised);
        or a stack of candidates.
    loss_gradient : callable
        ``loss_gradient(params) -> (cost, grad)`` of the data term.
    l2_reg : float or ndarray of shape (n_candidates,)
        Factor of ``||W||^2 / 2``, for each candidate of a stack.
    l1_reg : float or ndarray of shape (n_candidates,)
        Factor of ``||W||_1``, for each candidate of a stack.
    n_features : int
        Number of weight columns in ``params``; the rest is the intercept.

    Returns
    -------
    cost : float or ndarray of shape (n_candidates,)
        The data term plus both penalty terms: the objective J.
    grad : ndarray shaped like ``params``
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
    W = params[..., :n_features]
    if params.ndim == 2 and not l1_reg:  # one candidate: the cheap way
        if l2_reg:
            cost += 0.5 * l2_reg * float(np.vdot(W, W))
            grad[:, :n_features] += l2_reg * W
        return cost, grad
    if np.any(l2_reg):
        cost = cost + 0.5 * l2_reg * (W**2).sum(axis=(-2, -1))
        grad[..., :n_features] += _per_candidate(l2_reg, params) * W
    if np.any(l1_reg):
        cost = cost + l1_reg * np.abs(W).sum(axis=(-2, -1))
    return (float(cost), grad) if params.ndim == 2 else (cost, grad)


def _per_candidate(value, params):
    """Shape a scalar, or one value per candidate, to broadcast over params."""
    value = np.asarray(value)
    return (
        value.reshape(value.shape + (1,) * (params.ndim - 1)) if value.ndim else value
    )


def prox_l1(params, step, l1_reg, n_features):
    """Soft-threshold the weights: the proximal step of the L1 term.

    Parameters
    ----------
    params : ndarray of shape (n_outputs, n_dof) or (n_candidates, n_outputs, n_dof)
        Parameters after a gradient step, or a stack of candidates.
    step : float or ndarray of shape (n_candidates,)
        The learning rate of that step.
    l1_reg : float or ndarray of shape (n_candidates,)
        Factor of ``||W||_1``.
    n_features : int
        Number of weight columns in ``params``; the intercept is left alone.

    Returns
    -------
    params : ndarray shaped like ``params``
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
    W = out[..., :n_features]
    threshold = _per_candidate(np.multiply(step, l1_reg), params)
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
        ``inf`` when the squares of X's values overflow float64.

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
    # max and min, unlike abs, make no copy of X.
    if gram_could_overflow(max(X.max(), -X.min()), X.shape[1]):
        return np.inf
    weights = sample_weight / sample_weight.sum()
    if issparse(X):
        largest = _largest_eigenvalue_sparse(X, weights, fit_intercept)
        return _curvature(n_classes) * max(float(largest), 0.0) + l2_reg
    gram = _weighted_gram(X, weights, fit_intercept)
    return lipschitz_from_gram(gram, n_classes, l2_reg)


def gram_could_overflow(largest_abs, n_features):
    """Tell whether the Gram matrix of data this large could overflow float64.

    Its largest eigenvalue is at most ``(n_features + 1) * max x^2``.

    Parameters
    ----------
    largest_abs : float
        The largest absolute value in X.
    n_features : int
        Number of columns of X.

    Returns
    -------
    overflow : bool
        True when that bound is not a finite float64.

    Examples
    --------
    >>> from sklearn_gd._loss import gram_could_overflow
    >>> gram_could_overflow(1e3, 10), gram_could_overflow(1e300, 10)
    (False, True)
    """
    with np.errstate(over="ignore"):  # an overflow is the answer here
        return not np.isfinite(np.float64(largest_abs) ** 2 * (n_features + 1))


def lipschitz_from_gram(gram, n_classes, l2_reg):
    """Bound the Lipschitz constant of the gradient from the weighted Gram matrix.

    Parameters
    ----------
    gram : ndarray of shape (n, n)
        A symmetric matrix with the non-zero eigenvalues of ``X~^T D X~``
        (``D`` the weights, summing to 1), as :func:`lipschitz_constant`
        describes.
    n_classes : int
        Number of classes: 2 uses the sigmoid, more the softmax.
    l2_reg : float
        Factor of the L2 term ``||W||^2 / 2``.

    Returns
    -------
    L : float
        ``c * lambda_max(gram) + l2_reg``, ``c`` = 1/4 or 1/2.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_gd._loss import lipschitz_from_gram
    >>> lipschitz_from_gram(np.diag([4.0, 1.0]), 2, 0.5)
    1.5
    """
    last = len(gram) - 1
    largest = scipy.linalg.eigvalsh(gram, subset_by_index=[last, last])[0]
    return _curvature(n_classes) * max(float(largest), 0.0) + l2_reg


def _curvature(n_classes):
    """Return the largest curvature of the loss in z: 1/4 (sigmoid), 1/2 (softmax)."""
    return 0.25 if n_classes == 2 else 0.5


def _weighted_gram(X, weights, fit_intercept, block_bytes=2**22):
    """Form the smaller of ``X~^T D X~`` and ``D^1/2 X~ X~^T D^1/2``.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
        Training data.
    weights : ndarray of shape (n_samples,)
        The diagonal of ``D``, non-negative, summing to 1.
    fit_intercept : bool
        Whether ``X~`` has a column of ones after the columns of X.
    block_bytes : int, default=2**22
        Size of the blocks of rows that are weighted at a time.

    Returns
    -------
    gram : ndarray of shape (n_dof, n_dof) or (n_samples, n_samples)
        A float64 symmetric matrix with the same non-zero eigenvalues as
        ``X~^T D X~``. X is never copied whole, nor a column of ones appended.
    """
    n_samples, n_features = X.shape
    n_dof = n_features + fit_intercept
    if n_samples < n_dof:
        Xs = X * np.sqrt(weights)[:, None]  # X is small: n_samples < n_features
        gram = Xs @ Xs.T
        if fit_intercept:
            gram += np.sqrt(np.outer(weights, weights))
        return gram
    return feature_gram(X, weights, fit_intercept, block_bytes)


def feature_gram(X, weights, fit_intercept, block_bytes=2**22):
    """Form ``X~^T D X~``, block by block of rows.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
        Training data.
    weights : ndarray of shape (n_samples,)
        The diagonal of ``D``, non-negative.
    fit_intercept : bool
        Whether ``X~`` has a column of ones after the columns of X.
    block_bytes : int, default=2**22
        Size of the blocks of rows that are weighted at a time.

    Returns
    -------
    gram : ndarray of shape (n_dof, n_dof)
        A float64 symmetric matrix; the matrices of parts of the rows add up
        to the matrix of all of them.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_gd._loss import feature_gram
    >>> feature_gram(np.array([[1.0], [3.0]]), np.array([0.5, 0.5]), True)
    array([[5., 2.],
           [2., 1.]])
    """
    n_samples, n_features = X.shape
    n_dof = n_features + fit_intercept
    gram = np.zeros((n_dof, n_dof))
    block_rows = max(1, block_bytes // (max(n_features, 1) * X.itemsize))
    for start in range(0, n_samples, block_rows):
        X_b = X[start : start + block_rows]
        XtD = X_b.T * weights[start : start + block_rows]  # float64
        gram[:n_features, :n_features] += XtD @ X_b
        if fit_intercept:
            gram[:n_features, n_features] += XtD.sum(axis=1)
    if fit_intercept:
        gram[n_features, :n_features] = gram[:n_features, n_features]
        gram[n_features, n_features] = weights.sum()
    return gram


def _largest_eigenvalue_sparse(X, weights, fit_intercept):
    """Largest eigenvalue of ``X~^T D X~`` for a sparse X, by Lanczos.

    Parameters
    ----------
    X : sparse matrix of shape (n_samples, n_features)
        Training data.
    weights : ndarray of shape (n_samples,)
        The diagonal of ``D``.
    fit_intercept : bool
        Whether ``X~`` has a column of ones after the columns of X.

    Returns
    -------
    largest : float
        The eigenvalue, from sparse matrix-vector products only.
    """
    n_features = X.shape[1]

    def matvec(v):
        v = np.ravel(v)
        Dz = weights * (X @ v[:n_features] + (v[n_features] if fit_intercept else 0.0))
        out = X.T @ Dz
        return np.append(out, Dz.sum()) if fit_intercept else out

    n_dof = n_features + fit_intercept
    if n_dof < 3:  # too small for ARPACK: form the matrix
        gram = np.column_stack([matvec(e) for e in np.eye(n_dof)])
        return np.linalg.eigvalsh(gram)[-1]
    operator = LinearOperator((n_dof, n_dof), matvec=matvec, dtype=np.float64)
    return eigsh(operator, k=1, which="LA", return_eigenvectors=False, tol=1e-6)[0]
