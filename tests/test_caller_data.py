"""The caller's arrays are never written: by fit, predict*, score, in threads."""

import threading
import warnings

import numpy as np
import pytest
from numpy.testing import assert_array_equal
from scipy import sparse
from sklearn.multiclass import OneVsRestClassifier

from sklearn_gd import GDLogisticClassifier, GDLogisticClassifierCV

from .conftest import make_data


def _read_only(*arrays):
    for array in arrays:
        array.flags.writeable = False


def _unsorted(X):
    """A CSR matrix whose rows hold their columns out of order (X[:, perm])."""
    order = np.arange(X.shape[1])[::-1]
    permuted = sparse.csr_matrix(X[:, order])[:, np.argsort(order)]
    assert not permuted.has_sorted_indices
    return permuted


def _with_duplicates(X):
    """A CSR matrix that stores each value as two halves, in reversed order."""
    csr = sparse.csr_matrix(X)
    lengths = np.diff(csr.indptr)
    rows = np.repeat(np.arange(X.shape[0]), 2 * lengths)
    halves = np.repeat(csr.data / 2, 2)
    columns = np.repeat(csr.indices, 2)
    indptr = np.concatenate([[0], np.cumsum(2 * lengths)])
    # Reverse each row's entries: unsorted, with duplicates.
    order = np.lexsort((-np.arange(len(rows)), rows))
    duplicated = sparse.csr_matrix(
        (halves[order], columns[order], indptr), shape=X.shape
    )
    assert duplicated.nnz == 2 * csr.nnz and not duplicated.has_canonical_format
    return duplicated


def _memmap(X, tmp_path):
    path = tmp_path / "X.npy"
    np.save(path, X)
    return np.load(path, mmap_mode="r")


def _read_only_csr(X):
    unsorted = _unsorted(X)
    _read_only(unsorted.data, unsorted.indices, unsorted.indptr)
    return unsorted


def _read_only_dense(X):
    X = X.copy()
    _read_only(X)
    return X


FORMS = {
    "dense C": lambda X, tmp_path: np.ascontiguousarray(X),
    "dense F": lambda X, tmp_path: np.asfortranarray(X),
    "dense read-only": lambda X, tmp_path: _read_only_dense(X),
    "memmap": _memmap,
    "CSR canonical": lambda X, tmp_path: sparse.csr_matrix(X),
    "CSR unsorted": lambda X, tmp_path: _unsorted(X),
    "CSR duplicates": lambda X, tmp_path: _with_duplicates(X),
    "CSR read-only": lambda X, tmp_path: _read_only_csr(X),
    "CSC": lambda X, tmp_path: sparse.csc_matrix(X)[:, ::-1][:, ::-1],
    "COO": lambda X, tmp_path: sparse.coo_matrix(X),
}

ESTIMATORS = {
    "alpha=0.1": lambda: GDLogisticClassifier(alpha=0.1, C=1.0, max_iter=15, tol=0),
    "alpha='auto'": lambda: GDLogisticClassifier(alpha="auto", max_iter=15, tol=0),
    "alpha='adaptive'": lambda: GDLogisticClassifier(max_iter=15, tol=0),
    # The search: a fixed step, the two rules that bound the curvature, and
    # a grid around the 'auto' step.
    "CV alphas=[0.1]": lambda: GDLogisticClassifierCV(
        alphas=[0.1], cv=2, max_iter=15, tol=0
    ),
    "CV alphas=['auto', 'adaptive']": lambda: GDLogisticClassifierCV(
        alphas=["auto", "adaptive"], cv=2, max_iter=15, tol=0
    ),
    "CV alphas=2 (from 'auto')": lambda: GDLogisticClassifierCV(
        alphas=2, Cs=[1.0, np.inf], cv=2, max_iter=15, tol=0
    ),
}


def _arrays(X):
    """Every array the caller's X is made of, by name."""
    if isinstance(X, np.ndarray):
        return {"X": X}
    if X.format == "coo":
        return {"data": X.data, "row": X.row, "col": X.col}
    return {"data": X.data, "indices": X.indices, "indptr": X.indptr}


def _snapshot(arrays):
    return {
        name: (a.dtype, a.shape, a.flags.writeable, a.tobytes())
        for name, a in arrays.items()
    }


@pytest.mark.parametrize("estimator", list(ESTIMATORS), ids=list(ESTIMATORS))
@pytest.mark.parametrize("form", list(FORMS), ids=list(FORMS))
def test_fit_predict_and_score_leave_every_caller_array_bit_identical(
    form, estimator, tmp_path
):
    rng = np.random.default_rng(0)
    X, y = make_data(rng, n_samples=30, n_features=4)
    X[rng.uniform(size=X.shape) < 0.3] = 0.0  # sparse forms store fewer
    X = FORMS[form](X, tmp_path)
    sample_weight = rng.uniform(0.5, 2.0, size=len(y))
    _read_only(y, sample_weight)
    arrays = {**_arrays(X), "y": y, "sample_weight": sample_weight}
    before = _snapshot(arrays)
    model = ESTIMATORS[estimator]()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # some candidates of the grid diverge
        model.fit(X, y, sample_weight=sample_weight)
    for method in ("predict", "predict_proba", "predict_log_proba"):
        getattr(model, method)(X)
    model.decision_function(X)
    model.score(X, y, sample_weight=sample_weight)
    assert _snapshot(arrays) == before


# The grid's largest step makes the cost rise in the refit: warned, not wrong.
@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.parametrize("estimator", ["alpha='adaptive'", "CV alphas=2 (from 'auto')"])
def test_fits_in_threads_on_one_unsorted_csr_neither_race_nor_write(estimator):
    # Before, the curvature bound sorted the shared matrix in place: threads
    # raced in SciPy's sort and corrupted the caller's X.
    rng = np.random.default_rng(1)
    X_dense, y = make_data(rng, n_samples=2000, n_features=30)
    X = _unsorted(X_dense)
    before = _snapshot(_arrays(X))
    expected = ESTIMATORS[estimator]().fit(X.copy(), y)
    for _ in range(20):
        models = [ESTIMATORS[estimator]() for _ in range(4)]
        errors = []

        def fit(model, errors=errors):
            try:
                model.fit(X, y)
            except Exception as exc:  # reported in the main thread
                errors.append(exc)

        threads = [threading.Thread(target=fit, args=(m,)) for m in models]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert not errors
        assert _snapshot(_arrays(X)) == before
        for model in models:
            assert_array_equal(model.coef_, expected.coef_)


def test_one_vs_rest_in_processes_fits_a_read_only_unsorted_csr():
    # joblib hands worker processes large arrays as read-only memmaps.
    rng = np.random.default_rng(2)
    X_dense = rng.normal(size=(60_000, 12))
    y = (X_dense[:, 0] + X_dense[:, 1] > 0).astype(int) + (X_dense[:, 2] > 1)
    X = _unsorted(X_dense)
    assert X.data.nbytes > 1e6  # joblib's threshold for memory-mapping
    model = OneVsRestClassifier(GDLogisticClassifier(max_iter=50, tol=0), n_jobs=2)
    model.fit(X, y)
    assert model.score(X, y) > 0.8
