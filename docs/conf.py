"""Sphinx configuration of the sklearn-gd documentation.

Build with ``python -m pip install ".[docs]" && python -m sphinx -W -b html
docs docs/_build/html`` from the repository root (warnings are errors; the
gallery's examples are executed).
"""

import os
import sys
import zlib
from pathlib import Path

# Before SciPy is imported: the scaling page's Array API needs it.
os.environ.setdefault("SCIPY_ARRAY_API", "1")
os.environ.setdefault("MPLBACKEND", "Agg")

from sphinx_gallery.sorting import ExplicitOrder  # noqa: E402

import sklearn_gd  # noqa: E402

DOCS = Path(__file__).resolve().parent
sys.path.insert(0, str(DOCS.parent))

project = "sklearn-gd"
author = "the sklearn-gd developers"
copyright = "2026, the sklearn-gd developers"  # noqa: A001
release = version = sklearn_gd.__version__

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.intersphinx",
    "sphinx.ext.mathjax",
    # A copy of MathJax in the built site: formulas render offline and behind
    # proxies (the default loads MathJax from a CDN).
    "sphinx-mathjax-offline",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
]

templates_path = ["_templates"]
exclude_patterns = ["_build", "_intersphinx", "adversarial_inputs.md"]
html_theme = "pydata_sphinx_theme"
html_static_path = ["_static"]
html_css_files = ["custom.css"]
html_title = f"sklearn-gd {release}"
html_theme_options = {
    "navigation_with_keys": False,
    "show_toc_level": 2,
    # Examples are code: they get the width of the "on this page" column.
    "secondary_sidebar_items": {
        page: ["page-toc", "sourcelink"]
        for page in (
            "index",
            "getting_started",
            "user_guide",
            "scaling",
            "api",
            "changelog",
            "generated/*",
        )
    },
    "footer_start": ["copyright"],
    "footer_end": ["sphinx-version"],
}
# Pages without sub-pages need no section navigation: the text gets the width.
html_sidebars = {
    page: []
    for page in ("index", "getting_started", "user_guide", "scaling", "changelog")
}

autosummary_generate = True
autodoc_default_options = {"members": True}
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False

# mathjax renders the .. math:: of the docstrings and the user guide.
mathjax3_config = {"tex": {"inlineMath": [["\\(", "\\)"]]}}

sphinx_gallery_conf = {
    "examples_dirs": str(DOCS.parent / "examples"),
    "gallery_dirs": "auto_examples",
    # Only plot_*.py are executed; the Dask example starts a cluster and is
    # shown on the scaling page instead.
    "filename_pattern": r"/plot_",
    "ignore_pattern": r"scale_out_with_dask\.py",
    # From the first fit to the finer points, as a reader would take them.
    "within_subsection_order": ExplicitOrder(
        [
            "plot_quick_start.py",
            "plot_loop_vs_vectorized.py",
            "plot_choosing_alpha.py",
            "plot_step_rules.py",
            "plot_cross_validation.py",
            "plot_multinomial_decision_regions.py",
            "plot_class_and_sample_weights.py",
            "plot_l1_sparsity.py",
        ]
    ),
    "backreferences_dir": "generated/backreferences",
    "doc_module": ("sklearn_gd",),
    "download_all_examples": False,
    "remove_config_comments": True,
    "abort_on_example_error": True,
    "matplotlib_animations": False,
    # Show what the examples print, not the repr of their last expression.
    "capture_repr": (),
}


def _inventory(name):
    """Build ``objects.inv`` for intersphinx from ``_intersphinx/<name>.txt``.

    CI reaches PyPI only, not docs.python.org, numpy.org or scikit-learn.org,
    so intersphinx cannot download their inventories. Each text file lists the
    targets these pages link to, with their real addresses on those sites, in
    the inventory's own line format; an unknown target still fails the build
    (``nitpicky``).
    """
    lines = (DOCS / "_intersphinx" / f"{name}.txt").read_text().splitlines()
    header, body = lines[:4], [line for line in lines[4:] if line.strip()]
    path = DOCS / "_build" / "intersphinx" / f"{name}.inv"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(
        ("\n".join(header) + "\n").encode()
        + zlib.compress(("\n".join(body) + "\n").encode())
    )
    return str(path)


intersphinx_mapping = {
    "python": ("https://docs.python.org/3", _inventory("python")),
    "numpy": ("https://numpy.org/doc/stable", _inventory("numpy")),
    "sklearn": ("https://scikit-learn.org/stable", _inventory("sklearn")),
}
nitpicky = True
# "fit()" rather than "GDLogisticClassifier.fit()" in the page tables of contents.
toc_object_entries_show_parents = "hide"
