"""The algorithm's cost J and its averaged gradients, as array operations.

Steps 1-3 of the algorithm (forward pass, accumulate, average) without a Python loop
over examples or features, behind one contract (:class:`Evaluator`) that the
textbook loops (:class:`LoopLogisticLoss`) and the Dask chunks honour too.
The parameters of a candidate are one array of shape ``(n_outputs,
n_features + fit_intercept)``: row ``k`` holds the weights ``w`` of output
``k`` followed, when an intercept is fitted, by its ``b``
(:func:`split_params`); evaluators take stacks of candidates. Binary problems
have one output (sigmoid), problems with ``K > 2`` classes have ``K`` outputs
(softmax). The elastic-net penalty of a stack is one object,
:class:`ElasticNet`, over the functions of one candidate in
:mod:`sklearn_gd._penalty`. :class:`CompiledLogisticLoss` serves NumPy and CSR data
with the compiled kernels (:mod:`sklearn_gd._kernels`) and hands the driver
its compiled engine (:meth:`Evaluator.engine`); :class:`NamespaceLogisticLoss`
serves Array API arrays; the curvature bounds are at the end.

This module knows about arrays only; it imports nothing from scikit-learn.
"""

import contextlib
from abc import ABC, abstractmethod

import numpy as np
import scipy.linalg
from scipy.sparse import issparse
from scipy.sparse.linalg import LinearOperator, eigsh

from sklearn_gd import _loop
from sklearn_gd._penalty import l1_value, penalty_add, soft_threshold


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
    """Compute ``log(softmax(Z))`` along the last axis, by log-sum-exp.

    Parameters
    ----------
    Z : ndarray of shape (..., n_classes)
        Decision values.
    xp : namespace, default=numpy
        The Array API namespace of ``Z``.

    Returns
    -------
    log_A : ndarray of shape (..., n_classes)
        ``Z - logsumexp(Z, axis=-1)``.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_gd._loss import log_softmax
    >>> np.exp(log_softmax(np.array([[1000.0, 1000.0]])))
    array([[0.5, 0.5]])
    """
    # Subtracting the row maximum keeps exp() from overflowing.
    Z_shifted = Z - xp.max(Z, axis=-1, keepdims=True)
    return Z_shifted - xp.log(xp.sum(xp.exp(Z_shifted), axis=-1, keepdims=True))


def split_params(stack, fit_intercept):
    """Split parameters into the weights ``W`` and the intercepts ``b``.

    The one place that knows the layout of the parameters: along the last
    axis, the ``n_features`` weights of an output, then its intercept when
    one is fitted.

    Parameters
    ----------
    stack : ndarray of shape (..., n_dof)
        Parameters, e.g. a stack of candidates ``(n_candidates, n_outputs,
        n_dof)`` with ``n_dof = n_features + fit_intercept``.
    fit_intercept : bool
        Whether the last entry along the last axis is an intercept.

    Returns
    -------
    W : ndarray of shape (..., n_features)
        The weights, a view of ``stack``.
    b : ndarray of shape (...) or None
        The intercepts, a view of ``stack``; None without an intercept.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_gd._loss import split_params
    >>> W, b = split_params(np.array([[1.0, 2.0, 3.0]]), fit_intercept=True)
    >>> W, b
    (array([[1., 2.]]), array([3.]))
    """
    n_features = stack.shape[-1] - int(fit_intercept)
    return stack[..., :n_features], stack[..., n_features] if fit_intercept else None


def join_params(coef, intercept, fit_intercept):
    """Join weights and intercepts into one parameter array, the inverse of split.

    Parameters
    ----------
    coef : ndarray of shape (..., n_features)
        The weights.
    intercept : ndarray of shape (...)
        The intercepts; ignored when ``fit_intercept`` is False.
    fit_intercept : bool
        Whether the intercepts are part of the parameters.

    Returns
    -------
    params : ndarray of shape (..., n_features + fit_intercept)
        A new array.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_gd._loss import join_params
    >>> join_params(np.array([[1.0, 2.0]]), np.array([3.0]), True)
    array([[1., 2., 3.]])
    """
    coef = np.asarray(coef)
    if not fit_intercept:
        return coef.copy()
    intercept = np.asarray(intercept, dtype=coef.dtype)
    return np.concatenate([coef, intercept[..., None]], axis=-1)


class Evaluator(ABC):
    r"""The contract of every way of computing Steps 1-3: J and its gradient.

    An evaluator holds the training data (in memory, on a device, in the
    chunks of a cluster, as Python lists) and evaluates a **stack of
    candidates** at once: every candidate is a parameter array of shape
    ``(n_outputs, n_dof)``, ``n_dof = n_features + fit_intercept`` (see
    :func:`split_params`). One candidate is a stack of one; there is no other
    form.

    Every evaluator sets the attributes below, computes the costs and the
    gradients of a stack (``__call__``), and bounds the curvature of its cost
    where its data live (:meth:`lipschitz_constant`). The driver, the
    penalty and the step rule need nothing else.

    Attributes
    ----------
    n_samples : int
        Number of examples (rows of X).
    n_features : int
        Number of features (weight columns).
    fit_intercept : bool
        Whether the last column of the parameters is an intercept.
    n_classes : int
        Number of classes: 2 uses the sigmoid (one output), more the softmax.
    weight_sum : float
        ``S = sum_i s_i``, the sum of the sample weights: the algorithm's ``m``.
    dtype : numpy.dtype
        The dtype of the parameters and gradients: X's, float32 or float64.

    See Also
    --------
    sklearn_gd._data.DataKind.evaluator : Builds the evaluator of a kind of data.
    sklearn_gd._gradient_descent.descend_candidates : The driver that calls it.

    Notes
    -----
    For each candidate, with :math:`z_i = W x_i + b`, the cost and its
    gradient are

    .. math::
        J = \frac{1}{S} \sum_i s_i L_i, \qquad
        dW = \frac{1}{S} \sum_i s_i (a_i - y_i) x_i^T, \qquad
        db = \frac{1}{S} \sum_i s_i (a_i - y_i).

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_gd._kinds import data_kind
    >>> X, y = np.array([[1.0, 2.0], [-1.0, 0.5]]), np.array([1, 0])
    >>> evaluator = data_kind(X).evaluator(X, y, np.ones(2), 2, True, "loop")
    >>> costs, grads = evaluator(np.zeros((1, 1, 3)))
    >>> costs.round(6), grads
    (array([0.693147]), array([[[-0.5  , -0.375,  0.   ]]]))
    """

    n_samples: int
    n_features: int
    fit_intercept: bool
    n_classes: int
    weight_sum: float
    dtype: np.dtype

    @property
    def n_outputs(self):
        """Number of outputs: 1 for two classes, one per class otherwise."""
        return 1 if self.n_classes == 2 else self.n_classes

    @abstractmethod
    def __call__(self, stack):
        """Compute J and its gradient for every candidate of a stack.

        Parameters
        ----------
        stack : ndarray of shape (n_candidates, n_outputs, n_dof)
            The candidates' parameters, a NumPy array.

        Returns
        -------
        costs : ndarray of shape (n_candidates,)
            ``sum_i s_i L_i / sum_i s_i`` of each candidate.
        grads : ndarray of shape (n_candidates, n_outputs, n_dof)
            The gradients of the costs, a new NumPy array.
        """

    def engine(self):
        """Return the compiled engine over this evaluator's data, or None.

        An evaluator whose data the compiled kernels serve (NumPy and SciPy
        arrays) prepares them once and returns a
        :class:`sklearn_gd._compiled.Engine`: the driver then runs whole
        chunks of iterations in one compiled call, without importing the
        compiled engine itself. Every other evaluator is called through
        ``__call__``.

        Returns
        -------
        engine : Engine or None
            None here.
        """
        return None

    @abstractmethod
    def lipschitz_constant(self, l2_reg):
        """Bound the Lipschitz constant of the gradient, where the data live.

        Parameters
        ----------
        l2_reg : float
            Factor of the L2 term ``||W||^2 / 2``.

        Returns
        -------
        L : float
            As :func:`lipschitz_constant` computes it; ``inf`` when the
            squares of X's values overflow float64.
        """

    def curvature_estimate(self):
        """Estimate the data term's curvature bound at the cost of a few rows.

        Where the start of ``alpha='adaptive'`` needs no rigorous bound (its
        backtracking corrects a step too large at the cost of one pass): on
        up to :data:`SAMPLED_FROM` examples it is :meth:`lipschitz_constant`
        itself; on more, the same bound computed on an evenly spaced sample
        of rows (:func:`sample_size` of them), in float64 NumPy whatever the
        kind of data, so that every kind starts from the same step.

        Returns
        -------
        L : float
            The (estimated) Lipschitz constant of the data term's gradient;
            ``inf`` when the squares of the values overflow.
        """
        n_rows = sample_size(self.n_samples, self.n_features + self.fit_intercept)
        if n_rows == self.n_samples:
            return self.lipschitz_constant(0.0)
        rows = np.linspace(0, self.n_samples - 1, n_rows).round().astype(np.intp)
        X, weights = self.sample_rows(rows)
        if not weights.sum() > 0:  # the sample holds no weight: all the rows
            return self.lipschitz_constant(0.0)
        return lipschitz_constant(X, weights, self.fit_intercept, self.n_classes, 0.0)

    def sample_rows(self, rows):
        """Return some rows of X and their weights, NumPy (or SciPy) float64.

        Parameters
        ----------
        rows : ndarray of int
            Sorted row indices, a few thousand at most.

        Returns
        -------
        X : ndarray or CSR matrix of shape (len(rows), n_features)
            The rows.
        weights : ndarray of shape (len(rows),)
            Their weights (class weights included).
        """
        raise NotImplementedError


# Up to this many examples 'adaptive' starts from the rigorous bound; from
# more, the bound on a sample (which costs less than a pass over X).
SAMPLED_FROM = 4096


def sample_size(n_samples, n_dof):
    """Return how many rows :meth:`Evaluator.curvature_estimate` reads.

    All of them up to :data:`SAMPLED_FROM`; beyond, ``SAMPLED_FROM`` rows,
    fewer where X is wide (at least ``2 n_dof``, at most ``n_samples /
    n_dof``), so that the sample's Gram matrix costs about as many
    operations as one pass over X.

    Parameters
    ----------
    n_samples : int
        Number of examples.
    n_dof : int
        Parameters per output (features, and the intercept).

    Returns
    -------
    n_rows : int
        Rows to read; ``n_samples`` means all.

    Examples
    --------
    >>> from sklearn_gd._loss import sample_size
    >>> sample_size(1_797, 65), sample_size(200_000, 51), sample_size(10**6, 2_001)
    (1797, 3921, 4002)
    """
    if n_samples <= SAMPLED_FROM:
        return n_samples
    return min(n_samples, SAMPLED_FROM, max(2 * n_dof, n_samples // n_dof))


class _InMemoryEvaluator(Evaluator):
    """An evaluator whose X and sample weights are NumPy or SciPy arrays."""

    def __init__(self, X, sample_weight, fit_intercept, n_classes):
        self.n_samples = X.shape[0]
        self.n_features = X.shape[1]
        self.fit_intercept = fit_intercept
        self.n_classes = n_classes
        with np.errstate(over="ignore"):  # refused by the problem builder
            self.weight_sum = float(sample_weight.sum())
        self.dtype = X.dtype
        self._X = X
        self._sample_weight = sample_weight

    def lipschitz_constant(self, l2_reg):
        """Bound the Lipschitz constant of the gradient from X in memory.

        Parameters
        ----------
        l2_reg : float
            Factor of the L2 term ``||W||^2 / 2``.

        Returns
        -------
        L : float
            :func:`lipschitz_constant` of the evaluator's data.
        """
        return lipschitz_constant(
            self._X, self._sample_weight, self.fit_intercept, self.n_classes, l2_reg
        )

    def sample_rows(self, rows):
        """Return some rows of X and their weights; see :class:`Evaluator`."""
        X = self._X[rows]
        return X.astype(np.float64), np.asarray(self._sample_weight[rows], float)


class LoopLogisticLoss(_InMemoryEvaluator):
    """Steps 1-3 as the textbook's for-loops, one candidate after the other.

    Each candidate of the stack is one call of
    :func:`sklearn_gd._loop.binary_loss_gradient` or
    :func:`sklearn_gd._loop.multinomial_loss_gradient`, unchanged: Python
    loops over the examples and the features, with scalar accumulators.

    Parameters
    ----------
    X : {ndarray, sparse matrix} of shape (n_samples, n_features)
        Training data, float64; a sparse matrix must be CSR.
    y : ndarray of shape (n_samples,)
        Binary targets (0.0 or 1.0) when ``n_classes == 2``, else class
        indices in ``0 .. n_classes - 1``.
    sample_weight : ndarray of shape (n_samples,)
        Weights ``s_i``.
    fit_intercept : bool
        Whether the last column of the parameters is an intercept.
    n_classes : int
        Number of classes: 2 uses the sigmoid, more the softmax.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_gd._loss import LoopLogisticLoss
    >>> X = np.array([[1.0, 2.0], [-1.0, 0.5]])
    >>> loss = LoopLogisticLoss(X, np.array([1.0, 0.0]), np.ones(2), True, 2)
    >>> costs, grads = loss(np.zeros((1, 1, 3)))
    >>> costs.round(6), grads
    (array([0.693147]), array([[[-0.5  , -0.375,  0.   ]]]))
    """

    def __init__(self, X, y, sample_weight, fit_intercept, n_classes):
        super().__init__(X, sample_weight, fit_intercept, n_classes)
        self._textbook = (
            _loop.binary_loss_gradient
            if n_classes == 2
            else _loop.multinomial_loss_gradient
        )
        # Python lists, made once per fit: the loops read them as the algorithm does.
        self._rows = _loop.as_rows(X)
        self._y = y.tolist()
        self._s = sample_weight.tolist()

    def __call__(self, stack):
        """Run the textbook's loops for each candidate; see :class:`Evaluator`."""
        costs = np.empty(len(stack))
        grads = np.empty(stack.shape)
        for c, params in enumerate(stack):
            costs[c], grads[c] = self._textbook(
                params, self._rows, self._y, self._s, self.fit_intercept
            )
        return costs, grads


class CompiledLogisticLoss(_InMemoryEvaluator):
    r"""The cost J and its gradient, in one pass over X per call (compiled).

    The vectorized Steps 1-3 of the algorithm for NumPy and SciPy data, computed
    by the numba kernels of :mod:`sklearn_gd._kernels`: the rows of X are
    taken in blocks that stay in the processor's cache; for each block, the
    forward pass ``z = W x_i + b`` of every candidate, each example's cost and
    ``dz``, and ``dW += dz x_i`` while the rows are still in cache, so that X
    is read from memory once per call for all the candidates of the stack.
    The rows are shared out among numba's threads. Nothing of the size of X
    is allocated.

    Parameters
    ----------
    X : {ndarray, sparse matrix} of shape (n_samples, n_features)
        Training data, float32 or float64; a sparse matrix must be CSR. A
        dense X that is not C-contiguous is copied once, here.
    y : ndarray of shape (n_samples,)
        Binary targets (0.0 or 1.0) when ``n_classes == 2``, else class
        indices in ``0 .. n_classes - 1``.
    sample_weight : ndarray of shape (n_samples,)
        Weights ``s_i``; all ones gives the algorithm's plain average.
    fit_intercept : bool
        Whether the last column of the parameters is an intercept.
    n_classes : int
        Number of classes: 2 uses the sigmoid, more the softmax.
    block_rows : int or None, default=None
        Rows per block; None: about 32 KiB of X
        (:func:`sklearn_gd._kernels.block_rows`).
    n_threads : int or None, default=None
        Threads a call uses; None: numba's number of threads
        (``NUMBA_NUM_THREADS``, ``numba.set_num_threads``), one on small data.

    Notes
    -----
    With :math:`z_i = w^T x_i + b`, :math:`S = \sum_i s_i`, the loss of one
    example in its softplus form (the algorithm's cross-entropy without
    ``log(0)``), or for more classes in its log-sum-exp form:

    .. math::
        L_i = \log(1 + e^{z_i}) - y_i z_i, \qquad
        L_i = \log \sum_k e^{z_{ik}} - z_{i y_i},

    and :math:`J = \sum_i s_i L_i / S`, :math:`dw = \sum_i s_i x_i (a_i - y_i)
    / S`, :math:`db = \sum_i s_i (a_i - y_i) / S`. Each example's loss is
    formed on its own and the sums are float64, whatever X's dtype.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_gd._loss import CompiledLogisticLoss
    >>> X = np.array([[1.0, 2.0], [-1.0, 0.5]])
    >>> loss = CompiledLogisticLoss(X, np.array([1.0, 0.0]), np.ones(2), True, 2)
    >>> costs, grads = loss(np.zeros((1, 1, 3)))
    >>> costs.round(6)  # ln 2
    array([0.693147])
    >>> grads
    array([[[-0.5  , -0.375,  0.   ]]])
    """

    def __init__(
        self,
        X,
        y,
        sample_weight,
        fit_intercept,
        n_classes,
        *,
        block_rows=None,
        n_threads=None,
    ):
        # numba is imported here, when a fit first needs it.
        from sklearn_gd import _compiled

        if not issparse(X):
            X = np.ascontiguousarray(X)  # the kernels read rows
        super().__init__(X, sample_weight, fit_intercept, n_classes)
        self._compiled = _compiled
        # Laid out once per fit: X's form, y as intp, float64 weights, the
        # block, the threads (dense or CSR and their number decided here).
        self._kernel = _compiled.prepare(
            X,
            np.asarray(y).astype(np.intp),
            np.ascontiguousarray(sample_weight, dtype=np.float64),
            self.weight_sum,
            self.n_outputs,
            fit_intercept,
            block_rows=block_rows,
            n_threads=n_threads,
        )

    def kernel_data(self):
        """Return the data prepared for the compiled kernels, once per fit.

        Returns
        -------
        data : DenseData or CSRData
            X's form, y as ``intp``, float64 weights, the block and the
            threads (:func:`sklearn_gd._compiled.prepare`).
        """
        return self._kernel

    def engine(self):
        """Return the compiled engine over this data; see :class:`Evaluator`."""
        return self._compiled.Engine(self._kernel)

    def __call__(self, stack):
        """Compute J and its gradient of every candidate; see :class:`Evaluator`."""
        return self._compiled.evaluate_stack(self._kernel, stack)

    def sums(self, stack):
        """Compute the algorithm's accumulators: the weighted sums before averaging.

        Parameters
        ----------
        stack : ndarray of shape (n_candidates, n_outputs, n_dof)
            The candidates' parameters.

        Returns
        -------
        cost_sums : ndarray of shape (n_candidates,)
            ``sum_i s_i L_i``: ``__call__``'s costs times ``sum_i s_i``.
        grad_sums : ndarray shaped like ``stack``
            The gradients of ``cost_sums``. Sums over parts of the rows add
            up to the sums over all of them (how a Dask array is fitted).
        """
        # Divided by 1: the sums themselves.
        return self._compiled.evaluate_stack(
            self._kernel._replace(weight_sum=1.0), stack
        )


class NamespaceLogisticLoss(Evaluator):
    r"""The cost J and its gradient for arrays of any Array API namespace.

    The same Steps 1-3 as :class:`CompiledLogisticLoss`, written with the functions
    of the Array API standard only, so that X stays in its own library and
    on its own device (PyTorch on a GPU, say). The stack of parameters and
    the gradients, ``n_candidates x n_outputs x n_dof`` numbers, cross to and
    from NumPy at each call, so that the driver is the same for every array
    library.

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
        Whether the last column of the parameters is an intercept.
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
    The formulas are those of :class:`CompiledLogisticLoss`; the targets of the
    softmax are one-hot rows ``s_i [k = y_i]``, made once. The cost of an
    example is formed before the sum over examples, never as a difference of
    two large sums.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.utils._array_api import get_namespace_and_device
    >>> from sklearn_gd._loss import NamespaceLogisticLoss
    >>> X = np.array([[1.0, 2.0], [-1.0, 0.5]])
    >>> xp, _, device = get_namespace_and_device(X)  # NumPy, as an Array API
    >>> loss = NamespaceLogisticLoss(
    ...     X, np.array([1.0, 0.0]), np.ones(2), True, 2, xp, device, np.asarray)
    >>> costs, grads = loss(np.zeros((1, 1, 3)))
    >>> costs.round(6), grads
    (array([0.693147]), array([[[-0.5  , -0.375,  0.   ]]]))
    """

    def __init__(
        self, X, y, sample_weight, fit_intercept, n_classes, xp, device, to_numpy
    ):
        self.n_samples = X.shape[0]
        self.n_features = X.shape[1]
        self.fit_intercept = fit_intercept
        self.n_classes = n_classes
        self.weight_sum = float(to_numpy(xp.sum(sample_weight)))
        self.dtype = to_numpy(X[:1, :1]).dtype
        self._X = X
        self._xp = xp
        self._device = device
        self._to_numpy = to_numpy
        # Shaped (n_samples, candidate, output) to broadcast over a stack.
        self._sample_weight = sample_weight[:, None, None]
        if n_classes == 2:
            target = y[:, None, None]
        else:
            classes = xp.arange(n_classes, dtype=y.dtype, device=device)
            target = xp.astype(y[:, None] == classes[None, :], X.dtype)[:, None, :]
        self._target = target
        self._weighted_target = self._sample_weight * target

    def __call__(self, stack):
        """Compute J and its gradient of every candidate; see :class:`Evaluator`."""
        xp, X = self._xp, self._X
        n_candidates, n_outputs, n_dof = stack.shape
        theta = xp.asarray(stack, dtype=X.dtype, device=self._device)
        W = xp.reshape(theta[:, :, : self.n_features], (-1, self.n_features))
        Z = xp.reshape(X @ W.T, (-1, n_candidates, n_outputs))
        if self.fit_intercept:
            Z = Z + theta[:, :, self.n_features]
        s, sy = self._sample_weight, self._weighted_target
        if self.n_classes == 2:
            # Each example's loss on its own: max(z, 0) - y z is exact.
            zero = xp.zeros_like(Z)
            loss = xp.maximum(Z, zero) - Z * self._target + softplus(-xp.abs(Z), xp)
            costs = xp.sum(s * loss, axis=(0, 2))
            dZ = s * sigmoid(Z, xp) - sy
        else:
            log_A = log_softmax(Z, xp)
            costs = -xp.sum(log_A * sy, axis=(0, 2))
            dZ = s * xp.exp(log_A) - sy
        dZ = xp.reshape(dZ, (-1, n_candidates * n_outputs))
        grads = dZ.T @ X
        if self.fit_intercept:
            grads = xp.concat([grads, xp.sum(dZ, axis=0)[:, None]], axis=1)
        grads = self._to_numpy(grads).reshape(n_candidates, n_outputs, n_dof)
        costs = self._to_numpy(costs)
        return costs / self.weight_sum, grads / self.weight_sum

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
            squares of X's values overflow X's dtype (float32 from about
            1e19), which the Gram matrix is formed in here.
        """
        xp, X = self._xp, self._X
        largest = float(self._to_numpy(xp.max(xp.abs(X))))
        # The Gram is formed in X's dtype, on X's device (which may have no
        # float64): its sums must not overflow that dtype.
        if gram_could_overflow(largest, X.shape[1], self.dtype):
            return np.inf
        weights = self._sample_weight[:, 0, :] / self.weight_sum
        gram = (X * weights).T @ X
        gram = self._to_numpy(gram).astype(np.float64)
        if self.fit_intercept:
            column = self._to_numpy(xp.sum(X * weights, axis=0)).astype(np.float64)
            gram = np.block([[gram, column[:, None]], [column[None, :], 1.0]])
        return lipschitz_from_gram(gram, self.n_classes, l2_reg)

    def sample_rows(self, rows):
        """Return some rows of X and their weights, copied to NumPy."""
        xp = self._xp
        X = xp.take(self._X, xp.asarray(rows, device=self._device), axis=0)
        weights = self._to_numpy(self._sample_weight[:, 0, 0])[rows]
        return self._to_numpy(X).astype(np.float64), weights.astype(np.float64)


def penalty_strengths(C, l1_ratio, weight_sum):
    """Turn ``C`` and ``l1_ratio`` into the factors of the penalty terms.

    Parameters
    ----------
    C : float or ndarray
        Inverse regularisation strength; ``np.inf`` means no penalty.
    l1_ratio : float
        Elastic-net mixing: 0 is L2, 1 is L1.
    weight_sum : float
        The sum of the sample weights.

    Returns
    -------
    l2_reg : float or ndarray
        ``(1 - l1_ratio) / (C * weight_sum)``, the factor of ``||W||^2 / 2``.
    l1_reg : float or ndarray
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
    # Tiny weights overflow 1 / (C S): the problem builder refuses that.
    with np.errstate(over="ignore", invalid="ignore"):
        scale = 1.0 / (C * weight_sum)
        return (1.0 - l1_ratio) * scale, l1_ratio * scale


class ElasticNet:
    r"""The elastic-net penalty of every candidate, as one object.

    The smooth L2 part has a value and a gradient, added to the evaluator's;
    the L1 part has a value and a proximal step (a soft-threshold), applied
    after each gradient step. The intercepts are never penalised.

    Parameters
    ----------
    l2_reg : array-like of shape (n_candidates,)
        Factor of ``||W||^2 / 2`` of each candidate.
    l1_reg : array-like of shape (n_candidates,)
        Factor of ``||W||_1`` of each candidate.
    fit_intercept : bool
        Whether the last column of the parameters is an intercept.

    Notes
    -----
    For candidate :math:`c`, the penalty is

    .. math::
        \frac{\lambda_{2,c}}{2} \|W\|_2^2 + \lambda_{1,c} \|W\|_1 .

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_gd._loss import ElasticNet
    >>> penalty = ElasticNet([1.0], [0.5], fit_intercept=True)
    >>> stack = np.array([[[2.0, -1.0, 5.0]]])
    >>> costs, grads = penalty.add_to(np.zeros(1), np.zeros((1, 1, 3)), stack, [0])
    >>> costs, grads
    (array([4.]), array([[[ 2., -1.,  0.]]]))
    >>> penalty.prox(np.array([[[0.3, -2.0, 5.0]]]), np.array([1.0]), [0])
    array([[[ 0. , -1.5,  5. ]]])
    """

    def __init__(self, l2_reg, l1_reg, fit_intercept):
        self.l2_reg = np.asarray(l2_reg, dtype=float)
        self.l1_reg = np.asarray(l1_reg, dtype=float)
        self.fit_intercept = fit_intercept

    @classmethod
    def from_C(cls, Cs, l1_ratio, weight_sum, fit_intercept):
        """Make the penalty of candidates with inverse strengths ``Cs``.

        Parameters
        ----------
        Cs : array-like of shape (n_candidates,)
            Inverse regularisation strength of each candidate; ``np.inf``
            is no penalty.
        l1_ratio : float
            Elastic-net mixing: 0 is L2, 1 is L1.
        weight_sum : float
            The sum of the sample weights.
        fit_intercept : bool
            Whether the last column of the parameters is an intercept.

        Returns
        -------
        penalty : ElasticNet
            The penalty, scaled as :func:`penalty_strengths` says.
        """
        l2_reg, l1_reg = penalty_strengths(
            np.asarray(Cs, dtype=float), l1_ratio, weight_sum
        )
        return cls(l2_reg, l1_reg, fit_intercept)

    @property
    def has_l1(self):
        """Whether some candidate has an L1 part, which needs the proximal step."""
        return bool(np.any(self.l1_reg))

    def add_to(self, costs, grads, stack, running):
        """Add the penalty to the costs and its smooth part to the gradients.

        Parameters
        ----------
        costs : ndarray of shape (n_running,)
            The data term of the candidates ``running``.
        grads : ndarray of shape (n_running, n_outputs, n_dof)
            Its gradients, added to in place.
        stack : ndarray of shape (n_running, n_outputs, n_dof)
            The parameters of those candidates.
        running : array-like of int
            Indices of the candidates in the stack.

        Returns
        -------
        costs : ndarray of shape (n_running,)
            The objective J: the data term plus both penalty terms.
        grads : ndarray of shape (n_running, n_outputs, n_dof)
            The gradients of the smooth part (data term and L2 term).
        """
        costs = np.array(costs, dtype=float)
        n_features = stack.shape[-1] - int(self.fit_intercept)
        for r, c in enumerate(running):
            costs[r] = penalty_add(
                self.l2_reg[c], self.l1_reg[c], n_features, stack[r], costs[r], grads[r]
            )
        return costs, grads

    def l1_value(self, stack, running):
        """Return the L1 part of the penalty of candidates ``running``.

        Parameters
        ----------
        stack : ndarray of shape (n_running, n_outputs, n_dof)
            Their parameters.
        running : array-like of int
            Indices of the candidates.

        Returns
        -------
        values : ndarray of shape (n_running,)
            ``l1_reg * ||W||_1`` of each: the non-smooth part of J.
        """
        n_features = stack.shape[-1] - int(self.fit_intercept)
        return np.array(
            [
                l1_value(self.l1_reg[c], n_features, stack[r])
                for r, c in enumerate(running)
            ]
        )

    def prox(self, stack, steps, running):
        """Soft-threshold the weights: the proximal step of the L1 part.

        Parameters
        ----------
        stack : ndarray of shape (n_running, n_outputs, n_dof)
            Parameters after a gradient step.
        steps : ndarray of shape (n_running,)
            The step size each of them took.
        running : array-like of int
            Indices of the candidates in the stack.

        Returns
        -------
        stack : ndarray of shape (n_running, n_outputs, n_dof)
            A new array, every weight moved towards zero by ``step * l1_reg``
            and set to exactly zero if it would cross it.
        """
        out = np.array(stack, dtype=float)
        n_features = stack.shape[-1] - int(self.fit_intercept)
        for r, c in enumerate(running):
            soft_threshold(out[r], steps[r] * self.l1_reg[c], n_features)
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
    largest = largest_abs(X)
    if gram_could_overflow(largest, X.shape[1]):
        return np.inf
    weights = gram_weights(sample_weight, sample_weight.sum(), largest, X.shape[1])
    if issparse(X):
        largest = _largest_eigenvalue_sparse(X, weights, fit_intercept)
        return _curvature(n_classes) * max(float(largest), 0.0) + l2_reg
    n_dof = X.shape[1] + fit_intercept
    with _serial_blas(min(X.shape) * n_dof**2 <= SERIAL_GRAM_WORK):
        gram = _weighted_gram(X, weights, fit_intercept)
        return lipschitz_from_gram(gram, n_classes, l2_reg)


# Up to this many multiply-adds (a few milliseconds of one core) the Gram
# matrix and its eigenvalue are computed on one BLAS thread. Each of those
# small BLAS calls otherwise wakes OpenBLAS's threads (NumPy's and SciPy's
# are two pools on the same cores): on digits (1,797 x 64) the set-up took
# 8.0 ms with them and 0.87 ms without, where the products alone take 0.45.
SERIAL_GRAM_WORK = 2**27

_BLAS = []  # threadpoolctl's controller, inspected once per process


def _serial_blas(serial):
    """Return a context that runs BLAS on one thread if ``serial``.

    The controller that finds the BLAS libraries takes 4 ms to build: it is
    built once; a limit then costs about 14 us. threadpoolctl is a
    dependency of scikit-learn's.
    """
    if not serial:
        return contextlib.nullcontext()
    if not _BLAS:
        from threadpoolctl import ThreadpoolController

        _BLAS.append(ThreadpoolController())
    return _BLAS[0].limit(limits=1, user_api="blas")


def largest_abs(X):
    """Return the largest absolute value of X, without writing to X.

    Parameters
    ----------
    X : ndarray or sparse matrix of shape (n_samples, n_features)
        Training data (or a chunk of it).

    Returns
    -------
    largest : float
        ``max |x_ij|``; 0.0 for an X without values. Duplicate entries of a
        sparse X count as their sum, the value they stand for.

    Notes
    -----
    SciPy's ``max`` and ``min`` of a sparse matrix that is not in canonical
    form (unsorted indices, as ``X[:, columns]`` returns, or duplicates) sort
    its indices and sum its duplicates in place: they rewrite the caller's
    arrays, fail on read-only ones (what joblib hands its workers) and race
    when threads share the matrix. The values are read from ``X.data``
    instead, from a canonical copy when X is not canonical. A dense X is
    not copied either (``max`` and ``min``, unlike ``abs``, make no copy).

    Examples
    --------
    >>> import numpy as np
    >>> from scipy import sparse
    >>> from sklearn_gd._loss import largest_abs
    >>> X = sparse.csr_matrix((np.array([2.0, -3.0]), np.array([0, 0]),
    ...                        np.array([0, 2])), shape=(1, 2))
    >>> largest_abs(X), X.nnz  # the duplicates stand for -1.0; X is left alone
    (1.0, 2)
    >>> largest_abs(sparse.csr_matrix((3, 2)))  # no stored value
    0.0
    """
    if issparse(X):
        if not X.has_canonical_format:
            X = X.copy()  # sorted and summed here, not in the caller's arrays
            X.sum_duplicates()
        X = X.data
    if not X.size:
        return 0.0
    return max(float(X.max()), -float(X.min()))


def gram_could_overflow(largest_abs, n_features, dtype=np.float64):
    """Tell whether the Gram matrix of data this large could overflow a dtype.

    Its largest eigenvalue is at most ``(n_features + 1) * max x^2``, and so
    is every sum that forms it (the weights sum to 1).

    Parameters
    ----------
    largest_abs : float
        The largest absolute value in X.
    n_features : int
        Number of columns of X.
    dtype : dtype, default=numpy.float64
        The floating-point type the Gram matrix would be formed in.

    Returns
    -------
    overflow : bool
        True when that bound is beyond the largest finite value of ``dtype``.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_gd._loss import gram_could_overflow
    >>> gram_could_overflow(1e3, 10), gram_could_overflow(1e300, 10)
    (False, True)
    >>> gram_could_overflow(1e19, 10, np.float32)  # finite in float32...
    True
    """
    with np.errstate(over="ignore"):  # an overflow is the answer here
        bound = np.float64(largest_abs) ** 2 * (n_features + 1)
    return not bound <= np.finfo(dtype).max


def gram_weights(sample_weight, weight_sum, largest_abs, n_features):
    """Return the diagonal of ``D`` for the Gram matrix, in the dtype it needs.

    Parameters
    ----------
    sample_weight : ndarray of shape (n_samples,)
        Weights ``s_i``, of X's dtype.
    weight_sum : float
        ``sum_i s_i`` over all the data (a chunk's weights sum to less).
    largest_abs : float
        The largest absolute value in X (:func:`largest_abs`).
    n_features : int
        Number of columns of X.

    Returns
    -------
    weights : ndarray of shape (n_samples,)
        ``s_i / weight_sum``: of the weights' dtype (a float32 X's Gram is
        formed in float32 arithmetic, as fast as a float32 X is read), or
        float64 where the Gram's sums could overflow that dtype (float32
        values beyond about 1e19), which makes NumPy form it in float64.
    """
    dtype = sample_weight.dtype
    if gram_could_overflow(largest_abs, n_features, dtype):
        dtype = np.dtype(np.float64)
    return np.asarray(sample_weight, dtype=dtype) / dtype.type(weight_sum)


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
    if last < 64:  # all eigenvalues: on a small matrix, quicker than the subset's
        largest = np.linalg.eigvalsh(gram)[last]  # set-up (35 against 41 us at 31)
    else:
        largest = scipy.linalg.eigvalsh(gram, subset_by_index=[last, last])[0]
    return _curvature(n_classes) * max(float(largest), 0.0) + l2_reg


def _curvature(n_classes):
    """Return the largest curvature of the loss in z: 1/4 (sigmoid), 1/2 (softmax)."""
    return 0.25 if n_classes == 2 else 0.5


def _weighted_gram(X, weights, fit_intercept, block_bytes=2**20):
    """Form the smaller of ``X~^T D X~`` and ``D^1/2 X~ X~^T D^1/2``.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
        Training data.
    weights : ndarray of shape (n_samples,)
        The diagonal of ``D``, non-negative, summing to 1.
    fit_intercept : bool
        Whether ``X~`` has a column of ones after the columns of X.
    block_bytes : int, default=2**20
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


def feature_gram(X, weights, fit_intercept, block_bytes=2**20):
    """Form ``X~^T D X~``, block by block of rows.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
        Training data.
    weights : ndarray of shape (n_samples,)
        The diagonal of ``D``, non-negative.
    fit_intercept : bool
        Whether ``X~`` has a column of ones after the columns of X.
    block_bytes : int, default=2**20
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
    # At least n_dof rows a block: each block's product is an n_dof x n_dof
    # temporary (2,100 x 2,000 took 0.73 s with 65-row blocks, 0.2 s whole).
    block_rows = max(n_dof, block_bytes // (max(n_features, 1) * X.itemsize))
    roots = np.sqrt(weights)  # the weights are non-negative
    for start in range(0, n_samples, block_rows):
        X_b = X[start : start + block_rows]
        # (D^1/2 X_b)^T (D^1/2 X_b): NumPy hands a product of an array with
        # its own transpose to BLAS's syrk, which forms one triangle: half
        # the operations of X_b^T D @ X_b (200,000 x 50: 30 against 40 ms).
        X_s = X_b * roots[start : start + block_rows, None]
        gram[:n_features, :n_features] += X_s.T @ X_s
        if fit_intercept:  # X_b^T D 1, as a product: a quarter of a row sum's time
            gram[:n_features, n_features] += weights[start : start + block_rows] @ X_b
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
    # A fixed start (as scikit-learn's _init_arpack_v0): ARPACK's own is
    # random, which made the bound, the 'auto' step and so every fit on
    # sparse data differ from one call to the next at round-off.
    v0 = np.random.default_rng(0).uniform(-1.0, 1.0, size=n_dof)
    largest = eigsh(
        operator, k=1, which="LA", return_eigenvectors=False, tol=1e-6, v0=v0
    )
    return largest[0]
