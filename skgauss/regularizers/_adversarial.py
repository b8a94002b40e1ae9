"""WAE-GAN: a discriminator on codes, trained alternately with its own optimizer."""

from __future__ import annotations

from collections.abc import Sequence
from numbers import Real

import torch
from sklearn.utils._param_validation import Interval
from torch import nn
from torch.func import functional_call
from torch.nn.functional import softplus

from ._base import POSITIVE, POSITIVE_INT, Items, check_batch

__all__ = ["AdversarialPenalty"]


def _mlp(n_in: int, hidden: Sequence[int]) -> nn.Sequential:
    layers: list[nn.Module] = []
    for width in hidden:
        layers += [nn.Linear(n_in, width), nn.ReLU()]
        n_in = width
    return nn.Sequential(*layers, nn.Linear(n_in, 1))


class AdversarialPenalty(nn.Module):
    r"""Adversarial penalty of WAE-GAN (Tolstikhin et al. 2018).

    A discriminator :math:`D(z) = \sigma(f(z))` (an MLP) learns to tell prior draws
    :math:`p \sim N(0, I)` ("prior", label 1) from codes (label 0); the encoder's
    penalty is the non-saturating :math:`-\frac1n \sum_i \log D(z_i)`, large when
    the codes are easy to tell apart from the prior and about :math:`\log 2` when
    they are not.

    Calling the module gives the encoder's penalty without touching the
    discriminator's parameters (they enter as detached tensors, so no gradient of
    the encoder's loss ever reaches them, whichever optimizer holds them).
    :meth:`discriminator_step` makes one update of the discriminator with its own
    Adam optimizer on the detached codes against as many prior draws.

    Parameters
    ----------
    n_components : int
        Dimension ``d`` of the codes.
    hidden_layer_sizes : sequence of int, default=(64, 64)
        Widths of the discriminator's hidden ReLU layers.
    lr : float, default=1e-3
        Learning rate of the discriminator's Adam.
    betas : tuple of float, default=(0.5, 0.999)
        Adam's betas (WAE's setting).
    random_state : int, optional
        Seed of the discriminator's initial weights, drawn from a generator of
        its own (torch's global RNG is not used); two instances with the same
        seed are identical.

    Attributes
    ----------
    discriminator : torch.nn.Sequential
        The logit network :math:`f`.
    optimizer : torch.optim.Adam
        Its optimizer.
    """

    #: valid option values, checked before training (see skgauss.regularizers)
    constraints = {
        "hidden_layer_sizes": [Items(POSITIVE_INT, min_len=0, what="widths")],
        "lr": [POSITIVE],
        "betas": [Items(Interval(Real, 0, 1, closed="left"), 2, 2)],
    }

    def __init__(
        self,
        n_components: int,
        *,
        hidden_layer_sizes: Sequence[int] = (64, 64),
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.5, 0.999),
        random_state: int | None = None,
    ) -> None:
        super().__init__()
        from ..nn import seeded_module  # (skgauss.nn imports nothing from here)

        generator = torch.Generator()
        if random_state is None:
            generator.seed()
        else:
            generator.manual_seed(random_state)
        # drawn from its own generator: no use of torch's global RNG
        self.discriminator = seeded_module(
            lambda: _mlp(n_components, hidden_layer_sizes), generator)
        self.optimizer = torch.optim.Adam(self.discriminator.parameters(), lr=lr, betas=betas)

    def forward(self, z: torch.Tensor, generator: torch.Generator | None = None) -> torch.Tensor:
        r"""Encoder penalty :math:`-\operatorname{mean}\log D(z)`; no gradient to ``D``."""
        check_batch(z)
        params = {k: v.detach() for k, v in self.discriminator.named_parameters()}
        logits = functional_call(self.discriminator, params, (z,))
        return softplus(-logits).mean()

    def discriminator_step(
        self, z: torch.Tensor, generator: torch.Generator | None = None
    ) -> float:
        """One Adam step of the discriminator on ``z.detach()`` vs prior draws.

        Returns
        -------
        float
            The discriminator's loss
            :math:`-\\operatorname{mean}\\log D(p) - \\operatorname{mean}\\log(1 - D(z))`
            before the step.
        """
        check_batch(z)
        z = z.detach()
        p = torch.randn(z.shape, generator=generator, device=z.device, dtype=z.dtype)
        with torch.enable_grad():
            loss = softplus(-self.discriminator(p)).mean() + softplus(self.discriminator(z)).mean()
            self.optimizer.zero_grad()
            loss.backward()
            self.optimizer.step()
        return float(loss.detach())
