"""Torch modules behind the estimators: MLP encoder/decoder and a Gaussian head.

The autoencoder maps ``x`` to codes ``z = encoder(x)`` in ``R^d`` and back to
``decoder(z)``. With a Gaussian head (the VAE), the encoder outputs a mean
:math:`\\mu(x)` and a log-variance :math:`\\log\\sigma^2(x)`; training uses the
reparameterised draw :math:`z = \\mu + \\sigma \\odot \\varepsilon`,
:math:`\\varepsilon \\sim N(0, I)`, and evaluation uses :math:`\\mu`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import NamedTuple

import torch
from torch import nn

__all__ = [
    "ACTIVATIONS",
    "AutoencoderModule",
    "AutoencoderOutput",
    "make_mlp",
    "seeded_module",
    "soft_clip",
]

ACTIVATIONS = {
    "relu": nn.ReLU,
    "gelu": nn.GELU,
    "silu": nn.SiLU,
    "tanh": nn.Tanh,
    "elu": nn.ELU,
    "leaky_relu": nn.LeakyReLU,
}


class AutoencoderOutput(NamedTuple):
    """What the module returns: reconstruction, codes used by the penalty, and
    the Gaussian head's mean and log-variance (``mean is codes`` and
    ``logvar is None`` for a deterministic encoder)."""

    reconstruction: torch.Tensor
    codes: torch.Tensor
    mean: torch.Tensor
    logvar: torch.Tensor | None


def make_mlp(
    n_in: int, hidden: Sequence[int], n_out: int, activation: str = "relu"
) -> nn.Sequential:
    """A multilayer perceptron ``n_in -> hidden... -> n_out``, linear output."""
    layers: list[nn.Module] = []
    for width in hidden:
        layers += [nn.Linear(n_in, width), ACTIVATIONS[activation]()]
        n_in = width
    layers.append(nn.Linear(n_in, n_out))
    return nn.Sequential(*layers)


#: beyond +-LOGVAR_LIMIT the log-variance grows like log(log(.)) (see soft_clip)
LOGVAR_LIMIT = 20.0


def soft_clip(x: torch.Tensor, limit: float) -> torch.Tensor:
    r"""Identity on :math:`[-c, c]`, :math:`\pm(c + \log(1 + \log(1 + |x| - c)))`
    beyond.

    Continuous with a continuous, non-zero derivative, so training still moves a
    large value; at most :math:`c + 4.5` for any finite float32 input, so
    :math:`e^{x}` stays finite (``kl`` on unstandardised data, whose raw
    log-variances reach thousands). Values in :math:`[-c, c]` pass unchanged.
    """
    over = torch.log1p(torch.log1p((x.abs() - limit).clamp_min(0.0)))
    return torch.where(x.abs() > limit, torch.sign(x) * (limit + over), x)


class AutoencoderModule(nn.Module):
    """Encoder and mirrored decoder; optional Gaussian (mean, log-variance) head.

    Parameters
    ----------
    n_features : int
        Input width.
    n_components : int
        Code width ``d``.
    hidden_layer_sizes : sequence of int
        Encoder widths; the decoder uses them reversed.
    activation : str
        A key of :data:`ACTIVATIONS`.
    gaussian_head : bool
        Whether the encoder outputs a mean and a log-variance (VAE).
    """

    def __init__(
        self,
        n_features: int,
        n_components: int,
        hidden_layer_sizes: Sequence[int] = (128, 128),
        activation: str = "relu",
        gaussian_head: bool = False,
    ) -> None:
        super().__init__()
        self.gaussian_head = gaussian_head
        n_head = 2 * n_components if gaussian_head else n_components
        self.encoder = make_mlp(n_features, hidden_layer_sizes, n_head, activation)
        self.decoder = make_mlp(
            n_components, tuple(reversed(hidden_layer_sizes)), n_features, activation
        )

    def encode(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor | None]:
        """Return ``(mean, logvar)``; ``logvar`` is None without a Gaussian head."""
        h = self.encoder(x)
        if not self.gaussian_head:
            return h, None
        mean, raw = h.chunk(2, dim=1)
        return mean, soft_clip(raw, LOGVAR_LIMIT)

    def forward(
        self, x: torch.Tensor, generator: torch.Generator | None = None
    ) -> AutoencoderOutput:
        mean, logvar = self.encode(x)
        codes = mean
        if logvar is not None and self.training:
            eps = torch.randn(
                mean.shape, generator=generator, device=mean.device, dtype=mean.dtype
            )
            codes = mean + torch.exp(0.5 * logvar) * eps
        return AutoencoderOutput(self.decoder(codes), codes, mean, logvar)


def _reset_linear(layer: nn.Linear, generator: torch.Generator) -> None:
    """``nn.Linear.reset_parameters`` with an explicit generator: the same law and
    the same order of draws as torch's default initialisation."""
    nn.init.kaiming_uniform_(layer.weight, a=math.sqrt(5), generator=generator)
    if layer.bias is not None:
        fan_in = layer.weight.shape[1]
        bound = 1 / math.sqrt(fan_in) if fan_in > 0 else 0
        nn.init.uniform_(layer.bias, -bound, bound, generator=generator)


def seeded_module(factory: Callable[[], nn.Module], generator: torch.Generator) -> nn.Module:
    """``factory()`` with its weights drawn from ``generator`` only.

    The module is built on the ``meta`` device (no memory, no draw from torch's
    global RNG), moved to empty CPU storage, and every ``nn.Linear`` initialised as
    torch's default does, in the same order, from ``generator``: concurrent fits
    in threads neither disturb each other nor the process-wide generator, and a
    seed gives the same weights as ``torch.manual_seed(seed)`` followed by the
    ordinary construction. Under a ``meta`` default device (shape checks) the
    module stays on ``meta``. Only modules made of ``nn.Linear`` layers and
    parameter-free ones are accepted.
    """
    target = torch.get_default_device()
    with torch.device("meta"):
        module = factory()
    if target.type == "meta":
        return module
    module = module.to_empty(device="cpu")
    for part in module.modules():
        if isinstance(part, nn.Linear):
            _reset_linear(part, generator)
        elif any(True for _ in part.parameters(recurse=False)) or any(
                True for _ in part.buffers(recurse=False)):
            raise TypeError(f"seeded_module cannot initialise {type(part).__name__}")
    return module

