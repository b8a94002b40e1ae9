"""Sphinx configuration of the skgauss documentation.

Build (from the repository root, after ``pip install -e ".[docs]"``)::

    sphinx-build -W -b html docs docs/_build/html

The gallery (``examples/``) is rendered without running the examples: their
code, text and the commands to run them are shown, not their output. Set
``SKGAUSS_DOCS_RUN_EXAMPLES=1`` to run them (minutes on a CPU).
"""

from __future__ import annotations

import os
import re

import skgauss

project = "skgauss"
author = "skgauss developers"
copyright = "2026, skgauss developers"
release = version = skgauss.__version__

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    "sphinx.ext.viewcode",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
]

root_doc = "index"
exclude_patterns = ["_build", "auto_examples/*.ipynb", "auto_examples/*.py",
                    "auto_examples/*.zip", "auto_examples/*.md5", "auto_examples/*.json"]
templates_path = ["_templates"]

autosummary_generate = True
autodoc_default_options = {"members": True, "inherited-members": False}
autodoc_typehints = "none"  # numpydoc's Parameters sections carry the types
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False

run_examples = os.environ.get("SKGAUSS_DOCS_RUN_EXAMPLES", "0") == "1"
sphinx_gallery_conf = {
    "examples_dirs": "../examples",
    "gallery_dirs": "auto_examples",
    # examples are shown, not run, unless SKGAUSS_DOCS_RUN_EXAMPLES=1 (then all of them)
    "plot_gallery": run_examples,
    "filename_pattern": r"\.py$",
    "download_all_examples": False,
    "within_subsection_order": "FileNameSortKey",
    "write_computation_times": False,
}

html_theme = "pydata_sphinx_theme"
html_title = f"skgauss {version}"
html_theme_options = {
    "navigation_with_keys": False,
    "show_toc_level": 2,
}
html_static_path: list[str] = []


_SHAPE = re.compile(r"of shape \([^)]*\)")


def _escape_fitted_names_in_shapes(app, what, name, obj, options, lines) -> None:
    """``(n_samples, n_features_in_)`` in a docstring: a trailing underscore is
    reStructuredText's link syntax; escape it inside shape tuples only, so that
    ``help()`` keeps the plain text."""
    for i, line in enumerate(lines):
        lines[i] = _SHAPE.sub(lambda m: re.sub(r"(\w)_(?=[,)\s])", r"\1\\_", m.group(0)), line)


def setup(app) -> None:
    app.connect("autodoc-process-docstring", _escape_fitted_names_in_shapes, priority=400)
