"""What one replication costs: the measurements behind the run-time estimates of ``tfsim run`` and the app.

For each bundled scenario, times replications in this process (after one replication
that loads what the first one needs) and prints the expected work
(:func:`tfsim.experiment.expected_work`: referrals, contacts and leavers), the best of
``--repeats`` times, the time per unit of work, and the estimate the code makes from
:data:`tfsim.experiment.REPLICATION_FIXED_SECONDS` and
:data:`tfsim.experiment.REPLICATION_SECONDS_PER_WORK`.  The last lines give the constants
these measurements suggest: the fixed part is the smallest scenario's time, the part per
unit the largest per-unit time among scenarios of 1,000 units or more (estimates err long).

Run from the repository root::

    .venv/bin/python benchmarks/run_cost.py
"""

from __future__ import annotations

import argparse
import time

from tfsim import experiment
from tfsim.scenario.bundled import bundled_scenarios_dir
from tfsim.scenario.io import read_scenario


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3, help="timed replications of each scenario (default 3)")
    args = parser.parse_args()
    rows = []
    print(f"{'scenario':<26}{'work':>10}{'best s':>9}{'us/work':>9}{'estimate s':>12}")
    for path in sorted(bundled_scenarios_dir().glob("*.toml")):
        scenario = read_scenario(path).scenario
        experiment.run_experiment(scenario, replications=1, seed=99, jobs=1)  # first-use costs
        times = []
        for i in range(args.repeats):
            started = time.perf_counter()
            experiment.run_experiment(scenario, replications=1, seed=i, jobs=1)
            times.append(time.perf_counter() - started)
        work, best = experiment.expected_work(scenario), min(times)
        rows.append((path.stem, work, best))
        print(f"{path.stem:<26}{work:>10,.0f}{best:>9.3f}{best / work * 1e6:>9.1f}"
              f"{experiment.replication_seconds(scenario):>12.3f}")
    fixed = min(t for _, _, t in rows)
    per = max((t - fixed) / w for _, w, t in rows if w >= 1000)
    print(f"\nsuggested REPLICATION_FIXED_SECONDS = {fixed:.3f}, REPLICATION_SECONDS_PER_WORK = {per * 1e6:.1f}e-6")
    print(f"in the code: {experiment.REPLICATION_FIXED_SECONDS:.3f} and {experiment.REPLICATION_SECONDS_PER_WORK * 1e6:.1f}e-6")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
