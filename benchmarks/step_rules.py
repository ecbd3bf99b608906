"""Step rules compared: how many passes over X, and how long, to the optimum.

Run from the repository root::

    python benchmarks/step_rules.py            # the full table (minutes)
    python benchmarks/step_rules.py --quick    # a smoke run on small data

For each problem, every rule runs from zero; the objective's optimum ``J*``
comes from ``newton-cholesky`` (L2) or ``saga`` (L1) run to ``tol=1e-12``.
A rule reaches ``1e-4`` when ``(J - J*) / J* <= 1e-4``. Times to a target are
measured by running each method again, stopped there, side by side in one
process, and given as ratios to lbfgs's time in the
same run. Barzilai-Borwein (with a non-monotone safeguard) is a prototype in
this script, written on the package's own problem builder.
"""

import argparse
import json
import time
import warnings
from pathlib import Path

import numpy as np
from sklearn.datasets import load_breast_cancer, load_digits, make_classification
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import StandardScaler

from sklearn_gd import GDLogisticClassifier
from sklearn_gd._kinds import data_kind
from sklearn_gd._problem import build_problem

RESULTS = Path(__file__).resolve().parent / "results"
TARGETS = (1e-4, 1e-6)

RULES = {
    "fixed 1/L": dict(alpha="auto"),
    "adaptive": dict(alpha="adaptive"),
    "Nesterov, 1/L": dict(alpha="auto", momentum=0.9),
    "Nesterov, adaptive": dict(alpha="adaptive", momentum=0.9),
}


def problems(quick):
    """Yield the problems of the comparison: name, X, y, C, l1_ratio."""
    scale = StandardScaler().fit_transform
    m = 5_000 if quick else 200_000
    X, y = make_classification(m, 50, n_informative=20, random_state=0)
    X_bc, y_bc = load_breast_cancer(return_X_y=True)
    X_dg, y_dg = load_digits(return_X_y=True)
    yield f"synthetic {m // 1000}k x 50, std", scale(X), y, 1.0, 0.0
    yield "digits, std", scale(X_dg), y_dg, 1.0, 0.0
    yield "breast cancer, std", scale(X_bc), y_bc, 1.0, 0.0
    yield "breast cancer, raw", X_bc, y_bc, 1.0, 0.0
    yield "breast cancer, std, L1", scale(X_bc), y_bc, 1.0, 1.0


def objective(X, y, C, l1_ratio):
    """Return J of the package at the parameters of a scikit-learn model."""
    kind = data_kind(X)
    problem = build_problem(
        kind,
        X,
        *kind.encode_labels(y),
        np.ones(len(y)),
        alphas=["auto"],
        Cs=[C],
        l1_ratio=l1_ratio,
        fit_intercept=True,
        class_weight=None,
        solver="vectorized",
    )

    def J(model):
        stack = np.column_stack([model.coef_, model.intercept_])[None]
        return float(problem.loss_gradient(stack, [0])[0][0])

    return J, problem


def optimum(X, y, C, l1_ratio, J):
    """Return ``J*``: newton-cholesky's (L2), or the lower of saga's and ours (L1).

    saga is slow to reach 1e-6 on the L1 problem here (10,000 epochs give
    4e-5); proximal gradient with momentum run to ``tol=1e-12`` gets lower.
    """
    if not l1_ratio:
        model = LogisticRegression(C=C, solver="newton-cholesky", tol=1e-12)
        return J(model.fit(X, y))
    saga = LogisticRegression(C=C, solver="saga", tol=1e-12, max_iter=20_000, **_l1())
    ours = GDLogisticClassifier(
        C=C, l1_ratio=l1_ratio, momentum=0.9, tol=1e-12, max_iter=100_000
    )
    return min(J(saga.fit(X, y)), J(ours.fit(X, y)))


def _l1():
    """Ask LogisticRegression for an L1 penalty, old or new API."""
    import sklearn

    major, minor = (int(part) for part in sklearn.__version__.split(".")[:2])
    return {"l1_ratio": 1.0} if (major, minor) >= (1, 8) else {"penalty": "l1"}


def best_time(func, repeat=1):
    """Best wall time of ``func()`` over ``repeat`` calls, and its result."""
    best, result = np.inf, None
    for _ in range(repeat):
        start = time.perf_counter()
        result = func()
        best = min(best, time.perf_counter() - start)
    return best, result


def gd_row(X, y, C, l1_ratio, params, J_star, max_iter):
    """Measure iterations, passes and times to each target of one step rule."""
    common = dict(C=C, l1_ratio=l1_ratio, tol=0, **params)
    full = GDLogisticClassifier(max_iter=max_iter, **common).fit(X, y)
    gaps = (full.cost_history_ - J_star) / J_star
    row = {"monotone": bool(np.all(np.diff(full.cost_history_) <= 1e-12))}
    for target in TARGETS:
        reached = np.flatnonzero(gaps <= target)
        if not len(reached):
            row.update({f"iter {target:g}": None, f"passes {target:g}": None})
            row[f"time {target:g}"] = None
            continue
        n = int(reached[0]) + 1
        seconds, fit = best_time(
            lambda n=n: GDLogisticClassifier(max_iter=n, **common).fit(X, y)
        )
        row[f"iter {target:g}"] = n
        row[f"passes {target:g}"] = fit.n_passes_
        row[f"time {target:g}"] = seconds
    return row


def bb_row(X, y, C, l1_ratio, J_star, max_iter):
    """Barzilai-Borwein steps with a non-monotone (max of 10) safeguard."""
    if l1_ratio:
        return None  # a prototype for smooth problems only
    kind = data_kind(X)
    problem = build_problem(
        kind,
        X,
        *kind.encode_labels(y),
        np.ones(len(y)),
        alphas=["auto"],
        Cs=[C],
        l1_ratio=0.0,
        fit_intercept=True,
        class_weight=None,
        solver="vectorized",
    )

    def run(n_iter):
        x = problem.start.copy()
        f, g = problem.loss_gradient(x, [0])
        t, history, passes = problem.alphas[0], [f[0]], 1
        for _ in range(n_iter - 1):
            while True:  # safeguard: below the largest of the last 10 costs
                new = x - t * g
                f_new, g_new = problem.loss_gradient(new, [0])
                passes += 1
                bound = max(history[-10:]) - 1e-4 * t * float((g**2).sum())
                if f_new[0] <= bound or t < 1e-12:
                    break
                t /= 2
            s, d = new - x, g_new - g
            t = float((s**2).sum() / max((s * d).sum(), 1e-300))
            x, f, g = new, f_new, g_new
            history.append(f[0])
        return np.array(history), passes

    history, _ = run(max_iter)
    gaps = (history - J_star) / J_star
    row = {"monotone": bool(np.all(np.diff(history) <= 1e-12))}
    for target in TARGETS:
        reached = np.flatnonzero(gaps <= target)
        n = int(reached[0]) + 1 if len(reached) else None
        row[f"iter {target:g}"] = n
        seconds, (_, passes) = best_time(lambda n=n: run(n)) if n else (None, (0, 0))
        row[f"passes {target:g}"] = passes if n else None
        row[f"time {target:g}"] = seconds
    return row


def sklearn_row(X, y, C, l1_ratio, solver, J, J_star):
    """Measure iterations and time to each target of a scikit-learn solver.

    The smallest ``max_iter`` that reaches a target is found by doubling
    then bisection; its fit is timed.
    """
    extra = _l1() if l1_ratio else {}

    def fit(n):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            model = LogisticRegression(
                C=C, solver=solver, tol=1e-15, max_iter=n, **extra
            )
            return model.fit(X, y)

    def gap(n):
        return (J(fit(n)) - J_star) / J_star

    row = {"monotone": None}
    for target in TARGETS:
        high = 1
        while gap(high) > target and high < 20_000:
            high *= 2
        low = high // 2
        while high - low > 1:
            middle = (low + high) // 2
            low, high = (low, middle) if gap(middle) <= target else (middle, high)
        reached = gap(high) <= target
        row[f"iter {target:g}"] = high if reached else None
        row[f"passes {target:g}"] = None
        row[f"time {target:g}"] = (
            best_time(lambda n=high: fit(n))[0] if reached else None
        )
    return row


def compare(name, X, y, C, l1_ratio, max_iter):
    """Every method on one problem, with times as ratios to lbfgs's."""
    J, _ = objective(X, y, C, l1_ratio)
    J_star = optimum(X, y, C, l1_ratio, J)
    rows = {
        rule: gd_row(X, y, C, l1_ratio, p, J_star, max_iter)
        for rule, p in RULES.items()
    }
    bb = bb_row(X, y, C, l1_ratio, J_star, max_iter)
    if bb is not None:
        rows["Barzilai-Borwein"] = bb
    second = ["saga"] if l1_ratio else ["lbfgs", "newton-cholesky"]
    for solver in second:
        rows[solver] = sklearn_row(X, y, C, l1_ratio, solver, J, J_star)
    reference_solver = second[0]
    for row in rows.values():
        for target in TARGETS:
            base = rows[reference_solver][f"time {target:g}"]
            own = row[f"time {target:g}"]
            row[f"x {reference_solver} {target:g}"] = (
                own / base if own is not None and base else None
            )
    return [{"problem": name, "method": method, **row} for method, row in rows.items()]


def markdown(rows):
    """Format the rows as one markdown table."""
    columns = ["problem", "method", "monotone"]
    for target in TARGETS:
        columns += [f"iter {target:g}", f"passes {target:g}"]
    lines = [
        "| " + " | ".join(columns + ["time / lbfgs (saga) 1e-4", "1e-6"]) + " |",
        "|" + "---|" * (len(columns) + 2),
    ]
    for row in rows:
        ratio = _ratios(row)
        cells = [row.get(c) for c in columns] + ratio
        lines.append("| " + " | ".join(_cell(v) for v in cells) + " |")
    return "\n".join(lines)


def rst_table(rows):
    """Format the rows as an rst csv-table, for the docs' step-rules page."""
    header = (
        '"problem", "method", "monotone", "iterations to 1e-4", "passes", '
        '"iterations to 1e-6", "passes", "time / lbfgs (saga), 1e-4", "1e-6"'
    )
    lines = [".. csv-table::", f"   :header: {header}", ""]
    for row in rows:
        ratio = _ratios(row)
        cells = [row["problem"], row["method"], row["monotone"]]
        for target in TARGETS:
            cells += [row[f"iter {target:g}"], row[f"passes {target:g}"]]
        lines.append("   " + ", ".join(f'"{_cell(v)}"' for v in cells + ratio))
    return "\n".join(lines) + "\n"


def _ratios(row):
    """Return a row's time ratios to the reference solver, one per target."""
    return [
        next(
            (v for k, v in row.items() if k.startswith("x ") and k.endswith(f" {t:g}")),
            None,
        )
        for t in TARGETS
    ]


def _cell(value):
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:.2f}"
    return str(value)


def main(argv=None):
    """Run the comparison; print the table; write it as JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--out", type=Path, default=RESULTS)
    parser.add_argument(
        "--from-json", type=Path, help="format a saved run's rows, run nothing"
    )
    parser.add_argument("--rst", type=Path, help="also write the table as rst here")
    args = parser.parse_args(argv)
    if args.from_json:
        rows = json.loads(args.from_json.read_text())
        if args.rst:
            args.rst.write_text(rst_table(rows))
        print(markdown(rows))
        return rows
    max_iter = 300 if args.quick else 3_000
    rows = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        for name, X, y, C, l1_ratio in problems(args.quick):
            rows += compare(name, X, y, C, l1_ratio, max_iter)
            print(markdown([r for r in rows if r["problem"] == name]), flush=True)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "step_rules.json").write_text(json.dumps(rows, indent=1))
    if args.rst:
        args.rst.write_text(rst_table(rows))
    print(markdown(rows))
    return rows


if __name__ == "__main__":
    main()
