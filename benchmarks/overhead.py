"""Training overhead of GaussianAutoencoder.fit against a hand-written loop
(and, where it is installed, pythae's TrainingPipeline).

Same network (skgauss.nn.AutoencoderModule 64 -> 128 -> 128 -> 8 and back), data,
batch size, Adam (lr 1e-3, fused where torch has it, as the estimator uses),
epochs and penalty; no validation split. Runs are interleaved (hand, skgauss[,
pythae], hand, ...) and the median ratio to the hand loop is printed and written
to ``benchmarks/results/``, so the figure survives a noisy shared machine.

    python benchmarks/overhead.py [--epochs 20] [--repeats 5] [--rows 0]
    python benchmarks/overhead.py --pythae --regularizer mmd --epochs 30

``--pythae`` (with ``--regularizer mmd``: both are IMQ multi-scale MMD to N(0, I)
on the batch's codes) adds pythae's ``WAE_MMD`` with the same encoder and decoder
modules, trained by its ``TrainingPipeline`` and by the hand loop (so that
pythae's trainer overhead and the cost of its model and loss are told apart). pythae is
never a dependency of skgauss: install it only in a benchmark environment
(``pip install pythae`` beside ``pip install -e .``).
``--device cuda`` runs everything on a GPU (with a synchronise after each fit).
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import statistics
import tempfile
import time

import numpy as np
import torch
from _report import write
from sklearn.datasets import load_digits
from sklearn.preprocessing import StandardScaler

from skgauss import GaussianAutoencoder
from skgauss._net import fused_adam
from skgauss.nn import AutoencoderModule
from skgauss.regularizers import REGULARIZERS, SCALES

D = 8


def _loop(parameters, loss_fn, X, epochs, batch_size, seed, device) -> None:
    """The hand-written loop: shuffle, slice batches, Adam step on ``loss_fn``."""
    Xt = torch.from_numpy(X.astype(np.float32)).to(device)
    opt = torch.optim.Adam(parameters, lr=1e-3, fused=fused_adam(device))
    gen = torch.Generator(device=device).manual_seed(seed)
    for _ in range(epochs):
        Xs = Xt[torch.randperm(len(Xt), generator=gen, device=device)]
        for start in range(0, len(Xs), batch_size):
            xb = Xs[start:start + batch_size]
            if len(xb) < 2:
                continue
            opt.zero_grad()
            loss = loss_fn(xb, gen)
            loss.backward()
            opt.step()
            loss.item()  # skorch records every batch loss; so does the hand loop


def hand_loop(X, regularizer, epochs, batch_size, seed, device) -> None:
    torch.manual_seed(seed)
    module = AutoencoderModule(X.shape[1], D, (128, 128), "relu").to(device)
    penalty = REGULARIZERS[regularizer](D, random_state=seed)

    def loss_fn(xb, gen):
        out = module(xb)
        return ((out.reconstruction - xb) ** 2).mean() + penalty.scale * penalty(
            out.codes, generator=gen)

    _loop(module.parameters(), loss_fn, X, epochs, batch_size, seed, device)


def ours(X, regularizer, epochs, batch_size, seed, device) -> None:
    # the network only, as the hand loop: no generative second stage (the latent
    # flow and the decoder's covariance are fitted after training, by default)
    GaussianAutoencoder(D, regularizer=regularizer, max_epochs=epochs, batch_size=batch_size,
                        validation_fraction=0.0, device=device, random_state=seed,
                        latent_flow=None, decoder_covariance=None,
                        n_threads=torch.get_num_threads()).fit(X)


def _pythae_model(X, seed):
    """pythae's WAE_MMD around the same encoder and decoder modules."""
    from pythae.models import WAE_MMD, WAE_MMD_Config
    from pythae.models.base.base_utils import ModelOutput
    from pythae.models.nn import BaseDecoder, BaseEncoder

    torch.manual_seed(seed)
    module = AutoencoderModule(X.shape[1], D, (128, 128), "relu")

    class Encoder(BaseEncoder):
        def __init__(self):
            super().__init__()
            self.net = module.encoder

        def forward(self, x):
            return ModelOutput(embedding=self.net(x))

    class Decoder(BaseDecoder):
        def __init__(self):
            super().__init__()
            self.net = module.decoder

        def forward(self, z):
            return ModelOutput(reconstruction=self.net(z))

    config = WAE_MMD_Config(input_dim=(X.shape[1],), latent_dim=D, kernel_choice="imq",
                            reg_weight=SCALES["mmd"])
    return WAE_MMD(config, encoder=Encoder(), decoder=Decoder())


def hand_loop_pythae_loss(X, regularizer, epochs, batch_size, seed, device) -> None:
    """The hand loop around pythae's WAE_MMD forward and loss: what pythae's model
    costs without its trainer."""
    model = _pythae_model(X, seed).to(device)
    _loop(model.parameters(), lambda xb, gen: model({"data": xb}).loss, X, epochs,
          batch_size, seed, device)


def pythae_pipeline(X, regularizer, epochs, batch_size, seed, device) -> None:
    from pythae.pipelines import TrainingPipeline
    from pythae.trainers import BaseTrainerConfig

    model = _pythae_model(X, seed)
    for name in list(logging.root.manager.loggerDict):  # pythae logs each epoch at INFO
        if name.startswith("pythae"):
            logging.getLogger(name).setLevel(logging.ERROR)
    with (tempfile.TemporaryDirectory() as out, open(os.devnull, "w") as null,
          contextlib.redirect_stderr(null)):  # and draws a tqdm bar on stderr
        training = BaseTrainerConfig(output_dir=out, num_epochs=epochs, learning_rate=1e-3,
                                     per_device_train_batch_size=batch_size, seed=seed,
                                     optimizer_params={"fused": fused_adam(device)},
                                     no_cuda=device == "cpu")
        TrainingPipeline(training_config=training, model=model)(
            train_data=X.astype(np.float32))


def _timed(fn, *args, device) -> float:
    start = time.perf_counter()
    fn(*args, device=device)
    if device.startswith("cuda"):
        torch.cuda.synchronize()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--regularizer", default="sliced_wasserstein")
    parser.add_argument("--rows", type=int, default=0,
                        help="0: digits (1797 x 64); else a synthetic rows x 50 table")
    parser.add_argument("--threads", type=int, default=1, help="torch intra-op threads")
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--pythae", action="store_true", help="add pythae's TrainingPipeline")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    if args.rows:
        X = np.random.RandomState(0).randn(args.rows, 50)
        data = f"{args.rows}x50"
    else:
        X = StandardScaler().fit_transform(load_digits().data)
        data = "digits"
    runners = {"hand": hand_loop, "skgauss": ours}
    if args.pythae:
        if args.regularizer != "mmd":
            parser.error("--pythae trains pythae's WAE_MMD: use it with --regularizer mmd")
        runners["hand, pythae's loss"] = hand_loop_pythae_loss
        runners["pythae"] = pythae_pipeline
    setting = (f"data {X.shape}, {args.epochs} epochs, batch {args.batch_size}, penalty "
               f"{args.regularizer}, torch threads {torch.get_num_threads()}, {args.device}")
    print(setting)
    for fn in runners.values():  # warm-up: imports, allocator, kernels
        _timed(fn, X, args.regularizer, 1, args.batch_size, 0, device=args.device)
    seconds = {name: [] for name in runners}
    for r in range(args.repeats):
        for name, fn in runners.items():
            seconds[name].append(_timed(fn, X, args.regularizer, args.epochs, args.batch_size,
                                        r, device=args.device))
        print(f"run {r}: " + "  ".join(f"{k} {v[-1]:.2f}s" for k, v in seconds.items()),
              flush=True)
    # each runner against the hand loop; pythae's trainer also against the hand
    # loop around its own model and loss (its loop overhead alone)
    pairs = {f"{k} ÷ hand": (k, "hand") for k in runners if k != "hand"}
    if args.pythae:
        pairs["pythae ÷ hand, pythae's loss"] = ("pythae", "hand, pythae's loss")
    ratios = {label: [seconds[a][r] / seconds[b][r] for r in range(args.repeats)]
              for label, (a, b) in pairs.items()}
    lines = ["| run | " + " | ".join(f"{k} s" for k in runners) + " | "
             + " | ".join(ratios) + " |", "|---" * (1 + len(runners) + len(ratios)) + "|"]
    for r in range(args.repeats):
        lines.append(f"| {r} | " + " | ".join(f"{v[r]:.2f}" for v in seconds.values())
                     + " | " + " | ".join(f"{v[r]:.3f}" for v in ratios.values()) + " |")
    lines.append("| **median** | " + " | ".join(
        f"{statistics.median(v):.2f}" for v in seconds.values()) + " | " + " | ".join(
        f"**{statistics.median(v):.3f}**" for v in ratios.values()) + " |")
    print("\n".join(lines))
    name = f"overhead-{data}-{args.regularizer}" + ("-pythae" if args.pythae else "")
    if args.device != "cpu":
        name += f"-{args.device.replace(':', '')}"
    write(name, lines, device=args.device, notes=setting + ".")


if __name__ == "__main__":
    main()
