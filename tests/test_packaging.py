"""Packaging and documentation files: the license, the typing marker, the changelog,
and an API reference that lists every public name."""

import re
from pathlib import Path

import pytest

import skgauss

tomllib = pytest.importorskip("tomllib")  # Python >= 3.11

ROOT = Path(__file__).resolve().parent.parent
MODULES = ["skgauss", "skgauss.stats", "skgauss.metrics", "skgauss.plotting",
           "skgauss.regularizers"]


def _pyproject() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())


def test_license_file_matches_pyproject():
    project = _pyproject()["project"]
    assert project["license"] == "BSD-3-Clause"
    assert project["license-files"] == ["LICENSE"]
    text = (ROOT / "LICENSE").read_text()
    assert text.startswith("BSD 3-Clause License")
    assert "Neither the name of the copyright holder" in text  # clause 3


def test_py_typed_is_shipped():
    assert (Path(skgauss.__file__).parent / "py.typed").is_file()
    assert "py.typed" in _pyproject()["tool"]["setuptools"]["package-data"]["skgauss"]


def test_changelog_names_the_version():
    text = (ROOT / "CHANGELOG.rst").read_text()
    assert re.search(rf"^{re.escape(skgauss.__version__)}$", text, re.M)


@pytest.mark.parametrize("module", MODULES)
def test_api_reference_lists_every_public_name(module):
    import importlib

    names = set(importlib.import_module(module).__all__) - {"__version__"}
    if module == "skgauss":  # the same object as skgauss.regularizers.REGULARIZERS
        names.discard("REGULARIZERS")
    api = (ROOT / "docs" / "api.rst").read_text()
    listed = set(re.findall(r"^   (\w+)$", api, re.M)) | set(
        re.findall(r"^\.\. autodata:: [\w.]*?(\w+)$", api, re.M))
    assert not names - listed, f"{module}: missing from docs/api.rst: {sorted(names - listed)}"


def test_docs_extra_builds_the_site():
    docs = _pyproject()["project"]["optional-dependencies"]["docs"]
    for package in ("sphinx", "numpydoc", "sphinx-gallery", "pydata-sphinx-theme"):
        assert any(d.startswith(package + ">=") for d in docs), package
    ci = (ROOT / ".ci" / "run").read_text()
    assert "sphinx-build -W" in ci and "python -m build" in ci and "twine check" in ci


@pytest.mark.parametrize("path", sorted((ROOT / "examples").glob("*.py")), ids=lambda p: p.name)
def test_examples_have_a_gallery_title(path):
    # sphinx-gallery makes the docstring's first line, underlined, the page title;
    # without the underline the docs build (-W) fails with "no title"
    lines = path.read_text().splitlines()
    title = lines[0].removeprefix('"""').removeprefix('r"""')
    underline = lines[1]
    assert title and set(underline) == {"="} and len(underline) >= len(title), \
        f"{path.name}: underline the title with '='"
