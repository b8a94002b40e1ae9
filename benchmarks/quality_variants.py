"""Variants tried for issue #7 that the estimator does not expose, measured.

A plain PyTorch loop trains the default autoencoder (64 -> 128 -> 128 -> 8 and
back, Adam 1e-3, batch 128, 100 epochs, sliced-Wasserstein penalty at its scale)
on digits' 70/30 split with one change at a time, and reports the held-out
figures of ``quality.py`` plus what they hinge on: the norm of the held-out
codes' mean (N(0, I) at n = 540: about 0.12), the extreme eigenvalues of their
covariance (N(0, I) at n = 540: about 0.77 and 1.26), and the spread of their
squared radii relative to chi2_d's (1 for N(0, I)).

    python benchmarks/quality_variants.py              # every variant, digits
    python benchmarks/quality_variants.py --surrogate  # Gaussian data, digits' moments

``--surrogate`` replaces digits by as many rows drawn from the Gaussian with
digits' mean and covariance: there a linear encoder is optimal, so what fails is
what finite data does to any encoder, not digits' shape.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import torch
from _report import write
from quality import BATTERY, battery, load
from sklearn import datasets
from sklearn.decomposition import PCA
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler
from torch import nn

from skgauss.nn import make_mlp
from skgauss.regularizers import REGULARIZERS, build, resolve

VARIANTS = {
    "default": {},
    "seed 1": {"seed": 1},
    "seed 2": {"seed": 2},
    "encoder (64,)": {"enc": (64,)},
    "encoder (32,), decoder (128, 128)": {"enc": (32,)},
    "linear encoder, decoder (128, 128)": {"enc": ()},
    "dropout 0.1 in the encoder": {"dropout": 0.1},
    "spectral norm on the encoder": {"spectral": True},
    "penalty also on noisy inputs (σ 0.3)": {"noisy": 0.3},
    "penalty also on mixup inputs": {"mixup": 0.5},
    "batch norm on the code layer": {"bn": True},
    "code batch norm, alpha 3": {"bn": True, "alpha": 3.0},
    "code batch norm, alpha 5": {"bn": True, "alpha": 5.0},
    "code batch norm, alpha 5, seed 1": {"bn": True, "alpha": 5.0, "seed": 1},
    "code batch norm, alpha 5, 200 epochs": {"bn": True, "alpha": 5.0, "epochs": 200},
    "code batch norm, alpha 5, + edf 0.3": {"bn": True, "alpha": 5.0, "edf": 0.3},
    "recon on 50 % of rows, penalty on the others": {"split": 0.5},
}


def data(surrogate: bool):
    if not surrogate:
        return load("digits")
    X = datasets.load_digits().data.astype(float)
    G = np.random.RandomState(0).multivariate_normal(X.mean(0), np.cov(X.T), size=len(X))
    G_train, G_test = train_test_split(G, test_size=0.3, random_state=0)
    scaler = StandardScaler().fit(G_train)
    return scaler.transform(G_train), scaler.transform(G_test), 8


def train(X_train, d, enc=(128, 128), epochs=100, alpha=1.0, dropout=0.0, spectral=False,
          noisy=0.0, mixup=0.0, bn=False, edf=0.0, split=0.0, seed=0):
    torch.manual_seed(seed)
    layers, n_in = [], X_train.shape[1]
    for width in enc:
        linear = nn.Linear(n_in, width)
        if spectral:
            linear = nn.utils.parametrizations.spectral_norm(linear)
        layers += [linear, nn.ReLU()] + ([nn.Dropout(dropout)] if dropout else [])
        n_in = width
    last = nn.Linear(n_in, d)
    layers.append(nn.utils.parametrizations.spectral_norm(last) if spectral else last)
    if bn:
        layers.append(nn.BatchNorm1d(d, affine=False))
    encoder, decoder = nn.Sequential(*layers), make_mlp(d, (128, 128), X_train.shape[1])
    params = [*encoder.parameters(), *decoder.parameters()]
    opt = torch.optim.Adam(params, lr=1e-3)
    X = torch.tensor(X_train, dtype=torch.float32)
    gen = torch.Generator().manual_seed(seed)

    weights = {"sliced_wasserstein": 1.0, **({"edf": edf} if edf else {})}
    weighted_sum = build(resolve(weights, None, REGULARIZERS), d, seed)

    def penalty(z):
        return alpha * weighted_sum(z, z, None, generator=gen)

    n_penalty = int(split * len(X))  # rows [0, n_penalty) only feed the penalty
    for _ in range(epochs):
        encoder.train()
        perm = torch.randperm(len(X), generator=gen)
        for start in range(0, len(X), 128):
            idx = perm[start:start + 128]
            xb = X[idx[idx >= n_penalty]] if split else X[idx]
            if len(xb) < 2:
                continue
            z = encoder(xb)
            loss = ((decoder(z) - xb) ** 2).mean()
            if split:
                loss = loss + penalty(encoder(
                    X[torch.randint(0, n_penalty, (128,), generator=gen)]))
            else:
                loss = loss + penalty(z)
            if noisy:
                loss = loss + penalty(encoder(xb + noisy * torch.randn(xb.shape, generator=gen)))
            if mixup:
                lam = mixup * torch.rand(len(xb), 1, generator=gen)
                other = xb[torch.randperm(len(xb), generator=gen)]
                loss = loss + penalty(encoder((1 - lam) * xb + lam * other))
            opt.zero_grad()
            loss.backward()
            opt.step()
    encoder.eval()
    return encoder, decoder


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--surrogate", action="store_true")
    parser.add_argument("--variants", default=";".join(VARIANTS),
                        help="names from VARIANTS, separated by semicolons")
    args = parser.parse_args()
    torch.set_num_threads(1)
    X_train, X_test, d = data(args.surrogate)
    pca = PCA(d).fit(X_train)
    pca_mse = np.mean((pca.inverse_transform(pca.transform(X_test)) - X_test) ** 2)
    lines = ["| variant | recon ÷ PCA | " + " | ".join(f"p {k}" for k in BATTERY)
             + " | ‖mean‖ | cov eigenvalues | radii² spread | fit s |",
             "|---" * (len(BATTERY) + 6) + "|"]
    print(*lines, sep="\n")
    for name in args.variants.split(";"):
        start = time.perf_counter()
        encoder, decoder = train(X_train, d, **VARIANTS[name])
        seconds = time.perf_counter() - start
        with torch.no_grad():
            Z = encoder(torch.tensor(X_test, dtype=torch.float32))
            mse = ((decoder(Z).numpy() - X_test) ** 2).mean()
        Z = Z.numpy().astype(float)
        p = battery(Z)
        eig = np.linalg.eigvalsh(np.cov(Z.T))
        spread = (Z**2).sum(1).std() / np.sqrt(2 * d)
        lines.append(f"| {name} | {mse / pca_mse:.2f} | "
                     + " | ".join(f"{p[k]:.2g}" for k in BATTERY)
                     + f" | {np.linalg.norm(Z.mean(0)):.2f} | {eig[0]:.2f}–{eig[-1]:.2f} "
                     f"| {spread:.2f} | {seconds:.1f} |")
        print(lines[-1], flush=True)
    data_name = "Gaussian surrogate of digits" if args.surrogate else "digits"
    write("quality-variants" + ("-surrogate" if args.surrogate else ""), lines, notes=(
        f"{data_name}, 70/30 split, random_state=0, n_components=8; held-out codes."))


if __name__ == "__main__":
    main()
