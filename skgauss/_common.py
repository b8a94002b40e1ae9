"""Functions the estimators' base (:mod:`skgauss._base`) builds on: input and
device checks, float32 conversion, batched inference, the all-or-nothing fit and
the fitted state that :mod:`skgauss.io` saves (the training loop's settings are
in :mod:`skgauss._net`)."""

from __future__ import annotations

import copy
import math
import numbers
import threading
import warnings
from contextlib import contextmanager

import numpy as np
import torch
from sklearn.utils import check_random_state
from sklearn.utils.validation import validate_data

from ._net import NonFiniteLossError
from ._threads import BLOCK, limit_threads

__all__: list[str] = []

#: Where the documentation site (``docs/``, built by Sphinx) is published; the API
#: pages are ``generated/<module>.<name>.html`` below it.
DOCS_URL = "https://skgauss.readthedocs.io/en/latest"


def check_n_samples(n_samples) -> None:
    """``n_samples`` of ``sample`` must be an integer >= 1."""
    if isinstance(n_samples, bool) or not isinstance(n_samples, numbers.Integral) \
            or n_samples < 1:
        raise ValueError(f"n_samples must be an integer >= 1, got {n_samples!r}")


def check_device(device) -> None:
    """``device`` must name a torch device that exists here, before any training."""
    try:
        kind = torch.device(device)
    except (RuntimeError, TypeError) as exc:
        raise ValueError(f"device={device!r} is not a torch device") from exc
    if kind.type == "cuda":
        count = torch.cuda.device_count() if torch.cuda.is_available() else 0
        if count == 0 or (kind.index or 0) >= count:
            raise ValueError(f"device={device!r}: this machine has {count} CUDA device(s); "
                             "use device='cpu'")
    elif kind.type == "mps":
        if not torch.backends.mps.is_available():
            raise ValueError(f"device={device!r}: MPS is not available here; use 'cpu'")
    elif kind.type != "cpu":
        raise ValueError(f"device={device!r}: skgauss trains on 'cpu', 'cuda' or 'mps'")


#: largest |value| the autoencoder trains on: its squared error must stay far
#: from float32's 3.4e38 (the flow standardises its input in float64 first)
MAX_ABS_INPUT = 1e10


def _column_label(j: int, names, index: int | None = None) -> str:
    index = j if index is None else index
    return f"column {names[j]!r} (index {index})" if names is not None else f"column {index}"


def check_magnitude(X: np.ndarray, names=None, indices=None,
                    fix: str = "standardise X (e.g. sklearn.preprocessing.StandardScaler) "
                               "before fitting") -> None:
    """Refuse training data too large for a float32 network, naming the column
    (from ``names``, e.g. ``feature_names_in_``, else its index; ``indices``: the
    columns' indices in X when ``X`` holds only some of them) and the ``fix``."""
    tops = np.abs(X).max(axis=0) if X.size else np.zeros(0)
    if tops.size and tops.max() > MAX_ABS_INPUT:
        j = int(np.argmax(tops))
        label = _column_label(j, names, None if indices is None else indices[j])
        raise ValueError(
            f"{label} of X has values up to {tops[j]:.3g}; the network computes in "
            f"float32 and its squared error overflows beyond ~{MAX_ABS_INPUT:.0e}: {fix}"
        )


def _text_column(X) -> tuple[object, int, object] | None:
    """The first column of ``X`` that does not convert to float: (name, index, value)."""
    columns = getattr(X, "columns", None)
    if columns is not None and hasattr(X, "__getitem__"):  # pandas or polars
        names = list(columns)
        values = [np.asarray(X[name]) for name in names]
    else:
        try:
            A = np.asarray(X)
        except (TypeError, ValueError):
            return None
        if A.ndim != 2:
            return None
        names, values = list(range(A.shape[1])), list(A.T)
    for j, (name, col) in enumerate(zip(names, values, strict=True)):
        for value in col:
            try:
                float(value)
            except (TypeError, ValueError):
                return name, j, value
    return None


def validate_input(est, X, **kwargs) -> np.ndarray:
    """scikit-learn's ``validate_data`` whose errors name the column at fault and
    the fix: a column of text (an unencoded categorical) or values too large
    for the float32 networks (unscaled input)."""
    try:
        # scikit-learn's finiteness check sums the array: +inf and -inf in one
        # input warn "invalid value" before the ValueError it raises anyway
        with np.errstate(invalid="ignore", over="ignore"):
            A = validate_data(est, X, **kwargs)
    except ValueError as exc:
        # only a failed conversion to numbers (not e.g. missing feature names)
        bad = _text_column(X) if "convert" in str(exc) else None
        if bad is None:
            raise
        name, j, value = bad
        label = f"column {name!r} (index {j})" if isinstance(name, str) else f"column {j}"
        hint = ("; or pass categorical_features=[...] to encode it inside the estimator"
                if "categorical_features" in est.get_params(deep=False) else "")
        raise ValueError(
            f"{type(est).__name__} needs numbers, but {label} holds {value!r}, which "
            "could not convert to float: encode it first, e.g. make_column_transformer("
            f"(OneHotEncoder(), [{name!r}]), remainder=StandardScaler()){hint}"
        ) from exc
    if not (isinstance(A, np.ndarray) and A.dtype.kind == "f" and A.ndim == 2 and A.size):
        return A  # skip_check_array: the caller validates its table itself
    big = np.abs(A).max(axis=0) > np.finfo(np.float32).max
    if np.any(big):
        j = int(np.flatnonzero(big)[0])
        label = _column_label(j, getattr(est, "feature_names_in_", None))
        raise ValueError(
            f"{label} of X has values too large for float32 (max |value| "
            f"{np.abs(A[:, j]).max():.3g}); the network computes in float32: standardise "
            "the input, e.g. make_pipeline(StandardScaler(), "
            f"{type(est).__name__}(...))"
        )
    return A


def float32_tensor(A: np.ndarray, what: str) -> torch.Tensor:
    """A float32 tensor of ``A``, refusing values float32 cannot hold (the
    networks compute in float32)."""
    A32 = np.ascontiguousarray(A, dtype=np.float32)
    if not np.isfinite(A32).all():
        raise ValueError(
            f"{what} has values too large for float32 (max |value| is "
            f"{np.abs(A).max():.3g}); the network computes in float32: rescale it"
        )
    return torch.from_numpy(A32)


def run_batched(fn, A: np.ndarray, what: str, device, threads: int) -> np.ndarray:
    """Apply the torch function ``fn`` to the rows of ``A`` in float32 batches of
    ``BLOCK`` rows, without gradients, on ``threads`` CPU threads (see
    :mod:`skgauss._threads`); return a numpy array, never non-finite values.

    A shorter last batch is padded with zero rows to ``BLOCK``: matrix products
    then always have the same shape, so a row's output does not depend on how
    many rows come with it (float32 kernels chosen by shape differ in the last
    bits, which a latent flow amplifies past scikit-learn's subset-invariance
    tolerance of 1e-7).
    """
    A_t = float32_tensor(A, what)

    def block(start: int) -> torch.Tensor:
        rows = A_t[start:start + BLOCK]
        padded = torch.cat([rows, rows.new_zeros((BLOCK - len(rows), *rows.shape[1:]))])
        return fn(padded.to(device))[:len(rows)].cpu()

    with torch.no_grad(), limit_threads(threads):
        out = torch.cat([block(s) for s in range(0, len(A_t), BLOCK)]).numpy()
    if not np.isfinite(out).all():
        raise ValueError(f"the network produced non-finite values from {what}; its "
                         "values are probably far outside the training range")
    return out


def standard_normal_draws(n_samples, width: int, random_state, dtype) -> np.ndarray:
    """``n_samples`` rows of N(0, I_width) for ``sample``, seeded by numpy."""
    check_n_samples(n_samples)
    rng = check_random_state(random_state)
    return rng.standard_normal((n_samples, width)).astype(dtype)


# ------------------------------------------------------------------ fit and state
@contextmanager
def all_or_nothing(est):
    """Run a fit so that, if it raises, ``est`` keeps every attribute it had.

    Validation (``validate_data(reset=True)`` sets ``n_features_in_`` and
    ``feature_names_in_``), training and publication all happen inside; on any
    exception the instance's attributes are put back as they were, so a failed
    ``fit`` never leaves a model half replaced, and a ``RandomState`` instance
    given as ``random_state`` gets back the state it had. Trained networks are never
    modified in place (a refit trains a new or copied net), so restoring the
    references restores the model.
    """
    before = dict(vars(est))
    rng = getattr(est, "random_state", None)  # a RandomState instance is drawn from
    rng_state = rng.get_state() if isinstance(rng, np.random.RandomState) else None
    try:
        yield
    except BaseException:
        vars(est).clear()
        vars(est).update(before)
        if rng_state is not None:
            rng.set_state(rng_state)
        raise


def trained_params(est) -> dict:
    """A copy of the hyperparameters a fit is about to train with."""
    return copy.deepcopy(est.get_params(deep=False))


def check_trained(net, modules: dict) -> None:
    """Refuse to publish a network with non-finite weights or validation loss.

    The training loss is checked at every step (:class:`NonFiniteLossError`);
    the last optimizer step, a huge learning rate or a NaN gradient can still
    leave non-finite weights behind a finite loss.
    """
    for prefix, module in modules.items():
        for name, value in module.state_dict().items():
            if value.is_floating_point() and not torch.isfinite(value).all():
                raise NonFiniteLossError(
                    f"training left non-finite values in {prefix}{name}; lower lr (or "
                    "alpha), or standardise the input. The previous model is kept."
                )
    last = net.history[-1] if len(net.history) else {}
    if "valid_loss" in last and not math.isfinite(last["valid_loss"]):
        raise NonFiniteLossError(
            f"the validation loss became {last['valid_loss']}; lower lr (or alpha), or "
            "standardise the input. The previous model is kept."
        )


_GLOBAL_RNG_LOCK = threading.Lock()


@contextmanager
def seeded_global_rng(seed: int):
    """torch's global CPU generator seeded with ``seed`` inside, restored after.

    For modules that draw their initial weights from the global RNG and cannot
    take a generator (zuko's flows). The lock makes the save/seed/draw/restore
    sequence atomic between skgauss fits in threads, which ``fork_rng`` alone
    is not; keep the section short (construction only, not training).
    """
    with _GLOBAL_RNG_LOCK, torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        yield


#: JSON metadata every estimator's fitted state holds (see skgauss.io)
COMMON_FITTED = ("seed", "dtype", "n_features_in_", "n_iter_", "history_")


def fitted_metadata(est) -> dict:
    """The JSON part of the fitted state both estimators share."""
    return {
        "seed": int(est.net_.seed),
        "dtype": np.dtype(est._dtype).name,
        "n_features_in_": int(est.n_features_in_),
        "n_iter_": int(est.n_iter_),
        "history_": [dict(row) for row in est.history_],
    }


def feature_names_array(est) -> dict[str, np.ndarray]:
    names = getattr(est, "feature_names_in_", None)
    return {} if names is None else {"feature_names_in_": np.asarray(names, dtype=str)}


def check_fitted_keys(fitted: dict, extra: tuple = ()) -> None:
    """``fitted`` must hold exactly the common keys and ``extra`` (format 1 also
    had ``width``, which is derived now)."""
    expected = set(COMMON_FITTED) | set(extra)
    keys = set(fitted) - {"width"}
    if keys != expected:
        raise ValueError(f"'fitted' must hold exactly the keys {sorted(expected)}, got "
                         f"{sorted(fitted)}")


def check_saved_params(cls, params: dict):
    """An unfitted ``cls(**params)``, refusing unknown names and callbacks."""
    valid = set(cls().get_params(deep=False))
    if set(params) - valid:
        raise ValueError(f"unknown parameters {sorted(set(params) - valid)} for {cls.__name__}")
    if params.get("callbacks") not in (None, []):
        raise ValueError("a saved model has no callbacks; got callbacks in params.json")
    est = cls(**params)
    try:
        kind = torch.device(est.device).type
    except (RuntimeError, TypeError) as exc:
        raise ValueError(f"device={est.device!r} is not a torch device") from exc
    if kind in ("cuda", "mps"):  # the device is chosen at load (load_device)
        est.set_params(device="cpu")
    return est


def load_device(est, device):
    """The device a loaded model goes to: ``device``, or the saved one (CPU with a
    warning when it is CUDA and there is none)."""
    if device is None:
        device = est.device
        if str(device).startswith("cuda") and not torch.cuda.is_available():
            warnings.warn(
                f"model saved with device={device!r}; no CUDA here, loading on 'cpu'",
                UserWarning,
                stacklevel=4,
            )
            device = "cpu"
    check_device(device)
    return device


def restore_fitted(est, state: dict, net) -> None:
    """Set the fitted attributes both estimators share from a saved state."""
    fitted, arrays = state["fitted"], state["arrays"]
    names = arrays.get("feature_names_in_")
    if names is not None:
        names = names.astype(object)
        if len(set(names)) != len(names) or not all(isinstance(n, str) and n for n in names):
            raise ValueError("feature_names_in_ must be distinct non-empty strings")
        est.feature_names_in_ = names
    est.net_ = net
    est.n_features_in_ = int(fitted["n_features_in_"])
    est._dtype = np.dtype(fitted["dtype"])
    est.n_iter_ = int(fitted["n_iter_"])
    est.history_ = [dict(row) for row in fitted["history_"]]
    est._fitted_params = copy.deepcopy(state["params"])


def load_tensors(modules: dict, tensors: dict) -> None:
    """Load ``{prefix + key: tensor}`` into ``{prefix: module}`` (strict)."""
    for prefix, module in modules.items():
        module.load_state_dict(
            {k[len(prefix):]: v for k, v in tensors.items() if k.startswith(prefix)},
            strict=True,
        )


def module_tensors(modules: dict) -> dict[str, torch.Tensor]:
    """``{prefix + key: tensor}`` of ``{prefix: module}``, detached, on the CPU."""
    return {f"{prefix}{k}": v.detach().cpu().contiguous()
            for prefix, m in modules.items() for k, v in m.state_dict().items()}
