"""Fit a Dask array on a local cluster, and search alpha there.

A Dask array is split by rows into chunks that live on the workers. Every
iteration of gradient descent sends the parameters to the chunks, each chunk
computes the algorithm's accumulators (the sums of the costs and gradients of its
examples) and only those sums come back: X never moves after it was
persisted. The result is the NumPy fit, to round-off. The search over
alpha (``GDLogisticClassifierCV``) runs there too: every candidate of every
fold shares each pass over the chunks, and X never comes to this process.

The cluster here is two worker processes on this machine, bound to
127.0.0.1 on free ports, without a dashboard; on a real cluster, pass the
scheduler's address to ``Client`` instead.

Run it with ``python -m pip install ".[dask]" && python
examples/scale_out_with_dask.py``.
"""

import dask
import dask.array as da
import joblib
import numpy as np
from distributed import Client, LocalCluster
from sklearn.datasets import make_classification
from sklearn.model_selection import GridSearchCV

from sklearn_gd import GDLogisticClassifier, GDLogisticClassifierCV


def main():
    """Start a local cluster, fit on it, and search alpha through joblib."""
    X, y = make_classification(
        n_samples=20_000, n_features=20, n_classes=3, n_informative=6, random_state=0
    )
    # 4 chunks of 5,000 rows (0.8 MB each); real chunks are 64-256 MB.
    X_dask = da.from_array(X, chunks=(5_000, 20))
    y_dask = da.from_array(y, chunks=5_000)

    cluster = LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        host="127.0.0.1",
        scheduler_port=0,
        # No dashboard; the scheduler's HTTP server (health, metrics) on a
        # free port: the default 8787 collides between parallel runs.
        dashboard_address=None,
        scheduler_kwargs={"dashboard_address": "127.0.0.1:0"},
    )
    with cluster, Client(cluster) as client:
        print(f"cluster: {len(client.scheduler_info()['workers'])} workers")

        # 1. Fit the Dask array: per-chunk sums on the workers, every iteration.
        clf = GDLogisticClassifier(C=1.0, max_iter=300, tol=1e-3)
        clf.fit(X_dask, y_dask)
        reference = GDLogisticClassifier(C=1.0, max_iter=300, tol=1e-3).fit(X, y)
        gap = np.abs(clf.coef_ - reference.coef_).max()
        print(f"Dask fit: {clf.n_iter_} iterations, cost {clf.cost_history_[-1]:.6f}")
        print(f"largest gap to the NumPy fit's coef_: {gap:.1e}")

        # 2. Predictions on a Dask array are lazy, computed chunk by chunk.
        labels = clf.predict(X_dask)
        print(f"predict returns {type(labels).__name__}; accuracy", end=" ")
        print(f"{float((labels == y_dask).mean().compute()):.3f}")

        # 3. The search over alpha on the Dask array: 3 alphas x 3 folds
        #    stacked, one graph per iteration; X stays on the workers.
        alphas = [0.003, 0.03, 0.3]
        cv_search = GDLogisticClassifierCV(alphas=alphas, cv=3, max_iter=30, tol=0)
        cv_search.fit(X_dask, y_dask)
        print(f"GDLogisticClassifierCV on the cluster: best alpha {cv_search.alpha_}")

        # 4. The same search as GridSearchCV: joblib sends each fit (with X,
        #    in memory here) to a worker. Same folds, same choice.
        search = GridSearchCV(
            GDLogisticClassifier(max_iter=30, tol=0),
            {"alpha": alphas},
            cv=3,
            n_jobs=-1,
        )
        with joblib.parallel_backend("dask"):
            search.fit(X, y)
        best = search.best_params_["alpha"]
        print(f"GridSearchCV on joblib's Dask backend: best alpha {best}")

    # Without a cluster, the threads of this process do the same.
    with dask.config.set(scheduler="threads"):
        threaded = GDLogisticClassifier(C=1.0, max_iter=300, tol=1e-3)
        threaded.fit(X_dask, y_dask)
    print(f"threaded scheduler: same coef_: {np.allclose(threaded.coef_, clf.coef_)}")


if __name__ == "__main__":
    main()
