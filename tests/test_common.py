import pytest
from sklearn.utils.estimator_checks import (
    check_dataframe_column_names_consistency,
    check_inplace_ensure_writeable,
    check_param_validation,
    parametrize_with_checks,
)

from sklearn_gd import GDLogisticClassifier, GDLogisticClassifierCV

# GDLogisticClassifierCV(solver="loop") fits GDLogisticClassifier(solver="loop")
# once per candidate and fold: checked above, and 400 s through every check.
ESTIMATORS = [
    GDLogisticClassifier(solver="loop"),
    GDLogisticClassifier(solver="vectorized"),
    GDLogisticClassifierCV(),
]


# The checks fit at the default max_iter on data where that is not enough.
pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


@parametrize_with_checks(ESTIMATORS)
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
