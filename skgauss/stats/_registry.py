"""THE registry of Gaussianity statistics: every test and every distance to N(0, I) by
name, read by :func:`gaussianity_report`, ``skgauss compare``, :mod:`skgauss.metrics`
and the benchmarks. Adding a statistic = its function in its module + one line here."""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from dataclasses import dataclass

from ._affine import doornik_hansen, henze_zirkler, mardia_kurtosis, mardia_skewness
from ._base import GaussianityTestResult
from ._distances import (
    _block_average,
    coordinate_cvm_distance,
    moment_kl_distance,
    radii_cvm_distance,
    sliced_cvm_distance,
)
from ._kernel import (
    cramer_wold_to_standard_normal,
    energy_test,
    energy_to_standard_normal,
    mmd_test,
    mmd_to_standard_normal,
)
from ._standard import coordinate_test, moment_test, radii_test, sliced_test

__all__ = ["AFFINE", "STANDARD", "TESTS", "GaussianityStatistic"]

AFFINE, STANDARD = "a Gaussian?", "N(0,I)?"


@dataclass(frozen=True)
class GaussianityStatistic:
    """One entry of :data:`TESTS`.

    Attributes
    ----------
    name : str
        The key in :data:`TESTS`; ``p_<name>`` in ``skgauss compare``'s results.
    family : str
        :data:`AFFINE` ("a Gaussian?": affine-invariant, blind to mean and scale)
        or :data:`STANDARD` ("N(0,I)?": against the fixed standard normal).
    checks : str
        What it looks at, in a few words.
    test : callable or None
        ``test(Z, **kw) -> GaussianityTestResult`` (a p-value), or None.
    distance : callable or None
        ``distance(Z, **options) -> float``: lower is better, ~0 in expectation
        under N(0, I) at every n (so it scores folds of any size), or None.
        :data:`skgauss.metrics.STATISTICS` holds these.
    """

    name: str
    family: str
    checks: str
    test: Callable[..., GaussianityTestResult] | None = None
    distance: Callable[..., float] | None = None

    def run(self, Z, *, random_state=0) -> GaussianityTestResult:
        """``test(Z)``, with ``random_state`` when the test is seeded."""
        if self.test is None:
            raise ValueError(f"{self.name} is a distance with no test.")
        seeded = "random_state" in inspect.signature(self.test).parameters
        return self.test(Z, **({"random_state": random_state} if seeded else {}))


def _blocked(distance: Callable, **defaults) -> Callable:
    return functools.partial(_block_average, distance, **defaults)


_ENTRIES = [
    GaussianityStatistic("mardia_skewness", AFFINE, "third moments of the whitened data",
                         mardia_skewness),
    GaussianityStatistic("mardia_kurtosis", AFFINE, "fourth moment of Mahalanobis radii",
                         mardia_kurtosis),
    GaussianityStatistic("henze_zirkler", AFFINE, "characteristic function, whitened",
                         henze_zirkler),
    GaussianityStatistic("doornik_hansen", AFFINE, "skew/kurtosis of decorrelated axes",
                         doornik_hansen),
    GaussianityStatistic("radii_ks", STANDARD, "|z|^2 ~ chi2_d (KS)",
                         functools.partial(radii_test, method="ks")),
    GaussianityStatistic("radii_cvm", STANDARD, "|z|^2 ~ chi2_d (CvM): scale, tails",
                         functools.partial(radii_test, method="cvm"), radii_cvm_distance),
    GaussianityStatistic("coordinate_cvm", STANDARD, "each axis ~ N(0,1) (CvM, Holm)",
                         coordinate_test, coordinate_cvm_distance),
    GaussianityStatistic("sliced_cvm", STANDARD, "random projections ~ N(0,1) (Bonferroni)",
                         sliced_test, sliced_cvm_distance),
    GaussianityStatistic("moment_kl", STANDARD, "mean 0 and covariance I (Gaussian LR)",
                         moment_test, moment_kl_distance),
    # p-values from a Pearson III fitted to 200 simulated statistics: not floored at 1/(B+1)
    GaussianityStatistic("mmd", STANDARD, "MMD to N(0,I), Gaussian kernel s2=sqrt(d)",
                         functools.partial(mmd_test, null="pearson", n_simulations=200),
                         _blocked(mmd_to_standard_normal)),
    GaussianityStatistic("energy", STANDARD, "energy distance to N(0,I)",
                         functools.partial(energy_test, null="pearson", n_simulations=200),
                         _blocked(energy_to_standard_normal)),
    # exact 1F1 costs ~1 us per pair: smaller blocks and a 4096-row cap by default
    GaussianityStatistic("cramer_wold", STANDARD, "Cramér-Wold distance to N(0,I)",
                         None, _blocked(cramer_wold_to_standard_normal, block_size=512,
                                        max_samples=4096)),
]

TESTS: dict[str, GaussianityStatistic] = {e.name: e for e in _ENTRIES}
"""Every Gaussianity statistic of skgauss by name, in report order (affine family
first). An entry has a ``test`` (p-value), a ``distance`` (score), or both."""
