"""Penalties that push a batch of codes towards the standard Gaussian N(0, I).

One shape for every penalty. A registry entry is a factory
``entry(n_components, *, random_state=None, **options)`` returning a
:class:`Penalty`, a :class:`torch.nn.Module` called as
``penalty(z, logvar=None, generator=None)`` on a batch of codes ``z`` (shape
``(n, d)``, ``n >= 2``) that returns a scalar tensor, (close to) its minimum when
``z`` is a large sample of N(0, I_d). ``generator`` is a :class:`torch.Generator`
on ``z``'s device for every random draw (directions, prior samples), so training
is reproducible without touching torch's global RNG. Entries and the modules they
build carry what the estimator needs to know as attributes:

- ``scale``: the multiplier that makes ``alpha=1.0`` a sensible start (below);
- ``gaussian_head``: the penalty receives the encoder's means as ``z`` and their
  log-variances as ``logvar`` (``kl``); the estimator then uses a stochastic encoder;
- ``stateful``: the penalty trains its own parameters in
  ``discriminator_step(z, generator=...)``, once per training batch, with its own
  optimizer (``adversarial``, whose optimizer state is saved with the model);
- ``constraints``: ``{option: [constraint, ...]}`` (scikit-learn's
  ``Interval``/``StrOptions``/``"boolean"``/``None`` or ``_base.Items`` /
  ``_base.Weights``), checked by :func:`resolve` before training, so a value that
  would zero or flip a penalty (``scales=[-1]``, ``t_max=-3``, a negative weight)
  or crash it mid-training (``n_points=1``) is a ``ValueError`` naming the option.

Most penalties are plain functions ``fn(z, *, generator=None, **options)`` (usable
directly on tensors) with ``fn.scale`` and ``fn.constraints`` set beside them;
:class:`FunctionEntry` is the one adapter that makes such a function an entry.
A stateful penalty subclasses :class:`Penalty` and is its own entry. Adding a
penalty is its file and one line in ``REGULARIZERS``; the contract tests
(``tests/test_regularizers.py``) pick it up from the registry.
:func:`resolve` checks the estimator's ``regularizer`` / ``regularizer_params``
into plain terms and :func:`build` turns them into the :class:`WeightedSum` the
network trains with. ``SCALES`` lists the entries' scales.

Scales
------
At the same departure from N(0, I) the raw penalties differ by an order of
magnitude. The rule: ``scale = 1 / Δ``, rounded to two figures, where Δ is the
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
from ._penalty import FunctionEntry, FunctionPenalty, Penalty, WeightedSum, build, resolve
from ._simple import kl, none
from ._sliced import epps_pulley, sliced_wasserstein

__all__ = [
    "REGULARIZERS",
    "SCALES",
    "AdversarialPenalty",
    "FunctionEntry",
    "FunctionPenalty",
    "Penalty",
    "WeightedSum",
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
    "build",
    "resolve",
]

#: name -> factory ``entry(n_components, *, random_state=None, **options) -> Penalty``;
#: a new penalty is one file (function or Penalty subclass, with its ``scale`` and
#: ``constraints``) and one line here
REGULARIZERS = {
    "none": FunctionEntry(none),
    "kl": FunctionEntry(kl),
    "mmd": FunctionEntry(mmd),
    "sliced_wasserstein": FunctionEntry(sliced_wasserstein),
    "cramer_wold": FunctionEntry(cramer_wold),
    "bhep": FunctionEntry(bhep),
    "epps_pulley": FunctionEntry(epps_pulley),
    "edf": FunctionEntry(edf),
    "adversarial": AdversarialPenalty,
}

#: name -> multiplier of each registered penalty, read from the entries: 1/Δ, with Δ the
#: penalty's increase from N(0, I) to N(0.5·1, I) at n = 256, d = 8 (mean of 20 seeds),
#: so that one ``alpha`` means about the same pull for every penalty
SCALES = {name: entry.scale for name, entry in REGULARIZERS.items()}
