"""GaussianFlow: a normalizing flow as a scikit-learn transformer.

The flows themselves come from zuko (optional extra ``skgauss[flow]``); this
module adds the estimator around them: PCA and standardisation in front,
skorch-managed maximum-likelihood training, exact inverse, sampling and
log-density.
"""

from __future__ import annotations

import numpy as np
import torch
from sklearn.base import (
    BaseEstimator,
    ClassNamePrefixFeaturesOutMixin,
    TransformerMixin,
)
from sklearn.decomposition import PCA
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_array, check_is_fitted
from skorch.callbacks import LRScheduler
from torch import nn
from torch.optim.lr_scheduler import CosineAnnealingLR

from ._common import (
    _EstimatorMixin,
    all_or_nothing,
    check_fitted_keys,
    check_integer,
    check_network_params,
    check_saved_params,
    check_trained,
    feature_names_array,
    fitted_metadata,
    float32_tensor,
    load_device,
    load_tensors,
    loop_params,
    module_tensors,
    restore_fitted,
    run_batched,
    seeded_global_rng,
    standard_normal_draws,
    trained_params,
)

# validate_data: scikit-learn's, with errors that name a text or unscaled column
from ._common import validate_input as validate_data
from ._net import _SeededNet
from ._threads import check_n_threads, fit_threads, inference_threads, limit_threads

__all__ = ["GaussianFlow"]

#: flow name -> class name in ``zuko.flows``
FLOWS = {"nsf": "NSF", "realnvp": "RealNVP", "maf": "MAF"}



def _import_zuko():
    """``zuko``, or an ImportError naming the extra that installs it."""
    try:
        import zuko
    except ImportError as exc:
        raise ImportError(
            "GaussianFlow needs the optional dependency zuko; install it with "
            "pip install 'skgauss[flow]'"
        ) from exc
    return zuko


def _project(X: np.ndarray, mean: np.ndarray,
             components: np.ndarray | None) -> np.ndarray:
    """Centre ``X`` and, with PCA axes, project it on them."""
    return X - mean if components is None else (X - mean) @ components.T


class _FlowModule(nn.Module):
    """A zuko flow over ``n_features`` dimensions; ``forward`` is log p(u)."""

    def __init__(
        self,
        flow: str,
        n_features: int,
        n_transforms: int,
        hidden_layer_sizes: tuple[int, ...],
    ) -> None:
        super().__init__()
        flow_class = getattr(_import_zuko().flows, FLOWS[flow])
        self.flow = flow_class(
            n_features,
            transforms=n_transforms,
            hidden_features=tuple(hidden_layer_sizes),
        )

    def forward(self, u: torch.Tensor) -> torch.Tensor:
        return self.flow().log_prob(u)

    def encode(self, u: torch.Tensor) -> torch.Tensor:
        return self.flow().transform(u)

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        return self.flow().transform.inv(z)


class _NegativeLogLikelihood(nn.Module):
    """skorch criterion: minus the mean of the log-densities the module returns."""

    def forward(self, log_prob: torch.Tensor, target=None) -> torch.Tensor:
        return -log_prob.mean()


class _FlowNet(_SeededNet):
    """The flow's skorch net (seeded, stops on a non-finite loss)."""


class GaussianFlow(_EstimatorMixin, ClassNamePrefixFeaturesOutMixin, TransformerMixin,
                   BaseEstimator):
    r"""Normalizing flow whose codes are N(0, I) by construction, with log-density.

    A flow is an invertible map f from the data to a base space of the same
    dimension, trained so that z = f(u) follows N(0, I). By the change of
    variables the model density is::

        log p(y) = log N(f(u); 0, I) + log |det J_f(u)| - sum_j log s_j,
        u = ((x - m) V^T) / s,

    where m is the training mean, V = I (or the PCA axes, see
    ``n_components``), y = (x - m) V^T and s the standard deviation of y on the
    training data: the flow sees standardised inputs and the last term is that
    standardisation's Jacobian. With ``n_components=None`` a shift is all that
    separates y from x, so p(y) is the density of x. ``fit`` maximises the mean
    log-likelihood (the loss is its negative) in a private skorch
    ``NeuralNet`` (``net_``). ``transform`` gives z = f(u),
    ``inverse_transform`` is the exact inverse, ``sample`` maps draws from
    N(0, I) back, ``score_samples`` is log p(y) and ``score`` its mean (as in
    :class:`~sklearn.mixture.GaussianMixture`). The flows are zuko's [1]_
    (optional extra: ``pip install 'skgauss[flow]'``).

    Parameters
    ----------
    n_components : int or None, default=None
        ``None`` keeps every feature: the estimator is a bijection of
        R^p. An integer ``d <= n_features`` first projects
        ``X`` on its ``d`` leading principal axes V (from a
        :class:`~sklearn.decomposition.PCA` fitted in ``fit``, kept as
        ``components_``; the flow's standardisation then makes it a whitened
        PCA) and runs the flow on the projection. Then
        ``transform`` discards the other ``p - d`` directions,
        ``inverse_transform`` returns the PCA reconstruction (in the principal
        subspace), and ``score_samples`` is the log-density of the projection
        y = (x - m) V^T in the orthonormal PCA coordinates, not
        a density on R^p: scores for different
        ``n_components`` do not compare.
    flow : {"nsf", "realnvp", "maf"}, default="nsf"
        ``"nsf"``: autoregressive rational-quadratic neural spline flow [2]_;
        ``"realnvp"``: affine coupling layers [3]_; ``"maf"``: affine masked
        autoregressive flow [4]_. With a single dimension there is nothing to
        condition on and zuko uses element-wise transforms: ``"nsf"`` stays a
        flexible monotone spline, while ``"realnvp"`` and ``"maf"`` reduce to an
        affine map (a Gaussian fit).
    n_transforms : int, default=3
        Number of flow layers (zuko's ``transforms``).
    hidden_layer_sizes : tuple of int, default=(64, 64)
        Hidden widths of each layer's conditioner network (zuko's
        ``hidden_features``).
    max_epochs : int, default=100
        Number of passes over the training data (fewer with early stopping).
    batch_size : int, default=128
        Rows per mini-batch.
    lr : float, default=1e-3
        Adam's initial learning rate; it decays to 0 over ``max_epochs`` on a
        cosine schedule, which settles the fitted density.
    validation_fraction : float, default=0.1
        Fraction of rows held out (seeded by ``random_state``) to report the
        validation loss and drive early stopping; ``0.0`` disables the split.
    early_stopping : bool, default=False
        Stop when the monitored loss (validation, or training without a split)
        has not improved for ``patience`` epochs, and restore the best weights.
    patience : int, default=10
        Epochs without improvement before early stopping.
    device : str, default="cpu"
        Torch device used for training and later transforms.
    n_threads : int or None, default=None
        CPU threads of torch and of the BLAS libraries (``threadpoolctl``) during
        ``fit``, ``partial_fit`` and every transform; the caller's settings are
        restored afterwards, even on error. ``None`` chooses by the work of one
        network call: one thread per 2**26 multiply-adds (weights times batch
        rows, times 3 for a training step), at most the usable cores, at most the
        cores other processes leave free (measured from ``/proc/stat`` on
        Linux), one thread on a non-CPU device. The default network stays on one
        thread (small products gain nothing from more and lose much when cores
        are shared); a (1024, 1024) network at batch 1024 takes every free core.
        An integer is used as given; ``-1`` means every usable core.
    random_state : int, RandomState instance or None, default=None
        Seeds weight initialisation, shuffling and the validation split without
        touching torch's global RNG. The same integer gives bit-identical codes
        on CPU.
    verbose : int, default=0
        ``>0`` shows skorch's epoch table and progress bar.

    Attributes
    ----------
    net_ : skorch.NeuralNet
        The trained network; ``net_.module_.flow`` is the zuko flow.
    mean_ : ndarray of shape (n_features_in_,)
        Training mean m.
    components_ : ndarray of shape (n_components_, n_features_in_) or None
        PCA axes V (orthonormal rows) when ``n_components`` is an
        integer, else ``None`` (V = I).
    scale_ : ndarray of shape (n_components_,)
        Standard deviation s of y (1 where it is 0).
    n_components_ : int
        Dimension of the codes.
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Feature names seen during fit, when ``X`` has string column names.
    n_iter_ : int
        Number of epochs run.
    history_ : list of dict
        Per epoch: ``train_loss`` (mean negative log-likelihood of the
        standardised inputs, without the sum_j log s_j term), with a
        validation split ``valid_loss``, and ``dur`` (seconds).

    See Also
    --------
    GaussianAutoencoder : a lower-dimensional, approximately Gaussian code.
    sklearn.preprocessing.QuantileTransformer : per-feature Gaussianisation.
    sklearn.mixture.GaussianMixture : another density model with ``score_samples``.

    Notes
    -----
    The network computes in float32; outputs follow the input dtype. The
    spline flow is defined on [-5, 5] per dimension and is the
    identity outside; inputs are standardised first so this covers the data.
    If the training loss becomes NaN or infinite, ``fit`` raises a
    ``FloatingPointError`` naming the epoch and keeps the previous fitted
    state, if any.

    References
    ----------
    .. [1] Rozet et al., "Zuko: Normalizing flows in PyTorch", 2022,
       https://github.com/probabilists/zuko
    .. [2] Durkan et al., "Neural Spline Flows", NeurIPS 2019.
    .. [3] Dinh et al., "Density estimation using Real NVP", ICLR 2017.
    .. [4] Papamakarios et al., "Masked Autoregressive Flow for Density
       Estimation", NeurIPS 2017.

    Examples
    --------
    >>> from sklearn.datasets import make_moons
    >>> from skgauss import GaussianFlow
    >>> X, _ = make_moons(200, noise=0.1, random_state=0)
    >>> flow = GaussianFlow(max_epochs=2, random_state=0).fit(X)
    >>> Z = flow.transform(X)
    >>> bool(abs(flow.inverse_transform(Z) - X).max() < 1e-4)
    True
    >>> flow.score_samples(X[:3]).shape, flow.sample(4, random_state=0).shape
    ((3,), (4, 2))
    """

    def __init__(
        self,
        n_components: int | None = None,
        *,
        flow: str = "nsf",
        n_transforms: int = 3,
        hidden_layer_sizes: tuple[int, ...] = (64, 64),
        max_epochs: int = 100,
        batch_size: int = 128,
        lr: float = 1e-3,
        validation_fraction: float = 0.1,
        early_stopping: bool = False,
        patience: int = 10,
        device: str = "cpu",
        n_threads: int | None = None,
        random_state=None,
        verbose: int = 0,
    ) -> None:
        self.n_components = n_components
        self.flow = flow
        self.n_transforms = n_transforms
        self.hidden_layer_sizes = hidden_layer_sizes
        self.max_epochs = max_epochs
        self.batch_size = batch_size
        self.lr = lr
        self.validation_fraction = validation_fraction
        self.early_stopping = early_stopping
        self.patience = patience
        self.device = device
        self.n_threads = n_threads
        self.random_state = random_state
        self.verbose = verbose

    # ------------------------------------------------------------------ checks
    def _check_params(self, n_features: int) -> None:
        if self.n_components is not None:
            check_integer(self, "n_components", 1, n_features)
        check_integer(self, "n_transforms", 1)
        check_network_params(self)
        check_n_threads(self)
        if not isinstance(self.flow, str) or self.flow not in FLOWS:
            raise ValueError(f"flow must be one of {sorted(FLOWS)}, got {self.flow!r}")

    # --------------------------------------------------------------------- fit
    def fit(self, X, y=None):
        """Fit the flow to ``X`` by maximum likelihood.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training data. At least two rows.
        y : None
            Ignored.

        Returns
        -------
        self : GaussianFlow
        """
        _import_zuko()
        with all_or_nothing(self):  # a failed fit keeps every fitted attribute
            return self._fit(X)

    def _fit(self, X) -> GaussianFlow:
        X = validate_data(self, X, dtype=[np.float64, np.float32], ensure_min_samples=2)
        self._check_params(X.shape[1])
        params = trained_params(self)
        float32_tensor(X, "X")  # same refusal as GaussianAutoencoder
        rng = check_random_state(self.random_state)
        seed = int(rng.randint(np.iinfo(np.int32).max))
        X64 = X.astype(np.float64, copy=False)
        mean, components = X64.mean(axis=0), None
        if self.n_components is not None:
            components = PCA(self.n_components, random_state=seed).fit(X64).components_
        Y = _project(X64, mean, components)
        scale = Y.std(axis=0)
        # a constant column keeps scale 1, as in StandardScaler
        tiny = 10 * np.finfo(np.float64).eps * np.maximum(np.abs(mean).max(), 1.0)
        scale[scale <= tiny] = 1.0
        U = float32_tensor(Y / scale, "X after standardisation")
        net = self._build_net(Y.shape[1], seed)
        # zuko draws its initial weights from torch's global RNG: seed it, under a
        # lock, for the construction only (fits in threads stay reproducible)
        with seeded_global_rng(seed):
            net.initialize()  # as skorch's fit would, to size the thread count
        with limit_threads(fit_threads(self, net, len(U))):
            net.partial_fit(U.to(net.device))
        check_trained(net, {"module.": net.module_})
        # assign fitted state only now: a failed fit leaves a previous fit intact
        self.net_, self.mean_, self.scale_ = net, mean, scale
        self.components_ = components
        self.n_components_ = Y.shape[1]
        self._dtype = X.dtype
        self._fitted_params = params
        self.n_iter_ = len(net.history)
        keys = ("epoch", "train_loss", "valid_loss", "dur")
        self.history_ = [
            {k: float(row[k]) for k in keys if k in row} for row in net.history
        ]
        return self

    # -------------------------------------------------------------- fitted state
    def _get_fitted_state(self) -> dict:
        """What :func:`skgauss.save` writes (see ``GaussianAutoencoder``): the
        trained hyperparameters, JSON metadata, the standardisation arrays and
        the flow's tensors (prefix ``module.``)."""
        check_is_fitted(self)
        arrays = {"mean_": self.mean_, "scale_": self.scale_, **feature_names_array(self)}
        if self.components_ is not None:
            arrays["components_"] = self.components_
        return {
            "params": dict(self._fitted_params),
            "fitted": {**fitted_metadata(self), "n_components_": int(self.n_components_)},
            "arrays": arrays,
            "tensors": module_tensors({"module.": self.net_.module_}),
        }

    @classmethod
    def _fitted_spec(cls, params: dict, fitted: dict, declared: dict) -> dict:
        r"""Shapes a saved state must have (see ``GaussianAutoencoder``).

        zuko's flows cannot be built on the ``meta`` device, so the flow is only
        built (on the CPU) once the parameters are known to describe no more
        weights than the file declares: its conditioners hold at least
        :math:`T\,(w h_1 + \sum_i h_i h_{i+1} + h_k w)` weights for ``T``
        transforms of width ``w >= 2`` and hidden widths ``h``.
        """
        _import_zuko()
        n_features = fitted["n_features_in_"]
        width = fitted.get("n_components_", fitted.get("width"))
        check_fitted_keys({**fitted, "n_components_": width}, ("n_components_",))
        est = check_saved_params(cls, params)
        est._check_params(n_features)
        if width != (est.n_components or n_features):
            raise ValueError(f"n_components_={width!r} disagrees with n_features_in_="
                             f"{n_features} and n_components={est.n_components!r}")
        h = [int(v) for v in est.hidden_layer_sizes]
        least = 0 if width < 2 or not h else est.n_transforms * (
            width * h[0] + sum(a * b for a, b in zip(h, h[1:], strict=False)) + h[-1] * width)
        held = sum(int(np.prod(shape)) for shape in declared.values())
        if least > held:
            raise ValueError(f"the parameters describe a flow of at least {least} weights, "
                             f"the weights file holds {held}")
        with seeded_global_rng(0):  # leave the global RNG alone
            module = _FlowModule(est.flow, width, est.n_transforms, est.hidden_layer_sizes)
        tensors = {f"module.{k}": tuple(v.shape) for k, v in module.state_dict().items()}
        arrays = {
            "mean_": ((n_features,), "f", True),
            "scale_": ((width,), "f", True),
            "components_": ((width, n_features), "f", est.n_components is not None),
            "feature_names_in_": ((n_features,), "U", False),
        }
        return {"arrays": arrays, "tensors": tensors}

    @classmethod
    def _from_fitted_state(cls, state: dict, device: str | None = None):
        """A fitted estimator rebuilt from a state checked by :meth:`_fitted_spec`."""
        params, fitted, arrays = state["params"], state["fitted"], state["arrays"]
        for key in ("mean_", "scale_", "components_"):
            if key in arrays and not np.isfinite(arrays[key]).all():
                raise ValueError(f"{key} must hold finite values")
        if not (arrays["scale_"] > 0).all():
            raise ValueError("scale_ must be positive")
        est = cls(**params)
        est.set_params(device=load_device(est, device))
        width = int(fitted.get("n_components_", fitted.get("width")))
        net = est._build_net(width, fitted["seed"])
        with seeded_global_rng(fitted["seed"]):  # leave the global RNG alone
            net.initialize()
        load_tensors({"module.": net.module_}, state["tensors"])
        restore_fitted(est, state, net)
        est._fitted_params["device"] = est.device
        est.mean_ = arrays["mean_"].astype(np.float64)
        est.scale_ = arrays["scale_"].astype(np.float64)
        components = arrays.get("components_")
        est.components_ = None if components is None else components.astype(np.float64)
        est.n_components_ = width
        return est

    def _build_net(self, n_features: int, seed: int) -> _FlowNet:
        # a decaying rate settles the density: with a constant one the last
        # epoch's flow is a noisy draw around the optimum
        schedule = LRScheduler(CosineAnnealingLR, T_max=self.max_epochs)
        callbacks = [("lr_scheduler", schedule)]
        return _FlowNet(
            _FlowModule,
            module__flow=self.flow,
            module__n_features=n_features,
            module__n_transforms=self.n_transforms,
            module__hidden_layer_sizes=tuple(self.hidden_layer_sizes),
            criterion=_NegativeLogLikelihood,
            **loop_params(self, seed, callbacks),
        )

    # ---------------------------------------------------------------- transform
    def _standardise(self, X: np.ndarray) -> np.ndarray:
        X = X.astype(np.float64, copy=False)
        return _project(X, self.mean_, self.components_) / self.scale_

    def _unstandardise(self, U: np.ndarray) -> np.ndarray:
        Y = U * self.scale_
        return (Y if self.components_ is None else Y @ self.components_) + self.mean_

    def _run(self, U: np.ndarray, method: str, what: str) -> np.ndarray:
        """Apply the module's ``method`` batch-wise in float32; return float64."""
        module = self.net_.module_.to(self.device)
        module.eval()
        threads = inference_threads(self, module, len(U))
        return run_batched(getattr(module, method), U, what, self.device,
                           threads).astype(np.float64)

    def _check_X(self, X) -> np.ndarray:
        check_is_fitted(self)
        return validate_data(self, X, dtype=[np.float64, np.float32], reset=False)

    def transform(self, X):
        """Map ``X`` to the base space, where the model is N(0, I).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features_in_)

        Returns
        -------
        Z : ndarray of shape (n_samples, n_components_)
        """
        X = self._check_X(X)
        Z = self._run(self._standardise(X), "encode", "X")
        return Z.astype(X.dtype, copy=False)

    def inverse_transform(self, X):
        """Map codes back to the input space (exactly, up to float32 rounding).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_components_)
            Codes.

        Returns
        -------
        X_original : ndarray or DataFrame of shape (n_samples, n_features_in_)
            With ``n_components`` set, the PCA reconstruction. A pandas/polars
            DataFrame with the input's column names when
            ``set_output(transform="pandas"|"polars")`` is configured.
        """
        check_is_fitted(self)
        Z = check_array(X, dtype=[np.float64, np.float32], input_name="X")
        if Z.shape[1] != self.n_components_:
            raise ValueError(
                f"X has {Z.shape[1]} features, but {type(self).__name__} is expecting "
                f"{self.n_components_} features (codes) as input to inverse_transform"
            )
        U = self._run(Z, "decode", "the codes")
        return self._as_input_container(self._unstandardise(U).astype(Z.dtype, copy=False))

    def score_samples(self, X):
        """Log-density of each row under the model.

        With ``n_components`` set, the log-density of the PCA projection (see
        the class docstring).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features_in_)

        Returns
        -------
        log_density : ndarray of shape (n_samples,)
        """
        X = self._check_X(X)
        log_p = self._run(self._standardise(X), "forward", "X")
        log_p -= np.log(self.scale_).sum()  # the standardisation's Jacobian
        return log_p.astype(X.dtype, copy=False)

    def score(self, X, y=None) -> float:
        """Mean log-likelihood of ``X``; greater is better.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features_in_)
        y : None
            Ignored.

        Returns
        -------
        log_likelihood : float
        """
        return float(np.mean(self.score_samples(X)))

    def sample(self, n_samples: int = 1, random_state=None):
        """Draw ``n_samples`` rows from the model: N(0, I) mapped back.

        Parameters
        ----------
        n_samples : int, default=1
        random_state : int, RandomState instance or None, default=None
            Seeds the draws (numpy), independently of ``self.random_state``.

        Returns
        -------
        X : ndarray or DataFrame of shape (n_samples, n_features_in_)
            An ndarray in the training data's dtype; a pandas/polars DataFrame
            with the input's column names when ``set_output`` asks for one, as
            ``inverse_transform``.
        """
        check_is_fitted(self)
        Z = standard_normal_draws(n_samples, self.n_components_, random_state, self._dtype)
        return self.inverse_transform(Z)

    @property
    def _n_features_out(self) -> int:
        return self.n_components_

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags
