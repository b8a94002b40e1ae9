"""GaussianityDisplay: radii and pairwise-distance Q-Q plots, coordinate histograms and
the least-Gaussian 2-D projection of codes vs N(0, I)."""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy import stats
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_array

from ._base import _name, _pyplot
from ._statistics import _ks_normal, _pair_half_sqdists, _qq_chi2, _worst_plane

__all__ = ["GaussianityDisplay"]

# radii 1, 2, 3 of N(0, I_2) enclose P(chi2_2 <= r^2) = 1 - exp(-r^2 / 2)
_SIGMA_LEVELS = (1.0, 2.0, 3.0)


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

    def plot(
        self, ax=None, *, max_points: int = 3000, clip_quantile: float | None = 0.99
    ) -> GaussianityDisplay:
        """Draw the four views in a 2 x 2 layout.

        Parameters
        ----------
        ax : matplotlib Axes, default=None
            Area to draw in (it is replaced by the panels); a new figure if None.
        max_points : int, default=3000
            At most this many points scattered in view (d).
        clip_quantile : float in (0, 1] or None, default=0.99
            The Q–Q views (a), (b) show values up to
            ``1.1 * max(largest chi2 quantile, this quantile of the values)``, so one
            outlier does not flatten the rest; values above are drawn as red
            triangles on the top edge and counted in the legend. None shows all.

        Returns
        -------
        self : GaussianityDisplay
        """
        plt = _pyplot(f"{type(self).__name__}.plot")
        if clip_quantile is not None and not 0 < clip_quantile <= 1:
            raise ValueError(f"clip_quantile must be in (0, 1] or None, got {clip_quantile!r}.")
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
                clip_quantile,
            ),
            "pairs": self._plot_qq(
                panels[0, 1].subplots(),
                self.pairs_theoretical,
                self.pairs_empirical,
                r"(b) pairwise $\|z_i - z_j\|^2/2$",
                f"$\\chi^2_{{{d}}}$ quantiles",
                r"sorted $\|z_i - z_j\|^2/2$",
                clip_quantile,
            ),
            "coordinates": self._plot_coordinates(panels[1, 0]),
            "projection": self._plot_projection(panels[1, 1].subplots(), max_points),
        }
        self.figure_ = figure
        return self

    @staticmethod
    def _plot_qq(ax, theoretical, empirical, title: str, xlabel: str, ylabel: str,
                 clip_quantile: float | None = None):
        top = max(theoretical[-1], empirical[-1])
        if clip_quantile is not None:
            top = min(top, 1.1 * max(theoretical[-1], np.quantile(empirical, clip_quantile)))
        inside = empirical <= top
        ax.plot([0, top], [0, top], color="0.5", ls="--", lw=1, label="y = x (N(0, I))")
        ax.plot(theoretical[inside], empirical[inside], ".", ms=3, alpha=0.6, label="codes")
        if not inside.all():
            k = int((~inside).sum())
            ax.plot(theoretical[~inside], np.full(k, top), "^", ms=6, color="C3",
                    clip_on=False, zorder=5,
                    label=f"{k} clipped above (max {empirical[-1]:.3g})")
        ax.set_ylim(0, top * 1.02)
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
