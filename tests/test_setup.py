"""A fit's set-up: the first step of 'adaptive' costs a few rows, not the Gram of X."""

import numpy as np
import pytest
from numpy.testing import assert_allclose
from scipy.sparse import csr_matrix

from sklearn_gd import GDLogisticClassifier, _loss
from sklearn_gd._data import InMemoryData

from .conftest import make_data


def _evaluator(X, y, w, solver="vectorized", n_classes=2):
    return InMemoryData().evaluator(X, y, w, n_classes, True, solver)


def test_sample_size_reads_all_small_data_and_at_most_a_pass_of_work():
    assert _loss.sample_size(_loss.SAMPLED_FROM, 10) == _loss.SAMPLED_FROM
    for n_samples in (_loss.SAMPLED_FROM + 1, 10**5, 10**7):
        for n_dof in (2, 51, 1_001):
            rows = _loss.sample_size(n_samples, n_dof)
            assert 2 * n_dof <= rows <= _loss.SAMPLED_FROM or rows == n_samples
            # The sample's Gram matrix: about a pass of operations or less.
            assert rows * min(rows, n_dof) <= max(n_samples, 4 * n_dof**2)


def test_up_to_the_threshold_the_estimate_is_the_rigorous_bound():
    rng = np.random.default_rng(0)
    X, y = make_data(rng, n_samples=300, n_features=4)
    w = rng.uniform(0.5, 2.0, size=len(y))
    evaluator = _evaluator(X, y, w)
    assert evaluator.curvature_estimate() == evaluator.lipschitz_constant(0.0)


@pytest.mark.parametrize("n_classes", [2, 3])
def test_beyond_it_the_estimate_is_the_bound_of_evenly_spaced_rows(n_classes):
    rng = np.random.default_rng(1)
    X, y = make_data(rng, n_samples=3 * _loss.SAMPLED_FROM, n_features=5)
    y = y % n_classes
    w = rng.uniform(0.5, 2.0, size=len(y))
    n_rows = _loss.sample_size(len(y), 6)
    rows = np.linspace(0, len(y) - 1, n_rows).round().astype(int)
    expected = _loss.lipschitz_constant(X[rows], w[rows], True, n_classes, 0.0)
    estimates = [
        _evaluator(X, y, w, solver, n_classes).curvature_estimate()
        for solver in ("vectorized", "loop")
    ]
    estimates.append(
        _evaluator(csr_matrix(X), y, w, "vectorized", n_classes).curvature_estimate()
    )
    assert_allclose(estimates, expected, rtol=1e-10)
    # An estimate of the full bound: close to it on rows drawn alike.
    full = _evaluator(X, y, w, "vectorized", n_classes).lipschitz_constant(0.0)
    assert_allclose(estimates[0], full, rtol=0.1)


def test_the_estimate_is_the_same_on_dask():
    da = pytest.importorskip("dask.array")
    dask = pytest.importorskip("dask")
    from sklearn_gd._dask import DaskData

    rng = np.random.default_rng(2)
    X, y = make_data(rng, n_samples=2 * _loss.SAMPLED_FROM + 7, n_features=3)
    w = rng.uniform(0.5, 2.0, size=len(y))
    with dask.config.set(scheduler="synchronous"):
        on_dask = DaskData().evaluator(
            da.from_array(X, chunks=3_000),
            da.from_array(y, chunks=3_000),
            da.from_array(w, chunks=3_000),
            2,
            True,
            "vectorized",
        )
        assert_allclose(
            on_dask.curvature_estimate(),
            _evaluator(X, y, w).curvature_estimate(),
            rtol=1e-10,
        )


def test_a_large_default_fit_never_forms_the_gram_matrix_of_x(monkeypatch):
    # The set-up reads a sample of rows; 'auto' still takes the rigorous bound.
    seen = []
    bound = _loss.lipschitz_constant

    def recording(X, *args):
        seen.append(X.shape[0])
        return bound(X, *args)

    monkeypatch.setattr(_loss, "lipschitz_constant", recording)
    rng = np.random.default_rng(3)
    X, y = make_data(rng, n_samples=4 * _loss.SAMPLED_FROM, n_features=3)
    fit = GDLogisticClassifier(max_iter=50).fit(X, y)
    assert seen == [_loss.sample_size(len(y), 4)]
    assert np.all(np.diff(fit.cost_history_) <= 1e-12 * fit.cost_history_[:-1])
    GDLogisticClassifier(alpha="auto", max_iter=5, tol=0).fit(X, y)
    assert seen[-1] == len(y)
