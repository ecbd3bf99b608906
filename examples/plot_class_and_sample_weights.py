"""
==================================================
Class and sample weights on imbalanced data
==================================================

With 5% of the examples in one class, the average cost is dominated by the
other one, and the fitted boundary sacrifices the rare class. Weights change
the average: each example's loss is multiplied by its weight and m becomes
the sum of the weights. ``class_weight='balanced'`` weighs each class by
``n_samples / (n_classes * count)``; ``sample_weight`` weighs examples one by
one (here: the same effect, given by hand).
"""

# %%
import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import make_classification
from sklearn.metrics import recall_score

from sklearn_gd import GDLogisticClassifier

X, y = make_classification(
    n_samples=1000,
    n_features=2,
    n_redundant=0,
    n_clusters_per_class=1,
    weights=[0.95],
    class_sep=0.8,
    random_state=3,
)
print(f"class counts: {np.bincount(y)}")

plain = GDLogisticClassifier(max_iter=3000).fit(X, y)
balanced = GDLogisticClassifier(class_weight="balanced", max_iter=3000).fit(X, y)
weights = np.where(y == 1, (y == 0).sum() / (y == 1).sum(), 1.0)
by_hand = GDLogisticClassifier(max_iter=3000).fit(X, y, sample_weight=weights)

for name, model in [
    ("no weights", plain),
    ("balanced", balanced),
    ("sample_weight", by_hand),
]:
    recall = recall_score(y, model.predict(X), average=None)
    print(f"{name:<14} recall of class 0: {recall[0]:.2f}, of class 1: {recall[1]:.2f}")
print("balanced == sample_weight:", np.allclose(balanced.coef_, by_hand.coef_))

# %%
# The three boundaries
# --------------------
# Where ``w^T x + b = 0``. The weighted fits move it into the majority class,
# trading some of its accuracy for the rare class's recall.
# Constrained layout places the title too (tight_layout ran before it was set).
fig, ax = plt.subplots(layout="constrained")
ax.scatter(X[y == 0, 0], X[y == 0, 1], s=8, alpha=0.4, label="class 0 (95%)")
ax.scatter(X[y == 1, 0], X[y == 1, 1], s=14, marker="^", label="class 1 (5%)")
xs = np.linspace(X[:, 0].min(), X[:, 0].max(), 50)
for name, model, style, color in [
    ("no weights", plain, "-", "black"),
    ("class_weight='balanced'", balanced, "--", "tab:red"),
    ("sample_weight (by hand, the same line)", by_hand, ":", "tab:green"),
]:
    (w1, w2), b = model.coef_[0], model.intercept_[0]
    ax.plot(xs, -(w1 * xs + b) / w2, style, color=color, linewidth=2, label=name)
ax.set_ylim(X[:, 1].min(), X[:, 1].max())
# Below the axes, where it hides no example.
ax.legend(fontsize="small", loc="upper center", bbox_to_anchor=(0.5, -0.1), ncol=2)
ax.set_title("Decision boundaries on imbalanced data")
