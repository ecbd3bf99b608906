"""How the kernels' threads and joblib's processes share the cores.

Run from the repository root::

    python benchmarks/threads_and_jobs.py

It times one ``GridSearchCV`` over fixed learning rates (3 folds, 4 alphas,
30 iterations per fit, ``--n-samples`` x 50 float64, 100,000 by default)
with ``n_jobs=1`` and ``n_jobs=2``, each in a fresh process with
``NUMBA_NUM_THREADS`` unset (numba takes every core) and set to 1, and
prints one table of seconds (median of ``--repeat`` runs).
``NUMBA_NUM_THREADS`` must be set before numba is imported: a joblib worker
inherits it from the environment. ``--quick`` runs on tiny data (a smoke
run, not a measurement).
"""

import argparse
import json
import os
import subprocess
import sys

CHILD = r"""
import json, sys, time, warnings
import numpy as np
from sklearn.model_selection import GridSearchCV
from sklearn_gd import GDLogisticClassifier

n_samples, n_jobs, repeat = (int(a) for a in sys.argv[1:4])
rng = np.random.default_rng(0)
X = rng.normal(size=(n_samples, 50))
y = (X[:, :5].sum(axis=1) + rng.normal(size=n_samples) > 0).astype(int)
GDLogisticClassifier(max_iter=2, tol=0).fit(X[:1000], y[:1000])  # load kernels
search = GridSearchCV(
    GDLogisticClassifier(max_iter=30, tol=0),
    {"alpha": [0.03, 0.1, 0.3, 1.0]},
    cv=3,
    n_jobs=n_jobs,
)
seconds = []
for _ in range(repeat):
    start = time.perf_counter()
    search.fit(X, y)
    seconds.append(time.perf_counter() - start)
print(json.dumps(float(np.median(seconds))))
"""


def run(n_samples, n_jobs, numba_threads, repeat):
    """Time the search in a fresh process; return its median seconds."""
    env = dict(os.environ)
    env.pop("NUMBA_NUM_THREADS", None)
    if numba_threads is not None:
        env["NUMBA_NUM_THREADS"] = str(numba_threads)
    out = subprocess.run(
        [sys.executable, "-c", CHILD, str(n_samples), str(n_jobs), str(repeat)],
        capture_output=True,
        text=True,
        check=True,
        env=env,
    )
    return json.loads(out.stdout.splitlines()[-1])


def main(argv=None):
    """Print the table: seconds per search, and the speed-up of each setting."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--n-samples", type=int, default=100_000)
    args = parser.parse_args(argv)
    n_samples, repeat = (2_000, 1) if args.quick else (args.n_samples, args.repeat)
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(
        f"cores: {os.cpu_count()}, load average {load}; GridSearchCV, 12 fits "
        f"+ refit, {n_samples} x 50"
    )
    rows = []
    base = None
    for numba_threads in (None, 1):
        for n_jobs in (1, 2):
            seconds = run(n_samples, n_jobs, numba_threads, repeat)
            base = seconds if base is None else base
            threads = "unset (all cores)" if numba_threads is None else "1"
            rows.append((threads, n_jobs, seconds, base / seconds))
    print("| NUMBA_NUM_THREADS | n_jobs | seconds | speed-up |")
    print("|---|---:|---:|---:|")
    for threads, n_jobs, seconds, speedup in rows:
        print(f"| {threads} | {n_jobs} | {seconds:.2f} | {speedup:.2f}x |")
    return rows


if __name__ == "__main__":
    main()
