"""Shared helpers of the penalties: batch checks, squared distances, projections."""

from __future__ import annotations

import torch

__all__ = ["check_batch", "random_directions", "self_sqdist", "sqdist"]


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


def self_sqdist(z: torch.Tensor) -> torch.Tensor:
    """Squared distances within ``z`` with an exactly zero diagonal, ``(n, n)``."""
    eye = torch.eye(z.shape[0], dtype=torch.bool, device=z.device)
    return sqdist(z, z).masked_fill(eye, 0.0)


def random_directions(
    d: int, n_projections: int, like: torch.Tensor, generator: torch.Generator | None
) -> torch.Tensor:
    """``n_projections`` uniform unit directions as the columns of a ``(d, L)`` tensor."""
    theta = torch.randn(d, n_projections, generator=generator, device=like.device, dtype=like.dtype)
    return theta / theta.norm(dim=0, keepdim=True)
