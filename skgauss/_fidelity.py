r"""Fidelity of a synthetic table to a real one: SDMetrics' quality report with
scipy and numpy only (private; public names in :mod:`skgauss.metrics`)."""

from __future__ import annotations

import itertools
from typing import NamedTuple

import numpy as np
import scipy.stats
from scipy.stats.contingency import association

from ._tabular import _as_pandas, _is_missing, column_kinds, pair_codes

__all__ = ["FidelityReport", "fidelity_report"]


class FidelityReport(NamedTuple):
    """Result of :func:`~skgauss.metrics.fidelity_report` (all scores in [0, 1],
    greater is better)."""

    column_shapes: float
    """Mean of ``shapes`` (NaN entries skipped)."""
    column_pair_trends: float
    """Mean of the ``pair_trends`` that meet the thresholds (NaN skipped)."""
    overall: float
    """Mean of the two properties (NaN skipped)."""
    shapes: dict
    """``{column: score}``."""
    pair_trends: dict
    """``{(column_a, column_b): score}``; NaN where the pair is left out."""


def _columns(X, names: list[str]) -> list[np.ndarray]:
    df = _as_pandas(X)
    if df is None:
        A = np.asarray(X)
        if A.ndim != 2 or A.shape[1] != len(names):
            raise ValueError(f"synthetic table has shape {A.shape}, expected "
                             f"{len(names)} columns")
        return [A[:, j] for j in range(A.shape[1])]
    have = [str(c) for c in df.columns]
    missing = [c for c in names if c not in have]
    if missing:
        raise ValueError(f"synthetic table lacks the columns {missing}")
    return [df[df.columns[have.index(c)]].to_numpy(dtype=object) for c in names]


def _floats(values: np.ndarray) -> np.ndarray:
    return np.array([np.nan if _is_missing(v) else float(v) for v in values])


def _tv(a: np.ndarray, b: np.ndarray, size: int) -> float:
    """Total variation between the empirical laws of codes ``a`` and ``b``."""
    pa = np.bincount(a, minlength=size) / len(a)
    pb = np.bincount(b, minlength=size) / len(b)
    return 0.5 * float(np.abs(pa - pb).sum())


def _shape(real: np.ndarray, synth: np.ndarray, categorical: bool) -> float:
    if categorical:  # TVComplement: missing values dropped
        real = real[[not _is_missing(v) for v in real]]
        synth = synth[[not _is_missing(v) for v in synth]]
        if not len(real) or not len(synth):
            return float("nan")
        a, b = pair_codes(real, synth)
        return 1.0 - _tv(a, b, int(max(a.max(), b.max())) + 1)
    real, synth = real[~np.isnan(real)], synth[~np.isnan(synth)]  # KSComplement
    if not len(real) or not len(synth):
        return float("nan")
    return 1.0 - float(scipy.stats.ks_2samp(real, synth).statistic)


def _binned(x: np.ndarray, n_bins: int) -> np.ndarray:
    """Bin indices of a numeric column (floats, NaN for missing) with edges from
    its own values (as the report discretises each table on its own); NaN falls
    past the last bin."""
    edges = np.histogram_bin_edges(x[~np.isnan(x)], bins=n_bins)
    return np.digitize(x, edges)


def _correlation(real: list, synth: list, threshold: float) -> float:
    """1 - |rho_real - rho_synth| / 2 on rows where both values are present
    (float columns, NaN for missing)."""
    rhos = []
    for a, b in (real, synth):
        keep = ~(np.isnan(a) | np.isnan(b))
        a, b = a[keep], b[keep]
        if len(a) < 2 or np.ptp(a) == 0 or np.ptp(b) == 0:
            return float("nan")
        rhos.append(float(np.corrcoef(a, b)[0, 1]))
        if threshold > 0 and len(rhos) == 1 and abs(rhos[0]) <= threshold:
            return float("nan")
    return 1.0 - abs(rhos[0] - rhos[1]) / 2


def _contingency(real: list, synth: list, threshold: float) -> float:
    """1 - total variation between the real and synthetic 2-D contingency tables."""
    ra, sa = pair_codes(real[0], synth[0])
    rb, sb = pair_codes(real[1], synth[1])
    size_b = int(max(rb.max(), sb.max())) + 1
    size = (int(max(ra.max(), sa.max())) + 1) * size_b
    if threshold > 0:
        table = np.bincount(ra * size_b + rb, minlength=size).reshape(-1, size_b)
        table = table[table.sum(axis=1) > 0][:, table.sum(axis=0) > 0]
        if min(table.shape) < 2 or association(table, method="cramer") <= threshold:
            return float("nan")
    return 1.0 - _tv(ra * size_b + rb, sa * size_b + sb, size)


def _nanmean(values) -> float:
    values = np.asarray(list(values), dtype=float)
    return float(np.nanmean(values)) if np.isfinite(values).any() else float("nan")


def fidelity_report(
    real,
    synthetic,
    *,
    categorical_features="from_dtype",
    real_correlation_threshold: float = 0.0,
    real_association_threshold: float = 0.0,
    n_bins: int = 10,
) -> FidelityReport:
    r"""How closely a synthetic table follows a real one, column by column and
    pair by pair: SDMetrics' quality report (Column Shapes and Column Pair
    Trends) with scipy only.

    **Column shapes.** For a numeric column, one minus the two-sample
    Kolmogorov--Smirnov statistic,
    :math:`1 - \sup_t |F_{\text{real}}(t) - F_{\text{synth}}(t)|`; for a
    categorical column, one minus the total variation distance of the category
    frequencies, :math:`1 - \tfrac12 \sum_c |p_{\text{real}}(c) -
    p_{\text{synth}}(c)|`. Missing values are left out of both.

    **Column pair trends.** For two numeric columns, :math:`1 - |\rho_{\text{real}}
    - \rho_{\text{synth}}| / 2` with Pearson's :math:`\rho` (rows where both are
    present; NaN for a constant column); for any other pair, one minus the total
    variation distance between the two tables' 2-D contingency tables, a numeric
    column first cut into ``n_bins`` equal-width bins over each table's own range
    (``numpy.histogram_bin_edges``, as SDMetrics does), missing values being a
    value of their own.

    Each property is the mean of its scores, skipping NaN; ``overall`` is the
    mean of the two. With thresholds above 0, a numeric pair counts only when
    :math:`|\rho_{\text{real}}| > ` ``real_correlation_threshold`` and any other
    pair only when Cramér's V of the real contingency table exceeds
    ``real_association_threshold``: SDMetrics' ``QualityReport`` (0.32) uses 0.5
    and 0.3; its ``ColumnPairTrends`` property and older reports use 0 (every
    pair), this function's default.

    Parameters
    ----------
    real : DataFrame (pandas or polars) or array of shape (n_real, p)
        The real rows; column kinds come from it.
    synthetic : DataFrame or array of shape (n_synthetic, p)
        The synthetic rows, with the same columns (looked up by name).
    categorical_features : "from_dtype", list of names or indices, or bool mask
        Which columns are categorical, as in
        :class:`~skgauss.GaussianAutoencoder`: by default ``category``, text and
        bool columns.
    real_correlation_threshold, real_association_threshold : float, default=0.0
        Leave out pairs whose real association is at most this (see above).
    n_bins : int, default=10
        Bins of a numeric column paired with a categorical one.

    Returns
    -------
    report : FidelityReport
        ``column_shapes``, ``column_pair_trends``, ``overall``, and the per-column
        ``shapes`` and per-pair ``pair_trends``.

    References
    ----------
    SDMetrics, "Quality Report" (DataCebo), Column Shapes and Column Pair Trends;
    KSComplement, TVComplement, CorrelationSimilarity, ContingencySimilarity.

    Examples
    --------
    >>> import numpy as np
    >>> from skgauss.metrics import fidelity_report
    >>> rng = np.random.default_rng(0)
    >>> real, synthetic = rng.normal(size=(500, 3)), rng.normal(size=(500, 3))
    >>> report = fidelity_report(real, synthetic)
    >>> report.column_shapes > 0.9, report.column_pair_trends > 0.9
    (True, True)
    >>> round(fidelity_report(real, real).overall, 6)
    1.0
    """
    names, mask, _ = column_kinds(real, categorical_features)
    if isinstance(n_bins, bool) or not isinstance(n_bins, int) or n_bins < 1:
        raise ValueError(f"n_bins must be an integer >= 1, got {n_bins!r}")
    R, S = _columns(real, names), _columns(synthetic, names)
    if not len(R[0]) or not len(S[0]):
        raise ValueError("both tables need at least one row")
    # numeric columns as floats once (NaN for missing), not once per pair
    for j in np.flatnonzero(~np.asarray(mask, dtype=bool)):
        R[j], S[j] = _floats(R[j]), _floats(S[j])
    shapes = {n: _shape(r, s, m) for n, r, s, m in zip(names, R, S, mask, strict=True)}
    binned = {j: (_binned(R[j], n_bins), _binned(S[j], n_bins))
              for j in range(len(names)) if not mask[j]}
    trends = {}
    for a, b in itertools.combinations(range(len(names)), 2):
        if not mask[a] and not mask[b]:
            score = _correlation([R[a], R[b]], [S[a], S[b]], real_correlation_threshold)
        else:
            ra, sa = binned.get(a, (R[a], S[a]))
            rb, sb = binned.get(b, (R[b], S[b]))
            score = _contingency([ra, rb], [sa, sb], real_association_threshold)
        trends[(names[a], names[b])] = score
    column_shapes, pair_trends = _nanmean(shapes.values()), _nanmean(trends.values())
    return FidelityReport(column_shapes, pair_trends,
                          _nanmean([column_shapes, pair_trends]), shapes, trends)
