"""Property test (issue 16): over shapes, scales from 1e-6 to 1e6, every
registered regularizer with random valid options and random settings, a fit
ends as a fitted model with finite codes or as a ValueError/TypeError with a
message, nothing else (no FloatingPointError, no error from inside torch)."""

import math
import warnings

import numpy as np
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from skgauss import GaussianAutoencoder
from skgauss.regularizers import REGULARIZERS

positive = st.floats(0.05, 20.0)
OPTIONS = {
    "none": st.just({}),
    "kl": st.just({}),
    "mmd": st.fixed_dictionaries({}, optional={
        "kernel": st.sampled_from(["imq", "rbf"]),
        "scales": st.lists(positive, min_size=1, max_size=3),
        "bandwidth": st.none() | positive}),
    "bhep": st.fixed_dictionaries({}, optional={"bandwidth": st.none() | positive}),
    "cramer_wold": st.fixed_dictionaries({}, optional={
        "gamma": st.none() | st.floats(0.01, 2.0), "phi": st.sampled_from(["exact", "approx"]),
        "log": st.booleans()}),
    "sliced_wasserstein": st.fixed_dictionaries({}, optional={
        "n_projections": st.integers(1, 16), "target": st.sampled_from(["quantiles", "prior"])}),
    "epps_pulley": st.fixed_dictionaries({}, optional={
        "n_projections": st.integers(1, 16), "t_max": st.floats(0.5, 5.0),
        "n_points": st.integers(2, 20)}),
    "edf": st.fixed_dictionaries({}, optional={
        "statistics": st.lists(st.sampled_from(["radii", "distances", "coordinates"]),
                               min_size=1, max_size=3, unique=True),
        "method": st.sampled_from(["quantile", "cdf"]), "max_pairs": st.integers(1, 64)}),
    "adversarial": st.fixed_dictionaries({}, optional={
        "hidden_layer_sizes": st.lists(st.integers(1, 6), max_size=2).map(tuple),
        "lr": st.floats(1e-4, 1e-2), "betas": st.tuples(st.floats(0.0, 0.9),
                                                        st.floats(0.9, 0.999))}),
}


def test_every_regularizer_has_an_option_strategy():
    assert set(OPTIONS) == set(REGULARIZERS)


@st.composite
def cases(draw):
    n = draw(st.integers(2, 30))
    p = draw(st.integers(1, 5))
    scale = 10.0 ** draw(st.floats(-6, 6))
    name = draw(st.sampled_from(sorted(REGULARIZERS)))
    params = dict(
        n_components=draw(st.integers(1, p + 1)),
        regularizer=name,
        regularizer_params=draw(OPTIONS[name]),
        alpha=draw(st.floats(0.0, 10.0)),
        hidden_layer_sizes=(4,),
        max_epochs=draw(st.integers(1, 2)),
        batch_size=draw(st.integers(2, 32)),
        validation_fraction=draw(st.sampled_from([0.0, 0.2])),
        input_noise=draw(st.sampled_from([0.0, 0.1])),
        random_state=draw(st.integers(0, 2**16)),
    )
    seed = draw(st.integers(0, 2**16))
    X = np.random.default_rng(seed).standard_normal((n, p)) * scale
    if draw(st.booleans()):  # shifted, unstandardised data
        X += scale * draw(st.floats(-3, 3))
    return X, params


# 300 cases take ~25 s on one idle core (tiny networks, 1-2 epochs, n <= 30)
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cases())
def test_fit_ends_in_a_model_or_a_clear_error(case):
    X, params = case
    ae = GaussianAutoencoder(**params)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            Z = ae.fit(X).transform(X)
    except (ValueError, TypeError) as exc:
        assert str(exc).strip(), "an error without a message"
        event(type(exc).__name__)
        return
    event("fitted")
    assert Z.shape == (X.shape[0], params["n_components"])
    assert np.isfinite(Z).all()
    assert all(math.isfinite(v) for row in ae.history_ for v in row.values())
