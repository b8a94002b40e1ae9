"""Behaviour of GaussianFlow: common checks, exact inverse, density, Gaussian codes."""

import pickle
import sys
from functools import partial

import joblib
import numpy as np
import pytest
import torch
from scipy import stats
from scipy.integrate import trapezoid
from sklearn.base import clone
from sklearn.datasets import make_moons
from sklearn.decomposition import PCA
from sklearn.mixture import GaussianMixture
from sklearn.preprocessing import QuantileTransformer, StandardScaler

pytest.importorskip("zuko")

from _factories import flow

from skgauss._flow import FLOWS, GaussianFlow  # noqa: E402
from skgauss._net import NonFiniteLossError  # noqa: E402
from skgauss.metrics import gaussianity_score  # noqa: E402


@pytest.fixture(autouse=True, scope="module")
def one_torch_thread():
    # these networks are tiny: a second thread only adds contention
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


tiny = partial(flow, n_transforms=1, hidden_layer_sizes=(8,), max_epochs=2, batch_size=16)
small = flow


@pytest.fixture(scope="module")
def blob():
    rng = np.random.RandomState(0)
    return np.column_stack([rng.randn(120), rng.exponential(size=120), rng.rand(120)]) * 3 + 1


def moons(n, random_state=0):
    X, _ = make_moons(n, noise=0.1, random_state=random_state)
    return StandardScaler().fit_transform(X)


# sklearn's estimator checks for GaussianFlow run in test_common.py, with the autoencoder's


@pytest.mark.parametrize("flow", sorted(FLOWS))
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_exact_inverse(blob, flow, dtype):
    est = small(flow=flow).fit(blob.astype(dtype))
    X = blob.astype(dtype)
    Z = est.transform(X)
    assert Z.dtype == dtype and Z.shape == X.shape
    back = est.inverse_transform(Z)
    assert back.dtype == dtype
    np.testing.assert_allclose(back, X, atol=1e-4 * np.abs(X).max())
    Z0 = np.random.RandomState(1).randn(50, 3).astype(dtype)
    np.testing.assert_allclose(est.transform(est.inverse_transform(Z0)), Z0, atol=1e-4)


@pytest.mark.parametrize("flow", sorted(FLOWS))
def test_one_dimension(flow):
    x = np.random.RandomState(0).exponential(size=(200, 1))
    est = small(flow=flow).fit(x)
    Z = est.transform(x)
    assert Z.shape == (200, 1)
    np.testing.assert_allclose(est.inverse_transform(Z), x, atol=1e-4)
    assert np.isfinite(est.score_samples(x)).all()
    assert est.sample(5, random_state=0).shape == (5, 1)


def test_pca_reduction(blob):
    est = small(n_components=2).fit(blob)
    Z = est.transform(blob)
    assert Z.shape == (120, 2) and est.n_components_ == 2
    assert list(est.get_feature_names_out()) == ["gaussianflow0", "gaussianflow1"]
    # inverse of the codes is the PCA reconstruction, exactly
    pca = PCA(2).fit(blob)
    recon = pca.inverse_transform(pca.transform(blob))
    np.testing.assert_allclose(est.inverse_transform(Z), recon, atol=1e-4 * np.abs(blob).max())
    assert est.sample(4, random_state=0).shape == (4, 3)
    assert np.isfinite(est.score_samples(blob)).all()


# ----------------------------------------------------------------- density
def test_density_integrates_to_one_1d():
    rng = np.random.RandomState(0)
    x = np.concatenate([rng.randn(300) - 2, 0.5 * rng.randn(300) + 2])[:, None] * 3 + 10
    est = GaussianFlow(n_transforms=2, hidden_layer_sizes=(16,), max_epochs=20,
                       lr=5e-3, random_state=0).fit(x)
    grid = np.linspace(x.mean() - 10 * x.std(), x.mean() + 10 * x.std(), 20001)
    mass = trapezoid(np.exp(est.score_samples(grid[:, None])), grid)
    assert mass == pytest.approx(1.0, abs=1e-3)
    assert est.score(x) == pytest.approx(est.score_samples(x).mean())


def test_density_integrates_to_one_2d():
    X = moons(500) * [2.0, 0.5] + [5.0, -1.0]  # not standardised: Jacobian counts
    est = GaussianFlow(max_epochs=5, lr=5e-3, random_state=0).fit(X)
    lo, hi = X.mean(0) - 7 * X.std(0), X.mean(0) + 7 * X.std(0)
    g0, g1 = np.linspace(lo[0], hi[0], 401), np.linspace(lo[1], hi[1], 401)
    G = np.stack(np.meshgrid(g0, g1, indexing="ij"), axis=-1).reshape(-1, 2)
    density = np.exp(est.score_samples(G)).reshape(401, 401)
    assert trapezoid(trapezoid(density, g1, axis=1), g0) == pytest.approx(1.0, abs=1e-2)


# ------------------------------------------------------------ Gaussian codes
def _battery(Z, alpha=0.01):
    """p-values of the N(0, I) battery: radii vs chi2_d, Bonferroni-corrected
    per-coordinate KS vs N(0, 1)."""
    d = Z.shape[1]
    radius = stats.kstest((Z ** 2).sum(1), stats.chi2(d).cdf).pvalue
    coords = [stats.kstest(Z[:, j], "norm").pvalue * d for j in range(d)]
    return radius, min(coords)


def _check_moons(n_train, n_test, random_state, battery=True, **params):
    X = moons(n_train + n_test)
    X_train, X_test = X[:n_train], X[n_train:]
    est = GaussianFlow(validation_fraction=0.0, random_state=random_state, **params)
    Z = est.fit(X_train).transform(X_test)
    if battery:
        radius, coords = _battery(Z)
        assert radius > 0.01 and coords > 0.01, (radius, coords)
    quantile = QuantileTransformer(output_distribution="normal", n_quantiles=n_train,
                                   random_state=0).fit(X_train)
    assert gaussianity_score(Z) > gaussianity_score(quantile.transform(X_test))
    gaussian = GaussianMixture(1, random_state=0).fit(X_train)
    assert est.score(X_test) > gaussian.score(X_test) + 0.5


def test_two_moons_codes_are_gaussian_fast():
    _check_moons(1000, 500, 0, max_epochs=20, lr=5e-3)


@pytest.mark.slow
@pytest.mark.parametrize("random_state", [0, 1, 2])
def test_two_moons_codes_are_gaussian(random_state):
    _check_moons(2000, 1000, random_state, max_epochs=40, lr=3e-3)


@pytest.mark.slow
@pytest.mark.parametrize("flow", ["realnvp", "maf"])
@pytest.mark.parametrize("random_state", [0, 1, 2])
def test_two_moons_affine_flows(flow, random_state):
    # three affine layers are too stiff for the KS battery on 1000 held-out
    # rows (eight pass it in ~20 s each); they still beat both baselines
    _check_moons(2000, 1000, random_state, battery=False, flow=flow, max_epochs=40,
                 lr=3e-3)


# -------------------------------------------------------- reproducibility
def test_same_seed_same_codes_and_global_rng_untouched(blob):
    torch.manual_seed(123)
    state = torch.random.get_rng_state()
    est = small()
    a = est.fit(blob).transform(blob)
    assert torch.equal(state, torch.random.get_rng_state())
    np.testing.assert_array_equal(a, clone(est).fit(blob).transform(blob))
    assert not np.allclose(a, small(random_state=1).fit(blob).transform(blob))


@pytest.mark.parametrize("dump", ["pickle", "joblib"])
def test_persistence_roundtrip(blob, tmp_path, dump):
    est = small().fit(blob)
    if dump == "pickle":
        loaded = pickle.loads(pickle.dumps(est))
    else:
        joblib.dump(est, tmp_path / "m.joblib")
        loaded = joblib.load(tmp_path / "m.joblib")
    np.testing.assert_array_equal(est.transform(blob), loaded.transform(blob))
    np.testing.assert_array_equal(est.score_samples(blob), loaded.score_samples(blob))
    np.testing.assert_array_equal(est.sample(5, random_state=0), loaded.sample(5, random_state=0))


# ---------------------------------------------------------------- training
def test_history_and_early_stopping(blob):
    est = small().fit(blob)
    assert est.n_iter_ == 3 == len(est.history_)
    assert {"train_loss", "valid_loss"} <= set(est.history_[-1])
    assert "valid_loss" not in small(validation_fraction=0.0).fit(blob).history_[-1]
    stopped = small(max_epochs=200, early_stopping=True, patience=2, lr=0.05).fit(blob)
    assert stopped.n_iter_ < 200


def test_non_finite_loss_raises_and_keeps_previous_fit(blob):
    est = small().fit(blob)
    before = est.transform(blob)
    with pytest.raises(NonFiniteLossError, match="epoch"):
        est.set_params(lr=1e30, flow="maf").fit(blob)
    np.testing.assert_array_equal(est.transform(blob), before)


def test_missing_zuko_names_the_extra(blob, monkeypatch):
    monkeypatch.setitem(sys.modules, "zuko", None)
    with pytest.raises(ImportError, match=r"skgauss\[flow\]"):
        small().fit(blob)


# ------------------------------------------------------------------ faults
BAD_PARAMS = [
    ({"n_components": 0}, "n_components"),
    ({"n_components": 4}, "n_components=4 exceeds the 3 features"),
    ({"n_components": 1.5}, "n_components"),
    ({"flow": "glow"}, "'flow' parameter of GaussianFlow must be a str among"),
    ({"n_transforms": 0}, "n_transforms"),
    ({"max_epochs": 0}, "max_epochs"),
    ({"batch_size": 1}, "batch_size"),
    ({"lr": 0.0}, "lr"),
    ({"validation_fraction": 1.0}, "validation_fraction"),
    ({"hidden_layer_sizes": (8, 0)}, "hidden_layer_sizes"),
    ({"hidden_layer_sizes": 8}, "hidden_layer_sizes"),
    ({"device": "not-a-device"}, "device"),
]


@pytest.mark.parametrize("params,match", BAD_PARAMS)
def test_bad_hyperparameters(blob, params, match):
    with pytest.raises(ValueError, match=match):
        tiny(**params).fit(blob)


BAD_INPUTS = [
    (np.array([[1.0, np.nan], [0.0, 1.0], [1.0, 1.0]]), "NaN"),
    (np.array([[1.0, np.inf], [0.0, 1.0], [1.0, 1.0]]), "infinity"),
    (np.ones(5), "Expected 2D"),
    (np.ones((1, 3)), "1 sample"),
    (np.full((3, 2), 1e300), "float32"),
]


@pytest.mark.parametrize("X,match", BAD_INPUTS)
def test_bad_input_at_fit(X, match):
    with pytest.raises(ValueError, match=match):
        tiny().fit(X)


def test_bad_input_after_fit(blob):
    est = tiny().fit(blob)
    with pytest.raises(ValueError, match="X has 2 features"):
        est.transform(blob[:, :2])
    with pytest.raises(ValueError, match="X has 2 features"):
        est.score_samples(blob[:, :2])
    with pytest.raises(ValueError, match="expecting 3 features"):
        est.inverse_transform(np.zeros((3, 2)))
    with pytest.raises(ValueError, match="NaN"):
        est.inverse_transform(np.full((3, 3), np.nan))
    with pytest.raises(ValueError, match="Expected 2D"):
        est.transform(blob[:, 0])
    with pytest.raises(ValueError, match="float32"):
        est.transform(np.full((2, 3), 1e300))
    with pytest.raises(ValueError, match="n_samples"):
        est.sample(0)
