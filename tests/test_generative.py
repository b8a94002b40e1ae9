"""The generative latent of issue #14: decoder noise, GMM sampler, latent flow,
dequantisation."""

import numpy as np
import pytest
from _factories import autoencoder
from sklearn.datasets import load_wine
from sklearn.mixture import GaussianMixture
from sklearn.preprocessing import StandardScaler

from skgauss import GaussianAutoencoder, GaussianFlow
from skgauss._generative import dequantization_spacing, mixture_draws

pytest.importorskip("zuko")


small = autoencoder


@pytest.fixture(scope="module")
def X():
    return np.random.RandomState(0).randn(200, 4)


@pytest.fixture(scope="module")
def wine():
    return StandardScaler().fit_transform(load_wine().data)


# ------------------------------------------------------------ decoder noise
@pytest.mark.parametrize("kind", ["diag", "full"])
def test_sample_noise_has_the_decoder_covariance(X, kind):
    ae = small(decoder_covariance=kind).fit(X)
    cov = ae.decoder_covariance_
    assert cov.shape == ((4,) if kind == "diag" else (4, 4))
    noisy = ae.sample(20000, random_state=1)
    means = ae.sample(20000, random_state=1, noise=False)
    empirical = np.cov((noisy - means).T)
    target = np.diag(cov) if kind == "diag" else cov
    scale = np.sqrt(np.outer(np.diag(target), np.diag(target)))
    # every entry within 10 % of the variances' scale (off-diagonal terms of a
    # diagonal model must be ~0)
    assert np.abs(empirical - target).max() <= 0.1 * scale.min(), (empirical, target)


def test_noise_false_is_deterministic_and_the_decoded_mean(X):
    ae = small(decoder_covariance="diag").fit(X)
    a = ae.sample(50, random_state=3, noise=False)
    np.testing.assert_array_equal(a, ae.sample(50, random_state=3, noise=False))
    Z = np.random.RandomState(3).standard_normal((50, 2))
    np.testing.assert_allclose(a, ae.inverse_transform(Z), rtol=1e-6, atol=1e-6)
    assert not np.allclose(ae.sample(50, random_state=3), a)  # noise=True differs
    # without a covariance there is no noise: sample returns the means
    plain = small(decoder_covariance=None).fit(X)
    assert plain.decoder_covariance_ is None
    np.testing.assert_array_equal(plain.sample(5, random_state=0),
                                  plain.sample(5, random_state=0, noise=False))


def test_covariance_comes_from_the_validation_rows(X):
    """With a split, the residuals of the held-out validation rows; without, all rows."""
    from skorch.dataset import ValidSplit

    ae = small(decoder_covariance="diag").fit(X)
    # skorch's own split of the rows, seeded by the fit's "split" stream
    valid = ValidSplit(0.1, random_state=ae.net_.seeds_["split"])(X)[1].indices
    R = X[valid] - ae.inverse_transform(ae.transform(X[valid]))
    np.testing.assert_allclose(ae.decoder_covariance_, np.mean(R**2, axis=0), rtol=1e-4)
    whole = small(decoder_covariance="diag", validation_fraction=0.0).fit(X)
    R = X - whole.inverse_transform(whole.transform(X))
    np.testing.assert_allclose(whole.decoder_covariance_, np.mean(R**2, axis=0), rtol=1e-4)


# -------------------------------------------------------------- GMM sampler
def test_gmm_sampler_draws_from_the_mixture_of_codes(X):
    ae = small(latent_sampler="gmm", latent_sampler_params={"n_components": 3}).fit(X)
    gmm = ae.latent_sampler_
    assert isinstance(gmm, GaussianMixture) and gmm.n_components == 3
    np.testing.assert_allclose(gmm.means_.T @ gmm.weights_, ae.transform(X).mean(0),
                               atol=1e-6)
    # sample decodes the mixture's draws, seeded by sample's random_state
    Z = mixture_draws(gmm, 30, np.random.RandomState(5))
    np.testing.assert_allclose(ae.sample(30, random_state=5, noise=False),
                               ae.inverse_transform(Z), rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("covariance_type", ["full", "tied", "diag", "spherical"])
def test_mixture_draws_follow_the_mixture(covariance_type):
    rng = np.random.RandomState(0)
    data = np.vstack([rng.randn(300, 2) * 0.5 - 3, rng.randn(300, 2) * [1, 2] + 3])
    gmm = GaussianMixture(2, covariance_type=covariance_type, random_state=0).fit(data)
    draws = mixture_draws(gmm, 40000, np.random.RandomState(1))
    mean = gmm.weights_ @ gmm.means_
    np.testing.assert_allclose(draws.mean(0), mean, atol=0.05)
    # the mixture's own sampler gives the same law
    ref = gmm.sample(40000)[0]
    np.testing.assert_allclose(np.cov(draws.T), np.cov(ref.T), rtol=0.05, atol=0.05)


# -------------------------------------------------------------- latent flow
def test_latent_flow_codes_pass_the_battery_on_wine(wine):
    from skgauss import stats

    ae = GaussianAutoencoder(3, hidden_layer_sizes=(32,), max_epochs=20, random_state=0,
                             latent_flow="nsf",
                             latent_flow_params={"max_epochs": 40}).fit(wine)
    assert isinstance(ae.latent_flow_, GaussianFlow)
    Z = ae.transform(wine)
    p = {"skewness": stats.mardia_skewness(Z).pvalue,
         "kurtosis": stats.mardia_kurtosis(Z).pvalue,
         "radii": stats.radii_test(Z, method="ks").pvalue,
         "coordinates": stats.coordinate_test(Z).pvalue,
         "sliced": stats.sliced_test(Z, random_state=0).pvalue}
    assert all(v > 0.01 for v in p.values()), p
    # the single stage alone does not: the flow is what makes them pass
    single = GaussianAutoencoder(3, hidden_layer_sizes=(32,), max_epochs=20, random_state=0,
                                 latent_flow=None).fit(wine).transform(wine)
    assert stats.mardia_skewness(single).pvalue < 0.01


def test_latent_flow_round_trip_and_sample(X):
    ae = small(latent_flow="realnvp", latent_flow_params={"max_epochs": 3}).fit(X)
    module = ae._module()
    reconstruction = ae._run(lambda x: module.decoder(module.encode(x)[0]), X, "X")
    np.testing.assert_allclose(ae.inverse_transform(ae.transform(X)), reconstruction,
                               atol=1e-4)
    # transform = flow(encoder); sample = decoder(flow^-1(N(0, I)))
    codes = ae._run(lambda x: module.encode(x)[0], X, "X")
    np.testing.assert_allclose(ae.transform(X), ae.latent_flow_.transform(codes), atol=1e-6)
    Z = np.random.RandomState(2).standard_normal((20, 2))
    expected = ae._run(module.decoder, ae.latent_flow_.inverse_transform(Z), "Z")
    np.testing.assert_allclose(ae.sample(20, random_state=2, noise=False), expected,
                               rtol=1e-5, atol=1e-5)


def test_flow_and_gmm_together(X):
    """The mixture is fitted on the flow's codes, and sample goes through both."""
    ae = small(latent_flow="maf", latent_flow_params={"max_epochs": 2},
               latent_sampler="gmm", latent_sampler_params={"n_components": 2}).fit(X)
    np.testing.assert_allclose(ae.latent_sampler_.weights_ @ ae.latent_sampler_.means_,
                               ae.transform(X).mean(0), atol=1e-5)
    Z = mixture_draws(ae.latent_sampler_, 10, np.random.RandomState(0))
    np.testing.assert_allclose(ae.sample(10, random_state=0, noise=False),
                               ae.inverse_transform(Z), rtol=1e-5, atol=1e-5)


# ------------------------------------------------------------ dequantisation
def test_dequantization_spacing():
    X = np.c_[np.arange(100) % 3 * 0.5, np.linspace(0, 1, 100), np.ones(100)]
    np.testing.assert_allclose(dequantization_spacing(X), [0.5, 0.0, 0.0])


def test_dequantize_noises_the_training_batches():
    from skgauss._net import _BatchLoader, _TensorDataset

    X = np.repeat(np.eye(3), 40, axis=0)
    ae = small(dequantize="uniform", validation_fraction=0.0).fit(X)
    loader = ae.net_.get_iterator(_TensorDataset(ae.net_.module_.decoder[0].weight.new_tensor(
        X)), training=True)
    assert isinstance(loader, _BatchLoader)
    batch, target = next(iter(loader))
    noise = batch.numpy() - np.round(batch.numpy())
    assert (noise != 0).all() and np.abs(noise).max() <= 0.5
    assert batch is target  # the model is of the dequantised rows
    # transform stays deterministic, and a model without it sees clean batches
    np.testing.assert_array_equal(ae.transform(X), ae.transform(X))
    plain = small(validation_fraction=0.0).fit(X)
    assert plain.net_.get_iterator(_TensorDataset(batch), training=True).spacing is None


# --------------------------------------------------------------- bad values
@pytest.mark.parametrize("params, match", [
    ({"decoder_covariance": "spherical"}, "'decoder_covariance' parameter of GaussianAutoencoder"),
    ({"decoder_covariance": True}, "'decoder_covariance' parameter of GaussianAutoencoder"),
    ({"latent_sampler": "flow"}, "'latent_sampler' parameter of GaussianAutoencoder"),
    ({"latent_sampler": None}, "'latent_sampler' parameter of GaussianAutoencoder"),
    ({"latent_sampler": "gmm", "latent_sampler_params": {"n_components": 0}}, "n_components"),
    ({"latent_sampler": "gmm", "latent_sampler_params": {"random_state": 1}}, "unknown or"),
    ({"latent_sampler": "gmm", "latent_sampler_params": [("n_components", 2)]},
     "'latent_sampler_params' parameter of GaussianAutoencoder"),
    ({"latent_sampler_params": {"n_components": 2}}, "latent_sampler is 'normal'"),
    ({"latent_flow": "glow"}, "'latent_flow' parameter of GaussianAutoencoder"),
    ({"latent_flow": "nsf", "latent_flow_params": {"n_components": 1}}, "unknown or fixed"),
    ({"latent_flow": "nsf", "latent_flow_params": {"bogus": 1}}, "unknown or fixed keys"),
    ({"latent_flow": "nsf", "latent_flow_params": {"n_transforms": 0}}, "n_transforms"),
    ({"latent_flow": None, "latent_flow_params": {"max_epochs": 2}}, "latent_flow is None"),
    ({"dequantize": "gaussian"}, "'dequantize' parameter of GaussianAutoencoder"),
    ({"dequantize": None}, "'dequantize' parameter of GaussianAutoencoder"),
])
def test_bad_values(X, params, match):
    with pytest.raises((ValueError, TypeError), match=match):
        small(**params).fit(X)


def test_sample_bad_n(X):
    ae = small(latent_sampler="gmm", latent_sampler_params={"n_components": 2}).fit(X)
    with pytest.raises(ValueError, match="n_samples"):
        ae.sample(0)


# -------------------------------------------------------------------- saving
def test_save_load_keeps_the_generative_state(tmp_path, X, monkeypatch):
    import pickle

    import torch

    import skgauss

    ae = small(decoder_covariance="full", latent_sampler="gmm",
               latent_sampler_params={"n_components": 2, "covariance_type": "diag"},
               latent_flow="nsf",
               latent_flow_params={"max_epochs": 2, "hidden_layer_sizes": (8,)}).fit(X)
    skgauss.save(ae, tmp_path / "m")

    def boom(*args, **kwargs):
        raise AssertionError("the load path must not unpickle")

    monkeypatch.setattr(pickle, "loads", boom)
    monkeypatch.setattr(pickle, "load", boom)
    loaded = skgauss.load(tmp_path / "m")
    np.testing.assert_array_equal(loaded.decoder_covariance_, ae.decoder_covariance_)
    for key in ("weights_", "means_", "covariances_", "precisions_cholesky_"):
        np.testing.assert_array_equal(getattr(loaded.latent_sampler_, key),
                                      getattr(ae.latent_sampler_, key))
    saved, new = ae.latent_flow_.net_.module_.state_dict(), \
        loaded.latent_flow_.net_.module_.state_dict()
    assert saved.keys() == new.keys()
    assert all(torch.equal(saved[k], new[k]) for k in saved)
    np.testing.assert_array_equal(loaded.latent_flow_.mean_, ae.latent_flow_.mean_)
    np.testing.assert_array_equal(loaded.transform(X), ae.transform(X))
    np.testing.assert_array_equal(loaded.sample(7, random_state=1), ae.sample(7, random_state=1))


def test_load_refuses_a_missing_latent_part(tmp_path, X):
    import json

    import skgauss

    ae = small(latent_flow="realnvp", latent_flow_params={"max_epochs": 1}).fit(X)
    path = skgauss.save(ae, tmp_path / "m")
    params = path / (path / "CURRENT").read_text() / "params.json"
    meta = json.loads(params.read_text())
    meta["fitted"]["latent"] = {}
    params.write_text(json.dumps(meta))
    with pytest.raises(ValueError, match="latent"):
        skgauss.load(path)
