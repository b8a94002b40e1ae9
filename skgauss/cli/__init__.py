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
import json
import math
import os
import shutil
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from .. import __version__

# ``name as name`` re-exports: names outside ``__all__`` that the tests and the benchmarks
# use as ``skgauss.cli.<name>``. ``compare`` looks ``_fit`` up in this module's namespace
# when it runs, so ``monkeypatch.setattr(skgauss.cli, "_fit", ...)`` takes effect.
from ._data import DATASETS, InputError, check_usable, decode_table, load_data
from ._evaluate import evaluate, format_table
from ._models import _alphas, _StopOnInterrupt, build_models
from ._models import _fit as _fit
from ._report import _html, _plots
from ._verdict import verdict

__all__ = ["main", "compare", "DATASETS"]


def compare(args) -> list[dict]:
    """Run the comparison described by parsed ``args``; return the table rows."""
    # scikit-learn and torch load here, not at import: `skgauss --help` stays fast
    from sklearn.decomposition import PCA
    from sklearn.model_selection import train_test_split
    from sklearn.preprocessing import StandardScaler

    alphas = _alphas(args.alpha)
    X, data_name, image_shape, notes, layout = load_data(args)
    if not 0 < args.test_size < 1:
        raise InputError(f"--test-size must be in (0, 1), got {args.test_size}")
    n_test = math.ceil(args.test_size * len(X))
    n_train = len(X) - n_test
    # the autoencoders hold out 10 % of the training rows for validation
    if n_test < 2 or n_train < max(10, args.n_components + 1):
        raise InputError(f"--test-size {args.test_size} leaves {n_train} training and "
                         f"{n_test} test rows: too few for n_components={args.n_components}")
    from .._common import check_device

    try:
        check_device(args.device)  # CUDA without a GPU, 'meta', ...: before training
    except ValueError as exc:
        raise InputError(f"--device {args.device!r} is not usable here: {exc}") from exc
    check_usable(X, data_name, args.n_components)
    models = build_models(args, X.shape[1], n_train)
    out = Path(args.out)
    if out.exists() and not out.is_dir():
        raise InputError(f"--out {out} exists and is not a folder")
    ancestor = next(p for p in (out, *out.parents) if p.exists())
    if not ancestor.is_dir() or not os.access(ancestor, os.W_OK):
        raise InputError(f"--out {out}: {ancestor} is not a writable folder")
    try:  # os.access says yes to root everywhere (/proc): try it, before training
        os.rmdir(tempfile.mkdtemp(prefix=".skgauss-probe-", dir=ancestor))
    except OSError as exc:
        raise InputError(f"--out {out}: cannot write in {ancestor}: {exc.strerror}") from exc
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
    def decode(M):  # standardised encoded rows -> rows of the table (fidelity scores)
        return decode_table(scaler.inverse_transform(M), layout)

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
        for k, (name, model) in enumerate(models.items(), 1):
            _say(f"[{k}/{len(models)}] fitting {name} ...")
            model, seconds = _fit(name, model, X_train, alphas, args)
            interrupt.check()
            fitted[name] = model
            _say(f"[{k}/{len(models)}] {name}: fitted in {seconds:.1f} s; testing held-out "
                 "codes and samples ...")
            rows.append(evaluate(name, model, seconds, X_test, pca_mse, args.seed, notes,
                                 decode=decode))
    conclusion = verdict(rows)
    for position, i in enumerate(conclusion.order, 1):
        rows[i]["rank"] = position
    ranked = [rows[i] for i in conclusion.order]
    if args.format == "json":  # stdout stays JSON: the verdict goes to stderr
        _say(str(conclusion))
        print(format_table(rows, "json"))
    else:
        print(f"{conclusion}\n\n{format_table(ranked, args.format)}")
        print("(every test's p-value and more columns: results.csv / results.json)")
    # write into a temporary sibling folder, then move files in: a failure
    # part-way leaves the output folder as it was
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".skgauss-", dir=out.parent))
    try:
        fields = list(dict.fromkeys(k for r in rows for k in r))  # every key, in order
        with open(tmp / "results.csv", "w", newline="") as fh:
            writer = csv.DictWriter(fh, fieldnames=fields)
            writer.writeheader()
            writer.writerows(rows)
        (tmp / "results.json").write_text(json.dumps(rows, indent=2))
        (tmp / "verdict.txt").write_text(str(conclusion) + "\n")
        figures = []
        if args.plots:
            inverse = scaler.inverse_transform
            figures = _plots(fitted, X_test, image_shape, inverse, tmp, rows, progress=_say)
        (tmp / "report.html").write_text(
            _html(f"skgauss compare — {data_name}", ranked, figures, notes, conclusion)
        )
        out.mkdir(exist_ok=True)
        for f in tmp.iterdir():
            os.replace(f, out / f.name)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print(
        f"report written to {out}/ (report.html, verdict.txt, results.csv, results.json"
        f"{', PNG plots' if args.plots else ''})",
        file=sys.stderr,
    )
    return rows


def _say(message: str) -> None:
    """A progress line on stderr, flushed at once."""
    print(message, file=sys.stderr, flush=True)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="skgauss", description=__doc__.split("\n")[0])
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser(
        "compare",
        help="train every regularizer and report Gaussianity against reconstruction",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    src = p.add_mutually_exclusive_group()
    src.add_argument("--data", help="CSV or Parquet file; numeric columns are used as "
                     "they are, text columns one-hot encoded")
    src.add_argument(
        "--dataset",
        default="digits",
        help=f"bundled scikit-learn dataset: {', '.join(DATASETS)} (default digits)",
    )
    p.add_argument("--target", action="append",
                   help="column(s) to drop (labels) from --data: a comma list, or repeat "
                        "the option")
    p.add_argument("--n-components", type=int, default=8)
    p.add_argument("--regularizers", help="comma list (default: every registered one)")
    p.add_argument(
        "--alpha",
        default="auto",
        help="penalty weight, or a comma list for a grid search with the "
        "trade-off refit (the winner is shown); default auto: 1.0, or 0.01 for kl "
        "and 0.1 for adversarial (alpha 1 collapses them)",
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
    p.add_argument("--threads", type=int, default=None,
                   help="CPU threads of every network (the estimators' n_threads; default: "
                        "their policy, one thread for networks this small)")
    p.add_argument("--no-variants", dest="variants", action="store_false",
                   help="leave out the generative-latent variants (single stage, + decoder "
                        "noise, + GMM sampler, + latent flow)")
    p.add_argument("--no-flow", dest="flow", action="store_false",
                   help="leave out GaussianFlow (included when zuko is installed)")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``skgauss`` console script; returns the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.max_epochs is not None and args.max_epochs < 1:
        parser.exit(2, "skgauss compare: error: --max-epochs must be >= 1\n")
    cpus = os.cpu_count() or 1
    if args.threads is not None and not 1 <= args.threads <= cpus:
        parser.exit(2, f"skgauss compare: error: --threads must be in [1, {cpus}] (the "
                       "CPUs here)\n")
    if not 0 <= args.seed < 2**32:
        parser.exit(2, "skgauss compare: error: --seed must be in [0, 2**32 - 1]\n")
    if args.n_jobs == 0:
        parser.exit(2, "skgauss compare: error: --n-jobs must be >= 1 or negative (-1: "
                       "every CPU)\n")
    try:
        compare(args)
    except InputError as exc:
        parser.exit(2, f"skgauss compare: error: {exc}\n")
    except KeyboardInterrupt:
        print("skgauss compare: interrupted; nothing written", file=sys.stderr)
        return 130
    return 0
