"""Every test on one code matrix: :func:`gaussianity_report` and its result types."""

from __future__ import annotations

import functools
import inspect
import math
import warnings
from dataclasses import dataclass
from numbers import Real

import numpy as np

from ._affine import doornik_hansen, henze_zirkler, mardia_kurtosis, mardia_skewness
from ._base import SubsamplingWarning, _check_codes
from ._kernel import energy_test, mmd_test
from ._standard import _holm, coordinate_test, moment_test, radii_test, sliced_test

__all__ = ["AFFINE", "STANDARD", "GaussianityReport", "ReportRow", "gaussianity_report"]


# --------------------------------------------------------------------------
# report

AFFINE, STANDARD = "a Gaussian?", "N(0,I)?"

_REPORT = [  # name, family, test, what it checks
    ("mardia_skewness", AFFINE, mardia_skewness, "third moments of the whitened data"),
    ("mardia_kurtosis", AFFINE, mardia_kurtosis, "fourth moment of Mahalanobis radii"),
    ("henze_zirkler", AFFINE, henze_zirkler, "characteristic function, whitened"),
    ("doornik_hansen", AFFINE, doornik_hansen, "skew/kurtosis of decorrelated axes"),
    (
        "radii_ks",
        STANDARD,
        functools.partial(radii_test, method="ks"),
        "|z|^2 ~ chi2_d (KS)",
    ),
    (
        "radii_cvm",
        STANDARD,
        functools.partial(radii_test, method="cvm"),
        "|z|^2 ~ chi2_d (CvM): scale, tails",
    ),
    ("coordinate_cvm", STANDARD, coordinate_test, "each axis ~ N(0,1) (CvM, Holm)"),
    ("sliced_cvm", STANDARD, sliced_test, "random projections ~ N(0,1) (Bonferroni)"),
    ("moment_kl", STANDARD, moment_test, "mean 0 and covariance I (Gaussian LR)"),
    ("mmd", STANDARD, mmd_test, "MMD to N(0,I), Gaussian kernel s2=sqrt(d)"),
    ("energy", STANDARD, energy_test, "energy distance to N(0,I)"),
]


@dataclass(frozen=True)
class ReportRow:
    """One row of :func:`gaussianity_report`."""

    test: str
    family: str
    statistic: float
    pvalue: float
    n_samples_used: int | None
    checks: str
    note: str = ""


@dataclass(frozen=True)
class GaussianityReport:
    """Every test on one code matrix, with one verdict per family.

    Attributes
    ----------
    rows : list of ReportRow
    table : pandas.DataFrame or list of ReportRow
        The rows as a DataFrame when pandas is importable, else ``rows``.
    verdicts : dict
        ``{family: one-line verdict}`` for "a Gaussian?" and "N(0,I)?".
    alpha : float
    """

    rows: list
    verdicts: dict
    alpha: float

    @property
    def table(self):
        try:
            import pandas as pd
        except ImportError:
            return self.rows
        return pd.DataFrame([r.__dict__ for r in self.rows])

    def __str__(self) -> str:
        lines = [
            f"{r.test:<16} {r.family:<12} stat={r.statistic:<12.5g} "
            f"p={r.pvalue:<10.3g} {r.checks}" + (f" [{r.note}]" if r.note else "")
            for r in self.rows
        ]
        return "\n".join(lines + [f"{k} {v}" for k, v in self.verdicts.items()])


def _verdict(rows: list, alpha: float) -> str:
    valid = [r for r in rows if np.isfinite(r.pvalue)]
    if not valid:
        return "no test could run"
    adjusted = _holm(np.array([r.pvalue for r in valid]))
    rejected = [r.test for r, p in zip(valid, adjusted, strict=True) if p <= alpha]
    holm = f"Holm over {len(valid)} tests"
    if rejected:
        return f"rejected at {alpha:g} ({holm}) by {', '.join(rejected)}"
    return f"not rejected at {alpha:g} ({holm}; min adjusted p={adjusted.min():.3g})"


def gaussianity_report(Z, *, alpha: float = 0.05, random_state=0) -> GaussianityReport:
    """Run every test of this module on ``Z``.

    Tests that cannot run (e.g. an affine-invariant test with ``n <= d``) get
    NaN and a note; subsampling is noted too. Each family's verdict applies
    Holm's correction over its tests at level ``alpha``.

    Parameters
    ----------
    Z : array-like of shape (n_samples, n_features)
    alpha : float, default=0.05
    random_state : int, default=0
        Passed to the seeded tests.

    Returns
    -------
    GaussianityReport
        ``.table`` (a DataFrame with columns test, family, statistic, pvalue,
        n_samples_used, checks, note), ``.verdicts`` and ``print(report)``.
    """
    if isinstance(alpha, bool) or not isinstance(alpha, Real) or not 0 < alpha < 1:
        raise ValueError(f"alpha must be a level in (0, 1), got {alpha!r}")
    Z = _check_codes(Z)
    rows = []
    for name, family, test, checks in _REPORT:
        seeded = "random_state" in inspect.signature(test).parameters
        kwargs = {"random_state": random_state} if seeded else {}
        note = ""
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", SubsamplingWarning)
            try:
                res = test(Z, **kwargs)
                stat, p, used = res.statistic, res.pvalue, res.n_samples_used
            except ValueError as exc:
                stat, p, used, note = math.nan, math.nan, None, str(exc)
        if any(issubclass(w.category, SubsamplingWarning) for w in caught):
            note = f"subsampled to {used} of {Z.shape[0]} rows"
        rows.append(ReportRow(name, family, float(stat), float(p), used, checks, note))
    verdicts = {f: _verdict([r for r in rows if r.family == f], alpha) for f in (AFFINE, STANDARD)}
    return GaussianityReport(rows, verdicts, alpha)
