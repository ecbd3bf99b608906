"""Regenerate the persisted-model fixture. Run only on purpose.

    python -m tests.data.make_fixtures

It writes ``gdlogisticclassifier_iris.skops``: a model fitted with
``FIXTURE_PARAMS`` on the iris data by this version of sklearn-gd, which
``tests/test_persistence.py`` loads and compares with a fresh fit.
"""

from pathlib import Path

import skops.io as sio
from sklearn.datasets import load_iris

import sklearn_gd
from sklearn_gd import GDLogisticClassifier

FIXTURE = Path(__file__).resolve().parent / "gdlogisticclassifier_iris.skops"
FIXTURE_PARAMS = {"C": 1.0, "max_iter": 200, "tol": 0}


def main():
    """Fit and save the fixture model."""
    X, y = load_iris(return_X_y=True)
    model = GDLogisticClassifier(**FIXTURE_PARAMS).fit(X, y)
    sio.dump(model, FIXTURE)
    print(f"wrote {FIXTURE} with sklearn-gd {sklearn_gd.__version__}")


if __name__ == "__main__":
    main()
