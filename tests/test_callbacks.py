"""scikit-learn's callback API (sklearn.callback, new in 1.9)."""

import numpy as np
import pytest
from numpy.testing import assert_array_equal
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sklearn_gd import GDLogisticClassifier

from .conftest import make_data

callback = pytest.importorskip("sklearn.callback", reason="scikit-learn < 1.9")


class Recorder:
    """Records every hook, with the state a callback could predict with."""

    def __init__(self, stop_after=None):
        self.events = []
        self.stop_after = stop_after

    def setup(self, estimator, context):
        self.events.append(("setup", context.task_name, None))

    # scikit-learn passes only the arguments a hook's signature names.
    def on_fit_task_begin(self, estimator, context, *, fitted_estimator=None):
        self.events.append(("begin", context.task_name, fitted_estimator))

    def on_fit_task_end(self, estimator, context, *, fitted_estimator=None):
        self.events.append(("end", context.task_name, fitted_estimator))
        n_done = sum(event[0] == "end" for event in self.events)
        return self.stop_after is not None and n_done >= self.stop_after

    def teardown(self, estimator, context):
        self.events.append(("teardown", context.task_name, None))


class PropagatedRecorder(Recorder):
    """The same, handed down by meta-estimators to the classifier."""

    max_propagation_depth = None


@pytest.fixture
def data():
    return make_data(np.random.default_rng(0), n_samples=40, n_classes=3)


def test_every_iteration_is_a_subtask_with_its_state(data):
    X, y = data
    recorder = Recorder()
    clf = GDLogisticClassifier(max_iter=6, tol=0).set_callbacks(recorder).fit(X, y)
    kinds = [event[0] for event in recorder.events]
    assert kinds[0] == "setup" and kinds[-1] == "teardown"
    iteration_ends = [e for e in recorder.events if e[0] == "end" and e[1] != "fit"]
    # six iterations, and the subtask opened for a seventh that never ran
    assert len(iteration_ends) == 7
    last_state = iteration_ends[5][2]
    assert_array_equal(last_state.coef_, clf.coef_)
    assert_array_equal(last_state.predict(X), clf.predict(X))


def test_a_callback_can_stop_the_fit(data):
    X, y = data
    clf = GDLogisticClassifier(max_iter=100, tol=1e-4)
    clf.set_callbacks(Recorder(stop_after=3)).fit(X, y)
    assert clf.n_iter_ == 3
    assert len(clf.cost_history_) == 3


def test_callbacks_reach_the_classifier_in_a_pipeline_and_a_search(data):
    X, y = data
    recorder = PropagatedRecorder()
    pipe = make_pipeline(StandardScaler(), GDLogisticClassifier(max_iter=4, tol=0))
    pipe.set_callbacks(recorder).fit(X, y)
    assert sum(e[1] == "iteration 0" for e in recorder.events if e[0] == "begin") == 1

    recorder = PropagatedRecorder()
    search = GridSearchCV(GDLogisticClassifier(max_iter=4, tol=0), {"alpha": [0.1, 1]})
    search.set_callbacks(recorder).fit(X, y)
    first_iterations = [e for e in recorder.events if e[:2] == ("begin", "iteration 0")]
    assert len(first_iterations) == 2 * 5 + 1  # every candidate and fold, the refit


def test_progress_bar_runs(data):
    X, y = data
    clf = GDLogisticClassifier(max_iter=20, tol=0)
    clf.set_callbacks(callback.ProgressBar()).fit(X, y)
    assert clf.n_iter_ == 20


def test_without_callbacks_nothing_is_left_behind(data):
    X, y = data
    clf = GDLogisticClassifier(max_iter=3, tol=0).fit(X, y)
    assert not any(name.startswith("_callback") for name in vars(clf))
