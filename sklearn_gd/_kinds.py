"""Which object handles a kind of data: decided once per fit and per predict.

Above the kinds themselves (:mod:`sklearn_gd._data` for NumPy, SciPy and
Array API arrays, :mod:`sklearn_gd._dask` for Dask arrays), so that neither
imports the other to choose, and the estimators ask this module alone. The
solver's refusals (the loop solver runs on NumPy and SciPy data alone) are
said here, once.
"""

from scipy.sparse import issparse
from sklearn.utils._array_api import _is_numpy_namespace, get_namespace_and_device

from sklearn_gd._dask import DaskData
from sklearn_gd._data import InMemoryData, NamespaceData, is_dask_array


def data_kind(X, solver=None):
    """Return the object that handles data of X's kind, for a solver.

    Parameters
    ----------
    X : array-like, sparse matrix, Array API array or Dask array
        Data passed to ``fit`` or to a predict method.
    solver : {'vectorized', 'loop'} or None, default=None
        The solver of a fit, which this checks X against; None for a
        predict method (any solver's model predicts on any kind).

    Returns
    -------
    kind : InMemoryData, NamespaceData or DaskData
        Dask arrays get :class:`~sklearn_gd._dask.DaskData`; arrays of a
        namespace other than NumPy (under ``array_api_dispatch``)
        :class:`NamespaceData`; everything else :class:`InMemoryData`.

    Raises
    ------
    ValueError
        For ``solver='loop'`` and data other than NumPy or SciPy's.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_gd._kinds import data_kind
    >>> type(data_kind(np.ones((2, 2)), "loop")).__name__
    'InMemoryData'
    """
    if is_dask_array(X):
        kind, where = DaskData(), "a Dask array"
    elif issparse(X):
        return InMemoryData()
    else:
        xp, _, device = get_namespace_and_device(X)
        if _is_numpy_namespace(xp):
            return InMemoryData()
        kind, where = NamespaceData(xp, device), f"an array of {xp.__name__}"
    if solver == "loop":
        raise ValueError(
            f"solver='loop' runs Python loops over NumPy arrays; X is {where}. "
            "Use solver='vectorized', which fits it where it lives, or convert "
            "X to NumPy."
        )
    return kind
