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

Every entry with options declares the valid values of each beside its code, as
``entry.constraints = {option: [constraint, ...]}`` (scikit-learn's
``Interval``/``StrOptions``/``"boolean"``/``None`` or ``_base.Items`` /
``_base.Weights``); the estimator checks the options a user gives against them
before training, so a value that would zero or flip a penalty (``scales=[-1]``,
``t_max=-3``, a negative weight) or crash it mid-training (``n_points=1``) is a
``ValueError`` naming the option.

``REGULARIZERS`` maps names to entries; ``SCALES`` gives each entry the multiplier
that makes ``alpha=1.0`` a sensible starting weight against a reconstruction MSE of
standardised data.

Scales
------
At the same departure from N(0, I) the raw penalties differ by an order of
magnitude. The rule: ``SCALES[name] = 1 / Δ``, rounded to two figures, where Δ is the
increase of the penalty (default options) from a batch of N(0, I_d) to a batch of
N(0.5·1, I_d) — every coordinate off by half a standard deviation — with n = 256
codes in d = 8, averaged over 20 seeds (3 for ``adversarial``, whose
discriminator is first trained 300 steps against each batch's law). So
``alpha * SCALES[name] * penalty`` rises by about ``alpha`` between a Gaussian
batch and that moderate departure, the size of a reconstruction MSE of
standardised data (0.1–1). ``kl`` is measured on posteriors
N(ρx, (1−ρ²)I), ρ² = ½, whose mixture has the law of the batch ``x``.

==================  =========  =======
name                Δ          SCALES
==================  =========  =======
none                —          1
kl                  0.516      2.0
mmd                 0.275      3.6
sliced_wasserstein  0.264      3.8
cramer_wold         0.102      9.8
bhep                0.0804     12
epps_pulley         0.121      8.3
edf                 0.379      2.6
adversarial         0.73       1.4
==================  =========  =======

The rule fixes one point per penalty; other dimensions, options or kinds of
departure move it (e.g. ``edf`` compares radii in the units of the codes, so a
scale error weighs about ``d`` times more there than in the sliced penalties).
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
    "kl": 2.0,
    "mmd": 3.6,
    "sliced_wasserstein": 3.8,
    "cramer_wold": 9.8,
    "bhep": 12.0,
    "epps_pulley": 8.3,
    "edf": 2.6,
    "adversarial": 1.4,
}
