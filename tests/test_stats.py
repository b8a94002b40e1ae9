"""Normality tests: reference values, calibration, power, validation."""

from __future__ import annotations

import functools
import math
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from skgauss import stats as S

# every test of the registry (a new entry is checked here with no edit), plus the KS
# variants of the per-coordinate and sliced tests
AFFINE = {n: e.test for n, e in S.TESTS.items() if e.test and e.family == S.AFFINE}
STANDARD = {
    **{n: e.test for n, e in S.TESTS.items() if e.test and e.family == S.STANDARD},
    "coordinate_ks": functools.partial(S.coordinate_test, method="ks"),
    "sliced_ks": functools.partial(S.sliced_test, method="ks"),
}
TESTS = {**AFFINE, **STANDARD}


def alternatives(n: int, d: int, seed: int = 0) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    return {
        "scale": 1.1 * rng.standard_normal((n, d)),
        "shift": rng.standard_normal((n, d)) + 0.1,
        "uniform": rng.uniform(-math.sqrt(3), math.sqrt(3), (n, d)),
        "t5": rng.standard_t(5, (n, d)),
    }


# ---------------------------------------------------------------- references


def test_henze_zirkler_equals_pingouin():
    pg = pytest.importorskip("pingouin")
    rng = np.random.default_rng(0)
    samples = [
        rng.standard_normal((200, 3)),
        rng.standard_normal((50, 2)) * [1, 5] + 3,
        rng.standard_t(4, (300, 5)),
        rng.uniform(size=(120, 4)),
        rng.exponential(size=(80, 2)),
    ]
    for Z in samples:
        ours, ref = S.henze_zirkler(Z), pg.multivariate_normality(Z)
        assert abs(ours.statistic - ref.hz) <= 1e-10
        assert abs(ours.pvalue - ref.pval) <= 1e-10


def test_henze_zirkler_declines_a_singular_sample():
    # pingouin returns HZ = 4n (p ~ 0, "rejected") there; the sample says nothing
    # about Gaussianity in the missing direction, so it declines like Mardia's
    Z = np.random.default_rng(0).standard_normal((40, 3))
    Z[:, 2] = Z[:, 0] + Z[:, 1]
    with pytest.raises(ValueError, match="non-singular"):
        S.henze_zirkler(Z)


def test_mardia_equals_direct_quadratic_implementation():
    rng = np.random.default_rng(1)
    Z = rng.standard_t(6, (60, 3)) @ rng.standard_normal((3, 3))
    n, d = Z.shape
    C = Z - Z.mean(0)
    A = C @ np.linalg.inv(np.cov(Z, rowvar=False, bias=True)) @ C.T  # n x n
    b1, b2 = (A**3).sum() / n**2, np.mean(np.diag(A) ** 2)
    k = (d + 1) * (n + 1) * (n + 3) / (n * ((n + 1) * (d + 1) - 6))
    skew = S.mardia_skewness(Z)
    np.testing.assert_allclose(skew.details["b1"], b1, rtol=1e-10)
    np.testing.assert_allclose(skew.statistic, n * k * b1 / 6, rtol=1e-10)
    assert skew.df == d * (d + 1) * (d + 2) / 6
    kurt = S.mardia_kurtosis(Z, correction=False)
    np.testing.assert_allclose(kurt.details["b2"], b2, rtol=1e-10)
    z = (b2 - d * (d + 2)) / math.sqrt(8 * d * (d + 2) / n)
    np.testing.assert_allclose(kurt.statistic, z, rtol=1e-10)


def test_doornik_hansen_skewness_part_is_dagostino():
    from scipy import stats

    y = np.random.default_rng(2).gamma(4.0, size=(100, 1))
    res = S.doornik_hansen(y)
    np.testing.assert_allclose(res.details["z1"], stats.skewtest(y[:, 0]).statistic)
    assert res.df == 2


def test_closed_forms_equal_monte_carlo():
    rng = np.random.default_rng(3)
    d, x = 5, rng.standard_normal((4, 5)) * 1.5
    P = rng.standard_normal((60_000, d))
    dist = np.linalg.norm(x[:, None] - P[None], axis=2).mean(1)
    np.testing.assert_allclose(S.expected_distance_to_standard_normal(x), dist, rtol=3e-3)
    pairs = np.linalg.norm(P[:30_000] - P[30_000:], axis=1).mean()
    np.testing.assert_allclose(2 * S._gamma_ratio(d), pairs, rtol=5e-3)


def test_mmd_closed_forms_equal_monte_carlo():
    rng = np.random.default_rng(4)
    d, x = 3, rng.standard_normal((4, 3)) * 1.5
    s2 = math.sqrt(d)
    P = rng.standard_normal((200_000, d))
    mc = np.exp(-((x[:, None] - P[None, :50_000]) ** 2).sum(-1) / (2 * s2)).mean(1)
    closed = (s2 / (s2 + 1)) ** (d / 2) * np.exp(-(x**2).sum(1) / (2 * (s2 + 1)))
    np.testing.assert_allclose(closed, mc, rtol=1e-2)
    pp = np.exp(-((P[:100_000] - P[100_000:]) ** 2).sum(-1) / (2 * s2)).mean()
    np.testing.assert_allclose((s2 / (s2 + 2)) ** (d / 2), pp, rtol=1e-2)


@pytest.mark.parametrize("distance", [S.mmd_to_standard_normal, S.energy_to_standard_normal])
def test_statistic_is_unbiased_under_the_null(distance):
    rng = np.random.default_rng(5)
    values = [distance(rng.standard_normal((20, 3))) for _ in range(400)]
    assert abs(np.mean(values)) < 3 * np.std(values) / math.sqrt(400)


def test_cramer_wold_closed_form_equals_monte_carlo_over_directions():
    """CW is the MMD of the sliced smoothing kernel: E_theta of the 1-D
    Gaussian-smoothed L2 distance, checked with many random directions."""
    rng = np.random.default_rng(5)
    Z, g = rng.uniform(-2, 2, (30, 3)), 0.3
    theta = rng.standard_normal((20_000, 3))
    theta /= np.linalg.norm(theta, axis=1, keepdims=True)
    Y = Z @ theta.T  # (n, L) projections
    diff = Y[:, None] - Y[None]
    zz = np.exp(-(diff**2) / (4 * g)) / math.sqrt(4 * math.pi * g)
    zz = (zz.sum((0, 1)) - zz[0, 0] * 30) / (30 * 29)  # diagonal terms are equal
    zp = np.exp(-(Y**2) / (2 * (1 + 2 * g))) / math.sqrt(2 * math.pi * (1 + 2 * g))
    mc = np.mean(zz - 2 * zp.mean(0) + 1 / math.sqrt(4 * math.pi * (1 + g)))
    # one draw of 20000 directions has a relative sd of ~2%
    np.testing.assert_allclose(S.cramer_wold_to_standard_normal(Z, g), mc, rtol=8e-2)


def test_blocked_pair_sums_equal_one_block():
    Z = np.random.default_rng(6).standard_normal((300, 4)) * 3
    for fn, kw in [
        (S._gauss_block, {"gamma": 0.2}),
        (S._dist_block, {}),
        (S._cube_block, {}),
    ]:
        np.testing.assert_allclose(
            S._pair_sum(Z, fn, block=64, **kw),
            S._pair_sum(Z, fn, block=512, **kw),
            rtol=1e-10,
        )


def test_gauss_block_far_from_origin_does_not_overflow():
    Z = np.random.default_rng(7).standard_normal((50, 2)) + 1e3
    direct = np.exp(-0.5 * ((Z[:, None] - Z[None]) ** 2).sum(-1))
    np.testing.assert_allclose(
        S._pair_sum(Z, S._gauss_block, gamma=0.5), direct.sum() - 50, rtol=1e-8
    )


def test_cvm_tail_is_monotone():
    rng = np.random.default_rng(8)
    ps = [S._cvm(rng.standard_normal(500) * s, "norm")[1] for s in (1.3, 1.6, 2, 3, 5)]
    assert all(a >= b for a, b in zip(ps, ps[1:], strict=False))
    assert ps[-1] < 1e-20


# --------------------------------------------------------- calibration, power


@pytest.mark.parametrize("name", TESTS)
def test_calibration_under_null(name):
    """100 seeded N(0, I) draws at n = 200: rejection rate at 5% within [0, 12%]."""
    test, rng = TESTS[name], np.random.default_rng(10)
    kw = {"n_simulations": 99} if name in ("mmd", "energy") else {}
    kw |= {"n_directions": 16} if name.startswith("sliced") else {}
    pvalues = np.array([test(rng.standard_normal((200, 4)), **kw).pvalue for _ in range(100)])
    assert np.all((pvalues >= 0) & (pvalues <= 1))
    assert np.mean(pvalues <= 0.05) <= 0.12


POWER = {  # alternatives each test must reject at n = 2000, d = 16 (REFERENCE.md)
    "radii_ks": {"scale", "uniform", "t5"},
    "radii_cvm": {"scale", "uniform", "t5"},
    "coordinate_cvm": {"uniform", "t5"},
    "sliced_cvm": {"scale"},
    "moment_kl": {"scale", "shift", "t5"},
    "mmd": {"scale", "shift", "uniform", "t5"},
    "energy": {"scale", "shift"},
}


@pytest.fixture(scope="module")
def alt2000():
    return alternatives(2000, 16)


@pytest.mark.parametrize("name", POWER)
def test_power_of_standard_tests(name, alt2000):
    # default run: MMD and energy on 1000 of the 2000 rows (full: slow test below)
    kw = {"n_simulations": 39, "max_samples": 1000} if name in ("mmd", "energy") else {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", S.SubsamplingWarning)
        for alt in POWER[name]:
            assert STANDARD[name](alt2000[alt], **kw).pvalue < 0.05, alt


@pytest.mark.parametrize("name", AFFINE)
def test_affine_tests_cannot_see_scale_or_mean(name, alt2000):
    """Same statistic on z and 1.1 z + 0.1: N(0, 1.1^2 I) passes whenever
    N(0, I) does. Use them to ask "a Gaussian?", never "N(0, I)?"."""
    Z = np.random.default_rng(11).standard_normal((2000, 16))
    base, moved = TESTS[name](Z), TESTS[name](1.1 * Z + 0.1)
    assert base.pvalue > 0.01
    np.testing.assert_allclose(moved.statistic, base.statistic, rtol=1e-7)
    np.testing.assert_allclose(moved.pvalue, base.pvalue, rtol=1e-6, atol=1e-12)
    assert TESTS[name](alt2000["uniform"]).pvalue < 0.05 or name == "mardia_skewness"
    assert TESTS[name](alt2000["t5"]).pvalue < 0.05


def test_only_per_axis_tests_see_one_bimodal_axis():
    rng = np.random.default_rng(12)
    Z = rng.standard_normal((2000, 4))
    Z[:, 0] = rng.choice([-1, 1], 2000) * 0.8 + 0.6 * rng.standard_normal(2000)
    assert S.coordinate_test(Z).pvalue < 0.05
    assert S.doornik_hansen(Z).pvalue < 0.05


@pytest.mark.slow
@pytest.mark.parametrize("name", ["mmd", "energy"])
def test_power_with_full_null(name, alt2000):
    for alt in POWER[name]:
        assert STANDARD[name](alt2000[alt], max_samples=None).pvalue < 0.05


# ---------------------------------------------------------- behaviour, API


def test_result_unpacks_like_scipy():
    stat, p = S.radii_test(np.random.default_rng(0).standard_normal((50, 2)))
    assert np.isfinite(stat) and 0 <= p <= 1


def test_subsampling_warns_and_says_so():
    Z = np.random.default_rng(0).standard_normal((300, 3))
    with pytest.warns(S.SubsamplingWarning, match="100 of 300"):
        res = S.mmd_test(Z, max_samples=100, n_simulations=19)
    assert res.n_samples_used == 100
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert S.henze_zirkler(Z, max_samples=None).n_samples_used == 300


def test_monte_carlo_null_is_cached_and_seeded():
    Z = np.random.default_rng(0).standard_normal((30, 2)) + 0.3
    S._null_distribution.cache_clear()
    a = S.energy_test(Z, n_simulations=49)
    b = S.energy_test(Z, n_simulations=49)
    assert a == b and S._null_distribution.cache_info().hits == 1
    assert a.pvalue >= 1 / 50
    assert S.energy_test(Z, n_simulations=49, random_state=None).n_samples_used == 30


def test_coordinate_corrections():
    Z = np.random.default_rng(0).standard_normal((100, 5))
    Z[:, 1] += 0.5
    holm, bonf = S.coordinate_test(Z), S.coordinate_test(Z, correction="bonferroni")
    assert holm.pvalue == bonf.pvalue == min(1.0, 5 * holm.details["pvalues"].min())
    assert np.all(holm.details["adjusted_pvalues"] <= bonf.details["adjusted_pvalues"])


def test_report_table_and_verdicts():
    rng = np.random.default_rng(0)
    good = S.gaussianity_report(rng.standard_normal((300, 3)))
    table = good.table
    assert list(table.columns) == [
        "test",
        "family",
        "statistic",
        "pvalue",
        "n_samples_used",
        "checks",
        "note",
    ]
    assert set(table["family"]) == {S.AFFINE, S.STANDARD}
    assert all(v.startswith("not rejected") for v in good.verdicts.values())
    bad = S.gaussianity_report(rng.uniform(-2, 2, (300, 3)))
    assert all(v.startswith("rejected") for v in bad.verdicts.values())
    assert "N(0,I)? rejected" in str(bad)


def test_report_notes_tests_that_cannot_run(monkeypatch):
    Z = np.random.default_rng(0).standard_normal((4, 6))
    report = S.gaussianity_report(Z)
    rows = {r.test: r for r in report.rows}
    assert (
        math.isnan(rows["mardia_kurtosis"].pvalue) and "n_samples" in rows["mardia_kurtosis"].note
    )
    assert np.isfinite(rows["radii_ks"].pvalue)
    monkeypatch.setitem(__import__("sys").modules, "pandas", None)
    assert report.table == report.rows


@pytest.mark.parametrize(
    "Z, match",
    [
        ([[0.0, np.nan], [1.0, 2.0]], "NaN"),
        ([[0.0, np.inf], [1.0, 2.0]], "infinity"),
        ([1.0, 2.0, 3.0], "2D"),
        ([[1.0, 2.0]], "minimum of 2"),
    ],
)
@pytest.mark.parametrize("name", TESTS)
def test_invalid_input_raises_clear_value_error(name, Z, match):
    with pytest.raises(ValueError, match=match if name not in AFFINE else None):
        TESTS[name](np.asarray(Z))


def test_invalid_options():
    Z = np.random.default_rng(0).standard_normal((20, 2))
    with pytest.raises(ValueError, match="method"):
        S.radii_test(Z, method="ad")
    with pytest.raises(ValueError, match="correction"):
        S.coordinate_test(Z, correction="fdr")
    with pytest.raises(ValueError, match="max_samples"):
        S.mmd_test(Z, max_samples=1)
    with pytest.raises(ValueError, match="n_directions"):
        S.sliced_test(Z, n_directions=0)


@settings(max_examples=60)
@given(
    hnp.arrays(
        np.float64,
        hnp.array_shapes(min_dims=1, max_dims=2, min_side=0, max_side=12),
        elements=st.floats(allow_nan=True, allow_infinity=True, width=64)
        | st.floats(-1e6, 1e6)
        | st.sampled_from([0.0, 1.0]),
    )
)
def test_any_input_gives_valid_result_or_value_error(Z):
    for name, test in TESTS.items():
        kw = {"n_simulations": 9} if name in ("mmd", "energy") else {}
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)
                res = test(Z, **kw)
        except ValueError:
            continue
        assert not np.isnan(res.statistic), name
        assert 0.0 <= res.pvalue <= 1.0, name


# ---------------------------------------------------------------- the registry
def test_registry_is_read_by_report_and_metrics():
    import skgauss.metrics as M

    report = S.gaussianity_report(np.random.default_rng(0).standard_normal((200, 3)))
    assert [r.test for r in report.rows] == [n for n, e in S.TESTS.items() if e.test]
    assert {r.family for r in report.rows} == {S.AFFINE, S.STANDARD}
    assert set(M.STATISTICS) == {n for n, e in S.TESTS.items() if e.distance}
    for name, fn in M.STATISTICS.items():
        assert fn is S.TESTS[name].distance


def test_new_registry_entry_reaches_report_and_compare_row(monkeypatch):
    """Adding a test = one registry line: the report and ``compare``'s rows pick it up."""
    from sklearn.decomposition import PCA

    from skgauss.cli._evaluate import evaluate

    def mean_test(Z):
        z = np.sqrt(len(Z)) * np.linalg.norm(np.mean(Z, axis=0))
        return S.GaussianityTestResult(float(z), float(np.exp(-z)), None, len(Z))

    entry = S.GaussianityStatistic("toy_mean", S.STANDARD, "mean near 0", mean_test)
    monkeypatch.setitem(S.TESTS, "toy_mean", entry)
    X = np.random.default_rng(0).standard_normal((200, 3))
    report = S.gaussianity_report(X)
    assert report.rows[-1].test == "toy_mean"
    row = evaluate("pca", PCA(2, whiten=True).fit(X), 0.0, X, 1.0, 0)
    assert row["p_toy_mean"] == pytest.approx(mean_test(PCA(2, whiten=True).fit_transform(X))
                                              .pvalue)


def test_family_pvalues_and_passes():
    rng = np.random.default_rng(0)
    good = S.gaussianity_report(rng.standard_normal((400, 3)))
    assert good.passes == {S.AFFINE: True, S.STANDARD: True}
    bad = S.gaussianity_report(rng.standard_normal((400, 3)) * 1.5)  # a Gaussian, not N(0,I)
    assert bad.passes == {S.AFFINE: True, S.STANDARD: False}
    assert bad.family_pvalues[S.STANDARD] <= 0.05 < bad.family_pvalues[S.AFFINE]
    # the family p-value is the smallest Holm-adjusted one
    ps = np.array([r.pvalue for r in bad.rows if r.family == S.STANDARD])
    k = len(ps)
    assert bad.family_pvalues[S.STANDARD] == pytest.approx(min(1.0, k * ps.min()))


def test_energy_distance_is_the_unbiased_two_sample_formula():
    rng = np.random.default_rng(0)
    A, B = rng.standard_normal((30, 3)), rng.standard_normal((20, 3)) + 0.5

    def mean_dist(P, Q, same):
        D = np.linalg.norm(P[:, None] - Q[None], axis=-1)
        return D.sum() / (len(P) * (len(P) - 1)) if same else D.mean()

    expected = 2 * mean_dist(A, B, False) - mean_dist(A, A, True) - mean_dist(B, B, True)
    assert S.energy_distance(A, B) == pytest.approx(expected, rel=1e-12)
    assert S.energy_distance(A, B) == pytest.approx(S.energy_distance(B, A), rel=1e-12)
    with pytest.raises(ValueError, match="same number of columns"):
        S.energy_distance(A, B[:, :2])


@pytest.mark.parametrize("test", [S.mmd_test, S.energy_test])
def test_pearson_null_orders_departures_below_the_monte_carlo_floor(test):
    rng = np.random.default_rng(3)
    Z = rng.standard_normal((200, 4))
    # both nulls agree where the simulated one resolves p
    mid = test(Z * 1.1, n_simulations=199, null="pearson")
    assert mid.pvalue == pytest.approx(mid.details["pvalue_monte_carlo"], abs=0.05)
    # far out, Monte Carlo is stuck at 1/(B+1); Pearson keeps ordering the departures
    p = [test(Z * s, n_simulations=199, null="pearson") for s in (1.3, 1.6)]
    assert all(r.details["pvalue_monte_carlo"] == 1 / 200 for r in p)
    assert 0 < p[1].pvalue < p[0].pvalue < 1 / 200
    with pytest.raises(ValueError, match="null"):
        test(Z, null="asymptotic")


def test_registry_mmd_and_energy_use_the_pearson_null():
    Z = np.random.default_rng(0).standard_normal((200, 3)) * 1.5
    for name in ("mmd", "energy"):
        assert S.TESTS[name].run(Z).pvalue < 1 / 201


def test_moment_kl_distance_is_centred_by_the_first_order_mean():
    """KL of the fitted Gaussian (ML covariance) minus (d + d(d+1)/2) / (2n),
    computed here with numpy, where Bartlett's df would differ (d close to n)."""
    from skgauss.stats._distances import moment_kl_distance

    Z = np.random.RandomState(0).randn(100, 30)
    n, d = Z.shape
    mu, S = Z.mean(0), np.cov(Z.T, bias=True)
    kl = 0.5 * (np.trace(S) + mu @ mu - d - np.linalg.slogdet(S)[1])
    assert moment_kl_distance(Z) == pytest.approx(kl - (d + d * (d + 1) / 2) / (2 * n),
                                                  rel=1e-9)
