"""``tfsim run``'s charts drawn by helper processes (tfsim.painter): the same files, and failures and
signals handled as when the charts are drawn in the command's own process.

The helpers are used only in the ``tfsim`` process itself (``main()`` with no arguments), so these
tests run the command, or a small harness that changes one thing and then calls ``main()``, as
subprocesses.  They poll with timeouts rather than sleeping.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import SCENARIOS, descendants, running, subprocess_env, wait_for

ROOT = Path(__file__).resolve().parent.parent
SEVENOAKS = str(SCENARIOS / "sevenoaks-2014.toml")
OUTPUTS = ["forecast.png", "money.png", "monthly.csv", "run.json", "summary.csv"]

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="helpers are forked on Linux only")


#: Runs ``tfsim`` as its own process would (``main()``, no arguments) after the change in argv[1];
#: at exit it reports whether this process itself ever loaded matplotlib.
_HARNESS = """
import atexit, errno, os, signal, sys
change = sys.argv.pop(1)
from tfsim import cli, painter
if change == "failing chart":
    from tfsim import charts
    def plot_money(ax, results, **kwargs):
        raise RuntimeError("a bug in the money chart")
    charts.plot_money = plot_money
elif change == "full disk":
    from tfsim import charts
    def plot_money(ax, results, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device", "money.png")
    charts.plot_money = plot_money
elif change == "helper killed":
    real = painter.start
    def start():
        drawing = real()
        os.kill(drawing.pid, signal.SIGKILL)
        return drawing
    painter.start = start
atexit.register(lambda: print("matplotlib here:", "matplotlib" in sys.modules, file=sys.stderr))
sys.argv[0] = "tfsim"
cli.main()
"""


def _harness(change: str, out: Path, *extra: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", _HARNESS, change, "run", SEVENOAKS, "-n", "3", "--out", str(out),
                           *extra], env=subprocess_env(SOURCE_DATE_EPOCH="1700000000"), capture_output=True, text=True, timeout=120)


def _files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def test_the_helpers_write_the_files_the_command_writes_by_itself(tmp_path):
    helped = _harness("nothing", tmp_path / "helped")
    assert helped.returncode == 0, helped.stderr[-2000:]
    assert "matplotlib here: False" in helped.stderr  # drawn elsewhere
    alone = subprocess.run([sys.executable, "-c", "import sys; from tfsim import cli; sys.exit(cli.main(sys.argv[1:]))",
                            "run", SEVENOAKS, "-n", "3", "--out", str(tmp_path / "alone")], env=subprocess_env(SOURCE_DATE_EPOCH="1700000000"),
                           capture_output=True, text=True, timeout=120)
    assert alone.returncode == 0, alone.stderr[-2000:]
    assert sorted(_files(tmp_path / "helped")) == OUTPUTS
    assert _files(tmp_path / "helped") == _files(tmp_path / "alone")  # byte for byte, the charts included
    timing = re.compile(r"seed 12345, [\d.]+ s")  # the replications' time, on the first line
    assert timing.sub("", helped.stdout.replace("helped", "alone")) == timing.sub("", alone.stdout)


@pytest.mark.parametrize("change, code, says", [
    ("failing chart", 1, "internal error: RuntimeError: a bug in the money chart"),
    ("full disk", 2, "cannot write money.png: No space left on device"),
    ("helper killed", 1, "the process drawing the charts ended before it had drawn them (killed by SIGKILL)"),
])
def test_a_failure_in_the_helpers_leaves_the_earlier_outputs_whole(tmp_path, change, code, says):
    out = tmp_path / "results"
    first = _harness("nothing", out)
    assert first.returncode == 0, first.stderr[-2000:]
    before = _files(out)
    failed = _harness(change, out, "--seed", "99")
    assert failed.returncode == code, failed.stderr[-2000:]
    assert says in failed.stderr and "Traceback" not in failed.stderr
    assert _files(out) == before
    assert [p.name for p in tmp_path.iterdir()] == ["results"]  # no temporary folder left


def _start_long_run(tmp_path):
    """A run of about twenty seconds in the command's own process, once its chart helper is up."""
    proc = subprocess.Popen([sys.executable, "-m", "tfsim", "run", SEVENOAKS, "-n", "2000", "--jobs", "1",
                             "--out", str(tmp_path / "out")], cwd=tmp_path, env=subprocess_env(SOURCE_DATE_EPOCH="1700000000"), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    helpers = wait_for(lambda: descendants(proc.pid), 60, "the chart helper")
    return proc, helpers


@pytest.mark.parametrize("sig, code, word", [(signal.SIGTERM, 143, "terminated"), (signal.SIGINT, 130, "interrupted")])
def test_a_signal_ends_the_run_with_its_helper_and_no_outputs(tmp_path, sig, code, word):
    proc, helpers = _start_long_run(tmp_path)
    if sig == signal.SIGINT:  # Ctrl+C reaches the whole job: the helper ignores it, the command ends it
        for pid in [proc.pid, *helpers]:
            os.kill(pid, sig)
    else:
        proc.send_signal(sig)
    stdout, stderr = proc.communicate(timeout=10)
    assert proc.returncode == code
    assert stderr.decode().rstrip().endswith(word) and b"Traceback" not in stderr
    assert not any(running(p) for p in helpers)
    assert [p.name for p in tmp_path.iterdir()] == []


def test_kill_9_of_the_run_ends_its_helper(tmp_path):
    proc, helpers = _start_long_run(tmp_path)
    proc.kill()
    proc.communicate(timeout=10)
    wait_for(lambda: not any(running(p) for p in helpers), 10, "the helper to end")
