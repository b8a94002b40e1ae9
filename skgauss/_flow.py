"""GaussianFlow: a normalizing flow as a scikit-learn transformer.

The flows themselves come from zuko; this module adds the estimator around
them: PCA and standardisation in front, skorch-managed maximum-likelihood
training, exact inverse, sampling and log-density.
"""

from __future__ import annotations

import numpy as np
import torch
from sklearn.decomposition import PCA
from sklearn.utils._param_validation import StrOptions
from sklearn.utils.validation import check_is_fitted
from torch import nn

from ._base import _NetworkEstimator, positive_int
from ._common import (
    check_fitted_keys,
    check_saved_params,
    float32_tensor,
    seeded_global_rng,
)

# validate_data: scikit-learn's, with errors that name a text or unscaled column
from ._common import validate_input as validate_data
from ._docs import shared_docs
from ._net import _SeededNet, loop_params, stream_seeds

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


@shared_docs
class GaussianFlow(_NetworkEstimator):
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
    {shared:training}
    lr : float, default=1e-3
        Adam's initial learning rate.
    lr_schedule : {"constant", "cosine"}, default="cosine"
        ``"cosine"`` decays the learning rate to 0 over ``max_epochs``, which
        settles the fitted density (with a constant rate the last epoch's flow
        is a noisy draw around the optimum).
    {shared:validation}
    {shared:warm_start}
    {shared:runtime}

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
    {shared:fitted}
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
    state, if any. ``partial_fit`` standardises (and projects) with the mean,
    scale and axes of its first chunk, which later chunks keep.

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

    _parameter_constraints: dict = {
        **_NetworkEstimator._parameter_constraints,
        "n_components": [None, positive_int()],
        "flow": [StrOptions(set(FLOWS))],
        "n_transforms": [positive_int()],
    }
    _architecture = "n_components, flow, n_transforms, hidden_layer_sizes"

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
        lr_schedule: str = "cosine",
        validation_fraction: float = 0.1,
        early_stopping: bool = False,
        patience: int = 10,
        callbacks: list | None = None,
        warm_start: bool = False,
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
        self.lr_schedule = lr_schedule
        self.validation_fraction = validation_fraction
        self.early_stopping = early_stopping
        self.patience = patience
        self.callbacks = callbacks
        self.warm_start = warm_start
        self.device = device
        self.n_threads = n_threads
        self.random_state = random_state
        self.verbose = verbose

    # --------------------------------------------------------------------- fit
    def _input(self, X, reset: bool, check: bool, seed: int) -> tuple:
        """The standardised (projected) rows; ``reset`` fits the mean, the PCA
        axes (seeded by the ``pca`` stream of ``seed``) and the scale, kept as
        the ``context``."""
        _import_zuko()
        X = validate_data(self, X, dtype=[np.float64, np.float32], reset=reset,
                          ensure_min_samples=2)
        if check:
            self._check_params(X.shape[1])
            if not reset and (self.n_components or X.shape[1]) != self.n_components_:
                # a warm start keeps the fitted projection: its width cannot change
                raise self._architecture_changed()
        float32_tensor(X, "X")  # same refusal as GaussianAutoencoder
        X64 = X.astype(np.float64, copy=False)
        if not reset:
            context = (self.mean_, self.components_, self.scale_)
        else:
            mean, components = X64.mean(axis=0), None
            if self.n_components is not None:
                pca = PCA(self.n_components, random_state=stream_seeds(seed)["pca"])
                components = pca.fit(X64).components_
            scale = _project(X64, mean, components).std(axis=0)
            # a constant column keeps scale 1, as in StandardScaler
            tiny = 10 * np.finfo(np.float64).eps * np.maximum(np.abs(mean).max(), 1.0)
            scale[scale <= tiny] = 1.0
            context = (mean, components, scale)
        U = _project(X64, *context[:2]) / context[2]
        float32_tensor(U, "X after standardisation")
        return U, X.dtype, context

    def _new_net(self, A: np.ndarray, seed: int, context=None) -> _FlowNet:
        return _FlowNet(
            _FlowModule,
            module__flow=self.flow,
            module__n_features=A.shape[1],
            module__n_transforms=self.n_transforms,
            module__hidden_layer_sizes=tuple(self.hidden_layer_sizes),
            criterion=_NegativeLogLikelihood,
            **loop_params(self, seed, *self._callbacks([])),
        )

    def _initialize(self, net) -> None:
        # zuko draws its initial weights from torch's global RNG: seed it, under a
        # lock, for the construction only (fits in threads stay reproducible)
        with seeded_global_rng(net.seeds_["weights"]):
            net.initialize()

    def _fit_extras(self, A: np.ndarray, net, seed: int, context) -> dict:
        mean, components, scale = context
        return {"mean_": mean, "components_": components, "scale_": scale,
                "n_components_": A.shape[1]}

    # -------------------------------------------------------------- fitted state
    def _extra_state(self, state: dict) -> None:
        """``n_components_`` and the standardisation's arrays."""
        state["fitted"]["n_components_"] = int(self.n_components_)
        state["arrays"].update({"mean_": self.mean_, "scale_": self.scale_})
        if self.components_ is not None:
            state["arrays"]["components_"] = self.components_

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
        est._saved_estimator(n_features)
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

    def _saved_context(self, state: dict) -> tuple:
        arrays = state["arrays"]
        for key in ("mean_", "scale_", "components_"):
            if key in arrays and not np.isfinite(arrays[key]).all():
                raise ValueError(f"{key} must hold finite values")
        if not (arrays["scale_"] > 0).all():
            raise ValueError("scale_ must be positive")
        components = arrays.get("components_")
        context = (arrays["mean_"].astype(np.float64),
                   None if components is None else components.astype(np.float64),
                   arrays["scale_"].astype(np.float64))
        fitted = state["fitted"]
        return context, int(fitted.get("n_components_", fitted.get("width")))

    def _restore(self, state: dict, context) -> None:
        self.mean_, self.components_, self.scale_ = context
        self.n_components_ = len(self.scale_)

    # ---------------------------------------------------------------- transform
    def _standardise(self, X: np.ndarray) -> np.ndarray:
        X = X.astype(np.float64, copy=False)
        return _project(X, self.mean_, self.components_) / self.scale_

    def _unstandardise(self, U: np.ndarray) -> np.ndarray:
        Y = U * self.scale_
        return (Y if self.components_ is None else Y @ self.components_) + self.mean_

    def _check_X(self, X) -> np.ndarray:
        check_is_fitted(self)
        return validate_data(self, X, dtype=[np.float64, np.float32], reset=False)

    def _codes(self, X) -> np.ndarray:
        X = self._check_X(X)
        Z = self._run(self._module().encode, self._standardise(X), "X", np.float64)
        return Z.astype(X.dtype, copy=False)

    def _decode(self, Z: np.ndarray, rng) -> np.ndarray:
        """Exactly inverse (up to float32 rounding); with PCA axes, the PCA
        reconstruction."""
        U = self._run(self._module().decode, Z, "the codes", np.float64)
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
        log_p = self._run(self._module(), self._standardise(X), "X", np.float64)
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
