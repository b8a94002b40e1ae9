"""Synthetic rows of real mixed-type tables: skgauss against TVAE, CTGAN and GMM(10).

Four real tables that ship inside installable packages (nothing is downloaded):
``penguins``, ``tips`` and ``heart`` from pingouin's bundled datasets, ``anes96``
(the 1996 American National Election Study extract) from statsmodels. Each is
split 70/30 (seed 0); every model is fitted on the 70 % and samples 1 000 rows,
which are compared with the held-out 30 %:

- ``shapes`` and ``trends``: :func:`skgauss.metrics.fidelity_report` (SDMetrics'
  Column Shapes and Column Pair Trends, every pair counted);
- ``energy``: energy distance between the 1 000 samples and the held-out rows in
  the encoded space of the training rows (standardised numeric columns, one-hot
  categories), ``2 E|s - x| - E|s - s'| - E|x - x'|``;
- ``fit s`` and ``fit CPU s``: wall-clock and CPU seconds of ``fit`` (one torch
  thread; the CPU time is what the time target reads, as it is far less
  sensitive to other jobs on a shared machine).

Models: ``skgauss`` = ``GaussianAutoencoder(categorical_features="from_dtype")``
with every other parameter at its default; ``gmm`` = ``GaussianMixture(10)`` on
the same encoding, categories by arg-max, integers rounded, clipped to the
training range; ``tvae`` and ``ctgan`` = ``ctgan.TVAE()`` / ``ctgan.CTGAN()`` at
their defaults (300 epochs), categorical columns passed as ``discrete_columns``.
TVAE/CTGAN need the ``ctgan`` package, which is not a dependency of skgauss: run
them in their own environment with ``PYTHONPATH`` pointing at this repository.

Each (table, model) result is stored in ``--cache`` (JSON) as soon as it is
measured, so the slow models can run separately; ``--report`` writes
``benchmarks/results/tabular.md`` from every ``results/tabular*.json``::

    OMP_NUM_THREADS=1 python benchmarks/tabular.py --models skgauss,gmm
    OMP_NUM_THREADS=1 PYTHONPATH=. /path/to/venv-with-ctgan/bin/python \\
        benchmarks/tabular.py --models tvae,ctgan --cache benchmarks/results/tabular-anchors.json
    python benchmarks/tabular.py --report
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np
import pandas as pd

RESULTS = Path(__file__).parent / "results"
N_SAMPLES = 1000

PID = ["Strong Democrat", "Weak Democrat", "Independent-Democrat",
       "Independent-Independent", "Independent-Republican", "Weak Republican",
       "Strong Republican"]


def _pingouin(name: str) -> pd.DataFrame:
    import pingouin

    return pingouin.read_dataset(name)


def penguins() -> pd.DataFrame:
    """344 penguins (pingouin): species, island, sex (with missing) + 4 measures."""
    df = _pingouin("penguins")
    return df.dropna(subset=["bill_length_mm"]).reset_index(drop=True)


def tips() -> pd.DataFrame:
    """244 restaurant bills (pingouin): 4 text columns, 2 floats, the party size."""
    return _pingouin("tips")


def heart() -> pd.DataFrame:
    """303 heart-disease patients (pingouin ``chi2_independence``): 9 integer-coded
    categorical columns made ``category`` dtype, 5 numeric."""
    df = _pingouin("chi2_independence")
    df.columns = [c.lstrip("\ufeff") for c in df.columns]
    for c in ("sex", "cp", "fbs", "restecg", "exang", "slope", "ca", "thal", "target"):
        df[c] = df[c].astype("category")
    return df


def anes96() -> pd.DataFrame:
    """944 voters (statsmodels ``anes96``): party identification and vote as text,
    population (float), TV news, three 1-7 ratings, age, education, income (ints)."""
    from statsmodels.datasets import anes96 as data

    df = data.load_pandas().data.drop(columns="logpopul")
    ints = ["TVnews", "selfLR", "ClinLR", "DoleLR", "age", "educ", "income"]
    df[ints] = df[ints].astype(np.int64)
    df["PID"] = np.array(PID, dtype=object)[df["PID"].astype(int)]
    df["vote"] = np.where(df["vote"] == 1, "Dole", "Clinton").astype(object)
    return df


TABLES = {"penguins": penguins, "tips": tips, "heart": heart, "anes96": anes96}


def _categorical(df: pd.DataFrame) -> list[str]:
    from skgauss._tabular import column_kinds

    names, mask, _ = column_kinds(df)
    return [n for n, m in zip(names, mask, strict=True) if m]


def fit_skgauss(train: pd.DataFrame, seed: int):
    from skgauss import GaussianAutoencoder

    model = GaussianAutoencoder(categorical_features="from_dtype", random_state=seed)
    return model.fit(train), lambda n: model.sample(n, random_state=seed)


def fit_gmm(train: pd.DataFrame, seed: int):
    from sklearn.mixture import GaussianMixture

    from skgauss._tabular import _TableCodec

    codec = _TableCodec.fit(train, "from_dtype")
    gmm = GaussianMixture(10, random_state=seed).fit(codec.encode(train))
    return gmm, lambda n: codec.decode(gmm.sample(n)[0])  # arg-max categories


def _ctgan(kind: str):
    def fit(train: pd.DataFrame, seed: int):
        import ctgan

        model = getattr(ctgan, kind)()
        model.set_random_state(seed)
        model.fit(train, discrete_columns=_categorical(train))
        return model, lambda n: model.sample(n)
    return fit


MODELS = {"skgauss": fit_skgauss, "gmm": fit_gmm, "tvae": _ctgan("TVAE"),
          "ctgan": _ctgan("CTGAN")}


def energy(codec, samples: pd.DataFrame, test: pd.DataFrame) -> float:
    """Energy distance (V-statistics) in the training rows' encoded space."""
    from scipy.spatial.distance import cdist

    codec.handle_unknown = "ignore"  # a synthetic row may hold a category not in training
    A, B = codec.encode(samples), codec.encode(test)
    return float(2 * cdist(A, B).mean() - cdist(A, A).mean() - cdist(B, B).mean())


def _warm_up() -> None:
    """One small torch training step, so that no model's timed fit pays torch's
    first-call costs (thread pools, kernels) alone."""
    import torch

    net = torch.nn.Linear(8, 8)
    optimizer = torch.optim.Adam(net.parameters())
    net(torch.randn(16, 8)).square().mean().backward()
    optimizer.step()


def run(table: str, model: str, seed: int) -> dict:
    import torch
    from sklearn.model_selection import train_test_split

    from skgauss._tabular import _TableCodec
    from skgauss.metrics import fidelity_report

    torch.set_num_threads(1)
    _warm_up()
    df = TABLES[table]()
    train, test = train_test_split(df, test_size=0.3, random_state=seed)
    train, test = train.reset_index(drop=True), test.reset_index(drop=True)
    start, cpu = time.perf_counter(), time.process_time()
    _, sample = MODELS[model](train, seed)
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    samples = sample(N_SAMPLES)
    samples = samples[list(df.columns)].astype(df.dtypes.to_dict())
    report = fidelity_report(test, samples)
    codec = _TableCodec.fit(train, "from_dtype")
    return {"table": table, "model": model, "rows": len(df), "columns": df.shape[1],
            "categorical": len(_categorical(df)), "shapes": report.column_shapes,
            "trends": report.column_pair_trends, "energy": energy(codec, samples, test),
            "fit_seconds": seconds, "fit_cpu_seconds": cpu, "seed": seed}


def report(caches: list[Path]) -> str:
    rows = {}
    for cache in caches:
        rows.update(json.loads(cache.read_text()))
    lines = ["| table (rows, columns, categorical) | model | shapes | trends | energy | fit s "
             "| fit CPU s |", "|---|---|---|---|---|---|---|"]
    verdicts = []
    for table in TABLES:
        got = {r["model"]: r for r in rows.values() if r["table"] == table}
        for model in MODELS:
            if model in got:
                r = got[model]
                lines.append(f"| {table} ({r['rows']}, {r['columns']}, {r['categorical']}) | "
                             f"{model} | {r['shapes']:.3f} | {r['trends']:.3f} | "
                             f"{r['energy']:.3f} | {r['fit_seconds']:.1f} | "
                             f"{r.get('fit_cpu_seconds', float('nan')):.1f} |")
        others = [got[m] for m in ("tvae", "ctgan", "gmm") if m in got]
        if "skgauss" in got and others:
            s = got["skgauss"]
            ok_shape = s["shapes"] >= max(o["shapes"] for o in others)
            ok_trend = s["trends"] >= max(o["trends"] for o in others)
            key = "fit_cpu_seconds"  # CPU time: the machine is shared, wall time is noisy
            ok_time = "tvae" in got and s[key] <= got["tvae"][key] / 10
            verdicts.append(
                f"- {table}: shapes >= best of {'/'.join(o['model'] for o in others)}: "
                f"{'yes' if ok_shape else 'no'}; trends: {'yes' if ok_trend else 'no'}; "
                f"fit <= TVAE/10: {'yes' if ok_time else 'no' if 'tvae' in got else 'n/a'}")
    return "\n".join(lines + ["", "Targets (skgauss against the others on each table):",
                              *verdicts])


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--models", default="skgauss,gmm")
    parser.add_argument("--tables", default=",".join(TABLES))
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--cache", type=Path, default=RESULTS / "tabular.json")
    parser.add_argument("--report", action="store_true",
                        help="write results/tabular.md from results/tabular*.json")
    args = parser.parse_args(argv)
    if args.report:
        text = report(sorted(RESULTS.glob("tabular*.json")))
        (RESULTS / "tabular.md").write_text(
            "# Synthetic mixed-type tables (`python benchmarks/tabular.py`)\n\n"
            "Held-out 30 %, 1 000 samples, seed 0, one torch thread; shapes/trends: "
            "skgauss.metrics.fidelity_report; energy: encoded space.\n\n" + text + "\n")
        print(text)
        return
    for table in args.tables.split(","):
        for model in args.models.split(","):
            result = run(table, model, args.seed)
            cache = json.loads(args.cache.read_text()) if args.cache.exists() else {}
            cache[f"{table}/{model}"] = result
            args.cache.write_text(json.dumps(cache, indent=1))
            print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
