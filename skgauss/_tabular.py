r"""Mixed-type tables in and out of a float matrix (private).

:class:`_TableCodec` is fitted on a pandas or polars DataFrame (or a numeric
array) and maps it to the matrix the network sees, and back:

- numeric columns (float, int) become one column each, standardised with the
  training mean and standard deviation (``scale_numeric=True``);
- categorical columns (``category``, string/object, bool, or any column named in
  ``categorical_features``) become a one-hot block over the training categories,
  missing values (NaN/None/null) being a category of their own;
- the encoded layout is ``[numeric columns..., block 1, block 2, ...]``.

Decoding reads numeric columns back (undo the scaling, round integer columns,
clip to the training range), and each block either by arg-max or by a draw from
the softmax of its logits, and rebuilds a DataFrame with the training columns in
order and their dtypes. The fitted state is JSON primitives plus float arrays
(:meth:`_TableCodec.get_state`), so :func:`skgauss.save` stores it without pickle.
"""

from __future__ import annotations

import numbers
from collections.abc import Sequence

import numpy as np

__all__: list[str] = []

KINDS = ("float", "int", "category")


def _is_missing(value) -> bool:
    """NaN, None, pandas' NA/NaT and polars' null all count as missing."""
    if value is None:
        return True
    try:
        return bool(value != value)  # NaN, NaT; pd.NA raises
    except TypeError:
        return True


def _python(value):
    """A JSON-friendly Python scalar for a category value (numpy scalars unwrapped)."""
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, (bool, str)) or value is None:
        return value
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, numbers.Real):
        return float(value)
    raise TypeError(
        f"category value {value!r} of type {type(value).__name__} cannot be stored; "
        "categories must be strings, numbers or booleans"
    )


def _frame_kind(X) -> str:
    module = type(X).__module__.split(".")[0]
    if module == "pandas" and hasattr(X, "columns"):
        return "pandas"
    if module == "polars" and hasattr(X, "columns"):
        return "polars"
    return "array"


def _as_pandas(X):
    """pandas DataFrame of ``X`` (polars converts through pyarrow), or None for arrays."""
    kind = _frame_kind(X)
    if kind == "polars":
        return X.to_pandas()
    return X if kind == "pandas" else None


def _dtype_kind(dtype) -> str:
    """``"float"``, ``"int"``, ``"bool"``, ``"category"`` or ``"string"`` (text)
    from a pandas/numpy dtype; ``ValueError`` for other kinds (dates...)."""
    name = str(dtype)
    if name == "category":
        return "category"
    if name in ("bool", "boolean"):
        return "bool"
    if name in ("object", "string", "str") or name.startswith("string"):
        return "string"
    kind = getattr(dtype, "kind", None)
    if kind in "iu":
        return "int"
    if kind == "f":
        return "float"
    raise ValueError(f"dtype {name} is not supported: convert it to a number or a category")


def column_kinds(X, categorical_features="from_dtype") -> tuple[list[str], np.ndarray, list[str]]:
    """Column names, a boolean mask of categorical columns and each column's
    dtype kind (see :func:`_dtype_kind`), following scikit-learn's
    ``HistGradientBoosting*(categorical_features=...)``.

    ``categorical_features`` is ``"from_dtype"`` (``category``, string/object
    and bool columns), a list of column names or integer indices, or a boolean
    mask. Bool columns are always categorical (two categories); text columns
    that are not declared categorical raise ``ValueError`` naming them.
    """
    df = _as_pandas(X)
    if df is None:
        A = np.asarray(X)
        if A.ndim != 2:
            raise ValueError(f"expected a 2-D table, got an array of shape {A.shape}")
        names = [f"x{i}" for i in range(A.shape[1])]
        dkinds = [_dtype_kind(A.dtype)] * A.shape[1]
    else:
        names = [str(c) for c in df.columns]
        dkinds = []
        for c in df.columns:
            try:
                dkinds.append(_dtype_kind(df[c].dtype))
            except ValueError as exc:
                raise ValueError(f"column {c!r}: {exc}") from None
    p = len(names)
    spec = categorical_features
    if isinstance(spec, str):
        if spec != "from_dtype":
            raise ValueError(
                f"categorical_features must be 'from_dtype', a list of column names or "
                f"indices, or a boolean mask; got {spec!r}"
            )
        mask = np.array([k in ("category", "string", "bool") for k in dkinds], dtype=bool)
    else:
        values = list(spec)
        if values and all(isinstance(v, (bool, np.bool_)) for v in values):
            if len(values) != p:
                raise ValueError(
                    f"categorical_features is a boolean mask of length {len(values)}, "
                    f"but X has {p} columns"
                )
            mask = np.array(values, dtype=bool)
        else:
            mask = np.zeros(p, dtype=bool)
            for v in values:
                if isinstance(v, str):
                    if v not in names:
                        raise ValueError(
                            f"categorical_features names {v!r}, which is not a column of X"
                        )
                    mask[names.index(v)] = True
                elif isinstance(v, numbers.Integral) and -p <= v < p:
                    mask[v] = True
                else:
                    raise ValueError(
                        f"categorical_features holds {v!r}: expected column names or "
                        f"integer indices in [0, {p})"
                    )
    mask |= np.array([k == "bool" for k in dkinds], dtype=bool)
    text = [n for n, k, m in zip(names, dkinds, mask, strict=True)
            if k in ("category", "string") and not m]
    if text:
        raise ValueError(
            f"columns {text} hold text or categories but are not in categorical_features; "
            "list them there or use categorical_features='from_dtype'"
        )
    return names, mask, dkinds


def _column_values(df, A, j: int) -> np.ndarray:
    if df is None:
        return A[:, j]
    return df[df.columns[j]].to_numpy(dtype=object if df[df.columns[j]].dtype.kind == "O"
                                      else None)


def _numeric(values, name: str) -> np.ndarray:
    """A numeric column as float64; missing or infinite values are refused."""
    try:
        x = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError):
        x = np.array([np.nan])
    if not np.isfinite(x).all():
        raise ValueError(
            f"column {name!r} has missing or infinite values; impute them first (e.g. "
            "sklearn.impute.SimpleImputer in a Pipeline before the estimator), or list "
            "the column in categorical_features to make missing a category"
        )
    return x


def _int_bounds(dtype: str) -> tuple[float, float]:
    """The range of an integer dtype (numpy's, or pandas' nullable ``Int8`` ...
    ``UInt64``); unbounded for any other."""
    try:
        info = np.iinfo(np.dtype(dtype.lower()))
    except (TypeError, ValueError):
        return -np.inf, np.inf
    # the largest float below the maximum: float(2**63 - 1) would round up past it
    return float(info.min), float(np.nextafter(float(info.max), 0.0))


class _TableCodec:
    """Fitted encoding of a table; build it with :meth:`fit` or :meth:`from_state`."""

    def __init__(self, state: dict, arrays: dict[str, np.ndarray]) -> None:
        self.container = state["container"]
        self.columns = list(state["columns"])
        self.kinds = list(state["kinds"])
        self.dtypes = list(state["dtypes"])
        self.categories = [None if c is None else list(c) for c in state["categories"]]
        self.has_missing = list(state["has_missing"])
        self.ordered = list(state["ordered"])
        self.handle_unknown = state["handle_unknown"]
        self.clip = bool(state["clip"])
        self.mean, self.scale = arrays["mean"], arrays["scale"]
        self.low, self.high = arrays["low"], arrays["high"]
        # training frequency of each category and the logit bias added when
        # sampling categories (see calibrated); zeros on the numeric columns
        self.frequencies, self.bias = arrays["frequencies"], arrays["bias"]
        self.numeric = [j for j, k in enumerate(self.kinds) if k != "category"]
        self.categorical = [j for j, k in enumerate(self.kinds) if k == "category"]
        sizes = [len(self.categories[j]) + self.has_missing[j] for j in self.categorical]
        stops = np.cumsum([len(self.numeric), *sizes])
        self.blocks = [(int(a), int(b)) for a, b in zip(stops[:-1], stops[1:], strict=True)]
        self.width = int(stops[-1])

    # ------------------------------------------------------------------ fitting
    @classmethod
    def fit(cls, X, categorical_features="from_dtype", *, scale_numeric: bool = True,
            clip: bool = True, handle_unknown: str = "error") -> _TableCodec:
        """Column kinds, categories, scaling and ranges of the training table ``X``."""
        names, mask, dkinds = column_kinds(X, categorical_features)
        df = _as_pandas(X)
        A = None if df is not None else np.asarray(X)
        state = dict(container=_frame_kind(X), columns=names, kinds=[], dtypes=[],
                     categories=[], has_missing=[], ordered=[],
                     handle_unknown=handle_unknown, clip=clip)
        mean, scale, low, high = [], [], [], []
        for j, name in enumerate(names):
            dtype = A.dtype if df is None else df[df.columns[j]].dtype
            values = _column_values(df, A, j)
            state["dtypes"].append(str(dtype))
            state["ordered"].append(bool(getattr(dtype, "ordered", False)))
            if mask[j]:
                missing = np.array([_is_missing(v) for v in values], dtype=bool)
                if str(dtype) == "category":
                    known = list(dtype.categories)
                else:
                    known = list(dict.fromkeys(values[~missing].tolist()))
                    try:
                        known = sorted(known)
                    except TypeError:  # mixed types: order of first appearance
                        pass
                state["kinds"].append("category")
                state["categories"].append([_python(v) for v in known])
                state["has_missing"].append(bool(missing.any()))
                continue
            x = _numeric(values, name)
            state["kinds"].append("int" if dkinds[j] == "int" else "float")
            state["categories"].append(None)
            state["has_missing"].append(False)
            sd = float(x.std()) if scale_numeric else 1.0
            mean.append(float(x.mean()) if scale_numeric else 0.0)
            scale.append(sd if sd > 0 else 1.0)
            low.append(float(x.min()))
            high.append(float(x.max()))
        arrays = {k: np.asarray(v, dtype=np.float64)
                  for k, v in dict(mean=mean, scale=scale, low=low, high=high).items()}
        width = len(mean) + sum(len(c) + m for c, m in zip(
            state["categories"], state["has_missing"], strict=True) if c is not None)
        arrays["frequencies"], arrays["bias"] = np.zeros(width), np.zeros(width)
        codec = cls(state, arrays)
        codec.frequencies[len(mean):] = codec.encode(X)[:, len(mean):].mean(axis=0)
        return codec

    def calibrated(self, M: np.ndarray) -> _TableCodec:
        r"""A copy whose sampling bias matches the training category frequencies.

        ``M`` holds decoder outputs of latent draws (as ``sample`` makes them).
        For each block the bias :math:`\beta` solves
        :math:`\operatorname{mean}_i \operatorname{softmax}(\ell_i + \beta) = p`
        (:math:`p` the training frequencies) by the fixed-point iteration
        :math:`\beta \leftarrow \beta + \log p - \log q(\beta)` of prior
        adjustment (Saerens et al., Neural Computation 14, 2002): the decoder's
        conditional laws are kept and only each column's marginal is moved.
        """
        bias = np.zeros(self.width)
        for a, b in self.blocks:
            logits = M[:, a:b] - M[:, a:b].max(axis=1, keepdims=True)
            target = np.log(np.maximum(self.frequencies[a:b], 1e-12))
            beta = np.zeros(b - a)
            for _ in range(200):
                e = np.exp(logits + beta)
                q = (e / e.sum(axis=1, keepdims=True)).mean(axis=0)
                if np.abs(q - self.frequencies[a:b]).max() < 1e-4:
                    break
                beta = np.clip(beta + target - np.log(np.maximum(q, 1e-300)), -50, 50)
            bias[a:b] = beta - beta.max()
        state, arrays = self.get_state()
        return type(self)(state, {**arrays, "bias": bias})

    # ------------------------------------------------------------------- encode
    def _frame(self, X):
        """``X`` as (pandas frame or None, array or None), checked against the
        training columns: a missing or renamed column is named in the error."""
        df = _as_pandas(X)
        if self.container == "array" or df is None:
            A = np.asarray(X)
            if A.ndim != 2 or A.shape[1] != len(self.columns):
                raise ValueError(f"X has shape {A.shape}, expected {len(self.columns)} "
                                 "columns")
            return None, A
        names = [str(c) for c in df.columns]
        missing = [c for c in self.columns if c not in names]
        if missing:
            extra = [c for c in names if c not in self.columns]
            raise ValueError(
                f"columns {missing} seen at fit are missing from X"
                + (f" (X has unknown columns {extra}: renamed?)" if extra else "")
            )
        return df[[df.columns[names.index(c)] for c in self.columns]], None

    def encode(self, X) -> np.ndarray:
        """The float matrix of ``X``: scaled numeric columns, then one-hot blocks."""
        df, A = self._frame(X)
        n = len(df) if df is not None else A.shape[0]
        out = np.zeros((n, self.width), dtype=np.float64)
        for i, j in enumerate(self.numeric):
            x = _numeric(_column_values(df, A, j), self.columns[j])
            out[:, i] = (x - self.mean[i]) / self.scale[i]
        for (start, stop), j in zip(self.blocks, self.categorical, strict=True):
            out[:, start:stop] = self._one_hot(_column_values(df, A, j), j, n, stop - start)
        return out

    def _one_hot(self, values, j: int, n: int, width: int) -> np.ndarray:
        cats = self.categories[j]
        index = {(type(c) is bool, c): k for k, c in enumerate(cats)}
        slot = len(cats) if self.has_missing[j] else -1
        codes = np.empty(n, dtype=np.int64)
        unknown = []
        for r, v in enumerate(values):
            v = _python(v) if isinstance(v, np.generic) else v
            if _is_missing(v):
                codes[r] = slot
            else:
                codes[r] = index.get((type(v) is bool, v), -1)
            if codes[r] < 0:
                unknown.append(v)
        if unknown and self.handle_unknown == "error":
            shown = list(dict.fromkeys(map(repr, unknown)))[:5]
            raise ValueError(
                f"column {self.columns[j]!r} has categories not seen at fit: "
                f"{', '.join(shown)}; set handle_unknown='ignore' to encode them as an "
                "all-zero block (e.g. when a rare category falls in one fold only)"
            )
        block = np.zeros((n, width))
        rows = np.flatnonzero(codes >= 0)
        block[rows, codes[rows]] = 1.0
        return block

    # ------------------------------------------------------------------- decode
    def probabilities(self, M: np.ndarray, bias: bool = False) -> np.ndarray:
        """``M`` with each categorical block's logits replaced by their softmax
        (after adding the sampling bias with ``bias``)."""
        P = np.array(M, dtype=np.float64) + (self.bias if bias else 0.0)
        for a, b in self.blocks:
            logits = P[:, a:b] - P[:, a:b].max(axis=1, keepdims=True)
            e = np.exp(logits)
            P[:, a:b] = e / e.sum(axis=1, keepdims=True)
        return P

    def decode(self, M: np.ndarray, random_state=None, *, as_array_dtype=None):
        """Rows of the training table from network outputs ``M`` (numeric values,
        then logits): categories by arg-max, or drawn from the softmax (logits
        plus the sampling bias) with the numpy ``random_state`` when given."""
        P = self.probabilities(M, bias=random_state is not None)
        out = {}
        for i, j in enumerate(self.numeric):
            x = P[:, i] * self.scale[i] + self.mean[i]
            if self.kinds[j] == "int":  # within what the column's dtype can hold
                x = np.rint(np.clip(x, *_int_bounds(self.dtypes[j])))
            if self.clip:
                x = np.clip(x, self.low[i], self.high[i])
            out[j] = x
        for (a, b), j in zip(self.blocks, self.categorical, strict=True):
            p = P[:, a:b]
            if random_state is None:
                codes = p.argmax(axis=1)
            else:
                u = random_state.random_sample(len(p))[:, None]
                codes = np.minimum((np.cumsum(p, axis=1) < u).sum(axis=1), b - a - 1)
            values = np.array(self.categories[j] + [None], dtype=object)
            out[j] = values[codes]
        return self._rebuild(out, len(P), as_array_dtype)

    def _rebuild(self, out: dict, n: int, as_array_dtype):
        if self.container == "array":
            cols = [np.asarray(out[j], dtype=np.float64) for j in range(len(self.columns))]
            return np.column_stack(cols).astype(as_array_dtype or np.float64) if cols \
                else np.empty((n, 0))
        import pandas as pd

        data = {}
        for j, name in enumerate(self.columns):
            dtype = self.dtypes[j]
            if dtype == "category":
                values = [v for v in out[j]]
                data[name] = pd.Categorical(values, categories=self.categories[j],
                                            ordered=self.ordered[j])
            elif self.kinds[j] == "category":
                # None becomes NaN / <NA> in float, string and nullable dtypes
                data[name] = pd.Series(out[j], dtype=object).astype(dtype)
            else:
                data[name] = pd.Series(out[j]).astype(dtype)
        df = pd.DataFrame(data, columns=self.columns)
        if self.container == "polars":
            import polars as pl

            return pl.from_pandas(df)
        return df

    # --------------------------------------------------------------- save/load
    def get_state(self) -> tuple[dict, dict[str, np.ndarray]]:
        """JSON primitives and float arrays that :meth:`from_state` rebuilds."""
        state = dict(container=self.container, columns=self.columns, kinds=self.kinds,
                     dtypes=self.dtypes, categories=self.categories,
                     has_missing=self.has_missing, ordered=self.ordered,
                     handle_unknown=self.handle_unknown, clip=self.clip)
        arrays = dict(mean=self.mean, scale=self.scale, low=self.low, high=self.high,
                      frequencies=self.frequencies, bias=self.bias)
        return state, arrays

    @staticmethod
    def check_state(state) -> tuple[int, int]:
        """``(numeric columns, encoded width)`` of a saved state; ``ValueError``
        for malformed state (checked before any array is read)."""
        keys = {"container", "columns", "kinds", "dtypes", "categories", "has_missing",
                "ordered", "handle_unknown", "clip"}
        if not isinstance(state, dict) or set(state) != keys:
            raise ValueError(f"table state must hold exactly the keys {sorted(keys)}")
        p = len(state["columns"]) if isinstance(state["columns"], list) else -1
        lists = ("columns", "kinds", "dtypes", "categories", "has_missing", "ordered")
        if p < 1 or any(not isinstance(state[k], list) or len(state[k]) != p for k in lists):
            raise ValueError("table state: columns, kinds, dtypes, categories, has_missing "
                             "and ordered must be lists of one entry per column")
        if state["container"] not in ("pandas", "polars", "array"):
            raise ValueError(f"table state: unknown container {state['container']!r}")
        if state["handle_unknown"] not in ("error", "ignore") or \
                not isinstance(state["clip"], bool):
            raise ValueError("table state: bad handle_unknown or clip")
        if not all(isinstance(c, str) for c in state["columns"]) or \
                len(set(state["columns"])) != p:
            raise ValueError("table state: columns must be distinct strings")
        width = 0
        for j in range(p):
            kind, cats = state["kinds"][j], state["categories"][j]
            if kind not in KINDS or not isinstance(state["dtypes"][j], str) or not all(
                    isinstance(state[k][j], bool) for k in ("has_missing", "ordered")):
                raise ValueError(f"table state: column {j} is malformed")
            if (kind == "category") != isinstance(cats, list):
                raise ValueError(f"table state: column {j} categories do not match its kind")
            if isinstance(cats, list) and not all(
                    isinstance(c, (str, bool, int, float)) for c in cats):
                raise ValueError(f"table state: column {j} has non-primitive categories")
            width += len(cats) + state["has_missing"][j] if isinstance(cats, list) else 1
        return sum(k != "category" for k in state["kinds"]), width

    @classmethod
    def from_state(cls, state, arrays: dict) -> _TableCodec:
        """Rebuild a codec, refusing malformed state or arrays with ``ValueError``."""
        n_num, width = cls.check_state(state)
        sizes = dict(mean=n_num, scale=n_num, low=n_num, high=n_num, frequencies=width,
                     bias=width)
        for key, size in sizes.items():
            a = arrays.get(key)
            if a is None or a.shape != (size,) or a.dtype.kind != "f" or \
                    not np.isfinite(a).all():
                raise ValueError(f"table array {key!r} must hold {size} finite floats")
        if (arrays["scale"] <= 0).any():
            raise ValueError("table array 'scale' must be positive")
        return cls(state, {k: np.asarray(arrays[k], dtype=np.float64) for k in sizes})

    @property
    def is_categorical(self) -> np.ndarray:
        return np.array([k == "category" for k in self.kinds], dtype=bool)


def pair_codes(*columns: Sequence) -> list[np.ndarray]:
    """Integer codes of categorical values shared across ``columns`` (one array
    each); missing values share one code."""
    index: dict = {}
    out = []
    for values in columns:
        codes = np.empty(len(values), dtype=np.int64)
        for r, v in enumerate(values):
            v = _python(v) if isinstance(v, np.generic) else v
            key = ("<missing>",) if _is_missing(v) else (type(v) is bool, v)
            codes[r] = index.setdefault(key, len(index))
        out.append(codes)
    return out

