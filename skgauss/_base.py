"""The private base of the network estimators (:class:`~skgauss.GaussianAutoencoder`,
:class:`~skgauss.GaussianFlow`): parameter constraints, the fit skeleton
(``fit``, ``warm_start``, ``partial_fit``, all or nothing), the history, the
fitted state :mod:`skgauss.io` saves, batched inference and ``sample``.

A subclass supplies what differs, through these hooks:

- ``_parameter_constraints``: the base's, merged with its own, and
  ``_check_params(n_features)`` for checks that need the data (``super()`` first);
- ``_input(X, reset, check, seed) -> (A, dtype, context)``: validate ``X`` (and
  with ``check``, the parameters against it with ``_check_params``) and turn
  it into the float matrix the network trains on; ``reset`` fits the input
  transformation (``context``: a table codec, a standardisation), otherwise
  the fitted one is used;
- ``_new_net(A, seed, context)``: an untrained skorch net; ``_initialize(net)``;
- ``_fit_extras(A, net, seed, context) -> dict``: the fitted attributes beside
  the network (at least ``n_components_``), published with it;
- ``_extra_state`` / ``_restore`` / ``_fitted_spec``: its part of the saved state.
"""

from __future__ import annotations

import copy
import os
from numbers import Integral, Real

import numpy as np
import torch
from sklearn.base import (
    BaseEstimator,
    ClassNamePrefixFeaturesOutMixin,
    TransformerMixin,
    _fit_context,
)
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Options, StrOptions
from sklearn.utils._set_output import _get_output_config
from sklearn.utils.validation import check_array, check_is_fitted
from skorch.callbacks import Callback, LRScheduler
from torch.optim.lr_scheduler import CosineAnnealingLR

from ._common import (
    DOCS_URL,
    all_or_nothing,
    check_device,
    check_trained,
    feature_names_array,
    fitted_metadata,
    float32_tensor,
    load_device,
    load_tensors,
    module_tensors,
    restore_fitted,
    run_batched,
    standard_normal_draws,
    trained_params,
)
from ._threads import fit_threads, inference_threads, limit_threads
from .regularizers._base import Number

__all__: list[str] = []


def finite(low: float, high: float | None = None, *, closed: str = "left") -> Number:
    """Finite reals (not bools) from ``low`` (to ``high``); ``closed`` as in
    ``Interval``."""
    return Number(Real, low, high, closed=closed)


def positive_int(low: int = 1, high: int | None = None) -> Number:
    """Integers (not bools) from ``low`` (to ``high``, included)."""
    return Number(Integral, low, high, closed="left" if high is None else "both")


#: the thread counts ``n_threads`` takes: far more threads than CPUs only slows
#: down (100 000 crashed torch's thread pool)
MAX_THREADS = 4 * (os.cpu_count() or 1)

class _NetworkEstimator(ClassNamePrefixFeaturesOutMixin, TransformerMixin, BaseEstimator):
    """The fit skeleton, saved state and inference both estimators share (see the
    module docstring for the hooks a subclass supplies)."""

    _parameter_constraints: dict = {
        "n_components": [positive_int()],
        "hidden_layer_sizes": [tuple, list],
        "max_epochs": [positive_int()],
        "batch_size": [positive_int(2)],
        "lr": [finite(0.0, closed="neither")],
        "lr_schedule": [StrOptions({"constant", "cosine"})],
        "validation_fraction": [finite(0.0, 1.0, closed="left")],
        "early_stopping": ["boolean"],
        "patience": [positive_int()],
        "callbacks": [None, list, tuple],
        "warm_start": ["boolean"],
        "device": [str, torch.device],
        "n_threads": [None, positive_int(1, MAX_THREADS), Options(Integral, {-1})],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
    }

    #: the history's columns (besides ``epoch``), in order
    _history_keys: tuple[str, ...] = ("train_loss", "valid_loss", "dur")

    # the HTML repr's "?" link to the API page
    _doc_link_module = "skgauss"
    _doc_link_template = DOCS_URL + "/generated/{estimator_module}.{estimator_name}.html"

    # ------------------------------------------------------------------ checks
    def _check_params(self, n_features: int) -> None:
        """What the declarative constraints cannot say: values inside the
        containers, a device that exists here, and ``n_components`` against
        the ``n_features`` columns the network sees."""
        sizes = self.hidden_layer_sizes
        if not all(isinstance(s, Integral) and not isinstance(s, bool) and s >= 1
                   for s in sizes):
            raise ValueError(
                f"hidden_layer_sizes must be a tuple of integers >= 1, got {sizes!r}")
        check_device(self.device)
        for cb in self.callbacks or []:
            named = isinstance(cb, tuple) and len(cb) == 2 and isinstance(cb[0], str)
            if not isinstance(cb[1] if named else cb, Callback):
                raise TypeError("callbacks must hold skorch callbacks (or (name, "
                                f"callback) pairs), got {cb!r}")
        if self.n_components is not None and self.n_components > n_features:
            raise ValueError(
                f"n_components={self.n_components} exceeds the {n_features} features: "
                "the codes would have more dimensions than the data; use "
                f"n_components <= {n_features}")

    def _saved_estimator(self, n_features: int) -> None:
        """Check the parameters of a loaded, unfitted estimator (as ``fit`` would)."""
        self._validate_params()
        self._check_params(n_features)

    # --------------------------------------------------------------------- fit
    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Train the network on ``X`` (see the class docstring).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training data, at least two rows; for a numeric autoencoder,
            ideally standardised (a table with ``categorical_features`` is
            scaled inside).
        y : None
            Ignored.

        Returns
        -------
        self : object
            The fitted estimator.
        """
        with all_or_nothing(self):  # a failed fit keeps every fitted attribute
            warm = self.warm_start and hasattr(self, "net_")
            return self._fit(X, reset=not warm, warm=warm, epochs=None)

    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y=None):
        """Train for one pass over ``X`` (one epoch), continuing any previous fit.

        For data that do not fit in memory: call it on successive chunks (a loop
        over memory-mapped slices, or ``dask_ml.wrappers.Incremental``). The first
        call builds the network and fits the input transformation on its chunk;
        later calls must have the same features, and keep the network, the
        optimizer, the input transformation and the hyperparameters of the
        first. Each call makes one skorch epoch, with its own validation split
        of the chunk when ``validation_fraction > 0``, at the learning rate
        ``lr`` (a schedule applies within one ``fit``). A call that fails (e.g.
        a non-finite loss) leaves the model as it was.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            One chunk, at least two rows.
        y : None
            Ignored.

        Returns
        -------
        self : object
            The fitted estimator.
        """
        with all_or_nothing(self):
            first = not hasattr(self, "net_")
            return self._fit(X, reset=first, warm=False, epochs=1)

    def _fit(self, X, *, reset: bool, warm: bool, epochs: int | None):
        """The skeleton: input, checks, a network (new, or a copy of ``net_`` for
        a later ``partial_fit``), training, extras, then publication.

        The published ``net_`` is never trained in place, so a failure leaves a
        previous fit intact: fitted attributes are only assigned at the end.
        """
        continuing = not (reset or warm)  # a later partial_fit
        # all_or_nothing puts a RandomState instance back if the fit fails
        seed = self._draw_seed() if reset else self.net_.seed
        A, dtype, context = self._input(X, reset=reset, check=not continuing, seed=seed)
        if continuing:
            net, params, dtype = copy.deepcopy(self.net_), self._fitted_params, self._dtype
            # partial_fit trains at lr: a schedule (cosine) runs within one fit, and
            # skorch would start each call's schedule from the last decayed rate
            for group in net.optimizer_.param_groups:
                group["lr"] = net.lr
        else:
            seed = self._agree(seed, A)
            net, params = self._new_net(A, seed, context), trained_params(self)
        A_t = float32_tensor(A, "X").to(net.device)
        if not net.initialized_:  # as skorch's fit and partial_fit would
            self._initialize(net)
        if warm:
            self._copy_weights(self.net_, net)
        with limit_threads(fit_threads(self, net, len(A_t))):
            net.partial_fit(A_t, epochs=self.max_epochs if warm else epochs)
        check_trained(net, self._saved_modules(net))
        # the extras follow the hyperparameters the network trained with (a later
        # partial_fit keeps the first call's, even after set_params)
        owner = type(self)(**params) if continuing else self
        extras = owner._fit_extras(A, net, net.seed, context)
        # partial_fit's copied net keeps its history: only the new rows are appended
        previous = [] if reset else self.history_
        rows = net.history if warm or epochs is None else net.history[-epochs:]
        history = previous + [
            {"epoch": float(len(previous) + i + 1),
             **{k: float(row[k]) for k in self._history_keys if k in row}}
            for i, row in enumerate(rows)
        ]
        # publish: everything above may fail and leave the previous model
        vars(self).update(extras)
        self.net_, self._dtype, self._fitted_params = net, dtype, params
        self.history_, self.n_iter_ = history, len(history)
        return self

    def _draw_seed(self) -> int:
        """The fit's seed, drawn from ``random_state``."""
        return int(check_random_state(self.random_state).randint(np.iinfo(np.int32).max))

    def _agree(self, seed: int, A: np.ndarray) -> int:
        """The seed every training process uses (one process: ``seed``)."""
        return seed

    def _initialize(self, net) -> None:
        net.initialize()

    def _callbacks(self, own: list) -> tuple[list, list]:
        """``(own callbacks and the learning-rate schedule, the user's callbacks
        copied)`` (skorch callbacks keep state); :func:`skgauss._net.loop_params`
        puts early stopping and the progress bar between the two."""
        callbacks = list(own)
        if self.lr_schedule == "cosine":
            # last_epoch=-1: every fit starts a fresh decay (skorch would otherwise
            # resume it from the history's length, past T_max, on warm starts)
            callbacks.append(("lr_scheduler", LRScheduler(
                CosineAnnealingLR, T_max=self.max_epochs, last_epoch=-1)))
        return callbacks, [copy.deepcopy(cb) for cb in (self.callbacks or [])]

    @staticmethod
    def _saved_modules(net) -> dict:
        """``{prefix: module}`` whose tensors are the trained state."""
        return {"module.": net.module_}

    def _copy_weights(self, old, new) -> None:
        """Start ``new`` from ``old``'s weights (warm start)."""
        try:
            new.module_.load_state_dict(old.module_.state_dict())
        except RuntimeError as exc:
            raise self._architecture_changed() from exc

    def _architecture_changed(self) -> ValueError:
        return ValueError(
            "warm_start keeps the trained network, so its architecture "
            f"({self._architecture}) must not change between fits; set "
            "warm_start=False to refit from scratch")

    #: the parameters that shape the network (named by the warm-start error)
    _architecture = "n_components, hidden_layer_sizes"

    # -------------------------------------------------------------- fitted state
    def _get_fitted_state(self) -> dict:
        """What :func:`skgauss.save` writes: the hyperparameters the network was
        trained with (``params``), JSON metadata (``fitted``), numpy ``arrays``
        and torch ``tensors`` (prefixed by the module they belong to). A
        subclass extends all four in ``_extra_state``, and reads them back in
        ``_restore`` after checking their shapes in ``_fitted_spec``."""
        check_is_fitted(self)
        state = {
            "params": copy.deepcopy(self._fitted_params),
            "fitted": fitted_metadata(self),
            "arrays": feature_names_array(self),
            "tensors": module_tensors(self._saved_modules(self.net_)),
        }
        self._extra_state(state)
        return state

    def _extra_state(self, state: dict) -> None:
        """Add the subclass's part to ``state`` (in place)."""

    @classmethod
    def _from_fitted_state(cls, state: dict, device: str | None = None):
        """A fitted estimator rebuilt from a state checked by ``_fitted_spec``."""
        est = cls(**state["params"])
        est.set_params(device=load_device(est, device))
        context, width = est._saved_context(state)
        seed = state["fitted"]["seed"]
        net = est._new_net(np.empty((0, width)), seed, context)
        est._initialize(net)  # the net's own generator: the global RNG is untouched
        load_tensors(est._saved_modules(net), state["tensors"])
        restore_fitted(est, state, net)
        est._fitted_params["device"] = est.device
        est._restore(state, context)
        return est

    def _saved_context(self, state: dict) -> tuple:
        """``(context, width)``: the input transformation of a saved state and
        the number of columns its network takes."""
        raise NotImplementedError

    def _restore(self, state: dict, context) -> None:
        """Set the subclass's fitted attributes from a checked saved state."""
        raise NotImplementedError

    # ---------------------------------------------------------------- inference
    def transform(self, X):
        """Codes of ``X``: the representation the model makes N(0, I) (the class
        docstring says how each estimator computes it).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features_in_)

        Returns
        -------
        Z : ndarray of shape (n_samples, n_components_)
            In ``X``'s float dtype; a DataFrame under ``set_output``.
        """
        check_is_fitted(self)
        return self._codes(X)

    def inverse_transform(self, X):
        """Map codes back to the input space (the class docstring says how).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_components_)
            Codes.

        Returns
        -------
        X_original : ndarray or DataFrame of shape (n_samples, n_features_in_)
            A pandas/polars DataFrame with the input's column names when
            ``set_output(transform="pandas"|"polars")`` is configured; rows of
            the training table for an autoencoder with ``categorical_features``.
        """
        return self._decode(self._check_codes(X), None)

    def sample(self, n_samples: int = 1, random_state=None):
        """Draw ``n_samples`` rows from the model: codes drawn from N(0, I),
        decoded as ``inverse_transform`` does.

        Parameters
        ----------
        n_samples : int, default=1
        random_state : int, RandomState instance or None, default=None
            Seeds the draws (numpy), independently of ``self.random_state``.

        Returns
        -------
        X : ndarray or DataFrame of shape (n_samples, n_features_in_)
            In the training data's dtype, or the container ``inverse_transform``
            returns.
        """
        check_is_fitted(self)
        rng = check_random_state(random_state)
        return self._decode(self._draw_codes(n_samples, rng), rng)

    def _module(self):
        module = self.net_.module_.to(self.device)
        module.eval()
        return module

    def _run(self, fn, A: np.ndarray, what: str, dtype=None) -> np.ndarray:
        """Apply the torch function ``fn`` batch-wise (see
        :func:`skgauss._common.run_batched`); the output in ``dtype`` (default
        ``A``'s)."""
        threads = inference_threads(self, self.net_.module_, len(A))
        out = run_batched(fn, A, what, self.device, threads)
        return out.astype(A.dtype if dtype is None else dtype, copy=False)

    def _check_codes(self, X) -> np.ndarray:
        """Codes given to ``inverse_transform``: a float matrix of the fitted width."""
        check_is_fitted(self)
        Z = check_array(X, dtype=[np.float64, np.float32], input_name="X")
        if Z.shape[1] != self.n_components_:
            raise ValueError(
                f"X has {Z.shape[1]} features, but {type(self).__name__} is expecting "
                f"{self.n_components_} features (codes) as input to inverse_transform")
        return Z

    def _draw_codes(self, n_samples: int, rng: np.random.RandomState) -> np.ndarray:
        """``n_samples`` codes for ``sample``: N(0, I) draws in the fitted dtype."""
        return standard_normal_draws(n_samples, self.n_components_, rng, self._dtype)

    def _as_input_container(self, X: np.ndarray):
        """Wrap rows of the input space like ``transform``'s output is wrapped.

        scikit-learn's ``set_output`` only wraps ``transform``; decoded rows and
        samples get the same container, with the input's column names
        (``feature_names_in_``, else ``x0, x1, ...``).
        """
        # _get_output_config is how sklearn's own wrapper reads set_output and
        # the global config; it has been stable since scikit-learn 1.2
        dense = _get_output_config("transform", self)["dense"]
        if dense == "default":
            return X
        columns = list(getattr(self, "feature_names_in_",
                               [f"x{i}" for i in range(self.n_features_in_)]))
        if dense == "pandas":
            import pandas as pd

            return pd.DataFrame(X, columns=columns)
        import polars as pl

        return pl.DataFrame(X, schema=columns, orient="row")

    @property
    def _n_features_out(self) -> int:
        # the fitted code width (it survives a later set_params(n_components=...))
        return getattr(self, "n_components_", self.n_components)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags
