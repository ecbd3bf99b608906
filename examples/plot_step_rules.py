"""
Step rules: 1/L, adaptive, and momentum
=======================================

The same fit (standardised digits, ``C=1``) with each step rule, its cost
curve drawn against the passes over X it took (a backtracking trial or
Nesterov's shifted point costs a pass, as an iteration does). The fixed step
``1/L`` is safe and slow; the adaptive step follows the curvature down; with
momentum (which restarts where the cost would rise) the curve falls faster
still, and none of them ever rises.
"""

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_digits
from sklearn.preprocessing import StandardScaler

from sklearn_gd import CostHistoryDisplay, GDLogisticClassifier

X, y = load_digits(return_X_y=True)
X = StandardScaler().fit_transform(X)

rules = {
    "alpha='auto' (1/L)": dict(alpha="auto"),
    "alpha='adaptive' (the default)": dict(alpha="adaptive"),
    "adaptive, Nesterov momentum 0.9": dict(alpha="adaptive", momentum=0.9),
}
fits = {}
for name, params in rules.items():
    # tol=0 runs every iteration: the curves show where each rule stands.
    fits[name] = GDLogisticClassifier(C=1.0, max_iter=300, tol=0, **params).fit(X, y)
    fit = fits[name]
    print(f"{name:34s} final J {fit.cost_history_[-1]:.6f}  passes {fit.n_passes_}")

# %%
# Each curve is J before each update; the x axis counts iterations. The
# adaptive rules take more than one pass over X in some iterations:
# ``n_passes_`` above says how many in all.
fig, ax = plt.subplots(layout="constrained")
for name, fit in fits.items():
    CostHistoryDisplay.from_estimator(fit, ax=ax, name=name, log_scale=True)
ax.set_xscale("log")
ax.set_title("Standardised digits, C=1: the cost J by step rule")
best = min(fit.cost_history_[-1] for fit in fits.values())
ax.set_ylim(best * 0.95, None)
assert all(np.all(np.diff(f.cost_history_) <= 1e-12) for f in fits.values())
