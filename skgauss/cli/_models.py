"""Models of ``skgauss compare``: the regularizers and baselines to train, the alpha
grid, progress bars, Ctrl-C handling and fitting one model."""

from __future__ import annotations

import importlib.util
import signal
import sys
import threading
import time

from ._data import InputError

__all__ = ["build_models"]


# the alpha of each regularizer when --alpha is "auto" (the default): 1.0, which SCALES
# makes a sensible start, except where it collapses. Held-out digits, n_components=8,
# seed 0 (benchmarks/alpha_scan.py, results/alpha-scan.md): kl's codes collapse to a
# point for alpha >= 0.1 (reconstruction 1.91x PCA's) and are closest to N(0, I) at
# 0.01 (0.53x); adversarial reconstructs at 1.29x PCA's with alpha 1, at 0.47x with 0.1.
SENSIBLE_ALPHA = {"kl": 0.01, "adversarial": 0.1}


def _alphas(text: str) -> list[float] | None:
    """The --alpha values, or None for "auto" (:data:`SENSIBLE_ALPHA`)."""
    if text.strip().lower() == "auto":
        return None
    try:
        values = [float(a) for a in text.split(",") if a.strip()]
    except ValueError as exc:
        raise InputError(
            f"--alpha {text!r}: expected a number or a comma list"
        ) from exc
    if not values or any(not (0 <= a <= MAX_ALPHA) for a in values):
        raise InputError(f"--alpha {text!r}: values must be in [0, {MAX_ALPHA:g}] (beyond, "
                         "the penalty swamps the reconstruction and overflows float32)")
    return values


#: largest --alpha: alpha * penalty stays far from float32's 3.4e38
MAX_ALPHA = 1e6


#: rows of the generative-latent variants, each spelled out in full from the
#: single-stage autoencoder (default penalty)
_SINGLE = {"decoder_covariance": None, "latent_sampler": "normal", "latent_flow": None}
VARIANTS = {
    "single stage": _SINGLE,
    "+ decoder noise": {**_SINGLE, "decoder_covariance": "full"},
    "+ noise, GMM sampler": {**_SINGLE, "decoder_covariance": "full", "latent_sampler": "gmm"},
    "+ noise, latent flow": {**_SINGLE, "decoder_covariance": "full", "latent_flow": "nsf"},
}


def _with_flow_params(params: dict) -> dict:
    """``params`` for one autoencoder: ``latent_flow_params`` only with a flow."""
    from .. import GaussianAutoencoder

    flow = params.get("latent_flow", GaussianAutoencoder().latent_flow)
    return params if flow else {k: v for k, v in params.items() if k != "latent_flow_params"}


def build_models(args, n_features: int, n_train: int) -> dict[str, object]:
    """Every requested regularizer as a GaussianAutoencoder, the variants of the
    generative latent (``VARIANTS``, unless ``--no-variants``), plus baselines."""
    from sklearn.decomposition import PCA
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import QuantileTransformer

    from .. import REGULARIZERS, GaussianAutoencoder

    names = (
        list(REGULARIZERS)
        if args.regularizers is None
        else [r.strip() for r in args.regularizers.split(",") if r.strip()]
    )
    unknown = [r for r in names if r not in REGULARIZERS]
    if unknown or not names:
        raise InputError(
            f"--regularizers {args.regularizers!r}: "
            + (f"unknown regularizer(s) {unknown}" if unknown else "no regularizer named")
            + f"; choose from {sorted(REGULARIZERS)}"
        )
    if len(set(names)) != len(names):
        raise InputError(f"--regularizers {args.regularizers!r}: a name is repeated")
    if not 1 <= args.n_components <= n_features:
        raise InputError(
            f"--n-components must be in [1, {n_features}], got {args.n_components}"
        )
    models: dict[str, object] = {
        "PCA(whiten)": PCA(args.n_components, whiten=True, random_state=args.seed),
        "Quantile+PCA(whiten)": make_pipeline(
            QuantileTransformer(
                output_distribution="normal",
                n_quantiles=min(1000, n_train),
                random_state=args.seed,
            ),
            PCA(args.n_components, whiten=True, random_state=args.seed),
        ),
    }
    params = {
        "n_components": args.n_components,
        "random_state": args.seed,
        "device": args.device,
        "n_threads": args.threads,
    }
    if args.max_epochs is not None:
        params["max_epochs"] = args.max_epochs
    ae_params = dict(params)
    if args.max_epochs is not None:  # the latent flows train as long as the networks
        ae_params["latent_flow_params"] = {"max_epochs": args.max_epochs}
    for name in names:
        alpha = SENSIBLE_ALPHA.get(name, 1.0)
        models[name] = GaussianAutoencoder(regularizer=name, alpha=alpha,
                                           **_with_flow_params(ae_params))
    if args.variants:  # what each step of the generative latent buys (issue #14)
        for name, options in VARIANTS.items():
            models[name] = GaussianAutoencoder(**_with_flow_params({**ae_params, **options}))
    if args.flow and importlib.util.find_spec("zuko") is not None:
        from .. import GaussianFlow

        models["GaussianFlow(nsf)"] = GaussianFlow(**params)
    return models


class _EpochBar:
    """A tqdm bar over epochs, as a skorch callback (built lazily)."""

    @staticmethod
    def make(name: str, total: int):
        from skorch.callbacks import Callback
        from tqdm.auto import tqdm

        class EpochBar(Callback):
            def on_train_begin(self, net, **kwargs):
                self.bar_ = tqdm(
                    total=total,
                    desc=f"{name:>20}",
                    unit="epoch",
                    file=sys.stderr,
                    leave=True,
                )

            def on_epoch_end(self, net, **kwargs):
                self.bar_.update(1)

            def on_train_end(self, net, **kwargs):
                self.bar_.close()

        return EpochBar()


class _StopOnInterrupt:
    """Ctrl-C stops the whole run, not only the model being trained.

    skorch catches ``KeyboardInterrupt`` in ``fit`` and returns the model trained
    so far, so the run would go on with it. While active, a SIGINT is also
    remembered, and :meth:`check` (called between models) raises
    ``KeyboardInterrupt`` again: nothing is written and the command exits 130.
    """

    def __enter__(self):
        self.interrupted = False
        self._main = threading.current_thread() is threading.main_thread()
        if self._main:  # signal handlers can only be set from the main thread
            self._previous = signal.signal(signal.SIGINT, self._handle)
        return self

    def _handle(self, signum, frame):
        self.interrupted = True
        raise KeyboardInterrupt

    def check(self) -> None:
        if self.interrupted:
            raise KeyboardInterrupt

    def __exit__(self, *exc) -> None:
        if self._main:
            signal.signal(signal.SIGINT, self._previous)


def _fit(name, model, X_train, alphas, args):
    """Fit one model (a grid over alpha when several are given); return it and
    the seconds it took."""
    from sklearn.base import clone
    from sklearn.model_selection import GridSearchCV

    from ..metrics import gaussianity_scorer, make_tradeoff_refit, reconstruction_scorer

    is_ae = hasattr(model, "regularizer")
    if is_ae and alphas is not None:
        model.set_params(alpha=alphas[0])
        if args.progress:
            model.set_params(callbacks=[_EpochBar.make(name, model.max_epochs)])
    start = time.perf_counter()
    if is_ae and alphas is not None and len(alphas) > 1:
        search = GridSearchCV(
            model,
            {"alpha": alphas},
            cv=3,
            n_jobs=args.n_jobs,
            scoring={
                "gaussianity": gaussianity_scorer,
                "reconstruction": reconstruction_scorer,
            },
            refit=make_tradeoff_refit(),
        ).fit(X_train)
        model = search.best_estimator_
    else:
        model = clone(model).fit(X_train)
    return model, time.perf_counter() - start
