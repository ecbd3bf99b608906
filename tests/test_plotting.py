import sys

import matplotlib
import numpy as np
import pytest
from numpy.testing import assert_array_equal
from sklearn.exceptions import NotFittedError
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sklearn_gd import CostHistoryDisplay, GDLogisticClassifier, GDLogisticClassifierCV

from .conftest import make_data

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


@pytest.fixture
def data():
    return make_data(np.random.default_rng(0), n_samples=60)


def test_curve_is_the_cost_history(data):
    X, y = data
    clf = GDLogisticClassifier(max_iter=40, tol=0).fit(X, y)
    display = CostHistoryDisplay.from_estimator(clf)
    assert_array_equal(display.line_.get_xdata(), np.arange(40))
    assert_array_equal(display.line_.get_ydata(), clf.cost_history_)
    assert display.ax_.get_xlabel() == "iteration"
    assert display.ax_.get_ylabel() == "cost J"
    assert display.figure_ is display.ax_.figure
    assert display.line_.get_label() == f"GDLogisticClassifier (alpha={clf.alpha_:.3g})"


def test_several_fits_overlay_on_one_ax_with_a_legend(data):
    X, y = data
    first = CostHistoryDisplay.from_estimator(
        GDLogisticClassifier(alpha=0.01, max_iter=30, tol=0).fit(X, y), name="slow"
    )
    second = CostHistoryDisplay.from_estimator(
        GDLogisticClassifier(alpha=1.0, max_iter=30, tol=0).fit(X, y),
        ax=first.ax_,
        name="fast",
        color="red",
    )
    assert second.ax_ is first.ax_
    assert len(first.ax_.get_lines()) == 2
    legend = [text.get_text() for text in first.ax_.get_legend().get_texts()]
    assert legend == ["slow", "fast"]
    assert second.line_.get_color() == "red"


def test_log_scale_and_a_pipeline(data):
    X, y = data
    pipe = make_pipeline(StandardScaler(), GDLogisticClassifier(max_iter=20, tol=0))
    display = CostHistoryDisplay.from_estimator(pipe.fit(X, y), log_scale=True)
    assert display.ax_.get_yscale() == "log"
    assert_array_equal(display.line_.get_ydata(), pipe[-1].cost_history_)


@pytest.mark.filterwarnings(
    "ignore:The cost rose:sklearn.exceptions.ConvergenceWarning"
)
def test_cv_estimator_draws_every_candidate(data):
    X, y = data
    cv = GDLogisticClassifierCV(alphas=[0.1, 1.0, 1e308], cv=3, max_iter=20, tol=0)
    with pytest.warns(Warning, match="diverged"):
        cv.fit(100 * X, y)
    display = CostHistoryDisplay.from_estimator(cv, fold=1)
    assert len(display.lines_) == 2  # the diverged candidate has no curve
    for line, a in zip(display.lines_, [0, 1], strict=True):
        assert_array_equal(line.get_ydata(), cv.cost_histories_[1, a, 0])
    chosen = list(cv.alphas_).index(cv.alpha_)
    assert display.line_ is display.lines_[chosen]
    legend = [text.get_text() for text in display.ax_.get_legend().get_texts()]
    assert legend == ["alpha=0.1, C=inf", "alpha=1, C=inf"]


def test_from_cost_history_directly():
    display = CostHistoryDisplay(cost_history=[3.0, 2.0, 1.5], name="by hand").plot()
    assert_array_equal(display.line_.get_ydata(), [3.0, 2.0, 1.5])


def test_unfitted_estimator_is_refused():
    with pytest.raises(NotFittedError):
        CostHistoryDisplay.from_estimator(GDLogisticClassifier())


def test_missing_matplotlib_says_how_to_install(monkeypatch, data):
    X, y = data
    clf = GDLogisticClassifier(max_iter=5, tol=0).fit(X, y)
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    monkeypatch.setitem(sys.modules, "matplotlib.pyplot", None)
    with pytest.raises(ImportError, match=r"sklearn-gd\[plot\]"):
        CostHistoryDisplay.from_estimator(clf)
