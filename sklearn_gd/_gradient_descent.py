"""Step 4 of the seed and "repeat until convergence": one driver for every solver.

The driver knows nothing about the model: it receives a callable
``loss_gradient(stack, which) -> (costs, grads)`` (Steps 1-3 for a stack of
candidates, computed by any evaluator), updates ``params -= alpha * grad``,
optionally applies a proximal step for a non-smooth term, records the costs,
stops on ``tol``, and detects divergence. How each candidate ended is data (a
:class:`Status`), which :func:`report` turns into the error and warnings.
"""

import time
import warnings
from dataclasses import dataclass
from enum import IntEnum

import numpy as np
from sklearn.exceptions import ConvergenceWarning

# A rise of the cost smaller than this many float64 or float32 round-offs
# (relative, at least 1e-12) is round-off, not a rise.
_RISE_EPS = 64


class Status(IntEnum):
    """How a candidate's run ended: the outcome as data, not prose.

    :func:`report` turns it into an error or warnings.
    """

    RUNNING = 0
    CONVERGED = 1
    MAX_ITER = 2
    STOPPED = 3
    COST_NOT_FINITE = 4
    GRADIENT_NOT_FINITE = 5
    PARAMS_NOT_FINITE = 6


_DIVERGED = (
    Status.COST_NOT_FINITE,
    Status.GRADIENT_NOT_FINITE,
    Status.PARAMS_NOT_FINITE,
)


@dataclass
class CandidateRun:
    """What :func:`descend_candidates` returns, one entry per candidate.

    Attributes
    ----------
    params : ndarray of shape (n_candidates, ...)
        Parameters after each candidate's last update (the last finite ones
        for a diverged candidate).
    cost_history : ndarray of shape (max_iter, n_candidates)
        J before each update; NaN where it was not finite and after a
        candidate stopped.
    n_iter : ndarray of shape (n_candidates,)
        Iterations each candidate ran (evaluations of its cost).
    status : ndarray of shape (n_candidates,)
        How each candidate ended, a :class:`Status` value.
    last_cost : ndarray of shape (n_candidates,)
        The cost of each candidate's last evaluation (finite or not).
    rose_at : ndarray of shape (n_candidates,)
        First iteration at which the cost rose, or -1.
    largest_gradient : ndarray of shape (n_candidates,)
        Largest absolute component of the last gradient (mapping).
    alphas : ndarray of shape (n_candidates,)
        The first step size of each candidate.
    step_history : ndarray of shape (max_iter, n_candidates)
        The step size each update took; NaN where there was none.
    n_passes : ndarray of shape (n_candidates,)
        Evaluations of J and its gradient (passes over the data), trials of
        the adaptive rule and momentum's shifted points included.
    adaptive : ndarray of shape (n_candidates,)
        Whether each candidate adapted its step.
    """

    params: np.ndarray
    cost_history: np.ndarray
    n_iter: np.ndarray
    status: np.ndarray
    last_cost: np.ndarray
    rose_at: np.ndarray
    largest_gradient: np.ndarray
    alphas: np.ndarray
    step_history: np.ndarray
    n_passes: np.ndarray
    adaptive: np.ndarray

    @property
    def diverged(self):
        """Whether each candidate diverged: a cost, gradient or parameter not finite."""
        return np.isin(self.status, _DIVERGED)

    def history(self, c):
        """Return candidate ``c``'s cost history, ``n_iter[c]`` entries long."""
        return self.cost_history[: self.n_iter[c], c].copy()

    def steps(self, c):
        """Return the step size of each of candidate ``c``'s iterations."""
        return self.step_history[: self.n_iter[c], c].copy()

    def select(self, which):
        """Return the run of candidates ``which`` only, e.g. one fold's.

        Parameters
        ----------
        which : slice or array of int
            The candidates.

        Returns
        -------
        run : CandidateRun
            Their entries, as if they had run on their own.
        """
        per_iteration = {"cost_history", "step_history"}
        return CandidateRun(
            **{
                name: value[:, which] if name in per_iteration else value[which]
                for name, value in vars(self).items()
            }
        )


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

    One candidate of :func:`descend_candidates`, reported by :func:`report`.

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
        If the cost rose during the run, and if ``max_iter`` was reached
        with ``tol > 0`` before the gradient fell below ``tol``.

    Notes
    -----
    Each iteration is

    .. math::
        \theta \leftarrow \operatorname{prox}_{\alpha g}
            (\theta - \alpha \nabla f(\theta)),

    with :math:`f` the smooth part and :math:`g` the non-smooth part of J
    (identity when ``prox`` is None: the plain update of the algorithm).

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

    def stacked(stack, which):
        cost, grad = loss_gradient(stack[0])
        return np.array([cost]), grad[None]

    run = descend_candidates(
        stacked,
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
    report([run], [f"alpha={float(alpha):.4g}"], max_iter=max_iter, tol=tol)
    return run.params[0], run.history(0), int(run.n_iter[0])


def descend_candidates(
    loss_gradient,
    params,
    *,
    alphas,
    max_iter,
    tol,
    prox=None,
    nonsmooth=None,
    adaptive=False,
    momentum=0.0,
    nesterov=True,
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
        Learning rate of each candidate: fixed, or the first one tried by
        the adaptive rule.
    max_iter : int
        Maximum number of iterations.
    tol : float
        A candidate stops when the largest absolute component of its
        gradient (mapping) is at most ``tol``; ``0`` never stops early.
    prox : callable, default=None
        ``prox(stack, steps, which) -> stack``: the proximal operator of the
        non-smooth parts, ``steps`` the learning rates of ``which``.
    nonsmooth : callable, default=None
        ``nonsmooth(stack, which) -> values``: the non-smooth parts of the
        costs, which the adaptive rule's test leaves out. None is zero.
    adaptive : bool or array-like of bool of shape (n_candidates,), default=False
        Which candidates adapt their step (backtracking on the sufficient
        decrease condition, then a larger step after a step accepted at once).
    momentum : float, default=0.0
        Momentum ``mu`` in ``[0, 1)``: each step starts from
        ``x + mu (x - x_previous)``; it is reset when the cost rises.
    nesterov : bool, default=True
        With momentum, take the gradient at the shifted point (Nesterov)
        rather than at ``x`` (heavy ball).
    verbose : int, default=0
        ``1`` prints about ten progress lines, ``2`` or more one per
        iteration.
    callback : callable, default=None
        ``callback(k, params) -> bool``, called after update ``k`` with all
        the candidates' parameters; True stops every candidate there.

    Returns
    -------
    run : CandidateRun
        Parameters, cost histories, steps and how each candidate ended.

    Notes
    -----
    For each candidate :math:`c` still running, an iteration is

    .. math::
        y_c = \theta_c + \mu (\theta_c - \theta_c^{prev}), \qquad
        \theta_c \leftarrow \operatorname{prox}_{t_c g_c}
            (y_c - t_c \nabla f_c(y_c)),

    with :math:`y_c = \theta_c` without momentum (the plain update), and
    :math:`t_c = \alpha_c` for a fixed step. The adaptive rule accepts
    :math:`t_c` when :math:`f_c(\theta^+) \le f_c(y) + \nabla f_c(y)^T
    (\theta^+ - y) + \|\theta^+ - y\|^2 / (2 t_c)`, and halves it otherwise;
    then :math:`J = f + g` never rises.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_gd._gradient_descent import Status, descend_candidates
    >>> def quadratics(stack, which):
    ...     return (stack**2).sum(axis=1), 2 * stack
    >>> run = descend_candidates(quadratics, np.ones((3, 2)),
    ...     alphas=[0.25, 0.5, 1.5], max_iter=50, tol=1e-6)
    >>> run.n_iter.tolist(), [Status(status).name for status in run.status]
    ([22, 2, 50], ['CONVERGED', 'CONVERGED', 'MAX_ITER'])
    >>> run.rose_at.tolist()
    [-1, -1, 1]
    >>> adaptive = descend_candidates(quadratics, np.ones((1, 2)),
    ...     alphas=[1.5], max_iter=50, tol=1e-6, adaptive=True)
    >>> adaptive.n_iter.tolist(), adaptive.rose_at.tolist()
    ([12], [-1])
    """
    descent = _Descent(
        loss_gradient,
        _setup(params, alphas, max_iter, adaptive),
        prox=prox,
        nonsmooth=nonsmooth,
        momentum=momentum,
        nesterov=nesterov,
    )
    progress = _Progress(verbose, max_iter)
    run = descent.run
    for k in range(max_iter):
        running = descent.evaluate(k)
        running = descent.check(k, running, tol)
        progress.report(k, run.cost_history[k], descent.largest, len(running))
        if not len(running):
            break
        descent.step(k, running)
        if not len(descent.active):
            break
        if callback is not None and callback(k, run.params):
            run.status[descent.active] = Status.STOPPED
            break
    # Finalize: whoever is still running ran out of iterations.
    run.status[run.status == Status.RUNNING] = Status.MAX_ITER
    progress.report(k, run.cost_history[k], descent.largest, 0, True)
    return run


class _Descent:
    """The state of a run between iterations, and its phases.

    Phases of iteration ``k``: :meth:`evaluate` (J and its gradient at the
    current parameters, unless the adaptive rule's accepted trial brought
    them already), :meth:`check` (divergence, rise, convergence), and
    :meth:`step` (momentum, the step rule's trials, the update).
    """

    # A trial step is halved at most this many times (a factor of 1e-18).
    MAX_HALVINGS = 60

    def __init__(self, loss_gradient, run, *, prox, nonsmooth, momentum, nesterov):
        self.loss_gradient = loss_gradient
        self.run = run
        self.prox = prox
        self.nonsmooth = nonsmooth
        self.momentum = momentum
        self.nesterov = nesterov
        n_candidates = len(run.params)
        self.active = np.arange(n_candidates)
        self.previous = run.params.copy()  # the parameters before the last update
        self.costs = np.full(n_candidates, np.nan)
        self.grads = np.zeros_like(run.params)
        self.known = np.zeros(n_candidates, dtype=bool)
        self.steps = run.alphas.copy()
        self.restarted = np.zeros(n_candidates, dtype=bool)
        self.grow = np.zeros(n_candidates, dtype=bool)
        self.largest = np.zeros(0)
        eps = float(np.finfo(run.params.dtype).eps)
        self.rise_rtol = max(1e-12, _RISE_EPS * eps)
        # What a cost's round-off can be, relative: a trial step may show it.
        self.round_off = 8 * eps

    def _evaluate(self, which, stack):
        """Evaluate candidates ``which`` at ``stack``, counting the passes."""
        self.run.n_passes[which] += 1
        # A diverging run overflows on its way to inf; its status says so.
        with np.errstate(over="ignore", invalid="ignore"):
            return self.loss_gradient(stack, which)

    def evaluate(self, k):
        """Evaluate J at the current parameters; record it; drop non-finite ones."""
        run, active = self.run, self.active
        todo = active[~self.known[active]]
        if len(todo):
            costs, grads = self._evaluate(todo, run.params[todo])
            self.costs[todo], self.grads[todo] = costs, grads
        run.n_iter[active] = k + 1
        costs = self.costs[active]
        run.last_cost[active] = costs
        finite_cost = np.isfinite(costs)
        finite = finite_cost & _all_finite(self.grads[active])
        run.status[active[~finite_cost]] = Status.COST_NOT_FINITE
        run.status[active[finite_cost & ~finite]] = Status.GRADIENT_NOT_FINITE
        run.cost_history[k, active] = np.where(finite, costs, np.nan)
        if k > 0:
            previous = run.cost_history[k - 1, active]
            rose = finite & (costs - previous > self.rise_rtol * np.abs(previous))
            run.rose_at[active[rose & (run.rose_at[active] < 0)]] = k
            # Adaptive restart: momentum starts again from here.
            self.previous[active[rose]] = run.params[active[rose]]
        return active[finite]

    def check(self, k, running, tol):
        """Stop the candidates whose gradient (mapping) is at most ``tol``."""
        run = self.run
        grads = self.grads[running]
        if self.prox is not None:  # the gradient mapping at the parameters
            stack, steps = run.params[running], self.steps[running]
            with np.errstate(over="ignore", invalid="ignore"):
                moved = self.prox(stack - _per(steps, stack) * grads, steps, running)
                grads = (stack - moved) / _per(steps, stack)
        self.largest = np.abs(grads).max(axis=tuple(range(1, grads.ndim)), initial=0.0)
        run.largest_gradient[running] = self.largest
        done = (tol > 0) & (self.largest <= tol)
        run.status[running[done]] = Status.CONVERGED
        self.active = running[~done]
        return self.active

    def step(self, k, running):
        """Take the step of every running candidate and update it."""
        run = self.run
        x = run.params[running]
        if self.momentum:
            new, accepted = self._momentum_step(running, x)
        else:
            costs, grads = self.costs[running], self.grads[running]
            new, accepted = self._trials(running, x, costs, grads)
        run.step_history[k, running] = self.steps[running]
        # A step accepted at once may be too small: try a larger one next time.
        self.steps[running[self.grow[running]]] *= 2
        bad = ~_all_finite(new)
        run.status[running[bad]] = Status.PARAMS_NOT_FINITE
        keep = running[~bad]
        self.previous[keep] = x[~bad]
        run.params[keep] = new[~bad]
        # After a restart the next step has no momentum.
        restarted = keep[self.restarted[keep]]
        self.previous[restarted] = run.params[restarted]
        self.restarted[running] = False
        self.known[running] = accepted & ~bad
        self.active = keep

    def _momentum_step(self, running, x):
        """Step from ``x + mu (x - x_previous)``; restart where J would rise.

        The new point is evaluated (its J is the next iteration's). Where it
        is above J at ``x``, it is dropped for a plain step from ``x``, and the
        momentum starts again from zero: O'Donoghue and Candes' adaptive
        restart, in a form that keeps the cost from rising.
        """
        costs_x, grads_x = self.costs[running].copy(), self.grads[running].copy()
        shift = x - self.previous[running]
        moving = _any_nonzero(shift)
        y, y_costs, y_grads = x, costs_x.copy(), grads_x.copy()
        if self.nesterov:  # the gradient at the shifted point
            y = x + self.momentum * shift
            m = np.flatnonzero(moving)
            if len(m):
                y_costs[m], y_grads[m] = self._evaluate(running[m], y[m])
        new, accepted = self._trials(running, y, y_costs, y_grads)
        if not self.nesterov:  # the heavy ball: the shift added to a plain step
            new = new + self.momentum * shift
            accepted[:] = False
        todo = np.flatnonzero(~accepted)
        if len(todo):
            costs, grads = self._evaluate(running[todo], new[todo])
            self.costs[running[todo]], self.grads[running[todo]] = costs, grads
            accepted[todo] = True
        rise = self.costs[running] - costs_x
        with np.errstate(invalid="ignore"):
            rose = moving & ~(rise <= self.round_off * np.abs(costs_x))
        r = np.flatnonzero(rose)
        if len(r):
            which = running[r]
            self.costs[which], self.grads[which] = costs_x[r], grads_x[r]
            new[r], accepted[r] = self._trials(which, x[r], costs_x[r], grads_x[r])
            self.restarted[which] = True
        return new, accepted

    def _trials(self, running, y, y_costs, y_grads):
        """Step from ``y``; the adaptive candidates backtrack until J decreases.

        Returns the new parameters and, per candidate, whether its J and
        gradient there are known already (from an accepted trial).
        """
        run = self.run
        adaptive = run.adaptive[running]
        new = self._prox_step(y, y_grads, running)
        accepted = np.zeros(len(running), dtype=bool)
        first_try = adaptive.copy()
        y_smooth = y_costs - self._nonsmooth(y, running)
        trying = np.flatnonzero(adaptive)
        for _ in range(self.MAX_HALVINGS):
            if not len(trying):
                break
            which = running[trying]
            costs, grads = self._evaluate(which, new[trying])
            ok = np.isfinite(costs) & _all_finite(grads)
            with np.errstate(invalid="ignore", over="ignore"):
                ok &= self._decreases(
                    y[trying], y_smooth[trying], y_grads[trying],
                    new[trying], costs - self._nonsmooth(new[trying], which),
                    grads, self.steps[which],
                )  # fmt: skip
            self.costs[which[ok]], self.grads[which[ok]] = costs[ok], grads[ok]
            accepted[trying[ok]] = True
            trying = trying[~ok]
            first_try[trying] = False
            self.steps[running[trying]] /= 2
            new[trying] = self._prox_step(y[trying], y_grads[trying], running[trying])
        self.grow[running] = first_try
        return new, accepted

    def _decreases(self, y, y_smooth, y_grads, new, smooth, grads, steps):
        """Test each trial step: a sufficient decrease, and a curvature bound.

        With ``m = new - y`` and step ``t``, a trial passes when

        - ``f(new) <= f(y) + g(y)^T m + |m|^2 / (2 t)`` (the sufficient
          decrease of the smooth part, up to a few round-offs of ``f``), and
        - ``(g(new) - g(y))^T m <= |m|^2 / t``: the curvature along the step
          is at most ``1 / t``. Both sides shrink like ``|m|^2``, so this test
          still tells steps apart where the costs are equal to round-off (in
          float32 well before the gradient is small); without it the step
          grows there unchecked.
        """
        axes = tuple(range(1, y.ndim))
        moved = new - y
        quadratic = (moved**2).sum(axis=axes) / (2 * steps)
        excess = smooth - y_smooth - (y_grads * moved).sum(axis=axes)
        by_value = excess <= quadratic + self.round_off * np.abs(y_smooth)
        by_gradient = ((grads - y_grads) * moved).sum(axis=axes) <= 2 * quadratic
        return by_value & by_gradient

    def _prox_step(self, y, grads, which):
        """Return ``prox(y - t grad)`` with each candidate's step ``t``."""
        steps = self.steps[which]
        with np.errstate(over="ignore", invalid="ignore"):
            new = y - _per(steps, y) * grads
            return new if self.prox is None else self.prox(new, steps, which)

    def _nonsmooth(self, stack, which):
        """Return the non-smooth part of J at ``stack`` (zero without one)."""
        if self.nonsmooth is None:
            return np.zeros(len(stack))
        return self.nonsmooth(stack, which)


def _per(values, stack):
    """Shape one value per candidate to broadcast over a stack."""
    return values.reshape((-1,) + (1,) * (stack.ndim - 1))


def _any_nonzero(stack):
    """Whether some entry of each candidate's array is not zero."""
    return (stack != 0).any(axis=tuple(range(1, stack.ndim)))


def _all_finite(stack):
    """Whether every entry of each candidate's array is finite."""
    return np.isfinite(stack).all(axis=tuple(range(1, stack.ndim)))


def _setup(params, alphas, max_iter, adaptive=False):
    """Make the :class:`CandidateRun` that :func:`descend_candidates` fills in."""
    params = np.array(params, copy=True)
    n_candidates = len(params)
    return CandidateRun(
        params=params,
        cost_history=np.full((max_iter, n_candidates), np.nan),
        n_iter=np.zeros(n_candidates, dtype=int),
        status=np.full(n_candidates, Status.RUNNING, dtype=int),
        last_cost=np.full(n_candidates, np.nan),
        rose_at=np.full(n_candidates, -1),
        largest_gradient=np.full(n_candidates, np.inf),
        alphas=np.asarray(alphas, dtype=float),
        step_history=np.full((max_iter, n_candidates), np.nan),
        n_passes=np.zeros(n_candidates, dtype=int),
        adaptive=np.broadcast_to(np.asarray(adaptive, dtype=bool), n_candidates).copy(),
    )


def report(
    runs,
    labels,
    *,
    max_iter,
    tol,
    auto=False,
    search=False,
    Cs=None,
    feature_moments=None,
    stacklevel=3,
    hint="",
):
    """Turn the outcome of runs into an error and warnings, in one place.

    Each message names its cause and only advice that fits it: never a
    setting already in use, never a remedy for another cause.

    Parameters
    ----------
    runs : list of CandidateRun
        The runs, e.g. one per fold of a cross-validation, all with the same
        candidates.
    labels : list of str
        How to name each candidate in a message, e.g. ``"alpha=0.1"``.
    max_iter : int
        The iteration limit the runs had.
    tol : float
        Their tolerance; with ``0`` reaching ``max_iter`` is expected.
    auto : bool, default=False
        Whether a single fit's fixed step was chosen for the user (``1/L``):
        then the advice never suggests it.
    search : bool, default=False
        False for a single fit: a divergence, or a cost that ended above its
        start, raises; a rise and reaching ``max_iter`` warn (one warning at
        most). True for a search over candidates: failed candidates (see
        :func:`failed`) and unconverged ones are each listed in one warning,
        and rises are not warned about (a search tries steps too large on
        purpose; the histories and the scores show them).
    Cs : array-like of float, default=None
        The inverse regularisation strength of each candidate, when the
        objective is penalised that way: an infinite one (no penalty) is
        named when it can keep a fit from converging. None says nothing
        about a penalty.
    feature_moments : callable, default=None
        ``feature_moments() -> (mean, std)``, each column's mean and standard
        deviation, called at most once and only when the advice depends on
        whether X is standardised. None: unknown.
    stacklevel : int, default=3
        Passed to :func:`warnings.warn`.
    hint : str, default=""
        A sentence the caller adds to a single fit's ``max_iter`` warning:
        what it knows of the objective that the driver does not.

    Raises
    ------
    ValueError
        When a single fit diverged, or its cost ended above its start: where,
        with which step, and what to try.
    """
    Cs = np.full(len(labels), np.nan) if Cs is None else np.asarray(Cs, dtype=float)
    scales = _ScaleAdvice(feature_moments)
    if not search:
        run = runs[0]
        if run.diverged[0]:
            raise _divergence_error(run, 0, labels[0], auto, scales)
        if _ended_above_start(run)[0]:
            raise _above_start_error(run, 0, labels[0], scales)
        if run.rose_at[0] >= 0:  # the step is too large: more iterations won't do
            _warn(_rise_message(run, 0, labels[0]), stacklevel)
        elif tol > 0 and run.status[0] == Status.MAX_ITER:
            _warn(
                _max_iter_message(run, 0, max_iter, tol, auto, Cs[0], scales) + hint,
                stacklevel,
            )
        return
    diverged = {}
    unconverged = set()
    for fold, run in enumerate(runs):
        for c in np.flatnonzero(failed(run)):
            how = (
                f"diverged at iteration {run.n_iter[c]}: {_what(run, c)}"
                if run.diverged[c]
                else _above_start(run, c)
            )
            diverged.setdefault(c, f"{labels[c]} (fold {fold}): {how}")
        if tol > 0:
            # A candidate whose cost rose took too large a step: more
            # iterations would not help it, and its score tells.
            stuck = (run.status == Status.MAX_ITER) & (run.rose_at < 0)
            unconverged.update(np.flatnonzero(stuck))
    unconverged -= set(diverged)  # said once, by the worse of the two
    if diverged:
        _warn(
            "Some candidates diverged, or their cost ended above its start, and "
            "score NaN; they are never chosen:\n"
            + "\n".join(diverged[c] for c in sorted(diverged)),
            stacklevel,
        )
    if unconverged:
        which = sorted(unconverged)
        names = "; ".join(labels[c] for c in which)
        advice = ["Increase max_iter"]
        if runs[0].adaptive[which].any() and scales.problem():
            advice.append(scales.standardise())
        message = (
            f"These candidates reached max_iter={max_iter} before tol on some "
            f"fold: {names}. {', or '.join(advice)}."
        )
        if np.isinf(Cs[which]).any():
            message += " " + _UNPENALISED
        _warn(message, stacklevel)


def failed(run):
    """Tell which candidates of a run gave no usable model.

    A candidate fails when it diverged (a cost, gradient or parameter not
    finite), or when its cost ended above where it started: a fixed step so
    large that the model predicts worse than the starting one.

    Parameters
    ----------
    run : CandidateRun
        The run.

    Returns
    -------
    failed : ndarray of bool of shape (n_candidates,)
        Whether each candidate failed.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_gd._gradient_descent import descend_candidates, failed
    >>> def quadratics(stack, which):
    ...     return (stack**2).sum(axis=1), 2 * stack
    >>> run = descend_candidates(quadratics, np.ones((3, 2)),
    ...     alphas=[0.25, 1.1, 1e300], max_iter=20, tol=1e-6)
    >>> failed(run).tolist()
    [False, True, True]
    """
    return run.diverged | _ended_above_start(run)


def _ended_above_start(run):
    """Whether each candidate's last cost is above its first (not round-off)."""
    n = len(run.n_iter)
    first = run.cost_history[0]
    last = run.cost_history[np.maximum(run.n_iter - 1, 0), np.arange(n)]
    rtol = max(1e-12, _RISE_EPS * float(np.finfo(run.params.dtype).eps))
    with np.errstate(invalid="ignore"):
        return (run.rose_at >= 0) & (last - first > rtol * np.abs(first))


# A column's mean or standard deviation that makes gradient descent crawl:
# standard deviations that differ by more than this factor between columns,
# or a mean this many standard deviations away from 0 (which the intercept's
# column of ones then has to make up for).
_SCALE_SPREAD = 10.0
_MEAN_OFFSET = 3.0

_STANDARDISE = "standardise X (e.g. StandardScaler in a Pipeline)"

_UNPENALISED = (
    "Without a penalty (C=np.inf), no max_iter is enough where the classes are "
    "(nearly) separable: the weights grow without bound and J has no minimum "
    "to reach. Set a finite C (e.g. C=1.0, the default)."
)


class _ScaleAdvice:
    """Whether X is far from standardised, asked of the data once, if ever.

    Parameters
    ----------
    feature_moments : callable or None
        ``feature_moments() -> (mean, std)`` of X's columns; None: unknown.
    """

    def __init__(self, feature_moments):
        self.feature_moments = feature_moments
        self._problem = None

    @property
    def known(self):
        """Whether the data can be asked."""
        return self.feature_moments is not None

    def problem(self):
        """Say how X is far from standardised; '' when it is not, or unknown."""
        if self._problem is None:
            self._problem = (
                "" if not self.known else _scale_problem(*self.feature_moments())
            )
        return self._problem

    def standardise(self):
        """Advise to standardise X, with the reason when it is known."""
        problem = self.problem()
        return f"{_STANDARDISE}: {problem}" if problem else _STANDARDISE


def _scale_problem(mean, std):
    """Say how columns with these moments are far from standardised, or ''.

    Examples
    --------
    >>> import numpy as np
    >>> _scale_problem(np.zeros(3), np.array([1.0, 0.0, 1.1]))
    ''
    >>> print(_scale_problem(np.array([0.0, 5.8]), np.array([1e3, 0.8])))
    its columns' standard deviations range from 0.8 to 1e+03, and a column's
    mean is 7.2 standard deviations from 0
    """
    mean, std = np.asarray(mean, dtype=float), np.asarray(std, dtype=float)
    std = np.where(np.isnan(std), np.inf, std)  # values whose squares overflow
    varying = std > 0  # a constant column does not slow the descent
    if not varying.any():
        return ""
    mean, std = mean[varying], std[varying]
    parts = []
    if std.max() > _SCALE_SPREAD * std.min():
        parts.append(
            f"its columns' standard deviations range from {std.min():.2g} to "
            f"{std.max():.2g}"
        )
    with np.errstate(invalid="ignore"):
        offset = float(np.nanmax(np.abs(mean) / std, initial=0.0))
    if offset > _MEAN_OFFSET:
        parts.append(f"a column's mean is {offset:.2g} standard deviations from 0")
    return ", and ".join(parts)


def _warn(message, stacklevel):
    warnings.warn(message, ConvergenceWarning, stacklevel=stacklevel + 1)


def _what(run, c):
    """Say what became non-finite when candidate ``c`` diverged."""
    status, cost = run.status[c], run.last_cost[c]
    if status == Status.COST_NOT_FINITE:
        return f"the cost became {cost}"
    if status == Status.GRADIENT_NOT_FINITE:
        return f"the gradient became non-finite (the cost was {cost:.6g})"
    return "a parameter became non-finite"


def _above_start(run, c):
    """Say where candidate ``c``'s cost started, rose and ended."""
    return (
        f"its cost ended above its start (from {run.cost_history[0, c]:.6g} to "
        f"{run.last_cost[c]:.6g}), after rising at iteration {run.rose_at[c] + 1}"
    )


def _smaller_step(run, c, scales):
    """Advice for a fixed step too large: a smaller one, the adaptive rule."""
    advice = (
        f"Try a smaller alpha (e.g. {run.alphas[c] / 10:.3g}), or "
        "alpha='adaptive' (the default), whose cost never rises"
    )
    if not scales.known or scales.problem():
        advice += f"; or {scales.standardise()}"
    return advice + "."


def _divergence_error(run, c, label, auto, scales):
    """Build the error raised when a single fit diverges."""
    if run.adaptive[c] or auto:  # the step was not the user's: the data are
        if scales.known and not scales.problem():
            advice = (
                "X is standardised: look for extreme values in X or in the "
                "sample weights."
            )
        else:
            advice = scales.standardise()
            advice = advice[0].upper() + advice[1:] + "."
    else:
        advice = _smaller_step(run, c, scales)
    return ValueError(
        f"Gradient descent diverged at iteration {run.n_iter[c]} with {label}: "
        f"{_what(run, c)}. {advice}"
    )


def _above_start_error(run, c, label, scales):
    """Build the error raised when a single fit's cost ended above its start."""
    return ValueError(
        f"Gradient descent with {label} gave no usable model: "
        f"{_above_start(run, c)}. "
        f"The learning rate is far too large for this data. "
        f"{_smaller_step(run, c, scales)}"
    )


def _rise_message(run, c, label):
    """Say where the cost rose, and that the fixed learning rate is too large."""
    k = run.rose_at[c]
    before, after = run.cost_history[k - 1, c], run.cost_history[k, c]
    return (
        f"The cost rose at iteration {k + 1} (from {before:.6g} to {after:.6g}) "
        f"with {label}: the learning rate is too large for this data, and more "
        "iterations would not help. Try a smaller alpha, or alpha='adaptive' "
        "(the default), whose cost never rises."
    )


def _max_iter_message(run, c, max_iter, tol, auto, C, scales):
    """Say how far the gradient still was, and what fits this run."""
    options = ["Increase max_iter"]
    if not run.adaptive[c]:
        if auto:
            options.append(
                "use alpha='adaptive' (the default), which takes larger steps "
                "where the cost allows them"
            )
        else:
            options.append("try a larger alpha or alpha='adaptive' (the default)")
    if scales.problem():
        options.append(scales.standardise())
    advice = ", or ".join(options) + "."
    if np.isinf(C):
        advice += " " + _UNPENALISED
    return (
        f"Gradient descent reached max_iter={max_iter} before the largest "
        f"gradient component ({run.largest_gradient[c]:.3g}) fell below "
        f"tol={tol}. {advice}"
    )


class _Progress:
    """Print progress lines of a gradient-descent run.

    Parameters
    ----------
    verbose : int
        0 prints nothing; 1 about ten lines per run, at iterations spaced
        evenly on a log scale from 1 to ``max_iter``, and the last; 2 or more
        every iteration.
    max_iter : int
        Maximum number of iterations, the end of the scale for ``verbose=1``.

    Examples
    --------
    >>> import numpy as np
    >>> progress = _Progress(1, 1000)
    >>> sorted(progress.at)
    [0, 1, 4, 9, 21, 45, 99, 214, 463, 999]
    """

    # Lines of a run that reaches max_iter with verbose=1.
    N_LINES = 10

    def __init__(self, verbose, max_iter):
        self.verbose = verbose
        if verbose > 1:
            self.at = None  # every iteration
        else:
            points = np.geomspace(1, max_iter, min(self.N_LINES, max_iter))
            self.at = set((np.rint(points) - 1).astype(int).tolist())
        self.start = time.perf_counter()
        self.last_printed = None

    def report(self, k, costs, largest_gradients, n_running, last=False):
        """Print a line for iteration ``k`` if it falls on the cadence.

        Parameters
        ----------
        k : int
            Zero-based iteration.
        costs : ndarray
            The costs recorded at that iteration (NaN for a candidate that
            was not evaluated, or whose cost was not finite).
        largest_gradients : ndarray
            The largest absolute gradient (mapping) components of the
            candidates evaluated.
        n_running : int
            Number of candidates still running after the iteration.
        last : bool, default=False
            Whether this is the run's final report, always printed once.
        """
        finite = np.asarray(costs)[np.isfinite(costs)]
        if not self.verbose or k == self.last_printed or not len(finite):
            return
        if last or self.at is None or k in self.at:
            elapsed = time.perf_counter() - self.start
            largest = np.max(largest_gradients, initial=0.0)
            line = (
                f"iteration {k + 1:>6}  cost {finite.min():.8e}  "
                f"max|grad| {largest:.3e}  elapsed {elapsed:.2f}s"
            )
            if len(costs) > 1:
                line += f"  running {n_running}"
            print(line)
            self.last_printed = k
