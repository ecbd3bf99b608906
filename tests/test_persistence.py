"""Persistence: pickle, joblib, and skops as the safe format."""

import pickle

import joblib
import numpy as np
import pytest
import skops.io as sio
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.datasets import load_iris
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sklearn_gd import GDLogisticClassifier, GDLogisticClassifierCV

from .data.make_fixtures import FIXTURE, FIXTURE_PARAMS

OWN_TYPE = "sklearn_gd._logistic.GDLogisticClassifier"


@pytest.fixture(scope="module")
def iris_models():
    X, y = load_iris(return_X_y=True)
    models = {
        solver: GDLogisticClassifier(solver=solver, C=1.0, max_iter=30, tol=0).fit(X, y)
        for solver in ("loop", "vectorized")
    }
    models["pipeline"] = make_pipeline(
        StandardScaler(), GDLogisticClassifier(max_iter=50, tol=0)
    ).fit(X, y)
    return X, models


@pytest.mark.parametrize("name", ["loop", "vectorized", "pipeline"])
def test_pickle_and_joblib_round_trips(iris_models, name, tmp_path):
    X, models = iris_models
    model = models[name]
    path = tmp_path / "model.joblib"
    joblib.dump(model, path)
    for restored in (pickle.loads(pickle.dumps(model)), joblib.load(path)):
        assert_array_equal(restored.predict_proba(X), model.predict_proba(X))
        assert_array_equal(restored.predict(X), model.predict(X))


@pytest.mark.parametrize("name", ["vectorized", "pipeline"])
def test_skops_round_trip_trusts_only_this_package(iris_models, name, tmp_path):
    X, models = iris_models
    model = models[name]
    path = tmp_path / "model.skops"
    sio.dump(model, path)
    untrusted = sio.get_untrusted_types(file=path)
    assert untrusted == [OWN_TYPE]
    restored = sio.load(path, trusted=untrusted)
    assert_array_equal(restored.predict_proba(X), model.predict_proba(X))
    assert restored.get_params(deep=False).keys() == model.get_params(deep=False).keys()


def test_skops_refuses_to_load_without_trust(iris_models, tmp_path):
    _, models = iris_models
    path = tmp_path / "model.skops"
    sio.dump(models["vectorized"], path)
    with pytest.raises(Exception, match="(?i)untrusted"):
        sio.load(path)


def test_model_saved_by_this_version_predicts_the_same():
    X, y = load_iris(return_X_y=True)
    assert sio.get_untrusted_types(file=FIXTURE) == [OWN_TYPE]
    saved = sio.load(FIXTURE, trusted=[OWN_TYPE])
    fresh = GDLogisticClassifier(**FIXTURE_PARAMS).fit(X, y)
    assert saved.get_params() == fresh.get_params()
    assert_allclose(saved.coef_, fresh.coef_, rtol=1e-10)
    assert_allclose(saved.predict_proba(X), fresh.predict_proba(X), rtol=1e-10)
    assert_array_equal(saved.predict(X), fresh.predict(X))
    assert np.all(saved.classes_ == fresh.classes_)


def _assert_same_value(restored, original, name):
    """Assert two attribute values alike: type, dtype, shape, every item."""
    assert type(restored) is type(original), name
    if isinstance(original, np.ndarray):
        assert (restored.dtype, restored.shape) == (original.dtype, original.shape), (
            name
        )
        if original.dtype == object:
            for index in np.ndindex(original.shape):
                _assert_same_value(restored[index], original[index], f"{name}{index}")
        else:
            assert_array_equal(restored, original, err_msg=name)
    elif hasattr(original, "get_params"):
        _assert_same_attributes(restored, original, name)
    else:
        assert restored == original or (restored != restored and original != original)


def _assert_same_attributes(restored, original, name="model"):
    assert vars(restored).keys() == vars(original).keys(), name
    for attribute, value in vars(original).items():
        _assert_same_value(getattr(restored, attribute), value, f"{name}.{attribute}")


@pytest.fixture(scope="module")
def fitted_models():
    X, y = load_iris(return_X_y=True)
    X = StandardScaler().fit_transform(X)[:, :2]
    search = dict(cv=3, max_iter=30, tol=0)
    with pytest.warns(UserWarning, match="diverged"):
        # Its largest step diverges: None among the coefficient paths.
        diverged = GDLogisticClassifierCV(alphas=[0.1, 1e308], **search).fit(X, y)
    return {
        "single": GDLogisticClassifier(C=1.0, max_iter=30, tol=0).fit(X, y),
        "search": GDLogisticClassifierCV(alphas=[0.1, 1.0], **search).fit(X, y),
        "search with a diverged candidate": diverged,
    }


@pytest.mark.parametrize(
    "name", ["single", "search", "search with a diverged candidate"]
)
@pytest.mark.parametrize("persistence", ["pickle", "skops"])
def test_round_trips_keep_every_fitted_attribute(fitted_models, name, persistence):
    # skops turned the search's (3, 2, 1) object array of (3, 3) coefficient
    # arrays into a (3, 2, 1, 3, 3) object array of floats.
    model = fitted_models[name]
    if persistence == "pickle":
        restored = pickle.loads(pickle.dumps(model))
    else:
        dumped = sio.dumps(model)
        restored = sio.loads(dumped, trusted=sio.get_untrusted_types(data=dumped))
    _assert_same_attributes(restored, model)


def test_a_search_pickled_before_flat_records_or_unfitted_loads(fitted_models):
    search = fitted_models["search"]
    # The state of an older version held the object arrays themselves.
    older = GDLogisticClassifierCV.__new__(GDLogisticClassifierCV)
    older.__setstate__(dict(vars(search)))
    _assert_same_attributes(older, search)
    unfitted = pickle.loads(pickle.dumps(GDLogisticClassifierCV(cv=4)))
    assert unfitted.get_params() == GDLogisticClassifierCV(cv=4).get_params()
