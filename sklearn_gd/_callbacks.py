"""scikit-learn's callback API (``sklearn.callback``, new in 1.9) for the fits.

Each gradient-descent iteration is a subtask of the fit task, so that
``clf.set_callbacks(ProgressBar())`` shows a bar over iterations and callbacks
set on a Pipeline or a GridSearchCV reach the classifier. On scikit-learn
before 1.9 there are no callbacks and the estimator works as before.
"""

try:  # scikit-learn >= 1.9
    from sklearn.callback import CallbackSupportMixin
except ImportError:  # pragma: no cover - exercised on scikit-learn < 1.9 only

    class CallbackSupportMixin:
        """Stand-in for scikit-learn < 1.9, which has no callbacks."""

        def _init_callback_context(self, **kwargs):
            return _NoContext()

    class _NoContext:
        """A callback context with no callbacks: every hook does nothing."""

        def subcontext(self, **kwargs):
            return self

        def call_on_fit_task_begin(self, **kwargs):
            return self

        def call_on_fit_task_end(self, **kwargs):
            return False


class IterationCallbacks:
    """Report each gradient-descent iteration to scikit-learn's callbacks.

    The driver calls the object after every update; it ends the subtask of
    the iteration that just ran and begins the next one, whose state is the
    updated parameters (the pattern of scikit-learn's own L-BFGS bridge).
    :meth:`close` ends the last subtask, which never ran.

    Parameters
    ----------
    context : CallbackContext
        The fit task's context.
    estimator : estimator instance
        The estimator being fitted.
    X, y : arrays
        The training data.
    metadata : dict
        Training metadata (sample weights).
    params : ndarray of shape (n_outputs, n_features + fit_intercept)
        The starting parameters.
    classes : ndarray of shape (n_classes,)
        The class labels, so that the state passed to callbacks can predict.
    fit_intercept : bool
        Whether the last column of the parameters is the intercept.
    """

    def __init__(
        self, context, estimator, X, y, metadata, params, classes, fit_intercept
    ):
        self._context = context
        self._hook_args = {"estimator": estimator, "X": X, "y": y, "metadata": metadata}
        self._classes = classes
        self._fit_intercept = fit_intercept
        self._k = 0
        self._task = self._begin(params)

    def _attributes(self, params):
        """Return a lazy dict of the fitted attributes at ``params``."""
        fit_intercept, classes = self._fit_intercept, self._classes

        def attributes():
            n_features = params.shape[1] - int(fit_intercept)
            intercept = params[:, n_features] if fit_intercept else 0.0 * params[:, 0]
            return {
                "classes_": classes,
                "coef_": params[:, :n_features].copy(),
                "intercept_": intercept.copy(),
            }

        return attributes

    def _begin(self, params):
        task = self._context.subcontext(task_name=f"iteration {self._k}")
        task.call_on_fit_task_begin(
            **self._hook_args, reconstruction_attributes=self._attributes(params)
        )
        return task

    def __call__(self, k, params):
        """End iteration ``k`` at the updated ``params``; True asks to stop."""
        stop = self._task.call_on_fit_task_end(
            **self._hook_args, reconstruction_attributes=self._attributes(params)
        )
        self._k = k + 1
        self._task = self._begin(params)
        return bool(stop)

    def close(self):
        """End the subtask begun for an iteration that did not run."""
        self._task.call_on_fit_task_end(estimator=self._hook_args["estimator"])
