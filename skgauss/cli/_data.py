"""Data for ``skgauss compare``: the bundled datasets and reading ``--data`` (CSV or
Parquet) into a numeric matrix (text columns one-hot encoded, and decoded back for
the fidelity scores); :class:`InputError` for bad user input."""

from __future__ import annotations

import csv
from collections.abc import Sequence
from pathlib import Path

import numpy as np

__all__ = ["DATASETS", "MIN_ROWS", "InputError", "check_usable", "decode_table", "load_data"]

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



#: the largest |value| compare standardises (squares and sums stay finite)
MAX_ABS_VALUE = 1e100

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


MAX_CATEGORIES = 50


#: cells read as "missing" in a CSV column of numbers (compared lower-cased)
MISSING_MARKERS = frozenset({"", "na", "n/a", "nan", "null", "none", "?"})


def _is_number(value) -> bool:
    try:
        float(value)
    except (TypeError, ValueError):
        return False
    return True


def _refuse_gaps_in_numbers(name: str, values: Sequence) -> None:
    """A column whose cells are numbers but for some missing ones is a numeric
    column with gaps, not text: refuse it (one-hot encoding it would make every
    number a category)."""
    missing = [v is None or (isinstance(v, str) and v.strip().lower() in MISSING_MARKERS)
               for v in values]
    gaps = [i for i, gap in enumerate(missing) if gap]
    if gaps and all(_is_number(v) for v, gap in zip(values, missing, strict=True) if not gap):
        raise InputError(
            f"column {name!r} holds numbers with {len(gaps)} missing cell(s) (first in "
            f"data row {gaps[0] + 1}): fill or drop them; skgauss compare needs no "
            "missing values in numeric columns"
        )


def _encode_columns(header: Sequence[str], columns: Sequence[Sequence]) -> tuple:
    """Numeric columns as they are, text columns one-hot encoded (an empty cell is
    a category of its own); text columns with more than ``MAX_CATEGORIES``
    values, or a distinct value on more than half the rows (identifiers), are
    skipped. Returns ``(blocks, layout, skipped)``: the encoded column blocks
    and, per kept column, ``(name, categories or None)``."""
    blocks, layout, skipped = [], [], []
    for name, values in zip(header, columns, strict=True):
        try:
            blocks.append(np.asarray(values, dtype=float)[:, None])
            layout.append((name, None))
            continue
        except (TypeError, ValueError):
            pass
        _refuse_gaps_in_numbers(name, values)
        values = np.array(["" if v is None else str(v) for v in values], dtype=object)
        categories = sorted(set(values))
        if len(categories) > MAX_CATEGORIES or len(categories) > len(values) / 2:
            skipped.append(name)
            continue
        blocks.append((values[:, None] == np.array(categories, dtype=object)).astype(float))
        layout.append((name, categories))
    return blocks, layout, skipped


def decode_table(M: np.ndarray, layout: list):
    """Rows of the original table from encoded rows ``M``: numeric columns as
    they are, each one-hot block by arg-max. A plain array when every column is
    numeric, else a pandas DataFrame (None without pandas)."""
    if all(cats is None for _, cats in layout):
        return M
    try:
        import pandas as pd
    except ImportError:
        return None
    data, start = {}, 0
    for name, cats in layout:
        stop = start + (1 if cats is None else len(cats))
        data[name] = M[:, start] if cats is None else np.array(cats, dtype=object)[
            M[:, start:stop].argmax(axis=1)]
        start = stop
    return pd.DataFrame(data)


def load_data(args) -> tuple[np.ndarray, str, tuple | None, list[str]]:
    """Return ``(X, name, image_shape, notes, layout)`` for ``--data`` or
    ``--dataset`` (``layout``: per column, its name and categories, for
    :func:`decode_table`)."""
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
        targets = [t.strip() for spec in (args.target or []) for t in spec.split(",")
                   if t.strip()]
        unknown = [t for t in targets if t not in header]
        if unknown:
            raise InputError(f"--target {', '.join(unknown)}: not a column of {path}")
        columns = [c for h, c in zip(header, columns, strict=True) if h not in targets]
        header = [h for h in header if h not in targets]
        blocks, layout, skipped = _encode_columns(header, columns)
        if skipped:
            notes.append(f"skipped identifier-like text columns (more than "
                         f"{MAX_CATEGORIES} values or unique per row): {', '.join(skipped)}")
        text = [n for n, cats in layout if cats is not None]
        if text:
            notes.append(f"one-hot encoded text columns: {', '.join(text)}")
        if not blocks:
            raise InputError(f"{path} has no numeric or categorical columns")
        X = np.column_stack(blocks)
        if not np.isfinite(X).all():
            raise InputError(
                f"{path} has missing or infinite values in numeric columns"
            )
        if np.abs(X).max() > MAX_ABS_VALUE:
            raise InputError(
                f"{path} has values up to {np.abs(X).max():.3g}; standardising them "
                f"would overflow: rescale the columns to within {MAX_ABS_VALUE:.0e}"
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
        layout = [(f"x{j}", None) for j in range(X.shape[1])]
    if len(X) < MIN_ROWS:
        raise InputError(f"{len(X)} rows is too few: need at least {MIN_ROWS}")
    return X, name, image_shape, notes, layout


def check_usable(X: np.ndarray, name: str, n_components: int) -> None:
    """Refuse data with no more non-constant features than ``n_components``."""
    usable = int((np.ptp(X, axis=0) > 0).sum())
    if usable <= n_components:
        raise InputError(
            f"{name} has {usable} usable (non-constant) features after encoding, not more "
            f"than --n-components {n_components}: the codes would hold the whole data "
            f"and every ratio to PCA would be meaningless; use --n-components < {usable}"
        )
