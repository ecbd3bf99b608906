"""Settings that must be in place before SciPy or matplotlib is first imported."""

import os

# scikit-learn's Array API check of a NumPy input is skipped without it.
os.environ.setdefault("SCIPY_ARRAY_API", "1")

# Plots are drawn to files in the tests, never to a screen.
os.environ.setdefault("MPLBACKEND", "Agg")
