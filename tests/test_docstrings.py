"""The Examples sections of the public docstrings run and give what they show."""

import doctest

import pytest

import skgauss
from skgauss import metrics, stats

OBJECTS = {
    **{f"stats.{name}": getattr(stats, name) for name in (
        "mardia_skewness", "mardia_kurtosis", "henze_zirkler", "doornik_hansen", "radii_test",
        "coordinate_test", "sliced_test", "moment_test", "mmd_test", "energy_test",
        "mmd_to_standard_normal", "energy_to_standard_normal",
        "cramer_wold_to_standard_normal", "expected_distance_to_standard_normal",
        "gaussianity_report")},
    "metrics.gaussianity_scorer": type(metrics.gaussianity_scorer),
    "metrics.sample_scorer": type(metrics.sample_scorer),
    "metrics.make_gaussianity_scorer": metrics.make_gaussianity_scorer,
    "save": skgauss.save,
    "GaussianAutoencoder": skgauss.GaussianAutoencoder,
}


@pytest.mark.parametrize("name", sorted(OBJECTS))
def test_docstring_examples_run(name):
    tests = [t for t in doctest.DocTestFinder(recurse=False).find(OBJECTS[name], name)
             if t.examples]
    assert tests, f"{name} has no Examples"
    runner = doctest.DocTestRunner(optionflags=doctest.NORMALIZE_WHITESPACE)
    for test in tests:
        runner.run(test)
    assert runner.failures == 0, f"{name}: {runner.failures} example(s) failed (see above)"
