"""Scores and scorers: exact values, n-independence, GridSearchCV integration."""

from __future__ import annotations

import math

import numpy as np
import pytest
from sklearn.decomposition import PCA
from sklearn.model_selection import GridSearchCV, KFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer, StandardScaler

from skgauss import metrics as M

IDENTITY = FunctionTransformer()  # codes = X: scorers then score X itself


def brute_mmd2(Z: np.ndarray) -> float:
    n, d = Z.shape
    s2 = math.sqrt(d)
    K = np.exp(-((Z[:, None] - Z[None]) ** 2).sum(-1) / (2 * s2))
    zz = (K.sum() - np.trace(K)) / (n * (n - 1))
    zp = (s2 / (s2 + 1)) ** (d / 2) * np.exp(-(Z**2).sum(1) / (2 * (s2 + 1))).mean()
    return zz - 2 * zp + (s2 / (s2 + 2)) ** (d / 2)


# ------------------------------------------------------------ gaussianity_score


def test_score_equals_brute_force_and_block_average():
    rng = np.random.default_rng(0)
    for Z in [rng.standard_normal((300, 5)), 30 * rng.standard_normal((200, 3)) + 50]:
        np.testing.assert_allclose(M.gaussianity_score(Z), -brute_mmd2(Z), rtol=1e-10)
    Z = rng.standard_t(4, (1001, 3))
    blocks = np.array_split(np.random.default_rng(7).permutation(1001), 3)
    w = [len(b) * (len(b) - 1) for b in blocks]
    expected = -np.average([brute_mmd2(Z[b]) for b in blocks], weights=w)
    score = M.gaussianity_score(Z, block_size=400, random_state=7)
    np.testing.assert_allclose(score, expected, rtol=1e-10)


def test_score_float32_and_subsample():
    Z = np.random.default_rng(1).standard_normal((3000, 4)) * 1.3
    full = M.gaussianity_score(Z, max_samples=None)
    np.testing.assert_allclose(M.gaussianity_score(Z.astype(np.float32)), full, rtol=1e-5)
    sub = M.gaussianity_score(Z, max_samples=1000)
    assert sub != full and abs(sub - full) < 0.2 * abs(full)
    assert M.gaussianity_score(Z[:50], random_state=1) == M.gaussianity_score(Z[:50])


@pytest.mark.parametrize(
    "name, small, large, seeds",
    [("mmd", 100, 4096, 4), ("energy", 100, 4096, 4), ("cramer_wold", 50, 512, 4)],
)
def test_expectation_does_not_depend_on_n(name, small, large, seeds):
    """Mean over seeds at small n vs large n agree within 4 standard errors,
    under the null (~0) and under N(0, 1.2^2 I)."""
    distance = M.STATISTICS[name]
    for scale in (1.0, 1.2):
        means, ses = [], []
        for n, reps in ((small, 25 * seeds), (large, seeds)):
            rng = np.random.default_rng(n)
            v = [distance(scale * rng.standard_normal((n, 4))) for _ in range(reps)]
            means.append(np.mean(v))
            ses.append(np.std(v, ddof=1) / math.sqrt(reps))
        assert abs(means[0] - means[1]) < 4 * math.hypot(*ses), (scale, means, ses)
        if scale == 1.2:
            assert means[1] > 10 * ses[1]


@pytest.mark.parametrize(
    "Z, match",
    [
        ([[0.0, np.nan], [1.0, 2.0]], "NaN"),
        ([1.0, 2.0, 3.0], "2D"),
        ([[1.0, 2.0]], "minimum of 2"),
        ([[1e200, 0.0], [0.0, 1.0]], "overflow"),
    ],
)
def test_score_rejects_bad_codes(Z, match):
    with pytest.raises(ValueError, match=match):
        M.gaussianity_score(np.asarray(Z))


def test_score_rejects_bad_options():
    Z = np.zeros((5, 2))
    with pytest.raises(ValueError, match="block_size"):
        M.gaussianity_score(Z, block_size=1)
    with pytest.raises(ValueError, match="max_samples"):
        M.gaussianity_score(Z, max_samples=0)


# --------------------------------------------------------------------- scorers


@pytest.mark.parametrize("name", sorted(M.STATISTICS))
def test_every_statistic_is_near_zero_for_normal_codes_and_lower_otherwise(name):
    rng = np.random.default_rng(2)
    n = 600 if name == "cramer_wold" else 2000
    scorer = M.make_gaussianity_scorer(name)
    null = [scorer(IDENTITY, rng.standard_normal((n, 4))) for _ in range(3)]
    off = [
        scorer(IDENTITY, 1.5 * rng.standard_normal((n, 4))),
        scorer(IDENTITY, rng.standard_t(3, (n, 4))),
    ]
    assert max(off) < min(null) - 5 * (np.ptp(null) + 1e-12), (null, off)


def test_default_scorer_is_gaussianity_score():
    X = np.random.default_rng(3).standard_normal((500, 3)) + 0.2
    assert M.gaussianity_scorer(IDENTITY, X) == M.gaussianity_score(X)
    assert repr(M.gaussianity_scorer) == "make_gaussianity_scorer('mmd')"


def test_make_scorer_checks_options():
    assert M.make_gaussianity_scorer("energy", block_size=256).options == {"block_size": 256}
    M.make_gaussianity_scorer("cramer_wold", gamma=0.5, max_samples=100)
    M.make_gaussianity_scorer("sliced_cvm", n_directions=8)
    with pytest.raises(ValueError, match="statistic must be one of"):
        M.make_gaussianity_scorer("kl")
    with pytest.raises(ValueError, match="no option"):
        M.make_gaussianity_scorer("moment_kl", block_size=2)


def test_reconstruction_scorer_is_minus_mse():
    X = np.random.default_rng(4).standard_normal((100, 5))
    pca = PCA(2).fit(X)
    mse = np.mean((X - pca.inverse_transform(pca.transform(X))) ** 2)
    assert M.reconstruction_scorer(pca, X) == pytest.approx(-mse)
    pipe = make_pipeline(StandardScaler(), PCA(2)).fit(X * 10)
    assert M.reconstruction_scorer(pipe, X * 10) < -1.0  # measured in input units


class GaussianSampler(FunctionTransformer):
    """Stand-in generative model: samples N(mean, I)."""

    def __init__(self, mean: float = 0.0):
        super().__init__()
        self.mean = mean

    def sample(self, n_samples=1, random_state=None):
        rng = np.random.default_rng(random_state)
        return rng.standard_normal((n_samples, self.n_features_in_)) + self.mean


def test_sample_scorer_on_estimator_and_pipeline():
    X = np.random.default_rng(5).standard_normal((800, 3))
    good = M.sample_scorer(GaussianSampler().fit(X), X)
    bad = M.sample_scorer(GaussianSampler(mean=0.5).fit(X), X)
    assert abs(good) < 0.02 and bad < -0.1
    pipe = make_pipeline(StandardScaler(), GaussianSampler()).fit(5 * X + 3)
    assert abs(M.sample_scorer(pipe, 5 * X + 3)) < 0.1  # samples mapped back
    with pytest.raises(TypeError, match="no sample"):
        M.sample_scorer(PCA(2).fit(X), X)
    assert M.make_sample_scorer(100, random_state=1)(GaussianSampler().fit(X), X) != good


def test_tradeoff_refit_rule():
    cv = {
        "mean_test_gaussianity": [-0.5, -0.1, -0.01, np.nan, -0.001],
        "mean_test_reconstruction": [-1.0, -1.05, -1.2, -0.5, -3.0],
    }
    assert M.make_tradeoff_refit(tolerance=0.1)(cv) == 1
    assert M.make_tradeoff_refit(tolerance=0.25)(cv) == 2
    assert M.make_tradeoff_refit(tolerance=0.0)(cv) == 0
    assert M.make_tradeoff_refit(tolerance=math.inf)(cv) == 4
    with pytest.raises(ValueError, match="tolerance"):
        M.make_tradeoff_refit(tolerance=-1)
    assert "tolerance=0.1" in repr(M.make_tradeoff_refit())


# ---------------------------------------------------------------- GridSearchCV


def _autoencoder():
    try:
        from skgauss import GaussianAutoencoder
    except ImportError:  # pragma: no cover - before the estimator exists
        return None
    return GaussianAutoencoder(
        n_components=2, hidden_layer_sizes=(16,), max_epochs=3, batch_size=64, random_state=0
    )


def test_gridsearch_multimetric_with_tradeoff_refit():
    X = np.random.default_rng(6).standard_normal((240, 5)) @ np.diag([3, 2, 1, 1, 0.5]) + 1
    ae = _autoencoder()
    if ae is None:  # pragma: no cover
        ae, grid = make_pipeline(StandardScaler(), PCA(2)), {"pca__whiten": [False, True]}
    else:
        ae = make_pipeline(StandardScaler(), ae)
        grid = {"gaussianautoencoder__alpha": [0.0, 10.0]}
    refit = M.make_tradeoff_refit(tolerance=0.5)
    search = GridSearchCV(
        ae,
        grid,
        scoring={
            "gaussianity": M.gaussianity_scorer,
            "reconstruction": M.reconstruction_scorer,
            "sample": M.make_sample_scorer(100),
            "radii": M.make_gaussianity_scorer("radii_cvm"),
        },
        refit=refit,
        cv=KFold(2),
        error_score="raise",
    ).fit(X)
    res = search.cv_results_
    assert search.best_index_ == refit(res)
    for key in ("gaussianity", "reconstruction", "sample", "radii"):
        assert np.all(np.isfinite(res[f"mean_test_{key}"]))
    assert search.best_estimator_.transform(X).shape == (240, 2)


def test_autoencoder_score_is_gaussianity_score():
    ae = _autoencoder()
    if ae is None:  # pragma: no cover
        pytest.skip("GaussianAutoencoder not available")
    X = np.random.default_rng(7).standard_normal((200, 4))
    ae.fit(X)
    assert ae.score(X) == M.gaussianity_score(ae.transform(X))


def test_pipeline_scorers_run_the_front_steps_once():
    """A numeric model's scorers transform through the Pipeline once (the table
    path's extra transform only runs for a table model)."""
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import FunctionTransformer

    from skgauss import GaussianAutoencoder
    from skgauss.metrics import reconstruction_scorer

    calls = []

    def count(X):
        calls.append(len(X))
        return X

    X = np.random.RandomState(0).randn(80, 4)
    pipe = make_pipeline(FunctionTransformer(count, inverse_func=lambda X: X),
                         GaussianAutoencoder(2, hidden_layer_sizes=(8,), max_epochs=1,
                                             latent_flow=None, random_state=0)).fit(X)
    calls.clear()
    reconstruction_scorer(pipe, X)
    assert calls == [80]
