"""Output of ``skgauss compare``: the PNG plots and the HTML report.

The report reads only the results rows, the verdict and the figure list: a new model
(a new key of the model dict) gets its own tab, and a new key in the rows reaches the
details table, with no edit here.
"""

from __future__ import annotations

import html
import math
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ._evaluate import _cell, table_columns

__all__: list[str] = []


@dataclass(frozen=True)
class Figure:
    """A PNG written by :func:`_plots`: ``model`` None for an overview figure."""

    file: str
    caption: str
    model: str | None = None


def _slug(name: str) -> str:
    return "".join(ch if ch.isalnum() else "_" for ch in name).strip("_").lower()


def pareto_front(cost: np.ndarray, score: np.ndarray) -> np.ndarray:
    """Indices of the points not dominated (lower ``cost``, higher ``score``), by
    increasing cost. A point is dominated when another is at least as good on both and
    better on one; NaN points are never on the front."""
    cost, score = np.asarray(cost, dtype=float), np.asarray(score, dtype=float)
    ok = np.flatnonzero(np.isfinite(cost) & np.isfinite(score))
    front, best = [], -math.inf
    for i in ok[np.lexsort((-score[ok], cost[ok]))]:  # by cost, then best score first
        if score[i] > best:
            front.append(int(i))
            best = score[i]
    return np.array(front, dtype=int)


def _tradeoff(ax, rows) -> None:
    """Reconstruction ratio against Gaussianity score, every point named, and the
    Pareto front (no model both reconstructs better and is more Gaussian)."""
    x = np.array([r["recon_ratio_pca"] for r in rows], dtype=float)
    y = np.array([r["gaussianity"] for r in rows], dtype=float)
    front = pareto_front(x, y)
    on = np.zeros(len(rows), bool)
    on[front] = True
    ax.scatter(x[~on], y[~on], s=40, color="0.55", zorder=3, label="dominated")
    ax.scatter(x[on], y[on], s=60, color="C3", zorder=4, label="Pareto front")
    if len(front) > 1:
        ax.step(x[front], y[front], where="post", color="C3", lw=1.2, alpha=0.7)
    ax.set_yscale("symlog", linthresh=1e-3)  # scores crowd near 0 (the best)
    _label(ax, x, y, [r["model"] for r in rows], on)
    ax.set_xlabel("held-out reconstruction MSE ÷ PCA's (lower is better)")
    ax.set_ylabel("Gaussianity score (−MMD² to N(0, I); 0 is best; symlog)")
    ax.set_title("Trade-off: reconstruction against Gaussianity (up and left is better)")
    ax.legend(loc="best", fontsize=8)
    ax.grid(alpha=0.3)


def _label(ax, x, y, names, highlight, height: float = 11.0, width: float = 120.0) -> None:
    """Name every point; a label that would overlap one already placed (within
    ``width`` pixels to its side) moves by ``height`` pixels, up or down, staying
    inside the axes, with a thin line back to its point."""
    ok = np.isfinite(x) & np.isfinite(y)
    ax.margins(x=0.15, y=0.08)
    ax.autoscale_view()
    pix = np.full((len(x), 2), np.nan)
    pix[ok] = ax.transData.transform(np.column_stack([x[ok], y[ok]]))
    bottom, top = ax.transAxes.transform([(0, 0), (0, 1)])[:, 1]
    placed: list[tuple[float, float]] = []
    for i in sorted(np.flatnonzero(ok), key=lambda i: -pix[i, 1]):
        px, py = pix[i]
        steps = (k * s for k in range(40) for s in ((1,) if k == 0 else (-1, 1)))
        for dy in (height * k for k in steps):
            inside = bottom + height / 2 <= py + dy <= top - height / 2
            if inside and not any(abs(px - qx) < width and abs(py + dy - qy) < height
                                  for qx, qy in placed):
                break
        placed.append((px, py + dy))
        ax.annotate(names[i], (x[i], y[i]), xytext=(8, dy * 72 / ax.figure.dpi),
                    textcoords="offset points", fontsize=8, ha="left", va="center",
                    color="C3" if highlight[i] else "0.25",
                    arrowprops=None if dy == 0 else {"arrowstyle": "-", "color": "0.7",
                                                     "lw": 0.6})


def _plots(models, X_test, image_shape, inverse, folder: Path, rows,
           progress: Callable[[str], None] = lambda m: None) -> list[Figure]:
    """Write the PNGs (announcing each through ``progress``); return the figures."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from ..plotting import GaussianityDisplay, SampleDisplay, TrainingCurveDisplay

    figures: list[Figure] = []

    def save(fig, figure: Figure):
        fig.savefig(folder / figure.file, dpi=90)
        plt.close(fig)
        figures.append(figure)

    progress("plotting the trade-off ...")
    fig, ax = plt.subplots(figsize=(9, 5.5), constrained_layout=True)
    _tradeoff(ax, rows)
    save(fig, Figure("tradeoff.png",
                     "Reconstruction cost against Gaussianity of the held-out codes"))
    for k, (name, model) in enumerate(models.items(), 1):
        progress(f"[{k}/{len(models)}] plotting {name} ...")
        slug = _slug(name)
        disp = GaussianityDisplay.from_estimator(model, X_test, name=name)
        save(disp.figure_, Figure(f"gaussianity_{slug}.png",
                                  f"{name}: held-out codes against N(0, I)", name))
        if hasattr(model, "regularizer"):  # an autoencoder: reconstruction + penalty
            disp = TrainingCurveDisplay.from_estimator(model, name=name)
            save(disp.figure_, Figure(f"training_{slug}.png", f"{name}: training curves", name))
        if image_shape is not None and hasattr(model, "sample"):
            disp = SampleDisplay.from_estimator(model, X_test, image_shape=image_shape,
                                                inverse=inverse, random_state=0, name=name)
            save(disp.figure_, Figure(f"samples_{slug}.png",
                                      f"{name}: decoded N(0, I) draws vs real", name))
    return figures


_CSS = """
body { font-family: system-ui, sans-serif; margin: 1.5em 2em; color: #222; max-width: 1300px; }
h1 { font-size: 1.5em; margin-bottom: 0.2em; }
.verdict { border: 2px solid #2a6; background: #f3fbf5; padding: 0.6em 1.2em;
           border-radius: 6px; margin: 1em 0; }
.verdict h2 { margin: 0.2em 0 0.4em; font-size: 1.2em; }
.verdict .rule { color: #555; font-size: 0.85em; }
.verdict p.answer { font-size: 1.05em; line-height: 1.45; }
table { border-collapse: collapse; font-size: 0.85em; margin: 0.5em 0; }
th, td { border: 1px solid #ccc; padding: 0.25em 0.55em; text-align: right; }
th { background: #f0f0f0; }
td.model, th.model { text-align: left; }
td.pass { background: #dff3e3; } td.fail { background: #fbe3e1; }
.overview img { max-width: 820px; width: 100%; }
.tabs { margin-top: 1.5em; }
.tabs nav { display: flex; flex-wrap: wrap; gap: 0.3em; border-bottom: 2px solid #888; }
.tabs nav a { padding: 0.35em 0.8em; background: #eee; border: 1px solid #bbb;
              border-bottom: none; border-radius: 5px 5px 0 0; text-decoration: none;
              color: #222; font-size: 0.9em; }
.panel { display: none; padding: 0.8em 0; }
.panel:target, .panels:not(:has(.panel:target)) .panel:first-child { display: block; }
.panel figure { display: inline-block; margin: 0.5em; vertical-align: top; }
.panel img { max-width: 600px; width: 100%; }
figcaption { font-size: 0.85em; color: #444; }
details { margin: 1em 0; } summary { cursor: pointer; font-weight: bold; }
.notes { font-size: 0.85em; color: #444; }
"""


def _table(rows, columns, verdict_cols=True) -> str:
    head = "".join(f'<th class="{"model" if k == "model" else ""}">{html.escape(h)}</th>'
                   for k, h, _ in columns)
    body = []
    for r in rows:
        cells = []
        for k, _, f in columns:
            cls = "model" if k == "model" else ""
            if verdict_cols and k in ("p_affine", "p_standard"):
                ok = r.get("pass_" + k[2:])
                cls = "" if ok is None else ("pass" if ok else "fail")
            cells.append(f'<td class="{cls}">{html.escape(_cell(r.get(k), f, k))}</td>')
        body.append("<tr>" + "".join(cells) + "</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def _figure(f: Figure) -> str:
    return (f'<figure><img src="{html.escape(f.file)}" alt="{html.escape(f.caption)}">'
            f"<figcaption>{html.escape(f.caption)}</figcaption></figure>")


def _html(title: str, rows: list[dict], figures: list[Figure], notes, verdict) -> str:
    """The report: verdict, compact table, overview plots, one tab per model (in
    ranking order), every column in a details table, notes."""
    esc = html.escape
    v = verdict

    def names(xs):
        return esc(", ".join(xs)) if xs else "no model"

    verdict_html = (
        f'<section class="verdict"><h2>Verdict</h2>'
        f'<p class="answer">{esc(v.answer)}</p>'
        f"<p><b>Ranking:</b> {esc(' > '.join(v.ranking))}<br>"
        f'<span class="rule">{esc(v.rule)}.</span></p>'
        f"<p><b>Pass “a Gaussian?”</b> (affine-invariant tests, Holm, 0.05, {v.n_test} "
        f"held-out rows): {names(v.gaussian)}<br>"
        f"<b>Pass “N(0, I)?”</b> (tests against the standard normal, Holm, 0.05): "
        f"{names(v.standard)}</p></section>"
    )
    overview = "".join(_figure(f) for f in figures if f.model is None)
    models = [r["model"] for r in rows]
    nav = "".join(f'<a href="#m-{_slug(m)}">{i}. {esc(m)}</a>'
                  for i, m in enumerate(models, 1))
    panels = []
    for r in rows:
        m = r["model"]
        figs = "".join(_figure(f) for f in figures if f.model == m) or "<p>(no plots)</p>"
        one = _table([r], table_columns([r]))
        panels.append(f'<section class="panel" id="m-{_slug(m)}"><h3>{esc(m)}</h3>'
                      f"{one}{figs}</section>")
    # the open tab's link is drawn as selected (the first one when none is targeted)
    slugs = [_slug(m) for m in models]
    active = "".join(f'.tabs:has(#m-{g}:target) nav a[href="#m-{g}"],' for g in slugs)
    first = f'.tabs:not(:has(.panel:target)) nav a[href="#m-{slugs[0]}"]' if slugs else ""
    tab_css = (f"{active}{first} {{ background: #fff; font-weight: bold; "
               "border-color: #888; }}") if slugs else ""
    keys = list(dict.fromkeys(k for r in rows for k in r))
    every = [(k, k, "{:.3g}" if k != "model" else "{}") for k in keys]
    note = "".join(f"<li>{esc(n)}</li>" for n in notes)
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{esc(title)}</title>
<style>{_CSS}{tab_css}</style></head><body>
<h1>{esc(title)}</h1>
{verdict_html}
{_table(rows, table_columns(rows))}
<p class="notes">Held-out data. <b>p a Gaussian?</b> and <b>p N(0,I)?</b>: the smallest
Holm-adjusted p-value of each family of tests (green: passes at 0.05). Gaussianity score:
−MMD² of the codes to N(0, I), 0 is best. Sample energy: unbiased energy distance between
decoded N(0, I) draws and held-out rows (0: indistinguishable). Every test's p-value is in
the details table below and in results.csv / results.json.</p>
<div class="overview">{overview}</div>
<div class="tabs"><nav>{nav}</nav><div class="panels">{''.join(panels)}</div></div>
<details><summary>Details: every column</summary>{_table(rows, every, False)}</details>
<ul class="notes">{note}</ul>
</body></html>
"""
