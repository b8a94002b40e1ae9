"""Data for ``skgauss compare``: the bundled datasets and reading ``--data`` (CSV or
Parquet) into a numeric matrix; :class:`InputError` for bad user input."""

from __future__ import annotations

import csv
from collections.abc import Sequence
from pathlib import Path

import numpy as np

__all__ = ["DATASETS", "MIN_ROWS", "InputError", "load_data"]

DATASETS = {
    "digits": ("load_digits", (8, 8)),
    "breast_cancer": ("load_breast_cancer", None),
    "wine": ("load_wine", None),
    "diabetes": ("load_diabetes", None),
    "iris": ("load_iris", None),
}
MIN_ROWS = 20


class InputError(Exception):
    """Bad user input: reported as one line, exit code 2."""


def _read_table(path: Path):
    suffix = path.suffix.lower()
    if suffix in (".parquet", ".pq"):
        try:
            import pandas as pd

            return pd.read_parquet(path)
        except ImportError as exc:
            raise InputError(
                f"reading Parquet needs pandas and pyarrow ({exc})"
            ) from exc
        except Exception as exc:  # pyarrow raises many types for bad files
            raise InputError(f"cannot read {path} as Parquet: {exc}") from exc
    try:
        with open(path, newline="") as fh:
            rows = list(csv.reader(fh))
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read {path}: {exc}") from exc
    if len(rows) < 2:
        raise InputError(f"{path} has no data rows")
    return rows[0], rows[1:]


def _numeric_columns(header: Sequence[str], columns: Sequence[Sequence]) -> tuple:
    keep, skipped = [], []
    for name, values in zip(header, columns, strict=True):
        try:
            keep.append((name, np.asarray(values, dtype=float)))
        except (TypeError, ValueError):
            skipped.append(name)
    return keep, skipped


def load_data(args) -> tuple[np.ndarray, str, tuple | None, list[str]]:
    """Return ``(X, name, image_shape, notes)`` for ``--data`` or ``--dataset``."""
    notes: list[str] = []
    if args.data:
        path = Path(args.data)
        if not path.is_file():
            raise InputError(f"--data {path}: no such file")
        table = _read_table(path)
        if isinstance(table, tuple):
            header, body = table
            width = len(header)
            if any(len(r) != width for r in body):
                raise InputError(f"{path}: rows do not all have {width} fields")
            header = [h.strip() for h in header]
            columns = [[r[j].strip() for r in body] for j in range(width)]
        else:
            header = [str(c) for c in table.columns]
            columns = [table[c].to_numpy() for c in table.columns]
        if args.target is not None:
            if args.target not in header:
                raise InputError(f"--target {args.target!r} is not a column of {path}")
            j = header.index(args.target)
            header, columns = (
                header[:j] + header[j + 1 :],
                columns[:j] + columns[j + 1 :],
            )
        keep, skipped = _numeric_columns(header, columns)
        if skipped:
            notes.append(f"skipped non-numeric columns: {', '.join(skipped)}")
        if not keep:
            raise InputError(f"{path} has no numeric columns")
        X = np.column_stack([v for _, v in keep])
        if not np.isfinite(X).all():
            raise InputError(
                f"{path} has missing or infinite values in numeric columns"
            )
        name, image_shape = path.stem, None
    else:
        if args.dataset not in DATASETS:
            raise InputError(
                f"unknown dataset {args.dataset!r}; choose from {sorted(DATASETS)}"
            )
        import sklearn.datasets

        loader, image_shape = DATASETS[args.dataset]
        X, name = getattr(sklearn.datasets, loader)().data.astype(float), args.dataset
    if len(X) < MIN_ROWS:
        raise InputError(f"{len(X)} rows is too few: need at least {MIN_ROWS}")
    return X, name, image_shape, notes
