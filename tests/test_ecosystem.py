"""DataFrames and pipelines, out-of-core training, Dask-distributed search."""

import importlib.util
import sys
from pathlib import Path

import numpy as np
import pytest
from sklearn.model_selection import GridSearchCV

from skgauss import GaussianAutoencoder

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def _example(name):
    spec = importlib.util.spec_from_file_location(name, EXAMPLES / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def test_mixed_table_pipeline_and_back_to_original_columns():
    pd = pytest.importorskip("pandas")
    ex = _example("mixed_table_pipeline")
    table = ex.make_table(n=200)
    pipe = ex.build_pipeline(["colour", "size"], ["height", "weight"], n_components=2,
                             max_epochs=5, hidden_layer_sizes=(16,), random_state=0)
    codes = pipe.fit_transform(table)
    assert isinstance(codes, pd.DataFrame) and codes.shape == (200, 2)
    encoded = pipe.named_steps["encode"].transform(table)
    decoded = pipe.named_steps["ae"].inverse_transform(pipe.named_steps["ae"].transform(encoded))
    assert list(decoded.columns) == list(encoded.columns)
    # exact round trip of the encoding itself: the mapping back is right
    back = ex.to_original_columns(pipe, encoded)
    pd.testing.assert_frame_equal(back, table, check_dtype=False)
    generated = ex.to_original_columns(pipe, pipe.named_steps["ae"].sample(7, random_state=0))
    assert list(generated.columns) == list(table.columns) and len(generated) == 7
    assert set(generated["colour"]) <= {"red", "green", "blue"}


def _mse(model, X):
    return float(np.mean((model.inverse_transform(model.transform(X)) - X) ** 2))


def test_partial_fit_over_memory_mapped_chunks(tmp_path):
    rng = np.random.RandomState(0)
    W = rng.randn(3, 12)
    data = np.lib.format.open_memmap(tmp_path / "big.npy", mode="w+", shape=(4000, 12))
    data[:] = rng.randn(4000, 3) @ W + 0.1 * rng.randn(4000, 12)
    data.flush()
    X = np.load(tmp_path / "big.npy", mmap_mode="r")
    # the latent flow is refitted on each chunk: two epochs keep the test fast
    params = dict(n_components=3, hidden_layer_sizes=(32,), validation_fraction=0.0,
                  random_state=0, latent_flow_params={"max_epochs": 2})
    chunked = GaussianAutoencoder(**params)
    for _ in range(5):
        for start in range(0, len(X), 500):  # 8 chunks, each well below the data
            chunked.partial_fit(X[start:start + 500])
    full = GaussianAutoencoder(max_epochs=5, **params).fit(np.asarray(X))
    # same passes over the data: reconstruction within a factor 1.5 of a full fit
    assert _mse(chunked, np.asarray(X)) < 1.5 * _mse(full, np.asarray(X))


def test_dask_ml_incremental():
    da = pytest.importorskip("dask.array")
    wrappers = pytest.importorskip("dask_ml.wrappers")
    rng = np.random.RandomState(0)
    X = da.from_array(rng.randn(2000, 6), chunks=(400, 6))
    params = dict(n_components=2, hidden_layer_sizes=(16,), validation_fraction=0.0,
                  random_state=0, latent_flow_params={"max_epochs": 2})
    inc = wrappers.Incremental(GaussianAutoencoder(**params), shuffle_blocks=False)
    inc.fit(X)
    ae = inc.estimator_
    assert ae.n_iter_ == 5  # one epoch per chunk
    # the same as partial_fit over the chunks in order (blocks not shuffled)
    ref = GaussianAutoencoder(**params)
    for chunk in np.array_split(np.asarray(X), 5):
        ref.partial_fit(chunk)
    new = rng.randn(10, 6)
    np.testing.assert_allclose(ae.transform(new), ref.transform(new), rtol=1e-6, atol=1e-6)


@pytest.mark.slow
def test_dask_gridsearch_matches_sequential():
    pytest.importorskip("distributed")
    from distributed import Client, LocalCluster
    from joblib import parallel_config

    X = np.random.RandomState(0).randn(200, 5)
    grid = {"regularizer": ["none", "sliced_wasserstein", "bhep"], "alpha": [0.5, 2.0]}
    est = GaussianAutoencoder(n_components=2, hidden_layer_sizes=(16,), max_epochs=3,
                              random_state=0)
    sequential = GridSearchCV(est, grid, cv=2).fit(X)
    with LocalCluster(n_workers=2, threads_per_worker=1, host="127.0.0.1",
                      dashboard_address=None, processes=True) as cluster, Client(cluster):
        with parallel_config(backend="dask"):
            distributed = GridSearchCV(est, grid, cv=2, n_jobs=-1).fit(X)
    for key in ("params", "mean_test_score", "split0_test_score", "split1_test_score"):
        a, b = sequential.cv_results_[key], distributed.cv_results_[key]
        if key == "params":
            assert list(a) == list(b)
        else:
            np.testing.assert_array_equal(a, b)
