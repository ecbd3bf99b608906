"""One pass of the kernels on numba's threads against one thread, idle and busy.

Run from the repository root::

    python benchmarks/busy_machine.py

A parallel pass waits for its slowest thread: where another process holds a
core, the thread that shares it runs in the scheduler's time slices, and a
short pass waits for a slice. For each size (binary and 10 classes,
float64), this times one pass over X with the threads the package chooses
(:data:`sklearn_gd._kernels.THREADED_FROM_WORK`) and with one thread, in
alternating rounds, first on an idle machine, then with one core held by a
spinning process, and prints both tables with the ratio ``chosen / one
thread`` (at most 1.5 is the target, busy or idle) and, for the sizes that
use threads, the ratio ``all threads / one thread``. ``--quick`` runs on
tiny data (a smoke run, not a measurement).
"""

import argparse
import subprocess
import sys
import time

import numpy as np

from sklearn_gd import _loss

SIZES = [(2_000, 32), (10_000, 32), (30_000, 32), (100_000, 32), (150_000, 32)]
SIZES += [(300_000, 32)]
SIZES += [(1_797, 64), (20_000, 64), (100_000, 64)]


def pass_time(loss, stack, repeat):
    """Median seconds of one call of ``loss`` (one pass over X)."""
    loss(stack)
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        loss(stack)
        times.append(time.perf_counter() - start)
    return float(np.median(times))


def measure(sizes, rounds, repeat):
    """Rows of per-pass times: the package's choice, one thread, all threads."""
    import numba

    rng = np.random.default_rng(0)
    rows = []
    for m, n in sizes:
        for n_classes in (2, 10):
            X = rng.standard_normal((m, n))
            y = rng.integers(n_classes, size=m)
            target = y.astype(float) if n_classes == 2 else y
            s = np.ones(m)
            n_outputs = 1 if n_classes == 2 else n_classes
            stack = 0.1 * rng.standard_normal((1, n_outputs, n + 1))
            losses = {
                threads: _loss.CompiledLogisticLoss(
                    X, target, s, True, n_classes, n_threads=threads
                )
                for threads in (None, 1, numba.get_num_threads())
            }
            data = losses[None].kernel_data()
            chosen = data.n_parts if n_outputs >= data.threads_from else 1
            times = {threads: [] for threads in losses}
            r = max(3, repeat * 10**6 // max(X.size, 1))
            for _ in range(rounds):
                for threads, loss in losses.items():
                    times[threads].append(pass_time(loss, stack, r))
            med = {k: float(np.median(v)) for k, v in times.items()}
            rows.append(
                {
                    "m x n": f"{m} x {n}",
                    "classes": n_classes,
                    "threads chosen": chosen,
                    "chosen_us": 1e6 * med[None],
                    "one_thread_us": 1e6 * med[1],
                    "chosen / one": med[None] / med[1],
                    "all threads / one": med[numba.get_num_threads()] / med[1],
                }
            )
    return rows


def table(rows):
    """Markdown table of ``rows``."""
    columns = list(rows[0])
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    for row in rows:
        cells = [f"{v:.3g}" if isinstance(v, float) else str(v) for v in row.values()]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(argv=None):
    """Measure idle, then with one core held by a spinning process."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="tiny smoke run")
    args = parser.parse_args(argv)
    sizes = [(500, 8), (3_000, 32)] if args.quick else SIZES
    rounds, repeat = (1, 1) if args.quick else (5, 20)
    idle = measure(sizes, rounds, repeat)
    print("### Idle\n\n" + table(idle))
    spinner = subprocess.Popen([sys.executable, "-c", "while True: pass"])
    try:
        time.sleep(0.5)
        busy = measure(sizes, rounds, repeat)
    finally:
        spinner.kill()
        spinner.wait()
    print("\n### One core held by a spinning process\n\n" + table(busy))
    worst = max(row["chosen / one"] for row in idle + busy)
    print(f"\nworst chosen / one thread: {worst:.2f} (target: at most 1.5)")
    return idle, busy


if __name__ == "__main__":
    main()
