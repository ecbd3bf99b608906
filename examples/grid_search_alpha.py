"""Choose the learning rate with cross-validation.

``alpha`` is the learning rate of gradient descent. Too small a value crawls
(after a fixed number of iterations the model is still far from the optimum),
a good value converges, too large a value oscillates or diverges. This script
runs ``GridSearchCV`` over ``alpha`` inside a ``Pipeline`` and prints the
cross-validated log-loss of each value next to the step that ``alpha='auto'``
would choose.

Run it with ``python examples/grid_search_alpha.py``.
"""

import warnings

from sklearn.datasets import load_breast_cancer
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV, StratifiedKFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sklearn_gd import GDLogisticClassifier

X, y = load_breast_cancer(return_X_y=True)
pipe = make_pipeline(StandardScaler(), GDLogisticClassifier(max_iter=200, tol=0))
alphas = [1e-3, 1e-2, 1e-1, 0.3, 1.0, 3.0]
search = GridSearchCV(
    pipe,
    {"gdlogisticclassifier__alpha": alphas},
    cv=StratifiedKFold(5, shuffle=True, random_state=0),
    scoring="neg_log_loss",
)
with warnings.catch_warnings():
    # Too large an alpha makes the cost rise: that is what this script shows.
    warnings.simplefilter("ignore", ConvergenceWarning)
    search.fit(X, y)

print("alpha     mean log-loss (5-fold CV, 200 iterations)")
for alpha, score in zip(alphas, search.cv_results_["mean_test_score"], strict=True):
    print(f"{alpha:<9g} {-score:.4f}")
auto = make_pipeline(StandardScaler(), GDLogisticClassifier(max_iter=1, tol=0))
auto.fit(X, y)
print(f"\nbest alpha: {search.best_params_['gdlogisticclassifier__alpha']}")
print(f"alpha='auto' would use {auto[-1].alpha_:.3f} on all of the data")
