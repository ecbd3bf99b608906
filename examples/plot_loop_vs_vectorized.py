"""
===================================
Loop versus vectorized: how fast?
===================================

The textbook algorithm loops over the m examples and, inside, over the n
features. ``solver='loop'`` runs it literally in Python; ``solver='vectorized'``
runs the same iteration as two matrix products. Both give the same numbers
(to 1e-10); this example measures how much faster the second one is, one
iteration at a time, as the textbook's comparison of the two does.
"""

# %%
import time

import matplotlib.pyplot as plt
import numpy as np

from sklearn_gd import GDLogisticClassifier


def seconds_per_iteration(solver, X, y, min_seconds=0.1):
    """Time of one iteration: a fit long enough for the clock, over its length.

    The number of iterations doubles until a fit takes ``min_seconds``; the
    best of three such fits is divided by it. Nothing is subtracted, so a busy
    machine can make the figure larger, never negative; the fit's set-up is
    included, spread over the iterations.
    """
    n_iter = 1
    while True:
        fit = GDLogisticClassifier(solver=solver, alpha=0.1, max_iter=n_iter, tol=0)
        start = time.perf_counter()
        fit.fit(X, y)
        if time.perf_counter() - start >= min_seconds:
            break
        n_iter *= 2
    best = np.inf
    for _ in range(3):
        start = time.perf_counter()
        fit.fit(X, y)
        best = min(best, time.perf_counter() - start)
    return best / n_iter


rng = np.random.default_rng(0)
sizes = [(200, 10), (1000, 10), (4000, 30)]
rows = []
for m, n in sizes:
    X = rng.standard_normal((m, n))
    y = (X[:, 0] + rng.standard_normal(m) > 0).astype(int)
    loop = seconds_per_iteration("loop", X, y)
    vectorized = seconds_per_iteration("vectorized", X, y)
    rows.append((m, n, loop, vectorized))

print(f"{'m x n':>10} {'loop':>10} {'vectorized':>11} {'speedup':>8}")
for m, n, loop, vectorized in rows:
    print(
        f"{f'{m} x {n}':>10} {1e3 * loop:>8.2f}ms {1e3 * vectorized:>9.3f}ms "
        f"{loop / vectorized:>7.0f}x"
    )

# %%
# The same numbers, on a log scale
# --------------------------------
fig, ax = plt.subplots()
labels = [f"{m} x {n}" for m, n, _, _ in rows]
x = np.arange(len(rows))
ax.bar(x - 0.2, [1e3 * r[2] for r in rows], width=0.4, label="loop")
ax.bar(x + 0.2, [1e3 * r[3] for r in rows], width=0.4, label="vectorized")
ax.set_xticks(x, labels)
ax.set_yscale("log")
ax.set_xlabel("m examples x n features")
ax.set_ylabel("milliseconds per iteration")
ax.legend()
ax.set_title("One iteration of batch gradient descent")
