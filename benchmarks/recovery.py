"""Recovery study: values hidden in simulated histories, fitted back by ``tfsim calibrate``; the backtest's flags.

For each trial a history of a small district (two years, three key workers; see
``tests/history_cases.py``) is simulated with known values (refusal 0.25, 9 referrals a month;
the scenario as written says 0.2 and 8), and the two values are fitted back from the ranges
0.05 to 0.6 and 4 to 16.  The study counts how often each true value falls inside its 90%
credible interval, and how wide the intervals are.  It also backtests the scenario with the
true values against the trial's history (a flag there is a false alarm) and against a history
from another model (three families in five refuse; a flag there is a detection).

Run from the repository root::

    python benchmarks/recovery.py [--trials 20] [--particles 60] [--generations 6] [--jobs 2]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from history_cases import TRUTH, district, district_history  # noqa: E402

from tfsim.backtest import backtest  # noqa: E402
from tfsim.calibrate import calibrate, parse_fit  # noqa: E402
from tfsim.experiment import Runner  # noqa: E402
from tfsim.history import read_history  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=20)
    parser.add_argument("--particles", type=int, default=60)
    parser.add_argument("--generations", type=int, default=6)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--backtest-replications", type=int, default=100)
    args = parser.parse_args()
    scenario = district()
    truth_scenario = district(refusal=TRUTH["engagement.refusal_probability"],
                              rate=TRUTH["referrals.rates.0.per_month"])
    fits = [parse_fit(scenario, "engagement.refusal_probability=0.05:0.6"),
            parse_fit(scenario, "referrals.rates.0.per_month=4:16")]
    inside = {f.path: 0 for f in fits}
    widths = {f.path: [] for f in fits}
    pinned = {f.path: 0 for f in fits}
    false_alarms = detections = 0
    started = time.perf_counter()
    with Runner(args.jobs) as runner, tempfile.TemporaryDirectory() as tmp:
        for trial in range(1, args.trials + 1):
            seed = 1000 + trial
            history = read_history(district_history(Path(tmp) / f"h{trial}.csv", seed=seed)).history
            t0 = time.perf_counter()
            cal = calibrate(scenario, history, fits, runner, particles=args.particles,
                            generations=args.generations, seed=seed)
            parts = []
            for k, f in enumerate(fits):
                low, high = cal.interval(k)
                hit = low <= TRUTH[f.path] <= high
                inside[f.path] += hit
                pinned[f.path] += cal.pinned(k)
                widths[f.path].append(high - low)
                parts.append(f"{f.path.split('.')[-1]} {low:.3g} to {high:.3g} {'in' if hit else 'OUT'}")
            same = backtest(truth_scenario, history, args.backtest_replications, seed, runner)
            other_path = district_history(Path(tmp) / f"o{trial}.csv", seed=seed, refusal=0.6)
            other = backtest(truth_scenario, read_history(other_path).history, args.backtest_replications, seed,
                             runner)
            false_alarms += bool(same.flagged)
            detections += bool(other.flagged)
            print(f"trial {trial:>2}: {time.perf_counter() - t0:5.1f} s, {cal.replications_run:,} replications; "
                  f"{'; '.join(parts)}; backtest flags: right model {[s.label for s in same.flagged]}, "
                  f"other model {[s.label for s in other.flagged]}", flush=True)
    n = args.trials
    print()
    print(f"{n} trials, {args.particles} particles, up to {args.generations} generations, "
          f"{time.perf_counter() - started:.0f} s on {args.jobs} process(es)")
    for f in fits:
        w = sorted(widths[f.path])
        print(f"  {f.path}: true value {TRUTH[f.path]} inside the 90% interval in {inside[f.path]} of {n}; "
              f"pinned in {pinned[f.path]} of {n}; median width {w[len(w) // 2]:.3g} (prior {f.high - f.low:.3g})")
    print(f"  backtest: a history from the right model flagged in {false_alarms} of {n}; from another model "
          f"(refusal 0.6 for 0.25) flagged in {detections} of {n}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
