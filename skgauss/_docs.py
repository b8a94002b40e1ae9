"""Parameter text the estimators' docstrings share: ``{shared:name}`` in a class
docstring is replaced by ``SHARED_DOCS[name]`` (:func:`shared_docs`), so each
shared parameter is described once."""

from __future__ import annotations

__all__: list[str] = []

#: Parameter text shared by the estimators' docstrings (``{shared:name}`` in a
#: class docstring is replaced by it, see :func:`shared_docs`).
SHARED_DOCS = {
    "training": """\
max_epochs : int, default=100
        Number of passes over the training data (fewer with early stopping).
    batch_size : int, default=128
        Rows per mini-batch. A trailing batch of a single row is merged into the
        previous one, so batch statistics never see n = 1.""",
    "validation": """\
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
        Extra callbacks for the skorch net (copied at each fit).""",
    "warm_start": """\
warm_start : bool, default=False
        When True and already fitted, ``fit`` trains ``max_epochs`` more epochs
        starting from the current weights (with the current learning rate and
        loss settings, a new optimizer and a new schedule), keeps the fitted
        input transformation and appends to ``history_``. The data must have
        the same features, and the architecture must not change: ``ValueError``
        otherwise.""",
    "runtime": """\
device : str, default="cpu"
        Torch device used for training and for later transforms; a model trained
        on ``"cuda"`` transforms on CPU after ``set_params(device="cpu")``.
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
        An integer is used as given (at most 4 per CPU); ``-1`` means every
        usable core.
    random_state : int, RandomState instance or None, default=None
        Seeds weight initialisation, shuffling, the validation split and every
        random draw of training, without touching torch's global RNG. The same
        integer gives bit-identical codes on CPU.
    verbose : int, default=0
        ``>0`` shows skorch's epoch table and progress bar.""",
    "fitted": """\
n_components_ : int
        Dimension of the codes.
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Feature names seen during fit, when ``X`` has string column names.
    n_iter_ : int
        Number of epochs run.""",
}


def shared_docs(cls: type) -> type:
    """Class decorator: replace each ``{shared:name}`` of the docstring by
    ``SHARED_DOCS[name]`` (one text for the parameters the estimators share)."""
    for name, text in SHARED_DOCS.items():
        cls.__doc__ = cls.__doc__.replace("{shared:" + name + "}", text)
    if "{shared:" in cls.__doc__:
        raise KeyError(f"{cls.__name__}'s docstring names an unknown shared text")
    return cls
