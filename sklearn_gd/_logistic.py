"""The estimator: logistic regression trained by batch gradient descent."""

from functools import partial
from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, _fit_context
from sklearn.utils._array_api import get_namespace
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted, validate_data

from sklearn_gd import _loss
from sklearn_gd._callbacks import CallbackSupportMixin, IterationCallbacks
from sklearn_gd._data import check_same_namespace, to_numpy
from sklearn_gd._gradient_descent import report
from sklearn_gd._kinds import data_kind
from sklearn_gd._loss import split_params
from sklearn_gd._problem import build_problem


class GDLogisticClassifier(CallbackSupportMixin, ClassifierMixin, BaseEstimator):
    r"""Logistic regression trained by batch gradient descent.

    Every iteration evaluates the cost J averaged over all ``m`` training
    examples and its averaged gradient (a forward pass, accumulate, average),
    then updates the parameters with the learning rate ``alpha``, until the
    gradient is smaller than ``tol`` or ``max_iter`` is reached. Two classes
    use the sigmoid, more classes the softmax (multinomial) model.

    Parameters
    ----------
    solver : {'vectorized', 'loop'}, default='vectorized'
        How the cost and gradient of one iteration are computed.
        ``'loop'`` is the textbook algorithm written literally: Python loops
        over examples and features with scalar accumulators (slow, readable).
        ``'vectorized'`` computes the same iteration with array operations.
        Both give the same result to round-off.
    alpha : float, 'auto' or 'adaptive', default='adaptive'
        The **learning rate** (step size) of gradient descent, not a
        regularisation strength as in other scikit-learn estimators (see
        ``C``). A float is the textbook's fixed learning rate; it must be
        > 0, and too large a value makes the cost rise (a
        ``ConvergenceWarning``), or end above its start or become non-finite
        (a ``ValueError``: no usable model).
        ``'auto'`` is the fixed step ``1 / L``, with ``L`` a bound on the
        curvature of the cost for this data and these weights that holds
        everywhere: the cost never rises, but near the optimum the step is
        often many times smaller than it could be. ``'adaptive'`` starts from
        ``1 / L`` (beyond 4,096 examples, ``1 / L`` of an evenly spaced
        sample of rows, which its backtracking corrects where it is too
        large) and adapts the step at every iteration: it backtracks
        (halves the step) until the cost decreases enough (the sufficient
        decrease condition, in its proximal form with an L1 penalty), and
        tries twice the step after a step accepted at once. The cost never
        rises; a backtracking trial costs one more pass over X.
    momentum : float, default=0.0
        Momentum ``mu`` in ``[0, 1)``, as in
        :class:`~sklearn.neural_network.MLPClassifier`: each step starts from
        ``w + mu (w - w_previous)``. 0 is plain gradient descent. Where the
        cost would rise, the step is taken without momentum and the momentum
        restarts (adaptive restart), so the cost never rises through it.
    nesterovs_momentum : bool, default=True
        With momentum, take the gradient at the shifted point (Nesterov's
        accelerated gradient) rather than at ``w`` (the heavy ball). Unused
        without momentum.
    max_iter : int, default=1000
        Maximum number of gradient-descent iterations.
    tol : float, default=1e-4
        Stop when the largest absolute component of the gradient (with an L1
        penalty: of the proximal gradient mapping) is at most ``tol``. ``0``
        runs exactly ``max_iter`` iterations, without a warning.
    C : float, default=1.0
        Inverse regularisation strength, as in
        :class:`~sklearn.linear_model.LogisticRegression`, with its default:
        smaller values penalise the weights more. ``np.inf`` means no
        penalty: the plain averaged cross-entropy of "Gradient descent on m
        examples". Without a penalty, on classes that a hyperplane (nearly)
        separates, the weights grow without bound, the fit runs to
        ``max_iter`` and the probabilities saturate at 0 and 1.
    l1_ratio : float, default=0.0
        Elastic-net mixing, ``0 <= l1_ratio <= 1``: 0 is an L2 penalty, 1 an
        L1 penalty, applied by a soft-threshold (proximal) step after every
        gradient step, which gives exact zeros. Unused when ``C=np.inf``.
    fit_intercept : bool, default=True
        Whether to learn the intercept ``b`` (never penalised).
    class_weight : dict, 'balanced' or None, default=None
        Weights of the classes, as ``{label: weight}``; ``'balanced'`` uses
        ``n_samples / (n_classes * class counts)``, with counts weighted by the
        sample weights. They multiply the sample weights.
    warm_start : bool, default=False
        Start from the previous fit's ``coef_`` and ``intercept_`` instead of
        zeros. The data must have the same classes and features.
    verbose : int, default=0
        ``1`` prints about ten progress lines per fit (iteration, cost, largest
        gradient component, elapsed time), at iterations spaced on a log
        scale up to ``max_iter``, the first and the last always; ``2`` or
        more one per iteration.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        The class labels.
    coef_ : ndarray of shape (1, n_features) or (n_classes, n_features)
        The weights ``w``: one row for two classes, one per class otherwise.
    intercept_ : ndarray of shape (1,) or (n_classes,)
        The intercepts ``b`` (zeros when ``fit_intercept=False``).
    cost_history_ : ndarray of shape (`n_iter_`,)
        Entry ``k`` is J at the parameters before update ``k``; entry 0 is
        ``ln 2`` (``ln K`` for ``K`` classes), the cost of zero parameters.
    n_iter_ : int
        Number of iterations run.
    n_passes_ : int
        Number of evaluations of the cost and its gradient, each a pass over
        X: one per iteration with a fixed step, more with backtracking trials
        and Nesterov's shifted points.
    step_sizes_ : ndarray of shape (`n_iter_`,)
        The learning rate of each update; NaN for an iteration that stopped
        without one (the converged last one).
    alpha_ : float
        The learning rate used: ``alpha``, the one ``'auto'`` chose, or the
        last one ``'adaptive'`` took.
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of the features seen during fit, when X had string column
        names.

    See Also
    --------
    sklearn.linear_model.LogisticRegression : The same model, fitted by
        second-order or coordinate solvers.
    sklearn.linear_model.SGDClassifier : Stochastic (one example at a time)
        gradient descent.

    Notes
    -----
    With sample weights :math:`s_i` (class weights folded in) and
    :math:`S = \sum_i s_i`, gradient descent minimises

    .. math::
        J(W, b) = \frac{1}{S} \sum_{i=1}^{m} s_i \mathcal{L}(a^{(i)}, y^{(i)})
            + \frac{1 - \rho}{2 C S} \|W\|_2^2
            + \frac{\rho}{C S} \|W\|_1,

    with :math:`\rho` the ``l1_ratio``: the same optimum as
    :class:`~sklearn.linear_model.LogisticRegression`. Each iteration updates
    :math:`W \leftarrow W - \alpha\, dW`, :math:`b \leftarrow b -
    \alpha\, db`. Parameters start at zero.

    Examples
    --------
    >>> from sklearn.datasets import load_breast_cancer
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.preprocessing import StandardScaler
    >>> from sklearn_gd import GDLogisticClassifier
    >>> X, y = load_breast_cancer(return_X_y=True)
    >>> clf = make_pipeline(StandardScaler(), GDLogisticClassifier())
    >>> bool(clf.fit(X, y).score(X, y) > 0.97)
    True
    >>> gd = clf[-1]
    >>> gd.n_iter_ < 1000, round(float(gd.cost_history_[0]), 4)
    (True, 0.6931)
    """

    _parameter_constraints: dict = {
        "solver": [StrOptions({"vectorized", "loop"})],
        "alpha": [
            Interval(Real, 0, None, closed="neither"),
            StrOptions({"auto", "adaptive"}),
        ],
        "momentum": [Interval(Real, 0, 1, closed="left")],
        "nesterovs_momentum": ["boolean"],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "tol": [Interval(Real, 0, None, closed="left")],
        "C": [Interval(Real, 0, None, closed="right")],
        "l1_ratio": [Interval(Real, 0, 1, closed="both")],
        "fit_intercept": ["boolean"],
        "class_weight": [dict, StrOptions({"balanced"}), None],
        "warm_start": ["boolean"],
        "verbose": ["verbose"],
    }

    def __init__(
        self,
        *,
        solver="vectorized",
        alpha="adaptive",
        momentum=0.0,
        nesterovs_momentum=True,
        max_iter=1000,
        tol=1e-4,
        C=1.0,
        l1_ratio=0.0,
        fit_intercept=True,
        class_weight=None,
        warm_start=False,
        verbose=0,
    ):
        self.solver = solver
        self.alpha = alpha
        self.momentum = momentum
        self.nesterovs_momentum = nesterovs_momentum
        self.max_iter = max_iter
        self.tol = tol
        self.C = C
        self.l1_ratio = l1_ratio
        self.fit_intercept = fit_intercept
        self.class_weight = class_weight
        self.warm_start = warm_start
        self.verbose = verbose

    def __sklearn_tags__(self):
        """Declare CSR input, and the Array API for the vectorized solver."""
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        tags.array_api_support = self.solver == "vectorized"
        return tags

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None):
        """Fit the model by batch gradient descent.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training data.
        y : array-like of shape (n_samples,)
            Class labels.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative weights of the examples; ``None`` weighs each one 1.

        Returns
        -------
        self : GDLogisticClassifier
            The fitted estimator.

        Raises
        ------
        ValueError
            If the data are invalid, have fewer than two classes, or if
            gradient descent diverges (the message says what to try).

        Notes
        -----
        A fit that raises, or is interrupted (``KeyboardInterrupt``), leaves
        the estimator as it was before the call: no half-written ``coef_``.
        With ``warm_start=True`` the next ``fit`` starts from that state.
        """
        previous_state = self.__dict__.copy()
        try:
            return self._fit(X, y, sample_weight)
        except BaseException:
            # The callbacks' bookkeeping stays: their teardown runs after fit.
            bookkeeping = {
                name: value
                for name, value in vars(self).items()
                if name in ("_callback_fit_ctx", "_skl_callbacks_to_teardown")
            }
            self.__dict__.clear()
            self.__dict__.update(previous_state)
            self.__dict__.update(bookkeeping)
            raise

    def _fit(self, X, y, sample_weight):
        """Validate, encode the labels, then fit from the validated data.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training data.
        y : array-like of shape (n_samples,)
            Class labels.
        sample_weight : array-like of shape (n_samples,) or None
            Weights of the examples.

        Returns
        -------
        self : GDLogisticClassifier
            The fitted estimator.
        """
        metadata = {} if sample_weight is None else {"sample_weight": sample_weight}
        kind = data_kind(X, self.solver)
        X, y, sample_weight = kind.validate(self, X, y, sample_weight)
        classes, y_index = kind.encode_labels(y)
        # scikit-learn's callbacks: the fit is a task, each iteration a subtask
        # (reported only when callbacks are set: it costs per iteration).
        context = self._init_callback_context(max_subtasks=self.max_iter + 1)
        hook_args = {"estimator": self, "X": X, "y": y, "metadata": metadata}

        def iteration_callbacks(problem):
            context.call_on_fit_task_begin(**hook_args)
            if not hasattr(self, "_skl_callbacks"):
                return None
            model_at = partial(
                _model_attributes,
                classes=problem.classes,
                fit_intercept=self.fit_intercept,
            )
            return IterationCallbacks(
                context, self, X, y, metadata, problem.start[0], model_at
            )

        fit_validated(
            self, kind, X, classes, y_index, sample_weight, iteration_callbacks
        )
        context.call_on_fit_task_end(**hook_args, reconstruction_attributes={})
        return self

    def _slow_intercept_hint(self, problem):
        """Say what converges a strongly penalised fit's intercept, if it is one.

        Measured on 1,000 standardised examples, 27% positive, ``C=1e-6``:
        after 1,000 iterations the intercept was -0.52 ('adaptive') or -0.20
        ('auto') against the optimum -0.98; ``momentum=0.9`` converged in 959.
        """
        if not problem.penalty_bounds_the_step(0):
            return ""
        advice = (
            "increase max_iter"
            if self.momentum
            else "set momentum=0.9 (with alpha='adaptive'), which converges in "
            "far fewer iterations, or increase max_iter"
        )
        return (
            f" With C={self.C:g} the penalty bounds the step size, and the "
            "intercept, which is not penalised, moves slowly at that step: "
            f"{advice}."
        )

    def _previous_fit(self):
        """Return the previous fit's classes and parameters for a warm start."""
        if not (self.warm_start and hasattr(self, "coef_")):
            return None
        return tuple(to_numpy(a) for a in (self.classes_, self.coef_, self.intercept_))

    def _set_fitted(self, kind, classes, run, alpha, c=0):
        """Set the fitted attributes from candidate ``c`` of a run.

        The one place that writes them, for :meth:`fit` and for the
        candidates of :class:`~sklearn_gd.GDLogisticClassifierCV`.

        Parameters
        ----------
        kind : InMemoryData, NamespaceData or DaskData
            The kind of the training data: the arrays are put where it lives.
        classes : ndarray of shape (n_classes,)
            The class labels.
        run : CandidateRun
            The run.
        alpha : float
            The candidate's learning rate.
        c : int, default=0
            The candidate.

        Returns
        -------
        self : GDLogisticClassifier
            The fitted estimator.
        """
        attributes = _model_attributes(run.params[c], classes, self.fit_intercept)
        attributes["cost_history_"] = run.history(c)
        attributes["step_sizes_"] = run.steps(c)
        for name, value in attributes.items():
            setattr(self, name, kind.place(value))
        self.n_iter_ = int(run.n_iter[c])
        self.n_passes_ = int(run.n_passes[c])
        self.alpha_ = alpha
        return self

    def decision_function(self, X):
        """Compute the decision values ``z = X w + b``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Samples: also a Dask array, or an array of the namespace the
            model was fitted in under ``array_api_dispatch``.

        Returns
        -------
        z : ndarray of shape (n_samples,) or (n_samples, n_classes)
            For two classes, positive values mean ``classes_[1]``. Lazy when
            X is a Dask array.
        """
        return self._predict_values(X, "decision_function")

    def predict(self, X):
        """Predict class labels.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Samples.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
            Labels from ``classes_``.
        """
        return self._predict_values(X, "predict")

    def predict_log_proba(self, X):
        """Predict the logarithm of the class probabilities.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Samples.

        Returns
        -------
        log_proba : ndarray of shape (n_samples, n_classes)
            Columns in the order of ``classes_``; computed in log space, so
            never ``log(0)``.
        """
        return self._predict_values(X, "predict_log_proba")

    def predict_proba(self, X):
        """Predict the class probabilities.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Samples.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            Columns in the order of ``classes_``; rows sum to 1.
        """
        return self._predict_values(X, "predict_proba")

    def _predict_values(self, X, method):
        """Compute what ``method`` returns, over X's rows where they live.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Samples.
        method : {'decision_function', 'predict', 'predict_log_proba', \
                'predict_proba'}
            What to compute.

        Returns
        -------
        values : array
            The method's result; lazy for a Dask X.
        """
        check_is_fitted(self)
        n_classes = self.classes_.shape[0]
        n_columns, dtype = {
            "decision_function": (None if n_classes == 2 else n_classes, None),
            "predict": (None, self.classes_.dtype),
        }.get(method, (n_classes, None))
        predict = partial(_predict, self, method=method)
        return data_kind(X).map_rows(predict, X, n_columns, dtype or self.coef_.dtype)


def fit_validated(
    model,
    kind,
    X,
    classes,
    y_index,
    sample_weight,
    iteration_callbacks=None,
    *,
    stacklevel=6,
):
    """Fit a classifier from validated data: build, descend, report, store.

    The one fit of both estimators: :meth:`GDLogisticClassifier.fit` calls
    it after validating the data and encoding the labels, and
    :class:`~sklearn_gd.GDLogisticClassifierCV` refits its best candidate
    with it from the data and labels it validated and encoded once.

    Parameters
    ----------
    model : GDLogisticClassifier
        The classifier to fit (its parameters), with ``n_features_in_``
        recorded.
    kind : InMemoryData, NamespaceData or DaskData
        The kind of the data.
    X : array of shape (n_samples, n_features)
        Validated training data.
    classes : ndarray of shape (n_classes,)
        The sorted class labels.
    y_index : array of shape (n_samples,)
        Each example's index into ``classes``.
    sample_weight : array of shape (n_samples,)
        Validated weights of the examples.
    iteration_callbacks : callable, default=None
        ``iteration_callbacks(problem) -> IterationCallbacks or None``,
        called once the problem is built; None: no callbacks.
    stacklevel : int, default=6
        Where the fit's warnings point, counted from this function's
        caller's caller: the default is the caller of
        :meth:`GDLogisticClassifier.fit`.

    Returns
    -------
    model : GDLogisticClassifier
        The fitted classifier.
    """
    problem = build_problem(
        kind,
        X,
        classes,
        y_index,
        sample_weight,
        alphas=[model.alpha],
        Cs=[model.C],
        l1_ratio=model.l1_ratio,
        fit_intercept=model.fit_intercept,
        class_weight=model.class_weight,
        solver=model.solver,
        previous=model._previous_fit(),
    )
    callbacks = None if iteration_callbacks is None else iteration_callbacks(problem)
    run = problem.descend(
        max_iter=model.max_iter,
        tol=model.tol,
        momentum=model.momentum,
        nesterov=model.nesterovs_momentum,
        verbose=model.verbose,
        callback=None if callbacks is None else _first_candidate(callbacks),
    )
    if callbacks is not None:
        callbacks.close()
    alpha = _step_used(run, 0)
    label = alpha_label("adaptive" if problem.adaptive[0] else alpha)
    report(
        [run],
        [label],
        max_iter=model.max_iter,
        tol=model.tol,
        auto=isinstance(model.alpha, str) and model.alpha == "auto",
        Cs=[model.C],
        feature_moments=partial(kind.feature_moments, X),
        stacklevel=stacklevel,
        hint=model._slow_intercept_hint(problem),
    )
    return model._set_fitted(kind, problem.classes, run, alpha)


def _first_candidate(callback):
    """Give a per-fit callback the parameters of the one candidate of a stack."""
    return lambda k, stack: callback(k, stack[0])


def _model_attributes(params, classes, fit_intercept):
    """Return the attributes that predict with the given parameters.

    Parameters
    ----------
    params : ndarray of shape (n_outputs, n_features + fit_intercept)
        Weights, then the intercept if one is fitted.
    classes : ndarray of shape (n_classes,)
        The class labels.
    fit_intercept : bool
        Whether the parameters hold an intercept.

    Returns
    -------
    attributes : dict
        ``classes_``, ``coef_`` and ``intercept_`` (zeros when no intercept
        is fitted), as new NumPy arrays.
    """
    coef, intercept = split_params(params, fit_intercept)
    return {
        "classes_": classes,
        "coef_": coef.copy(),
        "intercept_": np.zeros(len(params), params.dtype)
        if intercept is None
        else intercept.copy(),
    }


def candidate_classifier(params, kind, classes, run, c, X):
    """Make the fitted classifier of candidate ``c`` of a search.

    Parameters
    ----------
    params : dict
        The classifier's parameters (``alpha`` the candidate's step).
    kind : InMemoryData or NamespaceData
        The kind of the training data.
    classes : ndarray of shape (n_classes,)
        The class labels.
    run : CandidateRun
        The run the candidate was part of.
    c : int
        The candidate.
    X : array of shape (n_samples, n_features)
        Validated data the candidate saw, for ``n_features_in_``.

    Returns
    -------
    model : GDLogisticClassifier
        A fitted classifier, as :meth:`GDLogisticClassifier.fit` with those
        parameters would have left it.
    """
    model = GDLogisticClassifier(**params)
    validate_data(model, X, skip_check_array=True)  # records n_features_in_
    return model._set_fitted(kind, classes, run, _step_used(run, c), c)


def _step_used(run, c):
    """Return candidate ``c``'s learning rate: the adaptive rule's last one."""
    steps = run.steps(c)
    taken = steps[np.isfinite(steps)]
    return float(taken[-1] if len(taken) else run.alphas[c])


def alpha_label(alpha):
    """Name a learning rate, or a step rule, as a message or a legend does.

    Parameters
    ----------
    alpha : float or str
        A learning rate, ``'auto'`` or ``'adaptive'``.

    Returns
    -------
    label : str
        ``"alpha=0.1"`` or ``"alpha='adaptive'"``.

    Examples
    --------
    >>> alpha_label(0.1), alpha_label("adaptive")
    ('alpha=0.1', "alpha='adaptive'")
    """
    return f"alpha={alpha!r}" if isinstance(alpha, str) else f"alpha={alpha:.4g}"


def _predict(estimator, X, method):
    """Compute a predict method's values on data in memory (or on a device).

    Parameters
    ----------
    estimator : GDLogisticClassifier
        The fitted estimator.
    X : array-like of shape (n_samples, n_features)
        Samples, not a Dask array (a Dask array is mapped chunk by chunk).
    method : str
        The method.

    Returns
    -------
    values : array
        The method's result, in X's namespace.
    """
    check_same_namespace(X, estimator, method)
    xp, _ = get_namespace(X)
    X = validate_data(
        estimator, X, reset=False, accept_sparse="csr", dtype=[xp.float64, xp.float32]
    )
    z = X @ estimator.coef_.T + estimator.intercept_
    binary = z.shape[1] == 1
    if binary:
        z = z[:, 0]
    if method == "decision_function":
        return z
    classes = estimator.classes_
    if method == "predict":
        index = xp.astype(z > 0, xp.int64) if binary else xp.argmax(z, axis=1)
        if isinstance(classes, np.ndarray):
            return classes[to_numpy(index)]
        return xp.take(classes, index, axis=0)
    if binary:
        log_proba = _loss.log_sigmoid(xp.stack([-z, z], axis=1), xp)
    else:
        log_proba = _loss.log_softmax(z, xp)
    return log_proba if method == "predict_log_proba" else xp.exp(log_proba)
