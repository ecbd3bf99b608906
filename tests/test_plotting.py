import sys
import warnings

import matplotlib
import numpy as np
import pytest
from numpy.testing import assert_array_equal
from sklearn.datasets import load_breast_cancer
from sklearn.exceptions import ConvergenceWarning, NotFittedError
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sklearn_gd import CostHistoryDisplay, GDLogisticClassifier, GDLogisticClassifierCV

from .conftest import make_data

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.layout_engine import ConstrainedLayoutEngine  # noqa: E402


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
    # The legend names the rule the user chose, not the last step it took.
    assert display.line_.get_label() == "GDLogisticClassifier (alpha='adaptive')"


@pytest.mark.parametrize(
    "alpha, label", [(0.1, "alpha=0.1"), ("auto", "alpha='auto': "), (3, "alpha=3")]
)
def test_legend_names_a_fixed_step_or_the_auto_rule(data, alpha, label):
    X, y = data
    clf = GDLogisticClassifier(alpha=alpha, max_iter=10, tol=0).fit(X, y)
    text = CostHistoryDisplay.from_estimator(clf).line_.get_label()
    assert text.startswith(f"GDLogisticClassifier ({label}")
    if alpha == "auto":
        assert text == f"GDLogisticClassifier (alpha='auto': {clf.alpha_:.3g})"


@pytest.mark.parametrize("search", ["grid", "randomized"])
@pytest.mark.parametrize("pipeline", [False, True])
def test_a_fitted_search_draws_its_best_estimator(data, search, pipeline):
    from sklearn.model_selection import GridSearchCV, RandomizedSearchCV

    X, y = data
    model = GDLogisticClassifier(max_iter=30)
    prefix = ""
    if pipeline:
        model, prefix = make_pipeline(StandardScaler(), model), "gdlogisticclassifier__"
    grid = {f"{prefix}alpha": [1e-6, "adaptive"]}
    if search == "grid":
        fitted = GridSearchCV(model, grid, cv=3, scoring="neg_log_loss")
    else:
        fitted = RandomizedSearchCV(
            model, grid, n_iter=2, cv=3, scoring="neg_log_loss", random_state=0
        )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)  # alpha=1e-6 crawls
        fitted.fit(X, y)
    display = CostHistoryDisplay.from_estimator(fitted)
    best = fitted.best_estimator_[-1] if pipeline else fitted.best_estimator_
    assert_array_equal(display.line_.get_ydata(), best.cost_history_)
    assert display.line_.get_label() == "GDLogisticClassifier (alpha='adaptive')"


def test_a_search_without_refit_or_not_fitted_says_what_to_pass(data):
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import GridSearchCV

    X, y = data
    search = GridSearchCV(GDLogisticClassifier(), {"alpha": [0.1, 1.0]}, cv=3)
    with pytest.raises(NotFittedError, match="GridSearchCV instance is not fitted"):
        CostHistoryDisplay.from_estimator(search)
    search.set_params(refit=False).fit(X, y)
    with pytest.raises(ValueError, match="refit=False.*refit=True"):
        CostHistoryDisplay.from_estimator(search)
    pipe = make_pipeline(StandardScaler(), LogisticRegression()).fit(X, y)
    with pytest.raises(ValueError, match="Pipeline holds a LogisticRegression"):
        CostHistoryDisplay.from_estimator(pipe)


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
    cv = GDLogisticClassifierCV(alphas=[1e-5, 1e-4, 1e308], cv=3, max_iter=20, tol=0)
    with pytest.warns(Warning, match="diverged"):
        cv.fit(100 * X, y)
    display = CostHistoryDisplay.from_estimator(cv, fold=1)
    assert len(display.lines_) == 2  # the diverged candidate has no curve
    for line, a in zip(display.lines_, [0, 1], strict=True):
        assert_array_equal(line.get_ydata(), cv.cost_histories_[1, a, 0])
    chosen = list(cv.alphas_).index(cv.alpha_)
    assert display.line_ is display.lines_[chosen]
    legend = [text.get_text() for text in display.ax_.get_legend().get_texts()]
    assert legend == ["alpha=1e-05, C=1", "alpha=0.0001, C=1"]


def test_cv_legend_names_the_rules_among_the_candidates(data):
    X, y = data
    cv = GDLogisticClassifierCV(alphas=[0.1, "adaptive"], cv=3, max_iter=20, tol=0)
    display = CostHistoryDisplay.from_estimator(cv.fit(X, y))
    legend = [text.get_text() for text in display.ax_.get_legend().get_texts()]
    assert legend == ["alpha=0.1, C=1", "alpha='adaptive', C=1"]


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
    # scikit-learn's own message: the package name that is on PyPI.
    with pytest.raises(ImportError, match="pip install matplotlib") as error:
        CostHistoryDisplay.from_estimator(clf)
    assert "sklearn-gd[plot]" not in str(error.value)
    with pytest.raises(ImportError, match="CostHistoryDisplay.plot"):
        CostHistoryDisplay(cost_history=[1.0, 0.5]).plot()


@pytest.fixture
def diverged_search():
    """A search on unscaled data where every candidate diverges on every fold."""
    X, y = load_breast_cancer(return_X_y=True)
    search = GDLogisticClassifierCV(
        alphas=[1e305, 1e308], cv=2, max_iter=5, tol=0, refit=False
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        search.fit(X, y)
    assert all(params is None for params in search.coefs_paths_.ravel())
    return search


def test_a_fold_where_every_candidate_diverged_draws_nothing_and_says_so(
    diverged_search,
):
    display = CostHistoryDisplay.from_estimator(diverged_search, fold=1)
    assert display.lines_ == []
    assert display.line_ is None
    assert display.ax_.get_lines() == []
    assert display.ax_.get_legend() is None
    title = display.ax_.get_title()
    assert title == "Fold 1: every candidate diverged; no curve to draw"


def test_name_prefixes_a_cv_display(diverged_search, data):
    X, y = data
    search = GDLogisticClassifierCV(
        alphas=[0.1, 1.0], Cs=[1.0, 10.0], cv=2, max_iter=10, tol=0
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        search.fit(X, y)
    display = CostHistoryDisplay.from_estimator(search, name="search A")
    legend = [text.get_text() for text in display.ax_.get_legend().get_texts()]
    assert legend == [
        f"search A: alpha={alpha:.3g}, C={C:g}"
        for alpha in search.alphas_
        for C in [1.0, 10.0]
    ]
    assert display.ax_.get_title() == "search A, fold 0: every candidate"
    empty = CostHistoryDisplay.from_estimator(diverged_search, name="search B")
    assert empty.ax_.get_title().startswith(
        "search B, fold 0: every candidate diverged"
    )


def test_cv_labels_read_the_fitted_Cs_(data):
    X, y = data
    search = GDLogisticClassifierCV(alphas=[0.1], Cs=[1.0, 10.0], cv=2, max_iter=5)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        search.fit(X, y)
    # The Cs a search fitted, not the parameter it was given (a grid size, say).
    search.Cs_ = np.array([1.0, 10.0])
    search.Cs = 2
    display = CostHistoryDisplay.from_estimator(search)
    assert [line.get_label() for line in display.lines_] == [
        "alpha=0.1, C=1",
        "alpha=0.1, C=10",
    ]
    assert display.line_ is display.lines_[[1.0, 10.0].index(search.C_)]


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_line_stays_in_lines_after_a_second_plot(data):
    X, y = data
    search = GDLogisticClassifierCV(alphas=[0.1, 1.0], cv=2, max_iter=10).fit(X, y)
    display = CostHistoryDisplay.from_estimator(search)
    chosen = list(search.alphas_).index(search.alpha_)
    first_lines = display.lines_
    display.plot(log_scale=True)
    assert display.lines_ is not first_lines
    assert len(display.lines_) == 2
    assert display.line_ is display.lines_[chosen]
    assert display.ax_ is display.line_.axes
    single = CostHistoryDisplay(cost_history=[3.0, 2.0]).plot()
    single.plot(ax=single.ax_)
    assert single.lines_ == [single.line_]
    assert len(single.ax_.get_lines()) == 2


def test_several_curves_given_to_the_constructor():
    histories = [[3.0, 2.0, 1.5], np.array([3.0, 1.0]), (3.0, 0.5, 0.2, 0.1)]
    display = CostHistoryDisplay(cost_history=histories, name=["a", "b", "c"])
    display.plot(color="black")
    assert len(display.lines_) == 3
    assert display.line_ is None  # several curves given directly: none is chosen
    for line, history in zip(display.lines_, histories, strict=True):
        assert_array_equal(line.get_xdata(), np.arange(len(history)))
        assert_array_equal(line.get_ydata(), history)
        assert line.get_color() == "black"
    legend = [text.get_text() for text in display.ax_.get_legend().get_texts()]
    assert legend == ["a", "b", "c"]
    # A 2-D array holds one curve per row.
    display = CostHistoryDisplay(cost_history=np.ones((2, 4))).plot()
    assert len(display.lines_) == 2
    assert display.ax_.get_legend() is None


def test_plot_name_overrides_the_display_names():
    one = CostHistoryDisplay(cost_history=[2.0, 1.0], name="old").plot(name="new")
    assert one.line_.get_label() == "new"
    two = CostHistoryDisplay(cost_history=[[2.0], [1.0]], name=["a", "b"])
    two.plot(name=["c", "d"])
    assert [line.get_label() for line in two.lines_] == ["c", "d"]
    assert two.name == ["a", "b"]  # plot draws; it changes no parameter


@pytest.mark.parametrize(
    "cost_history, name",
    [([[2.0, 1.0], [2.0]], "one name"), ([[2.0, 1.0], [2.0]], ["a"]), ([2.0], [])],
)
def test_one_name_per_curve(cost_history, name):
    display = CostHistoryDisplay(cost_history=cost_history, name=name)
    with pytest.raises(ValueError, match="one label per curve"):
        display.plot()


def test_a_curve_must_be_one_dimensional():
    with pytest.raises(ValueError, match="1-D"):
        CostHistoryDisplay(cost_history=[np.ones((2, 2))]).plot()


def test_new_figures_use_constrained_layout_so_no_label_is_clipped():
    display = CostHistoryDisplay(cost_history=[123.456, 100.5, 99.25]).plot()
    assert isinstance(display.figure_.get_layout_engine(), ConstrainedLayoutEngine)
    # Large enough to be clipped at the edges of a default figure.
    display.ax_.xaxis.label.set_fontsize(30)
    display.ax_.yaxis.label.set_fontsize(30)
    display.figure_.canvas.draw()
    figure = display.figure_.bbox
    for label in (display.ax_.xaxis.label, display.ax_.yaxis.label):
        extent = label.get_window_extent()
        assert figure.x0 <= extent.x0 and extent.x1 <= figure.x1
        assert figure.y0 <= extent.y0 and extent.y1 <= figure.y1
