"""
=====================================
Choosing alpha, the learning rate
=====================================

``alpha`` is the learning rate of gradient descent (not a regularisation
strength, as elsewhere in scikit-learn). Too small a value crawls, a good one
converges, too large a one oscillates. This example searches ``alpha`` with
:class:`~sklearn.model_selection.GridSearchCV` inside a pipeline, then draws
the cost curves of a too-small, a good and a too-large value.
"""

# %%
# Search alpha by cross-validation
# --------------------------------
import warnings

from sklearn.datasets import load_breast_cancer
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV, StratifiedKFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sklearn_gd import CostHistoryDisplay, GDLogisticClassifier

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
    # Too large an alpha makes the cost rise: that is what this example shows.
    warnings.simplefilter("ignore", ConvergenceWarning)
    search.fit(X, y)

print("alpha     mean log-loss (5-fold CV, 200 iterations)")
for alpha, score in zip(alphas, search.cv_results_["mean_test_score"], strict=True):
    print(f"{alpha:<9g} {-score:.4f}")
best = search.best_params_["gdlogisticclassifier__alpha"]
auto = make_pipeline(StandardScaler(), GDLogisticClassifier(max_iter=1, tol=0))
print(f"best alpha: {best}; alpha='auto' would use {auto.fit(X, y)[-1].alpha_:.3f}")

# %%
# Three cost curves
# -----------------
# Each curve is drawn on the same axes; the display adds a legend entry per
# estimator. The too-large step overshoots the optimum at every update: its
# cost jumps up and down and, after 200 iterations, is still far above the
# others, while the too-small one has barely moved. A step larger still
# (``alpha=100`` here) leaves the cost above where it started: ``fit`` then
# raises a ``ValueError`` (no usable model) rather than keep it.
display = None
with warnings.catch_warnings():
    warnings.simplefilter("ignore", ConvergenceWarning)
    for alpha, name in [(1e-3, "too small"), (best, "good"), (30.0, "too large")]:
        model = make_pipeline(
            StandardScaler(),
            GDLogisticClassifier(alpha=alpha, max_iter=200, tol=0),
        ).fit(X, y)
        display = CostHistoryDisplay.from_estimator(
            model,
            ax=None if display is None else display.ax_,
            name=f"alpha={alpha:g} ({name})",
        )
display.ax_.set_yscale("log")
display.ax_.set_title("Cost J on the breast-cancer data, 200 iterations")
# Below the axes, where it hides no curve.
display.ax_.legend(loc="upper center", bbox_to_anchor=(0.5, -0.15), ncol=3)
