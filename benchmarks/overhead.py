"""Training overhead of GaussianAutoencoder.fit against a hand-written loop.

Same network (skgauss.nn.AutoencoderModule), data, batch size, Adam, epochs and
penalty; no validation split. Runs are interleaved (A B A B ...) and the median
ratio is printed, so the figure survives a noisy shared machine.

    python benchmarks/overhead.py [--epochs 20] [--repeats 5] [--rows 0]
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np
import torch
from sklearn.datasets import load_digits
from sklearn.preprocessing import StandardScaler

from skgauss import GaussianAutoencoder
from skgauss.nn import AutoencoderModule
from skgauss.regularizers import REGULARIZERS, SCALES


def hand_loop(X: np.ndarray, regularizer: str, epochs: int, batch_size: int, seed: int) -> None:
    torch.manual_seed(seed)
    Xt = torch.from_numpy(X.astype(np.float32))
    module = AutoencoderModule(X.shape[1], 8, (128, 128), "relu")
    opt = torch.optim.Adam(module.parameters(), lr=1e-3)
    penalty, scale = REGULARIZERS[regularizer], SCALES[regularizer]
    gen = torch.Generator().manual_seed(seed)
    for _ in range(epochs):
        perm = torch.randperm(len(Xt), generator=gen)
        Xs = Xt[perm]
        for start in range(0, len(Xs), batch_size):
            xb = Xs[start:start + batch_size]
            if len(xb) < 2:
                continue
            opt.zero_grad()
            out = module(xb)
            loss = ((out.reconstruction - xb) ** 2).mean() + scale * penalty(
                out.codes, generator=gen)
            loss.backward()
            opt.step()
            loss.item()  # skorch records every batch loss; so does the hand loop


def ours(X: np.ndarray, regularizer: str, epochs: int, batch_size: int, seed: int) -> None:
    GaussianAutoencoder(8, regularizer=regularizer, max_epochs=epochs, batch_size=batch_size,
                        validation_fraction=0.0, random_state=seed).fit(X)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--regularizer", default="sliced_wasserstein")
    parser.add_argument("--rows", type=int, default=0,
                        help="0: digits (1797 x 64); else a synthetic rows x 50 table")
    parser.add_argument("--threads", type=int, default=1, help="torch intra-op threads")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    if args.rows:
        X = np.random.RandomState(0).randn(args.rows, 50)
    else:
        X = StandardScaler().fit_transform(load_digits().data)
    print(f"data {X.shape}, {args.epochs} epochs, batch {args.batch_size}, "
          f"penalty {args.regularizer}, torch threads {torch.get_num_threads()}")
    hand_loop(X, args.regularizer, 1, args.batch_size, 0)  # warm-up: imports, allocator
    ours(X, args.regularizer, 1, args.batch_size, 0)
    ratios = []
    for r in range(args.repeats):
        t0 = time.perf_counter()
        hand_loop(X, args.regularizer, args.epochs, args.batch_size, r)
        t1 = time.perf_counter()
        ours(X, args.regularizer, args.epochs, args.batch_size, r)
        t2 = time.perf_counter()
        ratios.append((t2 - t1) / (t1 - t0))
        print(f"run {r}: hand {t1 - t0:.2f}s  skgauss {t2 - t1:.2f}s  ratio {ratios[-1]:.3f}")
    print(f"median ratio skgauss/hand = {statistics.median(ratios):.3f}")


if __name__ == "__main__":
    main()
