import warnings

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.datasets import load_breast_cancer
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV, StratifiedKFold
from sklearn.preprocessing import StandardScaler

from sklearn_gd import GDLogisticClassifier, GDLogisticClassifierCV

from .conftest import make_data

SPLITTER = StratifiedKFold(3, shuffle=True, random_state=0)


def _common(**params):
    return dict(max_iter=60, tol=1e-3, **params)


@pytest.mark.parametrize("solver", ["vectorized", "loop"])
@pytest.mark.parametrize(
    "n_classes, Cs, l1_ratio, class_weight",
    [
        (2, [np.inf], 0.0, None),
        (3, [0.5, np.inf], 0.5, "balanced"),
        (2, [1.0], 1.0, None),
    ],
)
def test_every_candidate_equals_a_separate_fit(
    solver, n_classes, Cs, l1_ratio, class_weight
):
    rng = np.random.default_rng(0)
    X, y = make_data(rng, n_samples=60, n_features=4, n_classes=n_classes)
    sample_weight = rng.uniform(0.5, 2.0, size=len(y))
    # Fixed steps (2.0 too large for some), and each rule with its own steps.
    alphas = [0.05, 0.5, 2.0, "auto", "adaptive"]
    common = _common(l1_ratio=l1_ratio, class_weight=class_weight, solver=solver)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        cv = GDLogisticClassifierCV(alphas=alphas, Cs=Cs, cv=SPLITTER, **common)
        cv.fit(X, y, sample_weight=sample_weight)
        for fold, (train, _) in enumerate(SPLITTER.split(X, y)):
            for a, alpha in enumerate(alphas):
                for c, C in enumerate(Cs):
                    single = GDLogisticClassifier(alpha=alpha, C=C, **common)
                    try:
                        single.fit(
                            X[train], y[train], sample_weight=sample_weight[train]
                        )
                    except ValueError as error:  # a step far too large
                        assert "no usable model" in str(error)
                        assert cv.coefs_paths_[fold, a, c] is None
                        assert np.isnan(cv.scores_[fold, a, c])
                        continue
                    params = np.column_stack([single.coef_, single.intercept_])
                    assert_allclose(
                        cv.coefs_paths_[fold, a, c], params, rtol=1e-10, atol=1e-12
                    )
                    assert_allclose(
                        cv.cost_histories_[fold, a, c], single.cost_history_, rtol=1e-10
                    )
                    assert cv.n_iter_[fold, a, c] == single.n_iter_


@pytest.mark.parametrize("scoring", [None, "neg_log_loss"])
def test_chosen_alpha_is_the_one_grid_search_chooses(scoring):
    X, y = load_breast_cancer(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    # After 30 iterations the adaptive rule is ahead of every fixed step.
    alphas = [1e-3, 1e-2, 0.1, 0.3, "auto", "adaptive"]
    cv = GDLogisticClassifierCV(
        alphas=alphas, cv=SPLITTER, scoring=scoring, max_iter=30, tol=0
    )
    cv.fit(X, y)
    search = GridSearchCV(
        GDLogisticClassifier(max_iter=30, tol=0),
        {"alpha": alphas},
        cv=SPLITTER,
        scoring=scoring,
    ).fit(X, y)
    assert cv.alpha_ == search.best_params_["alpha"]
    assert_allclose(
        cv.scores_[:, :, 0].mean(axis=0), search.cv_results_["mean_test_score"]
    )
    # The refit is the separate fit of the chosen candidate on all the data.
    assert_allclose(cv.coef_, search.best_estimator_.coef_, rtol=1e-10)
    assert_allclose(cv.cost_history_, search.best_estimator_.cost_history_, rtol=1e-10)
    assert_array_equal(cv.predict(X), search.predict(X))
    assert_allclose(cv.predict_proba(X), search.predict_proba(X), rtol=1e-10)


def test_both_solvers_give_the_same_search_with_diverging_candidates():
    X, y = load_breast_cancer(return_X_y=True)  # unscaled: large alphas diverge
    X, y = X[::6], y[::6]
    params = dict(alphas=[1e-7, 3e-6, 1e-3, 1e308], Cs=[1.0, np.inf], cv=3)
    searches = {}
    for solver in ("vectorized", "loop"):
        with pytest.warns(ConvergenceWarning, match="diverged"):
            searches[solver] = GDLogisticClassifierCV(
                solver=solver, max_iter=15, tol=0, **params
            ).fit(X, y)
    loop, vectorized = searches["loop"], searches["vectorized"]
    assert np.isnan(vectorized.scores_[:, 3]).all()  # some candidates diverged
    assert_allclose(loop.scores_, vectorized.scores_, rtol=1e-10)
    assert_array_equal(loop.n_iter_, vectorized.n_iter_)
    assert (loop.alpha_, loop.C_) == (vectorized.alpha_, vectorized.C_)
    for history_loop, history_vec in zip(
        loop.cost_histories_.ravel(), vectorized.cost_histories_.ravel(), strict=True
    ):
        assert_allclose(history_loop, history_vec, rtol=1e-10)
    for path_loop, path_vec in zip(
        loop.coefs_paths_.ravel(), vectorized.coefs_paths_.ravel(), strict=True
    ):
        assert (path_loop is None) == (path_vec is None)
        if path_vec is not None:
            assert_allclose(path_loop, path_vec, rtol=1e-10, atol=1e-14)
    # A diverged candidate: the iterations it ran, its finite costs, then NaN.
    history = vectorized.cost_histories_[0, 3, 0]
    assert len(history) == vectorized.n_iter_[0, 3, 0] >= 1
    assert np.isfinite(history[:-1]).all()
    assert vectorized.coefs_paths_[0, 3, 0] is None
    assert_array_equal(vectorized.Cs_, [1.0, np.inf])


def test_test_folds_are_weighted_with_the_training_folds_class_weights():
    # The test folds hold the classes in other proportions than training:
    # 'balanced' weights recomputed on a test fold would give other scores.
    rng = np.random.default_rng(8)
    X, y = make_data(rng, n_samples=60, n_features=2)
    sample_weight = rng.uniform(0.5, 2.0, len(y))
    test_folds = [np.flatnonzero(y == 0)[:20], np.flatnonzero(y == 1)[:5]]
    splits = [
        (np.setdiff1d(np.arange(60), test), np.concatenate([test, [59]]))
        for test in test_folds
    ]
    params = dict(alphas=[0.05, 0.5], max_iter=30, tol=0, class_weight="balanced")
    cv = GDLogisticClassifierCV(cv=splits, **params).fit(X, y, sample_weight)
    for fold, (train, test) in enumerate(splits):
        counts = np.bincount(y[train], weights=sample_weight[train])
        factors = counts.sum() / (2 * counts)  # training's balanced weights
        weights = sample_weight[test] * factors[y[test]]
        for a, alpha in enumerate(params["alphas"]):
            single = GDLogisticClassifier(
                alpha=alpha, max_iter=30, tol=0, class_weight="balanced"
            ).fit(X[train], y[train], sample_weight[train])
            expected = single.score(X[test], y[test], sample_weight=weights)
            assert cv.scores_[fold, a, 0] == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("solver", ["vectorized", "loop"])
def test_diverged_candidates_score_nan_and_are_named(solver):
    X, y = load_breast_cancer(return_X_y=True)  # unscaled: large alphas diverge
    X, y = X[::4], y[::4]
    cv = GDLogisticClassifierCV(
        alphas=[1e-7, 1e308], cv=3, max_iter=20, tol=0, solver=solver
    )
    with pytest.warns(
        ConvergenceWarning, match=r"alpha=1e\+308.*diverged at iteration"
    ):
        cv.fit(X, y)
    assert np.isnan(cv.scores_[:, 1, 0]).all()
    assert np.isfinite(cv.scores_[:, 0, 0]).all()
    assert cv.alpha_ == 1e-7
    assert cv.coefs_paths_[0, 1, 0] is None


def test_integer_alphas_are_a_grid_around_the_auto_step():
    rng = np.random.default_rng(1)
    X, y = make_data(rng, n_samples=60)
    # The grid reaches 10 times 1/L: the largest steps fail, and say so.
    with pytest.warns(ConvergenceWarning, match="never chosen"):
        cv = GDLogisticClassifierCV(alphas=5, cv=3, max_iter=50, tol=0).fit(X, y)
    step = GDLogisticClassifier(alpha="auto", C=np.inf, max_iter=1, tol=0)
    step = step.fit(X, y).alpha_
    assert_allclose(cv.alphas_, step * np.geomspace(0.1, 10, 5))
    assert cv.alpha_ in cv.alphas_
    assert cv.scores_.shape == (3, 5, 1)


def test_class_weights_steer_the_default_score():
    # Accuracy weighted like the training objective: with class 0 weighted
    # 1000 times more, the chosen model predicts class 0, as each candidate does
    # once it has converged; plain accuracy would prefer a barely trained one.
    rng = np.random.default_rng(2)
    X, y = make_data(rng, n_samples=100, n_features=2)
    X = 20 * X
    cv = GDLogisticClassifierCV(class_weight={0: 1000, 1: 1e-4}, cv=3, max_iter=1000)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        cv.fit(X, y)
    assert np.mean(cv.predict(X) == 0) > 0.87


@pytest.mark.parametrize("n_jobs", [None, 2])
def test_loop_solver_and_parallel_folds_give_the_same_search(n_jobs):
    rng = np.random.default_rng(3)
    X, y = make_data(rng, n_samples=45, n_classes=3)
    params = dict(alphas=[0.1, 1.0], Cs=[1.0, np.inf], cv=SPLITTER, max_iter=30, tol=0)
    vectorized = GDLogisticClassifierCV(n_jobs=n_jobs, **params).fit(X, y)
    loop = GDLogisticClassifierCV(solver="loop", **params).fit(X, y)
    assert_allclose(loop.scores_, vectorized.scores_)
    assert (loop.alpha_, loop.C_) == (vectorized.alpha_, vectorized.C_)
    assert_allclose(loop.coef_, vectorized.coef_, rtol=1e-10)


def test_invalid_alphas_say_what_to_pass():
    X, y = make_data(np.random.default_rng(4))
    with pytest.raises(ValueError, match="positive finite learning rates"):
        GDLogisticClassifierCV(alphas=[0.1, -1.0]).fit(X, y)


@pytest.mark.parametrize("Cs", [[-1.0], [0.0, 1.0], []])
def test_invalid_Cs_are_refused(Cs):
    X, y = make_data(np.random.default_rng(4))
    with pytest.raises(ValueError, match="Cs must be positive"):
        GDLogisticClassifierCV(alphas=[0.1], Cs=Cs).fit(X, y)


def test_a_candidate_diverged_somewhere_is_not_also_called_unconverged():
    X, y = load_breast_cancer(return_X_y=True)  # unscaled
    cv = GDLogisticClassifierCV(alphas=[1e-7, 1e308], cv=3, max_iter=5, tol=1e-12)
    with pytest.warns(ConvergenceWarning) as record:
        cv.fit(X[::5], y[::5])
    unconverged = [str(w.message) for w in record if "max_iter" in str(w.message)]
    assert unconverged and all("1e+308" not in m for m in unconverged)


def test_without_refit_there_is_nothing_to_predict_with():
    X, y = make_data(np.random.default_rng(5), n_samples=30)
    cv = GDLogisticClassifierCV(alphas=[0.1], refit=False, cv=3, max_iter=5, tol=0)
    cv.fit(X, y)
    assert not hasattr(cv, "coef_")
    with pytest.raises(Exception, match="(?i)not fitted"):
        cv.predict(X)


def test_verbose_reports_the_candidates_still_running(capsys):
    X, y = make_data(np.random.default_rng(6), n_samples=30)
    GDLogisticClassifierCV(alphas=[0.1, 1.0], cv=2, max_iter=10, tol=0, verbose=1).fit(
        X, y
    )
    lines = capsys.readouterr().out.splitlines()
    assert any(line.endswith("running 2") for line in lines)


@pytest.mark.parametrize(
    "sample_weight, message",
    [
        (np.ones(10), r"sample_weight.shape == \(10,\), expected \(30,\)"),
        (np.ones((1, 30)), "1D array"),
        (-np.ones(30), "Negative values"),
    ],
)
def test_bad_sample_weights_are_named_before_any_fold(sample_weight, message):
    # With explicit alphas no fit on all the data happens before the folds.
    X, y = make_data(np.random.default_rng(7), n_samples=30)
    with pytest.raises(ValueError, match=message):
        GDLogisticClassifierCV(alphas=[0.1], cv=3, max_iter=5).fit(X, y, sample_weight)


def test_a_search_where_every_candidate_failed_has_nothing_to_refit():
    X, y = make_data(np.random.default_rng(0), n_samples=60)
    search = GDLogisticClassifierCV(alphas=[0.1, 1e308], cv=3, max_iter=20, tol=0)
    with (
        pytest.warns(ConvergenceWarning, match="never chosen"),
        pytest.raises(ValueError, match="none to refit.*'adaptive'"),
    ):
        search.fit(100 * X, y)
    assert not hasattr(search, "best_estimator_")


@pytest.mark.parametrize("alphas", [["adaptive"], [0.1, "auto"]])
def test_step_rules_on_a_dask_array_are_refused_with_what_it_takes(alphas):
    da = pytest.importorskip("dask.array")
    X, y = make_data(np.random.default_rng(0), n_samples=60)
    with pytest.raises(ValueError, match="floats \\(or an int\\) only"):
        GDLogisticClassifierCV(alphas=alphas, cv=3).fit(da.from_array(X), y)
