"""Peak memory of a run against its number of replications (statistics gathered as replications arrive).

Runs the bundled Kent Phase 2 scenario (or ``--scenario``) with each of ``--replications``
(default 100, 1000) in a fresh process, serially or on ``--jobs`` processes, and prints the
peak resident memory of the main process (``ru_maxrss``) for each, and the growth per
replication between the first two sizes.  Run from the repository root::

    .venv/bin/python benchmarks/memory.py --replications 100 1000 10000 --jobs 2
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
KENT = ROOT / "scenarios" / "kent-phase2-threefold.toml"

CHILD = """
import resource, sys
sys.path.insert(0, {root!r})
from tfsim.experiment import run_experiment
from tfsim.scenario import load_scenario
if __name__ == "__main__":
    results = run_experiment(load_scenario({scenario!r}), {n}, 1, jobs={jobs})
    print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, results.value("families_turned_around"))
"""


def peak_mib(scenario: Path, n: int, jobs: int) -> tuple[float, float, float]:
    started = time.perf_counter()
    code = CHILD.format(root=str(ROOT), scenario=str(scenario), n=n, jobs=jobs)
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout.split()
    return float(out[0]), float(out[1]), time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", type=Path, default=KENT)
    parser.add_argument("--replications", type=int, nargs="+", default=[100, 1000])
    parser.add_argument("--jobs", type=int, default=1)
    args = parser.parse_args()
    rows = []
    for n in args.replications:
        mib, mean, seconds = peak_mib(args.scenario, n, args.jobs)
        rows.append((n, mib))
        print(f"{args.scenario.stem} x {n} on {args.jobs} process(es): peak {mib:7.1f} MiB, {seconds:6.1f} s "
              f"(families turned around {mean:.1f})", flush=True)
    if len(rows) >= 2:
        (n0, m0), (n1, m1) = rows[0], rows[1]
        print(f"growth: {1024 * (m1 - m0) / (n1 - n0):.1f} KiB per replication")


if __name__ == "__main__":
    main()
