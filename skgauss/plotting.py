r"""Displays: how Gaussian the codes are, how training went, what samples look like.

Each class follows scikit-learn's Display API (``sklearn.metrics.RocCurveDisplay``):
a ``from_estimator`` (or ``from_codes``) classmethod computes the data, stores it
as attributes and calls :meth:`plot`, which draws it, stores ``figure_`` and
``ax_``/``axes_`` and returns the display. matplotlib is an optional extra
(``pip install 'skgauss[plot]'``), imported only when a display is built.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from scipy import stats
from scipy.special import ndtr
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_array

__all__ = ["GaussianityDisplay", "SampleDisplay", "TrainingCurveDisplay"]

_EXTRA = "pip install 'skgauss[plot]'"
# radii 1, 2, 3 of N(0, I_2) enclose P(chi2_2 <= r^2) = 1 - exp(-r^2 / 2)
_SIGMA_LEVELS = (1.0, 2.0, 3.0)


def _pyplot(what: str) -> Any:
    """Import ``matplotlib.pyplot`` or say which extra to install."""
    try:
        import matplotlib.pyplot as plt
    except ImportError as exc:
        raise ImportError(f"{what} requires matplotlib: {_EXTRA}") from exc
    return plt


def _name(estimator: Any, name: str | None) -> str:
    return name if name is not None else type(estimator).__name__


def _plotting_positions(n: int) -> np.ndarray:
    """Hazen plotting positions :math:`(i - 1/2) / n`, :math:`i = 1..n`."""
    return (np.arange(1, n + 1) - 0.5) / n


def _qq_chi2(values: np.ndarray, df: int) -> tuple[np.ndarray, np.ndarray]:
    r"""Sorted ``values`` and the matching :math:`\chi^2_{df}` quantiles."""
    empirical = np.sort(values)
    return stats.chi2.ppf(_plotting_positions(empirical.size), df), empirical


def _pair_half_sqdists(Z: np.ndarray, max_pairs: int, rng) -> np.ndarray:
    r""":math:`\lVert z_i - z_j \rVert^2 / 2` over all pairs, or ``max_pairs`` random
    pairs :math:`i \neq j` when there are more."""
    n = Z.shape[0]
    if n * (n - 1) // 2 <= max_pairs:
        i, j = np.triu_indices(n, k=1)
    else:
        i = rng.integers(n, size=max_pairs)
        j = (i + rng.integers(1, n, size=max_pairs)) % n
    return 0.5 * np.sum((Z[i] - Z[j]) ** 2, axis=1)


def _ks_normal(P: np.ndarray) -> np.ndarray:
    r"""Kolmogorov–Smirnov statistic of each column (last axis −2) vs N(0, 1):
    :math:`D = \sup_t |F_n(t) - \Phi(t)|`."""
    n = P.shape[-2]
    F = ndtr(np.sort(P, axis=-2))
    i = np.arange(1, n + 1)[:, None]
    return np.maximum((i / n - F).max(axis=-2), (F - (i - 1) / n).max(axis=-2))


def _worst_plane(Z: np.ndarray, n_directions: int, n_angles: int, rng):
    """The random orthonormal pair whose plane holds the largest 1-D KS statistic."""
    d = Z.shape[1]
    Q, _ = np.linalg.qr(rng.standard_normal((n_directions, d, 2)))  # (m, d, 2)
    theta = np.pi * np.arange(n_angles) / n_angles
    U = Q @ np.stack([np.cos(theta), np.sin(theta)])  # (m, d, angles) unit vectors
    worst = _ks_normal(np.einsum("nd,mda->mna", Z, U)).max(axis=1)  # (m,)
    k = int(np.argmax(worst))
    return Q[k].T, Z @ Q[k], float(worst[k])


class GaussianityDisplay:
    r"""Four views of how far codes :math:`z_1, \dots, z_n` are from N(0, I_d).

    (a) **Radii.** If :math:`z \sim N(0, I_d)` then :math:`\lVert z \rVert^2 \sim
    \chi^2_d`: the sorted squared norms are plotted against the
    :math:`\chi^2_d` quantiles at :math:`(i - 1/2)/n`; points on the diagonal
    mean the right radial law (scale, tails, a hollow centre all show here).

    (b) **Pairwise distances.** For independent :math:`z_i, z_j \sim N(0, I_d)`,
    :math:`z_i - z_j \sim N(0, 2 I_d)`, so :math:`\lVert z_i - z_j \rVert^2 / 2
    \sim \chi^2_d` whatever the location: a Q–Q plot of these half squared
    distances checks spread and clustering without reference to the origin.

    (c) **Coordinates.** Histograms of single coordinates with the N(0, 1)
    density; with more than ``max_coordinates`` coordinates, those with the
    largest Kolmogorov–Smirnov statistic :math:`\sup_t |F_n(t) - \Phi(t)|`.

    (d) **Least-Gaussian plane.** Among ``n_directions`` random orthonormal pairs
    :math:`(a, b)` the one whose plane contains the direction
    :math:`u = a\cos\theta + b\sin\theta` (8 angles :math:`\theta`) with the
    largest KS statistic of :math:`z^\top u` vs N(0, 1) — a sliced search for
    the worst 2-D view. The codes projected on it are scattered over the
    N(0, I_2) circles of radius 1, 2, 3, which hold 39%, 86% and 99% of the mass
    (:math:`P(\chi^2_2 \le r^2) = 1 - e^{-r^2/2}`). With ``d = 1`` there is no
    plane and this panel says so.

    Build it with :meth:`from_codes` or :meth:`from_estimator`.

    Parameters
    ----------
    radii_theoretical, radii_empirical : ndarray of shape (n_samples,)
        :math:`\chi^2_d` quantiles and sorted :math:`\lVert z \rVert^2`.
    pairs_theoretical, pairs_empirical : ndarray of shape (n_pairs,)
        :math:`\chi^2_d` quantiles and sorted :math:`\lVert z_i - z_j \rVert^2/2`.
    codes : ndarray of shape (n_samples, n_components)
        The codes.
    coordinates : ndarray of int
        Indices of the coordinates given a histogram.
    coordinate_statistics : ndarray of shape (n_components,)
        KS statistic of every coordinate vs N(0, 1).
    projection : ndarray of shape (n_samples, 2) or None
        Codes projected on the least-Gaussian plane (None when ``d = 1``).
    projection_statistic : float or None
        The largest 1-D KS statistic found in that plane.
    directions : ndarray of shape (2, n_components) or None
        The orthonormal pair :math:`(a, b)` spanning the plane.
    estimator_name : str, default=None
        Shown in the title.

    Attributes
    ----------
    figure_ : matplotlib Figure
    axes_ : dict
        ``"radii"``, ``"pairs"``, ``"projection"`` (Axes) and ``"coordinates"``
        (ndarray of Axes).

    See Also
    --------
    skgauss.stats.radii_test, skgauss.stats.sliced_test : the matching tests.

    Examples
    --------
    >>> import numpy as np
    >>> from skgauss.plotting import GaussianityDisplay
    >>> Z = np.random.default_rng(0).standard_normal((500, 3))
    >>> disp = GaussianityDisplay.from_codes(Z)
    >>> disp.radii_empirical.shape, disp.directions.shape
    ((500,), (2, 3))
    """

    def __init__(
        self,
        *,
        radii_theoretical: np.ndarray,
        radii_empirical: np.ndarray,
        pairs_theoretical: np.ndarray,
        pairs_empirical: np.ndarray,
        codes: np.ndarray,
        coordinates: np.ndarray,
        coordinate_statistics: np.ndarray,
        projection: np.ndarray | None,
        projection_statistic: float | None,
        directions: np.ndarray | None,
        estimator_name: str | None = None,
    ) -> None:
        self.radii_theoretical = radii_theoretical
        self.radii_empirical = radii_empirical
        self.pairs_theoretical = pairs_theoretical
        self.pairs_empirical = pairs_empirical
        self.codes = codes
        self.coordinates = coordinates
        self.coordinate_statistics = coordinate_statistics
        self.projection = projection
        self.projection_statistic = projection_statistic
        self.directions = directions
        self.estimator_name = estimator_name

    @classmethod
    def from_codes(
        cls,
        Z,
        *,
        max_pairs: int = 5000,
        max_coordinates: int = 8,
        n_directions: int = 200,
        random_state=0,
        name: str | None = None,
        ax=None,
    ) -> GaussianityDisplay:
        """Compute the four views of codes ``Z`` and plot them.

        Parameters
        ----------
        Z : array-like of shape (n_samples, n_components)
            Codes, at least two rows.
        max_pairs : int, default=5000
            At most this many pairs (drawn at random beyond it) in view (b).
        max_coordinates : int, default=8
            At most this many coordinate histograms in view (c).
        n_directions : int, default=200
            Random direction pairs searched in view (d).
        random_state : int, RandomState instance or None, default=0
            Seeds the pairs and the directions.
        name : str, default=None
            Shown in the title.
        ax : matplotlib Axes, default=None
            Area to draw in (replaced by the panels); a new figure if None.

        Returns
        -------
        display : GaussianityDisplay
        """
        _pyplot(f"{cls.__name__}.from_codes")
        Z = check_array(Z, ensure_min_samples=2, dtype=np.float64)
        d = Z.shape[1]
        rng = np.random.default_rng(check_random_state(random_state).randint(2**31))
        ks = _ks_normal(Z)
        coordinates = np.sort(np.argsort(-ks, kind="stable")[:max_coordinates])
        radii = _qq_chi2(np.sum(Z**2, axis=1), d)
        pairs = _qq_chi2(_pair_half_sqdists(Z, max_pairs, rng), d)
        directions, projection, statistic = (
            _worst_plane(Z, n_directions, 8, rng) if d >= 2 else (None, None, None)
        )
        display = cls(
            radii_theoretical=radii[0],
            radii_empirical=radii[1],
            pairs_theoretical=pairs[0],
            pairs_empirical=pairs[1],
            codes=Z,
            coordinates=coordinates,
            coordinate_statistics=ks,
            projection=projection,
            projection_statistic=statistic,
            directions=directions,
            estimator_name=name,
        )
        return display.plot(ax=ax)

    @classmethod
    def from_estimator(
        cls, estimator: Any, X, *, name: str | None = None, **kwargs: Any
    ) -> GaussianityDisplay:
        """:meth:`from_codes` of ``estimator.transform(X)``, titled with its name.

        Parameters
        ----------
        estimator : fitted transformer
            Typically a :class:`skgauss.GaussianAutoencoder`.
        X : array-like of shape (n_samples, n_features)
        name : str, default=None
            Defaults to the estimator's class name.
        **kwargs
            Passed to :meth:`from_codes`.

        Returns
        -------
        display : GaussianityDisplay
        """
        _pyplot(f"{cls.__name__}.from_estimator")
        Z = estimator.transform(X)
        return cls.from_codes(Z, name=_name(estimator, name), **kwargs)

    def plot(self, ax=None, *, max_points: int = 3000) -> GaussianityDisplay:
        """Draw the four views in a 2 x 2 layout.

        Parameters
        ----------
        ax : matplotlib Axes, default=None
            Area to draw in (it is replaced by the panels); a new figure if None.
        max_points : int, default=3000
            At most this many points scattered in view (d).

        Returns
        -------
        self : GaussianityDisplay
        """
        plt = _pyplot(f"{type(self).__name__}.plot")
        n, d = self.codes.shape
        if ax is None:
            figure = plt.figure(figsize=(11, 9), constrained_layout=True)
            container = figure
        else:
            figure = ax.figure
            container = figure.add_subfigure(ax.get_subplotspec())
            ax.remove()
        title = f"Gaussianity of codes (n={n}, d={d})"
        if self.estimator_name:
            title = f"{title}: {self.estimator_name}"
        container.suptitle(title, fontsize="large")
        panels = container.subfigures(2, 2)
        self.axes_ = {
            "radii": self._plot_qq(
                panels[0, 0].subplots(),
                self.radii_theoretical,
                self.radii_empirical,
                r"(a) squared radii $\|z\|^2$",
                f"$\\chi^2_{{{d}}}$ quantiles",
                r"sorted $\|z\|^2$",
            ),
            "pairs": self._plot_qq(
                panels[0, 1].subplots(),
                self.pairs_theoretical,
                self.pairs_empirical,
                r"(b) pairwise $\|z_i - z_j\|^2/2$",
                f"$\\chi^2_{{{d}}}$ quantiles",
                r"sorted $\|z_i - z_j\|^2/2$",
            ),
            "coordinates": self._plot_coordinates(panels[1, 0]),
            "projection": self._plot_projection(panels[1, 1].subplots(), max_points),
        }
        self.figure_ = figure
        return self

    @staticmethod
    def _plot_qq(ax, theoretical, empirical, title: str, xlabel: str, ylabel: str):
        top = max(theoretical[-1], empirical[-1])
        ax.plot([0, top], [0, top], color="0.5", ls="--", lw=1, label="y = x (N(0, I))")
        ax.plot(theoretical, empirical, ".", ms=3, alpha=0.6, label="codes")
        ax.set(title=title, xlabel=xlabel, ylabel=ylabel)
        ax.legend(loc="upper left")
        return ax

    def _plot_coordinates(self, panel):
        k = len(self.coordinates)
        ncols = min(k, 4)
        axes = panel.subplots(-(-k // ncols), ncols, squeeze=False)
        shown = self.codes[:, self.coordinates]
        lim = max(4.0, float(np.quantile(np.abs(shown), 0.999)))
        grid = np.linspace(-lim, lim, 200)
        for ax, j in zip(axes.flat, self.coordinates, strict=False):
            ax.hist(
                self.codes[:, j],
                bins=30,
                range=(-lim, lim),
                density=True,
                color="C0",
                alpha=0.6,
                label="codes",
            )
            ax.plot(grid, stats.norm.pdf(grid), color="C3", lw=1.2, label="N(0, 1)")
            ax.set_title(f"KS = {self.coordinate_statistics[j]:.2f}", fontsize="small")
            ax.tick_params(labelsize="x-small")
            ax.set_yticks([])
            ax.set_xlabel(f"$z_{{{j + 1}}}$", fontsize="small")
        for ax in axes.flat[k:]:
            ax.set_axis_off()
        panel.legend(
            *axes.flat[0].get_legend_handles_labels(),
            ncols=2,
            loc="outside lower center",
            fontsize="small",
        )
        d = self.codes.shape[1]
        note = "" if k == d else f", {k} least Gaussian of {d}"
        panel.suptitle(f"(c) coordinates vs N(0, 1){note}")
        panel.supylabel("density", fontsize="medium")
        return axes

    def _plot_projection(self, ax, max_points: int):
        if self.projection is None:
            ax.text(
                0.5,
                0.5,
                "d = 1: no 2-D projection\n(see the histogram in (c))",
                ha="center",
                va="center",
                transform=ax.transAxes,
            )
            ax.set_title("(d) least-Gaussian 2-D projection")
            ax.set_axis_off()
            return ax
        ax.set(xlabel=r"$z^\top a$", ylabel=r"$z^\top b$")
        P = self.projection[:max_points]
        ax.scatter(P[:, 0], P[:, 1], s=4, alpha=0.4, label="codes")
        t = np.linspace(0, 2 * np.pi, 200)
        for r in _SIGMA_LEVELS:
            mass = 100 * (1 - np.exp(-(r**2) / 2))
            ax.plot(
                r * np.cos(t),
                r * np.sin(t),
                color="C3",
                lw=1,
                ls=("-", "--", ":")[int(r) - 1],
                label=f"N(0, I): r={r:.0f} ({mass:.0f}%)",
            )
        ax.set_aspect("equal", adjustable="datalim")
        ax.set_title(
            f"(d) least-Gaussian 2-D projection (max KS "
            f"{self.projection_statistic:.3f})"
        )
        ax.figure.legend(
            *ax.get_legend_handles_labels(),
            ncols=2,
            loc="outside lower center",
            fontsize="small",
        )
        return ax


class TrainingCurveDisplay:
    """Reconstruction error and penalty per epoch, train and validation.

    Each panel uses a log y-scale when all of its values are positive.
    Validation curves are drawn only when the fit had a validation split.

    Parameters
    ----------
    epochs : ndarray of shape (n_epochs,)
    train_recon, train_penalty : ndarray of shape (n_epochs,)
        Mean reconstruction MSE and (unweighted) penalty on the training batches.
    valid_recon, valid_penalty : ndarray of shape (n_epochs,) or None
        The same on the validation split, or None without one.
    estimator_name : str, default=None
        Shown in the title.

    Attributes
    ----------
    figure_ : matplotlib Figure
    axes_ : ndarray of 2 Axes
        Reconstruction, penalty.
    """

    def __init__(
        self,
        *,
        epochs: np.ndarray,
        train_recon: np.ndarray,
        train_penalty: np.ndarray,
        valid_recon: np.ndarray | None = None,
        valid_penalty: np.ndarray | None = None,
        estimator_name: str | None = None,
    ) -> None:
        self.epochs = epochs
        self.train_recon = train_recon
        self.train_penalty = train_penalty
        self.valid_recon = valid_recon
        self.valid_penalty = valid_penalty
        self.estimator_name = estimator_name

    @classmethod
    def from_estimator(
        cls, estimator: Any, *, name: str | None = None, ax=None
    ) -> TrainingCurveDisplay:
        """Read ``estimator.history_`` and plot it.

        Parameters
        ----------
        estimator : fitted GaussianAutoencoder
            Anything with a ``history_`` list of per-epoch dicts holding
            ``epoch``, ``train_recon``, ``train_penalty`` and optionally
            ``valid_recon``, ``valid_penalty``.
        name : str, default=None
            Defaults to the estimator's class name.
        ax : sequence of 2 matplotlib Axes, default=None
            New figure if None.

        Returns
        -------
        display : TrainingCurveDisplay
        """
        _pyplot(f"{cls.__name__}.from_estimator")
        history = estimator.history_

        def column(key: str) -> np.ndarray | None:
            if not all(key in row for row in history):
                return None
            return np.array([row[key] for row in history], dtype=float)

        display = cls(
            epochs=column("epoch"),
            train_recon=column("train_recon"),
            train_penalty=column("train_penalty"),
            valid_recon=column("valid_recon"),
            valid_penalty=column("valid_penalty"),
            estimator_name=_name(estimator, name),
        )
        return display.plot(ax=ax)

    def plot(self, ax: Sequence | None = None) -> TrainingCurveDisplay:
        """Draw reconstruction and penalty curves side by side.

        Parameters
        ----------
        ax : sequence of 2 matplotlib Axes, default=None
            New figure if None.

        Returns
        -------
        self : TrainingCurveDisplay
        """
        plt = _pyplot(f"{type(self).__name__}.plot")
        if ax is None:
            figure, axes = plt.subplots(1, 2, figsize=(10, 4), constrained_layout=True)
        else:
            axes = np.asarray(ax, dtype=object).ravel()
            figure = axes[0].figure
        panels = (
            ("reconstruction", "MSE", self.train_recon, self.valid_recon),
            ("penalty", "penalty (before α)", self.train_penalty, self.valid_penalty),
        )
        for a, (what, ylabel, train, valid) in zip(axes, panels, strict=True):
            a.plot(self.epochs, train, marker=".", label="train")
            if valid is not None:
                a.plot(self.epochs, valid, marker=".", label="validation")
            values = np.concatenate([train, valid if valid is not None else []])
            if np.all(values > 0):
                a.set_yscale("log")
            a.set(title=what, xlabel="epoch", ylabel=ylabel)
            a.legend()
        if self.estimator_name:
            figure.suptitle(f"{self.estimator_name}: training curves")
        self.figure_, self.axes_ = figure, axes
        return self


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
        if ax is None:
            figure, axes = plt.subplots(
                1, 3, figsize=(12, 4.6), constrained_layout=True
            )
        else:
            axes = np.asarray(ax, dtype=object).ravel()
            figure = axes[0].figure
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
