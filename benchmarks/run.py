"""Benchmarks of sklearn-gd, measured side by side in one process.

Run from the repository root::

    python -m pip install ".[bench]" && python benchmarks/run.py

It prints markdown tables, writes them with the raw figures as JSON to
``benchmarks/results/``, and draws PNG plots there when matplotlib is
installed. Every figure that compares two things is a ratio of medians taken
in the same run, because absolute seconds drift on shared machines.
``--quick`` runs every section on tiny data (a smoke test, not a measurement).
"""

import argparse
import json
import os
import platform
import time
import tracemalloc
import warnings
from pathlib import Path

import numpy as np
from sklearn.datasets import (
    load_breast_cancer,
    load_digits,
    load_iris,
    load_wine,
    make_classification,
)
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression, SGDClassifier
from sklearn.model_selection import GridSearchCV, StratifiedKFold
from sklearn.preprocessing import StandardScaler

from sklearn_gd import GDLogisticClassifier, GDLogisticClassifierCV, _loop, _loss

RESULTS = Path(__file__).resolve().parent / "results"
# Rounds of ratio_in_rounds and the pause before each timing; --quick (a
# smoke run, not a measurement) sets one round and no pause.
ROUNDS, PAUSE_S = 5, 0.3


def median_time(func, repeat, warm_up=True):
    """Median wall time of ``func()`` over ``repeat`` calls, after one warm-up."""
    if warm_up:
        func()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        func()
        times.append(time.perf_counter() - start)
    return float(np.median(times))


def ratio_in_rounds(first, second, repeat):
    """Median over rounds of ``median_time(first) / median_time(second)``.

    Each round times both, one after the other, so that both see the same
    machine: on a shared machine the load changes from second to second.
    After a product, OpenBLAS's threads spin for about 0.1 s before they
    sleep, taking a core from the kernels' threads (2x slower on 2 cores):
    a pause before each timing lets them sleep, as they do during a fit.

    Returns
    -------
    ratio, first_seconds, second_seconds : float
        The median ratio and the medians of each one's times.
    """
    pairs = []
    for _ in range(ROUNDS):
        time.sleep(PAUSE_S)
        t_first = median_time(first, repeat)
        time.sleep(PAUSE_S)
        pairs.append((t_first, median_time(second, repeat)))
    a, b = np.array(pairs).T
    return float(np.median(a / b)), float(np.median(a)), float(np.median(b))


def random_problem(rng, m, n, n_classes, dtype):
    """Random X, y, unit weights and small random parameters."""
    X = rng.standard_normal((m, n), dtype=np.float64).astype(dtype, copy=False)
    y = rng.integers(n_classes, size=m)
    if n_classes == 2:
        y = y.astype(dtype)
    n_outputs = 1 if n_classes == 2 else n_classes
    params = (0.1 * rng.standard_normal((n_outputs, n + 1))).astype(dtype)
    return X, y, np.ones(m, dtype=dtype), params


def one_iteration(loss, alpha=0.1):
    """One gradient-descent iteration as the driver runs it: Steps 1-4."""

    def run(params):
        costs, grads = loss(params[None])
        return params - alpha * grads[0]

    return run


def bench_roofline(sizes, repeat):
    """Time one vectorized iteration against one pass over X (a)."""
    rng = np.random.default_rng(0)
    rows = []
    for m, n in sizes:
        for dtype in (np.float64, np.float32):
            for n_classes in (2, 10):
                X, y, s, params = random_problem(rng, m, n, n_classes, dtype)
                step = one_iteration(
                    _loss.CompiledLogisticLoss(X, y, s, True, n_classes)
                )
                w = params[0, :n].copy()
                W_T = params[:, :n].T.copy()
                # Microseconds on small data: more calls for the clock.
                r = repeat if X.size >= 10**6 else 50 * repeat
                to_xw, t_iter, t_xw = ratio_in_rounds(
                    lambda: step(params),  # noqa: B023
                    lambda: X @ w,  # noqa: B023
                    r,
                )
                to_xW, _, _ = ratio_in_rounds(
                    lambda: step(params),  # noqa: B023
                    lambda: X @ W_T,  # noqa: B023
                    r,
                )
                rows.append(
                    {
                        "m": m,
                        "n": n,
                        "dtype": np.dtype(dtype).name,
                        "classes": n_classes,
                        "iteration_us": 1e6 * t_iter,
                        "X@w_ms": 1e3 * t_xw,
                        "ratio_to_X@w": to_xw,
                        "ratio_to_X@W": to_xW,
                    }
                )
    return rows


def bench_loop_vs_vectorized(sizes, repeat):
    """Time one iteration of the loop and the vectorized solver (b)."""
    rng = np.random.default_rng(1)
    rows = []
    for m, n in sizes:
        X, y, s, params = random_problem(rng, m, n, 2, np.float64)
        loop_args = (X.tolist(), y.tolist(), s.tolist(), True)

        def loop_step(params=params, args=loop_args):
            return _loop.binary_loss_gradient(params, *args)

        vectorized = _loss.CompiledLogisticLoss(X, y, s, True, 2)
        stack = params[None]
        t_loop = median_time(loop_step, max(1, repeat // 2))
        t_vec = median_time(lambda: vectorized(stack), repeat)  # noqa: B023
        rows.append(
            {
                "m": m,
                "n": n,
                "loop_ms": 1e3 * t_loop,
                "vectorized_ms": 1e3 * t_vec,
                "speedup": t_loop / t_vec,
            }
        )
    return rows


def bench_demo(repeat):
    """Time the demo's two fits (breast cancer, defaults), kernels compiled (g)."""
    from sklearn_gd.__main__ import compile_kernels, run_demo

    compile_kernels()
    runs = [run_demo() for _ in range(repeat)]
    loop = float(np.median([rows[0]["fit_seconds"] for rows in runs]))
    vectorized = float(np.median([rows[1]["fit_seconds"] for rows in runs]))
    return [
        {
            "iterations": runs[0][1]["n_iter"],
            "loop_ms": 1e3 * loop,
            "vectorized_ms": 1e3 * vectorized,
            "speedup": loop / vectorized,
        }
    ]


_STARTUP = """
import time
start = time.perf_counter()
import sklearn_gd
imported = time.perf_counter()
from sklearn.datasets import load_breast_cancer
X, y = load_breast_cancer(return_X_y=True)
X = X / X.max(axis=0)
times = []
for _ in range(2):
    start_fit = time.perf_counter()
    sklearn_gd.GDLogisticClassifier(max_iter=50, tol=0).fit(X, y)
    times.append(time.perf_counter() - start_fit)
print(imported - start, times[0], times[1])
"""


def bench_startup(repeat):
    """Time ``import sklearn_gd`` and a fresh process's first fit (h).

    Each measurement is a new Python process; the kernels are in numba's
    cache already (a first run of this function compiles them).
    """
    import subprocess
    import sys

    def measure():
        out = subprocess.run(
            [sys.executable, "-c", _STARTUP], capture_output=True, text=True, check=True
        ).stdout
        return [float(v) for v in out.split()]

    measure()  # compiles, or finds the cache
    runs = np.array([measure() for _ in range(repeat)])
    import_s, first_s, second_s = np.median(runs, axis=0)
    return [
        {
            "import_sklearn_gd_s": import_s,
            "first_fit_s": first_s,
            "second_fit_s": second_s,
            "first_fit_extra_s": first_s - second_s,
        }
    ]


def objective(X, y, coef, intercept, C):
    """J of the package (L2, C) at the given coefficients."""
    classes, y_index = np.unique(y, return_inverse=True)
    target = y_index.astype(float) if len(classes) == 2 else y_index
    params = np.column_stack([coef, intercept])
    s = np.ones(len(y))
    stack = params[None]
    penalty = _loss.ElasticNet.from_C([C], 0.0, len(y), fit_intercept=True)
    loss = _loss.CompiledLogisticLoss(X, target, s, True, len(classes))
    costs, grads = loss(stack)
    return float(penalty.add_to(costs, grads, stack, [0])[0][0])


def iterations_to_reach(X, y, C, alpha, target, max_iter, chunk=100):
    """Count the updates gradient descent needs until J <= target.

    The fit continues by warm starts in chunks, so a run stops soon after the
    target instead of running to ``max_iter``. Returns None if the target is
    not reached in ``max_iter`` iterations or the fit diverges.
    """
    model = GDLogisticClassifier(
        C=C, alpha=alpha, max_iter=chunk, tol=0, warm_start=True
    )
    done = 0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        while done < max_iter:
            try:
                model.fit(X, y)
            except ValueError:  # diverged
                return None
            hits = np.flatnonzero(model.cost_history_ <= target)
            if len(hits):
                return done + int(hits[0])
            done += chunk
    return None


def bench_time_to_solution(datasets, C, rtol, max_iter, repeat):
    """Time each method until J is within ``rtol`` of the optimum (c)."""
    rows = []
    for name, (X, y) in datasets.items():
        reference = LogisticRegression(C=C, tol=1e-10, max_iter=100_000).fit(X, y)
        f_star = objective(X, y, reference.coef_, reference.intercept_, C)
        target = f_star * (1 + rtol)

        def gd_time(alpha, X=X, y=y, target=target):
            k = iterations_to_reach(X, y, C, alpha, target, max_iter)
            if k is None:
                return None, None
            model = GDLogisticClassifier(C=C, alpha=alpha, max_iter=k + 1, tol=0)
            return median_time(lambda: model.fit(X, y), repeat), k

        t_auto, k_auto = gd_time("auto")
        detail = f"{k_auto} iter" if k_auto else f"not reached in {max_iter} iter"
        rows.append(_solution_row(name, "GD alpha='auto'", t_auto, detail))

        step = GDLogisticClassifier(C=C, max_iter=1, tol=0).fit(X, y).alpha_
        best = None
        for factor in (1, 2, 4, 8, 16):
            t, k = gd_time(factor * step)
            if t is not None and (best is None or t < best[0]):
                best = (t, k, factor)
        if best is None:
            rows.append(
                _solution_row(
                    name, "GD best fixed alpha", None, f"not reached in {max_iter} iter"
                )
            )
        else:
            t, k, factor = best
            rows.append(
                _solution_row(
                    name,
                    f"GD best fixed alpha ({factor} x auto)",
                    t,
                    f"{k} iter",
                )
            )

        rows.append(_lbfgs_row(name, X, y, C, target, repeat))
        rows.append(_sgd_row(name, X, y, C, target, f_star, repeat))
    by_data = {}
    for row in rows:
        by_data.setdefault(row["data"], {})[row["method"]] = row
    for row in rows:
        lbfgs = next(
            r for r in by_data[row["data"]].values() if r["method"].startswith("lbfgs")
        )
        row["ratio_to_lbfgs"] = (
            row["seconds"] / lbfgs["seconds"]
            if row["seconds"] is not None and lbfgs["seconds"]
            else None
        )
    return rows


def _solution_row(data, method, seconds, detail):
    return {"data": data, "method": method, "seconds": seconds, "detail": detail}


def _lbfgs_row(name, X, y, C, target, repeat):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        for max_iter in (5, 10, 15, 20, 30, 40, 60, 80, 100, 150, 200, 400, 1000):
            model = LogisticRegression(C=C, tol=1e-12, max_iter=max_iter)
            model.fit(X, y)
            if objective(X, y, model.coef_, model.intercept_, C) <= target:
                seconds = median_time(lambda: model.fit(X, y), repeat)  # noqa: B023
                return _solution_row(
                    name, "lbfgs (LogisticRegression)", seconds, f"max_iter={max_iter}"
                )
    return _solution_row(name, "lbfgs (LogisticRegression)", None, "not reached")


def _sgd_row(name, X, y, C, target, f_star, repeat):
    method = "SGDClassifier(log_loss)"
    if len(np.unique(y)) > 2:
        return _solution_row(
            name, method, None, "one-vs-rest: another objective, not comparable"
        )
    # SGD's objective mean(L) + alpha/2 ||w||^2 is J when alpha = 1 / (C m).
    best_gap = np.inf
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        for epochs in (1, 2, 5, 10, 20, 50):
            model = SGDClassifier(
                loss="log_loss",
                alpha=1 / (C * len(y)),
                max_iter=epochs,
                tol=None,
                random_state=0,
            )
            model.fit(X, y)
            value = objective(X, y, model.coef_, model.intercept_, C)
            best_gap = min(best_gap, value / f_star - 1)
            if value <= target:
                seconds = median_time(lambda: model.fit(X, y), repeat)  # noqa: B023
                return _solution_row(name, method, seconds, f"{epochs} epochs")
    return _solution_row(
        name, method, None, f"not reached in 50 epochs (best gap {best_gap:.1e})"
    )


def bench_memory(sizes):
    """Measure the peak memory of a fit, X included, over X.nbytes (d)."""
    rng = np.random.default_rng(2)
    rows = []
    for m, n in sizes:
        for n_classes in (2, 10):
            for dtype in (np.float64, np.float32):
                X, y, _, _ = random_problem(rng, m, n, n_classes, dtype)
                model = GDLogisticClassifier(max_iter=3, tol=0)
                # The first fit of a kind of data also loads its compiled
                # code (numba's own allocations, 15-35 MB): not the fit's.
                model.fit(X[:100], y[:100])
                tracemalloc.start()
                model.fit(X, y)
                peak = tracemalloc.get_traced_memory()[1]
                tracemalloc.stop()
                rows.append(
                    {
                        "m": m,
                        "n": n,
                        "classes": n_classes,
                        "dtype": np.dtype(dtype).name,
                        "X_MB": X.nbytes / 2**20,
                        "fit_allocated_MB": peak / 2**20,
                        # X itself is part of the fit's footprint.
                        "peak_over_X": (X.nbytes + peak) / X.nbytes,
                    }
                )
    return rows


def bench_scaling(ms, n, repeat):
    """Time one iteration as m grows, against one ``X @ w`` (e)."""
    rng = np.random.default_rng(3)
    rows = []
    for m in ms:
        X, y, s, params = random_problem(rng, m, n, 2, np.float64)
        step = one_iteration(_loss.CompiledLogisticLoss(X, y, s, True, 2))
        w = params[0, :n].copy()
        ratio, t_iter, t_xw = ratio_in_rounds(
            lambda: step(params),  # noqa: B023
            lambda: X @ w,  # noqa: B023
            repeat if X.size >= 10**6 else 20 * repeat,
        )
        rows.append(
            {
                "m": m,
                "n": n,
                "iteration_ms": 1e3 * t_iter,
                "X@w_ms": 1e3 * t_xw,
                "ratio_to_X@w": ratio,
            }
        )
    return rows


def bench_grid_search(X, y, n_alphas_list, max_iter, repeat):
    """Time GDLogisticClassifierCV against GridSearchCV over alpha (f).

    The fits run a fixed number of iterations (``tol=0``), so that both do
    the same work; the larger alphas make the cost oscillate, which is what a
    search over alpha is for, so the workers' warnings are silenced.
    """
    # Inherited by GridSearchCV's worker processes, where the fits warn.
    previous = os.environ.get("PYTHONWARNINGS")
    os.environ["PYTHONWARNINGS"] = "ignore::UserWarning"
    try:
        return _grid_search_rows(X, y, n_alphas_list, max_iter, repeat)
    finally:
        if previous is None:
            del os.environ["PYTHONWARNINGS"]
        else:
            os.environ["PYTHONWARNINGS"] = previous


def _grid_search_rows(X, y, n_alphas_list, max_iter, repeat):
    rows = []
    splits = StratifiedKFold(5, shuffle=True, random_state=0)
    step = GDLogisticClassifier(max_iter=1, tol=0).fit(X, y).alpha_
    for n_alphas in n_alphas_list:
        alphas = list(step * np.geomspace(0.1, 10, n_alphas))
        common = {"max_iter": max_iter, "tol": 0}
        cv = GDLogisticClassifierCV(alphas=alphas, cv=splits, **common)
        t_cv = median_time(lambda: cv.fit(X, y), repeat, warm_up=False)  # noqa: B023
        row = {"alphas": n_alphas, "GDLogisticClassifierCV_s": t_cv}
        for n_jobs in (1, 2):
            search = GridSearchCV(
                GDLogisticClassifier(**common),
                {"alpha": alphas},
                cv=splits,
                n_jobs=n_jobs,
            )
            t_grid = median_time(
                lambda: search.fit(X, y),  # noqa: B023
                repeat,
                warm_up=False,
            )
            row[f"GridSearchCV_n_jobs={n_jobs}_s"] = t_grid
            row[f"speedup_vs_n_jobs={n_jobs}"] = t_grid / t_cv
        row["same_alpha"] = bool(cv.alpha_ == search.best_params_["alpha"])
        rows.append(row)
    return rows


SMALL_DATA = {
    "iris": load_iris,
    "wine": load_wine,
    "breast cancer": load_breast_cancer,
    "digits": load_digits,
}
SEARCH_ALPHAS = [0.1, 0.3, 1.0, "adaptive"]
SEARCH_CS = [0.01, 0.1, 1, 10]


def bench_small_data(repeat, quick=False):
    """Default fits and searches on small data, against LogisticRegression (i).

    Most fits a user runs are small: a default fit (standardised, C=1), and
    ``GridSearchCV`` over 4 alphas x 5 folds against its search over 4 Cs.
    """
    rows = []
    for name, load in SMALL_DATA.items():
        X, y = load(return_X_y=True)
        if quick:
            X, y = X[::4], y[::4]
        X = StandardScaler().fit_transform(X)
        r = repeat * (2 if name == "digits" else 10)
        ratio, t_gd, t_lr = ratio_in_rounds(
            lambda: GDLogisticClassifier().fit(X, y),  # noqa: B023
            lambda: LogisticRegression().fit(X, y),  # noqa: B023
            r,
        )
        fit = GDLogisticClassifier().fit(X, y)
        rows.append(
            {
                "data": f"{name} {X.shape[0]} x {X.shape[1]}",
                "what": "default fit",
                "sklearn_gd_ms": 1e3 * t_gd,
                "LogisticRegression_ms": 1e3 * t_lr,
                "ratio": ratio,
                "detail": f"{fit.n_iter_} iterations, {fit.n_passes_} passes",
            }
        )
        if name == "digits":
            continue
        gd = GridSearchCV(GDLogisticClassifier(), {"alpha": SEARCH_ALPHAS}, cv=5)
        lr = GridSearchCV(LogisticRegression(), {"C": SEARCH_CS}, cv=5)
        ratio, t_gd, t_lr = ratio_in_rounds(
            lambda: gd.fit(X, y),  # noqa: B023
            lambda: lr.fit(X, y),  # noqa: B023
            max(1, repeat // 2),
        )
        rows.append(
            {
                "data": f"{name} {X.shape[0]} x {X.shape[1]}",
                "what": "GridSearchCV, 4 alphas (4 Cs) x 5 folds",
                "sklearn_gd_ms": 1e3 * t_gd,
                "LogisticRegression_ms": 1e3 * t_lr,
                "ratio": ratio,
                "detail": f"best alpha {gd.best_params_['alpha']}",
            }
        )
    return rows


def bench_iteration_cost(repeat, quick=False):
    """Time an iteration of a fit against the kernel passes it makes (j).

    An iteration's time is ``(T(fit) - T(fit to max_iter=1)) / (n_iter - 1)``
    (the set-up and the first evaluation cancel); a pass is one call of
    the compiled kernels on the fit's prepared data, less the same call on
    one row (the call's own cost, which a fit does not pay per pass). All
    four are timed in each round, one after the other, and the ratio is the
    median of the rounds' ratios: the machine's load changes between rounds.
    """
    from sklearn_gd import _compiled

    X, y = load_breast_cancer(return_X_y=True)
    if quick:
        X, y = X[::4], y[::4]
    X = StandardScaler().fit_transform(X)
    s = np.ones(len(y))
    data = _compiled.prepare(X, y.astype(np.intp), s, float(len(y)), 1, True)
    one_row = _compiled.prepare(X[:1], y[:1].astype(np.intp), s[:1], 1.0, 1, True)
    points = np.zeros((1, 1, X.shape[1] + 1))
    costs, grads = np.empty(1), np.empty_like(points)

    def call(prepared):
        return lambda: _compiled._evaluate_all(prepared, points, costs, grads)

    rows = []
    rules = {
        "default (alpha='adaptive')": {},
        "fixed step (alpha=0.5)": {"alpha": 0.5, "tol": 0, "max_iter": 100},
        "momentum=0.9": {"momentum": 0.9},
    }
    for rule, params in rules.items():
        fit = GDLogisticClassifier(**params).fit(X, y)
        first = GDLogisticClassifier(**{**params, "max_iter": 1, "tol": 0})
        whole = GDLogisticClassifier(**params)
        passes = (fit.n_passes_ - first.fit(X, y).n_passes_) / (fit.n_iter_ - 1)
        rounds = []
        for _ in range(ROUNDS):
            time.sleep(PAUSE_S)
            t_call = median_time(call(data), 100 * repeat)
            t_pass = t_call - median_time(call(one_row), 100 * repeat)
            t_whole = median_time(lambda: whole.fit(X, y), 10 * repeat)  # noqa: B023
            t_first = median_time(lambda: first.fit(X, y), 10 * repeat)  # noqa: B023
            t_iter = (t_whole - t_first) / (fit.n_iter_ - 1)
            rounds.append((t_iter, t_pass, t_call, t_iter / (passes * t_pass)))
        t_iter, t_pass, t_call, ratio = np.median(np.array(rounds), axis=0)
        rows.append(
            {
                "rule": rule,
                "iterations": fit.n_iter_,
                "passes_per_iteration": passes,
                "iteration_us": 1e6 * t_iter,
                "pass_us": 1e6 * t_pass,
                "call_us": 1e6 * t_call,
                "iteration_over_its_passes": float(ratio),
            }
        )
    return rows


def _quietly(func):
    """Run ``func`` with ConvergenceWarnings silenced in this process."""

    def run(*args, **kwargs):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            return func(*args, **kwargs)

    return run


def markdown_table(rows, columns):
    """Format dict rows as a markdown table."""

    def cell(value):
        if value is None:
            return "-"
        if isinstance(value, float):
            return f"{value:.3g}" if abs(value) < 1e4 else f"{value:.0f}"
        return str(value)

    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join(cell(row[c]) for c in columns) + " |" for row in rows]
    return "\n".join(lines)


def plot(results, directory):
    """Draw the scaling and roofline plots; return the paths written."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print(
            "matplotlib is not installed: no plots drawn. Install it with "
            'python -m pip install ".[bench]"'
        )
        return []
    paths = []
    scaling = results["scaling"]
    fig, ax = plt.subplots(figsize=(6, 4))
    ms = [r["m"] for r in scaling]
    ax.loglog(ms, [r["iteration_ms"] for r in scaling], "o-", label="one iteration")
    ax.loglog(ms, [r["X@w_ms"] for r in scaling], "s--", label="one X @ w")
    ax.set_xlabel("m (examples)")
    ax.set_ylabel("milliseconds")
    ax.set_title(f"Time per iteration, n = {scaling[0]['n']} features")
    ax.legend()
    ax.grid(True, which="both", alpha=0.3)
    fig.tight_layout()
    paths.append(directory / "scaling.png")
    fig.savefig(paths[-1], dpi=100)
    plt.close(fig)

    roofline = results["roofline"]
    fig, ax = plt.subplots(figsize=(7, 5))
    labels = [f"{r['m']} x {r['n']}, {r['dtype']}, K={r['classes']}" for r in roofline]
    positions = np.arange(len(roofline))
    ax.barh(
        positions - 0.2,
        [r["ratio_to_X@w"] for r in roofline],
        0.4,
        label="over one X @ w",
    )
    ax.barh(
        positions + 0.2,
        [r["ratio_to_X@W"] for r in roofline],
        0.4,
        label="over one X @ W (a column per class)",
    )
    ax.axvline(1.0, color="k", lw=1)
    ax.set_yticks(positions, labels, fontsize=8)
    ax.invert_yaxis()
    ax.set_xlabel("time of one iteration / time of one product")
    ax.set_title("Roofline: one iteration over one pass over X")
    ax.legend(fontsize=8)
    fig.tight_layout()
    paths.append(directory / "roofline.png")
    fig.savefig(paths[-1], dpi=100)
    plt.close(fig)
    return paths


def main(argv=None):
    """Run every benchmark, print and save the tables."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="tiny smoke run")
    parser.add_argument("--out", type=Path, default=RESULTS, help="output folder")
    args = parser.parse_args(argv)
    quick = args.quick
    repeat = 3 if quick else 7
    global ROUNDS, PAUSE_S
    ROUNDS, PAUSE_S = (1, 0.0) if quick else (5, 0.3)

    if quick:
        roofline_sizes = [(2000, 10)]
        loop_sizes = [(100, 5)]
        synthetic = make_classification(2000, 10, random_state=0)
        memory_sizes = [(2000, 10)]
        scaling_ms = [100, 1000]
        max_iter = 300
    else:
        roofline_sizes = [(500_000, 100), (100_000, 20), (1_000, 10), (426, 30)]
        loop_sizes = [(1000, 10), (10_000, 30)]
        synthetic = make_classification(200_000, 50, random_state=0)
        memory_sizes = [(200_000, 50)]
        scaling_ms = [1000, 10_000, 100_000, 1_000_000]
        max_iter = 20_000
    X_digits, y_digits = load_digits(return_X_y=True)
    if quick:  # 10 classes still, a quarter of the rows
        X_digits, y_digits = X_digits[:450], y_digits[:450]
    datasets = {
        f"make_classification{synthetic[0].shape}": (
            StandardScaler().fit_transform(synthetic[0]),
            synthetic[1],
        ),
        "digits (10 classes)": (StandardScaler().fit_transform(X_digits), y_digits),
    }

    started = time.perf_counter()
    results = {
        "machine": {
            "python": platform.python_version(),
            "cpu": platform.processor(),
            "numpy": np.__version__,
            "quick": quick,
        },
        "small_data": _quietly(bench_small_data)(repeat, quick),
        "iteration_cost": bench_iteration_cost(repeat, quick),
        "roofline": bench_roofline(roofline_sizes, repeat),
        "loop_vs_vectorized": bench_loop_vs_vectorized(loop_sizes, repeat),
        "demo": bench_demo(repeat=1 if quick else 5),
        "startup": bench_startup(repeat=1 if quick else 5),
        "time_to_solution": bench_time_to_solution(
            datasets, C=1.0, rtol=1e-4, max_iter=max_iter, repeat=3
        ),
        "memory": bench_memory(memory_sizes),
        "scaling": bench_scaling(scaling_ms, 50, repeat),
        "grid_search": _quietly(bench_grid_search)(
            *datasets[f"make_classification{synthetic[0].shape}"],
            n_alphas_list=(8, 16),
            max_iter=20 if quick else 100,
            repeat=1,
        ),
    }
    results["machine"]["seconds"] = time.perf_counter() - started

    sections = [
        (
            "(i) Small data: sklearn-gd against `LogisticRegression()` "
            "(standardised, C=1; searches over 4 alphas and over 4 Cs, 5 folds)",
            "small_data",
            [
                "data",
                "what",
                "sklearn_gd_ms",
                "LogisticRegression_ms",
                "ratio",
                "detail",
            ],
        ),
        (
            "(j) An iteration against the kernel passes it makes "
            "(standardised breast cancer, 569 x 30)",
            "iteration_cost",
            [
                "rule",
                "iterations",
                "passes_per_iteration",
                "iteration_us",
                "pass_us",
                "call_us",
                "iteration_over_its_passes",
            ],
        ),
        (
            "(a) Roofline: one iteration over one `X @ w` (and over one `X @ W`, "
            "W with a column per class)",
            "roofline",
            [
                "m",
                "n",
                "dtype",
                "classes",
                "iteration_us",
                "X@w_ms",
                "ratio_to_X@w",
                "ratio_to_X@W",
            ],
        ),
        (
            "(g) The demo's fits (`python -m sklearn_gd`: breast cancer, defaults), "
            "kernels compiled",
            "demo",
            ["iterations", "loop_ms", "vectorized_ms", "speedup"],
        ),
        (
            "(h) Start-up, each a fresh process: `import sklearn_gd`, and the "
            "first fit (kernels loaded from numba's cache) against the second",
            "startup",
            [
                "import_sklearn_gd_s",
                "first_fit_s",
                "second_fit_s",
                "first_fit_extra_s",
            ],
        ),
        (
            "(b) Loop vs vectorized, one iteration (binary)",
            "loop_vs_vectorized",
            ["m", "n", "loop_ms", "vectorized_ms", "speedup"],
        ),
        (
            "(c) Time to J within 1e-4 of the optimum (C=1)",
            "time_to_solution",
            ["data", "method", "seconds", "ratio_to_lbfgs", "detail"],
        ),
        (
            "(d) Peak memory of a fit over X.nbytes",
            "memory",
            ["m", "n", "classes", "dtype", "X_MB", "fit_allocated_MB", "peak_over_X"],
        ),
        (
            "(e) Scaling with m (n = 50, binary, float64)",
            "scaling",
            ["m", "iteration_ms", "X@w_ms", "ratio_to_X@w"],
        ),
        (
            "(f) 5-fold search over alpha on the synthetic data, a fixed number "
            "of iterations per fit (seconds, one run each)",
            "grid_search",
            [
                "alphas",
                "GDLogisticClassifierCV_s",
                "GridSearchCV_n_jobs=1_s",
                "speedup_vs_n_jobs=1",
                "GridSearchCV_n_jobs=2_s",
                "speedup_vs_n_jobs=2",
                "same_alpha",
            ],
        ),
    ]
    text = "\n\n".join(
        f"### {title}\n\n{markdown_table(results[key], columns)}"
        for title, key, columns in sections
    )
    print(text)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "results.md").write_text(text + "\n")
    (args.out / "results.json").write_text(json.dumps(results, indent=2) + "\n")
    for path in plot(results, args.out):
        print(f"wrote {path}")
    print(
        f"\nwrote {args.out / 'results.md'} and results.json "
        f"in {results['machine']['seconds']:.0f} s"
    )
    return results


if __name__ == "__main__":
    main()
