"""The problem builder: what every fit and search hands the driver."""

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal

from sklearn_gd._data import InMemoryData
from sklearn_gd._loss import lipschitz_constant
from sklearn_gd._problem import build_folds_problem, build_problem, example_weights

from .conftest import make_data

COMMON = dict(l1_ratio=0.3, fit_intercept=True)


def _labels(y):
    """The classes and each label's index, as a fit encodes them once."""
    return InMemoryData().encode_labels(y)


def _weighted_data(seed, n_samples=80, n_classes=2):
    rng = np.random.default_rng(seed)
    X, y = make_data(rng, n_samples=n_samples, n_classes=n_classes)
    return X, y, rng.uniform(0.5, 2.0, size=len(y))


@pytest.mark.parametrize("n_classes", [2, 3])
def test_a_folds_candidate_is_the_problem_of_its_training_rows(n_classes):
    # A stacked search on Dask weighs the rows a fold leaves out by zero:
    # each candidate must be build_problem's on that fold's rows alone.
    da = pytest.importorskip("dask.array")
    dask = pytest.importorskip("dask")
    from sklearn_gd._dask import DaskData

    X, y, w = _weighted_data(1, n_classes=n_classes)
    trains = [np.arange(0, 60), np.arange(20, 80)]
    alphas, Cs = [0.1, 0.5], [1.0, 10.0]
    with dask.config.set(scheduler="synchronous"):
        folds = build_folds_problem(
            DaskData(),
            da.from_array(X, chunks=25),
            np.unique(y),
            da.from_array(y, chunks=25),
            da.from_array(w, chunks=25),
            trains,
            alphas=alphas,
            Cs=Cs,
            class_weight="balanced",
            **COMMON,
        )
        rng = np.random.default_rng(2)
        stack = 0.3 * rng.normal(size=folds.start.shape)
        for f, train in enumerate(trains):
            one = build_problem(
                InMemoryData(),
                X[train],
                *_labels(y[train]),
                w[train],
                alphas=alphas,
                Cs=Cs,
                class_weight="balanced",
                solver="vectorized",
                **COMMON,
            )
            which = np.arange(f * len(alphas), (f + 1) * len(alphas))
            assert_array_equal(folds.folds[which], f)
            assert_array_equal(folds.alphas[which], one.alphas)
            assert_array_equal(folds.start[which], one.start)
            assert_allclose(folds.penalty.l2_reg[which], one.penalty.l2_reg, rtol=1e-12)
            assert_allclose(folds.penalty.l1_reg[which], one.penalty.l1_reg, rtol=1e-12)
            assert_allclose(folds.class_weight[f], one.class_weight, rtol=1e-12)
            costs, grads = folds.data_term(stack[which], which)
            expected_costs, expected_grads = one.data_term(stack[which], None)
            assert_allclose(costs, expected_costs, rtol=1e-10)
            assert_allclose(grads, expected_grads, rtol=1e-10, atol=1e-14)


def test_steps_auto_and_adaptive_start_at_one_over_the_curvature_bound():
    X, y, w = _weighted_data(3)
    problem = build_problem(
        InMemoryData(),
        X,
        *_labels(y),
        w,
        alphas=[0.25, "auto", "adaptive"],
        Cs=[1.0] * 3,
        class_weight=None,
        solver="vectorized",
        **COMMON,
    )
    data_bound = lipschitz_constant(X, w / w.sum(), True, 2, 0.0)
    assert_allclose(problem.data_curvature, data_bound, rtol=1e-10)
    l2 = problem.penalty.l2_reg
    assert problem.alphas[0] == 0.25
    assert_allclose(problem.alphas[1:], 1.0 / (data_bound + l2[1:]), rtol=1e-10)
    assert_array_equal(problem.adaptive, [False, False, True])
    # Fixed steps alone need no bound.
    fixed = build_problem(
        InMemoryData(),
        X,
        *_labels(y),
        w,
        alphas=[0.25],
        Cs=[1.0],
        class_weight=None,
        solver="vectorized",
        **COMMON,
    )
    assert fixed.data_curvature is None


def test_the_start_is_zero_or_the_previous_fit_and_refuses_another_shape():
    X, y, w = _weighted_data(4)
    args = dict(alphas=[0.1, 0.2], Cs=[1.0, 1.0], class_weight=None)
    args.update(solver="vectorized", **COMMON)
    zero = build_problem(InMemoryData(), X, *_labels(y), w, **args)
    assert zero.start.shape == (2, 1, X.shape[1] + 1) and not zero.start.any()
    coef, intercept = np.arange(X.shape[1], dtype=float)[None], np.array([-1.0])
    warm = build_problem(
        InMemoryData(),
        X,
        *_labels(y),
        w,
        previous=(np.array([0, 1]), coef, intercept),
        **args,
    )
    for c in range(2):
        assert_array_equal(warm.start[c, 0, :-1], coef[0])
        assert warm.start[c, 0, -1] == -1.0
    with pytest.raises(ValueError, match="warm_start=True needs the classes"):
        build_problem(
            InMemoryData(),
            X,
            *_labels(y),
            w,
            previous=(np.array([0, 2]), coef, intercept),
            **args,
        )


def test_class_weights_fold_into_the_example_weights_as_on_a_test_fold():
    X, y, w = _weighted_data(5, n_classes=3)
    problem = build_problem(
        InMemoryData(),
        X,
        *_labels(y),
        w,
        alphas=[0.1],
        Cs=[1.0],
        class_weight="balanced",
        solver="vectorized",
        **COMMON,
    )
    counts = np.bincount(y, weights=w)
    assert_allclose(problem.class_weight, counts.sum() / (3 * counts), rtol=1e-12)
    # The training weights and example_weights agree on the training rows.
    assert_allclose(
        example_weights(problem.classes, problem.class_weight, y, w, "balanced"),
        w * problem.class_weight[y],
        rtol=1e-12,
    )
    assert_allclose(problem.evaluator.weight_sum, (w * problem.class_weight[y]).sum())
