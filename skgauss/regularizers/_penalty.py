"""The one shape of a penalty, the adapter that gives it to plain functions, the
weighted sum the estimator trains with, and the resolution of the estimator's
``regularizer`` / ``regularizer_params`` hyperparameters.

A registry entry is a *factory* ``entry(n_components, *, random_state=None,
**options) -> Penalty``. It carries, as attributes, what the estimator must know
before building it: ``scale`` (the multiplier that makes ``alpha=1`` a sensible
start), ``gaussian_head`` (the penalty needs the encoder's means and
log-variances), ``stateful`` (it holds trainable state and a
``discriminator_step``) and ``constraints`` (valid option values). A
:class:`Penalty` subclass is its own factory; a plain function
``fn(z, *, generator=None, **options)`` becomes one through
:class:`FunctionEntry`, reading ``fn.scale``, ``fn.gaussian_head`` and
``fn.constraints`` from the function's file.
"""

from __future__ import annotations

import inspect
import numbers
from collections.abc import Callable, Mapping, Sequence

import torch
from torch import nn

from ._base import check_options

__all__ = ["FunctionEntry", "FunctionPenalty", "Penalty", "WeightedSum", "build", "resolve"]


class Penalty(nn.Module):
    """A penalty on a batch of codes: ``penalty(z, logvar=None, generator=None)``
    returns a scalar tensor, smallest when ``z`` is a sample of N(0, I).

    With ``gaussian_head``, ``z`` holds the encoder's means and ``logvar`` their
    log-variances. A ``stateful`` penalty trains its own parameters in
    :meth:`discriminator_step`, once per training batch, on the detached codes.
    """

    scale: float = 1.0
    gaussian_head: bool = False
    stateful: bool = False
    constraints: dict = {}

    def discriminator_step(self, z: torch.Tensor, generator=None):
        """Update the penalty's own state (nothing for a stateless penalty)."""
        return None


class FunctionPenalty(Penalty):
    """A plain function ``fn(z, *, generator=None, **options)`` as a :class:`Penalty`
    with its options bound."""

    def __init__(self, fn: Callable, *, scale: float = 1.0, **options) -> None:
        super().__init__()
        self.fn, self.options, self.scale = fn, dict(options), float(scale)
        self.gaussian_head = bool(getattr(fn, "gaussian_head", False))

    def forward(self, z, logvar=None, generator=None) -> torch.Tensor:
        if self.gaussian_head:
            return self.fn(z, logvar=logvar, generator=generator, **self.options)
        return self.fn(z, generator=generator, **self.options)

    def extra_repr(self) -> str:
        return f"{getattr(self.fn, '__name__', self.fn)}, scale={self.scale}, {self.options}"


class FunctionEntry:
    """The registry entry (factory) of a plain penalty function: the one adapter.

    Its signature is ``(n_components, *, random_state=None, **fn's options)``, so
    the resolution checks option names on every entry the same way.
    """

    stateful = False

    def __init__(self, fn: Callable) -> None:
        self.function = fn
        self.scale = float(getattr(fn, "scale", 1.0))
        self.gaussian_head = bool(getattr(fn, "gaussian_head", False))
        self.constraints = dict(getattr(fn, "constraints", {}))
        self.__name__ = getattr(fn, "__name__", "callable")
        self.__doc__ = fn.__doc__

    def __call__(self, n_components: int, *, random_state=None, **options) -> FunctionPenalty:
        return FunctionPenalty(self.function, scale=self.scale, **options)

    @property
    def __signature__(self) -> inspect.Signature:
        params = [p for p in inspect.signature(self.function).parameters.values()
                  if p.kind in (p.KEYWORD_ONLY, p.VAR_KEYWORD)
                  and p.name not in ("generator", "logvar")]
        head = [inspect.Parameter("n_components", inspect.Parameter.POSITIONAL_OR_KEYWORD),
                inspect.Parameter("random_state", inspect.Parameter.KEYWORD_ONLY, default=None)]
        return inspect.Signature(head + params)

    def __repr__(self) -> str:
        return f"FunctionEntry({self.__name__})"


class WeightedSum(nn.Module):
    r"""The estimator's penalty :math:`\sum_k w_k s_k R_k(z)`: each term's weight
    times its scale times its value on the batch."""

    def __init__(self, terms: Sequence[tuple[float, Penalty]]) -> None:
        super().__init__()
        self.weights = [float(w) * p.scale for w, p in terms]
        self.terms = [p for _, p in terms]  # plain list: stateless terms hold no tensors
        # the trainable terms, registered (state-dict keys ``stateful.<i>.``)
        self.stateful = nn.ModuleList([p for p in self.terms if p.stateful])

    def forward(self, codes, mean, logvar, generator=None) -> torch.Tensor:
        total = None  # no zero tensor to start from: one op less in every step
        for weight, term in zip(self.weights, self.terms, strict=True):
            value = (term(mean, logvar=logvar, generator=generator) if term.gaussian_head
                     else term(codes, generator=generator))
            if not isinstance(value, torch.Tensor) or value.ndim != 0:
                name = getattr(getattr(term, "fn", term), "__name__", type(term).__name__)
                raise TypeError(
                    f"regularizer {name!r} must return a scalar torch tensor, got "
                    f"{type(value).__name__}"
                    + (f" of shape {tuple(value.shape)}" if isinstance(value, torch.Tensor)
                       else "")
                )
            total = weight * value if total is None else total + weight * value
        return codes.new_zeros(()) if total is None else total

    def discriminator_step(self, codes, generator=None) -> None:
        for term in self.stateful:
            term.discriminator_step(codes, generator=generator)


def _accepts(entry, name: str) -> bool:
    params = inspect.signature(entry).parameters
    return name in params or any(p.kind is p.VAR_KEYWORD for p in params.values())


def resolve(regularizer, regularizer_params, registry: Mapping) -> tuple:
    """Check the ``regularizer`` / ``regularizer_params`` hyperparameters and return
    the terms ``((name, entry, weight, options), ...)`` — plain data, nothing built.

    ``regularizer`` is a name of ``registry``, a dict ``{name: weight}`` or a
    callable ``fn(z, *, generator=None, **options)`` (scale 1). Every option is
    checked against the entry's signature and ``constraints`` here, before any
    training.
    """
    if callable(regularizer) and not isinstance(regularizer, type):
        entry = FunctionEntry(regularizer)
        if not _accepts(regularizer, "generator"):
            raise TypeError(f"regularizer {entry.__name__!r} must accept a keyword argument "
                            "'generator' (see skgauss.regularizers)")
        weights, per_name = {entry.__name__: 1.0}, {entry.__name__: regularizer_params or {}}
        entries = {entry.__name__: entry}
    else:
        if isinstance(regularizer, str):
            weights, per_name = {regularizer: 1.0}, {regularizer: regularizer_params or {}}
        elif isinstance(regularizer, Mapping):
            weights, per_name = dict(regularizer), dict(regularizer_params or {})
            if set(per_name) - set(weights) or not all(
                    isinstance(v, Mapping) for v in per_name.values()):
                raise ValueError(
                    "with a dict regularizer, regularizer_params must map some of its "
                    f"names {sorted(weights)} to dicts of options; got {regularizer_params!r}"
                )
        else:
            raise TypeError(
                "regularizer must be a name from skgauss.REGULARIZERS, a dict "
                f"{{name: weight}} or a callable; got {type(regularizer).__name__}"
            )
        if not weights:
            raise ValueError("regularizer is an empty dict; use 'none' for no penalty")
        for name, weight in weights.items():
            if name not in registry:
                raise ValueError(
                    f"unknown regularizer {name!r}; valid names are {sorted(registry)}")
            if (not isinstance(weight, numbers.Real) or isinstance(weight, bool)
                    or not 0 <= weight < float("inf")):
                raise ValueError(
                    f"weight of regularizer {name!r} must be >= 0 and finite, "
                    f"got {weight!r}")
        entries = {name: registry[name] for name in weights}
    terms = []
    for name, entry in entries.items():
        options = dict(per_name.get(name) or {})
        for key in options:
            if key in ("n_components", "random_state") or not _accepts(entry, key):
                raise ValueError(f"regularizer {name!r} has no option {key!r}")
        check_options(name, entry, options)  # declared beside each penalty
        terms.append((name, entry, float(weights[name]), options))
    return tuple(terms)


def build(terms: Sequence[tuple], n_components: int, seed: int) -> WeightedSum:
    """The penalty module of resolved ``terms`` for codes of width
    ``n_components``; stateful terms are seeded with ``seed``."""
    return WeightedSum([
        (weight, entry(n_components, random_state=seed, **options))
        for _, entry, weight, options in terms
    ])
