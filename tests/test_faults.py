"""Faults: interrupted fits, concurrent use, failing grid-search candidates."""

import os
import signal
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
    """Raise KeyboardInterrupt at call ``n_calls`` of the fit's engine.

    The loop solver's evaluator is called once per pass over X; the compiled
    engine (``_compiled.run``) once per chunk of iterations, between which
    Python sees Ctrl-C.
    """
    from sklearn_gd import _compiled

    calls = []

    def interrupting(real):
        def interrupted(*args):
            calls.append(None)
            if len(calls) == n_calls:
                raise KeyboardInterrupt
            return real(*args)

        return interrupted

    for evaluator in (_loss.CompiledLogisticLoss, _loss.LoopLogisticLoss):
        monkeypatch.setattr(evaluator, "__call__", interrupting(evaluator.__call__))
    monkeypatch.setattr(_compiled, "run", interrupting(_compiled.run))


@pytest.mark.parametrize("solver", ["loop", "vectorized"])
def test_interrupted_fit_keeps_the_previous_state_and_can_resume(solver, monkeypatch):
    rng = np.random.default_rng(0)
    X, y = make_data(rng, n_classes=3)
    params = dict(solver=solver, alpha=0.2, tol=0, max_iter=30)
    model = GDLogisticClassifier(warm_start=True, **params).fit(X, y)
    before = {k: v.copy() if hasattr(v, "copy") else v for k, v in vars(model).items()}

    with monkeypatch.context() as patch:
        _interrupt_after(patch, 2)
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
    _interrupt_after(monkeypatch, 2)
    with pytest.raises(KeyboardInterrupt):
        model.fit(np.hstack([X, X]), y)
    assert model.n_features_in_ == X.shape[1]
    assert_array_equal(model.coef_, coef)
    assert model.predict(X).shape == y.shape


def test_interrupted_first_fit_leaves_an_unfitted_estimator(monkeypatch):
    rng = np.random.default_rng(1)
    X, y = make_data(rng)
    model = GDLogisticClassifier(max_iter=20)
    _interrupt_after(monkeypatch, 2)
    with pytest.raises(KeyboardInterrupt):
        model.fit(X, y)
    assert not hasattr(model, "coef_") and not hasattr(model, "n_features_in_")


def test_a_sigint_stops_a_long_compiled_fit_and_keeps_the_previous_fit():
    # A compiled chunk of iterations does not see signals: the fit runs in
    # chunks of about 20 ms, between which Python raises KeyboardInterrupt.
    if threading.current_thread() is not threading.main_thread():
        pytest.skip("signals are delivered to the main thread")
    rng = np.random.default_rng(7)
    X, y = make_data(rng, n_samples=20_000, n_features=20)
    model = GDLogisticClassifier(alpha=0.1, max_iter=20, tol=0).fit(X, y)
    before = {k: v.copy() if hasattr(v, "copy") else v for k, v in vars(model).items()}
    # About 10**6 passes over X: minutes, unless interrupted.
    model.set_params(max_iter=10**6)
    before["max_iter"] = model.max_iter
    sent = []

    def interrupt():
        sent.append(None)
        os.kill(os.getpid(), signal.SIGINT)

    previous_handler = signal.signal(signal.SIGINT, signal.default_int_handler)
    timer = threading.Timer(0.5, interrupt)
    try:
        timer.start()
        with pytest.raises(KeyboardInterrupt):
            model.fit(X, y)
    finally:
        timer.cancel()
        signal.signal(signal.SIGINT, previous_handler)
    assert sent  # stopped by the signal, not by an error of its own
    assert vars(model).keys() == before.keys()
    for name, value in before.items():
        assert_array_equal(getattr(model, name), value, err_msg=name)


def test_chunks_of_iterations_last_about_20_ms():
    # How long the compiled engine runs between two looks at Python's
    # signals: the chunk after one that took `elapsed` for `n` iterations.
    from sklearn_gd._gradient_descent import _CHUNK_SECONDS, _next_chunk

    assert _CHUNK_SECONDS == 0.02
    assert _next_chunk(1, 0.5) == 1  # one slow iteration: one at a time
    assert _next_chunk(10, 0.001) == 200  # 0.1 ms an iteration: 200 of them
    assert _next_chunk(5, 0.0) == 2**20  # bounded however fast


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
