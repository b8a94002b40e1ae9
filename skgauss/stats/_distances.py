r"""Distances to N(0, I) for scores (lower is better, ~0 under the null at every n):
block-averaged unbiased all-pairs distances, centred Cramér--von Mises and Gaussian KL,
and the two-sample energy distance between samples and data."""

from __future__ import annotations

import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import numpy as np
from scipy import stats
from sklearn.utils import check_array
from threadpoolctl import threadpool_limits

from ._base import _check_codes, _check_int, _cross_sum, _dist_block, _pair_sum, _sqnorms
from ._standard import moment_test

__all__ = [
    "coordinate_cvm_distance",
    "energy_distance",
    "moment_kl_distance",
    "radii_cvm_distance",
    "sliced_cvm_distance",
]


def _codes(Z) -> np.ndarray:
    return _check_codes(Z, dtype=[np.float64, np.float32])


def _block_average(
    distance: Callable,
    Z,
    *,
    block_size: int = 2048,
    max_samples: int | None = 100_000,
    random_state: int | None = 0,
    n_jobs: int | None = None,
    **options,
) -> float:
    r"""Average an unbiased all-pairs distance over disjoint shuffled blocks.

    Rows are shuffled with ``random_state``, the first ``max_samples`` kept
    (all if None) and cut into :math:`\lceil n / \text{block\_size} \rceil`
    near-equal blocks; the block values are averaged with weights
    :math:`m(m-1)`. Unbiased blocks give an unbiased average. Blocks run on
    ``n_jobs`` threads (None: up to 4, one per core) with single-threaded
    BLAS; the result does not depend on ``n_jobs``.
    """
    Z = _codes(Z)
    block_size = _check_int(block_size, "block_size", 2)
    max_samples = _check_int(max_samples, "max_samples", 2, none_ok=True)
    n_jobs = _check_int(n_jobs, "n_jobs", 1, none_ok=True) or min(4, os.cpu_count() or 1)
    n = Z.shape[0]
    n_use = n if max_samples is None else min(n, max_samples)
    if n_use == n and n <= block_size:
        return distance(Z.astype(np.float64, copy=False), **options)
    index = np.random.default_rng(random_state).permutation(n)[:n_use]
    blocks = np.array_split(index, max(1, min(-(-n_use // block_size), n_use // 2)))

    def one(rows: np.ndarray) -> float:
        return distance(Z[rows].astype(np.float64, copy=False), **options)

    # one BLAS thread per block and blocks in parallel: no oversubscription
    with threadpool_limits(1, user_api="blas"), ThreadPoolExecutor(n_jobs) as pool:
        values = list(pool.map(one, blocks))
    weights = [len(b) * (len(b) - 1) for b in blocks]
    return float(np.dot(weights, values) / sum(weights))


def _centred_cvm(X: np.ndarray, cdf: str, args: tuple = ()) -> np.ndarray:
    r""":math:`(W^2 - 1/6)/n` of each column of X (scipy's Cramér--von Mises
    :math:`W^2`): estimates :math:`\int (F_n - F)^2 dF`, ~0 under the null."""
    w2 = np.atleast_1d(stats.cramervonmises(X, cdf, args=args, axis=0).statistic)
    return (w2 - 1 / 6) / X.shape[0]


def radii_cvm_distance(Z) -> float:
    r""":math:`(W^2 - 1/6)/n`, :math:`W^2` the Cramér--von Mises statistic of
    :math:`\|z_i\|^2` against :math:`\chi^2_d`: estimates
    :math:`\int (F_n - F)^2 dF`, and :math:`\mathbb E W^2 = 1/6` under the null."""
    Z = _codes(Z).astype(np.float64, copy=False)
    return float(_centred_cvm(_sqnorms(Z)[:, None], "chi2", (Z.shape[1],))[0])


def coordinate_cvm_distance(Z) -> float:
    r"""Mean over coordinates of :math:`(W^2_k - 1/6)/n` against N(0, 1)."""
    Z = _codes(Z).astype(np.float64, copy=False)
    return float(np.mean(_centred_cvm(Z, "norm")))


def sliced_cvm_distance(Z, n_directions: int = 64, random_state: int | None = 0) -> float:
    r"""Mean over ``n_directions`` seeded unit directions :math:`\theta` of
    :math:`(W^2 - 1/6)/n` for :math:`Z\theta` against N(0, 1)."""
    Z = _codes(Z).astype(np.float64, copy=False)
    L = _check_int(n_directions, "n_directions", 1)
    theta = np.random.default_rng(random_state).standard_normal((L, Z.shape[1]))
    theta /= np.linalg.norm(theta, axis=1, keepdims=True)
    return float(np.mean(_centred_cvm(Z @ theta.T, "norm")))


def moment_kl_distance(Z) -> float:
    r"""Gaussian KL :math:`\tfrac12(\operatorname{tr}\hat\Sigma + \|\hat\mu\|^2 - d
    - \log\det\hat\Sigma)` minus its first-order null mean
    :math:`(d + d(d+1)/2)/(2n)`, so that it is ~0 under N(0, I) at every n.
    Sees mean and covariance only; ``inf`` for a singular covariance."""
    # without Bartlett's correction df is d + d(d+1)/2, the first-order mean
    res = moment_test(Z, bartlett=False)
    return res.details["kl"] - res.df / (2 * res.n_samples_used)


def energy_distance(A, B) -> float:
    r"""Unbiased two-sample energy distance between the rows of A and of B.

    .. math::

        \widehat{\mathcal E}(A, B) = \frac{2}{nm}\sum_{i,j}\|a_i - b_j\|
        - \frac{1}{n(n-1)}\sum_{i\ne i'}\|a_i - a_{i'}\|
        - \frac{1}{m(m-1)}\sum_{j\ne j'}\|b_j - b_{j'}\|,

    an unbiased estimate of :math:`2\mathbb E\|a-b\| - \mathbb E\|a-a'\| -
    \mathbb E\|b-b'\|`, which is 0 exactly when the two laws are equal (Székely
    and Rizzo 2013). It is the one energy distance of skgauss: samples against
    held-out data in ``skgauss compare``, :func:`skgauss.metrics.sample_scorer`
    and the benchmarks. Sums over blocks of rows: memory :math:`O(2048^2)`, time
    :math:`O((n + m)^2 p)`. (``scipy.stats.energy_distance`` is one-dimensional.)

    Parameters
    ----------
    A : array-like of shape (n, p)
    B : array-like of shape (m, p)
        At least 2 rows each, the same number of columns.

    Returns
    -------
    float
        Can be slightly negative when the laws are equal (unbiased).

    Examples
    --------
    >>> import numpy as np
    >>> from skgauss.stats import energy_distance
    >>> rng = np.random.default_rng(0)
    >>> abs(energy_distance(rng.normal(size=(500, 2)), rng.normal(size=(500, 2)))) < 0.02
    True
    >>> energy_distance(rng.normal(size=(500, 2)), rng.normal(size=(500, 2)) + 1) > 0.5
    True
    """
    A = check_array(A, dtype=np.float64, ensure_min_samples=2, input_name="A")
    B = check_array(B, dtype=np.float64, ensure_min_samples=2, input_name="B")
    if A.shape[1] != B.shape[1]:
        raise ValueError(f"A and B need the same number of columns, got {A.shape} and {B.shape}.")
    n, m = len(A), len(B)
    cross = _cross_sum(A, B, _dist_block) / (n * m)
    within_a = _pair_sum(A, _dist_block) / (n * (n - 1))
    return float(2 * cross - within_a - _pair_sum(B, _dist_block) / (m * (m - 1)))
