"""Data-parallel fit (``distributed=True``): two gloo processes on loopback
train the same model as one process on the same global batches."""

import os
import socket
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

import skgauss
from skgauss import GaussianAutoencoder

sys.path.insert(0, str(Path(__file__).parent))
import dp_worker  # noqa: E402

pytestmark = pytest.mark.skipif(
    not torch.distributed.is_available(), reason="torch without torch.distributed")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def two_process_run(tmp_path_factory):
    """Launch dp_worker.py as ranks 0 and 1 of a gloo group; return its arrays."""
    out = tmp_path_factory.mktemp("dp") / "rank0.npz"
    root = str(Path(skgauss.__file__).parent.parent)  # the skgauss under test
    port = str(_free_port())
    procs = []
    for rank in (0, 1):
        env = dict(os.environ, RANK=str(rank), WORLD_SIZE="2", LOCAL_RANK=str(rank),
                   MASTER_ADDR="127.0.0.1", MASTER_PORT=port, OMP_NUM_THREADS="1",
                   PYTHONPATH=os.pathsep.join([root, os.environ.get("PYTHONPATH", "")]))
        procs.append(subprocess.Popen(
            [sys.executable, str(Path(dp_worker.__file__)), str(out)], env=env,
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True))
    logs = [p.communicate(timeout=240)[0] for p in procs]
    assert all(p.returncode == 0 for p in procs), "\n".join(logs)
    return dict(np.load(out), model=str(out) + ".model")


@pytest.mark.parametrize("name", list(dp_worker.CONFIGS))
def test_two_processes_match_one(two_process_run, name):
    X = dp_worker.data()
    single = dp_worker.summary(dp_worker.make_model(name).fit(X), X)
    params = two_process_run[f"{name}/params"]
    scale = np.abs(single["params"]).max()
    assert np.abs(params - single["params"]).max() <= 1e-5 * scale
    np.testing.assert_allclose(two_process_run[f"{name}/penalty"], single["penalty"],
                               rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(two_process_run[f"{name}/codes"], single["codes"],
                               rtol=1e-4, atol=1e-5)


def test_saved_result_is_an_ordinary_estimator(two_process_run):
    """The model trained in two processes saves there and loads, transforms
    and samples here, in a process without any process group."""
    X = dp_worker.data()
    loaded = skgauss.load(two_process_run["model"])
    assert not torch.distributed.is_initialized()
    np.testing.assert_array_equal(loaded.transform(X),
                                  two_process_run["sliced_wasserstein/codes"])
    assert loaded.sample(3, random_state=0).shape == (3, X.shape[1])


def test_gradient_sum_is_the_global_gradient():
    """The per-process losses' gradients add up to the one-process gradient
    (checked without processes: the share-wise losses, summed)."""
    from skgauss._distributed import shard_bounds

    torch.manual_seed(0)
    lin = torch.nn.Linear(3, 2)
    X = torch.randn(11, 3)
    pen = skgauss.regularizers.bhep

    def full():
        lin.zero_grad()
        z = lin(X)
        (z.square().mean() + pen(z)).backward()
        return torch.cat([p.grad.reshape(-1) for p in lin.parameters()])

    def shares(world):
        total = 0
        for lo, hi in shard_bounds(len(X), world):
            lin.zero_grad()
            z_own = lin(X[lo:hi])
            z_all = torch.cat([lin(X[:lo]).detach(), z_own, lin(X[hi:]).detach()])
            (z_own.square().sum() / z_all.numel() + pen(z_all)).backward()
            total = total + torch.cat([p.grad.reshape(-1) for p in lin.parameters()])
        return total

    torch.testing.assert_close(shares(3), full(), rtol=1e-5, atol=1e-6)
    torch.testing.assert_close(shares(2), full(), rtol=1e-5, atol=1e-6)


def test_shard_bounds_cover_the_batch():
    from skgauss._distributed import shard_bounds

    assert shard_bounds(7, 3) == [(0, 3), (3, 5), (5, 7)]
    assert shard_bounds(2, 2) == [(0, 1), (1, 2)]


def test_without_a_process_group_the_error_says_how_to_launch(monkeypatch):
    for key in ("RANK", "WORLD_SIZE", "MASTER_ADDR", "MASTER_PORT"):
        monkeypatch.delenv(key, raising=False)
    X = dp_worker.data()
    model = GaussianAutoencoder(distributed=True, max_epochs=1)
    with pytest.raises(ValueError, match="torchrun"):
        model.fit(X)
    assert not hasattr(model, "net_")


def test_distributed_must_be_a_bool():
    with pytest.raises(TypeError, match="distributed"):
        GaussianAutoencoder(distributed="yes", max_epochs=1).fit(dp_worker.data())
