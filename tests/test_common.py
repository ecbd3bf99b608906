import pytest
from sklearn.utils.estimator_checks import (
    check_dataframe_column_names_consistency,
    check_inplace_ensure_writeable,
    check_param_validation,
    parametrize_with_checks,
)

from sklearn_gd import GDLogisticClassifier, GDLogisticClassifierCV

from .conftest import skip_unless_device_usable

# GDLogisticClassifierCV(solver="loop") evaluates GDLogisticClassifier(solver="loop")'s
# textbook loops for every candidate and fold: slow through every check, and
# its search equals the vectorized one (test_logistic_cv.py).
ESTIMATORS = [
    # The loop solver and the search with fewer iterations, as scikit-learn's
    # own checks set max_iter low (_set_checking_parameters): the checks test
    # the interface, not the descent, which the vectorized solver's defaults
    # go through. With the defaults, the CV's checks took 50 s (and a small
    # grid of 3 alphas x 3 folds 31 s), the loop solver's 26 s with coverage.
    GDLogisticClassifier(solver="loop", max_iter=100),
    GDLogisticClassifier(solver="vectorized"),
    GDLogisticClassifierCV(alphas=3, cv=3, max_iter=100),
]


# The checks fit at the default max_iter on data where that is not enough.
pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


def _as_list(parametrize):
    """Give pytest the checks as a list.

    scikit-learn < 1.7 passes a generator, which pytest 9 deprecates.
    """
    names, values, *args = parametrize.args
    return pytest.mark.parametrize(names, list(values), *args, **parametrize.kwargs)


def _devices(check):
    """The (namespace, device) pairs an Array API check runs on; none for others."""
    keywords = getattr(check, "keywords", {})
    if "array_namespace" in keywords:
        return [(keywords["array_namespace"], keywords.get("device_name"))]
    return [
        (keywords[name].xp, keywords[name].device)
        for name in ("X_ns_and_device", "other_ns_and_device")
        if name in keywords
    ]


@_as_list(parametrize_with_checks(ESTIMATORS))
def test_sklearn_compatible_estimator(estimator, check):
    skip_unless_device_usable(*_devices(check))
    check(estimator)


@pytest.mark.parametrize(
    "check",
    [
        check_param_validation,
        check_dataframe_column_names_consistency,
        check_inplace_ensure_writeable,
    ],
)
@pytest.mark.parametrize("estimator", ESTIMATORS, ids=["loop", "vectorized", "cv"])
def test_checks_not_run_by_check_estimator(estimator, check):
    check(type(estimator).__name__, estimator)
