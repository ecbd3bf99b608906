"""Per-iteration time of a fit on Dask and on PyTorch, against NumPy, in one run.

Run from the repository root::

    python -m pip install ".[test]" torch==2.13.0 && python benchmarks/scale_out.py

Sections, each a ratio of medians measured side by side in this process:

(g) one iteration on a large X (2e6 x 50 float64, 800 MB, 8 chunks of 250k
    rows): NumPy, Dask on the threaded scheduler, Dask on a 2-process
    ``LocalCluster`` with X persisted on the workers;
(h) the overhead per iteration on tiny data (1,000 x 10), where Dask's
    scheduling dominates;
(i) PyTorch on the CPU (and on a GPU where there is one) against NumPy on
    the same data, under ``array_api_dispatch``;
(j) the search over alpha on the cluster: ``GDLogisticClassifierCV`` on the
    persisted Dask array (every fold's candidates stacked, one graph per
    iteration) against ``GridSearchCV`` on joblib's Dask backend over the
    same grid and folds, its fits sent to the same workers with X (the same
    numbers, computed from the same chunks) in memory.

An iteration's time is ``(t(fit, 25 iterations) - t(fit, 5 iterations)) /
20``: what the fit costs beyond its set-up (validation, persisting X,
``alpha='auto'``). ``--quick`` runs on tiny data (a smoke test, not a
measurement). Results go to ``benchmarks/results/scale_out.{md,json}``.
"""

import argparse
import json
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("SCIPY_ARRAY_API", "1")  # before SciPy is imported

import numpy as np  # noqa: E402
from sklearn import config_context  # noqa: E402

from sklearn_gd import GDLogisticClassifier  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results"
sys.path.insert(0, str(RESULTS.parent))  # run.py's table, whoever loads this
from run import markdown_table  # noqa: E402

# The two fits whose difference is timed; --quick (a smoke run) takes 1 and 3.
FEW, MANY = 5, 25


def per_iteration(fit, repeat):
    """Median seconds per iteration: the time of ``MANY`` less ``FEW`` iterations."""
    few, many = FEW, MANY
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fit(few)
        middle = time.perf_counter()
        fit(many)
        end = time.perf_counter()
        samples.append(((end - middle) - (middle - start)) / (many - few))
    return float(np.median(samples))


def fitter(X, y, **config):
    """Return a function that fits ``k`` fixed-alpha iterations on X, y."""

    def fit(k):
        with config_context(**config):
            GDLogisticClassifier(alpha=0.1, max_iter=k, tol=0).fit(X, y)

    return fit


def bench_dask(m, n, chunk_rows, repeat, client):
    """(g)/(h): NumPy against Dask threaded and Dask on a cluster."""
    import dask
    import dask.array as da

    # Made by Dask, chunk by chunk, where it runs: an X built in this process
    # would travel to a cluster inside the task graph.
    rng = da.random.default_rng(0)
    X_dask = rng.standard_normal((m, n), chunks=(chunk_rows, n))
    y_dask = (X_dask[:, 0] + rng.standard_normal(m, chunks=chunk_rows) > 0).astype(int)
    with dask.config.set(scheduler="threads"):
        X, y = dask.compute(X_dask, y_dask)
    rows = []
    t_numpy = per_iteration(fitter(X, y), repeat)
    rows.append(_row(m, n, "NumPy", t_numpy, t_numpy))
    for name, scheduler in [
        ("Dask, synchronous", "synchronous"),
        ("Dask, threads", "threads"),
        ("Dask, 2-process LocalCluster", client),
    ]:
        with dask.config.set(scheduler=scheduler):
            # Made once where the scheduler runs; each fit's own persist of
            # X is then a no-op, not 800 MB of random numbers drawn again.
            X_here, y_here = dask.persist(X_dask, y_dask)
            seconds = per_iteration(fitter(X_here, y_here), repeat)
            del X_here, y_here
        rows.append(_row(m, n, name, seconds, t_numpy))
    return rows


def bench_torch(m, n, repeat):
    """(i): PyTorch (CPU, and CUDA when available) against NumPy."""
    try:
        import torch
    except ImportError:
        return [
            {
                "m": m,
                "n": n,
                "engine": "torch not installed",
                "iteration_ms": None,
                "ratio_to_numpy": None,
            }
        ]
    rng = np.random.default_rng(0)
    X = rng.standard_normal((m, n))
    y = (X[:, 0] + rng.standard_normal(m) > 0).astype(int)
    rows = []
    t_numpy = per_iteration(fitter(X, y), repeat)
    rows.append(_row(m, n, "NumPy", t_numpy, t_numpy))
    devices = ["cpu"] + (["cuda"] if torch.cuda.is_available() else [])
    for device in devices:
        for dtype in (torch.float64, torch.float32):
            X_t = torch.asarray(X, dtype=dtype, device=device)
            y_t = torch.asarray(y, device=device)
            seconds = per_iteration(fitter(X_t, y_t, array_api_dispatch=True), repeat)
            name = f"torch {device} {str(dtype).removeprefix('torch.')}"
            rows.append(_row(m, n, name, seconds, t_numpy))
    return rows


def bench_search(m, n, chunk_rows, n_alphas, max_iter, repeat, client):
    """(j): the search on the cluster, ours against GridSearchCV's on joblib."""
    import dask
    import dask.array as da
    import joblib
    from sklearn.model_selection import GridSearchCV

    from sklearn_gd import GDLogisticClassifierCV

    rng = da.random.default_rng(1)
    X_dask = rng.standard_normal((m, n), chunks=(chunk_rows, n))
    y_dask = (X_dask[:, 0] + rng.standard_normal(m, chunks=chunk_rows) > 0).astype(int)
    X, y = dask.compute(X_dask, y_dask, scheduler="threads")
    alphas = np.geomspace(0.01, 3.0, n_alphas)
    params = dict(max_iter=max_iter, tol=0)
    with dask.config.set(scheduler=client):
        X_dask, y_dask = dask.persist(X_dask, y_dask)

    def ours():
        with dask.config.set(scheduler=client):
            search = GDLogisticClassifierCV(alphas=alphas, cv=5, **params)
            return search.fit(X_dask, y_dask).alpha_

    def theirs():
        search = GridSearchCV(
            GDLogisticClassifier(**params), {"alpha": alphas}, cv=5, n_jobs=-1
        )
        with joblib.parallel_backend("dask", client=client):
            return search.fit(X, y).best_params_["alpha"]

    times = {ours: [], theirs: []}
    choices = {}
    for _ in range(repeat):  # alternating: both see the same machine
        for search in (ours, theirs):
            start = time.perf_counter()
            choices[search] = search()
            times[search].append(time.perf_counter() - start)
    t_ours, t_theirs = (float(np.median(times[s])) for s in (ours, theirs))
    return [
        {
            "m": m,
            "n": n,
            "alphas x folds": f"{n_alphas} x 5",
            "engine": name,
            "search_s": seconds,
            "speedup": t_theirs / seconds,
            "alpha chosen": float(choices[search]),
        }
        for name, search, seconds in [
            ("GridSearchCV, joblib's Dask backend", theirs, t_theirs),
            ("GDLogisticClassifierCV on the Dask array", ours, t_ours),
        ]
    ]


def _row(m, n, engine, seconds, numpy_seconds):
    return {
        "m": m,
        "n": n,
        "engine": engine,
        "iteration_ms": 1e3 * seconds,
        "ratio_to_numpy": seconds / numpy_seconds,
    }


def main(argv=None):
    """Run the three sections, print and save the tables."""
    from distributed import Client, LocalCluster

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="tiny smoke run")
    parser.add_argument("--out", type=Path, default=RESULTS, help="output folder")
    args = parser.parse_args(argv)
    repeat = 1 if args.quick else 3
    global FEW, MANY
    FEW, MANY = (1, 3) if args.quick else (5, 25)
    large = (20_000, 10, 5_000) if args.quick else (2_000_000, 50, 250_000)
    search = (2_000, 5, 500, 3, 10) if args.quick else (1_000_000, 20, 125_000, 8, 30)
    torch_size = (5_000, 10) if args.quick else (1_000_000, 50)

    started = time.perf_counter()
    cluster = LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        host="127.0.0.1",
        scheduler_port=0,
        # No dashboard; the scheduler's HTTP server (health, metrics) on a
        # free port: the default 8787 collides between parallel runs.
        dashboard_address=None,
        scheduler_kwargs={"dashboard_address": "127.0.0.1:0"},
    )
    with cluster, Client(cluster, set_as_default=False) as client:
        results = {
            "large": bench_dask(*large, repeat, client),
            "tiny": bench_dask(1000, 10, 250, repeat, client),
            "search": bench_search(*search, repeat, client),
        }
    results["torch"] = bench_torch(*torch_size, repeat)
    results["seconds"] = time.perf_counter() - started
    columns = ["m", "n", "engine", "iteration_ms", "ratio_to_numpy"]
    text = "\n\n".join(
        [
            "### (g) One iteration on a large X, by engine\n\n"
            + markdown_table(results["large"], columns),
            "### (h) Overhead per iteration on tiny data (1,000 x 10, 4 chunks)\n\n"
            + markdown_table(results["tiny"], columns),
            "### (i) PyTorch against NumPy, same data (array_api_dispatch)\n\n"
            + markdown_table(results["torch"], columns),
            "### (j) The search over alpha on the 2-process cluster\n\n"
            + markdown_table(results["search"], list(results["search"][0])),
        ]
    )
    print(text)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "scale_out.md").write_text(text + "\n")
    (args.out / "scale_out.json").write_text(json.dumps(results, indent=2) + "\n")
    print(f"\nwrote {args.out / 'scale_out.md'} in {results['seconds']:.0f} s")
    return results


if __name__ == "__main__":
    main()
