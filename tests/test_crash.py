"""Crash consistency of skgauss.save (issue 16): a process killed by SIGKILL at a
random moment while saving over a model leaves a folder that loads as exactly one
of the two models, and every leftover is removed by the next save."""

import os
import random
import signal
import sys
import time

import numpy as np
import pytest

import skgauss
from skgauss import GaussianAutoencoder

pytestmark = pytest.mark.skipif(not hasattr(os, "fork") or sys.platform == "darwin",
                                reason="uses os.fork")

N_KILLS = 24


def _child(models, path, slow: bool) -> None:
    """Save the two models over ``path`` in turns until killed."""
    if slow:  # widen the windows between the renames
        real = os.replace

        def slow_replace(src, dst):
            time.sleep(0.003)
            real(src, dst)
            time.sleep(0.003)

        os.replace = slow_replace
    while True:
        for model in models:
            skgauss.save(model, path)


def _wait_for_saves(path, count: int, timeout: float = 120.0) -> None:
    """Return once the pointer file of ``path`` has changed ``count`` times."""
    last, seen, deadline = (path / "CURRENT").read_text(), 0, time.monotonic() + timeout
    while seen < count:
        assert time.monotonic() < deadline, "the saving child made no progress"
        time.sleep(0.0005)
        try:
            now = (path / "CURRENT").read_text()
        except FileNotFoundError:  # never expected: the pointer is replaced atomically
            raise AssertionError("the pointer file disappeared during a save") from None
        if now != last:
            last, seen = now, seen + 1


def test_save_survives_sigkill_at_random_moments(tmp_path):
    X = np.random.RandomState(0).randn(60, 4)
    # same architecture, different weights and histories: a mixture would load
    models = [GaussianAutoencoder(hidden_layer_sizes=(8,), max_epochs=epochs, batch_size=30,
                                  random_state=seed).fit(X)
              for seed, epochs in ((0, 1), (1, 2))]
    codes = [m.transform(X) for m in models]
    path = tmp_path / "model"
    skgauss.save(models[0], path)
    rng = random.Random(0)
    outcomes = []
    for kill in range(N_KILLS):
        pid = os.fork()
        if pid == 0:  # pragma: no cover - the child never returns
            try:
                _child(models, path, slow=kill % 2 == 1)
            finally:
                os._exit(1)
        # kill after a random number of completed saves (the pointer changes once
        # per save) plus a random delay, so that the kills land in every phase of
        # a save whatever the machine's load
        _wait_for_saves(path, rng.randint(1, 3))
        time.sleep(rng.uniform(0.0, 0.03))
        os.kill(pid, signal.SIGKILL)
        _, status = os.waitpid(pid, 0)
        assert os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL
        loaded = skgauss.load(path)
        got = loaded.transform(X)
        which = [i for i, c in enumerate(codes) if np.array_equal(got, c)]
        assert len(which) == 1, "the folder loads as neither model"
        source = models[which[0]]
        assert loaded.history_ == source.history_ and loaded.n_iter_ == source.n_iter_
        assert loaded.get_params() == source.get_params()
        outcomes.append(which[0])
    assert set(outcomes) == {0, 1}, "the kills never landed between two saves"
    # whatever the kills left behind, the next save cleans it
    skgauss.save(models[1], path)
    names = sorted(p.name for p in path.iterdir())
    assert names == sorted(["CURRENT", (path / "CURRENT").read_text()])
    assert not list(tmp_path.glob(".*")), "temporary folders beside the target"
