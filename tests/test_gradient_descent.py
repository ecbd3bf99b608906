import warnings
from functools import partial

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from scipy.optimize import minimize
from sklearn.exceptions import ConvergenceWarning

from sklearn_gd._gradient_descent import Status, descend_candidates, gradient_descent
from sklearn_gd._loss import ElasticNet


def quadratic(params, A, c):
    """f(x) = x^T A x / 2 - c^T x, gradient A x - c."""
    return float(params @ A @ params / 2 - c @ params), A @ params - c


def _quadratic_problem(seed=0, n=5):
    rng = np.random.default_rng(seed)
    B = rng.normal(size=(n, n))
    A = B @ B.T + np.eye(n)
    c = rng.normal(size=n)
    return partial(quadratic, A=A, c=c), A, c


def test_converges_to_the_minimiser_that_scipy_finds():
    f, A, c = _quadratic_problem()
    L = np.linalg.eigvalsh(A)[-1]
    params, costs, n_iter = gradient_descent(
        f, np.zeros(5), alpha=1 / L, max_iter=100_000, tol=1e-10
    )
    reference = minimize(f, np.zeros(5), jac=True, method="BFGS", tol=1e-12)
    assert_allclose(params, np.linalg.solve(A, c), rtol=1e-8)
    assert costs[-1] == pytest.approx(reference.fun, rel=1e-10)
    assert n_iter == len(costs) < 100_000


def test_cost_history_is_the_cost_before_each_update():
    f, A, c = _quadratic_problem(1)
    params, costs, n_iter = gradient_descent(
        f, np.zeros(5), alpha=0.01, max_iter=4, tol=0
    )
    expected, x = [], np.zeros(5)
    for _ in range(4):
        cost, grad = f(x)
        expected.append(cost)
        x = x - 0.01 * grad
    assert_array_equal(costs, expected)
    assert_array_equal(params, x)
    assert n_iter == 4


def test_stops_as_soon_as_the_gradient_is_below_tol():
    f, A, c = _quadratic_problem(2)
    params, costs, n_iter = gradient_descent(
        f,
        np.zeros(5),
        alpha=0.5 / np.linalg.eigvalsh(A)[-1],
        max_iter=10_000,
        tol=1e-3,
    )
    assert np.abs(f(params)[1]).max() <= 1e-3
    # One iteration earlier the gradient was still above tol.
    _, short_costs, _ = gradient_descent(
        f,
        np.zeros(5),
        alpha=0.5 / np.linalg.eigvalsh(A)[-1],
        max_iter=n_iter - 1,
        tol=0,
    )
    assert_array_equal(short_costs, costs[:-1])
    assert costs[-1] == f(params)[0]


def test_starting_point_is_not_modified():
    f, _, _ = _quadratic_problem()
    start = np.ones(5)
    gradient_descent(f, start, alpha=0.01, max_iter=5, tol=0)
    assert_array_equal(start, np.ones(5))


def test_cost_never_rises_with_step_one_over_L():
    f, A, c = _quadratic_problem(3, n=20)
    _, costs, _ = gradient_descent(
        f, np.zeros(20), alpha=1 / np.linalg.eigvalsh(A)[-1], max_iter=500, tol=0
    )
    assert np.all(np.diff(costs) <= 0)


def test_divergence_raises_naming_iteration_alpha_and_remedies():
    f, A, c = _quadratic_problem()
    with pytest.raises(ValueError) as excinfo:
        gradient_descent(f, np.zeros(5), alpha=1e200, max_iter=1000, tol=0)
    message = str(excinfo.value)
    assert "diverged at iteration" in message
    assert "alpha=1e+200" in message
    assert "smaller alpha" in message and "alpha='adaptive'" in message
    assert "standardise X" in message


def test_rising_cost_warns_once_and_alone():
    f, A, c = _quadratic_problem()
    L = np.linalg.eigvalsh(A)[-1]
    with pytest.warns(ConvergenceWarning, match="cost rose") as record:
        # 2.05 / L oscillates and grows slowly along the top eigenvector; the
        # other directions keep J below its start for 20 iterations.
        _, costs, _ = gradient_descent(
            f, np.zeros(5), alpha=2.05 / L, max_iter=20, tol=1e-12
        )
    assert costs[-1] < costs[0]
    # One warning: the step is too large, and more iterations would not help.
    assert [str(w.message) for w in record if "cost rose" in str(w.message)] == [
        str(w.message) for w in record
    ]
    assert len(record) == 1 and "max_iter" not in str(record[0].message)


def test_a_cost_that_ends_above_its_start_raises():
    f, A, c = _quadratic_problem()
    L = np.linalg.eigvalsh(A)[-1]
    # After 50 iterations the growth along the top eigenvector wins.
    with pytest.raises(ValueError, match="no usable model: its cost ended above"):
        gradient_descent(f, np.zeros(5), alpha=2.05 / L, max_iter=50, tol=0)


def test_max_iter_warns_only_when_tol_is_positive():
    f, _, _ = _quadratic_problem()
    with pytest.warns(ConvergenceWarning, match="max_iter=3"):
        gradient_descent(f, np.zeros(5), alpha=0.001, max_iter=3, tol=1e-4)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        gradient_descent(f, np.zeros(5), alpha=0.001, max_iter=3, tol=0)


def test_proximal_step_gives_the_lasso_solution_with_exact_zeros():
    # min ||x - v||^2 / 2 + lam ||x||_1 is solved by soft-thresholding v.
    v = np.array([[3.0, -0.2, 0.5, -4.0]])

    def f(params):  # the smooth part: the driver adds the L1 term
        return float(((params - v) ** 2).sum() / 2), params - v

    penalty = ElasticNet([0.0], [1.0], fit_intercept=False)

    params, costs, _ = gradient_descent(
        f, np.zeros((1, 4)), alpha=0.5, max_iter=1000, tol=1e-12, penalty=penalty
    )
    assert_allclose(params, [[2.0, 0.0, 0.0, -3.0]], atol=1e-10)
    assert params[0, 1] == 0.0 and params[0, 2] == 0.0
    assert np.all(np.diff(costs) <= 1e-15)


@pytest.mark.parametrize("verbose", [0, 1, 2])
def test_verbose_prints_progress_lines(capsys, verbose):
    f, _, _ = _quadratic_problem()
    gradient_descent(f, np.zeros(5), alpha=0.001, max_iter=100, tol=0, verbose=verbose)
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == {0: 0, 1: 10, 2: 100}[verbose]
    if lines:
        assert lines[0].startswith("iteration      1  cost ")
        assert lines[-1].startswith("iteration    100  cost ")
        assert "max|grad|" in lines[0] and "elapsed" in lines[0]


@pytest.mark.parametrize("max_iter", [100, 1000, 10_000])
@pytest.mark.parametrize("fraction", [0.03, 0.1, 0.465, 1.0])
def test_verbose_1_prints_about_ten_lines_first_and_last(capsys, max_iter, fraction):
    """Whatever the length of the run: the first, the last, about ten in all."""
    n_iter = max(1, round(fraction * max_iter))

    def stops_at_n_iter(params):  # gradient 1 until the run's last iteration
        k = int(params[0])
        return float(-k), np.array([-1.0 if k + 1 < n_iter else 0.0])

    params, _, n = gradient_descent(
        stops_at_n_iter, np.zeros(1), alpha=1.0, max_iter=max_iter, tol=0.5, verbose=1
    )
    assert n == n_iter
    numbers = [int(line.split()[1]) for line in capsys.readouterr().out.splitlines()]
    assert numbers[0] == 1 and numbers[-1] == n_iter
    assert numbers == sorted(set(numbers))
    assert min(n_iter, 5) <= len(numbers) <= 11


def test_a_non_finite_gradient_with_a_finite_cost_is_named_as_such():
    def finite_cost_infinite_gradient(params):
        return 0.0, np.full_like(params, np.inf)

    with pytest.raises(ValueError) as excinfo:
        gradient_descent(
            finite_cost_infinite_gradient, np.zeros(3), alpha=0.1, max_iter=5, tol=0
        )
    message = str(excinfo.value)
    assert "diverged at iteration 1" in message
    assert "the gradient became non-finite (the cost was 0)" in message
    assert "the cost became" not in message


@pytest.mark.parametrize(
    "outcome, status",
    [
        ((np.nan, 1.0), Status.COST_NOT_FINITE),
        ((1.0, np.inf), Status.GRADIENT_NOT_FINITE),
        ((1.0, 1e308), Status.PARAMS_NOT_FINITE),
        ((1.0, 0.0), Status.CONVERGED),
        ((1.0, 1.0), Status.MAX_ITER),
    ],
)
def test_each_way_of_ending_has_its_status(outcome, status):
    cost, gradient = outcome

    def f(stack, which):
        return np.full(len(stack), cost), np.full_like(stack, gradient)

    run = descend_candidates(f, np.zeros((1, 2)), alphas=[1e10], max_iter=3, tol=1e-3)
    assert run.status[0] == status
    assert run.diverged[0] == (status >= Status.COST_NOT_FINITE)


def _ill_conditioned(n=20, condition=1e3):
    """A quadratic whose curvatures spread over ``condition``: slow for plain GD."""
    curvatures = np.geomspace(1.0, condition, n)

    def f(stack, which):
        return 0.5 * (curvatures * stack**2).sum(axis=1), curvatures * stack

    return f, curvatures.max()


@pytest.mark.parametrize("nesterov", [True, False])
def test_momentum_arrives_sooner_and_its_restarts_keep_the_cost_falling(nesterov):
    f, L = _ill_conditioned()
    start = np.ones((1, 20))
    plain = descend_candidates(f, start, alphas=[1 / L], max_iter=20_000, tol=1e-8)
    fast = descend_candidates(
        f, start, alphas=[1 / L], max_iter=20_000, tol=1e-8, momentum=0.95,
        nesterov=nesterov,
    )  # fmt: skip
    assert plain.status[0] == fast.status[0] == Status.CONVERGED
    assert fast.n_iter[0] * 5 < plain.n_iter[0]
    costs = fast.history(0)
    assert np.all(np.diff(costs) <= 1e-15 * costs[:-1])  # restarts, no rise
    # Each iteration evaluates the new point; Nesterov's the shifted one too.
    assert fast.n_passes[0] > fast.n_iter[0]


def test_adaptive_steps_find_the_curvature_from_a_step_far_too_large():
    f, L = _ill_conditioned(condition=10.0)
    run = descend_candidates(
        f, np.ones((1, 20)), alphas=[1e6], max_iter=500, tol=1e-8, adaptive=True
    )
    assert run.status[0] == Status.CONVERGED
    steps = run.steps(0)[:-1]
    # Halved from 1e6 until the curvature along the step (between the
    # smallest, 1, and the largest, L) was at most 1/step.
    assert 1 / (2 * L) < steps[0] <= 1.0
    assert np.all(steps <= 1.0)
    assert np.all(np.diff(run.history(0)) <= 0)
    assert run.n_passes[0] > run.n_iter[0]  # the trials are counted


def test_a_fixed_step_costs_one_pass_an_iteration():
    f, L = _ill_conditioned()
    run = descend_candidates(f, np.ones((1, 20)), alphas=[1 / L], max_iter=30, tol=0)
    assert run.n_passes[0] == run.n_iter[0] == 30
    assert_array_equal(run.steps(0), np.full(30, 1 / L))
