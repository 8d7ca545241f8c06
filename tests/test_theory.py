"""Closed-form queueing results against textbook values."""

import math

import pytest

from tfsim.theory import (
    erlang_b,
    erlang_c,
    mmc_mean_queue_length,
    mmc_mean_wait,
    steady_state_vacancy_share,
)


def naive_erlang_c(a: float, c: int) -> float:
    """Textbook formula with factorials in log space (fine for moderate c)."""
    top = math.exp(c * math.log(a) - math.lgamma(c + 1)) * c / (c - a)
    bottom = sum(math.exp(k * math.log(a) - math.lgamma(k + 1)) for k in range(c)) + top
    return top / bottom


def test_erlang_c_textbook_a2_c3():
    # a = 2 Erlangs on 3 servers: C = (8/6 * 3) / (1 + 2 + 2 + 4) = 4/9
    assert erlang_c(2.0, 1.0, 3) == pytest.approx(4 / 9, rel=1e-12)
    # units cancel: the same queue with rates per month instead of per day
    assert erlang_c(60.0, 30.0, 3) == pytest.approx(4 / 9, rel=1e-12)


def test_erlang_c_textbook_mm2():
    # lambda = mu = 1 on 2 servers: C = 1/3 and Wq = C / (2 - 1) = 1/3
    assert erlang_c(1.0, 1.0, 2) == pytest.approx(1 / 3, rel=1e-12)
    assert mmc_mean_wait(1.0, 1.0, 2) == pytest.approx(1 / 3, rel=1e-12)


def test_erlang_b_small_values():
    assert erlang_b(1.0, 1) == pytest.approx(0.5)
    assert erlang_b(2.0, 3) == pytest.approx(4 / 19)
    assert erlang_b(0.0, 4) == 0.0


@pytest.mark.parametrize("lam, mu", [(0.5, 1.0), (9.0, 10.0), (0.1, 3.0)])
def test_mm1_reduces_to_rho(lam, mu):
    rho = lam / mu
    assert erlang_c(lam, mu, 1) == pytest.approx(rho, rel=1e-12)
    assert mmc_mean_wait(lam, mu, 1) == pytest.approx(rho / (mu - lam), rel=1e-12)
    assert mmc_mean_queue_length(lam, mu, 1) == pytest.approx(rho**2 / (1 - rho), rel=1e-12)


@pytest.mark.parametrize("a, c", [(2.0, 3), (4.5, 5), (45.0, 50), (120.0, 130)])
def test_erlang_c_matches_factorial_formula(a, c):
    assert erlang_c(a, 1.0, c) == pytest.approx(naive_erlang_c(a, c), rel=1e-9)


def test_erlang_c_stable_for_many_servers():
    # a^c and c! overflow a float long before c = 2000; the recursion does not
    p = erlang_c(1900.0, 1.0, 2000)
    assert 0.0 < p < 1.0
    assert math.isfinite(mmc_mean_wait(1900.0, 1.0, 2000))


def test_littles_law_and_monotonicity():
    lam, mu, c = 45.0, 1.0, 50
    assert mmc_mean_queue_length(lam, mu, c) == pytest.approx(lam * mmc_mean_wait(lam, mu, c), rel=1e-12)
    # more servers for the same load: less waiting
    assert erlang_c(lam, mu, 51) < erlang_c(lam, mu, 50)
    assert erlang_c(0.0, mu, c) == 0.0
    assert mmc_mean_wait(0.0, mu, c) == 0.0


def test_vacancy_share():
    # 20 % turnover a year, 3 months to fill: 0.05 / 1.05
    assert steady_state_vacancy_share(0.2, 0.25) == pytest.approx(0.05 / 1.05, rel=1e-12)
    assert steady_state_vacancy_share(0.0, 0.5) == 0.0
    assert steady_state_vacancy_share(1.0, 1.0) == pytest.approx(0.5)


@pytest.mark.parametrize(
    "args",
    [
        (3.0, 1.0, 3),  # utilisation exactly 1
        (4.0, 1.0, 3),  # overloaded
        (1.0, 0.0, 3),  # no service
        (-1.0, 1.0, 3),
        (1.0, -1.0, 3),
        (1.0, 1.0, 0),
        (1.0, 1.0, 2.5),  # servers must be whole
        (1.0, 1.0, True),
        (float("nan"), 1.0, 3),
        (1.0, float("inf"), 3),
        ("1", 1.0, 3),
    ],
)
def test_bad_queue_input_raises(args):
    for fn in (erlang_c, mmc_mean_wait, mmc_mean_queue_length):
        with pytest.raises(ValueError):
            fn(*args)


@pytest.mark.parametrize("args", [(-0.1, 0.5), (0.1, -0.5), (float("nan"), 0.5), (0.1, float("inf")), (None, 0.5)])
def test_bad_vacancy_input_raises(args):
    with pytest.raises(ValueError):
        steady_state_vacancy_share(*args)
