"""Cross-validation over the learning rate and C, every candidate in one pass over X.

:class:`GDLogisticClassifierCV` chooses ``alpha`` (fixed learning rates,
``'auto'``, ``'adaptive'``) and ``C`` on the same folds as ``GridSearchCV``:
on NumPy and CSR data fold by fold, each fold's candidates stacked into one
descent; on a Dask array every fold's candidates in one stacked problem
(``DataKind.stacks_folds``). The kind of data decides which; this module asks
it through :func:`sklearn_gd._kinds.data_kind` and imports no kind itself.
"""

from functools import partial
from numbers import Integral, Real
from typing import NamedTuple

import numpy as np
from scipy.sparse import issparse
from sklearn.base import BaseEstimator, ClassifierMixin, _fit_context
from sklearn.metrics import check_scoring, get_scorer_names, log_loss
from sklearn.model_selection import check_cv
from sklearn.utils._array_api import get_namespace, get_namespace_and_device
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.parallel import Parallel, delayed
from sklearn.utils.validation import check_is_fitted, validate_data

from sklearn_gd import _loss
from sklearn_gd._data import to_numpy
from sklearn_gd._gradient_descent import CandidateRun, failed, report
from sklearn_gd._kinds import data_kind
from sklearn_gd._logistic import (
    GDLogisticClassifier,
    alpha_label,
    candidate_classifier,
    fit_validated,
)
from sklearn_gd._loss import split_params
from sklearn_gd._problem import (
    build_folds_problem,
    build_problem,
    example_weights,
    fold_labels,
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
    alphas : int or array-like of {float, 'auto', 'adaptive'}, default=8
        The learning rates to try (not regularisation strengths): fixed
        steps, the textbook's ``alpha``, and the step rules ``'auto'`` and
        ``'adaptive'`` of :class:`GDLogisticClassifier`, each candidate with
        its own rule (``'auto'`` is ``1 / L`` of its training fold). An int
        ``n`` tries ``n`` fixed rates spaced evenly on a log scale from 1/10
        to 10 times the ``alpha='auto'`` step of all the training data. On a
        Dask array, floats and an int only.
    Cs : array-like of float, default=(1.0,)
        Inverse regularisation strengths to try, :class:`GDLogisticClassifier`'s
        default ``C=1.0`` alone unless told; ``np.inf`` is no penalty.
    l1_ratio : float, default=0.0
        Elastic-net mixing, as in :class:`GDLogisticClassifier`.
    cv : int, cross-validation generator or iterable, default=5
        As in scikit-learn: an int is the number of stratified folds.
    scoring : str or callable, default=None
        A scikit-learn scorer, e.g. ``'neg_log_loss'``. None is accuracy with
        the test examples weighted as the training fold weighs them: each
        test example's sample weight times the weight its class got on the
        training fold (with ``'balanced'``, computed from the training fold's
        counts, not the test fold's; a label the training fold lacks keeps
        its sample weight). Without weights this is plain accuracy, as in
        ``GridSearchCV``.
    refit : bool, default=True
        Refit the best candidate on all the data, which gives ``coef_``,
        ``intercept_``, ``cost_history_`` and the predict methods.
    solver : {'vectorized', 'loop'}, default='vectorized'
        How Steps 1-3 are computed, as in :class:`GDLogisticClassifier`.
        ``'vectorized'`` shares one pass over X between the candidates;
        ``'loop'`` runs the textbook loops once per candidate. Both give the
        same search (scores, iterations, histories, choice) to round-off.
    momentum : float, default=0.0
        Momentum of every candidate, as in :class:`GDLogisticClassifier`:
        each candidate steps with its alpha from its own shifted point.
    nesterovs_momentum : bool, default=True
        Nesterov's momentum rather than the heavy ball, as in
        :class:`GDLogisticClassifier`.
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
        The learning rates tried: floats, or objects where ``'auto'`` or
        ``'adaptive'`` are among them.
    Cs_ : ndarray of shape (n_Cs,)
        The inverse regularisation strengths tried.
    alpha_ : float or str
        The chosen learning rate (or rule).
    C_ : float
        The chosen ``C``.
    scores_ : ndarray of shape (n_folds, n_alphas, n_Cs)
        Test-fold score of each candidate; NaN where it diverged or its cost
        ended above its start (a step far too large).
    cost_histories_ : ndarray of object, shape (n_folds, n_alphas, n_Cs)
        Each candidate's cost history on each training fold, ``n_iter_``
        entries long; a diverged candidate's ends with NaN when its cost
        was not finite.
    coefs_paths_ : ndarray of object, shape (n_folds, n_alphas, n_Cs)
        Each candidate's parameters on each training fold: ``coef_`` with
        ``intercept_`` as a last column when fitted; None where it diverged
        (or its cost ended above its start).
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

    X may be an array of another Array API namespace (PyTorch, say) under
    ``array_api_dispatch``: the folds are fitted there, ``coef_``,
    ``intercept_``, ``cost_history_`` and the predictions live there, and
    the records of the search (``scores_``, ``cost_histories_``, ...) are
    NumPy arrays, as ``GridSearchCV``'s ``cv_results_`` are.

    X may be a Dask array (chunked by rows, on a cluster or in threads): X
    is never gathered into this process. The labels and the sample weights
    (one value per example) come here once, for the splitter and the class
    weights; every fold weighs the rows it leaves out by zero, so that each
    iteration is one graph in which every chunk runs the kernel once per
    fold for all that fold's candidates, and only parameters and sums
    travel. Accuracy and ``'neg_log_loss'`` are summed on the workers;
    another scorer brings each candidate's predictions (or probabilities)
    on its test rows here. The refit is a
    :class:`GDLogisticClassifier` fit on the Dask array. ``n_jobs`` is
    not used: Dask's scheduler spreads the work. Every training fold must
    hold every class. The search equals the one on the same data in NumPy
    to round-off.

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
        **{
            name: constraint
            for name, constraint in GDLogisticClassifier._parameter_constraints.items()
            if name not in ("alpha", "C", "warm_start")
        },
        "alphas": [Interval(Integral, 1, None, closed="left"), "array-like"],
        "Cs": ["array-like"],
        "cv": ["cv_object"],
        "scoring": [StrOptions(set(get_scorer_names())), callable, None],
        "refit": ["boolean"],
        "n_jobs": [Integral, None],
    }

    def __init__(
        self,
        *,
        alphas=8,
        Cs=(1.0,),
        l1_ratio=0.0,
        cv=5,
        scoring=None,
        refit=True,
        solver="vectorized",
        momentum=0.0,
        nesterovs_momentum=True,
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
        self.momentum = momentum
        self.nesterovs_momentum = nesterovs_momentum
        self.max_iter = max_iter
        self.tol = tol
        self.fit_intercept = fit_intercept
        self.class_weight = class_weight
        self.n_jobs = n_jobs
        self.verbose = verbose

    def __sklearn_tags__(self):
        """Declare sparse (CSR) input as supported.

        Arrays of other Array API namespaces are fitted too, but the tag is
        not set: the records of the search (``scores_``, ``cost_histories_``,
        ...) are NumPy arrays, as ``GridSearchCV``'s ``cv_results_`` are,
        where scikit-learn's Array API checks want every array attribute in
        X's namespace.
        """
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        return tags

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None):
        """Fit every candidate on every fold, choose one, refit it.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training data: NumPy, CSR, a Dask array, or an array of another
            Array API namespace under ``array_api_dispatch``.
        y : array-like of shape (n_samples,)
            Class labels.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative weights of the examples.

        Returns
        -------
        self : GDLogisticClassifierCV
            The fitted estimator.

        Notes
        -----
        A fit that raises or is interrupted leaves the search as it was
        before the call, as :meth:`GDLogisticClassifier.fit` does.
        """
        previous_state = self.__dict__.copy()
        try:
            return self._fit(X, y, sample_weight)
        except BaseException:
            self.__dict__.clear()
            self.__dict__.update(previous_state)
            raise

    def _fit(self, X, y, sample_weight):
        """Validate, split, search, choose and refit; see :meth:`fit`.

        The data are validated and the labels encoded once; every fold, the
        scores and the refit start from them. The kind of data decides one
        thing alone: whether the folds' candidates descend fold by fold on
        the rows taken out of X, or all at once in one stacked problem
        (``DataKind.stacks_folds``, a Dask array).
        """
        kind = data_kind(X, self.solver)
        X, y, sample_weight = kind.validate(self, X, y, sample_weight)
        classes, y_index = kind.encode_labels(y)
        X_split, labels = kind.splittable(X, y)
        alphas = self._alpha_grid(kind, X, classes, y_index, sample_weight)
        Cs = np.asarray(self.Cs, dtype=float).ravel()
        if not (Cs.size and np.all(Cs > 0)):
            raise ValueError(
                f"Cs must be positive inverse regularisation strengths (np.inf "
                f"for no penalty); got {Cs}."
            )
        grid = [(alpha, C) for alpha in alphas for C in Cs]
        splits = list(check_cv(self.cv, labels, classifier=True).split(X_split, labels))
        if kind.stacks_folds:
            folds = self._descend_stacked_folds(
                kind, X, classes, y_index, sample_weight, splits, grid
            )
        else:
            folds = Parallel(n_jobs=self.n_jobs)(
                delayed(self._descend_fold)(
                    kind, X, classes, y_index, sample_weight, train, grid
                )
                for train, _ in splits
            )
        report(
            [fold.run for fold in folds],
            [f"{alpha_label(alpha)}, C={C:g}" for alpha, C in grid],
            max_iter=self.max_iter,
            tol=self.tol,
            search=True,
            Cs=[C for _, C in grid],
            feature_moments=partial(kind.feature_moments, X),
            stacklevel=5,  # the caller of fit
        )
        scores = self._score(
            kind, X, y, classes, labels, y_index, sample_weight, splits, folds, grid
        )
        self._store_search(folds, scores, alphas, Cs)
        self.classes_ = kind.place(classes)
        if self.refit:
            model = GDLogisticClassifier(**self._candidate_params(self.alpha_, self.C_))
            validate_data(model, X, skip_check_array=True)  # n_features_in_
            self.best_estimator_ = fit_validated(
                model, kind, X, classes, y_index, sample_weight, stacklevel=5
            )
            for name in ("coef_", "intercept_", "cost_history_"):
                setattr(self, name, getattr(self.best_estimator_, name))
        return self

    def _store_search(self, folds, scores, alphas, Cs):
        """Arrange the folds' results by (fold, alpha, C) and choose the best.

        As GridSearchCV: the best mean score, ties to the first candidate in
        its order (C outer, alpha inner); a candidate with a NaN never wins.
        The grid's own order is alpha outer, C inner.
        """
        shape = (len(folds), len(alphas), len(Cs))
        runs = [fold.run for fold in folds]

        def arrange(values):
            return np.asarray(values).reshape(shape)

        self.alphas_ = alphas
        self.Cs_ = Cs
        self.scores_ = arrange(scores)
        self.n_iter_ = arrange([run.n_iter for run in runs])
        self.cost_histories_ = arrange(
            _objects([run.history(c) for c in range(len(run.n_iter))] for run in runs)
        )
        self.coefs_paths_ = arrange(
            _objects(
                [None if d else p for d, p in zip(failed(run), run.params, strict=True)]
                for run in runs
            )
        )
        mean = self.scores_.mean(axis=0).T.ravel()
        if self.refit and np.isnan(mean).all():
            raise ValueError(
                "Every candidate diverged, or its cost ended above its start, on "
                f"some fold (alphas {list(alphas)}): there is none to refit. "
                "Try smaller alphas, or 'adaptive' among them, whose cost never "
                "rises."
            )
        best = int(np.argmax(np.where(np.isnan(mean), -np.inf, mean)))
        self.C_ = float(Cs[best // len(alphas)])
        alpha = alphas[best % len(alphas)]
        self.alpha_ = alpha if isinstance(alpha, str) else float(alpha)

    def _candidate_params(self, alpha, C):
        """Return the GDLogisticClassifier parameters of one candidate.

        Every parameter the classifier has and the search shares (all but
        ``alpha``, ``C`` and ``warm_start``) is the search's.
        """
        own = self.get_params(deep=False)
        shared = GDLogisticClassifier().get_params(deep=False).keys() & own.keys()
        return {**{name: own[name] for name in shared}, "alpha": alpha, "C": C}

    def _problem(self, kind, X, classes, y_index, sample_weight, grid):
        """Build the problem of every candidate of the grid on some data."""
        return build_problem(
            kind,
            X,
            classes,
            y_index,
            sample_weight,
            alphas=[alpha for alpha, _ in grid],
            Cs=[C for _, C in grid],
            l1_ratio=self.l1_ratio,
            fit_intercept=self.fit_intercept,
            class_weight=self.class_weight,
            solver=self.solver,
        )

    def _alpha_grid(self, kind, X, classes, y_index, sample_weight):
        """Return the learning rates (floats) and rules (str) to try."""
        if not isinstance(self.alphas, Integral):
            alphas = np.asarray(self.alphas, dtype=object).ravel()
            rules = np.array([isinstance(a, str) for a in alphas], dtype=bool)
            if not (alphas.size and _are_alphas(alphas)):
                raise ValueError(
                    "alphas must be positive finite learning rates, 'auto' or "
                    f"'adaptive'; got {list(alphas)}. Pass an int for a grid "
                    "around the alpha='auto' step."
                )
            if rules.any() and kind.stacks_folds:
                raise ValueError(
                    "On a Dask array alphas takes floats (or an int) only; got "
                    f"{list(alphas)}. Fit GDLogisticClassifier(alpha="
                    f"{alphas[rules][0]!r}) on the Dask array, or search over "
                    "floats."
                )
            return alphas if rules.any() else alphas.astype(float)
        auto = [("auto", np.inf)]
        step = self._problem(kind, X, classes, y_index, sample_weight, auto).alphas[0]
        factors = np.geomspace(0.1, 10.0, self.alphas) if self.alphas > 1 else [1.0]
        return step * np.asarray(factors)

    def _descend(self, problem):
        """Run gradient descent on a problem's candidates, with these settings."""
        return problem.descend(
            max_iter=self.max_iter,
            tol=self.tol,
            momentum=self.momentum,
            nesterov=self.nesterovs_momentum,
            verbose=self.verbose,
        )

    def _descend_fold(self, kind, X, classes, y_index, sample_weight, train, grid):
        """Descend every candidate on one training fold, on its rows.

        Parameters
        ----------
        kind : InMemoryData or NamespaceData
            The kind of the data.
        X : array of shape (n_samples, n_features)
            All the data, validated.
        classes : ndarray of shape (n_classes,)
            The classes of all the data.
        y_index : ndarray of shape (n_samples,)
            Each example's index into ``classes``.
        sample_weight : ndarray of shape (n_samples,)
            Validated weights.
        train : ndarray of int
            The fold's training rows.
        grid : list of (float, float)
            The ``(alpha, C)`` of each candidate.

        Returns
        -------
        fold : FoldResult
            Every candidate's run and the classes the fold was fitted on.
        """
        fold_classes, fold_index = fold_labels(classes, y_index[train])
        problem = self._problem(
            kind,
            kind.take(X, train),
            fold_classes,
            fold_index,
            sample_weight[train],
            grid,
        )
        return FoldResult(
            run=self._descend(problem),
            classes=problem.classes,
            class_weight=problem.class_weight,
        )

    def _descend_stacked_folds(
        self, kind, X, classes, y_index, sample_weight, splits, grid
    ):
        """Descend every candidate of every fold at once.

        For data whose kind stacks the folds (a Dask array): one problem
        holds every fold's candidates, each fold weighing the rows it leaves
        out by zero, so that an iteration is one evaluation (on a Dask
        array, one graph) for the whole search, and X is never split, copied
        or gathered.

        Parameters
        ----------
        kind : DaskData
            The kind of the data.
        X, classes, y_index, sample_weight
            As for :meth:`_descend_fold`.
        splits : list of (ndarray, ndarray)
            The training and test rows of each fold.
        grid : list of (float, float)
            The ``(alpha, C)`` of each candidate.

        Returns
        -------
        folds : list of FoldResult
            Each fold's run, as :meth:`_descend_fold` gives it.
        """
        problem = build_folds_problem(
            kind,
            X,
            classes,
            y_index,
            sample_weight,
            [train for train, _ in splits],
            alphas=[alpha for alpha, _ in grid],
            Cs=[C for _, C in grid],
            l1_ratio=self.l1_ratio,
            fit_intercept=self.fit_intercept,
            class_weight=self.class_weight,
        )
        run = self._descend(problem)
        n_grid = len(grid)
        return [
            FoldResult(
                run=run.select(slice(f * n_grid, (f + 1) * n_grid)),
                classes=classes,
                class_weight=problem.class_weight[f],
            )
            for f in range(len(splits))
        ]

    def _score(
        self, kind, X, y, classes, labels, y_index, sample_weight, splits, folds, grid
    ):
        """Score every candidate of every fold on its test rows.

        The same for every kind of data. Accuracy (the default, weighted as
        the training fold weighed the classes) and ``'neg_log_loss'`` are
        sums over the test rows of the candidates' parameters, computed by
        :func:`_score_sums` where the rows live: fold by fold on the rows
        taken out of X, or, where the kind stacks the folds, all folds in
        one pass with the rows outside a fold's test rows weighing zero.
        Another scorer gets each candidate as a fitted classifier and the
        fold's test rows.

        Parameters
        ----------
        kind : DataKind
            The kind of the data.
        X, y : arrays
            All the data and labels, validated.
        classes : ndarray of shape (n_classes,)
            The classes of all the data.
        labels : ndarray of shape (n_samples,)
            The labels in this process (``DataKind.splittable``'s).
        y_index : array of shape (n_samples,)
            Each example's index into ``classes``.
        sample_weight : array of shape (n_samples,)
            Validated weights.
        splits : list of (ndarray, ndarray)
            The training and test rows of each fold.
        folds : list of FoldResult
            Each fold's run.
        grid : list of (float, float)
            The ``(alpha, C)`` of each candidate.

        Returns
        -------
        scores : ndarray of shape (n_folds, n_grid)
            NaN where a candidate failed.
        """
        unusable = np.array([failed(fold.run) for fold in folds])
        if not (self.scoring is None or self.scoring in ("accuracy", "neg_log_loss")):
            scorer = check_scoring(self, self.scoring)
            test_labels = labels if kind.lazy else y  # the scorers take NumPy
            return np.array(
                [
                    [
                        np.nan
                        if unusable[f, c]
                        else float(
                            scorer(
                                candidate_classifier(
                                    self._candidate_params(alpha, C),
                                    kind,
                                    fold.classes,
                                    fold.run,
                                    c,
                                    X,
                                ),
                                kind.take(X, test),
                                kind.take(test_labels, test),
                            )
                        )
                        for c, (alpha, C) in enumerate(grid)
                    ]
                    for f, (fold, (_, test)) in enumerate(
                        zip(folds, splits, strict=True)
                    )
                ]
            )
        weights = kind.to_numpy(sample_weight)
        test_weights = [
            example_weights(
                fold.classes,
                fold.class_weight,
                labels[test],
                weights[test],
                self.class_weight,
            )
            if self.scoring is None
            else np.ones(len(test))
            for fold, (_, test) in zip(folds, splits, strict=True)
        ]
        score = partial(
            _score_sums, fit_intercept=self.fit_intercept, scoring=self.scoring
        )
        # For each fold, the index into the classes of each class it was fitted on.
        known = [np.searchsorted(classes, fold.classes) for fold in folds]
        if kind.stacks_folds:  # one pass: rows outside a fold's test rows weigh 0
            rows = np.zeros((len(labels), len(folds)))
            for f, ((_, test), w) in enumerate(zip(splits, test_weights, strict=True)):
                np.add.at(rows[:, f], test, w)  # a repeated row counts twice
            sums, totals = kind.sum_rows(
                partial(
                    score,
                    params=[fold.run.params for fold in folds],
                    usable=~unusable,
                    output_classes=known,
                ),
                X,
                y_index,
                rows,
            )
        else:
            parts = [
                kind.sum_rows(
                    partial(
                        score,
                        params=[folds[f].run.params],
                        usable=~unusable[f : f + 1],
                        output_classes=[known[f]],
                    ),
                    kind.take(X, test),
                    y_index[test],
                    w[:, None],
                )
                for f, ((_, test), w) in enumerate(
                    zip(splits, test_weights, strict=True)
                )
            ]
            sums = np.concatenate([part[0] for part in parts])
            totals = np.concatenate([part[1] for part in parts])
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(unusable, np.nan, sums / totals[:, None])

    def _refitted(self, X):
        """Validate X for a predict method and return the refitted model."""
        check_is_fitted(self, "best_estimator_")
        if data_kind(X).lazy:  # the refitted model maps it chunk by chunk
            return self.best_estimator_, X
        xp, _ = get_namespace(X)
        X = validate_data(
            self, X, reset=False, accept_sparse="csr", dtype=[xp.float64, xp.float32]
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
        model, X = self._refitted(X)
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
        model, X = self._refitted(X)
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
        model, X = self._refitted(X)
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
        model, X = self._refitted(X)
        return model.predict_log_proba(X)

    # The records that hold an array per candidate (object arrays).
    _PER_CANDIDATE = ("cost_histories_", "coefs_paths_")

    def __getstate__(self):
        """Return the state to persist, per-candidate records as flat lists.

        skops stores an object array as the list of its items and rebuilds
        it with ``np.array``, which stacks items of equal shapes into more
        dimensions: a (3, 2, 1) array of (1, 7) coefficients came back as a
        (3, 2, 1, 1, 7) array of floats. A flat list of the items and the
        shape come back as they were, in skops as in pickle.

        Returns
        -------
        state : dict
            The estimator's attributes; each per-candidate record as
            ``{"shape": tuple, "items": list}``.
        """
        state = dict(super().__getstate__())  # a copy: never our own __dict__
        for name in self._PER_CANDIDATE:
            if isinstance(state.get(name), np.ndarray):
                records = state[name]
                state[name] = {"shape": records.shape, "items": list(records.flat)}
        return state

    def __setstate__(self, state):
        """Restore the state :meth:`__getstate__` returned (or an older one).

        Parameters
        ----------
        state : dict
            The persisted attributes.
        """
        state = dict(state)
        for name in self._PER_CANDIDATE:
            if isinstance(state.get(name), dict):
                record = state[name]
                state[name] = _objects([record["items"]]).reshape(record["shape"])
        super().__setstate__(state)


class FoldResult(NamedTuple):
    """What the descent on one training fold of :class:`GDLogisticClassifierCV` gives.

    Attributes
    ----------
    run : CandidateRun
        Every candidate's run on the training fold.
    classes : ndarray of shape (n_fold_classes,)
        The classes the fold was fitted on (those its training rows hold).
    class_weight : ndarray of shape (n_fold_classes,)
        Their factors on the training fold.
    """

    run: CandidateRun
    classes: np.ndarray
    class_weight: np.ndarray


def _are_alphas(alphas):
    """Whether every entry is a positive finite float, 'auto' or 'adaptive'."""
    return all(
        a in ("auto", "adaptive")
        if isinstance(a, str)
        else isinstance(a, Real) and np.isfinite(a) and a > 0
        for a in alphas
    )


def _objects(nested):
    """Flatten per-fold lists of per-candidate values into an object array."""
    items = [item for fold in nested for item in fold]
    out = np.empty(len(items), dtype=object)
    out[:] = items
    return out


def _score_sums(
    X, y_index, weights, *, params, usable, output_classes, fit_intercept, scoring
):
    """Sum the candidates' test scores over some rows, for every fold.

    The scores are those of a classifier with each candidate's parameters:
    its predictions (accuracy) or its probabilities (``'neg_log_loss'``, as
    the scorer computes it), from one product of the rows with every
    candidate's parameters. The sums add up over parts of the rows, so that
    a kind of data can compute them chunk by chunk where the rows live.

    Parameters
    ----------
    X : array of shape (n_rows, n_features)
        Rows of the data (NumPy, CSR, a namespace's array, a Dask chunk).
    y_index : ndarray of shape (n_rows,)
        Each row's index into the classes of all the data.
    weights : ndarray of shape (n_rows, n_folds)
        Each row's test weight in each fold; zero outside its test rows.
    params : list of ndarray of shape (n_grid, n_outputs, n_dof)
        Each fold's candidates' parameters.
    usable : ndarray of shape (n_folds, n_grid)
        The candidates that did not fail (the others are not scored).
    output_classes : list of ndarray of int
        For each fold, the index into the classes of each class it was
        fitted on (the columns of its candidates' outputs).
    fit_intercept : bool
        Whether the parameters end with an intercept.
    scoring : {None, 'accuracy', 'neg_log_loss'}
        The score.

    Returns
    -------
    sums : ndarray of shape (n_folds, n_grid)
        The weighted sums of each candidate's scores.
    totals : ndarray of shape (n_folds,)
        The sums of each fold's weights.
    """
    sums = np.zeros(usable.shape)
    totals = np.zeros(len(usable))
    y_index = np.asarray(y_index)
    for f, fold_params in enumerate(params):
        rows = np.flatnonzero(weights[:, f])
        if not (len(rows) and usable[f].any()):
            continue
        w = np.asarray(weights[rows, f], dtype=float)
        totals[f] = w.sum()
        coef, intercept = split_params(fold_params[usable[f]], fit_intercept)
        n_candidates, n_outputs, _ = coef.shape
        Z = to_numpy(_decision(_rows(X, rows), coef, intercept))
        Z = Z.reshape(len(rows), n_candidates, n_outputs)
        y_f = y_index[rows]
        if scoring == "neg_log_loss":
            scores = [
                _neg_log_loss_sum(Z[:, c], y_f, w, output_classes[f])
                for c in range(n_candidates)
            ]
        else:
            predicted = (
                (Z[:, :, 0] > 0).astype(np.intp) if n_outputs == 1 else Z.argmax(2)
            )
            scores = w @ (output_classes[f][predicted] == y_f[:, None])
        sums[f, usable[f]] = scores
    return sums, totals


def _rows(X, rows):
    """Return the given rows of X (all of them as X itself)."""
    if len(rows) == X.shape[0]:
        return X
    if isinstance(X, np.ndarray) or issparse(X):
        return X[rows]
    xp, _, device = get_namespace_and_device(X)
    return xp.take(X, xp.asarray(rows, device=device), axis=0)


def _decision(X, coef, intercept):
    """``X @ W.T + b`` of every candidate at once, in X's namespace and dtype."""
    W = coef.reshape(-1, coef.shape[-1])
    b = 0.0 if intercept is None else intercept.reshape(-1)
    if not (isinstance(X, np.ndarray) or issparse(X)):
        xp, _, device = get_namespace_and_device(X)
        W = xp.asarray(W, device=device)
        b = b if intercept is None else xp.asarray(b, device=device)
    return X @ W.T + b


def _neg_log_loss_sum(z, y_index, weights, labels):
    """Minus the summed log-loss of one candidate, as the scorer computes it.

    ``z`` holds the candidate's decision values on the rows; the
    probabilities are its ``predict_proba``'s, and the scorer passes the
    positive class's column alone for two classes.
    """
    if z.shape[1] == 1:
        proba = np.exp(_loss.log_sigmoid(np.stack([-z[:, 0], z[:, 0]], axis=1)))[:, 1]
    else:
        proba = np.exp(_loss.log_softmax(z))
    return -log_loss(
        y_index, proba, normalize=False, sample_weight=weights, labels=labels
    )
