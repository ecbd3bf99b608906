"""Fitting Dask arrays: the same fit as NumPy, one accumulator per chunk."""

import os
import signal
import threading
import warnings
from types import SimpleNamespace

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.base import clone
from sklearn.model_selection import GridSearchCV

from sklearn_gd import GDLogisticClassifier, GDLogisticClassifierCV
from sklearn_gd._dask import is_dask_array

from .conftest import assert_same_steps, make_data

dask = pytest.importorskip("dask")
da = pytest.importorskip("dask.array")
distributed = pytest.importorskip("distributed")


def _start_cluster():
    """A 2-process LocalCluster on loopback, no dashboard, and its client."""
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
    return cluster, distributed.Client(cluster, set_as_default=False)


@pytest.fixture(scope="session")
def cluster_client():
    """One 2-process LocalCluster for the session."""
    cluster, client = _start_cluster()
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
    numpy_fit = GDLogisticClassifier(max_iter=50, tol=0, **params).fit(
        X, y, sample_weight=sample_weight
    )
    dask_fit = GDLogisticClassifier(max_iter=50, tol=0, **params).fit(
        *_chunked(chunk_rows, X, y, sample_weight)
    )
    _assert_same_fit(numpy_fit, dask_fit)


@pytest.mark.parametrize("n_classes", [2, 10])
def test_dask_fit_on_threads_and_cluster(cluster_client, n_classes):
    rng = np.random.default_rng(1)
    X, y, sample_weight = _data(rng, 900, 6, n_classes)
    params = dict(C=1.0, l1_ratio=0.5, class_weight="balanced", max_iter=20, tol=0)
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
    n_samples=st.integers(4, 60),
    n_features=st.integers(1, 6),
    n_classes=st.integers(2, 4),
    chunk_rows=st.integers(1, 70),
    seed=st.integers(0, 2**32 - 1),
)
@settings(max_examples=20)
def test_any_chunking_gives_the_numpy_fit(
    n_samples, n_features, n_classes, chunk_rows, seed
):
    """The accumulators of any split of the rows add up to the NumPy fit."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n_samples, n_features))
    y = np.arange(n_samples) % n_classes
    sample_weight = rng.uniform(0.0, 2.0, n_samples)
    sample_weight[0] = 1.0  # never all zero
    params = dict(C=1.0, l1_ratio=0.5, max_iter=8, tol=0)
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

    from sklearn_gd import _compiled, _kernels

    seen = []
    evaluate_stack = _compiled.evaluate_stack

    def recording(data, stack):
        # The parts of the rows a chunk's kernel call shares among threads.
        seen.append(data.n_parts)
        return evaluate_stack(data, stack)

    monkeypatch.setattr(_compiled, "evaluate_stack", recording)
    monkeypatch.setattr(_kernels, "_SERIAL_BELOW", 0)  # threads even on tiny data
    monkeypatch.setattr(_kernels, "THREADED_FROM_VALUES", 0)
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


@pytest.fixture
def no_gathering(monkeypatch):
    """Dask arrays refuse to become NumPy arrays in this process, the client.

    Conversions raise; and what the package computes may hold vectors of one
    value per example (labels, weights) and small matrices (Gram matrices),
    never a matrix with X's rows.
    """
    from sklearn_gd import _dask

    def refuse(self, *args, **kwargs):
        raise AssertionError("a Dask array was gathered into the client")

    real = _dask._compute

    def check(result):
        if isinstance(result, (tuple, list)):
            for item in result:
                check(item)
        elif isinstance(result, np.ndarray):
            assert not (result.ndim == 2 and result.shape[0] > 20), (
                f"computed a {result.shape} matrix into the client"
            )

    def small_results(*collections):
        results = real(*collections)
        check(results)
        return results

    monkeypatch.setattr(da.Array, "__array__", refuse)
    monkeypatch.setattr(_dask, "_compute", small_results)


def _assert_same_search(numpy_search, dask_search):
    """The search on Dask equals the search on NumPy to round-off."""
    assert_allclose(dask_search.scores_, numpy_search.scores_, rtol=1e-10, atol=1e-13)
    assert_array_equal(dask_search.n_iter_, numpy_search.n_iter_)
    # The same choice; the 'auto' grid's steps are equal to round-off.
    assert_allclose(dask_search.alphas_, numpy_search.alphas_, rtol=1e-12)
    assert list(dask_search.alphas_).index(dask_search.alpha_) == list(
        numpy_search.alphas_
    ).index(numpy_search.alpha_)
    assert dask_search.C_ == numpy_search.C_
    for ours, theirs in zip(
        dask_search.cost_histories_.ravel(),
        numpy_search.cost_histories_.ravel(),
        strict=True,
    ):
        assert_allclose(ours, theirs, rtol=1e-10, atol=1e-13)
    for ours, theirs in zip(
        dask_search.coefs_paths_.ravel(),
        numpy_search.coefs_paths_.ravel(),
        strict=True,
    ):
        assert (ours is None) == (theirs is None)
        if ours is not None:
            assert_allclose(ours, theirs, rtol=1e-10, atol=1e-13)
    _assert_same_fit(numpy_search.best_estimator_, dask_search.best_estimator_)
    assert_array_equal(dask_search.coef_, dask_search.best_estimator_.coef_)
    assert_array_equal(dask_search.classes_, numpy_search.classes_)


SEARCHES = [
    # Weighted accuracy (class and sample weights), two Cs.
    (2, dict(alphas=[0.05, 0.5, 4.0], Cs=[1.0, np.inf], class_weight="balanced")),
    # The log-loss summed on the workers, multinomial, elastic net, momentum.
    (
        3,
        dict(
            alphas=[0.1, 1.0],
            Cs=[0.5],
            l1_ratio=0.5,
            scoring="neg_log_loss",
            momentum=0.5,
        ),
    ),
    # The grid around the 'auto' step, without intercept, class weights.
    (3, dict(alphas=3, fit_intercept=False, class_weight={0: 2.0}, cv=3)),
]


@pytest.mark.parametrize("n_classes, params", SEARCHES)
def test_cv_search_on_dask_equals_numpy_search(
    synchronous, no_gathering, n_classes, params
):
    rng = np.random.default_rng(10)
    X, y, sample_weight = _data(rng, 300, 5, n_classes)
    params = dict(max_iter=60, tol=1e-3, **params)
    with warnings.catch_warnings(record=True) as numpy_warnings:
        warnings.simplefilter("always")
        numpy_search = GDLogisticClassifierCV(**params).fit(
            X, y, sample_weight=sample_weight
        )
    with warnings.catch_warnings(record=True) as dask_warnings:
        warnings.simplefilter("always")
        dask_search = GDLogisticClassifierCV(**params).fit(
            *_chunked(64, X, y, sample_weight)
        )
    _assert_same_search(numpy_search, dask_search)
    assert [str(w.message) for w in dask_warnings] == [
        str(w.message) for w in numpy_warnings
    ]


def test_cv_search_on_threads_and_cluster(cluster_client, no_gathering):
    rng = np.random.default_rng(11)
    X, y, sample_weight = _data(rng, 400, 4, 2)
    params = dict(alphas=[0.1, 1.0], Cs=[1.0, np.inf], max_iter=15, tol=0, cv=3)
    numpy_search = GDLogisticClassifierCV(**params).fit(
        X, y, sample_weight=sample_weight
    )
    data = _chunked(100, X, y, sample_weight)
    for scheduler in ("threads", cluster_client):
        with dask.config.set(scheduler=scheduler):
            dask_search = GDLogisticClassifierCV(**params).fit(*data)
        _assert_same_search(numpy_search, dask_search)


def test_cv_search_with_another_scorer_and_lazy_predictions(synchronous):
    """A scorer that is no sum gets the predictions; predict stays lazy."""
    rng = np.random.default_rng(12)
    X, y, _ = _data(rng, 240, 3, 2)
    params = dict(alphas=[0.1, 1.0], max_iter=30, tol=0, scoring="roc_auc", cv=3)
    numpy_search = GDLogisticClassifierCV(**params).fit(X, y)
    X_dask, y_dask = _chunked(50, X, y)
    dask_search = GDLogisticClassifierCV(**params).fit(X_dask, y_dask)
    _assert_same_search(numpy_search, dask_search)
    for method in ("predict", "predict_proba", "decision_function"):
        lazy = getattr(dask_search, method)(X_dask)
        assert is_dask_array(lazy)
        assert_allclose(lazy.compute(), getattr(numpy_search, method)(X), rtol=1e-10)


def test_cv_search_on_dask_counts_repeated_rows(synchronous, no_gathering):
    """Bootstrap folds repeat rows: X[train] counts them, so do the weights."""
    rng = np.random.default_rng(15)
    X, y, sample_weight = _data(rng, 200, 4, 2)
    folds = [
        (rng.choice(200, 200), rng.choice(200, 60)),  # with replacement
        (rng.choice(200, 200), rng.choice(200, 60)),
    ]
    params = dict(alphas=[0.1, 1.0], max_iter=30, tol=0, cv=folds)
    for extra in (dict(class_weight="balanced"), dict(scoring="neg_log_loss")):
        numpy_search = GDLogisticClassifierCV(**params, **extra).fit(
            X, y, sample_weight=sample_weight
        )
        dask_search = GDLogisticClassifierCV(**params, **extra).fit(
            *_chunked(50, X, y, sample_weight)
        )
        _assert_same_search(numpy_search, dask_search)


def test_lost_workers_are_said_and_other_errors_pass(monkeypatch):
    """Dask's errors for lost workers become one clear error; others stay."""
    from sklearn_gd._dask import WorkerLostError, _compute

    def failing(error):
        def compute(*collections, **kwargs):
            raise error

        return compute

    cases = [
        (
            distributed.KilledWorker("task", SimpleNamespace(address="tcp://w"), 3),
            "died three times",
        ),
        (distributed.client.FutureCancelledError("key", "lost"), "cannot recompute"),
    ]
    for error, message in cases:
        monkeypatch.setattr(dask, "compute", failing(error))
        with pytest.raises(WorkerLostError, match=message) as raised:
            _compute(da.ones(3))
        assert "keeps the state it had before this fit" in str(raised.value)
        assert raised.value.__cause__ is error
    monkeypatch.setattr(dask, "compute", failing(ValueError("not a worker")))
    with pytest.raises(ValueError, match="not a worker"):
        _compute(da.ones(3))


def test_cv_search_on_dask_needs_every_class_in_every_training_fold(synchronous):
    X, y = make_data(np.random.default_rng(13), n_classes=3)
    train = np.flatnonzero(y != 2)
    test = np.flatnonzero(y == 2)
    search = GDLogisticClassifierCV(alphas=[0.1], cv=[(train, test)])
    with pytest.raises(ValueError, match="Training fold 0 has no example of class 2"):
        search.fit(*_chunked(20, X, y))
    assert not hasattr(search, "n_features_in_")  # the failed fit left nothing


# Losing a worker in the middle of a fit. Each test starts its own 2-worker
# cluster: the killed worker is not replaced (distributed's nanny fails to
# restart it here), so the cluster cannot be shared.
@pytest.fixture
def doomed_cluster(monkeypatch):
    """A fresh 2-worker cluster whose first worker is killed at the 4th pass."""
    from sklearn_gd import _dask

    # No work stealing: a task stays on the worker it was given.
    with dask.config.set({"distributed.scheduler.work-stealing": False}):
        cluster, client = _start_cluster()
    doomed, pid = next(iter(client.run(os.getpid).items()))
    client.doomed_worker = doomed
    real = _dask.DaskLogisticLoss.__call__
    passes = client.passes = []

    def killing(self, stack, folds=None):
        passes.append(None)
        if len(passes) == 4:
            os.kill(pid, signal.SIGKILL)
        return real(self, stack, folds)

    monkeypatch.setattr(_dask.DaskLogisticLoss, "__call__", killing)
    with dask.config.set(scheduler=client):
        yield client
    client.close()
    cluster.close()


def _fault_data(source, tmp_path):
    rng = np.random.default_rng(14)
    X, y, _ = _data(rng, 2000, 6, 3)
    if source == "random":
        X_dask = da.random.RandomState(3).normal(size=X.shape, chunks=(250, -1))
        X = X_dask.compute(scheduler="synchronous")
    elif source == "files":
        da.to_npy_stack(tmp_path, da.from_array(X, chunks=(250, -1)))
        X_dask = da.from_npy_stack(tmp_path)
    else:
        X_dask = da.from_array(X, chunks=(250, -1))
    return X, y, X_dask, da.from_array(y, chunks=250)


@pytest.mark.parametrize(
    "estimator, source",
    [
        (GDLogisticClassifier(max_iter=12, tol=0), "from_array"),
        (GDLogisticClassifier(max_iter=12, tol=0), "files"),
        (GDLogisticClassifierCV(alphas=[0.1, 1.0], max_iter=12, tol=0, cv=3), "random"),
    ],
    ids=["fit-from_array", "fit-files", "search-random"],
)
def test_fit_survives_losing_a_worker(doomed_cluster, tmp_path, estimator, source):
    """The lost chunks are recomputed from their tasks: the same fit."""
    X, y, X_dask, y_dask = _fault_data(source, tmp_path)
    expected = clone(estimator).fit(X, y)
    fitted = clone(estimator).fit(X_dask, y_dask)
    assert len(doomed_cluster.passes) > 4  # the worker died in the middle of the fit
    assert_allclose(fitted.coef_, expected.coef_, rtol=1e-10, atol=1e-13)
    if hasattr(expected, "scores_"):
        assert_allclose(fitted.scores_, expected.scores_, rtol=1e-10)


@pytest.mark.parametrize(
    "estimator",
    [
        GDLogisticClassifier(max_iter=12, tol=0),
        GDLogisticClassifierCV(alphas=[0.1, 1.0], max_iter=12, tol=0, cv=3),
    ],
    ids=["fit", "search"],
)
def test_losing_scattered_data_says_so_and_keeps_the_previous_fit(
    doomed_cluster, tmp_path, estimator
):
    """Scattered chunks have no task to rerun: a clear error, nothing changed."""
    from sklearn_gd._dask import WorkerLostError

    X, y, _, y_dask = _fault_data("from_array", tmp_path)
    model = clone(estimator).fit(X[:500], y[:500])  # in memory: no pass counted
    before = {k: v.copy() if hasattr(v, "copy") else v for k, v in vars(model).items()}
    chunks = [
        doomed_cluster.scatter(X[i : i + 250], workers=[doomed_cluster.doomed_worker])
        for i in range(0, len(X), 250)
    ]
    X_dask = da.concatenate(
        [da.from_delayed(c, shape=(250, X.shape[1]), dtype=X.dtype) for c in chunks]
    )
    # Every task prefers the doomed worker, where the scattered chunks are: what
    # the fit makes from them is lost with it (else the scheduler may have run
    # it on the other worker, and the fit, needing nothing lost, completes).
    with (
        dask.annotate(workers=[doomed_cluster.doomed_worker], allow_other_workers=True),
        pytest.raises(WorkerLostError, match="a worker was lost"),
    ):
        model.fit(X_dask, y_dask)
    assert vars(model).keys() == before.keys()
    for name, value in before.items():
        if isinstance(value, np.ndarray) and value.dtype == object:
            assert all(
                a is b
                for a, b in zip(getattr(model, name).flat, value.flat, strict=True)
            )
        elif isinstance(value, np.ndarray):
            assert_array_equal(getattr(model, name), value, err_msg=name)
        else:
            assert getattr(model, name) is value or getattr(model, name) == value
