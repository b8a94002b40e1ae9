"""skgauss: scikit-learn estimators whose latent codes are standard Gaussian."""

from ._autoencoder import GaussianAutoencoder
from .io import load, save
from .regularizers import REGULARIZERS

__all__ = ["GaussianAutoencoder", "REGULARIZERS", "__version__", "load", "save"]
__version__ = "0.1.0"
