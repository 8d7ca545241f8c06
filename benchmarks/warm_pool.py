"""A sweep's runs in one warm pool of worker processes against a new pool for every point.

Runs ``--points`` variants of the Sevenoaks scenario (caseload caps 3, 4, ...) with
``--replications`` each on ``--jobs`` processes, first as ``tfsim sweep`` does (one
:class:`tfsim.experiment.Runner` for all points), then as a loop of ``run_experiment``
calls (a pool started and stopped for each point), and checks the results are the same.

Run from the repository root: ``.venv/bin/python benchmarks/warm_pool.py``.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import pandas as pd

from tfsim.experiment import Runner, run_experiment
from tfsim.scenario import load_scenario
from tfsim.whatif import make_variant

SEVENOAKS = Path(__file__).resolve().parent.parent / "scenarios" / "sevenoaks-2014.toml"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=10)
    parser.add_argument("--replications", type=int, default=20)
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args()
    base = load_scenario(SEVENOAKS)
    variants = [make_variant(base, {"roles.fip.caseload_cap_per_fte": 3 + k}) for k in range(args.points)]

    started = time.perf_counter()
    with Runner(args.jobs) as runner:
        warm = runner.run_many(variants, args.replications, 1)
    warm_s = time.perf_counter() - started

    started = time.perf_counter()
    cold = [run_experiment(v, args.replications, 1, jobs=args.jobs) for v in variants]
    cold_s = time.perf_counter() - started

    for a, b in zip(warm, cold):
        pd.testing.assert_frame_equal(a.summary, b.summary)
    total = args.points * args.replications
    print(f"{args.points} points x {args.replications} replications on {args.jobs} processes ({total} runs)")
    print(f"  one warm pool (tfsim sweep): {warm_s:6.2f} s")
    print(f"  a pool per point:            {cold_s:6.2f} s  ({cold_s / warm_s:.1f} times as long)")
    print("  results identical")


if __name__ == "__main__":
    main()
