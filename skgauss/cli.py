"""``skgauss compare``: how Gaussian is each latent, and at what reconstruction cost.

Trains every registered regularizer (plus linear baselines) on one dataset and
reports, for held-out data, the reconstruction error (and its ratio to PCA's),
the Gaussianity score, p-values of the N(0, I) tests and of the affine-invariant
tests, the energy distance of decoded samples to held-out rows and the fit time:
a table on the terminal, ``results.csv`` / ``results.json``, PNG plots and one
``report.html`` in the output folder.
"""

from __future__ import annotations

import argparse
import csv
import html
import importlib.util
import json
import math
import os
import shutil
import signal
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from sklearn.base import clone
from sklearn.decomposition import PCA
from sklearn.model_selection import GridSearchCV, train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import QuantileTransformer, StandardScaler

__all__ = ["main", "compare", "DATASETS"]

DATASETS = {
    "digits": ("load_digits", (8, 8)),
    "breast_cancer": ("load_breast_cancer", None),
    "wine": ("load_wine", None),
    "diabetes": ("load_diabetes", None),
    "iris": ("load_iris", None),
}
MIN_ROWS = 20

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
    ("fit_seconds", "fit s", "{:.1f}"),
]


class InputError(Exception):
    """Bad user input: reported as one line, exit code 2."""


# --------------------------------------------------------------------- data
def _read_table(path: Path):
    suffix = path.suffix.lower()
    if suffix in (".parquet", ".pq"):
        try:
            import pandas as pd

            return pd.read_parquet(path)
        except ImportError as exc:
            raise InputError(
                f"reading Parquet needs pandas and pyarrow ({exc})"
            ) from exc
        except Exception as exc:  # pyarrow raises many types for bad files
            raise InputError(f"cannot read {path} as Parquet: {exc}") from exc
    try:
        with open(path, newline="") as fh:
            rows = list(csv.reader(fh))
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read {path}: {exc}") from exc
    if len(rows) < 2:
        raise InputError(f"{path} has no data rows")
    return rows[0], rows[1:]


def _numeric_columns(header: Sequence[str], columns: Sequence[Sequence]) -> tuple:
    keep, skipped = [], []
    for name, values in zip(header, columns, strict=True):
        try:
            keep.append((name, np.asarray(values, dtype=float)))
        except (TypeError, ValueError):
            skipped.append(name)
    return keep, skipped


def load_data(args) -> tuple[np.ndarray, str, tuple | None, list[str]]:
    """Return ``(X, name, image_shape, notes)`` for ``--data`` or ``--dataset``."""
    notes: list[str] = []
    if args.data:
        path = Path(args.data)
        if not path.is_file():
            raise InputError(f"--data {path}: no such file")
        table = _read_table(path)
        if isinstance(table, tuple):
            header, body = table
            width = len(header)
            if any(len(r) != width for r in body):
                raise InputError(f"{path}: rows do not all have {width} fields")
            header = [h.strip() for h in header]
            columns = [[r[j].strip() for r in body] for j in range(width)]
        else:
            header = [str(c) for c in table.columns]
            columns = [table[c].to_numpy() for c in table.columns]
        if args.target is not None:
            if args.target not in header:
                raise InputError(f"--target {args.target!r} is not a column of {path}")
            j = header.index(args.target)
            header, columns = (
                header[:j] + header[j + 1 :],
                columns[:j] + columns[j + 1 :],
            )
        keep, skipped = _numeric_columns(header, columns)
        if skipped:
            notes.append(f"skipped non-numeric columns: {', '.join(skipped)}")
        if not keep:
            raise InputError(f"{path} has no numeric columns")
        X = np.column_stack([v for _, v in keep])
        if not np.isfinite(X).all():
            raise InputError(
                f"{path} has missing or infinite values in numeric columns"
            )
        name, image_shape = path.stem, None
    else:
        if args.dataset not in DATASETS:
            raise InputError(
                f"unknown dataset {args.dataset!r}; choose from {sorted(DATASETS)}"
            )
        import sklearn.datasets

        loader, image_shape = DATASETS[args.dataset]
        X, name = getattr(sklearn.datasets, loader)().data.astype(float), args.dataset
    if len(X) < MIN_ROWS:
        raise InputError(f"{len(X)} rows is too few: need at least {MIN_ROWS}")
    return X, name, image_shape, notes


# ------------------------------------------------------------------- models
def _alphas(text: str) -> list[float]:
    try:
        values = [float(a) for a in text.split(",") if a.strip()]
    except ValueError as exc:
        raise InputError(
            f"--alpha {text!r}: expected a number or a comma list"
        ) from exc
    if not values or any(not (a >= 0 and math.isfinite(a)) for a in values):
        raise InputError(f"--alpha {text!r}: values must be finite and >= 0")
    return values


def build_models(args, n_features: int, n_train: int) -> dict[str, object]:
    """Every requested regularizer as a GaussianAutoencoder, plus baselines."""
    from . import REGULARIZERS, GaussianAutoencoder

    names = (
        list(REGULARIZERS)
        if args.regularizers is None
        else [r.strip() for r in args.regularizers.split(",") if r.strip()]
    )
    unknown = [r for r in names if r not in REGULARIZERS]
    if unknown or not names:
        raise InputError(
            f"unknown regularizer(s) {unknown}; choose from {sorted(REGULARIZERS)}"
        )
    if not 1 <= args.n_components <= n_features:
        raise InputError(
            f"--n-components must be in [1, {n_features}], got {args.n_components}"
        )
    models: dict[str, object] = {
        "PCA(whiten)": PCA(args.n_components, whiten=True, random_state=args.seed),
        "Quantile+PCA(whiten)": make_pipeline(
            QuantileTransformer(
                output_distribution="normal",
                n_quantiles=min(1000, n_train),
                random_state=args.seed,
            ),
            PCA(args.n_components, whiten=True, random_state=args.seed),
        ),
    }
    params = {
        "n_components": args.n_components,
        "random_state": args.seed,
        "device": args.device,
    }
    if args.max_epochs is not None:
        params["max_epochs"] = args.max_epochs
    for name in names:
        models[name] = GaussianAutoencoder(regularizer=name, **params)
    if args.flow and importlib.util.find_spec("zuko") is not None:
        from . import GaussianFlow

        models["GaussianFlow(nsf)"] = GaussianFlow(**params)
    return models


class _EpochBar:
    """A tqdm bar over epochs, as a skorch callback (built lazily)."""

    @staticmethod
    def make(name: str, total: int):
        from skorch.callbacks import Callback
        from tqdm.auto import tqdm

        class EpochBar(Callback):
            def on_train_begin(self, net, **kwargs):
                self.bar_ = tqdm(
                    total=total,
                    desc=f"{name:>20}",
                    unit="epoch",
                    file=sys.stderr,
                    leave=True,
                )

            def on_epoch_end(self, net, **kwargs):
                self.bar_.update(1)

            def on_train_end(self, net, **kwargs):
                self.bar_.close()

        return EpochBar()


class _StopOnInterrupt:
    """Ctrl-C stops the whole run, not only the model being trained.

    skorch catches ``KeyboardInterrupt`` in ``fit`` and returns the model trained
    so far, so the run would go on with it. While active, a SIGINT is also
    remembered, and :meth:`check` (called between models) raises
    ``KeyboardInterrupt`` again: nothing is written and the command exits 130.
    """

    def __enter__(self):
        self.interrupted = False
        self._main = threading.current_thread() is threading.main_thread()
        if self._main:  # signal handlers can only be set from the main thread
            self._previous = signal.signal(signal.SIGINT, self._handle)
        return self

    def _handle(self, signum, frame):
        self.interrupted = True
        raise KeyboardInterrupt

    def check(self) -> None:
        if self.interrupted:
            raise KeyboardInterrupt

    def __exit__(self, *exc) -> None:
        if self._main:
            signal.signal(signal.SIGINT, self._previous)


def _fit(name, model, X_train, alphas, args):
    """Fit one model (a grid over alpha when several are given); return it and
    the seconds it took."""
    from .metrics import gaussianity_scorer, make_tradeoff_refit, reconstruction_scorer

    is_ae = hasattr(model, "regularizer")
    if is_ae:
        model.set_params(alpha=alphas[0])
        if args.progress:
            model.set_params(callbacks=[_EpochBar.make(name, model.max_epochs)])
    start = time.perf_counter()
    if is_ae and len(alphas) > 1:
        search = GridSearchCV(
            model,
            {"alpha": alphas},
            cv=3,
            n_jobs=args.n_jobs,
            scoring={
                "gaussianity": gaussianity_scorer,
                "reconstruction": reconstruction_scorer,
            },
            refit=make_tradeoff_refit(),
        ).fit(X_train)
        model = search.best_estimator_
    else:
        model = clone(model).fit(X_train)
    return model, time.perf_counter() - start


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
    from . import stats

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


def evaluate(name, model, seconds, X_test, pca_mse, seed, notes=None) -> dict:
    """One row of the results table for a fitted model; tests that cannot run
    on these codes give NaN and a line in ``notes``."""
    from .metrics import gaussianity_score

    notes = [] if notes is None else notes
    tests = _tests(seed)

    Z = model.transform(X_test)
    mse = float(np.mean((model.inverse_transform(Z) - X_test) ** 2))
    n_eval = min(len(X_test), 1000)
    row = {
        "model": name,
        "recon_mse": mse,
        "recon_ratio_pca": mse / pca_mse if pca_mse > 0 else float("nan"),
        "gaussianity": gaussianity_score(Z),
        **{key: _pvalue(test, Z, notes) for key, test in tests.items()},
        "sample_energy": _energy_distance(
            _sample(model, n_eval, Z.shape[1], seed), X_test[:n_eval]
        ),
        "fit_seconds": seconds,
    }
    return {k: (float(v) if k != "model" else v) for k, v in row.items()}


# ------------------------------------------------------------------ output
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


def _plots(
    models, X_test, image_shape, inverse, folder: Path, rows
) -> list[tuple[str, str]]:
    """Write the PNGs; return ``(file name, caption)`` pairs."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from .plotting import GaussianityDisplay, SampleDisplay, TrainingCurveDisplay

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


def compare(args) -> list[dict]:
    """Run the comparison described by parsed ``args``; return the table rows."""
    alphas = _alphas(args.alpha)
    X, data_name, image_shape, notes = load_data(args)
    if not 0 < args.test_size < 1:
        raise InputError(f"--test-size must be in (0, 1), got {args.test_size}")
    n_test = math.ceil(args.test_size * len(X))
    n_train = len(X) - n_test
    # the autoencoders hold out 10 % of the training rows for validation
    if n_test < 2 or n_train < max(10, args.n_components + 1):
        raise InputError(f"--test-size {args.test_size} leaves {n_train} training and "
                         f"{n_test} test rows: too few for n_components={args.n_components}")
    try:
        import torch

        torch.empty(0, device=args.device)
    except (RuntimeError, TypeError, ValueError) as exc:
        raise InputError(f"--device {args.device!r} is not usable here: {exc}") from exc
    models = build_models(args, X.shape[1], n_train)
    out = Path(args.out)
    if out.exists() and not out.is_dir():
        raise InputError(f"--out {out} exists and is not a folder")
    ancestor = next(p for p in (out, *out.parents) if p.exists())
    if not ancestor.is_dir() or not os.access(ancestor, os.W_OK):
        raise InputError(f"--out {out}: {ancestor} is not a writable folder")
    if args.plots:
        try:
            import matplotlib  # noqa: F401
        except ImportError as exc:
            raise InputError(
                "plots need matplotlib: pip install 'skgauss[plot]' "
                "(or pass --no-plots)"
            ) from exc
    X_train, X_test = train_test_split(
        X, test_size=args.test_size, random_state=args.seed
    )
    scaler = StandardScaler().fit(X_train)
    X_train, X_test = scaler.transform(X_train), scaler.transform(X_test)
    pca = PCA(args.n_components, random_state=args.seed).fit(X_train)
    pca_mse = float(
        np.mean((pca.inverse_transform(pca.transform(X_test)) - X_test) ** 2)
    )
    notes = [
        f"data: {data_name}, {len(X_train)} train / {len(X_test)} test rows, "
        f"{X.shape[1]} features, standardised; n_components={args.n_components}; "
        f"seed={args.seed}",
        *notes,
    ]
    for n in notes:
        print(n, file=sys.stderr)
    rows, fitted = [], {}
    with _StopOnInterrupt() as interrupt:
        for name, model in models.items():
            model, seconds = _fit(name, model, X_train, alphas, args)
            interrupt.check()
            fitted[name] = model
            rows.append(evaluate(name, model, seconds, X_test, pca_mse, args.seed, notes))
    print(format_table(rows, args.format))
    # write into a temporary sibling folder, then move files in: a failure
    # part-way leaves the output folder as it was
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".skgauss-", dir=out.parent))
    try:
        fields = [k for k, _, _ in COLUMNS]
        with open(tmp / "results.csv", "w", newline="") as fh:
            writer = csv.DictWriter(fh, fieldnames=fields)
            writer.writeheader()
            writer.writerows(rows)
        (tmp / "results.json").write_text(json.dumps(rows, indent=2))
        figures = []
        if args.plots:
            inverse = scaler.inverse_transform
            figures = _plots(fitted, X_test, image_shape, inverse, tmp, rows)
        (tmp / "report.html").write_text(
            _html(f"skgauss compare — {data_name}", rows, figures, notes)
        )
        out.mkdir(exist_ok=True)
        for f in tmp.iterdir():
            os.replace(f, out / f.name)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print(
        f"report written to {out}/ (report.html, results.csv, results.json"
        f"{', PNG plots' if args.plots else ''})",
        file=sys.stderr,
    )
    return rows


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="skgauss", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser(
        "compare",
        help="train every regularizer and report Gaussianity against reconstruction",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    src = p.add_mutually_exclusive_group()
    src.add_argument("--data", help="CSV or Parquet file; numeric columns are used")
    src.add_argument(
        "--dataset",
        default="digits",
        help=f"bundled scikit-learn dataset: {', '.join(DATASETS)} (default digits)",
    )
    p.add_argument("--target", help="column to drop (a label) from --data")
    p.add_argument("--n-components", type=int, default=8)
    p.add_argument("--regularizers", help="comma list (default: every registered one)")
    p.add_argument(
        "--alpha",
        default="1.0",
        help="penalty weight, or a comma list for a grid search with the "
        "trade-off refit (default 1.0)",
    )
    p.add_argument("--max-epochs", type=int, help="default: the estimator's")
    p.add_argument("--test-size", type=float, default=0.3)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--device", default="cpu")
    p.add_argument("--n-jobs", type=int, default=None, help="for the alpha grid search")
    p.add_argument("--out", default="skgauss-report", help="output folder")
    p.add_argument("--format", choices=("text", "markdown", "json"), default="text")
    p.add_argument(
        "--no-plots", dest="plots", action="store_false", help="skip the PNGs"
    )
    p.add_argument(
        "--no-progress", dest="progress", action="store_false", help="no progress bars"
    )
    p.add_argument("--threads", type=int, default=1,
                   help="torch intra-op threads (default 1: the small networks gain "
                        "nothing from more, and lose a lot when cores are shared)")
    p.add_argument("--no-flow", dest="flow", action="store_false",
                   help="leave out GaussianFlow (included when zuko is installed)")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``skgauss`` console script; returns the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.max_epochs is not None and args.max_epochs < 1:
        parser.exit(2, "skgauss compare: error: --max-epochs must be >= 1\n")
    if args.threads < 1:
        parser.exit(2, "skgauss compare: error: --threads must be >= 1\n")
    import torch

    torch.set_num_threads(args.threads)
    try:
        compare(args)
    except InputError as exc:
        parser.exit(2, f"skgauss compare: error: {exc}\n")
    except KeyboardInterrupt:
        print("skgauss compare: interrupted; nothing written", file=sys.stderr)
        return 130
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
