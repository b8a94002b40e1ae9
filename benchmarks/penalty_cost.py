"""Forward + backward cost of each penalty relative to the default network.

For ``n`` codes in ``d`` dimensions (n in 128, 512, 2048, 8192; d in 2, 16, 64 by
default), time one forward + backward pass of each registered penalty
(``adversarial``: the encoder's penalty plus one discriminator step, as a training
step pays both) and divide by one forward + backward pass of the default
autoencoder (MLP 64 -> 128 -> 128 -> d and back, MSE loss) on the same batch.
Each time is the best of several repeats (the least disturbed by other processes
on a shared machine), all in one run.

Two flags per penalty:

- **growth**: the log-log slope of time in ``n`` between the two largest sizes at
  the largest ``d``; above 2.2 is flagged super-quadratic.
- **Python loop**: the number of torch calls a forward pass makes (counted with a
  ``TorchFunctionMode``) at every (n, d). A constant count means the work is
  vectorised; a count that changes a little means a branch (e.g. pair
  subsampling above a size); one that more than doubles, a Python loop whose
  length depends on n or d.

Run: ``python benchmarks/penalty_cost.py [--sizes 128 512 2048 8192] [--dims 2 16 64]
[--repeats 3] [--threads 1] [--device cpu]`` (one thread gives steadier figures
on a machine shared with other jobs). The table goes to ``benchmarks/results/``.
``--blocking --sizes 2048 4096 8192 --dims 16`` times the O(n^2) penalties with
their blocked pair sums against one n x n matrix.
"""

from __future__ import annotations

import argparse
import math
import time
from collections.abc import Callable

import torch
from _report import write
from torch.overrides import TorchFunctionMode

import skgauss.regularizers._base as base
from skgauss.nn import AutoencoderModule
from skgauss.regularizers import REGULARIZERS

N_FEATURES = 64


class _CountCalls(TorchFunctionMode):
    def __init__(self) -> None:
        super().__init__()
        self.calls = 0

    def __torch_function__(self, func, types, args=(), kwargs=None):
        self.calls += 1
        return func(*args, **(kwargs or {}))


def _best_seconds(step: Callable[[], None], repeats: int, device: str) -> float:
    step()  # warm-up: caches, allocator, lazy plans
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        step()
        if device.startswith("cuda"):
            torch.cuda.synchronize()
        times.append(time.perf_counter() - start)
    return min(times)


def _network_step(n: int, d: int, generator, device: str) -> Callable[[], None]:
    module = AutoencoderModule(N_FEATURES, d, (128, 128)).to(device)
    x = torch.randn(n, N_FEATURES, generator=generator, device=device)

    def step() -> None:
        module.zero_grad()
        out = module(x)
        torch.nn.functional.mse_loss(out.reconstruction, x).backward()

    return step


def _penalty_step(name: str, n: int, d: int, generator, device: str) -> Callable[[], None]:
    z = torch.randn(n, d, generator=generator, device=device).requires_grad_()
    penalty = REGULARIZERS[name](d, random_state=0).to(device)
    if penalty.stateful:

        def step() -> None:
            penalty.discriminator_step(z, generator=generator)
            penalty(z).backward()

        return step
    options = {"logvar": torch.zeros_like(z).requires_grad_()} if penalty.gaussian_head else {}

    def step() -> None:
        penalty(z, generator=generator, **options).backward()

    return step


def _forward_calls(name: str, n: int, d: int, generator, device: str) -> int:
    z = torch.randn(n, d, generator=generator, device=device)
    penalty = REGULARIZERS[name](d, random_state=0).to(device)
    options = {"logvar": torch.zeros_like(z)} if penalty.gaussian_head else {}
    with _CountCalls() as counter:
        penalty(z, generator=generator, **options)
    return counter.calls


def compare_blocking(sizes, d: int, repeats: int, device: str) -> None:
    """The O(n^2) penalties with blocked pair sums (the default above
    ``PAIR_WHOLE`` pairs) against one n x n matrix, forward+backward seconds."""
    generator = torch.Generator(device=device).manual_seed(0)
    lines = ["| penalty | n | blocked s | one matrix s | one matrix ÷ blocked |",
             "|---|---|---|---|---|"]
    whole = base.PAIR_WHOLE
    for name in ("mmd", "cramer_wold", "bhep"):
        for n in sizes:
            seconds = {}
            for label, limit in (("blocked", whole), ("one matrix", 2**62)):
                base.PAIR_WHOLE = limit
                try:
                    seconds[label] = _best_seconds(
                        _penalty_step(name, n, d, generator, device), repeats, device)
                finally:
                    base.PAIR_WHOLE = whole
            lines.append(f"| {name} | {n} | {seconds['blocked']:.3f} | "
                         f"{seconds['one matrix']:.3f} | "
                         f"{seconds['one matrix'] / seconds['blocked']:.2f} |")
            print(lines[-1], flush=True)
    write("penalty_blocking" + ("" if device == "cpu" else f"-{device.replace(':', '')}"),
          lines, device=device, notes=f"d = {d}; best of {repeats} after a warm-up.")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[128, 512, 2048, 8192])
    parser.add_argument("--dims", type=int, nargs="+", default=[2, 16, 64])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--threads", type=int, default=1, help="torch threads; 0: torch's default")
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--blocking", action="store_true",
                        help="instead: blocked pair sums against one n x n matrix")
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    dev = args.device
    if args.blocking:
        compare_blocking(args.sizes, args.dims[-1] if args.dims else 16, args.repeats, dev)
        return
    generator = torch.Generator(device=dev).manual_seed(0)
    cells = [(n, d) for d in args.dims for n in args.sizes]
    base = {c: _best_seconds(_network_step(*c, generator, dev), 4 * args.repeats, dev)
            for c in cells}
    head = " | ".join(f"n={n}, d={d}" for n, d in cells)
    lines = [f"| penalty | {head} | growth in n | torch calls per forward |",
             "|---" * (len(cells) + 3) + "|",
             "| network (ms) | " + " | ".join(f"{1e3 * base[c]:.2f}" for c in cells)
             + " | — | — |"]
    print(lines[0], lines[1], lines[2], sep="\n")
    big_d, (n1, n2) = args.dims[-1], args.sizes[-2:]
    for name in REGULARIZERS:
        ratios, seconds = [], {}
        for c in cells:
            seconds[c] = _best_seconds(_penalty_step(name, *c, generator, dev), args.repeats, dev)
            ratios.append(f"{seconds[c] / base[c]:.2f}")
        slope = math.log(seconds[n2, big_d] / seconds[n1, big_d]) / math.log(n2 / n1)
        calls = [_forward_calls(name, *c, generator, dev) for c in cells]
        growth = f"n^{slope:.1f}" + (" **super-quadratic**" if slope > 2.2 else "")
        loop = f"{min(calls)}–{max(calls)}" + (
            " **Python loop**" if max(calls) > 2 * min(calls)
            else " (a branch)" if max(calls) > min(calls) else "")
        lines.append(f"| {name} | " + " | ".join(ratios) + f" | {growth} | {loop} |")
        print(lines[-1], flush=True)
    name = "penalty_cost" + ("" if dev == "cpu" else f"-{dev.replace(':', '')}")
    write(name, lines, device=dev, notes=(
        "Cells: penalty forward+backward time ÷ the default network's forward+backward "
        "on the same batch (first row: the network's time in ms). Growth: log-log slope "
        f"of the penalty's time between n={n1} and n={n2} at d={big_d}."))


if __name__ == "__main__":
    main()
