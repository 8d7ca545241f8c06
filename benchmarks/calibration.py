"""How long ``tfsim calibrate`` takes: a district (Sevenoaks) and a county (Kent Phase 2) on a small budget.

* Sevenoaks 2014 against the bundled sample history (``scenarios/sevenoaks-2014-history.csv``),
  fitting the refusal probability and the referral rate from January 2014 with the default
  budget (100 particles, up to 6 generations, one replication a candidate).
* Kent Phase 2 with the establishment expanded (``scenarios/kent-phase2-expansion.toml``),
  against a synthetic history made here by the model with refusal at 0.18 (the file says 0.13)
  and 110 referrals a month (the file says 125), its first three years counted; fitting the
  same two values on a small budget (30 particles, up to 3 generations).

Each is run as a user runs it, ``tfsim calibrate`` in a subprocess, timed from start to exit
(charts and files included), and the calibration's own time is read from its summary.

    python benchmarks/calibration.py [--jobs 2] [--only sevenoaks|kent]
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tfsim.history import simulate_history, write_history  # noqa: E402
from tfsim.scenario import read_scenario  # noqa: E402
from tfsim.whatif import make_variant  # noqa: E402

KENT = ROOT / "scenarios" / "kent-phase2-expansion.toml"
KENT_TRUTH = {"engagement.refusal_probability": 0.18, "referrals.rates.0.per_month": 110.0}


def kent_history(path: Path) -> Path:
    scenario = make_variant(read_scenario(KENT).scenario, KENT_TRUTH)
    months, columns = simulate_history(scenario, 2015)
    return write_history(path, months[:36], {k: v[:36] for k, v in columns.items()},
                         ["SYNTHETIC: Kent Phase 2 from the model, refusal 0.18, 110 a month, April 2015 to March 2018"])


def run(name: str, argv: list[str]) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    t0 = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "tfsim.cli", "calibrate", *argv], capture_output=True, text=True,
                          env=env, cwd=tempfile.gettempdir())
    wall = time.perf_counter() - t0
    if done.returncode:
        print(done.stdout, done.stderr)
        raise SystemExit(f"{name}: exit {done.returncode}")
    head = done.stdout.splitlines()[0]
    seconds = re.search(r"([\d.]+) s on (\d+) process", head)
    reps = re.search(r"([\d,]+) replications", head)
    print(f"{name}: calibration {seconds.group(1)} s on {seconds.group(2)} process(es), {reps.group(1)} replications; "
          f"the whole command {wall:.1f} s")
    for line in done.stdout.splitlines()[2:6]:
        print(f"    {line}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", default="2")
    parser.add_argument("--only", choices=["sevenoaks", "kent"])
    args = parser.parse_args()
    fit = ["--fit", "engagement.refusal_probability=0.05:0.4"]
    with tempfile.TemporaryDirectory() as tmp:
        if args.only in (None, "sevenoaks"):
            run("Sevenoaks 2014 (district), 100 particles, 6 generations",
                [str(ROOT / "scenarios" / "sevenoaks-2014.toml"), str(ROOT / "scenarios" / "sevenoaks-2014-history.csv"),
                 *fit, "--fit", "referrals.rates.1.per_month=3:12", "-j", args.jobs, "--out", f"{tmp}/sevenoaks"])
        if args.only in (None, "kent"):
            history = kent_history(Path(tmp) / "kent-history.csv")
            run("Kent Phase 2 (county), 30 particles, 3 generations",
                [str(KENT), str(history), *fit, "--fit", "referrals.rates.0.per_month=60:200", "--particles", "30",
                 "--generations", "3", "--check-replications", "20", "-j", args.jobs, "--out", f"{tmp}/kent"])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
