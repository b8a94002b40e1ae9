"""Synthetic rows of a real survey table, and how close they are to the real ones.
===============================================================================

The 1996 American National Election Study extract that ships with statsmodels
(944 voters): party identification and expected vote as text, population as a
float, TV news per week, three 1-7 left-right ratings, age, education and income
as integers. ``GaussianAutoencoder(categorical_features="from_dtype")`` takes the
raw DataFrame: no encoder or scaler in front, and ``sample`` returns rows of the
same table (same columns and dtypes, ratings within 1-7, populations >= 0).

The script fits on 70 % of the rows, samples 1 000, prints a per-column comparison
with the held-out 30 % (:func:`skgauss.metrics.fidelity_report`) and draws real
against synthetic marginals, one panel per column.

    pip install 'skgauss[examples]'
    python examples/survey_table_synthesis.py
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.model_selection import train_test_split

from skgauss import GaussianAutoencoder
from skgauss.metrics import fidelity_report

PARTY = ["Strong Democrat", "Weak Democrat", "Independent-Democrat",
         "Independent-Independent", "Independent-Republican", "Weak Republican",
         "Strong Republican"]


def load_survey() -> pd.DataFrame:
    """The anes96 table with its codes turned into what they mean."""
    from statsmodels.datasets import anes96

    df = anes96.load_pandas().data.drop(columns="logpopul")
    ints = ["TVnews", "selfLR", "ClinLR", "DoleLR", "age", "educ", "income"]
    df[ints] = df[ints].astype(np.int64)
    df["PID"] = np.array(PARTY, dtype=object)[df["PID"].astype(int)]
    df["vote"] = np.where(df["vote"] == 1, "Dole", "Clinton").astype(object)
    return df


def compare(real: pd.DataFrame, synthetic: pd.DataFrame) -> pd.DataFrame:
    """One row per column: its kind, a summary of real and synthetic values, and
    its column-shape score (1 - KS, or 1 - total variation for categories)."""
    shapes = fidelity_report(real, synthetic).shapes
    rows = []
    for c in real.columns:
        if real[c].dtype.kind in "iuf":
            summary = [f"{d[c].mean():.1f} [{d[c].min():g}, {d[c].max():g}]"
                       for d in (real, synthetic)]
        else:
            summary = [", ".join(f"{k} {v:.2f}" for k, v in
                                 d[c].value_counts(normalize=True).head(2).items())
                       for d in (real, synthetic)]
        rows.append({"column": c, "dtype": str(real[c].dtype), "real": summary[0],
                     "synthetic": summary[1], "shape score": round(shapes[c], 3)})
    return pd.DataFrame(rows)


def plot(real: pd.DataFrame, synthetic: pd.DataFrame, path: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(2, 5, figsize=(16, 6))
    for ax, c in zip(axes.ravel(), real.columns, strict=False):
        if real[c].dtype.kind in "iuf":
            bins = np.histogram_bin_edges(real[c], 20)
            ax.hist([real[c], synthetic[c]], bins=bins, density=True,
                    label=["held-out", "synthetic"])
        else:
            freq = pd.DataFrame({"held-out": real[c].value_counts(normalize=True),
                                 "synthetic": synthetic[c].value_counts(normalize=True)})
            freq.fillna(0).plot.bar(ax=ax, legend=False, rot=80, fontsize=7)
        ax.set_title(c)
    axes.ravel()[0].legend()
    fig.tight_layout()
    fig.savefig(path, dpi=80)


def main(max_epochs: int = 100, path: str | None = "survey_synthetic.png") -> tuple:
    df = load_survey()
    train, test = train_test_split(df, test_size=0.3, random_state=0)
    ae = GaussianAutoencoder(categorical_features="from_dtype", max_epochs=max_epochs,
                             random_state=0).fit(train)
    synthetic = ae.sample(1000, random_state=0)
    report = fidelity_report(test, synthetic)
    print(synthetic.head())
    print(compare(test, synthetic).to_string(index=False))
    print(f"column shapes {report.column_shapes:.3f}, column pair trends "
          f"{report.column_pair_trends:.3f}")
    if path is not None:
        plot(test, synthetic, path)
        print(f"figure written to {path}")
    return synthetic, report


if __name__ == "__main__":
    main()
