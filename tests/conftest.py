"""Shared test settings: deterministic property tests, few torch threads."""

import torch
from hypothesis import settings

# property tests are seeded like the rest of the suite
settings.register_profile("skgauss", derandomize=True, deadline=None, print_blob=True)
settings.load_profile("skgauss")

# small networks: one intra-op thread is as fast, and far faster when test
# processes (GridSearchCV n_jobs=2) share the cores
torch.set_num_threads(1)
