"""Distributions: moments agree with large samples, words describe them, draws are unchanged,
and the quantile (inverse CDF) inverts the CDF."""

from __future__ import annotations

import math

import numpy as np
import pytest
from pydantic import TypeAdapter, ValidationError
from scipy import stats

from tfsim.model.random import Streams, block_function
from tfsim.scenario import DISTRIBUTION_KINDS
from tfsim.scenario.reference import scenario_reference
from tfsim.scenario.schema import (
    DAYS_PER_MONTH,
    Distribution,
    Empirical,
    Exponential,
    Fixed,
    Gamma,
    LogNormal,
    Triangular,
    Uniform,
)

EXAMPLES = [
    Fixed(value=3),
    Exponential(mean=4),
    Uniform(low=10, high=14),
    Triangular(low=6, mode=12, high=18),
    Triangular(low=0, mode=0, high=5),
    LogNormal(mean=12, sd=3),
    Gamma(mean=2, sd=3),
    Empirical(values=[1, 2, 3], weights=[0.3, 0.55, 0.15]),
    Empirical(values=[0.5, 7]),
]

N = 400_000


def old_block_function(dist, gen, scale=1.0):
    """The block function as it was before the distributions knew how to draw (frozen copy)."""
    if isinstance(dist, Fixed):
        value = dist.value * scale
        return lambda n: np.full(n, value)
    if isinstance(dist, Exponential):
        mean = dist.mean * scale
        return lambda n: gen.exponential(mean, n)
    if isinstance(dist, Uniform):
        low, high = dist.low * scale, dist.high * scale
        return lambda n: gen.uniform(low, high, n)
    if isinstance(dist, Triangular):
        low, mode, high = dist.low * scale, dist.mode * scale, dist.high * scale
        return lambda n: gen.triangular(low, mode, high, n)
    if isinstance(dist, LogNormal):
        sigma2 = math.log(1.0 + (dist.sd / dist.mean) ** 2)
        mu = math.log(dist.mean * scale) - sigma2 / 2
        sigma = math.sqrt(sigma2)
        return lambda n: gen.lognormal(mu, sigma, n)
    if isinstance(dist, Gamma):
        shape = (dist.mean / dist.sd) ** 2
        theta = dist.sd**2 / dist.mean * scale
        return lambda n: gen.gamma(shape, theta, n)
    if isinstance(dist, Empirical):
        values = np.asarray(dist.values, dtype=float) * scale
        weights = np.asarray(dist.weights if dist.weights is not None else [1.0] * len(values), dtype=float)
        p = weights / weights.sum()
        return lambda n: gen.choice(values, size=n, p=p)
    raise TypeError(dist)


def generator(seed: int = 20140702) -> np.random.Generator:
    return np.random.Generator(np.random.PCG64(seed))


def test_every_kind_is_registered_once_with_a_label():
    assert list(DISTRIBUTION_KINDS) == ["fixed", "exponential", "uniform", "triangular", "lognormal", "gamma",
                                        "empirical"]
    assert {type(d) for d in EXAMPLES} == set(DISTRIBUTION_KINDS.values())
    for kind, cls in DISTRIBUTION_KINDS.items():
        assert cls.model_fields["distribution"].default == kind
        assert cls.label and cls.label != kind
        assert "label" not in cls.model_fields  # a class attribute, not a key of the file
    # the schema's Distribution type accepts exactly the registered kinds
    adapter = TypeAdapter(Distribution)
    for kind, cls in DISTRIBUTION_KINDS.items():
        example = next(d for d in EXAMPLES if type(d) is cls)
        assert type(adapter.validate_python(example.model_dump())) is cls
    assert adapter.validate_python(2.5) == Fixed(value=2.5)
    with pytest.raises(ValidationError):
        adapter.validate_python({"distribution": "weibull", "shape": 2})


@pytest.mark.parametrize("dist", EXAMPLES, ids=lambda d: d.describe())
@pytest.mark.parametrize("scale", [1.0, DAYS_PER_MONTH])
def test_large_sample_agrees_with_expected_value_and_standard_deviation(dist, scale):
    x = dist.block_function(generator(), scale)(N)
    mean, sd = dist.expected_value() * scale, dist.standard_deviation() * scale
    if sd == 0:
        assert np.all(x == mean)
        return
    # standard errors of the sample mean and of the sample variance (from the fourth moment)
    se_mean = sd / math.sqrt(N)
    m4 = np.mean((x - x.mean()) ** 4)
    se_var = math.sqrt(max(m4 - x.var() ** 2, 0.0) / N)
    assert abs(x.mean() - mean) < 4 * se_mean
    assert abs(x.var(ddof=1) - sd**2) < 4 * se_var


def test_moments_by_hand():
    assert Triangular(low=6, mode=12, high=18).standard_deviation() == pytest.approx(math.sqrt(6))
    assert Uniform(low=10, high=14).standard_deviation() == pytest.approx(4 / math.sqrt(12))
    assert Empirical(values=[1, 3]).expected_value() == 2
    assert Empirical(values=[1, 3]).standard_deviation() == 1
    assert Empirical(values=[1, 2, 3], weights=[0.3, 0.55, 0.15]).expected_value() == pytest.approx(1.85)
    assert Exponential(mean=4).standard_deviation() == 4
    assert Fixed(value=3).standard_deviation() == 0


@pytest.mark.parametrize(("dist", "unit", "text"), [
    (Fixed(value=3), "months", "always 3 months"),
    (Fixed(value=1), "months", "always 1 month"),
    (Exponential(mean=4), "months", "exponential with mean 4 months"),
    (Exponential(mean=0.5), "", "exponential with mean 0.5"),
    (Uniform(low=10, high=14), "weeks", "uniform from 10 to 14 weeks"),
    (Triangular(low=6, mode=12, high=18), "months", "triangular from 6 to 18 months, most likely 12"),
    (LogNormal(mean=12, sd=3), "months", "log-normal with mean 12 months and standard deviation 3"),
    (Gamma(mean=2.5, sd=1), "days", "gamma with mean 2.5 days and standard deviation 1"),
    (Empirical(values=[1, 2, 3], weights=[0.3, 0.55, 0.15]), "", "one of 1, 2 or 3 with weights 0.3, 0.55, 0.15"),
    (Empirical(values=[3, 6]), "months", "one of 3 or 6 months, equally likely"),
    (Empirical(values=[4]), "weeks", "always 4 weeks"),
    (Empirical(values=list(range(1, 21))), "days", "one of 20 values from 1 to 20 days, mean 10.5"),
    (Fixed(value=12000), "", "always 12,000"),
])
def test_describe(dist, unit, text):
    assert dist.describe(unit) == text


@pytest.mark.parametrize("dist", EXAMPLES, ids=lambda d: d.describe())
@pytest.mark.parametrize("scale", [1.0, DAYS_PER_MONTH, 7.0])
def test_draws_are_bit_identical_to_the_old_formulas(dist, scale):
    new, old = block_function(dist, generator(7), scale), old_block_function(dist, generator(7), scale)
    for n in (2048, 2048, 5):  # successive blocks keep drawing from the same stream
        a, b = new(n), old(n)
        assert a.dtype == b.dtype and np.array_equal(a, b)


def test_a_stream_depends_on_its_name_not_on_the_order_streams_are_made():
    a, b = Streams(np.random.SeedSequence(3)), Streams(np.random.SeedSequence(3))
    first = a.generator("referrals").random(5)
    b.generator("family_level").random(7)  # another stream made and used first
    assert np.array_equal(b.generator("referrals").random(5), first)
    assert not np.array_equal(a.generator("family_level").random(5), first)


def test_distributions_are_frozen():
    dist = Exponential(mean=4)
    with pytest.raises(ValidationError):
        dist.mean = 5
    assert dist.mean == 4


def test_reference_lists_each_kind_with_its_label_and_describes_defaults():
    doc = scenario_reference()
    for kind, cls in DISTRIBUTION_KINDS.items():
        assert f"| `{kind}` |" in doc and f"| {cls.label} |" in doc
    row = next(line for line in doc.splitlines() if line.startswith("| `duration_months`"))
    assert "triangular from 6 to 18 months, most likely 12" in row


# ---- quantile (inverse CDF) and cdf ------------------------------------------------------------

GRID = (np.arange(20_000) + 0.5) / 20_000  # probabilities strictly inside (0, 1)


def scipy_reference(dist, scale):
    """The same distribution as a scipy.stats frozen distribution (an independent implementation)."""
    if isinstance(dist, Exponential):
        return stats.expon(scale=dist.mean * scale)
    if isinstance(dist, Uniform):
        return stats.uniform(loc=dist.low * scale, scale=(dist.high - dist.low) * scale)
    if isinstance(dist, Triangular):
        width = dist.high - dist.low
        return stats.triang((dist.mode - dist.low) / width, loc=dist.low * scale, scale=width * scale)
    if isinstance(dist, LogNormal):
        sigma = math.sqrt(math.log(1 + (dist.sd / dist.mean) ** 2))
        return stats.lognorm(sigma, scale=dist.mean * scale * math.exp(-sigma**2 / 2))
    if isinstance(dist, Gamma):
        shape = (dist.mean / dist.sd) ** 2
        return stats.gamma(shape, scale=dist.sd**2 / dist.mean * scale)
    return None  # fixed and empirical: discrete, checked separately


@pytest.mark.parametrize("dist", EXAMPLES, ids=lambda d: d.describe())
@pytest.mark.parametrize("scale", [1.0, DAYS_PER_MONTH])
def test_quantile_inverts_the_cdf(dist, scale):
    q = dist.quantile(GRID, scale)
    assert q.shape == GRID.shape and np.all(np.diff(q) >= 0)  # never falls as u rises
    reference = scipy_reference(dist, scale)
    if reference is not None:  # continuous: F(Q(u)) = u, and Q agrees with scipy's ppf
        assert np.allclose(dist.cdf(q, scale), GRID, atol=1e-9)
        assert np.allclose(q, reference.ppf(GRID), rtol=1e-7, atol=1e-9)
        assert np.allclose(dist.cdf(q, scale), reference.cdf(q), atol=1e-9)
    else:  # discrete: Q(u) is the smallest value with F(Q(u)) > u
        f = dist.cdf(q, scale)
        assert np.all(f >= GRID)
        values = np.unique(q)
        below = dist.cdf(values - 1e-9 * max(1.0, scale), scale)
        for v, b in zip(values, below):
            assert np.all(GRID[q == v] >= b - 1e-12)


@pytest.mark.parametrize("dist", EXAMPLES, ids=lambda d: d.describe())
def test_sampling_through_the_quantile_has_the_right_mean_and_spread(dist):
    u = generator(11).random(N)
    x = dist.quantile(u, DAYS_PER_MONTH)
    mean, sd = dist.expected_value() * DAYS_PER_MONTH, dist.standard_deviation() * DAYS_PER_MONTH
    if sd == 0:
        assert np.all(x == mean)
        return
    assert abs(x.mean() - mean) < 4 * sd / math.sqrt(N)
    assert x.std() == pytest.approx(sd, rel=0.02)


@pytest.mark.parametrize("dist", EXAMPLES, ids=lambda d: d.describe())
def test_quantile_of_a_number_is_a_number_and_agrees_with_the_array(dist):
    for u in (0.0, 0.3, 0.999):
        value = dist.quantile(u, 7.0)
        assert isinstance(value, float)
        assert value == dist.quantile(np.array([u]), 7.0)[0]
        assert isinstance(dist.cdf(value, 7.0), float)


def test_quantile_by_hand():
    assert Exponential(mean=4).quantile(1 - math.exp(-1)) == pytest.approx(4)
    assert Uniform(low=10, high=14).quantile(0.25) == 11
    assert Triangular(low=6, mode=12, high=18).quantile(0.5) == pytest.approx(12)
    assert LogNormal(mean=12, sd=3).quantile(0.5) == pytest.approx(12 / math.sqrt(1 + (3 / 12) ** 2))
    assert Fixed(value=3).quantile(0.9, 2.0) == 6
    # values in any order, weight 0 never taken
    emp = Empirical(values=[3, 1, 2, 9], weights=[0.15, 0.3, 0.55, 0])
    assert [emp.quantile(u) for u in (0.0, 0.29, 0.31, 0.84, 0.86, 0.9999)] == [1, 1, 2, 2, 3, 3]


@pytest.mark.parametrize("seed", range(40))
def test_empirical_blocks_are_generator_choice_exactly(seed):
    rng = np.random.default_rng(1000 + seed)
    k = int(rng.integers(1, 10))
    values = [float(v) for v in rng.integers(0, 9, k)]
    weights = [float(w) for w in rng.random(k) * (rng.random(k) > 0.3)] if seed % 2 else None
    if weights is not None and sum(weights) == 0:
        weights[0] = 1.0
    dist = Empirical(values=values, weights=weights)
    n = int(rng.integers(1, 3000))
    ours = dist.block_function(np.random.default_rng(seed), 2.0)(n)
    w = np.asarray(weights if weights is not None else [1.0] * k)
    assert np.array_equal(ours, np.random.default_rng(seed).choice(np.asarray(values) * 2.0, size=n, p=w / w.sum()))
