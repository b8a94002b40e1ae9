"""Output of ``skgauss compare``: the PNG plots and the HTML report."""

from __future__ import annotations

import html
import math
from pathlib import Path

from ._evaluate import COLUMNS

__all__: list[str] = []


def _plots(
    models, X_test, image_shape, inverse, folder: Path, rows
) -> list[tuple[str, str]]:
    """Write the PNGs; return ``(file name, caption)`` pairs."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from ..plotting import GaussianityDisplay, SampleDisplay, TrainingCurveDisplay

    figures = []

    def save(fig, fname, caption):
        fig.savefig(folder / fname, dpi=90)
        plt.close(fig)
        figures.append((fname, caption))

    fig, ax = plt.subplots(figsize=(9, 5), constrained_layout=True)
    markers = "osD^vP*Xh<>p"
    for i, r in enumerate(rows):  # a legend, not annotations: close points overlap
        ax.scatter(r["recon_ratio_pca"], r["gaussianity"], s=50, marker=markers[i % 12],
                   color=plt.cm.tab20(i % 20), label=r["model"])
    # scores crowd near 0 (the best): a symlog axis spreads them
    ax.set_yscale("symlog", linthresh=1e-3)
    ax.legend(loc="center left", bbox_to_anchor=(1.01, 0.5), fontsize=8, title="model")
    ax.set_xlabel("held-out reconstruction MSE ÷ PCA's")
    ax.set_ylabel("Gaussianity score (−MMD² to N(0, I); 0 is best; symlog)")
    ax.set_title("Trade-off: reconstruction against Gaussianity")
    ax.grid(alpha=0.3)
    save(
        fig,
        "tradeoff.png",
        "Reconstruction cost against Gaussianity of the held-out codes",
    )
    for name, model in models.items():
        slug = "".join(ch if ch.isalnum() else "_" for ch in name).strip("_").lower()
        disp = GaussianityDisplay.from_estimator(model, X_test, name=name)
        save(
            disp.figure_,
            f"gaussianity_{slug}.png",
            f"{name}: held-out codes against N(0, I)",
        )
        if hasattr(model, "regularizer"):  # an autoencoder: reconstruction + penalty
            disp = TrainingCurveDisplay.from_estimator(model, name=name)
            save(disp.figure_, f"training_{slug}.png", f"{name}: training curves")
        if image_shape is not None and hasattr(model, "sample"):
            disp = SampleDisplay.from_estimator(
                model,
                X_test,
                image_shape=image_shape,
                inverse=inverse,
                random_state=0,
                name=name,
            )
            save(
                disp.figure_,
                f"samples_{slug}.png",
                f"{name}: decoded N(0, I) draws vs real",
            )
    return figures


def _html(title: str, table_md_rows: list[dict], figures, notes) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for _, h, _ in COLUMNS)
    body = []
    for r in table_md_rows:
        cells = []
        for k, _, f in COLUMNS:
            v = r[k]
            text = "nan" if isinstance(v, float) and math.isnan(v) else f.format(v)
            cells.append(f"<td>{html.escape(text)}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    figs = "\n".join(
        f'<figure><img src="{html.escape(f)}" alt="{html.escape(c)}">'
        f"<figcaption>{html.escape(c)}</figcaption></figure>"
        for f, c in figures
    )
    note = "".join(f"<li>{html.escape(n)}</li>" for n in notes)
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title>
<style>
body {{ font-family: sans-serif; margin: 2em; }}
table {{ border-collapse: collapse; font-size: 0.85em; }}
th, td {{ border: 1px solid #ccc; padding: 0.3em 0.6em; text-align: right; }}
td:first-child, th:first-child {{ text-align: left; }}
figure {{ display: inline-block; margin: 1em; vertical-align: top; }}
img {{ max-width: 640px; }}
</style></head><body>
<h1>{html.escape(title)}</h1>
<ul>{note}</ul>
<p>Held-out data. p-values: N(0, I) tests (radii ‖z‖² vs χ²<sub>d</sub>, per-coordinate with
Holm correction, sliced, moment/KL, MMD) and affine-invariant tests (Mardia, Henze–Zirkler),
which only ask "is it <em>a</em> Gaussian?". Gaussianity score: −MMD² to N(0, I), 0 is best.
Sample energy: energy distance between decoded N(0, I) draws and held-out rows
(lower is better).</p>
<table><thead><tr>{head}</tr></thead><tbody>{"".join(body)}</tbody></table>
{figs}
</body></html>
"""
