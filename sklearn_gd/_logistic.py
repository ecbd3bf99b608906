"""The estimator: logistic regression trained by batch gradient descent."""

from functools import partial
from numbers import Integral, Real

import numpy as np
from scipy.sparse import issparse
from sklearn.base import BaseEstimator, ClassifierMixin, _fit_context
from sklearn.utils._array_api import (
    _is_numpy_namespace,
    _matching_numpy_dtype,
    check_same_namespace,
    get_namespace,
    get_namespace_and_device,
    move_to,
)
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.class_weight import compute_class_weight
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import (
    _check_sample_weight,
    check_is_fitted,
    validate_data,
)

from sklearn_gd import _dask, _loop, _loss
from sklearn_gd._callbacks import CallbackSupportMixin, IterationCallbacks
from sklearn_gd._gradient_descent import gradient_descent


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
    alpha : float or 'auto', default='auto'
        The **learning rate** (step size) of gradient descent, not a
        regularisation strength as in other scikit-learn estimators (see
        ``C``). ``'auto'`` uses ``1 / L``, with ``L`` a bound on the
        Lipschitz constant of the gradient for this data and these weights, a
        step with which the cost never increases. A float must be > 0; too
        large a value makes the fit diverge, which raises a ``ValueError``.
    max_iter : int, default=1000
        Maximum number of gradient-descent iterations.
    tol : float, default=1e-4
        Stop when the largest absolute component of the gradient (with an L1
        penalty: of the proximal gradient mapping) is at most ``tol``. ``0``
        runs exactly ``max_iter`` iterations, without a warning.
    C : float, default=np.inf
        Inverse regularisation strength, as in
        :class:`~sklearn.linear_model.LogisticRegression`. ``np.inf`` means no
        penalty: the plain averaged cross-entropy.
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
        gradient component, elapsed time), ``2`` or more one per iteration.

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
    alpha_ : float
        The learning rate used: ``alpha``, or the one ``'auto'`` chose.
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
    >>> clf = make_pipeline(
    ...     StandardScaler(), GDLogisticClassifier(C=1.0, max_iter=5000))
    >>> bool(clf.fit(X, y).score(X, y) > 0.97)
    True
    >>> gd = clf[-1]
    >>> gd.n_iter_ < 5000, round(float(gd.cost_history_[0]), 4)
    (True, 0.6931)
    """

    _parameter_constraints: dict = {
        "solver": [StrOptions({"vectorized", "loop"})],
        "alpha": [Interval(Real, 0, None, closed="neither"), StrOptions({"auto"})],
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
        alpha="auto",
        max_iter=1000,
        tol=1e-4,
        C=np.inf,
        l1_ratio=0.0,
        fit_intercept=True,
        class_weight=None,
        warm_start=False,
        verbose=0,
    ):
        self.solver = solver
        self.alpha = alpha
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
        """Validate, build the objective, run gradient descent, store the result.

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
        user_weights = sample_weight
        if _dask.is_dask_array(X):
            X, y, sample_weight = _dask.validate_fit_data(self, X, y, sample_weight)
            # The labels are checked and sorted as a NumPy y's are, once each.
            classes, _ = _encode_labels(_dask.unique_labels(y))
            y_index = _dask.index_labels(y, classes)
        else:
            X, y = _validate_fit_data(self, X, y)
            if _foreign_namespace(X)[0] is not None:
                # Labels and weights are O(n_samples): they are prepared in
                # NumPy, then moved to X's device once.
                y, sample_weight = _to_numpy(y), _to_numpy(sample_weight)
            classes, y_index = _encode_labels(y)
        sample_weight = self._sample_weight(X, y, y_index, classes, sample_weight)
        l2_reg, l1_reg = _loss.penalty_strengths(
            self.C, self.l1_ratio, float(sample_weight.sum())
        )
        data_term = self._data_term(X, y_index, sample_weight, len(classes))
        loss_gradient = partial(
            _loss.penalized_loss_gradient,
            loss_gradient=data_term,
            l2_reg=l2_reg,
            l1_reg=l1_reg,
            n_features=X.shape[1],
        )
        prox = (
            partial(_loss.prox_l1, l1_reg=l1_reg, n_features=X.shape[1])
            if l1_reg
            else None
        )
        alpha = self._learning_rate(X, sample_weight, len(classes), l2_reg, data_term)
        start = self._initial_params(classes, X.shape[1], _numpy_dtype(X))

        # scikit-learn's callbacks: the fit is a task, each iteration a subtask
        # (reported only when callbacks are set: it costs per iteration).
        context = self._init_callback_context(max_subtasks=self.max_iter + 1)
        metadata = {} if user_weights is None else {"sample_weight": user_weights}
        hook_args = {"estimator": self, "X": X, "y": y, "metadata": metadata}
        context.call_on_fit_task_begin(**hook_args)
        callbacks = (
            IterationCallbacks(
                context,
                self,
                X,
                y,
                metadata,
                start,
                partial(self._model_at, classes=classes),
            )
            if hasattr(self, "_skl_callbacks")
            else None
        )
        params, cost_history, n_iter = gradient_descent(
            loss_gradient,
            start,
            alpha=alpha,
            max_iter=self.max_iter,
            tol=self.tol,
            prox=prox,
            verbose=self.verbose,
            callback=callbacks,
        )
        if callbacks is not None:
            callbacks.close()
        self._store(classes, params, cost_history, n_iter, alpha)
        self._move_fitted_arrays(X)
        context.call_on_fit_task_end(**hook_args, reconstruction_attributes={})
        return self

    def _store(self, classes, params, cost_history, n_iter, alpha):
        """Set the fitted attributes from the parameters gradient descent found.

        Parameters
        ----------
        classes : ndarray of shape (n_classes,)
            The class labels.
        params : ndarray of shape (n_outputs, n_features + fit_intercept)
            Weights, then the intercept if one was fitted.
        cost_history : ndarray of shape (n_iter,)
            J before each update.
        n_iter : int
            Iterations run.
        alpha : float
            The learning rate used.

        Returns
        -------
        self : GDLogisticClassifier
            The fitted estimator.
        """
        for name, value in self._model_at(params, classes).items():
            setattr(self, name, value)
        self.cost_history_ = cost_history
        self.n_iter_ = n_iter
        self.alpha_ = alpha
        return self

    def _move_fitted_arrays(self, X):
        """Put the fitted arrays in X's Array API namespace and on its device.

        Parameters
        ----------
        X : array of shape (n_samples, n_features)
            The training data; nothing moves for NumPy, sparse or Dask X.
        """
        xp, device = _foreign_namespace(X)
        if xp is None:
            return
        for name in ("coef_", "intercept_", "cost_history_"):
            setattr(self, name, move_to(getattr(self, name), xp=xp, device=device))
        if self.classes_.dtype.kind in "biuf":  # strings stay in NumPy
            self.classes_ = move_to(self.classes_, xp=xp, device=device)

    def _sample_weight(self, X, y, y_index, classes, sample_weight):
        """Validate the sample weights and fold the class weights into them.

        Parameters
        ----------
        X : ndarray of shape (n_samples, n_features)
            Training data.
        y : ndarray of shape (n_samples,)
            Class labels.
        y_index : ndarray of shape (n_samples,)
            Class indices into ``classes``.
        classes : ndarray of shape (n_classes,)
            The sorted unique labels.
        sample_weight : array-like of shape (n_samples,) or None
            The user's weights (checked already when X is a Dask array).

        Returns
        -------
        sample_weight : ndarray of shape (n_samples,)
            A new array: sample weights times class weights. A Dask array
            when X is one; a NumPy array for X of other Array API namespaces.
        """
        dask = _dask.is_dask_array(X)
        if not dask:
            # y_index stands in for X: only the number of rows is needed.
            sample_weight = _check_sample_weight(
                sample_weight,
                y_index,
                dtype=_numpy_dtype(X),
                ensure_non_negative=True,
                copy=True,
            )
        class_weight = None
        if self.class_weight == "balanced":
            # scikit-learn's n_samples / (n_classes * count), with the counts
            # weighted, as LogisticRegression does from scikit-learn 1.9 on.
            counts = (
                _dask.class_counts(y_index, sample_weight, len(classes))
                if dask
                else np.bincount(y_index, weights=sample_weight, minlength=len(classes))
            )
            class_weight = np.divide(
                counts.sum(),
                len(classes) * counts,
                out=np.zeros_like(counts),
                where=counts > 0,
            )
        elif self.class_weight is not None:
            # y only serves to check the labels: the classes stand in for it.
            class_weight = compute_class_weight(
                self.class_weight, classes=classes, y=classes if dask else y
            )
        if class_weight is not None:
            class_weight = class_weight.astype(sample_weight.dtype)
            sample_weight = sample_weight * (
                _dask.take(class_weight, y_index) if dask else class_weight[y_index]
            )
            if dask:  # final now: computed once, not at each of its uses
                sample_weight = sample_weight.persist()
        if not sample_weight.sum() > 0:
            raise ValueError(
                "The sample weights (times the class weights) sum to zero: "
                "at least one example needs a positive weight."
            )
        return sample_weight

    def _model_at(self, params, classes):
        """Return the attributes that predict with the given parameters.

        Parameters
        ----------
        params : ndarray of shape (n_outputs, n_features + fit_intercept)
            Weights, then the intercept if one is fitted.
        classes : ndarray of shape (n_classes,)
            The class labels.

        Returns
        -------
        attributes : dict
            ``classes_``, ``coef_`` and ``intercept_`` (zeros when no
            intercept is fitted), as new arrays.
        """
        n_features = params.shape[1] - int(self.fit_intercept)
        return {
            "classes_": classes,
            "coef_": params[:, :n_features].copy(),
            "intercept_": params[:, n_features].copy()
            if self.fit_intercept
            else np.zeros(params.shape[0], dtype=params.dtype),
        }

    def _data_term(self, X, y_index, sample_weight, n_classes):
        """Choose the solver's Steps 1-3: the cost J and its gradient.

        Parameters
        ----------
        X : ndarray of shape (n_samples, n_features)
            Training data.
        y_index : ndarray of shape (n_samples,)
            Class indices into ``classes_``.
        sample_weight : ndarray of shape (n_samples,)
            Sample weights with the class weights folded in.
        n_classes : int
            Number of classes.

        Returns
        -------
        data_term : callable
            ``data_term(params) -> (cost, grad)``, without the penalty.
        """
        binary = n_classes == 2
        y = y_index.astype(_numpy_dtype(X)) if binary else y_index
        xp, device = _foreign_namespace(X)
        if _dask.is_dask_array(X):
            data_term = _dask.DaskLogisticLoss(
                X, y, sample_weight, self.fit_intercept, n_classes
            )
        elif xp is not None:
            y, sample_weight = move_to(y, sample_weight, xp=xp, device=device)
            data_term = _loss.NamespaceLogisticLoss(
                X,
                y,
                sample_weight,
                self.fit_intercept,
                n_classes,
                xp,
                device,
                _to_numpy,
            )
        elif self.solver == "loop":
            loop = (
                _loop.binary_loss_gradient
                if binary
                else _loop.multinomial_loss_gradient
            )
            data_term = partial(
                loop,
                X=_loop.as_rows(X),
                y=y.tolist(),
                sample_weight=sample_weight.tolist(),
                fit_intercept=self.fit_intercept,
            )
        else:
            data_term = _loss.LogisticLoss(
                X, y, sample_weight, self.fit_intercept, n_classes
            )
        return data_term

    def _learning_rate(self, X, sample_weight, n_classes, l2_reg, data_term=None):
        """Return ``alpha``, or ``1 / L`` for ``alpha='auto'``.

        Parameters
        ----------
        X : ndarray of shape (n_samples, n_features)
            Training data.
        sample_weight : ndarray of shape (n_samples,)
            Sample weights with the class weights folded in.
        n_classes : int
            Number of classes.
        l2_reg : float
            Factor of the L2 term.
        data_term : callable, default=None
            The data term; one that holds X elsewhere (on a device, in Dask
            chunks) bounds the curvature itself, where X lives.

        Returns
        -------
        alpha : float
            The learning rate.
        """
        if self.alpha != "auto":
            return float(self.alpha)
        if hasattr(data_term, "lipschitz_constant"):
            lipschitz = data_term.lipschitz_constant(l2_reg)
        else:
            lipschitz = _loss.lipschitz_constant(
                X, sample_weight, self.fit_intercept, n_classes, l2_reg
            )
        if not np.isfinite(lipschitz):
            raise ValueError(
                "alpha='auto' cannot bound the curvature of the cost: the "
                "squares of X's values overflow float64. Scale X, e.g. with "
                "StandardScaler in a Pipeline, or pass a float alpha."
            )
        # L = 0 only when the gradient is zero everywhere: any step will do.
        return 1.0 / float(lipschitz) if lipschitz > 0 else 1.0

    def _initial_params(self, classes, n_features, dtype):
        """Zeros, as in the textbook, or the previous fit's parameters.

        Parameters
        ----------
        classes : ndarray of shape (n_classes,)
            The labels of the data being fitted.
        n_features : int
            Number of features of that data.
        dtype : dtype
            The dtype of that data, float32 or float64.

        Returns
        -------
        params : ndarray of shape (n_outputs, n_features + fit_intercept)
            Weights, then the intercept if one is fitted.
        """
        n_outputs = 1 if len(classes) == 2 else len(classes)
        params = np.zeros((n_outputs, n_features + int(self.fit_intercept)), dtype)
        if self.warm_start and hasattr(self, "coef_"):
            coef, intercept = _to_numpy(self.coef_), _to_numpy(self.intercept_)
            if not (
                np.array_equal(_to_numpy(self.classes_), classes)
                and coef.shape == (n_outputs, n_features)
            ):
                raise ValueError(
                    "warm_start=True needs the classes and number of features of "
                    f"the previous fit ({self.classes_!r}, {self.coef_.shape[1]} "
                    f"features); got {classes!r} and {n_features} features. "
                    "Set warm_start=False to start from zero."
                )
            params[:, :n_features] = coef
            if self.fit_intercept:
                params[:, n_features] = intercept
        return params

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
        """Compute what ``method`` returns, in X's namespace, or lazily for Dask.

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
            The method's result.
        """
        check_is_fitted(self)
        if _dask.is_dask_array(X):
            n_classes = len(self.classes_)
            binary = n_classes == 2
            n_columns, dtype = {
                "decision_function": (None if binary else n_classes, self.coef_.dtype),
                "predict": (None, self.classes_.dtype),
            }.get(method, (n_classes, self.coef_.dtype))
            return _dask.map_rows(getattr(self, method), X, n_columns, dtype)
        check_same_namespace(X, self, attribute="coef_", method=method)
        xp, _ = get_namespace(X)
        X = validate_data(
            self, X, reset=False, accept_sparse="csr", dtype=[xp.float64, xp.float32]
        )
        z = X @ self.coef_.T + self.intercept_
        binary = z.shape[1] == 1
        if binary:
            z = z[:, 0]
        if method == "decision_function":
            return z
        if method == "predict":
            index = xp.astype(z > 0, xp.int64) if binary else xp.argmax(z, axis=1)
            if isinstance(self.classes_, np.ndarray):
                return self.classes_[_to_numpy(index)]
            return xp.take(self.classes_, index, axis=0)
        if binary:
            z = xp.stack([-z, z], axis=1)
            log_proba = _loss.log_sigmoid(z, xp)
        else:
            log_proba = _loss.log_softmax(z, xp)
        return log_proba if method == "predict_log_proba" else xp.exp(log_proba)


def _validate_fit_data(estimator, X, y):
    """Validate X and y for ``fit``, setting ``n_features_in_`` and names.

    Parameters
    ----------
    estimator : estimator with a ``solver`` parameter
        The estimator being fitted.
    X : array-like or sparse matrix of shape (n_samples, n_features)
        Training data.
    y : array-like of shape (n_samples,)
        Class labels.

    Returns
    -------
    X : ndarray or CSR matrix of shape (n_samples, n_features)
        float64, or float32 kept as it is for the vectorized solver.
    y : ndarray of shape (n_samples,)
        The labels.
    """
    xp, _ = get_namespace(X)
    if estimator.solver == "loop" and not _is_numpy_namespace(xp):
        raise ValueError(
            "solver='loop' runs Python loops over NumPy arrays; X is an array "
            f"of {xp.__name__}. Use solver='vectorized', which fits arrays of "
            "any Array API namespace where they are, or convert X to NumPy."
        )
    return validate_data(
        estimator,
        X,
        y,
        accept_sparse="csr",
        # The loop solver computes in Python floats, which are float64.
        dtype=[xp.float64, xp.float32]
        if estimator.solver == "vectorized"
        else np.float64,
    )


def _foreign_namespace(X):
    """Return X's Array API namespace and device, unless X is NumPy-like.

    Parameters
    ----------
    X : array or sparse matrix
        Validated data.

    Returns
    -------
    xp : namespace or None
        The namespace (only under ``array_api_dispatch``); None for NumPy,
        sparse and Dask arrays.
    device : device or None
        X's device.
    """
    if issparse(X) or _dask.is_dask_array(X):
        return None, None
    xp, _, device = get_namespace_and_device(X)
    return (None, None) if _is_numpy_namespace(xp) else (xp, device)


def _to_numpy(array):
    """Copy an array of any namespace and device to a NumPy array on the CPU.

    Parameters
    ----------
    array : array or None
        An array; None and NumPy arrays are returned as they are.

    Returns
    -------
    array : ndarray or None
        The array in NumPy.
    """
    if array is None or isinstance(array, np.ndarray):
        return array
    return move_to(array, xp=np, device="cpu")


def _numpy_dtype(X):
    """Return the NumPy dtype matching X's dtype, in whatever namespace X is.

    Parameters
    ----------
    X : array or sparse matrix
        Validated data.

    Returns
    -------
    dtype : numpy.dtype
        float32 or float64.
    """
    return X.dtype if isinstance(X.dtype, np.dtype) else _matching_numpy_dtype(X)


def _encode_labels(y):
    """Check the targets and encode them as indices into the sorted classes.

    Parameters
    ----------
    y : ndarray of shape (n_samples,)
        Class labels.

    Returns
    -------
    classes : ndarray of shape (n_classes,)
        The sorted unique labels.
    y_index : ndarray of shape (n_samples,)
        Index of each label in ``classes``.

    Raises
    ------
    ValueError
        If the labels are not class labels, mix types, or hold one class.
    """
    _check_label_types(y)
    check_classification_targets(y)
    classes, y_index = np.unique(y, return_inverse=True)
    if len(classes) < 2:
        raise ValueError(
            "This solver needs samples of at least 2 classes in the data, "
            f"but the data contains only one class: {classes[0]!r}."
        )
    return classes, y_index


def _check_label_types(y):
    """Reject labels that mix strings with other types.

    scikit-learn's own check calls such a target "unknown" and suggests it may
    be a regression target, which misleads; this says what is wrong.

    Parameters
    ----------
    y : ndarray of shape (n_samples,)
        Class labels.

    Raises
    ------
    ValueError
        If ``y`` holds strings and non-strings together.
    """
    if y.dtype != object:
        return
    is_str = np.array([isinstance(label, str) for label in y])
    if is_str.any() and not is_str.all():
        kinds = sorted({type(label).__name__ for label in y})
        raise ValueError(
            f"y mixes labels of different types ({', '.join(kinds)}): use "
            "labels of one type, e.g. convert them all with y.astype(str)."
        )
