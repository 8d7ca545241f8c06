"""A county as users run it: Kent Phase 2 through ``run_experiment`` against a bare SimPy county model.

**tfsim**: the bundled ``kent-phase2-threefold.toml`` (7,500 families referred over five
years, four roles, about 1,100 caseload slots, turnover, recruitment, payment by results),
``--replications`` replications (default 100) in this process, through
:func:`tfsim.experiment.run_experiment` exactly as ``tfsim run --jobs 1`` does (statistics
across replications included; no charts or files).

**bare SimPy**: the model a user might write by hand for the same county: Poisson
referrals at the same rate over the same five years, one ``simpy.Resource`` with as many
slots as the scenario's caseload caps give, one process per family (request, hold for a
lognormal intervention of the same mean and spread as the scenario's FIP, release), a
Bernoulli turned-around outcome, and the count turned around.  No workforce, refusal or
money: it does much less than tfsim, which makes the comparison strict.  Random draws come
in NumPy blocks so NumPy call overhead does not slow it down.

Run from the repository root::

    .venv/bin/python benchmarks/county.py                  # 100 replications of each, about half a minute
    .venv/bin/python benchmarks/county.py --replications 20

The replications are split into ``--rounds`` paired rounds (default 10): in each, both
models run the same number of replications, one after the other, the first alternating
from round to round, so a change in a shared machine's load falls on both.  The last line is
``ratio_vs_bare_simpy_county=X.XX``: the median over the rounds of tfsim's time over the bare
model's (lower is better; the target is 0.35 or less); the line before gives the ratio of
the totals and the range of the rounds' ratios.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import simpy

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # the checkout's tfsim, not an installed one

from tfsim.experiment import run_experiment  # noqa: E402
from tfsim.scenario import load_scenario  # noqa: E402
from tfsim.scenario.schema import DAYS_PER_MONTH  # noqa: E402

KENT = ROOT / "scenarios" / "kent-phase2-threefold.toml"
BLOCK = 4096


def county_size(scenario) -> dict:
    """What the bare model copies from the scenario: horizon, referral rate, slots, intervention length."""
    slots = sum(round(sum(role.in_post_fte) * role.caseload_cap_per_fte) for role in scenario.roles)
    fip = scenario.roles[0].duration_months
    return dict(
        horizon_days=scenario.horizon_days,
        per_day=scenario.referrals.rates[0].per_month / DAYS_PER_MONTH,
        slots=slots,
        mean_days=fip.expected_value() * DAYS_PER_MONTH,
        sd_days=fip.standard_deviation() * DAYS_PER_MONTH,
        turned_around=0.85,
    )


class Draws:
    """Blocks of one NumPy distribution handed out one at a time."""

    def __init__(self, fill):
        self.fill, self.buffer, self.i = fill, [], 0

    def __call__(self) -> float:
        if self.i >= len(self.buffer):
            self.buffer, self.i = self.fill(BLOCK).tolist(), 0
        self.i += 1
        return self.buffer[self.i - 1]


def bare_county(size: dict, seed: int) -> int:
    """One replication of the hand-written county model; returns the families turned around."""
    rng = np.random.default_rng(seed)
    sigma2 = np.log(1 + (size["sd_days"] / size["mean_days"]) ** 2)
    mu = np.log(size["mean_days"]) - sigma2 / 2
    gap = Draws(lambda n: rng.exponential(1 / size["per_day"], n))
    length = Draws(lambda n: rng.lognormal(mu, np.sqrt(sigma2), n))
    outcome = Draws(lambda n: rng.random(n))
    env = simpy.Environment()
    slots = simpy.Resource(env, capacity=size["slots"])
    done = [0]

    def family():
        with slots.request() as req:
            yield req
            yield env.timeout(length())
        if outcome() < size["turned_around"]:
            done[0] += 1

    def referrals():
        while True:
            yield env.timeout(gap())
            env.process(family())

    env.process(referrals())
    env.run(until=size["horizon_days"])
    return done[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replications", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=10,
                        help="paired rounds the replications are split into (default 10)")
    args = parser.parse_args()
    scenario = load_scenario(KENT)
    size = county_size(scenario)
    run_experiment(scenario, 2, 0, jobs=1)  # warm-up: imports and first-call costs
    bare_county(size, 0)

    n, rounds = args.replications, max(1, min(args.rounds, args.replications))
    chunks = [len(c) for c in np.array_split(np.arange(n), rounds)]
    tfsim_times, bare_times, turned, bare = [], [], [], []
    first = 0
    for r, k in enumerate(chunks):
        def run_tfsim():
            t = time.perf_counter()
            results = run_experiment(scenario, k, 1 + r, jobs=1)
            tfsim_times.append(time.perf_counter() - t)
            turned.append(results.value("families_turned_around") * k)

        def run_bare():
            t = time.perf_counter()
            bare.extend(bare_county(size, 1000 + first + i) for i in range(k))
            bare_times.append(time.perf_counter() - t)

        # the two models take turns, and which goes first alternates, so a change in the
        # machine's load falls on both models of a round
        for step in ((run_tfsim, run_bare) if r % 2 == 0 else (run_bare, run_tfsim)):
            step()
        first += k
    t_tfsim, t_bare = sum(tfsim_times), sum(bare_times)
    ratios = np.asarray(tfsim_times) / np.asarray(bare_times)
    print(f"{scenario.name}: {n} replications each, in this process, in {rounds} paired rounds")
    print(f"  county: {size['per_day'] * DAYS_PER_MONTH:.0f} referrals a month over "
          f"{size['horizon_days'] / 365.25:.1f} years, {size['slots']} caseload slots, "
          f"interventions {size['mean_days'] / DAYS_PER_MONTH:.1f} months on average")
    print(f"  tfsim:     {t_tfsim:6.2f} s ({1000 * t_tfsim / n:.0f} ms a replication); "
          f"families turned around {sum(turned) / n:.0f} on average")
    print(f"  bare SimPy:{t_bare:6.2f} s ({1000 * t_bare / n:.0f} ms a replication); "
          f"families turned around {np.mean(bare):.0f} on average")
    print(f"  ratio of the totals {t_tfsim / t_bare:.2f}; ratio by round: median {np.median(ratios):.2f}, "
          f"range {ratios.min():.2f} to {ratios.max():.2f}")
    print(f"ratio_vs_bare_simpy_county={np.median(ratios):.2f}")


if __name__ == "__main__":
    main()
