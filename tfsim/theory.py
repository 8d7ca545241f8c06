"""Closed-form queueing and workforce results used to check the simulation.

Pure functions: no Qt, no matplotlib, no file I/O.  Rates may be in any time unit
(per day, per month, ...) as long as arrival and service rates use the same one;
times come back in the reciprocal of that unit.

The M/M/c results assume Poisson referrals at ``arrival_rate``, ``servers`` identical
caseload slots and exponential interventions at ``service_rate`` per slot, with a
first-come-first-served waiting list of unlimited length.
"""

from __future__ import annotations

import math
from numbers import Integral, Real

__all__ = [
    "erlang_b",
    "erlang_c",
    "mmc_mean_queue_length",
    "mmc_mean_wait",
    "steady_state_vacancy_share",
]


def _check_rate(name: str, value: float, allow_zero: bool) -> float:
    if isinstance(value, bool) or not isinstance(value, Real):
        raise ValueError(f"{name} must be a number, not {value!r}")
    value = float(value)
    if not math.isfinite(value) or value < 0 or (value == 0 and not allow_zero):
        bound = "non-negative" if allow_zero else "positive"
        raise ValueError(f"{name} must be finite and {bound}, got {value!r}")
    return value


def _check_servers(servers: int) -> int:
    if isinstance(servers, bool) or not isinstance(servers, Integral) or servers < 1:
        raise ValueError(f"servers must be a whole number >= 1, got {servers!r}")
    return int(servers)


def _offered_load(arrival_rate: float, service_rate: float, servers: int) -> tuple[float, int]:
    """Validate inputs; return the offered load a = lambda/mu (Erlangs) and c."""
    lam = _check_rate("arrival_rate", arrival_rate, allow_zero=True)
    mu = _check_rate("service_rate", service_rate, allow_zero=False)
    c = _check_servers(servers)
    a = lam / mu
    if a >= c:
        raise ValueError(
            f"unstable queue: utilisation {a / c:.4g} >= 1 "
            f"(arrival_rate {lam:g} >= servers {c} x service_rate {mu:g})"
        )
    return a, c


def erlang_b(offered_load: float, servers: int) -> float:
    """Erlang B: probability an arrival finds all servers busy in a loss system M/M/c/c.

    Parameters
    ----------
    offered_load : float
        Offered load a = arrival rate / service rate, in Erlangs (>= 0).
    servers : int
        Number of servers c (>= 1).

    Returns
    -------
    float
        Blocking probability, in [0, 1).

    Notes
    -----
    Uses the recursion B(0) = 1, B(k) = a B(k-1) / (k + a B(k-1)), which never forms
    a^c or c! and so stays accurate for hundreds of servers.
    """
    a = _check_rate("offered_load", offered_load, allow_zero=True)
    c = _check_servers(servers)
    b = 1.0
    for k in range(1, c + 1):
        b = a * b / (k + a * b)
    return b


def erlang_c(arrival_rate: float, service_rate: float, servers: int) -> float:
    """Erlang C: probability an arrival has to wait in an M/M/c queue.

    Parameters
    ----------
    arrival_rate : float
        Mean arrivals per unit time, lambda (>= 0).
    service_rate : float
        Mean completions per unit time of one busy server, mu (> 0), same time unit.
    servers : int
        Number of servers (caseload slots), c (>= 1).

    Returns
    -------
    float
        Probability of waiting, in [0, 1).

    Raises
    ------
    ValueError
        If an input is not a finite number in range, or the queue is unstable
        (utilisation lambda / (c mu) >= 1).

    Notes
    -----
    From Erlang B: C = c B / (c - a (1 - B)) with a = lambda / mu.
    """
    a, c = _offered_load(arrival_rate, service_rate, servers)
    b = erlang_b(a, c)
    return c * b / (c - a * (1.0 - b))


def mmc_mean_wait(arrival_rate: float, service_rate: float, servers: int) -> float:
    """Mean time in the queue before service, Wq, of an M/M/c queue.

    Parameters
    ----------
    arrival_rate, service_rate, servers
        As for :func:`erlang_c` (rates per unit time, same unit).

    Returns
    -------
    float
        Wq = C / (c mu - lambda), averaged over all arrivals (those who do not wait
        count as zero), in the time unit of the rates.

    Raises
    ------
    ValueError
        As for :func:`erlang_c`.
    """
    p_wait = erlang_c(arrival_rate, service_rate, servers)
    return p_wait / (servers * float(service_rate) - float(arrival_rate))


def mmc_mean_queue_length(arrival_rate: float, service_rate: float, servers: int) -> float:
    """Time-average number waiting (not yet in service), Lq, of an M/M/c queue.

    Parameters
    ----------
    arrival_rate, service_rate, servers
        As for :func:`erlang_c` (rates per unit time, same unit).

    Returns
    -------
    float
        Lq = lambda Wq (Little's law), in customers (families).

    Raises
    ------
    ValueError
        As for :func:`erlang_c`.
    """
    return float(arrival_rate) * mmc_mean_wait(arrival_rate, service_rate, servers)


def steady_state_vacancy_share(turnover_per_year: float, time_to_fill_years: float) -> float:
    """Long-run share of posts vacant when leavers are replaced after a fixed delay.

    Each filled post empties at rate r (turnover) and each vacancy takes T to fill,
    so a post is filled for 1/r and vacant for T on average per cycle.

    Parameters
    ----------
    turnover_per_year : float
        Leavers per filled post per year, r (>= 0), e.g. 0.15 for 15 % a year.
    time_to_fill_years : float
        Mean time to fill a vacancy, T (>= 0), in years.

    Returns
    -------
    float
        Vacancy share r T / (1 + r T), in [0, 1).

    Raises
    ------
    ValueError
        If an input is negative, infinite or not a number.
    """
    r = _check_rate("turnover_per_year", turnover_per_year, allow_zero=True)
    t = _check_rate("time_to_fill_years", time_to_fill_years, allow_zero=True)
    rt = r * t
    return rt / (1.0 + rt)
