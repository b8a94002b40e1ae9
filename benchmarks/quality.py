"""Quality of the Gaussian latent: the side-by-side table of issue #14.

On six tables (digits, breast_cancer, wine, diabetes, a swiss roll and the
discrete-heavy anes96 survey; standardised, 70/30 split, random_state=0), each
row fits one model at its defaults: PCA whitening, GaussianMixture(10) in data
space and TVAE from ctgan (samples only), the single-stage autoencoder (the old
default), then with decoder noise, with the ex-post GMM sampler, with the latent
flow (also with penalty "none" and with dequantisation), and the estimator at
its current defaults ("default").
Columns: held-out reconstruction ÷ PCA's; p-values of the battery (Mardia
skewness and kurtosis, radii KS vs chi2_d, per-coordinate Cramér-von Mises
with Holm, sliced Cramér-von Mises) on held-out and on training codes; sample
energy distance to held-out rows ÷ GMM(10)'s; fit seconds. Then the targets of
the issue for each autoencoder row and the pass rates of an oracle (exact
Gaussian codes whitened with the training rows' mean and covariance) at each
table's sizes.

    python benchmarks/quality.py                      # everything (needs ctgan, statsmodels)
    python benchmarks/quality.py --datasets digits --models "single stage (old default);default"
    python benchmarks/quality.py --datasets digits --regularizers default,edf  # issue #7 table
    python benchmarks/quality.py --splits 8     # PCA whitening and the default, 8 splits
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import torch
from _report import RESULTS, write
from sklearn import datasets
from sklearn.decomposition import PCA
from sklearn.mixture import GaussianMixture
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

from skgauss import GaussianAutoencoder, stats


def _energy_distance(A: np.ndarray, B: np.ndarray) -> float:
    """Energy distance 2E‖a−b‖ − E‖a−a'‖ − E‖b−b'‖ (V-statistics): the estimate
    behind ``benchmarks/results/quality-side-by-side.md`` (skgauss.stats's
    ``energy_distance`` is the unbiased one)."""
    from scipy.spatial.distance import cdist

    return float(2 * cdist(A, B).mean() - cdist(A, A).mean() - cdist(B, B).mean())


def _swiss_roll():
    return datasets.make_swiss_roll(1500, noise=0.5, random_state=0)[0]


def _anes96():
    """The 1996 American National Election Study (statsmodels' bundled copy,
    944 rows): seven-point scales, party id, education, income bracket, vote,
    age. The population columns are dropped: what stays is discrete-heavy."""
    try:
        from statsmodels.datasets import anes96
    except ImportError as exc:
        raise SystemExit("the anes96 table needs statsmodels: pip install statsmodels") from exc
    frame = anes96.load_pandas().data
    return frame.drop(columns=["popul", "logpopul"]).to_numpy(float)


def _bundled(name: str):
    return lambda: getattr(datasets, name)().data.astype(float)


#: table -> (loader, n_components)
TABLES = {"digits": (_bundled("load_digits"), 8), "wine": (_bundled("load_wine"), 3),
          "breast_cancer": (_bundled("load_breast_cancer"), 4),
          "diabetes": (_bundled("load_diabetes"), 4), "swiss_roll": (_swiss_roll, 2),
          "anes96": (_anes96, 4)}
SETS = TABLES  # the name older scripts import
#: the battery of issue #14: affine-invariant (Mardia) and against N(0, I)
BATTERY = ["skewness", "kurtosis", "radii", "coordinates", "sliced"]
#: the tests the held-out target of issue #14 counts
TARGET_TESTS = ["skewness", "kurtosis", "radii", "sliced"]


def battery(Z: np.ndarray, seed: int = 0) -> dict[str, float]:
    """p-values of the battery of issue #14 (Mardia skewness and kurtosis, radii
    KS vs chi2_d, per-coordinate Cramér-von Mises with Holm, sliced Cramér-von
    Mises)."""
    return {
        "skewness": stats.mardia_skewness(Z).pvalue,
        "kurtosis": stats.mardia_kurtosis(Z).pvalue,
        "radii": stats.radii_test(Z, method="ks").pvalue,
        "coordinates": stats.coordinate_test(Z).pvalue,
        "sliced": stats.sliced_test(Z, random_state=seed).pvalue,
    }


def load(name: str, seed: int = 0):
    """Standardised 70/30 split of a table, and its n_components."""
    loader, d = TABLES[name]
    X_train, X_test = train_test_split(loader(), test_size=0.3, random_state=seed)
    scaler = StandardScaler().fit(X_train)
    return scaler.transform(X_train), scaler.transform(X_test), d


def energy_ratio(samples: np.ndarray, X_train, X_test, seed: int = 0) -> float:
    """Energy distance of ``samples`` to the held-out rows ÷ that of as many
    draws of GaussianMixture(10) fitted on the training rows."""
    gmm = GaussianMixture(10, random_state=seed).fit(X_train)
    e_gmm = _energy_distance(gmm.sample(len(X_test))[0], X_test)
    return _energy_distance(samples, X_test) / e_gmm


def evaluate(model, X_train, X_test, d, seed=0) -> dict:
    start = time.perf_counter()
    model.fit(X_train)
    seconds = time.perf_counter() - start
    pca = PCA(d, random_state=seed).fit(X_train)

    def mse(m):
        return np.mean((m.inverse_transform(m.transform(X_test)) - X_test) ** 2)

    Z = model.transform(X_test)
    p = battery(Z, seed)
    n = len(X_test)
    gmm = GaussianMixture(10, random_state=seed).fit(X_train)
    e_gmm = _energy_distance(gmm.sample(n)[0], X_test)
    if hasattr(model, "sample"):
        e_model = _energy_distance(model.sample(n, random_state=seed), X_test)
    else:
        e_model = _energy_distance(
            model.inverse_transform(np.random.RandomState(seed).standard_normal((n, d))), X_test)
    return {"recon_ratio": mse(model) / mse(pca), **p,
            "all_pass": all(v > 0.01 for v in p.values()),
            "energy_ratio_gmm": e_model / e_gmm, "fit_s": seconds, **shape(Z)}


def shape(Z: np.ndarray) -> dict[str, float]:
    """What the battery hinges on: the norm of the codes' mean (about
    sqrt(d / n) for N(0, I)), the extreme eigenvalues of their covariance, and
    the spread of squared radii relative to chi2_d's (1 for N(0, I))."""
    eig = np.linalg.eigvalsh(np.cov(Z.T))
    d = Z.shape[1]
    return {"mean_norm": float(np.linalg.norm(Z.mean(0))), "eig_min": float(eig[0]),
            "eig_max": float(eig[-1]),
            "radii_spread": float((Z**2).sum(1).std() / np.sqrt(2 * d))}


def main_splits(n_splits: int) -> None:
    """PCA whitening and the default on digits over several random splits."""
    X = datasets.load_digits().data.astype(float)
    lines = ["| split seed | model | " + " | ".join(f"p {k}" for k in BATTERY)
             + " | recon ÷ PCA |", "|---" * (len(BATTERY) + 3) + "|"]
    print(*lines, sep="\n")
    for seed in range(n_splits):
        X_train, X_test = train_test_split(X, test_size=0.3, random_state=seed)
        scaler = StandardScaler().fit(X_train)
        X_train, X_test = scaler.transform(X_train), scaler.transform(X_test)
        pca = PCA(8, random_state=0).fit(X_train)
        pca_mse = np.mean((pca.inverse_transform(pca.transform(X_test)) - X_test) ** 2)
        for name, model in [("PCA(whiten)", PCA(8, whiten=True, random_state=0)),
                            ("default", GaussianAutoencoder(8, random_state=0))]:
            model.fit(X_train)
            p = battery(model.transform(X_test))
            mse = np.mean((model.inverse_transform(model.transform(X_test)) - X_test) ** 2)
            lines.append(f"| {seed} | {name} | " + " | ".join(f"{p[k]:.2g}" for k in BATTERY)
                         + f" | {mse / pca_mse:.2f} |")
            print(lines[-1], flush=True)
    write("quality-splits", lines, notes="digits, n_components=8, 70/30 splits.")


def oracle(n_train: int, n_test: int, d: int, repeats: int, seed: int = 0) -> dict:
    """How often the battery passes for the best any encoder can do from a sample.

    Codes that *are* Gaussian, normalised by the mean and covariance of ``n_train``
    training codes (whitening: what a penalty fitted on the training codes
    achieves at best), tested on ``n_test`` fresh rows. The battery assumes the
    exact N(0, I), so the normalisation's own O(1/sqrt(n_train)) error is
    rejected with some probability: the pass rate of each test (and of all
    five) that no estimator trained on ``n_train`` rows can beat on average.
    """
    rng = np.random.default_rng(seed)
    passes = {k: 0 for k in [*BATTERY, "target", "all"]}
    for r in range(repeats):
        train, test = rng.standard_normal((n_train, d)), rng.standard_normal((n_test, d))
        vals, vecs = np.linalg.eigh(np.cov(train.T))
        Z = (test - train.mean(0)) @ (vecs / np.sqrt(vals)) @ vecs.T
        p = battery(Z, seed + r)
        for k, v in p.items():
            passes[k] += v > 0.01
        passes["all"] += all(v > 0.01 for v in p.values())
        passes["target"] += all(p[k] > 0.01 for k in TARGET_TESTS)
    return {k: v / repeats for k, v in passes.items()}


#: the decoder covariance the variants use (benchmarks/decoder_covariance.py)
COV = "full"
#: rows of the side-by-side table: name -> GaussianAutoencoder options (None: a
#: baseline built in ``side_by_side``); each is spelled out in full so that the
#: rows keep their meaning when the defaults change
SINGLE_STAGE = dict(decoder_covariance=None, latent_sampler="normal", latent_flow=None,
                    dequantize="none")
VARIANTS = {
    "PCA(whiten)": None,
    "GMM(10) in data space": None,
    "TVAE (ctgan)": None,
    "single stage (old default)": SINGLE_STAGE,
    "+ decoder noise": {**SINGLE_STAGE, "decoder_covariance": COV},
    "+ noise + GMM sampler": {**SINGLE_STAGE, "decoder_covariance": COV,
                             "latent_sampler": "gmm"},
    "+ noise + latent flow": {**SINGLE_STAGE, "decoder_covariance": COV, "latent_flow": "nsf"},
    "+ noise + flow, penalty none": {**SINGLE_STAGE, "decoder_covariance": COV,
                                    "latent_flow": "nsf", "regularizer": "none"},
    "+ noise + flow + dequantize": {**SINGLE_STAGE, "decoder_covariance": COV,
                                  "latent_flow": "nsf", "dequantize": "uniform"},
    "default": {},
}


def _tvae(X_train, n: int, seed: int) -> np.ndarray:
    """TVAE from ctgan at its defaults (every column continuous), n samples."""
    import pandas as pd
    from ctgan import TVAE

    torch.manual_seed(seed)
    np.random.seed(seed)  # noqa: NPY002 (ctgan draws from numpy's global RNG)
    columns = [f"x{j}" for j in range(X_train.shape[1])]
    model = TVAE(enable_gpu=False)
    model.fit(pd.DataFrame(X_train, columns=columns))
    return model.sample(n)[columns].to_numpy(float)


def evaluate_variant(name: str, X_train, X_test, d: int, seed: int) -> dict:
    """Fit one row of the side-by-side table and measure it."""
    options = VARIANTS[name]
    n = len(X_test)
    start = time.perf_counter()
    if name == "GMM(10) in data space":
        samples = GaussianMixture(10, random_state=seed).fit(X_train).sample(n)[0]
        return {"energy": energy_ratio(samples, X_train, X_test, seed),
                "fit_s": time.perf_counter() - start}
    if name == "TVAE (ctgan)":
        samples = _tvae(X_train, n, seed)
        return {"energy": energy_ratio(samples, X_train, X_test, seed),
                "fit_s": time.perf_counter() - start}
    if options is None:  # PCA(whiten)
        model = PCA(d, whiten=True, random_state=seed).fit(X_train)
        seconds = time.perf_counter() - start
        samples = model.inverse_transform(np.random.RandomState(seed).standard_normal((n, d)))
    else:
        model = GaussianAutoencoder(d, random_state=seed, **options).fit(X_train)
        seconds = time.perf_counter() - start
        samples = model.sample(n, random_state=seed)
    pca = PCA(d, random_state=seed).fit(X_train)

    def mse(m):
        return np.mean((m.inverse_transform(m.transform(X_test)) - X_test) ** 2)

    return {"recon": mse(model) / mse(pca), "held_out": battery(model.transform(X_test), seed),
            "train": battery(model.transform(X_train), seed),
            "energy": energy_ratio(samples, X_train, X_test, seed), "fit_s": seconds}


def _p(r: dict, part: str) -> str:
    if part not in r:
        return " | ".join(["–"] * (len(BATTERY) + 1))
    p = r[part]
    tests = TARGET_TESTS if part == "held_out" else BATTERY
    passed = sum(p[k] > 0.01 for k in tests)
    return " | ".join(f"{p[k]:.2g}" for k in BATTERY) + f" | {passed}/{len(tests)}"


def targets(results: dict, model: str) -> list[str]:
    """The targets of issue #14 for the row ``model``, from the table's results."""
    rows = {t: r[model] for t, r in results.items() if model in r and "train" in r[model]}
    if not rows:
        return []
    old = {t: results[t].get("single stage (old default)", {}).get("fit_s") for t in rows}
    tvae = {t: results[t].get("TVAE (ctgan)", {}).get("energy") for t in rows}
    n = len(rows)
    train_ok = [t for t, r in rows.items() if all(v > 0.01 for v in r["train"].values())]
    held_ok = [t for t, r in rows.items()
               if all(r["held_out"][k] > 0.01 for k in TARGET_TESTS)]
    e1 = [t for t, r in rows.items() if r["energy"] <= 1.0]
    e13 = [t for t, r in rows.items() if r["energy"] <= 1.3]
    tv = [t for t, r in rows.items() if tvae[t] is not None and r["energy"] < tvae[t]]
    rec = [t for t, r in rows.items() if r["recon"] <= 1.05]
    ratio = {t: r["fit_s"] / old[t] for t, r in rows.items() if old[t]}
    return [
        f"| target ({model}) | met on | tables |", "|---|---|---|",
        f"| training codes pass all {len(BATTERY)} tests on every table | {len(train_ok)}/{n} "
        f"| {', '.join(train_ok)} |",
        f"| held-out passes {', '.join(TARGET_TESTS)} on >= 5 of 6 | {len(held_ok)}/{n} "
        f"| {', '.join(held_ok)} |",
        f"| samples <= 1.0x GMM(10) on >= 4 of 6 | {len(e1)}/{n} | {', '.join(e1)} |",
        f"| samples <= 1.3x GMM(10) on all | {len(e13)}/{n} | {', '.join(e13)} |",
        f"| samples better than TVAE on every table | {len(tv)}/{n} | {', '.join(tv)} |",
        f"| held-out recon <= 1.05x PCA on every table | {len(rec)}/{n} | {', '.join(rec)} |",
        "| fit time ÷ old default's (<= 3) | "
        + ", ".join(f"{t} {v:.1f}" for t, v in ratio.items()) + " | |",
        "| sample energy ÷ GMM(10) | " + ", ".join(
            f"{t} {r['energy']:.2f}" for t, r in rows.items()) + " | |",
    ]


def side_by_side(tables: list[str], models: list[str], seed: int, repeats: int) -> None:
    """The side-by-side table of issue #14, its targets and the oracle's pass rates."""
    import json
    import traceback

    head = ("| data | model | recon ÷ PCA | " + " | ".join(f"held-out p {k}" for k in BATTERY)
            + f" | held-out passes ({len(TARGET_TESTS)}) | "
            + " | ".join(f"train p {k}" for k in BATTERY)
            + f" | train passes ({len(BATTERY)}) | sample energy ÷ GMM(10) | fit s |")
    lines = [head, "|---" * (2 * len(BATTERY) + 7) + "|"]
    print(*lines, sep="\n", flush=True)
    results: dict = {}
    oracle_lines = ["| data | training rows | held-out rows | d | oracle: all "
                    f"{len(TARGET_TESTS)} held-out tests pass | all {len(BATTERY)} pass |",
                    "|---" * 6 + "|"]
    for data in tables:
        X_train, X_test, d = load(data, seed)
        results[data] = {}
        seen: dict = {}  # an autoencoder row with the same parameters as an earlier one
        for name in models:
            key = None
            if VARIANTS[name] is not None:
                key = repr(sorted(GaussianAutoencoder(d, random_state=seed, **VARIANTS[name])
                                  .get_params().items()))
            if key in seen:  # same estimator, same seed: the same figures
                r = {**results[data][seen[key]], "same_as": seen[key]}
            else:
                try:
                    r = evaluate_variant(name, X_train, X_test, d, seed)
                except Exception:  # one failed row must not lose the run
                    traceback.print_exc()
                    continue
                if key is not None:
                    seen[key] = name
            results[data][name] = r
            recon = f"{r['recon']:.2f}" if "recon" in r else "–"
            label = f"{name} (= {r['same_as']})" if "same_as" in r else name
            lines.append(f"| {data} | {label} | {recon} | {_p(r, 'held_out')} | "
                         f"{_p(r, 'train')} | {r['energy']:.2f} | {r['fit_s']:.1f} |")
            print(lines[-1], flush=True)
        if repeats:
            rates = oracle(len(X_train), len(X_test), d, repeats, seed)
            oracle_lines.append(f"| {data} | {len(X_train)} | {len(X_test)} | {d} | "
                                f"{rates['target']:.2f} | {rates['all']:.2f} |")
            print(oracle_lines[-1], flush=True)
        json_path = RESULTS / "quality-side-by-side.json"
        json_path.write_text(json.dumps(results, indent=1))
    summary = []
    for name in models:  # every autoencoder row, as a candidate default
        if VARIANTS[name] is not None:
            summary += targets(results, name) + [""]
    print(*summary, sep="\n")
    write("quality-side-by-side", lines + [""] + summary + oracle_lines, notes=(
        f"70/30 split (random_state={seed}), standardised on the training rows, each model "
        "at its defaults with n_components d of the table. p-values: Mardia skewness and "
        "kurtosis, radii KS vs chi2_d, per-coordinate Cramér-von Mises (Holm), sliced "
        "Cramér-von Mises (Bonferroni); passes count "
        "p > 0.01 (held-out: the four tests of the target; training codes: all five). "
        "Energy: distance of n_test samples (with decoder noise where the row has it) to "
        "the held-out rows ÷ GMM(10)'s. GMM(10) and TVAE give samples only. Fit seconds "
        "on a CPU shared with other jobs: compare within a table. Oracle: N(0, I) codes "
        f"whitened with the training rows' mean and covariance, {repeats} draws."))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--datasets", default=",".join(TABLES))
    parser.add_argument("--models", default=";".join(VARIANTS),
                        help="rows of the side-by-side table, separated by ';'")
    parser.add_argument("--regularizers", default=None,
                        help="instead: one row per regularizer (the issue #7 table)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--oracle", type=int, default=100, metavar="REPEATS",
                        help="oracle pass rates over REPEATS draws per table (0: none)")
    parser.add_argument("--splits", type=int, default=0, metavar="N",
                        help="instead: PCA whitening and the default on N random "
                             "digits splits")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    if args.splits:
        main_splits(args.splits)
        return
    if args.regularizers is None:
        side_by_side(args.datasets.split(","), args.models.split(";"), args.seed, args.oracle)
        return
    lines = ["| data | model | recon ÷ PCA | " + " | ".join(f"p {k}" for k in BATTERY)
             + " | all > 0.01 | sample energy ÷ GMM(10) | fit s | ‖mean‖ | cov eigenvalues "
             "| radii² spread |", "|---" * (len(BATTERY) + 9) + "|"]
    print(*lines, sep="\n")
    for data in args.datasets.split(","):
        X_train, X_test, d = load(data, args.seed)
        models = {"PCA(whiten)": PCA(d, whiten=True, random_state=args.seed)}
        for name in args.regularizers.split(","):
            if name == "default":
                models["default"] = GaussianAutoencoder(d, random_state=args.seed)
            else:
                models[name] = GaussianAutoencoder(d, regularizer=name, random_state=args.seed)
        for name, model in models.items():
            r = evaluate(model, X_train, X_test, d, args.seed)
            lines.append(f"| {data} | {name} | {r['recon_ratio']:.2f} | "
                         + " | ".join(f"{r[k]:.3g}" for k in BATTERY)
                         + f" | {'yes' if r['all_pass'] else 'no'} | "
                         f"{r['energy_ratio_gmm']:.2f} | {r['fit_s']:.1f} | "
                         f"{r['mean_norm']:.2f} | {r['eig_min']:.2f}–{r['eig_max']:.2f} | "
                         f"{r['radii_spread']:.2f} |")
            print(lines[-1], flush=True)
    write("quality", lines, notes="Held-out figures (70/30 split, random_state="
          f"{args.seed}); p-values of the N(0, I) battery.")


if __name__ == "__main__":
    main()
