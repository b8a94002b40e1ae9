"""GaussianAutoencoder: a scikit-learn transformer with N(0, I) codes."""

from __future__ import annotations

import copy

import numpy as np
import torch
from sklearn import config_context
from sklearn.base import (
    BaseEstimator,
    ClassNamePrefixFeaturesOutMixin,
    TransformerMixin,
)
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_array, check_is_fitted
from skorch.callbacks import Callback, LRScheduler, PassthroughScoring
from torch.optim.lr_scheduler import CosineAnnealingLR

from ._common import (
    _EstimatorMixin,
    all_or_nothing,
    check_bool,
    check_fitted_keys,
    check_integer,
    check_magnitude,
    check_network_params,
    check_real,
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
    standard_normal_draws,
    trained_params,
)

# validate_data: scikit-learn's, with errors that name a text or unscaled column
from ._common import validate_input as validate_data
from ._distributed import _DistributedAutoencoderNet, agree, ensure_process_group
from ._flow import FLOWS
from ._generative import (
    DECODER_COVARIANCES,
    DEQUANTIZE,
    LATENT_SAMPLERS,
    dequantization_spacing,
    gmm_sampler,
    latent_flow,
    latent_spec,
    latent_state,
    mixture_draws,
    observation_noise,
    residual_covariance,
    restore_latent,
)
from ._net import _AutoencoderNet, _Reconstruction, _SeededSplit
from ._tabular import _frame_kind, _TableCodec, column_kinds
from ._threads import check_n_threads, fit_threads, inference_threads, limit_threads
from .nn import ACTIVATIONS, AutoencoderModule
from .regularizers import REGULARIZERS, build, resolve

__all__ = ["GaussianAutoencoder"]


def _check_choice(est, name: str, choices: tuple) -> None:
    """``getattr(est, name)`` must be one of ``choices`` (compared by equality, so
    an unhashable value is refused too)."""
    value = getattr(est, name)
    if not any(value is c or (isinstance(value, str) and value == c) for c in choices):
        raise ValueError(f"{name} must be one of {list(choices)}, got {value!r}")





class GaussianAutoencoder(
    _EstimatorMixin, ClassNamePrefixFeaturesOutMixin, TransformerMixin, BaseEstimator
):
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
    max_epochs : int, default=100
        Number of passes over the training data (fewer with early stopping).
    batch_size : int, default=128
        Rows per mini-batch. A trailing batch of a single row is merged into the
        previous one, so penalties never see n = 1.
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
    validation_fraction : float, default=0.1
        Fraction of rows held out (seeded by ``random_state``) to report
        validation losses and drive early stopping; ``0.0`` disables the split.
        Both parts must hold at least two rows.
    early_stopping : bool, default=False
        Stop when the monitored loss (validation, or training without a split)
        has not improved for ``patience`` epochs, and restore the best weights.
    patience : int, default=10
        Epochs without improvement before early stopping.
    callbacks : list of skorch callbacks, default=None
        Extra callbacks for the skorch net (copied at each fit).
    warm_start : bool, default=False
        When True and already fitted, ``fit`` trains ``max_epochs`` more epochs
        starting from the current weights (with the current ``lr``, ``alpha``,
        ``weight_decay``, ``input_noise``, penalty options, a new optimizer and a
        new schedule) and appends to ``history_``. The data must have the same
        features, and the architecture (``n_components``, ``hidden_layer_sizes``,
        ``activation``, a Gaussian head) must not change: ``ValueError`` otherwise.
    device : str, default="cpu"
        Torch device used for training and for later transforms; a model trained
        on ``"cuda"`` transforms on CPU after ``set_params(device="cpu")``.
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
        Seeds weight initialisation, shuffling, the validation split and every
        random draw of the penalty, without touching torch's global RNG. The same
        integer gives bit-identical codes on CPU.
    verbose : int, default=0
        ``>0`` shows skorch's epoch table and progress bar.

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
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Feature names seen during fit, when ``X`` has string column names.
    n_iter_ : int
        Number of epochs run.
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
    epoch and keeps the previous fitted state, if any.

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
        distributed: bool = False,
        n_threads: int | None = None,
        random_state=None,
        verbose: int = 0,
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
        self.distributed = distributed
        self.n_threads = n_threads
        self.random_state = random_state
        self.verbose = verbose
        self.decoder_covariance = decoder_covariance
        self.latent_sampler = latent_sampler
        self.latent_sampler_params = latent_sampler_params
        self.latent_flow = latent_flow
        self.latent_flow_params = latent_flow_params
        self.dequantize = dequantize

    # ------------------------------------------------------------------ checks
    def _check_params(self, n_features: int) -> None:
        check_integer(self, "n_components", 1)
        if self.n_components > n_features:
            raise ValueError(
                f"n_components={self.n_components} exceeds the {n_features} features: "
                "the codes would have more dimensions than the data; use "
                f"n_components <= {n_features}"
            )
        check_real(self, "alpha", 0.0)
        check_real(self, "weight_decay", 0.0)
        check_real(self, "input_noise", 0.0)
        check_network_params(self)
        check_n_threads(self)
        if self.lr_schedule not in ("constant", "cosine"):
            raise ValueError(
                f"lr_schedule must be 'constant' or 'cosine', got {self.lr_schedule!r}"
            )
        if self.handle_unknown not in ("error", "ignore"):
            raise ValueError(
                f"handle_unknown must be 'error' or 'ignore', got {self.handle_unknown!r}"
            )
        for name in ("scale_numeric", "clip"):
            if not isinstance(getattr(self, name), (bool, np.bool_)):
                raise ValueError(f"{name} must be a bool, got {getattr(self, name)!r}")
        if self.activation not in ACTIVATIONS:
            raise ValueError(
                f"activation must be one of {sorted(ACTIVATIONS)}, got {self.activation!r}"
            )
        if not isinstance(self.distributed, bool):
            raise TypeError(f"distributed must be True or False, got {self.distributed!r}")
        check_bool(self, "warm_start")
        _check_choice(self, "decoder_covariance", (None, *DECODER_COVARIANCES))
        _check_choice(self, "latent_sampler", LATENT_SAMPLERS)
        _check_choice(self, "latent_flow", (None, *FLOWS))
        _check_choice(self, "dequantize", DEQUANTIZE)
        # the unfitted mixture and flow check their own options
        if self.latent_sampler == "gmm":
            gmm_sampler(self.latent_sampler_params, 0)._validate_params()
        elif self.latent_sampler_params is not None:
            raise ValueError("latent_sampler_params is set but latent_sampler is 'normal'")
        if self.latent_flow is not None:
            latent_flow(self, 0)._check_params(self.n_components)
        elif self.latent_flow_params is not None:
            raise ValueError("latent_flow_params is set but latent_flow is None")
        if self.callbacks is not None and not isinstance(self.callbacks, (list, tuple)):
            raise TypeError(
                f"callbacks must be a list of skorch callbacks, got {self.callbacks!r}"
            )
        for cb in self.callbacks or []:
            named = isinstance(cb, tuple) and len(cb) == 2 and isinstance(cb[0], str)
            if not isinstance(cb[1] if named else cb, Callback):
                raise TypeError(
                    "callbacks must hold skorch callbacks (or (name, callback) pairs), "
                    f"got {cb!r}"
                )

    # --------------------------------------------------------------------- fit
    def fit(self, X, y=None):
        """Train encoder and decoder on ``X``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training data, ideally standardised. At least two rows.
        y : None
            Ignored.

        Returns
        -------
        self : GaussianAutoencoder
        """
        with all_or_nothing(self):  # a failed fit keeps every fitted attribute
            if self.warm_start and hasattr(self, "net_"):
                X, table = self._input(X, reset=False, min_samples=2)
                self._check_params(X.shape[1])
                names = getattr(self, "feature_names_in_", None) if table is None else None
                check_magnitude(X, names)  # encoded tables: no column names
                fresh = self._new_net(X, seed=self._agreed_seed(X, self.net_.seed),
                                      table=table)
                return self._train(X, epochs=None, fresh=fresh, warm=True)
            X, table = self._input(X, reset=True, min_samples=2)
            self._check_params(X.shape[1])
            names = getattr(self, "feature_names_in_", None) if table is None else None
            check_magnitude(X, names)  # encoded tables: no column names
            return self._train(X, epochs=None,
                               fresh=self._new_net(X, self._agreed_seed(X), table=table))

    def _input(self, X, reset: bool, min_samples: int = 1) -> tuple:
        """``(matrix the network sees, table codec or None)`` for ``X``.

        With ``categorical_features``, ``reset`` fits a new codec (published by
        ``_train`` only once training succeeds); otherwise the fitted one encodes.
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
        table = (_TableCodec.fit(X, self.categorical_features,
                                 scale_numeric=self.scale_numeric, clip=self.clip,
                                 handle_unknown=self.handle_unknown)
                 if reset else self._table)
        if not reset and not hasattr(self, "_table"):
            raise ValueError("this model was fitted without categorical_features; set it "
                             "before the first fit")
        E = table.encode(X)
        dtype = np.float32 if _frame_kind(X) == "array" and X.dtype == np.float32 \
            else np.float64
        if E.shape[0] < min_samples:
            raise ValueError(f"Found array with {E.shape[0]} sample(s) while a minimum of "
                             f"{min_samples} is required.")
        return E.astype(dtype, copy=False), table

    def partial_fit(self, X, y=None):
        """Train for one pass over ``X`` (one epoch), continuing any previous fit.

        For data that do not fit in memory: call it on successive chunks (a loop
        over memory-mapped slices, or ``dask_ml.wrappers.Incremental``). The first
        call builds the network; later calls must have the same features. Each
        call makes one skorch epoch, with its own validation split of the chunk
        when ``validation_fraction > 0``, at the learning rate ``lr`` (the
        schedule applies within one ``fit``). Later calls keep the network,
        optimizer and hyperparameters of the first; a call that fails (e.g. a
        non-finite loss) leaves the model as it was. The generative parts
        (``decoder_covariance_``, ``latent_flow_``, ``latent_sampler_``) are
        refitted on each chunk's codes after its epoch, the flow trained as in
        ``fit`` (up to ``max_epochs`` epochs with early stopping): for many
        chunks, bound its cost with ``latent_flow_params={"max_epochs": k}``
        or set ``latent_flow=None``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            One chunk, at least two rows.
        y : None
            Ignored.

        Returns
        -------
        self : GaussianAutoencoder
        """
        first = not hasattr(self, "net_")
        with all_or_nothing(self):
            X, table = self._input(X, reset=first, min_samples=2)
            if first:
                self._check_params(X.shape[1])
            names = getattr(self, "feature_names_in_", None) if table is None else None
            check_magnitude(X, names)  # encoded tables: no column names
            # later calls train a copy: a failure leaves the current model intact
            fresh = self._new_net(X, self._agreed_seed(X), table=table) if first else (
                copy.deepcopy(self.net_), self.net_.seed, self._dtype, table)
            return self._train(X, epochs=1, fresh=fresh, keep_params=not first)

    def _agreed_seed(self, X: np.ndarray, seed: int | None = None) -> int:
        """The fit's seed (drawn from ``random_state`` unless given); with
        ``distributed``, rank 0's, after checking every process has the same X."""
        if seed is None:
            seed = int(
                check_random_state(self.random_state).randint(np.iinfo(np.int32).max)
            )
        if self.distributed:
            ensure_process_group(self.device)
            seed = agree(seed, float32_tensor(X, "X"), self.device)
        return seed

    def _new_net(self, X: np.ndarray, seed: int | None = None, table=None) -> tuple:
        """A fresh, untrained network for (encoded) data like ``X``, with its seed,
        dtype and the table codec ``table`` (None for a numeric matrix)."""
        if seed is None:
            seed = self._agreed_seed(X)
        terms = resolve(self.regularizer, self.regularizer_params, REGULARIZERS)
        spacing = None
        if self.dequantize == "uniform" and len(X):
            gaps = dequantization_spacing(X)
            if table is not None:  # one-hot blocks are cross-entropy targets, not levels
                gaps[len(table.numeric):] = 0.0
            spacing = torch.as_tensor(gaps, dtype=torch.float32)
        return self._build_net(X.shape[1], terms, seed, table, spacing), seed, X.dtype, table

    def _train(self, X: np.ndarray, epochs: int | None, fresh: tuple, warm: bool = False,
               keep_params: bool = False):
        """Train the network in ``fresh`` (all epochs when ``epochs`` is None),
        then publish the fitted state.

        ``fresh`` is never the published ``net_`` itself, so a failure leaves a
        previous fit intact: the fitted attributes are only (re)assigned after
        training returns. With ``warm``, ``fresh`` is a new net (current
        hyperparameters, new optimizer and schedule) that starts from the
        weights of ``net_``.
        """
        net, seed, dtype, table = fresh
        X_t = float32_tensor(X, "X")
        previous = self.history_ if warm else []
        params = self._fitted_params if keep_params else trained_params(self)
        # the weights are drawn from a generator the net owns (seeded by ``seed``,
        # see _AutoencoderNet.initialize_module): torch's global RNG is not used
        X_t = X_t.to(net.device)
        if not net.initialized_:  # as skorch's fit and partial_fit would
            net.initialize()
        if warm:
            self._copy_weights(self.net_, net)
        with limit_threads(fit_threads(self, net, len(X_t))):
            net.partial_fit(X_t, epochs=self.max_epochs if warm else epochs)
        check_trained(net, {"module.": net.module_, "penalty.": net.penalty_})
        latent = self._fit_latent(X, net, seed, table)
        if table is not None:
            table = self._calibrated(net, table, seed, latent)
        keys = (
            "train_loss",
            "train_recon",
            "train_penalty",
            "valid_loss",
            "valid_recon",
            "valid_penalty",
            "dur",
        )
        # partial_fit's net keeps its own history: only its new rows are appended
        rows = net.history if warm or epochs is None else net.history[-epochs:]
        if keep_params:
            previous = self.history_
        history = previous + [
            {"epoch": float(len(previous) + i + 1),
             **{k: float(row[k]) for k in keys if k in row}}
            for i, row in enumerate(rows)
        ]
        # publish: everything above may fail and leave the previous model
        for name, value in latent.items():
            setattr(self, name, value)
        self.net_ = net
        self._dtype = dtype
        self._set_table(table)
        self._fitted_params = params
        self.history_ = history
        self.n_iter_ = len(self.history_)
        return self

    def _calibrated(self, net, table, seed: int, latent: dict):
        """The codec with the sampling bias of its categories fitted on the decoder
        outputs of 8192 seeded draws of the latent sampler, through the inverse
        latent flow if any (what ``sample`` decodes; see ``_TableCodec.calibrated``)."""
        width = net.module_.decoder[0].in_features
        Z = np.random.default_rng(seed + 5).standard_normal((8192, width))
        if latent["latent_sampler_"] is not None:
            Z = mixture_draws(latent["latent_sampler_"], 8192, np.random.RandomState(seed + 5))
        if latent["latent_flow_"] is not None:
            with config_context(transform_output="default"):  # a plain array
                Z = latent["latent_flow_"].inverse_transform(Z)
        module = net.module_.eval()
        threads = inference_threads(self, module, len(Z))
        return table.calibrated(
            run_batched(module.decoder, Z, "the draws", net.device, threads))

    def _set_table(self, table) -> None:
        """Publish the table codec and the fitted attributes read from it."""
        self._table = table
        self.is_categorical_ = None if table is None else table.is_categorical
        self.categories_ = None if table is None else [
            c for c in table.categories if c is not None]
        if table is None:
            del self._table

    @staticmethod
    def _copy_weights(old, new) -> None:
        """Start ``new`` from ``old``'s weights (warm start)."""
        try:
            new.module_.load_state_dict(old.module_.state_dict())
        except RuntimeError as exc:
            raise ValueError(
                "warm_start keeps the trained network, so n_components, "
                "hidden_layer_sizes, activation and a Gaussian head ('kl') must not "
                "change between fits; set warm_start=False to refit from scratch"
            ) from exc
        old_penalty, new_penalty = old.penalty_.state_dict(), new.penalty_.state_dict()
        if old_penalty.keys() == new_penalty.keys():  # same stateful penalty: keep it
            new.penalty_.load_state_dict(old_penalty)

    def _fit_latent(self, X: np.ndarray, net, seed: int, table=None) -> dict:
        """The generative state around the trained ``net``, from the rows ``X``.

        ``decoder_covariance_`` from the residuals of the validation rows (the
        rows the network was not trained on; all rows without a split; with a
        table, of its numeric columns only),
        ``latent_flow_`` and ``latent_sampler_`` from the codes of all rows.
        Returned, not assigned: ``_train`` publishes it with the network.
        """
        module = net.module_
        module.eval()
        try:
            encode = lambda x: module.encode(x)[0]  # noqa: E731
            threads = inference_threads(self, module, len(X))
            codes = run_batched(encode, X, "X", net.device, threads).astype(np.float64)
            rows = X
            if self.validation_fraction > 0 and self.decoder_covariance is not None:
                rows = X[_SeededSplit(self.validation_fraction, seed + 1).indices(len(X))[1]]
            residuals = rows - run_batched(
                lambda x: module.decoder(encode(x)), rows, "X", net.device, threads)
            if table is not None:  # the categories have no Gaussian noise
                residuals = residuals[:, :len(table.numeric)]
        finally:
            module.train()
        kind = self.decoder_covariance if residuals.shape[1] else None
        state = {"decoder_covariance_": residual_covariance(residuals, kind),
                 "latent_flow_": None, "latent_sampler_": None}
        if self.latent_flow is not None:
            flow = latent_flow(self, seed + 5)
            state["latent_flow_"] = flow.fit(codes)
            codes = flow.transform(codes).astype(np.float64)
        if self.latent_sampler == "gmm":
            state["latent_sampler_"] = gmm_sampler(
                self.latent_sampler_params, seed + 6).fit(codes)
        return state

    def _build_net(self, n_features: int, terms: tuple, seed: int,
                   table=None, spacing: torch.Tensor | None = None) -> _AutoencoderNet:
        callbacks = [
            (
                f"{part}_{term}",
                PassthroughScoring(f"{part}_{term}", on_train=part == "train"),
            )
            for part in ("train", "valid")
            for term in ("recon", "penalty")
        ]
        if self.lr_schedule == "cosine":
            # last_epoch=-1: every fit starts a fresh decay (skorch would otherwise
            # resume it from the history's length, past T_max, on warm starts)
            callbacks.append(("lr_scheduler", LRScheduler(
                CosineAnnealingLR, T_max=self.max_epochs, last_epoch=-1)))
        # the user's callbacks come last, copied: skorch callbacks keep state
        extra = [copy.deepcopy(cb) for cb in (self.callbacks or [])]
        net_class = _DistributedAutoencoderNet if self.distributed else _AutoencoderNet
        return net_class(
            AutoencoderModule,
            module__n_features=n_features,
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
            **loop_params(self, seed, callbacks, extra),
            **({} if spacing is None else {
                "iterator_train__spacing": spacing, "iterator_valid__spacing": spacing,
                "iterator_valid__generator": torch.Generator().manual_seed(seed + 4)}),
        )

    # -------------------------------------------------------------- fitted state
    def _get_fitted_state(self) -> dict:
        """What :func:`skgauss.save` writes: the hyperparameters the network was
        trained with (``params``), JSON metadata (``fitted``), numpy ``arrays``
        and torch ``tensors`` (prefix ``module.`` for the autoencoder,
        ``penalty.`` for a stateful penalty). Extend all four together with
        :meth:`_fitted_spec` and :meth:`_from_fitted_state`."""
        check_is_fitted(self)
        latent = latent_state(self)
        state = {
            "params": copy.deepcopy(self._fitted_params),
            "fitted": {**fitted_metadata(self), "latent": latent["fitted"]},
            "arrays": {**feature_names_array(self), **latent["arrays"]},
            "tensors": {**module_tensors(self._saved_modules(self.net_)),
                        **latent["tensors"]},
        }
        table = getattr(self, "_table", None)
        if table is not None:  # the table codec: JSON state and float arrays
            info, arrays = table.get_state()
            state["fitted"]["table"] = copy.deepcopy(info)
            state["arrays"].update({f"table_{k}": v for k, v in arrays.items()})
        return state

    @staticmethod
    def _saved_modules(net) -> dict:
        return {"module.": net.module_, "penalty.": net.penalty_}

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
        est._check_params(width)
        with torch.device("meta"):
            net = est._new_net(np.empty((0, width)), seed=fitted["seed"])[0]
            module = net.module(**net.get_params_for("module"))
            penalty = build(net.penalty, est.n_components, fitted["seed"])
            modules = {"module.": module, "penalty.": penalty}
            tensors = {f"{prefix}{k}": tuple(v.shape) for prefix, m in modules.items()
                       for k, v in m.state_dict().items()}
        latent = latent_spec(est, fitted, declared, n_numeric)
        return {"arrays": {**arrays, **latent["arrays"]},
                "tensors": {**tensors, **latent["tensors"]}}

    @classmethod
    def _from_fitted_state(cls, state: dict, device: str | None = None):
        """A fitted estimator rebuilt from a state checked by :meth:`_fitted_spec`."""
        params, fitted = state["params"], state["fitted"]
        est = cls(**params)
        est.set_params(device=load_device(est, device))
        table = None if fitted.get("table") is None else _TableCodec.from_state(
            fitted["table"], {k[6:]: v for k, v in state["arrays"].items()
                              if k.startswith("table_")})
        width = fitted["n_features_in_"] if table is None else table.width
        net = est._new_net(np.empty((0, width)), seed=fitted["seed"], table=table)[0]
        net.initialize()  # from the net's own generator: the global RNG is untouched
        load_tensors(cls._saved_modules(net), state["tensors"])
        restore_fitted(est, state, net)
        restore_latent(est, state)
        names = getattr(est, "feature_names_in_", None)
        if table is not None and names is not None and list(names) != table.columns:
            raise ValueError("the table's columns differ from feature_names_in_")
        est._set_table(table)
        est._fitted_params["device"] = est.device
        return est

    # ---------------------------------------------------------------- transform
    def _module(self):
        module = self.net_.module_.to(self.device)
        module.eval()
        return module

    def _apply(self, X: np.ndarray, fn, what: str) -> np.ndarray:
        """Run ``fn`` (encode or decode) batch-wise; output in ``X``'s dtype."""
        threads = inference_threads(self, self.net_.module_, len(X))
        return run_batched(fn, X, what, self.device, threads).astype(X.dtype, copy=False)

    def transform(self, X):
        """Codes of ``X`` (for a VAE, the encoder's mean).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features_in_)

        Returns
        -------
        Z : ndarray of shape (n_samples, n_components)
        """
        check_is_fitted(self)
        X, _ = self._input(X, reset=False)
        module = self._module()
        Z = self._apply(X, lambda x: module.encode(x)[0], "X")
        if self.latent_flow_ is not None:
            # a plain array: the set_output wrapper of this transform adds the
            # container (a global transform_output would wrap the flow's too)
            with config_context(transform_output="default"):
                Z = self.latent_flow_.transform(Z)
        return Z

    def inverse_transform(self, X):
        """Decode codes back to the input space.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_components)
            Codes.

        Returns
        -------
        X_original : ndarray or DataFrame of shape (n_samples, n_features_in_)
            A pandas/polars DataFrame with the input's column names when
            ``set_output(transform="pandas"|"polars")`` is configured. With
            ``categorical_features``, rows of the training table (a DataFrame of
            the training container, columns and dtypes; categories by arg-max).
        """
        return self._rows_from_codes(X, None)

    def _rows_from_codes(self, X, rng, noise: bool = False):
        """Decode codes (through the inverse flow, if any); with ``noise``, add the
        decoder's observation noise drawn with ``rng``; with a table, categories by
        arg-max (``rng`` None) or drawn from the softmax with ``rng``."""
        check_is_fitted(self)
        Z = check_array(X, dtype=[np.float64, np.float32], input_name="X")
        if Z.shape[1] != self._n_features_out:
            raise ValueError(
                f"X has {Z.shape[1]} features, but {type(self).__name__} is expecting "
                f"{self._n_features_out} features (codes) as input to inverse_transform"
            )
        if self.latent_flow_ is not None:
            with config_context(transform_output="default"):  # a plain array
                Z = self.latent_flow_.inverse_transform(Z)
        module = self._module()
        M = self._apply(Z, module.decoder, "the codes")
        if noise and self.decoder_covariance_ is not None:  # numeric columns first
            cov = self.decoder_covariance_
            M = M.astype(np.float64)
            M[:, :cov.shape[0]] += observation_noise(cov, len(M), rng)
            M = M.astype(Z.dtype)
        table = getattr(self, "_table", None)
        if table is None:
            return self._as_input_container(M)
        rows = table.decode(M, rng, as_array_dtype=self._dtype)
        return self._as_input_container(rows) if table.container == "array" else rows

    def _encode(self, X) -> np.ndarray:
        """The encoded matrix of a table ``X`` (scaled numbers, one-hot blocks)."""
        check_is_fitted(self)
        return self._input(X, reset=False)[0]

    def _encoded_reconstruction(self, X) -> tuple[np.ndarray, np.ndarray]:
        """``X`` encoded, and its reconstruction in the same space (numeric
        columns, then each block's softmax probabilities): what the scorers of
        :mod:`skgauss.metrics` compare for a table."""
        E = self._encode(X)
        module = self._module()
        M = self._apply(E, lambda x: module.decoder(module.encode(x)[0]), "X")
        return E, self._table.probabilities(M)

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
        if self.latent_sampler_ is None:
            Z = standard_normal_draws(n_samples, self._n_features_out, rng, np.float64)
        else:
            check_integer({"n_samples": n_samples}, "n_samples", 1)
            Z = mixture_draws(self.latent_sampler_, n_samples, rng)
        return self._rows_from_codes(Z.astype(self._dtype), rng, noise=noise)

    def score(self, X, y=None) -> float:  # noqa: D417
        """Gaussianity of the codes of ``X``; greater is better.

        :func:`skgauss.metrics.gaussianity_score` of ``transform(X)``: minus the
        unbiased MMD² between the codes and N(0, I) with a Gaussian kernel of
        fixed bandwidth σ² = √d, in closed form (0 is perfect).
        """
        from .metrics import gaussianity_score

        return gaussianity_score(self.transform(X))

    @property
    def _n_features_out(self) -> int:
        # the fitted code width (it survives a later set_params(n_components=...))
        if hasattr(self, "net_"):
            return self.net_.module_.decoder[0].in_features
        return self.n_components

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags
