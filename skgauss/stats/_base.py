"""Shared pieces of the tests: result type, warning, input checks, blocked O(n^2)
sums, whitening and the one-sample KS / Cramér--von Mises helpers."""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from numbers import Integral

import numpy as np
from scipy import stats
from scipy.linalg import blas
from sklearn.utils import check_array

__all__ = ["GaussianityTestResult", "SubsamplingWarning"]

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
    # no |Z| copy; float(): a float32 Z must not cast the 1e150 bound to float32 (overflow)
    if Z.size and max(float(Z.max()), -float(Z.min())) > _MAX_ABS:
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
