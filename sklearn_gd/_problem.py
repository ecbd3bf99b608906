"""From validated data and parameters to a problem the driver can descend.

One builder serves both estimators (scikit-learn's path functions, shared by
``LogisticRegression`` and ``LogisticRegressionCV``, are the model): it
takes the labels encoded once per fit, folds the class weights into the
sample weights, builds the evaluator of Steps 1-3 through the kind of
data, makes the penalty, turns ``alpha='auto'`` into a step, and stacks the
starting points of every candidate (a candidate is an ``(alpha, C)`` pair:
a single fit has one).
"""

from dataclasses import dataclass

import numpy as np
from sklearn.utils.class_weight import compute_class_weight

from sklearn_gd._gradient_descent import descend_candidates
from sklearn_gd._loss import ElasticNet, Evaluator, join_params


@dataclass
class Problem:
    """Everything gradient descent needs, for a stack of candidates.

    Attributes
    ----------
    evaluator : Evaluator
        Steps 1-3 for this data.
    penalty : ElasticNet
        The penalty of every candidate.
    alphas : ndarray of shape (n_candidates,)
        The step size of every candidate (``'auto'`` resolved).
    start : ndarray of shape (n_candidates, n_outputs, n_dof)
        The starting parameters of every candidate.
    classes : ndarray of shape (n_classes,)
        The sorted class labels.
    class_weight : ndarray of shape (n_classes,)
        The factor that multiplied the sample weights of each class (ones
        without ``class_weight``).
    adaptive : ndarray of shape (n_candidates,)
        Which candidates adapt their step (``alpha='adaptive'``), starting
        from ``alphas``.
    data_curvature : float or None, default=None
        The bound of the data term's curvature (the evaluator's Lipschitz
        constant without the penalty), where a step rule needed it.
    """

    evaluator: Evaluator
    penalty: ElasticNet
    alphas: np.ndarray
    start: np.ndarray
    classes: np.ndarray
    class_weight: np.ndarray
    adaptive: np.ndarray
    data_curvature: float = None

    def penalty_bounds_the_step(self, c):
        """Tell whether candidate ``c``'s L2 term, not its data, bounds its step.

        Then one step size serves weights whose curvature is at least the
        L2 factor and an unpenalised intercept whose curvature is at most the
        data's: the intercept moves by a small fraction of its distance to
        the optimum per iteration (``C=1e-6``: -0.52 after 1,000 iterations,
        the optimum -0.98).

        Parameters
        ----------
        c : int
            The candidate.

        Returns
        -------
        bounded : bool
            True when an intercept is fitted and the L2 factor exceeds the
            data's curvature bound (known for 'auto' and 'adaptive' only).
        """
        return bool(
            self.evaluator.fit_intercept
            and self.data_curvature is not None
            and self.penalty.l2_reg[c] > self.data_curvature
        )

    def data_term(self, stack, running):
        """Return the data term of J of candidates ``running`` and its gradient."""
        return self.evaluator(stack)

    def descend(
        self,
        *,
        max_iter,
        tol,
        momentum=0.0,
        nesterov=True,
        verbose=0,
        callback=None,
    ):
        """Run gradient descent on every candidate; see :func:`descend_candidates`.

        Parameters
        ----------
        max_iter : int
            Maximum number of iterations.
        tol : float
            Stopping tolerance on the largest gradient (mapping) component.
        momentum : float, default=0.0
            Momentum of every candidate.
        nesterov : bool, default=True
            Nesterov's momentum rather than the heavy ball.
        verbose : int, default=0
            Progress lines.
        callback : callable, default=None
            ``callback(k, stack) -> bool``, after each update.

        Returns
        -------
        run : CandidateRun
            How every candidate ended.
        """
        return descend_candidates(
            self.data_term,
            self.start,
            alphas=self.alphas,
            max_iter=max_iter,
            tol=tol,
            penalty=self.penalty,
            adaptive=self.adaptive,
            momentum=momentum,
            nesterov=nesterov,
            verbose=verbose,
            callback=callback,
            engine=self.evaluator.engine(),
        )


@dataclass
class FoldsProblem(Problem):
    """The problems of several training folds, stacked into one.

    Candidate ``f * n_grid + c`` is candidate ``c`` of the grid on fold
    ``f``: one evaluation serves every candidate of every fold (on a Dask
    array, one graph per iteration for the whole search).

    Attributes
    ----------
    folds : ndarray of shape (n_candidates,)
        The training fold of each candidate.
    class_weight : ndarray of shape (n_folds, n_classes)
        The factors of the classes on each training fold.
    """

    folds: np.ndarray = None

    def data_term(self, stack, running):
        """Return J's data term of candidates ``running``, each on its fold."""
        return self.evaluator(stack, self.folds[running])


def build_folds_problem(
    kind,
    X,
    classes,
    y_index,
    sample_weight,
    trains,
    *,
    alphas,
    Cs,
    l1_ratio,
    fit_intercept,
    class_weight,
):
    """Stack the problems of a grid of candidates on every training fold.

    Each candidate's problem is the one :func:`build_problem` makes on its
    training rows; the data are not split: each fold weighs the rows it
    leaves out by zero (see :meth:`sklearn_gd._dask.DaskData.folds_evaluator`).

    Parameters
    ----------
    kind : DaskData
        The kind of the data, one whose ``stacks_folds`` is true.
    X : array of shape (n_samples, n_features)
        All the training data, validated.
    classes : ndarray of shape (n_classes,)
        The sorted class labels (:meth:`DataKind.encode_labels`).
    y_index : array of shape (n_samples,)
        Each example's index into ``classes``.
    sample_weight : array of shape (n_samples,)
        Validated weights of the examples.
    trains : list of ndarray of int
        The training rows of each fold.
    alphas, Cs : list of float
        The learning rate and the inverse regularisation strength of each
        candidate of the grid.
    l1_ratio, fit_intercept, class_weight
        As for :func:`build_problem`.

    Returns
    -------
    problem : FoldsProblem
        ``len(trains) * len(alphas)`` candidates, fold by fold.

    Raises
    ------
    ValueError
        If a training fold lacks a class, or its weights sum to zero.
    """
    labels = kind.to_numpy(y_index)  # one small integer per example, once
    weights = kind.to_numpy(sample_weight)
    factors = []
    for fold, train in enumerate(trains):
        present = np.bincount(labels[train], minlength=len(classes)) > 0
        if not present.all():
            missing = classes[~present].tolist()[0]
            raise ValueError(
                f"Training fold {fold} has no example of class {missing!r}: a "
                "search on a Dask array needs every class in every training "
                "fold. Use stratified folds (cv=int does) or fewer folds."
            )
        factors.append(
            _class_factors(
                class_weight,
                classes,
                lambda t=train: np.bincount(
                    labels[t], weights=weights[t], minlength=len(classes)
                ),
            )
        )
    factors = np.array(factors)
    evaluator = kind.folds_evaluator(
        X, y_index, sample_weight, trains, factors, len(classes), fit_intercept
    )
    for fold, weight_sum in enumerate(evaluator.weight_sums):
        _check_weight_sum(weight_sum, evaluator.dtype, f" of training fold {fold}")
    penalties = [
        ElasticNet.from_C(Cs, l1_ratio, weight_sum, fit_intercept)
        for weight_sum in evaluator.weight_sums
    ]
    n_dof = evaluator.n_features + int(fit_intercept)
    n_candidates = len(trains) * len(alphas)
    return FoldsProblem(
        evaluator=evaluator,
        penalty=ElasticNet(
            np.concatenate([p.l2_reg for p in penalties]),
            np.concatenate([p.l1_reg for p in penalties]),
            fit_intercept,
        ),
        alphas=np.tile(np.asarray(alphas, dtype=float), len(trains)),
        start=np.zeros((n_candidates, evaluator.n_outputs, n_dof), evaluator.dtype),
        classes=classes,
        class_weight=factors,
        adaptive=np.zeros(n_candidates, dtype=bool),
        folds=np.repeat(np.arange(len(trains)), len(alphas)),
    )


def build_problem(
    kind,
    X,
    classes,
    y_index,
    sample_weight,
    *,
    alphas,
    Cs,
    l1_ratio,
    fit_intercept,
    class_weight,
    solver,
    previous=None,
):
    """Build the problem of one or more candidates on validated data.

    Parameters
    ----------
    kind : InMemoryData, NamespaceData or DaskData
        The kind of the data (:func:`sklearn_gd._kinds.data_kind`).
    X : array of shape (n_samples, n_features)
        Validated training data.
    classes : ndarray of shape (n_classes,)
        The sorted class labels, encoded once per fit
        (:meth:`DataKind.encode_labels`; a fold's with :func:`fold_labels`).
    y_index : array of shape (n_samples,)
        Each example's index into ``classes``.
    sample_weight : array of shape (n_samples,)
        Validated weights of the examples.
    alphas : list of (float, 'auto' or 'adaptive')
        The learning rate of each candidate; ``'adaptive'`` starts from the
        ``'auto'`` step and adapts it.
    Cs : list of float
        The inverse regularisation strength of each candidate.
    l1_ratio : float
        Elastic-net mixing.
    fit_intercept : bool
        Whether an intercept is fitted.
    class_weight : dict, 'balanced' or None
        Weights of the classes.
    solver : {'vectorized', 'loop'}
        Which evaluator, for data in memory.
    previous : tuple of (classes, coef, intercept), default=None
        A previous fit to start from (``warm_start``), NumPy arrays.

    Returns
    -------
    problem : Problem
        The problem.

    Raises
    ------
    ValueError
        If the weights sum to zero, if ``'auto'`` cannot bound the curvature,
        or if ``previous`` does not fit the data.
    """
    sample_weight, factors = _weigh(kind, y_index, classes, sample_weight, class_weight)
    evaluator = kind.evaluator(
        X, y_index, sample_weight, len(classes), fit_intercept, solver
    )
    scale = _subnormal_scale(evaluator.weight_sum, evaluator.dtype)
    if scale != 1.0:
        # J is a ratio of sums of s_i: the same for s_i * scale, and exact in
        # normal numbers where subnormal ones keep a few digits.
        sample_weight = kind.finish(sample_weight * sample_weight.dtype.type(scale))
        evaluator = kind.evaluator(
            X, y_index, sample_weight, len(classes), fit_intercept, solver
        )
    weight_sum = evaluator.weight_sum / scale
    _check_weight_sum(weight_sum, evaluator.dtype)
    penalty = ElasticNet.from_C(Cs, l1_ratio, weight_sum, fit_intercept)
    _check_penalty(penalty, Cs, weight_sum)
    start = _start(evaluator, classes, previous)
    steps, data_curvature = _steps(alphas, evaluator, penalty)
    return Problem(
        evaluator=evaluator,
        penalty=penalty,
        alphas=steps,
        data_curvature=data_curvature,
        start=np.repeat(start[None], len(alphas), axis=0),
        classes=classes,
        class_weight=factors,
        adaptive=np.array([isinstance(a, str) and a == "adaptive" for a in alphas]),
    )


def fold_labels(classes, y_index):
    """Return the classes a training fold holds and its examples' indices into them.

    A fold is fitted on the classes it holds, as ``GridSearchCV`` fits it
    on its rows: the labels encoded once for all the data are re-indexed,
    not encoded again.

    Parameters
    ----------
    classes : ndarray of shape (n_classes,)
        The sorted classes of all the data.
    y_index : ndarray of shape (n_samples,)
        The fold's examples' indices into ``classes``.

    Returns
    -------
    fold_classes : ndarray of shape (n_fold_classes,)
        The classes present in the fold, sorted.
    fold_index : ndarray of shape (n_samples,)
        Each example's index into ``fold_classes``.

    Raises
    ------
    ValueError
        If the fold holds fewer than two classes.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_gd._problem import fold_labels
    >>> fold_labels(np.array(["a", "b", "c"]), np.array([2, 0, 2]))
    (array(['a', 'c'], dtype='<U1'), array([1, 0, 1]))
    """
    present = np.bincount(y_index, minlength=len(classes)) > 0
    if present.all():
        return classes, y_index
    if present.sum() < 2:
        held = f"only one class: {classes[present][0]!r}" if present.any() else "none"
        raise ValueError(
            "This solver needs samples of at least 2 classes in the data, but "
            f"the data contains {held}."
        )
    return classes[present], (np.cumsum(present) - 1)[y_index]


def _subnormal_scale(weight_sum, dtype):
    """Return the power of two that makes subnormal weights normal, or 1.

    The weights of a sum below the smallest normal number are all subnormal;
    times ``2**-minexp`` (2**1022 in float64) the sum stays below 1 and the
    smallest subnormal becomes ``2**-52``: every weight is normal, exactly.
    """
    finfo = np.finfo(dtype)
    if not 0.0 < weight_sum < finfo.tiny:
        return 1.0
    return 2.0**-finfo.minexp


def _check_weight_sum(weight_sum, dtype, where=""):
    """Refuse a sum of weights that is zero or beyond the dtype, saying which.

    Parameters
    ----------
    weight_sum : float
        ``sum_i s_i``, the class weights multiplied in.
    dtype : dtype
        The weights' floating-point type.
    where : str, default=""
        Where the weights are, e.g. " of training fold 2".

    Raises
    ------
    ValueError
        If the sum is zero (no example counts) or not finite (the weights
        are non-negative and finite, so their sum overflowed).
    """
    if weight_sum == 0:
        raise ValueError(
            f"The sample weights (times the class weights){where} sum to zero: "
            "at least one example needs a positive weight."
        )
    if not np.isfinite(weight_sum):
        raise ValueError(
            f"The sample weights (times the class weights){where} sum to "
            f"{weight_sum}, beyond {np.dtype(dtype).name}: divide them by a "
            "constant k and multiply C by k, which is the same model."
        )


def _check_penalty(penalty, Cs, weight_sum):
    """Refuse a penalty whose factor ``1 / (C * sum_i s_i)`` overflows."""
    factors = penalty.l2_reg + penalty.l1_reg
    if np.all(np.isfinite(factors)):
        return
    C = np.asarray(Cs, dtype=float)[~np.isfinite(factors)][0]
    raise ValueError(
        f"The sample weights (times the class weights) sum to {weight_sum:.3g}: "
        f"with C={C:g} the penalty's factor 1 / (C * sum of the weights) "
        "overflows float64. Multiply the weights by a constant k and divide C "
        "by k, which is the same model."
    )


def check_class_weight(class_weight):
    """Refuse a ``class_weight`` dict with a weight that is not a finite number >= 0.

    Parameters
    ----------
    class_weight : dict, 'balanced' or None
        Weights of the classes; only a dict is checked (the others are
        computed from the data).

    Raises
    ------
    ValueError
        Naming the first class whose weight is negative, NaN, infinite or
        not a number, and the weight.

    Examples
    --------
    >>> from sklearn_gd._problem import check_class_weight
    >>> check_class_weight({0: 1.0, 1: 2})
    >>> check_class_weight({"cat": -0.5, "dog": 1.0})
    Traceback (most recent call last):
    ...
    ValueError: class_weight gives class 'cat' the weight -0.5: class weights ...
    """
    if not isinstance(class_weight, dict):
        return
    for label, weight in class_weight.items():
        try:
            valid = bool(np.isfinite(weight) and weight >= 0)
        except TypeError:
            valid = False
        if not valid:
            raise ValueError(
                f"class_weight gives class {label!r} the weight {weight!r}: class "
                "weights must be finite and non-negative, as sample weights are."
            )


def _weigh(kind, y_index, classes, sample_weight, class_weight):
    """Fold the class weights into the sample weights.

    Returns the new sample weights and the factor of each class.
    """
    factors = _class_factors(
        class_weight,
        classes,
        lambda: kind.class_counts(y_index, sample_weight, len(classes)),
    )
    if class_weight is not None:
        factors = factors.astype(sample_weight.dtype)
        sample_weight = kind.finish(sample_weight * kind.per_example(factors, y_index))
    return sample_weight, factors


def _class_factors(class_weight, classes, counts):
    """Return the factor of each class; ``counts()`` its weighted count."""
    check_class_weight(class_weight)
    if class_weight == "balanced":
        # scikit-learn's n_samples / (n_classes * count), with the counts
        # weighted, as LogisticRegression does from scikit-learn 1.9 on.
        counts = counts()
        return np.divide(
            counts.sum(),
            len(classes) * counts,
            out=np.zeros_like(counts, dtype=float),
            where=counts > 0,
        )
    if class_weight is None:  # what compute_class_weight returns, without its checks
        return np.ones(len(classes))
    # y only serves to check the labels: the classes stand in for it.
    return compute_class_weight(class_weight, classes=classes, y=classes)


def _steps(alphas, evaluator, penalty):
    """Return each candidate's (first) step: alpha, or ``1 / L`` for a string.

    ``'auto'`` takes the rigorous bound (:meth:`Evaluator.lipschitz_constant`),
    ``'adaptive'`` its estimate (:meth:`Evaluator.curvature_estimate`: the
    same bound up to a few thousand examples, the bound on a sample of rows
    beyond), which its backtracking corrects. Also returns the data term's
    curvature bound (or estimate, where no candidate is ``'auto'``), or None
    where no rule needed it.
    """
    alphas = np.asarray(alphas, dtype=object)
    rules = {
        rule: np.array([isinstance(a, str) and a == rule for a in alphas], dtype=bool)
        for rule in ("auto", "adaptive")
    }
    steps = np.array([1.0 if isinstance(a, str) else float(a) for a in alphas])
    data_curvature = None
    for rule, bound in (
        ("adaptive", evaluator.curvature_estimate),
        ("auto", lambda: evaluator.lipschitz_constant(0.0)),
    ):
        if not rules[rule].any():
            continue
        lipschitz = data_curvature = bound()
        if not np.isfinite(lipschitz):
            # The bound is formed in float64 for NumPy data, in X's dtype on
            # an Array API device: the type named is the one that overflowed.
            named = " and ".join(
                f"alpha={name!r}" for name in sorted(r for r in rules if rules[r].any())
            )
            raise ValueError(
                f"{named} cannot bound the curvature of the cost, where the step "
                "starts: the squares of X's values overflow "
                f"{np.dtype(evaluator.dtype).name}. Scale X, e.g. with "
                "StandardScaler in a Pipeline, or pass a float alpha."
            )
        lipschitz = lipschitz + penalty.l2_reg
        # L = 0 only when the gradient is zero everywhere: any step will do.
        rule_steps = np.divide(
            1.0, lipschitz, out=np.ones_like(lipschitz), where=lipschitz > 0
        )
        steps = np.where(rules[rule], rule_steps, steps)
    return steps, data_curvature


def _start(evaluator, classes, previous):
    """Zeros, as in the textbook, or the parameters of a previous fit."""
    n_dof = evaluator.n_features + int(evaluator.fit_intercept)
    start = np.zeros((evaluator.n_outputs, n_dof), evaluator.dtype)
    if previous is None:
        return start
    old_classes, coef, intercept = previous
    if not (
        np.array_equal(old_classes, classes)
        and coef.shape == (evaluator.n_outputs, evaluator.n_features)
    ):
        raise ValueError(
            "warm_start=True needs the classes and number of features of "
            f"the previous fit ({old_classes!r}, {coef.shape[1]} features); got "
            f"{classes!r} and {evaluator.n_features} features. Set "
            "warm_start=False to start from zero."
        )
    start[...] = join_params(coef, intercept, evaluator.fit_intercept)
    return start


def example_weights(classes, factors, y, sample_weight, class_weight):
    """Weigh examples as a training fold weighed their classes.

    Parameters
    ----------
    classes : ndarray of shape (n_classes,)
        The sorted classes of the training data (a problem's ``classes``).
    factors : ndarray of shape (n_classes,)
        The factor of each of them (a problem's ``class_weight``).
    y : ndarray of shape (n_samples,)
        Labels of other examples (a test fold), NumPy.
    sample_weight : ndarray of shape (n_samples,)
        Their sample weights.
    class_weight : dict, 'balanced' or None
        The class weights the training data were weighed with.

    Returns
    -------
    weights : ndarray of shape (n_samples,)
        Each sample weight times the training factor of its class, float64
        (the factors rounded to the weights' dtype first, as the training
        weights were). A label the training data did not have gets its
        weight from a dict ``class_weight``, and keeps its sample weight
        otherwise.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_gd._problem import example_weights
    >>> classes, factors = np.array([0, 1]), np.array([2.0, 0.5])
    >>> example_weights(classes, factors, np.array([1, 0, 7]), np.ones(3), "balanced")
    array([0.5, 2. , 1. ])
    >>> example_weights(classes, factors, np.array([1, 0, 7]), np.ones(3), {7: 3.0})
    array([0.5, 2. , 3. ])
    """
    factors = np.asarray(factors).astype(sample_weight.dtype).astype(float)
    index = np.minimum(np.searchsorted(classes, y), len(classes) - 1)
    known = classes[index] == y
    unseen = np.ones(len(y))
    if isinstance(class_weight, dict):
        unseen = np.array([class_weight.get(label, 1.0) for label in y.tolist()])
    return sample_weight.astype(float) * np.where(known, factors[index], unseen)
