"""skgauss: scikit-learn estimators whose latent codes are standard Gaussian."""

from ._autoencoder import GaussianAutoencoder
from ._flow import GaussianFlow
from .io import load, save
from .regularizers import REGULARIZERS

__all__ = ["GaussianAutoencoder", "GaussianFlow", "REGULARIZERS", "__version__", "load", "save"]
__version__ = "0.1.0"
