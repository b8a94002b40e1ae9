"""The ``regularizer``/``regularizer_params`` hyperparameters of GaussianAutoencoder
resolved into the weighted, checked terms of its penalty."""

from __future__ import annotations

import inspect
import numbers
from collections.abc import Callable, Mapping

from .regularizers import REGULARIZERS, SCALES
from .regularizers._base import check_options

__all__: list[str] = []


def _signature_accepts(fn: Callable, name: str) -> bool:
    params = inspect.signature(fn).parameters
    return name in params or any(p.kind is p.VAR_KEYWORD for p in params.values())


def _resolve_regularizer(regularizer, regularizer_params, n_components: int, seed: int):
    """Turn the ``regularizer``/``regularizer_params`` hyperparameters into the
    ``(name, entry, weight, params)`` terms of a :class:`_Penalty`."""
    if callable(regularizer) and not isinstance(regularizer, type):
        specs = {getattr(regularizer, "__name__", "callable"): (regularizer, 1.0, 1.0)}
        per_name = {next(iter(specs)): regularizer_params or {}}
    else:
        if isinstance(regularizer, str):
            weights, per_name = (
                {regularizer: 1.0},
                {regularizer: regularizer_params or {}},
            )
        elif isinstance(regularizer, Mapping):
            weights = dict(regularizer)
            per_name = dict(regularizer_params or {})
            extra = set(per_name) - set(weights)
            if extra or not all(isinstance(v, Mapping) for v in per_name.values()):
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
        specs = {}
        for name, weight in weights.items():
            if name not in REGULARIZERS:
                raise ValueError(
                    f"unknown regularizer {name!r}; valid names are {sorted(REGULARIZERS)}"
                )
            if not isinstance(weight, numbers.Real) or not weight >= 0:
                raise ValueError(
                    f"weight of regularizer {name!r} must be >= 0, got {weight!r}"
                )
            specs[name] = (REGULARIZERS[name], float(weight), SCALES[name])
    terms = []
    for name, (entry, weight, scale) in specs.items():
        params = dict(per_name.get(name) or {})
        target = entry.__init__ if isinstance(entry, type) else entry
        for key in params:
            if not _signature_accepts(target, key):
                raise ValueError(f"regularizer {name!r} has no option {key!r}")
        check_options(name, entry, params)  # declared beside each penalty
        if isinstance(entry, type):  # stateful penalty (adversarial): build it now
            entry = entry(n_components, random_state=seed, **params)
            params = {}
        elif not _signature_accepts(entry, "generator"):
            raise TypeError(
                f"regularizer {name!r} must accept a keyword argument 'generator' "
                "(see skgauss.regularizers)"
            )
        terms.append((name, entry, weight * scale, params))
    return terms
