import os

import numpy as np
import pytest
from hypothesis import HealthCheck, settings
from sklearn.datasets import load_breast_cancer, load_digits, load_iris
from sklearn.preprocessing import StandardScaler

from sklearn_gd import _loss
from sklearn_gd._kinds import data_kind

# Bounded for CI: every property test runs this many examples.
# HYPOTHESIS_PROFILE=thorough runs four times as many.
settings.register_profile(
    "ci",
    max_examples=100,
    # No deadline: a fit's time depends on the machine's load, its result not.
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile(
    "thorough", parent=settings.get_profile("ci"), max_examples=400
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

# pytest-xdist runs one test process per core: one BLAS thread each. Two
# threads per process oversubscribe the cores, and OpenBLAS's idle threads
# spin, taking a core from the other process.
if "PYTEST_XDIST_WORKER" in os.environ:
    from threadpoolctl import threadpool_limits

    threadpool_limits(1, user_api="blas")


def device_unusable(namespace, device_name):
    """Say why an array library's device cannot run here, or return None.

    scikit-learn's ``_array_api_for_tests`` skips torch on CUDA only when
    PyTorch was built without CUDA: PyPI's torch for Linux is built with it,
    and on a machine without a usable GPU (no driver, or an older one) its
    tests then fail with "CUDA driver version is insufficient". A device is
    usable when its library can use it: ``torch.cuda.is_available()``, CuPy
    seeing a device. A library that is not installed is scikit-learn's to
    skip.

    Parameters
    ----------
    namespace : str
        The array library, as scikit-learn names it ("torch", "cupy", ...).
    device_name : str or None
        The device.

    Returns
    -------
    reason : str or None
        Why the test skips, or None when it can run.
    """
    if namespace == "torch" and device_name == "cuda":
        try:
            import torch
        except ImportError:
            return None
        if not torch.cuda.is_available():
            built = "with" if torch.backends.cuda.is_built() else "without"
            return (
                f"torch on cuda: PyTorch (built {built} CUDA) sees no usable "
                "device (torch.cuda.is_available() is False)"
            )
    if namespace == "cupy":
        try:
            import cupy
        except ImportError:
            return None
        try:
            n_devices = cupy.cuda.runtime.getDeviceCount()
        except Exception as error:  # no driver: CUDARuntimeError
            return f"cupy: no usable CUDA device ({type(error).__name__}: {error})"
        if n_devices == 0:
            return "cupy: no CUDA device"
    return None


def skip_unless_device_usable(*namespaces_and_devices):
    """Skip the test unless every ``(namespace, device)`` pair can run here."""
    for namespace, device_name in namespaces_and_devices:
        reason = device_unusable(namespace, device_name)
        if reason is not None:
            pytest.skip(reason)


def _scaled(loader):
    X, y = loader(return_X_y=True)
    return StandardScaler().fit_transform(X), y


@pytest.fixture(scope="session")
def breast_cancer():
    """Standardised breast-cancer data (binary)."""
    return _scaled(load_breast_cancer)


@pytest.fixture(scope="session")
def iris():
    """Standardised iris data (3 classes)."""
    return _scaled(load_iris)


@pytest.fixture(scope="session")
def digits():
    """Standardised digits data (10 classes); constant pixels stay zero."""
    return _scaled(load_digits)


def make_data(rng, n_samples=40, n_features=3, n_classes=2):
    """Small random classification data, overlapping classes, all present."""
    y = np.arange(n_samples) % n_classes
    X = rng.normal(size=(n_samples, n_features)) + 0.5 * y[:, None]
    return X, y


def make_evaluator(
    X,
    y,
    sample_weight,
    n_classes,
    fit_intercept=True,
    *,
    solver="vectorized",
    **opts,
):
    """Build the evaluator of Steps 1-3 that a fit on X would use.

    The one place the tests build an evaluator: ``y`` holds class indices,
    ``opts`` (``block_rows``, ``n_threads``) go to the compiled NumPy evaluator.
    """
    y_index = y.astype(np.intp)  # NumPy or Dask
    if opts:
        target = y_index.astype(X.dtype) if n_classes == 2 else y_index
        return _loss.CompiledLogisticLoss(
            X, target, sample_weight, fit_intercept, n_classes, **opts
        )
    return data_kind(X).evaluator(
        X, y_index, sample_weight, n_classes, fit_intercept, solver
    )


def objective(evaluator, l2_reg=0.0, l1_reg=0.0):
    """Return J and its smooth gradient for one candidate, ``f(params)``."""
    penalty = _loss.ElasticNet([l2_reg], [l1_reg], evaluator.fit_intercept)

    def f(params):
        stack = np.asarray(params)[None]
        costs, grads = evaluator(stack)
        costs, grads = penalty.add_to(costs, grads, stack, [0])
        return float(costs[0]), grads[0]

    return f


def assert_same_steps(a, b):
    """Assert two fits took the same steps, as far as round-off can decide.

    A fixed step is the same number. The adaptive rule's halve-or-accept tests
    read round-off once the cost stops changing (``tol=0`` runs on past the
    optimum): there two fits equal to round-off may take other steps, without
    moving their parameters beyond round-off. Until then the steps are equal.
    """
    if a.alpha != "adaptive":
        assert a.alpha_ == pytest.approx(b.alpha_, rel=1e-12)
        return
    costs = b.cost_history_
    moving = np.abs(np.diff(costs)) > 1e-12 * np.abs(costs[1:])
    n = len(moving) if moving.all() else int(np.argmin(moving))
    np.testing.assert_allclose(a.step_sizes_[:n], b.step_sizes_[:n], rtol=1e-12)


# Tests of several seconds each (a cluster, a subprocess, an example or a
# benchmark run), by name. They run first: pytest-xdist hands tests out in
# order, and one of them left to the end keeps one process busy while the
# others are done.
SLOW_FIRST = (
    "scale_out_with_dask",
    "test_quick_benchmark_run",
    "test_quick_scale_out_run",
    "test_docs_snippets_run_quietly",
    "worker",
    "threads_and_cluster",
    "test_any_chunking",
    "test_readme_code_runs",
    "plot_loop_vs_vectorized",
    "test_python_m_sklearn_gd_runs",
    "test_fits_after_truncating_every_kernels_cache_files",
    "test_fit_as_an_unprivileged_user",
)


def pytest_collection_modifyitems(items):
    """Move the slow tests to the front, in their order; the rest keep theirs."""
    items.sort(key=lambda item: not any(name in item.nodeid for name in SLOW_FIRST))
