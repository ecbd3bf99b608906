"""Settings that must be in place before SciPy is first imported."""

import os

# scikit-learn's Array API check of a NumPy input is skipped without it.
os.environ.setdefault("SCIPY_ARRAY_API", "1")
