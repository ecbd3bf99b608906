"""The vectorized solver on arrays of any Array API namespace and device.

scikit-learn's generated checks (``tests/test_common.py``) cover the
namespace, device and dtype of every fitted array and method output; these
tests check the numbers against the NumPy fit and the loop solver's refusal.
Combinations whose library or device is missing skip themselves, with the
reason: torch on CUDA (and CuPy) runs where the device is usable
(``torch.cuda.is_available()``), not only where PyTorch was built for it.
"""

import inspect
import sys

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from sklearn import config_context
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils._array_api import (
    _convert_to_numpy,
    device,
    get_namespace,
    yield_namespace_device_dtype_combinations,
)
from sklearn.utils._testing import _array_api_for_tests

from sklearn_gd import GDLogisticClassifier, GDLogisticClassifierCV

from .conftest import assert_same_steps, make_data, skip_unless_device_usable

# Intel (dpnp, XPU) and Apple (MPS) devices are left to scikit-learn's own
# checks; CuPy and torch on CUDA stay and run where there is a GPU.
COMBINATIONS = [
    combination
    for combination in yield_namespace_device_dtype_combinations()
    if combination[0] != "dpnp" and combination[1] not in ("xpu", "mps")
]


def _namespace(name, device_name, dtype_name):
    """Return scikit-learn's namespace for tests and the device to use.

    Before scikit-learn 1.8 ``_array_api_for_tests`` took no dtype and
    returned the namespace only. A device its library cannot use (torch
    built with CUDA on a machine without a GPU) skips, with the reason.
    """
    skip_unless_device_usable((name, device_name))
    if len(inspect.signature(_array_api_for_tests).parameters) == 2:
        return _array_api_for_tests(name, device_name), device_name
    return _array_api_for_tests(name, device_name, dtype_name)


def _fit_both(xp, device_, dtype_name, n_classes, **params):
    rng = np.random.default_rng(0)
    X, y = make_data(rng, n_samples=120, n_features=4, n_classes=n_classes)
    X = X.astype(dtype_name)
    sample_weight = rng.uniform(0.2, 2.0, len(y)).astype(dtype_name)
    numpy_fit = GDLogisticClassifier(**params).fit(X, y, sample_weight=sample_weight)
    X_xp = xp.asarray(X, device=device_)
    with config_context(array_api_dispatch=True):
        xp_fit = GDLogisticClassifier(**params).fit(
            X_xp,
            xp.asarray(y, device=device_),
            sample_weight=xp.asarray(sample_weight, device=device_),
        )
    return X, X_xp, numpy_fit, xp_fit


@pytest.mark.parametrize("namespace, device_name, dtype_name", COMBINATIONS)
@pytest.mark.parametrize(
    "n_classes, params",
    [
        (2, dict(C=1.0)),
        (3, dict(C=0.5, l1_ratio=0.5, class_weight="balanced")),
        (3, dict(fit_intercept=False, alpha=0.5)),
    ],
)
def test_fit_in_namespace_equals_numpy(
    namespace, device_name, dtype_name, n_classes, params
):
    xp, device_ = _namespace(namespace, device_name, dtype_name)
    if dtype_name == "float32":
        # The adaptive rule's accept-or-halve tests see each library's float32
        # round-off, and one test decided otherwise parts the trajectories;
        # a fixed step's trajectories stay within round-off of each other.
        params = {"alpha": "auto", **params}
    params = dict(max_iter=200, tol=0, **params)
    X, X_xp, numpy_fit, xp_fit = _fit_both(xp, device_, dtype_name, n_classes, **params)
    rtol = 1e-10 if dtype_name == "float64" else 2e-4
    for name in ("coef_", "intercept_", "cost_history_", "classes_"):
        value = getattr(xp_fit, name)
        with config_context(array_api_dispatch=True):
            assert get_namespace(value)[0] is get_namespace(X_xp)[0], name
            assert device(value) == device(X_xp), name
        assert_allclose(
            _convert_to_numpy(value, xp),
            getattr(numpy_fit, name),
            rtol=rtol,
            atol=rtol * 1e-2,
        )
    assert xp_fit.coef_.dtype == X_xp.dtype  # float32 stays float32
    if dtype_name == "float64":
        assert_same_steps(xp_fit, numpy_fit)
    else:
        assert xp_fit.alpha_ == pytest.approx(numpy_fit.alpha_, rel=rtol)
    with config_context(array_api_dispatch=True):
        labels = xp_fit.predict(X_xp)
        proba = xp_fit.predict_proba(X_xp)
        assert get_namespace(labels)[0] is get_namespace(X_xp)[0]
    assert_array_equal(_convert_to_numpy(labels, xp), numpy_fit.predict(X))
    assert_allclose(
        _convert_to_numpy(proba, xp), numpy_fit.predict_proba(X), rtol=rtol, atol=1e-6
    )


@pytest.mark.parametrize("namespace", ["array_api_strict", "torch"])
def test_loop_solver_refuses_other_namespaces(namespace):
    xp, device_ = _namespace(namespace, None, "float64")
    X, y = make_data(np.random.default_rng(1))
    clf = GDLogisticClassifier(solver="loop")
    with (
        config_context(array_api_dispatch=True),
        pytest.raises(ValueError, match="solver='loop'.*NumPy.*solver='vectorized'"),
    ):
        clf.fit(xp.asarray(X, device=device_), xp.asarray(y, device=device_))
    assert not hasattr(clf, "coef_")


def test_warm_start_in_torch():
    xp, device_ = _namespace("torch", "cpu", "float64")
    X, y = make_data(np.random.default_rng(2))
    X_xp, y_xp = xp.asarray(X, device=device_), xp.asarray(y, device=device_)
    with config_context(array_api_dispatch=True):
        # A fixed step: the adaptive rule starts its search again on each fit.
        whole = GDLogisticClassifier(alpha="auto", max_iter=40, tol=0).fit(X_xp, y_xp)
        halves = GDLogisticClassifier(alpha="auto", max_iter=20, tol=0, warm_start=True)
        halves.fit(X_xp, y_xp).fit(X_xp, y_xp)
    assert_allclose(
        _convert_to_numpy(halves.coef_, xp), _convert_to_numpy(whole.coef_, xp)
    )


def test_diverging_fit_in_torch_says_what_to_do():
    xp, device_ = _namespace("torch", "cpu", "float64")
    X, y = make_data(np.random.default_rng(3))
    with (
        config_context(array_api_dispatch=True),
        pytest.raises(ValueError, match="diverged.*Try a smaller alpha"),
    ):
        GDLogisticClassifier(alpha=1e300).fit(
            xp.asarray(1e10 * X, device=device_), xp.asarray(y, device=device_)
        )


@pytest.mark.parametrize(
    "namespace, device_name, n_jobs",
    # Folds in other processes see array_api_dispatch too.
    [("array_api_strict", None, None), ("torch", "cpu", 2)],
)
@pytest.mark.parametrize("n_classes", [2, 3])
def test_cv_search_in_namespace_equals_numpy_search(
    namespace, device_name, n_jobs, n_classes
):
    xp, device_ = _namespace(namespace, device_name, "float64")
    rng = np.random.default_rng(4)
    X, y = make_data(rng, n_samples=90, n_features=4, n_classes=n_classes)
    sample_weight = rng.uniform(0.5, 2.0, len(y))
    params = dict(
        alphas=[0.1, 1.0, "auto", 1e308],  # a rule per fold; the last diverges
        Cs=[1.0, np.inf],
        cv=3,
        max_iter=40,
        tol=0,
        class_weight="balanced",
    )
    with pytest.warns(ConvergenceWarning, match="diverged"):
        numpy_cv = GDLogisticClassifierCV(**params).fit(X, y, sample_weight)
    X_xp = xp.asarray(X, device=device_)
    with (
        config_context(array_api_dispatch=True),
        pytest.warns(ConvergenceWarning, match="diverged"),
    ):
        xp_cv = GDLogisticClassifierCV(n_jobs=n_jobs, **params).fit(
            X_xp,
            xp.asarray(y, device=device_),
            sample_weight=xp.asarray(sample_weight, device=device_),
        )
        proba = xp_cv.predict_proba(X_xp)
        assert get_namespace(proba)[0].__name__.endswith(namespace)
        y_pred = _convert_to_numpy(xp_cv.predict(X_xp), xp)
    assert_array_equal(y_pred, numpy_cv.predict(X))
    assert_allclose(xp_cv.scores_, numpy_cv.scores_, rtol=1e-10)
    assert_array_equal(xp_cv.n_iter_, numpy_cv.n_iter_)
    assert (xp_cv.alpha_, xp_cv.C_) == (numpy_cv.alpha_, numpy_cv.C_)
    for fold_xp, fold_np in zip(
        xp_cv.cost_histories_.ravel(), numpy_cv.cost_histories_.ravel(), strict=True
    ):
        assert_allclose(fold_xp, fold_np, rtol=1e-10)
    assert_allclose(_convert_to_numpy(xp_cv.coef_, xp), numpy_cv.coef_, rtol=1e-10)
    assert_allclose(_convert_to_numpy(proba, xp), numpy_cv.predict_proba(X), rtol=1e-10)


def test_auto_alpha_on_huge_values_in_torch_says_to_scale():
    xp, device_ = _namespace("torch", "cpu", "float64")
    X, y = make_data(np.random.default_rng(5))
    clf = GDLogisticClassifier()
    with (
        config_context(array_api_dispatch=True),
        pytest.raises(ValueError, match="overflow float64.*StandardScaler"),
    ):
        clf.fit(xp.asarray(1e300 * X, device=device_), xp.asarray(y, device=device_))
    assert not hasattr(clf, "coef_")


def test_float32_on_a_device_too_large_to_bound_says_scale_x():
    # On a device the Gram matrix is formed in X's dtype (there may be no
    # float64): the guard is float32's, and the message names it.
    # Skips where dispatching is not possible (array_api_compat missing).
    xp, _ = _namespace("array_api_strict", None, "float32")
    rng = np.random.default_rng(7)
    X, y = make_data(rng, n_samples=40, n_features=3)
    X = xp.asarray((3e19 * X).astype(np.float32))
    with config_context(array_api_dispatch=True):
        with pytest.raises(ValueError, match="overflow float32. Scale X"):
            GDLogisticClassifier(alpha="auto").fit(X, xp.asarray(y))


@pytest.mark.parametrize("available", [True, False])
def test_a_cuda_build_without_a_usable_device_skips_with_the_reason(
    monkeypatch, available
):
    """PyPI's torch is built with CUDA; on a machine without a GPU it skips."""
    import types

    from .conftest import device_unusable

    fake = types.ModuleType("torch")
    fake.backends = types.SimpleNamespace(
        cuda=types.SimpleNamespace(is_built=lambda: True)
    )
    fake.cuda = types.SimpleNamespace(is_available=lambda: available)
    monkeypatch.setitem(sys.modules, "torch", fake)
    reason = device_unusable("torch", "cuda")
    assert (reason is None) == available
    if reason is not None:
        assert "torch.cuda.is_available() is False" in reason
    assert device_unusable("torch", "cpu") is None


def test_cupy_without_a_driver_skips_with_the_reason(monkeypatch):
    import types

    from .conftest import device_unusable

    class CUDARuntimeError(RuntimeError):
        pass

    def no_driver():
        raise CUDARuntimeError("cudaErrorInsufficientDriver")

    fake = types.ModuleType("cupy")
    fake.cuda = types.SimpleNamespace(
        runtime=types.SimpleNamespace(getDeviceCount=no_driver)
    )
    monkeypatch.setitem(sys.modules, "cupy", fake)
    assert "cudaErrorInsufficientDriver" in device_unusable("cupy", None)
