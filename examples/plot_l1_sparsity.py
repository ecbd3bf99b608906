"""
===========================
L1 sparsity along C
===========================

With ``l1_ratio=1`` the penalty is :math:`\\|W\\|_1 / (C S)`. Gradient descent
handles it by a soft-threshold after each gradient step (a proximal step),
which sets weights exactly to zero. The smaller ``C``, the stronger the
penalty and the fewer the non-zero weights: the regularisation path.
"""

# %%
import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_breast_cancer
from sklearn.preprocessing import StandardScaler

from sklearn_gd import GDLogisticClassifier

X, y = load_breast_cancer(return_X_y=True)
X = StandardScaler().fit_transform(X)
Cs = np.logspace(-2, 1, 10)
coefs, accuracies = [], []
for C in Cs:
    clf = GDLogisticClassifier(C=C, l1_ratio=1.0, max_iter=5000, tol=1e-3).fit(X, y)
    coefs.append(clf.coef_[0])
    accuracies.append(clf.score(X, y))
coefs = np.array(coefs)
for C, coef, accuracy in zip(Cs, coefs, accuracies, strict=True):
    print(
        f"C={C:7.3f}: {np.count_nonzero(coef):2d} of 30 weights non-zero, "
        f"accuracy {accuracy:.3f}"
    )

# %%
# The path
# --------
fig, (ax_path, ax_count) = plt.subplots(1, 2, figsize=(10, 4), layout="constrained")
ax_path.plot(Cs, coefs)
ax_path.set_xscale("log")
ax_path.set_xlabel("C")
ax_path.set_ylabel("weight")
ax_path.set_title("Each weight along C")
ax_count.plot(Cs, (coefs != 0).sum(axis=1), "o-")
ax_count.set_xscale("log")
ax_count.set_xlabel("C")
ax_count.set_ylabel("non-zero weights (of 30)")
ax_count.set_title("Exact zeros from the proximal step")
