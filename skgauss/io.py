"""Save and load fitted estimators without pickle.

A saved model is a folder of three files:

- ``params.json``: the class name, its hyperparameters (JSON primitives only) and
  small fitted metadata (seed, dtype, ``n_iter_``, ``history_``);
- ``arrays.npz``: fitted numpy arrays (``feature_names_in_``), read with
  ``allow_pickle=False``;
- ``weights.safetensors``: the network's tensors (and a stateful penalty's).

Nothing on the load path unpickles, so loading an untrusted folder cannot execute
code; every key, shape and dtype is checked against a freshly built network and a
mismatch is refused with a ``ValueError``. ``pickle``/``joblib`` also work on
fitted estimators but execute code when loading: use them for trusted files only.

To save a ``Pipeline``, save its ``GaussianAutoencoder`` step with :func:`save`
and the scikit-learn steps with a format you trust for them (e.g. ``skops.io``,
which also refuses arbitrary code), then reassemble.
"""

from __future__ import annotations

import json
import numbers
import os
import shutil
import tempfile
import warnings
from pathlib import Path

import numpy as np
import torch

from ._net import _Penalty

__all__ = ["save", "load", "FORMAT_VERSION"]

FORMAT_VERSION = 1
_FILES = ("params.json", "arrays.npz", "weights.safetensors")


def _classes() -> dict:
    from ._autoencoder import GaussianAutoencoder
    from ._flow import GaussianFlow

    return {"GaussianAutoencoder": GaussianAutoencoder, "GaussianFlow": GaussianFlow}


def _width(est) -> int:
    """Input width of the network: the features, or the flow's components."""
    return getattr(est, "n_components_", None) or est.n_features_in_


def _expected_arrays(name: str, n_features: int, width: int) -> dict[str, tuple]:
    """Fitted arrays a class saves, with their shapes (None: may be absent)."""
    shapes = {"feature_names_in_": None}
    if name == "GaussianFlow":
        shapes.update(mean_=(n_features,), scale_=(width,), components_=(width, n_features))
    return shapes


def _new_net(est, width: int, seed: int, tensors: dict):
    """An initialised, untrained network for ``est``'s parameters.

    The autoencoder's module and its penalty's modules (an adversarial
    discriminator) are first built on the ``meta`` device (no memory) and their
    shapes compared with the saved tensors, so parameters tampered to describe
    a huge network are refused before anything is allocated.
    """
    if not hasattr(est, "_new_net"):  # GaussianFlow: zuko has no meta kernels
        with torch.random.fork_rng(devices=[]):
            return est._build_net(width, seed).initialize()
    with torch.device("meta"), torch.random.fork_rng(devices=[]):
        # the penalty's modules (an adversarial discriminator) too
        meta = est._new_net(np.empty((0, width)), seed=seed)[0]
        shapes = {f"module.{k}": tuple(v.shape) for k, v in
                  meta.module(**meta.get_params_for("module")).state_dict().items()}
        shapes.update({f"penalty.{k}": tuple(v.shape) for k, v in
                       _Penalty(meta.penalty_terms).state_dict().items()})
    for key, shape in shapes.items():
        if key in tensors and tuple(tensors[key].shape) != shape:
            raise ValueError(f"weight {key!r} has shape {tuple(tensors[key].shape)}, "
                             f"expected {shape}")
    with torch.random.fork_rng(devices=[]):  # leave the global RNG alone
        return est._new_net(np.empty((0, width)), seed=seed)[0].initialize()


def _is_primitive(value) -> bool:
    if value is None or isinstance(value, (str, bool, numbers.Integral, numbers.Real)):
        return True
    if isinstance(value, (list, tuple)):
        return all(_is_primitive(v) for v in value)
    if isinstance(value, dict):
        return all(isinstance(k, str) and _is_primitive(v) for k, v in value.items())
    return False


def _jsonable(value):
    if isinstance(value, tuple):
        return {"__tuple__": [_jsonable(v) for v in value]}
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, numbers.Integral) and not isinstance(value, bool):
        return int(value)
    if isinstance(value, numbers.Real) and not isinstance(value, bool):
        return float(value)
    return value


def _from_json(value):
    if isinstance(value, dict):
        if set(value) == {"__tuple__"}:
            return tuple(_from_json(v) for v in value["__tuple__"])
        return {k: _from_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_from_json(v) for v in value]
    return value


def _modules(net) -> dict[str, torch.nn.Module]:
    modules = {"module.": net.module_}
    if hasattr(net, "penalty_"):
        modules["penalty."] = net.penalty_
    return modules


def _state(net) -> dict[str, torch.Tensor]:
    tensors = {f"{prefix}{k}": v for prefix, m in _modules(net).items()
               for k, v in m.state_dict().items()}
    return {k: v.detach().cpu().contiguous() for k, v in tensors.items()}


def save(estimator, path) -> Path:
    """Save a fitted estimator to the folder ``path`` (created if needed).

    Parameters
    ----------
    estimator : GaussianAutoencoder or GaussianFlow
        Fitted. Its hyperparameters must be JSON primitives: a callable
        ``regularizer`` must first be registered by name in
        ``skgauss.REGULARIZERS`` (and ``skgauss.regularizers.SCALES``), and
        ``callbacks`` / a ``RandomState`` are refused.
    path : str or Path
        Folder to write ``params.json``, ``arrays.npz`` and ``weights.safetensors``.

    Returns
    -------
    path : Path
    """
    from safetensors.torch import save_file
    from sklearn.utils.validation import check_is_fitted

    name = type(estimator).__name__
    if name not in _classes():
        raise TypeError(f"save() supports {sorted(_classes())}, got {name}")
    check_is_fitted(estimator)
    params = estimator.get_params(deep=False)
    for key, value in params.items():
        if not _is_primitive(value):
            hint = (
                " Register it by name in skgauss.REGULARIZERS (and SCALES) and pass "
                "the name."
                if key == "regularizer"
                else ""
            )
            raise TypeError(
                f"cannot save parameter {key}={value!r}: only JSON primitives are "
                f"stored (no code is saved, so none runs at load).{hint}"
            )
    net = estimator.net_
    meta = {
        "format": "skgauss",
        "format_version": FORMAT_VERSION,
        "class": name,
        "params": _jsonable(params),
        "fitted": {
            "seed": int(net.seed),
            "dtype": np.dtype(estimator._dtype).name,
            "n_features_in_": int(estimator.n_features_in_),
            "width": int(_width(estimator)),
            "n_iter_": int(estimator.n_iter_),
            "history_": estimator.history_,
        },
    }
    path = Path(path)
    path.mkdir(parents=True, exist_ok=True)
    arrays = {}
    for key in _expected_arrays(name, estimator.n_features_in_, _width(estimator)):
        value = getattr(estimator, key, None)
        if value is not None:
            arrays[key] = np.asarray(value, dtype=str if key == "feature_names_in_" else None)
    # write into a temporary sibling, then move the files in: a failure part-way
    # never leaves new parameters beside old weights
    tmp = Path(tempfile.mkdtemp(prefix=".skgauss-save-", dir=path.parent))
    try:
        (tmp / "params.json").write_text(json.dumps(meta, indent=1))
        np.savez(tmp / "arrays.npz", **arrays)
        save_file(_state(net), str(tmp / "weights.safetensors"))
        for name in _FILES:
            os.replace(tmp / name, path / name)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return path


def load(path, *, device: str | None = None):
    """Load an estimator written by :func:`save`, without unpickling anything.

    Parameters
    ----------
    path : str or Path
        The folder given to :func:`save`.
    device : str, default=None
        Device for the loaded model; ``None`` keeps the saved one, or uses
        ``"cpu"`` with a warning when the saved device is CUDA and none is
        available (a model trained on a GPU loads on a CPU-only machine).

    Returns
    -------
    estimator : GaussianAutoencoder or GaussianFlow
    """
    from safetensors import SafetensorError
    from safetensors.torch import load_file

    path = Path(path)
    missing = [f for f in _FILES if not (path / f).is_file()]
    if missing:
        raise ValueError(f"{path} is not a saved skgauss model: missing {missing}")
    try:
        meta = json.loads((path / "params.json").read_text())
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ValueError(f"{path / 'params.json'} is not valid JSON: {exc}") from exc
    expected = {"format", "format_version", "class", "params", "fitted"}
    if (
        not isinstance(meta, dict)
        or set(meta) != expected
        or meta["format"] != "skgauss"
    ):
        raise ValueError(
            f"{path / 'params.json'}: expected exactly the keys {sorted(expected)}"
        )
    if meta["format_version"] != FORMAT_VERSION:
        raise ValueError(f"unsupported format_version {meta['format_version']!r}")
    classes = _classes()
    if meta["class"] not in classes:
        raise ValueError(
            f"unknown class {meta['class']!r}; expected one of {sorted(classes)}"
        )
    cls = classes[meta["class"]]
    params = _from_json(meta["params"])
    valid = set(cls().get_params(deep=False))
    if not isinstance(params, dict):
        raise ValueError(f"'params' must be a JSON object, got {type(params).__name__}")
    if set(params) - valid:
        raise ValueError(
            f"unknown parameters {sorted(set(params) - valid)} for {cls.__name__}"
        )
    fitted = meta["fitted"]
    fitted_keys = {"seed", "dtype", "n_features_in_", "width", "n_iter_", "history_"}
    if not isinstance(fitted, dict) or set(fitted) != fitted_keys:
        raise ValueError(f"'fitted' must hold exactly the keys {sorted(fitted_keys)}")
    if fitted["dtype"] not in ("float32", "float64"):
        raise ValueError(f"dtype must be float32 or float64, got {fitted['dtype']!r}")
    for key in ("seed", "n_features_in_", "width", "n_iter_"):
        value = fitted[key]
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise ValueError(f"{key} must be a non-negative integer, got {value!r}")
    history = fitted["history_"]
    if not isinstance(history, list) or not all(
        isinstance(row, dict) and all(isinstance(k, str) and isinstance(v, (int, float))
                                      and not isinstance(v, bool) for k, v in row.items())
        for row in history
    ):
        raise ValueError("history_ must be a list of {name: number} objects")
    if params.get("callbacks") is not None:
        raise ValueError("a saved model has callbacks=None; got callbacks in params.json")
    est = cls(**params)
    if device is None:
        device = est.device
        if str(device).startswith("cuda") and not torch.cuda.is_available():
            warnings.warn(
                f"model saved with device={device!r}; no CUDA here, loading on 'cpu'",
                UserWarning,
                stacklevel=2,
            )
            device = "cpu"
    est.set_params(device=device)
    n_features, width = fitted["n_features_in_"], fitted["width"]
    if n_features < 1 or width < 1:
        raise ValueError(f"n_features_in_ and width must be >= 1, got {n_features}, {width}")
    flow = cls.__name__ == "GaussianFlow"
    expected_width = (params.get("n_components") or n_features) if flow else n_features
    if width != expected_width:
        raise ValueError(f"width {width} disagrees with n_features_in_={n_features} and "
                         f"n_components={params.get('n_components')!r}")
    try:
        tensors = load_file(str(path / "weights.safetensors"), device="cpu")
    except (SafetensorError, OSError) as exc:
        raise ValueError(
            f"{path / 'weights.safetensors'} is not a valid safetensors file: {exc}"
        ) from exc
    try:  # bad option values surface as many exception types: report them as bad input
        est._check_params(n_features) if flow else est._check_params()
        net = _new_net(est, width, fitted["seed"], tensors)
    except (TypeError, AttributeError, RuntimeError, KeyError) as exc:
        raise ValueError(f"params.json describes no valid model: {exc}") from exc
    reference = _state(net)
    if set(tensors) != set(reference):
        raise ValueError(
            "weights do not match the architecture the parameters describe: "
            f"missing {sorted(set(reference) - set(tensors))}, "
            f"unexpected {sorted(set(tensors) - set(reference))}"
        )
    for key, ref in reference.items():
        if tensors[key].shape != ref.shape or tensors[key].dtype != ref.dtype:
            raise ValueError(
                f"weight {key!r} has shape {tuple(tensors[key].shape)} "
                f"{tensors[key].dtype}, expected {tuple(ref.shape)} {ref.dtype}"
            )
    for prefix, module in _modules(net).items():
        module.load_state_dict(
            {k[len(prefix):]: v for k, v in tensors.items() if k.startswith(prefix)}
        )
    expected = _expected_arrays(cls.__name__, n_features, width)
    expected["feature_names_in_"] = (n_features,)
    with np.load(path / "arrays.npz", allow_pickle=False) as arrays:
        extra = set(arrays.files) - set(expected)
        if extra:
            raise ValueError(f"unexpected arrays {sorted(extra)} in arrays.npz")
        for key in arrays.files:
            value = arrays[key]
            if value.shape != expected[key]:
                raise ValueError(f"{key} has shape {value.shape}, expected {expected[key]}")
            if key == "feature_names_in_":
                value = value.astype(object)
            elif value.dtype.kind != "f" or not np.isfinite(value).all():
                raise ValueError(f"{key} must hold finite floats")
            setattr(est, key, value)
    if flow:
        needed = {"mean_", "scale_"} | ({"components_"} if params.get("n_components") else set())
        missing = needed - set(vars(est))
        if missing:
            raise ValueError(f"arrays.npz lacks {sorted(missing)}")
        est.components_ = getattr(est, "components_", None)
        est.n_components_ = width
    est.net_ = net
    est.n_features_in_ = n_features
    est._dtype = np.dtype(fitted["dtype"])
    est.n_iter_ = int(fitted["n_iter_"])
    est.history_ = list(fitted["history_"])
    return est
