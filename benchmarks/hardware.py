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
import contextlib
import time
from unittest import mock

import numpy as np
import torch
from _report import write
from sklearn.datasets import load_digits
from sklearn.preprocessing import StandardScaler

from skgauss import GaussianAutoencoder, _net
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
    penalty = REGULARIZERS[regularizer](8, random_state=0)
    xb = X[:batch]
    gen = torch.Generator().manual_seed(0)

    def net_only():
        out = module(xb)
        ((out.reconstruction - xb) ** 2).mean().backward()

    def with_penalty():
        out = module(xb)
        (((out.reconstruction - xb) ** 2).mean()
         + penalty(out.codes, generator=gen)).backward()

    t_net = min(_timed(net_only) for _ in range(repeats))
    t_all = min(_timed(with_penalty) for _ in range(repeats))
    return (t_all - t_net) / t_all


def _fit_rate(X, epochs: int, device: str, fused: bool = True, **params) -> float:
    """Samples per second of ``GaussianAutoencoder.fit`` after a 1-epoch warm-up;
    ``fused=False`` swaps the estimator's fused Adam for torch's for-loop Adam."""
    patch = (contextlib.nullcontext() if fused
             else mock.patch.object(_net, "fused_adam", lambda device: False))
    with patch:
        est = GaussianAutoencoder(8, validation_fraction=0.0, random_state=0, device=device,
                                  n_threads=torch.get_num_threads(), **params)
        est.set_params(max_epochs=1).fit(X)  # warm-up
        est.set_params(max_epochs=epochs)
        seconds = _timed(lambda: est.fit(X))
    return len(X) * epochs / seconds


def _compiled(X, epochs: int, device: str) -> tuple[float, float]:
    """skorch's ``compile=True`` (torch.compile of the module): seconds of the first
    epoch (compilation included) and samples per second after it."""
    est = GaussianAutoencoder(8, max_epochs=1, validation_fraction=0.0, random_state=0,
                              n_threads=torch.get_num_threads(),
                              device=device).fit(X)
    net = est.net_
    net.set_params(compile=True, max_epochs=1)
    net.initialize()
    first = _timed(lambda: net.partial_fit(X, X))
    net.set_params(max_epochs=epochs)
    return first, len(X) * epochs / _timed(lambda: net.partial_fit(X, X))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--threads", type=int, default=torch.get_num_threads())
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--no-compile", action="store_true",
                        help="skip the torch.compile row (its compilation takes ~40 s)")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    X = StandardScaler().fit_transform(load_digits().data).astype(np.float32)
    peak = peak_flops()
    weights = sum(p.numel() for p in AutoencoderModule(64, 8).parameters())
    setting = (f"threads {args.threads}; fp32 torch.mm peak {peak / 1e9:.1f} GFLOP/s; default "
               f"network 64-128-128-8-128-128-64, {weights} weights; digits, {args.epochs} epochs")
    print(setting)
    lines = ["| fit | batch | samples/s | GFLOP/s | fraction of peak | penalty share of step |",
             "|---|---|---|---|---|---|"]

    def row(label, batch, rate, share="—"):
        flops = 6 * weights * rate
        lines.append(f"| {label} | {batch} | {rate:,.0f} | {flops / 1e9:.1f} "
                     f"| {flops / peak:.0%} | {share} |")
        print(lines[-1], flush=True)

    for batch in (128, 256, 512):
        share = step_share(torch.from_numpy(X), batch, "sliced_wasserstein")
        row("default (fused Adam)", batch, _fit_rate(X, args.epochs, "cpu", batch_size=batch),
            f"{share:.0%}")
        row("for-loop Adam", batch,
            _fit_rate(X, args.epochs, "cpu", fused=False, batch_size=batch))
        row("no penalty (fused Adam)", batch,
            _fit_rate(X, args.epochs, "cpu", batch_size=batch, regularizer="none"))
    if not args.no_compile:
        first, rate = _compiled(X, args.epochs, "cpu")
        row(f"compile=True (first epoch {first:.0f} s)", 128, rate)
    write(f"hardware-{args.threads}-threads", lines, notes=setting + (
        ". compile=True's first epoch includes compilation (less when torch's "
        "inductor cache already holds the kernels)."))


if __name__ == "__main__":
    main()
