"""Forward + backward cost of each penalty relative to the default network.

For ``n`` codes in ``d = 16`` dimensions, time one forward + backward pass of each
registered penalty (``adversarial``: the encoder's penalty plus one discriminator
step, as a training step pays both) and divide by one forward + backward pass of
the default autoencoder (MLP 64 -> 128 -> 128 -> 16 and back, MSE loss) on the
same batch. Each time is the best of several repeats (the least disturbed by
other processes on a shared machine), all in one run.

Run: ``python benchmarks/penalty_cost.py [--sizes 256 4096] [--repeats 5] [--threads 1]``
(one thread gives steadier figures on a machine shared with other jobs).
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable

import torch

from skgauss.nn import AutoencoderModule
from skgauss.regularizers import REGULARIZERS, AdversarialPenalty

N_FEATURES, N_COMPONENTS = 64, 16


def _best_seconds(step: Callable[[], None], repeats: int) -> float:
    step()  # warm-up: caches, allocator, lazy plans
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        step()
        times.append(time.perf_counter() - start)
    return min(times)


def _network_step(n: int, generator: torch.Generator) -> Callable[[], None]:
    module = AutoencoderModule(N_FEATURES, N_COMPONENTS, (128, 128))
    x = torch.randn(n, N_FEATURES, generator=generator)

    def step() -> None:
        module.zero_grad()
        out = module(x)
        torch.nn.functional.mse_loss(out.reconstruction, x).backward()

    return step


def _penalty_step(name: str, n: int, generator: torch.Generator) -> Callable[[], None]:
    z = torch.randn(n, N_COMPONENTS, generator=generator).requires_grad_()
    entry = REGULARIZERS[name]
    if name == "adversarial":
        penalty = AdversarialPenalty(N_COMPONENTS, random_state=0)

        def step() -> None:
            penalty.discriminator_step(z, generator=generator)
            penalty(z).backward()

        return step
    options = {"logvar": torch.zeros_like(z).requires_grad_()} if name == "kl" else {}

    def step() -> None:
        entry(z, generator=generator, **options).backward()

    return step


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[256, 4096])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--threads", type=int, default=0, help="torch threads; 0: torch's default")
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    generator = torch.Generator().manual_seed(0)
    base = {n: _best_seconds(_network_step(n, generator), 4 * args.repeats) for n in args.sizes}
    header = "".join(f" | n={n}: ms, ratio" for n in args.sizes)
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, d={N_COMPONENTS}")
    print(f"{'network':20s}" + "".join(f" | {1e3 * base[n]:9.2f} {1.0:8.1f}" for n in args.sizes))
    print(f"{'penalty':20s}{header}")
    for name in REGULARIZERS:
        cells = []
        for n in args.sizes:
            seconds = _best_seconds(_penalty_step(name, n, generator), args.repeats)
            cells.append(f" | {1e3 * seconds:9.2f} {seconds / base[n]:8.1f}")
        print(f"{name:20s}" + "".join(cells), flush=True)


if __name__ == "__main__":
    main()
