"""Fitting Dask arrays: the same fit as NumPy, one accumulator per chunk."""

import threading

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.model_selection import GridSearchCV

from sklearn_gd import GDLogisticClassifier, GDLogisticClassifierCV
from sklearn_gd._dask import is_dask_array

from .conftest import assert_same_steps, make_data

dask = pytest.importorskip("dask")
da = pytest.importorskip("dask.array")
distributed = pytest.importorskip("distributed")


@pytest.fixture(scope="session")
def cluster_client():
    """One 2-process LocalCluster for the session, on loopback, no dashboard."""
    cluster = distributed.LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        host="127.0.0.1",
        scheduler_port=0,
        # No dashboard; the scheduler's HTTP server (health, metrics) on a
        # free port: the default 8787 collides between parallel runs.
        dashboard_address=None,
        scheduler_kwargs={"dashboard_address": "127.0.0.1:0"},
    )
    # Not the default scheduler: the other tests stay on their own.
    client = distributed.Client(cluster, set_as_default=False)
    yield client
    client.close()
    cluster.close()


@pytest.fixture
def synchronous():
    """Run Dask in this thread: fast and deterministic."""
    with dask.config.set(scheduler="synchronous"):
        yield


def _data(rng, n_samples, n_features, n_classes):
    y = np.arange(n_samples) % n_classes
    rng.shuffle(y)
    X = rng.normal(size=(n_samples, n_features)) + 0.3 * y[:, None]
    sample_weight = rng.uniform(0.1, 2.0, n_samples)
    return X, y, sample_weight


def _chunked(chunk_rows, *arrays):
    return [da.from_array(a, chunks=(chunk_rows,) + a.shape[1:]) for a in arrays]


def _assert_same_fit(numpy_fit, dask_fit, rtol=1e-10):
    """The Dask fit equals the NumPy fit to round-off, attributes in NumPy."""
    for name in ("coef_", "intercept_", "cost_history_"):
        value = getattr(dask_fit, name)
        assert isinstance(value, np.ndarray), name
        assert_allclose(value, getattr(numpy_fit, name), rtol=rtol, atol=1e-13)
    assert dask_fit.n_iter_ == numpy_fit.n_iter_
    assert_same_steps(dask_fit, numpy_fit)
    assert_array_equal(dask_fit.classes_, numpy_fit.classes_)
    assert dask_fit.n_features_in_ == numpy_fit.n_features_in_


# Binary and 10 classes, with sample and class weights and every penalty.
CASES = [
    (2, dict(C=1.0)),
    (2, dict(C=0.5, l1_ratio=1.0, class_weight="balanced")),
    (10, dict(C=2.0, l1_ratio=0.5, class_weight="balanced")),
    (10, dict(class_weight={0: 3.0, 9: 0.5}, fit_intercept=False)),
]


@pytest.mark.parametrize("n_classes, params", CASES)
@pytest.mark.parametrize("chunk_rows", [64, 250, 1000])
def test_dask_fit_equals_numpy_fit(synchronous, n_classes, params, chunk_rows):
    rng = np.random.default_rng(0)
    X, y, sample_weight = _data(rng, 600, 7, n_classes)
    numpy_fit = GDLogisticClassifier(max_iter=150, tol=0, **params).fit(
        X, y, sample_weight=sample_weight
    )
    dask_fit = GDLogisticClassifier(max_iter=150, tol=0, **params).fit(
        *_chunked(chunk_rows, X, y, sample_weight)
    )
    _assert_same_fit(numpy_fit, dask_fit)


@pytest.mark.parametrize("n_classes", [2, 10])
def test_dask_fit_on_threads_and_cluster(cluster_client, n_classes):
    rng = np.random.default_rng(1)
    X, y, sample_weight = _data(rng, 900, 6, n_classes)
    params = dict(C=1.0, l1_ratio=0.5, class_weight="balanced", max_iter=60, tol=0)
    numpy_fit = GDLogisticClassifier(**params).fit(X, y, sample_weight=sample_weight)
    data = _chunked(200, X, y, sample_weight)
    for scheduler in ("threads", cluster_client):
        with dask.config.set(scheduler=scheduler):
            dask_fit = GDLogisticClassifier(**params).fit(*data)
        _assert_same_fit(numpy_fit, dask_fit)


def test_predict_on_dask_is_lazy_and_equal(synchronous):
    rng = np.random.default_rng(2)
    for n_classes in (2, 4):
        X, y, _ = _data(rng, 300, 5, n_classes)
        labels = np.array(["ant", "bee", "cat", "dog"])[y]
        clf = GDLogisticClassifier(C=1.0).fit(X, labels)
        (X_dask,) = _chunked(70, X)
        for method in ("decision_function", "predict", "predict_proba"):
            result = getattr(clf, method)(X_dask)
            assert is_dask_array(result)
            expected = getattr(clf, method)(X)
            assert result.shape == expected.shape
            assert result.dtype == expected.dtype
            computed = result.compute()
            if method == "predict":
                assert_array_equal(computed, expected)
            else:
                assert_allclose(computed, expected, rtol=1e-12)
        assert_allclose(
            clf.predict_log_proba(X_dask).compute(), clf.predict_log_proba(X)
        )
        assert clf.score(X_dask, labels) == clf.score(X, labels)


def test_x_is_computed_once(synchronous):
    """X is persisted: its graph runs once per chunk, not once per iteration."""
    rng = np.random.default_rng(3)
    X, y, _ = _data(rng, 400, 4, 3)
    calls = []
    lock = threading.Lock()

    def count(block):
        if len(block):  # not Dask's empty probe of the function
            with lock:
                calls.append(len(block))
        return block

    X_dask = da.from_array(X, chunks=(100, 4)).map_blocks(count, dtype=X.dtype)
    clf = GDLogisticClassifier(max_iter=40, tol=0).fit(X_dask, y)
    assert clf.n_iter_ == 40
    assert sorted(calls) == [100, 100, 100, 100]


def test_memory_mapped_npy(tmp_path):
    """A .npy on disk, memory-mapped and wrapped by dask.array, fits the same."""
    rng = np.random.default_rng(4)
    X, y, _ = _data(rng, 500, 6, 3)
    np.save(tmp_path / "X.npy", X)
    X_mapped = np.load(tmp_path / "X.npy", mmap_mode="r")
    X_dask = da.from_array(X_mapped, chunks=(128, 6))
    numpy_fit = GDLogisticClassifier(C=1.0, max_iter=300).fit(X, y)
    with dask.config.set(scheduler="threads"):
        dask_fit = GDLogisticClassifier(C=1.0, max_iter=300).fit(X_dask, y)
    _assert_same_fit(numpy_fit, dask_fit)


def test_unknown_chunk_sizes_and_float32(synchronous):
    rng = np.random.default_rng(5)
    X, y, _ = _data(rng, 300, 4, 2)
    X = X.astype(np.float32)
    keep = rng.uniform(size=300) < 0.7
    (X_dask,) = _chunked(64, X)
    X_filtered = X_dask[da.from_array(keep, chunks=64)]  # row counts unknown
    assert np.isnan(X_filtered.shape[0])
    dask_fit = GDLogisticClassifier(max_iter=50).fit(X_filtered, y[keep])
    numpy_fit = GDLogisticClassifier(max_iter=50).fit(X[keep], y[keep])
    assert dask_fit.coef_.dtype == np.float32
    assert_allclose(dask_fit.coef_, numpy_fit.coef_, rtol=1e-5, atol=1e-6)


def test_warm_start_continues_a_dask_fit(synchronous):
    rng = np.random.default_rng(6)
    X, y, _ = _data(rng, 200, 3, 2)
    data = _chunked(50, X, y)
    # A fixed step: the adaptive rule starts its search again on each fit.
    whole = GDLogisticClassifier(alpha="auto", max_iter=60, tol=0).fit(*data)
    halves = GDLogisticClassifier(alpha="auto", max_iter=30, tol=0, warm_start=True)
    halves.fit(*data).fit(*data)
    assert_allclose(halves.coef_, whole.coef_, rtol=1e-12)


def _with_nan(X):
    X = X.copy()
    X[5, 1] = np.nan
    return X


@pytest.mark.parametrize(
    "change, message",
    [
        (lambda X, y, s: (X, y, s, "loop"), "solver='loop'.*Dask"),
        (lambda X, y, s: (_with_nan(X), y, s, "vectorized"), "NaN"),
        (lambda X, y, s: (X, y, -s, "vectorized"), "Negative values"),
        (lambda X, y, s: (X, y[:-1], s, "vectorized"), "one value per row"),
        (lambda X, y, s: (X, 0 * y, s, "vectorized"), "only one class"),
        (lambda X, y, s: (X, y + 0.5, s, "vectorized"), "Unknown label type"),
        (lambda X, y, s: (X, y, 0 * s, "vectorized"), "sum to zero"),
        (
            lambda X, y, s: (X, y, s * np.inf, "vectorized"),
            "sample_weight contains NaN",
        ),
        (lambda X, y, s: (X[:, :, None], y, s, "vectorized"), "2-D Dask array"),
        (lambda X, y, s: (X.astype(str), y, s, "vectorized"), "must be numeric"),
        (lambda X, y, s: (1e300 * X, y, s, "vectorized"), "overflow float64"),
    ],
)
def test_bad_dask_input_is_refused(synchronous, change, message):
    rng = np.random.default_rng(7)
    X, y, sample_weight, solver = change(*_data(rng, 60, 3, 2))
    clf = GDLogisticClassifier(solver=solver)
    with pytest.raises(ValueError, match=message):
        clf.fit(
            da.from_array(X, chunks=(16,) + X.shape[1:]),
            y,  # a NumPy y is chunked like X
            sample_weight=da.from_array(sample_weight, chunks=16),
        )
    assert not hasattr(clf, "coef_")


def test_grid_search_on_joblibs_dask_backend(cluster_client, breast_cancer):
    """GridSearchCV over alpha, its fits sent to the cluster by joblib."""
    import joblib

    X, y = breast_cancer
    grid = {"alpha": [0.01, 0.1, 1.0]}
    estimator = GDLogisticClassifier(max_iter=100, tol=0)
    local = GridSearchCV(estimator, grid, cv=3).fit(X, y)
    with joblib.parallel_backend("dask", client=cluster_client):
        remote = GridSearchCV(estimator, grid, cv=3, n_jobs=-1).fit(X, y)
    assert remote.best_params_ == local.best_params_
    assert_allclose(
        remote.cv_results_["mean_test_score"], local.cv_results_["mean_test_score"]
    )


@given(
    n_samples=st.integers(4, 120),
    n_features=st.integers(1, 6),
    n_classes=st.integers(2, 4),
    chunk_rows=st.integers(1, 130),
    seed=st.integers(0, 2**32 - 1),
)
@settings(max_examples=50)
def test_any_chunking_gives_the_numpy_fit(
    n_samples, n_features, n_classes, chunk_rows, seed
):
    """The accumulators of any split of the rows add up to the NumPy fit."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n_samples, n_features))
    y = np.arange(n_samples) % n_classes
    sample_weight = rng.uniform(0.0, 2.0, n_samples)
    sample_weight[0] = 1.0  # never all zero
    params = dict(C=1.0, l1_ratio=0.5, max_iter=20, tol=0)
    numpy_fit = GDLogisticClassifier(**params).fit(X, y, sample_weight=sample_weight)
    with dask.config.set(scheduler="synchronous"):
        dask_fit = GDLogisticClassifier(**params).fit(
            *_chunked(chunk_rows, X, y, sample_weight)
        )
    _assert_same_fit(numpy_fit, dask_fit)


def test_refit_on_dask_forgets_dataframe_column_names(synchronous):
    pd = pytest.importorskip("pandas")
    rng = np.random.default_rng(8)
    X, y, _ = _data(rng, 80, 3, 2)
    clf = GDLogisticClassifier(max_iter=20, tol=0)
    clf.fit(pd.DataFrame(X, columns=["a", "b", "c"]), y)
    assert list(clf.feature_names_in_) == ["a", "b", "c"]
    clf.fit(*_chunked(20, X, y))
    assert not hasattr(clf, "feature_names_in_")
    assert clf.n_features_in_ == 3


@pytest.mark.parametrize("scheduler", ["threads", "synchronous"])
@pytest.mark.parametrize("chunk_rows", [50, 200])
def test_chunk_tasks_run_the_kernel_on_one_thread(monkeypatch, scheduler, chunk_rows):
    """Tasks x kernel threads would oversubscribe the cores."""
    import numba

    from sklearn_gd import _kernels

    seen = []
    sums = _kernels.sums

    def recording(X, *args):
        seen.append(_kernels.threads_for(X.size, args[-1]))
        return sums(X, *args)

    monkeypatch.setattr(_kernels, "sums", recording)
    monkeypatch.setattr(_kernels, "_SERIAL_BELOW", 0)  # threads even on tiny data
    rng = np.random.default_rng(9)
    X, y, _ = _data(rng, 200, 3, 2)
    with dask.config.set(scheduler=scheduler):
        fit = GDLogisticClassifier(max_iter=3, tol=0).fit(*_chunked(chunk_rows, X, y))
    n_chunks = 200 // chunk_rows
    assert len(seen) == fit.n_passes_ * n_chunks  # every pass, trials included
    # Tasks that run at once each run on one thread; one task at a time
    # (one chunk, or the synchronous scheduler) may use numba's threads.
    at_once = n_chunks > 1 and scheduler == "threads"
    expected = 1 if at_once else numba.get_num_threads()
    assert set(seen) == {expected}


def test_cv_search_refuses_dask_before_computing_anything(synchronous):
    def never(block):
        raise AssertionError("X was computed")

    X, y = make_data(np.random.default_rng(9))
    X_dask = da.from_array(X, chunks=(10, -1)).map_blocks(never, dtype=X.dtype)
    with pytest.raises(ValueError, match="does not search on Dask arrays yet"):
        GDLogisticClassifierCV(alphas=[0.1]).fit(X_dask, y)
