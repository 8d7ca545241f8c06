"""The whole ``tfsim run`` command as a user types it: wall and CPU time, and where the time goes.

Runs ``python -m tfsim run SCENARIO --replications N --out DIR`` as a subprocess (Sevenoaks
x 50 by default, into a temporary folder) ``--repeats`` times, interleaved with an empty
interpreter (``python -c pass``) and a bare ``import tfsim.cli``, and prints the best wall
time of each and the CPU time (user + system, of the process and every process it waited
for) of the best-wall run.  The best of several is the least disturbed on a shared machine.

Then one more run of the same command inside a small harness prints its phases in the
command's own process: the imports, reading the scenario, the replications, the summary,
writing the outputs (including the wait for the charts, which helper processes draw while
the replications run: :mod:`tfsim.painter`), and the rest (argument parsing, the progress
bar, exit).  The harness imports the lazily loaded modules itself, first, so that each
phase is charged its own imports; the total is comparable with the command's, not identical.
The commands run in a temporary folder, so ``python -m tfsim`` finds tfsim where
``PYTHONPATH`` or the installation puts it, not in the current folder.

Run from the repository root::

    .venv/bin/python benchmarks/cli_run.py
    .venv/bin/python benchmarks/cli_run.py --repeats 9 --replications 100
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

_PHASES = r"""
import sys, time
started = time.perf_counter()
marks = []

def mark(name, since):
    now = time.perf_counter()
    marks.append((name, now - since))
    return now

t = started
import tfsim.cli as cli
t = mark("import tfsim.cli (scenario schema, tqdm)", t)
import tfsim.experiment
tfsim.experiment.run_experiment  # (tfsim.cli loads it lazily: an attribute loads it)
t = mark("import tfsim.experiment (pandas)", t)
import tfsim.export
tfsim.export.write_outputs
t = mark("import tfsim.export", t)

def timed(owner, name, label):
    real = getattr(owner, name)
    def wrapper(*args, **kwargs):
        t = time.perf_counter()
        try:
            return real(*args, **kwargs)
        finally:
            marks.append((label, time.perf_counter() - t))
    setattr(owner, name, wrapper)

timed(cli, "read_scenario", "read the scenario")
timed(tfsim.experiment, "run_experiment", "replications")
timed(cli, "format_summary", "summary table")
timed(tfsim.export, "write_outputs", "write the outputs (waiting for the charts)")
def report():
    total = time.perf_counter() - started
    rows = marks + [("the rest (arguments, progress bar, printing, exit)", total - sum(s for _, s in marks)),
                    ("total in the harness (after interpreter start)", total)]
    for name, seconds in rows:
        print(f"@phase  {name:<52}{seconds:>7.3f} s", file=sys.stderr)

import atexit
atexit.register(report)  # run as the command ends (it ends the process itself)
sys.argv[0] = "tfsim"
cli.main()  # no arguments: tfsim's own process, as the command runs (its chart helpers included)
"""


def _timed(argv: list[str], env: dict, cwd: str) -> tuple[float, float]:
    """Wall and CPU seconds (user + system, with every process it waited for) of one subprocess."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run(argv, env=env, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", default=str(ROOT / "scenarios" / "sevenoaks-2014.toml"))
    parser.add_argument("--replications", type=int, default=50)
    parser.add_argument("--repeats", type=int, default=5, help="runs of each command (default 5)")
    parser.add_argument("--python", default=sys.executable, help="the interpreter to run (default this one)")
    args = parser.parse_args()
    env = dict(os.environ)
    env.pop("SOURCE_DATE_EPOCH", None)
    # as on a user's machine, Python keeps the modules it compiles (__pycache__): with
    # PYTHONDONTWRITEBYTECODE set, as in this project's sandbox, every start compiles
    # tfsim's own modules again (about 0.3 s of each command)
    kept = "PYTHONDONTWRITEBYTECODE" not in env
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    with tempfile.TemporaryDirectory() as tmp:
        out = str(Path(tmp) / "out")
        run = ["-m", "tfsim", "run", args.scenario, "--replications", str(args.replications), "--out", out]
        commands = {"python -c pass": ["-c", "pass"], "import tfsim.cli": ["-c", "import tfsim.cli"],
                    f"tfsim run {Path(args.scenario).stem} x {args.replications}": run}
        best: dict[str, tuple[float, float]] = {}
        _timed([args.python, *run], env, tmp)  # untimed: writes the compiled modules if they are missing
        for _ in range(args.repeats):
            for name, argv in commands.items():
                wall, cpu = _timed([args.python, *argv], env, tmp)
                if name not in best or wall < best[name][0]:
                    best[name] = (wall, cpu)
        print(f"best of {args.repeats}, {os.cpu_count()} cores ({args.python}; compiled modules kept"
              f"{'' if kept else ', PYTHONDONTWRITEBYTECODE unset for the runs'})")
        for name, (wall, cpu) in best.items():
            print(f"  {name:<40}{wall:>7.3f} s wall {cpu:>7.3f} s CPU")
        print("\nphases of one more run (in a harness):")
        phases = subprocess.run([args.python, "-c", _PHASES, *run[2:]], env=env, cwd=tmp, stdout=subprocess.DEVNULL,
                                stderr=subprocess.PIPE, text=True, check=True).stderr
        print("\n".join(line[len("@phase"):] for line in phases.splitlines() if line.startswith("@phase")))
        wall, cpu = best[list(commands)[-1]]
        print(f"\ncli_run_wall={wall:.3f} cli_run_cpu={cpu:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
