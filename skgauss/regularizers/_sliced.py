"""Sliced penalties, O(n d L): sliced Wasserstein (SWAE) and sliced Epps–Pulley (SIGReg)."""

from __future__ import annotations

from numbers import Integral

import torch
from sklearn.utils._param_validation import StrOptions

from ._base import (
    POSITIVE,
    POSITIVE_INT,
    Number,
    check_batch,
    random_directions,
)

__all__ = ["epps_pulley", "sliced_wasserstein"]


def sliced_wasserstein(
    z: torch.Tensor,
    *,
    generator: torch.Generator | None = None,
    n_projections: int = 50,
    target: str = "quantiles",
) -> torch.Tensor:
    r"""Sliced Wasserstein-2 distance to N(0, I) (SWAE, Kolouri et al. 2019).

    .. math:: \frac{1}{Ln}\sum_{l=1}^{L}\sum_{k=1}^{n}
              \big(\operatorname{sort}(z\theta_l)_k - q_k\big)^2

    with ``L`` random unit directions :math:`\theta_l` drawn afresh per call and
    :math:`q` either the exact N(0, 1) quantiles :math:`\Phi^{-1}((k-\frac12)/n)`
    (``target="quantiles"``) or the sorted projections of a prior batch
    (``target="prior"``).
    """
    check_batch(z)
    n, d = z.shape
    theta = random_directions(d, n_projections, z, generator)
    proj = torch.sort(z @ theta, dim=0).values
    if target == "quantiles":
        probs = (torch.arange(n, device=z.device, dtype=z.dtype) + 0.5) / n
        ref = torch.special.ndtri(probs).unsqueeze(1)
    elif target == "prior":
        p = torch.randn(n, d, generator=generator, device=z.device, dtype=z.dtype)
        ref = torch.sort(p @ theta, dim=0).values
    else:
        raise ValueError(f"target must be 'quantiles' or 'prior', got {target!r}")
    return ((proj - ref) ** 2).mean()


def _trapezoid(t_max: float, n_points: int, like: torch.Tensor):
    t = torch.linspace(0.0, t_max, n_points, device=like.device, dtype=like.dtype)
    weights = torch.full_like(t, 2 * t_max / (n_points - 1))  # 2x: the t < 0 half
    weights[[0, -1]] /= 2
    return t, weights


def epps_pulley(
    z: torch.Tensor,
    *,
    generator: torch.Generator | None = None,
    n_projections: int = 50,
    t_max: float = 3.0,
    n_points: int = 17,
) -> torch.Tensor:
    r"""Sliced Epps–Pulley distance to N(0, 1) (SIGReg, LeJEPA, Balestriero & LeCun 2025).

    For ``L`` random unit directions :math:`\theta_l` (fresh per call) compare the
    empirical characteristic function of the projections with the Gaussian one,

    .. math:: \frac1L \sum_{l=1}^L \int_{-t_{\max}}^{t_{\max}}
              \Big|\frac1n \sum_{k} e^{\mathrm i t z_k\theta_l} - e^{-t^2/2}\Big|^2
              e^{-t^2/2}\, dt,

    by the trapezoid rule on ``n_points`` nodes of :math:`[0, t_{\max}]` (the
    integrand is even). LeJEPA multiplies by ``n`` to get the test statistic;
    here the distance itself is returned so that its weight does not grow with
    the batch size (multiply by ``n`` to recover SIGReg).

    Parameters
    ----------
    z : Tensor of shape (n, d)
        Codes.
    generator : torch.Generator, optional
        Source of the directions.
    n_projections : int, default=50
        Number of directions ``L``.
    t_max : float, default=3.0
        Integration range.
    n_points : int, default=17
        Trapezoid nodes on :math:`[0, t_{\max}]`.

    Returns
    -------
    Tensor
        Scalar.
    """
    check_batch(z)
    theta = random_directions(z.shape[1], n_projections, z, generator)
    t, weights = _trapezoid(t_max, n_points, z)
    xt = (z @ theta).unsqueeze(-1) * t  # (n, L, T)
    gauss = torch.exp(-t.square() / 2)
    err = (xt.cos().mean(0) - gauss).square() + xt.sin().mean(0).square()  # (L, T)
    return (err @ (weights * gauss)).mean()


# valid option values, checked before training (see skgauss.regularizers)
sliced_wasserstein.constraints = {
    "n_projections": [POSITIVE_INT],
    "target": [StrOptions({"quantiles", "prior"})],
}
epps_pulley.constraints = {
    "n_projections": [POSITIVE_INT],
    "t_max": [POSITIVE],
    "n_points": [Number(Integral, 2, None, closed="left")],
}

# scale: 1 / (increase from N(0, I) to N(0.5 * 1, I) at n = 256, d = 8), see
# skgauss.regularizers, section Scales (checked by tests/test_regularizers.py)
sliced_wasserstein.scale = 3.8
epps_pulley.scale = 8.3
