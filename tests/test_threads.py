"""Thread policy of the estimators (skgauss._threads): the count each network call
uses, and the caller's torch and BLAS settings given back afterwards."""

import os

import numpy as np
import pytest
import torch
from threadpoolctl import threadpool_info

from skgauss import GaussianAutoencoder, GaussianFlow, _threads
from skgauss._net import _SeededNet


def _blas_threads() -> set[int]:
    return {lib["num_threads"] for lib in threadpool_info() if lib["user_api"] == "blas"}


@pytest.fixture
def caller_threads():
    """The caller set 3 torch threads (more than the policy picks for tiny nets)."""
    before = torch.get_num_threads()
    torch.set_num_threads(3)
    yield 3
    torch.set_num_threads(before)


@pytest.fixture
def record(monkeypatch):
    """Torch and BLAS thread counts seen by every training step and every linear layer."""
    seen = {"train": [], "linear": [], "blas": []}
    train_step = _SeededNet.train_step
    linear = torch.nn.functional.linear

    def recording_step(self, batch, **kw):
        seen["train"].append(torch.get_num_threads())
        seen["blas"].append(_blas_threads())
        return train_step(self, batch, **kw)

    def recording_linear(*args, **kw):
        seen["linear"].append(torch.get_num_threads())
        return linear(*args, **kw)

    monkeypatch.setattr(_SeededNet, "train_step", recording_step)
    monkeypatch.setattr(torch.nn.functional, "linear", recording_linear)
    return seen


def _models(**kw):
    pytest.importorskip("zuko")
    return [
        GaussianAutoencoder(2, hidden_layer_sizes=(8,), max_epochs=2, batch_size=32,
                            random_state=0, **kw),
        GaussianFlow(n_transforms=1, hidden_layer_sizes=(8,), max_epochs=2, batch_size=32,
                     random_state=0, **kw),
    ]


@pytest.fixture
def X():
    return np.random.RandomState(0).standard_normal((80, 3))


@pytest.mark.parametrize("index", [0, 1], ids=["autoencoder", "flow"])
def test_small_network_runs_on_one_thread_and_restores_the_callers(
        index, X, caller_threads, record):
    est = _models()[index].fit(X)
    assert record["train"] and set(record["train"]) == {1}
    if record["blas"][0]:  # numpy's BLAS is limited too
        assert record["blas"][0] == {1}
    assert torch.get_num_threads() == caller_threads
    record["linear"].clear()
    est.inverse_transform(est.transform(X))
    assert record["linear"] and set(record["linear"]) == {1}
    assert torch.get_num_threads() == caller_threads


@pytest.mark.parametrize("index", [0, 1], ids=["autoencoder", "flow"])
def test_explicit_n_threads_is_used_and_restored(index, X, caller_threads, record):
    est = _models(n_threads=2)[index].fit(X)
    assert set(record["train"]) == {2}
    record["linear"].clear()
    est.transform(X)
    assert set(record["linear"]) == {2}
    assert torch.get_num_threads() == caller_threads


def test_settings_restored_when_fit_fails(X, caller_threads, monkeypatch):
    def failing_step(self, batch, **kw):
        assert torch.get_num_threads() == 1
        raise RuntimeError("boom")

    monkeypatch.setattr(_SeededNet, "train_step", failing_step)
    blas = _blas_threads()
    for est in _models():
        with pytest.raises(RuntimeError, match="boom"):
            est.fit(X)
        assert torch.get_num_threads() == caller_threads
        assert _blas_threads() == blas


def test_wide_network_takes_the_free_cores(X, caller_threads, record, monkeypatch):
    monkeypatch.setattr(_threads, "usable_cores", lambda: 2)
    monkeypatch.setattr(_threads, "other_busy_cores", lambda: 0.0)
    # the wide network only: a latent flow is a small network of its own (one thread)
    wide = GaussianAutoencoder(2, hidden_layer_sizes=(1024, 1024), max_epochs=1,
                               batch_size=1024, validation_fraction=0.0, random_state=0,
                               latent_flow=None)
    wide.fit(X)
    assert set(record["train"]) == {2}
    # the same network with the other core busy stays on one thread
    monkeypatch.setattr(_threads, "other_busy_cores", lambda: 1.0)
    record["train"].clear()
    wide.fit(X)
    assert set(record["train"]) == {1}
    assert torch.get_num_threads() == caller_threads


@pytest.mark.parametrize(
    ("n_threads", "work", "device", "busy", "expected"),
    [
        (None, 1e6, "cpu", 0.0, 1),  # small: one thread, no probe
        (None, 5 * _threads.WORK_PER_THREAD, "cpu", 0.0, 4),
        (None, 3 * _threads.WORK_PER_THREAD, "cpu", 0.0, 3),
        (None, 100 * _threads.WORK_PER_THREAD, "cpu", 2.6, 1),  # others leave 1.4
        (None, 100 * _threads.WORK_PER_THREAD, "cpu", 1.4, 3),
        (None, 100 * _threads.WORK_PER_THREAD, "cuda", 0.0, 1),
        (-1, 1.0, "cpu", 3.0, 4),
        (3, 1.0, "cpu", 3.0, 3),
    ],
)
def test_choose_threads(n_threads, work, device, busy, expected, monkeypatch):
    monkeypatch.setattr(_threads, "usable_cores", lambda: 4)
    monkeypatch.setattr(_threads, "other_busy_cores", lambda: busy)
    assert _threads.choose_threads(n_threads, work, device) == expected


def test_other_busy_cores_subtracts_this_process(monkeypatch):
    # machine CPU-seconds grow by 1.5 per wall second, this process's by 0.5
    clock = iter([(10.0, 100.0, 7.0), (10.2, 100.3, 7.1)])
    monkeypatch.setattr(_threads, "_snapshot", lambda: next(clock))
    monkeypatch.setattr(_threads, "_last_probe", None)
    monkeypatch.setattr(_threads.time, "sleep", lambda s: None)
    assert _threads.other_busy_cores() == pytest.approx(1.0)
    assert _threads._last_probe == (10.2, 100.3, 7.1)


def test_other_busy_cores_reads_this_machine():
    busy = _threads.other_busy_cores()  # at most every core of the machine, plus tick rounding
    assert 0.0 <= busy <= 1.5 * os.cpu_count() + 0.5


@pytest.mark.parametrize("bad", [0, -2, 1.5, True, "2"])
def test_bad_n_threads(bad, X):
    for est in _models(n_threads=bad):
        with pytest.raises(ValueError, match=r"'n_threads' parameter of Gaussian\w+ must be"):
            est.fit(X)


def test_inference_threads_count_one_padded_block(monkeypatch):
    """Every transform call is padded to BLOCK rows, so the thread count is that
    of one block, however many rows (and no /proc/stat probe for the default)."""
    from skgauss import GaussianAutoencoder

    monkeypatch.setattr(_threads, "other_busy_cores", lambda: pytest.fail("probed"))
    ae = GaussianAutoencoder()
    module = torch.nn.Linear(64, 128)
    assert _threads.inference_threads(ae, module, 10) == 1
    assert _threads.inference_threads(ae, module, 10**6) == 1
