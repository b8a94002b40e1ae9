"""Evaluation of ``skgauss compare``: one results row per fitted model (held-out
reconstruction, Gaussianity, every registered test's p-value, sample energy) and the
compact results table.

A row is a flat dict. Its keys are open: every test of :data:`skgauss.stats.TESTS`
gives a ``p_<name>`` key, and any key added to a row (by a new metric) reaches
``results.csv``, ``results.json`` and the HTML details table without edits here;
:data:`COLUMNS` only chooses the compact table printed on the terminal.
"""

from __future__ import annotations

import json
import math

import numpy as np

__all__ = ["COLUMNS", "evaluate", "format_table", "table_columns"]

# the compact table: (key, header, format); a key missing from every row is left out
COLUMNS = [
    ("rank", "#", "{:d}"),
    ("model", "model", "{}"),
    ("alpha", "alpha", "{:g}"),
    ("recon_ratio_pca", "recon ÷ PCA", "{:.2f}"),
    ("gaussianity", "gauss score", "{:.2g}"),
    ("p_affine", "p a Gaussian?", "{:.2g}"),
    ("p_standard", "p N(0,I)?", "{:.2g}"),
    ("sample_energy", "sample energy", "{:.3f}"),
    ("fidelity_shapes", "shapes", "{:.3f}"),
    ("fidelity_trends", "trends", "{:.3f}"),
    ("fit_seconds", "fit s", "{:.1f}"),
]
LEVEL = 0.05  # the level of the two verdicts (Holm over each family's tests)


def _sample(model, n: int, d: int, seed: int) -> np.ndarray:
    if hasattr(model, "sample"):
        return model.sample(n, random_state=seed)
    Z = np.random.RandomState(seed).standard_normal((n, d))
    return model.inverse_transform(Z)


def _fidelity(samples, X_test, decode, notes) -> tuple[float, float]:
    """Column-shape and pair-trend scores of decoded samples against decoded
    held-out rows (:func:`skgauss.metrics.fidelity_report`); NaN without a decoder
    or when the table needs pandas and it is missing."""
    from ..metrics import fidelity_report

    real = None if decode is None else decode(X_test)
    if real is None:
        if decode is not None and not any(n.startswith("fidelity:") for n in notes):
            notes.append("fidelity: needs pandas for tables with text columns")
        return float("nan"), float("nan")
    report = fidelity_report(real, decode(samples))
    return report.column_shapes, report.column_pair_trends


def evaluate(name, model, seconds, X_test, pca_mse, seed, notes=None, decode=None) -> dict:
    """One row of the results for a fitted model; tests that cannot run on these
    codes give NaN and a line in ``notes``. ``decode`` maps rows of the
    (standardised, encoded) space back to the table for the fidelity scores of the
    samples.

    ``p_affine`` and ``p_standard`` are the families' Holm-adjusted p-values from
    :func:`skgauss.stats.gaussianity_report` ("a Gaussian?" and "N(0,I)?"), and
    ``pass_affine`` / ``pass_standard`` say whether they exceed 0.05.
    """
    from ..metrics import gaussianity_score
    from ..stats import AFFINE, STANDARD, energy_distance, gaussianity_report

    notes = [] if notes is None else notes
    Z = model.transform(X_test)
    mse = float(np.mean((model.inverse_transform(Z) - X_test) ** 2))
    report = gaussianity_report(Z, alpha=LEVEL, random_state=seed)
    for r in report.rows:
        if r.note and not r.note.startswith("subsampled"):
            notes.append(f"{name}: {r.test}: {r.note}")
    n_eval = min(len(X_test), 1000)
    samples = np.asarray(_sample(model, n_eval, Z.shape[1], seed))
    family_p = report.family_pvalues
    row = {
        "model": name,
        "alpha": float(getattr(model, "alpha", math.nan)),
        "recon_mse": mse,
        "recon_ratio_pca": mse / pca_mse if pca_mse > 0 else math.nan,
        "gaussianity": float(gaussianity_score(Z)),
        "p_affine": family_p[AFFINE],
        "p_standard": family_p[STANDARD],
        "pass_affine": report.passes[AFFINE],
        "pass_standard": report.passes[STANDARD],
        **{f"p_{r.test}": r.pvalue for r in report.rows},
        "sample_energy": energy_distance(samples, X_test[:n_eval]),
        **dict(zip(("fidelity_shapes", "fidelity_trends"),
                   (float(v) for v in _fidelity(samples, X_test, decode, notes)), strict=True)),
        "fit_seconds": float(seconds),
        "n_test": len(X_test),
    }
    return row


def table_columns(rows: list[dict]) -> list[tuple[str, str, str]]:
    """The :data:`COLUMNS` that some row has with a value (not None, not NaN)."""
    return [c for c in COLUMNS
            if any(r.get(c[0]) is not None and not _isnan(r.get(c[0])) for r in rows)]


def _isnan(v) -> bool:
    return isinstance(v, float) and math.isnan(v)


def _cell(v, fmt: str, key: str = "") -> str:
    if v is None or _isnan(v):
        return "–"
    if key.startswith("p_") and v == 0:  # underflow: the p-value is below float's range
        return "<1e-300"
    try:
        return fmt.format(v)
    except (ValueError, TypeError):
        return str(v)


def format_table(rows: list[dict], fmt: str = "text") -> str:
    """The compact results as aligned text, a Markdown table, or JSON (every key)."""
    if fmt == "json":
        return json.dumps(rows, indent=2)
    cols = table_columns(rows)
    cells = [[_cell(r.get(k), f, k) for k, _, f in cols] for r in rows]
    heads = [h for _, h, _ in cols]
    if fmt == "markdown":
        lines = ["| " + " | ".join(heads) + " |", "|" + "---|" * len(heads)]
        return "\n".join(lines + ["| " + " | ".join(c) + " |" for c in cells])
    left = {"model"}
    widths = [max(len(h), *(len(c[j]) for c in cells)) for j, h in enumerate(heads)]

    def line(values):
        return "  ".join(v.ljust(w) if k in left else v.rjust(w)
                         for v, w, (k, _, _) in zip(values, widths, cols, strict=True))

    head = line(heads)
    return "\n".join([head, "-" * len(head), *(line(c) for c in cells)])
