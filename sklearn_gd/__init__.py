"""Logistic regression trained by batch gradient descent, for scikit-learn.

The algorithm of "gradient descent on m examples" (cost averaged over the
examples, gradients accumulated then divided by m, update with learning rate
alpha, repeat until convergence), written once with explicit for-loops and once
vectorized, as the estimator :class:`GDLogisticClassifier`.
"""

from sklearn_gd._logistic import GDLogisticClassifier
from sklearn_gd._logistic_cv import GDLogisticClassifierCV
from sklearn_gd._plotting import CostHistoryDisplay

__version__ = "0.1.0"

__all__ = [
    "CostHistoryDisplay",
    "GDLogisticClassifier",
    "GDLogisticClassifierCV",
    "__version__",
]
