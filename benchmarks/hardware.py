"""Training throughput against the machine's fp32 matrix-multiply peak.

Peak: ``torch.mm`` on 2048 x 2048 float32 (2 n^3 flops per product), best of
several runs. Model: 6 x weight count x samples per second (forward 2, backward
4 flops per weight per sample) for ``GaussianAutoencoder.fit`` at several batch
sizes, and the default regularizer's share of a training step. Same thread
count for everything.

    python benchmarks/hardware.py [--threads 2] [--epochs 10]
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import torch
from sklearn.datasets import load_digits
from sklearn.preprocessing import StandardScaler

from skgauss import GaussianAutoencoder
from skgauss.nn import AutoencoderModule
from skgauss.regularizers import REGULARIZERS


def peak_flops(n: int = 2048, repeats: int = 10) -> float:
    a, b = torch.randn(n, n), torch.randn(n, n)
    torch.mm(a, b)
    best = min(_timed(lambda: torch.mm(a, b)) for _ in range(repeats))
    return 2 * n**3 / best


def _timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def step_share(X: torch.Tensor, batch: int, regularizer: str, repeats: int = 30) -> float:
    """Fraction of a forward+backward step spent in the penalty."""
    module = AutoencoderModule(X.shape[1], 8)
    xb = X[:batch]
    gen = torch.Generator().manual_seed(0)

    def net_only():
        out = module(xb)
        ((out.reconstruction - xb) ** 2).mean().backward()

    def with_penalty():
        out = module(xb)
        (((out.reconstruction - xb) ** 2).mean()
         + REGULARIZERS[regularizer](out.codes, generator=gen)).backward()

    t_net = min(_timed(net_only) for _ in range(repeats))
    t_all = min(_timed(with_penalty) for _ in range(repeats))
    return (t_all - t_net) / t_all


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--threads", type=int, default=torch.get_num_threads())
    parser.add_argument("--epochs", type=int, default=10)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    X = StandardScaler().fit_transform(load_digits().data).astype(np.float32)
    peak = peak_flops()
    print(f"threads {args.threads}; fp32 mm peak {peak / 1e9:.1f} GFLOP/s")
    weights = sum(p.numel() for p in AutoencoderModule(64, 8).parameters())
    print(f"default network: {weights} weights")
    print("| batch | samples/s | GFLOP/s | fraction of peak | penalty share of step |")
    print("|---|---|---|---|---|")
    for batch in (128, 256, 512):
        est = GaussianAutoencoder(8, batch_size=batch, max_epochs=args.epochs,
                                  validation_fraction=0.0, random_state=0)
        est.set_params(max_epochs=1).fit(X)  # warm-up
        est.set_params(max_epochs=args.epochs)
        seconds = _timed(lambda est=est: est.fit(X))
        rate = len(X) * args.epochs / seconds
        flops = 6 * weights * rate
        share = step_share(torch.from_numpy(X), batch, est.regularizer)
        print(f"| {batch} | {rate:,.0f} | {flops / 1e9:.1f} | {flops / peak:.0%} | {share:.0%} |")


if __name__ == "__main__":
    main()
