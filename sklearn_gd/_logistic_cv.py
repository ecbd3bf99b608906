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
from sklearn.base import BaseEstimator, ClassifierMixin, _fit_context
from sklearn.metrics import check_scoring, get_scorer_names
from sklearn.model_selection import check_cv
from sklearn.utils._array_api import get_namespace
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.parallel import Parallel, delayed
from sklearn.utils.validation import check_is_fitted, validate_data

from sklearn_gd._gradient_descent import CandidateRun, failed, report
from sklearn_gd._kinds import data_kind
from sklearn_gd._logistic import GDLogisticClassifier, alpha_label, fitted_candidate
from sklearn_gd._problem import build_folds_problem, build_problem, example_weights


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
        """Validate, split, search, choose and refit; see :meth:`fit`."""
        kind = data_kind(X)
        X, y, sample_weight = kind.validate(self, X, y, sample_weight)
        X_split, y_split = kind.splittable(X, y)
        classes, _ = kind.encode_labels(y)
        alphas = self._alpha_grid(kind, X, y, sample_weight)
        Cs = np.asarray(self.Cs, dtype=float).ravel()
        if not (Cs.size and np.all(Cs > 0)):
            raise ValueError(
                f"Cs must be positive inverse regularisation strengths (np.inf "
                f"for no penalty); got {Cs}."
            )
        grid = [(alpha, C) for alpha in alphas for C in Cs]
        splits = list(
            check_cv(self.cv, y_split, classifier=True).split(X_split, y_split)
        )
        if kind.stacks_folds:
            folds = self._fit_stacked_folds(kind, X, y, sample_weight, splits, grid)
        else:
            folds = Parallel(n_jobs=self.n_jobs)(
                delayed(self._fit_fold)(kind, X, y, sample_weight, train, test, grid)
                for train, test in splits
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
        self._store_search(folds, alphas, Cs)
        self.classes_ = kind.fitted(classes)
        if self.refit:
            self.best_estimator_ = GDLogisticClassifier(
                **self._candidate_params(self.alpha_, self.C_)
            ).fit(X, y, sample_weight=sample_weight)
            for name in ("coef_", "intercept_", "cost_history_"):
                setattr(self, name, getattr(self.best_estimator_, name))
        return self

    def _store_search(self, folds, alphas, Cs):
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
        self.scores_ = arrange([fold.scores for fold in folds])
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
        """Return the parameters of the GDLogisticClassifier of one candidate."""
        return dict(
            solver=self.solver,
            alpha=alpha,
            momentum=self.momentum,
            nesterovs_momentum=self.nesterovs_momentum,
            C=C,
            l1_ratio=self.l1_ratio,
            max_iter=self.max_iter,
            tol=self.tol,
            fit_intercept=self.fit_intercept,
            class_weight=self.class_weight,
            verbose=self.verbose,
        )

    def _problem(self, kind, X, y, sample_weight, grid):
        """Build the problem of every candidate of the grid on some data."""
        return build_problem(
            kind,
            X,
            y,
            sample_weight,
            alphas=[alpha for alpha, _ in grid],
            Cs=[C for _, C in grid],
            l1_ratio=self.l1_ratio,
            fit_intercept=self.fit_intercept,
            class_weight=self.class_weight,
            solver=self.solver,
        )

    def _alpha_grid(self, kind, X, y, sample_weight):
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
        step = self._problem(kind, X, y, sample_weight, [("auto", np.inf)]).alphas[0]
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

    def _fit_fold(self, kind, X, y, sample_weight, train, test, grid):
        """Descend every candidate on one training fold, score it on the test fold.

        Parameters
        ----------
        kind : InMemoryData or NamespaceData
            The kind of the data.
        X, y, sample_weight : arrays
            All the data, validated.
        train, test : ndarray of int
            Indices of the fold's training and test examples.
        grid : list of (float, float)
            The ``(alpha, C)`` of each candidate.

        Returns
        -------
        fold : FoldResult
            The run of every candidate and its test score (NaN if it
            diverged).
        """
        problem = self._problem(
            kind,
            kind.take(X, train),
            kind.take(y, train),
            sample_weight[train],
            grid,
        )
        run = self._descend(problem)
        X_test, y_test = kind.take(X, test), kind.take(y, test)
        weights = None
        if self.scoring is None and (
            self.class_weight is not None or np.any(sample_weight != 1)
        ):
            weights = kind.fitted(
                example_weights(
                    problem,
                    kind.to_numpy(y_test),
                    sample_weight[test],
                    self.class_weight,
                )
            )
        scores = []
        scorer = None if weights is not None else check_scoring(self, self.scoring)
        unusable = failed(run)
        for c, (alpha, C) in enumerate(grid):
            if unusable[c]:
                scores.append(np.nan)
                continue
            model = fitted_candidate(
                self._candidate_params(alpha, C), kind, problem.classes, run, c, X
            )
            scores.append(
                float(scorer(model, X_test, y_test))
                if weights is None
                else float(model.score(X_test, y_test, sample_weight=weights))
            )
        return FoldResult(run=run, scores=scores)

    def _fit_stacked_folds(self, kind, X, y, sample_weight, splits, grid):
        """Descend every candidate of every fold at once, and score them.

        For data whose kind stacks the folds (a Dask array): one problem
        holds every fold's candidates, each fold weighing the rows it leaves
        out by zero, so that an iteration is one evaluation (on a Dask
        array, one graph) for the whole search, and X is never split, copied
        or gathered.

        Parameters
        ----------
        kind : DaskData
            The kind of the data.
        X, y, sample_weight : arrays
            All the data, validated.
        splits : list of (ndarray, ndarray)
            The training and test rows of each fold.
        grid : list of (float, float)
            The ``(alpha, C)`` of each candidate.

        Returns
        -------
        folds : list of FoldResult
            Each fold's run and scores, as :meth:`_fit_fold` gives them.
        """
        problem = build_folds_problem(
            kind,
            X,
            y,
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
        runs = [
            run.select(slice(f * n_grid, (f + 1) * n_grid)) for f in range(len(splits))
        ]
        models = [
            [
                None
                if unusable[c]
                else fitted_candidate(
                    self._candidate_params(alpha, C),
                    kind,
                    problem.classes,
                    fold_run,
                    c,
                    X,
                )
                for c, (alpha, C) in enumerate(grid)
            ]
            for fold_run, unusable in ((r, failed(r)) for r in runs)
        ]
        scores = kind.score_folds(
            self,
            X,
            y,
            sample_weight,
            [test for _, test in splits],
            models,
            problem.class_weight,
        )
        return [
            FoldResult(run=fold_run, scores=[float(s) for s in fold_scores])
            for fold_run, fold_scores in zip(runs, scores, strict=True)
        ]

    def _fitted(self, X):
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
    """What one fold of :class:`GDLogisticClassifierCV` gives back.

    Attributes
    ----------
    run : CandidateRun
        Every candidate's run on the training fold.
    scores : list of float
        Every candidate's test-fold score; NaN where it failed (see
        :func:`sklearn_gd._gradient_descent.failed`).
    """

    run: CandidateRun
    scores: list


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
