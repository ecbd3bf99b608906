"""Which object handles a kind of data: decided once per fit and per predict.

Above the kinds themselves (:mod:`sklearn_gd._data` for NumPy, SciPy and
Array API arrays, :mod:`sklearn_gd._dask` for Dask arrays), so that neither
imports the other to choose, and the estimators ask this module alone.
"""

from scipy.sparse import issparse
from sklearn.utils._array_api import _is_numpy_namespace, get_namespace_and_device

from sklearn_gd._dask import DaskData
from sklearn_gd._data import InMemoryData, NamespaceData, is_dask_array


def data_kind(X):
    """Return the object that handles data of X's kind.

    Parameters
    ----------
    X : array-like, sparse matrix, Array API array or Dask array
        Data passed to ``fit`` or to a predict method.

    Returns
    -------
    kind : InMemoryData, NamespaceData or DaskData
        Dask arrays get :class:`~sklearn_gd._dask.DaskData`; arrays of a
        namespace other than NumPy (under ``array_api_dispatch``)
        :class:`NamespaceData`; everything else :class:`InMemoryData`.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_gd._kinds import data_kind
    >>> type(data_kind(np.ones((2, 2)))).__name__
    'InMemoryData'
    """
    if is_dask_array(X):
        return DaskData()
    if issparse(X):
        return InMemoryData()
    xp, _, device = get_namespace_and_device(X)
    return InMemoryData() if _is_numpy_namespace(xp) else NamespaceData(xp, device)
