"""numba's disk cache never stops a fit: unwritable, truncated, corrupted."""

import importlib
import importlib.util
import json
import os
import pkgutil
import pwd
import shutil
import subprocess
import sys
import tempfile
import warnings
from pathlib import Path

import numba
import pytest
from numba.core import caching
from numba.core.dispatcher import Dispatcher

import sklearn_gd
from sklearn_gd import _jit

PACKAGE = Path(sklearn_gd.__file__).parent

# A fit of every kind of data, and every entry kernel on one and two threads
# (the serial and the parallel ones); prints the results and, per compiled
# function, how many signatures it compiled rather than loaded.
FIT_EVERY_KERNEL = """
import json, warnings
import numpy as np
from numba.core.dispatcher import Dispatcher
from scipy import sparse
import sklearn_gd

with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    # The kernels are defined here: where numba cannot cache, it says so here.
    from sklearn_gd import GDLogisticClassifier, _kernels

    rng = np.random.default_rng(0)
    X = rng.normal(size=(64, 3))
    y = rng.integers(3, size=64)
    results = []
    for data in (X, sparse.csr_matrix(X)):
        for n_classes in (2, 3):
            target = y % n_classes
            model = GDLogisticClassifier(max_iter=5, tol=0).fit(data, target)
            results.append(model.coef_.tolist())
        for n_threads in (1, 2):
            sums = _kernels.sums(
                data, y % 2, np.ones(64), np.ones((1, 3)), np.zeros(1), 1, 8, n_threads
            )
            results.append([part.tolist() for part in sums])
compiled = {
    name: sum(function.stats.cache_misses.values())
    for name, function in vars(_kernels).items()
    if isinstance(function, Dispatcher)
}
print(json.dumps({
    "package": sklearn_gd.__file__,
    "results": results,
    "compiled": compiled,
    "warnings": [str(w.message) for w in caught],
}))
"""


def _run(code, env, prefix=(), **options):
    """Run ``code`` in a fresh Python with only ``env``; return its JSON line."""
    done = subprocess.run(
        [*prefix, sys.executable, "-c", code],
        env={"PATH": os.environ.get("PATH", "/usr/bin:/bin"), **env},
        capture_output=True,
        text=True,
        check=False,
        **options,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.splitlines()[-1])


def _no_cache_warnings(report):
    return [m for m in report["warnings"] if "NUMBA_CACHE_DIR" in m]


@pytest.fixture
def read_only_install():
    """A copy of the package and a home directory that nobody can write."""
    root = Path(tempfile.mkdtemp())
    try:
        root.chmod(0o755)  # all can read it
        copy = root / "sklearn_gd"
        shutil.copytree(PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__"))
        (root / "home").mkdir()
        for path in [copy, *copy.rglob("*"), root / "home"]:
            path.chmod(0o555 if path.is_dir() else 0o444)
        yield root
    finally:
        shutil.rmtree(root)


def _files(directory):
    return sorted(str(p.relative_to(directory)) for p in directory.rglob("*"))


def _unprivileged(env):
    """Return how to run Python unprivileged, and a directory owner for it.

    The user ``nobody``, where it can run this interpreter; otherwise (an
    interpreter under root's home, say) root without any capability, which
    can write only where the owner's bits allow (``setpriv``). Skips where
    neither is possible: not root, or no ``setpriv``.
    """
    if os.geteuid() != 0:
        pytest.skip("running a process without privileges needs root (CI is root)")
    try:
        nobody = pwd.getpwnam("nobody")
    except KeyError:
        nobody = None
    if nobody is not None:
        options = {"user": nobody.pw_uid, "group": nobody.pw_gid, "extra_groups": []}
        try:
            probe = subprocess.run(
                [sys.executable, "-c", "import numba"],
                env=env,
                capture_output=True,
                check=False,
                **options,
            ).returncode
        except PermissionError:  # the interpreter is out of its reach
            probe = None
        if probe == 0:
            return [], options, (nobody.pw_uid, nobody.pw_gid)
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        pytest.skip("user 'nobody' cannot run this Python and there is no setpriv")
    return [setpriv, "--bounding-set=-all", "--inh-caps=-all"], {}, (0, 0)


def test_fit_as_an_unprivileged_user_with_a_read_only_install_and_no_home(
    read_only_install,
):
    # numba found no place for its cache and refused to define the kernels:
    # "RuntimeError: cannot cache function '_prefetch_ahead': no locator".
    env = {
        "HOME": str(read_only_install / "home"),
        "PYTHONPATH": str(read_only_install),
    }
    prefix, options, owner = _unprivileged(env)
    options = {**options, "cwd": read_only_install, "prefix": prefix}
    before = _files(read_only_install)

    report = _run(FIT_EVERY_KERNEL, env, **options)
    assert report["package"].startswith(str(read_only_install))
    (warning,) = _no_cache_warnings(report)  # one, for all the kernels
    assert "compiled in memory for this process" in warning
    assert _files(read_only_install) == before  # nothing written

    # What the warning says to do: a cache directory the user can write.
    cache = Path(tempfile.mkdtemp())
    try:
        os.chown(cache, *owner)
        moved = _run(
            FIT_EVERY_KERNEL, {**env, "NUMBA_CACHE_DIR": str(cache)}, **options
        )
        assert not moved["warnings"]
        assert moved["results"] == report["results"]
        assert any(name.endswith(".nbi") for name in _files(cache))
    finally:
        shutil.rmtree(cache)


def _truncate(paths):
    for path in paths:
        path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])


def test_fits_after_truncating_every_kernels_cache_files(tmp_path):
    # A truncated index (.nbi) or data file (.nbc) made every later fit fail
    # with EOFError or UnpicklingError until the file was deleted.
    env = {"NUMBA_CACHE_DIR": str(tmp_path), "PYTHONPATH": str(PACKAGE.parent)}
    first = _run(FIT_EVERY_KERNEL, env)
    assert sum(first["compiled"].values()) >= 10  # inlined ones compile in others
    indices, data = sorted(tmp_path.rglob("*.nbi")), sorted(tmp_path.rglob("*.nbc"))
    assert len(indices) >= len(first["compiled"]) - 1 and data
    for files in (indices, data):
        _truncate(files)
        again = _run(FIT_EVERY_KERNEL, env)
        assert again["results"] == first["results"]
        assert not again["warnings"]
    # The truncated files were replaced: a new process loads every function.
    loaded = _run(FIT_EVERY_KERNEL, env)
    assert loaded["results"] == first["results"]
    assert not any(loaded["compiled"].values())


# --- the mechanism, on a small function, in this process -------------------

SMALL = """
from sklearn_gd._jit import njit

@njit(cache=True)
def add_one(x):
    return x + 1.0
"""


@pytest.fixture(autouse=True)
def cache_beside_the_source(monkeypatch):
    """The small modules' caches go beside them, whatever NUMBA_CACHE_DIR says."""
    monkeypatch.setattr(numba.config, "CACHE_DIR", "")


def _small_module(directory, name):
    """Import a fresh copy of a module with one cached function."""
    path = directory / "small_kernels.py"
    if not path.exists():
        path.write_text(SMALL)
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.add_one


@pytest.mark.parametrize("suffix", [".nbi", ".nbc"])
@pytest.mark.parametrize("damage", ["truncated", "empty", "garbage"])
def test_an_unreadable_cache_file_is_a_miss_and_is_replaced(tmp_path, suffix, damage):
    add_one = _small_module(tmp_path, "first")
    assert add_one(1.0) == 2.0
    (path,) = (tmp_path / "__pycache__").glob(f"*{suffix}")
    content = path.read_bytes()
    path.write_bytes(
        {"truncated": content[: len(content) // 2], "empty": b""}.get(
            damage, b"\x80\x05not a pickle" + bytes(range(256))
        )
    )
    damaged = _small_module(tmp_path, "second")
    assert damaged(2.0) == 3.0
    assert sum(damaged.stats.cache_misses.values()) == 1
    reloaded = _small_module(tmp_path, "third")
    assert reloaded(3.0) == 4.0
    assert sum(reloaded.stats.cache_hits.values()) == 1  # the file was replaced


def test_a_cache_that_cannot_be_written_is_skipped(tmp_path, monkeypatch):
    assert _small_module(tmp_path, "saved")(1.0) == 2.0

    def full_disk(self, *args):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(caching.IndexDataCacheFile, "save", full_disk)
    monkeypatch.setattr(caching.IndexDataCacheFile, "_save_index", full_disk)
    (path,) = (tmp_path / "__pycache__").glob("*.nbi")
    path.write_bytes(b"")  # unreadable, and the empty index cannot be written
    add_one = _small_module(tmp_path, "unreadable")
    assert add_one(5.0) == 6.0
    assert add_one(5) == 6.0  # another signature: not saved, no error
    fresh = tmp_path / "fresh"
    fresh.mkdir()
    assert _small_module(fresh, "unsaved")(1.0) == 2.0  # a save that fails


def test_no_cache_location_compiles_in_memory_with_one_warning(tmp_path, monkeypatch):
    # numba's list of the places it may cache in (on _CacheImpl in older
    # releases).
    impl = getattr(caching, "CacheImpl", None) or caching._CacheImpl
    monkeypatch.setattr(impl, "_locator_classes", [])
    _jit._warn_no_cache_location.cache_clear()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        functions = [_small_module(tmp_path, f"copy{i}") for i in range(2)]
    assert [f(1.0) for f in functions] == [2.0, 2.0]
    (warning,) = caught
    assert warning.category is RuntimeWarning
    assert "Set the environment variable NUMBA_CACHE_DIR" in str(warning.message)
    assert not (tmp_path / "__pycache__").exists() or not list(
        (tmp_path / "__pycache__").glob("*.nb*")
    )


def test_other_errors_of_numba_are_not_hidden(monkeypatch):
    def broken(**options):
        def decorate(function):
            raise RuntimeError("something else")

        return decorate

    monkeypatch.setattr(numba, "njit", broken)
    with pytest.raises(RuntimeError, match="something else"):
        _jit.njit(cache=True)(lambda x: x)


def test_every_compiled_function_of_the_package_has_the_tolerant_cache():
    # A function compiled with numba.njit directly would escape the mechanism.
    compiled = []
    for info in pkgutil.iter_modules(sklearn_gd.__path__, "sklearn_gd."):
        module = importlib.import_module(info.name)
        for value in vars(module).values():
            if isinstance(value, Dispatcher) and value.py_func.__module__ == info.name:
                compiled.append(value)
                if value._cache.__class__.__name__ != "NullCache":
                    assert isinstance(value._cache, _jit._TolerantCache), value
    assert len(compiled) > 10
