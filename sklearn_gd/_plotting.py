"""Cost-curve plots, following scikit-learn's Display convention."""

import numpy as np
from sklearn.utils.validation import check_is_fitted

_INSTALL_HINT = (
    "CostHistoryDisplay needs matplotlib. Install it with "
    '`python -m pip install "sklearn-gd[plot]"` (or `pip install matplotlib`).'
)


def _pyplot():
    """Import matplotlib.pyplot, or say how to install it."""
    try:
        import matplotlib.pyplot as plt
    except ImportError as error:
        raise ImportError(_INSTALL_HINT) from error
    return plt


class CostHistoryDisplay:
    """Cost curve of a gradient-descent fit: J before each update.

    Build it with :meth:`from_estimator` on a fitted
    :class:`~sklearn_gd.GDLogisticClassifier` (or a Pipeline ending in one),
    or from a cost history directly, then :meth:`plot`. Several fits drawn on
    one ``ax`` overlay, with a legend. Needs matplotlib (the ``[plot]``
    extra).

    Parameters
    ----------
    cost_history : array-like of shape (n_iter,)
        The cost J before each update, as in ``cost_history_``.
    name : str, default=None
        Name of the curve in the legend.

    Attributes
    ----------
    line_ : matplotlib Line2D
        The curve.
    ax_ : matplotlib Axes
        The axes it is drawn on.
    figure_ : matplotlib Figure
        The figure of those axes.

    See Also
    --------
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
    """

    def __init__(self, *, cost_history, name=None):
        self.cost_history = cost_history
        self.name = name

    def plot(self, ax=None, *, name=None, log_scale=False, **kwargs):
        """Draw the cost curve.

        Parameters
        ----------
        ax : matplotlib Axes, default=None
            Axes to draw on; a new figure when None. Passing the ``ax_`` of
            another display overlays the curves.
        name : str, default=None
            Legend label; defaults to the display's ``name``.
        log_scale : bool, default=False
            Draw the cost on a logarithmic axis.
        **kwargs : dict
            Passed to ``ax.plot`` (``color``, ``linestyle``, ...).

        Returns
        -------
        display : CostHistoryDisplay
            This display, with ``line_``, ``ax_`` and ``figure_`` set.
        """
        plt = _pyplot()
        if ax is None:
            _, ax = plt.subplots()
        name = self.name if name is None else name
        cost_history = np.asarray(self.cost_history)
        (self.line_,) = ax.plot(
            np.arange(len(cost_history)), cost_history, label=name, **kwargs
        )
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
        """Draw the cost curve of a fitted estimator.

        Parameters
        ----------
        estimator : estimator with ``cost_history_``, or a Pipeline ending in one
            A fitted :class:`~sklearn_gd.GDLogisticClassifier`, or a
            :class:`~sklearn_gd.GDLogisticClassifierCV`, for which every
            candidate's curve on ``fold`` is drawn (``lines_``; ``line_`` is
            the chosen candidate's).
        ax : matplotlib Axes, default=None
            Axes to draw on; a new figure when None.
        name : str, default=None
            Legend label; defaults to the estimator's class name and ``alpha_``.
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
        """
        _pyplot()  # say how to install matplotlib before anything else
        final = estimator[-1] if hasattr(estimator, "steps") else estimator
        if hasattr(final, "cost_histories_"):
            return cls._from_search(final, fold, ax, log_scale, **kwargs)
        check_is_fitted(final, "cost_history_")
        if name is None:
            name = f"{type(final).__name__} (alpha={final.alpha_:.3g})"
        display = cls(cost_history=final.cost_history_, name=name)
        return display.plot(ax=ax, log_scale=log_scale, **kwargs)

    @classmethod
    def _from_search(cls, search, fold, ax, log_scale, **kwargs):
        """Draw every candidate's curve on one fold of a GDLogisticClassifierCV.

        ``lines_`` holds one line per candidate that did not diverge, and
        ``line_`` the chosen candidate's.
        """
        lines = []
        display = None
        for (a, c), history in np.ndenumerate(search.cost_histories_[fold]):
            if search.coefs_paths_[fold, a, c] is None:  # diverged: no curve
                continue
            alpha, C = search.alphas_[a], np.asarray(search.Cs, dtype=float).ravel()[c]
            display = cls(cost_history=history, name=f"alpha={alpha:.3g}, C={C:g}")
            display.plot(
                ax=ax if not lines else lines[0].axes, log_scale=log_scale, **kwargs
            )
            lines.append(display.line_)
            if alpha == search.alpha_ and C == search.C_:
                chosen = display.line_
        display.lines_ = lines
        display.line_ = chosen
        display.ax_.set_title(f"Every candidate on fold {fold}")
        return display
