"""The private base both network estimators share (skgauss._base): declarative
parameter validation, warm starts, partial_fit, callbacks, the fitted code width
and the shared docstring texts, checked on every public estimator."""

from functools import partial

import _factories
import numpy as np
import pytest
from sklearn.utils.estimator_checks import check_param_validation
from skorch.callbacks import Callback

from skgauss import GaussianAutoencoder, GaussianFlow
from skgauss._base import _NetworkEstimator
from skgauss._docs import SHARED_DOCS

TINY = dict(hidden_layer_sizes=(8,), max_epochs=2)
autoencoder = partial(_factories.autoencoder, latent_flow=None, **TINY)
flow = partial(_factories.flow, n_transforms=1, **TINY)


MAKERS = [autoencoder, flow]
IDS = ["GaussianAutoencoder", "GaussianFlow"]


@pytest.fixture
def X():
    return np.random.RandomState(0).randn(120, 4)


def _weights(est):
    return np.concatenate([p.detach().numpy().ravel() for p in est.net_.module_.parameters()])


def test_every_estimator_is_on_the_base():
    assert all(issubclass(cls, _NetworkEstimator) for cls in (GaussianAutoencoder, GaussianFlow))


@pytest.mark.parametrize("make", MAKERS, ids=IDS)
def test_parameter_constraints(make):
    """scikit-learn's own check: every parameter has a constraint, and a value of
    a wrong type or out of range is refused by fit, partial_fit and
    fit_transform with an InvalidParameterError naming it."""
    est = make()
    check_param_validation(type(est).__name__, est)


@pytest.mark.parametrize("make", MAKERS, ids=IDS)
@pytest.mark.parametrize("name, value", [
    ("max_epochs", True), ("batch_size", 1), ("lr", np.inf), ("lr", 0.0),
    ("validation_fraction", 1.0), ("n_threads", 0), ("n_threads", 10_000),
    ("early_stopping", "no"), ("lr_schedule", "linear"), ("hidden_layer_sizes", 8),
])
def test_bad_shared_parameter_is_refused_before_training(make, X, name, value):
    est = make(**{name: value})
    with pytest.raises((ValueError, TypeError), match=f"'{name}' parameter"):
        est.fit(X)
    assert not hasattr(est, "net_")


@pytest.mark.parametrize("make", MAKERS, ids=IDS)
def test_values_inside_containers_are_checked(make, X):
    with pytest.raises(ValueError, match="hidden_layer_sizes must be a tuple of integers"):
        make(hidden_layer_sizes=(8, 0)).fit(X)
    with pytest.raises(TypeError, match="callbacks must hold skorch callbacks"):
        make(callbacks=["not a callback"]).fit(X)
    with pytest.raises(ValueError, match="n_components=5 exceeds the 4 features"):
        make(n_components=5).fit(X)


@pytest.mark.parametrize("make", MAKERS, ids=IDS)
def test_warm_start_continues_from_the_weights(make, X):
    warm = make(warm_start=True).fit(X)
    first = _weights(warm)
    warm.fit(X)
    assert [row["epoch"] for row in warm.history_] == [1.0, 2.0, 3.0, 4.0]
    assert warm.n_iter_ == 4
    # two more epochs from the first fit's weights: not a fresh fit of 2 epochs
    assert not np.allclose(_weights(warm), first)
    assert not np.allclose(_weights(warm), _weights(make().fit(X)))
    before = warm.transform(X)
    warm.set_params(hidden_layer_sizes=(6,))
    with pytest.raises(ValueError, match="warm_start keeps the trained network"):
        warm.fit(X)
    np.testing.assert_array_equal(warm.transform(X), before)  # the model is kept


@pytest.mark.parametrize("make", MAKERS, ids=IDS)
def test_partial_fit_keeps_the_first_chunks_input_transformation(make, X):
    est = make(validation_fraction=0.0)
    est.partial_fit(X[:60])
    fitted = {k: v for k, v in vars(est).items() if k in ("mean_", "scale_")}
    est.partial_fit(X[60:] + 5.0)  # a shifted chunk: the standardisation stays
    for key, value in fitted.items():
        np.testing.assert_array_equal(getattr(est, key), value)
    assert est.n_iter_ == 2 and [r["epoch"] for r in est.history_] == [1.0, 2.0]
    with pytest.raises(ValueError, match="X has 3 features"):
        est.partial_fit(X[:, :3])
    assert est.n_iter_ == 2


@pytest.mark.parametrize("make", MAKERS, ids=IDS)
def test_user_callbacks_run_and_are_copied(make, X):
    class Epochs(Callback):
        def initialize(self):
            self.seen = 0
            return self

        def on_epoch_end(self, net, **kwargs):
            self.seen += 1

    callback = Epochs()
    est = make(callbacks=[callback]).fit(X)
    assert dict(est.net_.callbacks_)["Epochs"].seen == 2
    assert not hasattr(callback, "seen")  # the user's instance is left alone


@pytest.mark.parametrize("make", MAKERS, ids=IDS)
def test_fitted_code_width_survives_set_params(make, X):
    est = make(n_components=2).fit(X)
    assert est.n_components_ == 2
    est.set_params(n_components=3)
    assert est.transform(X).shape == (len(X), 2)
    assert est.get_feature_names_out().tolist()[-1].endswith("1")
    assert est.inverse_transform(np.zeros((1, 2))).shape == (1, 4)
    with pytest.raises(ValueError, match="expecting 2 features"):
        est.inverse_transform(np.zeros((1, 3)))


def test_shared_docstring_texts():
    for cls in (GaussianAutoencoder, GaussianFlow):
        assert "{shared:" not in cls.__doc__
        for text in SHARED_DOCS.values():
            assert text in cls.__doc__


def test_flow_schedules():
    """The flow's default decays its rate to 0; "constant" keeps it."""
    X = np.random.RandomState(0).randn(60, 2)
    assert flow().fit(X).net_.optimizer_.param_groups[0]["lr"] == pytest.approx(0.0, abs=1e-12)
    assert flow(lr_schedule="constant").fit(X).net_.optimizer_.param_groups[0]["lr"] == 1e-3


# ------------------------------------------------------------------ seeds and split
def test_stream_seeds_are_distinct_and_do_not_collide_between_fits():
    from skgauss._net import STREAMS, stream_seeds

    seeds = stream_seeds(7)
    assert list(seeds) == list(STREAMS) and seeds == stream_seeds(7)
    assert len(set(seeds.values())) == len(STREAMS)
    # offsets (seed + 1 for the split, ...) made fit s's split stream fit s+1's
    # weight stream; derived seeds share nothing between nearby fits
    for k in range(1, 6):
        assert not set(seeds.values()) & set(stream_seeds(7 + k).values())


@pytest.mark.parametrize("n, fraction", [(200, 0.1), (57, 0.3), (1000, 0.05), (31, 0.5)])
def test_validation_split_is_skorchs(n, fraction):
    from skorch.dataset import ValidSplit

    from skgauss._net import _ValidSplit

    rows = np.arange(n)
    train, valid = _ValidSplit(fraction, random_state=3)(rows)
    expected_train, expected_valid = ValidSplit(fraction, random_state=3)(rows)
    np.testing.assert_array_equal(valid.indices, expected_valid.indices)
    np.testing.assert_array_equal(train.indices, expected_train.indices)


def test_validation_split_holds_out_two_rows_at_least():
    from skgauss._net import _ValidSplit

    train, valid = _ValidSplit(0.1, random_state=0)(np.arange(10))
    assert len(valid) == 2 and len(train) == 8
    assert sorted([*train.indices, *valid.indices]) == list(range(10))
    with pytest.raises(ValueError, match="leaves 1 training rows out of 3"):
        _ValidSplit(0.5, random_state=0)(np.arange(3))


# ------------------------------------------------------------------ review fixes
@pytest.mark.parametrize("make", MAKERS, ids=IDS)
@pytest.mark.parametrize("name", ["lr", "validation_fraction", "batch_size", "n_components"])
def test_booleans_are_not_numbers(make, X, name):
    with pytest.raises(ValueError, match=f"'{name}' parameter"):
        make(**{name: True}).fit(X)


@pytest.mark.parametrize("name", ["alpha", "weight_decay", "input_noise"])
def test_booleans_are_not_autoencoder_weights(X, name):
    with pytest.raises(ValueError, match=f"'{name}' parameter"):
        autoencoder(**{name: True}).fit(X)


@pytest.mark.parametrize("make", MAKERS, ids=IDS)
def test_torch_device_objects_are_accepted(make, X):
    import torch

    assert make(device=torch.device("cpu")).fit(X).transform(X).shape == (len(X), 2 if
                                                                             make is autoencoder
                                                                             else 4)


@pytest.mark.parametrize("make", MAKERS, ids=IDS)
def test_failed_fit_gives_the_random_state_back(make, X):
    rng = np.random.RandomState(5)
    expected = np.random.RandomState(5).randint(100)
    bad = X.copy()
    bad[0, 0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        make(random_state=rng).fit(bad)
    assert rng.randint(100) == expected  # as if the fit had not run


def test_flow_warm_start_refuses_a_new_width(X):
    est = flow(n_components=2, warm_start=True).fit(X)
    before = est.transform(X)
    for width in (3, None):
        est.set_params(n_components=width)
        with pytest.raises(ValueError, match="warm_start keeps the trained network"):
            est.fit(X)
        np.testing.assert_array_equal(est.transform(X), before)


@pytest.mark.parametrize("make", MAKERS, ids=IDS)
def test_partial_fit_trains_every_call_at_lr(make, X):
    """With a cosine schedule each call starts at lr (a schedule runs within one
    fit): after each call the rate is one cosine step below lr, every time."""
    est = make(lr=0.01, lr_schedule="cosine", max_epochs=4, validation_fraction=0.0)
    rates = []
    for _ in range(4):
        est.partial_fit(X)
        rates.append(est.net_.optimizer_.param_groups[0]["lr"])
    np.testing.assert_allclose(rates, rates[0])
    assert rates[0] == pytest.approx(0.01 * (1 + np.cos(np.pi / 4)) / 2)


def test_partial_fit_keeps_the_first_calls_generative_settings(X, tmp_path):
    import skgauss

    est = autoencoder(validation_fraction=0.0)
    est.partial_fit(X)
    est.set_params(latent_sampler="gmm", latent_flow="realnvp")
    est.partial_fit(X)
    assert est.latent_sampler_ is None and est.latent_flow_ is None
    skgauss.save(est, tmp_path / "m")
    back = skgauss.load(tmp_path / "m")
    np.testing.assert_array_equal(back.transform(X), est.transform(X))
