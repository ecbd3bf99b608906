"""Step 4 of the seed and "repeat until convergence": one driver for every solver.

The driver knows nothing about the model: it receives a callable
``loss_gradient(params) -> (cost, grad)`` (Steps 1-3, computed by any solver),
updates ``params -= alpha * grad``, optionally applies a proximal step for a
non-smooth term, records the cost, stops on ``tol``, and detects divergence.
"""

import time
import warnings
from dataclasses import dataclass

import numpy as np
from sklearn.exceptions import ConvergenceWarning

# A rise of the cost smaller than this many float64 or float32 round-offs
# (relative, at least 1e-12) is round-off, not a rise.
_RISE_EPS = 64


def gradient_descent(
    loss_gradient,
    params,
    *,
    alpha,
    max_iter,
    tol,
    prox=None,
    verbose=0,
    callback=None,
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
    callback : callable, default=None
        ``callback(k, params) -> bool``, called after update ``k`` with the
        updated parameters; True stops the run there.

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
    run = descend_candidates(
        lambda stack, which: _one(loss_gradient(stack[0])),
        np.asarray(params)[None],
        alphas=[alpha],
        max_iter=max_iter,
        tol=tol,
        prox=None
        if prox is None
        else lambda stack, steps, which: prox(stack[0], steps[0])[None],
        verbose=verbose,
        callback=None if callback is None else lambda k, stack: callback(k, stack[0]),
    )
    n_iter = int(run.n_iter[0])
    cost_history = run.cost_history[:n_iter, 0]
    if run.diverged_at[0] >= 0:
        raise _divergence_error(int(run.diverged_at[0]), alpha, run.diverged_what[0])
    if tol > 0 and n_iter == max_iter and not run.converged[0]:
        warnings.warn(
            f"Gradient descent reached max_iter={max_iter} before the largest "
            f"gradient component ({run.largest_gradient[0]:.3g}) fell below "
            f"tol={tol}. Increase max_iter, or try a larger alpha or "
            "alpha='auto'.",
            ConvergenceWarning,
            stacklevel=5,
        )
    rose_at = int(run.rose_at[0])
    if rose_at >= 0:
        warnings.warn(
            f"The cost rose at iteration {rose_at + 1} (from "
            f"{cost_history[rose_at - 1]:.6g} to {cost_history[rose_at]:.6g}) "
            f"with alpha={alpha!r}: the learning rate is too large for this "
            "data. Try a smaller alpha or alpha='auto'.",
            ConvergenceWarning,
            stacklevel=5,
        )
    return run.params[0], cost_history, n_iter


def _one(cost_grad):
    """Give one candidate's ``(cost, grad)`` a leading candidate axis."""
    cost, grad = cost_grad
    return np.array([cost]), grad[None]


@dataclass
class CandidateRun:
    """What :func:`descend_candidates` returns, one entry per candidate.

    Attributes
    ----------
    params : ndarray of shape (n_candidates, ...)
        Parameters after each candidate's last update (the last finite ones
        for a diverged candidate).
    cost_history : ndarray of shape (max_iter, n_candidates)
        J before each update; NaN after a candidate stopped.
    n_iter : ndarray of shape (n_candidates,)
        Iterations each candidate ran.
    converged : ndarray of shape (n_candidates,)
        Whether the candidate stopped on ``tol``.
    diverged_at : ndarray of shape (n_candidates,)
        Zero-based iteration at which the candidate diverged, or -1.
    diverged_what : list of str
        What became non-finite, for diverged candidates ('' otherwise).
    rose_at : ndarray of shape (n_candidates,)
        First iteration at which the cost rose, or -1.
    largest_gradient : ndarray of shape (n_candidates,)
        Largest absolute component of the last gradient (mapping).
    """

    params: np.ndarray
    cost_history: np.ndarray
    n_iter: np.ndarray
    converged: np.ndarray
    diverged_at: np.ndarray
    diverged_what: list
    rose_at: np.ndarray
    largest_gradient: np.ndarray


def descend_candidates(
    loss_gradient,
    params,
    *,
    alphas,
    max_iter,
    tol,
    prox=None,
    verbose=0,
    callback=None,
):
    r"""Run gradient descent for several independent candidates at once.

    Every candidate (a learning rate and its own objective, say another
    penalty) has its parameters stacked along the first axis, so that one
    evaluation serves them all: for a linear model, one product of X with
    all their weights, which reads X once. A candidate that converges or
    diverges stops there and is not evaluated again.

    Parameters
    ----------
    loss_gradient : callable
        ``loss_gradient(stack, which) -> (costs, grads)``: for the candidates
        ``which`` (an index array) with parameters ``stack``, their objectives
        J, shape ``(len(which),)``, and the gradients of their smooth parts,
        shaped like ``stack``.
    params : ndarray of shape (n_candidates, ...)
        Starting points. They are not modified.
    alphas : array-like of shape (n_candidates,)
        Learning rate of each candidate.
    max_iter : int
        Maximum number of iterations.
    tol : float
        A candidate stops when the largest absolute component of its
        gradient (mapping) is at most ``tol``; ``0`` never stops early.
    prox : callable, default=None
        ``prox(stack, steps, which) -> stack``: the proximal operator of the
        non-smooth parts, ``steps`` the learning rates of ``which``.
    verbose : int, default=0
        ``1`` prints about ten progress lines, ``2`` or more one per
        iteration.
    callback : callable, default=None
        ``callback(k, params) -> bool``, called after update ``k`` with all
        the candidates' parameters; True stops every candidate there.

    Returns
    -------
    run : CandidateRun
        Parameters, cost histories and how each candidate ended.

    Notes
    -----
    For each candidate :math:`c` still running, an iteration is

    .. math::
        \theta_c \leftarrow \operatorname{prox}_{\alpha_c g_c}
            (\theta_c - \alpha_c \nabla f_c(\theta_c)).

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_gd._gradient_descent import descend_candidates
    >>> def quadratics(stack, which):
    ...     return (stack**2).sum(axis=1), 2 * stack
    >>> run = descend_candidates(quadratics, np.ones((3, 2)),
    ...     alphas=[0.25, 0.5, 1.5], max_iter=50, tol=1e-6)
    >>> run.n_iter.tolist(), run.converged.tolist()
    ([22, 2, 50], [True, True, False])
    >>> run.rose_at.tolist()
    [-1, -1, 1]
    """
    params = np.array(params, copy=True)
    n_candidates = len(params)
    alphas = np.asarray(alphas, dtype=float)
    per_candidate = (-1,) + (1,) * (params.ndim - 1)
    rise_rtol = max(1e-12, _RISE_EPS * float(np.finfo(params.dtype).eps))
    cost_history = np.full((max_iter, n_candidates), np.nan)
    n_iter = np.zeros(n_candidates, dtype=int)
    converged = np.zeros(n_candidates, dtype=bool)
    diverged_at = np.full(n_candidates, -1)
    diverged_what = [""] * n_candidates
    rose_at = np.full(n_candidates, -1)
    largest_gradient = np.full(n_candidates, np.inf)
    active = np.arange(n_candidates)
    progress = _Progress(verbose, max_iter)
    for k in range(max_iter):
        stack = params[active]
        steps = alphas[active].reshape(per_candidate)
        # A diverging run overflows on its way to inf; its status says so.
        with np.errstate(over="ignore", invalid="ignore"):
            costs, grads = loss_gradient(stack, active)
            new_stack = stack - steps * grads
            if prox is not None:
                new_stack = prox(new_stack, alphas[active], active)
        n_iter[active] = k + 1
        finite = np.isfinite(costs) & np.isfinite(grads).reshape(len(active), -1).all(1)
        for c in active[~finite]:
            diverged_at[c] = k
            diverged_what[c] = f"the cost became {costs[active == c][0]}"
        cost_history[k, active] = np.where(finite, costs, np.nan)
        if k > 0:
            previous = cost_history[k - 1, active]
            rose = finite & (costs - previous > rise_rtol * np.abs(previous))
            first_rise = active[rose & (rose_at[active] < 0)]
            rose_at[first_rise] = k

        mapping = grads if prox is None else (stack - new_stack) / steps
        largest = np.abs(mapping).reshape(len(active), -1).max(axis=1, initial=0.0)
        largest_gradient[active] = largest
        progress.report(k, costs[finite], largest[finite], len(active))
        done = finite & (tol > 0) & (largest <= tol)
        converged[active[done]] = True
        updated = finite & ~done
        bad = updated & ~np.isfinite(new_stack).reshape(len(active), -1).all(1)
        for c in active[bad]:
            diverged_at[c] = k
            diverged_what[c] = "a parameter became non-finite"
        keep = updated & ~bad
        params[active[keep]] = new_stack[keep]
        active = active[keep]
        if not len(active) or (callback is not None and callback(k, params)):
            break
    progress.report(k, costs[finite], largest[finite], len(active), last=True)
    return CandidateRun(
        params,
        cost_history,
        n_iter,
        converged,
        diverged_at,
        diverged_what,
        rose_at,
        largest_gradient,
    )


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

    def report(self, k, costs, largest_gradients, n_running, last=False):
        """Print a line for iteration ``k`` if it falls on the cadence.

        Parameters
        ----------
        k : int
            Zero-based iteration.
        costs : ndarray
            The finite costs of the candidates evaluated at that iteration.
        largest_gradients : ndarray
            Their largest absolute gradient (mapping) components.
        n_running : int
            Number of candidates still running after the iteration.
        last : bool, default=False
            Whether this is the run's final report, always printed once.
        """
        if not self.verbose or k == self.last_printed or not len(costs):
            return
        if last or k % self.every == 0:
            elapsed = time.perf_counter() - self.start
            line = (
                f"iteration {k + 1:>6}  cost {costs.min():.8e}  "
                f"max|grad| {largest_gradients.max():.3e}  elapsed {elapsed:.2f}s"
            )
            if len(costs) > 1 or n_running > 1:
                line += f"  running {n_running}"
            print(line)
            self.last_printed = k
