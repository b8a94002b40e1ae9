"""Tests of "is it *a* Gaussian?" (affine-invariant): Mardia skewness and kurtosis,
Henze--Zirkler, Doornik--Hansen."""

from __future__ import annotations

import math

import numpy as np
from scipy import stats

from ._base import (
    GaussianityTestResult,
    _check_codes,
    _cube_block,
    _gauss_block,
    _pair_sum,
    _sqnorms,
    _subsample,
    _whiten,
)

__all__ = ["doornik_hansen", "henze_zirkler", "mardia_kurtosis", "mardia_skewness"]

#: henze_zirkler refuses samples outside the range where its lognormal null was
#: checked by simulation (tests/test_calibration.py)
HZ_MAX_FEATURES = 20
HZ_MIN_RATIO = 3


# --------------------------------------------------------------------------
# "Is it a Gaussian?" (affine-invariant)


def mardia_skewness(
    Z, *, correction: bool = True, max_samples: int | None = 10_000, random_state=0
) -> GaussianityTestResult:
    r"""Mardia's multivariate skewness test.

    With :math:`c_i = z_i - \bar z` and :math:`S` the ML covariance,

    .. math::

        b_{1,d} = \frac{1}{n^2} \sum_{i,j} (c_i^\top S^{-1} c_j)^3, \qquad
        T = \frac{n\,k\,b_{1,d}}{6} \sim \chi^2_{d(d+1)(d+2)/6}

    under normality (asymptotically), with the small-sample correction
    :math:`k = \frac{(d+1)(n+1)(n+3)}{n((n+1)(d+1) - 6)}` (``correction=True``)
    or :math:`k = 1`. Affine-invariant: blind to mean and scale. Cost
    :math:`O(n^2 d)`, memory :math:`O(\text{block}^2)`.

    Parameters
    ----------
    Z : array-like of shape (n_samples, n_features)
    correction : bool, default=True
        Apply the small-sample factor k (it tends to 1 as n grows).
    max_samples : int or None, default=10_000
        Random subsample above this many rows (warns).
    random_state : int or None, default=0
        Seed of the subsample.

    Returns
    -------
    GaussianityTestResult
        ``statistic`` T, ``pvalue``, ``df``; ``details["b1"]``.

    References
    ----------
    Mardia, "Measures of multivariate skewness and kurtosis with applications",
    Biometrika 57 (1970).

    Examples
    --------
    A Gaussian passes, whatever its mean and scale (this test standardises
    first: it asks "a Gaussian?", not "N(0, I)?"); a skewed (exponential) sample fails.

    >>> import numpy as np
    >>> from skgauss.stats import mardia_skewness
    >>> rng = np.random.RandomState(0)
    >>> Z = rng.standard_normal((500, 3))
    >>> bool(mardia_skewness(Z).pvalue > 0.01), bool(mardia_skewness(3 * Z + 1).pvalue > 0.01)
    (True, True)
    >>> bool(mardia_skewness(rng.exponential(size=(500, 3))).pvalue < 0.01)
    True
    """
    Z = _subsample(_check_codes(Z, 3), max_samples, random_state, "mardia_skewness")
    n, d = Z.shape
    b1 = _pair_sum(_whiten(Z, "mardia_skewness"), _cube_block) / n**2
    k = (d + 1) * (n + 1) * (n + 3) / (n * ((n + 1) * (d + 1) - 6)) if correction else 1.0
    stat, df = n * k * b1 / 6.0, d * (d + 1) * (d + 2) / 6.0
    return GaussianityTestResult(stat, float(stats.chi2.sf(stat, df)), df, n, {"b1": b1, "k": k})


def mardia_kurtosis(Z, *, correction: bool = True) -> GaussianityTestResult:
    r"""Mardia's multivariate kurtosis test (two-sided).

    .. math::

        b_{2,d} = \frac1n \sum_i (c_i^\top S^{-1} c_i)^2, \qquad
        T = \frac{b_{2,d} - \mathbb E b_{2,d}}{\sqrt{\operatorname{Var} b_{2,d}}}
        \sim N(0, 1).

    Asymptotically :math:`\mathbb E b_{2,d} = d(d+2)` and
    :math:`\operatorname{Var} b_{2,d} = 8d(d+2)/n`; ``correction=True`` uses
    the exact finite-n moments under normality (Mardia 1974),
    :math:`\mathbb E b_{2,d} = d(d+2)\frac{n-1}{n+1}` and
    :math:`\operatorname{Var} b_{2,d} = \frac{8d(d+2)(n-3)(n-d-1)(n-d+1)}
    {(n+1)^2(n+3)(n+5)}`. Affine-invariant. Cost :math:`O(nd^2)`.

    Parameters
    ----------
    Z : array-like of shape (n_samples, n_features)
    correction : bool, default=True
        Exact finite-sample mean and variance instead of the asymptotic ones.

    Returns
    -------
    GaussianityTestResult
        ``statistic`` T (a z-score), ``pvalue`` :math:`2\bar\Phi(|T|)`;
        ``details["b2"]``.

    Examples
    --------
    A Gaussian passes, whatever its mean and scale (this test standardises
    first: it asks "a Gaussian?", not "N(0, I)?"); a uniform cube fails.

    >>> import numpy as np
    >>> from skgauss.stats import mardia_kurtosis
    >>> rng = np.random.RandomState(0)
    >>> Z = rng.standard_normal((500, 3))
    >>> bool(mardia_kurtosis(Z).pvalue > 0.01), bool(mardia_kurtosis(3 * Z + 1).pvalue > 0.01)
    (True, True)
    >>> bool(mardia_kurtosis(rng.uniform(-2, 2, (500, 3))).pvalue < 0.01)
    True
    """
    Z = _check_codes(Z, 3)
    n, d = Z.shape
    b2 = float(np.mean(_sqnorms(_whiten(Z, "mardia_kurtosis")) ** 2))
    if correction and n > d + 1:
        mean = d * (d + 2) * (n - 1) / (n + 1)
        var = 8 * d * (d + 2) * (n - 3) * (n - d - 1) * (n - d + 1)
        var /= (n + 1) ** 2 * (n + 3) * (n + 5)
    else:
        mean, var = d * (d + 2), 8 * d * (d + 2) / n
    z = (b2 - mean) / math.sqrt(var) if var > 0 else math.inf
    return GaussianityTestResult(z, float(2 * stats.norm.sf(abs(z))), None, n, {"b2": b2})


def henze_zirkler(Z, *, max_samples: int | None = 10_000, random_state=0) -> GaussianityTestResult:
    r"""Henze--Zirkler test (equals ``pingouin.multivariate_normality``).

    With :math:`D_{ij} = (z_i - z_j)^\top S^{-1} (z_i - z_j)`,
    :math:`D_i = c_i^\top S^{-1} c_i` (S the ML covariance) and
    :math:`\beta = \frac{1}{\sqrt2}\big(\frac{(2d+1)n}{4}\big)^{1/(d+4)}`,

    .. math::

        HZ = \frac1n \sum_{i,j} e^{-\beta^2 D_{ij}/2}
        - 2(1+\beta^2)^{-d/2} \sum_i e^{-\beta^2 D_i / (2(1+\beta^2))}
        + n(1+2\beta^2)^{-d/2},

    computed as :math:`1 + (HZ - 1)` so that the terms of order :math:`e^{-d}`
    survive rounding. Null: lognormal with the exact mean and variance of HZ
    under normality (equal to ``pingouin.multivariate_normality`` where both
    apply). Affine-invariant. Cost :math:`O(n^2 d)`, memory
    :math:`O(\text{block}^2)` (pingouin: :math:`O(n^2)`).

    Where it applies: simulated sizes at level 0.05 (200--400 draws of N(0, I))
    lie in 0.03--0.07 for ``d <= 20`` and ``n >= 3d``, but the lognormal null is
    far too conservative beyond (0.018 at d = 30, n = 3d; 0.007 at d = 40;
    0.000 at d = 50--100 for n = 3d and 10d), so the test raises a
    ``ValueError`` for ``d > 20`` or ``n < 3d``, as it does for a singular
    covariance (pingouin returns HZ = 4n, p ~ 0, there); the report shows NaN
    with that note.

    Parameters
    ----------
    Z : array-like of shape (n_samples, n_features)
    max_samples : int or None, default=10_000
        Random subsample above this many rows (warns).
    random_state : int or None, default=0
        Seed of the subsample.

    References
    ----------
    Henze & Zirkler, "A class of invariant consistent tests for multivariate
    normality", Comm. Statist. Theory Methods 19 (1990).

    Examples
    --------
    A Gaussian passes, whatever its mean and scale (this test standardises
    first: it asks "a Gaussian?", not "N(0, I)?"); a uniform cube fails.

    >>> import numpy as np
    >>> from skgauss.stats import henze_zirkler
    >>> rng = np.random.RandomState(0)
    >>> Z = rng.standard_normal((500, 3))
    >>> bool(henze_zirkler(Z).pvalue > 0.01), bool(henze_zirkler(3 * Z + 1).pvalue > 0.01)
    (True, True)
    >>> bool(henze_zirkler(rng.uniform(-2, 2, (500, 3))).pvalue < 0.01)
    True
    """
    Z = _subsample(_check_codes(Z, 3), max_samples, random_state, "henze_zirkler")
    n, d = Z.shape
    if d > HZ_MAX_FEATURES or n < HZ_MIN_RATIO * d:
        raise ValueError(
            f"henze_zirkler's lognormal null is calibrated for n_samples >= "
            f"{HZ_MIN_RATIO} * n_features and n_features <= {HZ_MAX_FEATURES} "
            f"(got shape {Z.shape}); use the Mardia tests or the N(0, I) tests"
        )
    W = _whiten(Z, "henze_zirkler")  # ValueError when S is singular
    b2 = ((2 * d + 1) * n / 4) ** (2 / (d + 4)) / 2  # beta^2
    a, wb, b4 = 1 + 2 * b2, (1 + b2) * (1 + 3 * b2), b2 * b2
    # HZ - 1 and E[HZ] - 1 without adding 1: in high dimension every term is
    # ~e^{-d}, far below the rounding of 1 (HZ itself would read exactly 1)
    off = _pair_sum(W, _gauss_block, gamma=b2 / 2) / n  # i != j
    radial = 2 * np.exp(-d / 2 * math.log1p(b2) - b2 / (2 * (1 + b2)) * _sqnorms(W)).sum()
    excess = off - radial + n * math.exp(-d / 2 * math.log(a))
    m1 = math.exp(-d / 2 * math.log(a)) * (1 + d * b2 / a + d * (d + 2) * b4 / (2 * a**2))
    si2 = (
        2 * math.exp(-d / 2 * math.log1p(4 * b2))
        + 2 * math.exp(-d * math.log(a))
        * (1 + 2 * d * b4 / a**2 + 3 * d * (d + 2) * b4**2 / (4 * a**4))
        - 4 * math.exp(-d / 2 * math.log(wb))
        * (1 + 3 * d * b4 / (2 * wb) + d * (d + 2) * b4**2 / (2 * wb**2))
    )
    # lognormal with mean mu = 1 - m1 and variance si2, in log1p form
    ratio = si2 / (1 - m1) ** 2
    psi = math.sqrt(math.log1p(ratio))
    z = (math.log1p(excess) - math.log1p(-m1) + 0.5 * math.log1p(ratio)) / psi
    pvalue = float(stats.norm.sf(z))
    return GaussianityTestResult(float(1 + excess), pvalue, None, n,
                                 {"beta": math.sqrt(b2), "excess": float(excess)})


def doornik_hansen(Z) -> GaussianityTestResult:
    r"""Doornik--Hansen omnibus test.

    The data are centred and decorrelated, :math:`y_i = H\Lambda^{-1/2}H^\top V
    (z_i - \bar z)` with V the inverse standard deviations and
    :math:`H\Lambda H^\top` the eigendecomposition of the correlation matrix.
    Each coordinate's skewness :math:`\sqrt{b_1}` goes through D'Agostino's
    transform to :math:`z_1` and its kurtosis :math:`b_2` through the gamma
    (Wilson--Hilferty) transform of Doornik & Hansen to :math:`z_2`:

    .. math::

        E = \sum_{k=1}^d z_{1k}^2 + z_{2k}^2 \sim \chi^2_{2d}.

    Affine-invariant; sees non-Gaussian marginals of the decorrelated data
    (e.g. a bimodal axis). Cost :math:`O(nd^2)`; needs ``n >= 8``.

    Returns
    -------
    GaussianityTestResult
        ``statistic`` E, ``pvalue``, ``df = 2d``; ``details["z1"], ["z2"]``.

    References
    ----------
    Doornik & Hansen, "An omnibus test for univariate and multivariate
    normality", Oxford Bull. Econ. Stat. 70 (2008).

    Examples
    --------
    A Gaussian passes, whatever its mean and scale (this test standardises
    first: it asks "a Gaussian?", not "N(0, I)?"); a uniform cube fails.

    >>> import numpy as np
    >>> from skgauss.stats import doornik_hansen
    >>> rng = np.random.RandomState(0)
    >>> Z = rng.standard_normal((500, 3))
    >>> bool(doornik_hansen(Z).pvalue > 0.01), bool(doornik_hansen(3 * Z + 1).pvalue > 0.01)
    (True, True)
    >>> bool(doornik_hansen(rng.uniform(-2, 2, (500, 3))).pvalue < 0.01)
    True
    """
    Z = _check_codes(Z, 8)
    n, d = Z.shape
    C = Z - Z.mean(axis=0)
    sd = np.sqrt(np.mean(C * C, axis=0))
    if n <= d or np.any(sd <= 1e-12 * np.abs(Z).max(axis=0)):
        raise ValueError(
            "doornik_hansen needs n_samples > n_features and no constant column "
            f"(got shape {Z.shape})."
        )
    R = (C / sd).T @ (C / sd) / n
    lam, H = np.linalg.eigh(R)
    if lam.min() <= lam.max() * d * np.finfo(float).eps:
        raise ValueError("doornik_hansen: the correlation matrix is singular.")
    Y = (C / sd) @ (H / np.sqrt(lam)) @ H.T
    sk, b2 = stats.skew(Y, axis=0), stats.kurtosis(Y, axis=0, fisher=False)
    z1 = stats.skewtest(Y, axis=0).statistic  # D'Agostino (1970)
    delta = (n - 3) * (n + 1) * (n**2 + 15 * n - 4)
    a = (n - 2) * (n + 5) * (n + 7) * (n**2 + 27 * n - 70) / (6 * delta)
    c = (n - 7) * (n + 5) * (n + 7) * (n**2 + 2 * n - 5) / (6 * delta)
    k = (n + 5) * (n + 7) * (n**3 + 37 * n**2 + 11 * n - 313) / (12 * delta)
    alpha = a + sk**2 * c
    chi = (b2 - 1 - sk**2) * 2 * k
    z2 = (np.cbrt(chi / (2 * alpha)) - 1 + 1 / (9 * alpha)) * np.sqrt(9 * alpha)
    stat = float(np.sum(z1**2) + np.sum(z2**2))
    return GaussianityTestResult(
        stat, float(stats.chi2.sf(stat, 2 * d)), 2.0 * d, n, {"z1": z1, "z2": z2}
    )
