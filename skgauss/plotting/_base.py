"""Shared pieces of the displays: the matplotlib import check and the title name."""

from __future__ import annotations

from typing import Any

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
