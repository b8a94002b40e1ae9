"""skgauss.save / skgauss.load: safe round trips and refusal of tampered files."""

import json
import pickle
import shutil

import numpy as np
import pytest
import torch

import skgauss
from skgauss import GaussianAutoencoder


def small(**kw):
    params = dict(n_components=2, hidden_layer_sizes=(16,), max_epochs=2, batch_size=32,
                  random_state=0)
    params.update(kw)
    return GaussianAutoencoder(**params)


@pytest.fixture(scope="module")
def X():
    return np.random.RandomState(0).randn(100, 4)


@pytest.fixture
def saved(tmp_path, X):
    return skgauss.save(small().fit(X), tmp_path / "model")


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
    (saved / "weights.safetensors").unlink()
    with pytest.raises(ValueError, match="missing"):
        skgauss.load(saved)


def _edit_params(path, edit):
    meta = json.loads((path / "params.json").read_text())
    edit(meta)
    (path / "params.json").write_text(json.dumps(meta))


@pytest.mark.parametrize("edit,match", [
    (lambda m: m["params"].update(evil=1), "unknown parameters"),
    (lambda m: m.update(extra=1), "expected exactly the keys"),
    (lambda m: m.update({"class": "os.system"}), "unknown class"),
    (lambda m: m["params"].update(hidden_layer_sizes={"__tuple__": [8]}), "weight"),
    (lambda m: m["fitted"].update(n_features_in_=7), "disagree"),
    (lambda m: m["fitted"].update(n_features_in_=7, width=7), "weight"),
    (lambda m: m["fitted"].update(dtype="object"), "dtype"),
    (lambda m: m["params"].update(n_components=0), "n_components"),
    (lambda m: m["params"].update(hidden_layer_sizes={"__tuple__": [10**9]}), "shape"),
    (lambda m: m["params"].update(callbacks=[1]), "callbacks"),
    (lambda m: m["params"].update(verbose="x"), "no valid model"),
    (lambda m: m.update(params=[{}]), "JSON object"),
    (lambda m: m["fitted"].update(seed=[1]), "seed"),
    (lambda m: m["fitted"].update(n_features_in_=True), "n_features_in_"),
    (lambda m: m["fitted"].update(history_=5), "history_"),
])
def test_tampered_params(saved, edit, match):
    _edit_params(saved, edit)
    with pytest.raises(ValueError, match=match):
        skgauss.load(saved)


def test_tampered_weights(saved, tmp_path, X):
    other = skgauss.save(small(hidden_layer_sizes=(8,)).fit(X), tmp_path / "other")
    shutil.copy(other / "weights.safetensors", saved / "weights.safetensors")
    with pytest.raises(ValueError, match="shape"):
        skgauss.load(saved)
    (saved / "weights.safetensors").write_bytes(b"not a safetensors file")
    with pytest.raises(ValueError, match="safetensors"):
        skgauss.load(saved)
    (saved / "params.json").write_text("{not json")
    with pytest.raises(ValueError, match="JSON"):
        skgauss.load(saved)


def test_unexpected_array(saved):
    np.savez(saved / "arrays.npz", payload=np.zeros(3))
    with pytest.raises(ValueError, match="unexpected arrays"):
        skgauss.load(saved)


@pytest.mark.skipif(torch.cuda.is_available(), reason="checks the CPU-only fallback")
def test_cuda_model_loads_on_cpu(saved, X):
    _edit_params(saved, lambda m: m["params"].update(device="cuda"))
    with pytest.warns(UserWarning, match="no CUDA"):
        loaded = skgauss.load(saved)
    assert loaded.device == "cpu"
    assert np.isfinite(loaded.transform(X)).all()


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
    with pytest.raises(ValueError, match="penalty.*shape"):
        skgauss.load(path)


def test_load_leaves_global_rng_alone(saved):
    state = torch.random.get_rng_state()
    skgauss.load(saved)
    assert torch.equal(state, torch.random.get_rng_state())


def test_failed_save_leaves_previous_files(saved, X, monkeypatch):
    import safetensors.torch

    before = {f: (saved / f).read_bytes() for f in ("params.json", "arrays.npz",
                                                    "weights.safetensors")}

    def fail(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(safetensors.torch, "save_file", fail)
    with pytest.raises(OSError, match="disk full"):
        skgauss.save(small(hidden_layer_sizes=(8,)).fit(X), saved)
    assert {f: (saved / f).read_bytes() for f in before} == before
    assert not list(saved.parent.glob(".skgauss-save-*"))
