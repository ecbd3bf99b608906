"""Adversarial inputs: each row is one input and the outcome it must have.

An outcome is either ``error(Type, pattern)``: a clear error whose message
matches the pattern, or ``FIT``: a fit whose coefficients are finite, whose
probabilities are finite and sum to 1, and whose cost never rose (with
``alpha='auto'``). ``docs/adversarial_inputs.md`` lists this table; a test
checks that it names every row.
"""

import re
import warnings
from pathlib import Path

import numpy as np
import pytest
from numpy.testing import assert_allclose
from scipy import sparse
from sklearn.exceptions import ConvergenceWarning

from sklearn_gd import GDLogisticClassifier

FIT = "fit"
DOC = Path(__file__).resolve().parents[1] / "docs" / "adversarial_inputs.md"


def error(kind, pattern):
    return (kind, pattern)


def _base(n=20, d=3, seed=0):
    rng = np.random.default_rng(seed)
    y = np.arange(n) % 2
    X = rng.normal(size=(n, d)) + y[:, None]
    return X, y


def nan_in_X():
    X, y = _base()
    X[3, 1] = np.nan
    return X, y, {}, {}


def inf_in_X():
    X, y = _base()
    X[0, 0] = np.inf
    return X, y, {}, {}


def huge_values_auto_alpha():
    X, y = _base()
    return X * 1e300, y, {}, {}


def huge_values_fixed_alpha():
    X, y = _base()
    return X * 1e300, y, {"alpha": 0.1}, {}


def tiny_values():
    X, y = _base()
    return X * 1e-300, y, {}, {}


def constant_feature():
    X, y = _base()
    X[:, 1] = 7.0
    return X, y, {}, {}


def duplicated_columns():
    X, y = _base()
    return np.hstack([X, X]), y, {}, {}


def one_sample_per_class():
    return np.array([[0.0, 1.0], [1.0, 0.0]]), np.array([0, 1]), {}, {}


def class_with_weight_zero():
    rng = np.random.default_rng(1)
    y = np.arange(30) % 3
    X = rng.normal(size=(30, 2)) + y[:, None]
    return X, y, {"class_weight": {0: 1.0, 1: 1.0, 2: 0.0}}, {}


def all_zero_weights():
    X, y = _base()
    return X, y, {}, {"sample_weight": np.zeros(len(y))}


def negative_weights():
    X, y = _base()
    weights = np.ones(len(y))
    weights[2] = -1.0
    return X, y, {}, {"sample_weight": weights}


def one_feature():
    X, y = _base(d=1)
    return X, y, {}, {}


def many_features_few_samples():
    X, y = _base(n=20, d=10_000)
    return X, y, {"max_iter": 50}, {}


def int8_X():
    X, y = _base()
    return np.round(X * 10).astype(np.int8), y, {}, {}


def bool_X():
    X, y = _base()
    return X > 0.5, y, {}, {}


def object_array_of_numeric_strings():
    X, y = _base()
    return X.round(3).astype(str).astype(object), y, {}, {}


def pandas_categorical_columns():
    import pandas as pd

    X, y = _base()
    frame = pd.DataFrame(X, columns=["a", "b", "c"])
    frame["colour"] = pd.Categorical(np.where(y == 1, "red", "blue"))
    return frame, y, {}, {}


def read_only_X():
    X, y = _base()
    X.setflags(write=False)
    return X, y, {}, {}


def memmapped_X(tmp_path):
    X, y = _base()
    path = tmp_path / "X.npy"
    np.save(path, X)
    return np.load(path, mmap_mode="r"), y, {}, {}


def non_contiguous_slice():
    X, y = _base(d=6)
    return X[:, ::2], y, {}, {}


def fortran_ordered_X():
    X, y = _base()
    return np.asfortranarray(X), y, {}, {}


def sparse_with_explicit_zeros():
    X, y = _base()
    X_csr = sparse.csr_matrix(X)
    X_csr.data[::4] = 0.0
    return X_csr, y, {}, {}


def mixed_type_labels():
    X, y = _base()
    return X, np.array([1, "a"] * 10, dtype=object), {}, {}


def boolean_y():
    X, y = _base()
    return X, y.astype(bool), {}, {}


def alpha_just_below_two_over_L():
    X, y = _base()
    step = GDLogisticClassifier(max_iter=1, tol=0).fit(X, y).alpha_
    return X, y, {"alpha": 1.9 * step, "max_iter": 200}, {}


def alpha_far_beyond_two_over_L():
    X, y = _base()
    return X * 1e150, y, {"alpha": 1e150, "max_iter": 50}, {}


def max_iter_one():
    X, y = _base()
    return X, y, {"max_iter": 1, "tol": 0}, {}


ROWS = [
    (nan_in_X, error(ValueError, "contains NaN")),
    (inf_in_X, error(ValueError, "contains infinity")),
    (huge_values_auto_alpha, error(ValueError, "overflow float64.*Scale X")),
    (huge_values_fixed_alpha, error(ValueError, "diverged at iteration 2")),
    (tiny_values, FIT),
    (constant_feature, FIT),
    (duplicated_columns, FIT),
    (one_sample_per_class, FIT),
    (class_with_weight_zero, FIT),
    (all_zero_weights, error(ValueError, "(?i)at least one non-zero")),
    (negative_weights, error(ValueError, "(?i)negative")),
    (one_feature, FIT),
    (many_features_few_samples, FIT),
    (int8_X, FIT),
    (bool_X, FIT),
    (object_array_of_numeric_strings, FIT),
    (pandas_categorical_columns, error(ValueError, "could not convert string")),
    (read_only_X, FIT),
    (memmapped_X, FIT),
    (non_contiguous_slice, FIT),
    (fortran_ordered_X, FIT),
    (sparse_with_explicit_zeros, FIT),
    (mixed_type_labels, error(ValueError, "y mixes labels of different types")),
    (boolean_y, FIT),
    (alpha_just_below_two_over_L, FIT),
    (alpha_far_beyond_two_over_L, error(ValueError, "diverged at iteration")),
    (max_iter_one, FIT),
]


def _make(case, tmp_path):
    return case(tmp_path) if case is memmapped_X else case()


@pytest.mark.parametrize("solver", ["vectorized", "loop"])
@pytest.mark.parametrize("case, outcome", ROWS, ids=[row[0].__name__ for row in ROWS])
def test_adversarial_input(case, outcome, solver, tmp_path):
    X, y, params, fit_params = _make(case, tmp_path)
    if solver == "loop" and case is many_features_few_samples:
        params = {**params, "max_iter": 3}  # the same path, at loop speed
    model = GDLogisticClassifier(solver=solver, **params)
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        warnings.simplefilter("ignore", ConvergenceWarning)
        if outcome is FIT:
            model.fit(X, y, **fit_params)
        else:
            kind, pattern = outcome
            with pytest.raises(kind, match=pattern):
                model.fit(X, y, **fit_params)
            assert not hasattr(model, "coef_")
            return
    assert np.isfinite(model.coef_).all() and np.isfinite(model.intercept_).all()
    proba = model.predict_proba(X)
    assert np.isfinite(proba).all()
    assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-6)
    assert set(model.predict(X)) <= set(model.classes_)
    if params.get("alpha", "auto") == "auto":
        costs = model.cost_history_
        assert np.all(np.diff(costs) <= 1e-6 * costs[:-1])


def test_docs_list_every_adversarial_row():
    listed = set(re.findall(r"^\| `(\w+)` \|", DOC.read_text(), flags=re.MULTILINE))
    assert listed == {case.__name__ for case, _ in ROWS}
