"""Fidelity of synthetic tables: exact values, SDMetrics agreement, the scorer."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import scipy.stats
from sklearn.base import BaseEstimator

from skgauss import metrics as M


def tables(n: int = 300, seed: int = 0):
    rng = np.random.default_rng(seed)
    u = rng.normal(size=n)
    real = pd.DataFrame({
        "a": u, "b": u + rng.normal(0, 0.5, n),
        "c": np.where(u > 0, "x", rng.choice(["y", "z"], n)).astype(object),
        "d": rng.random(n) < 0.4,
    })
    real.loc[:9, "c"] = None
    v = rng.normal(0.2, 1, n)
    synth = pd.DataFrame({
        "a": v, "b": rng.normal(size=n),
        "c": rng.choice(["x", "y", "w"], n).astype(object),
        "d": rng.random(n) < 0.5,
    })
    return real, synth


def tv(a, b) -> float:
    pa, pb = pd.Series(a).value_counts(normalize=True, dropna=False), \
        pd.Series(b).value_counts(normalize=True, dropna=False)
    return 0.5 * pa.subtract(pb, fill_value=0).abs().sum()


def test_values_by_hand():
    real, synth = tables()
    r = M.fidelity_report(real, synth)
    assert r.shapes["a"] == pytest.approx(1 - scipy.stats.ks_2samp(real.a, synth.a).statistic)
    assert r.shapes["c"] == pytest.approx(1 - tv(real.c.dropna(), synth.c))
    rho = [np.corrcoef(t.a, t.b)[0, 1] for t in (real, synth)]
    assert r.pair_trends[("a", "b")] == pytest.approx(1 - abs(rho[0] - rho[1]) / 2)
    joint = [t.c.astype(str) + "|" + t.d.astype(str) for t in (real, synth)]
    assert r.pair_trends[("c", "d")] == pytest.approx(1 - tv(*joint))
    bins = [np.digitize(t.a, np.histogram_bin_edges(t.a, 10)).astype(str) for t in (real, synth)]
    joint = [b + "|" + t.d.astype(str) for b, t in zip(bins, (real, synth), strict=True)]
    assert r.pair_trends[("a", "d")] == pytest.approx(1 - tv(*joint))
    assert r.column_shapes == pytest.approx(np.mean(list(r.shapes.values())))
    assert r.column_pair_trends == pytest.approx(np.mean(list(r.pair_trends.values())))
    assert r.overall == pytest.approx((r.column_shapes + r.column_pair_trends) / 2)
    same = M.fidelity_report(real, real)
    assert same.overall == pytest.approx(1.0)


def test_thresholds_leave_out_weak_pairs():
    real, synth = tables()
    r = M.fidelity_report(real, synth, real_correlation_threshold=0.5,
                          real_association_threshold=0.3)
    assert np.isfinite(r.pair_trends[("a", "b")])  # rho ~ 0.9
    assert np.isnan(r.pair_trends[("b", "d")])  # independent
    kept = [v for v in r.pair_trends.values() if np.isfinite(v)]
    assert r.column_pair_trends == pytest.approx(np.mean(kept))


def test_bad_input():
    real, synth = tables()
    with pytest.raises(ValueError, match=r"lacks the columns \['d'\]"):
        M.fidelity_report(real, synth.drop(columns="d"))
    with pytest.raises(ValueError, match="n_bins"):
        M.fidelity_report(real, synth, n_bins=0)
    with pytest.raises(ValueError, match="unknown option"):
        M.make_fidelity_scorer(bins=3)


@pytest.mark.filterwarnings("ignore:The single table quality report is deprecated")
@pytest.mark.parametrize("thresholds", [(0.0, 0.0), (0.5, 0.3)])
def test_agrees_with_sdmetrics(thresholds):
    sdmetrics = pytest.importorskip("sdmetrics.reports.single_table")
    real, synth = tables()
    metadata = {"columns": {"a": {"sdtype": "numerical"}, "b": {"sdtype": "numerical"},
                            "c": {"sdtype": "categorical"}, "d": {"sdtype": "boolean"}}}
    report = sdmetrics.QualityReport()
    report.real_correlation_threshold, report.real_association_threshold = thresholds
    report.generate(real, synth, metadata, verbose=False)
    ours = M.fidelity_report(real, synth, real_correlation_threshold=thresholds[0],
                             real_association_threshold=thresholds[1])
    props = report.get_properties().set_index("Property")["Score"]
    assert ours.column_shapes == pytest.approx(props["Column Shapes"], abs=1e-6)
    assert ours.column_pair_trends == pytest.approx(props["Column Pair Trends"], abs=1e-6)
    assert ours.overall == pytest.approx(report.get_score(), abs=1e-6)


class TableSampler(BaseEstimator):
    """Samples rows of its training table (a perfect generator), or a shifted copy."""

    def __init__(self, shift: float = 0.0):
        self.shift = shift

    def fit(self, X, y=None):
        self.X_ = X
        return self

    def sample(self, n, random_state=None):
        rows = self.X_.sample(n, replace=True, random_state=random_state).reset_index(drop=True)
        return rows.assign(a=rows.a + self.shift)


def test_fidelity_scorer():
    real, _ = tables(600)
    good = M.fidelity_scorer(TableSampler().fit(real), real)
    bad = M.fidelity_scorer(TableSampler(shift=1.0).fit(real), real)
    assert 0.9 < good <= 1 and bad < good
    expected = "make_fidelity_scorer(max_samples=50, random_state=0)"
    assert repr(M.make_fidelity_scorer(50)) == expected
