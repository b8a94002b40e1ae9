"""The estimators' thread policy against fixed thread counts (issue #15, item 1).

``GaussianAutoencoder.fit`` with the default ``n_threads=None`` against
``n_threads`` = 1, 2 and every usable core, for the default network (hidden
(128, 128), batch 128) and a wide one (hidden (1024, 1024), batch 1024), on
digits (1797 x 64, standardised), in two conditions: as the machine is
("idle": nothing started by this script) and with every other core kept busy by
a spinning process. Each cell is the median of ``--repeats`` fits, the settings
interleaved (default, 1, 2, all, default, ...) so that drifting load hits all
of them alike. Target: the default within 1.1x the best setting in every cell.

    python benchmarks/threads.py [--repeats 5] [--epochs 10] [--wide-epochs 2]

The load average and the other processes' CPU use (the policy's own probe) are
printed with each condition: on a shared machine "idle" is not idle.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import statistics
import time
from contextlib import contextmanager

from _report import write
from sklearn.datasets import load_digits
from sklearn.preprocessing import StandardScaler

from skgauss import GaussianAutoencoder, _autoencoder, _threads

NETWORKS = {"default (128, 128)": ((128, 128), 128), "wide (1024, 1024)": ((1024, 1024), 1024)}


def _spin() -> None:
    while True:
        pass


@contextmanager
def busy(n: int):
    """``n`` processes spinning on a core each (none for n = 0)."""
    procs = [mp.Process(target=_spin, daemon=True) for _ in range(n)]
    for p in procs:
        p.start()
    time.sleep(0.5 if n else 0.0)  # let them reach the scheduler
    try:
        yield
    finally:
        for p in procs:
            p.terminate()
            p.join()


def _fit_seconds(X, hidden, batch, epochs, n_threads, chosen: list) -> float:
    est = GaussianAutoencoder(8, hidden_layer_sizes=hidden, batch_size=batch,
                              max_epochs=epochs, validation_fraction=0.0, random_state=0,
                              n_threads=n_threads)
    start = time.perf_counter()
    est.fit(X)
    seconds = time.perf_counter() - start
    if n_threads is None:
        chosen.append(_last_limit[-1])
    return seconds


_last_limit: list[int] = []
_limit = _autoencoder.limit_threads


def _recording_limit(n: int):
    _last_limit.append(n)
    return _limit(n)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--epochs", type=int, default=10, help="default network")
    parser.add_argument("--wide-epochs", type=int, default=2, help="wide network")
    parser.add_argument("--name", default="threads", help="results/<name>.md")
    args = parser.parse_args()
    _autoencoder.limit_threads = _recording_limit  # to report what the default chose
    usable = _threads.usable_cores()
    X = StandardScaler().fit_transform(load_digits().data)
    settings = {"default": None, "1": 1, "2": 2, f"all ({usable})": -1}
    if usable <= 2:  # "all" is "2": measured once
        settings.pop(f"all ({usable})")
    lines = ["| network, batch | condition | load avg (1 min) | others' cores | default "
             "(threads chosen) | " + " | ".join(f"{k} thread(s)" for k in settings
                                                  if k != "default") + " | default ÷ best |",
             "|---|---|---|---|---|" + "---|" * (len(settings) - 1) + "---|"]
    for condition, n_busy in (("idle", 0), (f"{usable - 1} other core(s) busy", usable - 1)):
        with busy(n_busy):
            for label, (hidden, batch) in NETWORKS.items():
                epochs = args.epochs if batch == 128 else args.wide_epochs
                _fit_seconds(X, hidden, batch, 1, 1, [])  # warm-up
                others = _threads.other_busy_cores()
                load = os.getloadavg()[0]
                times = {k: [] for k in settings}
                chosen: list[int] = []
                for _ in range(args.repeats):
                    for key, n in settings.items():
                        times[key].append(_fit_seconds(X, hidden, batch, epochs, n, chosen))
                med = {k: statistics.median(v) for k, v in times.items()}
                best = min(med.values())
                picks = ",".join(str(c) for c in sorted(set(chosen)))
                cells = " | ".join(f"{med[k]:.2f} s" for k in settings if k != "default")
                lines.append(f"| {label}, {batch} | {condition} | {load:.1f} | {others:.1f} | "
                             f"{med['default']:.2f} s ({picks}) | {cells} | "
                             f"{med['default'] / best:.2f} |")
                print(lines[-1], flush=True)
    notes = (f"digits 1797 x 64 standardised, n_components=8, no validation split; default "
             f"network {args.epochs} epochs, wide {args.wide_epochs}; median of "
             f"{args.repeats} interleaved fits per cell. 'others' cores': CPU use of other "
             "processes measured by the policy's probe (skgauss._threads.other_busy_cores) "
             "before the cell, including the spinning processes of the busy condition.")
    write(args.name, lines, notes=notes)


if __name__ == "__main__":
    main()
