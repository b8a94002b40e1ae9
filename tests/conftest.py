"""Shared test settings: deterministic property tests, few torch threads."""

import torch
from hypothesis import settings

# property tests are seeded like the rest of the suite
settings.register_profile("skgauss", derandomize=True, deadline=None, print_blob=True)
settings.load_profile("skgauss")

torch.set_num_threads(min(2, torch.get_num_threads()))
