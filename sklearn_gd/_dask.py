"""Steps 1-3 of the algorithm on a Dask array: one accumulator per chunk of rows.

X is split by rows into chunks that live on the workers of a Dask cluster (or
in the threads of this process). Every evaluation computes, on each chunk,
the algorithm's accumulators (the weighted sums of the costs and of the
gradients, :meth:`sklearn_gd._loss.CompiledLogisticLoss.sums`), adds them up, and
divides by the sum of the weights: the same J and gradient as for a NumPy X.
The driver, the stopping rule, the warnings and the fitted attributes are
those of a NumPy fit; only the callable that computes J and its gradient
changes.

Dask is an optional dependency (``pip install "dask[array]" distributed``):
this module imports it only when it is handed a Dask array, which means it is
installed. :class:`DaskData` is the kind of data (the contract is
:class:`sklearn_gd._data.DataKind`; :func:`sklearn_gd._kinds.data_kind`
picks it); :class:`DaskLogisticLoss` the evaluator of Steps 1-3, which also
evaluates every fold of a search at once, weighing the rows a fold leaves
out by zero.
"""

import sys

import numpy as np
from sklearn.utils.validation import validate_data

from sklearn_gd import _loss
from sklearn_gd._data import DataKind, encode_labels, evaluator_target, is_dask_array


class DaskData(DataKind):
    """Dask arrays, fitted chunk by chunk where the chunks live.

    X, y and the weights are checked, aligned by rows and persisted once per
    fit; every evaluation then sends only the parameters to the chunks. The
    fitted arrays are NumPy arrays; predictions on a Dask array are lazy.
    """

    def validate(self, estimator, X, y, sample_weight):
        """Check a Dask X, y and sample_weight, align their chunks and persist them.

        Parameters
        ----------
        estimator : estimator with a ``solver`` parameter
            The estimator being fitted: scikit-learn's ``validate_data``
            records ``n_features_in_`` on it (and forgets feature names).
        X : dask.array.Array of shape (n_samples, n_features)
            Training data, chunked by rows.
        y : array-like of shape (n_samples,)
            Class labels, a Dask array or anything NumPy takes.
        sample_weight : array-like of shape (n_samples,) or None
            Weights of the examples.

        Returns
        -------
        X : dask.array.Array of shape (n_samples, n_features)
            float64 (or float32 kept), one chunk across the columns, persisted:
            computed once and kept in memory (on the workers of a cluster).
        y : dask.array.Array of shape (n_samples,)
            The labels, chunked as X's rows, persisted.
        sample_weight : dask.array.Array of shape (n_samples,)
            The weights (ones when None), of X's dtype, chunked and persisted.

        Raises
        ------
        ValueError
            For X that is not 2-D numeric, for lengths that differ, for NaN
            or infinite values, and for negative weights.
        """
        import dask

        X, y, sample_weight = _aligned(X, y, sample_weight)
        # The kernels read rows: make each chunk C-contiguous (and aligned,
        # for the Gram matrices' BLAS products), once.
        X = X.map_blocks(np.require, requirements="CA", dtype=X.dtype)
        X, y, sample_weight = dask.persist(X, y, sample_weight)
        _check_finite(X, sample_weight)
        validate_data(estimator, X, skip_check_array=True)
        return X, y, sample_weight

    def encode_labels(self, y):
        """Return the sorted classes and each label's index, a Dask array."""
        import dask.array as da

        # The distinct labels are checked and sorted as a NumPy y's are.
        classes, _ = encode_labels(np.asarray(_compute(da.unique(y))))
        return classes, y.map_blocks(_index_in, classes, dtype=np.intp).persist()

    def class_counts(self, y_index, sample_weight, n_classes):
        """Return the sum of the weights of each class, a NumPy array."""
        import dask.array as da

        counts = da.bincount(y_index, weights=sample_weight, minlength=n_classes)
        return np.asarray(_compute(counts))

    def per_example(self, values, y_index):
        """Look up ``values[y_index]`` chunk by chunk."""
        return y_index.map_blocks(_take_from, values, dtype=values.dtype)

    def finish(self, sample_weight):
        """Compute the final weights once, not at each of their uses."""
        return sample_weight.persist()

    def evaluator(self, X, y_index, sample_weight, n_classes, fit_intercept, solver):
        """Build the evaluator that sums over the chunks.

        Parameters are those of
        :meth:`sklearn_gd._data.InMemoryData.evaluator`.
        """
        y = evaluator_target(y_index, n_classes, X.dtype)
        return DaskLogisticLoss(X, y, sample_weight, fit_intercept, n_classes)

    # A search stacks every fold's candidates: one graph per iteration.
    lazy = True
    stacks_folds = True

    def folds_evaluator(
        self, X, y_index, sample_weight, trains, factors, n_classes, fit_intercept
    ):
        """Build the evaluator of every training fold: rows left out weigh zero.

        Parameters
        ----------
        X : dask.array.Array of shape (n_samples, n_features)
            All the training data, validated and persisted.
        y_index : dask.array.Array of shape (n_samples,)
            Class indices.
        sample_weight : dask.array.Array of shape (n_samples,)
            Weights of the examples.
        trains : list of ndarray of int
            The training rows of each fold.
        factors : ndarray of shape (n_folds, n_classes)
            Each fold's class weights.
        n_classes : int
            Number of classes.
        fit_intercept : bool
            Whether an intercept is fitted.

        Returns
        -------
        evaluator : DaskLogisticLoss
            Its ``weight_sums`` has one entry per fold; a call takes the fold
            of each candidate.
        """
        import dask.array as da

        # One byte per example and fold goes to the workers, once.
        in_train = da.from_array(
            _row_counts(X.shape[0], trains), chunks=(X.chunks[0], len(trains))
        )
        weights = da.map_blocks(
            _fold_weights,
            in_train,
            sample_weight[:, None],
            y_index[:, None],
            factors,
            dtype=X.dtype,
        )
        y = evaluator_target(y_index, n_classes, X.dtype)
        return DaskLogisticLoss(X, y, weights, fit_intercept, n_classes)

    def sum_rows(self, function, *arrays):
        """Add up a function of rows over the chunks, where the chunks live.

        Parameters
        ----------
        function : callable
            ``function(*row_chunks) -> tuple of ndarray``: sums over the
            rows it is given, which add up over chunks.
        *arrays : dask.array.Array or ndarray
            Arrays of one row per example: Dask arrays chunked as the first
            one's rows, each with one chunk across its other dimension, or
            NumPy arrays (of few values per row), which are split as them.

        Returns
        -------
        sums : tuple of ndarray
            The sums over all the rows; only they travel.
        """
        import dask
        import dask.array as da

        rows = arrays[0].chunks[0]
        arrays = [
            a if is_dask_array(a) else da.from_array(a, chunks=(rows, *a.shape[1:]))
            for a in arrays
        ]
        delayed = dask.delayed
        apply = delayed(function)
        parts = [
            apply(*chunks)
            for chunks in zip(*(a.to_delayed().ravel() for a in arrays), strict=True)
        ]
        return _compute(delayed(_add_parts)(parts))

    def splittable(self, X, y):
        """Return a stand-in for X and the labels, which a splitter reads.

        The labels (one per example) come to this process, once; X does not.
        """
        return np.zeros((X.shape[0], 1)), self.to_numpy(y)

    def feature_moments(self, X):
        """Return each column's mean and standard deviation, one pass over X."""
        mean, std = _compute(X.mean(axis=0), X.std(axis=0))
        return np.asarray(mean, dtype=float), np.asarray(std, dtype=float)

    def take(self, array, rows):
        """Return the given rows of a Dask array, lazily."""
        return array[rows]

    def to_numpy(self, array):
        """Compute a Dask array of one value per example into this process."""
        return np.asarray(_compute(array))

    def map_rows(self, predict, X, n_columns, dtype):
        """Apply a prediction to each chunk of rows of X, lazily.

        Parameters
        ----------
        predict : callable
            ``predict(X_chunk) -> ndarray``, e.g. ``estimator.predict``.
        X : dask.array.Array of shape (n_samples, n_features)
            Samples.
        n_columns : int or None
            Number of columns of the result, or None for a 1-D result.
        dtype : dtype
            The dtype of the result.

        Returns
        -------
        result : dask.array.Array of shape (n_samples,) or (n_samples, n_columns)
            A lazy array: nothing is computed until asked.
        """
        X = X.rechunk({1: -1})
        if n_columns is None:
            return X.map_blocks(predict, drop_axis=1, dtype=dtype)
        return X.map_blocks(predict, chunks=(X.chunks[0], (n_columns,)), dtype=dtype)


def _aligned(X, y, sample_weight):
    """Check X's shape and dtype; chunk y and the weights as X's rows."""
    import dask.array as da

    if X.ndim != 2:
        raise ValueError(f"Expected a 2-D Dask array X, got {X.ndim} dimensions.")
    if not (np.issubdtype(X.dtype, np.number) or X.dtype == bool):
        raise ValueError(f"X must be numeric; got a Dask array of dtype {X.dtype}.")
    dtype = X.dtype if X.dtype in (np.float32, np.float64) else np.float64
    if any(np.isnan(size) for size in X.chunks[0]):
        X = X.compute_chunk_sizes()
    # One chunk across the columns: every task sees whole rows.
    X = X.astype(dtype).rechunk({1: -1})
    row_chunks = X.chunks[0]
    y = _as_rows(y, row_chunks, "y")
    sample_weight = (
        da.ones(X.shape[0], dtype=dtype, chunks=row_chunks)
        if sample_weight is None
        else _as_rows(sample_weight, row_chunks, "sample_weight").astype(dtype)
    )
    return X, y, sample_weight


class WorkerLostError(RuntimeError):
    """A fit on Dask stopped because workers were lost.

    Raised by :func:`_compute` for distributed's ``FutureCancelledError``
    (data a lost worker held that no task can recompute, such as scattered
    data; or a closed client or cluster) and ``KilledWorker`` (a task whose
    workers died three times). The estimator keeps its previous state. A
    ``RuntimeError``, so ``except RuntimeError`` catches it.
    """


def _compute(*collections):
    """Compute Dask collections; say clearly when a lost worker stopped it.

    When a worker dies, the scheduler reruns the tasks of what it held
    (chunks loaded by tasks: ``from_array``, ``from_zarr``, ``da.random``,
    ...). Data scattered from a client have no task to rerun: Dask cancels
    the futures that need them, and this says so. Tasks whose workers died
    three times (``KilledWorker``, usually memory) get their own message.

    Parameters
    ----------
    *collections : Dask collections
        What to compute, in one graph.

    Returns
    -------
    result : object or tuple
        The one result, or a tuple of them.

    Raises
    ------
    WorkerLostError
        For distributed's ``FutureCancelledError`` and ``KilledWorker``;
        every other error propagates unchanged.
    """
    import dask

    try:
        results = dask.compute(*collections)
    except Exception as error:
        message = _worker_loss_message(error)
        if message is None:
            raise
        raise WorkerLostError(
            f"{message} ({type(error).__name__}: {error}). The estimator keeps "
            "the state it had before this fit."
        ) from error
    return results[0] if len(collections) == 1 else results


def _worker_loss_message(error):
    """Say what a lost worker did and what to do, or None for another error."""
    distributed = sys.modules.get("distributed")
    if distributed is None:
        return None
    if isinstance(error, distributed.KilledWorker):
        return (
            "Dask gave up on a task after the workers running it died three "
            "times, often for lack of memory: check the workers' logs, and try "
            "smaller chunks or workers with more memory"
        )
    cancelled = getattr(distributed.client, "FutureCancelledError", ())
    if isinstance(error, cancelled):
        return (
            "Dask cancelled the fit's computation: a worker was lost with data "
            "Dask cannot recompute (data scattered from a client have no task "
            "to rerun), or the client or cluster was closed or restarted. Build "
            "X from tasks Dask can rerun (da.from_zarr, da.from_npy_stack, "
            "dask.array.from_array, da.random) rather than from scattered data, "
            "or fit again once the cluster has its workers back"
        )
    return None


def _check_finite(X, sample_weight):
    """Refuse NaN or infinite values and negative weights, in one pass."""
    import dask.array as da

    finite, finite_weights, negative = _compute(
        da.isfinite(X).all(),
        da.isfinite(sample_weight).all(),
        (sample_weight < 0).any(),
    )
    if not finite:
        raise ValueError("Input X contains NaN or infinity.")
    if not finite_weights:
        raise ValueError("Input sample_weight contains NaN or infinity.")
    if negative:
        raise ValueError("Negative values in data passed to sample_weight.")


def _as_rows(values, row_chunks, name):
    """Make a 1-D Dask array chunked like X's rows."""
    import dask.array as da

    values = values if is_dask_array(values) else da.from_array(np.asarray(values))
    if values.ndim != 1 or values.shape[0] != sum(row_chunks):
        raise ValueError(
            f"{name} has shape {values.shape}; expected ({sum(row_chunks)},), "
            "one value per row of X."
        )
    return values.rechunk((row_chunks,))


def _row_counts(n_samples, folds):
    """How many times each fold takes each row: ``(n_samples, n_folds)``.

    Usually 0 or 1; a ``cv`` iterable may repeat a row (bootstrap folds),
    and the NumPy search's ``X[train]`` then counts it as often.
    """
    counts = np.zeros((n_samples, len(folds)), dtype=np.int64)
    for fold, rows in enumerate(folds):
        np.add.at(counts[:, fold], rows, 1)
    return counts.astype(np.min_scalar_type(counts.max(initial=0)))


def _fold_weights(in_train, sample_weight, y_index, factors):
    """Each fold's weights of a chunk's rows: zero outside its training rows.

    The product is the one :func:`sklearn_gd._problem.build_problem` forms
    on the fold's rows, so the weights are the same numbers (times the
    number of times the fold takes a row).
    """
    dtype = sample_weight.dtype
    weights = sample_weight * factors.astype(dtype).T[y_index[:, 0]]
    return weights * in_train.astype(dtype)


def _index_in(labels, classes):
    """Index of each label in the sorted ``classes``."""
    return np.searchsorted(classes, labels)


def _take_from(index, values):
    """``values[index]`` for one chunk."""
    return values[index]


class DaskLogisticLoss(_loss.Evaluator):
    """The cost J and its gradient, one accumulator per chunk of X.

    Parameters
    ----------
    X : dask.array.Array of shape (n_samples, n_features)
        Training data, persisted, one chunk across the columns.
    y : dask.array.Array of shape (n_samples,)
        Binary targets (0.0 or 1.0, of X's dtype) when ``n_classes == 2``,
        else class indices; chunked as X's rows.
    sample_weight : dask.array.Array of shape (n_samples,) or (n_samples, n_folds)
        Weights ``s_i``, chunked as X's rows; one column per training fold
        of a search, zero on the rows the fold leaves out.
    fit_intercept : bool
        Whether the last column of the parameters is an intercept.
    n_classes : int
        Number of classes: 2 uses the sigmoid, more the softmax.

    Attributes
    ----------
    weight_sums : ndarray of shape (n_folds,)
        The sum of each fold's weights.
    weight_sum : float
        The first one: for a fit, that of all the rows (the only fold); the
        curvature bound of ``alpha='auto'`` uses that column.

    Notes
    -----
    Each call sends the stack of parameters (``n_candidates x n_outputs x
    n_dof`` numbers) to the chunks and brings back one sum: X never moves
    after it was persisted. The contract is :class:`sklearn_gd._loss.Evaluator`;
    a search's folds also pass the fold of each candidate.
    """

    def __init__(self, X, y, sample_weight, fit_intercept, n_classes):
        import dask

        self.n_samples = X.shape[0]
        self.n_features = X.shape[1]
        self.fit_intercept = fit_intercept
        self.n_classes = n_classes
        self.dtype = X.dtype
        if sample_weight.ndim == 1:
            sample_weight = sample_weight[:, None]
        # The targets and the weights (class weights folded in) are lazy
        # expressions of persisted arrays: computed once here, not per call.
        X, y, sample_weight = dask.persist(X, y, sample_weight)
        # On a cluster, persisted chunks live as long as these collections do.
        self._persisted = X, y, sample_weight
        self.weight_sums = np.asarray(_compute(sample_weight.sum(axis=0)), float)
        self.weight_sum = float(self.weight_sums[0])
        self._chunks = list(
            zip(
                X.to_delayed().ravel(),
                y.to_delayed().ravel(),
                sample_weight.to_delayed().ravel(),
                strict=True,
            )
        )
        self._delayed = delayed = dask.delayed
        # Each chunk's kernel data (targets as intp, each fold's weights as
        # float64), laid out once per fit where the chunk lives: an
        # evaluation then sends the parameters alone.
        n_threads = _kernel_threads(len(self._chunks))
        self._kernels = dask.persist(
            *(
                delayed(_chunk_kernels)(
                    X_c, y_c, s_c, fit_intercept, self.n_outputs, n_threads
                )
                for X_c, y_c, s_c in self._chunks
            )
        )

    def __call__(self, stack, folds=None):
        """Add up the chunks' accumulators; see :class:`sklearn_gd._loss.Evaluator`.

        Parameters
        ----------
        stack : ndarray of shape (n_candidates, n_outputs, n_dof)
            The candidates' parameters.
        folds : ndarray of shape (n_candidates,), default=None
            The fold (a column of ``sample_weight``) whose weights each
            candidate's sums take; None is fold 0 for all, a fit.

        Returns
        -------
        costs : ndarray of shape (n_candidates,)
            J of each candidate, divided by its fold's weight sum.
        grads : ndarray shaped like ``stack``
            Their gradients.
        """
        delayed = self._delayed
        folds = np.zeros(len(stack), dtype=int) if folds is None else folds
        params = delayed(stack)
        parts = [
            delayed(_chunk_sums)(kernels, params, folds) for kernels in self._kernels
        ]
        costs, grads = _compute(delayed(_add_parts)(parts))
        weight_sums = self.weight_sums[folds]
        return costs / weight_sums, grads / weight_sums[:, None, None]

    def lipschitz_constant(self, l2_reg):
        """Bound the Lipschitz constant of the gradient, from per-chunk Gram matrices.

        Parameters
        ----------
        l2_reg : float
            Factor of the L2 term ``||W||^2 / 2``.

        Returns
        -------
        L : float
            As :func:`sklearn_gd._loss.lipschitz_constant` computes it;
            ``inf`` when the squares of X's values overflow float64.
        """
        delayed = self._delayed
        largest = _compute(
            delayed(max)(
                [delayed(_loss.largest_abs)(X_c) for X_c, _, _ in self._chunks]
            )
        )
        if _loss.gram_could_overflow(largest, self.n_features):
            return np.inf
        gram = _compute(
            delayed(sum)(
                [
                    delayed(_loss.feature_gram)(
                        X_c,
                        delayed(_loss.gram_weights)(
                            s_c[:, 0], self.weight_sum, largest, self.n_features
                        ),
                        self.fit_intercept,
                    )
                    for X_c, _, s_c in self._chunks
                ]
            )
        )
        return _loss.lipschitz_from_gram(gram, self.n_classes, l2_reg)

    def sample_rows(self, rows):
        """Bring some rows of X and their weights (fold 0's) to this process."""
        X, _, sample_weight = self._persisted
        X_rows, weights = _compute(X[rows], sample_weight[rows, 0])
        return np.asarray(X_rows, np.float64), np.asarray(weights, np.float64)


def _kernel_threads(n_tasks):
    """Return the kernel threads of each chunk task: None (numba's) or 1.

    Tasks that run at once (the threaded scheduler's, a cluster's workers)
    are the parallelism: each runs the kernel on one thread, or threads x
    tasks would oversubscribe the cores. The synchronous scheduler runs one
    task after the other, and a single chunk is one task: they use numba's
    threads, as a NumPy X does (with one thread each, the synchronous
    scheduler took 1.9x NumPy's time on 2 cores).
    """
    import dask.local
    from dask.base import get_scheduler

    if n_tasks == 1 or get_scheduler() is dask.local.get_sync:
        return None
    return 1


def _chunk_kernels(X, y, sample_weight, fit_intercept, n_outputs, n_threads):
    """Lay out one chunk's data for the compiled kernels, once per fit.

    Returns one :func:`sklearn_gd._compiled.prepare` per fold (column of
    ``sample_weight``), each with a weight sum of 1, so that the kernels
    return the algorithm's accumulators: the sums before averaging.
    """
    from sklearn_gd import _compiled

    X = np.ascontiguousarray(X)
    y = np.asarray(y).astype(np.intp)
    return [
        _compiled.prepare(
            X,
            y,
            np.ascontiguousarray(weights, dtype=np.float64),
            1.0,
            n_outputs,
            fit_intercept,
            n_threads=n_threads,
        )
        for weights in sample_weight.T
    ]


def _chunk_sums(kernels, params, folds):
    """Compute the algorithm's accumulators over one chunk of rows.

    Each candidate's sums take the weights of its fold (``kernels[folds[c]]``).
    """
    from sklearn_gd import _compiled

    costs = np.empty(len(params))
    grads = np.empty_like(params)
    for fold in np.unique(folds):
        running = folds == fold
        costs[running], grads[running] = _compiled.evaluate_stack(
            kernels[fold], params[running]
        )
    return costs, grads


def _add_parts(parts):
    """Add up the chunks' tuples of sums, entry by entry."""
    return tuple(sum(entries) for entries in zip(*parts, strict=True))
