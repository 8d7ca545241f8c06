"""Speed and correctness of tfsim's engine against a textbook SimPy M/M/c model.

Both models simulate the same queue: Poisson referrals, 50 key workers holding one
family each (50 servers), exponential interventions, utilisation 0.9, a 50-year
horizon and a 24-month warm-up left out of the statistics.  Each run prints its
wall time, SimPy events processed per second, families referred, and the simulated
mean wait and probability of waiting beside the exact Erlang C values.

Run from the repository root::

    python benchmarks/engine.py               # about 200,000 families
    python benchmarks/engine.py --families 20000

The last line is ``ratio_vs_textbook_simpy=X.XX``: tfsim's time for one full
replication (run plus statistics, what :func:`tfsim.model.simulate` does) over
the textbook model's time.  Lower is better; the target is 0.50 or less.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import sys
import time
from pathlib import Path

import numpy as np
import simpy

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the checkout's tfsim, not an installed one

from tfsim.model import Calendar, build_replication, replication_statistics  # noqa: E402
from tfsim.scenario.schema import DAYS_PER_MONTH, Scenario  # noqa: E402
from tfsim.theory import erlang_c, mmc_mean_wait  # noqa: E402

SERVERS = 50
UTILISATION = 0.9
START, END = "2000-01-01", "2049-12-31"
WARM_UP_MONTHS = 24
SEED = 20240601
BATCHES = 20  # batch means for a rough standard error of the mean wait
REPEATS = 3  # timing pairs, interleaved; the fastest of each model is kept (as timeit does)
REPEAT_IF_UNDER_SECONDS = 30.0
HORIZON_DAYS = float((dt.date.fromisoformat(END) - dt.date.fromisoformat(START)).days + 1)


def mmc_scenario(families: int) -> Scenario:
    """The M/M/c queue as a tfsim scenario: 50 workers with a caseload cap of 1 each."""
    per_month, mean_months = mmc_rates(HORIZON_DAYS, families)
    return Scenario.model_validate(_scenario_dict(per_month, mean_months))


def mmc_rates(horizon_days: float, families: int) -> tuple[float, float]:
    """Referrals per month and mean intervention (months) giving ``families`` arrivals at 0.9 utilisation."""
    per_month = families / (horizon_days / DAYS_PER_MONTH)
    mean_months = SERVERS * UTILISATION / per_month
    return per_month, mean_months


def _scenario_dict(per_month: float, mean_months: float) -> dict:
    return dict(
        name="mmc", start_date=START, end_date=END, warm_up_months=WARM_UP_MONTHS,
        referrals=dict(rates=[dict(start=START, per_month=per_month)]),
        families=dict(intensity={"all": 1.0}, needs={}),
        engagement=dict(refusal_probability=0),
        roles=[dict(
            id="kw", caseload_cap_per_fte=1, in_post_fte=[1.0] * SERVERS,
            duration_months=dict(distribution="exponential", mean=mean_months),
            outcomes=dict(turned_around=1, improved=0, no_progress=0, disengaged=0),
        )],
        allocation={"all": ["kw"]},
    )


def events_processed(env: simpy.Environment) -> int:
    """Events SimPy processed: every scheduled event gets the next id; some are still queued at the end."""
    return next(env._eid) - len(env._queue)


def batch_se(starts: np.ndarray, waits: np.ndarray, warm_up: float, horizon: float) -> float:
    """Standard error of the mean wait from batch means (waits are autocorrelated)."""
    w = waits[(starts >= warm_up) & (starts < horizon)]
    if len(w) < BATCHES * 10:
        return float("nan")
    means = [b.mean() for b in np.array_split(w, BATCHES)]
    return float(np.std(means, ddof=1) / np.sqrt(BATCHES))


# ---- (a) tfsim ---------------------------------------------------------------------------


def run_tfsim(scenario: Scenario, seed: int) -> dict:
    """One replication exactly as tfsim.model.simulate does it, timing the run and statistics apart."""
    t0 = time.perf_counter()
    replication = build_replication(scenario, np.random.SeedSequence(seed))
    log, snapshot = replication.run()
    t1 = time.perf_counter()
    result = replication_statistics(scenario, Calendar.of(scenario), log, snapshot)
    t2 = time.perf_counter()
    starts, waits = np.asarray(log.first_start, dtype=float), np.asarray(log.waits, dtype=float)
    return dict(
        seconds=t2 - t0,
        run_seconds=t1 - t0,
        # referrals are merged into the run loop rather than queued: count them as events too
        events=replication.scheduler.events_processed + len(log.referred),
        families=len(log.referred),
        mean_wait_days=result.summary["mean_wait_days"],
        share_waited=result.summary["share_waited"],
        wait_se=batch_se(starts, waits, scenario.warm_up_days, scenario.horizon_days),
        mean_waiting_list=result.summary["mean_waiting_list"],
        utilisation=result.summary["caseload_utilisation"],
    )


# ---- (b) textbook SimPy ------------------------------------------------------------------


def block_draws(rng: np.random.Generator, mean: float, block: int = 4096):
    """Exponential draws handed out one at a time from blocks.

    Drawing in blocks, as tfsim does, keeps NumPy's per-call overhead out of the
    comparison: the benchmark is about the event machinery, not the random numbers.
    """
    while True:
        yield from rng.exponential(mean, block).tolist()


def run_textbook(arrivals_per_day: float, mean_service_days: float, horizon: float, warm_up: float, seed: int) -> dict:
    """The queue as in the SimPy tutorials: a Resource, a source process and one process per family."""
    t0 = time.perf_counter()
    env = simpy.Environment()
    slots = simpy.Resource(env, capacity=SERVERS)
    rng = np.random.default_rng(seed)
    gaps = block_draws(rng, 1.0 / arrivals_per_day)
    services = block_draws(rng, mean_service_days)
    starts: list[float] = []
    waits: list[float] = []
    referred = [0]

    def family(env, service_days):
        arrived = env.now
        with slots.request() as request:
            yield request
            starts.append(env.now)
            waits.append(env.now - arrived)
            yield env.timeout(service_days)

    def referrals(env):
        while True:
            yield env.timeout(next(gaps))
            referred[0] += 1
            env.process(family(env, next(services)))

    env.process(referrals(env))
    env.run(until=horizon)
    # statistics over starts in [warm-up, horizon), as tfsim's metrics do
    s = np.asarray(starts)
    w = np.asarray(waits)
    after = w[(s >= warm_up) & (s < horizon)]
    t1 = time.perf_counter()
    return dict(
        seconds=t1 - t0,
        events=events_processed(env),
        families=referred[0],
        mean_wait_days=float(after.mean()),
        share_waited=float(np.mean(after > 1e-9)),
        wait_se=batch_se(s, w, warm_up, horizon),
    )


# ---- driver ------------------------------------------------------------------------------


def report(name: str, r: dict, wq_days: float, p_wait: float) -> None:
    print(f"{name}")
    print(f"  wall time          {r['seconds']:8.2f} s" + (
        f"   (run {r['run_seconds']:.2f} s + statistics {r['seconds'] - r['run_seconds']:.2f} s)"
        if "run_seconds" in r else ""))
    print(f"  events processed   {r['events']:>10,d}   ({r['events'] / r['families']:.2f} per family)")
    print(f"  events / second    {r['events'] / r['seconds']:>10,.0f}")
    print(f"  families referred  {r['families']:>10,d}")
    print(f"  mean wait (days)   {r['mean_wait_days']:10.4f} +/- {r['wait_se']:.4f}   Erlang C exact {wq_days:.4f}")
    print(f"  P(wait)            {r['share_waited']:10.4f}             Erlang C exact {p_wait:.4f}")
    if "mean_waiting_list" in r:
        print(f"  utilisation        {r['utilisation']:10.4f}             exact {UTILISATION:.4f}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--families", type=int, default=200_000, help="expected referrals over the horizon (default 200,000)")
    args = parser.parse_args(argv)

    scenario = mmc_scenario(args.families)
    per_month, mean_months = mmc_rates(scenario.horizon_days, args.families)
    arrivals_per_day = per_month / DAYS_PER_MONTH
    mean_service_days = mean_months * DAYS_PER_MONTH
    service_per_day = 1.0 / mean_service_days
    wq_days = mmc_mean_wait(arrivals_per_day, service_per_day, SERVERS)
    p_wait = erlang_c(arrivals_per_day, service_per_day, SERVERS)
    horizon, warm_up = scenario.horizon_days, scenario.warm_up_days

    print(f"M/M/{SERVERS}: {per_month:.2f} referrals/month, mean intervention {mean_service_days:.3f} days, "
          f"utilisation {UTILISATION}, horizon {horizon:.0f} days, warm-up {WARM_UP_MONTHS} months")
    print(f"python {sys.version.split()[0]}, simpy {simpy.__version__}, numpy {np.__version__}")

    # warm-up on a small scenario so imports and first-call costs are not timed
    small = mmc_scenario(2_000)
    sp_month, sm_months = mmc_rates(small.horizon_days, 2_000)
    run_tfsim(small, SEED)
    run_textbook(sp_month / DAYS_PER_MONTH, sm_months * DAYS_PER_MONTH, horizon, warm_up, SEED)

    def timed_pair():
        gc.collect()
        a = run_tfsim(scenario, SEED)
        gc.collect()
        b = run_textbook(arrivals_per_day, mean_service_days, horizon, warm_up, SEED)
        return a, b

    tf, tb = timed_pair()
    if tf["seconds"] + tb["seconds"] < REPEAT_IF_UNDER_SECONDS:
        # same seeds, so the same events each time: the fastest run of each model is the one
        # least disturbed by the rest of the (shared) machine
        for _ in range(REPEATS - 1):
            tf2, tb2 = timed_pair()
            tf = min(tf, tf2, key=lambda r: r["seconds"])
            tb = min(tb, tb2, key=lambda r: r["seconds"])
        print(f"timing: best of {REPEATS} runs each")
    else:
        print("timing: one run each")

    report("tfsim (one replication: build_replication(...).run() + replication_statistics)", tf, wq_days, p_wait)
    report("textbook SimPy (Resource + one process per family)", tb, wq_days, p_wait)
    print(f"run-only ratio (statistics excluded) = {tf['run_seconds'] / tb['seconds']:.2f}")
    print(f"ratio_vs_textbook_simpy={tf['seconds'] / tb['seconds']:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
