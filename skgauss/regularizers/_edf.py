"""Duda's empirical-distribution penalty: match the laws of radii, distances, coordinates."""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Mapping, Sequence

import numpy as np
import scipy.stats
import torch
from sklearn.utils._param_validation import StrOptions

from ._base import POSITIVE_INT, Weights, check_batch

__all__ = ["edf"]

_DEFAULT_STATISTICS = ("radii", "distances", "coordinates")


@functools.lru_cache(maxsize=64)
def _quantiles(m: int, dof: int | None) -> np.ndarray:
    """Exact quantiles at the plotting positions (k - 1/2)/m of chi(dof) or N(0, 1)."""
    probs = (np.arange(m) + 0.5) / m
    if dof is None:
        return scipy.stats.norm.ppf(probs)
    return np.sqrt(scipy.stats.chi2.ppf(probs, dof))


def _cdf(x: torch.Tensor, dof: int | None) -> torch.Tensor:
    if dof is None:
        return torch.special.ndtr(x)
    return torch.special.gammainc(torch.full_like(x, dof / 2), x.square() / 2)


def _radii(z: torch.Tensor, generator, max_pairs: int):
    return torch.linalg.vector_norm(z, dim=1, keepdim=True), z.shape[1]


def _distances(z: torch.Tensor, generator, max_pairs: int):
    n = z.shape[0]
    if n * (n - 1) // 2 <= max_pairs:
        i, j = torch.triu_indices(n, n, offset=1, device=z.device)
    else:
        i = torch.randint(n, (max_pairs,), generator=generator, device=z.device)
        j = (i + torch.randint(1, n, (max_pairs,), generator=generator, device=z.device)) % n
    diff = (z[i] - z[j]) / math.sqrt(2)
    return torch.linalg.vector_norm(diff, dim=1, keepdim=True), z.shape[1]


def _coordinates(z: torch.Tensor, generator, max_pairs: int):
    return z, None


_STATISTICS: dict[str, Callable] = {
    "radii": _radii,
    "distances": _distances,
    "coordinates": _coordinates,
}


def _quantile_gap(sorted_: torch.Tensor, dof: int | None) -> torch.Tensor:
    q = torch.as_tensor(_quantiles(sorted_.shape[0], dof), dtype=sorted_.dtype)
    return (sorted_ - q.to(sorted_.device).unsqueeze(1)).square().mean()


def _cdf_gap(sorted_: torch.Tensor, dof: int | None) -> torch.Tensor:
    m = sorted_.shape[0]
    probs = (torch.arange(m, device=sorted_.device, dtype=sorted_.dtype) + 0.5) / m
    return (_cdf(sorted_, dof) - probs.unsqueeze(1)).square().mean()


_METHODS = {"quantile": _quantile_gap, "cdf": _cdf_gap}


def edf(
    z: torch.Tensor,
    *,
    generator: torch.Generator | None = None,
    statistics: Sequence[str] | Mapping[str, float] = _DEFAULT_STATISTICS,
    method: str = "quantile",
    max_pairs: int = 2**14,
) -> torch.Tensor:
    r"""Match the empirical laws of simple statistics of the codes to their exact
    laws under N(0, I) (J. Duda's proposal, arXiv:1811.04751).

    Under :math:`z \sim N(0, I_d)` three statistics have known one-dimensional laws:

    - the squared radii :math:`\|z_i\|^2 \sim \chi^2_d` (``"radii"``): scale and
      radial shape (too heavy or too light tails) and, through the non-central
      law, a shifted mean;
    - the halved squared distances :math:`\|z_i - z_j\|^2 / 2 \sim \chi^2_d` for
      :math:`i \ne j` (``"distances"``): spread and clustering, invariant to a
      shift of the whole batch;
    - each coordinate :math:`z_{ij} \sim N(0, 1)` (``"coordinates"``): marginal
      location, scale and shape, e.g. a mixture along one axis that radii and
      distances barely see.

    For each chosen statistic the ``m`` values are sorted and compared with the
    target law at the plotting positions :math:`p_k = (k - \frac12)/m`:

    - ``method="quantile"``: one-dimensional Wasserstein-2 against the exact
      quantiles, in the units of the codes: radii and distances enter as
      :math:`r = \|z_i\|` and :math:`\|z_i - z_j\|/\sqrt2` against
      :math:`\sqrt{F^{-1}_{\chi^2_d}(p_k)}` (``scipy.stats.chi2.ppf``, computed
      once per ``(m, d)`` and cached), coordinates against
      :math:`\Phi^{-1}(p_k)`, each term being
      :math:`\frac1m \sum_k (r_{(k)} - q_k)^2`. (Comparing the squares instead
      would make a scale error weigh like its fourth power.)
    - ``method="cdf"``: Cramér–von Mises,
      :math:`\frac1m \sum_k (F(r^2_{(k)}) - p_k)^2`, with the differentiable
      :math:`\chi^2_d` CDF ``torch.special.gammainc(d/2, r^2/2)`` (or
      :math:`\Phi` for coordinates): bounded, gentler far from the target.

    Coordinates are compared column by column (each coordinate against N(0, 1)),
    distances over all pairs or a random subset of them (``max_pairs``).

    Sorting costs :math:`O(m \log m)` and the gradient flows through the sorted
    values; no :math:`n \times n` matrix is formed. The weighted sum over
    statistics is returned. Radii and distances alone do not pin down N(0, I)
    (they ignore orientation: a law with the right radial and distance laws can
    still be anisotropic or skewed in ways they barely register), hence the
    coordinates in the default; a fully characterising set needs all directions,
    which is what the sliced penalties do.

    Parameters
    ----------
    z : Tensor of shape (n, d)
        Codes.
    generator : torch.Generator, optional
        Source of the random pairs when the distances are subsampled.
    statistics : sequence of str or dict, default=("radii", "distances", "coordinates")
        Which statistics to match; a dict gives their weights (a sequence weighs
        each by 1).
    method : {"quantile", "cdf"}, default="quantile"
        Compare sorted values with exact quantiles (W2) or their CDF values with
        the plotting positions (Cramér–von Mises). The two differ in scale.
    max_pairs : int, default=16384
        All ``n(n-1)/2`` pairs are used while there are at most this many;
        otherwise this many random pairs ``i != j``, keeping the distance term
        at O(max_pairs · d) instead of O(n² d).

    Returns
    -------
    Tensor
        Scalar, zero only when every sorted statistic sits on its target.
    """
    check_batch(z)
    weights = statistics if isinstance(statistics, Mapping) else dict.fromkeys(statistics, 1.0)
    unknown = set(weights) - set(_STATISTICS)
    if unknown or not weights:
        raise ValueError(f"statistics must be a non-empty subset of {sorted(_STATISTICS)}")
    if method not in _METHODS:
        raise ValueError(f"method must be 'quantile' or 'cdf', got {method!r}")
    total = z.new_zeros(())
    for name, weight in weights.items():
        values, dof = _STATISTICS[name](z, generator, max_pairs)
        total = total + weight * _METHODS[method](torch.sort(values, dim=0).values, dof)
    return total


# valid option values, checked before training (see skgauss.regularizers)
edf.constraints = {
    "statistics": [Weights(_STATISTICS)],
    "method": [StrOptions(set(_METHODS))],
    "max_pairs": [POSITIVE_INT],
}

# scale: 1 / (increase from N(0, I) to N(0.5 * 1, I) at n = 256, d = 8), see
# skgauss.regularizers, section Scales (checked by tests/test_regularizers.py)
edf.scale = 2.6
