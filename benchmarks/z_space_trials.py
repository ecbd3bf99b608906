"""Prototype: the adaptive rule's trials in z-space, against a pass per trial.

The rule of ``sklearn_gd`` (``alpha='adaptive'``, with or without Nesterov
momentum and its restart) evaluates J and its gradient at each trial step:
a pass over X (the product ``z = X~ w``, each example's loss and ``dz``,
the product ``X~^T dz``). With an L2 penalty a trial ``y - t d`` has
``z = z_y - t X~ d``: with ``u = X~ d`` formed once per iteration, a trial's
cost and its curvature test, ``(g_new - g_y)^T (new - y) = (dz_new -
dz_y)^T (z_new - z_y) + l2 |move|^2``, need no product with X; only the
accepted point's gradient does (one ``X~^T dz``). With momentum, ``z`` at
the shifted point is ``z_x + mu (z_x - z_previous)``.

Both schemes are written here with the same NumPy primitives and take the
same decisions (the test checks it), so the counts of products are exact
and the time ratio is of like against like. The estimate for the compiled
kernels times their fused pass and their pointwise step alone.

Run: ``python benchmarks/z_space_trials.py`` (``--quick``: a loose tol).
It is a prototype for a design not yet in the package: the compiled rule
and every kind's evaluator would need a forward product, a pointwise step
and a backward product instead of one evaluation. Where X is larger than
the cache, separate products read X twice per iteration where a fused pass
reads it once per trial (about 1.5 trials an iteration at 200,000 x 50):
there it would cost more, so it is for data that stays in cache.
"""

import argparse
import functools
import os
import sys

import numpy as np
from sklearn.datasets import load_digits
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_limits

from sklearn_gd import _kernels, _loss

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))  # whoever loads this
from run import median_time  # noqa: E402

ROUND_OFF = 8 * np.finfo(np.float64).eps  # the rule's round-off allowance
MAX_HALVINGS = 60


class Problem:
    """Multinomial log-loss with an L2 penalty, its products counted."""

    def __init__(self, X, y, l2_reg):
        self.X = np.ascontiguousarray(np.hstack([X, np.ones((len(X), 1))]))
        self.m = len(X)
        n_classes = len(np.unique(y))
        self.Y = np.zeros((self.m, n_classes))
        self.Y[np.arange(self.m), y] = 1.0
        self.l2_reg = l2_reg
        self.penalised = np.ones(self.X.shape[1])
        self.penalised[-1] = 0.0  # the intercepts
        self.counts = {"forward": 0, "pointwise": 0, "backward": 0}

    def forward(self, W):
        """Return ``Z = X~ W^T``: one product with X."""
        self.counts["forward"] += 1
        return self.X @ W.T

    def pointwise(self, Z):
        """Return the mean loss and ``dz / m`` at the decision values Z."""
        self.counts["pointwise"] += 1
        top = Z.max(axis=1, keepdims=True)
        E = np.exp(Z - top)
        S = E.sum(axis=1, keepdims=True)
        loss = np.log(S[:, 0]) + top[:, 0] - (Z * self.Y).sum(axis=1)
        return loss.mean(), (E / S - self.Y) / self.m

    def backward(self, dZ, W):
        """Return the gradient ``dZ^T X~ + l2 W``: one product with X."""
        self.counts["backward"] += 1
        return dZ.T @ self.X + self.l2_reg * W * self.penalised

    def penalty(self, W):
        """Return ``l2 |W|^2 / 2``, the intercepts left out."""
        return 0.5 * self.l2_reg * np.sum((W * self.penalised) ** 2)


class Point:
    """Parameters with their cost, gradient and (z-space) z and dz."""

    def __init__(self, W, cost, grad=None, Z=None, dZ=None):
        self.W, self.cost, self.grad, self.Z, self.dZ = W, cost, grad, Z, dZ


def evaluate(p, W, scheme, Z=None):
    """J and the gradient at W: one pass, or (z-space) from a known Z."""
    if Z is None:
        Z = p.forward(W)
    loss, dZ = p.pointwise(Z)
    return Point(W, loss + p.penalty(W), p.backward(dZ, W), Z, dZ)


def trials(p, y, step, scheme):
    """Halve the step until the trial passes the rule's two tests."""
    first = True
    u = p.forward(y.grad) if scheme == "z" else None
    for _ in range(MAX_HALVINGS):
        W = y.W - step * y.grad
        move = W - y.W
        if scheme == "full":
            new = evaluate(p, W, scheme)
            curvature = np.sum((new.grad - y.grad) * move)
        else:
            Z = y.Z - step * u
            loss, dZ = p.pointwise(Z)
            new = Point(W, loss + p.penalty(W), None, Z, dZ)
            curvature = np.sum((dZ - y.dZ) * (Z - y.Z)) + p.l2_reg * np.sum(
                (move * p.penalised) ** 2
            )
        quadratic = np.sum(move * move) / (2 * step)
        excess = new.cost - y.cost - np.sum(y.grad * move)
        if excess <= quadratic + ROUND_OFF * abs(y.cost) and curvature <= 2 * quadratic:
            return new, step, first
        first = False
        step /= 2
    raise RuntimeError("no trial decreased J")


def descend(p, W0, step, tol, momentum, scheme, max_iter=100_000):
    """Run the rule from W0; return the last point, iterations and restarts."""
    x = evaluate(p, W0, scheme)
    previous = x
    restarts = 0
    for k in range(max_iter):
        if np.abs(x.grad).max() <= tol:
            return x, k + 1, restarts
        moving = momentum and previous is not x
        y = x
        if moving:
            W = x.W + momentum * (x.W - previous.W)
            Z = x.Z + momentum * (x.Z - previous.Z) if scheme == "z" else None
            y = evaluate(p, W, scheme, Z)
        new, step, first = trials(p, y, step, scheme)
        restarted = moving and not (new.cost - x.cost <= ROUND_OFF * abs(x.cost))
        if restarted:  # a plain step from x, and the momentum starts again
            restarts += 1
            new, step, first = trials(p, x, step, scheme)
        if first:
            step *= 2
        if scheme == "z":  # the accepted point's gradient: its one backward
            new.grad = p.backward(new.dZ, new.W)
        previous, x = (new, new) if restarted else (x, new)
    return x, max_iter, restarts


def compiled_parts(X, y, n_classes, rounds=300):
    """Time the compiled kernels' fused pass and their pointwise step alone."""
    X = np.ascontiguousarray(X)
    m, d = X.shape
    y, s = y.astype(np.intp), np.ones(m)
    W = np.random.default_rng(0).normal(size=(n_classes, d)) * 0.1
    b = np.zeros(n_classes)
    block = _kernels.block_rows(d, X.itemsize)
    Z0 = np.ascontiguousarray((X @ W.T).T)
    Z, work, costs = Z0.copy(), np.empty((3, m)), np.zeros(1)

    def pointwise():
        Z[:] = Z0
        _kernels._pointwise(Z, m, y, s, 0, n_classes, work, costs)

    def fused():
        _kernels.sums(X, y, s, W, b, n_classes, block, n_threads=1)

    pointwise(), fused()  # compiled here
    return median_time(fused, rounds), median_time(pointwise, rounds)


def measure(quick):
    """Run both schemes on digits (standardised, C=1), default and momentum."""
    X, y = load_digits(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    m, n_classes = len(X), 10
    l2_reg = 1.0 / m  # C=1: ||W||^2 / (2 C m)
    tol = 1e-2 if quick else 1.778e-5  # the loosest tol at 1e-4 of the optimum
    bound = _loss.lipschitz_constant(np.ascontiguousarray(X), np.ones(m), True, 10, 0.0)
    W0 = np.zeros((n_classes, X.shape[1] + 1))
    rows = []
    with threadpool_limits(1):
        fused, pointwise = compiled_parts(X, y, n_classes)
        for momentum in (0.0, 0.9):
            found = {}
            for scheme in ("full", "z"):
                step = 1 / (bound + l2_reg)
                p = Problem(X, y, l2_reg)
                x, n_iter, restarts = descend(p, W0, step, tol, momentum, scheme)
                run = functools.partial(descend, W0=W0, step=step, tol=tol,
                                        momentum=momentum, scheme=scheme)  # fmt: skip
                seconds = median_time(
                    lambda run=run: run(Problem(X, y, l2_reg)), 1 if quick else 5
                )
                c = p.counts
                found[scheme] = {
                    "rule": "default" if momentum == 0 else "momentum=0.9",
                    "scheme": scheme,
                    "iterations": n_iter,
                    "restarts": restarts,
                    **c,
                    "x_reads": (c["forward"] + c["backward"]) / 2,
                    "cost": x.cost,
                    "numpy_s": seconds,
                    # The compiled kernels: a fused pass per full evaluation;
                    # half a pass per product and a pointwise step per trial.
                    "compiled_estimate_s": fused * c["pointwise"]
                    if scheme == "full"
                    else (fused - pointwise) * (c["forward"] + c["backward"]) / 2
                    + pointwise * c["pointwise"],
                }
            for scheme in ("full", "z"):
                row = found[scheme]
                row["numpy_ratio"] = row["numpy_s"] / found["full"]["numpy_s"]
                row["estimate_ratio"] = (
                    row["compiled_estimate_s"] / found["full"]["compiled_estimate_s"]
                )
                rows.append(row)
    return rows, fused, pointwise


def table(rows, fused, pointwise):
    """Format the rows as a Markdown table, the kernels' timings above it."""
    lines = [
        f"compiled kernels, one thread: fused pass {1e3 * fused:.3f} ms, "
        f"pointwise step {1e3 * pointwise:.3f} ms",
        "| rule | scheme | iterations | X~ w | X~^T dz | pointwise | X read, passes "
        "| NumPy time ratio | compiled estimate ratio |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    lines += [
        f"| {r['rule']} | {r['scheme']} | {r['iterations']} | {r['forward']} "
        f"| {r['backward']} | {r['pointwise']} | {r['x_reads']:.0f} "
        f"| {r['numpy_ratio']:.2f} | {r['estimate_ratio']:.2f} |"
        for r in rows
    ]
    return "\n".join(lines)


def main(argv=None):
    """Measure and print the table; return the rows."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a loose tol, one round")
    args = parser.parse_args(argv)
    rows, fused, pointwise = measure(args.quick)
    print(table(rows, fused, pointwise))
    return rows


if __name__ == "__main__":
    sys.exit(main() and 0)
