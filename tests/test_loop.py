import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose

from sklearn_gd import GDLogisticClassifier, _loop

from .conftest import make_evaluator, objective


@given(
    n_samples=st.integers(1, 30),
    n_features=st.integers(1, 6),
    n_classes=st.integers(2, 5),
    fit_intercept=st.booleans(),
    seed=st.integers(0, 2**32 - 1),
    scale=st.sampled_from([0.1, 1.0, 100.0]),
)
@settings(max_examples=200)
def test_loop_equals_vectorized_at_any_parameters(
    n_samples, n_features, n_classes, fit_intercept, seed, scale
):
    rng = np.random.default_rng(seed)
    X = scale * rng.normal(size=(n_samples, n_features))
    y = rng.integers(n_classes, size=n_samples)
    sw = rng.uniform(0.0, 2.0, size=n_samples)
    sw[0] += 0.5  # a positive weight sum
    n_outputs = 1 if n_classes == 2 else n_classes
    params = rng.normal(size=(n_outputs, n_features + fit_intercept))
    if n_classes == 2:
        y = y.astype(float)
        loop = _loop.binary_loss_gradient
    else:
        loop = _loop.multinomial_loss_gradient
    # Blocks of 5 rows: the kernel crosses blocks, and each block ends with a
    # row outside its groups of four.
    vectorized = objective(
        make_evaluator(X, y, sw, n_classes, fit_intercept, block_rows=5)
    )

    cost_loop, grad_loop = loop(
        params, X.tolist(), y.tolist(), sw.tolist(), fit_intercept
    )
    cost_vec, grad_vec = vectorized(params)
    # Both sum terms of size |z| to a cost that may be far smaller (log-sum-exp
    # minus z_y): the agreement is relative to |z|, not to the cost.
    z_size = 1 + np.abs(X).max() * np.abs(params).sum(axis=1).max()
    assert cost_loop == pytest.approx(cost_vec, rel=1e-12, abs=1e-14 * z_size)
    assert grad_loop.shape == grad_vec.shape
    assert_allclose(grad_loop, grad_vec, rtol=1e-10, atol=1e-12 * scale)


def test_scalar_functions_do_not_overflow():
    assert _loop.sigmoid(-1e308) == 0.0
    assert _loop.sigmoid(1e308) == 1.0
    assert _loop.softplus(1e308) == 1e308
    assert _loop.softplus(-1e308) == 0.0
    assert _loop.softplus(0.0) == pytest.approx(math.log(2))


def test_loop_cost_is_finite_on_features_around_a_hundred():
    rng = np.random.default_rng(0)
    X = 100 + 50 * rng.normal(size=(20, 3))
    params = np.full((3, 4), 5.0)  # z around 1500: exp(z) alone overflows
    cost, grad = _loop.multinomial_loss_gradient(
        params, X.tolist(), [0, 1, 2] * 6 + [0, 1], [1.0] * 20, True
    )
    assert np.isfinite(cost) and np.isfinite(grad).all()


def _seed_sigmoid(z):
    return 1 / (1 + math.exp(-z))


def test_three_iterations_of_the_seed_by_hand():
    """Transcribe the seed's two-feature loop and compare with the estimator."""
    x1 = [0.5, -1.0, 1.5, 2.0, -0.5]
    x2 = [1.0, 0.5, -1.0, 0.0, -2.0]
    y = [1, 0, 1, 1, 0]
    m, alpha = len(y), 0.1
    w1 = w2 = b = 0.0
    costs = []
    for _ in range(3):
        J, dw1, dw2, db = 0, 0, 0, 0
        for i in range(m):
            z_i = w1 * x1[i] + w2 * x2[i] + b
            a_i = _seed_sigmoid(z_i)
            J += -(y[i] * math.log(a_i) + (1 - y[i]) * math.log(1 - a_i))
            dz_i = a_i - y[i]
            dw1 += x1[i] * dz_i
            dw2 += x2[i] * dz_i
            db += dz_i
        J /= m
        dw1 /= m
        dw2 /= m
        db /= m
        w1 -= alpha * dw1
        w2 -= alpha * dw2
        b -= alpha * db
        costs.append(J)

    X = np.column_stack([x1, x2])
    for solver in ("loop", "vectorized"):
        # C=np.inf: the textbook's cost, without a penalty.
        clf = GDLogisticClassifier(
            solver=solver, alpha=0.1, C=np.inf, max_iter=3, tol=0
        )
        clf.fit(X, y)
        assert_allclose(clf.coef_, [[w1, w2]], rtol=1e-12)
        assert_allclose(clf.intercept_, [b], rtol=1e-12)
        assert_allclose(clf.cost_history_, costs, rtol=1e-12)
        assert clf.n_iter_ == 3
