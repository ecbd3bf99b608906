"""The elastic-net penalty of one candidate, as functions of arrays.

The driver's rule (:func:`sklearn_gd._gradient_descent.run_iterations`) calls
them in both of its engines: run as Python, and compiled by numba with the
rule (:mod:`sklearn_gd._compiled`); :class:`sklearn_gd._loss.ElasticNet`
applies them to a stack of candidates. Their arithmetic goes through
:mod:`sklearn_gd._ops`; this module imports nothing else of the package,
and no numba.
"""

from sklearn_gd._ops import abs_sum, dot, lincomb, shrink


def penalty_add(l2_reg, l1_reg, n_features, point, cost, grad):
    r"""Add one candidate's penalty to its cost, and the L2 term's gradient.

    Parameters
    ----------
    l2_reg : float
        Factor of ``||W||^2 / 2``.
    l1_reg : float
        Factor of ``||W||_1``.
    n_features : int
        The weights are ``point[:, :n_features]``; the rest (the
        intercepts) is not penalised.
    point : ndarray of shape (n_outputs, n_dof)
        The candidate's parameters.
    cost : float
        The data term of J there.
    grad : ndarray of shape (n_outputs, n_dof)
        Its gradient, to which ``l2_reg * W`` is added in place.

    Returns
    -------
    cost : float
        J: the data term plus both penalty terms.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_gd._penalty import penalty_add
    >>> grad = np.zeros((1, 3))
    >>> float(penalty_add(1.0, 0.5, 2, np.array([[2.0, -1.0, 5.0]]), 0.0, grad))
    4.0
    >>> grad
    array([[ 2., -1.,  0.]])
    """
    if l2_reg != 0.0:
        W = point[:, :n_features]
        cost = cost + 0.5 * l2_reg * dot(W, W)
        lincomb(grad[:, :n_features], grad[:, :n_features], l2_reg, W)
    if l1_reg != 0.0:
        cost = cost + l1_value(l1_reg, n_features, point)
    return cost


def l1_value(l1_reg, n_features, point):
    """Return one candidate's L1 term, ``l1_reg * ||W||_1`` (zero without one).

    Parameters
    ----------
    l1_reg : float
        Factor of ``||W||_1``.
    n_features : int
        The weights are ``point[:, :n_features]``.
    point : ndarray of shape (n_outputs, n_dof)
        The candidate's parameters.

    Returns
    -------
    value : float
        The non-smooth part of J.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_gd._penalty import l1_value
    >>> float(l1_value(0.5, 2, np.array([[2.0, -1.0, 5.0]])))
    1.5
    """
    if l1_reg == 0.0:
        return 0.0
    return l1_reg * abs_sum(point[:, :n_features])


def soft_threshold(point, threshold, n_features):
    """Soft-threshold one candidate's weights in place: the L1 term's prox.

    Parameters
    ----------
    point : ndarray of shape (n_outputs, n_dof)
        Parameters after a gradient step, changed in place.
    threshold : float
        ``step * l1_reg``: every weight moves towards zero by it, and is set
        to exactly zero if it would cross it. The intercepts are kept.
    n_features : int
        The weights are ``point[:, :n_features]``.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_gd._penalty import soft_threshold
    >>> point = np.array([[0.3, -2.0, 5.0]])
    >>> soft_threshold(point, 0.5, 2)
    >>> point
    array([[ 0. , -1.5,  5. ]])
    """
    shrink(point[:, :n_features], threshold)
