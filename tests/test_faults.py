"""Faults: interrupted fits, concurrent use, failing grid-search candidates."""

import threading
import warnings

import numpy as np
import pytest
from numpy.testing import assert_array_equal
from sklearn.datasets import load_breast_cancer
from sklearn.exceptions import FitFailedWarning
from sklearn.model_selection import GridSearchCV

from sklearn_gd import GDLogisticClassifier, _loss

from .conftest import make_data


def _interrupt_after(monkeypatch, n_calls):
    """Make the evaluators raise KeyboardInterrupt at their call ``n_calls``."""
    calls = []
    for evaluator in (_loss.LogisticLoss, _loss.LoopLogisticLoss):
        real = evaluator.__call__

        def interrupted(self, stack, real=real):
            calls.append(None)
            if len(calls) == n_calls:
                raise KeyboardInterrupt
            return real(self, stack)

        monkeypatch.setattr(evaluator, "__call__", interrupted)


@pytest.mark.parametrize("solver", ["loop", "vectorized"])
def test_interrupted_fit_keeps_the_previous_state_and_can_resume(solver, monkeypatch):
    rng = np.random.default_rng(0)
    X, y = make_data(rng, n_classes=3)
    params = dict(solver=solver, alpha=0.2, tol=0, max_iter=30)
    model = GDLogisticClassifier(warm_start=True, **params).fit(X, y)
    before = {k: v.copy() if hasattr(v, "copy") else v for k, v in vars(model).items()}

    with monkeypatch.context() as patch:
        _interrupt_after(patch, 10)
        with pytest.raises(KeyboardInterrupt):
            model.fit(X, y)
    assert vars(model).keys() == before.keys()
    for name, value in before.items():
        assert_array_equal(getattr(model, name), value, err_msg=name)

    # Resuming after the interrupt continues from the last complete fit.
    model.fit(X, y)
    straight = GDLogisticClassifier(**{**params, "max_iter": 60}).fit(X, y)
    assert_array_equal(model.coef_, straight.coef_)


def test_interrupted_fit_on_other_data_keeps_the_feature_count(monkeypatch):
    rng = np.random.default_rng(3)
    X, y = make_data(rng)
    model = GDLogisticClassifier(max_iter=20, tol=0).fit(X, y)
    coef = model.coef_.copy()
    _interrupt_after(monkeypatch, 3)
    with pytest.raises(KeyboardInterrupt):
        model.fit(np.hstack([X, X]), y)
    assert model.n_features_in_ == X.shape[1]
    assert_array_equal(model.coef_, coef)
    assert model.predict(X).shape == y.shape


def test_interrupted_first_fit_leaves_an_unfitted_estimator(monkeypatch):
    rng = np.random.default_rng(1)
    X, y = make_data(rng)
    model = GDLogisticClassifier(max_iter=20)
    _interrupt_after(monkeypatch, 3)
    with pytest.raises(KeyboardInterrupt):
        model.fit(X, y)
    assert not hasattr(model, "coef_") and not hasattr(model, "n_features_in_")


def test_fit_in_one_thread_while_another_predicts():
    rng = np.random.default_rng(2)
    X, y = make_data(rng, n_samples=2000, n_features=20, n_classes=4)
    fitted = GDLogisticClassifier(max_iter=50, tol=0).fit(X, y)
    expected = fitted.predict_proba(X)
    training = GDLogisticClassifier(max_iter=300, tol=0)
    predictions, errors = [], []

    def predict_many():
        try:
            for _ in range(50):
                predictions.append(fitted.predict_proba(X))
        except Exception as exc:  # reported below, in the main thread
            errors.append(exc)

    threads = [
        threading.Thread(target=training.fit, args=(X, y)),
        threading.Thread(target=predict_many),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    for proba in predictions:
        assert_array_equal(proba, expected)
    sequential = GDLogisticClassifier(max_iter=300, tol=0).fit(X, y)
    assert_array_equal(training.coef_, sequential.coef_)


def test_grid_search_survives_diverging_candidates():
    X, y = load_breast_cancer(return_X_y=True)  # unscaled on purpose
    search = GridSearchCV(
        GDLogisticClassifier(max_iter=20, tol=0),
        {"alpha": [1e-7, 1e308]},
        cv=3,
        n_jobs=2,
    )
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        search.fit(X, y)
    scores = search.cv_results_["mean_test_score"]
    assert np.isfinite(scores[0]) and np.isnan(scores[1])
    assert search.best_params_ == {"alpha": 1e-7}
    messages = [str(w.message) for w in caught if w.category is FitFailedWarning]
    assert any("diverged at iteration" in m and "alpha=1e+308" in m for m in messages)
