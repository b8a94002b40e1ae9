"""Every test on one code matrix: :func:`gaussianity_report` and its result types."""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from numbers import Real

import numpy as np

from ._base import SubsamplingWarning, _check_codes
from ._registry import AFFINE, STANDARD, TESTS
from ._standard import _holm

__all__ = ["AFFINE", "STANDARD", "GaussianityReport", "ReportRow", "gaussianity_report"]


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
    family_pvalues : dict
        ``{family: p}``, the smallest Holm-adjusted p-value of the family's tests
        (NaN when none could run): the family rejects at ``alpha`` when ``p <= alpha``.
    passes : dict
        ``{family: bool}``: True when no test of the family rejects at ``alpha``
        after Holm's correction over the family (None when no test could run).
    """

    rows: list
    verdicts: dict
    alpha: float

    @property
    def family_pvalues(self) -> dict:
        out = {}
        for family in (AFFINE, STANDARD):
            _, adjusted = _rejected([r for r in self.rows if r.family == family], self.alpha)
            out[family] = float(adjusted.min()) if adjusted.size else math.nan
        return out

    @property
    def passes(self) -> dict:
        return {f: None if math.isnan(p) else bool(p > self.alpha)
                for f, p in self.family_pvalues.items()}

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


def _rejected(rows: list, alpha: float) -> tuple[list[str], np.ndarray]:
    """Tests rejecting at ``alpha`` after Holm over the rows that ran; adjusted p."""
    valid = [r for r in rows if np.isfinite(r.pvalue)]
    adjusted = _holm(np.array([r.pvalue for r in valid], dtype=float))
    return [r.test for r, p in zip(valid, adjusted, strict=True) if p <= alpha], adjusted


def _verdict(rows: list, alpha: float) -> str:
    rejected, adjusted = _rejected(rows, alpha)
    if adjusted.size == 0:
        return "no test could run"
    holm = f"Holm over {adjusted.size} tests"
    if rejected:
        return f"rejected at {alpha:g} ({holm}) by {', '.join(rejected)}"
    return f"not rejected at {alpha:g} ({holm}; min adjusted p={adjusted.min():.3g})"


def gaussianity_report(Z, *, alpha: float = 0.05, random_state=0) -> GaussianityReport:
    """Run every test of the registry :data:`skgauss.stats.TESTS` on ``Z``.

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

    Examples
    --------
    Codes scaled by 1.5 are a Gaussian, but not the N(0, I):

    >>> import numpy as np
    >>> from skgauss.stats import gaussianity_report
    >>> Z = 1.5 * np.random.RandomState(0).standard_normal((500, 3))
    >>> report = gaussianity_report(Z)
    >>> report.verdicts["a Gaussian?"].startswith("not rejected")
    True
    >>> report.verdicts["N(0,I)?"].startswith("rejected")
    True
    """
    if isinstance(alpha, bool) or not isinstance(alpha, Real) or not 0 < alpha < 1:
        raise ValueError(f"alpha must be a level in (0, 1), got {alpha!r}")
    Z = _check_codes(Z)
    rows = []
    for entry in (e for e in TESTS.values() if e.test is not None):
        note = ""
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", SubsamplingWarning)
            try:
                res = entry.run(Z, random_state=random_state)
                stat, p, used = res.statistic, res.pvalue, res.n_samples_used
            except ValueError as exc:
                stat, p, used, note = math.nan, math.nan, None, str(exc)
        if any(issubclass(w.category, SubsamplingWarning) for w in caught):
            note = f"subsampled to {used} of {Z.shape[0]} rows"
        rows.append(ReportRow(entry.name, entry.family, float(stat), float(p), used,
                              entry.checks, note))
    verdicts = {f: _verdict([r for r in rows if r.family == f], alpha) for f in (AFFINE, STANDARD)}
    return GaussianityReport(rows, verdicts, alpha)
