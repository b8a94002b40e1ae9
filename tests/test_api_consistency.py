"""One API for both estimators: set_output on decoded rows and samples, and the
HTML repr's link to the documentation."""

import numpy as np
import pytest

from skgauss import GaussianAutoencoder, GaussianFlow
from skgauss._common import DOCS_URL


def _flow(**kw):
    pytest.importorskip("zuko")
    return GaussianFlow(n_transforms=1, hidden_layer_sizes=(8,), max_epochs=1, batch_size=32,
                        random_state=0, **kw)


@pytest.fixture
def frame():
    pd = pytest.importorskip("pandas")
    rng = np.random.RandomState(0)
    return pd.DataFrame(rng.standard_normal((60, 3)), columns=["a", "b", "c"])


@pytest.mark.parametrize("output", ["pandas", "polars"])
def test_flow_sample_and_inverse_transform_follow_set_output(frame, output):
    lib = pytest.importorskip(output)
    flow = _flow().set_output(transform=output).fit(frame)
    samples = flow.sample(5, random_state=0)
    assert isinstance(samples, lib.DataFrame)
    assert list(samples.columns) == ["a", "b", "c"] and samples.shape == (5, 3)
    Z = flow.transform(frame)
    assert isinstance(Z, lib.DataFrame)
    back = flow.inverse_transform(np.asarray(Z))
    assert isinstance(back, lib.DataFrame) and list(back.columns) == ["a", "b", "c"]
    np.testing.assert_allclose(np.asarray(back), frame.to_numpy(), atol=1e-4)
    # the default output stays an array, with the same values
    flow.set_output(transform="default")
    np.testing.assert_array_equal(flow.sample(5, random_state=0), np.asarray(samples))


def test_flow_sample_without_feature_names_gets_x_columns():
    pytest.importorskip("pandas")
    X = np.random.RandomState(0).standard_normal((60, 2))
    samples = _flow().set_output(transform="pandas").fit(X).sample(3, random_state=0)
    assert list(samples.columns) == ["x0", "x1"]


@pytest.mark.parametrize("cls", [GaussianAutoencoder, GaussianFlow])
def test_html_repr_links_to_the_api_page(cls):
    html = cls()._repr_html_()
    url = f"{DOCS_URL}/generated/skgauss.{cls.__name__}.html"
    assert f'href="{url}"' in html


@pytest.mark.parametrize("cls", [GaussianAutoencoder, GaussianFlow])
def test_text_column_error_names_the_column_and_the_fix(cls, frame):
    if cls is GaussianFlow:
        pytest.importorskip("zuko")
    table = frame.assign(city=["Paris", "Lyon"] * 30)
    # a DataFrame: the autoencoder points to its categorical_features, the flow to encoding
    fix = "categorical_features" if cls is GaussianAutoencoder else "OneHotEncoder"
    with pytest.raises(ValueError, match=rf"'city'.*{fix}"):
        cls().fit(table)
    X = np.asarray(table, dtype=object)  # the same table as an array: named by index
    with pytest.raises(ValueError, match=r"column 3 holds 'Paris'.*OneHotEncoder"):
        cls().fit(X)


@pytest.mark.parametrize("cls", [GaussianAutoencoder, GaussianFlow])
def test_unscaled_column_error_names_the_column_and_the_fix(cls, frame):
    if cls is GaussianFlow:
        pytest.importorskip("zuko")
    table = frame.assign(b=frame["b"] * 1e39)
    with pytest.raises(ValueError, match=r"column 'b' \(index 1\) of X has values too large "
                                         r"for float32.*StandardScaler"):
        cls().fit(table)
