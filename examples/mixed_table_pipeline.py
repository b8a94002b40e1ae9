"""A mixed-type table to Gaussian codes, and generated rows back to the original columns
=====================================================================================

One-hot categoricals and scaled numerics go into a GaussianAutoencoder.

``set_output(transform="pandas")`` makes ``transform``, ``inverse_transform`` and
``sample`` return DataFrames. Generated rows come back in the encoded space of the
ColumnTransformer; :func:`to_original_columns` maps them to the original table:
the scaler's inverse for numeric columns, arg-max within each one-hot group for
categorical ones.

    python examples/mixed_table_pipeline.py
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from skgauss import GaussianAutoencoder


def make_table(n: int = 600, seed: int = 0) -> pd.DataFrame:
    rng = np.random.RandomState(seed)
    colour = rng.choice(["red", "green", "blue"], size=n, p=[0.5, 0.3, 0.2])
    size = rng.choice(["S", "L"], size=n)
    height = rng.normal(170, 10, n) + (size == "L") * 8
    weight = 0.9 * height - 90 + rng.normal(0, 5, n)
    return pd.DataFrame({"colour": colour, "size": size, "height": height, "weight": weight})


def build_pipeline(categorical, numeric, **ae_params) -> Pipeline:
    encode = ColumnTransformer(
        [("cat", OneHotEncoder(sparse_output=False), categorical),
         ("num", StandardScaler(), numeric)],
        verbose_feature_names_out=False,
    )
    return Pipeline([("encode", encode), ("ae", GaussianAutoencoder(**ae_params))]).set_output(
        transform="pandas")


def to_original_columns(pipe: Pipeline, encoded: pd.DataFrame) -> pd.DataFrame:
    """Map rows of the ColumnTransformer's output space back to the original table."""
    encode = pipe.named_steps["encode"]
    onehot, scaler = encode.named_transformers_["cat"], encode.named_transformers_["num"]
    categorical, numeric = encode.transformers_[0][2], encode.transformers_[1][2]
    out = {}
    for column, categories in zip(categorical, onehot.categories_, strict=True):
        block = encoded[[f"{column}_{c}" for c in categories]].to_numpy()
        out[column] = categories[block.argmax(axis=1)]
    values = scaler.inverse_transform(encoded[list(numeric)].to_numpy())
    out.update({c: values[:, j] for j, c in enumerate(numeric)})
    return pd.DataFrame(out)[list(categorical) + list(numeric)]


def main() -> None:
    table = make_table()
    pipe = build_pipeline(["colour", "size"], ["height", "weight"], n_components=3,
                          max_epochs=60, random_state=0)
    codes = pipe.fit_transform(table)
    print(codes.head())
    generated = pipe.named_steps["ae"].sample(8, random_state=0)  # a DataFrame
    print(to_original_columns(pipe, generated))


if __name__ == "__main__":
    main()
