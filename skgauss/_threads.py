"""Thread policy: how many CPU threads a network call of an estimator uses.

torch starts as many intra-op threads as the machine has cores. For the small
networks skgauss trains by default that is a loss: each matrix product is too
small to split, the threads mostly synchronise, and when other processes use
the cores the waits grow (the default network's ``fit`` took 24-38 s with
torch's default threads against 2.9 s with one thread on a loaded 2-core
machine). So ``fit``, ``partial_fit`` and every transform run inside
:func:`limit_threads` with the count :func:`choose_threads` gives, and give the
caller's settings back afterwards, as scikit-learn's ``KMeans`` does with
``threadpoolctl``.

The rule (``n_threads=None``): one thread per :data:`WORK_PER_THREAD`
multiply-adds of one network call (a training step counts three passes over
the weights: forward, backward, gradient), at most the cores this process may
use, and at most the cores other processes leave free (:func:`other_busy_cores`).
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from contextlib import contextmanager

import torch

__all__ = [
    "WORK_PER_THREAD",
    "choose_threads",
    "fit_threads",
    "inference_threads",
    "limit_threads",
    "other_busy_cores",
    "usable_cores",
]

#: Multiply-adds of one network call that justify one more thread. The default
#: autoencoder (52k weights, batch 128: 2e7 per training step) stays on one
#: thread; a (1024, 1024) network at batch 1024 (7e9) takes every free core.
#: Two threads started to pay from about 4e7 per step in
#: ``benchmarks/results/hardware-*-threads.md`` (batch 256 and up).
WORK_PER_THREAD = 2**26

#: Shortest window, in seconds, over which other processes' CPU use is measured.
_PROBE = 0.05
_last_probe: tuple[float, float, float] | None = None


def usable_cores() -> int:
    """CPU cores this process may run on (its affinity mask where the OS has one)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # macOS, Windows
        return os.cpu_count() or 1


def _snapshot() -> tuple[float, float, float] | None:
    """(wall clock, CPU-seconds used by the whole machine, by this process), or
    None where ``/proc/stat`` is missing (not Linux)."""
    try:
        with open("/proc/stat") as fh:
            ticks = [int(v) for v in fh.readline().split()[1:]]
    except (OSError, ValueError):
        return None
    # user nice system idle iowait irq softirq steal (guest time is inside user)
    busy = sum(ticks[:8]) - ticks[3] - ticks[4]
    own = os.times()
    return time.monotonic(), busy / os.sysconf("SC_CLK_TCK"), own.user + own.system


def other_busy_cores() -> float:
    """How many cores other processes keep busy, on average, right now.

    On Linux: the machine's CPU time (``/proc/stat``) minus this process's own
    (every thread), divided by the wall time, over the window since the previous
    call when that is 0.05-2 s old, else over a 0.05 s wait. Elsewhere: the
    1-minute load average minus one (this process), or 0 where the OS has no
    load average (Windows), i.e. every usable core counts as free.
    """
    global _last_probe
    start = _last_probe
    if start is None or not _PROBE <= time.monotonic() - start[0] <= 2.0:
        start = _snapshot()
        if start is None:
            try:
                return max(0.0, os.getloadavg()[0] - 1.0)
            except (AttributeError, OSError):
                return 0.0
        time.sleep(_PROBE)
    end = _snapshot()
    _last_probe = end
    wall = end[0] - start[0]
    return max(0.0, ((end[1] - start[1]) - (end[2] - start[2])) / wall)


def choose_threads(n_threads: int | None, work: float, device) -> int:
    """Threads for network calls of ``work`` multiply-adds each on ``device``.

    ``n_threads`` is the estimator's parameter: an integer is used as given,
    ``-1`` means every usable core, ``None`` applies the policy of this module
    (one thread on a non-CPU device, where the host only feeds the device).
    """
    if n_threads is not None:
        return usable_cores() if n_threads == -1 else int(n_threads)
    if torch.device(device).type != "cpu":
        return 1
    wanted = min(usable_cores(), max(1, int(work // WORK_PER_THREAD)))
    if wanted == 1:
        return 1
    free = usable_cores() - other_busy_cores()
    return max(1, min(wanted, round(free)))


def _weights(module: torch.nn.Module) -> int:
    return sum(p.numel() for p in module.parameters())


def fit_threads(est, net, n_rows: int) -> int:
    """Threads to train the initialised skorch ``net`` of ``est`` on ``n_rows`` rows:
    a step is three passes over the weights for each row of a batch."""
    work = 3 * _weights(net.module_) * min(net.batch_size, n_rows)
    return choose_threads(est.n_threads, work, est.device)


#: rows per call of ``skgauss._common.run_batched`` (every call is padded to it: 512
#: keeps a transform of a few rows at ~8 ms with the latent flow, 4096 cost ~35 ms;
#: 9k rows: 243 ms against 208 ms)
BLOCK = 512


def inference_threads(est, module: torch.nn.Module, n_rows: int) -> int:
    """Threads to apply ``module`` of ``est`` in the calls of ``BLOCK`` rows of
    ``skgauss._common.run_batched`` (whatever ``n_rows``: every call is padded)."""
    return choose_threads(est.n_threads, _weights(module) * BLOCK, est.device)


_controller = None


@contextmanager
def limit_threads(n: int) -> Iterator[None]:
    """Run the block with ``n`` torch intra-op threads and ``n`` BLAS threads
    (``threadpoolctl``), then restore the caller's settings, even on error."""
    global _controller
    from threadpoolctl import ThreadpoolController

    if _controller is None:
        _controller = ThreadpoolController()
    previous = torch.get_num_threads()
    try:
        if n != previous:
            torch.set_num_threads(n)
        with _controller.limit(limits=n, user_api="blas"):
            yield
    finally:
        if torch.get_num_threads() != previous:
            torch.set_num_threads(previous)
