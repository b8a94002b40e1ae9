"""Tests of "is it *the* N(0, I)?" in closed form: radii vs chi2_d, per-coordinate
and sliced one-sample tests, the Gaussian moment (KL) likelihood-ratio test."""

from __future__ import annotations

import math

import numpy as np
from scipy import special, stats

from ._base import GaussianityTestResult, _check_codes, _check_int, _one_sample, _sqnorms

__all__ = ["coordinate_test", "moment_test", "radii_test", "sliced_test"]


# --------------------------------------------------------------------------
# "Is it N(0, I)?"


def radii_test(Z, method: str = "ks") -> GaussianityTestResult:
    r"""Squared radii :math:`r_i = \|z_i\|^2` against :math:`\chi^2_d`.

    Under :math:`N(0, I_d)` the :math:`r_i` are i.i.d. :math:`\chi^2_d`, so a
    one-sample Kolmogorov--Smirnov (``"ks"``) or Cramér--von Mises
    (``"cvm"``) test (scipy.stats) is exact. Sees scale and tails (t, uniform),
    blind to a mean shift of small norm and to rotations. Cost
    :math:`O(nd + n\log n)`.

    Parameters
    ----------
    Z : array-like of shape (n_samples, n_features)
    method : {"ks", "cvm"}, default="ks"

    Examples
    --------
    Draws of N(0, I) pass; the same draws scaled by 1.5 fail ("N(0, I)?", not
    just "a Gaussian?").

    >>> import numpy as np
    >>> from skgauss.stats import radii_test
    >>> Z = np.random.RandomState(0).standard_normal((500, 3))
    >>> result = radii_test(Z)
    >>> bool(result.pvalue > 0.01), bool(radii_test(1.5 * Z).pvalue < 0.01)
    (True, True)
    """
    test = _one_sample(method)
    Z = _check_codes(Z)
    stat, p = test(_sqnorms(Z)[:, None], "chi2", (Z.shape[1],))
    return GaussianityTestResult(float(stat[0]), float(p[0]), None, Z.shape[0])


def _holm(p: np.ndarray) -> np.ndarray:
    order = np.argsort(p)
    adj = np.maximum.accumulate(p[order] * (len(p) - np.arange(len(p))))
    out = np.empty_like(p)
    out[order] = np.minimum(adj, 1.0)
    return out


def _bonferroni(p: np.ndarray) -> np.ndarray:
    return np.minimum(p * len(p), 1.0)


_CORRECTIONS = {"holm": _holm, "bonferroni": _bonferroni}


def _columns_test(
    Z: np.ndarray, method: str, correction: str, directions: np.ndarray | None = None
) -> GaussianityTestResult:
    """Test each column of ``Z`` (or of ``Z @ directions.T``) against N(0, 1),
    a chunk of columns at a time (memory ~ 2^22 values)."""
    test = _one_sample(method)
    if correction not in _CORRECTIONS:
        raise ValueError(f"correction must be one of {sorted(_CORRECTIONS)}, got {correction!r}.")
    n_cols = Z.shape[1] if directions is None else directions.shape[0]
    step = max(1, 2**22 // Z.shape[0])
    parts = [
        test(Z[:, k : k + step] if directions is None else Z @ directions[k : k + step].T, "norm")
        for k in range(0, n_cols, step)
    ]
    stat, p = (np.concatenate(x) for x in zip(*parts, strict=True))
    adjusted = _CORRECTIONS[correction](p)
    details = {"statistics": stat, "pvalues": p, "adjusted_pvalues": adjusted}
    return GaussianityTestResult(
        float(stat.max()), float(adjusted.min()), None, Z.shape[0], details
    )


def coordinate_test(Z, method: str = "cvm", *, correction: str = "holm") -> GaussianityTestResult:
    r"""Each coordinate against N(0, 1), corrected for multiplicity.

    Runs a one-sample KS or Cramér--von Mises test per column; the p-value is
    the smallest corrected one, which for Holm and Bonferroni alike is
    :math:`\min(1, d \cdot \min_k p_k)` (the family-wise error is controlled
    at any dependence). The statistic is the largest per-column statistic.
    Sees wrong marginals (mean, scale, shape of any axis, e.g. one bimodal
    axis); blind to dependence between coordinates. Cost :math:`O(nd\log n)`.

    Parameters
    ----------
    Z : array-like of shape (n_samples, n_features)
    method : {"cvm", "ks"}, default="cvm"
    correction : {"holm", "bonferroni"}, default="holm"
        Used for ``details["adjusted_pvalues"]``.

    Examples
    --------
    Draws of N(0, I) pass; the same draws scaled by 1.5 fail ("N(0, I)?", not
    just "a Gaussian?").

    >>> import numpy as np
    >>> from skgauss.stats import coordinate_test
    >>> Z = np.random.RandomState(0).standard_normal((500, 3))
    >>> result = coordinate_test(Z)
    >>> bool(result.pvalue > 0.01), bool(coordinate_test(1.5 * Z).pvalue < 0.01)
    (True, True)
    """
    return _columns_test(_check_codes(Z), method, correction)


def sliced_test(
    Z, method: str = "cvm", *, n_directions: int = 64, random_state=0
) -> GaussianityTestResult:
    r"""Random 1-D projections against N(0, 1), Bonferroni-corrected.

    For L directions :math:`\theta_l` uniform on the sphere (seeded), every
    projection :math:`Z\theta_l` is N(0, 1) under the null (Cramér--Wold);
    each gets a KS or CvM test and the p-value is
    :math:`\min(1, L \min_l p_l)` (conservative: projections correlate).
    Cost :math:`O(ndL + Ln\log n)`.

    Parameters
    ----------
    Z : array-like of shape (n_samples, n_features)
    method : {"cvm", "ks"}, default="cvm"
    n_directions : int, default=64
    random_state : int or None, default=0
        Seed of the directions.

    Examples
    --------
    Draws of N(0, I) pass; the same draws scaled by 1.5 fail ("N(0, I)?", not
    just "a Gaussian?").

    >>> import numpy as np
    >>> from skgauss.stats import sliced_test
    >>> Z = np.random.RandomState(0).standard_normal((500, 3))
    >>> result = sliced_test(Z)
    >>> bool(result.pvalue > 0.01), bool(sliced_test(1.5 * Z).pvalue < 0.01)
    (True, True)
    """
    Z = _check_codes(Z)
    L = _check_int(n_directions, "n_directions", 1)
    theta = np.random.default_rng(random_state).standard_normal((L, Z.shape[1]))
    theta /= np.linalg.norm(theta, axis=1, keepdims=True)
    return _columns_test(Z, method, "bonferroni", theta)


def moment_test(Z, *, bartlett: bool = True) -> GaussianityTestResult:
    r"""Likelihood-ratio test of :math:`\mu = 0, \Sigma = I` in a Gaussian model.

    With the ML estimates :math:`\hat\mu, \hat\Sigma`, the Gaussian KL

    .. math::

        \mathrm{KL}\big(N(\hat\mu, \hat\Sigma)\,\|\,N(0, I)\big) =
        \tfrac12\big(\operatorname{tr}\hat\Sigma + \|\hat\mu\|^2 - d
        - \log\det\hat\Sigma\big), \qquad
        T = 2n\,\mathrm{KL}.

    Under the null, :math:`n\hat\Sigma` is Wishart(n - 1, I) and, by Bartlett's
    decomposition, :math:`T = \sum_{i=1}^d (c_i - n\log(c_i/n) - n) + Q` with
    independent :math:`c_i \sim \chi^2_{n-i}` and
    :math:`Q \sim \chi^2_{d(d+1)/2}`, so its exact mean and variance are known:
    :math:`\mathbb E\,T = \sum_i (k_i - n\psi(k_i/2) - n\log(2/n) - n) + d(d+1)/2`,
    :math:`\operatorname{Var}T = \sum_i (2k_i + n^2\psi'(k_i/2) - 4n) + d(d+1)`,
    :math:`k_i = n - i`. ``bartlett=True`` refers :math:`T` to the scaled
    chi-squared :math:`a\chi^2_\nu` with these two moments; its size at level
    0.05 stays within 0.04--0.08 from n = d + 1 to n = 3d at d = 400
    (``tests/test_calibration.py``), where the asymptotic
    :math:`\chi^2_{d + d(d+1)/2}` or Bartlett's factor reject 0.1 (d = 100) to
    0.9 (n = d + 1) of Gaussian samples. ``bartlett=False`` uses that asymptotic
    chi-squared (valid for n much larger than d^2). Sees mean and covariance only
    (blind to shape: a unit-variance uniform passes). :math:`T = \infty` for a
    singular covariance. Needs ``n > d``.

    Returns
    -------
    GaussianityTestResult
        ``statistic`` T, ``pvalue``, ``df`` (:math:`\nu`); ``details["kl"]``,
        ``details["scale"]`` (:math:`a`).

    Examples
    --------
    Draws of N(0, I) pass; the same draws scaled by 1.5 fail ("N(0, I)?", not
    just "a Gaussian?").

    >>> import numpy as np
    >>> from skgauss.stats import moment_test
    >>> Z = np.random.RandomState(0).standard_normal((500, 3))
    >>> result = moment_test(Z)
    >>> bool(result.pvalue > 0.01), bool(moment_test(1.5 * Z).pvalue < 0.01)
    (True, True)
    """
    Z = _check_codes(Z)
    n, d = Z.shape
    if n <= d:
        raise ValueError(f"moment_test needs n_samples > n_features, got shape {Z.shape}.")
    mu = Z.mean(axis=0)
    C = Z - mu
    S = C.T @ C / n
    sign, logdet = np.linalg.slogdet(S)
    kl = 0.5 * (np.trace(S) + mu @ mu - d - logdet) if sign > 0 else math.inf
    stat = 2 * n * kl
    if bartlett:
        k = n - np.arange(1, d + 1, dtype=float)
        mean = np.sum(k - n * (special.digamma(k / 2) + math.log(2 / n)) - n) + d * (d + 1) / 2
        var = np.sum(2 * k + n**2 * special.polygamma(1, k / 2) - 4 * n) + d * (d + 1)
        scale, df = var / (2 * mean), 2 * mean**2 / var
    else:
        scale, df = 1.0, d + d * (d + 1) / 2
    p = float(stats.chi2.sf(stat / scale, df))
    return GaussianityTestResult(float(stat), p, float(df), n,
                                 {"kl": float(kl), "scale": float(scale)})
