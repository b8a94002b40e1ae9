"""Samples per second of data-parallel ``fit`` against one process.

Usage::

    python benchmarks/data_parallel.py [--rows 1000000] [--processes 1 2]
        [--hidden 512 512] [--batch-size 4096] [--device cpu]

For each process count, launches ``torchrun``-style workers (one torch thread
each) on loopback that fit ``GaussianAutoencoder(distributed=True)`` for one
epoch over a ``rows`` x 16 standard-normal table with a network wide enough for
the step to be compute-bound (the first stage only: no latent flow, no decoder
covariance), and reads the epoch's duration from the history.
The single-process row is an ordinary ``fit`` (``distributed=False``).
Scaling efficiency = samples/s with w processes / (w x samples/s with one).
Writes ``benchmarks/results/data_parallel.md``.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import torch


def worker(args) -> None:
    torch.set_num_threads(1)
    from skgauss import GaussianAutoencoder

    X = np.random.default_rng(0).standard_normal((args.rows, 16)).astype(np.float32)
    model = GaussianAutoencoder(
        n_components=8, hidden_layer_sizes=tuple(args.hidden), batch_size=args.batch_size,
        max_epochs=1, validation_fraction=0.0, random_state=0, device=args.device,
        distributed=args.distributed, latent_flow=None, decoder_covariance=None,
        n_threads=None if args.threads == 0 else args.threads)
    start = time.perf_counter()
    model.fit(X)
    wall = time.perf_counter() - start
    rank = torch.distributed.get_rank() if args.distributed else 0
    if rank == 0:
        print(json.dumps({"epoch_s": model.history_[-1]["dur"], "fit_s": wall}))


def launch(n_proc: int, args, threads: int) -> dict:
    # workers import the skgauss of this checkout
    env = dict(os.environ, OMP_NUM_THREADS="1", PYTHONPATH=os.pathsep.join(
        [str(Path(__file__).resolve().parent.parent), os.environ.get("PYTHONPATH", "")]))
    base = [sys.executable, __file__, "--worker", "--rows", str(args.rows),
            "--batch-size", str(args.batch_size), "--device", args.device,
            "--threads", str(threads),
            "--hidden", *map(str, args.hidden)]
    if n_proc == 1:
        out = subprocess.run(base, capture_output=True, text=True, check=True, env=env)
        return json.loads(out.stdout.strip().splitlines()[-1])
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = str(s.getsockname()[1])
    procs = [subprocess.Popen(
        [*base, "--distributed"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env=dict(env, RANK=str(r), WORLD_SIZE=str(n_proc), LOCAL_RANK=str(r),
                 MASTER_ADDR="127.0.0.1", MASTER_PORT=port))
        for r in range(n_proc)]
    outs = [p.communicate() for p in procs]
    for p, (_, err) in zip(procs, outs, strict=True):
        if p.returncode:
            raise RuntimeError(err)
    return json.loads(outs[0][0].strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--processes", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--hidden", type=int, nargs="+", default=[512, 512])
    parser.add_argument("--batch-size", type=int, default=4096)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--threads", type=int, default=1, help=argparse.SUPPRESS)
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--distributed", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        return worker(args)
    # one process with the estimator's own thread policy (n_threads=None), then
    # each process count on one thread per process
    runs = [(1, 0)] + [(n, 1) for n in args.processes]
    rows = []
    for n_proc, threads in runs:
        res = launch(n_proc, args, threads)
        rows.append((n_proc, threads, args.rows / res["epoch_s"], res["fit_s"]))
        print(f"{n_proc} process(es), threads {threads or 'policy'}: "
              f"{rows[-1][2]:,.0f} samples/s", flush=True)
    base = next(sps for n, t, sps, _ in rows if n == 1 and t == 1)
    lines = [
        f"# Data-parallel fit: {args.rows:,} x 16 rows, hidden {tuple(args.hidden)}, "
        f"batch {args.batch_size}, device {args.device}",
        "",
        f"`{' '.join(['python', *sys.argv])}` on {os.cpu_count()} cores, "
        f"load average {os.getloadavg()[0]:.1f} at the end, torch {torch.__version__}",
        "",
        "Scaling efficiency: samples/s ÷ (processes × samples/s of one process on one "
        "thread). `policy` = the estimator's default `n_threads=None`.",
        "",
        "| processes | threads each | samples/s | fit s | scaling efficiency |",
        "|---|---|---|---|---|",
        *[f"| {n} | {t or 'policy'} | {sps:,.0f} | {fit:.1f} | {sps / (n * base):.2f} |"
          for n, t, sps, fit in rows],
    ]
    out = Path(__file__).parent / "results" / "data_parallel.md"
    out.write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
