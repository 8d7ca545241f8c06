"""Where replications run: the automatic choice of jobs, a failed worker, and Dask giving the serial results."""

from __future__ import annotations

import os
import signal

import pandas as pd
import pytest
from helpers import SCENARIOS, mmc_scenario

from tfsim import cli, experiment
from tfsim.experiment import Runner, RunFailed, run_experiment, summarise, worth_a_pool
from tfsim.model import simulate
from tfsim.scenario import load_scenario
from tfsim.workers import replication_seed

SEVENOAKS = SCENARIOS / "sevenoaks-2014.toml"


def test_a_pool_is_worth_starting_only_for_enough_work():
    start = experiment.POOL_START_SECONDS
    assert not worth_a_pool(100.0, 1, warm=False)
    assert not worth_a_pool(start, 2, warm=False)  # the pool would only just have started
    assert worth_a_pool(10 * start, 2, warm=False)
    assert worth_a_pool(0.01, 2, warm=True)  # a warm pool costs no start-up
    # more workers share the work more finely, so less work justifies the same start-up
    assert worth_a_pool(2.5 * start, 8, warm=False) and not worth_a_pool(2.5 * start, 2, warm=False)


def test_automatic_jobs_stay_in_this_process_for_small_runs():
    with Runner(0) as runner:
        runner.run(mmc_scenario(2, 1.5, 1.0, years=1, warm_up_months=1), 4, 1)
        assert runner.jobs == 1 and not runner.warm


def test_automatic_jobs_use_a_pool_when_it_pays_and_give_the_serial_results(monkeypatch):
    scenario = mmc_scenario(2, 1.5, 1.0, years=2)
    serial = run_experiment(scenario, 6, 3, jobs=1)
    monkeypatch.setattr(experiment, "POOL_START_SECONDS", 0.0)
    with Runner(0) as runner:
        if runner.workers < 2:
            pytest.skip("one core: the automatic choice is always this process")
        auto = runner.run(scenario, 6, 3)
        assert runner.warm and runner.jobs == runner.workers
    pd.testing.assert_frame_equal(auto.summary, serial.summary)
    pd.testing.assert_frame_equal(auto.monthly, serial.monthly)


def test_statistics_gathered_as_replications_arrive_equal_those_of_the_whole_set():
    scenario = load_scenario(SEVENOAKS)
    raw = [simulate(scenario, replication_seed(5, i)) for i in range(5)]
    whole = summarise(scenario, 5, raw)
    table = experiment.Accumulator(scenario, 5, 5)
    for j in (3, 0, 4, 1, 2):  # out of order, as a pool delivers them
        table.add(j, raw[j])
    arrived = table.results()
    pd.testing.assert_frame_equal(arrived.summary, whole.summary)
    pd.testing.assert_frame_equal(arrived.monthly, whole.monthly)
    pd.testing.assert_frame_equal(arrived.per_replication, whole.per_replication)


def test_a_worker_that_dies_fails_the_run_with_a_message_not_short_results():
    scenario = mmc_scenario(2, 1.5, 1.0, years=1, warm_up_months=1)
    with Runner(2) as runner:
        runner.run(scenario, 2, 1)
        for process in list(runner._backend._pool._processes.values()):
            os.kill(process.pid, signal.SIGKILL)
        with pytest.raises(RunFailed, match="worker process stopped"):
            runner.run(scenario, 8, 1)
        assert not runner.warm
        # the next batch starts a new pool
        again = runner.run(scenario, 2, 1)
    assert again.replications == 2


def test_the_cli_says_when_a_run_failed(monkeypatch, capsys):
    def fail(*args, **kwargs):
        raise RunFailed("cannot reach the Dask scheduler at tcp://nowhere:1: refused")

    monkeypatch.setattr(experiment, "run_experiment", fail)
    assert cli.main(["run", str(SEVENOAKS), "-n", "2", "--dask", "tcp://nowhere:1"]) == cli.EXIT_INTERNAL
    err = capsys.readouterr().err
    assert "the run failed: cannot reach the Dask scheduler" in err and "internal error" not in err


def _files(folder):
    return {name: (folder / name).read_bytes() for name in ("summary.csv", "monthly.csv")}


def test_dask_local_cluster_gives_byte_identical_outputs_to_a_serial_run(tmp_path):
    pytest.importorskip("distributed")
    serial, dask = tmp_path / "serial", tmp_path / "dask"
    args = ["run", str(SEVENOAKS), "-n", "6", "--seed", "8"]
    assert cli.main(args + ["--jobs", "1", "--out", str(serial)]) == 0
    assert cli.main(args + ["--jobs", "2", "--dask", "local", "--out", str(dask)]) == 0
    assert _files(serial) == _files(dask)


# ---- enough replications, chosen for the user -------------------------------------------------


def test_running_to_a_precision_stops_when_the_intervals_are_narrow_enough_and_equals_a_plain_run():
    scenario = load_scenario(SEVENOAKS)
    precision = experiment.Precision(relative=0.05, probability=0.2, first=6, max_replications=200)
    with Runner(1) as runner:
        results = runner.run_to_precision(scenario, 4, precision)
    info = results.meta["precision"]
    n = results.replications
    assert info["reached"] and info["replications"] == n and 6 < n < 200
    for name, width in info["half_widths"].items():
        assert width <= info["goals"][name]
    mean, low, high = experiment.confidence_interval(results.per_replication["families_turned_around"])
    assert (high - low) / 2 <= 0.05 * mean
    # the same replications as a plain run of that many
    plain = run_experiment(scenario, n, 4)
    pd.testing.assert_frame_equal(results.summary, plain.summary)


def test_running_to_a_precision_stops_at_the_cap_and_says_so(capsys):
    assert cli.main(["run", str(SEVENOAKS), "--precision", "0.001", "--max-replications", "8", "-n", "4",
                     "--jobs", "1", "--out", "out"]) == 0
    out = capsys.readouterr().out
    assert "not reached within 8 replications" in out


def test_cancel_stops_a_dask_run():
    pytest.importorskip("distributed")
    scenario = load_scenario(SEVENOAKS)
    calls = []

    def cancel() -> bool:
        calls.append(1)
        return len(calls) > 2

    with pytest.raises(experiment.Cancelled):
        run_experiment(scenario, 200, 1, jobs=1, dask="local", cancel=cancel)
