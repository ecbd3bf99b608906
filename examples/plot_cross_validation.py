"""
==========================
A cross-validation script
==========================

A typical evaluation: 10-fold cross-validation of a pipeline (scaling, then
gradient descent) with several scores at once, and
:class:`~sklearn_gd.GDLogisticClassifierCV`, which chooses the learning rate
and ``C`` by its own cross-validation, running every candidate of a fold in
one pass over X per iteration.
"""

# %%
# Cross-validate a pipeline
# -------------------------
import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_breast_cancer
from sklearn.model_selection import StratifiedKFold, cross_validate
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sklearn_gd import GDLogisticClassifier, GDLogisticClassifierCV

X, y = load_breast_cancer(return_X_y=True)
cv = StratifiedKFold(10, shuffle=True, random_state=0)
model = make_pipeline(StandardScaler(), GDLogisticClassifier())
scores = cross_validate(
    model, X, y, cv=cv, scoring=["accuracy", "roc_auc", "neg_log_loss"]
)
for name in ("test_accuracy", "test_roc_auc", "test_neg_log_loss"):
    print(f"{name:<18} {scores[name].mean():.4f} +/- {scores[name].std():.4f}")

# %%
# Let the estimator choose alpha and C
# ------------------------------------
search = make_pipeline(
    StandardScaler(),
    GDLogisticClassifierCV(alphas=6, Cs=[0.1, 1.0, np.inf], max_iter=300, tol=0, cv=5),
).fit(X, y)
cv_model = search[-1]
print(f"chosen alpha_ = {cv_model.alpha_:.3f}, C_ = {cv_model.C_}")

# %%
# Accuracy per fold
# -----------------
fig, ax = plt.subplots()
ax.plot(np.arange(1, 11), scores["test_accuracy"], "o-", label="accuracy")
ax.plot(np.arange(1, 11), scores["test_roc_auc"], "s-", label="ROC AUC")
ax.set_xlabel("fold")
ax.set_ylabel("score on the held-out fold")
ax.set_ylim(0.85, 1.005)
ax.legend()
ax.set_title("10-fold cross-validation of scaling + gradient descent")
