"""TrainingCurveDisplay: reconstruction error and penalty per epoch."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ._base import _name, _pyplot, _row_of_axes

__all__ = ["TrainingCurveDisplay"]


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
        figure, axes = _row_of_axes(plt, ax, 2, figsize=(10, 4))
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
