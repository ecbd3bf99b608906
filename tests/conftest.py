import os
from datetime import timedelta

import numpy as np
import pytest
from hypothesis import HealthCheck, settings
from sklearn.datasets import load_breast_cancer, load_digits, load_iris
from sklearn.preprocessing import StandardScaler

# Bounded for CI: every property test runs this many examples, each within
# the deadline. HYPOTHESIS_PROFILE=thorough runs ten times as many.
settings.register_profile(
    "ci",
    max_examples=100,
    deadline=timedelta(seconds=5),
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile(
    "thorough", parent=settings.get_profile("ci"), max_examples=400
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


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
