"""numba's ``njit`` for the package: a disk cache that can never stop a fit.

Every compiled function of the package is made by :func:`njit`, which takes
numba's options. With ``cache=True`` it is numba's own cache (compiled code
kept on disk, loaded by later processes), with two differences:

- where numba finds no writable place for the cache (a read-only install,
  ``NUMBA_CACHE_DIR`` unset, a user without a writable home), numba refuses to
  define the function (``RuntimeError: cannot cache function ...``); here it
  is compiled in memory for this process instead, with one warning per
  process saying how to set ``NUMBA_CACHE_DIR``;
- a cache file that cannot be read (truncated by a full disk or a killed
  process, corrupted) makes numba's load raise (``EOFError``,
  ``UnpicklingError``) on every later call; here it is a cache miss: the
  function is compiled, and its index is started again, so that the new
  code replaces the file. A cache that cannot be written is skipped;
- loading and saving hold a lock on a file of the cache's directory, shared
  by every process: numba names a new data file from the index it read, so
  two processes saving two signatures of one function at once (tests on
  every core, joblib's workers on a fresh install) both wrote
  ``function.1.nbc`` and left an index whose entry points at the other
  signature's code: a later process loading it crashed (a segmentation
  fault).

This module imports numba: only the modules of compiled code import it.
"""

import contextlib
import functools
import os
import warnings

try:
    import fcntl
except ImportError:  # Windows: no lock
    fcntl = None

import numba
from numba.core.dispatcher import Dispatcher


def njit(function=None, **options):
    """Compile a function with numba, as ``numba.njit`` does.

    Parameters
    ----------
    function : callable, default=None
        The function; None returns a decorator (``@njit(**options)``).
    **options
        numba's options (``cache``, ``fastmath``, ``parallel``, ...).

    Returns
    -------
    dispatcher : numba dispatcher or callable
        numba's dispatcher, whose cache (with ``cache=True``) treats a file it
        cannot read or write as a miss; compiled in memory only where there
        is no writable cache location. Under ``NUMBA_DISABLE_JIT=1``, the
        function itself.

    Examples
    --------
    >>> from sklearn_gd._jit import njit
    >>> @njit(cache=False)
    ... def twice(x):
    ...     return 2 * x
    >>> twice(21)
    42
    """
    if function is None:
        return functools.partial(njit, **options)
    # Reference counting, explicitly: numba compiles a function called from
    # a compiled caller with the caller's setting unless it has its own, and
    # the compiled descent runs without it (sklearn_gd._compiled._run_chunk)
    # while the kernels it calls allocate their blocks.
    options.setdefault("_nrt", True)
    if not options.get("cache"):
        return numba.njit(**options)(function)
    try:
        dispatcher = numba.njit(**options)(function)
    except RuntimeError as exc:
        if "cannot cache" not in str(exc):
            raise
        _warn_no_cache_location(os.path.dirname(function.__code__.co_filename))
        return numba.njit(**{**options, "cache": False})(function)
    if isinstance(dispatcher, Dispatcher):
        dispatcher._cache = _TolerantCache(dispatcher._cache)
    return dispatcher


@functools.cache
def _warn_no_cache_location(directory):
    """Say once per process that the kernels are compiled in memory only."""
    warnings.warn(
        f"numba found no writable place to cache the compiled code of {directory} "
        "(the directory is read-only, and so is the user's cache directory), so "
        "it is compiled in memory for this process: each new process compiles "
        "it again on its first fit (seconds). Set the environment variable "
        "NUMBA_CACHE_DIR to a writable directory before Python starts to keep "
        "it on disk.",
        RuntimeWarning,
        stacklevel=2,
    )


class _TolerantCache:
    """numba's cache of one function, where a file it cannot use is a miss.

    Wraps the ``FunctionCache`` numba gave the dispatcher; the dispatcher
    calls ``load_overload`` before compiling a signature and
    ``save_overload`` after. Everything else is numba's.

    Parameters
    ----------
    cache : numba.core.caching.FunctionCache
        numba's cache of the function.
    """

    def __init__(self, cache):
        self._cache = cache

    def __getattr__(self, name):
        """Everything but loading and saving is numba's cache's."""
        return getattr(self._cache, name)

    def load_overload(self, sig, target_context):
        """Load a signature's compiled code, or None: a miss, to compile.

        A file that cannot be read (truncated, corrupted: an unpickling
        error of any kind) is a miss too; the function's index is then
        started again, so that the code compiled next replaces the file.
        """
        try:
            with self._locked():
                return self._cache.load_overload(sig, target_context)
        except Exception:  # a corrupt pickle raises anything
            try:
                self._cache.flush()  # an empty index, written atomically
            except OSError:  # not writable either: this process compiles
                self._cache.disable()
            return None

    def save_overload(self, sig, data):
        """Save a signature's compiled code, unless the cache cannot be written.

        A full disk, a directory that became read-only or an index another
        process corrupted since it was read leave this process with its
        compiled code (and no cache for the function); a later one compiles
        again.
        """
        try:
            with self._locked():
                self._cache.save_overload(sig, data)
        except Exception:  # OSError, or an index corrupted since
            self._cache.disable()

    @contextlib.contextmanager
    def _locked(self):
        """Hold the cache directory's lock, shared by every process (POSIX)."""
        directory = getattr(self._cache, "cache_path", None)
        if fcntl is None or directory is None:
            yield
            return
        os.makedirs(directory, exist_ok=True)
        with open(os.path.join(directory, "sklearn_gd.lock"), "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)
