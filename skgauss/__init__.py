"""skgauss: scikit-learn estimators whose latent codes are standard Gaussian."""

from ._autoencoder import GaussianAutoencoder
from ._flow import GaussianFlow
from ._net import NonFiniteLossError
from .io import load, save
from .regularizers import REGULARIZERS

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

# raised to users: shown as skgauss.NonFiniteLossError in tracebacks
NonFiniteLossError.__module__ = "skgauss"
