"""Penalties that push a batch of codes towards the standard Gaussian N(0, I).

Every penalty is a function ``penalty(z, *, generator=None, **options)`` taking a
batch of codes ``z`` (a torch tensor of shape ``(n, d)``, ``n >= 2``) and returning
a scalar tensor that is (close to) its minimum when ``z`` is a large sample of
N(0, I_d). ``generator`` is a :class:`torch.Generator` on ``z``'s device used for
every random draw (directions, prior samples), so that training is reproducible
without touching torch's global RNG.

Two kinds of registry entries need more than codes:

- a function with the attribute ``gaussian_head = True`` (``kl``) receives the
  encoder's means as ``z`` and their log-variances as ``logvar=``; the estimator
  switches to a stochastic encoder when such a penalty is chosen;
- a :class:`torch.nn.Module` subclass (``adversarial``) holds trainable state. The
  estimator instantiates it with ``(n_components, **options)``; calling it gives the
  encoder's penalty and its ``discriminator_step(z, generator=...)`` updates its own
  parameters with its own optimizer, once per training batch.

``REGULARIZERS`` maps names to entries; ``SCALES`` gives each entry the multiplier
that makes ``alpha=1.0`` a sensible starting weight against a reconstruction MSE of
standardised data.
"""

from __future__ import annotations

from ._adversarial import AdversarialPenalty
from ._edf import edf
from ._hyp1f1 import hyp1f1_neg, phi_d
from ._kernel import bhep, cramer_wold, mmd
from ._simple import kl, none
from ._sliced import epps_pulley, sliced_wasserstein

__all__ = [
    "REGULARIZERS",
    "SCALES",
    "AdversarialPenalty",
    "bhep",
    "cramer_wold",
    "edf",
    "epps_pulley",
    "hyp1f1_neg",
    "kl",
    "mmd",
    "none",
    "phi_d",
    "sliced_wasserstein",
]

REGULARIZERS = {
    "none": none,
    "kl": kl,
    "mmd": mmd,
    "sliced_wasserstein": sliced_wasserstein,
    "cramer_wold": cramer_wold,
    "bhep": bhep,
    "epps_pulley": epps_pulley,
    "edf": edf,
    "adversarial": AdversarialPenalty,
}

SCALES = {
    "none": 1.0,
    "kl": 1.0,
    "mmd": 1.0,
    "sliced_wasserstein": 1.0,
    "cramer_wold": 1.0,
    "bhep": 1.0,
    "epps_pulley": 1.0,
    "edf": 1.0,
    "adversarial": 1.0,
}
