import pytest
from sklearn.utils.estimator_checks import (
    check_dataframe_column_names_consistency,
    check_inplace_ensure_writeable,
    check_param_validation,
    parametrize_with_checks,
)

from sklearn_gd import GDLogisticClassifier, GDLogisticClassifierCV

# GDLogisticClassifierCV(solver="loop") evaluates GDLogisticClassifier(solver="loop")'s
# textbook loops for every candidate and fold: slow through every check, and
# its search equals the vectorized one (test_logistic_cv.py).
ESTIMATORS = [
    GDLogisticClassifier(solver="loop"),
    GDLogisticClassifier(solver="vectorized"),
    # A small grid (the checks test the interface, not the search): 3 alphas
    # x 3 folds took the CV's 67 checks from 50 s to 31 s.
    GDLogisticClassifierCV(alphas=3, cv=3),
]


# The checks fit at the default max_iter on data where that is not enough.
pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


def _as_list(parametrize):
    """Give pytest the checks as a list.

    scikit-learn < 1.7 passes a generator, which pytest 9 deprecates.
    """
    names, values, *args = parametrize.args
    return pytest.mark.parametrize(names, list(values), *args, **parametrize.kwargs)


@_as_list(parametrize_with_checks(ESTIMATORS))
def test_sklearn_compatible_estimator(estimator, check):
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
