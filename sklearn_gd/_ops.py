"""The vector operations of the descent's rule: NumPy as Python, loops compiled.

The rule (:func:`sklearn_gd._gradient_descent.run_iterations`) and the
penalty (:mod:`sklearn_gd._loss`) do their arithmetic on a candidate's
parameters, shape ``(n_outputs, n_dof)``, through these few operations.
Run as Python they are NumPy expressions, fast on any size. Compiled,
:mod:`sklearn_gd._compiled` replaces each by a plain loop: numba compiles
every NumPy array expression into a function of its own, and every array
assignment with the message of a shape error, which made the compiled rule
take 19 s to compile with them (about a second for these loops). Arguments
are 1-D or 2-D arrays of one shape; the compiled forms do not check shapes.

This module does not import numba.
"""

import numpy as np


def assign(dst, src):
    """Write ``src`` into ``dst``: ``dst[...] = src``.

    Parameters
    ----------
    dst : ndarray
        Written in place.
    src : ndarray
        Its new values, shaped like ``dst``.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_gd._ops import assign
    >>> a = np.zeros((2, 3))
    >>> assign(a[1], np.arange(3.0))
    >>> a
    array([[0., 0., 0.],
           [0., 1., 2.]])
    """
    dst[...] = src


def lincomb(dst, a, t, b):
    """Write ``a + t * b`` into ``dst`` (which may be ``a`` or ``b``).

    Parameters
    ----------
    dst : ndarray
        Written in place.
    a, b : ndarray
        Shaped like ``dst``.
    t : float
        The factor of ``b``.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_gd._ops import lincomb
    >>> out = np.empty(2)
    >>> lincomb(out, np.array([1.0, 2.0]), -0.5, np.array([2.0, 2.0]))
    >>> out
    array([0., 1.])
    """
    dst[...] = a + t * b


def dot(a, b):
    """Return ``sum(a * b)`` over every entry.

    Parameters
    ----------
    a, b : ndarray
        Of one shape.

    Returns
    -------
    value : float

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_gd._ops import dot
    >>> float(dot(np.array([[1.0, 2.0]]), np.array([[3.0, 4.0]])))
    11.0
    """
    return (a * b).sum()


def abs_sum(a):
    """Return ``sum(|a|)``.

    Parameters
    ----------
    a : ndarray

    Returns
    -------
    value : float

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_gd._ops import abs_sum
    >>> float(abs_sum(np.array([[1.0, -2.0]])))
    3.0
    """
    return np.abs(a).sum()


def abs_max(a):
    """Return ``max(|a|)``.

    Parameters
    ----------
    a : ndarray
        Not empty.

    Returns
    -------
    value : float

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_gd._ops import abs_max
    >>> float(abs_max(np.array([[1.0, -2.0]])))
    2.0
    """
    return np.abs(a).max()


def all_finite(a):
    """Return whether every entry of ``a`` is finite.

    Parameters
    ----------
    a : ndarray

    Returns
    -------
    finite : bool

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_gd._ops import all_finite
    >>> bool(all_finite(np.array([1.0, np.inf])))
    False
    """
    return np.isfinite(a).all()


def differs(a, b):
    """Return whether any entry of ``a`` differs from ``b``'s.

    Parameters
    ----------
    a, b : ndarray
        Of one shape.

    Returns
    -------
    differ : bool

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_gd._ops import differs
    >>> bool(differs(np.zeros(2), np.array([0.0, 1e-300])))
    True
    """
    return (a != b).any()


def shrink(a, threshold):
    """Move every entry of ``a`` towards zero by ``threshold``, to zero at most.

    ``sign(a) * max(|a| - threshold, 0)``, in place: soft thresholding.

    Parameters
    ----------
    a : ndarray
        Changed in place.
    threshold : float
        At least zero.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_gd._ops import shrink
    >>> a = np.array([0.3, -2.0])
    >>> shrink(a, 0.5)
    >>> a
    array([ 0. , -1.5])
    """
    a[...] = np.sign(a) * np.maximum(np.abs(a) - threshold, 0.0)
