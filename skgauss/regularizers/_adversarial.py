"""WAE-GAN: a discriminator on codes, trained alternately with its own optimizer."""

from __future__ import annotations

from collections.abc import Sequence
from numbers import Real

import torch
from torch import nn
from torch.func import functional_call
from torch.nn.functional import softplus

from ._base import POSITIVE, POSITIVE_INT, Items, Number, check_batch
from ._penalty import Penalty

__all__ = ["AdversarialPenalty"]


def _mlp(n_in: int, hidden: Sequence[int]) -> nn.Sequential:
    layers: list[nn.Module] = []
    for width in hidden:
        layers += [nn.Linear(n_in, width), nn.ReLU()]
        n_in = width
    return nn.Sequential(*layers, nn.Linear(n_in, 1))


class AdversarialPenalty(Penalty):
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

    #: 1 / Δ, Δ the increase from N(0, I) to N(0.5 * 1, I) codes at n = 256, d = 8
    #: after 300 discriminator steps on each (skgauss.regularizers, section Scales)
    scale = 1.4
    stateful = True
    #: valid option values, checked before training (see skgauss.regularizers)
    constraints = {
        "hidden_layer_sizes": [Items(POSITIVE_INT, min_len=0, what="widths")],
        "lr": [POSITIVE],
        "betas": [Items(Number(Real, 0, 1, closed="left"), 2, 2)],
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

    # The optimizer's state (Adam's step count and moments) is part of the module's
    # state dict, under ``optimizer.<i>.step|exp_avg|exp_avg_sq`` for the i-th
    # parameter, always present (zeros before the first step), so a saved model
    # resumes its discriminator exactly and the keys never depend on training.
    def _save_to_state_dict(self, destination, prefix, keep_vars):
        super()._save_to_state_dict(destination, prefix, keep_vars)
        for i, p in enumerate(self.discriminator.parameters()):
            state = self.optimizer.state.get(p, {})
            destination[f"{prefix}optimizer.{i}.step"] = torch.as_tensor(
                state.get("step", 0.0), dtype=torch.float32).detach().reshape(())
            for key in ("exp_avg", "exp_avg_sq"):
                value = state.get(key)
                destination[f"{prefix}optimizer.{i}.{key}"] = (
                    torch.zeros_like(p) if value is None else value).detach()

    def _load_from_state_dict(self, state_dict, prefix, local_metadata, strict,
                              missing_keys, unexpected_keys, error_msgs):
        super()._load_from_state_dict(state_dict, prefix, local_metadata, strict,
                                      missing_keys, unexpected_keys, error_msgs)
        for i, p in enumerate(self.discriminator.parameters()):
            keys = [f"{prefix}optimizer.{i}.{k}" for k in ("step", "exp_avg", "exp_avg_sq")]
            if not all(k in state_dict for k in keys):
                missing_keys.extend(k for k in keys if k not in state_dict)
                continue
            step, exp_avg, exp_avg_sq = (state_dict[k] for k in keys)
            if exp_avg.shape != p.shape or exp_avg_sq.shape != p.shape or step.numel() != 1:
                error_msgs.append(f"optimizer state of discriminator parameter {i} has "
                                  f"the wrong shape")
                continue
            self.optimizer.state.pop(p, None)
            if float(step) > 0:  # no state before the first step, as Adam keeps it
                self.optimizer.state[p] = {
                    "step": step.detach().clone().to(torch.float32).reshape(()),
                    "exp_avg": exp_avg.detach().clone().to(p.device, p.dtype),
                    "exp_avg_sq": exp_avg_sq.detach().clone().to(p.device, p.dtype),
                }
        # our own keys are consumed here, not unexpected
        for k in [k for k in unexpected_keys if k.startswith(f"{prefix}optimizer.")]:
            unexpected_keys.remove(k)

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
