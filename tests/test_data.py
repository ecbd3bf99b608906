"""One contract, every kind of data: the same answers on the same small data.

Each kind (:class:`~sklearn_gd._data.DataKind`: NumPy, CSR, an Array API
namespace, Dask) answers what a fit and a predict ask of it; run on the
same data, every answer must be the NumPy one.
"""

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from scipy import sparse
from sklearn import config_context
from sklearn.utils._array_api import get_namespace

from sklearn_gd import GDLogisticClassifier
from sklearn_gd._data import InMemoryData, NamespaceData
from sklearn_gd._kinds import data_kind

from .conftest import make_data
from .test_array_api import _namespace

rng = np.random.default_rng(8)
X, _y = make_data(rng, n_samples=30, n_features=3, n_classes=3)
Y = np.array([3, 5, 7])[_y]  # labels that are not their indices
W = rng.uniform(0.5, 2.0, size=30)
STACK = 0.2 * rng.normal(size=(2, 3, 4))  # two candidates, 3 classes
ROWS = np.array([0, 4, 5, 17, 29])


def _as(kind_name):
    """X, y, the weights as the kind holds them, and the context to use."""
    if kind_name == "numpy":
        return X, Y, W, config_context()
    if kind_name == "csr":
        return sparse.csr_matrix(X), Y, W, config_context()
    if kind_name == "array_api_strict":
        # scikit-learn's helper: it skips where dispatch is not available
        # (array_api_compat missing before scikit-learn vendored it).
        xp, _ = _namespace("array_api_strict", None, "float64")
        arrays = (xp.asarray(X), xp.asarray(Y), xp.asarray(W))
        return *arrays, config_context(array_api_dispatch=True)
    da = pytest.importorskip("dask.array")
    dask = pytest.importorskip("dask")
    chunks = (da.from_array(a, chunks=12) for a in (X, Y, W))
    return *chunks, dask.config.set(scheduler="synchronous")


def _numpy(kind, array):
    array = kind.to_numpy(array)
    return array.toarray() if sparse.issparse(array) else np.asarray(array)


@pytest.mark.parametrize("kind_name", ["numpy", "csr", "array_api_strict", "dask"])
def test_every_kind_gives_the_numpy_answers(kind_name):
    X_k, y_k, w_k, context = _as(kind_name)
    with context:
        kind = data_kind(X_k)
        expected_type = {"numpy": InMemoryData, "csr": InMemoryData}
        if kind_name in expected_type:
            assert type(kind) is expected_type[kind_name]
        elif kind_name == "array_api_strict":
            assert type(kind) is NamespaceData
        assert kind.lazy == (kind_name == "dask")
        estimator = GDLogisticClassifier()
        X_v, y_v, w_v = kind.validate(estimator, X_k, y_k, w_k)
        assert estimator.n_features_in_ == 3
        assert_allclose(_numpy(kind, X_v), X)
        assert_allclose(_numpy(kind, w_v), W)

        classes, y_index = kind.encode_labels(y_v)
        assert_array_equal(classes, [3, 5, 7])
        assert_array_equal(_numpy(kind, y_index), _y)
        assert_allclose(
            kind.class_counts(y_index, w_v, 3), np.bincount(_y, weights=W), rtol=1e-12
        )
        factors = np.array([1.0, 2.0, 0.5])
        assert_allclose(_numpy(kind, kind.per_example(factors, y_index)), factors[_y])

        evaluator = kind.evaluator(X_v, y_index, w_v, 3, True, "vectorized")
        # The reference: the textbook loops, on NumPy data.
        reference = InMemoryData().evaluator(X, _y, W, 3, True, "loop")
        assert evaluator.weight_sum == pytest.approx(W.sum(), rel=1e-12)
        costs, grads = evaluator(STACK)
        expected_costs, expected_grads = reference(STACK)
        assert_allclose(_numpy(kind, costs), expected_costs, rtol=1e-10)
        assert_allclose(_numpy(kind, grads), expected_grads, rtol=1e-10, atol=1e-14)

        assert_allclose(_numpy(kind, kind.take(X_v, ROWS)), X[ROWS])
        mean, std = kind.feature_moments(X_v)
        assert_allclose(mean, X.mean(axis=0), rtol=1e-12)
        assert_allclose(std, X.std(axis=0), rtol=1e-12)
        coef = np.arange(9.0).reshape(3, 3)
        assert_allclose(_numpy(kind, kind.place(coef)), coef)

        def predict(rows):  # a decision function: one value per row
            xp, _ = get_namespace(rows)
            return rows @ xp.asarray([1.0, 2.0, 3.0])

        mapped = kind.map_rows(predict, X_v, None, X.dtype)
        assert_allclose(_numpy(kind, mapped), X @ [1.0, 2.0, 3.0], rtol=1e-12)
