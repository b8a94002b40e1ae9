"""Torch modules behind the estimators: MLP encoder/decoder and a Gaussian head.

The autoencoder maps ``x`` to codes ``z = encoder(x)`` in ``R^d`` and back to
``decoder(z)``. With a Gaussian head (the VAE), the encoder outputs a mean
:math:`\\mu(x)` and a log-variance :math:`\\log\\sigma^2(x)`; training uses the
reparameterised draw :math:`z = \\mu + \\sigma \\odot \\varepsilon`,
:math:`\\varepsilon \\sim N(0, I)`, and evaluation uses :math:`\\mu`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

import torch
from torch import nn

__all__ = ["ACTIVATIONS", "AutoencoderModule", "AutoencoderOutput", "make_mlp"]

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
        mean, logvar = h.chunk(2, dim=1)
        return mean, logvar

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
