"""Step 4 of the algorithm and "repeat until convergence": one driver for every solver.

The driver knows nothing about the model: it evaluates Steps 1-3 for a stack
of candidates through any evaluator, updates ``params -= alpha * grad``,
applies the penalty (its L2 term, and the proximal step of its L1 term),
records the costs, stops on ``tol``, and detects divergence. How each
candidate ended is data (a :class:`Status`), which :func:`report` turns into
the error and warnings.

The rule is written once, as functions of one state of arrays
(:class:`_State`) and fixed settings (:class:`_Settings`), in the subset of
Python that numba compiles: :func:`run_iterations` and its phases. Two
engines run it: the interpreted one calls an evaluator's ``__call__`` (the
loop solver, Dask and Array API arrays, any callable); the compiled one
(:mod:`sklearn_gd._compiled`) runs whole chunks of iterations in one call,
with the kernels of Steps 1-3 inside, for NumPy and SciPy data. Messages,
progress lines and callbacks stay here, in Python, between chunks.
"""

import time
import warnings
from dataclasses import dataclass
from enum import IntEnum
from typing import NamedTuple

import numpy as np
from sklearn.exceptions import ConvergenceWarning

from sklearn_gd._ops import abs_max, all_finite, assign, differs, dot, lincomb
from sklearn_gd._penalty import l1_value, penalty_add, soft_threshold

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


# The statuses the rule writes, as plain integers (numba compiles the rule).
CONVERGED = int(Status.CONVERGED)
COST_NOT_FINITE = int(Status.COST_NOT_FINITE)
GRADIENT_NOT_FINITE = int(Status.GRADIENT_NOT_FINITE)
PARAMS_NOT_FINITE = int(Status.PARAMS_NOT_FINITE)
# A trial step is halved at most this many times (a factor of 1e-18).
MAX_HALVINGS = 60

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
        status = self.status
        diverged = status == _DIVERGED[0]
        for kind in _DIVERGED[1:]:  # np.isin takes 20 us: a tenth of a fit's report
            diverged |= status == kind
        return diverged

    def history(self, c):
        """Return candidate ``c``'s cost history, ``n_iter[c]`` entries long."""
        return self.cost_history[: self.n_iter[c], c].copy()

    def steps(self, c):
        """Return the step size of each of candidate ``c``'s iterations."""
        return self.step_history[: self.n_iter[c], c].copy()

    def select(self, candidates):
        """Return the run of the given candidates only, e.g. one fold's.

        Parameters
        ----------
        candidates : slice or array of int
            The candidates.

        Returns
        -------
        run : CandidateRun
            Their entries, as if they had run on their own.
        """
        per_iteration = {"cost_history", "step_history"}
        return CandidateRun(
            **{
                name: value[:, candidates]
                if name in per_iteration
                else value[candidates]
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
    penalty=None,
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
        with an L1 penalty) is at most ``tol``. ``0`` never stops early,
        and then reaching ``max_iter`` is not warned about.
    penalty : ElasticNet, default=None
        An elastic-net penalty of ``params``' last axis
        (:class:`sklearn_gd._loss.ElasticNet`), added to the objective; its
        L1 term is applied by a proximal step after each gradient step.
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
    (identity without an L1 penalty: the plain update of the algorithm).

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

    def stacked(stack, running):
        cost, grad = loss_gradient(stack[0])
        return np.array([cost]), grad[None]

    run = descend_candidates(
        stacked,
        np.asarray(params)[None],
        alphas=[alpha],
        max_iter=max_iter,
        tol=tol,
        penalty=penalty,
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
    penalty=None,
    adaptive=False,
    momentum=0.0,
    nesterov=True,
    verbose=0,
    callback=None,
    engine=None,
):
    r"""Run gradient descent for several independent candidates at once.

    Every candidate (a learning rate and its own objective, say another
    penalty) has its parameters stacked along the first axis, so that one
    evaluation serves them all: for a linear model, one product of X with
    all their weights, which reads X once. A candidate that converges or
    diverges stops there and is not evaluated again.

    The rule (:func:`run_iterations` and its phases) is written once and
    runs in one of two engines: as Python, calling ``loss_gradient``; or,
    when ``engine`` is given, compiled by numba with the kernels inside, in
    chunks of iterations of about 20 ms (so that Ctrl-C, progress lines and
    callbacks are served between them). Both give the same run.

    Parameters
    ----------
    loss_gradient : callable
        ``loss_gradient(stack, running) -> (costs, grads)``: for the candidates
        ``running`` (an index array) with parameters ``stack``, the data terms
        of their objectives J, shape ``(len(running),)``, and their gradients,
        shaped like ``stack``. Not called when ``engine`` is given.
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
    penalty : ElasticNet, default=None
        The penalty of every candidate (:class:`sklearn_gd._loss.ElasticNet`):
        its L2 term is added to the costs and gradients, its L1 term is
        applied by a proximal step. None is no penalty.
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
    engine : Engine, default=None
        The compiled engine over data prepared once per fit
        (:meth:`sklearn_gd._loss.Evaluator.engine`); None runs the rule as
        Python, calling ``loss_gradient``.

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
    then :math:`J = f + g` never rises. The state is kept in float64
    whatever the dtype of ``params``, which the returned parameters have.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_gd._gradient_descent import Status, descend_candidates
    >>> def quadratics(stack, running):
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
    params = np.asarray(params)
    shape = params.shape
    dtype = params.dtype if np.issubdtype(params.dtype, np.floating) else np.float64
    st, se = _setup(
        params, alphas, max_iter, tol, adaptive, momentum, nesterov, penalty, dtype
    )
    if engine is None:
        data, advance = _Interpreted(loss_gradient, shape), _run_interpreted
    else:
        # Scratch of its own for this run: the compiled descent allocates none.
        data, advance = engine.start(len(st.active))
    progress = _Progress(verbose, max_iter)
    per_iteration = bool(verbose) or callback is not None
    chunk = 1
    while st.k[0] < max_iter and not st.finished[0]:
        first = st.k[0]
        started = time.perf_counter()
        advance(data, st, se, min(first + chunk, max_iter))
        if not per_iteration:
            chunk = _next_chunk(st.k[0] - first, time.perf_counter() - started)
            continue
        k = st.k[0] - 1
        evaluated = st.running & (st.n_iter == k + 1)
        progress.report(
            k,
            st.cost_history[k],
            st.largest_gradient[evaluated],
            int(st.n_after_check[0]),
        )
        stacked = st.params.reshape(shape).astype(dtype)
        if callback is not None and not st.finished[0] and callback(k, stacked):
            st.status[st.active] = Status.STOPPED
            break
    # Finalize: whoever is still running ran out of iterations.
    st.status[st.status == Status.RUNNING] = Status.MAX_ITER
    k = st.k[0] - 1
    evaluated = st.running & (st.n_iter == k + 1)
    progress.report(k, st.cost_history[k], st.largest_gradient[evaluated], 0, True)
    # A diverged candidate's parameters can exceed float32's range: they
    # become inf, which its status already says (no warning of a cast).
    with np.errstate(over="ignore"):
        params = st.params.reshape(shape).astype(dtype)
    return CandidateRun(
        params=params,
        cost_history=st.cost_history,
        n_iter=st.n_iter,
        status=st.status,
        last_cost=st.last_cost,
        rose_at=st.rose_at,
        largest_gradient=st.largest_gradient,
        alphas=st.alphas,
        step_history=st.step_history,
        n_passes=st.n_passes,
        adaptive=se.adaptive,
    )


# A compiled chunk of iterations lasts about this long: Ctrl-C (which Python
# sees only between chunks) stops a fit within it, and returning to Python
# costs microseconds per chunk.
_CHUNK_SECONDS = 0.02


def _next_chunk(n_done, elapsed):
    """Return how many iterations the next chunk runs: about 20 ms of them."""
    per_iteration = elapsed / max(n_done, 1)
    return int(max(1, min(_CHUNK_SECONDS / max(per_iteration, 1e-9), 2**20)))


class _Interpreted:
    """The interpreted engine's evaluation: ``loss_gradient`` in the caller's shape."""

    def __init__(self, loss_gradient, shape):
        self.loss_gradient = loss_gradient
        self.shape = shape

    def __call__(self, points, running):
        stack = points.reshape((len(running),) + self.shape[1:])
        costs, grads = self.loss_gradient(stack, running)
        return costs, np.asarray(grads).reshape(points.shape)


def _run_interpreted(data, st, se, k_stop):
    """Run the rule as Python; a diverging run overflows on its way to inf."""
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        run_iterations(data, st, se, k_stop)


def _setup(params, alphas, max_iter, tol, adaptive, momentum, nesterov, penalty, dtype):
    """Make the state and the settings of a run."""
    n_candidates = len(params)
    stack = np.array(params, dtype=np.float64)
    if stack.ndim != 3:  # one output: the last axis holds the parameters
        stack = stack.reshape(n_candidates, 1, -1)
    n_dof = stack.shape[-1]
    if penalty is None:
        l2_reg = l1_reg = np.zeros(n_candidates)
        n_features = n_dof
    else:
        l2_reg = np.broadcast_to(penalty.l2_reg, n_candidates).astype(np.float64)
        l1_reg = np.broadcast_to(penalty.l1_reg, n_candidates).astype(np.float64)
        n_features = n_dof - int(penalty.fit_intercept)
    eps = float(np.finfo(dtype).eps)
    settings = _Settings(
        max_iter=int(max_iter),
        tol=float(tol),
        momentum=float(momentum),
        nesterov=bool(nesterov),
        rise_rtol=max(1e-12, _RISE_EPS * eps),
        # What a cost's round-off can be, relative: a trial step may show it.
        round_off=8 * eps,
        n_features=int(n_features),
        adaptive=np.broadcast_to(np.asarray(adaptive, dtype=bool), n_candidates).copy(),
        l2_reg=np.ascontiguousarray(l2_reg),
        l1_reg=np.ascontiguousarray(l1_reg),
    )
    alphas = np.asarray(alphas, dtype=np.float64).reshape(n_candidates)

    # 45 arrays: empty-and-fill and zeros take a third of np.full's and
    # np.zeros_like's time (a small fit's set-up is 50 us).
    def per_candidate(value, kind=np.float64):
        array = np.empty(n_candidates, dtype=kind)
        array.fill(value)
        return array

    def like_stack():
        return np.zeros(stack.shape)

    state = _State(
        params=stack,
        cost_history=np.full((max_iter, n_candidates), np.nan),
        n_iter=per_candidate(0, np.int64),
        status=per_candidate(Status.RUNNING, np.int64),
        last_cost=per_candidate(np.nan),
        rose_at=per_candidate(-1, np.int64),
        largest_gradient=per_candidate(np.inf),
        alphas=alphas,
        step_history=np.full((max_iter, n_candidates), np.nan),
        n_passes=per_candidate(0, np.int64),
        k=np.zeros(1, dtype=np.int64),
        finished=np.zeros(1, dtype=bool),
        n_after_check=np.zeros(1, dtype=np.int64),
        active=per_candidate(True, bool),
        running=per_candidate(False, bool),
        previous=stack.copy(),  # the parameters before the last update
        costs=per_candidate(np.nan),
        grads=like_stack(),
        known=per_candidate(False, bool),
        steps=alphas.copy(),
        restarted=per_candidate(False, bool),
        grow=per_candidate(False, bool),
        accepted=per_candidate(False, bool),
        first_try=per_candidate(False, bool),
        new=like_stack(),
        y=like_stack(),
        y_costs=per_candidate(np.nan),
        y_smooth=per_candidate(np.nan),
        y_grads=like_stack(),
        x_costs=per_candidate(np.nan),
        x_grads=like_stack(),
        trial_costs=per_candidate(np.nan),
        trial_grads=like_stack(),
        moving=per_candidate(False, bool),
        phase=np.full(1, _START, dtype=np.int64),
        requested=np.zeros(n_candidates, dtype=np.intp),
        moved=like_stack(),
        change=like_stack(),
        request=per_candidate(False, bool),
        trying=per_candidate(False, bool),
        in_round=per_candidate(False, bool),
        n_trials=np.zeros(1, dtype=np.int64),
        restarting=np.zeros(1, dtype=bool),
    )
    return state, settings


class _Settings(NamedTuple):
    """What stays fixed during a run: the rule's constants, one penalty per candidate.

    A NamedTuple of numbers and arrays, which numba compiles as it is and
    caches (a class instance or a callable would recompile in every process).
    """

    max_iter: int
    tol: float
    momentum: float
    nesterov: bool
    rise_rtol: float
    round_off: float
    n_features: int
    adaptive: np.ndarray
    l2_reg: np.ndarray
    l1_reg: np.ndarray


class _State(NamedTuple):
    """The state of a run between iterations: arrays only, one row per candidate.

    The first fields are what :class:`CandidateRun` reports; ``k``,
    ``finished`` and ``n_after_check`` are one-entry arrays (a NamedTuple's
    numbers cannot change); the last fields are scratch space of the phases,
    allocated once.
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
    k: np.ndarray
    finished: np.ndarray
    n_after_check: np.ndarray
    active: np.ndarray
    running: np.ndarray
    previous: np.ndarray
    costs: np.ndarray
    grads: np.ndarray
    known: np.ndarray
    steps: np.ndarray
    restarted: np.ndarray
    grow: np.ndarray
    accepted: np.ndarray
    first_try: np.ndarray
    new: np.ndarray
    y: np.ndarray
    y_costs: np.ndarray
    y_smooth: np.ndarray
    y_grads: np.ndarray
    x_costs: np.ndarray
    x_grads: np.ndarray
    trial_costs: np.ndarray
    trial_grads: np.ndarray
    moving: np.ndarray
    phase: np.ndarray
    requested: np.ndarray
    moved: np.ndarray
    change: np.ndarray
    request: np.ndarray
    trying: np.ndarray
    in_round: np.ndarray
    n_trials: np.ndarray
    restarting: np.ndarray


def evaluate(data, running, points, costs, grads):
    """Evaluate the data term of J and its gradient for candidates ``running``.

    The one place where the two engines differ. Run as Python, ``data`` is
    ``loss_gradient(stack, running) -> (costs, grads)``, any evaluator's
    ``__call__``; compiled, numba replaces this function by the kernels'
    (:mod:`sklearn_gd._compiled`), for the data they serve.

    Parameters
    ----------
    data : callable
        The evaluator of the data term.
    running : ndarray of int
        The candidates to evaluate.
    points : ndarray of shape (n_candidates, n_outputs, n_dof)
        Where: row ``c`` for candidate ``c``.
    costs : ndarray of shape (n_candidates,)
        Written at ``running``.
    grads : ndarray of shape (n_candidates, n_outputs, n_dof)
        Written at ``running``.
    """
    running = running.copy()  # a view of the state's scratch space
    costs[running], grads[running] = data(points[running], running)


# Where the rule asks for an evaluation: of which points, into which costs
# and gradients (see _evaluate_at); _NOTHING: the chunk ends.
_NOTHING = -1
_AT_PARAMS = 0  # params -> costs, grads
_AT_Y = 1  # y -> y_costs, y_grads (momentum's shifted point)
_AT_TRIAL = 2  # new -> trial_costs, trial_grads (a trial step)
_AT_NEW = 3  # new -> costs, grads (momentum's step, not tried)

# The phases of an iteration: what the rule does when it is next resumed.
_START = 0  # evaluate J where it is not known
_RECORDED = 1  # J is known: record it, test convergence, start the step
_SHIFTED = 2  # momentum's shifted point is known: start the trials
_TRIED = 3  # the trial points are known: test them
_CORRECTED = 4  # momentum's new point is known: restart where J rose


def run_iterations(data, st, se, k_stop):
    """Run iterations until ``k_stop`` or until no candidate is running.

    The whole rule, written once: run as Python by the interpreted engine,
    compiled by numba for the data the kernels serve. An iteration is a
    sequence of phases (``st.phase``); a phase that needs J somewhere says
    where, for the candidates ``st.request``, and the loop evaluates it
    there before the next phase. So :func:`evaluate` is called from one
    place: each compiled function that calls the kernels optimises them
    again, seconds of first compile for each.

    Parameters
    ----------
    data : callable or kernel data
        What :func:`evaluate` evaluates.
    st : _State
        The state, updated in place.
    se : _Settings
        The settings.
    k_stop : int
        The iteration (zero-based) not to start.
    """
    while True:
        where = _NOTHING
        phase = st.phase[0]
        if phase == _START:
            if st.finished[0] or st.k[0] >= k_stop:
                return
            for c in range(len(st.request)):
                st.request[c] = st.active[c] and not st.known[c]
            st.phase[0] = _RECORDED
            if st.request.any():
                where = _AT_PARAMS
        elif phase == _RECORDED:
            k = st.k[0]
            _record(st, se, k)
            n_running = _check_convergence(st, se)
            st.n_after_check[0] = n_running
            st.k[0] = k + 1
            if n_running == 0:
                st.finished[0] = True
                st.phase[0] = _START
                return
            st.phase[0] = _SHIFTED
            if _shift(st, se):
                where = _AT_Y
        elif phase == _SHIFTED:
            _start_trials(st, se, st.active)
            st.phase[0] = _TRIED
            if _next_trial(st):
                where = _AT_TRIAL
        elif phase == _TRIED:
            _test_trials(st, se)
            if _next_trial(st):
                where = _AT_TRIAL
            else:
                _end_trials(st, se)
                if st.phase[0] == _CORRECTED and _momentum_correct(st, se):
                    where = _AT_NEW
        else:  # _CORRECTED
            if _restart(st, se):
                st.phase[0] = _TRIED
                if _next_trial(st):
                    where = _AT_TRIAL
            else:
                _finish_step(st, st.k[0] - 1)
        if where != _NOTHING:
            _evaluate_at(data, st, se, where)


def _evaluate_at(data, st, se, where):
    """Evaluate J (penalty included) and its smooth gradient at ``st.request``."""
    n = 0
    for c in range(len(st.request)):
        if st.request[c]:
            st.requested[n] = c
            n += 1
    requested = st.requested[:n]
    if where == _AT_PARAMS:
        points, costs, grads = st.params, st.costs, st.grads
    elif where == _AT_Y:
        points, costs, grads = st.y, st.y_costs, st.y_grads
    elif where == _AT_TRIAL:
        points, costs, grads = st.new, st.trial_costs, st.trial_grads
    else:
        points, costs, grads = st.new, st.costs, st.grads
    evaluate(data, requested, points, costs, grads)
    n_features = se.n_features
    for c in requested:
        st.n_passes[c] += 1
        costs[c] = penalty_add(
            se.l2_reg[c], se.l1_reg[c], n_features, points[c], costs[c], grads[c]
        )


def _end_trials(st, se):
    """End a round of trials: momentum's correction next, or the update."""
    for c in range(len(st.in_round)):
        if not st.in_round[c]:
            continue
        st.grow[c] = st.first_try[c]
    if se.momentum and not st.restarting[0]:
        st.phase[0] = _CORRECTED
    else:
        _finish_step(st, st.k[0] - 1)


def _record(st, se, k):
    """Record J of iteration ``k``; stop the runs whose J or gradient is not finite."""
    for c in range(len(st.active)):
        if not st.active[c]:
            continue
        st.n_iter[c] = k + 1
        cost = st.costs[c]
        st.last_cost[c] = cost
        finite = np.isfinite(cost)
        if not finite:
            st.status[c] = COST_NOT_FINITE
        elif not all_finite(st.grads[c]):
            st.status[c] = GRADIENT_NOT_FINITE
            finite = False
        st.running[c] = finite
        st.active[c] = finite
        st.cost_history[k, c] = cost if finite else np.nan
        if finite and k > 0:
            previous = st.cost_history[k - 1, c]
            if cost - previous > se.rise_rtol * abs(previous):
                if st.rose_at[c] < 0:
                    st.rose_at[c] = k
                # Adaptive restart: momentum starts again from here.
                assign(st.previous[c], st.params[c])


def _check_convergence(st, se):
    """Stop the candidates whose gradient (mapping) is at most ``tol``."""
    n_running = 0
    for c in range(len(st.active)):
        if not st.active[c]:
            continue
        grad = st.grads[c]
        l1_reg = se.l1_reg[c]
        if l1_reg == 0.0:
            largest = abs_max(grad)
        else:  # the gradient mapping at the parameters, (x - prox) / step
            x, step = st.params[c], st.steps[c]
            moved = st.moved[c]
            lincomb(moved, x, -step, grad)
            soft_threshold(moved, step * l1_reg, se.n_features)
            lincomb(moved, x, -1.0, moved)
            largest = abs_max(moved) / step
        st.largest_gradient[c] = largest
        if se.tol > 0 and largest <= se.tol:
            st.status[c] = CONVERGED
            st.active[c] = False
        else:
            n_running += 1
    return n_running


def _shift(st, se):
    """Set the point ``y`` each running candidate steps from; True: evaluate J there.

    Without momentum ``y`` is ``x``; with it, ``x + mu (x - x_previous)``
    (Nesterov: its gradient is needed) or ``x`` (heavy ball), and J and the
    gradient at ``x`` are kept for the restart test.
    """
    mu = se.momentum
    for c in range(len(st.active)):
        if not st.active[c]:
            continue
        st.y_costs[c] = st.costs[c]
        assign(st.y_grads[c], st.grads[c])
        assign(st.y[c], st.params[c])
        if mu:
            st.x_costs[c] = st.costs[c]
            assign(st.x_grads[c], st.grads[c])
            st.moving[c] = differs(st.params[c], st.previous[c])
            if se.nesterov:  # y = x + mu (x - x_previous)
                lincomb(st.y[c], st.params[c], -1.0, st.previous[c])
                lincomb(st.y[c], st.params[c], mu, st.y[c])
    if not (mu and se.nesterov):
        return False
    for c in range(len(st.request)):
        st.request[c] = st.active[c] and st.moving[c]
    return st.request.any()


def _start_trials(st, se, running):
    """Take a first trial step from ``y`` for the candidates ``running`` (a mask)."""
    n_features = se.n_features
    for c in range(len(running)):
        st.in_round[c] = running[c]
        st.trying[c] = running[c] and se.adaptive[c]
    st.n_trials[0] = 0
    for c in range(len(running)):
        if not running[c]:
            continue
        _prox_step(st, se, c)
        st.accepted[c] = False
        st.first_try[c] = se.adaptive[c]
        st.y_smooth[c] = st.y_costs[c] - l1_value(se.l1_reg[c], n_features, st.y[c])


def _next_trial(st):
    """Whether to evaluate the candidates still trying (at most ``MAX_HALVINGS``)."""
    if st.n_trials[0] >= MAX_HALVINGS or not st.trying.any():
        return False
    st.n_trials[0] += 1
    for c in range(len(st.request)):
        st.request[c] = st.trying[c]
    return True


def _test_trials(st, se):
    """Accept the trials that decrease J; halve the others' steps and try again.

    The step is written into ``st.new`` and, in ``st.accepted``, whether J
    and its gradient there are known already (from an accepted trial,
    written into ``st.costs`` and ``st.grads``).
    """
    n_features = se.n_features
    for c in range(len(st.trying)):
        if not st.trying[c]:
            continue
        cost = st.trial_costs[c]
        ok = False
        if np.isfinite(cost) and all_finite(st.trial_grads[c]):
            smooth = cost - l1_value(se.l1_reg[c], n_features, st.new[c])
            ok = _decreases(
                se, st.y[c], st.y_smooth[c], st.y_grads[c],
                st.new[c], smooth, st.trial_grads[c], st.steps[c],
                st.moved[c], st.change[c],
            )  # fmt: skip
        if ok:
            st.costs[c] = cost
            assign(st.grads[c], st.trial_grads[c])
            st.accepted[c] = True
            st.trying[c] = False
        else:
            st.first_try[c] = False
            st.steps[c] /= 2
            _prox_step(st, se, c)


def _momentum_correct(st, se):
    """Add the heavy ball's shift; True: evaluate J at the steps not tried.

    Nesterov's step is taken from the shifted point already; the heavy
    ball adds ``mu (x - x_previous)`` to a plain step. J at the new point
    is needed for the restart test.
    """
    running = st.active
    if not se.nesterov:
        for c in range(len(running)):
            if not running[c]:
                continue
            shift = st.moved[c]
            lincomb(shift, st.params[c], -1.0, st.previous[c])
            lincomb(st.new[c], st.new[c], se.momentum, shift)
            st.accepted[c] = False
    for c in range(len(running)):
        st.request[c] = running[c] and not st.accepted[c]
        if st.request[c]:
            st.accepted[c] = True
    return st.request.any()


def _restart(st, se):
    """Restart where J would rise: a plain step from ``x`` instead; True if any.

    Where J at the new point is above J at ``x``, the step is dropped for a
    plain step from ``x`` and the momentum starts again from zero:
    O'Donoghue and Candes' adaptive restart, in a form that keeps the cost
    from rising.
    """
    restart = st.restarted  # False for every candidate until the update
    for c in range(len(st.active)):
        if not st.active[c]:
            continue
        rise = st.costs[c] - st.x_costs[c]
        # "not <=": a NaN cost is a rise too.
        restart[c] = st.moving[c] and not (rise <= se.round_off * abs(st.x_costs[c]))
    if not restart.any():
        return False
    st.restarting[0] = True
    for c in range(len(restart)):
        if not restart[c]:
            continue
        st.costs[c] = st.x_costs[c]
        st.y_costs[c] = st.x_costs[c]
        assign(st.grads[c], st.x_grads[c])
        assign(st.y_grads[c], st.x_grads[c])
        assign(st.y[c], st.params[c])
    _start_trials(st, se, restart)
    return True


def _finish_step(st, k):
    """Update every running candidate to its new point; the next iteration starts."""
    for c in range(len(st.active)):
        if not st.active[c]:
            continue
        st.step_history[k, c] = st.steps[c]
        # A step accepted at once may be too small: try a larger one next time.
        if st.grow[c]:
            st.steps[c] *= 2
        bad = not all_finite(st.new[c])
        if bad:
            st.status[c] = PARAMS_NOT_FINITE
            st.active[c] = False
        else:
            assign(st.previous[c], st.params[c])
            assign(st.params[c], st.new[c])
            if st.restarted[c]:  # after a restart the next step has no momentum
                assign(st.previous[c], st.params[c])
        st.restarted[c] = False
        st.known[c] = st.accepted[c] and not bad
    st.restarting[0] = False
    st.phase[0] = _START
    if not st.active.any():
        st.finished[0] = True


def _decreases(se, y, y_smooth, y_grads, new, smooth, grads, step, moved, change):
    """Test a trial step: a sufficient decrease, and a curvature bound.

    With ``m = new - y`` and step ``t``, a trial passes when

    - ``f(new) <= f(y) + g(y)^T m + |m|^2 / (2 t)`` (the sufficient decrease
      of the smooth part, up to a few round-offs of ``f``), and
    - ``(g(new) - g(y))^T m <= |m|^2 / t``: the curvature along the step is
      at most ``1 / t``. Both sides shrink like ``|m|^2``, so this test still
      tells steps apart where the costs are equal to round-off (in float32
      well before the gradient is small); without it the step grows there
      unchecked.

    ``moved`` and ``change`` are scratch space shaped like ``y`` (the
    compiled rule allocates nothing: a compiled function that may allocate
    costs about 0.5 us a call).
    """
    lincomb(moved, new, -1.0, y)
    quadratic = dot(moved, moved) / (2 * step)
    excess = smooth - y_smooth - dot(y_grads, moved)
    by_value = excess <= quadratic + se.round_off * abs(y_smooth)
    lincomb(change, grads, -1.0, y_grads)
    by_gradient = dot(change, moved) <= 2 * quadratic
    return by_value and by_gradient


def _prox_step(st, se, c):
    """Write ``prox(y - t grad)`` of candidate ``c`` (step ``t``) into ``st.new``."""
    step = st.steps[c]
    lincomb(st.new[c], st.y[c], -step, st.y_grads[c])
    l1_reg = se.l1_reg[c]
    if l1_reg != 0.0:
        soft_threshold(st.new[c], step * l1_reg, se.n_features)


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
        late = sorted(unconverged)
        names = "; ".join(labels[c] for c in late)
        advice = ["Increase max_iter"]
        if runs[0].adaptive[late].any() and scales.problem():
            advice.append(scales.standardise())
        message = (
            f"These candidates reached max_iter={max_iter} before tol on some "
            f"fold: {names}. {', or '.join(advice)}."
        )
        if np.isinf(Cs[late]).any():
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
    >>> def quadratics(stack, running):
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
        if not verbose:
            self.at = set()  # a silent fit: no geomspace (40 us of its fixed cost)
        elif verbose > 1:
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
        if not self.verbose:
            return
        finite = np.asarray(costs)[np.isfinite(costs)]
        if k == self.last_printed or not len(finite):
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
