"""Mixed-type tables: GaussianAutoencoder(categorical_features=...) end to end."""

from __future__ import annotations

import warnings
from functools import partial

import numpy as np
import pandas as pd
import polars as pl
import pytest
from _factories import autoencoder
from sklearn.model_selection import GridSearchCV, KFold
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer

from skgauss import metrics as M
from skgauss._tabular import _TableCodec

tiny = partial(autoencoder, categorical_features="from_dtype")


def mixed_table(n: int = 200, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    colour = rng.choice(["red", "green", "blue"], n).astype(object)
    colour[rng.random(n) < 0.1] = None  # missing is a category of its own
    return pd.DataFrame({
        "height": rng.normal(170, 10, n),
        "count": rng.integers(0, 8, n),
        "member": rng.random(n) < 0.3,
        "size": pd.Categorical(rng.choice(["S", "M", "L"], n), categories=["S", "M", "L"],
                               ordered=True),
        "colour": colour,
        "town": pd.Series(rng.choice(["Ayr", "Oban"], n), dtype="string"),
    })


def learnable_table(n: int = 600, seed: int = 0) -> pd.DataFrame:
    """Two latent uniforms; every column is a function of them (plus small noise)."""
    rng = np.random.default_rng(seed)
    u, v = rng.random(n), rng.random(n)
    return pd.DataFrame({
        "x": 100 * u + rng.normal(0, 1, n),
        "y": 1000 * v,
        "band": np.array(["low", "mid", "high"], dtype=object)[np.digitize(u, [1 / 3, 2 / 3])],
        "side": v > 0.5,
    })


def test_round_trip_keeps_columns_and_dtypes():
    df = mixed_table()
    ae = tiny().fit(df)
    back = ae.inverse_transform(ae.transform(df))
    assert list(back.columns) == list(df.columns)
    assert back.dtypes.tolist() == df.dtypes.tolist()
    assert back["size"].cat.categories.tolist() == ["S", "M", "L"] and back["size"].cat.ordered
    assert ae.is_categorical_.tolist() == [False, False, True, True, True, True]
    assert ae.categories_[0] == [False, True] and ae.categories_[2] == ["blue", "green", "red"]
    assert ae.n_features_in_ == 6 and list(ae.feature_names_in_) == list(df.columns)
    assert ae.transform(df).shape == (200, 2)


def test_polars_round_trip():
    df = pl.from_pandas(mixed_table().drop(columns=["size"]))
    ae = tiny().fit(df)
    back = ae.inverse_transform(ae.transform(df))
    assert isinstance(back, pl.DataFrame) and back.columns == df.columns
    assert back.dtypes == df.dtypes
    assert isinstance(ae.sample(5, random_state=0), pl.DataFrame)


def test_categories_recovered_on_learnable_table():
    df = learnable_table()
    ae = tiny(hidden_layer_sizes=(64, 64), max_epochs=60, lr=3e-3).fit(df)
    back = ae.inverse_transform(ae.transform(df))
    for column in ("band", "side"):
        assert (back[column] == df[column]).mean() >= 0.95, column
    # numeric columns come back in their own units (the scaling is undone)
    assert np.abs(back["x"] - df["x"]).mean() < 10 and np.abs(back["y"] - df["y"]).mean() < 100


def test_sample_in_training_ranges_and_categories():
    df = mixed_table()
    S = tiny().fit(df).sample(500, random_state=0)
    assert S.dtypes.tolist() == df.dtypes.tolist()
    for c in ("height", "count"):
        assert S[c].min() >= df[c].min() and S[c].max() <= df[c].max()
    for c in ("member", "size", "colour", "town"):
        assert set(S[c].dropna()) <= set(df[c].dropna())
    assert S["colour"].isna().any()  # the missing category is drawn too


def test_clip_off_and_integer_rounding():
    df = pd.DataFrame({"x": [0.0, 1.0, 2.0], "k": [1, 2, 3]})
    clip = _TableCodec.fit(df, [], clip=True)
    free = _TableCodec.fit(df, [], clip=False)
    M_ = np.array([[10.0, 10.0], [0.1, -0.2]])
    assert clip.decode(M_)["x"].max() == 2.0 and free.decode(M_)["x"].max() > 2.0
    out = free.decode(M_)["k"]
    assert out.dtype == np.int64 and (out == np.rint(out)).all()


def test_sample_category_frequencies_on_skewed_column():
    rng = np.random.default_rng(0)
    n, p = 1000, np.array([0.7, 0.2, 0.08, 0.02])
    grade = rng.choice(list("ABCD"), n, p=p).astype(object)
    df = pd.DataFrame({"grade": grade, "score": rng.normal(0, 1, n)})
    ae = tiny(hidden_layer_sizes=(32, 32), max_epochs=10, batch_size=64).fit(df)
    S = ae.sample(5000, random_state=0)
    train = df["grade"].value_counts(normalize=True)
    synth = S["grade"].value_counts(normalize=True).reindex(train.index, fill_value=0)
    assert 0.5 * np.abs(train - synth).sum() <= 0.05


def test_unknown_category_missing_and_renamed_columns():
    df = mixed_table()
    ae = tiny().fit(df)
    bad = df.copy()
    bad.loc[0, "colour"] = "purple"
    with pytest.raises(ValueError, match=r"column 'colour' has categories not seen.*'purple'"):
        ae.transform(bad)
    ignore = tiny(handle_unknown="ignore").fit(df)
    assert np.isfinite(ignore.transform(bad)).all()
    assert ignore._encode(bad)[0, ignore._table.blocks[2][0]:ignore._table.blocks[2][1]].sum() == 0
    with pytest.raises(ValueError, match="height"):
        ae.transform(df.drop(columns=["height"]))
    with pytest.raises(ValueError, match=r"(?s)unseen at fit.*city.*missing.*town"):
        ae.transform(df.rename(columns={"town": "city"}))


def test_numeric_missing_values_are_refused_with_the_column():
    df = mixed_table()
    df.loc[3, "height"] = np.nan
    with pytest.raises(ValueError, match=r"column 'height' has missing.*SimpleImputer"):
        tiny().fit(df)


@pytest.mark.parametrize("spec", [["member", "size", "colour", "town"], [2, 3, 4, 5],
                                  [False, False, True, True, True, True]])
def test_categorical_features_as_names_indices_or_mask(spec):
    df = mixed_table()
    assert tiny(categorical_features=spec).fit(df).is_categorical_.tolist() == \
        [False, False, True, True, True, True]


def test_declared_integer_category_and_bad_specs():
    df = mixed_table()
    ae = tiny(categorical_features=["count", "member", "size", "colour", "town"]).fit(df)
    assert ae.categories_[0] == list(range(8))
    assert ae.inverse_transform(ae.transform(df))["count"].dtype == np.int64
    with pytest.raises(ValueError, match=r"\['size', 'colour', 'town'\].*categorical_features"):
        tiny(categorical_features=["member"]).fit(df)
    with pytest.raises(ValueError, match="'nope', which is not a column"):
        tiny(categorical_features=["nope"]).fit(df)
    with pytest.raises(ValueError, match="'categorical_features' parameter of .*'from_dtype'"):
        tiny(categorical_features="auto").fit(df)
    with pytest.raises(ValueError, match="pass categorical_features='from_dtype'|categorical_feat"):
        tiny(categorical_features=None).fit(df)
    with pytest.raises(ValueError, match="handle_unknown"):
        tiny(handle_unknown="skip").fit(df)


def test_raw_unscaled_table_gives_unit_scale_codes():
    rng = np.random.default_rng(0)
    n = 600
    df = pd.DataFrame({"income": rng.lognormal(10, 0.5, n), "age": rng.integers(18, 90, n),
                       "city": rng.choice(["A", "B", "C"], n).astype(object)})
    Z = tiny(max_epochs=20).fit(df).transform(df)
    assert np.all((Z.std(axis=0) > 0.5) & (Z.std(axis=0) < 1.5)), Z.std(axis=0)


def test_numeric_array_with_from_dtype_is_scaled_and_stays_an_array():
    X = np.random.default_rng(0).normal(1000, 50, (100, 3))
    ae = tiny().fit(X)
    back = ae.inverse_transform(ae.transform(X))
    assert isinstance(back, np.ndarray) and back.shape == (100, 3)
    assert abs(back.mean() - 1000) < 50


def test_pipeline_inverse_transform_on_raw_dataframe():
    df = mixed_table()
    pipe = Pipeline([("identity", FunctionTransformer()), ("ae", tiny())]).set_output(
        transform="pandas")
    codes = pipe.fit_transform(df)
    back = pipe.inverse_transform(codes)
    assert list(back.columns) == list(df.columns) and back.dtypes.tolist() == df.dtypes.tolist()


def test_scorers_and_tradeoff_search_on_a_text_table():
    df = mixed_table(240)
    ae = tiny().fit(df)
    E, E_hat = ae._encoded_reconstruction(df)
    assert M.reconstruction_scorer(ae, df) == pytest.approx(-np.mean((E - E_hat) ** 2))
    assert M.reconstruction_scorer(ae, df) < 0
    assert np.isfinite(M.sample_scorer(ae, df))
    assert 0 < M.fidelity_scorer(ae, df) <= 1
    search = GridSearchCV(
        tiny(), {"regularizer": ["sliced_wasserstein", "none"]}, cv=KFold(2),
        scoring={"gaussianity": M.gaussianity_scorer,
                 "reconstruction": M.reconstruction_scorer,
                 "samples": M.sample_scorer},
        refit=M.make_tradeoff_refit(tolerance=0.1), error_score="raise")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        search.fit(df)
    assert search.best_index_ in (0, 1)
    assert list(search.best_estimator_.sample(3, random_state=0).columns) == list(df.columns)


def test_save_load_keeps_encoding_and_dtypes(tmp_path):
    import json

    import skgauss

    df = mixed_table()
    ae = tiny().fit(df)
    skgauss.save(ae, tmp_path / "m")
    back = skgauss.load(tmp_path / "m")
    np.testing.assert_array_equal(back.transform(df), ae.transform(df))
    S, S2 = ae.sample(50, random_state=1), back.sample(50, random_state=1)
    pd.testing.assert_frame_equal(S, S2)
    assert S2.dtypes.tolist() == df.dtypes.tolist() and back.categories_ == ae.categories_
    np.testing.assert_array_equal(back._table.bias, ae._table.bias)
    # a tampered codec is refused with a message, not loaded
    folder = next(p for p in (tmp_path / "m").rglob("params.json")).parent
    meta = json.loads((folder / "params.json").read_text())
    meta["fitted"]["table"]["categories"][3] = ["only"]
    (folder / "params.json").write_text(json.dumps(meta))
    with pytest.raises(ValueError, match="table_frequencies|table"):
        skgauss.load(tmp_path / "m")


def test_survey_example_returns_rows_of_the_real_table(tmp_path):
    pytest.importorskip("statsmodels")
    pytest.importorskip("matplotlib")
    import importlib.util
    from pathlib import Path

    file = Path(__file__).resolve().parent.parent / "examples" / "survey_table_synthesis.py"
    spec = importlib.util.spec_from_file_location("survey_table_synthesis", file)
    ex = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(ex)
    synthetic, report = ex.main(max_epochs=3, path=str(tmp_path / "fig.png"))
    real = ex.load_survey()
    assert synthetic.shape == (1000, 10) and synthetic.dtypes.tolist() == real.dtypes.tolist()
    for c in ("selfLR", "ClinLR", "DoleLR"):
        assert synthetic[c].between(1, 7).all()
    assert (synthetic["popul"] >= 0).all() and set(synthetic["PID"]) <= set(ex.PARTY)
    assert 0 < report.column_shapes <= 1 and (tmp_path / "fig.png").stat().st_size > 0


def test_nullable_dtypes_round_trip_and_unscaled_encoding():
    df = pd.DataFrame({"n": pd.array([1, 2, 3, 4] * 10, dtype="Int64"),
                       "flag": pd.array([True, False, None, True] * 10, dtype="boolean"),
                       "s": pd.array(["a", None, "b", "a"] * 10, dtype="string")})
    codec = _TableCodec.fit(df, "from_dtype", scale_numeric=False)
    E = codec.encode(df)
    np.testing.assert_array_equal(E[:, 0], df["n"].to_numpy(dtype=float))  # unscaled
    back = codec.decode(E)
    assert back.dtypes.tolist() == df.dtypes.tolist()
    pd.testing.assert_frame_equal(back, df)


def test_partial_fit_and_warm_start_keep_the_encoding():
    df = mixed_table()
    ae = tiny()
    ae.partial_fit(df.iloc[:100]).partial_fit(df.iloc[100:])
    assert ae.n_iter_ == 2 and ae.transform(df).shape == (200, 2)
    warm = tiny(warm_start=True).fit(df)
    categories = warm.categories_
    warm.fit(df)
    assert warm.n_iter_ == 6 and warm.categories_ == categories
    with pytest.raises(ValueError, match="categories not seen"):
        bad = df.copy()
        bad["town"] = "Perth"
        warm.fit(bad)
    assert warm.n_iter_ == 6  # the failed fit left the model as it was


def test_codec_state_is_validated():
    codec = _TableCodec.fit(mixed_table(), "from_dtype")
    state, arrays = codec.get_state()
    again = _TableCodec.from_state(state, arrays)
    np.testing.assert_array_equal(again.encode(mixed_table()), codec.encode(mixed_table()))
    with pytest.raises(ValueError, match="'bias' must hold"):
        _TableCodec.from_state(state, {**arrays, "bias": arrays["bias"][:-1]})
    with pytest.raises(ValueError, match="exactly the keys"):
        _TableCodec.from_state({**state, "extra": 1}, arrays)
    with pytest.raises(ValueError, match="column 0 is malformed"):
        _TableCodec.from_state({**state, "kinds": ["text"] * len(state["kinds"])}, arrays)


def test_dequantize_leaves_the_one_hot_blocks_exact():
    df = mixed_table()
    ae = tiny(dequantize="uniform", latent_flow=None).fit(df)
    spacing = ae.net_.iterator_train__spacing.numpy()
    n_numeric = len(ae._table.numeric)
    assert spacing[0] == 0 and spacing[1] > 0  # 'count' (8 levels, scaled) is dequantised
    assert (spacing[n_numeric:] == 0).all()  # the categories are not


def test_decoded_integers_stay_within_their_dtype():
    """With clip=False a decoded value beyond an integer dtype's range is put at
    the range's end (a uint8 column cannot hold 300 or -5)."""
    from skgauss._tabular import _int_bounds

    df = pd.DataFrame({"c": list("ab") * 20, "u": np.arange(40, dtype=np.uint8),
                       "n": pd.array(np.arange(40), dtype="Int16")})
    ae = tiny(clip=False).fit(df)
    table = ae._table
    M = np.zeros((2, table.width))
    i_u, i_n = table.numeric.index(1), table.numeric.index(2)
    M[:, i_u] = (np.array([300.0, -5.0]) - table.mean[i_u]) / table.scale[i_u]
    M[:, i_n] = (np.array([1e6, -1e6]) - table.mean[i_n]) / table.scale[i_n]
    rows = table.decode(M)
    assert rows["u"].tolist() == [255, 0] and rows["u"].dtype == np.uint8
    assert rows["n"].tolist() == [32767, -32768] and str(rows["n"].dtype) == "Int16"
    assert _int_bounds("int64")[1] < 2.0**63 and _int_bounds("float64") == (-np.inf, np.inf)


def test_empty_table_is_refused_clearly():
    df = pd.DataFrame({"c": pd.Series([], dtype=object), "x": pd.Series([], dtype=float)})
    with pytest.raises(ValueError, match="Found array with 0 sample"):
        tiny().fit(df)


def test_unscaled_table_names_its_large_column():
    df = pd.DataFrame({"c": list("ab") * 10, "small": np.arange(20.0),
                       "big": np.arange(20.0) * 1e12})
    with pytest.raises(ValueError, match=r"column 'big' \(index 2\).*scale_numeric=True"):
        tiny(scale_numeric=False).fit(df)
