"""The kind of data, decided once per fit and once per predict.

One object per kind knows everything that depends on where the data live:
NumPy arrays and SciPy CSR matrices (:class:`InMemoryData`), arrays of another
Array API namespace such as PyTorch (:class:`NamespaceData`), and Dask arrays
(:class:`sklearn_gd._dask.DaskData`). Each validates the data, encodes the
labels, counts the classes, builds the evaluator of Steps 1-3, takes rows
(the folds of a cross-validation), puts fitted arrays where the data live,
and maps a prediction, or sums a function, over the rows.
:func:`sklearn_gd._kinds.data_kind` picks the object; nothing else in the
package asks what kind of array it holds.
"""

import sys
from abc import ABC, abstractmethod

import numpy as np
from scipy.sparse import issparse
from sklearn import get_config
from sklearn.utils._array_api import (
    _convert_to_numpy,
    _is_numpy_namespace,
    get_namespace,
    get_namespace_and_device,
)
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import _check_sample_weight, validate_data

from sklearn_gd import _loss


def is_dask_array(X):
    """Tell whether ``X`` is a Dask array, without importing Dask.

    Parameters
    ----------
    X : object
        Anything passed as data.

    Returns
    -------
    is_dask : bool
        True for a ``dask.array.Array``.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_gd._data import is_dask_array
    >>> is_dask_array(np.ones(3))
    False
    """
    dask_array = sys.modules.get("dask.array")
    return dask_array is not None and isinstance(X, dask_array.Array)


def encode_labels(y):
    """Check the targets and encode them as indices into the sorted classes.

    Parameters
    ----------
    y : ndarray of shape (n_samples,)
        Class labels.

    Returns
    -------
    classes : ndarray of shape (n_classes,)
        The sorted unique labels.
    y_index : ndarray of shape (n_samples,)
        Index of each label in ``classes``.

    Raises
    ------
    ValueError
        If the labels are not class labels, mix types, or hold one class.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_gd._data import encode_labels
    >>> encode_labels(np.array(["b", "a", "b"]))
    (array(['a', 'b'], dtype='<U1'), array([1, 0, 1]))
    """
    _check_label_types(y)
    classes, y_index = _unique_integers(y) or np.unique(y, return_inverse=True)
    if not _surely_class_labels(y, classes):
        check_classification_targets(y)  # says what y is instead
    if len(classes) < 2:
        raise ValueError(
            "This solver needs samples of at least 2 classes in the data, "
            f"but the data contains only one class: {classes[0]!r}."
        )
    return classes, y_index.ravel()


def _unique_integers(y):
    """``np.unique(y, return_inverse=True)`` for integer labels of a small range.

    By counting instead of sorting: 0.4 ms against 3.0 ms on 200,000 labels,
    most of a large fit's set-up besides the pass that checks X. None for
    labels of another kind, integers that do not fit an ``np.intp``, or
    integers spread wider than ``max(len(y), 1024)``.
    """
    if not (y.ndim == 1 and len(y) and y.dtype.kind in "biu"):
        return None
    if not np.can_cast(y.dtype, np.intp):  # uint64: np.unique sorts them
        return None
    low, high = int(y.min()), int(y.max())
    if high - low > max(len(y), 1024):
        return None
    offsets = y.astype(np.intp) - low
    present = np.bincount(offsets, minlength=high - low + 1) > 0
    classes = (np.flatnonzero(present) + low).astype(y.dtype)
    return classes, (np.cumsum(present, dtype=np.intp) - 1)[offsets]


def _surely_class_labels(y, classes):
    """Whether scikit-learn's ``type_of_target`` would find y binary or multiclass.

    It takes 120 us on any y (a tenth of a small fit): this answers yes, from
    the sorted classes, for what it surely accepts, a vector of integers or
    of floats with integral values (its own test); anything else goes to it.
    """
    if y.ndim != 1:
        return False
    if y.dtype.kind in "biu":
        return True
    if y.dtype.kind != "f":
        return False
    with np.errstate(invalid="ignore"):  # NaN and beyond int64: not integral
        return bool(np.array_equal(classes, classes.astype(np.int64)))


def _surely_valid(X, y, dtype):
    """Whether scikit-learn's ``check_X_y`` would return X and y unchanged.

    True for what it surely passes as it is: a 2-D NumPy array of a dtype it
    keeps, with rows and columns, and finite; a 1-D C-contiguous NumPy vector
    of numbers as long, finite (a strided y is copied by the check). Anything
    else goes to the check, which converts it or says what is wrong.
    """
    dtypes = dtype if isinstance(dtype, list) else [dtype]
    if not (
        type(X) is np.ndarray
        and X.ndim == 2
        and X.size > 0
        and X.dtype in dtypes
        and type(y) is np.ndarray
        and y.ndim == 1
        and y.flags.c_contiguous
        and len(y) == len(X)
        and y.dtype.kind in "biuf"
    ):
        return False
    # A sum is finite only when every value is (or overflows: then the check).
    with np.errstate(over="ignore", invalid="ignore"):
        finite_y = y.dtype.kind != "f" or np.isfinite(y.sum())
        return bool(finite_y and np.isfinite(X.sum()))


def _check_label_types(y):
    """Reject labels that mix strings with other types.

    scikit-learn's own check calls such a target "unknown" and suggests it may
    be a regression target, which misleads; this says what is wrong.
    """
    if y.dtype != object:
        return
    is_str = np.array([isinstance(label, str) for label in y])
    if is_str.any() and not is_str.all():
        kinds = sorted({type(label).__name__ for label in y})
        raise ValueError(
            f"y mixes labels of different types ({', '.join(kinds)}): use "
            "labels of one type, e.g. convert them all with y.astype(str)."
        )


def to_numpy(array):
    """Copy an array of any namespace and device to a NumPy array on the CPU.

    Parameters
    ----------
    array : array or None
        An array; None and NumPy arrays are returned as they are.

    Returns
    -------
    array : ndarray or None
        The array in NumPy.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_gd._data import to_numpy
    >>> to_numpy(np.ones(2))
    array([1., 1.])
    """
    if array is None or isinstance(array, np.ndarray):
        return array
    return _convert_to_numpy(array, get_namespace(array)[0])


def evaluator_target(y_index, n_classes, dtype):
    """Return what the evaluators take as y: 0.0/1.0 of X's dtype, or indices.

    Parameters
    ----------
    y_index : array of shape (n_samples,)
        Class indices (NumPy or Dask).
    n_classes : int
        Number of classes.
    dtype : dtype
        X's dtype.

    Returns
    -------
    y : array of shape (n_samples,)
        For two classes the indices as 0.0 and 1.0 of X's dtype (the sigmoid's
        targets), otherwise the indices themselves.
    """
    return y_index.astype(dtype) if n_classes == 2 else y_index


class DataKind(ABC):
    """The interface of a kind of data: what a fit and a predict ask of it.

    One object per kind (:class:`InMemoryData`, :class:`NamespaceData`,
    :class:`sklearn_gd._dask.DaskData`) answers every question that depends on
    where the data live, so that the estimators and the problem builder
    never ask what kind of array they hold.

    See Also
    --------
    sklearn_gd._kinds.data_kind : Picks the kind of an array.
    sklearn_gd._loss.Evaluator : What :meth:`evaluator` builds.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_gd._kinds import data_kind
    >>> kind = data_kind(np.ones((2, 2)))
    >>> classes, y_index = kind.encode_labels(np.array(["b", "a", "b"]))
    >>> classes.tolist(), y_index.tolist()
    (['a', 'b'], [1, 0, 1])
    """

    @abstractmethod
    def validate(self, estimator, X, y, sample_weight):
        """Validate X, y and the sample weights for ``fit``.

        scikit-learn's ``validate_data`` records ``n_features_in_`` (and
        ``feature_names_in_``) on ``estimator``, as for any scikit-learn
        estimator.

        Parameters
        ----------
        estimator : BaseEstimator
            The estimator being fitted.
        X : array-like of shape (n_samples, n_features)
            Training data, as passed to ``fit``.
        y : array-like of shape (n_samples,)
            Class labels.
        sample_weight : array-like of shape (n_samples,) or None
            Weights of the examples.

        Returns
        -------
        X, y, sample_weight : arrays
            The validated data; weights are ones when None was given.
        """

    @abstractmethod
    def encode_labels(self, y):
        """Return the sorted classes (NumPy) and each label's index.

        Parameters
        ----------
        y : array of shape (n_samples,)
            Validated class labels.

        Returns
        -------
        classes : ndarray of shape (n_classes,)
            The sorted unique labels, NumPy.
        y_index : array of shape (n_samples,)
            Each label's index into ``classes``, where the data live.
        """

    @abstractmethod
    def class_counts(self, y_index, sample_weight, n_classes):
        """Return the sum of the weights of each class, a NumPy array.

        Parameters
        ----------
        y_index : array of shape (n_samples,)
            Class indices (:meth:`encode_labels`).
        sample_weight : array of shape (n_samples,)
            Weights of the examples.
        n_classes : int
            Number of classes.

        Returns
        -------
        counts : ndarray of shape (n_classes,)
            Weighted count of each class, float64.
        """

    @abstractmethod
    def per_example(self, values, y_index):
        """Return ``values[y_index]``: a per-class value for every example.

        Parameters
        ----------
        values : ndarray of shape (n_classes,)
            One value per class, NumPy.
        y_index : array of shape (n_samples,)
            Class indices.

        Returns
        -------
        per_example : array of shape (n_samples,)
            Where the data live.
        """

    def finish(self, sample_weight):
        """Return the final sample weights, computed once.

        Parameters
        ----------
        sample_weight : array of shape (n_samples,)
            Weights, possibly a lazy expression (Dask).

        Returns
        -------
        sample_weight : array of shape (n_samples,)
            The same weights, computed (in memory: as they are).
        """
        return sample_weight

    @abstractmethod
    def evaluator(self, X, y_index, sample_weight, n_classes, fit_intercept, solver):
        """Build the :class:`~sklearn_gd._loss.Evaluator` of Steps 1-3.

        Parameters
        ----------
        X : array of shape (n_samples, n_features)
            Validated training data.
        y_index : array of shape (n_samples,)
            Class indices.
        sample_weight : array of shape (n_samples,)
            Weights of the examples, class weights included.
        n_classes : int
            Number of classes.
        fit_intercept : bool
            Whether the parameters end with an intercept.
        solver : {'vectorized', 'loop'}
            Which evaluator, for data in memory.

        Returns
        -------
        evaluator : Evaluator
            Costs and gradients of a stack of candidates on these data.
        """

    # Whether the data are computed only when asked (Dask): a predict method
    # then leaves their validation to map_rows, chunk by chunk.
    lazy = False

    # Whether a search fits every fold's candidates in one stacked problem
    # (:func:`sklearn_gd._problem.build_folds_problem`) rather than fold by
    # fold on the rows taken out of X.
    stacks_folds = False

    @abstractmethod
    def splittable(self, X, y):
        """Return X and y as a scikit-learn splitter reads them.

        Parameters
        ----------
        X : array of shape (n_samples, n_features)
            Validated data.
        y : array of shape (n_samples,)
            Class labels.

        Returns
        -------
        X, y : array-like
            What ``cv.split(X, y)`` can read (NumPy, or the arrays as they
            are where the splitter reads them).
        """

    @abstractmethod
    def feature_moments(self, X):
        """Return the mean and the standard deviation of each column of X.

        One pass over X, asked for only by advice that depends on whether X
        is standardised (:func:`sklearn_gd._gradient_descent.report`).

        Parameters
        ----------
        X : array of shape (n_samples, n_features)
            Validated training data.

        Returns
        -------
        mean, std : ndarray of shape (n_features,)
            NumPy float64 arrays.
        """

    @abstractmethod
    def take(self, array, rows):
        """Return the given rows of an array (a fold).

        Parameters
        ----------
        array : array of shape (n_samples, ...)
            Data, labels or weights.
        rows : ndarray of int
            The rows to take.

        Returns
        -------
        taken : array of shape (len(rows), ...)
            Where the data live.
        """

    @abstractmethod
    def to_numpy(self, array):
        """Return the array as a NumPy array.

        Parameters
        ----------
        array : array
            An array of this kind.

        Returns
        -------
        array : ndarray
            Its values, in this process.
        """

    def place(self, array):
        """Put a fitted NumPy array where the data live (NumPy: it is there).

        Parameters
        ----------
        array : ndarray
            A fitted attribute (``coef_``, ``intercept_``).

        Returns
        -------
        array : array
            The same values, in the data's namespace and on their device.
        """
        return array

    def sum_rows(self, function, *arrays):
        """Add up a function of rows over all the rows (in memory: one call).

        Parameters
        ----------
        function : callable
            ``function(*rows) -> tuple of ndarray``: sums over the rows it is
            given, which add up over parts of the rows.
        *arrays : array of shape (n_samples, ...)
            Arrays of one row per example.

        Returns
        -------
        sums : tuple of ndarray
            ``function(*arrays)``.
        """
        return function(*arrays)

    def map_rows(self, predict, X, n_columns, dtype):
        """Apply a prediction to X (in memory: to all its rows at once).

        Parameters
        ----------
        predict : callable
            ``predict(X) -> array``.
        X : array of shape (n_samples, n_features)
            Samples.
        n_columns : int or None
            Number of columns of the result, or None for a 1-D result.
        dtype : dtype
            The dtype of the result.

        Returns
        -------
        result : array
            ``predict(X)``.
        """
        return predict(X)


class InMemoryData(DataKind):
    """NumPy arrays and SciPy CSR matrices, fitted where they are.

    The vectorized solver keeps float32 data in float32; the loop solver
    computes in Python floats, which are float64.
    """

    def validate(self, estimator, X, y, sample_weight):
        """Validate X, y and the sample weights, as scikit-learn does.

        Parameters
        ----------
        estimator : estimator with a ``solver`` parameter
            The estimator being fitted: ``n_features_in_`` (and
            ``feature_names_in_``) are recorded on it by ``validate_data``.
        X : array-like or sparse matrix of shape (n_samples, n_features)
            Training data.
        y : array-like of shape (n_samples,)
            Class labels.
        sample_weight : array-like of shape (n_samples,) or None
            Weights of the examples.

        Returns
        -------
        X : ndarray or CSR matrix of shape (n_samples, n_features)
            The data, float64 or float32.
        y : ndarray of shape (n_samples,)
            The labels.
        sample_weight : ndarray of shape (n_samples,)
            A new array of X's dtype (ones when None), non-negative.
        """
        dtype = np.float64 if estimator.solver == "loop" else [np.float64, np.float32]
        if _surely_valid(X, y, dtype):
            # Only the feature count and names to record: check_X_y would
            # return X and y as they are (it takes 90 us, 6% of a small fit).
            X, y = validate_data(estimator, X, y, skip_check_array=True)
        else:
            X, y = validate_data(estimator, X, y, accept_sparse="csr", dtype=dtype)
        return X, y, self._sample_weight(sample_weight, len(y), X.dtype)

    @staticmethod
    def _sample_weight(sample_weight, n_samples, dtype):
        """Check the weights against the number of rows; a new array."""
        if sample_weight is None:  # what the check returns, in a tenth of its time
            return np.ones(n_samples, dtype=dtype)
        sample_weight = _check_sample_weight(
            sample_weight,
            np.empty((n_samples, 0)),
            dtype=dtype,
            ensure_non_negative=True,
            copy=True,
        )
        if not sample_weight.any():  # said by scikit-learn >= 1.7 itself
            raise ValueError(
                "Sample weights must contain at least one non-zero number."
            )
        return sample_weight

    def encode_labels(self, y):
        """Return the sorted classes and each label's index (:func:`encode_labels`)."""
        return encode_labels(y)

    def class_counts(self, y_index, sample_weight, n_classes):
        """Return the sum of the weights of each class, a NumPy array."""
        return np.bincount(y_index, weights=sample_weight, minlength=n_classes)

    def per_example(self, values, y_index):
        """Return ``values[y_index]``: a per-class value for every example."""
        return values[y_index]

    def evaluator(self, X, y_index, sample_weight, n_classes, fit_intercept, solver):
        """Build the evaluator of Steps 1-3 for this data.

        Parameters
        ----------
        X : ndarray or CSR matrix of shape (n_samples, n_features)
            Training data.
        y_index : ndarray of shape (n_samples,)
            Class indices.
        sample_weight : ndarray of shape (n_samples,)
            Weights with the class weights folded in.
        n_classes : int
            Number of classes.
        fit_intercept : bool
            Whether an intercept is fitted.
        solver : {'vectorized', 'loop'}
            Which evaluator.

        Returns
        -------
        evaluator : CompiledLogisticLoss or LoopLogisticLoss
            The evaluator.
        """
        y = evaluator_target(y_index, n_classes, X.dtype)
        make = (
            _loss.LoopLogisticLoss if solver == "loop" else _loss.CompiledLogisticLoss
        )
        return make(X, y, sample_weight, fit_intercept, n_classes)

    def take(self, array, rows):
        """Return the given rows of an array (a fold)."""
        return array[rows]

    def to_numpy(self, array):
        """Return the array as a NumPy array (it is one already)."""
        return array

    def splittable(self, X, y):
        """Return X and y as a scikit-learn splitter reads them."""
        return X, y

    def feature_moments(self, X):
        """Return each column's mean and standard deviation; see DataKind."""
        if issparse(X):  # E[x^2] - E[x]^2: the zeros are never formed
            mean = np.asarray(X.mean(axis=0), dtype=float).ravel()
            with np.errstate(over="ignore", invalid="ignore"):
                squares = np.bincount(
                    X.indices,
                    weights=np.square(X.data, dtype=float),
                    minlength=X.shape[1],
                )
                variance = squares / X.shape[0] - mean**2
            return mean, np.sqrt(np.maximum(variance, 0.0))
        with np.errstate(over="ignore", invalid="ignore"):  # inf says it all
            return X.mean(axis=0, dtype=float), X.std(axis=0, dtype=float)


class NamespaceData(InMemoryData):
    """Arrays of an Array API namespace other than NumPy, e.g. PyTorch.

    X stays in its namespace and on its device. The labels and the weights
    (``O(n_samples)`` numbers) are prepared in NumPy, then moved to X's
    device once; the fitted arrays are moved there too, as scikit-learn's
    checks require.

    Parameters
    ----------
    xp : namespace
        The Array API namespace of X.
    device : device
        The device of X.
    """

    def __init__(self, xp, device):
        self.xp = xp
        self.device = device

    def validate(self, estimator, X, y, sample_weight):
        """Validate X in its namespace, y and the weights in NumPy.

        Parameters
        ----------
        estimator : estimator with a ``solver`` parameter
            The estimator being fitted.
        X : array of shape (n_samples, n_features)
            Training data in namespace ``xp``.
        y : array of shape (n_samples,)
            Class labels.
        sample_weight : array of shape (n_samples,) or None
            Weights of the examples.

        Returns
        -------
        X : array of shape (n_samples, n_features)
            float64 or float32, in namespace ``xp``.
        y : array of shape (n_samples,)
            The labels, in their namespace.
        sample_weight : ndarray of shape (n_samples,)
            NumPy weights of X's dtype.
        """
        xp = self.xp
        X, y = validate_data(
            estimator, X, y, accept_sparse="csr", dtype=[xp.float64, xp.float32]
        )
        sample_weight = self.to_numpy(sample_weight)
        return X, y, self._sample_weight(sample_weight, X.shape[0], self.dtype(X))

    def dtype(self, X):
        """Return the NumPy dtype matching X's dtype."""
        return self.to_numpy(X[:1, :1]).dtype

    def encode_labels(self, y):
        """Encode labels after copying them to NumPy; see :func:`encode_labels`."""
        return encode_labels(self.to_numpy(y))

    def evaluator(self, X, y_index, sample_weight, n_classes, fit_intercept, solver):
        """Build the Array API evaluator, with y and the weights on X's device.

        Parameters are those of :meth:`InMemoryData.evaluator`; ``solver``
        is 'vectorized' (the loop solver was refused by :meth:`validate`).
        """
        y = evaluator_target(y_index, n_classes, self.dtype(X))
        return _loss.NamespaceLogisticLoss(
            X,
            self.place(y),
            self.place(sample_weight),
            fit_intercept,
            n_classes,
            self.xp,
            self.device,
            self.to_numpy,
        )

    def take(self, array, rows):
        """Return the given rows of an array of ``xp`` (or of NumPy)."""
        if isinstance(array, np.ndarray):
            return array[rows]
        return self.xp.take(array, self.place(np.asarray(rows)), axis=0)

    def to_numpy(self, array):
        """Copy an array of ``xp`` to a NumPy array on the CPU."""
        return to_numpy(array)

    def splittable(self, X, y):
        """Return NumPy stand-ins that a scikit-learn splitter reads."""
        return np.zeros((X.shape[0], 1)), self.to_numpy(y)

    def feature_moments(self, X):
        """Return each column's mean and standard deviation, computed in ``xp``."""
        xp = self.xp
        return (
            self.to_numpy(xp.mean(X, axis=0)).astype(float),
            self.to_numpy(xp.std(X, axis=0)).astype(float),
        )

    def place(self, array):
        """Put a NumPy array in X's namespace and on its device (strings stay)."""
        if array.dtype.kind not in "biuf":
            return array
        return self.xp.asarray(array, device=self.device)


def check_same_namespace(X, estimator, method):
    """Check that X lives where the estimator was fitted, under Array API dispatch.

    What scikit-learn 1.9's helper of the same name checks, written here so
    that older scikit-learn releases work too.

    Parameters
    ----------
    X : array, array-like or sparse matrix
        The data given to a predict method.
    estimator : fitted estimator with ``coef_``
        The estimator.
    method : str
        The method's name, for the message.

    Raises
    ------
    ValueError
        If X's namespace or device differs from ``coef_``'s.
    """
    if not get_config()["array_api_dispatch"]:
        return
    fit_xp, _, fit_device = get_namespace_and_device(estimator.coef_)
    X_xp, _, X_device = get_namespace_and_device(X)
    if _is_numpy_namespace(fit_xp) and _is_numpy_namespace(X_xp):
        return
    if X_xp == fit_xp and X_device == fit_device:
        return
    raise ValueError(
        f"Inputs passed to {type(estimator).__name__}.{method}() must use the "
        f"same namespace and the same device as those passed to fit(): fit used "
        f"{fit_xp.__name__} on {fit_device}, {method} got {X_xp.__name__} on "
        f"{X_device}. Move X there, or fit on arrays like X."
    )
