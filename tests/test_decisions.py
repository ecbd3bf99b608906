"""Each decision of a fit taken once: counted with wrapped functions.

A fit validates its data and encodes its labels once, and everything after
(every fold of a search, its scores, its refit) starts from them; a Dask
evaluator lays out each chunk's kernel data once per fit, not once per
evaluation.
"""

import numpy as np
import pytest

from sklearn_gd import GDLogisticClassifier, GDLogisticClassifierCV
from sklearn_gd._data import InMemoryData

from .conftest import make_data

# Short fits: max_iter before tol, and a large alpha that diverges, are expected.
pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


def _counting(monkeypatch, owner, name):
    """Replace ``owner.name`` by a wrapper that counts its calls."""
    calls = []
    original = getattr(owner, name)

    def counted(*args, **kwargs):
        calls.append(args)
        return original(*args, **kwargs)

    monkeypatch.setattr(owner, name, counted)
    return calls


def _sample(n_classes=3, n_samples=120):
    X, y = make_data(np.random.default_rng(0), n_samples=n_samples, n_classes=n_classes)
    return X, y


SEARCHES = {
    "fixed alphas": dict(alphas=[0.01, 0.1, 1.0], cv=3, max_iter=30),
    "a grid around 'auto'": dict(alphas=3, cv=3, max_iter=30),
    "the step rules": dict(alphas=["auto", "adaptive", 0.1], cv=3, max_iter=30),
}


@pytest.mark.parametrize("search", list(SEARCHES))
def test_a_search_encodes_its_labels_once(monkeypatch, search):
    # Three folds, three alphas and the refit all start from one encoding.
    from sklearn_gd import _data

    method = _counting(monkeypatch, InMemoryData, "encode_labels")
    function = _counting(monkeypatch, _data, "encode_labels")
    X, y = _data_with_labels()
    fit = GDLogisticClassifierCV(**SEARCHES[search]).fit(X, y)
    assert len(method) == 1 and len(function) == 1
    assert fit.scores_.shape == (3, 3, 1)
    assert list(fit.classes_) == ["ant", "bee", "cat"]


def _data_with_labels():
    X, y = _sample()
    return X, np.array(["ant", "bee", "cat"])[y]


def test_a_fit_encodes_its_labels_once(monkeypatch):
    method = _counting(monkeypatch, InMemoryData, "encode_labels")
    GDLogisticClassifier(max_iter=20).fit(*_data_with_labels())
    assert len(method) == 1


def test_a_fold_missing_a_class_is_fitted_on_the_classes_it_holds(monkeypatch):
    # Re-indexed from the one encoding, as GridSearchCV fits the fold's rows.
    X, y = _sample()
    y[:4] = 3  # a rare class: the folds without its rows do not know it
    folds = [
        (np.arange(4, 120), np.arange(0, 4)),
        (np.arange(0, 90), np.arange(90, 120)),
    ]
    method = _counting(monkeypatch, InMemoryData, "encode_labels")
    search = GDLogisticClassifierCV(alphas=[0.1], cv=folds, max_iter=30, tol=0)
    search.fit(X, y)
    assert len(method) == 1
    kept = search.coefs_paths_[0, 0, 0]
    assert kept.shape == (3, X.shape[1] + 1)  # three classes on fold 0
    one = GDLogisticClassifier(alpha=0.1, max_iter=30, tol=0).fit(X[4:], y[4:])
    np.testing.assert_allclose(kept[:, :-1], one.coef_, rtol=1e-10)
    # The rare class's test rows are never predicted right by fold 0.
    assert search.scores_[0, 0, 0] == 0.0
    assert search.coefs_paths_[1, 0, 0].shape == (4, X.shape[1] + 1)


def test_default_scores_come_from_the_parameters_not_from_predict(monkeypatch):
    # The test folds are not validated again per candidate through predict.
    from sklearn_gd import _logistic

    predicted = _counting(monkeypatch, _logistic, "_predict")
    X, y = _sample()
    search = GDLogisticClassifierCV(alphas=[0.01, 0.1, 1.0], cv=3, max_iter=30)
    search.fit(X, y)
    assert not predicted
    search.predict(X)
    assert len(predicted) == 1


def test_the_refit_has_every_parameter_the_search_shares():
    search = GDLogisticClassifierCV(
        alphas=[0.1], cv=3, max_iter=25, tol=1e-3, momentum=0.5,
        nesterovs_momentum=False, l1_ratio=0.2, fit_intercept=False,
        class_weight="balanced", verbose=0,
    ).fit(*_sample())  # fmt: skip
    params = search.best_estimator_.get_params()
    for name, value in search.get_params().items():
        if name in params:
            assert params[name] == value, name
    assert params["alpha"] == search.alpha_ and params["C"] == search.C_
    assert not params["warm_start"]


def test_the_loop_solver_is_refused_once_in_the_same_words():
    da = pytest.importorskip("dask.array")
    X, y = _sample()
    messages = set()
    for estimator in (GDLogisticClassifier, GDLogisticClassifierCV):
        with pytest.raises(ValueError, match="solver='loop'") as error:
            estimator(solver="loop").fit(da.from_array(X, chunks=40), y)
        messages.add(str(error.value))
    assert messages == {
        "solver='loop' runs Python loops over NumPy arrays; X is a Dask array. "
        "Use solver='vectorized', which fits it where it lives, or convert X to "
        "NumPy."
    }


@pytest.fixture
def synchronous():
    dask = pytest.importorskip("dask")
    with dask.config.set(scheduler="synchronous"):
        yield


def _dask_data(chunk_rows=40):
    da = pytest.importorskip("dask.array")
    X, y = _sample()
    return da.from_array(X, chunks=(chunk_rows, -1)), da.from_array(
        y, chunks=chunk_rows
    )


def test_a_dask_search_validates_and_encodes_once(monkeypatch, synchronous):
    from sklearn_gd import _dask

    finite = _counting(monkeypatch, _dask, "_check_finite")
    method = _counting(monkeypatch, _dask.DaskData, "encode_labels")
    search = GDLogisticClassifierCV(alphas=[0.01, 0.1, 1.0], cv=3, max_iter=20)
    search.fit(*_dask_data())
    assert len(finite) == 1 and len(method) == 1
    assert search.best_estimator_.n_iter_ == 20


def test_a_dask_fit_encodes_once(monkeypatch, synchronous):
    from sklearn_gd import _dask

    method = _counting(monkeypatch, _dask.DaskData, "encode_labels")
    GDLogisticClassifier(max_iter=5).fit(*_dask_data())
    assert len(method) == 1


@pytest.mark.parametrize("max_iter", [2, 12])
def test_a_dask_search_lays_out_each_chunk_once(monkeypatch, synchronous, max_iter):
    # One kernel layout per chunk and fold for the search, one per chunk for
    # the refit, however many evaluations; no in-memory evaluator at all.
    from sklearn_gd import _compiled, _loss

    laid_out = _counting(monkeypatch, _compiled, "prepare")
    evaluators = _counting(monkeypatch, _loss.CompiledLogisticLoss, "__init__")
    evaluations = _counting(monkeypatch, _compiled, "evaluate_stack")
    search = GDLogisticClassifierCV(alphas=[0.01, 0.1], cv=3, max_iter=max_iter, tol=0)
    search.fit(*_dask_data(chunk_rows=40))  # 3 chunks
    assert len(laid_out) == 3 * 3 + 3
    assert not evaluators
    assert len(evaluations) >= 3 * 3 * max_iter  # every chunk, fold, iteration
