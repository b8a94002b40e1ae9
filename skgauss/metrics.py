r"""Greater-is-better Gaussianity scores and scikit-learn scorers.

Scores take codes ``Z`` (n x d); scorers have the scikit-learn signature
``scorer(estimator, X, y=None)`` and work in ``GridSearchCV`` and
``cross_validate``, on a bare :class:`~skgauss.GaussianAutoencoder` or a
:class:`~sklearn.pipeline.Pipeline` ending with one:

>>> from sklearn.model_selection import GridSearchCV
>>> from skgauss.metrics import (gaussianity_scorer, reconstruction_scorer,
...                              make_tradeoff_refit)
>>> search = GridSearchCV(  # doctest: +SKIP
...     estimator, {"alpha": [0.1, 1, 10]},
...     scoring={"gaussianity": gaussianity_scorer,
...              "reconstruction": reconstruction_scorer},
...     refit=make_tradeoff_refit(tolerance=0.1))
"""

from __future__ import annotations

import functools
import inspect
import math
from collections.abc import Callable, Mapping
from numbers import Real

import numpy as np
from sklearn.utils import check_array

from . import stats as _st
from ._fidelity import FidelityReport, fidelity_report

__all__ = [
    "STATISTICS",
    "FidelityReport",
    "fidelity_report",
    "fidelity_scorer",
    "make_fidelity_scorer",
    "gaussianity_score",
    "gaussianity_scorer",
    "make_gaussianity_scorer",
    "make_sample_scorer",
    "make_tradeoff_refit",
    "reconstruction_scorer",
    "sample_scorer",
]


def gaussianity_score(
    Z,
    *,
    block_size: int = 2048,
    max_samples: int | None = 100_000,
    random_state: int | None = 0,
    n_jobs: int | None = None,
) -> float:
    r"""Minus the unbiased squared MMD between codes and :math:`N(0, I_d)`.

    With the Gaussian kernel :math:`k(a, b) = \exp(-\|a-b\|^2 / (2\sigma^2))`
    and the fixed bandwidth :math:`\sigma^2 = \sqrt d`, the expectations under
    :math:`Z, Z' \sim N(0, I_d)` are closed-form,

    .. math::

        \mathbb E_Z k(x, Z) = \Big(\frac{\sigma^2}{\sigma^2+1}\Big)^{d/2}
            e^{-\|x\|^2 / (2(\sigma^2+1))}, \qquad
        \mathbb E k(Z, Z') = \Big(\frac{\sigma^2}{\sigma^2+2}\Big)^{d/2},

    so on a block :math:`B` of :math:`m` rows

    .. math::

        \widehat{\mathrm{MMD}}^2_B = \frac{1}{m(m-1)} \sum_{i \ne j \in B}
            k(z_i, z_j) - \frac{2}{m} \sum_{i \in B} \mathbb E_Z k(z_i, Z)
            + \mathbb E k(Z, Z').

    The rows are shuffled with a fixed seed, cut into disjoint blocks of at
    most ``block_size`` rows, and the block estimates are averaged with
    weights :math:`m(m-1)`. Each block estimate is unbiased, so the
    expectation of the score does not depend on ``n``: scores of folds of
    different sizes compare. It is 0 in expectation under the null (and can
    be slightly positive), negative otherwise; greater is better.

    Parameters
    ----------
    Z : array-like of shape (n_samples, n_components)
        Codes, e.g. ``estimator.transform(X)``. At least 2 rows, finite.
    block_size : int, default=2048
        Largest block; time is :math:`O(n \cdot m \cdot d)` and memory
        :math:`O(m^2)` for blocks of :math:`m` rows.
    max_samples : int or None, default=100_000
        Use only the first ``max_samples`` rows of the shuffle (still
        unbiased). ``None`` uses every row. The cap keeps :math:`10^6 \times
        32` codes to ~2 s on 2 cores; all :math:`10^6` rows take ~15 s.
    random_state : int or None, default=0
        Seed of the shuffle. Only matters when ``n > block_size``.
    n_jobs : int or None, default=None
        Threads over blocks (each with single-threaded BLAS); None uses up to
        4, one per core. Memory :math:`O(\text{n\_jobs} \cdot m^2)`; the
        value does not depend on it.

    Returns
    -------
    score : float
        :math:`-\widehat{\mathrm{MMD}}^2`; greater is better, ~0 for
        :math:`N(0, I_d)` codes.

    See Also
    --------
    skgauss.stats.mmd_test : the all-pairs statistic with a Monte-Carlo p-value.
    make_gaussianity_scorer : scorers built on other statistics.

    References
    ----------
    Gretton et al., "A kernel two-sample test", JMLR 13 (2012).

    Examples
    --------
    >>> import numpy as np
    >>> from skgauss.metrics import gaussianity_score
    >>> rng = np.random.default_rng(0)
    >>> abs(gaussianity_score(rng.standard_normal((1000, 4)))) < 1e-3
    True
    >>> gaussianity_score(rng.standard_normal((1000, 4)) + 1) < -0.01
    True
    """
    return -_st._block_average(
        _st.mmd_to_standard_normal,
        Z,
        block_size=block_size,
        max_samples=max_samples,
        random_state=random_state,
        n_jobs=n_jobs,
    )


# --------------------------------------------------------------------------
# other statistics (distances: lower is better; scorers negate them)

STATISTICS: dict[str, Callable] = {
    name: entry.distance for name, entry in _st.TESTS.items() if entry.distance is not None
}
"""Distances to N(0, I) (lower is better) by name, for :func:`make_gaussianity_scorer`:
the ``distance`` of every entry of the registry :data:`skgauss.stats.TESTS` that has one.

``mmd``, ``energy`` and ``cramer_wold`` are unbiased and block-averaged
(options ``block_size``, ``max_samples``, ``random_state``; ``cramer_wold``
also ``gamma``, default 0.16, and defaults to blocks of 512 and 4096 rows
because exact :math:`{}_1F_1` costs ~1 us per pair). ``moment_kl``,
``radii_cvm``, ``coordinate_cvm`` and ``sliced_cvm`` are centred so that their
null expectation is ~0 at every n."""


def _options(fn: Callable) -> set[str]:
    """Keyword options a statistic accepts (all parameters after ``Z``)."""
    if isinstance(fn, functools.partial):  # _block_average(distance, Z, ...)
        return {"block_size", "max_samples", "random_state", "n_jobs"} | _options(fn.args[0])
    return set(list(inspect.signature(fn).parameters)[1:])


class _CodeScorer:
    """A Gaussianity scorer: ``scorer(estimator, X, y=None)`` is minus a distance of
    ``estimator.transform(X)`` to N(0, I) (greater is better, about 0 for standard
    Gaussian codes). Built by :func:`make_gaussianity_scorer`;
    :data:`gaussianity_scorer` is ``make_gaussianity_scorer("mmd")``.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.model_selection import cross_val_score
    >>> from skgauss import GaussianAutoencoder
    >>> from skgauss.metrics import gaussianity_scorer
    >>> X = np.random.RandomState(0).standard_normal((150, 4))
    >>> ae = GaussianAutoencoder(2, hidden_layer_sizes=(8,), max_epochs=2, random_state=0)
    >>> cross_val_score(ae, X, cv=3, scoring=gaussianity_scorer).shape
    (3,)
    """

    def __init__(self, statistic: str, options: Mapping):
        self.statistic, self.options = statistic, dict(options)

    def __call__(self, estimator, X, y=None) -> float:
        return -float(STATISTICS[self.statistic](estimator.transform(X), **self.options))

    def __repr__(self) -> str:
        opts = "".join(f", {k}={v!r}" for k, v in self.options.items())
        return f"make_gaussianity_scorer({self.statistic!r}{opts})"


def make_gaussianity_scorer(statistic: str = "mmd", **options) -> Callable:
    r"""Build a scorer ``scorer(estimator, X, y=None)`` from a statistic.

    The score is minus the distance of ``estimator.transform(X)`` to
    :math:`N(0, I)`: greater is better, ~0 for standard Gaussian codes, and
    its expectation does not depend on the fold size.

    Parameters
    ----------
    statistic : str, default="mmd"
        A key of :data:`STATISTICS`: ``"mmd"`` (the default
        :func:`gaussianity_score`), ``"energy"``, ``"cramer_wold"``,
        ``"moment_kl"``, ``"radii_cvm"``, ``"coordinate_cvm"``,
        ``"sliced_cvm"``.
    **options
        Keyword options of that statistic (e.g. ``block_size``, ``gamma``).

    Returns
    -------
    scorer : callable

    Examples
    --------
    >>> from skgauss.metrics import make_gaussianity_scorer
    >>> make_gaussianity_scorer("cramer_wold", gamma=0.5)
    make_gaussianity_scorer('cramer_wold', gamma=0.5)
    """
    if statistic not in STATISTICS:
        raise ValueError(f"statistic must be one of {sorted(STATISTICS)}, got {statistic!r}.")
    unknown = set(options) - _options(STATISTICS[statistic])
    if unknown:
        raise ValueError(f"statistic {statistic!r} has no option(s) {sorted(unknown)}.")
    return _CodeScorer(statistic, options)


gaussianity_scorer = make_gaussianity_scorer("mmd")
"""Scorer of :func:`gaussianity_score` on ``estimator.transform(X)``.

``gaussianity_scorer(estimator, X)`` is minus the unbiased MMD² between the codes
of ``X`` and N(0, I) (Gaussian kernel, σ² = √d): greater is better, about 0 for
standard Gaussian codes, comparable across folds of different sizes. Pass it as
``scoring=`` to :class:`~sklearn.model_selection.GridSearchCV` or
:func:`~sklearn.model_selection.cross_val_score`.

Examples
--------
>>> import numpy as np
>>> from sklearn.model_selection import cross_val_score
>>> from skgauss import GaussianAutoencoder
>>> from skgauss.metrics import gaussianity_scorer
>>> X = np.random.RandomState(0).standard_normal((150, 4))
>>> ae = GaussianAutoencoder(2, hidden_layer_sizes=(8,), max_epochs=2, random_state=0)
>>> cross_val_score(ae, X, cv=3, scoring=gaussianity_scorer).shape
(3,)
"""


def _table_model(estimator):
    """The GaussianAutoencoder fitted with ``categorical_features`` that ends
    ``estimator`` (a Pipeline's last step, else itself), and ``X`` as it
    receives it (a function of ``X``, so that the Pipeline's other steps only
    run for such a model); ``(None, None)`` otherwise: it scores in its encoded
    space."""
    steps = getattr(estimator, "steps", None)
    final = steps[-1][1] if steps else estimator
    if getattr(final, "categorical_features", None) is None or not hasattr(
            final, "_encoded_reconstruction"):
        return None, None
    if steps and len(steps) > 1:
        return final, estimator[:-1].transform
    return final, lambda X: X


def reconstruction_scorer(estimator, X, y=None) -> float:
    r"""Minus the mean squared reconstruction error,
    :math:`-\frac{1}{np}\|X - g(f(X))\|_F^2` with
    ``g(f(X)) = estimator.inverse_transform(estimator.transform(X))``.
    On a Pipeline the error is measured in the input space.

    For a :class:`~skgauss.GaussianAutoencoder` fitted with
    ``categorical_features`` (alone or ending a Pipeline, whose other steps
    then transform ``X`` first), the error is measured in the estimator's
    encoded space, where text columns have no numbers: standardised numeric
    columns against their reconstruction, and each categorical one-hot block
    against the decoder's softmax probabilities (a Brier score), averaged over
    the encoded width."""
    final, table_input = _table_model(estimator)
    if final is not None:
        E, E_hat = final._encoded_reconstruction(table_input(X))
        return -float(np.mean((E - E_hat) ** 2))
    X = check_array(X, dtype=np.float64)
    X_hat = np.asarray(estimator.inverse_transform(estimator.transform(X)), dtype=np.float64)
    return -float(np.mean((X - X_hat) ** 2))


def _sample(estimator, n_samples: int, random_state) -> np.ndarray:
    if hasattr(estimator, "sample"):
        return estimator.sample(n_samples, random_state=random_state)
    steps = getattr(estimator, "steps", None)
    if steps and hasattr(steps[-1][1], "sample"):  # Pipeline: map back to input space
        S = steps[-1][1].sample(n_samples, random_state=random_state)
        return estimator[:-1].inverse_transform(S) if len(steps) > 1 else S
    raise TypeError(f"{type(estimator).__name__} has no sample method.")


def _rows(X, m: int, random_state):
    """A seeded subsample of ``m`` rows of ``X`` (array or DataFrame)."""
    from sklearn.utils import _safe_indexing

    n = X.shape[0]
    return _safe_indexing(X, np.random.default_rng(random_state).choice(n, m, replace=False))


class _SampleScorer:
    """A sample scorer: ``scorer(estimator, X, y=None)`` is minus the energy distance
    between ``estimator.sample(m)`` and ``m`` rows of ``X`` (greater is better).
    Built by :func:`make_sample_scorer`; :data:`sample_scorer` is its default.

    Examples
    --------
    >>> import numpy as np
    >>> from skgauss import GaussianAutoencoder
    >>> from skgauss.metrics import sample_scorer
    >>> X = np.random.RandomState(0).standard_normal((150, 4))
    >>> ae = GaussianAutoencoder(2, hidden_layer_sizes=(8,), max_epochs=2,
    ...                          random_state=0).fit(X)
    >>> bool(sample_scorer(ae, X) <= 0.1)   # about 0 when samples follow the data
    True
    """

    def __init__(self, max_samples: int, random_state: int | None):
        self.max_samples, self.random_state = max_samples, random_state

    def __call__(self, estimator, X, y=None) -> float:
        final, table_input = _table_model(estimator)
        if final is not None:  # in the estimator's encoded space
            Xt = table_input(X)
            m = min(Xt.shape[0], self.max_samples)
            if m < 2:
                raise ValueError(f"the sample scorer needs at least 2 rows, got {m}")
            S = final._encode(final.sample(m, random_state=self.random_state))
            X = final._encode(_rows(Xt, m, self.random_state))
        else:
            X = check_array(X, dtype=np.float64, ensure_min_samples=2)
            m = min(X.shape[0], self.max_samples)
            rng = np.random.default_rng(self.random_state)
            X = X[rng.choice(X.shape[0], m, replace=False)]
            S = check_array(_sample(estimator, m, self.random_state), dtype=np.float64)
        return -_st.energy_distance(S, X)

    def __repr__(self) -> str:
        return (
            f"make_sample_scorer(max_samples={self.max_samples}, random_state={self.random_state})"
        )


def make_sample_scorer(max_samples: int = 1000, random_state: int | None = 0) -> Callable:
    r"""Scorer of generated samples: minus the energy distance to the data.

    Draws :math:`m = \min(n, \text{max\_samples})` samples
    :math:`s_i` with ``estimator.sample(m, random_state=random_state)`` (on a
    Pipeline, the last step's samples mapped back through ``inverse_transform``
    of the others) and compares them with a seeded subsample :math:`x_j` of X:

    .. math::

        -\Big(\frac{2}{m^2}\sum_{i,j}\|s_i - x_j\| - \frac{1}{m(m-1)}
        \sum_{i\ne j}\big(\|s_i - s_j\| + \|x_i - x_j\|\big)\Big),

    the unbiased energy distance in data units (~0 when the samples follow
    the data's law; :func:`skgauss.stats.energy_distance`). Cost :math:`O(m^2 p)`. For a
    :class:`~skgauss.GaussianAutoencoder` fitted with ``categorical_features``
    (alone or ending a Pipeline), samples and rows are compared in its encoded
    space: standardised numeric columns and one-hot categorical blocks.
    """
    return _SampleScorer(_st._check_int(max_samples, "max_samples", 2), random_state)


sample_scorer = make_sample_scorer()
"""Default :func:`make_sample_scorer` (1000 samples, seed 0).

``sample_scorer(estimator, X)`` is minus the unbiased energy distance between
``estimator.sample(m)`` and ``m`` rows of ``X`` (``m = min(n, 1000)``), in data
units: greater is better, about 0 when the samples follow the data's law. On a
Pipeline the last step's samples are mapped back through the other steps.

Examples
--------
>>> import numpy as np
>>> from skgauss import GaussianAutoencoder
>>> from skgauss.metrics import sample_scorer
>>> X = np.random.RandomState(0).standard_normal((150, 4))
>>> ae = GaussianAutoencoder(2, hidden_layer_sizes=(8,), max_epochs=2,
...                          random_state=0).fit(X)
>>> bool(sample_scorer(ae, X) <= 0.1)   # about 0 when samples follow the data
True
"""


class _TradeoffRefit:
    def __init__(self, gaussianity: str, reconstruction: str, tolerance: float):
        self.gaussianity, self.reconstruction = gaussianity, reconstruction
        self.tolerance = tolerance

    def __call__(self, cv_results: Mapping) -> int:
        g = np.asarray(cv_results[f"mean_test_{self.gaussianity}"], dtype=float)
        r = np.asarray(cv_results[f"mean_test_{self.reconstruction}"], dtype=float)
        ok = np.isfinite(g) & np.isfinite(r)
        if not ok.any():
            raise ValueError("no candidate has finite gaussianity and reconstruction scores.")
        best = r[ok].max()
        candidates = np.flatnonzero(ok & (r >= best - self.tolerance * abs(best)))
        return int(candidates[np.argmax(g[candidates])])

    def __repr__(self) -> str:
        return (
            f"make_tradeoff_refit(gaussianity={self.gaussianity!r}, "
            f"reconstruction={self.reconstruction!r}, tolerance={self.tolerance!r})"
        )


def make_tradeoff_refit(
    gaussianity: str = "gaussianity",
    reconstruction: str = "reconstruction",
    tolerance: float = 0.1,
) -> Callable[[Mapping], int]:
    r"""A ``refit`` callable for ``GridSearchCV``: the most Gaussian among the
    candidates that reconstruct nearly as well as the best.

    With mean test scores :math:`r_c` (reconstruction, greater is better,
    e.g. minus the MSE) and :math:`g_c` (Gaussianity), it returns

    .. math::

        \arg\max_c \{ g_c : r_c \ge r^* - \text{tolerance}\cdot|r^*| \},
        \qquad r^* = \max_c r_c,

    i.e. with ``reconstruction_scorer``, the candidates whose MSE is at most
    ``(1 + tolerance)`` times the best MSE. Candidates with a non-finite score
    (failed fits) are ignored; ties go to the first candidate.

    Parameters
    ----------
    gaussianity, reconstruction : str
        Keys of the ``scoring`` dict given to the search.
    tolerance : float, default=0.1
        Relative loss of reconstruction score accepted; 0 picks the best
        reconstruction, ``inf`` the most Gaussian candidate.

    Returns
    -------
    refit : callable
        ``refit(cv_results_) -> best_index_``.
    """
    if not isinstance(tolerance, Real) or math.isnan(tolerance) or tolerance < 0:
        raise ValueError(f"tolerance must be a float >= 0, got {tolerance!r}.")
    return _TradeoffRefit(gaussianity, reconstruction, float(tolerance))


class _FidelityScorer:
    def __init__(self, max_samples: int, random_state: int | None, options: dict):
        self.max_samples, self.random_state, self.options = max_samples, random_state, options

    def __call__(self, estimator, X, y=None) -> float:
        m = min(X.shape[0], self.max_samples)
        S = _sample(estimator, m, self.random_state)
        return fidelity_report(_rows(X, m, self.random_state), S, **self.options).overall

    def __repr__(self) -> str:
        opts = "".join(f", {k}={v!r}" for k, v in self.options.items())
        return (f"make_fidelity_scorer(max_samples={self.max_samples}, "
                f"random_state={self.random_state}{opts})")


def make_fidelity_scorer(
    max_samples: int = 1000, random_state: int | None = 0, **options
) -> Callable:
    r"""Scorer of generated rows: :func:`fidelity_report`'s ``overall`` score.

    Draws :math:`m = \min(n, \text{max\_samples})` rows with
    ``estimator.sample(m, random_state=random_state)`` (on a Pipeline, the
    last step's samples mapped back through the others' ``inverse_transform``)
    and compares them with a seeded subsample of :math:`m` rows of ``X``: the
    mean of the column-shapes and column-pair-trends scores, in [0, 1], greater
    is better. Works on raw tables with text columns when the estimator returns
    such rows (``GaussianAutoencoder(categorical_features="from_dtype")``).

    Parameters
    ----------
    max_samples : int, default=1000
    random_state : int or None, default=0
        Seeds the draws and the subsample.
    **options
        Keyword options of :func:`fidelity_report` (``categorical_features``,
        thresholds, ``n_bins``).

    Examples
    --------
    >>> from skgauss.metrics import make_fidelity_scorer
    >>> make_fidelity_scorer(500, n_bins=5)
    make_fidelity_scorer(max_samples=500, random_state=0, n_bins=5)
    """
    allowed = {"categorical_features", "real_correlation_threshold",
               "real_association_threshold", "n_bins"}
    if set(options) - allowed:
        raise ValueError(f"unknown option(s) {sorted(set(options) - allowed)}; "
                         f"fidelity_report takes {sorted(allowed)}")
    return _FidelityScorer(_st._check_int(max_samples, "max_samples", 2), random_state,
                           options)


fidelity_scorer = make_fidelity_scorer()
"""Default :func:`make_fidelity_scorer` (1000 rows, seed 0)."""
