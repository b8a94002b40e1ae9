r"""Hypothesis tests of Gaussianity for a code matrix ``Z`` (n samples x d).

Two questions differ:

* **"Is it a Gaussian?"** -- affine-invariant tests (Mardia skewness and
  kurtosis, Henze--Zirkler, Doornik--Hansen). They standardise the data first,
  so they cannot see a wrong mean or scale: ``N(0, 1.1^2 I)`` passes.
* **"Is it N(0, I)?"** -- tests against the fixed standard normal (radii vs
  :math:`\chi^2_d`, per-coordinate and sliced tests vs N(0, 1), the Gaussian
  moment (KL) test, MMD and energy distance to N(0, I)). A latent space one
  samples from needs this one.

Each test returns a :class:`GaussianityTestResult` (``statistic``, ``pvalue``,
``df`` where relevant, the number of rows used); it unpacks like a scipy
result: ``stat, p = radii_test(Z)``. The O(n^2) tests take ``max_samples`` and
emit a :class:`SubsamplingWarning` when they use a random subsample.

:data:`TESTS` is the one registry of these statistics (tests and distances to
N(0, I)); :func:`gaussianity_report`, ``skgauss compare``, the scorers of
:mod:`skgauss.metrics` and the benchmarks all read it. :func:`energy_distance`
is the two-sample energy distance (generated samples against data).
"""

from __future__ import annotations

# ``name as name`` re-exports: names outside ``__all__`` that skgauss.metrics, the tests
# and the benchmarks use as ``skgauss.stats.<name>``.
from ._affine import doornik_hansen, henze_zirkler, mardia_kurtosis, mardia_skewness
from ._base import GaussianityTestResult, SubsamplingWarning
from ._base import _check_codes as _check_codes
from ._base import _check_int as _check_int
from ._base import _cross_sum as _cross_sum
from ._base import _cube_block as _cube_block
from ._base import _cvm as _cvm
from ._base import _dist_block as _dist_block
from ._base import _gauss_block as _gauss_block
from ._base import _pair_sum as _pair_sum
from ._base import _sqnorms as _sqnorms
from ._distances import _block_average as _block_average
from ._distances import (
    coordinate_cvm_distance,
    energy_distance,
    moment_kl_distance,
    radii_cvm_distance,
    sliced_cvm_distance,
)
from ._kernel import _gamma_ratio as _gamma_ratio
from ._kernel import _null_distribution as _null_distribution
from ._kernel import (
    cramer_wold_to_standard_normal,
    energy_test,
    energy_to_standard_normal,
    expected_distance_to_standard_normal,
    mmd_test,
    mmd_to_standard_normal,
)
from ._registry import AFFINE, STANDARD, TESTS, GaussianityStatistic
from ._report import GaussianityReport, ReportRow, gaussianity_report
from ._standard import coordinate_test, moment_test, radii_test, sliced_test

__all__ = [
    "AFFINE",
    "STANDARD",
    "TESTS",
    "GaussianityReport",
    "GaussianityStatistic",
    "GaussianityTestResult",
    "ReportRow",
    "SubsamplingWarning",
    "coordinate_cvm_distance",
    "coordinate_test",
    "cramer_wold_to_standard_normal",
    "doornik_hansen",
    "energy_distance",
    "energy_test",
    "energy_to_standard_normal",
    "expected_distance_to_standard_normal",
    "gaussianity_report",
    "henze_zirkler",
    "mardia_kurtosis",
    "mardia_skewness",
    "mmd_test",
    "mmd_to_standard_normal",
    "moment_kl_distance",
    "moment_test",
    "radii_cvm_distance",
    "radii_test",
    "sliced_cvm_distance",
    "sliced_test",
]
