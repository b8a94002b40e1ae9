"""One process of the data-parallel test (tests/test_distributed.py).

Launched twice with RANK/WORLD_SIZE/MASTER_ADDR/MASTER_PORT set; fits one small
model per regularizer with ``distributed=True`` and, on rank 0, writes the
parameters, the per-batch penalties and the codes to ``argv[1]``.
"""

import sys

import numpy as np
import torch

import skgauss

torch.set_num_threads(1)

from skgauss import GaussianAutoencoder  # noqa: E402

CONFIGS = {  # name -> extra hyperparameters
    "none": {},
    "sliced_wasserstein": {"input_noise": 0.1},
    "kl": {},
    "mmd": {},
    "cramer_wold": {},
    "bhep": {},
    "epps_pulley": {},
    "edf": {},
    "adversarial": {},
}


def make_model(name: str, **extra) -> GaussianAutoencoder:
    return GaussianAutoencoder(
        n_components=2, regularizer=name, hidden_layer_sizes=(16,), max_epochs=2,
        batch_size=50, validation_fraction=0.0, random_state=0,
        # the data-parallel network is compared: a latent flow (fitted by each process
        # on the codes) would amplify the float32 differences of the two runs
        latent_flow=None, **extra, **CONFIGS[name])


def data() -> np.ndarray:
    return np.random.default_rng(0).standard_normal((203, 5))


def summary(model: GaussianAutoencoder, X: np.ndarray) -> dict:
    params = torch.cat([p.detach().reshape(-1) for p in model.net_.module_.parameters()])
    return {
        "params": params.numpy().astype(np.float64),
        "penalty": np.array(model.net_.history[:, "batches", :, "train_penalty"],
                            dtype=np.float64).ravel(),
        "codes": model.transform(X),
    }


if __name__ == "__main__":
    X = data()
    out = {}
    for name in CONFIGS:
        model = make_model(name, distributed=True).fit(X)
        for key, value in summary(model, X).items():
            out[f"{name}/{key}"] = value
        if name == "sliced_wasserstein" and torch.distributed.get_rank() == 0:
            skgauss.save(model, sys.argv[1] + ".model")
    if torch.distributed.get_rank() == 0:
        np.savez(sys.argv[1], **out)
    torch.distributed.destroy_process_group()
