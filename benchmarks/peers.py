"""Time to 1e-4 of the optimum: sklearn-gd beside the solvers a user would pick instead.

Run it with::

    python benchmarks/peers.py [--quick] [--busy]

Each peer minimises the same objective, the mean log-loss plus
``||W||^2 / (2 C m)`` (scikit-learn's ``LogisticRegression`` with C=1, also
for scikit-learn-intelex); the optimum ``f*`` is scikit-learn's lbfgs at
``tol=1e-12``. For each solver the loosest ``tol`` of a grid whose fit ends
within ``1e-4 f*`` of the optimum is found (and the gap printed, so that it
is checked, not assumed), then every solver is timed at its ``tol`` in
alternating rounds in this one process; the table gives each median and its
ratio to the first peer that ran (scikit-learn-intelex when it is installed).
``--busy`` runs it again with one core held by a spinning process.

scikit-learn-intelex is optional (``pip install scikit-learn-intelex``): without
it, its rows say so and the ratios are to scikit-learn's lbfgs.
"""

import argparse
import subprocess
import sys
import time
import warnings

import numpy as np
from sklearn.datasets import load_digits, make_classification
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import StandardScaler

from sklearn_gd import GDLogisticClassifier

# Each tol 1.78 times the next: a solver stops within a factor 1.78 of the
# loosest tol that reaches the target (a coarser grid made some fits run
# 1.6 times the passes they needed).
TOLS = list(np.geomspace(1e-2, 1e-7, 21))
TARGET = 1e-4  # relative distance to the optimum's objective


def datasets(quick):
    """Yield the problems: large binary, and multinomial digits."""
    m = 20_000 if quick else 200_000
    X, y = make_classification(m, 50, n_informative=20, random_state=0)
    yield f"binary {m:,} x 50", StandardScaler().fit_transform(X), y
    X, y = load_digits(return_X_y=True)
    yield "digits 1,797 x 64, 10 classes", StandardScaler().fit_transform(X), y


def objective(X, y, coef, intercept):
    """Mean log-loss plus ``||W||^2 / (2 m)`` (C=1), binary or multinomial."""
    Z = X @ coef.T + intercept
    if Z.shape[1] == 1:
        z = Z[:, 0]
        loss = np.mean(np.logaddexp(0, z) - y * z)
    else:
        Z = Z - Z.max(axis=1, keepdims=True)
        loss = np.mean(np.log(np.exp(Z).sum(axis=1)) - Z[np.arange(len(y)), y])
    return loss + 0.5 * np.sum(coef**2) / len(y)


def peers():
    """Each peer: a name and ``make(tol) -> estimator``, None if not installed."""
    try:
        from sklearnex.linear_model import LogisticRegression as IntelexLR
    except ImportError:
        IntelexLR = None
    return {
        "scikit-learn-intelex LogisticRegression": None
        if IntelexLR is None
        else (lambda tol: IntelexLR(tol=tol, max_iter=10_000)),
        "scikit-learn lbfgs": lambda tol: LogisticRegression(tol=tol, max_iter=10_000),
        "scikit-learn newton-cholesky": lambda tol: LogisticRegression(
            solver="newton-cholesky", tol=tol, max_iter=10_000
        ),
        "sklearn-gd default (alpha='adaptive')": lambda tol: GDLogisticClassifier(
            tol=tol, max_iter=100_000
        ),
        "sklearn-gd momentum=0.9": lambda tol: GDLogisticClassifier(
            tol=tol, momentum=0.9, max_iter=100_000
        ),
    }


def loosest_tol(make, X, y, f_star):
    """Return the loosest tol that reaches the target, its gap and its work."""
    for tol in TOLS:
        model = make(tol).fit(X, y)
        gap = (objective(X, y, model.coef_, model.intercept_) - f_star) / abs(f_star)
        if gap <= TARGET:
            work = f"{int(np.ravel(model.n_iter_)[0])} iterations"
            if hasattr(model, "n_passes_"):
                work += f", {model.n_passes_} passes"
            return tol, gap, work
    raise RuntimeError(f"no tol in {TOLS} reaches {TARGET} of the optimum")


def measure(quick, rounds):
    """Return the table's rows, each solver timed in alternating rounds."""
    rows = []
    for name, X, y in datasets(quick):
        reference = LogisticRegression(tol=1e-12, max_iter=100_000).fit(X, y)
        f_star = objective(X, y, reference.coef_, reference.intercept_)
        chosen = {}
        for peer, make in peers().items():
            if make is None:
                rows.append({"data": name, "solver": peer, "note": "not installed"})
                continue
            make(TOLS[0]).fit(X, y)  # imports, compiles, loads caches
            chosen[peer] = (make, *loosest_tol(make, X, y, f_star))
        times = {peer: [] for peer in chosen}
        for _ in range(rounds):
            for peer, (make, tol, _, _) in chosen.items():
                start = time.perf_counter()
                make(tol).fit(X, y)
                times[peer].append(time.perf_counter() - start)
        first = next(iter(chosen))
        base = np.median(times[first])
        for peer, (_, tol, gap, work) in chosen.items():
            median = np.median(times[peer])
            rows.append(
                {
                    "data": name,
                    "solver": peer,
                    "tol": tol,
                    "gap": gap,
                    "work": work,
                    "seconds": median,
                    "ratio": median / base,
                }
            )
    return rows


def setup_rows(quick, rounds):
    """Time a fit's set-up against one pass of the kernels over X.

    The set-up is everything before the first pass of the descent:
    validation, labels, weights, the evaluator and the step rule's start
    (``data_kind``, ``validate``, ``encode_labels``, ``build_problem``); a
    pass is one evaluation of one candidate by the compiled kernels. Both
    are timed in alternating rounds; the ratio is of their medians.
    """
    from sklearn_gd._kinds import data_kind
    from sklearn_gd._problem import build_problem

    rows = []
    for name, X, y in datasets(quick):
        for alpha in ("adaptive", "auto"):
            model = GDLogisticClassifier(alpha=alpha)

            def setup(model=model, X=X, y=y):
                kind = data_kind(X, model.solver)
                X_v, y_v, weights = kind.validate(model, X, y, None)
                classes, y_index = kind.encode_labels(y_v)
                return build_problem(
                    kind, X_v, classes, y_index, weights, alphas=[model.alpha],
                    Cs=[1.0], l1_ratio=0.0, fit_intercept=True, class_weight=None,
                    solver="vectorized",
                )  # fmt: skip

            problem = setup()
            setups, passes = [], []
            for _ in range(rounds):
                start = time.perf_counter()
                setup()
                setups.append(time.perf_counter() - start)
                start = time.perf_counter()
                problem.evaluator(problem.start)
                passes.append(time.perf_counter() - start)
            rows.append(
                {
                    "data": name,
                    "alpha": alpha,
                    "setup_ms": 1e3 * np.median(setups),
                    "pass_ms": 1e3 * np.median(passes),
                    "ratio": np.median(setups) / np.median(passes),
                }
            )
    return rows


def setup_table(rows):
    """Format the set-up rows as a Markdown table."""
    lines = [
        "| data | alpha | set-up, ms | one pass, ms | set-up / pass |",
        "|---|---|---|---|---|",
    ]
    lines += [
        f"| {r['data']} | {r['alpha']!r} | {r['setup_ms']:.2f} | {r['pass_ms']:.2f} "
        f"| {r['ratio']:.2f} |"
        for r in rows
    ]
    return "\n".join(lines)


def table(rows):
    """Format the rows as a Markdown table."""
    lines = [
        "| data | solver | tol | gap to f* | work | seconds | ratio |",
        "|---|---|---|---|---|---|---|",
    ]
    for row in rows:
        if "note" in row:
            lines.append(f"| {row['data']} | {row['solver']} | {row['note']} |||||")
            continue
        lines.append(
            f"| {row['data']} | {row['solver']} | {row['tol']:.2g} | {row['gap']:.1e} "
            f"| {row['work']} | {row['seconds']:.4f} | {row['ratio']:.2f} |"
        )
    return "\n".join(lines)


def main(argv=None):
    """Print the table, idle (and with one core busy if asked)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small data, 2 rounds")
    parser.add_argument("--busy", action="store_true", help="also one core held")
    args = parser.parse_args(argv)
    rounds = 2 if args.quick else 9
    warnings.simplefilter("ignore", ConvergenceWarning)
    print("### Idle\n\n" + table(measure(args.quick, rounds)))
    print("\n" + setup_table(setup_rows(args.quick, 5 * rounds)))
    if args.busy:
        spinner = subprocess.Popen([sys.executable, "-c", "while True: pass"])
        try:
            print("\n### One core held by a spinning process\n")
            print(table(measure(args.quick, rounds)))
            print("\n" + setup_table(setup_rows(args.quick, 5 * rounds)))
        finally:
            spinner.kill()
            spinner.wait()


if __name__ == "__main__":
    main()
