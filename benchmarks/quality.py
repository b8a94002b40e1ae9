"""Held-out quality of every regularizer: the table behind the defaults.

For each dataset (standardised, 70/30 split, random_state=0) and each model
(GaussianAutoencoder with each registered regularizer at its defaults, the
default configuration, and PCA/QuantileTransformer baselines) it prints the
held-out reconstruction MSE as a ratio to PCA(n_components), the p-values of the
N(0, I) battery of issue #7 (radii KS vs chi2_d, per-coordinate with Holm,
sliced, moment, MMD), whether all pass at 0.01, the energy distance of decoded
samples to held-out rows as a ratio to GaussianMixture(10)'s samples, and the
fit time.

    python benchmarks/quality.py                       # digits (d=8), wine (d=3)
    python benchmarks/quality.py --datasets digits --regularizers default,edf
    python benchmarks/quality.py --oracle 200   # the best any encoder can do here
    python benchmarks/quality.py --splits 8     # PCA whitening and the default, 8 splits
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import torch
from _report import write
from sklearn import datasets
from sklearn.decomposition import PCA
from sklearn.mixture import GaussianMixture
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

from skgauss import REGULARIZERS, GaussianAutoencoder, stats
from skgauss.stats import energy_distance as _energy_distance

SETS = {"digits": ("load_digits", 8), "wine": ("load_wine", 3),
        "breast_cancer": ("load_breast_cancer", 4)}
# the N(0, I) battery of issue #7: short name -> entry of the registry skgauss.stats.TESTS
_NAMES = {"radii": "radii_ks", "coordinates": "coordinate_cvm", "sliced": "sliced_cvm",
          "moment": "moment_kl", "mmd": "mmd"}
BATTERY = list(_NAMES)


def battery(Z: np.ndarray, seed: int = 0) -> dict[str, float]:
    """p-values of the N(0, I) battery of issue #7 (tests of the registry)."""
    return {k: stats.TESTS[name].run(Z, random_state=seed).pvalue for k, name in _NAMES.items()}


def load(name: str, seed: int = 0):
    loader, d = SETS[name]
    X = getattr(datasets, loader)().data.astype(float)
    X_train, X_test = train_test_split(X, test_size=0.3, random_state=seed)
    scaler = StandardScaler().fit(X_train)
    return scaler.transform(X_train), scaler.transform(X_test), d


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
    passes = {k: 0 for k in [*BATTERY, "all"]}
    for r in range(repeats):
        train, test = rng.standard_normal((n_train, d)), rng.standard_normal((n_test, d))
        vals, vecs = np.linalg.eigh(np.cov(train.T))
        Z = (test - train.mean(0)) @ (vecs / np.sqrt(vals)) @ vecs.T
        p = battery(Z, seed + r)
        for k, v in p.items():
            passes[k] += v > 0.01
        passes["all"] += all(v > 0.01 for v in p.values())
    return {k: v / repeats for k, v in passes.items()}


def main_oracle(repeats: int, seed: int) -> None:
    lines = ["| training rows | test rows | d | " + " | ".join(BATTERY) + " | all five |",
             "|---" * (len(BATTERY) + 4) + "|"]
    print(*lines, sep="\n")
    # digits: 1257 training rows, 1131 of them after the default validation split
    for n_train in (1131, 1257, 10_000):
        rates = oracle(n_train, 540, 8, repeats, seed)
        lines.append(f"| {n_train} | 540 | 8 | " + " | ".join(
            f"{rates[k]:.2f}" for k in [*BATTERY, "all"]) + " |")
        print(lines[-1], flush=True)
    write("quality-oracle", lines, notes=(
        f"Pass rates at p > 0.01 over {repeats} draws: N(0, I) codes whitened with the "
        "training rows' mean and covariance, tested on fresh rows (`oracle()`)."))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--datasets", default="digits,wine")
    parser.add_argument("--regularizers", default="default," + ",".join(REGULARIZERS))
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--oracle", type=int, default=0, metavar="REPEATS",
                        help="instead: pass rates of the battery for whitened Gaussian "
                             "codes (what the split allows at best), over REPEATS draws")
    parser.add_argument("--splits", type=int, default=0, metavar="N",
                        help="instead: PCA whitening and the default on N random "
                             "digits splits")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    if args.oracle:
        main_oracle(args.oracle, args.seed)
        return
    if args.splits:
        main_splits(args.splits)
        return
    lines = ["| data | model | recon ÷ PCA | p radii | p coords | p sliced | p moment | p MMD "
             "| all > 0.01 | sample energy ÷ GMM(10) | fit s | ‖mean‖ | cov eigenvalues "
             "| radii² spread |", "|---" * 14 + "|"]
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
          f"{args.seed}); p-values of the N(0, I) battery of issue #7.")


if __name__ == "__main__":
    main()
