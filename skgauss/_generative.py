r"""The generative parts of :class:`~skgauss.GaussianAutoencoder` around the network.

- the decoder's observation model: :math:`x \mid z \sim \mathcal N(g(z), \Sigma)`
  with :math:`\Sigma` estimated from residuals (:func:`residual_covariance`) and
  drawn from (:func:`observation_noise`);
- the latent samplers: N(0, I), or a ``GaussianMixture`` fitted on the codes
  (RAE's ex-post sampler), built and checked here;
- the latent flow: a fitted :class:`~skgauss.GaussianFlow` on the codes;
- dequantisation of columns with few distinct values
  (:func:`dequantization_spacing`; the noise is drawn per batch by
  ``skgauss._net._BatchLoader``);
- fitting all of them around a trained network (:func:`fit_latent`) and
  calibrating a table's category frequencies on the model's samples
  (:func:`calibrated_table`).
"""

from __future__ import annotations

import numpy as np
from sklearn import config_context
from sklearn.covariance import LedoitWolf
from sklearn.mixture import GaussianMixture

from ._common import run_batched
from ._net import _TensorDataset, _ValidSplit, stream_seeds
from ._threads import inference_threads

__all__: list[str] = []

#: accepted values of ``decoder_covariance`` (besides None)
DECODER_COVARIANCES = ("diag", "full")
#: accepted values of ``latent_sampler``
LATENT_SAMPLERS = ("normal", "gmm")
#: accepted values of ``dequantize``
DEQUANTIZE = ("none", "uniform")
#: a column with at most this many distinct training values is dequantised
MAX_LEVELS = 20
#: ``latent_sampler_params`` defaults for ``"gmm"``
GMM_DEFAULTS = {"n_components": 10}
#: options a user may not set: they are fixed by the estimator
_FIXED = {"random_state", "n_components", "warm_start", "callbacks"}


def residual_covariance(R: np.ndarray, kind: str | None) -> np.ndarray | None:
    r"""Maximum-likelihood covariance of the residuals ``R`` (n x p) around 0.

    ``"diag"``: :math:`\sigma_j^2 = \frac1n \sum_i r_{ij}^2`; ``"full"``: the
    Ledoit--Wolf shrinkage of :math:`\frac1n R^\top R` towards a multiple of
    the identity (:class:`sklearn.covariance.LedoitWolf`, centred at 0): with
    fewer rows than about ten times the columns the plain estimate overfits
    (digits, 113 validation rows, 64 columns: held-out negative log-likelihood
    2.01 per column against 0.81 for the diagonal,
    ``benchmarks/decoder_covariance.py``). A floor of :math:`10^{-6}` times the
    mean variance keeps :math:`\Sigma` positive definite when a column is
    reconstructed exactly.
    """
    if kind is None:
        return None
    R = np.asarray(R, dtype=np.float64)
    var = np.mean(R**2, axis=0)
    floor = 1e-6 * max(float(var.mean()), np.finfo(np.float64).tiny)
    if kind == "diag":
        return var + floor
    cov = LedoitWolf(assume_centered=True).fit(R).covariance_
    return cov + floor * np.eye(R.shape[1])


def observation_noise(cov: np.ndarray, n: int, rng: np.random.RandomState) -> np.ndarray:
    r"""``n`` draws of :math:`\varepsilon \sim \mathcal N(0, \Sigma)`: :math:`L u` with
    :math:`u \sim \mathcal N(0, I)` and :math:`L` the Cholesky factor (the square
    roots for a diagonal :math:`\Sigma`)."""
    u = rng.standard_normal((n, cov.shape[0]))
    if cov.ndim == 1:
        return u * np.sqrt(cov)
    return u @ np.linalg.cholesky(cov).T


def check_options(value, name: str, allowed: set[str]) -> dict:
    """``value`` (None or a dict of options) as a dict, its keys within ``allowed``."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise TypeError(f"{name} must be a dict or None, got {value!r}")
    unknown = set(value) - allowed
    if unknown:
        raise ValueError(f"{name} has unknown or fixed keys {sorted(unknown)}; "
                         f"allowed: {sorted(allowed)}")
    return dict(value)


def gmm_sampler(params: dict | None, seed: int) -> GaussianMixture:
    """The unfitted ``GaussianMixture`` of ``latent_sampler="gmm"``."""
    allowed = set(GaussianMixture().get_params()) - {"random_state", "warm_start", "verbose",
                                                     "verbose_interval"}
    options = {**GMM_DEFAULTS, **check_options(params, "latent_sampler_params", allowed)}
    return GaussianMixture(random_state=seed, **options)


#: options of the latent flow that follow the autoencoder's unless given
INHERITED = ("max_epochs", "batch_size", "validation_fraction", "patience", "n_threads")


def latent_flow(est, seed: int):
    """The unfitted :class:`~skgauss.GaussianFlow` of the autoencoder ``est``.

    It trains like the autoencoder (its ``max_epochs``, ``batch_size``,
    ``validation_fraction``, ``patience`` and ``n_threads``) with early stopping, unless
    ``latent_flow_params`` says otherwise: with 100 full epochs the flow overfits
    the training codes (``benchmarks/latent_flow.py``: held-out codes pass the
    four target tests on 3 of 5 tables, against 4 of 5 with early stopping).
    """
    from ._flow import GaussianFlow

    allowed = set(GaussianFlow().get_params()) - _FIXED - {"flow", "device"}
    options = check_options(est.latent_flow_params, "latent_flow_params", allowed)
    inherited = {name: getattr(est, name) for name in INHERITED}
    return GaussianFlow(flow=est.latent_flow, random_state=seed, device=est.device,
                        **{**inherited, "early_stopping": True, **options})


def dequantization_spacing(X: np.ndarray, max_levels: int = MAX_LEVELS) -> np.ndarray:
    """Per column, the smallest gap between its distinct values if it has at most
    ``max_levels`` of them (a discrete column), else 0 (left alone)."""
    spacing = np.zeros(X.shape[1])
    for j in range(X.shape[1]):
        levels = np.unique(X[:, j])
        if 2 <= len(levels) <= max_levels:
            spacing[j] = np.diff(levels).min()
    return spacing


def mixture_draws(gmm: GaussianMixture, n: int, rng: np.random.RandomState) -> np.ndarray:
    """``n`` draws from a fitted ``GaussianMixture``, seeded by ``rng`` (its own
    ``sample`` is seeded by the mixture's ``random_state`` only)."""
    k, d = gmm.means_.shape
    cov = {"full": lambda: gmm.covariances_,
           "tied": lambda: np.broadcast_to(gmm.covariances_, (k, d, d)),
           "diag": lambda: np.stack([np.diag(c) for c in gmm.covariances_]),
           "spherical": lambda: gmm.covariances_[:, None, None] * np.eye(d)}
    chol = np.linalg.cholesky(cov[gmm.covariance_type]())
    component = rng.choice(k, size=n, p=gmm.weights_ / gmm.weights_.sum())
    u = rng.standard_normal((n, d))
    return gmm.means_[component] + np.einsum("nij,nj->ni", chol[component], u)


# ------------------------------------------------------------------ saving
_GMM_ARRAYS = ("weights_", "means_", "covariances_", "precisions_cholesky_")
_GMM_FITTED = ("n_iter_", "converged_", "lower_bound_")


def latent_state(est) -> dict:
    """The generative part of a fitted autoencoder's state for :func:`skgauss.save`:
    ``fitted`` (JSON: the mixture's scalars, the flow's own fitted metadata),
    ``arrays`` (covariance, mixture, the flow's arrays under ``latent_flow_.``)
    and ``tensors`` (the flow's under ``latent_flow.``)."""
    arrays, tensors, fitted = {}, {}, {}
    if est.decoder_covariance_ is not None:
        arrays["decoder_covariance_"] = est.decoder_covariance_
    gmm = est.latent_sampler_
    if gmm is not None:
        arrays.update({f"latent_sampler_.{k}": getattr(gmm, k) for k in _GMM_ARRAYS})
        fitted["latent_sampler_"] = {"n_iter_": int(gmm.n_iter_),
                                     "converged_": bool(gmm.converged_),
                                     "lower_bound_": float(gmm.lower_bound_)}
    if est.latent_flow_ is not None:
        flow = est.latent_flow_._get_fitted_state()
        arrays.update({f"latent_flow_.{k}": v for k, v in flow["arrays"].items()})
        tensors = {f"latent_flow.{k}": v for k, v in flow["tensors"].items()}
        fitted["latent_flow_"] = flow["fitted"]
    return {"fitted": fitted, "arrays": arrays, "tensors": tensors}


def _flow_params(est, seed: int) -> dict:
    """The hyperparameters of ``est``'s latent flow (as its fit sets them)."""
    return latent_flow(est, stream_seeds(seed)["latent_flow"]).get_params(deep=False)


def latent_spec(est, fitted: dict, declared: dict, p: int) -> dict:
    """What :func:`latent_state` must have written for the parameters of the
    unfitted ``est``, the saved ``fitted`` metadata and ``p`` numeric columns:
    ``{"arrays": {name: (shape, kind, required)}, "tensors": {name: shape}}``."""
    from ._flow import GaussianFlow

    d = est.n_components
    latent = fitted.get("latent", {})
    wanted = {k for k, on in (("latent_sampler_", est.latent_sampler == "gmm"),
                              ("latent_flow_", est.latent_flow is not None)) if on}
    if not isinstance(latent, dict) or set(latent) != wanted:
        raise ValueError(f"'latent' must hold exactly the keys {sorted(wanted)}")
    arrays, tensors = {}, {}
    cov = {"diag": (p,), "full": (p, p)}.get(est.decoder_covariance)
    if cov is not None and p:  # a table without numeric columns has no noise
        arrays["decoder_covariance_"] = (cov, "f", True)
    if est.latent_sampler == "gmm":
        info = latent["latent_sampler_"]
        if not isinstance(info, dict) or set(info) != set(_GMM_FITTED):
            raise ValueError(f"latent_sampler_ must hold exactly {sorted(_GMM_FITTED)}")
        gmm = gmm_sampler(est.latent_sampler_params, 0)
        k = gmm.n_components
        shape = {"full": (k, d, d), "tied": (d, d), "diag": (k, d),
                 "spherical": (k,)}[gmm.covariance_type]
        shapes = {"weights_": (k,), "means_": (k, d), "covariances_": shape,
                  "precisions_cholesky_": shape}
        arrays.update({f"latent_sampler_.{n}": (v, "f", True) for n, v in shapes.items()})
    if est.latent_flow is not None:
        flow_declared = {k[len("latent_flow."):]: v for k, v in declared.items()
                         if k.startswith("latent_flow.")}
        spec = GaussianFlow._fitted_spec(_flow_params(est, 0), latent["latent_flow_"],
                                         flow_declared)
        arrays.update({f"latent_flow_.{k}": v for k, v in spec["arrays"].items()})
        tensors = {f"latent_flow.{k}": v for k, v in spec["tensors"].items()}
    return {"arrays": arrays, "tensors": tensors}


def restore_latent(est, state: dict) -> None:
    """Set ``decoder_covariance_``, ``latent_sampler_`` and ``latent_flow_`` on a
    loaded autoencoder from a state checked by :func:`latent_spec`."""
    from ._flow import GaussianFlow

    arrays, latent = state["arrays"], state["fitted"].get("latent", {})
    seed = state["fitted"]["seed"]
    for key, value in arrays.items():
        if key != "feature_names_in_" and not np.isfinite(value).all():
            raise ValueError(f"{key} must hold finite values")
    cov = arrays.get("decoder_covariance_")
    if cov is not None and not (np.diagonal(cov) > 0 if cov.ndim == 2 else cov > 0).all():
        raise ValueError("decoder_covariance_ must have positive variances")
    est.decoder_covariance_ = None if cov is None else cov.astype(np.float64)
    est.latent_sampler_ = est.latent_flow_ = None
    if est.latent_sampler == "gmm":
        gmm = gmm_sampler(est.latent_sampler_params, stream_seeds(seed)["latent_sampler"])
        gmm._set_parameters(tuple(arrays[f"latent_sampler_.{k}"].astype(np.float64)
                                  for k in _GMM_ARRAYS))
        info = latent["latent_sampler_"]
        gmm.n_iter_, gmm.converged_ = int(info["n_iter_"]), bool(info["converged_"])
        gmm.lower_bound_, gmm.n_features_in_ = float(info["lower_bound_"]), est.n_components
        est.latent_sampler_ = gmm
    if est.latent_flow is not None:
        flow_state = {
            "params": _flow_params(est, seed), "fitted": latent["latent_flow_"],
            "arrays": {k[len("latent_flow_."):]: v for k, v in arrays.items()
                       if k.startswith("latent_flow_.")},
            "tensors": {k[len("latent_flow."):]: v for k, v in state["tensors"].items()
                        if k.startswith("latent_flow.")}}
        est.latent_flow_ = GaussianFlow._from_fitted_state(flow_state, device=est.device)


def fit_latent(est, X: np.ndarray, net, table=None) -> dict:
    """``decoder_covariance_`` from the residuals of the validation rows (the
    rows the network was not trained on; all rows without a split; with a
    table, of its numeric columns only), ``latent_flow_`` and
    ``latent_sampler_`` from the codes of all rows."""
    module, seeds = net.module_, net.seeds_
    # the categories of a table have no Gaussian noise: its numeric columns only
    n_numeric = X.shape[1] if table is None else len(table.numeric)
    kind = est.decoder_covariance if n_numeric else None
    module.eval()
    try:
        encode = lambda x: module.encode(x)[0]  # noqa: E731
        threads = inference_threads(est, module, len(X))
        codes = run_batched(encode, X, "X", net.device, threads).astype(np.float64)
        residuals = None
        if kind is not None:  # no noise model: no residual pass
            rows = X
            if est.validation_fraction > 0:
                # the rows skorch held out (the same split of the same stream)
                _, valid = _ValidSplit(est.validation_fraction, seeds["split"])(
                    _TensorDataset(X))
                rows = X[valid.indices]
            residuals = (rows - run_batched(lambda x: module.decoder(encode(x)), rows, "X",
                                            net.device, threads))[:, :n_numeric]
    finally:
        module.train()
    state = {"decoder_covariance_": residual_covariance(residuals, kind),
             "latent_flow_": None, "latent_sampler_": None}
    if est.latent_flow is not None:
        flow = latent_flow(est, seeds["latent_flow"])
        state["latent_flow_"] = flow.fit(codes)
        codes = flow.transform(codes).astype(np.float64)
    if est.latent_sampler == "gmm":
        state["latent_sampler_"] = gmm_sampler(
            est.latent_sampler_params, seeds["latent_sampler"]).fit(codes)
    return state


def calibrated_table(est, net, table, latent: dict):
    """The codec with the sampling bias of its categories fitted on the decoder
    outputs of 8192 seeded draws of the latent sampler, through the inverse
    latent flow if any (what ``sample`` decodes; see ``_TableCodec.calibrated``)."""
    width = net.module_.decoder[0].in_features
    seed = net.seeds_["calibration"]
    Z = np.random.default_rng(seed).standard_normal((8192, width))
    if latent["latent_sampler_"] is not None:
        Z = mixture_draws(latent["latent_sampler_"], 8192, np.random.RandomState(seed))
    if latent["latent_flow_"] is not None:
        with config_context(transform_output="default"):  # a plain array
            Z = latent["latent_flow_"].inverse_transform(Z)
    module = net.module_.eval()
    threads = inference_threads(est, module, len(Z))
    return table.calibrated(
        run_batched(module.decoder, Z, "the draws", net.device, threads))

