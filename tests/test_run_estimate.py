"""The estimate of a run's time: from the scenario's size, and said before a long run starts."""

from __future__ import annotations

import pytest

from tfsim import cli, experiment
from tfsim.scenario.bundled import bundled_scenarios_dir
from tfsim.scenario.io import read_scenario


def bundled(name):
    return read_scenario(bundled_scenarios_dir() / f"{name}.toml").scenario


def test_the_estimate_grows_with_the_work_and_shrinks_with_the_cores():
    small, national = bundled("sevenoaks-2014"), bundled("national-phase1")
    assert experiment.expected_work(national) > 100 * experiment.expected_work(small)
    one = experiment.estimate_seconds(national, 100, jobs=1)
    assert one == pytest.approx(100 * experiment.replication_seconds(national))
    two = experiment.estimate_seconds(national, 100, jobs=2)
    assert two == pytest.approx(experiment.POOL_START_SECONDS + 50 * experiment.replication_seconds(national))
    assert experiment.estimate_seconds(small, 1, jobs=2) == experiment.replication_seconds(small)  # no pool for one


@pytest.mark.parametrize("seconds, text", [(0.34, "about 0.3 s"), (4.8, "about 5 s"), (42, "about 40 s"),
                                           (250, "about 4 min"), (4800, "about 1 h 20 min"), (7200, "about 2 h")])
def test_durations_read_as_a_person_would_say_them(seconds, text):
    assert experiment.duration_text(seconds) == text


def test_only_a_long_run_is_announced_with_its_estimate():
    national, small = bundled("national-phase1"), bundled("sevenoaks-2014")
    assert experiment.long_run_note(small, 100, 2) is None
    headline, details = experiment.long_run_note(national, 100, 2)
    assert headline.startswith("National Phase 1 is a long run: 100 runs take about ") and headline.endswith("min.")
    assert "137,622 referrals, contacts and leavers" in details and "shared over 2 cores" in details
    headline, details = experiment.long_run_note(national, 100, 2, experiment.Precision())
    assert "the first 20 runs take about" in headline and "each 100 runs after them about" in headline
    assert "at most 2,000 runs" in details
    assert experiment.long_run_note(national, 3, 2) is None  # three runs: under a minute


def test_tfsim_run_prints_the_estimate_of_a_long_run_first(tmp_path, capsys, monkeypatch):
    scenario = str(bundled_scenarios_dir() / "sevenoaks-2014.toml")
    assert cli.main(["run", scenario, "-n", "2", "--jobs", "1", "--out", str(tmp_path / "a")]) == 0
    assert "long run" not in capsys.readouterr().err
    monkeypatch.setattr(experiment, "LONG_RUN_SECONDS", 0.01)
    assert cli.main(["run", scenario, "-n", "2", "--jobs", "1", "--out", str(tmp_path / "b")]) == 0
    err = capsys.readouterr().err
    assert "tfsim run: Sevenoaks" in err and "is a long run: 2 runs take about" in err and "Ctrl+C stops it" in err
