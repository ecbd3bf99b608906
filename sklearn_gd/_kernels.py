"""Steps 1-3 compiled with numba: one read of X per call, for every candidate.

The vectorized evaluator of NumPy and SciPy data
(:class:`sklearn_gd._loss.CompiledLogisticLoss`) calls these kernels. Each kernel
walks the rows of X in small blocks that stay in the processor's cache: for a
block, the forward pass ``z_i = W x_i + b`` of every candidate, then each
example's cost and ``dz_i``, then ``dW += dz_i x_i^T`` while the rows are
still in cache. X is read from memory once per call, and nothing of the size
of X is allocated.

The rows are split into as many contiguous parts as numba has threads
(``numba.get_num_threads()``); each thread accumulates into its own gradient,
and the parts are added at the end. Accumulators are float64 whatever X's
dtype: a float32 X is read as float32 (half the bytes), its dot products are
float32 as in BLAS's ``sgemv``, and everything after them is float64.

This module imports numba: it is imported when a fit first needs it, not by
``import sklearn_gd``. The kernels are compiled on their first call and
cached on disk (``cache=True``); a later process loads them. Where the cache
cannot be written or read, :func:`sklearn_gd._jit.njit` compiles them in
memory instead.
"""

import threading

import llvmlite.binding
import numba
import numpy as np
from llvmlite import ir
from numba import prange, types
from numba.core import cgutils
from numba.extending import intrinsic

# Every compiled function of the package is made by this njit: numba's, with
# a disk cache that never stops a fit (see sklearn_gd/_jit.py).
from sklearn_gd._jit import njit

# The kernels' sums may be reordered (SIMD lanes of a dot product, of a sum
# over rows): results move at round-off, 1e-15 relative, which the tests
# allow. fastmath=True also lets LLVM assume that no value is NaN or
# infinite, and the pointwise step turns a z that is not finite into a
# finite a (exp's argument is clamped, a comparison with NaN is false): a
# NaN or overflowing parameter gives a NaN cost with a finite gradient.
# That is safe because the driver tests the cost and the gradient of every
# evaluation together, and the parameters after every step: such a
# candidate ends COST_NOT_FINITE (or PARAMS_NOT_FINITE), never with a NaN
# coef_ (tests/test_kernels.py pins the cost). error_model="numpy" drops
# Python's division-by-zero checks, whose branches stop loops from being
# vectorized.
_SUMS = {"cache": True, "nogil": True, "error_model": "numpy", "fastmath": True}
# exp and log1p below must not be reordered (their range reduction relies on
# the order of operations): every fast-math flag but "reassoc".
_EXACT = {
    "cache": True,
    "error_model": "numpy",
    "fastmath": {"nnan", "ninf", "nsz", "arcp", "contract", "afn"},
}

# Rows of a block: enough to amortise the pointwise step's loops, few enough
# that the block's rows of X are still in L1/L2 cache when dW is accumulated.
_BLOCK_BYTES = 2**15
_MAX_BLOCK_ROWS = 256
# Below this many values of X a call runs on one thread: starting the threads
# costs more than it saves.
_SERIAL_BELOW = 2**16
# A pass of the compiled engine runs its parts on threads only when its work,
# the values of X times (1 + outputs / 3) (outputs: candidates x classes of
# the pass; a pass costs about that), is at least THREADED_FROM_WORK, and X
# holds at least THREADED_FROM_VALUES values. A parallel pass waits for its
# slowest thread, and where another process holds a core, the thread that
# shares it runs at half speed, after waiting for the scheduler's time slice
# (milliseconds): the pass takes about the serial pass plus that wait. On 2
# cores with a spinning process (Linux 6.18), binary passes of 2-4 ms on one
# thread took 1.6-4x as long on two, and 300,000 x 32 (5.4 ms, just above
# this much work) 0.8-1.48x in seven runs; 10-class passes held to the work
# alone (100,000 x 32, 60,000 x 64: 10 ms of one thread) took 1.0-1.7x, and
# from 4 million values (150,000 x 32) at most 1.4x. Idle, two threads save
# at most half (benchmarks/busy_machine.py). Rows handed out in 8 or 16
# parts (numba's parallel_chunksize) were no better busy: measured.
THREADED_FROM_WORK = 10_000_000
THREADED_FROM_VALUES = 4_000_000

# Rows ahead of the forward pass that are asked of memory: while a block's
# dz and dW are computed, no row of X is being loaded, and the hardware
# prefetcher does not look that far ahead (500,000 x 100 float64: 1.47x one
# X @ w without, 1.25x with, in paired rounds; 500,000 x 20: 3.67x, 1.87x).
_PREFETCH_ROWS = 16
# ...when X is larger than this: rows already in cache gain nothing from it,
# and the prefetches cost (426 x 30 float64 on one thread: 5.40 us a pass
# with them, 4.89 without).
_PREFETCH_FROM_BYTES = 2**20
# LLVM 15 made pointers opaque, and renamed the intrinsic.
_PREFETCH = (
    "llvm.prefetch.p0"
    if llvmlite.binding.llvm_version_info[0] >= 15
    else "llvm.prefetch.p0i8"
)

# One parallel kernel at a time per process: numba's "workqueue" threading
# layer aborts the process if two threads launch parallel kernels at once,
# and on the others they would share the same cores. A call that finds the
# lock taken (another thread of this process is in a parallel kernel, e.g.
# Dask's threaded scheduler or a threading joblib backend) runs serially.
_PARALLEL_LOCK = threading.Lock()

# exp and log: the C library's are one call per value (exp 4 ns, log1p 12 ns
# here), the floor of an iteration on data in cache. These are written as
# arithmetic that LLVM vectorizes over a block of rows (1.7 ns for both), to
# within 1-2 units in the last place of the C library's (tested).
_LN2_HI = 6.93147180369123816490e-01  # ln 2 with 32 trailing zero bits...
_LN2_LO = 1.90821492927058770002e-10  # ...and the rest (Cody & Waite).
_INV_LN2 = 1.44269504088896338700e00


@intrinsic
def _prefetch(typingctx, array, i, j):
    """Ask for the cache line of ``array[i, j]``, without waiting for it."""

    def codegen(context, builder, signature, args):
        array_type = signature.args[0]
        array = context.make_array(array_type)(context, builder, args[0])
        pointer = cgutils.get_item_pointer(
            context, builder, array_type, array, [args[1], args[2]]
        )
        byte_pointer = ir.IntType(8).as_pointer()
        i32 = ir.IntType(32)
        function = cgutils.get_or_insert_function(
            builder.module,
            ir.FunctionType(ir.VoidType(), [byte_pointer, i32, i32, i32]),
            _PREFETCH,
        )
        # Read, keep in all cache levels, data (not instructions).
        builder.call(
            function, [builder.bitcast(pointer, byte_pointer), i32(0), i32(3), i32(1)]
        )
        return context.get_dummy_value()

    return types.void(array, i, j), codegen


def _no_prefetch(array, i, j):
    """Do nothing: a prefetch of the kernels run as Python."""


@intrinsic
def _as_float64(typingctx, bits):
    """Return the float64 whose IEEE 754 bits are those of an int64."""

    def codegen(context, builder, signature, args):
        return builder.bitcast(args[0], ir.DoubleType())

    return types.float64(types.int64), codegen


def _as_float64_python(bits):
    """Return the float64 whose bits are ``bits``: the kernels run as Python."""
    return float(np.array(bits, dtype=np.int64).view(np.float64))


if numba.config.DISABLE_JIT:
    # NUMBA_DISABLE_JIT=1 runs the kernels as the Python they are written in
    # (to debug them, or to measure their coverage); an intrinsic has no
    # Python form.
    _prefetch = _no_prefetch
    _as_float64 = _as_float64_python


@njit(inline="always", **_SUMS)
def _prefetch_ahead(X, i, stop):
    """Ask for rows ``i + _PREFETCH_ROWS`` to ``+ 4`` of X (before ``stop``)."""
    values_per_line = 64 // X.itemsize
    for ahead in range(i + _PREFETCH_ROWS, min(i + _PREFETCH_ROWS + 4, stop)):
        for j in range(0, X.shape[1], values_per_line):
            _prefetch(X, ahead, j)


@njit(**_EXACT)
def _pow2(k):
    """Return ``2.0**k`` for an integer ``-1022 <= k <= 1023``, from its bits.

    Arithmetic, not a lookup in a table: a loop that indexes a table is not
    vectorized (LLVM: "instruction cannot be vectorized").
    """
    return _as_float64((np.int64(k) + 1023) << 52)


@njit(**_EXACT)
def exp_nonpositive(x):
    """Return ``exp(x)`` for ``x <= 0``, in arithmetic that vectorizes.

    ``x = k ln 2 + r`` with ``|r| <= ln 2 / 2``; ``exp(r)`` by its Taylor
    polynomial of degree 13 (error below 1e-17), times ``2**k`` made from its bits.
    """
    x = x if x > -745.0 else -745.0  # exp(-745): the smallest subnormal float64
    k = np.floor(x * _INV_LN2 + 0.5)
    r = (x - k * _LN2_HI) - k * _LN2_LO
    p = 1.6059043836821613e-10  # 1/13!
    p = p * r + 2.08767569878681e-09  # 1/12!
    p = p * r + 2.505210838544172e-08  # 1/11!
    p = p * r + 2.755731922398589e-07  # 1/10!
    p = p * r + 2.7557319223985893e-06  # 1/9!
    p = p * r + 2.48015873015873e-05  # 1/8!
    p = p * r + 0.0001984126984126984  # 1/7!
    p = p * r + 0.001388888888888889  # 1/6!
    p = p * r + 0.008333333333333333  # 1/5!
    p = p * r + 0.041666666666666664  # 1/4!
    p = p * r + 0.16666666666666666  # 1/3!
    p = p * r + 0.5  # 1/2!
    p = p * r + 1.0  # 1/1!
    p = p * r + 1.0  # 1/0!
    # 2**k (-1075 <= k <= 0) as two normal factors: the first product is
    # exact, the second rounds once, as a product with 2**k itself would.
    n = np.int64(k)
    half = n >> 1
    return p * _pow2(half) * _pow2(n - half)


@njit(**_EXACT)
def log1p_unit(e):
    """Return ``log(1 + e)`` for ``0 <= e <= 1``, in arithmetic that vectorizes.

    ``log(1 + e) = 2 atanh(t)``, ``t = e / (2 + e) <= 1/3``: its odd series to
    ``t**31`` (error below 2e-16); ``t`` keeps the relative precision of a
    tiny ``e``, which ``log(1 + e)`` would lose.
    """
    t = e / (2.0 + e)
    t2 = t * t
    p = 1.0 / 31
    p = p * t2 + 1.0 / 29
    p = p * t2 + 1.0 / 27
    p = p * t2 + 1.0 / 25
    p = p * t2 + 1.0 / 23
    p = p * t2 + 1.0 / 21
    p = p * t2 + 1.0 / 19
    p = p * t2 + 1.0 / 17
    p = p * t2 + 1.0 / 15
    p = p * t2 + 1.0 / 13
    p = p * t2 + 1.0 / 11
    p = p * t2 + 1.0 / 9
    p = p * t2 + 1.0 / 7
    p = p * t2 + 1.0 / 5
    p = p * t2 + 1.0 / 3
    p = p * t2 + 1.0 / 1
    return 2.0 * t * p


@njit(**_EXACT)
def log_at_least_one(u, n_doublings):
    """Return ``log(u)`` for ``1 <= u < 2**n_doublings``, vectorizably.

    ``u = 2**k m`` with ``1 <= m < 2``, ``k`` counted by comparisons.
    """
    k = 0
    threshold = 2.0
    for _ in range(1, n_doublings):
        k += u >= threshold
        threshold *= 2.0
    m = u * _pow2(-k)
    return k * _LN2_HI + (k * _LN2_LO + log1p_unit(m - 1.0))


@njit(**_SUMS)
def _total(values, n):
    """Return ``values[:n].sum()``, in an order that depends on ``n`` only.

    The loops that write arrays are vectorized or not depending on where
    the arrays lie in memory (LLVM checks at run time that they do not
    overlap), so a sum taken inside them would round differently from one
    fit to the next; a loop that only reads is always vectorized.
    """
    total = 0.0
    for r in range(n):
        total += values[r]
    return total


@njit(inline="always", **_SUMS)
def _block_of(y, s, first, n_rows):
    """Return a block's targets and weights, ``y[first:first + n_rows]`` and ``s``'s.

    Indexed by the row of the block, not ``first + r``: numba wraps a
    negative index around, so ``y[first + r]`` may be read at two places as
    far as LLVM knows, and one of them lies past the end of ``y``. The
    vectorized loop checks at run time that what it reads does not overlap
    what it writes, and where the block's scratch had been allocated just
    after ``y`` or ``s`` it ran the scalar loop instead: 14 ns a row for
    the sigmoid's step on breast cancer, against 3.6 ns sliced.
    """
    return y[first : first + n_rows], s[first : first + n_rows]


@njit(**_SUMS)
def _sigmoid_pointwise(Z, n_rows, y, s, first, work, costs):
    """Turn a block's decision values into ``s_i dz_i``; add to the costs.

    ``Z[c, r]`` is ``z_i`` of candidate ``c`` for row ``r`` of the block,
    ``y`` the block's targets (0 or 1), ``s`` its weights, ``work`` scratch
    space of shape ``(3, block)``. Each example's loss is formed on its own,
    in its stable form, before it is added: never a difference of large sums.
    """
    losses = work[0]
    y, s = _block_of(y, s, first, n_rows)
    for c in range(Z.shape[0]):
        for r in range(n_rows):
            z = Z[c, r]
            # softplus(z) = max(z, 0) + log1p(exp(-|z|)): exp never overflows;
            # max(z, 0) - y z is exact for y in {0, 1}. (Conditional
            # expressions, not max() and abs(): calls stop vectorization.)
            e = exp_nonpositive(-z if z > 0.0 else z)
            z_plus = z if z > 0.0 else 0.0
            losses[r] = s[r] * (z_plus - y[r] * z + log1p_unit(e))
            # sigmoid(z) = 1 / (1 + e) for z >= 0, e / (1 + e) for z < 0.
            a = (1.0 if z >= 0.0 else e) / (1.0 + e)
            Z[c, r] = s[r] * (a - y[r])
        costs[c] += _total(losses, n_rows)


@njit(**_SUMS)
def _softmax_pointwise(Z, n_rows, y, s, first, n_classes, n_doublings, work, costs):
    """Turn a block's ``z_ik`` into ``s_i dz_ik``; add to the costs.

    ``Z[c * n_classes + k, r]`` is ``z_ik`` of candidate ``c`` for row ``r``
    of the block; ``y`` holds class indices. ``L_i = log sum_k exp(z_ik) -
    z_iy``, with the largest ``z_ik`` subtracted first (log-sum-exp), so that
    exp() never overflows.
    """
    n_candidates = Z.shape[0] // n_classes
    losses, largest, scale = work[0], work[1], work[2]
    y, s = _block_of(y, s, first, n_rows)
    for c in range(n_candidates):
        z_0 = c * n_classes  # this candidate's first row of Z
        for r in range(n_rows):
            largest[r] = Z[z_0, r]
            scale[r] = 0.0
        for k in range(1, n_classes):
            for r in range(n_rows):
                z = Z[z_0 + k, r]
                largest[r] = z if z > largest[r] else largest[r]
        for r in range(n_rows):
            losses[r] = s[r] * (largest[r] - Z[z_0 + y[r], r])
        for k in range(n_classes):
            for r in range(n_rows):
                e = exp_nonpositive(Z[z_0 + k, r] - largest[r])
                Z[z_0 + k, r] = e
                scale[r] += e
        for r in range(n_rows):
            losses[r] += s[r] * log_at_least_one(scale[r], n_doublings)
            scale[r] = s[r] / scale[r]
        for k in range(n_classes):
            for r in range(n_rows):
                Z[z_0 + k, r] *= scale[r]
        for r in range(n_rows):
            Z[z_0 + y[r], r] -= s[r]
        costs[c] += _total(losses, n_rows)


@njit(**_SUMS)
def _pointwise(Z, n_rows, y, s, first, n_outputs, work, costs):
    """Run the sigmoid's or the softmax's pointwise step on a block."""
    if n_outputs == 1:
        _sigmoid_pointwise(Z, n_rows, y, s, first, work, costs)
        return
    # sum_k exp(z_ik - max_k z_ik) lies in [1, n_classes].
    n_doublings = 1
    while 2**n_doublings <= n_outputs:
        n_doublings += 1
    _softmax_pointwise(Z, n_rows, y, s, first, n_outputs, n_doublings + 1, work, costs)


@njit(**_SUMS)
def _dense_rows(X, y, s, W, b, n_outputs, block, start, stop, dW, costs):
    """Accumulate rows ``start:stop`` of a dense X into ``dW`` and ``costs``.

    ``W`` has X's dtype, shape ``(n_z, n_features)`` with ``n_z = n_candidates
    * n_outputs``; ``dW`` is float64 of shape ``(n_z, n_features + 1)``, its
    last column the intercepts' gradients.
    """
    n_features = X.shape[1]
    n_z = W.shape[0]
    if n_z == 1:
        # One output: the same sums without the loop over outputs, whose
        # inner loops LLVM vectorizes worse (100,000 x 20: 1.3x the time).
        _dense_rows_one(X, y, s, W, b, block, start, stop, dW, costs)
        return
    Z = np.empty((n_z, block))
    work = np.empty((3, block))
    # A zero of X's dtype: float32 dot products stay float32 (SIMD lanes).
    zero = W[0, 0] - W[0, 0]
    ahead = X.shape[0] * X.shape[1] * X.itemsize > _PREFETCH_FROM_BYTES
    for first in range(start, stop, block):
        last = min(first + block, stop)
        # The block's rows indexed from 0 (a non-negative index: see
        # _block_of): 15-20% quicker in cache than X[i, j].
        Xb, n_rows = X[first:last], last - first
        # Forward pass: X's rows are read from memory here, four at a time:
        # four independent sums hide the latency of each, and each value of
        # W loaded serves four rows.
        four = n_rows // 4 * 4
        for r in range(0, four, 4):
            if ahead:
                _prefetch_ahead(X, first + r, stop)
            for p in range(n_z):
                z0 = z1 = z2 = z3 = zero
                for j in range(n_features):
                    z0 += Xb[r, j] * W[p, j]
                    z1 += Xb[r + 1, j] * W[p, j]
                    z2 += Xb[r + 2, j] * W[p, j]
                    z3 += Xb[r + 3, j] * W[p, j]
                Z[p, r] = z0 + b[p]
                Z[p, r + 1] = z1 + b[p]
                Z[p, r + 2] = z2 + b[p]
                Z[p, r + 3] = z3 + b[p]
        for r in range(four, n_rows):
            for p in range(n_z):
                z = zero
                for j in range(n_features):
                    z += Xb[r, j] * W[p, j]
                Z[p, r] = z + b[p]
        _pointwise(Z, n_rows, y, s, first, n_outputs, work, costs)
        # ...and read again here, from cache, four rows for each load and
        # store of dW.
        for r in range(0, four, 4):
            for p in range(n_z):
                dz0 = Z[p, r]
                dz1 = Z[p, r + 1]
                dz2 = Z[p, r + 2]
                dz3 = Z[p, r + 3]
                for j in range(n_features):
                    dW[p, j] += (
                        dz0 * Xb[r, j]
                        + dz1 * Xb[r + 1, j]
                        + dz2 * Xb[r + 2, j]
                        + dz3 * Xb[r + 3, j]
                    )
                dW[p, n_features] += dz0 + dz1 + dz2 + dz3
        for r in range(four, n_rows):
            for p in range(n_z):
                dz = Z[p, r]
                for j in range(n_features):
                    dW[p, j] += dz * Xb[r, j]
                dW[p, n_features] += dz


@njit(**_SUMS)
def _dense_rows_one(X, y, s, W, b, block, start, stop, dW, costs):
    """Run :func:`_dense_rows` for one sigmoid output (one binary candidate)."""
    n_features = X.shape[1]
    w, intercept, dw = W[0], b[0], dW[0]
    Z = np.empty((1, block))
    z_block = Z[0]
    work = np.empty((3, block))
    zero = w[0] - w[0]
    ahead = X.shape[0] * X.shape[1] * X.itemsize > _PREFETCH_FROM_BYTES
    for first in range(start, stop, block):
        last = min(first + block, stop)
        # The block's rows indexed from 0 (a non-negative index: see
        # _block_of): 15-20% quicker in cache than X[i, j].
        Xb, n_rows = X[first:last], last - first
        four = n_rows // 4 * 4
        for r in range(0, four, 4):
            if ahead:
                _prefetch_ahead(X, first + r, stop)
            z0 = z1 = z2 = z3 = zero
            for j in range(n_features):
                z0 += Xb[r, j] * w[j]
                z1 += Xb[r + 1, j] * w[j]
                z2 += Xb[r + 2, j] * w[j]
                z3 += Xb[r + 3, j] * w[j]
            z_block[r] = z0 + intercept
            z_block[r + 1] = z1 + intercept
            z_block[r + 2] = z2 + intercept
            z_block[r + 3] = z3 + intercept
        for r in range(four, n_rows):
            z = zero
            for j in range(n_features):
                z += Xb[r, j] * w[j]
            z_block[r] = z + intercept
        _sigmoid_pointwise(Z, n_rows, y, s, first, work, costs)
        for r in range(0, four, 4):
            dz0 = z_block[r]
            dz1 = z_block[r + 1]
            dz2 = z_block[r + 2]
            dz3 = z_block[r + 3]
            for j in range(n_features):
                dw[j] += (
                    dz0 * Xb[r, j]
                    + dz1 * Xb[r + 1, j]
                    + dz2 * Xb[r + 2, j]
                    + dz3 * Xb[r + 3, j]
                )
            dw[n_features] += dz0 + dz1 + dz2 + dz3
        for r in range(four, n_rows):
            dz = z_block[r]
            for j in range(n_features):
                dw[j] += dz * Xb[r, j]
            dw[n_features] += dz


@njit(**_SUMS)
def _csr_rows(
    data, indices, indptr, y, s, W, b, n_outputs, block, start, stop, dW, costs
):
    """Accumulate rows ``start:stop`` of a CSR X; see :func:`_dense_rows`."""
    n_features = W.shape[1]
    n_z = W.shape[0]
    Z = np.empty((n_z, block))
    work = np.empty((3, block))
    for first in range(start, stop, block):
        last = min(first + block, stop)
        for i in range(first, last):
            for p in range(n_z):
                z = 0.0
                for k in range(indptr[i], indptr[i + 1]):
                    z += data[k] * W[p, indices[k]]
                Z[p, i - first] = z + b[p]
        _pointwise(Z, last - first, y, s, first, n_outputs, work, costs)
        for i in range(first, last):
            for p in range(n_z):
                dz = Z[p, i - first]
                for k in range(indptr[i], indptr[i + 1]):
                    dW[p, indices[k]] += dz * data[k]
                dW[p, n_features] += dz


@njit(**_SUMS)
def _part(t, n_parts, n_samples):
    """Return the rows ``start, stop`` of part ``t`` of ``n_parts``."""
    return t * n_samples // n_parts, (t + 1) * n_samples // n_parts


@njit(parallel=True, **_SUMS)
def _dense_parts(X, y, s, W, b, n_outputs, block, dW, costs):
    """Run :func:`_dense_rows` on ``len(dW)`` parts of the rows, in threads."""
    n_parts = len(dW)
    for t in prange(n_parts):
        start, stop = _part(t, n_parts, len(X))
        _dense_rows(X, y, s, W, b, n_outputs, block, start, stop, dW[t], costs[t])


@njit(parallel=True, **_SUMS)
def _csr_parts(data, indices, indptr, y, s, W, b, n_outputs, block, dW, costs):
    """Run :func:`_csr_rows` on ``len(dW)`` parts of the rows, in threads."""
    n_parts, n_samples = len(dW), len(indptr) - 1
    for t in prange(n_parts):
        start, stop = _part(t, n_parts, n_samples)
        _csr_rows(
            data, indices, indptr, y, s, W, b, n_outputs, block, start, stop,
            dW[t], costs[t],
        )  # fmt: skip


def block_rows(row_values, itemsize):
    """Return how many rows of X a block holds: about 32 KiB of them.

    Parameters
    ----------
    row_values : float
        Values stored per row of X: its number of columns, or for a CSR X
        its number of stored values over its number of rows.
    itemsize : int
        Bytes per value of X.

    Returns
    -------
    block : int
        Between 4 and 256.
    """
    rows = _BLOCK_BYTES // max(row_values * itemsize, 1)
    return int(max(4, min(_MAX_BLOCK_ROWS, rows)))


def sums(X, y, sample_weight, W, b, n_outputs, block, n_threads=None):
    """Compute the accumulators of Steps 1-3 for a stack of candidates.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features) or CSR matrix
        Training data, float32 or float64; a dense X must be C-contiguous.
    y : ndarray of shape (n_samples,)
        Class indices, ``intp`` (0 or 1 for two classes).
    sample_weight : ndarray of shape (n_samples,)
        Weights ``s_i``, float64.
    W : ndarray of shape (n_candidates * n_outputs, n_features)
        The weights of every output of every candidate, X's dtype, C-contiguous.
    b : ndarray of shape (n_candidates * n_outputs,)
        Their intercepts, float64 (zeros without an intercept).
    n_outputs : int
        1 (sigmoid) or the number of classes (softmax).
    block : int
        Rows per block (:func:`block_rows`).
    n_threads : int or None, default=None
        Parts the rows are split into, one thread each; None: numba's
        number of threads, or 1 for small data (:func:`threads_for`).

    Returns
    -------
    cost_sums : ndarray of shape (n_candidates,)
        ``sum_i s_i L_i`` of each candidate, float64.
    grad_sums : ndarray of shape (n_candidates * n_outputs, n_features + 1)
        ``sum_i s_i dz_i x_i`` and, last column, ``sum_i s_i dz_i``, float64.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_gd import _kernels
    >>> X = np.array([[1.0, 2.0], [-1.0, 0.5]])
    >>> y, s = np.array([1, 0]), np.ones(2)
    >>> costs, grads = _kernels.sums(X, y, s, np.zeros((1, 2)), np.zeros(1), 1, 4)
    >>> costs / 2  # ln 2
    array([0.69314718])
    >>> grads / 2
    array([[-0.5  , -0.375,  0.   ]])
    """
    sparse = not isinstance(X, np.ndarray)
    n_parts = threads_for(X.nnz if sparse else X.size, n_threads)
    # One accumulator per part of the rows, added up at the end.
    dW = np.zeros((n_parts, len(W), W.shape[1] + 1))
    costs = np.zeros((n_parts, len(W) // n_outputs))
    arrays = (X.data, X.indices, X.indptr) if sparse else (X,)
    args = (*arrays, y, sample_weight, W, b, n_outputs, block)
    if n_parts > 1 and _PARALLEL_LOCK.acquire(blocking=False):
        try:
            (_csr_parts if sparse else _dense_parts)(*args, dW, costs)
        finally:
            _PARALLEL_LOCK.release()
    else:
        # On this thread, one part after the other: the same sums.
        rows = _csr_rows if sparse else _dense_rows
        for t in range(n_parts):
            rows(*args, *_part(t, n_parts, X.shape[0]), dW[t], costs[t])
    return costs.sum(axis=0), dW.sum(axis=0)


def threads_for(n_values, n_threads=None):
    """Return how many threads a call over ``n_values`` values of X uses.

    Parameters
    ----------
    n_values : int
        Stored values of X (``n_samples * n_features``, or ``nnz``).
    n_threads : int or None, default=None
        The number asked for; None: numba's (``numba.get_num_threads()``,
        which ``NUMBA_NUM_THREADS`` and ``numba.set_num_threads`` set), or 1
        below 65,536 values, where starting threads costs more than it saves.

    Returns
    -------
    n_threads : int
        At least 1.
    """
    if n_threads is not None:
        return max(1, n_threads)
    return 1 if n_values < _SERIAL_BELOW else numba.get_num_threads()
