"""SampleDisplay: real rows, reconstructions and decoded N(0, I) samples as image grids."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_array

from ._base import _name, _pyplot, _row_of_axes

__all__ = ["SampleDisplay"]


def _mosaic(images: np.ndarray, ncols: int) -> np.ndarray:
    """Tile ``(n, h, w)`` images into one array with NaN gutters."""
    n, h, w = images.shape
    nrows = -(-n // ncols)
    out = np.full((nrows * (h + 1) - 1, ncols * (w + 1) - 1), np.nan)
    for k, image in enumerate(images):
        r, c = divmod(k, ncols)
        out[r * (h + 1) : r * (h + 1) + h, c * (w + 1) : c * (w + 1) + w] = image
    return out


class SampleDisplay:
    """Real rows, their reconstructions and decoded N(0, I) samples as images.

    Parameters
    ----------
    real_images, reconstructed_images, sampled_images : ndarray of shape (n, h, w)
        Rows of ``X``, ``inverse_transform(transform(X))`` of those rows and
        ``sample(n)``, all mapped by ``inverse`` when given.
    estimator_name : str, default=None
        Shown in the title.

    Attributes
    ----------
    figure_ : matplotlib Figure
    axes_ : ndarray of 3 Axes
        Real, reconstructed, sampled.
    """

    def __init__(
        self,
        *,
        real_images: np.ndarray,
        reconstructed_images: np.ndarray,
        sampled_images: np.ndarray,
        estimator_name: str | None = None,
    ) -> None:
        self.real_images = real_images
        self.reconstructed_images = reconstructed_images
        self.sampled_images = sampled_images
        self.estimator_name = estimator_name

    @classmethod
    def from_estimator(
        cls,
        estimator: Any,
        X,
        *,
        image_shape: tuple[int, int] = (8, 8),
        n_samples: int = 25,
        random_state=0,
        inverse: Callable[[np.ndarray], np.ndarray] | None = None,
        name: str | None = None,
        ax=None,
    ) -> SampleDisplay:
        """Draw ``n_samples`` random rows of ``X`` and ``n_samples`` decoded samples.

        Parameters
        ----------
        estimator : fitted GaussianAutoencoder
            Needs ``transform``, ``inverse_transform`` and ``sample``.
        X : array-like of shape (n_samples_X, n_features)
            ``n_features`` must equal ``prod(image_shape)``.
        image_shape : tuple of int, default=(8, 8)
            Height and width of one image.
        n_samples : int, default=25
            Images per grid (at most the rows of ``X`` for the real grid).
        random_state : int, RandomState instance or None, default=0
            Seeds the choice of rows and the samples.
        inverse : callable, default=None
            Maps rows back to the original scale before display, e.g. a fitted
            ``StandardScaler().inverse_transform``.
        name : str, default=None
            Defaults to the estimator's class name.
        ax : sequence of 3 matplotlib Axes, default=None
            New figure if None.

        Returns
        -------
        display : SampleDisplay

        Raises
        ------
        ValueError
            If ``n_features != prod(image_shape)``.
        """
        _pyplot(f"{cls.__name__}.from_estimator")
        X = check_array(X)
        if X.shape[1] != int(np.prod(image_shape)):
            raise ValueError(
                f"image_shape={tuple(image_shape)} holds {int(np.prod(image_shape))} "
                f"pixels but X has {X.shape[1]} features"
            )
        rng = check_random_state(random_state)
        rows = X[rng.choice(X.shape[0], size=min(n_samples, X.shape[0]), replace=False)]
        seed = rng.randint(2**31)
        images = [
            rows,
            estimator.inverse_transform(estimator.transform(rows)),
            estimator.sample(n_samples, random_state=seed),
        ]
        if inverse is not None:
            images = [inverse(x) for x in images]
        real, recon, sampled = (np.asarray(x).reshape(-1, *image_shape) for x in images)
        display = cls(
            real_images=real,
            reconstructed_images=recon,
            sampled_images=sampled,
            estimator_name=_name(estimator, name),
        )
        return display.plot(ax=ax)

    def plot(
        self, ax: Sequence | None = None, *, cmap: str = "gray_r"
    ) -> SampleDisplay:
        """Show the three image grids side by side on one colour scale (the real
        images' range).

        Parameters
        ----------
        ax : sequence of 3 matplotlib Axes, default=None
            New figure if None.
        cmap : str, default="gray_r"

        Returns
        -------
        self : SampleDisplay
        """
        plt = _pyplot(f"{type(self).__name__}.plot")
        figure, axes = _row_of_axes(plt, ax, 3, figsize=(12, 4.6))
        vmin, vmax = np.nanmin(self.real_images), np.nanmax(self.real_images)
        grids = (
            ("real", self.real_images),
            ("reconstructed", self.reconstructed_images),
            ("sampled from N(0, I)", self.sampled_images),
        )
        for a, (title, images) in zip(axes, grids, strict=True):
            ncols = int(np.ceil(np.sqrt(len(images))))
            a.imshow(
                _mosaic(images, ncols),
                vmin=vmin,
                vmax=vmax,
                cmap=plt.get_cmap(cmap).with_extremes(bad="lightsteelblue"),
                interpolation="nearest",
            )
            a.set_title(f"{title} ({len(images)})")
            a.set_xticks([])
            a.set_yticks([])
            a.set_xlabel(f"{images.shape[1]}x{images.shape[2]} images")
        if self.estimator_name:
            figure.suptitle(f"{self.estimator_name}: real vs decoded")
        self.figure_, self.axes_ = figure, axes
        return self
