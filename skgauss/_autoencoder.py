"""GaussianAutoencoder: a scikit-learn transformer with N(0, I) codes."""

from __future__ import annotations

import numpy as np
import torch
from sklearn import config_context
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import StrOptions
from sklearn.utils.validation import check_is_fitted
from skorch.callbacks import PassthroughScoring

from ._base import _NetworkEstimator, finite
from ._common import (
    check_fitted_keys,
    check_magnitude,
    check_n_samples,
    check_saved_params,
    float32_tensor,
)

# validate_data: scikit-learn's, with errors that name a text or unscaled column
from ._common import validate_input as validate_data
from ._distributed import _DistributedAutoencoderNet, agree, ensure_process_group
from ._docs import shared_docs
from ._flow import FLOWS
from ._generative import (
    DECODER_COVARIANCES,
    DEQUANTIZE,
    LATENT_SAMPLERS,
    calibrated_table,
    dequantization_spacing,
    fit_latent,
    gmm_sampler,
    latent_flow,
    latent_spec,
    latent_state,
    mixture_draws,
    observation_noise,
    restore_latent,
)
from ._net import _AutoencoderNet, _Reconstruction, loop_params, stream_seeds
from ._tabular import _frame_kind, _TableCodec, column_kinds
from .nn import ACTIVATIONS, AutoencoderModule
from .regularizers import REGULARIZERS, build, resolve

__all__ = ["GaussianAutoencoder"]


@shared_docs
class GaussianAutoencoder(_NetworkEstimator):
    """Autoencoder whose codes are pushed towards the standard Gaussian N(0, I).

    An encoder f maps each row x (p features) to a code z = f(x) in R^d and a
    decoder g maps codes back. Both are multilayer perceptrons trained by
    minimising, over mini-batches B of rows::

        mean over x in B of ||g(f(x)) - x||² / p   +   alpha * R({f(x) : x in B})

    where R is a penalty that is smallest when the batch of codes is a
    sample of N(0, I_d) (see :data:`skgauss.REGULARIZERS`). Once fitted,
    ``transform`` gives codes, ``inverse_transform`` decodes codes and ``sample``
    decodes draws from N(0, I). Training runs in a private skorch ``NeuralNet``
    (``net_``): skorch handles the loop, the validation split, callbacks, the
    history and the progress display.

    Parameters
    ----------
    n_components : int, default=2
        Dimension ``d`` of the codes.
    categorical_features : None, "from_dtype", list of str or int, or bool mask, \
default=None
        Mixed-type tables, as scikit-learn's ``HistGradientBoostingClassifier``.
        None: ``X`` is a numeric matrix used as it is (no scaling). Otherwise ``X``
        may be a pandas or polars DataFrame with numeric, integer, boolean,
        ``category`` and string/object columns, encoded inside the estimator:
        ``"from_dtype"`` makes ``category``, text and bool columns categorical;
        a list of names (or indices) or a boolean mask names them (bool columns
        are always categorical). Categorical columns become one-hot blocks over
        the training categories (a missing value is a category of its own),
        reconstructed by a softmax / cross-entropy head; numeric columns are
        standardised (``scale_numeric``) and reconstructed with the squared
        error. The training loss is the mean over rows of the per-column terms
        divided by the number of columns (each column weighs the same; see
        ``skgauss._net.table_reconstruction``). ``inverse_transform`` and
        ``sample`` then return rows of the training table: the same columns in
        order, with their dtypes (categories by arg-max, or drawn from the
        softmax in ``sample``; integer columns rounded; numeric columns clipped
        to the training range with ``clip``; booleans as booleans). Missing or
        infinite values in a numeric column raise a ``ValueError`` naming it.
    scale_numeric : bool, default=True
        With ``categorical_features``: standardise numeric columns with the
        training mean and standard deviation (undone when decoding), so a raw
        unscaled table gives sensible codes.
    clip : bool, default=True
        With ``categorical_features``: clip decoded numeric columns to their
        training range.
    handle_unknown : {"error", "ignore"}, default="error"
        With ``categorical_features``: a category not seen at fit (or a missing
        value in a column that had none) raises a ``ValueError`` naming the
        column and values, or with ``"ignore"`` is encoded as an all-zero block
        (useful in cross-validation where a rare category may appear in one
        fold only).
    regularizer : str, dict or callable, default="sliced_wasserstein"
        The penalty R: a name from :data:`skgauss.REGULARIZERS`, a dict
        ``{name: weight}`` (their weighted sum), or a callable
        ``fn(z, *, generator=None, **options) -> scalar tensor``. Each named
        penalty is multiplied by its documented scale ``skgauss.regularizers.SCALES``
        so that ``alpha=1.0`` is a sensible start for all of them. A penalty with
        a Gaussian head (``"kl"``, alone or in a dict) makes the encoder output a
        mean and a log-variance (a VAE); ``transform`` then returns the mean.
    regularizer_params : dict, default=None
        Options of the penalty; with a dict ``regularizer``, a dict
        ``{name: {option: value}}``.
    alpha : float, default=1.0
        Weight of the penalty against the reconstruction error.
    hidden_layer_sizes : tuple of int, default=(128, 128)
        Widths of the encoder's hidden layers; the decoder mirrors them.
    activation : {"relu", "gelu", "silu", "tanh", "elu", "leaky_relu"}, default="relu"
        Hidden-layer activation.
    {shared:training}
    lr : float, default=1e-3
        Adam's learning rate.
    lr_schedule : {"constant", "cosine"}, default="constant"
        ``"cosine"`` decays the learning rate to 0 over ``max_epochs`` (cosine
        annealing): the last epochs settle the codes instead of leaving them a
        noisy draw around the optimum of a stochastic penalty.
    weight_decay : float, default=0.0
        Adam's L2 penalty on the weights.
    input_noise : float, default=0.0
        Standard deviation of Gaussian noise added to each training row before
        encoding (a denoising autoencoder: the reconstruction target stays the
        clean row). Smooths the encoder so held-out codes follow the training
        codes' law more closely. Validation and ``transform`` see clean rows.
    {shared:validation}
    {shared:warm_start}
    {shared:runtime}
    distributed : bool, default=False
        Data-parallel training on ``torch.distributed`` (gloo on CPU, NCCL on
        GPU): every process of a ``torchrun`` launch calls ``fit`` on the same
        ``X``; each computes its share of every global mini-batch of
        ``batch_size`` rows, the penalty is evaluated on the all-gathered codes of
        the whole batch and the gradients are summed, so the model equals the
        single-process one up to floating-point reduction order (see
        ``examples/data_parallel.py``). The process group is initialised from
        the launcher's environment when it is not already. The fitted estimator
        is an ordinary one: ``transform``, ``sample`` and ``skgauss.save`` need
        no process group.
    decoder_covariance : {"diag", "full"} or None, default="full"
        The observation model :math:`x \\mid z \\sim \\mathcal N(g(z), \\Sigma)`.
        After training, :math:`\\Sigma` is the maximum-likelihood covariance
        (diagonal, or full shrunk by Ledoit--Wolf) of the residuals
        :math:`x - g(f(x))` of the
        validation rows (rows the network never trained on; all rows when
        ``validation_fraction=0``), kept as ``decoder_covariance_``; ``sample``
        adds noise drawn from it. ``None``: no noise model, ``sample`` returns
        decoded means.
    latent_sampler : {"normal", "gmm"}, default="normal"
        Where ``sample`` draws codes: N(0, I), or a
        :class:`~sklearn.mixture.GaussianMixture` fitted on the training codes
        (the ex-post sampler of regularised autoencoders, [3]_), kept as
        ``latent_sampler_``.
    latent_sampler_params : dict, default=None
        Options of the mixture (``n_components`` defaults to 10,
        ``covariance_type``, ``reg_covar``, ...; its ``random_state`` is
        derived from ``random_state``).
    latent_flow : {"nsf", "realnvp", "maf"} or None, default="nsf"
        A second stage [4]_: after the autoencoder is trained, a
        :class:`~skgauss.GaussianFlow` of this kind is fitted by maximum
        likelihood on the training codes (``latent_flow_``). ``transform``
        then returns the flow's base-space codes
        :math:`h(f(x))`, N(0, I) by construction, ``inverse_transform``
        computes :math:`g(h^{-1}(z))` (the flow is inverted exactly) and
        ``sample`` maps its draws through :math:`h^{-1}` and the decoder.
    latent_flow_params : dict, default=None
        Options of the flow (``n_transforms``, ``hidden_layer_sizes``,
        ``max_epochs``, ``batch_size``, ``lr``, ``validation_fraction``,
        ``early_stopping``, ``patience``, ``verbose``). Unless given here, the
        flow trains like the autoencoder (its ``max_epochs``, ``batch_size``,
        ``validation_fraction``, ``patience``) with ``early_stopping=True``:
        trained for all epochs it overfits the training codes
        (``benchmarks/latent_flow.py``). Its ``random_state`` and ``device``
        follow the autoencoder's.
    dequantize : {"none", "uniform"}, default="none"
        ``"uniform"``: columns with at most 20 distinct training values are
        dequantised during training, each batch getting fresh noise
        :math:`u \\sim U[-\\delta_j/2, \\delta_j/2)` with :math:`\\delta_j` the
        smallest gap between the column's values (on both the encoder's input
        and the reconstruction target: the model is of the dequantised data).
        ``transform`` stays deterministic and sees the rows as given.

    Attributes
    ----------
    net_ : skorch.NeuralNet
        The trained network (its ``module_`` holds the torch encoder/decoder).
    is_categorical_ : ndarray of shape (n_features_in_,) or None
        Which columns were encoded as categories (None when
        ``categorical_features=None``).
    categories_ : list of list or None
        The training categories of each categorical column, in ``X``'s column
        order (None when ``categorical_features=None``).
    {shared:fitted}
    history_ : list of dict
        Per epoch: ``train_loss``, ``train_recon``, ``train_penalty`` and, with a
        validation split, ``valid_loss``, ``valid_recon``, ``valid_penalty``, plus
        ``dur`` (seconds).

    decoder_covariance_ : ndarray or None
        Of shape ``(n_features_in_,)`` for ``"diag"``,
        ``(n_features_in_, n_features_in_)`` for ``"full"``:
        :math:`\\Sigma` of the observation model (variances for ``"diag"``).
    latent_flow_ : GaussianFlow or None
        The fitted second-stage flow on the codes.
    latent_sampler_ : GaussianMixture or None
        The fitted mixture of ``latent_sampler="gmm"`` (on the flow's codes
        when there is a flow).

    See Also
    --------
    sklearn.decomposition.PCA : linear codes, Gaussian only if the data are.
    sklearn.preprocessing.QuantileTransformer : per-feature Gaussianisation.

    Notes
    -----
    The network computes in float32; outputs follow the input dtype (float64 in,
    float64 out). A ``KeyboardInterrupt`` during ``fit`` stops training (skorch's
    behaviour) and leaves a usable model trained so far. If the training loss
    becomes NaN or infinite, ``fit`` raises a ``FloatingPointError`` naming the
    epoch and keeps the previous fitted state, if any. ``partial_fit`` refits
    the generative parts (``decoder_covariance_``, ``latent_flow_``,
    ``latent_sampler_``) on each chunk's codes after its epoch, the flow
    trained as in ``fit`` (up to ``max_epochs`` epochs with early stopping):
    for many chunks, bound its cost with ``latent_flow_params={"max_epochs": k}``
    or set ``latent_flow=None``.

    References
    ----------
    .. [1] Kolouri et al., "Sliced-Wasserstein Autoencoder", ICLR 2019.
    .. [2] Tolstikhin et al., "Wasserstein Auto-Encoders", ICLR 2018.
    .. [3] Ghosh et al., "From Variational to Deterministic Autoencoders",
       ICLR 2020.
    .. [4] Dai and Wipf, "Diagnosing and Enhancing VAE Models", ICLR 2019.


    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from sklearn.preprocessing import StandardScaler
    >>> from skgauss import GaussianAutoencoder
    >>> X = StandardScaler().fit_transform(load_digits().data)
    >>> ae = GaussianAutoencoder(n_components=4, max_epochs=2, random_state=0)
    >>> ae.fit_transform(X).shape
    (1797, 4)
    >>> ae.sample(3, random_state=0).shape
    (3, 64)

    A raw table with a text column:

    >>> import pandas as pd
    >>> df = pd.DataFrame({"height": [150.0, 160, 170, 180] * 25,
    ...                    "size": ["S", "M", "L", "XL"] * 25})
    >>> ae = GaussianAutoencoder(categorical_features="from_dtype", max_epochs=2,
    ...                          random_state=0).fit(df)
    >>> rows = ae.sample(2, random_state=0)
    >>> rows.columns.tolist(), bool(rows["size"].isin(["S", "M", "L", "XL"]).all())
    (['height', 'size'], True)
    """


    _parameter_constraints: dict = {
        **_NetworkEstimator._parameter_constraints,
        "categorical_features": [None, StrOptions({"from_dtype"}), "array-like"],
        "scale_numeric": ["boolean"],
        "clip": ["boolean"],
        "handle_unknown": [StrOptions({"error", "ignore"})],
        # a name, a {name: weight} dict or a callable: resolve() checks the names
        "regularizer": [str, dict, callable],
        "regularizer_params": [None, dict],
        "alpha": [finite(0.0)],
        "activation": [StrOptions(set(ACTIVATIONS))],
        "weight_decay": [finite(0.0)],
        "input_noise": [finite(0.0)],
        "distributed": ["boolean"],
        "decoder_covariance": [None, StrOptions(set(DECODER_COVARIANCES))],
        "latent_sampler": [StrOptions(set(LATENT_SAMPLERS))],
        "latent_sampler_params": [None, dict],
        "latent_flow": [None, StrOptions(set(FLOWS))],
        "latent_flow_params": [None, dict],
        "dequantize": [StrOptions(set(DEQUANTIZE))],
    }
    _history_keys = ("train_loss", "train_recon", "train_penalty",
                     "valid_loss", "valid_recon", "valid_penalty", "dur")
    _architecture = "n_components, hidden_layer_sizes, activation and a Gaussian head ('kl')"

    def __init__(
        self,
        n_components: int = 2,
        *,
        categorical_features=None,
        scale_numeric: bool = True,
        clip: bool = True,
        handle_unknown: str = "error",
        regularizer="sliced_wasserstein",
        regularizer_params: dict | None = None,
        alpha: float = 1.0,
        hidden_layer_sizes: tuple[int, ...] = (128, 128),
        activation: str = "relu",
        max_epochs: int = 100,
        batch_size: int = 128,
        lr: float = 1e-3,
        lr_schedule: str = "constant",
        weight_decay: float = 0.0,
        input_noise: float = 0.0,
        validation_fraction: float = 0.1,
        early_stopping: bool = False,
        patience: int = 10,
        callbacks: list | None = None,
        warm_start: bool = False,
        device: str = "cpu",
        n_threads: int | None = None,
        random_state=None,
        verbose: int = 0,
        distributed: bool = False,
        decoder_covariance: str | None = "full",
        latent_sampler: str = "normal",
        latent_sampler_params: dict | None = None,
        latent_flow: str | None = "nsf",
        latent_flow_params: dict | None = None,
        dequantize: str = "none",
    ) -> None:
        self.n_components = n_components
        self.categorical_features = categorical_features
        self.scale_numeric = scale_numeric
        self.clip = clip
        self.handle_unknown = handle_unknown
        self.regularizer = regularizer
        self.regularizer_params = regularizer_params
        self.alpha = alpha
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.max_epochs = max_epochs
        self.batch_size = batch_size
        self.lr = lr
        self.lr_schedule = lr_schedule
        self.input_noise = input_noise
        self.weight_decay = weight_decay
        self.validation_fraction = validation_fraction
        self.early_stopping = early_stopping
        self.patience = patience
        self.callbacks = callbacks
        self.warm_start = warm_start
        self.device = device
        self.n_threads = n_threads
        self.random_state = random_state
        self.verbose = verbose
        self.distributed = distributed
        self.decoder_covariance = decoder_covariance
        self.latent_sampler = latent_sampler
        self.latent_sampler_params = latent_sampler_params
        self.latent_flow = latent_flow
        self.latent_flow_params = latent_flow_params
        self.dequantize = dequantize

    # ------------------------------------------------------------------ checks
    def _check_params(self, n_features: int) -> None:
        super()._check_params(n_features)
        # the unfitted mixture and flow check their own options
        if self.latent_sampler == "gmm":
            gmm_sampler(self.latent_sampler_params, 0)._validate_params()
        elif self.latent_sampler_params is not None:
            raise ValueError("latent_sampler_params is set but latent_sampler is 'normal'")
        if self.latent_flow is not None:
            latent_flow(self, 0)._saved_estimator(self.n_components)
        elif self.latent_flow_params is not None:
            raise ValueError("latent_flow_params is set but latent_flow is None")

    # --------------------------------------------------------------------- fit
    def _input(self, X, reset: bool, check: bool, seed: int) -> tuple:
        A, table = self._matrix(X, reset=reset, min_samples=2)
        if check:
            self._check_params(A.shape[1])  # the encoded width, for a table
        if table is None:
            check_magnitude(A, getattr(self, "feature_names_in_", None))
        else:  # the numeric columns come first; one-hot blocks hold 0 and 1
            check_magnitude(A[:, :len(table.numeric)],
                            [table.columns[j] for j in table.numeric], table.numeric,
                            fix="keep scale_numeric=True (the default), which "
                                "standardises them")
        return A, A.dtype, table

    def _matrix(self, X, reset: bool, min_samples: int = 1) -> tuple:
        """``(matrix the network sees, table codec or None)`` for ``X``.

        With ``categorical_features``, ``reset`` fits a new codec (published by
        ``fit`` only once training succeeds); otherwise the fitted one encodes.
        """
        if self.categorical_features is None:
            if _frame_kind(X) != "array":
                column_kinds(X, [])  # text columns: an error naming categorical_features
            X = validate_data(self, X, dtype=[np.float64, np.float32], reset=reset,
                              ensure_min_samples=min_samples)
            return X, None
        if _frame_kind(X) == "array":  # numeric arrays: scikit-learn's checks and messages
            X = validate_data(self, X, dtype=[np.float64, np.float32], reset=reset,
                              ensure_min_samples=min_samples)
        else:
            validate_data(self, X, skip_check_array=True, reset=reset)
        if not reset and getattr(self, "_table", None) is None:
            raise ValueError("this model was fitted without categorical_features; set it "
                             "before the first fit")
        if X.shape[0] < min_samples:  # before the codec fits statistics of no rows
            raise ValueError(f"Found array with {X.shape[0]} sample(s) while a minimum of "
                             f"{min_samples} is required.")
        table = (_TableCodec.fit(X, self.categorical_features,
                                 scale_numeric=self.scale_numeric, clip=self.clip,
                                 handle_unknown=self.handle_unknown)
                 if reset else self._table)
        dtype = np.float32 if _frame_kind(X) == "array" and X.dtype == np.float32 \
            else np.float64
        return table.encode(X).astype(dtype, copy=False), table

    def _agree(self, seed: int, A: np.ndarray) -> int:
        """With ``distributed``, rank 0's seed, after checking every process has
        the same data."""
        if not self.distributed:
            return seed
        ensure_process_group(self.device)
        return agree(seed, float32_tensor(A, "X"), self.device)

    def _new_net(self, A: np.ndarray, seed: int, table=None) -> _AutoencoderNet:
        """A fresh, untrained network for (encoded) data like ``A`` with the table
        codec ``table`` (None for a numeric matrix)."""
        terms = resolve(self.regularizer, self.regularizer_params, REGULARIZERS)
        spacing = None
        if self.dequantize == "uniform" and len(A):
            gaps = dequantization_spacing(A)
            if table is not None:  # one-hot blocks are cross-entropy targets, not levels
                gaps[len(table.numeric):] = 0.0
            spacing = torch.as_tensor(gaps, dtype=torch.float32)
        scores = [(f"{part}_{term}", PassthroughScoring(f"{part}_{term}",
                                                        on_train=part == "train"))
                  for part in ("train", "valid") for term in ("recon", "penalty")]
        net_class = _DistributedAutoencoderNet if self.distributed else _AutoencoderNet
        return net_class(
            AutoencoderModule,
            module__n_features=A.shape[1],
            module__n_components=self.n_components,
            module__hidden_layer_sizes=tuple(self.hidden_layer_sizes),
            module__activation=self.activation,
            module__gaussian_head=any(entry.gaussian_head for _, entry, _, _ in terms),
            criterion=_Reconstruction,
            criterion__table_layout=None if table is None else (
                len(table.numeric), table.blocks),
            optimizer__weight_decay=self.weight_decay,
            penalty=terms,
            alpha=self.alpha,
            input_noise=self.input_noise,
            **loop_params(self, seed, *self._callbacks(scores)),
            **({} if spacing is None else {
                "iterator_train__spacing": spacing, "iterator_valid__spacing": spacing,
                "iterator_valid__generator": torch.Generator().manual_seed(
                    stream_seeds(seed)["valid_noise"])}),
        )

    @staticmethod
    def _saved_modules(net) -> dict:
        return {"module.": net.module_, "penalty.": net.penalty_}

    def _copy_weights(self, old, new) -> None:
        super()._copy_weights(old, new)
        old_penalty, new_penalty = old.penalty_.state_dict(), new.penalty_.state_dict()
        if old_penalty.keys() == new_penalty.keys():  # same stateful penalty: keep it
            new.penalty_.load_state_dict(old_penalty)

    def _fit_extras(self, A: np.ndarray, net, seed: int, table) -> dict:
        """The generative state around the trained ``net`` and the table codec
        (its category frequencies calibrated on the model's samples)."""
        extras = fit_latent(self, A, net, table)
        if table is not None:
            table = calibrated_table(self, net, table, extras)
        return {**extras, **self._table_attributes(table),
                "n_components_": net.module_.decoder[0].in_features}

    @staticmethod
    def _table_attributes(table) -> dict:
        """The table codec and the fitted attributes read from it."""
        return {"_table": table,
                "is_categorical_": None if table is None else table.is_categorical,
                "categories_": None if table is None else [
                    c for c in table.categories if c is not None]}

    # -------------------------------------------------------------- fitted state
    def _extra_state(self, state: dict) -> None:
        """The generative latent (``latent``), and the table codec's JSON state and
        float arrays (``table``, ``table_*``); the penalty's tensors are under
        ``penalty.``."""
        latent = latent_state(self)
        state["fitted"]["latent"] = latent["fitted"]
        state["arrays"].update(latent["arrays"])
        state["tensors"].update(latent["tensors"])
        if self._table is not None:
            info, arrays = self._table.get_state()
            state["fitted"]["table"] = info
            state["arrays"].update({f"table_{k}": v for k, v in arrays.items()})

    @classmethod
    def _fitted_spec(cls, params: dict, fitted: dict, declared: dict) -> dict:
        """Shapes a saved state must have, from its params and metadata alone:
        ``{"arrays": {name: (shape, dtype kind, required)}, "tensors": {name:
        shape}}`` (``declared``: the tensor shapes the file's header claims,
        unused here). The network is built on the ``meta`` device (no memory),
        so a tampered file describing a huge network is refused before any
        allocation. Raises ``ValueError``/``TypeError`` for invalid params."""
        # files written before the generative latent (issue #14) have no "latent"
        check_fitted_keys({"latent": {}, **fitted},
                          ("latent", "table") if "table" in fitted else ("latent",))
        n_features = width = fitted["n_features_in_"]
        est = check_saved_params(cls, params)
        arrays = {"feature_names_in_": ((n_features,), "U", False)}
        table = fitted.get("table")
        if (table is None) != (params.get("categorical_features") is None):
            raise ValueError("a table codec is saved if and only if categorical_features "
                             "is set")
        n_numeric = n_features
        if table is not None:
            n_numeric, width = _TableCodec.check_state(table)
            if len(table["columns"]) != n_features:
                raise ValueError(f"the table has {len(table['columns'])} columns, "
                                 f"n_features_in_ is {n_features}")
            arrays.update({f"table_{k}": ((n_numeric,), "f", True)
                           for k in ("mean", "scale", "low", "high")})
            arrays.update({f"table_{k}": ((width,), "f", True)
                           for k in ("frequencies", "bias")})
        est._saved_estimator(width)
        with torch.device("meta"):
            net = est._new_net(np.empty((0, width)), fitted["seed"])
            module = net.module(**net.get_params_for("module"))
            penalty = build(net.penalty, est.n_components, net.seeds_["penalty"])
            modules = {"module.": module, "penalty.": penalty}
            tensors = {f"{prefix}{k}": tuple(v.shape) for prefix, m in modules.items()
                       for k, v in m.state_dict().items()}
        latent = latent_spec(est, fitted, declared, n_numeric)
        return {"arrays": {**arrays, **latent["arrays"]},
                "tensors": {**tensors, **latent["tensors"]}}

    def _saved_context(self, state: dict) -> tuple:
        fitted = state["fitted"]
        if fitted.get("table") is None:
            return None, fitted["n_features_in_"]
        table = _TableCodec.from_state(
            fitted["table"], {k[6:]: v for k, v in state["arrays"].items()
                              if k.startswith("table_")})
        return table, table.width

    def _restore(self, state: dict, table) -> None:
        restore_latent(self, state)
        names = getattr(self, "feature_names_in_", None)
        if table is not None and names is not None and list(names) != table.columns:
            raise ValueError("the table's columns differ from feature_names_in_")
        vars(self).update(self._table_attributes(table))
        self.n_components_ = self.net_.module_.decoder[0].in_features

    # ---------------------------------------------------------------- transform
    def _codes(self, X) -> np.ndarray:
        """The encoder's output (for a VAE, its mean), through the latent flow."""
        X, _ = self._matrix(X, reset=False)
        module = self._module()
        Z = self._run(lambda x: module.encode(x)[0], X, "X")
        if self.latent_flow_ is not None:
            # a plain array: the set_output wrapper of this transform adds the
            # container (a global transform_output would wrap the flow's too)
            with config_context(transform_output="default"):
                Z = self.latent_flow_.transform(Z)
        return Z

    def _decode(self, Z: np.ndarray, rng, noise: bool = False):
        """Decode codes (through the inverse flow, if any); with ``noise``, add the
        decoder's observation noise drawn with ``rng``; with a table, categories by
        arg-max (``rng`` None) or drawn from the softmax with ``rng``."""
        if self.latent_flow_ is not None:
            with config_context(transform_output="default"):  # a plain array
                Z = self.latent_flow_.inverse_transform(Z)
        M = self._run(self._module().decoder, Z, "the codes")
        if noise and self.decoder_covariance_ is not None:  # numeric columns first
            cov = self.decoder_covariance_
            M = M.astype(np.float64)
            M[:, :cov.shape[0]] += observation_noise(cov, len(M), rng)
            M = M.astype(Z.dtype)
        if self._table is None:
            return self._as_input_container(M)
        rows = self._table.decode(M, rng, as_array_dtype=self._dtype)
        return self._as_input_container(rows) if self._table.container == "array" else rows

    def _encode(self, X) -> np.ndarray:
        """The encoded matrix of a table ``X`` (scaled numbers, one-hot blocks)."""
        check_is_fitted(self)
        return self._matrix(X, reset=False)[0]

    def _encoded_reconstruction(self, X) -> tuple[np.ndarray, np.ndarray]:
        """``X`` encoded, and its reconstruction in the same space (numeric
        columns, then each block's softmax probabilities): what the scorers of
        :mod:`skgauss.metrics` compare for a table."""
        E = self._encode(X)
        module = self._module()
        M = self._run(lambda x: module.decoder(module.encode(x)[0]), E, "X")
        return E, self._table.probabilities(M)

    def _draw_codes(self, n_samples: int, rng: np.random.RandomState) -> np.ndarray:
        if self.latent_sampler_ is None:
            return super()._draw_codes(n_samples, rng)
        check_n_samples(n_samples)
        return mixture_draws(self.latent_sampler_, n_samples, rng).astype(self._dtype)

    def sample(self, n_samples: int = 1, random_state=None, *, noise: bool = True):
        r"""Draw ``n_samples`` rows from the model.

        A code is drawn from the latent sampler (N(0, I), or the mixture
        ``latent_sampler_``), mapped through the inverse flow (with
        ``latent_flow``) and decoded to the mean :math:`g(z)`; with ``noise``
        and a ``decoder_covariance``, observation noise
        :math:`\varepsilon \sim \mathcal N(0, \Sigma)` is added, so the rows
        follow :math:`x \mid z \sim \mathcal N(g(z), \Sigma)`.

        Parameters
        ----------
        n_samples : int, default=1
        random_state : int, RandomState instance or None, default=None
            Seeds the draws (numpy), independently of ``self.random_state``.
            The codes are drawn first, so ``noise=False`` with the same seed
            gives the means of the ``noise=True`` rows.
        noise : bool, default=True
            Add the decoder's observation noise; ``False`` returns decoded
            means (as does ``decoder_covariance=None``).

        Returns
        -------
        X : ndarray or DataFrame of shape (n_samples, n_features_in_)
            A DataFrame when ``set_output`` asks for one, as ``inverse_transform``.
            With ``categorical_features``, rows of the training table whose
            categories are drawn from the decoder's softmax (the same generator
            continues after the Gaussian draws); the observation noise applies
            to the numeric columns.
        """
        check_is_fitted(self)
        rng = check_random_state(random_state)
        return self._decode(self._draw_codes(n_samples, rng), rng, noise=noise)

    def score(self, X, y=None) -> float:  # noqa: D417
        """Gaussianity of the codes of ``X``; greater is better.

        :func:`skgauss.metrics.gaussianity_score` of ``transform(X)``: minus the
        unbiased MMD² between the codes and N(0, I) with a Gaussian kernel of
        fixed bandwidth σ² = √d, in closed form (0 is perfect).
        """
        from .metrics import gaussianity_score

        return gaussianity_score(self.transform(X))
