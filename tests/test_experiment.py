"""The experiment runner: reproducibility, serial = parallel, progress, cancel, statistics."""

from __future__ import annotations

import numpy as np
import pytest
from helpers import SCENARIOS

from tfsim import cli
from tfsim.experiment import Cancelled, confidence_interval, run_experiment
from tfsim.scenario import load_scenario

SEVENOAKS = SCENARIOS / "sevenoaks-2014.toml"


def _files(folder):
    return {name: (folder / name).read_bytes() for name in ("summary.csv", "monthly.csv", "forecast.png", "run.json")}


def test_same_seed_same_files_and_jobs_do_not_change_results(tmp_path, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")  # the files name the date of the run
    runs = {}
    for label, jobs in (("a", 1), ("b", 1), ("c", 2)):
        out = tmp_path / label
        assert cli.main(["run", str(SEVENOAKS), "-n", "6", "--seed", "42", "--jobs", str(jobs), "--out", str(out)]) == 0
        runs[label] = _files(out)
    assert runs["a"] == runs["b"]
    assert runs["a"] == runs["c"]


def test_different_seeds_differ():
    scenario = load_scenario(SEVENOAKS)
    a = run_experiment(scenario, replications=3, seed=1)
    b = run_experiment(scenario, replications=3, seed=2)
    assert not a.per_replication.equals(b.per_replication)


def test_progress_reports_each_replication():
    calls = []
    run_experiment(load_scenario(SEVENOAKS), replications=4, seed=0, progress=lambda d, t: calls.append((d, t)))
    assert calls == [(1, 4), (2, 4), (3, 4), (4, 4)]


@pytest.mark.parametrize("jobs", [1, 2])
def test_cancel_stops_the_run(jobs):
    done = []
    with pytest.raises(Cancelled):
        run_experiment(load_scenario(SEVENOAKS), replications=200, seed=0, jobs=jobs,
                       progress=lambda d, t: done.append(d), cancel=lambda: len(done) >= 2)
    assert len(done) < 200


def test_summary_statistics_match_the_replications():
    res = run_experiment(load_scenario(SEVENOAKS), replications=10, seed=3)
    values = res.per_replication["families_turned_around"].to_numpy()
    assert res.value("families_turned_around") == pytest.approx(values.mean())
    assert res.value("families_turned_around", "p50") == pytest.approx(np.median(values))
    lo, hi = res.value("families_turned_around", "ci_low"), res.value("families_turned_around", "ci_high")
    # t(0.975, 9) = 2.262
    assert hi - lo == pytest.approx(2 * 2.2622 * values.std(ddof=1) / np.sqrt(10), rel=1e-3)


def test_confidence_interval_ignores_missing_values_and_single_values():
    mean, lo, hi = confidence_interval(np.array([1.0, np.nan, 3.0]))
    assert mean == 2.0 and lo < 2.0 < hi
    mean, lo, hi = confidence_interval(np.array([5.0]))
    assert mean == 5.0 and np.isnan(lo) and np.isnan(hi)


def test_more_than_one_core_requested_for_one_replication_runs_serially():
    res = run_experiment(load_scenario(SEVENOAKS), replications=1, seed=0, jobs=4)
    assert res.jobs == 1 and res.replications == 1
