r"""Hypothesis tests of Gaussianity for a code matrix ``Z`` (n samples x d).

Two questions differ:

* **"Is it a Gaussian?"** -- affine-invariant tests (Mardia skewness and
  kurtosis, Henze--Zirkler, Doornik--Hansen). They standardise the data first,
  so they cannot see a wrong mean or scale: ``N(0, 1.1^2 I)`` passes.
* **"Is it N(0, I)?"** -- tests against the fixed standard normal (radii vs
  :math:`\chi^2_d`, per-coordinate and sliced tests vs N(0, 1), the Gaussian
  moment (KL) test, MMD and energy distance to N(0, I)). A latent space one
  samples from needs this one.

Each test returns a :class:`GaussianityTestResult` (``statistic``, ``pvalue``,
``df`` where relevant, the number of rows used); it unpacks like a scipy
result: ``stat, p = radii_test(Z)``. The O(n^2) tests take ``max_samples`` and
emit a :class:`SubsamplingWarning` when they use a random subsample.
"""

from __future__ import annotations

import functools
import inspect
import math
import os
import warnings
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from numbers import Integral

import numpy as np
from scipy import special, stats
from scipy.linalg import blas
from sklearn.utils import check_array
from threadpoolctl import threadpool_limits

__all__ = [
    "GaussianityReport",
    "GaussianityTestResult",
    "ReportRow",
    "SubsamplingWarning",
    "coordinate_test",
    "cramer_wold_to_standard_normal",
    "doornik_hansen",
    "energy_test",
    "energy_to_standard_normal",
    "expected_distance_to_standard_normal",
    "gaussianity_report",
    "henze_zirkler",
    "mardia_kurtosis",
    "mardia_skewness",
    "mmd_test",
    "mmd_to_standard_normal",
    "moment_test",
    "radii_test",
    "sliced_test",
]

_MAX_ABS = 1e150
_BLOCK = 2048  # rows per block in the O(n^2) sums: 2048^2 float64 = 32 MiB


class SubsamplingWarning(UserWarning):
    """An O(n^2) test used a random subsample of ``max_samples`` rows."""


@dataclass(frozen=True)
class GaussianityTestResult:
    """Result of a test: unpacks as ``statistic, pvalue`` like scipy's.

    Attributes
    ----------
    statistic : float
        The test statistic (its definition is in each test's docstring).
    pvalue : float
        The p-value under the test's null.
    df : float or None
        Degrees of freedom of a chi-squared null, else None.
    n_samples_used : int
        Rows the statistic was computed on (< n when subsampled).
    details : dict
        Test-specific intermediate values (e.g. per-coordinate p-values).
    """

    statistic: float
    pvalue: float
    df: float | None = None
    n_samples_used: int | None = None
    details: dict = field(default_factory=dict, repr=False, compare=False)

    def __iter__(self) -> Iterator[float]:
        yield self.statistic
        yield self.pvalue


# --------------------------------------------------------------------------
# validation and blocked O(n^2) sums


def _check_codes(Z, min_samples: int = 2, dtype=np.float64) -> np.ndarray:
    """Finite 2-D float array, at least ``min_samples`` rows, no entry whose
    square overflows."""
    Z = check_array(Z, dtype=dtype, ensure_min_samples=min_samples, input_name="Z")
    if Z.size and max(Z.max(), -Z.min()) > _MAX_ABS:  # no |Z| copy
        raise ValueError(
            f"Z has entries above {_MAX_ABS:g} in magnitude: squared norms would overflow float64."
        )
    return Z


def _check_int(value, name: str, low: int, none_ok: bool = False):
    if value is None and none_ok:
        return None
    if not isinstance(value, Integral) or isinstance(value, bool) or value < low:
        raise ValueError(f"{name} must be an int >= {low}, got {value!r}.")
    return int(value)


def _subsample(Z: np.ndarray, max_samples, random_state, test: str) -> np.ndarray:
    max_samples = _check_int(max_samples, "max_samples", 2, none_ok=True)
    if max_samples is None or Z.shape[0] <= max_samples:
        return Z
    warnings.warn(
        f"{test}: using a random subsample of {max_samples} of {Z.shape[0]} rows "
        "(set max_samples=None to use all, at O(n^2) cost).",
        SubsamplingWarning,
        stacklevel=3,
    )
    rows = np.random.default_rng(random_state).choice(Z.shape[0], max_samples, replace=False)
    return Z[np.sort(rows)]


def _sqnorms(X: np.ndarray) -> np.ndarray:
    return np.einsum("ij,ij->i", X, X)


def _upper_gram(A: np.ndarray) -> np.ndarray:
    """Upper triangle of A A^T (zeros below): BLAS syrk, half a matmul."""
    return blas.dsyrk(1.0, np.asarray(A, dtype=np.float64, order="F"))


def _gauss_block(A, B, sqA, sqB, same: bool, gamma: float) -> float:
    r""":math:`\sum_{i,j} e^{-\gamma \|a_i - b_j\|^2}`, without i = j if ``same``."""
    if gamma * max(sqA.max(), sqB.max()) <= 300.0:
        # e^{-g|a-b|^2} = e^{-g|a|^2} e^{-g|b|^2} e^{2g<a,b>}: one matmul, one exp.
        s = math.sqrt(2.0 * gamma)
        a, b = np.exp(-gamma * sqA), np.exp(-gamma * sqB)
        if not same:
            K = (A * s) @ (B * s).T
            np.exp(K, out=K)
            return float(a @ K @ b)
        K = _upper_gram(A * s)  # below the diagonal e^0 = 1: remove a_i a_j there
        np.exp(K, out=K)
        lower = (a.sum() ** 2 - a @ a) / 2
        return float(2 * (a @ K @ a - lower - np.dot(a * a, np.diagonal(K))))
    K = _sqdist_block(A, B, sqA, sqB, same)  # far from 0: avoid overflow
    K *= -gamma
    np.exp(K, out=K)
    return float(K.sum() - (np.trace(K) if same else 0.0))


def _sqdist_block(A, B, sqA, sqB, same: bool) -> np.ndarray:
    D = A @ B.T
    D *= -2.0
    D += sqA[:, None]
    D += sqB[None, :]
    np.maximum(D, 0.0, out=D)
    if same:
        np.fill_diagonal(D, 0.0)
    return D


def _dist_block(A, B, sqA, sqB, same: bool) -> float:
    """Sum of Euclidean distances between the rows of A and B."""
    return float(np.sqrt(_sqdist_block(A, B, sqA, sqB, same)).sum())


def _cube_block(A, B, sqA, sqB, same: bool) -> float:
    """Sum of cubed inner products between the rows of A and B."""
    G = A @ B.T
    return float((G * G * G).sum())


def _pair_sum(X: np.ndarray, block_fn: Callable, block: int = _BLOCK, **kw) -> float:
    r""":math:`\sum_{i \ne j} f(x_i, x_j)` (i = j kept by ``_cube_block``) over
    blocks of rows, memory :math:`O(\mathrm{block}^2)`, f symmetric."""
    sq = _sqnorms(X)
    cuts = list(range(0, X.shape[0], block)) + [X.shape[0]]
    total = 0.0
    for u in range(len(cuts) - 1):
        su = slice(cuts[u], cuts[u + 1])
        total += block_fn(X[su], X[su], sq[su], sq[su], True, **kw)
        for v in range(u + 1, len(cuts) - 1):
            sv = slice(cuts[v], cuts[v + 1])
            total += 2.0 * block_fn(X[su], X[sv], sq[su], sq[sv], False, **kw)
    return total


def _cross_sum(A: np.ndarray, B: np.ndarray, block_fn: Callable, block: int = _BLOCK, **kw):
    r""":math:`\sum_{i,j} f(a_i, b_j)` over blocks of rows of A and B."""
    sqA, sqB = _sqnorms(A), _sqnorms(B)
    total = 0.0
    for u in range(0, A.shape[0], block):
        su = slice(u, u + block)
        for v in range(0, B.shape[0], block):
            sv = slice(v, v + block)
            total += block_fn(A[su], B[sv], sqA[su], sqB[sv], False, **kw)
    return total


def _whiten(Z: np.ndarray, test: str) -> np.ndarray:
    r"""Rows :math:`S^{-1/2}(z_i - \bar z)`, S the ML covariance; error if singular."""
    C = Z - Z.mean(axis=0)
    S = C.T @ C / Z.shape[0]
    if Z.shape[0] <= Z.shape[1] or np.linalg.matrix_rank(S, hermitian=True) < Z.shape[1]:
        raise ValueError(
            f"{test} needs a non-singular sample covariance: n_samples > n_features "
            f"and no constant or collinear columns (got shape {Z.shape})."
        )
    eigval, eigvec = np.linalg.eigh(S)
    return C @ (eigvec / np.sqrt(eigval))


def _cvm(X: np.ndarray, cdf: str, args: tuple = ()) -> tuple[np.ndarray, np.ndarray]:
    r"""Cramér--von Mises test of each column of X. scipy's p-value is
    inaccurate for :math:`W^2 > 3` (p < 1e-7); there the limit law's tail
    :math:`2\sqrt2\,\bar\Phi(\pi\sqrt{W^2})` is used."""
    res = stats.cramervonmises(X, cdf, args=args, axis=0)
    w2 = np.asarray(res.statistic, dtype=float)
    tail = 2.0 * math.sqrt(2.0) * stats.norm.sf(math.pi * np.sqrt(w2))
    return w2, np.clip(np.where(w2 > 3, tail, res.pvalue), 0.0, 1.0)


def _ks(X: np.ndarray, cdf: str, args: tuple = ()) -> tuple[np.ndarray, np.ndarray]:
    """Kolmogorov--Smirnov test of each column of X."""
    res = stats.kstest(X, cdf, args=args, axis=0)
    return np.asarray(res.statistic, dtype=float), np.asarray(res.pvalue, dtype=float)


_ONE_SAMPLE = {"ks": _ks, "cvm": _cvm}


def _one_sample(method: str) -> Callable:
    try:
        return _ONE_SAMPLE[method]
    except KeyError:
        raise ValueError(f"method must be one of {sorted(_ONE_SAMPLE)}, got {method!r}.") from None


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

    :math:`HZ = 4n` when S is singular. Null: lognormal with the exact mean and
    variance of HZ under normality. Affine-invariant. Cost :math:`O(n^2 d)`,
    memory :math:`O(\text{block}^2)` (pingouin: :math:`O(n^2)`).

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
    """
    Z = _subsample(_check_codes(Z, 3), max_samples, random_state, "henze_zirkler")
    n, d = Z.shape
    C = Z - Z.mean(axis=0)
    S = C.T @ C / n
    b2 = ((2 * d + 1) * n / 4) ** (2 / (d + 4)) / 2  # beta^2
    if np.linalg.matrix_rank(S) == d:
        eigval, eigvec = np.linalg.eigh(S)
        W = C @ (eigvec / np.sqrt(eigval))
        pairs = _pair_sum(W, _gauss_block, gamma=b2 / 2) + n
        hz = (
            pairs / n
            - 2 * (1 + b2) ** (-d / 2) * np.exp(-b2 / (2 * (1 + b2)) * _sqnorms(W)).sum()
            + n * (1 + 2 * b2) ** (-d / 2)
        )
    else:
        hz = 4.0 * n
    a, wb, b4 = 1 + 2 * b2, (1 + b2) * (1 + 3 * b2), b2 * b2
    mu = 1 - a ** (-d / 2) * (1 + d * b2 / a + d * (d + 2) * b4 / (2 * a**2))
    si2 = (
        2 * (1 + 4 * b2) ** (-d / 2)
        + 2 * a ** (-d) * (1 + 2 * d * b4 / a**2 + 3 * d * (d + 2) * b4**2 / (4 * a**4))
        - 4 * wb ** (-d / 2) * (1 + 3 * d * b4 / (2 * wb) + d * (d + 2) * b4**2 / (2 * wb**2))
    )
    pmu = np.log(np.sqrt(mu**4 / (si2 + mu**2)))
    psi = np.sqrt(np.log1p(si2 / mu**2))
    pvalue = float(stats.lognorm.sf(hz, psi, scale=np.exp(pmu)))
    return GaussianityTestResult(float(hz), pvalue, None, n, {"beta": math.sqrt(b2)})


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
        T = 2n\,\mathrm{KL} \sim \chi^2_{d + d(d+1)/2}.

    ``bartlett=True`` refers :math:`\rho T` to the chi-squared, with the
    Bartlett factor :math:`\rho = 1 - \frac{2d^2 + 9d + 11}{6n(d+3)}`
    (Anderson 2003, sec. 10.9), which keeps the level at small n. Sees mean
    and covariance only (blind to shape: a unit-variance uniform passes).
    :math:`T = \infty` for a singular covariance. Needs ``n > d``.

    Returns
    -------
    GaussianityTestResult
        ``statistic`` T, ``pvalue``, ``df``; ``details["kl"]``.
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
    stat, df = 2 * n * kl, d + d * (d + 1) / 2
    rho = 1 - (2 * d**2 + 9 * d + 11) / (6 * n * (d + 3)) if bartlett else 1.0
    p = float(stats.chi2.sf(max(rho, 0.0) * stat, df))
    return GaussianityTestResult(float(stat), p, df, n, {"kl": float(kl), "rho": rho})


# --- MMD and energy distance to N(0, I), closed form, Monte-Carlo p-values


def mmd_to_standard_normal(Z: np.ndarray) -> float:
    r"""Unbiased :math:`\widehat{\mathrm{MMD}}^2` to N(0, I), all pairs.

    Gaussian kernel with :math:`\sigma^2 = \sqrt d`; with
    :math:`s = \sigma^2` the closed forms are
    :math:`\mathbb E_Z k(x,Z) = (s/(s+1))^{d/2} e^{-\|x\|^2/(2(s+1))}`,
    :math:`\mathbb E k(Z,Z') = (s/(s+2))^{d/2}`:

    .. math::

        \widehat{\mathrm{MMD}}^2 = \frac{1}{n(n-1)}\sum_{i\ne j}k(z_i,z_j)
        - \frac2n \sum_i \mathbb E_Z k(z_i, Z) + \mathbb E k(Z, Z').
    """
    n, d = Z.shape
    s = math.sqrt(d)
    zz = _pair_sum(Z, _gauss_block, gamma=1 / (2 * s)) / (n * (n - 1))
    zp = (s / (s + 1)) ** (d / 2) * np.exp(-_sqnorms(Z) / (2 * (s + 1))).mean()
    return float(zz - 2 * zp + (s / (s + 2)) ** (d / 2))


def _gamma_ratio(d: int) -> float:
    r""":math:`\Gamma_d = \Gamma((d+1)/2) / \Gamma(d/2)`."""
    return math.exp(special.gammaln((d + 1) / 2) - special.gammaln(d / 2))


def expected_distance_to_standard_normal(X: np.ndarray) -> np.ndarray:
    r""":math:`\mathbb E\|x - Z\| = \sqrt2\,\Gamma_d\,{}_1F_1(-\tfrac12; \tfrac d2;
    -\tfrac{\|x\|^2}{2})` for each row x, Z ~ N(0, I_d)."""
    d, sq = X.shape[1], _sqnorms(X)
    out = np.empty_like(sq)
    big = sq > 1e8  # hyp1f1 can fail there; r + (d-1)/(2r) is exact to O(r^-3)
    out[~big] = math.sqrt(2) * _gamma_ratio(d) * special.hyp1f1(-0.5, d / 2, -sq[~big] / 2)
    r = np.sqrt(sq[big])
    out[big] = r + (d - 1) / (2 * r)
    return out


def energy_to_standard_normal(Z: np.ndarray) -> float:
    r"""Unbiased energy distance to N(0, I), all pairs.

    .. math::

        \widehat{\mathcal E} = \frac2n\sum_i \mathbb E\|z_i - Z\|
        - \mathbb E\|Z - Z'\| - \frac{1}{n(n-1)}\sum_{i\ne j}\|z_i - z_j\|,

    with :math:`\mathbb E\|Z - Z'\| = 2\Gamma_d` and
    :func:`expected_distance_to_standard_normal`.
    """
    n, d = Z.shape
    zz = _pair_sum(Z, _dist_block) / (n * (n - 1))
    return float(2 * expected_distance_to_standard_normal(Z).mean() - 2 * _gamma_ratio(d) - zz)


def _cw_block(A, B, sqA, sqB, same: bool, gamma: float) -> float:
    D = _sqdist_block(A, B, sqA, sqB, same)
    total = special.hyp1f1(0.5, A.shape[1] / 2, -D / (4 * gamma)).sum()
    return float(total - (A.shape[0] if same else 0.0))


def cramer_wold_to_standard_normal(Z: np.ndarray, gamma: float = 0.16) -> float:
    r"""Unbiased Cramér--Wold distance to N(0, I) with fixed smoothing
    :math:`\gamma`, exact :math:`\varphi_d(s) = {}_1F_1(\tfrac12; \tfrac d2; -s)`.

    .. math::

        \widehat{CW}^2 = \frac{1}{2\sqrt\pi}\Big[\frac{1}{n(n-1)}\sum_{i\ne j}
        \frac{\varphi_d(\|z_i - z_j\|^2/(4\gamma))}{\sqrt\gamma}
        - \frac2n \sum_i \frac{\varphi_d(\|z_i\|^2/(2+4\gamma))}{\sqrt{\gamma+1/2}}
        + \frac{1}{\sqrt{1+\gamma}}\Big],

    an MMD with the sliced Gaussian-smoothing kernel, so with i != j its
    expectation does not depend on n (CWAE uses :math:`\gamma = (4/(3n))^{2/5}`,
    0.16 at n = 128, and the approximation
    :math:`\varphi_d(s) \approx (1 + 4s/(2d-3))^{-1/2}`). ``hyp1f1`` costs
    ~1 us per pair.
    """
    n, d = Z.shape
    zz = _pair_sum(Z, _cw_block, gamma=gamma) / (n * (n - 1) * math.sqrt(gamma))
    zp = special.hyp1f1(0.5, d / 2, -_sqnorms(Z) / (2 + 4 * gamma)).mean()
    zp /= math.sqrt(gamma + 0.5)
    return float((zz - 2 * zp + 1 / math.sqrt(1 + gamma)) / (2 * math.sqrt(math.pi)))


_DISTANCES = {"mmd": mmd_to_standard_normal, "energy": energy_to_standard_normal}


@functools.lru_cache(maxsize=64)
def _null_distribution(kind: str, n: int, d: int, n_simulations: int, seed: int) -> np.ndarray:
    """Statistic on ``n_simulations`` seeded N(0, I) samples of shape (n, d),
    on up to 4 threads with single-threaded BLAS (same values for any count)."""

    def one(seq: np.random.SeedSequence) -> float:
        return _DISTANCES[kind](np.random.default_rng(seq).standard_normal((n, d)))

    seeds = np.random.SeedSequence(seed).spawn(n_simulations)
    with (
        threadpool_limits(1, user_api="blas"),
        ThreadPoolExecutor(min(4, os.cpu_count() or 1)) as pool,
    ):
        null = np.array(list(pool.map(one, seeds)))
    null.flags.writeable = False
    return null


def _monte_carlo_test(kind, Z, max_samples, n_simulations, random_state, name):
    Z = _subsample(_check_codes(Z), max_samples, random_state, name)
    n_simulations = _check_int(n_simulations, "n_simulations", 1)
    stat = _DISTANCES[kind](Z)
    if isinstance(random_state, Integral):
        null = _null_distribution(kind, *Z.shape, n_simulations, int(random_state))
    else:
        null = _null_distribution.__wrapped__(kind, *Z.shape, n_simulations, random_state)
    p = (1 + np.count_nonzero(null >= stat)) / (1 + n_simulations)
    details = {"null_mean": float(null.mean()), "null_std": float(null.std())}
    return GaussianityTestResult(stat, float(p), None, Z.shape[0], details)


def mmd_test(
    Z, *, max_samples: int | None = 1000, n_simulations: int = 100, random_state=0
) -> GaussianityTestResult:
    r"""MMD to N(0, I) with a Monte-Carlo p-value.

    The statistic is :func:`mmd_to_standard_normal` (unbiased, all pairs,
    Gaussian kernel, :math:`\sigma^2 = \sqrt d` fixed). Its null law depends
    only on (n, d): it is simulated on ``n_simulations`` seeded N(0, I) samples
    and cached per (n, d, n_simulations, seed);
    :math:`p = (1 + \#\{T^* \ge T\}) / (1 + B)`, so ``p >= 1/(B+1)``. Sees
    mean, scale and shape. Cost :math:`O(n^2 d)` per evaluation.

    Parameters
    ----------
    Z : array-like of shape (n_samples, n_features)
    max_samples : int or None, default=1000
        Random subsample above this many rows (warns); the null costs
        ``n_simulations`` evaluations at this size, once per (n, d).
    n_simulations : int, default=100
    random_state : int or None, default=0
        Seed of the subsample and of the null draws (None: not cached).
    """
    return _monte_carlo_test("mmd", Z, max_samples, n_simulations, random_state, "mmd_test")


def energy_test(
    Z, *, max_samples: int | None = 1000, n_simulations: int = 100, random_state=0
) -> GaussianityTestResult:
    r"""Energy distance to N(0, I) with a Monte-Carlo p-value.

    The statistic is :func:`energy_to_standard_normal` (unbiased, closed-form
    expectations under N(0, I)); null simulated and cached as in
    :func:`mmd_test`. In high d it acts mostly as a mean/scale test.

    Parameters
    ----------
    Z : array-like of shape (n_samples, n_features)
    max_samples : int or None, default=1000
    n_simulations : int, default=100
    random_state : int or None, default=0
    """
    return _monte_carlo_test("energy", Z, max_samples, n_simulations, random_state, "energy_test")


# --------------------------------------------------------------------------
# report

AFFINE, STANDARD = "a Gaussian?", "N(0,I)?"

_REPORT = [  # name, family, test, what it checks
    ("mardia_skewness", AFFINE, mardia_skewness, "third moments of the whitened data"),
    ("mardia_kurtosis", AFFINE, mardia_kurtosis, "fourth moment of Mahalanobis radii"),
    ("henze_zirkler", AFFINE, henze_zirkler, "characteristic function, whitened"),
    ("doornik_hansen", AFFINE, doornik_hansen, "skew/kurtosis of decorrelated axes"),
    (
        "radii_ks",
        STANDARD,
        functools.partial(radii_test, method="ks"),
        "|z|^2 ~ chi2_d (KS)",
    ),
    (
        "radii_cvm",
        STANDARD,
        functools.partial(radii_test, method="cvm"),
        "|z|^2 ~ chi2_d (CvM): scale, tails",
    ),
    ("coordinate_cvm", STANDARD, coordinate_test, "each axis ~ N(0,1) (CvM, Holm)"),
    ("sliced_cvm", STANDARD, sliced_test, "random projections ~ N(0,1) (Bonferroni)"),
    ("moment_kl", STANDARD, moment_test, "mean 0 and covariance I (Gaussian LR)"),
    ("mmd", STANDARD, mmd_test, "MMD to N(0,I), Gaussian kernel s2=sqrt(d)"),
    ("energy", STANDARD, energy_test, "energy distance to N(0,I)"),
]


@dataclass(frozen=True)
class ReportRow:
    """One row of :func:`gaussianity_report`."""

    test: str
    family: str
    statistic: float
    pvalue: float
    n_samples_used: int | None
    checks: str
    note: str = ""


@dataclass(frozen=True)
class GaussianityReport:
    """Every test on one code matrix, with one verdict per family.

    Attributes
    ----------
    rows : list of ReportRow
    table : pandas.DataFrame or list of ReportRow
        The rows as a DataFrame when pandas is importable, else ``rows``.
    verdicts : dict
        ``{family: one-line verdict}`` for "a Gaussian?" and "N(0,I)?".
    alpha : float
    """

    rows: list
    verdicts: dict
    alpha: float

    @property
    def table(self):
        try:
            import pandas as pd
        except ImportError:
            return self.rows
        return pd.DataFrame([r.__dict__ for r in self.rows])

    def __str__(self) -> str:
        lines = [
            f"{r.test:<16} {r.family:<12} stat={r.statistic:<12.5g} "
            f"p={r.pvalue:<10.3g} {r.checks}" + (f" [{r.note}]" if r.note else "")
            for r in self.rows
        ]
        return "\n".join(lines + [f"{k} {v}" for k, v in self.verdicts.items()])


def _verdict(rows: list, alpha: float) -> str:
    valid = [r for r in rows if np.isfinite(r.pvalue)]
    if not valid:
        return "no test could run"
    adjusted = _holm(np.array([r.pvalue for r in valid]))
    rejected = [r.test for r, p in zip(valid, adjusted, strict=True) if p <= alpha]
    holm = f"Holm over {len(valid)} tests"
    if rejected:
        return f"rejected at {alpha:g} ({holm}) by {', '.join(rejected)}"
    return f"not rejected at {alpha:g} ({holm}; min adjusted p={adjusted.min():.3g})"


def gaussianity_report(Z, *, alpha: float = 0.05, random_state=0) -> GaussianityReport:
    """Run every test of this module on ``Z``.

    Tests that cannot run (e.g. an affine-invariant test with ``n <= d``) get
    NaN and a note; subsampling is noted too. Each family's verdict applies
    Holm's correction over its tests at level ``alpha``.

    Parameters
    ----------
    Z : array-like of shape (n_samples, n_features)
    alpha : float, default=0.05
    random_state : int, default=0
        Passed to the seeded tests.

    Returns
    -------
    GaussianityReport
        ``.table`` (a DataFrame with columns test, family, statistic, pvalue,
        n_samples_used, checks, note), ``.verdicts`` and ``print(report)``.
    """
    Z = _check_codes(Z)
    rows = []
    for name, family, test, checks in _REPORT:
        seeded = "random_state" in inspect.signature(test).parameters
        kwargs = {"random_state": random_state} if seeded else {}
        note = ""
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", SubsamplingWarning)
            try:
                res = test(Z, **kwargs)
                stat, p, used = res.statistic, res.pvalue, res.n_samples_used
            except ValueError as exc:
                stat, p, used, note = math.nan, math.nan, None, str(exc)
        if any(issubclass(w.category, SubsamplingWarning) for w in caught):
            note = f"subsampled to {used} of {Z.shape[0]} rows"
        rows.append(ReportRow(name, family, float(stat), float(p), used, checks, note))
    verdicts = {f: _verdict([r for r in rows if r.family == f], alpha) for f in (AFFINE, STANDARD)}
    return GaussianityReport(rows, verdicts, alpha)
