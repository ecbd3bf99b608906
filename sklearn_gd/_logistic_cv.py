"""Cross-validation over the learning rate, every candidate in one pass over X."""

import warnings
from numbers import Integral, Real

import numpy as np
from joblib import Parallel, delayed
from sklearn.base import BaseEstimator, ClassifierMixin, _fit_context
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import check_scoring, get_scorer_names
from sklearn.model_selection import check_cv
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import (
    _check_sample_weight,
    check_is_fitted,
    validate_data,
)

from sklearn_gd import _loss
from sklearn_gd._gradient_descent import descend_candidates
from sklearn_gd._logistic import (
    GDLogisticClassifier,
    _encode_labels,
    _foreign_namespace,
    _validate_fit_data,
)


class GDLogisticClassifierCV(ClassifierMixin, BaseEstimator):
    r"""Logistic regression by gradient descent, with the learning rate chosen by CV.

    For every fold, all candidates (each learning rate in ``alphas`` with each
    ``C`` in ``Cs``) run batch gradient descent together: their parameters
    are stacked side by side, so that one iteration reads X once for all of
    them, as ``LogisticRegressionCV`` does for a path of ``C``. Each candidate
    keeps its own cost history and its own stopping; a converged or diverged
    candidate stops and costs nothing more. Every candidate's fit is the one
    :class:`GDLogisticClassifier` would make with the same parameters, and
    the chosen candidate is the one ``GridSearchCV`` would choose.

    Parameters
    ----------
    alphas : int or array-like of float, default=8
        The learning rates to try (not regularisation strengths). An int ``n``
        tries ``n`` rates spaced evenly on a log scale from 1/10 to 10 times
        the ``alpha='auto'`` step of all the training data.
    Cs : array-like of float, default=(np.inf,)
        Inverse regularisation strengths to try; ``np.inf`` is no penalty.
    l1_ratio : float, default=0.0
        Elastic-net mixing, as in :class:`GDLogisticClassifier`.
    cv : int, cross-validation generator or iterable, default=5
        As in scikit-learn: an int is the number of stratified folds.
    scoring : str or callable, default=None
        A scikit-learn scorer, e.g. ``'neg_log_loss'``. None is accuracy with
        the test examples weighted as training weighs them (sample weights
        times class weights); without weights, plain accuracy, as in
        ``GridSearchCV``.
    refit : bool, default=True
        Refit the best candidate on all the data, which gives ``coef_``,
        ``intercept_``, ``cost_history_`` and the predict methods.
    solver : {'vectorized', 'loop'}, default='vectorized'
        ``'vectorized'`` shares one pass over X between the candidates;
        ``'loop'`` fits one :class:`GDLogisticClassifier` per candidate.
    max_iter : int, default=1000
        Maximum number of iterations of each candidate.
    tol : float, default=1e-4
        Stopping tolerance of each candidate, as in
        :class:`GDLogisticClassifier`.
    fit_intercept : bool, default=True
        Whether to learn the intercept.
    class_weight : dict, 'balanced' or None, default=None
        Weights of the classes, computed on each training fold.
    n_jobs : int, default=None
        Number of folds fitted in parallel (joblib).
    verbose : int, default=0
        Progress of each fold's gradient descent.

    Attributes
    ----------
    alphas_ : ndarray of shape (n_alphas,)
        The learning rates tried.
    alpha_ : float
        The chosen learning rate.
    C_ : float
        The chosen ``C``.
    scores_ : ndarray of shape (n_folds, n_alphas, n_Cs)
        Test-fold score of each candidate; NaN where it diverged.
    cost_histories_ : ndarray of object, shape (n_folds, n_alphas, n_Cs)
        Each candidate's cost history on each training fold.
    coefs_paths_ : ndarray of object, shape (n_folds, n_alphas, n_Cs)
        Each candidate's parameters on each training fold: ``coef_`` with
        ``intercept_`` as a last column when fitted; None where it diverged.
    n_iter_ : ndarray of shape (n_folds, n_alphas, n_Cs)
        Iterations each candidate ran on each fold.
    best_estimator_ : GDLogisticClassifier
        The refitted best candidate (``refit=True`` only).
    classes_ : ndarray of shape (n_classes,)
        The class labels.
    coef_ : ndarray of shape (1, n_features) or (n_classes, n_features)
        Weights of the refitted model.
    intercept_ : ndarray of shape (1,) or (n_classes,)
        Intercepts of the refitted model.
    cost_history_ : ndarray of shape (n_iter,)
        Cost history of the refit on all the data.
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of the features seen during fit, when X had string column names.

    See Also
    --------
    GDLogisticClassifier : One fit with a given learning rate.
    sklearn.model_selection.GridSearchCV : The general search this equals.

    Notes
    -----
    With candidates :math:`c` stacked as the columns of :math:`W`, one
    iteration computes :math:`Z = X W` (one matrix-matrix product, one read
    of X) and :math:`X^T dZ` for all of them.

    Examples
    --------
    >>> from sklearn.datasets import load_breast_cancer
    >>> from sklearn.preprocessing import scale
    >>> from sklearn_gd import GDLogisticClassifierCV
    >>> X, y = load_breast_cancer(return_X_y=True)
    >>> search = GDLogisticClassifierCV(
    ...     alphas=[0.001, 0.01, 0.3], scoring="neg_log_loss", max_iter=200, tol=0)
    >>> search.fit(scale(X), y).alpha_
    0.3
    >>> search.scores_.shape
    (5, 3, 1)
    """

    _parameter_constraints: dict = {
        "alphas": [Interval(Integral, 1, None, closed="left"), "array-like"],
        "Cs": ["array-like"],
        "l1_ratio": [Interval(Real, 0, 1, closed="both")],
        "cv": ["cv_object"],
        "scoring": [StrOptions(set(get_scorer_names())), callable, None],
        "refit": ["boolean"],
        "solver": [StrOptions({"vectorized", "loop"})],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "tol": [Interval(Real, 0, None, closed="left")],
        "fit_intercept": ["boolean"],
        "class_weight": [dict, StrOptions({"balanced"}), None],
        "n_jobs": [Integral, None],
        "verbose": ["verbose"],
    }

    def __init__(
        self,
        *,
        alphas=8,
        Cs=(np.inf,),
        l1_ratio=0.0,
        cv=5,
        scoring=None,
        refit=True,
        solver="vectorized",
        max_iter=1000,
        tol=1e-4,
        fit_intercept=True,
        class_weight=None,
        n_jobs=None,
        verbose=0,
    ):
        self.alphas = alphas
        self.Cs = Cs
        self.l1_ratio = l1_ratio
        self.cv = cv
        self.scoring = scoring
        self.refit = refit
        self.solver = solver
        self.max_iter = max_iter
        self.tol = tol
        self.fit_intercept = fit_intercept
        self.class_weight = class_weight
        self.n_jobs = n_jobs
        self.verbose = verbose

    def __sklearn_tags__(self):
        """Declare sparse (CSR) input as supported."""
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        return tags

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None):
        """Fit every candidate on every fold, choose one, refit it.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training data.
        y : array-like of shape (n_samples,)
            Class labels.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative weights of the examples.

        Returns
        -------
        self : GDLogisticClassifierCV
            The fitted estimator.
        """
        X, y = _validate_fit_data(self, X, y)
        xp, _ = _foreign_namespace(X)
        if xp is not None:
            raise ValueError(
                "GDLogisticClassifierCV runs on NumPy arrays; X is an array of "
                f"{xp.__name__}. Fit GDLogisticClassifier, which supports the "
                "Array API, in a GridSearchCV, or convert X to NumPy."
            )
        classes, _ = _encode_labels(y)
        if sample_weight is not None:
            # Checked once here: the folds index into it.
            sample_weight = _check_sample_weight(
                sample_weight, X, dtype=X.dtype, ensure_non_negative=True
            )
        alphas = self._alpha_grid(X, y, sample_weight)
        Cs = np.asarray(self.Cs, dtype=float).ravel()
        candidates = [(alpha, C) for alpha in alphas for C in Cs]
        splits = list(check_cv(self.cv, y, classifier=True).split(X, y))
        folds = Parallel(n_jobs=self.n_jobs)(
            delayed(self._fit_fold)(X, y, sample_weight, train, test, candidates)
            for train, test in splits
        )
        shape = (len(splits), len(alphas), len(Cs))
        self.alphas_ = alphas
        self.scores_ = np.array([fold[0] for fold in folds]).reshape(shape)
        self.n_iter_ = np.array([fold[2] for fold in folds]).reshape(shape)
        self.cost_histories_ = _object_array([fold[1] for fold in folds], shape)
        self.coefs_paths_ = _object_array([fold[4] for fold in folds], shape)
        self._warn_about(candidates, [fold[3] for fold in folds])

        # As GridSearchCV: the best mean score, ties to the first candidate in
        # its order (C outer, alpha inner); a candidate with a NaN never wins.
        mean = self.scores_.mean(axis=0).T.ravel()
        best = int(np.argmax(np.where(np.isnan(mean), -np.inf, mean)))
        self.C_ = float(Cs[best // len(alphas)])
        self.alpha_ = float(alphas[best % len(alphas)])
        self.classes_ = classes
        if self.refit:
            self.best_estimator_ = self._classifier(self.alpha_, self.C_).fit(
                X, y, sample_weight=sample_weight
            )
            for name in ("coef_", "intercept_", "cost_history_"):
                setattr(self, name, getattr(self.best_estimator_, name))
        return self

    def _classifier(self, alpha, C):
        """Make the :class:`GDLogisticClassifier` of one candidate."""
        return GDLogisticClassifier(
            solver=self.solver,
            alpha=alpha,
            C=C,
            l1_ratio=self.l1_ratio,
            max_iter=self.max_iter,
            tol=self.tol,
            fit_intercept=self.fit_intercept,
            class_weight=self.class_weight,
            verbose=self.verbose,
        )

    def _alpha_grid(self, X, y, sample_weight):
        """Return the learning rates to try, as floats."""
        if not isinstance(self.alphas, Integral):
            alphas = np.asarray(self.alphas, dtype=float).ravel()
            if not (alphas.size and np.all(alphas > 0) and np.isfinite(alphas).all()):
                raise ValueError(
                    f"alphas must be positive finite learning rates; got {alphas}. "
                    "Pass an int for a grid around the alpha='auto' step."
                )
            return alphas
        step = (
            self._classifier("auto", np.inf)
            .set_params(max_iter=1, tol=0, verbose=0)
            .fit(X, y, sample_weight=sample_weight)
            .alpha_
        )
        factors = np.geomspace(0.1, 10.0, self.alphas) if self.alphas > 1 else [1.0]
        return step * np.asarray(factors)

    def _fit_fold(self, X, y, sample_weight, train, test, candidates):
        """Fit all candidates on one training fold and score them on its test fold.

        Parameters
        ----------
        X, y, sample_weight : arrays
            All the data; ``sample_weight`` may be None.
        train, test : ndarray of int
            Indices of the fold's training and test examples.
        candidates : list of (float, float)
            The ``(alpha, C)`` of each candidate.

        Returns
        -------
        scores : list of float
            Test score of each candidate, NaN if it diverged.
        histories : list of ndarray
            Cost history of each candidate.
        n_iter : list of int
            Iterations of each candidate.
        events : dict
            Candidates that diverged (with the error) or reached max_iter.
        params : list of ndarray or None
            Parameters of each candidate, None if it diverged.
        """
        weights = None if sample_weight is None else sample_weight[train]
        if self.solver == "vectorized":
            models, events = self._descend_together(
                X[train], y[train], weights, candidates
            )
        else:
            models, events = self._fit_one_by_one(
                X[train], y[train], weights, candidates
            )
        scores = [
            np.nan
            if model is None
            else self._score(model, X[test], y[test], sample_weight, test)
            for model in models
        ]
        params = [
            None
            if model is None
            else np.column_stack([model.coef_, model.intercept_])
            if self.fit_intercept
            else model.coef_
            for model in models
        ]
        return scores, events["histories"], events["n_iter"], events, params

    def _score(self, model, X_test, y_test, sample_weight, test):
        """Score one candidate on a test fold.

        With ``scoring=None`` this is accuracy weighted as training weighs
        the examples (sample weights times class weights), so that the choice
        serves the objective being fitted; a scorer is called as it is.
        """
        if self.scoring is not None:
            return float(
                check_scoring(model, scoring=self.scoring)(model, X_test, y_test)
            )
        weights = None
        if sample_weight is not None or self.class_weight is not None:
            classes, y_index = np.unique(y_test, return_inverse=True)
            weights = model._sample_weight(
                X_test,
                y_test,
                y_index,
                classes,
                None if sample_weight is None else sample_weight[test],
            )
        return float(model.score(X_test, y_test, sample_weight=weights))

    def _descend_together(self, X, y, sample_weight, candidates):
        """Run every candidate's gradient descent in one stacked run."""
        template = self._classifier("auto", np.inf)
        classes, y_index = _encode_labels(y)
        sample_weight = template._sample_weight(X, y, y_index, classes, sample_weight)
        weight_sum = float(sample_weight.sum())
        strengths = np.array(
            [
                _loss.penalty_strengths(C, self.l1_ratio, weight_sum)
                for _, C in candidates
            ]
        )
        l2_reg, l1_reg = strengths[:, 0], strengths[:, 1]
        data_term = template._data_term(X, y_index, sample_weight, len(classes))
        n_features = X.shape[1]

        def loss_gradient(stack, which):
            return _loss.penalized_loss_gradient(
                stack, data_term, l2_reg[which], l1_reg[which], n_features
            )

        def prox(stack, steps, which):
            return _loss.prox_l1(stack, steps, l1_reg[which], n_features)

        start = template._initial_params(classes, n_features, X.dtype)
        run = descend_candidates(
            loss_gradient,
            np.repeat(start[None], len(candidates), axis=0),
            alphas=[alpha for alpha, _ in candidates],
            max_iter=self.max_iter,
            tol=self.tol,
            prox=prox if np.any(l1_reg) else None,
            verbose=self.verbose,
        )
        models, events = (
            [],
            {"histories": [], "n_iter": [], "diverged": {}, "max_iter": []},
        )
        for c, (alpha, C) in enumerate(candidates):
            n_iter = int(run.n_iter[c])
            history = run.cost_history[:n_iter, c]
            events["histories"].append(history)
            events["n_iter"].append(n_iter)
            if run.diverged_at[c] >= 0:
                events["diverged"][c] = (
                    f"diverged at iteration {run.diverged_at[c] + 1}: "
                    f"{run.diverged_what[c]}"
                )
                models.append(None)
                continue
            if self.tol > 0 and not run.converged[c]:
                events["max_iter"].append(c)
            model = self._classifier(alpha, C)
            model.n_features_in_ = n_features
            models.append(model._store(classes, run.params[c], history, n_iter, alpha))
        return models, events

    def _fit_one_by_one(self, X, y, sample_weight, candidates):
        """Fit one :class:`GDLogisticClassifier` per candidate (the loop solver)."""
        models, events = (
            [],
            {"histories": [], "n_iter": [], "diverged": {}, "max_iter": []},
        )
        for c, (alpha, C) in enumerate(candidates):
            model = self._classifier(alpha, C)
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always", ConvergenceWarning)
                try:
                    model.fit(X, y, sample_weight=sample_weight)
                except ValueError as error:
                    if "diverged" not in str(error):
                        raise
                    events["diverged"][c] = str(error)
                    events["histories"].append(np.array([]))
                    events["n_iter"].append(0)
                    models.append(None)
                    continue
            if any("max_iter" in str(w.message) for w in caught):
                events["max_iter"].append(c)
            events["histories"].append(model.cost_history_)
            events["n_iter"].append(model.n_iter_)
            models.append(model)
        return models, events

    def _warn_about(self, candidates, fold_events):
        """One warning for the diverged candidates, one for the unconverged."""
        diverged = {}
        unconverged = set()
        for fold, events in enumerate(fold_events):
            for c, message in events["diverged"].items():
                diverged.setdefault(c, (fold, message))
            unconverged.update(events["max_iter"])
        if diverged:
            lines = [
                f"alpha={candidates[c][0]:.4g}, C={candidates[c][1]:g} (fold {fold}): "
                f"{message}"
                for c, (fold, message) in sorted(diverged.items())
            ]
            warnings.warn(
                "Some candidates diverged and score NaN; they are never chosen:\n"
                + "\n".join(lines),
                ConvergenceWarning,
                stacklevel=3,
            )
        if unconverged:
            names = ", ".join(
                f"alpha={candidates[c][0]:.4g}, C={candidates[c][1]:g}"
                for c in sorted(unconverged)
            )
            warnings.warn(
                f"These candidates reached max_iter={self.max_iter} before tol on "
                f"some fold: {names}. Increase max_iter.",
                ConvergenceWarning,
                stacklevel=3,
            )

    def _fitted(self, X):
        """Validate X for a predict method and return the refitted model."""
        check_is_fitted(self, "best_estimator_")
        X = validate_data(
            self, X, reset=False, accept_sparse="csr", dtype=[np.float64, np.float32]
        )
        return self.best_estimator_, X

    def decision_function(self, X):
        """Decision values of the refitted model; see GDLogisticClassifier.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Samples.

        Returns
        -------
        z : ndarray of shape (n_samples,) or (n_samples, n_classes)
            Decision values.
        """
        model, X = self._fitted(X)
        return model.decision_function(X)

    def predict(self, X):
        """Predict class labels with the refitted model.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Samples.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
            Labels from ``classes_``.
        """
        model, X = self._fitted(X)
        return model.predict(X)

    def predict_proba(self, X):
        """Predict class probabilities with the refitted model.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Samples.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            Columns in the order of ``classes_``.
        """
        model, X = self._fitted(X)
        return model.predict_proba(X)

    def predict_log_proba(self, X):
        """Predict log-probabilities with the refitted model.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Samples.

        Returns
        -------
        log_proba : ndarray of shape (n_samples, n_classes)
            Columns in the order of ``classes_``.
        """
        model, X = self._fitted(X)
        return model.predict_log_proba(X)


def _object_array(nested, shape):
    """Arrange per-fold lists of per-candidate arrays as an object array."""
    out = np.empty(int(np.prod(shape)), dtype=object)
    out[:] = [item for fold in nested for item in fold]
    return out.reshape(shape)
