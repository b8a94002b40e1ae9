"""Behaviour of GaussianAutoencoder: learning, round trips, composition, faults."""

import pickle
import warnings

import joblib
import numpy as np
import pytest
import torch
from _factories import autoencoder
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from scipy import sparse
from sklearn.base import clone
from sklearn.datasets import load_digits
from sklearn.decomposition import PCA
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import StandardScaler
from skorch.callbacks import Callback

from skgauss import GaussianAutoencoder, GaussianFlow
from skgauss._net import NonFiniteLossError, _batch_bounds


@pytest.fixture(scope="module")
def digits():
    return StandardScaler().fit_transform(load_digits().data)


small = autoencoder


@pytest.fixture(scope="module")
def blob():
    return np.random.RandomState(0).randn(120, 5)


# ------------------------------------------------------------------ learning
def test_learns_digits_better_than_pca(digits):
    untrained = small(n_components=8, hidden_layer_sizes=(128, 128), max_epochs=1, lr=1e-12)
    ae = GaussianAutoencoder(n_components=8, regularizer="none", max_epochs=30,
                             validation_fraction=0.0, random_state=0).fit(digits)

    def mse(model):
        return np.mean((model.inverse_transform(model.transform(digits)) - digits) ** 2)

    untrained.fit(digits)
    pca = PCA(n_components=8).fit(digits)
    assert mse(ae) < 0.8 * mse(pca)
    assert mse(ae) < 0.5 * mse(untrained)
    assert ae.history_[-1]["train_recon"] < ae.history_[0]["train_recon"]


def test_history_and_attributes(blob):
    ae = small().fit(blob)
    assert ae.n_iter_ == 3 == len(ae.history_)
    row = ae.history_[-1]
    for key in ("train_loss", "train_recon", "train_penalty", "valid_loss",
                "valid_recon", "valid_penalty"):
        assert np.isfinite(row[key])
    assert row["train_loss"] == pytest.approx(row["train_recon"] + row["train_penalty"], rel=1e-5)
    assert ae.n_features_in_ == 5
    assert list(ae.get_feature_names_out()) == ["gaussianautoencoder0", "gaussianautoencoder1"]
    no_valid = small(validation_fraction=0.0).fit(blob)
    assert "valid_loss" not in no_valid.history_[-1]


def test_adam_is_fused_where_torch_has_it(blob):
    from skgauss._net import fused_adam

    ae = small().fit(blob)
    assert ae.net_.optimizer_.defaults["fused"] is fused_adam("cpu")
    version = tuple(int(v) for v in torch.__version__.split(".")[:2])
    assert fused_adam("cpu") is (version >= (2, 4))
    assert fused_adam("cuda") and not fused_adam("mps")


def test_one_host_sync_per_batch(blob, monkeypatch):
    # recon, penalty and loss are read together after each step; skorch's own
    # loss.item() is then the only .item() call of a batch
    calls = []
    item = torch.Tensor.item
    monkeypatch.setattr(torch.Tensor, "item", lambda t: calls.append(1) or item(t))
    # the network's loop only (the latent flow trains after it, with its own reads)
    ae = small(max_epochs=2, batch_size=40, latent_flow=None).fit(blob)  # 108 / 12 rows
    assert len(calls) == 2 * (3 + 1)
    per_batch = ae.net_.history[-1]["batches"]
    assert [sorted(b) for b in per_batch[:1]] == [[
        "train_batch_size", "train_loss", "train_penalty", "train_recon"]]
    assert per_batch[0]["train_loss"] == pytest.approx(
        per_batch[0]["train_recon"] + per_batch[0]["train_penalty"], rel=1e-5)


def test_user_callbacks_see_every_batch(blob):
    # the net skips callbacks' no-op per-batch hooks, never overridden ones
    class Count(Callback):
        def initialize(self):
            self.calls = {"begin": 0, "end": 0, "grad": 0}
            return self

        def on_batch_begin(self, net, **kwargs):
            self.calls["begin"] += 1

        def on_batch_end(self, net, **kwargs):
            self.calls["end"] += 1

        def on_grad_computed(self, net, named_parameters, **kwargs):
            self.calls["grad"] += 1

    ae = small(max_epochs=2, batch_size=40, callbacks=[Count()]).fit(blob)
    (count,) = [cb for _, cb in ae.net_.callbacks_ if isinstance(cb, Count)]
    # 108 training rows in 3 batches, 12 validation rows in 1, per epoch
    assert count.calls == {"begin": 8, "end": 8, "grad": 6}


def test_early_stopping_stops(blob):
    ae = small(max_epochs=200, early_stopping=True, patience=2, lr=0.05).fit(blob)
    assert ae.n_iter_ < 200


# -------------------------------------------------------------- round trips
def test_fit_transform_equals_fit_then_transform(blob):
    a = small().fit_transform(blob)
    b = small().fit(blob).transform(blob)
    np.testing.assert_array_equal(a, b)


def test_same_seed_same_codes_and_global_rng_untouched(blob):
    torch.manual_seed(123)
    state = torch.random.get_rng_state()
    est = small(regularizer="sliced_wasserstein")
    a = est.fit(blob).transform(blob)
    assert torch.equal(state, torch.random.get_rng_state())
    b = clone(est).fit(blob).transform(blob)
    np.testing.assert_array_equal(a, b)
    c = small(random_state=1).fit(blob).transform(blob)
    assert not np.allclose(a, c)


@pytest.mark.parametrize("dump", ["pickle", "joblib"])
def test_persistence_roundtrip(blob, tmp_path, dump):
    ae = small().fit(blob)
    if dump == "pickle":
        loaded = pickle.loads(pickle.dumps(ae))
    else:
        joblib.dump(ae, tmp_path / "m.joblib")
        loaded = joblib.load(tmp_path / "m.joblib")
    np.testing.assert_array_equal(ae.transform(blob), loaded.transform(blob))
    np.testing.assert_array_equal(ae.sample(5, random_state=0), loaded.sample(5, random_state=0))


def test_dtype_follows_input(blob):
    ae = small().fit(blob)
    assert ae.transform(blob).dtype == np.float64
    assert ae.transform(blob.astype(np.float32)).dtype == np.float32
    assert ae.inverse_transform(ae.transform(blob)).shape == blob.shape
    assert ae.sample(4, random_state=0).shape == (4, 5)
    np.testing.assert_array_equal(ae.sample(4, random_state=0), ae.sample(4, random_state=0))


def test_device_parameter_cpu(blob):
    ae = small().fit(blob)
    before = ae.transform(blob)
    ae.set_params(device="cpu")  # same device: the fitted net is kept as it is
    np.testing.assert_array_equal(ae.transform(blob), before)
    np.testing.assert_array_equal(small(device="cpu").fit(blob).transform(blob), before)
    with pytest.raises(ValueError, match="device"):
        small(device="not-a-device").fit(blob)


def test_kl_switches_to_gaussian_head(blob):
    ae = small(regularizer="kl", latent_flow=None).fit(blob)
    assert ae.net_.module_.gaussian_head
    # transform returns the encoder's mean, not a draw around it (without a flow)
    with torch.no_grad():
        mean, logvar = ae.net_.module_.encode(torch.as_tensor(blob, dtype=torch.float32))
    assert logvar is not None
    np.testing.assert_allclose(ae.transform(blob), mean.numpy(), rtol=1e-5, atol=1e-6)
    mixed = small(regularizer={"kl": 1.0, "sliced_wasserstein": 0.5}).fit(blob)
    assert mixed.net_.module_.gaussian_head
    assert not small().fit(blob).net_.module_.gaussian_head


def test_callable_and_dict_regularizers(blob):
    seen = []

    def my_penalty(z, *, generator=None, power=2):
        seen.append(z.shape[0])
        return (z.mean(0) ** power).sum()

    small(regularizer=my_penalty, regularizer_params={"power": 2}).fit(blob)
    assert seen and min(seen) >= 2
    ae = small(regularizer={"sliced_wasserstein": 1.0, "none": 0.0},
               regularizer_params={"sliced_wasserstein": {"n_projections": 10}}).fit(blob)
    # the dict's sliced term is trained on: the penalty is recorded, and the codes
    # differ from those of the same network trained without it
    assert all(p > 0 for p in ae.net_.history[:, "train_penalty"])
    plain = small(regularizer="none").fit(blob)
    assert not np.allclose(ae.transform(blob), plain.transform(blob))


# ---------------------------------------------------------------- batching
@pytest.mark.parametrize("n,bs", [(129, 128), (2, 128), (33, 16), (10, 3), (7, 2)])
def test_batches_never_hold_one_row(n, bs):
    bounds = _batch_bounds(n, bs)
    sizes = [b - a for a, b in bounds]
    assert sum(sizes) == n and min(sizes) >= 2
    assert bounds[0][0] == 0 and bounds[-1][1] == n


def test_penalty_never_sees_a_single_row():
    seen = []

    def record(z, *, generator=None):
        seen.append(z.shape[0])
        return z.sum() * 0

    X = np.random.RandomState(0).randn(2 * 16 + 1 + 4, 3)  # 33 train rows + 4 valid
    small(regularizer=record, batch_size=16, validation_fraction=0.1).fit(X)
    assert min(seen) >= 2


# -------------------------------------------------------------- composition
def test_pipeline_roundtrip(digits):
    pipe = Pipeline([("scale", StandardScaler()), ("ae", small(n_components=3))]).fit(digits)
    Z = pipe.transform(digits)
    assert Z.shape == (len(digits), 3)
    assert pipe.inverse_transform(Z).shape == digits.shape


def test_gridsearch_regularizer_and_alpha_parallel(blob):
    search = GridSearchCV(
        small(max_epochs=2),
        {"regularizer": ["none", "sliced_wasserstein"], "alpha": [0.5, 2.0]},
        cv=2, n_jobs=2,
    ).fit(blob)
    assert len(search.cv_results_["params"]) == 4
    assert np.isfinite(search.cv_results_["mean_test_score"]).all()


def test_gridsearch_in_pipeline(blob):
    search = GridSearchCV(make_pipeline(StandardScaler(), small(max_epochs=2)),
                          {"gaussianautoencoder__alpha": [0.1, 1.0]}, cv=2).fit(blob)
    best = search.best_estimator_
    assert best[-1].alpha == search.best_params_["gaussianautoencoder__alpha"]
    assert best.transform(blob).shape == (len(blob), 2)
    assert search.best_index_ == int(np.argmax(search.cv_results_["mean_test_score"]))


# ------------------------------------------------------------------- faults
class _Interrupt(Callback):
    def on_epoch_end(self, net, **kwargs):
        if len(net.history) == 2:
            raise KeyboardInterrupt


def test_keyboard_interrupt_keeps_model(blob):
    # the latent flow trains for max_epochs: the same in both, to compare the networks
    flow = {"latent_flow_params": {"max_epochs": 2}}
    ae = small(max_epochs=50, callbacks=[_Interrupt()], **flow).fit(blob)
    assert ae.n_iter_ == 2
    # the model kept is the one after two epochs, as if max_epochs had been 2
    two = small(max_epochs=2, **flow).fit(blob)
    np.testing.assert_allclose(ae.transform(blob), two.transform(blob), rtol=1e-6, atol=1e-6)


def test_non_finite_loss_raises_and_keeps_previous_fit(blob):
    ae = small().fit(blob)
    before = ae.transform(blob)

    def explode(z, *, generator=None):
        return z.sum() * float("nan")

    ae.set_params(regularizer=explode)
    with pytest.raises(NonFiniteLossError, match="epoch 1"):
        ae.fit(blob)
    assert issubclass(NonFiniteLossError, FloatingPointError)
    np.testing.assert_array_equal(ae.transform(blob), before)


BAD_PARAMS = [
    ({"n_components": 0}, "n_components"),
    ({"n_components": 1.5}, "n_components"),
    ({"alpha": -1.0}, "alpha"),
    ({"max_epochs": 0}, "max_epochs"),
    ({"batch_size": 1}, "batch_size"),
    ({"lr": 0.0}, "lr"),
    ({"input_noise": -0.1}, "input_noise"),
    ({"validation_fraction": 1.0}, "validation_fraction"),
    ({"hidden_layer_sizes": (8, 0)}, "hidden_layer_sizes"),
    ({"hidden_layer_sizes": 8}, "hidden_layer_sizes"),
    ({"activation": "sigmoidal"}, "activation"),
    ({"regularizer": "gauss"}, "valid names are"),
    ({"regularizer": {"sliced_wasserstein": -1}}, "must be >= 0"),
    ({"regularizer": {}}, "empty"),
    ({"regularizer_params": {"n_projection": 3}}, "no option 'n_projection'"),
    ({"validation_fraction": 0.5, "max_epochs": 1}, None),
]


@pytest.mark.parametrize("params,match", BAD_PARAMS)
def test_bad_hyperparameters(params, match):
    X = np.random.RandomState(0).randn(20, 3)
    if match is None:  # valid edge case: half of 20 rows held out
        small(**params).fit(X)
        return
    with pytest.raises(ValueError, match=match):
        small(**params).fit(X)


def test_bad_regularizer_type():
    with pytest.raises(TypeError, match="'regularizer' parameter of GaussianAutoencoder must be"):
        small(regularizer=3).fit(np.zeros((20, 3)))


def test_too_small_validation_split():
    with pytest.raises(ValueError, match="validation_fraction"):
        small(validation_fraction=0.5).fit(np.random.RandomState(0).randn(3, 2))


BAD_INPUTS = [
    (np.array([[1.0, np.nan], [0.0, 1.0], [1.0, 1.0]]), ValueError, "NaN"),
    (np.array([[1.0, np.inf], [0.0, 1.0], [1.0, 1.0]]), ValueError, "infinity"),
    (np.array([["a", "b"], ["c", "d"]], dtype=object), ValueError, "convert"),
    (np.ones((3, 2)) + 1j, ValueError, "Complex"),
    (sparse.csr_matrix(np.ones((3, 2))), TypeError, "dense data is required"),
    (np.empty((0, 3)), ValueError, "0 sample"),
    (np.ones(5), ValueError, "Expected 2D"),
    (np.ones((1, 3)), ValueError, "1 sample"),
    (np.full((3, 2), 1e300), ValueError, "float32"),
]


@pytest.mark.parametrize("X,exc,match", BAD_INPUTS)
def test_bad_input_at_fit(X, exc, match):
    with pytest.raises(exc, match=match):
        small().fit(X)


def test_bad_input_after_fit(blob):
    ae = small().fit(blob)
    with pytest.raises(ValueError, match="X has 4 features"):
        ae.transform(blob[:, :4])
    with pytest.raises(ValueError, match="expecting 2 features"):
        ae.inverse_transform(np.zeros((3, 3)))
    with pytest.raises(ValueError, match="NaN"):
        ae.inverse_transform(np.full((3, 2), np.nan))
    with pytest.raises(ValueError, match="n_samples"):
        ae.sample(0)
    with pytest.raises(ValueError, match="float32"):
        ae.transform(np.full((2, 5), 1e300))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    X=hnp.arrays(
        dtype=st.sampled_from([np.float64, np.float32, np.int64, np.bool_]),
        shape=hnp.array_shapes(min_dims=1, max_dims=3, min_side=0, max_side=12),
    )
)
def test_random_input_gives_clean_error_or_valid_codes(X):
    est = small(max_epochs=1, hidden_layer_sizes=(4,), validation_fraction=0.0)
    try:
        est.fit(X)
    except (ValueError, TypeError):
        return
    Z = est.transform(X)
    assert Z.shape == (X.shape[0], 2)
    assert np.isfinite(Z).all()


# ------------------------------------------------------- containers, chunks
@pytest.mark.parametrize("lib", ["pandas", "polars"])
def test_set_output_wraps_decoded_rows_and_samples(blob, lib):
    mod = pytest.importorskip(lib)
    cols = [f"f{i}" for i in range(5)]
    df = mod.DataFrame(blob, schema=cols) if lib == "polars" else mod.DataFrame(blob, columns=cols)
    ae = small().set_output(transform=lib).fit(df)
    Z = ae.transform(df)
    assert list(Z.columns) == ["gaussianautoencoder0", "gaussianautoencoder1"]
    for out in (ae.inverse_transform(Z), ae.sample(3, random_state=0)):
        assert isinstance(out, mod.DataFrame) and list(out.columns) == cols
    plain = small().set_output(transform=lib).fit(blob)
    assert list(plain.sample(2, random_state=0).columns) == [f"x{i}" for i in range(5)]


def test_partial_fit_chunks_and_warm_start(blob):
    X = np.random.RandomState(1).randn(600, 5)
    chunked = small(validation_fraction=0.0)
    for _ in range(3):
        for chunk in np.array_split(X, 4):
            chunked.partial_fit(chunk)
    assert chunked.n_iter_ == 12
    full = small(validation_fraction=0.0, max_epochs=3).fit(X)

    def mse(m):
        return np.mean((m.inverse_transform(m.transform(X)) - X) ** 2)

    assert mse(chunked) < 1.5 * mse(full)
    with pytest.raises(ValueError, match="X has 4 features"):
        chunked.partial_fit(X[:, :4])
    warm = small(warm_start=True).fit(blob)
    warm.fit(blob)
    assert warm.n_iter_ == 6
    cold = small().fit(blob)
    cold.fit(blob)
    assert cold.n_iter_ == 3


def test_cosine_lr_schedule_decays_to_zero(blob):
    ae = small(lr_schedule="cosine", max_epochs=4).fit(blob)
    lrs = [g["lr"] for g in ae.net_.optimizer_.param_groups]
    assert lrs[0] == pytest.approx(0.0, abs=1e-12)
    with pytest.raises(ValueError, match="lr_schedule"):
        small(lr_schedule="linear").fit(blob)


def test_input_noise_denoises_training_only(blob):
    clean = small().fit(blob)
    noisy = small(input_noise=0.5).fit(blob)
    assert not np.allclose(clean.transform(blob), noisy.transform(blob))
    np.testing.assert_array_equal(noisy.transform(blob), noisy.transform(blob))
    again = small(input_noise=0.5).fit(blob)
    np.testing.assert_array_equal(noisy.transform(blob), again.transform(blob))


def test_failed_partial_fit_keeps_model(blob):
    ae = small(validation_fraction=0.0)
    ae.partial_fit(blob)
    before = ae.transform(blob)
    with pytest.raises(ValueError, match="standardise X"):  # refused as input
        ae.partial_fit(blob * 1e20)
    assert ae.n_iter_ == 1
    np.testing.assert_array_equal(ae.transform(blob), before)


def test_warm_start_uses_current_hyperparameters(blob):
    ae = small(warm_start=True, lr_schedule="cosine", max_epochs=3).fit(blob)
    ae.set_params(lr=0.05, alpha=3.0, max_epochs=2)
    ae.fit(blob)
    assert ae.n_iter_ == 5 and len(ae.history_) == 5
    assert ae.net_.lr == 0.05 and ae.net_.alpha == 3.0
    # a fresh cosine decay per fit: the rate ends at 0, not past T_max
    assert ae.net_.optimizer_.param_groups[0]["lr"] == pytest.approx(0.0, abs=1e-12)
    ae.set_params(n_components=3)
    with pytest.raises(ValueError, match="warm_start keeps the trained network"):
        ae.fit(blob)
    assert ae.transform(blob).shape == (len(blob), 2)  # still the previous model
    assert ae.inverse_transform(ae.transform(blob)).shape == blob.shape
    assert ae.sample(2, random_state=0).shape == (2, 5)


def test_net_params_are_plain_and_steps_return_their_terms():
    """The skorch net's hyperparameters hold no live state (the penalty is its
    resolved terms, built in initialize_module; no per-batch cache leaks in), and
    the loss terms travel in the step dict, not in attributes of the net."""
    from skgauss._net import _Reconstruction

    X = np.random.RandomState(0).randn(40, 3)
    ae = GaussianAutoencoder(n_components=2, regularizer="adversarial", max_epochs=1,
                             hidden_layer_sizes=(4,), latent_flow=None,
                             random_state=0).fit(X)
    params = ae.net_.get_params()
    assert not [k for k in params if "batch_hooks" in k]
    assert not any(isinstance(part, torch.nn.Module)
                   for term in params["penalty"] for part in term)
    assert params["criterion"] is _Reconstruction
    assert not {"_terms", "_last_codes"} & set(vars(ae.net_))
    step = ae.net_.train_step((torch.from_numpy(X[:8]).float(), None))
    assert set(step) >= {"loss", "terms", "codes"} and step["codes"].shape == (8, 2)


@pytest.mark.parametrize("make", [lambda: GaussianAutoencoder(n_components=1, max_epochs=1),
                                  lambda: GaussianFlow(max_epochs=1)])
def test_plus_and_minus_inf_is_a_clean_error_without_warnings(make):
    """+inf and -inf in one input: a ValueError naming the problem, and no
    numpy RuntimeWarning from the finiteness check on the way."""
    X = np.array([[np.inf, 1.0], [-np.inf, 2.0], [1.0, 1.0]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(ValueError, match="infinity"):
            make().fit(X)

