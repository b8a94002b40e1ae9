"""scikit-learn's estimator checks over every public estimator, with no expected failures."""

import importlib.util
from functools import partial

import pytest
from _factories import autoencoder, flow
from sklearn.utils.estimator_checks import (
    check_dataframe_column_names_consistency,
    check_global_output_transform_pandas,
    check_set_output_transform,
    check_set_output_transform_pandas,
    check_set_output_transform_polars,
    check_transformer_get_feature_names_out,
    check_transformer_get_feature_names_out_pandas,
    parametrize_with_checks,
)

import skgauss

HAS_ZUKO = importlib.util.find_spec("zuko") is not None
TINY = dict(hidden_layer_sizes=(8,), max_epochs=2, batch_size=16)
tiny_autoencoder = partial(autoencoder, **TINY)
tiny_flow = partial(flow, n_transforms=1, **TINY)


ESTIMATORS = [tiny_autoencoder(), tiny_autoencoder(regularizer="none", validation_fraction=0.0),
              tiny_autoencoder(categorical_features="from_dtype")]  # the table codec path
if HAS_ZUKO:  # GaussianFlow needs the [flow] extra
    ESTIMATORS += [tiny_flow(), tiny_flow(flow="realnvp", n_components=1, validation_fraction=0.0),
                   # every option of the generative latent (issue #14) at once
                   tiny_autoencoder(decoder_covariance="full", latent_sampler="gmm",
                                    latent_sampler_params={"n_components": 1},
                                    latent_flow="realnvp",
                                    latent_flow_params={"max_epochs": 1,
                                                        "hidden_layer_sizes": (4,)},
                                    dequantize="uniform")]


def test_every_public_estimator_is_checked():
    """A new public estimator must be added to ESTIMATORS (or this fails)."""
    from sklearn.base import BaseEstimator

    public = {name for name in skgauss.__all__
              if isinstance(getattr(skgauss, name), type)
              and issubclass(getattr(skgauss, name), BaseEstimator)}
    if not HAS_ZUKO:
        public.discard("GaussianFlow")
    assert public == {type(e).__name__ for e in ESTIMATORS}


@parametrize_with_checks(ESTIMATORS)
def test_sklearn_compatible(estimator, check):
    check(estimator)


EXTRA_CHECKS = [
    check_set_output_transform,
    check_set_output_transform_pandas,
    check_set_output_transform_polars,
    check_global_output_transform_pandas,
    check_transformer_get_feature_names_out,
    check_transformer_get_feature_names_out_pandas,
    check_dataframe_column_names_consistency,
]

MIXED_FIT_TRANSFORM = {check_set_output_transform_pandas, check_set_output_transform_polars,
                       check_global_output_transform_pandas}


@pytest.mark.parametrize("estimator", ESTIMATORS[::2], ids=lambda e: type(e).__name__)
@pytest.mark.parametrize("check", EXTRA_CHECKS, ids=lambda c: c.__name__)
def test_extra_checks(estimator, check):
    if check in MIXED_FIT_TRANSFORM:
        # these checks fit on a DataFrame and transform an array, and the reverse, on
        # purpose (sklearn's _output_from_fit_transform): the estimator must warn
        with pytest.warns(UserWarning, match="feature names") as record:
            check(type(estimator).__name__, estimator)
        assert {str(w.message).split(",")[0] for w in record} == {
            "X has feature names", "X does not have valid feature names"}
    else:
        check(type(estimator).__name__, estimator)
