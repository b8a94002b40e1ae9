"""Evaluation of ``skgauss compare``: one results row per fitted model (held-out
reconstruction, Gaussianity, test p-values, sample energy) and the results table."""

from __future__ import annotations

import json
import math

import numpy as np

__all__ = ["COLUMNS", "evaluate", "format_table"]

# columns of the results table: (key, header, format)
COLUMNS = [
    ("model", "model", "{}"),
    ("recon_mse", "recon MSE", "{:.4f}"),
    ("recon_ratio_pca", "÷ PCA", "{:.2f}"),
    ("gaussianity", "gauss score", "{:.4f}"),
    ("p_radii", "p radii", "{:.3g}"),
    ("p_coordinates", "p coords", "{:.3g}"),
    ("p_sliced", "p sliced", "{:.3g}"),
    ("p_moment", "p moment", "{:.3g}"),
    ("p_mmd", "p MMD", "{:.3g}"),
    ("p_mardia_skew", "p Mardia sk", "{:.3g}"),
    ("p_mardia_kurt", "p Mardia ku", "{:.3g}"),
    ("p_henze_zirkler", "p HZ", "{:.3g}"),
    ("sample_energy", "sample energy", "{:.4f}"),
    ("fidelity_shapes", "shapes", "{:.3f}"),
    ("fidelity_trends", "trends", "{:.3f}"),
    ("fit_seconds", "fit s", "{:.1f}"),
]


def _energy_distance(A: np.ndarray, B: np.ndarray) -> float:
    """Energy distance 2E‖a−b‖ − E‖a−a'‖ − E‖b−b'‖ (V-statistics)."""
    from scipy.spatial.distance import cdist

    return float(2 * cdist(A, B).mean() - cdist(A, A).mean() - cdist(B, B).mean())


def _sample(model, n: int, d: int, seed: int) -> np.ndarray:
    if hasattr(model, "sample"):
        return model.sample(n, random_state=seed)
    Z = np.random.RandomState(seed).standard_normal((n, d))
    return model.inverse_transform(Z)


def _tests(seed: int) -> dict:
    from .. import stats

    return {
        "p_radii": stats.radii_test,
        "p_coordinates": stats.coordinate_test,
        "p_sliced": lambda Z: stats.sliced_test(Z, random_state=seed),
        "p_moment": stats.moment_test,
        "p_mmd": lambda Z: stats.mmd_test(Z, random_state=seed),
        "p_mardia_skew": stats.mardia_skewness,
        "p_mardia_kurt": stats.mardia_kurtosis,
        "p_henze_zirkler": stats.henze_zirkler,
    }


def _pvalue(test, Z, notes: list[str]) -> float:
    """A test's p-value, or NaN with a note when the codes don't allow it
    (e.g. fewer rows than dimensions for Mardia)."""
    try:
        return test(Z).pvalue
    except ValueError as exc:
        notes.append(f"{getattr(test, '__name__', 'test')}: {exc}")
        return float("nan")


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
    """One row of the results table for a fitted model; tests that cannot run
    on these codes give NaN and a line in ``notes``. ``decode`` maps rows of
    the (standardised, encoded) space back to the table for the fidelity
    scores of the samples."""
    from ..metrics import gaussianity_score

    notes = [] if notes is None else notes
    tests = _tests(seed)

    Z = model.transform(X_test)
    mse = float(np.mean((model.inverse_transform(Z) - X_test) ** 2))
    n_eval = min(len(X_test), 1000)
    samples = np.asarray(_sample(model, n_eval, Z.shape[1], seed))
    row = {
        "model": name,
        "recon_mse": mse,
        "recon_ratio_pca": mse / pca_mse if pca_mse > 0 else float("nan"),
        "gaussianity": gaussianity_score(Z),
        **{key: _pvalue(test, Z, notes) for key, test in tests.items()},
        "sample_energy": _energy_distance(samples, X_test[:n_eval]),
        **dict(zip(("fidelity_shapes", "fidelity_trends"),
                   _fidelity(samples, X_test, decode, notes), strict=True)),
        "fit_seconds": seconds,
    }
    return {k: (float(v) if k != "model" else v) for k, v in row.items()}


def format_table(rows: list[dict], fmt: str = "text") -> str:
    """The results as aligned text, a Markdown table, or JSON."""
    if fmt == "json":
        return json.dumps(rows, indent=2)
    cells = [
        [
            f.format(r[k])
            if not (isinstance(r[k], float) and math.isnan(r[k]))
            else "nan"
            for k, _, f in COLUMNS
        ]
        for r in rows
    ]
    heads = [h for _, h, _ in COLUMNS]
    if fmt == "markdown":
        lines = ["| " + " | ".join(heads) + " |", "|" + "---|" * len(heads)]
        return "\n".join(lines + ["| " + " | ".join(c) + " |" for c in cells])
    widths = [max(len(h), *(len(c[j]) for c in cells)) for j, h in enumerate(heads)]
    line = "  ".join(
        h.rjust(w) if j else h.ljust(w) for j, (h, w) in enumerate(zip(heads, widths, strict=True))
    )
    body = [
        "  ".join(
            c.rjust(w) if j else c.ljust(w) for j, (c, w) in enumerate(zip(r, widths, strict=True))
        )
        for r in cells
    ]
    return "\n".join([line, "-" * len(line), *body])
