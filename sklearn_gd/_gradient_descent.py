"""Step 4 of the seed and "repeat until convergence": one driver for every solver.

The driver knows nothing about the model: it receives a callable
``loss_gradient(params) -> (cost, grad)`` (Steps 1-3, computed by any solver),
updates ``params -= alpha * grad``, optionally applies a proximal step for a
non-smooth term, records the cost, stops on ``tol``, and detects divergence.
"""

import time
import warnings

import numpy as np
from sklearn.exceptions import ConvergenceWarning

# A rise of the cost smaller than this many float64 or float32 round-offs
# (relative, at least 1e-12) is round-off, not a rise.
_RISE_EPS = 64


def gradient_descent(
    loss_gradient, params, *, alpha, max_iter, tol, prox=None, verbose=0
):
    r"""Minimise an objective by batch (proximal) gradient descent.

    Parameters
    ----------
    loss_gradient : callable
        ``loss_gradient(params) -> (cost, grad)``: the objective J at
        ``params`` and the gradient of its smooth part, an array shaped like
        ``params``.
    params : ndarray
        Starting point. It is not modified.
    alpha : float
        The learning rate (step size).
    max_iter : int
        Maximum number of iterations (evaluations of ``loss_gradient``).
    tol : float
        Stop when the largest absolute component of the gradient (of the
        gradient mapping ``(params - prox(params - alpha * grad)) / alpha``
        when ``prox`` is given) is at most ``tol``. ``0`` never stops early,
        and then reaching ``max_iter`` is not warned about.
    prox : callable, default=None
        ``prox(params, step) -> params``, the proximal operator of the
        non-smooth part of the objective, applied after each gradient step.
    verbose : int, default=0
        ``1`` prints about ten progress lines, ``2`` or more one line per
        iteration: iteration, cost, largest absolute gradient, elapsed time.

    Returns
    -------
    params : ndarray
        The parameters after the last update.
    cost_history : ndarray of shape (n_iter,)
        ``cost_history[k]`` is J at the parameters before update ``k``.
    n_iter : int
        Number of iterations run.

    Raises
    ------
    ValueError
        If the cost, the gradient or the parameters become non-finite.

    Warns
    -----
    ConvergenceWarning
        Once if the cost rose during the run, and if ``max_iter`` was reached
        with ``tol > 0`` before the gradient fell below ``tol``.

    Notes
    -----
    Each iteration is

    .. math::
        \theta \leftarrow \operatorname{prox}_{\alpha g}
            (\theta - \alpha \nabla f(\theta)),

    with :math:`f` the smooth part and :math:`g` the non-smooth part of J
    (identity when ``prox`` is None: the seed's plain update).

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_gd._gradient_descent import gradient_descent
    >>> def quadratic(params):
    ...     return float(params @ params), 2 * params
    >>> params, costs, n_iter = gradient_descent(
    ...     quadratic, np.array([1.0, -2.0]), alpha=0.25, max_iter=100, tol=1e-6)
    >>> costs[:3]
    array([5.    , 1.25  , 0.3125])
    >>> n_iter, bool(np.abs(params).max() < 1e-6)
    (23, True)
    """
    params = np.array(params, copy=True)
    rise_rtol = max(1e-12, _RISE_EPS * float(np.finfo(params.dtype).eps))
    cost_history = np.empty(max_iter)
    rose_at = None
    progress = _Progress(verbose, max_iter)
    for k in range(max_iter):
        # A diverging run overflows on its way to inf; the errors below say so.
        with np.errstate(over="ignore", invalid="ignore"):
            cost, grad = loss_gradient(params)
            new_params = params - alpha * grad
        if not (np.isfinite(cost) and np.isfinite(grad).all()):
            raise _divergence_error(k, alpha, f"the cost became {cost}")
        cost_history[k] = cost
        if (
            rose_at is None
            and k > 0
            and cost - cost_history[k - 1] > rise_rtol * abs(cost_history[k - 1])
        ):
            rose_at = k

        if prox is None:
            gradient_mapping = grad
        else:
            new_params = prox(new_params, alpha)
            gradient_mapping = (params - new_params) / alpha
        largest_gradient = float(np.max(np.abs(gradient_mapping), initial=0.0))
        progress.report(k, cost, largest_gradient)
        if tol > 0 and largest_gradient <= tol:
            n_iter = k + 1
            break
        if not np.isfinite(new_params).all():
            raise _divergence_error(k, alpha, "a parameter became non-finite")
        params = new_params
    else:
        n_iter = max_iter
        if tol > 0:
            warnings.warn(
                f"Gradient descent reached max_iter={max_iter} before the largest "
                f"gradient component ({largest_gradient:.3g}) fell below "
                f"tol={tol}. Increase max_iter, or try a larger alpha or "
                "alpha='auto'.",
                ConvergenceWarning,
                stacklevel=5,
            )
    progress.report(n_iter - 1, cost, largest_gradient, last=True)

    if rose_at is not None:
        warnings.warn(
            f"The cost rose at iteration {rose_at + 1} (from "
            f"{cost_history[rose_at - 1]:.6g} to {cost_history[rose_at]:.6g}) "
            f"with alpha={alpha!r}: the learning rate is too large for this "
            "data. Try a smaller alpha or alpha='auto'.",
            ConvergenceWarning,
            stacklevel=5,
        )
    return params, cost_history[:n_iter], n_iter


def _divergence_error(k, alpha, what):
    """Build the error raised when gradient descent diverges.

    Parameters
    ----------
    k : int
        Zero-based iteration at which it happened.
    alpha : float
        The learning rate in use.
    what : str
        What became non-finite.

    Returns
    -------
    error : ValueError
        The error, naming the iteration, alpha and what to try.
    """
    return ValueError(
        f"Gradient descent diverged at iteration {k + 1} with alpha={alpha!r}: "
        f"{what}. Try a smaller alpha (e.g. {alpha / 10:.3g}), alpha='auto', "
        "or standardising X (e.g. StandardScaler in a Pipeline)."
    )


class _Progress:
    """Print progress lines of a gradient-descent run.

    Parameters
    ----------
    verbose : int
        0 prints nothing, 1 about ten lines per run, 2 or more every iteration.
    max_iter : int
        Maximum number of iterations, which sets the cadence for ``verbose=1``.
    """

    def __init__(self, verbose, max_iter):
        self.verbose = verbose
        self.every = 1 if verbose > 1 else max(1, max_iter // 10)
        self.start = time.perf_counter()
        self.last_printed = None

    def report(self, k, cost, largest_gradient, last=False):
        """Print a line for iteration ``k`` if it falls on the cadence.

        Parameters
        ----------
        k : int
            Zero-based iteration.
        cost : float
            The cost at that iteration.
        largest_gradient : float
            Largest absolute component of the gradient (mapping).
        last : bool, default=False
            Whether this is the run's final report, always printed once.
        """
        if not self.verbose or k == self.last_printed:
            return
        if last or k % self.every == 0:
            elapsed = time.perf_counter() - self.start
            print(
                f"iteration {k + 1:>6}  cost {cost:.8e}  "
                f"max|grad| {largest_gradient:.3e}  elapsed {elapsed:.2f}s"
            )
            self.last_printed = k
