"""Save and load fitted estimators without pickle.

A saved model is a folder holding a pointer file and one version folder::

    model/
      CURRENT                  the name of the live version folder, e.g. "v-3f2a..."
      v-3f2a.../
        params.json            class, trained hyperparameters (JSON primitives),
                               small fitted metadata (seed, dtype, n_iter_, history_)
        arrays.npz             fitted numpy arrays, read with allow_pickle=False
        weights.safetensors    the networks' tensors

``save`` writes a complete new version folder beside the old one, flushes it to
disk, then replaces ``CURRENT`` with one atomic rename (``os.replace``), and only
then deletes the older versions and any temporary folder a killed save left. A
process killed at any moment therefore leaves a folder that loads as the old
model or the new one, never a mixture: ``load`` reads only the version that
``CURRENT`` names and ignores everything else. Folders written by skgauss 0.1
(the three files directly in the folder, ``format_version`` 1) still load.

What is saved is what the network was *trained* with: each estimator gives its
fitted state (``_get_fitted_state``: hyperparameters of the fit, JSON metadata,
arrays, tensors) and rebuilds itself from it (``_from_fitted_state``), so a
``set_params`` after ``fit`` does not change what is saved. ``io`` only knows the
file format and its validation.

Nothing on the load path unpickles, so loading an untrusted folder cannot execute
code. Before anything is decompressed or built, the declared shape and size of
every array (the ``.npy`` headers inside the zip) and tensor (the safetensors
header) are checked against what the saved hyperparameters describe; any
malformed file raises a ``ValueError`` naming it. ``pickle``/``joblib`` also work
on fitted estimators but execute code when loading: use them for trusted files
only.

To save a ``Pipeline``, save its skgauss step with :func:`save` and the
scikit-learn steps with a format you trust for them (e.g. ``skops.io``, which also
refuses arbitrary code), then reassemble (see :func:`save`).
"""

from __future__ import annotations

import json
import numbers
import os
import secrets
import shutil
import zipfile
from pathlib import Path

import numpy as np
import torch

__all__ = ["save", "load", "FORMAT_VERSION"]

FORMAT_VERSION = 2
_FILES = ("params.json", "arrays.npz", "weights.safetensors")
_POINTER = "CURRENT"
_VERSION_PREFIX = "v-"
_TMP_PREFIX = ".tmp-"
_MAX_JSON_BYTES = 64 * 2**20
_OUTPUTS = ("default", "pandas", "polars")


def _classes() -> dict:
    from ._autoencoder import GaussianAutoencoder
    from ._flow import GaussianFlow

    return {"GaussianAutoencoder": GaussianAutoencoder, "GaussianFlow": GaussianFlow}


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


def _fsync(path: Path) -> None:
    """Flush ``path`` (a file or a folder's entries) to disk, where the OS allows."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:  # some file systems cannot fsync a folder
        pass
    finally:
        os.close(fd)


def _output_config(estimator) -> str:
    config = getattr(estimator, "_sklearn_output_config", {}) or {}
    value = config.get("transform", "default")
    return value if isinstance(value, str) else "default"


def save(estimator, path) -> Path:
    """Save a fitted estimator to the folder ``path``, atomically.

    What is written is the model as it was trained: hyperparameters changed by
    ``set_params`` after ``fit`` are not saved (they would describe another
    network). The ``set_output`` configuration is kept. Saving over an existing
    model replaces it in one atomic step: a crash at any moment leaves the old
    model or the new one (see the module docstring).

    Parameters
    ----------
    estimator : GaussianAutoencoder or GaussianFlow
        Fitted. The hyperparameters it was trained with must be JSON
        primitives: a callable ``regularizer`` must first be registered by name
        in ``skgauss.REGULARIZERS`` (its scale as the function's ``scale`` attribute), and
        ``callbacks`` / a ``RandomState`` are refused.
    path : str or Path
        Folder to write (created if needed). It holds only skgauss files.

    Returns
    -------
    path : Path

    Raises
    ------
    TypeError
        For another object, e.g. a ``Pipeline``: save its skgauss step with
        ``save(pipe.named_steps[name], path)`` and the other steps with
        ``skops.io.dump``, then rebuild the pipeline after loading both.

    Examples
    --------
    >>> import numpy as np, tempfile, skgauss
    >>> X = np.random.RandomState(0).randn(60, 3)
    >>> ae = skgauss.GaussianAutoencoder(hidden_layer_sizes=(8,), max_epochs=1,
    ...                                  random_state=0).fit(X)
    >>> folder = skgauss.save(ae, tempfile.mkdtemp() + "/model")
    >>> bool((skgauss.load(folder).transform(X) == ae.transform(X)).all())
    True
    """
    from safetensors.torch import save_file
    from sklearn.utils.validation import check_is_fitted

    name = type(estimator).__name__
    if name not in _classes():
        hint = ""
        if hasattr(estimator, "steps") or hasattr(estimator, "named_steps"):
            hint = (
                ". To save a Pipeline, save its skgauss step with "
                "skgauss.save(pipe.named_steps['<name>'], path) and the other steps "
                "with skops.io.dump (a format that also runs no code at load), then "
                "rebuild the Pipeline from the loaded parts"
            )
        raise TypeError(f"save() supports {sorted(_classes())}, got {name}{hint}")
    check_is_fitted(estimator)
    state = estimator._get_fitted_state()
    for key, value in state["params"].items():
        if not _is_primitive(value):
            hint = (
                " Register it by name in skgauss.REGULARIZERS (see skgauss.regularizers) and pass "
                "the name."
                if key == "regularizer"
                else ""
            )
            raise TypeError(
                f"cannot save parameter {key}={value!r}: only JSON primitives are "
                f"stored (no code is saved, so none runs at load).{hint}"
            )
    meta = {
        "format": "skgauss",
        "format_version": FORMAT_VERSION,
        "class": name,
        "params": _jsonable(state["params"]),
        "fitted": _jsonable(state["fitted"]),
        "set_output": _output_config(estimator),
    }
    tensors = state["tensors"]  # detached, contiguous CPU copies (module_tensors)
    path = Path(path)
    if path.exists() and not path.is_dir():
        raise ValueError(f"{path} exists and is not a folder")
    path.mkdir(parents=True, exist_ok=True)
    tmp = path / f"{_TMP_PREFIX}{secrets.token_hex(8)}"
    version = f"{_VERSION_PREFIX}{secrets.token_hex(8)}"
    try:
        tmp.mkdir()
        (tmp / "params.json").write_text(json.dumps(meta, indent=1))
        np.savez(tmp / "arrays.npz", **state["arrays"])
        save_file(tensors, str(tmp / "weights.safetensors"))
        for file in _FILES:
            _fsync(tmp / file)
        os.replace(tmp, path / version)  # a complete version folder appears at once
        _fsync(path)
        pointer = path / f"{_TMP_PREFIX}{secrets.token_hex(8)}.pointer"
        with open(pointer, "w") as handle:
            handle.write(version)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(pointer, path / _POINTER)  # the commit point
        _fsync(path)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        if (path / version).exists() and _read_pointer(path) != version:
            shutil.rmtree(path / version, ignore_errors=True)
        raise
    _clean(path, keep=version)
    return path


def _read_pointer(path: Path) -> str | None:
    try:
        version = (path / _POINTER).read_text()
    except (OSError, UnicodeDecodeError):
        return None
    return version


def _clean(path: Path, keep: str) -> None:
    """Remove older versions, leftovers of killed saves and 0.1-format files."""
    for entry in path.iterdir():
        if entry.name == keep or entry.name == _POINTER:
            continue
        if entry.name.startswith((_VERSION_PREFIX, _TMP_PREFIX)):
            if entry.is_dir() and not entry.is_symlink():
                shutil.rmtree(entry, ignore_errors=True)
            else:
                entry.unlink(missing_ok=True)
        elif entry.name in _FILES and entry.is_file():
            entry.unlink(missing_ok=True)  # the 0.1 layout, now superseded


def _version_folder(path: Path) -> Path:
    """The folder holding the live version's files (0.1 layout: ``path`` itself)."""
    if not path.is_dir():
        raise ValueError(f"{path} is not a folder written by skgauss.save")
    if (path / _POINTER).exists():
        version = _read_pointer(path)
        if (
            version is None
            or not version.startswith(_VERSION_PREFIX)
            or not version[len(_VERSION_PREFIX):].isalnum()
            or not (path / version).is_dir()
        ):
            raise ValueError(f"{path / _POINTER} does not name a saved version")
        folder = path / version
    else:
        folder = path
    missing = [f for f in _FILES if not (folder / f).is_file()]
    if missing:
        raise ValueError(f"{path} is not a saved skgauss model: missing {missing}")
    return folder


def _read_meta(file: Path) -> dict:
    if file.stat().st_size > _MAX_JSON_BYTES:
        raise ValueError(f"{file} is larger than {_MAX_JSON_BYTES} bytes")
    try:
        meta = json.loads(file.read_text())
    except (json.JSONDecodeError, UnicodeDecodeError, RecursionError) as exc:
        raise ValueError(f"{file} is not valid JSON: {exc}") from exc
    expected = {"format", "format_version", "class", "params", "fitted"}
    if not isinstance(meta, dict) or meta.get("format") != "skgauss":
        raise ValueError(f"{file}: not a skgauss params.json")
    if meta.get("format_version") not in (1, FORMAT_VERSION):
        raise ValueError(f"{file}: unsupported format_version {meta.get('format_version')!r}")
    if meta["format_version"] == FORMAT_VERSION:
        expected = expected | {"set_output"}
    if set(meta) != expected:
        raise ValueError(f"{file}: expected exactly the keys {sorted(expected)}")
    if meta.get("set_output", "default") not in _OUTPUTS:
        raise ValueError(f"{file}: set_output must be one of {_OUTPUTS}")
    if not isinstance(meta["params"], dict) or not isinstance(meta["fitted"], dict):
        raise ValueError(f"{file}: 'params' and 'fitted' must be JSON objects")
    return meta


def _check_common_fitted(fitted: dict, file: Path) -> None:
    for key in ("seed", "n_features_in_", "n_iter_"):
        value = fitted.get(key)
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise ValueError(f"{file}: {key} must be a non-negative integer, got {value!r}")
    if fitted["n_features_in_"] < 1:
        raise ValueError(f"{file}: n_features_in_ must be >= 1")
    if fitted["seed"] >= 2**32:  # fits draw seeds below 2**31; torch takes < 2**64
        raise ValueError(f"{file}: seed must be < 2**32, got {fitted['seed']}")
    if fitted.get("dtype") not in ("float32", "float64"):
        raise ValueError(f"{file}: dtype must be float32 or float64, got {fitted.get('dtype')!r}")
    history = fitted.get("history_")
    if not isinstance(history, list) or not all(
        isinstance(row, dict) and all(isinstance(k, str) and isinstance(v, (int, float))
                                      and not isinstance(v, bool) for k, v in row.items())
        for row in history
    ):
        raise ValueError(f"{file}: history_ must be a list of {{name: number}} objects")


def _read_arrays(file: Path, spec: dict[str, tuple]) -> dict[str, np.ndarray]:
    """The arrays of ``file``, each checked against ``spec`` = ``{name: (shape,
    kind, required)}`` from its ``.npy`` header *before* it is decompressed."""
    try:
        with zipfile.ZipFile(file) as archive:
            infos = {}
            for info in archive.infolist():
                if not info.filename.endswith(".npy"):
                    raise ValueError(f"member {info.filename!r} is not an array")
                infos[info.filename[:-4]] = info
            extra = set(infos) - set(spec)
            if extra:
                raise ValueError(f"unexpected arrays {sorted(extra)}")
            missing = {k for k, (_, _, required) in spec.items() if required} - set(infos)
            if missing:
                raise ValueError(f"missing arrays {sorted(missing)}")
            arrays = {}
            for key, info in infos.items():
                shape, kind, _ = spec[key]
                with archive.open(info) as handle:
                    version = np.lib.format.read_magic(handle)
                    readers = {(1, 0): np.lib.format.read_array_header_1_0,
                               (2, 0): np.lib.format.read_array_header_2_0}
                    if version not in readers:
                        raise ValueError(f"{key} has .npy format {version}")
                    declared, _, dtype = readers[version](handle)
                    if tuple(declared) != tuple(shape):
                        raise ValueError(f"{key} has shape {tuple(declared)}, expected "
                                         f"{tuple(shape)}")
                    if dtype.kind != kind or dtype.hasobject:
                        raise ValueError(f"{key} has dtype {dtype}, expected kind {kind!r}")
                    if dtype.itemsize > 4096:
                        raise ValueError(f"{key} has items of {dtype.itemsize} bytes")
                    size = handle.tell() + int(np.prod(shape)) * dtype.itemsize
                    if info.file_size != size:
                        raise ValueError(f"{key} declares {info.file_size} bytes, its "
                                         f"header {size}")
                with archive.open(info) as handle:
                    arrays[key] = np.lib.format.read_array(handle, allow_pickle=False)
    except ValueError as exc:
        raise ValueError(f"{file}: {exc}") from exc
    except (OSError, EOFError, zipfile.BadZipFile, KeyError, TypeError, SyntaxError,
            AttributeError, RecursionError, MemoryError, NotImplementedError) as exc:
        raise ValueError(f"{file} is not a valid arrays file: {exc!r}") from exc
    return arrays


def _tensor_header(file: Path) -> dict[str, tuple]:
    """The tensor names and shapes the safetensors header declares (no data read)."""
    from safetensors import SafetensorError, safe_open

    try:
        with safe_open(str(file), framework="pt", device="cpu") as handle:
            return {key: tuple(handle.get_slice(key).get_shape()) for key in handle.keys()}
    except (SafetensorError, OSError, RuntimeError, TypeError, ValueError) as exc:
        raise ValueError(f"{file} is not a valid safetensors file: {exc}") from exc


def _read_tensors(file: Path, shapes: dict[str, tuple], declared: dict[str, tuple],
                  dtype: torch.dtype) -> dict:
    """The tensors of ``file`` once their declared shapes match ``shapes``;
    non-finite values are refused."""
    from safetensors import SafetensorError, safe_open

    if set(declared) != set(shapes):
        raise ValueError(
            f"{file}: weights do not match the architecture the parameters describe: "
            f"missing {sorted(set(shapes) - set(declared))}, unexpected "
            f"{sorted(set(declared) - set(shapes))}"
        )
    for key, shape in shapes.items():
        if declared[key] != tuple(shape):
            raise ValueError(f"{file}: weight {key!r} has shape {declared[key]}, expected "
                             f"{tuple(shape)}")
    try:
        with safe_open(str(file), framework="pt", device="cpu") as handle:
            tensors = {key: handle.get_tensor(key) for key in shapes}
    except (SafetensorError, OSError, RuntimeError, TypeError, ValueError) as exc:
        raise ValueError(f"{file} is not a valid safetensors file: {exc}") from exc
    for key, tensor in tensors.items():
        if tensor.is_floating_point() and tensor.dtype != dtype:
            raise ValueError(f"{file}: weight {key!r} is {tensor.dtype}, expected {dtype}")
        if tensor.is_floating_point() and not torch.isfinite(tensor).all():
            raise ValueError(f"{file}: weight {key!r} holds non-finite values")
    return tensors


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
        With the ``set_output`` configuration it was saved with.

    Raises
    ------
    ValueError
        If the folder is not a complete, consistent skgauss model; the message
        names the file at fault.

    Examples
    --------
    See :func:`save`.
    """
    path = Path(path)
    folder = _version_folder(path)
    meta = _read_meta(folder / "params.json")
    classes = _classes()
    if meta["class"] not in classes:
        raise ValueError(
            f"{folder / 'params.json'}: unknown class {meta['class']!r}; expected one of "
            f"{sorted(classes)}"
        )
    cls = classes[meta["class"]]
    params, fitted = _from_json(meta["params"]), _from_json(meta["fitted"])
    file = folder / "params.json"
    _check_common_fitted(fitted, file)
    declared = _tensor_header(folder / "weights.safetensors")
    try:
        spec = cls._fitted_spec(params, fitted, declared)
    except (ValueError, TypeError) as exc:
        raise ValueError(f"{file} describes no valid model: {exc}") from exc
    arrays = _read_arrays(folder / "arrays.npz", spec["arrays"])
    tensors = _read_tensors(folder / "weights.safetensors", spec["tensors"], declared,
                            torch.float32)
    state = {"params": params, "fitted": fitted, "arrays": arrays, "tensors": tensors}
    try:
        est = cls._from_fitted_state(state, device=device)
    except (ValueError, TypeError) as exc:
        raise ValueError(f"{folder}: {exc}") from exc
    output = meta.get("set_output", "default")
    if output != "default":
        est.set_output(transform=output)
    return est
