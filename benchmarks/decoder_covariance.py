"""How to estimate the decoder's covariance: the two routes of issue #14, measured.

- *post hoc* (what ``decoder_covariance`` does): train with the squared error,
  then take the maximum-likelihood covariance of the residuals of the
  validation rows (``validation_fraction=0.1``), or of all training rows
  (``validation_fraction=0``);
- *joint* (as TVAE does): learn a per-column log standard deviation with the
  network, the reconstruction term being the Gaussian negative log-likelihood
  ``mean_j (r_j^2 / (2 sigma_j^2) + log sigma_j)`` (this script swaps it in
  through ``reconstruction_nll``, the one place the term is computed).

For each, on the 70/30 split of each table (standardised): the energy distance
of ``sample(n_test)`` to the held-out rows as a ratio to GaussianMixture(10)'s,
the held-out Gaussian negative log-likelihood per column of ``x`` under
N(g(f(x)), Sigma) (lower is better) and the held-out reconstruction ÷ PCA's.

    python benchmarks/decoder_covariance.py --datasets digits,diabetes
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import torch
from _report import write
from quality import energy_ratio, load
from sklearn.decomposition import PCA
from torch import nn

import skgauss._autoencoder as ae_module
from skgauss import GaussianAutoencoder
from skgauss._net import _AutoencoderNet


class _JointNet(_AutoencoderNet):
    """The autoencoder's net with a learned per-column log standard deviation."""

    def initialize_module(self):
        super().initialize_module()
        p = self.module_.decoder[-1].out_features
        self.log_sigma_ = nn.Parameter(torch.zeros(p, device=self.device))
        return self

    def get_all_learnable_params(self):
        yield from super().get_all_learnable_params()
        yield "log_sigma", self.log_sigma_

    def reconstruction_nll(self, reconstruction, X):
        r2 = (reconstruction - X) ** 2
        return torch.mean(0.5 * r2 * torch.exp(-2 * self.log_sigma_) + self.log_sigma_, dim=1)


def heldout_nll(model, X_test) -> float:
    """Mean Gaussian NLL per column of the held-out rows under N(g(f(x)), Sigma)."""
    R = X_test - model.inverse_transform(model.transform(X_test))
    cov = model.decoder_covariance_
    cov = np.diag(cov) if cov.ndim == 1 else cov
    _, logdet = np.linalg.slogdet(cov)
    maha = np.einsum("ni,ij,nj->n", R, np.linalg.inv(cov), R)
    p = X_test.shape[1]
    return float(np.mean(0.5 * (maha + logdet + p * np.log(2 * np.pi))) / p)


def run(route: str, kind: str, X_train, X_test, d: int, seed: int) -> dict:
    params = dict(n_components=d, decoder_covariance=kind, random_state=seed)
    if route == "post hoc, training rows":
        params["validation_fraction"] = 0.0
    start = time.perf_counter()
    if route == "joint NLL":
        ae_module._AutoencoderNet = _JointNet
        try:
            model = GaussianAutoencoder(**params).fit(X_train)
        finally:
            ae_module._AutoencoderNet = _AutoencoderNet
        model.decoder_covariance_ = np.exp(
            2 * model.net_.log_sigma_.detach().cpu().numpy().astype(np.float64))
    else:
        model = GaussianAutoencoder(**params).fit(X_train)
    seconds = time.perf_counter() - start
    pca = PCA(d, random_state=seed).fit(X_train)

    def mse(m):
        return np.mean((m.inverse_transform(m.transform(X_test)) - X_test) ** 2)

    return {"energy": energy_ratio(model.sample(len(X_test), random_state=seed),
                                   X_train, X_test, seed),
            "nll": heldout_nll(model, X_test), "recon": mse(model) / mse(pca),
            "fit_s": seconds}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--datasets", default="digits,diabetes")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    torch.set_num_threads(1)
    lines = ["| data | route | Σ | sample energy ÷ GMM(10) | held-out NLL / column "
             "| recon ÷ PCA | fit s |", "|---" * 7 + "|"]
    print(*lines, sep="\n")
    for data in args.datasets.split(","):
        X_train, X_test, d = load(data, args.seed)
        for route in ("post hoc, validation rows", "post hoc, training rows", "joint NLL"):
            for kind in (("diag",) if route == "joint NLL" else ("diag", "full")):
                r = run(route, kind, X_train, X_test, d, args.seed)
                lines.append(f"| {data} | {route} | {kind} | {r['energy']:.2f} | "
                             f"{r['nll']:.3f} | {r['recon']:.2f} | {r['fit_s']:.1f} |")
                print(lines[-1], flush=True)
    write("decoder-covariance", lines, notes=(
        f"70/30 split, random_state={args.seed}, default network otherwise "
        f"(`python benchmarks/decoder_covariance.py --datasets {args.datasets}`)."))


if __name__ == "__main__":
    main()
