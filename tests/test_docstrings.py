"""numpydoc's validation of the public API and of the two contracts.

As scikit-learn's ``sklearn/tests/test_docstrings.py`` does it: every public
class and its public methods, and the interfaces every kind of data
(``DataKind``) and every way of computing Steps 1-3 (``Evaluator``) honour,
whose parameters are the contract.
"""

import inspect

import pytest
from numpydoc.validate import validate

import sklearn_gd
from sklearn_gd import _data, _loss

CONTRACTS = [(_data, "DataKind"), (_loss, "Evaluator")]


def _names():
    for module, classes in [(sklearn_gd, sklearn_gd.__all__), *CONTRACTS]:
        for name in [classes] if isinstance(classes, str) else classes:
            obj = getattr(module, name)
            if not inspect.isclass(obj):
                continue
            yield f"{module.__name__}.{name}", None
            for method, member in vars(obj).items():
                public = not method.startswith("_") or method == "__call__"
                if public and inspect.isfunction(member):
                    yield f"{module.__name__}.{name}.{method}", method


def _errors(name, method):
    """numpydoc's errors for ``name``, filtered as scikit-learn filters them."""
    for code, message in validate(name)["errors"]:
        # RT02: a Returns line may name what it returns; GL01, GL02: the
        # placement of the summary and of blank lines.
        if code in ("RT02", "GL01", "GL02"):
            continue
        # An extended summary, See Also and Examples: asked of classes only.
        if method is not None and code in ("ES01", "SA01", "EX01"):
            continue
        yield code, message


NAMES = list(_names())


def test_the_validation_sees_the_contracts_methods():
    names = {name for name, _ in NAMES}
    assert "sklearn_gd.GDLogisticClassifier.fit" in names
    assert "sklearn_gd._data.DataKind.evaluator" in names
    assert "sklearn_gd._loss.Evaluator.__call__" in names


@pytest.mark.parametrize("name, method", NAMES, ids=[name for name, _ in NAMES])
def test_docstring_follows_numpydoc(name, method):
    errors = list(_errors(name, method))
    assert not errors, "\n".join(f"{code}: {message}" for code, message in errors)
