"""The targets of issue #14 for the default estimator on the six tables of
``benchmarks/quality.py`` (slow: ``pytest -m slow``).

Each table is split 70/30 (random_state=0) and standardised; the default
``GaussianAutoencoder`` is fitted at the table's n_components. No target is met on
every table it names: what the default reaches is asserted (so a regression
fails), and each target itself is a strict xfail quoting the measured figures
(``benchmarks/results/quality-side-by-side.md``), so it turns red the day it is
met and its marker must go. TVAE runs only where ctgan is installed
(``/work/venv-bench`` in the benchmark's set-up); it beats the default on wine
(1.03 against 1.06x GMM(10)'s energy distance), so "better than TVAE on every
table" is asserted at five of six.
"""

import sys
from pathlib import Path

import numpy as np
import pytest
from sklearn.decomposition import PCA

from skgauss import GaussianAutoencoder

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
from quality import (  # noqa: E402
    BATTERY,
    TABLES,
    TARGET_TESTS,
    _tvae,
    battery,
    energy_ratio,
    load,
)

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def measured():
    """Per table: held-out and training p-values, sample energy ÷ GMM(10)'s,
    reconstruction ÷ PCA's, and the held-out split (for TVAE)."""
    pytest.importorskip("statsmodels")  # the anes96 table
    out = {}
    for name in TABLES:
        X_train, X_test, d = load(name)
        ae = GaussianAutoencoder(d, random_state=0).fit(X_train)
        pca = PCA(d, random_state=0).fit(X_train)

        def mse(m, X_test=X_test):
            return np.mean((m.inverse_transform(m.transform(X_test)) - X_test) ** 2)

        out[name] = {
            "held_out": battery(ae.transform(X_test)),
            "train": battery(ae.transform(X_train)),
            "energy": energy_ratio(ae.sample(len(X_test), random_state=0), X_train, X_test),
            "recon": mse(ae) / mse(pca),
            "split": (X_train, X_test),
        }
    return out


def _count(measured, ok) -> list[str]:
    return [name for name, m in measured.items() if ok(m)]


# --- what the default reaches (asserted: a regression turns these red) ---------
# The counts are at one seed (random_state=0) and move with it: when every random
# stream of a fit got its own SeedSequence seed (issue #13), the training count
# went from 4 to 3 of 6 tables and the held-out count from 4 to 5 of 6.
def test_training_codes_pass_on_three_tables(measured):
    passed = _count(measured, lambda m: all(m["train"][k] > 0.01 for k in BATTERY))
    assert len(passed) >= 3, passed


def test_held_out_codes_pass_on_five_of_six_tables(measured):
    passed = _count(measured, lambda m: all(m["held_out"][k] > 0.01 for k in TARGET_TESTS))
    assert len(passed) >= 5, passed


def test_samples_within_1_3_of_gmm_on_five_tables(measured):
    assert len(_count(measured, lambda m: m["energy"] <= 1.3)) >= 5, \
        {name: m["energy"] for name, m in measured.items()}


def test_reconstruction_within_five_percent_of_pca_on_five_tables(measured):
    assert len(_count(measured, lambda m: m["recon"] <= 1.05)) >= 5, \
        {name: m["recon"] for name, m in measured.items()}


def test_samples_beat_tvae_on_five_tables(measured):
    """TVAE (ctgan, at its defaults) where ctgan is installed: not a dependency."""
    pytest.importorskip("ctgan")
    better = []
    for name, m in measured.items():
        X_train, X_test = m["split"]
        if m["energy"] < energy_ratio(_tvae(X_train, len(X_test), 0), X_train, X_test):
            better.append(name)
    assert len(better) >= 5, better


# --- the targets of issue #14 not met (strict xfails with the figures) ---------
@pytest.mark.xfail(strict=True, reason=(
    "training codes fail the sliced test on digits (p=0.0039), radii on wine "
    "(p=0.0017) and Mardia kurtosis on diabetes (p=0.0012); they pass all five "
    "tests on breast_cancer, the swiss roll and anes96"))
def test_training_codes_pass_every_test_on_every_table(measured):
    failed = {name: m["train"] for name, m in measured.items()
              if not all(m["train"][k] > 0.01 for k in BATTERY)}
    assert not failed, failed


@pytest.mark.xfail(strict=True, reason=(
    "held-out codes pass the four target tests on 5 of 6 tables; digits fails Mardia "
    "skewness (p=1.3e-10), kurtosis (p=5.2e-10), radii (p=0.0021) and sliced (p=5.7e-7)"))
def test_held_out_codes_pass_on_every_table(measured):
    passed = [name for name, m in measured.items()
              if all(m["held_out"][k] > 0.01 for k in TARGET_TESTS)]
    assert len(passed) == 6, passed


@pytest.mark.xfail(strict=True, reason=(
    "samples are <= 1.0x GMM(10)'s energy distance on anes96 (0.49), the swiss roll "
    "(0.84) and diabetes (0.92), <= 1.3x on digits (1.18) and wine (1.10), not on "
    "breast_cancer (1.43)"))
def test_samples_near_gmm(measured):
    ratios = {name: m["energy"] for name, m in measured.items()}
    assert sum(r <= 1.0 for r in ratios.values()) >= 4, ratios
    assert all(r <= 1.3 for r in ratios.values()), ratios


@pytest.mark.xfail(strict=True, reason=(
    "held-out reconstruction is 1.12x PCA's on diabetes (d=4); <= 1.04x elsewhere"))
def test_reconstruction_within_five_percent_of_pca(measured):
    ratios = {name: m["recon"] for name, m in measured.items()}
    assert all(r <= 1.05 for r in ratios.values()), ratios
