"""The skorch networks behind the estimators, and the settings of their loop.

skorch runs the loop (epochs, validation split, callbacks, history, progress);
this module adds what the estimators need:

- :class:`_AutoencoderNet.get_loss` = reconstruction + ``alpha`` x penalty, its
  values returned through the step dict;
- seeded generators for shuffling, validation split and prior draws, each
  from its own stream of the fit's seed (:func:`stream_seeds`), so that
  training never touches torch's global RNG; skorch's ``ValidSplit``;
- a stop with a clear error when the loss stops being finite;
- the discriminator step of stateful (adversarial) penalties;
- :func:`loop_params`, the skorch settings both estimators train with.

Speed-ups over a plain skorch ``NeuralNet``, all here (``benchmarks/overhead.py``
measures ``fit`` against a hand-written loop):

- :class:`_TensorDataset` and :class:`_BatchLoader` hand out whole batches by
  tensor slicing (skorch's per-row dataset costs ~1.8x a hand loop on small
  tabular data);
- :meth:`_SeededNet.notify` calls only the per-batch hooks a callback overrides
  (~8 no-ops three times a batch cost ~5 % of a small network's step);
- :meth:`_SeededNet._set_training` skips no-op mode switches (~5 %);
- :meth:`_AutoencoderNet._read_step` reads the loss and its terms in one host
  sync a step;
- :func:`fused_adam`: one Adam kernel a step (1.2x the samples per second);
- silent fits skip skorch's epoch table (~3 % of an epoch, :func:`loop_params`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import torch
from skorch import NeuralNet
from skorch.callbacks import Callback, EarlyStopping, ProgressBar
from skorch.dataset import ValidSplit, unpack_data
from skorch.utils import to_tensor
from torch import nn
from torch.utils.data import Dataset, Subset

from .nn import seeded_module
from .regularizers import build

__all__: list[str] = []


class NonFiniteLossError(FloatingPointError):
    """Raised when the training loss becomes NaN or infinite."""


# raised to users: shown as skgauss.NonFiniteLossError in tracebacks (set here, where
# the class is defined: skgauss/__init__ imports it lazily)
NonFiniteLossError.__module__ = "skgauss"


class _TensorDataset(Dataset):
    """The rows of one tensor, for skorch's split and :class:`_BatchLoader`,
    which slices whole batches out of it (never row by row)."""

    def __init__(self, X: torch.Tensor, y=None) -> None:
        self.X = X

    def __len__(self) -> int:
        return len(self.X)


def _rows(dataset) -> torch.Tensor:
    """The tensor behind a ``_TensorDataset`` or a ``Subset`` of one."""
    if isinstance(dataset, Subset):
        return _rows(dataset.dataset)[torch.as_tensor(dataset.indices)]
    return dataset.X


def _batch_bounds(n: int, batch_size: int) -> list[tuple[int, int]]:
    """Batch boundaries over ``n`` rows such that no batch holds a single row.

    A trailing batch of one row is merged into the one before it: batch
    statistics (every penalty) are undefined for n = 1.
    """
    batch_size = max(int(batch_size), 2)
    starts = list(range(0, n, batch_size))
    if len(starts) > 1 and n - starts[-1] == 1:
        starts.pop()
    return [
        (s, starts[i + 1] if i + 1 < len(starts) else n) for i, s in enumerate(starts)
    ]


class _BatchLoader:
    """Yields ``(X_batch, X_batch)`` slices of a tensor, shuffled with a seeded
    generator. Replaces ``torch.utils.data.DataLoader`` as skorch's iterator.

    With ``spacing`` (one value per column), each batch is dequantised: uniform
    noise on ``[-spacing/2, spacing/2)`` is added to every column, fresh at each
    pass, drawn from ``generator`` (a column with spacing 0 is unchanged).
    """

    def __init__(
        self,
        dataset,
        batch_size: int = 128,
        shuffle: bool = False,
        generator: torch.Generator | None = None,
        spacing: torch.Tensor | None = None,
    ) -> None:
        self.X = _rows(dataset)
        self.batch_size = batch_size
        self.shuffle = shuffle
        self.generator = generator
        self.spacing = spacing

    def __len__(self) -> int:
        return len(_batch_bounds(len(self.X), self.batch_size))

    def __iter__(self):
        X = self.X
        if self.shuffle:
            X = X[torch.randperm(len(X), generator=self.generator).to(X.device)]
        if self.spacing is not None:
            noise = torch.rand(X.shape, generator=self.generator, dtype=X.dtype)
            X = X + (noise.to(X.device) - 0.5) * self.spacing.to(X.device)
        for start, stop in _batch_bounds(len(X), self.batch_size):
            batch = X[start:stop]
            yield batch, batch


#: the random streams of a fit, each seeded on its own from the fit's seed
STREAMS = ("weights", "penalty", "draws", "split", "shuffle", "valid_noise", "pca",
           "latent_flow", "latent_sampler", "calibration")


def stream_seeds(seed: int) -> dict[str, int]:
    """One seed per random stream of a fit (:data:`STREAMS`), all derived from the
    fit's ``seed`` by numpy's ``SeedSequence``: its hashing makes the streams
    independent, where seeds ``seed, seed + 1, ...`` would give correlated
    generators and collide between fits whose seeds differ by a few."""
    words = np.random.SeedSequence(seed).generate_state(len(STREAMS))
    return dict(zip(STREAMS, (int(w) for w in words), strict=True))


def held_out(n: int, fraction: float) -> int:
    """How many of ``n`` rows a split holds out: ``fraction`` of them (rounded up,
    as scikit-learn's ``ShuffleSplit`` counts) but at least two, leaving at least
    two: every penalty is a statistic of a batch."""
    n_valid = max(2, math.ceil(fraction * n))
    if n - n_valid < 2:
        raise ValueError(
            f"validation_fraction={fraction} leaves {n - n_valid} training rows out of "
            f"{n}; both the training and the validation part need at least 2 rows. Use "
            "more data or validation_fraction=0.0."
        )
    return n_valid


class _ValidSplit:
    """skorch's ``ValidSplit`` (a ``ShuffleSplit`` seeded by ``random_state``)
    holding out :func:`held_out` rows: ``fraction`` of them, at least two.

    ``ShuffleSplit`` holds out ceil(f x n) rows of a fraction ``f``; asking for
    f = (k - 1/2) / n gives exactly k (the rounding error of f x n is far below
    1/2), so the split is skorch's own for every k.
    """

    def __init__(self, fraction: float, random_state: int) -> None:
        self.fraction = fraction
        self.random_state = random_state

    def __call__(self, dataset, y=None, groups=None):
        n = len(dataset)
        split = ValidSplit((held_out(n, self.fraction) - 0.5) / n,
                           random_state=self.random_state)
        return split(dataset, y, groups)

    def __repr__(self) -> str:
        return f"_ValidSplit(fraction={self.fraction}, random_state={self.random_state})"


_PER_BATCH = ("on_batch_begin", "on_batch_end", "on_grad_computed")


class _SeededNet(NeuralNet):
    """The skorch ``NeuralNet`` both estimators train: it keeps the fit's seed
    (for reproducible draws and ``skgauss.save``), stops with a clear error on a
    non-finite loss, and skips skorch's per-batch no-op mode switches."""

    def __init__(self, *args, seed: int = 0, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.seed = seed

    @property
    def seeds_(self) -> dict[str, int]:
        """The seed of each random stream (:func:`stream_seeds` of ``seed``)."""
        return stream_seeds(self.seed)

    def notify(self, method_name, **cb_kwargs):
        if method_name not in _PER_BATCH:
            if method_name == "on_train_begin":
                self._batch_hooks_ = None  # callbacks may have changed
            return super().notify(method_name, **cb_kwargs)
        # per-batch hooks: only the callbacks that override skorch's no-op ones
        # (calling ~8 no-ops 3 times a batch cost ~5% of a small network's step);
        # the trailing underscore keeps the cache out of get_params
        if getattr(self, "_batch_hooks_", None) is None:
            self._batch_hooks_ = {
                name: [getattr(cb, name) for _, cb in self.callbacks_
                       if getattr(getattr(cb, name), "__func__", None)
                       is not getattr(Callback, name)]
                for name in _PER_BATCH
            }
        getattr(self, method_name)(self, **cb_kwargs)
        for hook in self._batch_hooks_[method_name]:
            hook(self, **cb_kwargs)

    def _set_training(self, training=True):
        # skorch switches every module's mode at every batch; a recursive
        # Module.train costs ~5% of a small network's step, so skip no-ops
        modules = [getattr(self, f"{name}_") for name in self._modules + self._criteria]
        if any(isinstance(m, nn.Module) and m.training != training for m in modules):
            super()._set_training(training)

    def _read_step(self, step: dict, prefix: str) -> float:
        """The batch's loss as a float, from the step dict: the one host sync of
        a step (skorch's own ``loss.item()`` then finds the value ready).
        Subclasses record more values of the step here, in the same sync."""
        return step["loss"].item()

    def train_step(self, batch, **fit_params):
        step = super().train_step(batch, **fit_params)
        loss = self._read_step(step, "train")
        if not math.isfinite(loss):
            raise NonFiniteLossError(
                f"the training loss became {loss} in epoch {len(self.history)}; "
                "lower lr (or alpha), or standardise the input"
            )
        return step



def table_reconstruction(
    reconstruction: torch.Tensor, X: torch.Tensor, n_numeric: int, blocks: Sequence
) -> torch.Tensor:
    r"""Per-row reconstruction loss of an encoded table, one term per column.

    With the numeric columns first (standardised) and then one one-hot block
    :math:`[a, b)` per categorical column, a row costs the squared error of each
    numeric column plus the cross-entropy of each block's logits against its
    one-hot target, divided by the number of original columns :math:`p`; the
    training loss is its mean over the batch,

    .. math::

        \frac{1}{|B|\,p} \sum_{x \in B} \Big( \sum_{j\,\text{numeric}}
        (\hat x_j - x_j)^2 \;-\; \sum_{\text{blocks}} \sum_{c=a}^{b-1}
        x_c \log \operatorname{softmax}(\hat x_{a:b})_c \Big),

    so every column weighs the same, whatever its number of categories, and the
    loss is on the scale of the plain MSE (the mean over columns) that ``alpha``
    was calibrated against.
    """
    per_row = ((reconstruction[:, :n_numeric] - X[:, :n_numeric]) ** 2).sum(dim=1)
    for a, b in blocks:
        per_row = per_row + nn.functional.cross_entropy(
            reconstruction[:, a:b], X[:, a:b], reduction="none")
    return per_row / (n_numeric + len(blocks))


class _Reconstruction(nn.Module):
    r"""The skorch criterion of the autoencoder: the per-row reconstruction term,
    the one place the observation model enters the training loss.

    For numeric columns the mean squared error over the ``p`` columns,
    :math:`\frac1p \lVert g(f(x)) - x \rVert^2`: the negative log-likelihood of
    :math:`x` under :math:`\mathcal N(g(f(x)), \sigma^2 I)` up to the constant and
    the factor :math:`2\sigma^2` (the decoder's covariance, ``decoder_covariance_``,
    is estimated after training). ``table_layout=(n_numeric, blocks)`` (a
    mixed-type table) makes it :func:`table_reconstruction`. Returns shape ``(n,)``.
    """

    def __init__(self, table_layout: tuple | None = None) -> None:
        super().__init__()
        self.table_layout = table_layout

    def forward(self, reconstruction: torch.Tensor, X: torch.Tensor) -> torch.Tensor:
        if self.table_layout is None:
            return ((reconstruction - X) ** 2).mean(dim=1)
        return table_reconstruction(reconstruction, X, *self.table_layout)


class _AutoencoderNet(_SeededNet):
    """skorch ``NeuralNet`` whose loss is reconstruction (its criterion,
    :class:`_Reconstruction`) + alpha x penalty. Each step returns its loss
    terms and codes in the step dict (``terms``, ``codes``)."""

    def __init__(
        self,
        *args,
        penalty: tuple,
        alpha: float = 1.0,
        input_noise: float = 0.0,
        **kwargs,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.penalty = penalty
        self.alpha = alpha
        self.input_noise = input_noise

    def initialize_module(self):
        # weights from a generator owned by this net, seeded by the fit: no draw
        # from torch's global RNG, so fits in threads are reproducible
        seeds = self.seeds_
        generator = torch.Generator().manual_seed(seeds["weights"])
        self.module_ = seeded_module(
            lambda: self.module(**self.get_params_for("module")), generator)
        # the penalty is built here from its resolved terms (plain data): a
        # stateful one (adversarial) is a module of the net, not a hyperparameter
        self.penalty_ = build(
            self.penalty, self.get_params_for("module")["n_components"], seeds["penalty"]).to(
            self.device)
        device = torch.device(self.device)
        self.prior_generator_ = torch.Generator(device=device).manual_seed(seeds["draws"])
        return self

    def get_all_learnable_params(self):
        # the optimizer covers the autoencoder only: a stateful penalty
        # (adversarial discriminator) trains with its own optimizer
        yield from self.module_.named_parameters()

    def infer(self, x, **fit_params):
        x = to_tensor(x, device=self.device)
        if self.input_noise > 0 and self.module_.training:
            # denoising: the encoder sees a noisy row, the loss the clean one
            noise = torch.randn(x.shape, generator=self.prior_generator_, device=x.device,
                                dtype=x.dtype)
            x = x + self.input_noise * noise
        return self.module_(x, generator=self.prior_generator_)

    def reconstruction_nll(self, reconstruction: torch.Tensor, X: torch.Tensor) -> torch.Tensor:
        """Per-row reconstruction term, shape ``(n,)`` (the criterion)."""
        return self.criterion_(reconstruction, X)

    def loss_terms(self, y_pred, X) -> dict:
        """The batch's ``loss`` (reconstruction + alpha x penalty), its detached
        ``terms`` (reconstruction, penalty) and detached ``codes``."""
        reconstruction, codes, mean, logvar = y_pred
        X = to_tensor(X, device=self.device)
        recon = self.reconstruction_nll(reconstruction, X).mean()
        penalty = self.penalty_(codes, mean, logvar, generator=self.prior_generator_)
        # terms are read with the loss after the step, in one host sync
        # (_read_step): a .item() here would stall a GPU before the backward
        return {"loss": recon + self.alpha * penalty,
                "terms": torch.stack([recon.detach(), penalty.detach()]),
                "codes": codes.detach()}

    def get_loss(self, y_pred, y_true, X=None, training=False):
        return self.loss_terms(y_pred, X)["loss"]

    def train_step_single(self, batch, **fit_params):
        self._set_training(True)
        X, _ = unpack_data(batch)
        y_pred = self.infer(X, **fit_params)
        step = self.loss_terms(y_pred, X)
        step["loss"].backward()
        return {**step, "y_pred": y_pred}

    def validation_step(self, batch, **fit_params):
        self._set_training(False)
        X, _ = unpack_data(batch)
        with torch.no_grad():
            step = self.loss_terms(self.infer(X, **fit_params), X)
        self._read_step(step, "valid")
        return step

    def _read_step(self, step: dict, prefix: str) -> float:
        values = torch.cat([step["loss"].detach().reshape(1), step["terms"]])
        loss, recon, penalty = values.tolist()
        self.history.record_batch(f"{prefix}_recon", recon)
        self.history.record_batch(f"{prefix}_penalty", penalty)
        return loss

    def train_step(self, batch, **fit_params):
        step = super().train_step(batch, **fit_params)
        if self.penalty_.stateful:
            self.penalty_.discriminator_step(step["codes"], generator=self.prior_generator_)
        return step


def standard_callbacks(est) -> list[tuple[str, object]]:
    """Early stopping (validation loss, or training loss without a split, best
    weights restored) and skorch's progress bar, as the estimator asks."""
    callbacks = []
    if est.early_stopping:
        monitor = "valid_loss" if est.validation_fraction > 0 else "train_loss"
        callbacks.append(("early_stopping",
                          EarlyStopping(monitor=monitor, patience=est.patience, load_best=True)))
    if est.verbose > 0:
        callbacks.append(("progress_bar", ProgressBar()))
    return callbacks


def fused_adam(device: str) -> bool:
    """Whether to use torch's fused Adam kernel on ``device``.

    One kernel per step instead of a loop over parameters: 1.2x the samples per
    second of the default network at batch 128 on one CPU thread
    (``benchmarks/hardware.py``). torch has it on CUDA and, from 2.4, on CPU; other
    devices and older versions keep the for-loop Adam, which computes the same
    update.
    """
    kind = torch.device(device).type
    version = tuple(int(v) for v in torch.__version__.split(".")[:2])
    return kind == "cuda" or (kind == "cpu" and version >= (2, 4))


def loop_params(est, seed: int, callbacks: list, extra: list = ()) -> dict:
    """skorch parameters of the training loop both estimators share: Adam,
    whole-batch tensor loaders with seeded shuffling, skorch's seeded validation
    split (each from its stream of ``seed``, see ``stream_seeds``), callbacks
    (``callbacks``, then early stopping and progress bar, then the user's
    ``extra``), device, verbosity."""
    seeds = stream_seeds(seed)
    split = (_ValidSplit(est.validation_fraction, seeds["split"])
             if est.validation_fraction > 0 else None)
    return dict(
        optimizer=torch.optim.Adam,
        optimizer__fused=fused_adam(est.device),
        lr=est.lr,
        max_epochs=est.max_epochs,
        batch_size=est.batch_size,
        dataset=_TensorDataset,
        iterator_train=_BatchLoader,
        iterator_train__shuffle=True,
        iterator_train__generator=torch.Generator().manual_seed(seeds["shuffle"]),
        iterator_valid=_BatchLoader,
        train_split=split,
        callbacks=[*callbacks, *standard_callbacks(est), *extra],
        device=est.device,
        verbose=est.verbose,
        # silent fits skip skorch's epoch table (formatting it cost ~3 % of an
        # epoch of the default network on digits)
        **({} if est.verbose > 0 else {"callbacks__print_log": None}),
        seed=seed,
    )
