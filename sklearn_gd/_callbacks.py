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
    model_at : callable
        ``model_at(params) -> dict`` of the fitted attributes (``classes_``,
        ``coef_``, ``intercept_``) at ``params``, so that the state passed to
        callbacks can predict.
    """

    def __init__(self, context, estimator, X, y, metadata, params, model_at):
        self._context = context
        self._hook_args = {"estimator": estimator, "X": X, "y": y, "metadata": metadata}
        self._model_at = model_at
        self._k = 0
        self._task = self._begin(params)

    def _attributes(self, params):
        """Return the fitted attributes at ``params``, computed only if asked for."""
        return lambda: self._model_at(params)

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
