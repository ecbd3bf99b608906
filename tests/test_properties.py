"""Properties of a fit that hold for any data, checked by hypothesis.

Data shapes: 1-200 samples, 1-30 features, 2-6 classes, float32 and float64,
sample weights with zeros, C finite and infinite, l1_ratio in [0, 1], with and
without an intercept. The number of examples is bounded by the hypothesis
profile in ``tests/conftest.py``.
"""

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from numpy.testing import assert_allclose, assert_array_equal
from scipy.optimize import approx_fprime

from sklearn_gd import GDLogisticClassifier, _loss

from .conftest import make_evaluator, objective


@st.composite
def problems(draw, max_samples=200, max_features=30):
    """Data, weights and parameters of one fit."""
    n_classes = draw(st.integers(2, 6))
    n_samples = draw(st.integers(n_classes, max_samples))
    n_features = draw(st.integers(1, max_features))
    dtype = draw(st.sampled_from([np.float64, np.float32]))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    y = rng.permutation(np.arange(n_samples) % n_classes)
    X = rng.normal(size=(n_samples, n_features)) + 0.5 * y[:, None]
    X *= draw(st.sampled_from([0.1, 1.0, 10.0]))
    sample_weight = None
    if draw(st.booleans()):
        sample_weight = rng.uniform(0.0, 3.0, size=n_samples)
        sample_weight[rng.random(n_samples) < 0.2] = 0.0
        sample_weight[0] = 1.0  # a positive weight sum
    params = {
        "C": draw(st.sampled_from([np.inf, 0.1, 1.0, 100.0])),
        "l1_ratio": draw(st.floats(0.0, 1.0)),
        "fit_intercept": draw(st.booleans()),
        "max_iter": 15,
        "tol": 0,
        # In float32 the adaptive rule's halve-or-accept tests read float32
        # round-off, so its trajectory is not the float64 one step for step.
        "alpha": draw(st.sampled_from(["auto", "adaptive"]))
        if dtype == np.float64
        else "auto",
    }
    return X.astype(dtype), y, sample_weight, params


def _rtol(X):
    """Round-off tolerance of a fit computed in X's dtype."""
    return 1e-9 if X.dtype == np.float64 else 2e-4


def _assert_same_fit(a, b, X):
    rtol = _rtol(X)
    scale = max(np.abs(b.coef_).max(), np.abs(b.intercept_).max(), 1e-3)
    if X.dtype == np.float32:
        # Each float32 update adds round-off of about alpha * eps * |x|,
        # however small the coefficients themselves are.
        scale = max(scale, b.alpha_ * max(1.0, float(np.abs(X).max())))
    assert_allclose(a.coef_, b.coef_, rtol=rtol, atol=rtol * scale)
    assert_allclose(a.intercept_, b.intercept_, rtol=rtol, atol=rtol * scale)
    assert_allclose(a.cost_history_, b.cost_history_, rtol=rtol)


@given(problems(max_samples=60, max_features=10))
def test_loop_equals_vectorized(problem):
    X, y, sample_weight, params = problem
    vec = GDLogisticClassifier(**params).fit(X, y, sample_weight)
    loop = GDLogisticClassifier(solver="loop", **params)
    loop.fit(X.astype(np.float64), y, sample_weight)
    _assert_same_fit(vec, loop, X)


@given(problems(), st.sampled_from(["auto", "adaptive"]), st.sampled_from([0, 0.9]))
def test_safe_step_rules_never_raise_the_cost(problem, alpha, momentum):
    """The default rule, 1/L, and either with momentum (which restarts)."""
    X, y, sample_weight, params = problem
    params = {**params, "alpha": alpha, "momentum": momentum}
    costs = GDLogisticClassifier(**params).fit(X, y, sample_weight).cost_history_
    assert np.all(np.diff(costs) <= 1e-2 * _rtol(X) * np.abs(costs[:-1]))


@given(problems(), st.randoms(use_true_random=False))
def test_permuting_rows_leaves_the_fit_unchanged(problem, random):
    X, y, sample_weight, params = problem
    order = np.array(random.sample(range(len(y)), len(y)))
    fit = GDLogisticClassifier(**params).fit(X, y, sample_weight)
    permuted = GDLogisticClassifier(**params).fit(
        X[order], y[order], None if sample_weight is None else sample_weight[order]
    )
    _assert_same_fit(permuted, fit, X)


@given(problems())
def test_relabelling_classes_permutes_the_probability_columns(problem):
    X, y, sample_weight, params = problem
    n_classes = y.max() + 1
    fit = GDLogisticClassifier(**params).fit(X, y, sample_weight)
    names = np.array([f"class {n_classes - k:02d}" for k in range(n_classes)])
    relabelled = GDLogisticClassifier(**params).fit(X, names[y], sample_weight)
    # classes_ is sorted: class k of the first fit is column n_classes - 1 - k.
    proba = relabelled.predict_proba(X)
    assert_allclose(proba[:, ::-1], fit.predict_proba(X), rtol=_rtol(X), atol=1e-6)
    # Ties (all-zero coefficients, say) go to the first class either way.
    top_two = np.sort(proba, axis=1)[:, -2:]
    decided = top_two[:, 1] - top_two[:, 0] > 1e-6
    assert_array_equal(relabelled.predict(X)[decided], names[fit.predict(X)][decided])


@given(problems(max_samples=50), st.integers(0, 2**32 - 1))
def test_integer_weights_equal_repeated_rows(problem, seed):
    X, y, _, params = problem
    counts = np.random.default_rng(seed).integers(0, 4, size=len(y))
    assume(len(np.unique(np.repeat(y, counts))) == len(np.unique(y)))
    weighted = GDLogisticClassifier(**params).fit(X, y, sample_weight=counts)
    repeated = GDLogisticClassifier(**params).fit(
        np.repeat(X, counts, axis=0), np.repeat(y, counts)
    )
    _assert_same_fit(weighted, repeated, X)


@given(problems())
def test_a_fit_is_deterministic_and_its_probabilities_are_sound(problem):
    X, y, sample_weight, params = problem
    first = GDLogisticClassifier(**params).fit(X, y, sample_weight)
    second = GDLogisticClassifier(**params).fit(X, y, sample_weight)
    assert_array_equal(first.coef_, second.coef_)
    assert_array_equal(first.intercept_, second.intercept_)
    assert_array_equal(first.cost_history_, second.cost_history_)
    proba = first.predict_proba(X)
    assert np.isfinite(proba).all()
    assert_allclose(proba.sum(axis=1), 1.0, rtol=10 * np.finfo(X.dtype).eps)


@given(problems(max_samples=40, max_features=6), st.integers(0, 2**32 - 1))
def test_gradient_equals_finite_differences(problem, seed):
    X, y, sample_weight, params = problem
    X = X.astype(np.float64)  # finite differences need float64
    n_classes = y.max() + 1
    if sample_weight is None:
        sample_weight = np.ones(len(y))
    loss = make_evaluator(X, y, sample_weight, n_classes, params["fit_intercept"])
    l2_reg, _ = _loss.penalty_strengths(
        params["C"], params["l1_ratio"], sample_weight.sum()
    )
    f = objective(loss, l2_reg)
    n_outputs = 1 if n_classes == 2 else n_classes
    shape = (n_outputs, X.shape[1] + params["fit_intercept"])
    at = np.random.default_rng(seed).normal(size=shape)

    def cost(flat):
        return f(flat.reshape(shape))[0]

    grad = f(at)[1]
    numeric = approx_fprime(at.ravel(), cost, 1e-6)
    assert_allclose(grad.ravel(), numeric, rtol=1e-4, atol=1e-6 * (1 + np.abs(X).max()))


def test_one_sample_is_one_class():
    with pytest.raises(ValueError, match="one class"):
        GDLogisticClassifier().fit(np.ones((1, 3)), [1])
