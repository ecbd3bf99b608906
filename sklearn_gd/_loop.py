"""The algorithm's Steps 1-3 as explicit for-loops: the readable reference.

Each function below is one pass of the algorithm over the training set:
initialise the accumulators ``J``, ``dw_j`` and ``db`` (Step 1), loop over the
examples ``i`` and, inside, over the features ``j`` (Step 2), then divide by
``m`` (Step 3). With sample weights ``s_i`` every example's contribution is
multiplied by ``s_i`` and ``m`` is their sum, which is the algorithm's ``m`` when all
weights are 1.

Everything inside the loops is plain Python floats and lists, as in the algorithm;
the data arrive as nested lists (``X.tolist()``, converted once per fit).

These loops are the whole cost of "Gradient descent on m examples", which
has no penalty: ``GDLogisticClassifier(solver='loop', C=np.inf)`` runs the
algorithm as the course writes it. The estimator's default, ``C=1.0`` as in
``LogisticRegression``, adds an L2 term to J and to ``dw`` outside the loops
(``_loss.ElasticNet``).
"""

import math

import numpy as np
from scipy.sparse import issparse


def sigmoid(z):
    """Compute the logistic function of one number without overflow.

    Parameters
    ----------
    z : float
        A decision value.

    Returns
    -------
    a : float
        ``1 / (1 + exp(-z))``.

    Examples
    --------
    >>> from sklearn_gd._loop import sigmoid
    >>> sigmoid(0.0), sigmoid(-1000.0)
    (0.5, 0.0)
    """
    # math.exp raises OverflowError above 709: only ever call it on -|z|.
    if z >= 0:
        return 1.0 / (1.0 + math.exp(-z))
    e = math.exp(z)
    return e / (1.0 + e)


def softplus(z):
    """Compute ``log(1 + exp(z))`` of one number without overflow.

    Parameters
    ----------
    z : float
        A decision value.

    Returns
    -------
    out : float
        ``log(1 + exp(z))``.

    Examples
    --------
    >>> from sklearn_gd._loop import softplus
    >>> softplus(1000.0), softplus(-1000.0)
    (1000.0, 0.0)
    """
    if z > 0:
        return z + math.log1p(math.exp(-z))
    return math.log1p(math.exp(z))


def binary_loss_gradient(params, X, y, sample_weight, fit_intercept):
    """One pass of the algorithm's loop for the sigmoid: J, dw and db.

    Parameters
    ----------
    params : ndarray of shape (1, n_features + fit_intercept)
        Weights, followed by the intercept when ``fit_intercept``.
    X : list of list of float
        Training data, one list per example.
    y : list of float
        Targets, 0.0 or 1.0.
    sample_weight : list of float
        Weights ``s_i`` of the examples.
    fit_intercept : bool
        Whether the last entry of ``params`` is the intercept ``b``.

    Returns
    -------
    cost : float
        The averaged cost J.
    grad : ndarray of shape (1, n_features + fit_intercept)
        The averaged ``dw_1 .. dw_n`` (and ``db``).

    Notes
    -----
    ``-(y log a + (1 - y) log(1 - a))`` is computed as its equal
    ``log(1 + e^z) - y z``, which never takes ``log(0)``. This is the
    textbook's unpenalised cost (``C=np.inf``); a finite ``C`` (the default
    is 1.0) adds its penalty outside this loop.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_gd._loop import binary_loss_gradient
    >>> X = [[1.0, 2.0], [-1.0, 0.5]]
    >>> cost, grad = binary_loss_gradient(
    ...     np.zeros((1, 3)), X, [1.0, 0.0], [1.0, 1.0], True)
    >>> grad
    array([[-0.5  , -0.375,  0.   ]])
    """
    n_features = len(X[0])
    w = params[0, :n_features].tolist()
    b = float(params[0, n_features]) if fit_intercept else 0.0

    # Step 1: initialise the accumulators.
    J = 0.0
    dw = [0.0] * n_features
    db = 0.0
    m = 0.0

    # Step 2: loop over the training examples.
    for i in range(len(X)):
        x_i, y_i, s_i = X[i], y[i], sample_weight[i]

        # Forward pass.
        z_i = b
        for j in range(n_features):
            z_i += w[j] * x_i[j]
        a_i = sigmoid(z_i)
        J += s_i * (softplus(z_i) - y_i * z_i)

        # Backward pass.
        dz_i = s_i * (a_i - y_i)
        for j in range(n_features):
            dw[j] += x_i[j] * dz_i
        db += dz_i
        m += s_i

    # Step 3: average.
    J /= m
    for j in range(n_features):
        dw[j] /= m
    db /= m

    grad = dw + [db] if fit_intercept else dw
    return J, np.array([grad])


def multinomial_loss_gradient(params, X, y, sample_weight, fit_intercept):
    """One pass of the algorithm's loop for the softmax: J, dw and db per class.

    Parameters
    ----------
    params : ndarray of shape (n_classes, n_features + fit_intercept)
        Weights of each class, followed by its intercept when ``fit_intercept``.
    X : list of list of float
        Training data, one list per example.
    y : list of int
        Class index of each example.
    sample_weight : list of float
        Weights ``s_i`` of the examples.
    fit_intercept : bool
        Whether the last column of ``params`` holds the intercepts ``b_k``.

    Returns
    -------
    cost : float
        The averaged cost J.
    grad : ndarray of shape (n_classes, n_features + fit_intercept)
        The averaged ``dw_kj`` (and ``db_k``).

    Notes
    -----
    The cost of one example is ``log(sum_k e^z_k) - z_y``, with the largest
    ``z_k`` subtracted before exponentiating (log-sum-exp).

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_gd._loop import multinomial_loss_gradient
    >>> cost, grad = multinomial_loss_gradient(
    ...     np.zeros((3, 2)), [[1.0], [2.0], [3.0]], [0, 1, 2], [1.0] * 3, True)
    >>> round(cost, 6)  # ln 3
    1.098612
    """
    n_classes = params.shape[0]
    n_features = len(X[0])
    w = params[:, :n_features].tolist()
    b = params[:, n_features].tolist() if fit_intercept else [0.0] * n_classes

    # Step 1: initialise the accumulators.
    J = 0.0
    dw = [[0.0] * n_features for _ in range(n_classes)]
    db = [0.0] * n_classes
    m = 0.0

    # Step 2: loop over the training examples.
    for i in range(len(X)):
        x_i, y_i, s_i = X[i], y[i], sample_weight[i]

        # Forward pass: z_ik = w_k . x_i + b_k, then softmax.
        z_i = [0.0] * n_classes
        for k in range(n_classes):
            z_i[k] = b[k]
            for j in range(n_features):
                z_i[k] += w[k][j] * x_i[j]
        z_max = max(z_i)
        e_i = [0.0] * n_classes
        sum_e = 0.0
        for k in range(n_classes):
            e_i[k] = math.exp(z_i[k] - z_max)
            sum_e += e_i[k]
        J += s_i * (z_max + math.log(sum_e) - z_i[y_i])

        # Backward pass.
        for k in range(n_classes):
            a_ik = e_i[k] / sum_e
            dz_ik = s_i * (a_ik - (1.0 if k == y_i else 0.0))
            for j in range(n_features):
                dw[k][j] += x_i[j] * dz_ik
            db[k] += dz_ik
        m += s_i

    # Step 3: average.
    J /= m
    for k in range(n_classes):
        for j in range(n_features):
            dw[k][j] /= m
        db[k] /= m

    grad = [dw[k] + [db[k]] for k in range(n_classes)] if fit_intercept else dw
    return J, np.array(grad)


def as_rows(X):
    """Present X as a sequence of rows that are plain lists of floats.

    Parameters
    ----------
    X : {ndarray, sparse matrix} of shape (n_samples, n_features)
        Training data.

    Returns
    -------
    rows : list of list of float or SparseRows
        ``X.tolist()`` for a dense X (converted once, which makes the loops
        about twice as fast as indexing NumPy scalars); for a sparse X, rows
        densified one at a time when read, so no dense copy of X is made.

    Examples
    --------
    >>> import numpy as np
    >>> from scipy.sparse import csr_matrix
    >>> from sklearn_gd._loop import as_rows
    >>> rows = as_rows(csr_matrix(np.array([[0.0, 2.0], [3.0, 0.0]])))
    >>> len(rows), rows[1]
    (2, [3.0, 0.0])
    """
    return SparseRows(X) if issparse(X) else X.tolist()


class SparseRows:
    """The rows of a CSR matrix, each densified to a list when it is read.

    Parameters
    ----------
    X : sparse matrix of shape (n_samples, n_features)
        Training data in CSR format.
    """

    def __init__(self, X):
        self.X = X

    def __len__(self):
        """Return the number of rows."""
        return self.X.shape[0]

    def __getitem__(self, i):
        """Return row ``i`` as a list of floats."""
        row = [0.0] * self.X.shape[1]
        start, stop = self.X.indptr[i], self.X.indptr[i + 1]
        for j, value in zip(
            self.X.indices[start:stop].tolist(),
            self.X.data[start:stop].tolist(),
            strict=True,
        ):
            row[j] += value
        return row
