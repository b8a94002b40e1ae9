"""skgauss.save / skgauss.load: safe round trips and refusal of tampered files."""

import json
import pickle
import shutil
from functools import partial

import numpy as np
import pytest
import torch
from _factories import autoencoder

import skgauss
from skgauss import GaussianAutoencoder

small = partial(autoencoder, max_epochs=2)


@pytest.fixture(scope="module")
def X():
    return np.random.RandomState(0).randn(100, 4)


@pytest.fixture
def saved(tmp_path, X):
    return skgauss.save(small().fit(X), tmp_path / "model")


def live(path):
    """The version folder that the pointer file of a saved model names."""
    return path / (path / "CURRENT").read_text()


@pytest.mark.parametrize("regularizer", ["sliced_wasserstein", "kl", "adversarial",
                                         {"edf": 1.0, "mmd": 0.5}])
def test_roundtrip_identical_codes_and_samples(tmp_path, X, regularizer, monkeypatch):
    est = small(regularizer=regularizer).fit(X)
    skgauss.save(est, tmp_path / "m")

    def boom(*args, **kwargs):
        raise AssertionError("the load path must not unpickle")

    monkeypatch.setattr(pickle, "loads", boom)
    monkeypatch.setattr(pickle, "load", boom)
    monkeypatch.setattr(pickle, "Unpickler", boom)
    monkeypatch.setattr(torch, "load", boom)
    loaded = skgauss.load(tmp_path / "m")
    np.testing.assert_array_equal(est.transform(X), loaded.transform(X))
    np.testing.assert_array_equal(est.sample(5, random_state=1), loaded.sample(5, random_state=1))
    assert loaded.get_params() == est.get_params()
    assert loaded.history_ == est.history_ and loaded.n_iter_ == est.n_iter_


def test_feature_names_survive(tmp_path, X):
    pd = pytest.importorskip("pandas")
    df = pd.DataFrame(X, columns=list("abcd"))
    est = small().fit(df)
    loaded = skgauss.load(skgauss.save(est, tmp_path / "m"))
    assert list(loaded.feature_names_in_) == list("abcd")
    np.testing.assert_array_equal(est.transform(df), loaded.transform(df))


def test_refuses_unsaveable_parameters(tmp_path, X):
    def mine(z, *, generator=None):
        return z.pow(2).mean()

    with pytest.raises(TypeError, match="REGULARIZERS"):
        skgauss.save(small(regularizer=mine).fit(X), tmp_path / "a")
    with pytest.raises(TypeError, match="random_state"):
        skgauss.save(small(random_state=np.random.RandomState(0)).fit(X), tmp_path / "b")
    with pytest.raises(Exception, match="not fitted"):
        skgauss.save(small(), tmp_path / "c")


def test_missing_files(saved):
    (live(saved) / "weights.safetensors").unlink()
    with pytest.raises(ValueError, match="missing"):
        skgauss.load(saved)


def _edit_params(path, edit):
    meta = json.loads((live(path) / "params.json").read_text())
    edit(meta)
    (live(path) / "params.json").write_text(json.dumps(meta))


@pytest.mark.parametrize("edit,match", [
    (lambda m: m["params"].update(evil=1), "unknown parameters"),
    (lambda m: m.update(extra=1), "expected exactly the keys"),
    (lambda m: m.update({"class": "os.system"}), "unknown class"),
    (lambda m: m["params"].update(hidden_layer_sizes={"__tuple__": [8]}), "weight"),
    (lambda m: m["fitted"].update(n_features_in_=7), "shape"),
    (lambda m: m["fitted"].update(width=7, extra=1), "keys"),
    (lambda m: m["fitted"].update(dtype="object"), "dtype"),
    (lambda m: m["params"].update(n_components=0), "n_components"),
    (lambda m: m["params"].update(hidden_layer_sizes={"__tuple__": [10**9]}), "shape"),
    (lambda m: m["params"].update(callbacks=[1]), "callbacks"),
    (lambda m: m["params"].update(verbose="x"), "no valid model"),
    (lambda m: m.update(params=[{}]), "JSON object"),
    (lambda m: m["fitted"].update(seed=[1]), "seed"),
    (lambda m: m["fitted"].update(seed=2**70), "seed"),
    (lambda m: m["fitted"].update(n_features_in_=True), "n_features_in_"),
    (lambda m: m["fitted"].update(history_=5), "history_"),
])
def test_tampered_params(saved, edit, match):
    _edit_params(saved, edit)
    with pytest.raises(ValueError, match=match):
        skgauss.load(saved)


def test_tampered_weights(saved, tmp_path, X):
    other = skgauss.save(small(hidden_layer_sizes=(8,)).fit(X), tmp_path / "other")
    shutil.copy(live(other) / "weights.safetensors", live(saved) / "weights.safetensors")
    with pytest.raises(ValueError, match="shape"):
        skgauss.load(saved)
    (live(saved) / "weights.safetensors").write_bytes(b"not a safetensors file")
    with pytest.raises(ValueError, match="safetensors"):
        skgauss.load(saved)
    (live(saved) / "params.json").write_text("{not json")
    with pytest.raises(ValueError, match="JSON"):
        skgauss.load(saved)


def test_unexpected_array(saved):
    np.savez(live(saved) / "arrays.npz", payload=np.zeros(3))
    with pytest.raises(ValueError, match="unexpected arrays"):
        skgauss.load(saved)


@pytest.mark.skipif(torch.cuda.is_available(), reason="checks the CPU-only fallback")
def test_cuda_model_loads_on_cpu(saved, X):
    _edit_params(saved, lambda m: m["params"].update(device="cuda"))
    with pytest.warns(UserWarning, match="no CUDA"):
        loaded = skgauss.load(saved)
    assert loaded.device == "cpu"
    # the same weights as the model saved (small() is seeded: refit it to compare)
    np.testing.assert_array_equal(loaded.transform(X), small().fit(X).transform(X))


def test_flow_roundtrip(tmp_path, X):
    pytest.importorskip("zuko")
    from skgauss import GaussianFlow

    for n_components in (None, 2):
        flow = GaussianFlow(n_components=n_components, n_transforms=2, hidden_layer_sizes=(16,),
                            max_epochs=2, random_state=0).fit(X)
        loaded = skgauss.load(skgauss.save(flow, tmp_path / f"flow{n_components}"))
        np.testing.assert_array_equal(flow.transform(X), loaded.transform(X))
        np.testing.assert_array_equal(flow.score_samples(X), loaded.score_samples(X))
        np.testing.assert_array_equal(flow.sample(3, random_state=0),
                                      loaded.sample(3, random_state=0))


def test_tampered_discriminator_refused_before_allocation(tmp_path, X, monkeypatch):
    # a discriminator of 10**9 units would need ~GBs: refused from shapes on `meta`
    path = skgauss.save(small(regularizer="adversarial").fit(X), tmp_path / "adv")
    _edit_params(path, lambda m: m["params"].update(
        regularizer_params={"hidden_layer_sizes": {"__tuple__": [10**9]}}))
    real_linear = torch.nn.Linear

    def guarded(n_in, n_out, *args, **kwargs):
        big = max(n_in, n_out) >= 10**6
        assert not big or torch.get_default_device().type == "meta", "would allocate"
        return real_linear(n_in, n_out, *args, **kwargs)

    monkeypatch.setattr(torch.nn, "Linear", guarded)
    with pytest.raises(ValueError, match="penalty"):
        skgauss.load(path)


def test_load_leaves_global_rng_alone(saved):
    state = torch.random.get_rng_state()
    skgauss.load(saved)
    assert torch.equal(state, torch.random.get_rng_state())


def test_failed_save_leaves_previous_files(saved, X, monkeypatch):
    import safetensors.torch

    before = {f: (live(saved) / f).read_bytes() for f in ("params.json", "arrays.npz",
                                                          "weights.safetensors")}

    def fail(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(safetensors.torch, "save_file", fail)
    with pytest.raises(OSError, match="disk full"):
        skgauss.save(small(hidden_layer_sizes=(8,)).fit(X), saved)
    assert {f: (live(saved) / f).read_bytes() for f in before} == before
    assert sorted(p.name for p in saved.iterdir()) == sorted(["CURRENT", live(saved).name])


# ------------------------------------------------- issue 16 item 1: trained params
@pytest.mark.parametrize("change", [
    {"n_components": 3},
    {"hidden_layer_sizes": (8,)},
    {"activation": "tanh"},
    {"regularizer": "kl"},
    {"regularizer": "adversarial"},
])
def test_save_writes_the_trained_hyperparameters(tmp_path, X, change):
    est = small().fit(X)
    codes = est.transform(X)
    est.set_params(**change)
    loaded = skgauss.load(skgauss.save(est, tmp_path / "m"))
    np.testing.assert_array_equal(loaded.transform(X), codes)
    assert loaded.get_params()["activation"] == "relu"
    assert loaded.get_params()["n_components"] == 2


def test_save_after_set_params_from_kl(tmp_path, X):
    est = small(regularizer="kl").fit(X)
    codes = est.transform(X)
    loaded = skgauss.load(skgauss.save(est.set_params(regularizer="mmd"), tmp_path / "m"))
    assert loaded.regularizer == "kl"
    np.testing.assert_array_equal(loaded.transform(X), codes)


def test_model_fitted_with_empty_callbacks_loads(tmp_path, X):
    est = small(callbacks=[]).fit(X)
    loaded = skgauss.load(skgauss.save(est, tmp_path / "m"))
    np.testing.assert_array_equal(loaded.transform(X), est.transform(X))


@pytest.mark.parametrize("change", [{"n_components": 1}, {"n_transforms": 1},
                                    {"hidden_layer_sizes": (4,)}])
def test_flow_save_writes_the_trained_hyperparameters(tmp_path, X, change):
    pytest.importorskip("zuko")
    from skgauss import GaussianFlow

    flow = GaussianFlow(n_components=2, n_transforms=2, hidden_layer_sizes=(8,),
                        max_epochs=1, random_state=0).fit(X)
    codes = flow.transform(X)
    loaded = skgauss.load(skgauss.save(flow.set_params(**change), tmp_path / "f"))
    np.testing.assert_array_equal(loaded.transform(X), codes)
    assert loaded.n_components == 2 and loaded.n_transforms == 2


# ------------------------------------------------------- issue 16 item 2: atomic
def test_save_over_a_model_swaps_the_pointer_and_cleans(saved, X):
    old = live(saved)
    (saved / ".tmp-deadbeef").mkdir()  # a killed save's leftovers
    (saved / "v-0123abcd").mkdir()
    other = small(random_state=1).fit(X)
    skgauss.save(other, saved)
    assert live(saved) != old
    assert sorted(p.name for p in saved.iterdir()) == sorted(["CURRENT", live(saved).name])
    np.testing.assert_array_equal(skgauss.load(saved).transform(X), other.transform(X))


def test_load_ignores_leftovers_and_reads_the_old_layout(saved, X, tmp_path):
    est = skgauss.load(saved)
    (saved / ".tmp-0001").mkdir()
    (saved / ".tmp-0001" / "params.json").write_text("garbage")
    np.testing.assert_array_equal(skgauss.load(saved).transform(X), est.transform(X))
    # format 1 (skgauss 0.1): the three files directly in the folder
    old = tmp_path / "v1"
    shutil.copytree(live(saved), old)
    meta = json.loads((old / "params.json").read_text())
    meta["format_version"] = 1
    del meta["set_output"]
    meta["fitted"]["width"] = 4
    (old / "params.json").write_text(json.dumps(meta))
    np.testing.assert_array_equal(skgauss.load(old).transform(X), est.transform(X))
    skgauss.save(est, old)  # saving over it moves it to the new layout
    assert not (old / "params.json").exists()
    np.testing.assert_array_equal(skgauss.load(old).transform(X), est.transform(X))


def test_pointer_to_a_missing_version_is_refused(saved):
    (saved / "CURRENT").write_text("v-feedface")
    with pytest.raises(ValueError, match="CURRENT"):
        skgauss.load(saved)
    (saved / "CURRENT").write_text("../../etc")
    with pytest.raises(ValueError, match="CURRENT"):
        skgauss.load(saved)


# ------------------------------------------------- issue 16 item 9: hostile files
def _arrays(saved) -> dict:
    """The saved arrays but the feature names (the decoder covariance, the latent
    flow's standardisation, ...): a test replaces one array, the others stay."""
    with np.load(live(saved) / "arrays.npz") as arrays:
        return {k: arrays[k] for k in arrays.files if k != "feature_names_in_"}


def test_huge_declared_array_refused_before_decompression(saved, monkeypatch):
    # 40 MB of zeros compress to ~40 KB: refused from the .npy header alone
    np.savez_compressed(live(saved) / "arrays.npz",  # the huge array first
                        feature_names_in_=np.zeros(10**7, dtype="U1"), **_arrays(saved))

    def boom(*args, **kwargs):
        raise AssertionError("decompressed before the shape check")

    monkeypatch.setattr(np.lib.format, "read_array", boom)
    with pytest.raises(ValueError, match="arrays.npz.*shape"):
        skgauss.load(saved)


def test_huge_flow_refused_before_building(tmp_path, X, monkeypatch):
    pytest.importorskip("zuko")
    from skgauss import GaussianFlow, _flow

    path = skgauss.save(GaussianFlow(n_transforms=1, hidden_layer_sizes=(8,), max_epochs=1,
                                     random_state=0).fit(X), tmp_path / "f")
    _edit_params(path, lambda m: m["params"].update(
        hidden_layer_sizes={"__tuple__": [20000, 20000]}))

    def boom(*args, **kwargs):
        raise AssertionError("built the flow before checking its size")

    monkeypatch.setattr(_flow, "_FlowModule", boom)
    with pytest.raises(ValueError, match="at least"):
        skgauss.load(path)


@pytest.mark.parametrize("corrupt,match", [
    (lambda d: (d / "params.json").write_text("[" * 100000 + "]" * 100000), "params.json"),
    (lambda d: (d / "params.json").write_text("[]"), "params.json"),
    (lambda d: (d / "params.json").write_bytes(b"\xff\xfe"), "params.json"),
    (lambda d: (d / "arrays.npz").write_bytes(b"PK\x03\x04trunc"), "arrays.npz"),
    (lambda d: (d / "arrays.npz").write_bytes(b""), "arrays.npz"),
    (lambda d: (d / "weights.safetensors").write_bytes(b""), "safetensors"),
    (lambda d: (d / "weights.safetensors").write_bytes(
        (d / "weights.safetensors").read_bytes()[:-7]), "safetensors"),
])
def test_malformed_files_raise_value_error_naming_the_file(saved, corrupt, match):
    corrupt(live(saved))
    with pytest.raises(ValueError, match=match):
        skgauss.load(saved)


def test_non_finite_weights_refused(saved):
    from safetensors.torch import load_file, save_file

    file = live(saved) / "weights.safetensors"
    tensors = load_file(str(file))
    key = next(k for k in tensors if k.startswith("module."))
    tensors[key][0] = float("nan")
    save_file(tensors, str(file))
    with pytest.raises(ValueError, match="non-finite"):
        skgauss.load(saved)


def test_negative_scale_refused(tmp_path, X):
    pytest.importorskip("zuko")
    from skgauss import GaussianFlow

    path = skgauss.save(GaussianFlow(n_transforms=1, hidden_layer_sizes=(8,), max_epochs=1,
                                     random_state=0).fit(X), tmp_path / "f")
    with np.load(live(path) / "arrays.npz") as arrays:
        content = dict(arrays)
    content["scale_"] = -content["scale_"]
    np.savez(live(path) / "arrays.npz", **content)
    with pytest.raises(ValueError, match="scale_"):
        skgauss.load(path)


@pytest.mark.parametrize("names", [np.array(["a", "a", "b", "c"]), np.arange(4.0)])
def test_bad_feature_names_refused(saved, names):
    np.savez(live(saved) / "arrays.npz", **_arrays(saved), feature_names_in_=names)
    with pytest.raises(ValueError, match="feature_names_in_"):
        skgauss.load(saved)


# ---------------------------------------------------------- issue 15 item 3 (API)
def test_load_keeps_set_output(tmp_path, X):
    pd = pytest.importorskip("pandas")
    est = small().fit(X).set_output(transform="pandas")
    loaded = skgauss.load(skgauss.save(est, tmp_path / "m"))
    assert isinstance(loaded.transform(X), pd.DataFrame)
    assert isinstance(loaded.sample(2, random_state=0), pd.DataFrame)


def test_saving_a_pipeline_says_what_to_do(tmp_path, X):
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    pipe = make_pipeline(StandardScaler(), small()).fit(X)
    with pytest.raises(TypeError, match=r"named_steps.*skops"):
        skgauss.save(pipe, tmp_path / "p")


def test_non_finite_loss_error_is_public():
    assert issubclass(skgauss.NonFiniteLossError, FloatingPointError)
    assert "NonFiniteLossError" in skgauss.__all__
    assert skgauss.NonFiniteLossError.__module__ == "skgauss"


def test_adversarial_optimizer_state_is_saved(tmp_path, X):
    """The discriminator's Adam moments and step count survive save/load, so a
    warm start after loading continues the same discriminator."""
    ae = GaussianAutoencoder(n_components=2, regularizer="adversarial", max_epochs=2,
                             hidden_layer_sizes=(8,), random_state=0).fit(X)
    skgauss.save(ae, tmp_path / "m")
    loaded = skgauss.load(tmp_path / "m")
    before, after = ae.net_.penalty_.state_dict(), loaded.net_.penalty_.state_dict()
    assert float(before["stateful.0.optimizer.0.step"]) > 0
    assert before.keys() == after.keys()
    for key in before:
        torch.testing.assert_close(after[key], before[key], rtol=0, atol=0)
