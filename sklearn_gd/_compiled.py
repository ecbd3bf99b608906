"""The driver's rule compiled by numba, with the kernels of Steps 1-3 inside it.

:mod:`sklearn_gd._gradient_descent` writes the rule once, as plain functions
of one state of arrays; this module has numba compile those same functions
(``register_jitable``) and replaces their one call that differs,
:func:`~sklearn_gd._gradient_descent.evaluate`, by the kernels of
:mod:`sklearn_gd._kernels` (``@overload``) for the data they serve: a dense
or CSR X prepared once per fit (:func:`prepare`). A whole chunk of
iterations is then one compiled call (:func:`run`), with no Python between
its passes over X.

The compiled functions are cached on disk (``cache=True``). numba checks a
cached function against its own file only: after editing the rule in
``_gradient_descent.py`` or the penalty in ``_penalty.py``, delete the cache
(the ``__pycache__`` folders of the package, or ``NUMBA_CACHE_DIR``) or a
fresh process may load the rule as it was.

This module imports numba: it is imported when a fit first needs it.
"""

import math
from typing import NamedTuple

import numba
import numpy as np
from numba.extending import overload, register_jitable
from scipy.sparse import issparse

from sklearn_gd import _gradient_descent, _kernels, _ops, _penalty
from sklearn_gd._jit import njit

# The rule's functions, compiled as they are written. Division by zero
# gives inf or NaN, as in NumPy (the rule tests for them), rather than
# raising.
_RULE = (
    _gradient_descent._evaluate_at,
    _gradient_descent._end_trials,
    _gradient_descent._record,
    _gradient_descent._check_convergence,
    _gradient_descent._shift,
    _gradient_descent._start_trials,
    _gradient_descent._next_trial,
    _gradient_descent._test_trials,
    _gradient_descent._momentum_correct,
    _gradient_descent._restart,
    _gradient_descent._finish_step,
    _gradient_descent._decreases,
    _gradient_descent._prox_step,
    _penalty.penalty_add,
    _penalty.l1_value,
    _penalty.soft_threshold,
)


for _function in _RULE:
    register_jitable(error_model="numpy")(_function)


class DenseData(NamedTuple):
    """A dense X and what the kernels need with it, laid out once per fit.

    Attributes
    ----------
    X : ndarray of shape (n_samples, n_features)
        C-contiguous, float32 or float64.
    y : ndarray of shape (n_samples,)
        Class indices, ``intp`` (0 or 1 for two classes).
    s : ndarray of shape (n_samples,)
        Sample weights, float64.
    weight_sum : float
        What the sums are divided by.
    n_features : int
        Number of features.
    n_outputs : int
        1 (sigmoid) or the number of classes (softmax).
    fit_intercept : bool
        Whether the parameters' last column is an intercept.
    block : int
        Rows per block.
    n_parts : int
        Parts of the rows, one thread each when the lock allows; 1 for an X
        of fewer values than :data:`sklearn_gd._kernels.THREADED_FROM_VALUES`
        unless the threads were asked for.
    threads_from : int
        The outputs (candidates x classes) a pass must have to run its parts
        on threads (:data:`sklearn_gd._kernels.THREADED_FROM_WORK`); 0 when
        the threads were asked for.
    parallel : ndarray of shape (1,)
        Whether this call may run its parts on threads (set by :func:`run`).
    W : ndarray of shape (n_candidates * n_outputs, n_features)
        Scratch: the weights of the outputs a pass evaluates, X's dtype.
    b : ndarray of shape (n_candidates * n_outputs,)
        Scratch: their intercepts.
    dW : ndarray of shape (n_parts, n_candidates * n_outputs, n_features + 1)
        Scratch: the gradient sums of each part of the rows.
    sums : ndarray of shape (n_parts, n_candidates)
        Scratch: the cost sums of each part of the rows.
    """

    X: np.ndarray
    y: np.ndarray
    s: np.ndarray
    weight_sum: float
    n_features: int
    n_outputs: int
    fit_intercept: bool
    block: int
    n_parts: int
    threads_from: int
    parallel: np.ndarray
    W: np.ndarray
    b: np.ndarray
    dW: np.ndarray
    sums: np.ndarray


class CSRData(NamedTuple):
    """A CSR X and what the kernels need with it; see :class:`DenseData`.

    Attributes
    ----------
    data, indices, indptr : ndarray
        X's CSR arrays.
    y, s, weight_sum, n_features, n_outputs, fit_intercept, block, n_parts
        As in :class:`DenseData`.
    threads_from, parallel, W, b, dW, sums
        As in :class:`DenseData`.
    """

    data: np.ndarray
    indices: np.ndarray
    indptr: np.ndarray
    y: np.ndarray
    s: np.ndarray
    weight_sum: float
    n_features: int
    n_outputs: int
    fit_intercept: bool
    block: int
    n_parts: int
    threads_from: int
    parallel: np.ndarray
    W: np.ndarray
    b: np.ndarray
    dW: np.ndarray
    sums: np.ndarray


def prepare(
    X,
    y,
    s,
    weight_sum,
    n_outputs,
    fit_intercept,
    *,
    block_rows=None,
    n_threads=None,
    n_candidates=1,
):
    """Lay out the data of the kernels once: dense or CSR, block, threads, scratch.

    Parameters
    ----------
    X : ndarray or CSR matrix of shape (n_samples, n_features)
        Training data, float32 or float64; a dense X C-contiguous.
    y : ndarray of shape (n_samples,)
        Class indices, ``intp``.
    s : ndarray of shape (n_samples,)
        Sample weights, float64, C-contiguous.
    weight_sum : float
        ``sum_i s_i``.
    n_outputs : int
        1 (sigmoid) or the number of classes (softmax).
    fit_intercept : bool
        Whether the parameters' last column is an intercept.
    block_rows : int or None, default=None
        Rows per block; None: about 32 KiB of X.
    n_threads : int or None, default=None
        Parts of the rows; None: :func:`sklearn_gd._kernels.threads_for`, and
        one part for an X of fewer values than
        :data:`sklearn_gd._kernels.THREADED_FROM_VALUES`.
    n_candidates : int, default=1
        The most candidates one evaluation serves (:func:`for_stack` lays
        out the scratch for more).

    Returns
    -------
    data : DenseData or CSRData
        What :func:`run` and :func:`evaluate_stack` take.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_gd import _compiled
    >>> X = np.array([[1.0, 2.0], [-1.0, 0.5]])
    >>> data = _compiled.prepare(X, np.array([1, 0]), np.ones(2), 2.0, 1, True)
    >>> costs, grads = _compiled.evaluate_stack(data, np.zeros((1, 1, 3)))
    >>> costs.round(6), grads
    (array([0.693147]), array([[[-0.5  , -0.375,  0.   ]]]))
    """
    # The compiled driver calls the parallel kernels: numba's threading layer
    # must be started before it runs, and loading it from the disk cache does
    # not start it (a segmentation fault in a fresh process whose first
    # compiled call came from the cache). get_num_threads() starts it.
    numba.get_num_threads()
    sparse = issparse(X)
    n_samples, n_features = X.shape
    # A block holds about 32 KiB of X: rows of a CSR X hold nnz / m values.
    row_values = X.nnz / max(1, n_samples) if sparse else n_features
    block = block_rows or _kernels.block_rows(row_values, X.dtype.itemsize)
    n_values = X.nnz if sparse else X.size
    n_parts = _kernels.threads_for(n_values, n_threads)
    if n_threads is None and n_values < _kernels.THREADED_FROM_VALUES:
        n_parts = 1
    threads_from = 0
    if n_threads is None:  # work = n_values (1 + outputs / 3)
        threads_from = _kernels.THREADED_FROM_WORK / max(n_values, 1) - 1
        threads_from = max(0, math.ceil(3 * threads_from))
    common = {
        "y": _writable(y),
        "s": _writable(s),
        "weight_sum": float(weight_sum),
        "n_features": int(n_features),
        "n_outputs": int(n_outputs),
        "fit_intercept": bool(fit_intercept),
        "block": int(block),
        "n_parts": int(n_parts),
        "threads_from": int(threads_from),
        "parallel": np.zeros(1, dtype=np.bool_),
        **_scratch(X.dtype, n_parts, n_candidates, n_outputs, n_features),
    }
    if sparse:
        return CSRData(
            data=_writable(X.data),
            indices=_writable(X.indices),
            indptr=_writable(X.indptr),
            **common,
        )
    return DenseData(X=_writable(X), **common)


class Engine:
    """The compiled engine over data prepared once per fit, as the driver runs it.

    The evaluator hands it to the driver
    (:meth:`sklearn_gd._loss.Evaluator.engine`), so that the driver, which
    this module compiles, does not import it.

    Parameters
    ----------
    data : DenseData or CSRData
        The prepared data (:func:`prepare`).

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_gd import _compiled
    >>> X, y, s = np.array([[1.0, 2.0], [-1.0, 0.5]]), np.array([1, 0]), np.ones(2)
    >>> engine = _compiled.Engine(_compiled.prepare(X, y, s, 2.0, 1, True))
    >>> data, advance = engine.start(3)
    >>> data.W.shape, advance is _compiled.run
    ((3, 2), True)
    """

    def __init__(self, data):
        self.data = data

    def start(self, n_candidates):
        """Return one run's data, with scratch of its own, and how to advance it.

        Parameters
        ----------
        n_candidates : int
            The most candidates one evaluation of the run serves.

        Returns
        -------
        data : DenseData or CSRData
            :func:`for_stack` of the prepared data.
        advance : callable
            :func:`run`.
        """
        return for_stack(self.data, n_candidates), run


def for_stack(data, n_candidates):
    """Return ``data`` with its own scratch, for evaluations of ``n_candidates``.

    The compiled descent allocates nothing (see ``_run_chunk``): each run
    gets its scratch here, once, and no two runs share it.

    Parameters
    ----------
    data : DenseData or CSRData
        The prepared data.
    n_candidates : int
        The most candidates one evaluation serves.

    Returns
    -------
    data : DenseData or CSRData
        The same data, with new scratch arrays.
    """
    dtype = _dtype_of(data)
    return data._replace(
        # The threads' flag too: _Threads sets it for its own run only.
        parallel=np.zeros(1, dtype=np.bool_),
        **_scratch(dtype, data.n_parts, n_candidates, data.n_outputs, data.n_features),
    )


def _scratch(dtype, n_parts, n_candidates, n_outputs, n_features):
    """Return the scratch of an evaluation of ``n_candidates`` (:class:`DenseData`)."""
    n_z = max(1, n_candidates) * n_outputs
    return {
        "W": np.zeros((n_z, n_features), dtype=dtype),
        "b": np.zeros(n_z),
        "dW": np.zeros((n_parts, n_z, n_features + 1)),
        "sums": np.zeros((n_parts, max(1, n_candidates))),
    }


class _ReadOnlyBuffer:
    """A read-only array's memory, offered as writable (see :func:`_writable`)."""

    def __init__(self, array):
        interface = dict(array.__array_interface__)
        interface["data"] = (interface["data"][0], False)
        self.__array_interface__ = interface
        self.array = array  # kept alive as long as the view


def _writable(array):
    """Return ``array``, or a writable view of a read-only one (nothing copied).

    numba compiles a function again for read-only arrays (a read-only memmap,
    what joblib hands its workers): the kernels never write X, y or the
    weights, so one compiled form serves both.
    """
    if array.flags.writeable:
        return array
    return np.asarray(_ReadOnlyBuffer(array))


def run(data, st, se, k_stop):
    """Run the rule's iterations until ``k_stop``, in one compiled call.

    Parameters
    ----------
    data : DenseData or CSRData
        The prepared data.
    st : _State
        The state of the run, updated in place.
    se : _Settings
        Its settings.
    k_stop : int
        The iteration (zero-based) not to start.
    """
    if data.sums.shape[1] < len(st.active):
        # The compiled code does not check its indices: it would write past
        # the scratch.
        raise ValueError(
            f"The data's scratch serves {data.sums.shape[1]} candidates, the "
            f"state has {len(st.active)}: lay it out with for_stack."
        )
    if numba.config.DISABLE_JIT:  # the rule and the kernels as Python
        _gradient_descent._run_interpreted(_AsPython(data), st, se, k_stop)
        return
    with _Threads(data):
        _run_chunk(data, st, se, k_stop)


def evaluate_stack(data, stack):
    """Compute J's data term and its gradient for every candidate of a stack.

    Parameters
    ----------
    data : DenseData or CSRData
        The prepared data.
    stack : ndarray of shape (n_candidates, n_outputs, n_dof)
        The candidates' parameters.

    Returns
    -------
    costs : ndarray of shape (n_candidates,)
        ``sum_i s_i L_i / weight_sum``, float64.
    grads : ndarray shaped like ``stack``
        Their gradients, ``stack``'s dtype.
    """
    points = np.ascontiguousarray(stack, dtype=np.float64)
    costs = np.empty(len(points))
    grads = np.empty_like(points)
    data = for_stack(data, len(points))
    if numba.config.DISABLE_JIT:
        _evaluate_kernels(data, np.arange(len(points)), points, costs, grads)
    else:
        with _Threads(data):
            _evaluate_all(data, points, costs, grads)
    return costs, grads.astype(stack.dtype, copy=False)


class _Threads:
    """Let a call use its threads if no other thread of the process is in a kernel.

    numba's "workqueue" threading layer aborts the process if two threads
    launch parallel kernels at once, and on the others they would share the
    same cores: a call that finds the lock taken runs its parts serially.
    """

    def __init__(self, data):
        self.data = data
        self.locked = False

    def __enter__(self):
        if self.data.n_parts > 1:
            self.locked = _kernels._PARALLEL_LOCK.acquire(blocking=False)
            self.data.parallel[0] = self.locked
        return self

    def __exit__(self, *exc_info):
        if self.locked:
            self.data.parallel[0] = False
            _kernels._PARALLEL_LOCK.release()


class _AsPython:
    """The kernels' evaluation as a callable, for the rule run as Python."""

    def __init__(self, data):
        self.data = data

    def __call__(self, points, running):
        costs = np.empty(len(points))
        grads = np.empty_like(points)
        _evaluate_kernels(self.data, np.arange(len(points)), points, costs, grads)
        return costs, grads


def _evaluate_kernels(data, running, points, costs, grads):
    """Evaluate candidates ``running`` at ``points`` by the kernels; see ``evaluate``.

    The weights of every output of those candidates are stacked into one
    ``W`` of X's dtype, so that one pass over X serves them all. Nothing is
    allocated: ``W``, ``b`` and the accumulators are the data's scratch
    (their leading rows, so that they stay C-contiguous).
    """
    n_outputs, n_features = data.n_outputs, data.n_features
    n_z = len(running) * n_outputs
    W, b = data.W[:n_z], data.b[:n_z]
    for r in range(len(running)):
        c = running[r]
        for o in range(n_outputs):
            p = r * n_outputs + o
            for j in range(n_features):
                W[p, j] = points[c, o, j]
            if data.fit_intercept:
                b[p] = points[c, o, n_features]
            else:
                b[p] = 0.0
    # One accumulator per part of the rows, added up at the end; the kernels
    # read dW's first n_z rows and sums' first len(running) columns.
    dW, sums = data.dW, data.sums
    for t in range(data.n_parts):
        for p in range(n_z):
            for j in range(n_features + 1):
                dW[t, p, j] = 0.0
        for r in range(len(running)):
            sums[t, r] = 0.0
    _kernel_sums(data, W, b, dW, sums)
    n_dof = n_features + 1 if data.fit_intercept else n_features
    for r in range(len(running)):
        c = running[r]
        total = sums[0, r]
        for t in range(1, data.n_parts):
            total += sums[t, r]
        costs[c] = total / data.weight_sum
        for o in range(n_outputs):
            p = r * n_outputs + o
            for j in range(n_dof):
                g = dW[0, p, j]
                for t in range(1, data.n_parts):
                    g += dW[t, p, j]
                grads[c, o, j] = g / data.weight_sum


def _dtype_of(data):
    """Return X's dtype (as Python: a compiled form is :func:`_dtype_overload`)."""
    return (data.X if isinstance(data, DenseData) else data.data).dtype


def _kernel_sums(data, W, b, dW, sums):
    """Accumulate every part of the rows into ``dW`` and ``sums`` (as Python)."""
    if isinstance(data, DenseData):
        arrays, n_samples = (data.X,), data.X.shape[0]
        parts, rows = _kernels._dense_parts, _kernels._dense_rows
    else:
        arrays = (data.data, data.indices, data.indptr)
        n_samples = len(data.indptr) - 1
        parts, rows = _kernels._csr_parts, _kernels._csr_rows
    args = (*arrays, data.y, data.s, W, b, data.n_outputs, data.block)
    if _on_threads(data, len(W)):
        parts(*args, dW, sums)
        return
    for t in range(data.n_parts):
        start, stop = _kernels._part(t, data.n_parts, n_samples)
        rows(*args, start, stop, dW[t], sums[t])


def _on_threads(data, n_z):
    """Whether a pass over ``n_z`` outputs runs its parts on threads.

    Only when there are parts, the lock allows it (:class:`_Threads`), and
    the pass is long enough that threads pay on a busy machine too
    (``data.threads_from``). Either way the sums are the same: the parts
    are added up in one order.
    """
    return data.n_parts > 1 and data.parallel[0] and n_z >= data.threads_from


register_jitable(_on_threads)


def _is(data, kind):
    """Whether numba's type of ``data`` is the NamedTuple ``kind``."""
    return getattr(data, "instance_class", None) is kind


@overload(_dtype_of)
def _dtype_overload(data):
    if _is(data, DenseData):
        return lambda data: data.X.dtype
    if _is(data, CSRData):
        return lambda data: data.data.dtype


@overload(_kernel_sums, jit_options={"error_model": "numpy"})
def _kernel_sums_overload(data, W, b, dW, sums):
    if _is(data, DenseData):

        def dense(data, W, b, dW, sums):
            X = data.X
            if _on_threads(data, len(W)):
                _kernels._dense_parts(
                    X, data.y, data.s, W, b, data.n_outputs, data.block, dW, sums
                )
                return
            for t in range(data.n_parts):
                start, stop = _kernels._part(t, data.n_parts, X.shape[0])
                _kernels._dense_rows(
                    X, data.y, data.s, W, b, data.n_outputs, data.block,
                    start, stop, dW[t], sums[t],
                )  # fmt: skip

        return dense
    if _is(data, CSRData):

        def csr(data, W, b, dW, sums):
            args = (data.data, data.indices, data.indptr, data.y, data.s)
            if _on_threads(data, len(W)):
                _kernels._csr_parts(
                    *args, W, b, data.n_outputs, data.block, dW, sums
                )  # fmt: skip
                return
            n_samples = len(data.indptr) - 1
            for t in range(data.n_parts):
                start, stop = _kernels._part(t, data.n_parts, n_samples)
                _kernels._csr_rows(
                    *args, W, b, data.n_outputs, data.block,
                    start, stop, dW[t], sums[t],
                )  # fmt: skip

        return csr


register_jitable(error_model="numpy")(_evaluate_kernels)


# The rule's vector operations as loops (see sklearn_gd._ops): 2-D arrays,
# a candidate's parameters or a part of them; assign also takes the 1-D
# masks of the state.
@overload(_ops.assign)
def _assign(dst, src):
    if dst.ndim == 1:

        def one(dst, src):
            for i in range(dst.shape[0]):
                dst[i] = src[i]

        return one
    if dst.ndim == 2:

        def two(dst, src):
            for i in range(dst.shape[0]):
                for j in range(dst.shape[1]):
                    dst[i, j] = src[i, j]

        return two


@overload(_ops.lincomb)
def _lincomb(dst, a, t, b):
    def impl(dst, a, t, b):
        for i in range(dst.shape[0]):
            for j in range(dst.shape[1]):
                dst[i, j] = a[i, j] + t * b[i, j]

    return impl


@overload(_ops.dot)
def _dot(a, b):
    def impl(a, b):
        total = 0.0
        for i in range(a.shape[0]):
            for j in range(a.shape[1]):
                total += a[i, j] * b[i, j]
        return total

    return impl


@overload(_ops.abs_sum)
def _abs_sum(a):
    def impl(a):
        total = 0.0
        for i in range(a.shape[0]):
            for j in range(a.shape[1]):
                total += abs(a[i, j])
        return total

    return impl


@overload(_ops.abs_max)
def _abs_max(a):
    def impl(a):
        largest = abs(a[0, 0])
        for i in range(a.shape[0]):
            for j in range(a.shape[1]):
                value = abs(a[i, j])
                # NaN wins, as in np.max.
                if value > largest or value != value:
                    largest = value
                    if value != value:
                        return value
        return largest

    return impl


@overload(_ops.all_finite)
def _all_finite(a):
    def impl(a):
        for i in range(a.shape[0]):
            for j in range(a.shape[1]):
                if not np.isfinite(a[i, j]):
                    return False
        return True

    return impl


@overload(_ops.differs)
def _differs(a, b):
    def impl(a, b):
        for i in range(a.shape[0]):
            for j in range(a.shape[1]):
                if a[i, j] != b[i, j]:
                    return True
        return False

    return impl


@overload(_ops.shrink)
def _shrink(a, threshold):
    def impl(a, threshold):
        for i in range(a.shape[0]):
            for j in range(a.shape[1]):
                value = a[i, j]
                moved = abs(value) - threshold
                # np.maximum(moved, 0.0): NaN stays NaN.
                if not (moved > 0.0 or moved != moved):
                    moved = 0.0
                # np.sign(value) * moved, signed zeros as NumPy's.
                if value > 0.0:
                    a[i, j] = moved
                elif value < 0.0:
                    a[i, j] = -moved
                elif value == 0.0:
                    a[i, j] = 0.0 * moved
                else:
                    a[i, j] = value

    return impl


@overload(_gradient_descent.evaluate, jit_options={"error_model": "numpy"})
def _evaluate_overload(data, running, points, costs, grads):
    # The compiled engine's evaluation: the kernels, for the data they serve.
    if _is(data, DenseData) or _is(data, CSRData):
        return _evaluate_kernels


# run_iterations itself, not a function calling it: every compiled caller
# optimises all it calls again (about 5 s more of first compile a level).
#
# Without numba's reference counting (_nrt=False, inherited by the rule's
# functions and the evaluation it compiles; the kernels keep their own, see
# sklearn_gd._jit). Each compiled function increfs every array it receives
# (the state is 45 of them) and decrefs them at its end, through a call to
# an atomic NRT_incref / NRT_decref that LLVM cannot remove: on breast
# cancer those calls were 21% of a descent's samples under perf, and turning
# them off took a fixed-step iteration from 13.8 to 9.8 us (a pass is 7.9 us)
# and an adaptive one from 22.0 to 15.9 us. It is safe because nothing here
# allocates (numba refuses to compile an allocation without reference
# counting): every array lives in the state or the data, which the Python
# caller holds for the whole call.
_run_chunk = njit(cache=True, error_model="numpy", _nrt=False)(
    _gradient_descent.run_iterations
)


@njit(cache=True, error_model="numpy")
def _evaluate_all(data, points, costs, grads):
    """Evaluate every candidate of ``points`` by the kernels, compiled."""
    if len(points) > data.sums.shape[1]:
        # The kernels do not check their indices: they would write past it.
        raise ValueError("More candidates than the data's scratch serves: for_stack")
    _gradient_descent.evaluate(data, np.arange(len(points)), points, costs, grads)
