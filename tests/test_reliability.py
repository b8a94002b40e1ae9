"""Issue 16: fits that fail without damage, validated settings and penalty
options, reproducible fits in threads."""

import threading
from functools import partial

import numpy as np
import pytest
import torch
from _factories import autoencoder

from skgauss import NonFiniteLossError

small = partial(autoencoder, hidden_layer_sizes=(8,), max_epochs=2, validation_fraction=0.0)


@pytest.fixture(scope="module")
def X5():
    return np.random.RandomState(0).randn(60, 5)


@pytest.fixture(scope="module")
def X3():
    return np.random.RandomState(1).randn(60, 3)


def _fitted(est):
    return {k: v for k, v in vars(est).items() if k.endswith("_") or k.startswith("_")}


# ------------------------------------------------ item 3: a failed fit keeps the model
@pytest.mark.parametrize("change", [
    {"n_components": 0},
    {"regularizer_params": {"no_such_option": 1}},
    {"regularizer": "mmd", "regularizer_params": {"scales": [-1.0]}},
    {"lr": 1e38, "max_epochs": 3},
])
def test_failed_refit_keeps_every_fitted_attribute(X5, X3, change):
    ae = small().fit(X5)
    codes, state = ae.transform(X5), _fitted(ae)
    with pytest.raises((ValueError, FloatingPointError)):
        ae.set_params(**change).fit(X3 * (1e3 if "lr" in change else 1))
    assert _fitted(ae).keys() == state.keys()
    assert all(_fitted(ae)[k] is v for k, v in state.items())
    assert ae.n_features_in_ == 5
    np.testing.assert_array_equal(ae.transform(X5), codes)


def test_failed_refit_keeps_feature_names(X5):
    pd = pytest.importorskip("pandas")
    ae = small().fit(pd.DataFrame(X5, columns=list("abcde")))
    with pytest.raises(ValueError):
        ae.set_params(n_components=9).fit(pd.DataFrame(X5, columns=list("vwxyz")))
    assert list(ae.feature_names_in_) == list("abcde")
    ae.transform(pd.DataFrame(X5, columns=list("abcde")))


def test_failed_flow_refit_keeps_the_model(X5, X3):
    pytest.importorskip("zuko")
    from skgauss import GaussianFlow

    flow = GaussianFlow(n_transforms=1, hidden_layer_sizes=(8,), max_epochs=1,
                        random_state=0).fit(X5)
    codes, state = flow.transform(X5), _fitted(flow)
    with pytest.raises(ValueError):
        flow.set_params(n_components=7).fit(X3)
    assert all(_fitted(flow)[k] is v for k, v in state.items())
    np.testing.assert_array_equal(flow.transform(X5), codes)


def test_autoencoder_refuses_more_components_than_features(X3):
    with pytest.raises(ValueError, match="n_components=4 exceeds the 3 features"):
        small(n_components=4).fit(X3)
    small(n_components=3).fit(X3)


# ------------------------------------------------ item 4: non-finite weights detected
def test_warm_start_divergence_keeps_the_previous_model(X5):
    ae = small(warm_start=True).fit(X5)
    codes = ae.transform(X5)
    # one batch, one step: the loss stays finite, the weights do not
    with pytest.raises(NonFiniteLossError, match="non-finite values.*previous model"):
        ae.set_params(lr=1e38, max_epochs=1, batch_size=64).fit(X5)
    np.testing.assert_array_equal(ae.transform(X5), codes)
    assert all(torch.isfinite(p).all() for p in ae.net_.module_.parameters())


def _nan_gradient(z, *, generator=None):
    """A finite value (0) whose gradient is NaN: sqrt at 0 times 0."""
    return torch.sqrt(z - z).sum()


def test_nan_penalty_gradient_is_caught(X5):
    with pytest.raises(NonFiniteLossError, match="non-finite values"):
        small(regularizer=_nan_gradient, max_epochs=1, batch_size=64).fit(X5)


def test_flow_non_finite_weights_are_caught(X5):
    pytest.importorskip("zuko")
    from skgauss import GaussianFlow

    with pytest.raises(NonFiniteLossError):
        GaussianFlow(n_transforms=1, hidden_layer_sizes=(8,), max_epochs=1, batch_size=64,
                     lr=1e38, validation_fraction=0.0, random_state=0).fit(X5)


# --------------------------------------------- item 11: warm-start history numbering
def test_warm_start_history_epochs_continue(X5):
    ae = small(warm_start=True).fit(X5).fit(X5)
    assert [row["epoch"] for row in ae.history_] == [1, 2, 3, 4]
    ae = small().partial_fit(X5).partial_fit(X5).partial_fit(X5)
    assert [row["epoch"] for row in ae.history_] == [1, 2, 3]


# ------------------------------------------------ item 7: penalty options validated
@pytest.mark.parametrize("regularizer,options", [
    ("mmd", {"scales": []}),
    ("mmd", {"scales": [0]}),
    ("mmd", {"scales": [-1.0]}),
    ("mmd", {"bandwidth": 0.0}),
    ("mmd", {"kernel": "laplace"}),
    ("bhep", {"bandwidth": 0}),
    ("bhep", {"bandwidth": float("inf")}),
    ("edf", {"statistics": {"radii": -1.0}}),
    ("edf", {"statistics": {"radii": 0.0}}),
    ("edf", {"statistics": []}),
    ("edf", {"max_pairs": -5}),
    ("epps_pulley", {"t_max": -3}),
    ("epps_pulley", {"n_points": 0}),
    ("epps_pulley", {"n_points": 1}),
    ("epps_pulley", {"n_projections": -1}),
    ("sliced_wasserstein", {"n_projections": -1}),
    ("sliced_wasserstein", {"n_projections": 2.5}),
    ("cramer_wold", {"gamma": -1.0}),
    ("cramer_wold", {"log": "yes"}),
    ("adversarial", {"hidden_layer_sizes": (0,)}),
    ("adversarial", {"lr": -1.0}),
    ("adversarial", {"betas": (0.5,)}),
])
def test_invalid_penalty_options_refused_before_training(X5, regularizer, options,
                                                         monkeypatch):
    from skgauss._net import _SeededNet

    def no_training(*args, **kwargs):
        raise AssertionError("training started")

    monkeypatch.setattr(_SeededNet, "fit", no_training)
    option = next(iter(options))
    with pytest.raises(ValueError, match=f"'{option}' option of regularizer '{regularizer}'"):
        small(regularizer=regularizer, regularizer_params=options).fit(X5)
    with pytest.raises(ValueError, match=f"'{option}' option"):  # inside a dict too
        small(regularizer={regularizer: 1.0, "none": 1.0},
              regularizer_params={regularizer: options}).fit(X5)


def test_every_penalty_option_is_declared():
    """Contract: each registry entry constrains every option it accepts."""
    import inspect

    from skgauss.regularizers import REGULARIZERS

    for name, entry in REGULARIZERS.items():
        target = entry.__init__ if isinstance(entry, type) else entry
        options = {p.name for p in inspect.signature(target).parameters.values()
                   if p.kind is p.KEYWORD_ONLY} - {"generator", "logvar", "random_state"}
        assert options == set(getattr(entry, "constraints", {})), name


def test_valid_options_still_train(X5):
    small(regularizer="mmd", regularizer_params={"scales": [0.5, 2], "bandwidth": None},
          max_epochs=1).fit(X5)
    small(regularizer="edf", regularizer_params={"statistics": {"radii": 1.0, "distances": 0}},
          max_epochs=1).fit(X5)


# ------------------------------------------------- item 8: kl on unstandardised data
@pytest.mark.parametrize("alpha", [0.0, 1.0])
def test_kl_trains_on_unstandardised_data(alpha):
    X = np.random.RandomState(0).uniform(-1, 1, (60, 5)) * 1000
    ae = small(regularizer="kl", alpha=alpha, max_epochs=1).fit(X)
    assert np.isfinite(ae.net_.history[-1]["train_loss"])
    assert ae.transform(X).shape == (60, 2)


def test_soft_clip_is_identity_inside_and_finite_outside():
    from skgauss.nn import soft_clip

    x = torch.tensor([-1e30, -1e3, -5.0, 0.0, 19.9, 1e3, 3e38], requires_grad=True)
    y = soft_clip(x, 20.0)
    assert torch.equal(y[2:5], x[2:5])
    assert torch.isfinite(torch.exp(y)).all()
    y.sum().backward()
    assert (x.grad > 0).all()


# -------------------------------------------- item 10: settings refused before training
@pytest.mark.parametrize("setting,match", [
    ({"lr": float("inf")}, "lr"),
    ({"alpha": float("inf")}, "alpha"),
    ({"weight_decay": float("inf")}, "weight_decay"),
    ({"input_noise": float("inf")}, "input_noise"),
    ({"lr": float("nan")}, "lr"),
    ({"device": "meta"}, "device"),
    ({"device": "cuda:7"}, "device"),
    ({"callbacks": [object()]}, "callbacks"),
    ({"callbacks": ["early"]}, "callbacks"),
    ({"early_stopping": "no"}, "early_stopping"),
    ({"warm_start": "yes"}, "warm_start"),
    ({"verbose": -1}, "verbose"),
])
def test_bad_settings_are_clear_errors(X5, setting, match):
    with pytest.raises((ValueError, TypeError), match=match):
        small(**setting).fit(X5)


def test_bad_flow_settings_are_clear_errors(X5):
    pytest.importorskip("zuko")
    from skgauss import GaussianFlow

    for setting in ({"lr": float("inf")}, {"device": "meta"}, {"early_stopping": "no"}):
        with pytest.raises(ValueError, match=next(iter(setting))):
            GaussianFlow(max_epochs=1, **setting).fit(X5)


@pytest.mark.parametrize("result", [0.5, "vector"])
def test_custom_regularizer_must_return_a_scalar_tensor(X5, result):
    def bad(z, *, generator=None):
        return 0.5 if result == 0.5 else z.mean(0)

    with pytest.raises(TypeError, match="must return a scalar torch tensor"):
        small(regularizer=bad).fit(X5)


def test_huge_input_is_an_input_error(X5):
    with pytest.raises(ValueError, match="standardise X"):
        small().fit(X5 * 1e30)
    small(max_epochs=1).fit(X5 * 1e6)  # large but trainable


# ------------------------------------------------ item 6: reproducible fits in threads
def _fit_in_threads(make, X, seeds):
    results = {}

    def run(seed):
        results[seed] = make(seed).fit(X).transform(X)

    threads = [threading.Thread(target=run, args=(s,)) for s in seeds]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


@pytest.mark.parametrize("regularizer", ["sliced_wasserstein", "adversarial"])
def test_fits_in_threads_match_sequential_fits(X5, regularizer):
    def make(seed):
        return small(regularizer=regularizer, random_state=seed, max_epochs=3)

    seeds = [0, 1, 2, 3]
    sequential = {s: make(s).fit(X5).transform(X5) for s in seeds}
    state = torch.random.get_rng_state()
    threaded = _fit_in_threads(make, X5, seeds)
    assert torch.equal(state, torch.random.get_rng_state()), "the global RNG moved"
    for s in seeds:
        np.testing.assert_array_equal(threaded[s], sequential[s])


def test_flow_fits_in_threads_match_sequential_fits(X5):
    pytest.importorskip("zuko")
    from skgauss import GaussianFlow

    def make(seed):
        return GaussianFlow(n_transforms=1, hidden_layer_sizes=(8,), max_epochs=2,
                            random_state=seed)

    sequential = {s: make(s).fit(X5).transform(X5) for s in range(3)}
    state = torch.random.get_rng_state()
    threaded = _fit_in_threads(make, X5, range(3))
    assert torch.equal(state, torch.random.get_rng_state())
    for s in range(3):
        np.testing.assert_array_equal(threaded[s], sequential[s])


def test_initialisation_does_not_touch_the_global_rng(X5):
    torch.manual_seed(123)
    expected = torch.rand(3)
    torch.manual_seed(123)
    small(regularizer="adversarial", max_epochs=1).fit(X5)
    assert torch.equal(torch.rand(3), expected)
