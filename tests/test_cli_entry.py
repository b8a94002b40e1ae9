"""The ``skgauss`` command's entry: ``--version``, and ``--help`` and argument errors
answered without importing torch or scikit-learn (they take seconds to import)."""

import importlib.metadata
import subprocess
import sys

import pytest

import skgauss
from skgauss.cli import build_parser, main

PROBE = """
import sys
from skgauss.cli import main
for argv in {argvs!r}:
    try:
        main(argv)
    except SystemExit as exc:
        assert exc.code == (0 if "--help" in argv else 2), (argv, exc.code)
heavy = sorted(m for m in ("torch", "sklearn", "skorch", "scipy") if m in sys.modules)
print("HEAVY", ",".join(heavy))
"""


def test_version_prints_the_package_version(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["--version"])
    assert exc.value.code == 0
    out = capsys.readouterr().out
    assert out.strip() == f"skgauss {skgauss.__version__}"
    assert skgauss.__version__ == importlib.metadata.version("skgauss")


def test_help_and_argument_errors_skip_the_heavy_imports():
    argvs = [["--help"], ["compare", "--help"], ["compare", "--threads", "0"],
             ["compare", "--max-epochs", "0"], ["nope"], ["compare", "--n-components", "x"]]
    res = subprocess.run([sys.executable, "-c", PROBE.format(argvs=argvs)],
                         capture_output=True, text=True, check=True)
    assert res.stdout.strip().splitlines()[-1] == "HEAVY"


def test_import_skgauss_is_light_and_names_load_on_use():
    code = ("import sys, skgauss; light = 'torch' not in sys.modules; "
            "skgauss.GaussianAutoencoder; print(light, 'torch' in sys.modules)")
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert res.stdout.split() == ["True", "True"]
    assert set(skgauss.__all__) <= set(dir(skgauss))
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        skgauss.nope  # noqa: B018


def test_threads_option_reaches_the_estimators():
    from skgauss.cli._models import build_models

    args = build_parser().parse_args(["compare", "--threads", "2", "--no-flow"])
    models = build_models(args, n_features=10, n_train=100)
    networks = [m for m in models.values() if hasattr(m, "n_threads")]
    assert networks and all(m.n_threads == 2 for m in networks)
    args = build_parser().parse_args(["compare", "--no-flow"])
    assert all(m.n_threads is None for m in build_models(args, 10, 100).values()
               if hasattr(m, "n_threads"))
