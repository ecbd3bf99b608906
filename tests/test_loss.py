import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose, assert_array_equal
from scipy.optimize import approx_fprime, check_grad
from scipy.special import expit, log_softmax, logsumexp
from sklearn import config_context

from sklearn_gd import _loss

from .conftest import make_data, make_evaluator, objective

raise_on_float_errors = np.errstate(over="raise", divide="raise", invalid="raise")


def test_stable_functions_match_scipy_on_moderate_values():
    z = np.linspace(-30, 30, 60)
    assert_allclose(_loss.sigmoid(z), expit(z), rtol=1e-15)
    assert_allclose(_loss.softplus(z), np.logaddexp(0, z), rtol=1e-15)
    assert_allclose(_loss.log_sigmoid(z), -np.logaddexp(0, -z), rtol=1e-15)
    Z = z.reshape(-1, 3)
    assert_allclose(_loss.log_softmax(Z), log_softmax(Z, axis=1), rtol=1e-14)


def test_stable_functions_do_not_overflow_on_extreme_values():
    z = np.array([-1e308, -800.0, 800.0, 1e308])
    with raise_on_float_errors:
        assert_array_equal(_loss.sigmoid(z), [0.0, 0.0, 1.0, 1.0])
        assert_array_equal(_loss.softplus(z), [0.0, 0.0, 800.0, 1e308])
        assert_array_equal(_loss.log_sigmoid(z), [-1e308, -800.0, 0.0, 0.0])
        log_A = _loss.log_softmax(np.array([[800.0, 0.0], [-800.0, -800.0]]))
    assert_allclose(log_A, [[0.0, -800.0], [np.log(0.5), np.log(0.5)]])


def _problem(rng, n_classes, fit_intercept, n_samples=30, n_features=4):
    X = rng.normal(size=(n_samples, n_features))
    y = rng.integers(n_classes, size=n_samples)
    sample_weight = rng.uniform(0.1, 3.0, size=n_samples)
    n_outputs = 1 if n_classes == 2 else n_classes
    params = rng.normal(size=(n_outputs, n_features + fit_intercept))
    loss = make_evaluator(X, y, sample_weight, n_classes, fit_intercept)
    return loss, params, X, y, sample_weight


@pytest.mark.parametrize("n_classes", [2, 4])
@pytest.mark.parametrize("fit_intercept", [True, False])
def test_gradient_matches_finite_differences(n_classes, fit_intercept):
    rng = np.random.default_rng(0)
    loss, params, X, y, sw = _problem(rng, n_classes, fit_intercept)
    shape = params.shape
    l2_reg = 0.3

    f = objective(loss, l2_reg)

    def cost(flat):
        return f(flat.reshape(shape))[0]

    def grad(flat):
        return f(flat.reshape(shape))[1].ravel()

    flat = params.ravel()
    assert (
        check_grad(cost, grad, flat, epsilon=1e-7)
        < 1e-6 * np.linalg.norm(grad(flat)) + 1e-7
    )
    assert_allclose(grad(flat), approx_fprime(flat, cost, 1e-7), atol=1e-6)


@pytest.mark.parametrize("n_classes", [2, 3])
def test_cost_at_zero_is_log_of_number_of_classes(n_classes):
    rng = np.random.default_rng(1)
    loss, params, X, y, sw = _problem(rng, n_classes, True)
    cost, _ = objective(loss)(np.zeros_like(params))
    assert cost == pytest.approx(np.log(n_classes), rel=1e-14)


def test_binary_cost_is_the_seeds_cross_entropy():
    rng = np.random.default_rng(2)
    loss, params, X, y, sw = _problem(rng, 2, True)
    a = expit(X @ params[0, :-1] + params[0, -1])
    seed_J = -(y * np.log(a) + (1 - y) * np.log(1 - a))
    cost, _ = objective(loss)(params)
    assert cost == pytest.approx(np.average(seed_J, weights=sw), rel=1e-13)


def test_multinomial_cost_is_the_cross_entropy():
    rng = np.random.default_rng(3)
    loss, params, X, y, sw = _problem(rng, 3, True)
    Z = X @ params[:, :-1].T + params[:, -1]
    expected = logsumexp(Z, axis=1) - Z[np.arange(len(y)), y]
    cost, _ = objective(loss)(params)
    assert cost == pytest.approx(np.average(expected, weights=sw), rel=1e-13)


def test_penalty_adds_l2_and_l1_terms_but_not_on_the_intercept():
    stack = np.array([[[9.0, 9.0, 9.0]], [[1.0, -2.0, 7.0]]])
    penalty = _loss.ElasticNet([0.0, 0.5], [1.0, 0.25], fit_intercept=True)
    # Only the second candidate runs: its own strengths apply.
    costs, grads = penalty.add_to(np.zeros(1), np.zeros((1, 1, 3)), stack[1:], [1])
    assert costs[0] == pytest.approx(0.5 * 0.5 * 5 + 0.25 * 3)
    assert_array_equal(grads, [[[0.5, -1.0, 0.0]]])
    assert_array_equal(stack[1], [[1.0, -2.0, 7.0]])


def test_penalty_strengths_scale_like_logistic_regression():
    l2_reg, l1_reg = _loss.penalty_strengths(2.0, 0.25, 10.0)
    assert (l2_reg, l1_reg) == pytest.approx((0.75 / 20, 0.25 / 20))
    assert _loss.penalty_strengths(np.inf, 0.5, 10.0) == (0.0, 0.0)


@given(
    values=st.lists(st.floats(-10, 10, allow_nan=False), min_size=3, max_size=3),
    step=st.floats(0.01, 10),
    l1_reg=st.floats(0.0, 5),
)
@settings(max_examples=50)
def test_prox_l1_satisfies_the_prox_optimality_condition(values, step, l1_reg):
    v = np.array([[values]])
    penalty = _loss.ElasticNet([0.0], [l1_reg], fit_intercept=True)
    u = penalty.prox(v, np.array([step]), [0])
    t = step * l1_reg
    # u minimises ||u - v||^2 / 2 + t ||u_W||_1: 0 in (u - v) + t * subgradient.
    W_u, W_v = u[0, 0, :2], v[0, 0, :2]
    nonzero = W_u != 0
    assert_allclose(W_u[nonzero] - W_v[nonzero], -t * np.sign(W_u[nonzero]), atol=1e-12)
    assert np.all(np.abs(W_v[~nonzero]) <= t + 1e-12)
    assert u[0, 0, 2] == v[0, 0, 2]
    assert_array_equal(v, [[values]])  # the input is untouched


@pytest.mark.parametrize("n_classes", [2, 3])
@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("n_samples", [5, 40])
def test_lipschitz_constant_bounds_the_hessian(n_classes, fit_intercept, n_samples):
    rng = np.random.default_rng(4)
    loss, params, X, y, sw = _problem(
        rng, n_classes, fit_intercept, n_samples=n_samples, n_features=8
    )
    X[:, 0] *= 30  # unscaled: a Hessian far from the identity
    loss = make_evaluator(X, y, sw, n_classes, fit_intercept)  # X changed
    L = loss.lipschitz_constant(0.1)
    assert L == _loss.lipschitz_constant(X, sw, fit_intercept, n_classes, l2_reg=0.1)
    shape = params.shape
    f = objective(loss, 0.1)

    def grad(flat):
        return f(flat.reshape(shape))[1].ravel()

    for scale in (0.0, 0.1, 1.0):
        flat = scale * rng.normal(size=params.size)
        eps = 1e-6
        hessian = np.array(
            [
                (grad(flat + eps * e) - grad(flat - eps * e)) / (2 * eps)
                for e in np.eye(flat.size)
            ]
        )
        largest = np.linalg.eigvalsh((hessian + hessian.T) / 2)[-1]
        assert largest <= L * (1 + 1e-6)
    # At zero the binary bound is attained: it is not loose by a large factor.
    if n_classes == 2:
        assert (
            L
            < 1.01 * np.linalg.eigvalsh(_hessian_at_zero(X, sw, fit_intercept))[-1]
            + 0.1
        )


def _hessian_at_zero(X, sw, fit_intercept):
    Xt = np.hstack([X, np.ones((len(X), 1))]) if fit_intercept else X
    return 0.25 * (Xt.T * sw) @ Xt / sw.sum()


@pytest.mark.parametrize("n_features", [1, 2, 5])
@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("n_classes", [2, 3])
def test_lipschitz_constant_of_sparse_X_equals_dense(
    n_features, fit_intercept, n_classes
):
    from scipy import sparse

    rng = np.random.default_rng(5)
    X = rng.normal(size=(30, n_features)) * (rng.random((30, n_features)) < 0.5)
    sw = rng.uniform(0.5, 2.0, size=30)
    dense = _loss.lipschitz_constant(X, sw, fit_intercept, n_classes, 0.01)
    on_sparse = _loss.lipschitz_constant(
        sparse.csr_matrix(X), sw, fit_intercept, n_classes, 0.01
    )
    assert on_sparse == pytest.approx(dense, rel=1e-6)


@pytest.mark.parametrize("n_classes", [2, 4])
@pytest.mark.parametrize("fit_intercept", [True, False])
def test_sums_over_parts_of_the_rows_add_up(n_classes, fit_intercept):
    """What a Dask fit relies on: the accumulators of the chunks add up."""
    rng = np.random.default_rng(11)
    X, y = make_data(rng, n_samples=90, n_features=5, n_classes=n_classes)
    weights = rng.uniform(0.0, 2.0, len(y))
    n_outputs = 1 if n_classes == 2 else n_classes
    stack = rng.normal(size=(2, n_outputs, 5 + fit_intercept))
    whole = make_evaluator(X, y, weights, n_classes, fit_intercept)
    parts = [
        make_evaluator(X[rows], y[rows], weights[rows], n_classes, fit_intercept)
        for rows in (slice(0, 7), slice(7, 50), slice(50, 90))
    ]
    sums = [part.sums(stack) for part in parts]
    costs, grads = whole(stack)
    assert_allclose(sum(c for c, _ in sums) / weights.sum(), costs, rtol=1e-13)
    assert_allclose(sum(g for _, g in sums) / weights.sum(), grads, rtol=1e-12)
    grams = [
        _loss.feature_gram(X[rows], weights[rows], fit_intercept)
        for rows in (slice(0, 7), slice(7, 90))
    ]
    assert_allclose(
        sum(grams), _loss.feature_gram(X, weights, fit_intercept), rtol=1e-13
    )


def _every_kind(X, y, weights):
    """The data of every evaluator: NumPy for both solvers, CSR, torch, Dask."""
    from scipy import sparse

    kinds = {
        "loop": (X, y, weights, "loop"),
        "vectorized": (X, y, weights, "vectorized"),
        "csr": (sparse.csr_matrix(X), y, weights, "vectorized"),
    }
    torch = pytest.importorskip("torch")
    kinds["torch"] = (torch.asarray(X), y, weights, "vectorized")
    da = pytest.importorskip("dask.array")
    kinds["dask"] = (
        da.from_array(X, chunks=(25, -1)),
        da.from_array(y, chunks=25),
        da.from_array(weights, chunks=25),
        "vectorized",
    )
    return kinds


@pytest.mark.parametrize("n_classes", [2, 4])
@pytest.mark.parametrize("fit_intercept", [True, False])
def test_every_evaluator_honours_the_contract(n_classes, fit_intercept):
    """Same stack in, same costs and gradients out, whatever holds the data."""
    rng = np.random.default_rng(12)
    X, y = make_data(rng, n_samples=70, n_features=4, n_classes=n_classes)
    weights = rng.uniform(0.0, 2.0, len(y))
    n_outputs = 1 if n_classes == 2 else n_classes
    stack = rng.normal(size=(3, n_outputs, 4 + fit_intercept))
    reference = make_evaluator(X, y, weights, n_classes, fit_intercept)
    expected_costs, expected_grads = reference(stack)
    expected_L = reference.lipschitz_constant(0.1)
    for name, (X_k, y_k, w_k, solver) in _every_kind(X, y, weights).items():
        with config_context(array_api_dispatch=name == "torch"):
            evaluator = make_evaluator(
                X_k, y_k, w_k, n_classes, fit_intercept, solver=solver
            )
            assert isinstance(evaluator, _loss.Evaluator), name
            costs, grads = evaluator(stack)
            one_by_one = [evaluator(stack[c : c + 1]) for c in range(3)]
            L = evaluator.lipschitz_constant(0.1)
        assert costs.shape == (3,) and grads.shape == stack.shape, name
        assert_allclose(costs, expected_costs, rtol=1e-12, err_msg=name)
        assert_allclose(grads, expected_grads, rtol=1e-10, atol=1e-14, err_msg=name)
        for c, (cost_c, grad_c) in enumerate(one_by_one):
            assert_allclose(cost_c, costs[c : c + 1], rtol=1e-13, err_msg=name)
            assert_allclose(grad_c, grads[c : c + 1], rtol=1e-12, atol=1e-15)
        assert L == pytest.approx(expected_L, rel=1e-6), name
        assert evaluator.weight_sum == pytest.approx(weights.sum(), rel=1e-13)
        assert (evaluator.n_features, evaluator.n_outputs) == (4, n_outputs)
        assert evaluator.dtype == np.float64, name


@pytest.mark.parametrize("n_samples", [2, 200])  # both forms of the Gram
def test_lipschitz_constant_of_huge_float32_is_the_float64_one(n_samples):
    rng = np.random.default_rng(12)
    X32 = (3e19 * rng.normal(size=(n_samples, 4))).astype(np.float32)
    sw = np.ones(n_samples, dtype=np.float32)
    L32 = _loss.lipschitz_constant(X32, sw, True, 2, 0.0)
    L64 = _loss.lipschitz_constant(
        X32.astype(np.float64), sw.astype(float), True, 2, 0.0
    )
    assert np.isfinite(L32)
    assert L32 == pytest.approx(L64, rel=1e-6)
