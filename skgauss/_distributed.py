"""Data-parallel training of :class:`~skgauss.GaussianAutoencoder` on
``torch.distributed`` (gloo on CPU, NCCL on GPU), launched by ``torchrun``.

Every process calls ``fit`` on the same ``X`` with the same hyperparameters.
All processes shuffle with the same seed, so they agree on each *global*
mini-batch; process ``r`` of ``w`` encodes and decodes only its contiguous
share ``X[lo_r:hi_r]`` of it. The penalty is a statistic of the global batch,
not a mean of per-process statistics: the codes are all-gathered, each process
keeps the autograd graph of its own rows only, and evaluates the penalty on the
whole batch. With the loss on process ``r``

.. math::

    L_r = \\frac{1}{n p} \\sum_{i \\in r} \\lVert g(f(x_i)) - x_i \\rVert^2
          + \\alpha R(z_1, \\dots, z_n),

the backward pass gives :math:`\\sum_{i \\in r} \\partial L / \\partial z_i \\,
\\partial z_i / \\partial \\theta`, so the *sum* of the gradients over processes
is the gradient of the single-process loss of the global batch. One
``all_reduce`` of the flattened gradients per step gives every process the same
gradient, the same Adam step, and the same weights. Random draws (input noise,
a VAE's reparameterisation, the penalty's directions and prior draws) are made
for the whole batch from the same seeded generator on every process, in the
single-process order, and each keeps its rows: the model is the single-process
model up to floating-point reduction order.
"""

from __future__ import annotations

import os

import torch
import torch.distributed as dist
from skorch.dataset import unpack_data
from skorch.utils import to_tensor

from ._net import _AutoencoderNet

__all__: list[str] = []


def ensure_process_group(device: str) -> tuple[int, int]:
    """``(rank, world_size)`` of the default process group, initialising it
    from the environment a launcher sets (``torchrun``: ``RANK``,
    ``WORLD_SIZE``, ``MASTER_ADDR``, ``MASTER_PORT``) when needed."""
    if not dist.is_available():
        raise ValueError("distributed=True needs a torch build with torch.distributed")
    if not dist.is_initialized():
        missing = [k for k in ("RANK", "WORLD_SIZE", "MASTER_ADDR", "MASTER_PORT")
                   if k not in os.environ]
        if missing:
            raise ValueError(
                "distributed=True needs a torch.distributed process group: launch the "
                "script with `torchrun --nproc_per_node=N script.py` (or call "
                "torch.distributed.init_process_group first); missing environment "
                f"variables {missing}"
            )
        backend = "nccl" if torch.device(device).type == "cuda" else "gloo"
        dist.init_process_group(backend=backend)
    return dist.get_rank(), dist.get_world_size()


def agree(seed: int, X: torch.Tensor, device: str) -> int:
    """Rank 0's seed, after checking that every process holds the same data.

    The processes must agree on the shuffles and the draws (one seed) and on
    the rows (same shape and the same float64 checksum); otherwise the global
    batches would differ between processes and the model would be nobody's.
    """
    # on the training device: NCCL only moves CUDA tensors
    mine = [float(X.shape[0]), float(X.shape[1]), X.double().sum().item()]
    summary = torch.tensor([float(seed), *mine], dtype=torch.float64, device=device)
    dist.broadcast(summary, src=0)
    same = torch.tensor([float(summary[1:].tolist() == mine)], device=device)
    dist.all_reduce(same, op=dist.ReduceOp.MIN)
    if same.item() != 1.0:
        raise ValueError(
            "distributed=True: every process must call fit with the same X (same "
            "shape and values); shard-wise data is split by the estimator itself"
        )
    return int(summary[0].item())


def shard_bounds(n: int, world: int) -> list[tuple[int, int]]:
    """Contiguous ``[lo, hi)`` shares of ``n`` rows, sizes differing by at most
    one (``torch.tensor_split``'s rule)."""
    step, extra = divmod(n, world)
    bounds, lo = [], 0
    for r in range(world):
        hi = lo + step + (r < extra)
        bounds.append((lo, hi))
        lo = hi
    return bounds


def gather_rows(t: torch.Tensor, bounds: list[tuple[int, int]], rank: int) -> torch.Tensor:
    """All processes' rows of ``t`` in rank order; gradients flow to this
    process's own rows only (the others arrive detached)."""
    width = max(hi - lo for lo, hi in bounds)
    padded = t.new_zeros((width, *t.shape[1:]))
    padded[: len(t)] = t.detach()
    parts = [torch.empty_like(padded) for _ in bounds]
    dist.all_gather(parts, padded)
    parts = [p[: hi - lo] for p, (lo, hi) in zip(parts, bounds, strict=True)]
    parts[rank] = t
    return torch.cat(parts)


def all_reduce_grads(parameters) -> None:
    """Sum the gradients over processes, in one flattened collective."""
    grads = [p.grad for p in parameters if p.grad is not None]
    if not grads:
        return
    flat = torch.cat([g.reshape(-1) for g in grads])
    dist.all_reduce(flat)
    offset = 0
    for g in grads:
        g.copy_(flat[offset: offset + g.numel()].view_as(g))
        offset += g.numel()


class _DistributedAutoencoderNet(_AutoencoderNet):
    """:class:`_AutoencoderNet` whose training step computes this process's
    share of a global batch and sums gradients over processes (module doc)."""

    def train_step_single(self, batch, **fit_params):
        self._set_training(True)
        X, _ = unpack_data(batch)
        X = to_tensor(X, device=self.device)
        rank, world = dist.get_rank(), dist.get_world_size()
        bounds = shard_bounds(len(X), world)
        lo, hi = bounds[rank]
        module, gen = self.module_, self.prior_generator_
        x_in = X
        if self.input_noise > 0:  # drawn for the whole batch, as on one process
            noise = torch.randn(X.shape, generator=gen, device=X.device, dtype=X.dtype)
            x_in = X + self.input_noise * noise
        mean, logvar = module.encode(x_in[lo:hi])
        codes = mean
        if logvar is not None:
            eps = torch.randn((len(X), mean.shape[1]), generator=gen, device=X.device,
                              dtype=mean.dtype)[lo:hi]
            codes = mean + torch.exp(0.5 * logvar) * eps
        # per-row terms of this shard, summed (the MSE, or a table's per-column terms)
        sse = self.reconstruction_nll(module.decoder(codes), X[lo:hi]).sum()
        codes_all = gather_rows(codes, bounds, rank)
        mean_all = codes_all if logvar is None else gather_rows(mean, bounds, rank)
        logvar_all = None if logvar is None else gather_rows(logvar, bounds, rank)
        penalty = self.penalty_(codes_all, mean_all, logvar_all, generator=gen)
        recon = sse / len(X)
        (recon + self.alpha * penalty).backward()
        all_reduce_grads(self.module_.parameters())
        recon_global = recon.detach().clone()
        dist.all_reduce(recon_global)
        # every process steps the same discriminator, on the whole batch's codes
        return {"loss": recon_global + self.alpha * penalty.detach(),
                "terms": torch.stack([recon_global, penalty.detach()]),
                "codes": codes_all.detach(), "y_pred": None}
