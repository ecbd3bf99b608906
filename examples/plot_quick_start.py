"""
=================================
Quick start: fit and see the cost
=================================

Fit :class:`~sklearn_gd.GDLogisticClassifier` in a pipeline on the
breast-cancer data (bundled with scikit-learn) and draw its cost curve: the
cost J, averaged over the training examples, before each update of gradient
descent. The first value is :math:`\\ln 2`, the cost of all-zero parameters.
"""

# %%
# Fit
# ---
from sklearn.datasets import load_breast_cancer
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sklearn_gd import CostHistoryDisplay, GDLogisticClassifier

X, y = load_breast_cancer(return_X_y=True)
X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)
model = make_pipeline(StandardScaler(), GDLogisticClassifier())
model.fit(X_train, y_train)

gd = model[-1]
print(f"iterations: {gd.n_iter_}, learning rate alpha_: {gd.alpha_:.3f}")
print(
    f"cost: {gd.cost_history_[0]:.4f} at the start, "
    f"{gd.cost_history_[-1]:.4f} at the end"
)
print(f"test accuracy: {model.score(X_test, y_test):.3f}")

# %%
# The cost curve
# --------------
# ``from_estimator`` accepts the fitted pipeline and reads the history of its
# last step. A log scale shows the slow final approach to the optimum.
display = CostHistoryDisplay.from_estimator(model, name="breast cancer")
display.ax_.set_yscale("log")
display.ax_.set_title("Cost J before each update")
