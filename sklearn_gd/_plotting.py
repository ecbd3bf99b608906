"""Cost-curve plots, following scikit-learn's Display convention."""

import numpy as np
from sklearn.pipeline import Pipeline
from sklearn.utils._optional_dependencies import check_matplotlib_support
from sklearn.utils.validation import check_is_fitted

from sklearn_gd._logistic import GDLogisticClassifier, alpha_label
from sklearn_gd._logistic_cv import GDLogisticClassifierCV


def _split_curves(cost_history):
    """Turn one cost history, or a list of them, into a list of curves.

    Parameters
    ----------
    cost_history : array-like of shape (n_iter,), or list of such array-likes
        One curve, or several; an empty list means no curve.

    Returns
    -------
    curves : list of ndarray of shape (n_iter,)
        One float array per curve.

    Examples
    --------
    >>> [curve.tolist() for curve in _split_curves([3, 2])]
    [[3.0, 2.0]]
    >>> [curve.tolist() for curve in _split_curves([[3, 2], [3, 1, 0]])]
    [[3.0, 2.0], [3.0, 1.0, 0.0]]
    """
    items = list(cost_history)
    if items and np.ndim(items[0]) == 0:  # the items are costs: a single curve
        items = [cost_history]
    curves = [np.asarray(item, dtype=float) for item in items]
    if any(curve.ndim != 1 for curve in curves):
        raise ValueError(
            "cost_history must be one 1-D array-like or a list of them; got "
            f"curves of {[curve.ndim for curve in curves]} dimensions."
        )
    return curves


def _gradient_descent_fit(estimator):
    """Find the fitted gradient-descent estimator in a pipeline or a search.

    Parameters
    ----------
    estimator : estimator
        A :class:`~sklearn_gd.GDLogisticClassifier` or
        :class:`~sklearn_gd.GDLogisticClassifierCV`, a Pipeline ending in
        one, or a fitted scikit-learn search over either.

    Returns
    -------
    fit : GDLogisticClassifier or GDLogisticClassifierCV
        The fitted estimator whose cost histories to draw.

    Raises
    ------
    NotFittedError
        If it, or the search holding it, is not fitted.
    ValueError
        If there is no gradient-descent fit in it, or a search kept none
        (``refit=False``).
    """
    seen = estimator
    while not isinstance(estimator, (GDLogisticClassifier, GDLogisticClassifierCV)):
        if isinstance(estimator, Pipeline):
            estimator = estimator[-1]
        elif any(
            hasattr(estimator, name)
            for name in ("best_estimator_", "param_grid", "param_distributions")
        ):
            check_is_fitted(estimator)  # a search: not fitted says so
            if not hasattr(estimator, "best_estimator_"):
                raise ValueError(
                    f"This {type(estimator).__name__} was fitted with refit=False "
                    "and keeps no fitted model to draw: fit it with refit=True, or "
                    "pass a GDLogisticClassifier fitted with the parameters you "
                    "want to see (cv_results_['params'])."
                )
            estimator = estimator.best_estimator_
        else:
            raise ValueError(
                "CostHistoryDisplay.from_estimator draws a fitted "
                "GDLogisticClassifier or GDLogisticClassifierCV, a Pipeline "
                "ending in one, or a fitted GridSearchCV or RandomizedSearchCV "
                f"over one; {type(seen).__name__} holds a "
                f"{type(estimator).__name__}, which keeps no cost history. For "
                "costs recorded elsewhere, use CostHistoryDisplay(cost_history=...)."
            )
    check_is_fitted(estimator)
    return estimator


def _rule_label(estimator):
    """Name the step rule the user chose, or the fixed step it took.

    Examples
    --------
    >>> from sklearn_gd import GDLogisticClassifier
    >>> _rule_label(GDLogisticClassifier())
    "alpha='adaptive'"
    """
    if estimator.alpha == "adaptive":
        return alpha_label("adaptive")
    if estimator.alpha == "auto":
        return f"alpha='auto': {estimator.alpha_:.3g}"
    return alpha_label(estimator.alpha)


def _labels(name, n_curves):
    """One legend label per curve, from a str (one curve) or a list of str.

    Parameters
    ----------
    name : str, list of str or None
        A str names a single curve; a list names each curve in turn.
    n_curves : int
        Number of curves to label.

    Returns
    -------
    labels : list of str or None
        One label per curve; None leaves a curve out of the legend.

    Examples
    --------
    >>> _labels(None, 2)
    [None, None]
    >>> _labels("fit", 1)
    ['fit']
    """
    if name is None:
        return [None] * n_curves
    names = [name] if isinstance(name, str) else list(name)
    if len(names) != n_curves:
        raise ValueError(
            f"name must give one label per curve: {n_curves} curves, "
            f"{len(names)} names ({name!r})."
        )
    return names


class CostHistoryDisplay:
    """Cost curves of gradient-descent fits: J before each update.

    Build it with :meth:`from_estimator` on a fitted
    :class:`~sklearn_gd.GDLogisticClassifier` (or a Pipeline ending in one),
    on a fitted :class:`~sklearn_gd.GDLogisticClassifierCV` (every candidate
    of one fold), or from cost histories directly, then :meth:`plot`, which
    draws every curve at once. Several displays drawn on one ``ax`` overlay,
    with a legend. Needs matplotlib.

    Parameters
    ----------
    cost_history : array-like of shape (n_iter,), or list of such array-likes
        The cost J before each update, as in ``cost_history_``: one curve, or
        a list of curves (an empty list draws none).
    name : str or list of str, default=None
        Legend label: a str for one curve, a list with one str per curve for
        several. None leaves the curves out of the legend.

    Attributes
    ----------
    lines_ : list of matplotlib Line2D
        One line per curve, in the order of ``cost_history``; empty when there
        is no curve.
    line_ : matplotlib Line2D or None
        The line of the single curve; for a
        :class:`~sklearn_gd.GDLogisticClassifierCV`, the chosen candidate's.
        Always an element of ``lines_``, or None: when nothing was drawn, or
        when several curves were given directly (none stands out).
    ax_ : matplotlib Axes
        The axes they are drawn on.
    figure_ : matplotlib Figure
        The figure of those axes.

    See Also
    --------
    sklearn.metrics.RocCurveDisplay : The same pattern (``from_cv_results``,
        scikit-learn 1.7 and later): one display holding several curves.
    sklearn.model_selection.LearningCurveDisplay : The same convention for
        learning curves.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from sklearn.datasets import load_iris
    >>> from sklearn_gd import CostHistoryDisplay, GDLogisticClassifier
    >>> X, y = load_iris(return_X_y=True)
    >>> clf = GDLogisticClassifier(max_iter=50, tol=0).fit(X, y)
    >>> display = CostHistoryDisplay.from_estimator(clf, name="iris")
    >>> len(display.line_.get_ydata())
    50
    >>> display = CostHistoryDisplay(
    ...     cost_history=[[0.7, 0.5, 0.4], [0.7, 0.3]], name=["slow", "fast"]
    ... ).plot()
    >>> len(display.lines_), display.line_ is None
    (2, True)
    """

    def __init__(self, *, cost_history, name=None):
        self.cost_history = cost_history
        self.name = name

    def plot(self, ax=None, *, name=None, log_scale=False, **kwargs):
        """Draw every cost curve.

        Parameters
        ----------
        ax : matplotlib Axes, default=None
            Axes to draw on; a new figure, with constrained layout so that no
            label is clipped, when None. Passing the ``ax_`` of another
            display overlays the curves.
        name : str or list of str, default=None
            Legend labels, overriding the display's ``name``: a str for one
            curve, a list with one str per curve for several.
        log_scale : bool, default=False
            Draw the cost on a logarithmic axis.
        **kwargs : dict
            Passed to ``ax.plot`` for every curve (``color``, ``linestyle``,
            ...).

        Returns
        -------
        display : CostHistoryDisplay
            This display, with ``lines_``, ``line_``, ``ax_`` and ``figure_``
            set by this call.
        """
        check_matplotlib_support(f"{type(self).__name__}.plot")
        import matplotlib.pyplot as plt

        curves = _split_curves(self.cost_history)
        labels = _labels(self.name if name is None else name, len(curves))
        if ax is None:
            _, ax = plt.subplots(layout="constrained")
        self.lines_ = [
            ax.plot(np.arange(len(curve)), curve, label=label, **kwargs)[0]
            for curve, label in zip(curves, labels, strict=True)
        ]
        # A CV search marks its chosen candidate; otherwise only a lone curve
        # stands out.
        chosen = getattr(self, "_chosen", 0 if len(curves) == 1 else None)
        self.line_ = None if chosen is None else self.lines_[chosen]
        ax.set_xlabel("iteration")
        ax.set_ylabel("cost J")
        if log_scale:
            ax.set_yscale("log")
        if any(line.get_label()[:1] != "_" for line in ax.get_lines()):
            ax.legend()
        self.ax_ = ax
        self.figure_ = ax.figure
        return self

    @classmethod
    def from_estimator(
        cls, estimator, *, ax=None, name=None, log_scale=False, fold=0, **kwargs
    ):
        """Draw the cost curves of a fitted estimator.

        Parameters
        ----------
        estimator : fitted estimator
            A fitted :class:`~sklearn_gd.GDLogisticClassifier`: its curve
            (``line_``); a Pipeline ending in one (its last step); a fitted
            :class:`~sklearn.model_selection.GridSearchCV` or
            ``RandomizedSearchCV`` over either
            (its ``best_estimator_``). Or a fitted
            :class:`~sklearn_gd.GDLogisticClassifierCV`:
            the curve of every candidate on ``fold`` that did not diverge
            (``lines_``; ``line_`` is the chosen candidate's), labelled
            ``"alpha=..., C=..."``, with ``alpha`` the learning rate, under the
            title ``"Fold 0: every candidate"``. When every candidate diverged
            on ``fold``, nothing is drawn and the title says so.
        ax : matplotlib Axes, default=None
            Axes to draw on; a new figure when None.
        name : str, default=None
            Legend label; defaults to the estimator's class name and its
            ``alpha`` as the user set it: ``alpha='adaptive'`` for the step
            rule (the steps it took are in ``step_sizes_``), ``alpha=0.1``
            for a fixed step, the step ``1/L`` it chose for ``'auto'``. For a
            :class:`~sklearn_gd.GDLogisticClassifierCV`, the prefix of every
            label (``"name: alpha=..., C=..."``) and of the title
            (``"name, fold 0: ..."``), so that two searches drawn on one
            ``ax`` stay apart.
        log_scale : bool, default=False
            Draw the cost on a logarithmic axis.
        fold : int, default=0
            For a :class:`~sklearn_gd.GDLogisticClassifierCV`: whose fold's
            training curves to draw.
        **kwargs : dict
            Passed to ``ax.plot``.

        Returns
        -------
        display : CostHistoryDisplay
            The display, drawn.

        Raises
        ------
        NotFittedError
            If the estimator (or the search) is not fitted.
        ValueError
            If it holds no gradient-descent fit: the message says what to pass.
        """
        check_matplotlib_support(f"{cls.__name__}.from_estimator")
        final = _gradient_descent_fit(estimator)
        if hasattr(final, "cost_histories_"):
            display, title = cls._from_search(final, fold, name)
        else:
            if name is None:
                name = f"{type(final).__name__} ({_rule_label(final)})"
            display, title = cls(cost_history=final.cost_history_, name=name), None
        display.plot(ax=ax, log_scale=log_scale, **kwargs)
        if title is not None:
            display.ax_.set_title(title)
        return display

    @classmethod
    def _from_search(cls, search, fold, name):
        """Gather the curves of every candidate of one fold of a CV search.

        Parameters
        ----------
        search : GDLogisticClassifierCV
            The fitted search.
        fold : int
            Whose fold's training curves to gather.
        name : str or None
            Prefix of every label and of the title.

        Returns
        -------
        display : CostHistoryDisplay
            The display, not drawn yet: one curve per candidate that did not
            diverge, with the chosen candidate marked for ``line_``.
        title : str
            The axes' title: the fold, and how many candidates diverged.
        """
        Cs = getattr(search, "Cs_", None)
        Cs = np.asarray(search.Cs if Cs is None else Cs, dtype=float).ravel()
        histories, labels, chosen = [], [], None
        for (a, c), history in np.ndenumerate(search.cost_histories_[fold]):
            if search.coefs_paths_[fold, a, c] is None:  # diverged: no curve
                continue
            alpha, C = search.alphas_[a], Cs[c]
            if alpha == search.alpha_ and C == search.C_:
                chosen = len(histories)
            histories.append(history)
            label = f"{alpha_label(alpha)}, C={C:g}"
            labels.append(label if name is None else f"{name}: {label}")
        display = cls(cost_history=histories, name=labels)
        display._chosen = chosen
        where = f"Fold {fold}" if name is None else f"{name}, fold {fold}"
        n_diverged = search.cost_histories_[fold].size - len(histories)
        if not histories:
            return display, f"{where}: every candidate diverged; no curve to draw"
        if n_diverged:
            return display, f"{where}: every candidate ({n_diverged} diverged)"
        return display, f"{where}: every candidate"
