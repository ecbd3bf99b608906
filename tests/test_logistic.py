import pickle
import re
import warnings

import numpy as np
import pytest
import sklearn
from numpy.testing import assert_allclose, assert_array_equal
from packaging.version import Version
from sklearn.base import clone
from sklearn.datasets import load_breast_cancer, load_digits, load_iris, load_wine
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils._param_validation import InvalidParameterError

from sklearn_gd import GDLogisticClassifier, GDLogisticClassifierCV

from .conftest import assert_same_steps, make_data

# --- loop == vectorized ----------------------------------------------------


SKLEARN_VERSION = Version(sklearn.__version__)


@pytest.mark.parametrize("n_classes", [2, 3])
@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize(
    "C, l1_ratio", [(np.inf, 0.0), (0.5, 0.0), (0.5, 0.5), (0.5, 1.0)]
)
@pytest.mark.parametrize("weights", [None, "sample", "class", "both"])
@pytest.mark.parametrize("alpha", ["auto", "adaptive"])
def test_loop_and_vectorized_fits_agree(
    n_classes, fit_intercept, C, l1_ratio, weights, alpha
):
    rng = np.random.default_rng(0)
    X, y = make_data(rng, n_samples=30, n_features=3, n_classes=n_classes)
    sample_weight = (
        rng.uniform(0.0, 3.0, size=len(y)) if weights in ("sample", "both") else None
    )
    class_weight = "balanced" if weights == "class" else None
    if weights == "both":
        class_weight = {0: 2.0, 1: 0.5}
    params = dict(
        C=C,
        l1_ratio=l1_ratio,
        fit_intercept=fit_intercept,
        class_weight=class_weight,
        alpha=alpha,
        max_iter=40,
        tol=0,
    )
    loop = GDLogisticClassifier(solver="loop", **params).fit(X, y, sample_weight)
    vec = GDLogisticClassifier(solver="vectorized", **params).fit(X, y, sample_weight)
    scale = np.abs(vec.coef_).max()
    assert_allclose(loop.coef_, vec.coef_, rtol=1e-10, atol=1e-10 * scale)
    assert_allclose(loop.intercept_, vec.intercept_, rtol=1e-10, atol=1e-10 * scale)
    assert_allclose(loop.cost_history_, vec.cost_history_, rtol=1e-10)
    assert loop.n_passes_ == vec.n_passes_ or alpha == "adaptive"
    assert_same_steps(loop, vec)
    if l1_ratio == 1.0:
        assert_array_equal(loop.coef_ == 0, vec.coef_ == 0)


# --- against scikit-learn's LogisticRegression at the optimum -------------


def _assert_same_optimum(gd, lr, X):
    scale = np.abs(lr.coef_).max()
    assert np.abs(gd.coef_ - lr.coef_).max() <= 1e-3 * scale
    assert np.abs(gd.intercept_ - lr.intercept_).max() <= 1e-3 * max(scale, 1)
    assert_allclose(gd.predict_proba(X), lr.predict_proba(X), atol=1e-3)
    assert_array_equal(gd.predict(X), lr.predict(X))


@pytest.mark.parametrize(
    "dataset, C, tol",
    [("breast_cancer", 1.0, 1e-6), ("iris", 1.0, 1e-6), ("digits", 0.05, 3e-6)],
)
def test_l2_optimum_matches_logistic_regression(request, dataset, C, tol):
    X, y = request.getfixturevalue(dataset)
    lr = LogisticRegression(C=C, tol=1e-12, max_iter=10_000).fit(X, y)
    gd = GDLogisticClassifier(C=C, tol=tol, max_iter=50_000).fit(X, y)
    assert gd.n_iter_ < 50_000
    _assert_same_optimum(gd, lr, X)


def test_l1_optimum_matches_saga_with_the_same_zeros(breast_cancer):
    X, y = breast_cancer
    # scikit-learn 1.8 reads the penalty from l1_ratio, and deprecates penalty=.
    l1 = {"l1_ratio": 1.0} if SKLEARN_VERSION >= Version("1.8") else {"penalty": "l1"}
    lr = LogisticRegression(
        C=0.1, solver="saga", tol=1e-10, max_iter=100_000, **l1
    ).fit(X, y)
    gd = GDLogisticClassifier(C=0.1, l1_ratio=1.0, tol=1e-7, max_iter=50_000)
    gd.fit(X, y)
    _assert_same_optimum(gd, lr, X)
    assert_array_equal(gd.coef_ == 0, lr.coef_ == 0)
    assert (gd.coef_ == 0).sum() > 5


# --- alpha='auto' ----------------------------------------------------------


@pytest.mark.parametrize("scaled", [True, False])
@pytest.mark.parametrize("l1_ratio", [0.0, 0.7])
def test_auto_alpha_never_increases_the_cost(scaled, l1_ratio):
    X, y = load_breast_cancer(return_X_y=True)
    if scaled:
        X = StandardScaler().fit_transform(X)
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        warnings.filterwarnings("ignore", "Gradient descent reached max_iter")
        gd = GDLogisticClassifier(C=10.0, l1_ratio=l1_ratio, max_iter=300).fit(X, y)
    costs = gd.cost_history_
    assert np.all(np.diff(costs) <= 1e-12 * costs[:-1])
    assert costs[-1] < costs[0]


def test_auto_alpha_is_one_over_the_lipschitz_bound():
    X = np.array([[1.0], [-1.0], [3.0], [-3.0]])
    gd = GDLogisticClassifier(
        alpha="auto", C=np.inf, fit_intercept=False, max_iter=1, tol=0
    ).fit(X, [0, 1, 0, 1])
    assert gd.alpha_ == pytest.approx(1 / (0.25 * 5.0))  # mean x^2 = 5


# --- weights and labels ----------------------------------------------------


@pytest.mark.parametrize("solver", ["loop", "vectorized"])
def test_integer_sample_weights_equal_repeated_rows(solver):
    rng = np.random.default_rng(1)
    X, y = make_data(rng, n_samples=20, n_classes=3)
    sample_weight = rng.integers(0, 4, size=len(y))
    params = dict(solver=solver, C=1.0, max_iter=50, tol=0)
    weighted = GDLogisticClassifier(**params).fit(X, y, sample_weight=sample_weight)
    repeated = GDLogisticClassifier(**params).fit(
        np.repeat(X, sample_weight, axis=0), np.repeat(y, sample_weight)
    )
    assert_allclose(weighted.coef_, repeated.coef_, rtol=1e-12, atol=1e-14)
    assert_allclose(weighted.cost_history_, repeated.cost_history_, rtol=1e-12)


def test_class_weight_is_sample_weight_per_class():
    rng = np.random.default_rng(2)
    X, y = make_data(rng, n_samples=30)
    by_class = GDLogisticClassifier(class_weight={0: 3.0, 1: 0.5}, max_iter=30, tol=0)
    by_sample = GDLogisticClassifier(max_iter=30, tol=0)
    by_class.fit(X, y)
    by_sample.fit(X, y, sample_weight=np.where(y == 0, 3.0, 0.5))
    assert_allclose(by_class.coef_, by_sample.coef_, rtol=1e-14)


def test_balanced_class_weight_uses_the_sample_weights():
    rng = np.random.default_rng(3)
    X, y = make_data(rng, n_samples=30)
    sample_weight = rng.uniform(0.5, 2.0, size=len(y))
    balanced = GDLogisticClassifier(class_weight="balanced", max_iter=30, tol=0)
    balanced.fit(X, y, sample_weight=sample_weight)
    per_class = np.array([sample_weight[y == k].sum() for k in (0, 1)])
    explicit = sample_weight * (sample_weight.sum() / (2 * per_class))[y]
    reference = GDLogisticClassifier(max_iter=30, tol=0).fit(
        X, y, sample_weight=explicit
    )
    assert_allclose(balanced.coef_, reference.coef_, rtol=1e-12)


def test_sample_weight_is_not_modified():
    rng = np.random.default_rng(4)
    X, y = make_data(rng)
    sample_weight = np.ones(len(y))
    GDLogisticClassifier(class_weight="balanced", max_iter=5, tol=0).fit(
        X, y, sample_weight
    )
    assert_array_equal(sample_weight, np.ones(len(y)))


@pytest.mark.parametrize("n_classes", [2, 3])
def test_string_labels_and_probabilities(n_classes):
    rng = np.random.default_rng(5)
    X, y = make_data(rng, n_classes=n_classes)
    names = np.array(["cat", "dog", "eel"])[y]
    gd = GDLogisticClassifier(max_iter=200).fit(X, names)
    numeric = GDLogisticClassifier(max_iter=200).fit(X, y)
    assert_array_equal(gd.classes_, np.unique(names))
    assert_array_equal(
        gd.predict(X), np.array(["cat", "dog", "eel"])[numeric.predict(X)]
    )
    proba = gd.predict_proba(X)
    assert proba.shape == (len(y), n_classes)
    assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-14)
    assert_allclose(np.exp(gd.predict_log_proba(X)), proba, rtol=1e-12)
    assert_array_equal(gd.classes_[proba.argmax(axis=1)], gd.predict(X))


def test_binary_decision_function_is_positive_for_the_second_class():
    rng = np.random.default_rng(6)
    X, y = make_data(rng)
    gd = GDLogisticClassifier(max_iter=200).fit(X, y)
    z = gd.decision_function(X)
    assert z.shape == (len(y),)
    assert_array_equal(gd.predict(X), gd.classes_[(z > 0).astype(int)])
    assert gd.coef_.shape == (1, 3) and gd.intercept_.shape == (1,)


def test_multiclass_shapes():
    rng = np.random.default_rng(7)
    X, y = make_data(rng, n_classes=4)
    gd = GDLogisticClassifier(max_iter=20, tol=0, fit_intercept=False).fit(X, y)
    assert gd.coef_.shape == (4, 3)
    assert_array_equal(gd.intercept_, np.zeros(4))
    assert gd.decision_function(X).shape == (len(y), 4)
    assert gd.cost_history_[0] == pytest.approx(np.log(4))
    assert len(gd.cost_history_) == gd.n_iter_ == 20


def test_probabilities_of_extreme_inputs_are_finite():
    rng = np.random.default_rng(8)
    X, y = make_data(rng, n_classes=3)
    gd = GDLogisticClassifier(max_iter=100, tol=0).fit(X, y)
    X_far = 1e6 * X
    with np.errstate(all="raise", under="ignore"):
        proba = gd.predict_proba(X_far)
        log_proba = gd.predict_log_proba(X_far)
    assert np.isfinite(proba).all() and np.isfinite(log_proba).all()
    assert_allclose(proba.sum(axis=1), 1.0)


# --- workflows ---------------------------------------------------------------


def test_pipeline_and_grid_search_over_alpha_in_parallel():
    X, y = load_breast_cancer(return_X_y=True)
    pipe = make_pipeline(StandardScaler(), GDLogisticClassifier(max_iter=200, tol=0))
    search = GridSearchCV(
        pipe,
        {"gdlogisticclassifier__alpha": [1e-4, 0.01, 0.3]},
        cv=3,
        n_jobs=2,
        scoring="neg_log_loss",
    )
    search.fit(X, y)
    # Too small a learning rate crawls: after 200 steps its log-loss is worse.
    scores = search.cv_results_["mean_test_score"]
    assert scores[0] < scores[1] < scores[2]
    assert search.best_params_ == {"gdlogisticclassifier__alpha": 0.3}
    assert search.best_estimator_.score(X, y) > 0.95


def test_cross_val_score():
    X, y = load_breast_cancer(return_X_y=True)
    pipe = make_pipeline(StandardScaler(), GDLogisticClassifier(C=1.0, max_iter=300))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        scores = cross_val_score(pipe, X, y, cv=5)
    assert scores.shape == (5,) and scores.min() > 0.9


def test_clone_and_pickle_round_trip():
    rng = np.random.default_rng(9)
    X, y = make_data(rng, n_classes=3)
    gd = GDLogisticClassifier(alpha=0.3, C=2.0, max_iter=50, tol=0).fit(X, y)
    cloned = clone(gd)
    assert cloned.get_params() == gd.get_params()
    assert not hasattr(cloned, "coef_")
    restored = pickle.loads(pickle.dumps(gd))
    assert_array_equal(restored.predict_proba(X), gd.predict_proba(X))
    assert_array_equal(restored.cost_history_, gd.cost_history_)


@pytest.mark.parametrize("solver", ["loop", "vectorized"])
@pytest.mark.parametrize("alpha", [0.5, "auto"])
@pytest.mark.parametrize("fit_intercept", [True, False])
def test_warm_start_continues_the_fit(solver, alpha, fit_intercept):
    rng = np.random.default_rng(10)
    X, y = make_data(rng, n_classes=3)
    params = dict(solver=solver, alpha=alpha, C=1.0, tol=0, fit_intercept=fit_intercept)
    whole = GDLogisticClassifier(max_iter=60, **params).fit(X, y)
    halves = GDLogisticClassifier(max_iter=30, warm_start=True, **params).fit(X, y)
    first_half = halves.cost_history_
    halves.fit(X, y)
    assert_allclose(halves.coef_, whole.coef_, rtol=1e-12)
    assert_allclose(halves.intercept_, whole.intercept_, rtol=1e-12, atol=1e-15)
    assert_allclose(
        np.concatenate([first_half, halves.cost_history_]),
        whole.cost_history_,
        rtol=1e-12,
    )


def test_warm_start_with_other_classes_says_so():
    rng = np.random.default_rng(11)
    X, y = make_data(rng, n_classes=3)
    gd = GDLogisticClassifier(warm_start=True, max_iter=5, tol=0).fit(X, y)
    with pytest.raises(ValueError, match="warm_start=True needs the classes"):
        gd.fit(X, y % 2)


def test_pandas_feature_names():
    import pandas as pd

    rng = np.random.default_rng(12)
    X, y = make_data(rng)
    frame = pd.DataFrame(X, columns=["height", "weight", "age"])
    gd = GDLogisticClassifier(max_iter=50).fit(frame, y)
    assert_array_equal(gd.feature_names_in_, ["height", "weight", "age"])
    unnamed = GDLogisticClassifier(max_iter=50).fit(X, y)
    assert_array_equal(gd.predict(frame), unnamed.predict(X))
    with pytest.warns(UserWarning, match="feature names"):
        gd.predict(X)
    renamed = frame.rename(columns={"age": "shoe size"})
    with pytest.raises(ValueError, match="feature names"):
        gd.predict(renamed)


def test_verbose_prints_progress(capsys):
    rng = np.random.default_rng(13)
    X, y = make_data(rng)
    GDLogisticClassifier(verbose=1, max_iter=1000, tol=0).fit(X, y)
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 10
    assert re.match(r"iteration +1  cost 6\.93147181e-01  max\|grad\| ", lines[0])
    assert lines[-1].startswith("iteration   1000  cost ")
    # A fit that converges prints its last iteration too.
    gd = GDLogisticClassifier(verbose=1).fit(X, y)
    lines = capsys.readouterr().out.splitlines()
    assert 1 < len(lines) <= 10
    assert lines[-1].startswith(f"iteration {gd.n_iter_:>6}  cost ")


# --- bad input ---------------------------------------------------------------


def test_nan_in_X_is_rejected():
    X = np.array([[0.0, 1.0], [np.nan, 2.0], [1.0, 0.0]])
    with pytest.raises(ValueError, match="NaN"):
        GDLogisticClassifier().fit(X, [0, 1, 0])


def test_one_class_is_rejected():
    with pytest.raises(ValueError, match="only one class"):
        GDLogisticClassifier().fit(np.ones((4, 2)), [1, 1, 1, 1])


def test_wrong_number_of_features_at_predict():
    rng = np.random.default_rng(14)
    X, y = make_data(rng)
    gd = GDLogisticClassifier(max_iter=5, tol=0).fit(X, y)
    with pytest.raises(ValueError, match="3 features"):
        gd.predict(X[:, :2])


def test_all_zero_sample_weights_are_rejected():
    rng = np.random.default_rng(15)
    X, y = make_data(rng)
    with pytest.raises(ValueError, match="(?i)sum to zero|all zero|zero"):
        GDLogisticClassifier().fit(X, y, sample_weight=np.zeros(len(y)))


def test_zero_class_weights_are_rejected():
    rng = np.random.default_rng(16)
    X, y = make_data(rng)
    with pytest.raises(ValueError, match="sum to zero"):
        GDLogisticClassifier(class_weight={0: 0.0, 1: 0.0}).fit(X, y)


@pytest.mark.parametrize("estimator", ["single", "search"])
@pytest.mark.parametrize(
    "class_weight, message",
    [
        # Accepted before: the fit ran off to |coef_| = 1e300.
        ({0: -0.5, 1: 1.0}, "class 0 the weight -0.5"),
        # Both said "sum to zero" before.
        ({0: np.nan, 1: 1.0}, "class 0 the weight nan"),
        ({0: 1.0, 1: -2}, "class 1 the weight -2"),
        ({0: np.inf, 1: 1.0}, "class 0 the weight inf"),
        ({0: "heavy", 1: 1.0}, "class 0 the weight 'heavy'"),
    ],
)
def test_bad_class_weights_are_refused_by_class_and_value(
    estimator, class_weight, message
):
    from sklearn_gd import GDLogisticClassifierCV

    X, y = make_data(np.random.default_rng(17))
    model = (
        GDLogisticClassifier(class_weight=class_weight)
        if estimator == "single"
        else GDLogisticClassifierCV(alphas=[0.1], class_weight=class_weight, cv=2)
    )
    with pytest.raises(ValueError, match=f"{message}: class weights must be finite"):
        model.fit(X, y)


def test_weights_whose_sum_overflows_are_refused_as_such():
    X, y = make_data(np.random.default_rng(18))
    with pytest.raises(ValueError, match="sum to inf, beyond float64: divide them"):
        GDLogisticClassifier().fit(X, y, sample_weight=np.full(len(y), 1e307))


def test_subnormal_weights_with_a_penalty_are_named_not_x():
    # Their sum, 4e-319, makes the penalty's factor 1 / (C S) overflow: the
    # fit "diverged" before, with the advice to standardise X.
    X, y = make_data(np.random.default_rng(19))
    with pytest.raises(ValueError, match=r"weights .* sum to 4e-319: with C=1 "):
        GDLogisticClassifier(C=1.0).fit(X, y, sample_weight=np.full(len(y), 1e-320))


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_subnormal_weights_without_a_penalty_fit_as_their_ratios_say(dtype):
    # J is a ratio of weighted sums: weights w * 2**(minexp - 8), subnormal,
    # are the model of w, to the digits they keep (nmant - 8 bits).
    rng = np.random.default_rng(20)
    X, y = make_data(rng)
    X = X.astype(dtype)
    w = rng.uniform(0.5, 2.0, size=len(y))
    finfo = np.finfo(dtype)
    params = dict(C=np.inf, max_iter=50, tol=0)  # no penalty
    got = GDLogisticClassifier(**params).fit(
        X, y, sample_weight=w * 2.0 ** (finfo.minexp - 8)
    )
    expected = GDLogisticClassifier(**params).fit(X, y, sample_weight=w)
    kept = 2.0 ** (8 - finfo.nmant)  # the weights' relative round-off
    assert_allclose(got.coef_, expected.coef_, rtol=4 * kept)


@pytest.mark.parametrize(
    "params, name",
    [
        ({"alpha": 0}, "alpha"),
        ({"alpha": -0.1}, "alpha"),
        ({"alpha": np.inf}, "alpha"),
        ({"alpha": "fast"}, "alpha"),
        ({"solver": "newton"}, "solver"),
        ({"max_iter": 0}, "max_iter"),
        ({"tol": -1.0}, "tol"),
        ({"C": 0.0}, "C"),
        ({"l1_ratio": 1.5}, "l1_ratio"),
        ({"class_weight": "uniform"}, "class_weight"),
    ],
)
def test_invalid_parameters_are_named(params, name):
    rng = np.random.default_rng(17)
    X, y = make_data(rng)
    with pytest.raises(InvalidParameterError, match=f"'{name}' parameter"):
        GDLogisticClassifier(**params).fit(X, y)


def test_invalid_alpha_message_suggests_auto():
    with pytest.raises(InvalidParameterError, match="'auto'"):
        GDLogisticClassifier(alpha=-1.0).fit(np.eye(2), [0, 1])


@pytest.mark.parametrize("solver", ["loop", "vectorized"])
def test_divergence_raises_and_keeps_no_coefficients(solver):
    X, y = load_breast_cancer(return_X_y=True)  # unscaled: features up to 4000
    gd = GDLogisticClassifier(solver=solver, alpha=1e308, max_iter=50)
    with (
        warnings.catch_warnings(),
        pytest.raises(
            ValueError, match=r"diverged at iteration \d+ with alpha=1e\+308"
        ),
    ):
        warnings.simplefilter("error", RuntimeWarning)  # no overflow noise
        gd.fit(X[:60], y[:60])
    assert not hasattr(gd, "coef_")


def test_too_large_alpha_warns_that_the_cost_rose():
    X, y = _SCALED
    gd = GDLogisticClassifier(alpha=50.0, max_iter=20, tol=0)
    with pytest.warns(ConvergenceWarning, match="cost rose"):
        gd.fit(X, y)
    assert np.isfinite(gd.coef_).all()
    assert gd.cost_history_[-1] < gd.cost_history_[0]


def test_a_cost_that_ends_above_its_start_raises_and_keeps_no_coefficients():
    X, y = _UNSCALED
    gd = GDLogisticClassifier(alpha=1.0, max_iter=20, tol=0)
    with pytest.raises(ValueError, match="no usable model: its cost ended above"):
        gd.fit(X, y)
    assert not hasattr(gd, "coef_")


def test_max_iter_reached_warns():
    rng = np.random.default_rng(18)
    X, y = make_data(rng)
    with pytest.warns(ConvergenceWarning, match="max_iter=2") as record:
        GDLogisticClassifier(max_iter=2).fit(X, y)
    assert record[0].filename == __file__  # points at the caller's fit


# --- dtypes, sparse input, memory --------------------------------------------


@pytest.mark.parametrize("n_classes", [2, 3])
def test_float32_is_kept_and_close_to_float64(n_classes):
    rng = np.random.default_rng(19)
    X, y = make_data(rng, n_samples=200, n_features=5, n_classes=n_classes)
    # A fixed step: float32 follows float64's trajectory within round-off.
    params = dict(alpha="auto", C=1.0, max_iter=100, tol=0)
    gd32 = GDLogisticClassifier(**params).fit(X.astype(np.float32), y)
    gd64 = GDLogisticClassifier(**params).fit(X, y)
    assert gd32.coef_.dtype == gd32.intercept_.dtype == np.float32
    eps32 = np.finfo(np.float32).eps
    scale = np.abs(gd64.coef_).max()
    assert_allclose(gd32.coef_, gd64.coef_, atol=100 * eps32 * scale)
    assert_allclose(gd32.cost_history_, gd64.cost_history_, rtol=100 * eps32)
    # The adaptive rule's halve-or-accept tests see float32's round-off, so
    # its trajectory may part from float64's; where it arrives does not.
    ad32 = GDLogisticClassifier(C=1.0, tol=1e-5).fit(X.astype(np.float32), y)
    ad64 = GDLogisticClassifier(C=1.0, tol=1e-5).fit(X, y)
    assert max(ad32.n_iter_, ad64.n_iter_) < 1000  # both reached tol
    assert ad32.cost_history_[-1] == pytest.approx(ad64.cost_history_[-1], rel=1e-5)
    assert np.all(np.diff(ad32.cost_history_) <= 100 * eps32 * ad32.cost_history_[0])


@pytest.mark.parametrize("form", ["dense", "csr"])
def test_float32_values_near_1e19_fit_as_their_float64_copy(form):
    # Finite in float32, their squares are not: the curvature bound is formed
    # in float64 (it was in float32, and eigvalsh met an inf).
    from scipy import sparse

    rng = np.random.default_rng(23)
    X, y = make_data(rng, n_samples=200, n_features=5)
    X32 = (3e19 * X).astype(np.float32)
    params = dict(alpha="auto", max_iter=100, tol=0)
    make = sparse.csr_matrix if form == "csr" else np.asarray
    gd32 = GDLogisticClassifier(**params).fit(make(X32), y)
    gd64 = GDLogisticClassifier(**params).fit(make(X32.astype(np.float64)), y)
    eps32 = np.finfo(np.float32).eps
    assert gd32.alpha_ == pytest.approx(gd64.alpha_, rel=100 * float(eps32))
    scale = np.abs(gd64.coef_).max()
    assert_allclose(gd32.coef_, gd64.coef_, atol=100 * eps32 * scale)
    assert_array_equal(gd32.predict(X32), gd64.predict(X32))
    # The default rule starts from the same bound.
    adaptive = GDLogisticClassifier(max_iter=100, tol=0).fit(make(X32), y)
    assert adaptive.score(X32, y) > 0.6


def test_float32_fit_with_the_fixed_step_sees_no_false_cost_rise():
    """The cost of a float32 fit is float64-accurate, so a step that lowers J
    is never read as a rise (the binary cost was once a difference of large
    float32 sums, 1e-5 off, and this fit warned "the cost rose")."""
    X, y = load_breast_cancer(return_X_y=True)
    X = StandardScaler().fit_transform(X).astype(np.float32)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fit = GDLogisticClassifier(alpha="auto", C=1.0, max_iter=4000).fit(X, y)
    assert fit.n_iter_ < 4000
    assert np.all(np.diff(fit.cost_history_) < 0)


def test_loop_solver_computes_float32_input_in_float64():
    rng = np.random.default_rng(20)
    X, y = make_data(rng)
    loop = GDLogisticClassifier(solver="loop", max_iter=20, tol=0)
    loop.fit(X.astype(np.float32), y)
    vec = GDLogisticClassifier(max_iter=20, tol=0)
    vec.fit(X.astype(np.float32).astype(np.float64), y)
    assert loop.coef_.dtype == np.float64
    assert_allclose(loop.coef_, vec.coef_, rtol=1e-10)


@pytest.mark.parametrize("solver", ["loop", "vectorized"])
@pytest.mark.parametrize("n_classes", [2, 3])
def test_sparse_input_gives_the_dense_fit(solver, n_classes):
    from scipy import sparse

    rng = np.random.default_rng(21)
    X, y = make_data(rng, n_samples=60, n_features=6, n_classes=n_classes)
    X[rng.random(X.shape) < 0.6] = 0.0
    X_csr = sparse.csr_matrix(X)
    X_csr.data[:3] = 0.0  # explicit zeros stored in the matrix
    X = X_csr.toarray()
    params = dict(solver=solver, alpha="auto", C=1.0, l1_ratio=0.5, max_iter=50, tol=0)
    dense = GDLogisticClassifier(**params).fit(X, y)
    on_sparse = GDLogisticClassifier(**params).fit(X_csr, y)
    assert on_sparse.alpha_ == pytest.approx(dense.alpha_, rel=1e-6)
    # alpha_ comes from Lanczos on sparse input: compare at the same step.
    params["alpha"] = dense.alpha_
    on_sparse = GDLogisticClassifier(**params).fit(X_csr, y)
    assert_allclose(on_sparse.coef_, dense.coef_, rtol=1e-10, atol=1e-12)
    assert_allclose(on_sparse.cost_history_, dense.cost_history_, rtol=1e-10)
    assert_allclose(on_sparse.predict_proba(X_csr), dense.predict_proba(X))


def test_fit_does_not_copy_X():
    import tracemalloc

    rng = np.random.default_rng(22)
    X = rng.normal(size=(100_000, 50))
    y = (X[:, 0] + rng.normal(size=len(X)) > 0).astype(int)
    gd = GDLogisticClassifier(max_iter=3, tol=0)
    tracemalloc.start()
    try:
        gd.fit(X, y)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    # A copy of X would be X.nbytes (40 MB); a fit holds vectors of length m
    # (labels, weights, targets: 0.8 MB each) and blocks of rows (4 MB).
    assert peak < 0.1 * X.nbytes + 16 * X.shape[0] * X.itemsize


# --- step rules ------------------------------------------------------------


@pytest.mark.parametrize("dataset", ["breast_cancer", "digits"])
def test_defaults_converge_quietly_within_300_iterations(request, dataset):
    X, y = request.getfixturevalue(dataset)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        gd = GDLogisticClassifier(C=1.0).fit(X, y)
    assert gd.n_iter_ <= 300
    assert np.all(np.diff(gd.cost_history_) <= 1e-14 * gd.cost_history_[:-1])


@pytest.mark.parametrize("alpha", ["auto", "adaptive"])
@pytest.mark.parametrize("nesterovs_momentum", [True, False])
def test_loop_and_vectorized_agree_with_momentum(alpha, nesterovs_momentum):
    X, y = make_data(np.random.default_rng(30), n_samples=40, n_classes=3)
    params = dict(
        alpha=alpha, momentum=0.9, nesterovs_momentum=nesterovs_momentum,
        C=1.0, l1_ratio=0.3, max_iter=25, tol=0,
    )  # fmt: skip
    loop = GDLogisticClassifier(solver="loop", **params).fit(X, y)
    vec = GDLogisticClassifier(**params).fit(X, y)
    assert_allclose(loop.coef_, vec.coef_, rtol=1e-10, atol=1e-12)
    assert_allclose(loop.cost_history_, vec.cost_history_, rtol=1e-10)
    assert loop.n_passes_ == vec.n_passes_ > vec.n_iter_
    assert_same_steps(loop, vec)


def test_fitted_steps_and_passes_say_what_happened():
    X, y = make_data(np.random.default_rng(31), n_samples=60)
    fixed = GDLogisticClassifier(alpha=0.5, max_iter=20, tol=0).fit(X, y)
    assert fixed.n_passes_ == fixed.n_iter_ == 20
    assert_array_equal(fixed.step_sizes_, np.full(20, 0.5))
    adaptive = GDLogisticClassifier(max_iter=20, tol=0).fit(X, y)
    assert adaptive.n_passes_ > adaptive.n_iter_ == 20
    assert len(np.unique(adaptive.step_sizes_)) > 1
    assert adaptive.alpha_ == adaptive.step_sizes_[-1]


_UNSCALED = load_breast_cancer(return_X_y=True)
_SCALED = (StandardScaler().fit_transform(_UNSCALED[0]), _UNSCALED[1])
_HUGE = (_UNSCALED[0] * 1e160, _UNSCALED[1])  # X's squares overflow float64
_DATA = {"raw": _UNSCALED, "scaled": _SCALED, "huge": _HUGE}

GD, CV = GDLogisticClassifier, GDLogisticClassifierCV
STANDARDISE = ["standardise X", "StandardScaler"]
UNPENALISED = ["C=np.inf", "separable", "C=1.0"]

# Every warning and error that the outcome of a descent gives, for both
# estimators: (estimator, data, error raised?, phrases it must say, phrases it
# must not). An advice that suggests what is in use, or a remedy for another
# cause, is a failure: never standardising standardised data, never the
# default rule to a fit that runs it, never more iterations after a rise.
ADVICE = [
    # max_iter, adaptive on raw data: the data are the cause, not the step.
    (GD(max_iter=20), "raw", False,
     ["max_iter=20", "Increase max_iter", *STANDARDISE, "standard deviations"],
     ["larger alpha", "alpha='auto'", "smaller alpha", "C=np.inf"]),
    # ... on standardised data, penalised: only more iterations.
    (GD(max_iter=20), "scaled", False, ["Increase max_iter"],
     [*STANDARDISE, "alpha", "C="]),
    # ... on standardised data without a penalty: separable classes and C.
    (GD(C=np.inf), "scaled", False, ["max_iter=1000", *UNPENALISED],
     [*STANDARDISE, "alpha"]),
    # 1/L, too slow: the adaptive rule, never 'auto' itself.
    (GD(alpha="auto", max_iter=20), "raw", False,
     ["Increase max_iter", "alpha='adaptive'", *STANDARDISE],
     ["alpha='auto'", "smaller alpha", "C=np.inf"]),
    # A fixed step too small: a larger one.
    (GD(alpha=1e-9, max_iter=20), "raw", False,
     ["larger alpha", "alpha='adaptive'"], ["smaller alpha", "C=np.inf"]),
    (GD(alpha=0.1, C=np.inf), "scaled", False,
     ["larger alpha", *UNPENALISED], STANDARDISE),
    # A fixed step too large, the cost below its start: the rise, and only it.
    # alpha=10 rises once and then converges (117 iterations); a larger step
    # oscillates to max_iter, chaotically: where alpha=50 ends (above or
    # below its start) moved with the round-off of numpy 1.24 against 2.x.
    (GD(alpha=10.0), "scaled", False,
     ["cost rose", "smaller alpha", "alpha='adaptive'", "would not help"],
     ["max_iter", "larger alpha", *STANDARDISE]),
    # ... the cost above its start: no usable model, an error.
    (GD(alpha=1e-5, max_iter=20), "raw", True,
     ["no usable model", "ended above its start", "smaller alpha (e.g. 1e-06)",
      "alpha='adaptive'", *STANDARDISE], ["max_iter", "larger alpha"]),
    (GD(alpha=500.0, max_iter=20), "scaled", True,
     ["no usable model", "smaller alpha (e.g. 50)"], STANDARDISE),
    # Divergence with a fixed step: ten times smaller, the safe rule.
    (GD(alpha=1e308, max_iter=50), "raw", True,
     ["diverged at iteration", "e.g. 1e+307", "alpha='adaptive'", *STANDARDISE],
     ["larger alpha"]),
    (GD(alpha=1e308, max_iter=50), "scaled", True,
     ["diverged at iteration", "e.g. 1e+307"], STANDARDISE),
    # The step rules' 1/L cannot be formed: scale X; named as the rule in use.
    (GD(), "huge", True, ["alpha='adaptive' cannot bound", "Scale X"],
     ["alpha='auto'"]),
    (GD(alpha="auto"), "huge", True, ["alpha='auto' cannot bound", "Scale X"],
     ["alpha='adaptive'"]),
    # The search: failed candidates in one warning, unconverged in another;
    # the refit of the chosen one warns as a single fit does.
    (CV(alphas=[1e-7, 1e308], max_iter=50), "scaled", False,
     ["diverged at iteration 2", "never chosen", "alpha=1e-07, C=1",
      "Increase max_iter"], [*STANDARDISE, "C=np.inf"]),
    (CV(alphas=[500.0, 1.0]), "scaled", False,
     ["alpha=500, C=1 (fold 0): its cost ended above its start", "never chosen"],
     ["max_iter", *STANDARDISE]),
    (CV(alphas=["adaptive"], max_iter=20), "raw", False,
     ["alpha='adaptive', C=1", "Increase max_iter", *STANDARDISE],
     ["alpha='auto'", "C=np.inf"]),
    (CV(alphas=["adaptive"], Cs=[np.inf]), "scaled", False,
     ["alpha='adaptive', C=inf", *UNPENALISED], STANDARDISE),
    (CV(alphas=["fast"]), "scaled", True,
     ["alphas must be positive finite learning rates, 'auto' or 'adaptive'"], []),
]  # fmt: skip


@pytest.mark.parametrize(
    "estimator, data, raises, expected, never",
    ADVICE,
    ids=[f"{e!r}-{d}" for e, d, *_ in ADVICE],
)
def test_each_warning_gives_advice_that_fits(estimator, data, raises, expected, never):
    X, y = _DATA[data]
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        if raises:
            with pytest.raises(ValueError) as excinfo:
                clone(estimator).fit(X, y)
            messages = [str(excinfo.value)]
        else:
            clone(estimator).fit(X, y)
            messages = []
    assert all(issubclass(w.category, ConvergenceWarning) for w in record)
    messages += [str(w.message) for w in record]
    assert messages, "nothing was said"
    if isinstance(estimator, GD):
        assert len(messages) == 1, messages  # one cause, one message
    text = " | ".join(messages)
    for phrase in expected:
        assert phrase in text, (phrase, text)
    for phrase in never:
        assert phrase not in text, (phrase, text)


def test_a_slow_penalised_intercept_is_named_with_what_converges_it():
    # C=1e-6: the L2 term bounds the one step size, the unpenalised
    # intercept crawls (-0.52 after 1,000 iterations, the optimum -0.98) and
    # the warning said only "Increase max_iter, or standardise X".
    from sklearn.datasets import make_classification

    X, y = make_classification(
        n_samples=1000, n_features=10, weights=[0.73], random_state=0
    )
    X = StandardScaler().fit_transform(X)
    optimum = LogisticRegression(C=1e-6, tol=1e-12, max_iter=10_000).fit(X, y)
    with pytest.warns(ConvergenceWarning) as caught:
        slow = GDLogisticClassifier(C=1e-6).fit(X, y)
    (message,) = [str(w.message) for w in caught]
    assert "the intercept, which is not penalised, moves slowly" in message
    assert "set momentum=0.9 (with alpha='adaptive')" in message
    assert abs(slow.intercept_[0] - optimum.intercept_[0]) > 0.4
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the advice, followed, converges
        advised = GDLogisticClassifier(C=1e-6, momentum=0.9).fit(X, y)
    assert_allclose(advised.intercept_, optimum.intercept_, atol=1e-3)
    # Only where the penalty bounds the step: not without one.
    with pytest.warns(ConvergenceWarning) as caught:
        GDLogisticClassifier(max_iter=3).fit(X, y)
    assert "intercept" not in str(caught[0].message)


@pytest.mark.parametrize("standardised", [True, False])
def test_a_diverging_step_rule_blames_the_data_only_when_it_is_not_standardised(
    standardised,
):
    from sklearn_gd._gradient_descent import descend_candidates, report

    def overflows(stack, which):  # the cost of any data that overflow
        return np.full(len(which), np.inf), np.zeros_like(stack)

    run = descend_candidates(
        overflows, np.zeros((1, 1, 2)), alphas=[1.0], max_iter=5, tol=0,
        adaptive=True,
    )  # fmt: skip
    X = _SCALED[0] if standardised else _UNSCALED[0]
    with pytest.raises(ValueError) as excinfo:
        report(
            [run], ["alpha='adaptive'"], max_iter=5, tol=0,
            feature_moments=lambda: (X.mean(axis=0), X.std(axis=0)),
        )  # fmt: skip
    message = str(excinfo.value)
    assert "diverged at iteration 1 with alpha='adaptive'" in message
    assert ("StandardScaler" in message) != standardised
    assert ("extreme values" in message) == standardised
    assert "smaller alpha" not in message


def test_scale_advice_asks_the_data_only_when_it_matters():
    calls = []

    def moments():
        calls.append(1)
        return _SCALED[0].mean(axis=0), _SCALED[0].std(axis=0)

    from sklearn_gd._gradient_descent import descend_candidates, report

    def quadratics(stack, which):
        return (stack**2).sum(axis=(1, 2)), 2 * stack

    run = descend_candidates(
        quadratics, np.ones((1, 1, 2)), alphas=[0.25], max_iter=50, tol=1e-6
    )
    report([run], ["alpha=0.25"], max_iter=50, tol=1e-6, feature_moments=moments)
    assert calls == []  # converged: nothing to advise


@pytest.mark.parametrize(
    "loader", [load_breast_cancer, load_wine, load_iris, load_digits]
)
def test_defaults_on_standardised_data_converge_without_a_warning(loader):
    X, y = loader(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        gd = GDLogisticClassifier().fit(X, y)
    assert gd.n_iter_ < gd.max_iter
    # The default is LogisticRegression's C=1.0: the same model.
    lr = LogisticRegression(tol=1e-10, max_iter=10_000).fit(X, y)
    assert np.mean(gd.predict(X) == lr.predict(X)) >= 0.99
    assert_allclose(gd.predict_proba(X), lr.predict_proba(X), atol=0.02)


def _said(fit):
    """Run ``fit()``; return the messages of the warnings it gave."""
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        fit()
    assert all(issubclass(w.category, ConvergenceWarning) for w in record)
    return [str(w.message) for w in record]


def test_grid_search_over_alpha_warns_at_most_once_per_fit_and_never_for_adaptive():
    X, y = _UNSCALED
    alphas = [0.01, 0.1, 1.0, "adaptive"]
    pipe = make_pipeline(StandardScaler(), GDLogisticClassifier())
    search = GridSearchCV(pipe, {"gdlogisticclassifier__alpha": alphas}, cv=5)
    messages = _said(lambda: search.fit(X, y))
    assert len(messages) <= 5 * len(alphas) + 1  # the folds' fits and the refit
    # The same folds, one alpha at a time: who said what.
    for alpha in alphas:
        pipe.set_params(gdlogisticclassifier__alpha=alpha)
        said = _said(lambda: cross_val_score(pipe, X, y, cv=5))  # noqa: B023
        assert len(said) <= 5, said
        if alpha == "adaptive":
            assert said == []
        for message in said:  # a fixed alpha too small for max_iter
            assert message.startswith("Gradient descent reached max_iter=1000")
            assert "larger alpha" in message
            for phrase in (*STANDARDISE, "C=np.inf", "smaller alpha", "cost rose"):
                assert phrase not in message, (phrase, message)
    assert search.best_estimator_.score(X, y) > 0.97
