"""The compiled kernels: their exp and log, threads, blocks, layouts, dtypes."""

import math
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

import numba
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose, assert_array_equal
from scipy import sparse

from sklearn_gd import GDLogisticClassifier, _kernels, _loop, _loss

from .conftest import make_data


@numba.njit
def _apply(function, x, *args):
    out = np.empty_like(x)
    for i in range(len(x)):
        out[i] = function(x[i], *args)
    return out


def _ulps(got, expected):
    """Distance in units of the last place of ``expected``."""
    return np.abs(got - expected) / np.spacing(np.abs(expected))


def _c_library(function, x):
    """The C library's function at each value (NumPy's own SIMD exp, as of
    NumPy 1.24, is itself a unit in the last place away from it)."""
    return np.array([function(value) for value in x])


def test_exp_is_within_one_ulp_of_the_c_library():
    rng = np.random.default_rng(0)
    x = np.concatenate(
        [
            np.linspace(-708.0, 0.0, 200_001),
            -rng.exponential(3.0, 100_000),
            [0.0, -1e-300, -np.log(2) / 2, -np.log(2)],
        ]
    )
    expected = _c_library(math.exp, x)
    assert _ulps(_apply(_kernels.exp_nonpositive, x), expected).max() <= 1
    # Below -708 the results are subnormal, then zero: absolute error.
    tiny = np.linspace(-800.0, -708.0, 10_001)
    assert_allclose(_apply(_kernels.exp_nonpositive, tiny), np.exp(tiny), atol=1e-323)


def test_log1p_and_log_are_within_two_ulps_of_the_c_library():
    rng = np.random.default_rng(1)
    e = np.concatenate(
        [np.linspace(0.0, 1.0, 100_001)[1:], np.exp(-rng.uniform(0, 700, 100_000))]
    )
    assert _ulps(_apply(_kernels.log1p_unit, e), _c_library(math.log1p, e)).max() <= 2
    assert _apply(_kernels.log1p_unit, np.zeros(1))[0] == 0.0
    u = np.concatenate([np.linspace(1.0, 1000.0, 100_001), rng.uniform(1, 2, 1000)])
    got = _apply(_kernels.log_at_least_one, u, 11)  # u < 2**11
    assert_allclose(got, _c_library(math.log, u), rtol=4e-16, atol=4e-16)


def _stack(rng, n_candidates, n_outputs, n_dof):
    return rng.normal(size=(n_candidates, n_outputs, n_dof))


def _loop_sums(X, y, sw, stack, fit_intercept):
    """The textbook's loops, times the weight sum: the reference."""
    textbook = (
        _loop.binary_loss_gradient
        if stack.shape[1] == 1
        else _loop.multinomial_loss_gradient
    )
    rows, y_list, s_list = _loop.as_rows(X), y.tolist(), sw.tolist()
    parts = [textbook(p, rows, y_list, s_list, fit_intercept) for p in stack]
    costs = np.array([c for c, _ in parts]) * sw.sum()
    grads = np.array([g for _, g in parts]) * sw.sum()
    return costs, grads


@settings(max_examples=40)
@given(
    seed=st.integers(0, 2**16),
    n_samples=st.integers(1, 60),
    n_features=st.integers(1, 19),
    n_classes=st.sampled_from([2, 3, 5]),
    n_candidates=st.integers(1, 3),
    block_rows=st.integers(4, 9),
    n_threads=st.integers(1, 3),
    fit_intercept=st.booleans(),
    layout=st.sampled_from(["C", "F", "csr32", "csr64"]),
)
def test_any_threads_blocks_and_layout_give_the_loops_sums(
    seed,
    n_samples,
    n_features,
    n_classes,
    n_candidates,
    block_rows,
    n_threads,
    fit_intercept,
    layout,
):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n_samples, n_features)) * rng.uniform(0.1, 3.0)
    X[rng.random(X.shape) < 0.3] = 0.0
    y = rng.integers(n_classes, size=n_samples)
    sw = rng.uniform(0.0, 2.0, n_samples)
    n_outputs = 1 if n_classes == 2 else n_classes
    stack = _stack(rng, n_candidates, n_outputs, n_features + fit_intercept)
    if layout == "F":
        data = np.asfortranarray(X)
    elif layout == "C":
        data = X
    else:
        data = sparse.csr_matrix(X)
        index = np.int32 if layout == "csr32" else np.int64
        data.indices = data.indices.astype(index)
        data.indptr = data.indptr.astype(index)
    target = y.astype(float) if n_classes == 2 else y
    loss = _loss.CompiledLogisticLoss(
        data, target, sw, fit_intercept, n_classes,
        block_rows=block_rows, n_threads=n_threads,
    )  # fmt: skip
    costs, grads = loss.sums(stack)
    expected_costs, expected_grads = _loop_sums(X, target, sw, stack, fit_intercept)
    scale = 1 + np.abs(X).max() * np.abs(stack).sum(axis=-1).max() * sw.sum()
    assert_allclose(costs, expected_costs, rtol=1e-12, atol=1e-14 * scale)
    assert_allclose(grads, expected_grads, rtol=1e-12, atol=1e-14 * scale)


def test_float32_data_is_read_as_float32_and_summed_in_float64():
    rng = np.random.default_rng(2)
    X, y = make_data(rng, n_samples=3000, n_features=30, n_classes=2)
    X32 = X.astype(np.float32)
    stack = 0.1 * rng.normal(size=(2, 1, 31))
    sw = np.ones(len(y))
    loss32 = _loss.CompiledLogisticLoss(X32, y.astype(np.float32), sw, True, 2)
    loss64 = _loss.CompiledLogisticLoss(
        X32.astype(np.float64), y.astype(float), sw, True, 2
    )
    costs32, grads32 = loss32(stack.astype(np.float32))
    costs64, grads64 = loss64(stack.astype(np.float32).astype(np.float64))
    assert grads32.dtype == np.float32 and costs32.dtype == np.float64
    # Only the float32 dot products round: the cost is float64-accurate to
    # the rounding of z (the old sums of large terms that cancel: 1e-5).
    assert_allclose(costs32, costs64, rtol=1e-7)
    assert_allclose(grads32, grads64, rtol=1e-5, atol=1e-7)


def test_extreme_decision_values_give_finite_exact_costs():
    X = np.array([[1.0], [1.0], [-1.0], [1.0]])
    y = np.array([1.0, 0.0, 1.0, 0.0])
    loss = _loss.CompiledLogisticLoss(X, y, np.ones(4), False, 2)
    for w in (800.0, 1e6):
        costs, grads = loss.sums(np.array([[[w]]]))
        # Rows 1-3 (wrong by |z| = w) each cost w; row 0 costs log1p(e^-w).
        assert costs[0] == pytest.approx(3 * w, rel=1e-15)
        assert grads[0, 0, 0] == pytest.approx(3.0, rel=1e-15)
    softmax = _loss.CompiledLogisticLoss(
        X, np.array([0, 1, 2, 0]), np.ones(4), False, 3
    )
    costs, grads = softmax.sums(np.array([[[1e6], [0.0], [-1e6]]]))
    assert np.isfinite(grads).all()
    # Only row 1 is wrong: its z_y is 0 and its largest z 1e6.
    assert costs[0] == pytest.approx(1e6, rel=1e-15)


def test_threads_follow_numba_and_small_data_stays_on_one():
    assert _kernels.threads_for(10) == 1
    assert _kernels.threads_for(10**7) == numba.get_num_threads()
    assert _kernels.threads_for(10, 3) == 3
    before = numba.get_num_threads()
    try:
        numba.set_num_threads(1)
        assert _kernels.threads_for(10**7) == 1
    finally:
        numba.set_num_threads(before)


def test_a_compiled_pass_threads_only_from_enough_values_and_work(monkeypatch):
    # Busy machines: a short parallel pass waits for a time slice, and a
    # 10-class pass of few values is short though its work is large.
    from sklearn_gd import _compiled

    monkeypatch.setattr(_kernels, "_SERIAL_BELOW", 0)
    monkeypatch.setattr(_kernels, "THREADED_FROM_VALUES", 1_000)
    monkeypatch.setattr(_kernels, "THREADED_FROM_WORK", 4_000)
    # Four threads asked of numba, whatever this machine has.
    threads = 4
    monkeypatch.setattr(_kernels, "threads_for", lambda n_values, n_threads: threads)
    rng = np.random.default_rng(3)

    def prepared(n_samples, n_features, n_outputs):
        X = rng.normal(size=(n_samples, n_features))
        y = rng.integers(max(2, n_outputs), size=n_samples)
        s = np.ones(n_samples)
        data = _compiled.prepare(X, y, s, float(n_samples), n_outputs, True)
        data.parallel[0] = True  # as run() sets it when it holds the lock
        return data

    few = prepared(333, 3, 10)  # 999 values, work 4,329: one part
    assert few.n_parts == 1 and not _compiled._on_threads(few, 10)
    enough = prepared(250, 4, 10)  # 1,000 values, work 4,333
    assert enough.n_parts == threads
    assert _compiled._on_threads(enough, 10)
    # Enough values but too little work: a binary pass of 2,000 values
    # (work 2,667) stays on one thread; 3 stacked candidates (4,000) do not.
    binary = prepared(500, 4, 1)
    assert binary.n_parts == threads
    assert not _compiled._on_threads(binary, 1)
    assert _compiled._on_threads(binary, 3)


@pytest.mark.parametrize("layout", ["dense", "csr"])
@pytest.mark.parametrize("n_outputs", [1, 3])
@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_parameters_that_are_not_finite_give_a_cost_that_is_not(layout, n_outputs, bad):
    # fastmath lets the pointwise step turn a NaN z into a finite a, so the
    # gradient can stay finite: the cost must not (the driver's test).
    rng = np.random.default_rng(4)
    X = rng.normal(size=(20, 3))
    data = X if layout == "dense" else sparse.csr_matrix(X)
    y = rng.integers(max(2, n_outputs), size=20)
    W = rng.normal(size=(n_outputs, 3))
    W[0] = bad
    costs, _ = _kernels.sums(data, y, np.ones(20), W, np.zeros(n_outputs), n_outputs, 8)
    assert not np.isfinite(costs).any()


def test_concurrent_fits_in_threads_are_safe_and_equal(monkeypatch):
    # numba's workqueue layer aborts on two parallel launches at once: a
    # second thread runs the serial kernel, with the same results.
    monkeypatch.setattr(_kernels, "_SERIAL_BELOW", 0)
    rng = np.random.default_rng(3)
    X, y = make_data(rng, n_samples=400, n_features=8, n_classes=3)
    params = dict(alpha="auto", max_iter=40, tol=0)
    alone = GDLogisticClassifier(**params).fit(X, y)
    with ThreadPoolExecutor(4) as pool:
        fits = list(
            pool.map(lambda _: GDLogisticClassifier(**params).fit(X, y), range(8))
        )
    for fit in fits:
        assert_allclose(fit.coef_, alone.coef_, rtol=1e-12)


def test_a_c_contiguous_x_is_read_in_place():
    rng = np.random.default_rng(4)
    X, y = make_data(rng, n_samples=50, n_features=4)
    loss = _loss.CompiledLogisticLoss(X, y.astype(float), np.ones(50), True, 2)
    assert loss._X is X
    fortran = _loss.CompiledLogisticLoss(np.asfortranarray(X), y, np.ones(50), True, 2)
    assert fortran._X.flags.c_contiguous  # copied once, in C order
    stack = rng.normal(size=(1, 1, 5))
    assert_array_equal(fortran(stack)[1], loss(stack)[1])


def test_import_does_not_import_numba():
    code = "import sys, sklearn_gd; assert 'numba' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)


@pytest.mark.parametrize("n_classes", [2, 3])
def test_results_do_not_depend_on_where_the_arrays_lie(n_classes):
    # LLVM vectorizes a loop that writes arrays only when a run-time check
    # finds them apart: a sum taken in such a loop rounded differently from
    # one fit to the next (a fit must be reproducible to the bit).
    rng = np.random.default_rng(5)
    X, y = make_data(rng, n_samples=257, n_features=3, n_classes=n_classes)
    sw = rng.uniform(size=257)
    target = y.astype(float) if n_classes == 2 else y
    n_outputs = 1 if n_classes == 2 else n_classes
    stack = np.full((1, n_outputs, 4), 0.1)
    results = set()
    for size in range(1, 60, 3):
        padding = np.empty(size)  # moves the next allocations
        loss = _loss.CompiledLogisticLoss(
            X.copy(), target.copy(), sw.copy(), True, n_classes
        )
        costs, grads = loss(stack)
        results.add((costs.tobytes(), grads.tobytes()))
        del padding
    assert len(results) == 1


def test_the_kernels_run_as_python_give_the_compiled_results(monkeypatch):
    # numba compiles the functions' Python source; run as Python (numba's
    # NUMBA_DISABLE_JIT), the same source must give the same sums. This is
    # also how the kernels' lines are seen by coverage.
    import importlib.util

    monkeypatch.setattr(numba.config, "DISABLE_JIT", True)
    spec = importlib.util.spec_from_file_location("as_python", _kernels.__file__)
    as_python = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(as_python)
    assert as_python._prefetch is as_python._no_prefetch
    assert as_python._as_float64 is as_python._as_float64_python
    as_python._no_prefetch(None, 0, 0)
    rng = np.random.default_rng(6)
    # One binary candidate takes its own loop (_dense_rows_one).
    for n_candidates, n_outputs, n_classes in ((1, 1, 2), (2, 1, 2), (2, 3, 3)):
        # 41 rows: parts long enough for the rows asked 16 ahead.
        X = rng.normal(size=(41, 3))
        y = rng.integers(n_classes, size=41)
        sw = rng.uniform(size=41)
        W = rng.normal(size=(n_candidates * n_outputs, 3))
        b = rng.normal(size=n_candidates * n_outputs)
        for data in (X, sparse.csr_matrix(X)):
            for n_threads in (1, 2):
                args = (data, y, sw, W, b, n_outputs, 4, n_threads)
                for got, expected in zip(
                    as_python.sums(*args), _kernels.sums(*args), strict=True
                ):
                    assert_allclose(got, expected, rtol=1e-12, atol=1e-14)
    assert as_python.threads_for(10**7) == numba.get_num_threads()
