"""How much common random numbers narrow the interval of a paired difference.

For a few bundled scenarios and a staffing change, runs the baseline and the variant on the
same seed (paired: replication ``i`` of each uses the same random streams) and the variant
again on another seed (independent), and prints for each key figure the 95% half-width of
the mean difference, paired and from the independent runs, and their ratio (how many times
narrower pairing makes the interval).

Run from the repository root::

    python benchmarks/pairing.py                                  # the code of this checkout
    python benchmarks/pairing.py --code /tmp/before --code .      # two checkouts, interleaved

With ``--code`` each comparison is run by each checkout in turn (in a subprocess whose
``PYTHONPATH`` is that checkout, from a temporary directory so the current directory's
``tfsim`` cannot shadow it), so the figures of the code before and after a change come
from the same session.  ``--quick`` runs a tenth of the replications.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve()
SEED = 12345
OTHER_SEED = 54321  # the independent run of the variant
METRICS = ["families_turned_around", "target_count_at_deadline", "mean_wait_days", "net_cost"]

#: name -> (what it compares, scenario file, replications)
COMPARISONS = {
    "sevenoaks": ("Sevenoaks 2014, one more FIP from April 2013", "scenarios/sevenoaks-2014.toml", 200),
    "kent": ("Kent Phase 2 (threefold), two more FIPs from April 2016", "scenarios/kent-phase2-threefold.toml", 40),
    "lincolnshire": ("Lincolnshire Phase 2, two more key workers in post from the start",
                     "scenarios/lincolnshire-phase2.toml", 60),
}


def variant_of(name: str, base):
    """The variant of comparison ``name`` (built with the scenario API of the checkout being measured)."""
    from tfsim.scenario import load_scenario
    from tfsim.whatif import make_variant

    if name == "sevenoaks":
        return load_scenario(HERE.parents[1] / "docs/examples/sevenoaks-2014-extra-fip.toml")
    if name == "kent":
        plan = [row.model_dump() for row in base.staffing_plan]
        extra = [dict(date="2016-04-01", role="fip", action="start", fte=1.0, label="extra FIP")] * 2
        return make_variant(base, {"staffing_plan": plan + extra})
    if name == "lincolnshire":
        role = base.roles[0]
        return make_variant(base, {f"roles.{role.id}.in_post_fte": list(role.in_post_fte) + [1.0, 1.0]})
    raise KeyError(name)


def measure(name: str, replications: int, jobs: int) -> dict:
    """Paired and independent half-widths of comparison ``name`` with the tfsim on the path."""
    import numpy as np

    import tfsim
    from tfsim.experiment import Runner
    from tfsim.scenario import load_scenario
    from tfsim.whatif import interval_half_widths

    _, path, _ = COMPARISONS[name]
    base = load_scenario(HERE.parents[1] / path)
    other = variant_of(name, base)
    with Runner(jobs) as runner:
        a, b = runner.run_many([base, other], replications, SEED)
        b_other = runner.run(other, replications, OTHER_SEED)
    rows = {}
    for metric in METRICS:
        if metric not in a.per_replication:
            continue
        x, y, z = (np.asarray(r.per_replication[metric], dtype=float) for r in (a, b, b_other))
        paired, as_if_independent = interval_half_widths(x, y)
        _, independent = interval_half_widths(x, z)
        keep = ~(np.isnan(x) | np.isnan(y))
        corr = float(np.corrcoef(x[keep], y[keep])[0, 1]) if np.std(x[keep]) > 0 and np.std(y[keep]) > 0 else math.nan
        rows[metric] = dict(baseline=float(np.nanmean(x)), variant=float(np.nanmean(y)),
                            diff=float(np.nanmean(y - x)), paired=paired, as_if_independent=as_if_independent,
                            independent=independent, correlation=corr)
    return dict(code=str(Path(tfsim.__file__).resolve().parents[1]), replications=replications, metrics=rows)


def run_with(code: str, name: str, replications: int, jobs: int) -> dict:
    """:func:`measure` in a subprocess running the checkout ``code``."""
    code = str(Path(code).resolve())
    env = dict(os.environ, PYTHONPATH=code)
    with tempfile.TemporaryDirectory() as cwd:
        out = subprocess.run([sys.executable, str(HERE), "--worker", "--only", name, "--replications",
                              str(replications), "--jobs", str(jobs)],
                             cwd=cwd, env=env, check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def ratio(independent: float, paired: float) -> str:
    if paired == 0:
        return "inf" if independent > 0 else "n/a"
    return f"{independent / paired:.1f}"


def report(name: str, result: dict) -> None:
    title, _, _ = COMPARISONS[name]
    print(f"\n{title}, {result['replications']} replications (seed {SEED}; independent variant seed {OTHER_SEED})")
    print(f"  code: {result['code']}")
    print(f"  {'metric':28s} {'difference':>12s} {'paired ±':>11s} {'independent ±':>14s} {'ratio':>6s}"
          f" {'(same runs as if independent ±':>31s} {'ratio)':>7s} {'corr':>6s}")
    for metric, r in result["metrics"].items():
        if math.isnan(r["diff"]) or (r["paired"] == 0 and r["independent"] == 0):
            print(f"  {metric:28s} {'(the same in every run: nothing to compare)':>12s}")
            continue
        print(f"  {metric:28s} {r['diff']:12.3f} {r['paired']:11.3f} {r['independent']:14.3f}"
              f" {ratio(r['independent'], r['paired']):>6s} {r['as_if_independent']:31.3f}"
              f" {ratio(r['as_if_independent'], r['paired']):>7s} {r['correlation']:6.3f}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--code", action="append", default=[], help="a checkout to measure (repeat to interleave)")
    parser.add_argument("--only", choices=list(COMPARISONS), action="append", help="just this comparison")
    parser.add_argument("--replications", type=int, default=0, help="replications (default per comparison)")
    parser.add_argument("--quick", action="store_true", help="a tenth of the replications")
    parser.add_argument("--jobs", type=int, default=2, help="worker processes")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    names = args.only or list(COMPARISONS)

    def replications(name: str) -> int:
        n = args.replications or COMPARISONS[name][2]
        return max(5, n // 10) if args.quick else n

    if args.worker:  # one comparison, as JSON, with the tfsim on PYTHONPATH
        print(json.dumps(measure(names[0], replications(names[0]), args.jobs)))
        return 0
    codes = args.code or [str(HERE.parents[1])]
    for name in names:
        for code in codes:
            report(name, run_with(code, name, replications(name), args.jobs))
    return 0


if __name__ == "__main__":
    sys.exit(main())
