"""The plain autoencoder's (absent) penalty and the VAE's Kullback–Leibler term."""

from __future__ import annotations

import torch

from ._base import check_batch

__all__ = ["kl", "none"]


def none(z: torch.Tensor, *, generator: torch.Generator | None = None) -> torch.Tensor:
    """No penalty: a plain autoencoder. Returns ``0 * z.sum()`` so gradients exist."""
    check_batch(z)
    return z.sum() * 0.0


def kl(
    z: torch.Tensor, *, logvar: torch.Tensor, generator: torch.Generator | None = None
) -> torch.Tensor:
    r"""Kullback–Leibler divergence of Gaussian posteriors to N(0, I) (VAE).

    .. math:: \frac1n \sum_{i=1}^n \mathrm{KL}\big(N(\mu_i, \operatorname{diag}
              e^{v_i}) \,\|\, N(0, I)\big) = \frac1{2n} \sum_{i=1}^n \sum_{j=1}^d
              \big(\mu_{ij}^2 + e^{v_{ij}} - 1 - v_{ij}\big)

    (Kingma & Welling 2014). Unlike the other penalties it acts on each point's
    posterior, not on the batch's distribution: it is minimal (zero) when every
    posterior equals the prior, it sees the means only through
    :math:`\sum_i \|\mu_i\|^2` and so is blind to the shape of their distribution.

    Parameters
    ----------
    z : Tensor of shape (n, d)
        The encoder's means :math:`\mu`.
    logvar : Tensor of shape (n, d)
        Their log-variances :math:`v`.
    generator : torch.Generator, optional
        Unused (the penalty is deterministic); part of the common signature.

    Returns
    -------
    Tensor
        Scalar, the batch mean of the per-point divergence.
    """
    check_batch(z)
    if logvar.shape != z.shape:
        raise ValueError(
            f"logvar must have the shape of the means {tuple(z.shape)}, got {tuple(logvar.shape)}"
        )
    return 0.5 * (z.square() + logvar.exp() - 1.0 - logvar).sum(1).mean()


kl.gaussian_head = True
kl.scale = 2.0  # calibration: skgauss.regularizers, section Scales
none.scale = 1.0
