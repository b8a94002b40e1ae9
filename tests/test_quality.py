"""The quality bar of issue #7 for the default settings on digits (slow).

Held-out codes (70/30 split, random_state=0, n_components=8) must pass the N(0, I)
battery at p > 0.01, reconstruct at <= 0.5x PCA's MSE, sample closer to held-out
rows than GaussianMixture(10) does, and fit in <= 60 s. The defaults do not meet
it yet (see the README's quality table): the test is a strict xfail that turns
into a failure the day the bar is met, so the marker gets removed.
"""

import sys
import time
from pathlib import Path

import numpy as np
import pytest
from sklearn.mixture import GaussianMixture

from skgauss import GaussianAutoencoder

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
from quality import battery, load  # noqa: E402

from skgauss.stats import energy_distance  # noqa: E402


@pytest.mark.slow
@pytest.mark.xfail(strict=True, reason=(
    "defaults miss the bar: held-out radii p=1.4e-4, per-coordinate p=1.9e-4, sliced "
    "p=2.7e-3, moment p=2.3e-7, MMD p=0.0099 at 0.53x PCA's MSE; samples 2.4x GMM(10)'s "
    "energy distance (benchmarks/results/quality.md). Even whitened Gaussian codes pass "
    "all five tests on this split's sizes only 62% of the time (quality.py --oracle)"))
def test_default_meets_the_bar_on_digits():
    X_train, X_test, d = load("digits")
    start = time.perf_counter()
    ae = GaussianAutoencoder(n_components=d, random_state=0).fit(X_train)
    seconds = time.perf_counter() - start
    from sklearn.decomposition import PCA

    pca = PCA(d).fit(X_train)
    mse = np.mean((ae.inverse_transform(ae.transform(X_test)) - X_test) ** 2)
    pca_mse = np.mean((pca.inverse_transform(pca.transform(X_test)) - X_test) ** 2)
    gmm = GaussianMixture(10, random_state=0).fit(X_train)
    n = len(X_test)
    e_ae = energy_distance(ae.sample(n, random_state=0), X_test)
    e_gmm = energy_distance(gmm.sample(n)[0], X_test)
    p = battery(ae.transform(X_test))
    assert seconds <= 60
    assert mse <= 0.5 * pca_mse, (mse, pca_mse)
    assert e_ae < e_gmm, (e_ae, e_gmm)
    assert all(v > 0.01 for v in p.values()), p
