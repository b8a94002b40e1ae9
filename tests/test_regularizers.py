"""Tests of skgauss.regularizers: a contract over the registry, functional fits and
reference values.

Conventions of the contract (d = 4 unless stated):

- ``kl`` acts on Gaussian posteriors, not on codes: a batch ``x`` is passed as the
  means ``rho * x`` with log-variances ``log(1 - rho^2)``, ``rho^2 = 1/2``, whose
  mixture has the law of ``x``;
- ``adversarial`` is an :class:`AdversarialPenalty` instance; before its value is
  compared across batches its discriminator is trained against that batch's law.
"""

from __future__ import annotations

import functools
import math

import numpy as np
import pytest
import scipy.special
import scipy.stats
import torch

from skgauss.regularizers import (
    REGULARIZERS,
    SCALES,
    AdversarialPenalty,
    Penalty,
    WeightedSum,
    bhep,
    build,
    cramer_wold,
    edf,
    hyp1f1_neg,
    mmd,
    phi_d,
    resolve,
)

NAMES = list(REGULARIZERS)
D = 4
RHO2 = 0.5
N_LARGE = 1024
ADVERSARIAL_STEPS = 300


# ----------------------------------------------------------------------------- helpers


def sample(case: str, n: int, d: int, generator: torch.Generator, dtype=torch.float64):
    """Draws from N(0, I) or one of the departures of the contract."""
    x = torch.randn(n, d, generator=generator, dtype=dtype)
    if case == "gauss":
        return x
    if case == "shift":  # N(0.5 * 1, I)
        return x + 0.5
    if case == "scale":  # N(0, 2^2 I)
        return 2 * x
    if case == "uniform":  # unit-variance cube
        return (torch.rand(n, d, generator=generator, dtype=dtype) * 2 - 1) * math.sqrt(3)
    if case == "mixture":  # (N(-e1, I) + N(e1, I)) / 2
        sign = torch.randint(0, 2, (n,), generator=generator).to(dtype) * 2 - 1
        x[:, 0] += sign
        return x
    raise ValueError(case)


def penalty_for(name: str, d: int = D, dtype=torch.float64):
    """The registry's penalty module for ``name``, as a callable ``(z, generator)
    -> value`` (a Gaussian head gets the posteriors of the module docstring)."""
    penalty = REGULARIZERS[name](d, random_state=0).to(dtype)
    if penalty.gaussian_head:
        return lambda z, generator=None: penalty(
            math.sqrt(RHO2) * z,
            logvar=torch.full_like(z, math.log(1 - RHO2)),
            generator=generator,
        )
    return penalty


def value_on(name: str, case: str, seed: int, n: int = N_LARGE, d: int = D) -> float:
    g = torch.Generator().manual_seed(seed)
    penalty = penalty_for(name, d)
    if REGULARIZERS[name].stateful:
        for _ in range(ADVERSARIAL_STEPS):
            penalty.discriminator_step(sample(case, 256, d, g), generator=g)
    return float(penalty(sample(case, n, d, g), generator=g))


# value of each penalty at N(0, I) in the population (its minimum over laws)
POPULATION_MINIMUM = {name: 0.0 for name in NAMES}
POPULATION_MINIMUM["kl"] = D / 2 * math.log(1 / (1 - RHO2))
POPULATION_MINIMUM["adversarial"] = math.log(2.0)  # D = 1/2 everywhere


# ---------------------------------------------------------------------------- contract


def test_registry_and_scales_share_names():
    assert list(SCALES) == NAMES
    assert all(SCALES[name] > 0 for name in NAMES)
    assert REGULARIZERS["kl"].gaussian_head is True
    assert issubclass(REGULARIZERS["adversarial"], torch.nn.Module)


@pytest.mark.parametrize("name", NAMES)
def test_every_entry_builds_one_shape(name):
    """Each entry is a factory of a Penalty module that carries the entry's scale
    and needs; the weighted sum applies the scale."""
    entry = REGULARIZERS[name]
    penalty = entry(3, random_state=0)
    assert isinstance(penalty, Penalty)
    assert penalty.scale == entry.scale == SCALES[name] > 0
    assert penalty.gaussian_head == entry.gaussian_head
    assert penalty.stateful == entry.stateful == isinstance(entry, type)
    z = torch.randn(16, 3, generator=torch.Generator().manual_seed(0))
    logvar = torch.zeros_like(z) if penalty.gaussian_head else None
    total = WeightedSum([(0.5, penalty)])(z, z, logvar, generator=torch.Generator()
                                          .manual_seed(1))
    alone = penalty(z, logvar=logvar, generator=torch.Generator().manual_seed(1)) \
        if penalty.gaussian_head else penalty(z, generator=torch.Generator().manual_seed(1))
    torch.testing.assert_close(total, 0.5 * entry.scale * alone)


def test_resolution_is_plain_data_and_checks_options():
    terms = resolve({"mmd": 1.0, "adversarial": 0.5},
                    {"mmd": {"kernel": "rbf"}}, REGULARIZERS)
    assert [(t[0], t[2], t[3]) for t in terms] == [
        ("mmd", 1.0, {"kernel": "rbf"}), ("adversarial", 0.5, {})]
    assert not any(isinstance(part, torch.nn.Module) for t in terms for part in t)
    penalty = build(terms, 2, seed=0)
    assert len(penalty.stateful) == 1 and len(penalty.terms) == 2
    with pytest.raises(ValueError, match="no option 'bogus'"):
        resolve("mmd", {"bogus": 1}, REGULARIZERS)
    with pytest.raises(ValueError, match="random_state"):
        resolve("adversarial", {"random_state": 3}, REGULARIZERS)


def test_adversarial_optimizer_state_round_trips():
    """Adam's moments travel in the state dict: a copy loaded from it makes the
    same next discriminator step as the original."""
    g = torch.Generator().manual_seed(0)
    penalty = AdversarialPenalty(D, random_state=0)
    for _ in range(3):
        penalty.discriminator_step(torch.randn(32, D, generator=g), generator=g)
    state = penalty.state_dict()
    assert float(state["optimizer.0.step"]) == 3.0
    copy = AdversarialPenalty(D, random_state=1)
    copy.load_state_dict(state)
    z = torch.randn(32, D, generator=g)
    penalty.discriminator_step(z, generator=torch.Generator().manual_seed(5))
    copy.discriminator_step(z, generator=torch.Generator().manual_seed(5))
    for a, b in zip(penalty.parameters(), copy.parameters(), strict=True):
        torch.testing.assert_close(a, b, rtol=0, atol=0)
    fresh = AdversarialPenalty(D, random_state=0).state_dict()
    assert float(fresh["optimizer.0.step"]) == 0.0 and fresh.keys() == state.keys()


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
@pytest.mark.parametrize("name", NAMES)
def test_finite_scalar_with_gradient(name, dtype):
    g = torch.Generator().manual_seed(0)
    z = sample("shift", 64, D, g, dtype).requires_grad_()
    value = penalty_for(name, dtype=dtype)(z, generator=g)
    assert value.ndim == 0 and value.dtype == dtype and torch.isfinite(value)
    value.backward()
    assert z.grad is not None and torch.isfinite(z.grad).all()
    if name != "none":
        assert z.grad.abs().sum() > 0


@pytest.mark.parametrize("name", NAMES)
def test_same_seed_same_value(name):
    z = sample("uniform", 64, D, torch.Generator().manual_seed(1))
    values = []
    for _ in range(2):
        g = torch.Generator().manual_seed(7)
        penalty = penalty_for(name)
        if name == "adversarial":
            values.append(penalty.discriminator_step(z, generator=g))
        values.append(float(penalty(z, generator=g)))
    assert values[: len(values) // 2] == values[len(values) // 2 :]


@pytest.mark.parametrize("name", NAMES)
def test_leaves_global_rng_alone(name):
    z = sample("gauss", 32, D, torch.Generator().manual_seed(2))
    state = torch.get_rng_state()
    penalty = penalty_for(name)
    if name == "adversarial":
        penalty.discriminator_step(z, generator=torch.Generator().manual_seed(0))
    penalty(z, generator=torch.Generator().manual_seed(0))
    assert torch.equal(state, torch.get_rng_state())


@pytest.mark.parametrize("name", NAMES)
def test_batch_of_two_works_and_one_is_rejected(name):
    g = torch.Generator().manual_seed(3)
    penalty = penalty_for(name)
    assert torch.isfinite(penalty(sample("gauss", 2, D, g), generator=g))
    with pytest.raises(ValueError, match="n >= 2"):
        penalty(sample("gauss", 1, D, g), generator=g)
    with pytest.raises(ValueError, match="2-D"):
        penalty(torch.zeros(5, dtype=torch.float64), generator=g)


@functools.cache
def null_values(name: str) -> np.ndarray:
    return np.array([value_on(name, "gauss", seed) for seed in range(100, 104)])


@pytest.mark.parametrize("name", [n for n in NAMES if n != "none"])
def test_near_minimum_on_gaussian(name):
    """On N(0, I) batches of 1024 the scaled penalty is within 0.05 of its
    population minimum (the scale making a moderate departure count ~1)."""
    gap = SCALES[name] * abs(null_values(name).mean() - POPULATION_MINIMUM[name])
    assert gap < 0.05


KL_BLIND = pytest.mark.xfail(
    strict=True,
    reason="kl sees the means only through sum ||mu_i||^2: a unit-variance "
    "law of any shape scores as N(0, I) (measured increments ~1e-2 of the "
    "null spread)",
)


def _departure_params():
    for name in NAMES:
        if name == "none":
            continue
        for case in ("shift", "scale", "uniform", "mixture"):
            marks = [KL_BLIND] if name == "kl" and case == "uniform" else []
            yield pytest.param(name, case, marks=marks, id=f"{name}-{case}")


@pytest.mark.parametrize(("name", "case"), list(_departure_params()))
def test_clearly_larger_on_departures(name, case):
    """Each departure exceeds the N(0, I) values by more than 4 of their standard
    deviations (over 4 seeds) and by at least 0.005 after scaling. The weakest
    case, the uniform cube, measured 6-18 sd and 0.013-0.1 scaled for the kernel
    and sliced penalties."""
    null = null_values(name)
    departure = value_on(name, case, seed=200)
    assert departure - null.mean() > 4 * null.std()
    assert SCALES[name] * (departure - null.mean()) > 0.005


def test_none_is_zero_with_gradient():
    z = torch.randn(8, 3, requires_grad=True)
    value = REGULARIZERS["none"](3)(z)
    value.backward()
    assert value.item() == 0.0 and torch.equal(z.grad, torch.zeros_like(z))


# ------------------------------------------------------------------- documented scales


def reference_increment(name: str, seeds: range = range(3)) -> float:
    """Mean of v(N(0.5 * 1, I)) - v(N(0, I)) at n = 256, d = 8 (the SCALES rule)."""
    gaps = [
        value_on(name, "shift", seed, n=256, d=8) - value_on(name, "gauss", seed, n=256, d=8)
        for seed in seeds
    ]
    return float(np.mean(gaps))


@pytest.mark.parametrize("name", [n for n in NAMES if n not in ("none", "adversarial")])
def test_scales_normalise_the_reference_departure(name):
    assert 0.7 < SCALES[name] * reference_increment(name) < 1.4


# ----------------------------------------------------------------------- functional fits


def fit_points(name: str, steps: int, lr: float, n: int = 512, d: int = D, **options):
    """Adam on free points (or a Gaussian head's means and log-variances) from a
    unit-variance cube shifted by +0.5, with the penalty alone; returns draws."""
    g = torch.Generator().manual_seed(0)
    start = (torch.rand(n, d, generator=g) * 2 - 1) * math.sqrt(3) + 0.5
    z = start.clone().requires_grad_()
    logvar = torch.full_like(start, -2.0).requires_grad_()
    params = [z, logvar] if name == "kl" else [z]
    penalty = REGULARIZERS[name](d, random_state=0, **options)
    optimizer = torch.optim.Adam(params, lr=lr)
    for _ in range(steps):
        if penalty.gaussian_head:
            loss = penalty(z, logvar=logvar, generator=g)
        elif penalty.stateful:
            penalty.discriminator_step(z, generator=g)
            loss = penalty(z, generator=g)
        else:
            loss = penalty(z, generator=g)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    out = z.detach()
    if name == "kl":  # the codes of a VAE are the reparameterised draws
        out = out + (logvar.detach() / 2).exp() * torch.randn(out.shape, generator=g)
    return out.double().numpy()


def gaussianity(x: np.ndarray) -> tuple[float, float, float]:
    """max |mean|, spectral norm of cov - I, KS p-value of the radii vs chi2_d."""
    d = x.shape[1]
    cov_gap = np.linalg.norm(np.cov(x, rowvar=False) - np.eye(d), ord=2)
    pvalue = scipy.stats.kstest((x**2).sum(1), scipy.stats.chi2(d).cdf).pvalue
    return float(np.abs(x.mean(0)).max()), float(cov_gap), float(pvalue)


def assert_gaussian(x: np.ndarray) -> None:
    mean_gap, cov_gap, pvalue = gaussianity(x)
    assert mean_gap < 0.15, f"|mean| = {mean_gap:.3f}"
    assert cov_gap < 0.3, f"||cov - I||_2 = {cov_gap:.3f}"
    assert pvalue > 0.01, f"radii KS p = {pvalue:.3g}"


ADVERSARIAL_FAILS = pytest.mark.xfail(
    strict=True,
    reason="WAE-GAN does not settle when the points move faster than the "
    "discriminator learns: one discriminator step (Adam lr 1e-3) per point step "
    "ends at |mean| 0.16, ||cov - I||_2 1.24 after 1000 steps at lr 0.03 (150 fast "
    "steps: 1.6, 2.25); discriminator lr 1e-2 gives 0.05, 0.33 (KS p 0.009); "
    "points at lr 0.003 pass (0.007, 0.039, KS p 0.66)",
)
CRAMER_WOLD_TAILS = pytest.mark.xfail(
    strict=True,
    reason="exact Cramer-Wold reaches |mean| 0.0005 and ||cov - I||_2 0.030 but "
    "light radial tails: radii KS p 0.0044 (var of ||z||^2 5.8 vs 8, "
    "95% quantile 7.9 vs 9.5)",
)


def _fit_params(full: bool):
    for name in NAMES:
        if name == "none":
            continue
        marks = {"adversarial": [ADVERSARIAL_FAILS]}.get(name, [])
        if full and name == "cramer_wold":
            marks = [CRAMER_WOLD_TAILS]
        yield pytest.param(name, marks=marks, id=name)


@pytest.mark.slow
@pytest.mark.parametrize("name", list(_fit_params(full=True)))
def test_fit_free_points_full(name):
    """The issue's protocol: 512 points, d = 4, Adam lr 0.03, 1000 steps."""
    assert_gaussian(fit_points(name, steps=1000, lr=0.03))


@pytest.mark.parametrize("name", list(_fit_params(full=False)))
def test_fit_free_points_fast(name):
    """A cheap variant of the protocol: 256 points, Adam lr 0.1, 150 steps."""
    assert_gaussian(fit_points(name, steps=150, lr=0.1, n=256))


@pytest.mark.slow
def test_cramer_wold_approximate_phi_misses_at_d4_full():
    """The paper's approximate phi_d has a minimiser off N(0, I) at d = 4."""
    x = fit_points("cramer_wold", steps=1000, lr=0.03, phi="approx")
    assert gaussianity(x)[1] > 0.5  # measured 0.98 (exact phi: 0.030)


def test_cramer_wold_approximate_phi_misses_at_d4_fast():
    x = fit_points("cramer_wold", steps=150, lr=0.1, n=256, phi="approx")
    assert gaussianity(x)[1] > 0.5  # measured 0.82 (exact phi: 0.079)


# -------------------------------------------------------------------- reference values


S_GRID = np.concatenate([[0.0], np.logspace(-6, 4, 400)])


@pytest.mark.parametrize("d", list(range(1, 65)) + [100, 256])
def test_phi_d_matches_scipy_hyp1f1(d):
    s = torch.tensor(S_GRID, requires_grad=True)
    value = phi_d(s, d)
    value.sum().backward()
    ref = scipy.special.hyp1f1(0.5, d / 2, -S_GRID)
    dref = -scipy.special.hyp1f1(1.5, d / 2 + 1, -S_GRID) / d
    keep = ref > 1e-300  # scipy underflows to 0 for d = 1, s > 745
    np.testing.assert_allclose(value.detach().numpy()[keep], ref[keep], rtol=1e-10)
    keep = np.abs(dref) > 1e-300
    np.testing.assert_allclose(s.grad.numpy()[keep], dref[keep], rtol=1e-9)
    value32 = phi_d(torch.tensor(S_GRID, dtype=torch.float32), d).double().numpy()
    keep = ref > 1e-30
    np.testing.assert_allclose(value32[keep], ref[keep], rtol=2e-5)


def test_hyp1f1_neg_second_derivative_and_validation():
    s = torch.tensor([0.05, 0.7, 12.0, 80.0], dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradgradcheck(lambda t: hyp1f1_neg(t, 0.5, 3.5), (s,))
    with pytest.raises(ValueError):
        hyp1f1_neg(s, 2.0, 1.0)
    with pytest.raises(ValueError):
        phi_d(s, 0)


def _cw_reference(z: np.ndarray, phi) -> float:
    """Direct double loop over the CWAE formula with a given phi_d."""
    n, d = z.shape
    gamma = (4 / (3 * n)) ** 0.4
    within = sum(
        phi(np.sum((z[i] - z[j]) ** 2) / (4 * gamma), d) for i in range(n) for j in range(n)
    ) / (n * n * math.sqrt(gamma))
    radial = sum(phi(np.sum(z[i] ** 2) / (2 + 4 * gamma), d) for i in range(n)) / n
    return within + 1 / math.sqrt(1 + gamma) - 2 * radial / math.sqrt(gamma + 0.5)


@pytest.mark.parametrize("d", [8, 16, 64])
def test_cramer_wold_approx_matches_the_reference_formula(d):
    """phi="approx" is CWAE's published formula with K = 1/(2d - 3)."""
    z = sample("shift", 20, d, torch.Generator().manual_seed(d)).numpy()
    n, gamma, k = len(z), (4 / (3 * len(z))) ** 0.4, 1 / (2 * d - 3)
    sq = ((z[:, None] - z[None]) ** 2).sum(-1)
    expected = (
        ((gamma + k * sq).astype(float) ** -0.5).mean()
        + 1 / math.sqrt(1 + gamma)
        - 2 / n * ((gamma + 0.5 + k * (z**2).sum(1)) ** -0.5).sum()
    )
    got = cramer_wold(torch.from_numpy(z), phi="approx")
    assert float(got) == pytest.approx(expected, rel=1e-12)
    approx = _cw_reference(z, lambda s, d: (1 + 4 * s / (2 * d - 3)) ** -0.5)
    assert float(got) == pytest.approx(approx, rel=1e-12)


@pytest.mark.parametrize("d", [1, 2, 3, 4, 5, 8, 16])
def test_cramer_wold_exact_matches_hyp1f1_double_loop(d):
    z = sample("uniform", 12, d, torch.Generator().manual_seed(d)).numpy()
    expected = _cw_reference(z, lambda s, d: scipy.special.hyp1f1(0.5, d / 2, -s))
    got = cramer_wold(torch.from_numpy(z))
    assert float(got) == pytest.approx(expected, rel=1e-10)
    assert float(cramer_wold(torch.from_numpy(z), log=True)) == pytest.approx(
        math.log(expected), rel=1e-10
    )


@pytest.mark.parametrize(("kernel", "options"), [("imq", {}), ("rbf", {"bandwidth": 1.3})])
def test_mmd_matches_double_loop(kernel, options):
    n, d = 7, 3
    z = sample("uniform", n, d, torch.Generator().manual_seed(5))
    got = mmd(z, generator=torch.Generator().manual_seed(11), kernel=kernel, **options)
    p = torch.randn(n, d, generator=torch.Generator().manual_seed(11), dtype=z.dtype)
    z, p = z.numpy(), p.numpy()

    def k(a, b):
        sq = float(np.sum((a - b) ** 2))
        if kernel == "rbf":
            return math.exp(-sq / (2 * options["bandwidth"] ** 2))
        return sum(2 * d * s / (2 * d * s + sq) for s in (0.1, 0.2, 0.5, 1, 2, 5, 10))

    zz = sum(k(z[i], z[j]) for i in range(n) for j in range(n) if i != j)
    pp = sum(k(p[i], p[j]) for i in range(n) for j in range(n) if i != j)
    zp = sum(k(z[i], p[j]) for i in range(n) for j in range(n))
    expected = (zz + pp) / (n * (n - 1)) - 2 * zp / n**2
    assert float(got) == pytest.approx(expected, rel=1e-10)


@pytest.mark.parametrize("block", [7, 64, 333])
@pytest.mark.parametrize(("name", "options"), [
    ("mmd", {}), ("mmd", {"kernel": "rbf"}), ("bhep", {}), ("cramer_wold", {}),
    ("cramer_wold", {"phi": "approx"}),
])
def test_pair_sums_in_blocks_equal_one_matrix(name, options, block, monkeypatch):
    # above PAIR_WHOLE pairs the O(n^2) penalties sum blocks of rows with
    # checkpointing: same value and gradient as the whole matrix at once
    import skgauss.regularizers._base as base

    z0 = sample("uniform", 50, 4, torch.Generator().manual_seed(3))

    def value_and_grad():
        z = z0.clone().requires_grad_()
        penalty = REGULARIZERS[name](4, **options)
        value = penalty(z, generator=torch.Generator().manual_seed(1))
        value.backward()
        return value.detach(), z.grad

    whole = value_and_grad()
    monkeypatch.setattr(base, "PAIR_WHOLE", block)
    monkeypatch.setattr(base, "PAIR_BLOCK", block)
    blocked = value_and_grad()
    torch.testing.assert_close(blocked[0], whole[0], rtol=1e-12, atol=1e-14)
    torch.testing.assert_close(blocked[1], whole[1], rtol=1e-10, atol=1e-12)


def test_pair_sum_diagonal_is_exactly_zero_distance(monkeypatch):
    import skgauss.regularizers._base as base

    z = torch.randn(9, 3, dtype=torch.float64) * 1e3  # large norms: rounding on i == i
    for block in (base.PAIR_WHOLE, 10):
        monkeypatch.setattr(base, "PAIR_WHOLE", block)
        monkeypatch.setattr(base, "PAIR_BLOCK", block)
        assert float(base.pair_sum(lambda sq: (sq == 0).double(), z)) == 9.0
        assert float(base.pair_sum(lambda sq: torch.ones_like(sq), z, diagonal=False)) == 72.0


def test_bhep_matches_monte_carlo():
    """Closed form = E k(Z, Z') - 2 mean_i E k(z_i, Z) + mean_ij k(z_i, z_j), by MC."""
    n, d, beta = 10, 3, 0.8
    g = torch.Generator().manual_seed(4)
    z = sample("shift", n, d, g)
    prior = torch.randn(400_000, d, generator=g, dtype=z.dtype)

    def k(a, b):
        return torch.exp(-(beta**2) / 2 * ((a - b) ** 2).sum(-1))

    zz = k(z[:, None], z[None]).mean()
    zp = torch.stack([k(zi, prior).mean() for zi in z]).mean()
    pp = k(prior[::2], prior[1::2]).mean()
    expected = float(zz - 2 * zp + pp)
    got = float(bhep(z, bandwidth=beta))
    assert got == pytest.approx(expected, abs=2e-3)
    assert got > 0.02  # the tolerance is meaningful


def test_edf_weights_methods_and_pairs():
    g = torch.Generator().manual_seed(6)
    z = sample("uniform", 50, D, g)
    parts = {s: float(edf(z, statistics=(s,))) for s in ("radii", "distances", "coordinates")}
    weighted = edf(z, statistics={"radii": 2.0, "coordinates": 0.5})
    assert float(weighted) == pytest.approx(2 * parts["radii"] + 0.5 * parts["coordinates"])
    assert float(edf(z)) == pytest.approx(sum(parts.values()))
    zg = z.clone().requires_grad_()
    edf(zg, method="cdf").backward()
    assert torch.isfinite(zg.grad).all() and zg.grad.abs().sum() > 0
    sub = [
        float(edf(z, max_pairs=100, generator=torch.Generator().manual_seed(0))) for _ in range(2)
    ]
    assert sub[0] == sub[1]
    with pytest.raises(ValueError, match="statistics"):
        edf(z, statistics=("angles",))
    with pytest.raises(ValueError, match="method"):
        edf(z, method="ks")


def test_edf_quantile_targets_are_exact():
    """On the exact quantiles themselves the radial term vanishes."""
    m, d = 200, 5
    radii = np.sqrt(scipy.stats.chi2.ppf((np.arange(m) + 0.5) / m, d))
    directions = torch.randn(m, d, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    z = directions / directions.norm(dim=1, keepdim=True) * torch.from_numpy(radii)[:, None]
    assert float(edf(z, statistics=("radii",))) < 1e-20
    assert float(edf(z, statistics=("radii",), method="cdf")) < 1e-20


def test_option_validation():
    z = torch.randn(8, 3)
    with pytest.raises(ValueError, match="kernel"):
        mmd(z, kernel="laplace")
    with pytest.raises(ValueError, match="phi"):
        cramer_wold(z, phi="series")
    with pytest.raises(ValueError, match="d >= 2"):
        cramer_wold(torch.randn(8, 1), phi="approx")
    with pytest.raises(ValueError, match="target"):
        REGULARIZERS["sliced_wasserstein"](3, target="uniform")(z)
    with pytest.raises(ValueError, match="logvar"):
        REGULARIZERS["kl"](3)(z, logvar=torch.zeros(8, 2))


# ------------------------------------------------------------------------- adversarial


def test_adversarial_keeps_discriminator_out_of_the_encoder_step():
    penalty = AdversarialPenalty(D, random_state=0)
    twin = AdversarialPenalty(D, random_state=0)
    for a, b in zip(penalty.parameters(), twin.parameters(), strict=True):
        assert torch.equal(a, b)
    z = torch.randn(32, D, requires_grad=True)
    penalty(z).backward()
    assert z.grad.abs().sum() > 0
    assert all(p.grad is None for p in penalty.parameters())
    before = [p.detach().clone() for p in penalty.parameters()]
    loss = penalty.discriminator_step(z, generator=torch.Generator().manual_seed(0))
    assert isinstance(loss, float) and math.isfinite(loss)
    assert any(not torch.equal(a, b) for a, b in zip(before, penalty.parameters(), strict=True))
    assert z.grad.abs().sum() > 0  # discriminator step leaves the codes' gradient alone
