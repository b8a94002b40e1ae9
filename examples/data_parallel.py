"""Data-parallel training with torchrun
=====================================

``GaussianAutoencoder(distributed=True)`` trains one model in several processes
on ``torch.distributed`` (gloo on CPU, NCCL on GPU). Launch this script with
torch's own launcher::

    torchrun --nproc_per_node=2 examples/data_parallel.py

Every process loads the same table and calls ``fit``; each computes its share
of every global mini-batch, the penalty sees the codes of the whole batch, and
the gradients are summed, so the model is the one a single process would train
with the same ``random_state`` (up to floating-point reduction order). Rank 0
then checks that against a one-process fit and saves the model, which is an
ordinary estimator: it transforms, samples and loads without a process group.
(Run without ``torchrun``, the script launches itself with two processes.)
"""

import os
import sys

import numpy as np
import torch
from sklearn.datasets import load_digits
from sklearn.preprocessing import StandardScaler

import skgauss

torch.set_num_threads(1)  # one thread per process: the processes are the parallelism

if "RANK" not in os.environ:  # started as a plain script: relaunch under torchrun
    from torch.distributed.run import main as torchrun

    torchrun(["--nproc_per_node=2", __file__])
    sys.exit(0)

X = StandardScaler().fit_transform(load_digits().data)
params = dict(n_components=8, max_epochs=3, batch_size=256, random_state=0)
model = skgauss.GaussianAutoencoder(distributed=True, **params).fit(X)

if torch.distributed.get_rank() == 0:
    single = skgauss.GaussianAutoencoder(**params).fit(X)
    gap = np.abs(model.transform(X) - single.transform(X)).max()
    print(f"{torch.distributed.get_world_size()} processes; largest code difference "
          f"from one process: {gap:.1e}")
    skgauss.save(model, "data-parallel-model")
    print("codes of the reloaded model:", skgauss.load("data-parallel-model").transform(X[:2]))
torch.distributed.destroy_process_group()
