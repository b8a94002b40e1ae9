"""Small seeded estimators the test modules share; keyword arguments override
the defaults (``functools.partial`` of these gives a module its own variant)."""

from skgauss import GaussianAutoencoder, GaussianFlow


def autoencoder(**params) -> GaussianAutoencoder:
    """Two codes, one hidden layer of 16, three epochs, seeded."""
    return GaussianAutoencoder(**{"n_components": 2, "hidden_layer_sizes": (16,),
                                  "max_epochs": 3, "batch_size": 32, "random_state": 0,
                                  **params})


def flow(**params) -> GaussianFlow:
    """Two transforms with one hidden layer of 16, three epochs, seeded."""
    return GaussianFlow(**{"n_transforms": 2, "hidden_layer_sizes": (16,), "max_epochs": 3,
                           "batch_size": 32, "random_state": 0, **params})
