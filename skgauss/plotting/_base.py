"""Shared pieces of the displays: the matplotlib import check, the figure set-up
and the title name."""

from __future__ import annotations

from typing import Any

import numpy as np

__all__: list[str] = []

_EXTRA = "pip install 'skgauss[plot]'"


def _pyplot(what: str) -> Any:
    """Import ``matplotlib.pyplot`` or say which extra to install."""
    try:
        import matplotlib.pyplot as plt
    except ImportError as exc:
        raise ImportError(f"{what} requires matplotlib: {_EXTRA}") from exc
    return plt


def _name(estimator: Any, name: str | None) -> str:
    return name if name is not None else type(estimator).__name__


def _row_of_axes(plt: Any, ax: Any, n: int, figsize: tuple[float, float]) -> tuple:
    """``(figure, axes)``: a new figure of ``n`` axes in a row, or the given ``ax``
    (one or an array of axes) and its figure."""
    if ax is None:
        return plt.subplots(1, n, figsize=figsize, constrained_layout=True)
    axes = np.asarray(ax, dtype=object).ravel()
    return axes[0].figure, axes
