"""Faults during runs and saves: signals, kill -9, full disks, bad output names.

A run stopped by SIGTERM or Ctrl+C ends at once with its worker processes (nothing left
holding the output pipes), leaves no partial outputs, and a failed run leaves the earlier
outputs whole; a writer killed outright leaves temporary files that the next write into the
folder removes.  The subprocess tests poll with timeouts rather than sleeping.
"""

from __future__ import annotations

import errno
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from helpers import SCENARIOS, descendants, running, subprocess_env, wait_for

from tfsim import cli, export, files

ROOT = Path(__file__).resolve().parent.parent
SEVENOAKS = str(SCENARIOS / "sevenoaks-2014.toml")
COUNTY = str(SCENARIOS / "kent-phase2-threefold.toml")  # a few seconds of work on two processes

linux = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")


def _start_pool_run(tmp_path):
    out = tmp_path / "out"
    proc = subprocess.Popen([sys.executable, "-m", "tfsim", "run", COUNTY, "-n", "2000", "--jobs", "2",
                             "--out", str(out)], cwd=tmp_path, env=subprocess_env(), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    # the two workers are grandchildren (the fork server starts them); wait until both are running
    workers = wait_for(lambda: (lambda d: d if len(d) >= 4 else None)(descendants(proc.pid)), 60,
                        "the pool's worker processes")
    return proc, out, workers


@linux
@pytest.mark.parametrize("sig, code, word", [(signal.SIGTERM, 143, "terminated"), (signal.SIGINT, 130, "interrupted")])
def test_a_signal_ends_a_pool_run_with_its_workers_and_no_outputs(tmp_path, sig, code, word):
    proc, out, workers = _start_pool_run(tmp_path)
    proc.send_signal(sig)
    started = time.monotonic()
    # communicate returns only once every process holding the pipes has closed them (as `| tee` waits)
    stdout, stderr = proc.communicate(timeout=5)
    assert time.monotonic() - started < 5
    assert proc.returncode == code
    assert stderr.decode().rstrip().endswith(word)
    assert b"Traceback" not in stderr
    wait_for(lambda: not any(running(p) for p in workers), 5, "the workers to end")
    assert not out.exists()
    assert [p.name for p in tmp_path.iterdir()] == []


@linux
def test_kill_9_of_a_run_ends_its_workers(tmp_path):
    proc, _out, workers = _start_pool_run(tmp_path)
    proc.kill()
    proc.communicate(timeout=5)  # the workers see their owner gone and end, closing the pipes
    wait_for(lambda: not any(running(p) for p in workers), 5, "the workers to end")


# A signal that comes once the command has finished (its outputs written) used to end the process by
# the signal itself (status -15 or -2) in about one case in twenty-five: Python's shutdown puts the
# default actions back before it tears its modules down, a third of a second after a run.
_LATE_SIGNAL = """
import atexit, os, signal, sys

class Late:
    def __del__(self):  # runs only in Python's module teardown, where the default signal actions are back
        os.kill(os.getpid(), signal.SIGTERM)

late = Late()
if sys.argv.pop(1) == "exit functions":  # registered first, so it runs last of them
    atexit.register(os.kill, os.getpid(), signal.SIGTERM)
from tfsim.cli import main
sys.exit(main())
"""


@linux
@pytest.mark.parametrize("when, code", [("teardown", 0), ("exit functions", 143)])
def test_a_signal_after_the_command_has_finished_exits_quietly_with_the_outputs_whole(tmp_path, when, code):
    """In the exit functions: noted, they finish (the pool's semaphores unlinked), exit 143; no teardown after."""
    out = tmp_path / "out"
    proc = subprocess.run([sys.executable, "-c", _LATE_SIGNAL, when, "run", SEVENOAKS, "-n", "4", "--jobs", "2",
                           "--out", str(out)], env=subprocess_env(), capture_output=True, timeout=120)
    err = proc.stderr.decode()
    assert proc.returncode == code, err[-500:]
    assert "Traceback" not in err and "leaked" not in err and "resource_tracker" not in err
    assert {"summary.csv", "monthly.csv", "run.json", "forecast.png"} <= {p.name for p in out.iterdir()}
    assert b"wrote " in proc.stdout  # what the command printed reached its reader


@linux
def test_the_command_line_ends_as_soon_as_its_outputs_are_written(tmp_path):
    """SIGTERM at moments after the outputs are written: each run ends 0 or 143, never by the signal."""
    codes = []
    for i, delay in enumerate((0.0, 0.1, 0.2)):
        proc = subprocess.Popen([sys.executable, "-m", "tfsim", "run", SEVENOAKS, "-n", "2", "--jobs", "1", "--out",
                                 str(tmp_path / f"out{i}")], env=subprocess_env(), stdout=subprocess.PIPE,
                                stderr=subprocess.DEVNULL, text=True)
        for line in proc.stdout:
            if line.startswith("wrote "):
                break
        time.sleep(delay)
        proc.send_signal(signal.SIGTERM)
        proc.communicate(timeout=30)
        codes.append(proc.returncode)
    assert all(c in (0, 143) for c in codes), codes


# ---- a failed run leaves the earlier outputs whole ----------------------------------------------


@pytest.fixture
def earlier(tmp_path):
    out = tmp_path / "results"
    assert cli.main(["run", SEVENOAKS, "-n", "3", "--jobs", "1", "--out", str(out)]) == 0
    return out, {p.name: p.read_bytes() for p in out.iterdir()}


def _fail_money_chart(exc):
    real = export.write_chart

    def write_chart(plot, results, path, **kwargs):
        if Path(path).name == "money.png":  # the last output: the others are written by then
            raise exc
        return real(plot, results, path, **kwargs)

    return write_chart


@pytest.mark.parametrize("exc, code", [(OSError(errno.ENOSPC, "No space left on device"), 2),
                                       (PermissionError(errno.EACCES, "Permission denied"), 2),
                                       (RuntimeError("a bug in a chart"), 1)])
def test_a_failed_run_leaves_the_earlier_outputs_untouched(earlier, monkeypatch, capsys, exc, code):
    out, before = earlier
    monkeypatch.setattr(export, "write_chart", _fail_money_chart(exc))
    assert cli.main(["run", SEVENOAKS, "-n", "2", "--seed", "99", "--jobs", "1", "--out", str(out)]) == code
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    assert sorted(p.name for p in out.parent.iterdir()) == ["results"]  # no temporary folder left
    assert "Traceback" not in capsys.readouterr().err


def test_an_existing_file_as_out_is_refused_before_running(tmp_path, monkeypatch, capsys):
    target = tmp_path / "summary.csv"
    target.write_text("keep me")
    monkeypatch.setattr(cli.experiment, "run_experiment", lambda *a, **k: pytest.fail("ran"))
    assert cli.main(["run", SEVENOAKS, "--out", str(target)]) == 2
    assert cli.main(["sweep", SEVENOAKS, "--vary", "money.target.families=40,50", "--out",
                     str(target / "inside")]) == 2
    err = capsys.readouterr().err
    assert "is a file, not a folder" in err and "Traceback" not in err
    assert target.read_text() == "keep me"


@pytest.mark.parametrize("argv, says", [
    (["run", SEVENOAKS, "--seed", "-1"], "--seed: -1 is not a seed"),
    (["run", SEVENOAKS, "-n", "1000000000"], "not between 1 and 20,000"),
    (["run", SEVENOAKS, "-n", "0"], "not between 1 and 20,000"),
    (["run", SEVENOAKS, "--out", ""], "--out: an empty name"),
    (["sweep", SEVENOAKS, "--vary", "x=1", "--seed", str(2 ** 64)], "not a seed"),
    (["compare", SEVENOAKS, SEVENOAKS, "--jobs", "100000"], "not between 0"),
    (["validate", ""], "an empty name"),
])
def test_bad_arguments_are_usage_errors(argv, says, capsys):
    assert cli.main(argv) == 2
    err = capsys.readouterr().err
    assert says in err and "internal error" not in err


# ---- temporary files never outlive their writer ---------------------------------------------------


_KILLED_WRITER = """
import os, sys, threading
from pathlib import Path
import tfsim.files as files

def hold(tmp, target):  # stands in for the rename: the temporary file is complete, then the writer is killed
    print(Path(tmp).name, flush=True)
    threading.Event().wait()

files.os.replace = hold
kind, folder = sys.argv[1], Path(sys.argv[2])
from tfsim import export, charts
from tfsim.experiment import run_experiment
from tfsim.scenario import load_scenario
results = run_experiment(load_scenario(sys.argv[3]), replications=2, seed=1)
if kind == "csv":
    export.write_csv(results.summary, folder / "summary.csv")
elif kind == "xlsx":
    export.write_xlsx(results, folder / "results.xlsx")
elif kind in ("png", "svg", "pdf"):
    export.write_chart(charts.plot_forecast, results, folder / f"forecast.{kind}")
elif kind == "docx":
    from tfsim import report
    from tfsim.experiment import Runner
    with Runner(1) as runner:
        runs = report.prepare(results.scenario, 2, 1, runner)
    report.write_report(runs, folder / "case.docx")
elif kind == "outputs":
    export.write_outputs(results, folder / "out")
"""


@pytest.mark.parametrize("kind", ["csv", "xlsx", "png", "svg", "docx", "outputs"])
def test_temporary_files_of_a_killed_writer_are_removed_by_the_next_write(tmp_path, kind):
    folder = tmp_path / "exports"
    folder.mkdir()
    (folder / "keep.txt").write_text("mine")
    proc = subprocess.Popen([sys.executable, "-c", _KILLED_WRITER, kind, str(folder), SEVENOAKS], env=subprocess_env(),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        name = proc.stdout.readline().strip()
        assert name, proc.stderr.read()
    finally:
        proc.kill()
        proc.communicate(timeout=30)
    left = sorted(p.name for p in folder.iterdir() if p.name != "keep.txt")
    assert left and all(files.temporary_owner(n) == proc.pid for n in left), left
    files.atomic_write_text(folder / "next.txt", "a later write")
    assert sorted(p.name for p in folder.iterdir()) == ["keep.txt", "next.txt"]


def test_a_live_writers_temporary_files_are_left_alone(tmp_path):
    mine = tmp_path / f".summary{files.MARKER}{os.getpid()}-abcdefgh.csv"
    mine.write_text("being written")
    other = tmp_path / ".notes.txt"
    other.write_text("not ours")
    files.atomic_write_text(tmp_path / "x.txt", "x")
    assert mine.exists() and other.exists()


def test_a_failed_write_leaves_neither_the_new_file_nor_a_temporary_one(tmp_path):
    target = tmp_path / "a.csv"
    target.write_text("old")

    def writer(tmp):
        Path(tmp).write_text("half")
        raise OSError(errno.ENOSPC, "No space left on device")

    with pytest.raises(OSError):
        files.atomic_write(target, writer)
    assert [p.name for p in tmp_path.iterdir()] == ["a.csv"] and target.read_text() == "old"


def test_abandoning_a_pool_ends_even_with_half_a_result_in_its_pipe():
    """A worker killed while writing its result leaves half a message; abandoning the pool still ends."""
    import struct
    import threading

    from tfsim import experiment, workers

    pool = experiment._LocalPool(2)
    assert pool.result(pool.submit(workers.ready)) > 0  # the workers are up
    # what a worker killed part-way through a result leaves: a length, then less than it promised
    os.write(pool._pool._result_queue._writer.fileno(), struct.pack("!i", 1_000_000) + b"partial")
    closing = threading.Thread(target=pool.close, kwargs={"abort": True}, daemon=True)
    closing.start()
    closing.join(60)
    assert not closing.is_alive(), "the pool's shutdown hung on the half-written result"
