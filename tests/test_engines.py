"""The rule's two engines: compiled (numba, the kernels inside) and interpreted.

The rule of the descent is written once (``_gradient_descent.run_iterations``)
and runs either as Python, calling an evaluator, or compiled with the
kernels inside it. Both must give the same run: statuses, iteration and pass
counts, cost and step histories and parameters.
"""

import functools
import inspect

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from numpy.testing import assert_allclose, assert_array_equal
from scipy import sparse

from sklearn_gd import GDLogisticClassifier, _gradient_descent, _loss, _ops
from sklearn_gd._gradient_descent import descend_candidates

# Every rule of the driver, each on a stack of candidates that end
# differently: converged, out of iterations, diverged (alpha=1e300 sends the
# parameters to inf), and adaptive steps that backtrack.
RULES = {
    "fixed": dict(alphas=[0.1, 1.0, 8.0, 1e300], adaptive=False),
    "auto and adaptive": dict(alphas=["auto", 50.0, 1.0], adaptive=[False, True, True]),
    "nesterov": dict(
        alphas=[1.0, 0.5, 1e300], adaptive=[True, False, False], momentum=0.9
    ),
    "heavy ball": dict(
        alphas=[1.0, 0.5], adaptive=[True, False], momentum=0.8, nesterov=False
    ),
    "l1": dict(alphas=[2.0, 0.5], adaptive=[True, False], l2=0.0, l1=0.02),
    "elastic net": dict(
        alphas=[2.0, 0.5], adaptive=[True, False], momentum=0.5, l2=0.1, l1=0.01
    ),
}

RUN_FIELDS = ("status", "n_iter", "rose_at", "n_passes")
FLOAT_FIELDS = (
    "params",
    "cost_history",
    "step_history",
    "last_cost",
    "largest_gradient",
)


def _problem(rng, n_classes, dtype, form, weighted):
    n_samples, n_features = 120, 4
    X = rng.normal(size=(n_samples, n_features))
    X[rng.uniform(size=X.shape) < 0.3] = 0.0
    coef = rng.normal(size=(n_features, n_classes))
    y = np.argmax(X @ coef + rng.normal(size=(n_samples, n_classes)), axis=1)
    X = X.astype(dtype)
    if form == "csr":
        X = sparse.csr_matrix(X)
    weights = rng.uniform(0.2, 3.0, n_samples) if weighted else np.ones(n_samples)
    target = y.astype(float) if n_classes == 2 else y
    return X, target, weights


def _runs(X, y, weights, n_classes, rule):
    rule = dict(rule)
    l2, l1 = rule.pop("l2", 0.05), rule.pop("l1", 0.0)
    loss = _loss.CompiledLogisticLoss(X, y, weights, True, n_classes)
    n_outputs = 1 if n_classes == 2 else n_classes
    n_candidates = len(rule["alphas"])
    if "auto" in rule["alphas"]:  # the step 1 / L of alpha='auto'
        L = _loss.lipschitz_constant(X, weights, True, n_classes, l2)
        rule["alphas"] = [1.0 / L if a == "auto" else a for a in rule["alphas"]]
    penalty = _loss.ElasticNet([l2] * n_candidates, [l1] * n_candidates, True)
    start = np.zeros((n_candidates, n_outputs, X.shape[1] + 1), dtype=X.dtype)
    common = dict(max_iter=150, tol=1e-5, penalty=penalty, **rule)
    return [
        descend_candidates(lambda stack, which: loss(stack), start, **common),
        descend_candidates(None, start, engine=loss.engine(), **common),
    ]


@pytest.mark.parametrize("rule", list(RULES), ids=list(RULES))
@pytest.mark.parametrize("form", ["dense", "csr"])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("n_classes", [2, 3])
def test_compiled_and_interpreted_engines_give_one_run(rule, form, dtype, n_classes):
    rng = np.random.default_rng(len(rule) + n_classes)
    X, y, weights = _problem(rng, n_classes, dtype, form, weighted=n_classes == 3)
    interpreted, compiled = _runs(X, y, weights, n_classes, RULES[rule])
    for name in RUN_FIELDS:
        assert_array_equal(getattr(compiled, name), getattr(interpreted, name), name)
    for name in FLOAT_FIELDS:
        got, expected = getattr(compiled, name), getattr(interpreted, name)
        assert got.dtype == expected.dtype, name
        assert_allclose(got, expected, rtol=1e-12, atol=1e-15, err_msg=name)
    if 1e300 in RULES[rule]["alphas"]:  # divergence is compared too
        assert compiled.diverged.any()


def test_a_stack_whose_candidates_stop_at_different_iterations():
    # Candidates leave the stack one by one; those still running are not
    # disturbed by the ones that stopped (in either engine).
    rng = np.random.default_rng(4)
    X, y, weights = _problem(rng, 2, np.float64, "dense", weighted=False)
    rule = dict(alphas=[0.3, 1.0, 2.0, 3.0], adaptive=False)
    interpreted, compiled = _runs(X, y, weights, 2, rule)
    assert len(set(compiled.n_iter.tolist())) == 4
    assert_array_equal(compiled.n_iter, interpreted.n_iter)
    # Each candidate alone gives the run it had in the stack.
    for c, alpha in enumerate(rule["alphas"]):
        alone = _runs(X, y, weights, 2, dict(alphas=[alpha], adaptive=False))[1]
        assert alone.n_iter[0] == compiled.n_iter[c]
        assert_allclose(alone.params[0], compiled.params[c], rtol=1e-12)


def test_a_run_refuses_scratch_too_small_for_its_stack():
    # The compiled descent allocates nothing and checks no index: its
    # scratch, laid out per run (for_stack), must hold the whole stack.
    from sklearn_gd import _compiled

    rng = np.random.default_rng(6)
    X, y, weights = _problem(rng, 2, np.float64, "dense", weighted=False)
    loss = _loss.CompiledLogisticLoss(X, y, weights, True, 2)
    st, se = _gradient_descent._setup(
        np.zeros((3, 1, X.shape[1] + 1)), [0.1, 0.2, 0.3], 10, 0.0, False, 0.0,
        True, None, np.float64,
    )  # fmt: skip
    with pytest.raises(ValueError, match="serves 1 candidates, the state has 3"):
        _compiled.run(loss.kernel_data(), st, se, 10)
    _compiled.run(_compiled.for_stack(loss.kernel_data(), 3), st, se, 10)
    assert st.k[0] == 10


def test_the_estimator_fits_alike_in_both_engines(monkeypatch):
    # The interpreted engine is what the estimator uses for evaluators
    # without a compiled engine (Dask, Array API): the same fit either way.
    rng = np.random.default_rng(5)
    X, y, weights = _problem(rng, 3, np.float64, "dense", weighted=True)
    params = dict(momentum=0.9, l1_ratio=0.5, C=2.0, max_iter=300)
    compiled = GDLogisticClassifier(**params).fit(X, y, sample_weight=weights)
    monkeypatch.setattr(_loss.CompiledLogisticLoss, "engine", lambda self: None)
    interpreted = GDLogisticClassifier(**params).fit(X, y, sample_weight=weights)
    assert compiled.n_iter_ == interpreted.n_iter_
    assert_allclose(compiled.coef_, interpreted.coef_, rtol=1e-12, atol=1e-15)
    assert_allclose(compiled.cost_history_, interpreted.cost_history_, rtol=1e-12)


def test_the_rule_and_kernels_run_as_python_under_disable_jit(monkeypatch):
    # NUMBA_DISABLE_JIT: the compiled engine's code runs as the Python it is
    # written in (how coverage sees it), with the same run.
    import numba

    rng = np.random.default_rng(6)
    X, y, weights = _problem(rng, 3, np.float64, "dense", weighted=True)
    rule = RULES["nesterov"]
    expected = _runs(X, y, weights, 3, rule)[1]
    monkeypatch.setattr(numba.config, "DISABLE_JIT", True)
    as_python = _runs(X, y, weights, 3, rule)[1]
    assert_array_equal(as_python.n_iter, expected.n_iter)
    assert_allclose(as_python.params, expected.params, rtol=1e-10, atol=1e-14)


# The vector operations of the rule: each compiled loop equals its NumPy form,
# NaN, infinities and signed zeros included.
_values = st.sampled_from(
    [0.0, -0.0, 1.0, -2.5, 1e-300, 3e300, np.inf, -np.inf, np.nan]
)
# At most 6 entries: NumPy sums fewer than 8 in order, as the loops do.
_matrices = st.integers(1, 2).flatmap(
    lambda rows: st.integers(1, 3).flatmap(
        lambda cols: st.tuples(
            arrays(np.float64, (rows, cols), elements=_values),
            arrays(np.float64, (rows, cols), elements=_values),
        )
    )
)


def _python_ops(a, b, t):
    """Every vector operation of the rule once; compiled as it is below."""
    combined = np.empty_like(a)
    _ops.lincomb(combined, a, t, b)
    copied = np.empty_like(a)
    _ops.assign(copied, b)
    shrunk = a.copy()
    _ops.shrink(shrunk, abs(t))
    flags = np.array([_ops.all_finite(a), _ops.differs(a, b)])
    values = np.array([_ops.dot(a, b), _ops.abs_sum(a), _ops.abs_max(a)])
    return combined, copied, shrunk, flags, values


@functools.cache
def _compiled_ops():
    from numba import njit

    from sklearn_gd import _compiled  # noqa: F401  (registers the overloads)

    return njit(_python_ops)


@settings(max_examples=150, deadline=None)
@given(pair=_matrices, t=st.sampled_from([0.5, -1.0, 0.0, 2.0]))
def test_the_compiled_vector_operations_equal_their_numpy_forms(pair, t):
    a, b = pair
    compiled = _compiled_ops()
    with np.errstate(all="ignore"):
        expected = _python_ops(a, b, t)
    for got, want in zip(compiled(a, b, t), expected, strict=True):
        # Bit for bit, signed zeros included (a NaN's sign bit means
        # nothing: x86 gives 0 * inf a negative one).
        numbers = ~np.isnan(want)
        assert_array_equal(np.signbit(got)[numbers], np.signbit(want)[numbers])
        assert_array_equal(got, want)


def test_the_engines_share_one_rule():
    # The compiled engine compiles the very functions the interpreted one
    # runs: no rule is written a second time in _compiled.
    from sklearn_gd import _compiled

    rule = {f.__name__ for f in _compiled._RULE} | {"run_iterations"}
    phases = {
        name
        for name, value in vars(_gradient_descent).items()
        if inspect.isfunction(value)
        and value.__module__ == _gradient_descent.__name__
        and "st" in inspect.signature(value).parameters
    }
    # _run_interpreted is the interpreted engine's entry (np.errstate).
    assert phases - {"_run_interpreted"} <= rule
