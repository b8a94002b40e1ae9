"""Choose the penalty weight: Gaussian codes vs faithful reconstructions.
======================================================================

A stronger Gaussian penalty (``alpha``) makes the codes closer to N(0, I) but
costs reconstruction. GridSearchCV scores every candidate on held-out folds
with several scorers at once, and ``make_tradeoff_refit`` refits the most
Gaussian candidate whose reconstruction error is within 20% of the best.

    python examples/plot_tradeoff_gridsearch.py          # < 1 minute on 2 cores
"""

import numpy as np
from sklearn.datasets import load_digits
from sklearn.model_selection import GridSearchCV, KFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skgauss import GaussianAutoencoder
from skgauss.metrics import (
    gaussianity_scorer,
    make_gaussianity_scorer,
    make_tradeoff_refit,
    reconstruction_scorer,
    sample_scorer,
)

X = load_digits().data[:600]
model = make_pipeline(
    StandardScaler(),
    GaussianAutoencoder(
        n_components=4, hidden_layer_sizes=(64,), max_epochs=10, batch_size=64, random_state=0
    ),
)
scoring = {
    "gaussianity": gaussianity_scorer,  # -MMD^2 of the codes to N(0, I)
    "reconstruction": reconstruction_scorer,  # -MSE in pixel units
    "moment_kl": make_gaussianity_scorer("moment_kl"),  # mean/covariance only
    "sample": sample_scorer,  # -energy distance of decoded N(0, I) draws to X
}
refit = make_tradeoff_refit("gaussianity", "reconstruction", tolerance=0.2)
search = GridSearchCV(
    model,
    {"gaussianautoencoder__alpha": [0.0, 1.0, 30.0]},
    scoring=scoring,
    refit=refit,
    cv=KFold(2, shuffle=True, random_state=0),
)
search.fit(X)

res = search.cv_results_
alphas = np.asarray(res["param_gaussianautoencoder__alpha"], dtype=float)
print(f"{'alpha':>6} " + " ".join(f"{k:>15}" for k in scoring))
for i, alpha in enumerate(alphas):
    mark = "  <- refit" if i == search.best_index_ else ""
    print(f"{alpha:6g} " + " ".join(f"{res[f'mean_test_{k}'][i]:15.4g}" for k in scoring) + mark)
print(refit)

try:
    import matplotlib.pyplot as plt
except ImportError:  # the plot is optional
    plt = None
if plt is not None:
    fig, ax = plt.subplots(figsize=(5, 4))
    mse, mmd = -res["mean_test_reconstruction"], -res["mean_test_gaussianity"]
    ax.plot(mse, mmd, "o-")
    for a, x, y in zip(alphas, mse, mmd, strict=True):
        ax.annotate(f"alpha={a:g}", (x, y), textcoords="offset points", xytext=(5, 5))
    best = search.best_index_
    ax.plot(mse[best], mmd[best], "r*", markersize=15, label="make_tradeoff_refit choice")
    ax.axvline(mse.min() * 1.2, color="gray", ls="--", label="1.2 x best MSE")
    ax.set(xlabel="held-out reconstruction MSE", ylabel="held-out MMD$^2$ to N(0, I)")
    ax.set_yscale("symlog", linthresh=1e-4)
    ax.legend()
    fig.tight_layout()
    plt.show()
