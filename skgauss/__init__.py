"""skgauss: scikit-learn estimators whose latent codes are standard Gaussian."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

__all__ = [
    "REGULARIZERS",
    "GaussianAutoencoder",
    "GaussianFlow",
    "NonFiniteLossError",
    "__version__",
    "load",
    "save",
]
__version__ = "0.1.0"

# public name -> the private module defining it, imported on first use (PEP 562):
# `import skgauss` and `skgauss --help` do not pay for importing torch (seconds).
# A new public name that needs torch goes here, not in an import at the top.
_LAZY = {
    "GaussianAutoencoder": "._autoencoder",
    "GaussianFlow": "._flow",
    "NonFiniteLossError": "._net",
    "REGULARIZERS": ".regularizers",
    "load": ".io",
    "save": ".io",
}

if TYPE_CHECKING:  # for type checkers and IDEs
    from ._autoencoder import GaussianAutoencoder
    from ._flow import GaussianFlow
    from ._net import NonFiniteLossError
    from .io import load, save
    from .regularizers import REGULARIZERS


def __getattr__(name: str):
    if name not in _LAZY:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(_LAZY[name], __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
