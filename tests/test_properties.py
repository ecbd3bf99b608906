"""Properties of a fit that hold for any data, checked by hypothesis.

Data shapes: 1-200 samples, 1-30 features, 2-6 classes, float32 and float64,
sample weights with zeros, C finite and infinite, l1_ratio in [0, 1], with and
without an intercept. The number of examples is bounded by the hypothesis
profile in ``tests/conftest.py``.
"""

import warnings

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from numpy.testing import assert_allclose, assert_array_equal
from scipy.optimize import approx_fprime

from sklearn_gd import GDLogisticClassifier, _loss

from .conftest import make_evaluator, objective


@st.composite
def problems(draw, max_samples=200, max_features=30):
    """Data, weights and parameters of one fit."""
    n_classes = draw(st.integers(2, 6))
    n_samples = draw(st.integers(n_classes, max_samples))
    n_features = draw(st.integers(1, max_features))
    dtype = draw(st.sampled_from([np.float64, np.float32]))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    y = rng.permutation(np.arange(n_samples) % n_classes)
    X = rng.normal(size=(n_samples, n_features)) + 0.5 * y[:, None]
    X *= draw(st.sampled_from([0.1, 1.0, 10.0]))
    sample_weight = None
    if draw(st.booleans()):
        sample_weight = rng.uniform(0.0, 3.0, size=n_samples)
        sample_weight[rng.random(n_samples) < 0.2] = 0.0
        sample_weight[0] = 1.0  # a positive weight sum
    params = {
        "C": draw(st.sampled_from([np.inf, 0.1, 1.0, 100.0])),
        "l1_ratio": draw(st.floats(0.0, 1.0)),
        "fit_intercept": draw(st.booleans()),
        "max_iter": 15,
        "tol": 0,
        # In float32 the adaptive rule's halve-or-accept tests read float32
        # round-off, so its trajectory is not the float64 one step for step.
        "alpha": draw(st.sampled_from(["auto", "adaptive"]))
        if dtype == np.float64
        else "auto",
    }
    return X.astype(dtype), y, sample_weight, params


def _rtol(X):
    """Round-off tolerance of a fit computed in X's dtype."""
    return 1e-9 if X.dtype == np.float64 else 2e-4


def _assert_same_fit(a, b, X):
    rtol = _rtol(X)
    scale = max(np.abs(b.coef_).max(), np.abs(b.intercept_).max(), 1e-3)
    if X.dtype == np.float32:
        # Each float32 update adds round-off of about alpha * eps * |x|,
        # however small the coefficients themselves are.
        scale = max(scale, b.alpha_ * max(1.0, float(np.abs(X).max())))
    assert_allclose(a.coef_, b.coef_, rtol=rtol, atol=rtol * scale)
    assert_allclose(a.intercept_, b.intercept_, rtol=rtol, atol=rtol * scale)
    assert_allclose(a.cost_history_, b.cost_history_, rtol=rtol)


@given(problems(max_samples=60, max_features=10))
def test_loop_equals_vectorized(problem):
    X, y, sample_weight, params = problem
    vec = GDLogisticClassifier(**params).fit(X, y, sample_weight)
    loop = GDLogisticClassifier(solver="loop", **params)
    loop.fit(X.astype(np.float64), y, sample_weight)
    _assert_same_fit(vec, loop, X)


@given(problems(), st.sampled_from(["auto", "adaptive"]), st.sampled_from([0, 0.9]))
def test_safe_step_rules_never_raise_the_cost(problem, alpha, momentum):
    """The default rule, 1/L, and either with momentum (which restarts)."""
    X, y, sample_weight, params = problem
    params = {**params, "alpha": alpha, "momentum": momentum}
    costs = GDLogisticClassifier(**params).fit(X, y, sample_weight).cost_history_
    assert np.all(np.diff(costs) <= 1e-2 * _rtol(X) * np.abs(costs[:-1]))


@given(problems(), st.randoms(use_true_random=False))
def test_permuting_rows_leaves_the_fit_unchanged(problem, random):
    X, y, sample_weight, params = problem
    order = np.array(random.sample(range(len(y)), len(y)))
    fit = GDLogisticClassifier(**params).fit(X, y, sample_weight)
    permuted = GDLogisticClassifier(**params).fit(
        X[order], y[order], None if sample_weight is None else sample_weight[order]
    )
    _assert_same_fit(permuted, fit, X)


@given(problems())
def test_relabelling_classes_permutes_the_probability_columns(problem):
    X, y, sample_weight, params = problem
    n_classes = y.max() + 1
    fit = GDLogisticClassifier(**params).fit(X, y, sample_weight)
    names = np.array([f"class {n_classes - k:02d}" for k in range(n_classes)])
    relabelled = GDLogisticClassifier(**params).fit(X, names[y], sample_weight)
    # classes_ is sorted: class k of the first fit is column n_classes - 1 - k.
    proba = relabelled.predict_proba(X)
    assert_allclose(proba[:, ::-1], fit.predict_proba(X), rtol=_rtol(X), atol=1e-6)
    # Ties (all-zero coefficients, say) go to the first class either way.
    top_two = np.sort(proba, axis=1)[:, -2:]
    decided = top_two[:, 1] - top_two[:, 0] > 1e-6
    assert_array_equal(relabelled.predict(X)[decided], names[fit.predict(X)][decided])


@given(problems(max_samples=50), st.integers(0, 2**32 - 1))
def test_integer_weights_equal_repeated_rows(problem, seed):
    X, y, _, params = problem
    counts = np.random.default_rng(seed).integers(0, 4, size=len(y))
    assume(len(np.unique(np.repeat(y, counts))) == len(np.unique(y)))
    weighted = GDLogisticClassifier(**params).fit(X, y, sample_weight=counts)
    repeated = GDLogisticClassifier(**params).fit(
        np.repeat(X, counts, axis=0), np.repeat(y, counts)
    )
    _assert_same_fit(weighted, repeated, X)


@given(problems())
def test_a_fit_is_deterministic_and_its_probabilities_are_sound(problem):
    X, y, sample_weight, params = problem
    first = GDLogisticClassifier(**params).fit(X, y, sample_weight)
    second = GDLogisticClassifier(**params).fit(X, y, sample_weight)
    assert_array_equal(first.coef_, second.coef_)
    assert_array_equal(first.intercept_, second.intercept_)
    assert_array_equal(first.cost_history_, second.cost_history_)
    proba = first.predict_proba(X)
    assert np.isfinite(proba).all()
    assert_allclose(proba.sum(axis=1), 1.0, rtol=10 * np.finfo(X.dtype).eps)


@given(problems(max_samples=40, max_features=6), st.integers(0, 2**32 - 1))
def test_gradient_equals_finite_differences(problem, seed):
    X, y, sample_weight, params = problem
    X = X.astype(np.float64)  # finite differences need float64
    n_classes = y.max() + 1
    if sample_weight is None:
        sample_weight = np.ones(len(y))
    loss = make_evaluator(X, y, sample_weight, n_classes, params["fit_intercept"])
    l2_reg, _ = _loss.penalty_strengths(
        params["C"], params["l1_ratio"], sample_weight.sum()
    )
    f = objective(loss, l2_reg)
    n_outputs = 1 if n_classes == 2 else n_classes
    shape = (n_outputs, X.shape[1] + params["fit_intercept"])
    at = np.random.default_rng(seed).normal(size=shape)

    def cost(flat):
        return f(flat.reshape(shape))[0]

    grad = f(at)[1]
    numeric = approx_fprime(at.ravel(), cost, 1e-6)
    assert_allclose(grad.ravel(), numeric, rtol=1e-4, atol=1e-6 * (1 + np.abs(X).max()))


def test_one_sample_is_one_class():
    with pytest.raises(ValueError, match="one class"):
        GDLogisticClassifier().fit(np.ones((1, 3)), [1])


_LABELS = st.one_of(
    st.lists(st.integers(-(2**62), 2**62), min_size=1, max_size=20).map(np.array),
    st.lists(st.booleans(), min_size=1, max_size=20).map(np.array),
    st.lists(
        st.one_of(
            st.floats(allow_nan=True, allow_infinity=True),
            st.integers(-5, 5).map(float),
            st.sampled_from([2.0**62, 2.0**63, -(2.0**63), 1e30, 0.5, -0.0]),
        ),
        min_size=1,
        max_size=20,
    ).map(lambda values: np.array(values, dtype=float)),
    st.lists(st.sampled_from(["a", "b", "c"]), min_size=1, max_size=20).map(np.array),
)


@given(_LABELS)
def test_the_fast_label_check_says_yes_only_where_scikit_learn_does(y):
    # encode_labels skips scikit-learn's type_of_target (120 us) where it
    # surely finds y binary or multiclass: never where it would refuse y.
    from sklearn.utils.multiclass import type_of_target

    from sklearn_gd._data import _surely_class_labels, encode_labels

    classes = np.unique(y)
    if _surely_class_labels(y, classes):
        assert type_of_target(y) in ("binary", "multiclass")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # sklearn's casts
            accepted = type_of_target(y) in ("binary", "multiclass")
    except ValueError:  # NaN or infinity
        accepted = False
    if accepted and len(classes) >= 2:
        found, y_index = encode_labels(y)
        assert_array_equal(found[y_index], y)
    else:
        with pytest.raises(ValueError), warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            encode_labels(y)


@given(
    st.sampled_from([np.int8, np.uint8, np.int32, np.int64, np.uint64, np.bool_]),
    st.lists(st.integers(0, 3000), min_size=1, max_size=40),
    st.data(),
)
def test_integer_labels_are_counted_into_what_unique_gives(dtype, values, data):
    # Counting replaces sorting for integers of a small range: the same
    # classes (and dtype) and the same indices as np.unique, from anywhere in
    # the dtype's range (its ends included).
    from sklearn_gd._data import _unique_integers

    if dtype is np.bool_:
        y = (np.array(values) % 2).astype(dtype)
    else:
        info = np.iinfo(dtype)
        ends = st.sampled_from([info.min, info.max])
        base = data.draw(st.one_of(st.integers(info.min, info.max), ends))
        shifted = np.array(values, dtype=object) + base
        y = np.clip(shifted, info.min, info.max).astype(dtype)
    found = _unique_integers(y)
    spread = int(y.max()) - int(y.min())
    classes, y_index = np.unique(y, return_inverse=True)
    if spread > max(len(y), 1024) or dtype is np.uint64:
        assert found is None
        return
    assert found[0].dtype == classes.dtype
    assert_array_equal(found[0], classes)
    assert_array_equal(found[1], y_index.ravel())


_VALUES = st.sampled_from([0.0, -1.5, 2.0, 1e308, np.nan, np.inf, -np.inf])


@st.composite
def _arrays_to_validate(draw):
    """An X and a y of assorted dtypes, shapes, layouts and values."""
    n_samples, n_features = draw(st.integers(0, 5)), draw(st.integers(0, 4))
    X = np.array(
        draw(
            st.lists(
                _VALUES,
                min_size=n_samples * n_features,
                max_size=n_samples * n_features,
            )
        )
    ).reshape(n_samples, n_features)
    n_labels = draw(st.sampled_from([n_samples, n_samples + 1]))
    y = np.array(draw(st.lists(_VALUES, min_size=n_labels, max_size=n_labels)))
    with warnings.catch_warnings():  # NaN and inf cast to integers or float16
        warnings.simplefilter("ignore", RuntimeWarning)
        X = X.astype(
            draw(st.sampled_from([np.float64, np.float32, np.float16, np.int64]))
        )
        y = y.astype(draw(st.sampled_from([np.float64, np.int64, np.bool_, object])))
    if draw(st.booleans()):
        X = np.asfortranarray(X)
    if draw(st.booleans()):
        X = X.ravel()  # 1-D: refused
    return X, y


@given(_arrays_to_validate(), st.sampled_from([np.float64, [np.float64, np.float32]]))
def test_the_fast_input_check_says_yes_only_where_scikit_learn_keeps_the_arrays(
    arrays, dtype
):
    # InMemoryData.validate skips scikit-learn's check_X_y (90 us) where it
    # surely returns X and y as they are: never where it would convert or
    # refuse them.
    from sklearn.utils.validation import check_X_y

    from sklearn_gd._data import _surely_valid

    X, y = arrays
    if not _surely_valid(X, y, dtype):
        return
    X_checked, y_checked = check_X_y(X, y, accept_sparse="csr", dtype=dtype)
    assert X_checked.dtype == X.dtype and y_checked.dtype == y.dtype
    assert_array_equal(X_checked, X)
    assert_array_equal(y_checked, y)


@pytest.mark.filterwarnings("ignore:the matrix subclass:PendingDeprecationWarning")
def test_the_fast_input_check_takes_plain_arrays_and_nothing_else():
    from sklearn_gd._data import _surely_valid

    X, y = np.ones((3, 2)), np.array([0, 1, 0])
    both = [np.float64, np.float32]
    assert _surely_valid(X, y, both)
    assert _surely_valid(X.astype(np.float32), y.astype(float), both)
    assert not _surely_valid(X.astype(np.float32), y, np.float64)  # converted
    assert not _surely_valid(X.tolist(), y, both)  # a list
    assert not _surely_valid(X, y.reshape(-1, 1), both)  # a column
    assert not _surely_valid(X, y[:2], both)  # lengths differ
    assert not _surely_valid(X[:0], y[:0], both)  # no rows
    # Subclasses, which scikit-learn converts, and a strided y, which it copies.
    assert not _surely_valid(np.asmatrix(X), y, both)
    assert not _surely_valid(np.ma.masked_array(X), y, both)
    assert not _surely_valid(X, np.ma.masked_array(y), both)
    assert not _surely_valid(X, np.array([0, 9, 1, 9, 0, 9])[::2], both)
    X[1, 1] = np.nan
    assert not _surely_valid(X, y, both)
