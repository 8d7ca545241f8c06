"""A run whose rules make work without end stops with a message, never loops for ever."""

from __future__ import annotations

import pytest

from tfsim.model import RunawayRun, build_replication, event_budget, simulate
from tfsim.model.scheduler import CHECK_EVERY, STUCK_EVENTS, Scheduler
from tfsim.scenario import load_scenario
from tfsim.scenario.distributions import Fixed

from helpers import SCENARIOS


def test_budget_stops_a_run_that_keeps_making_events():
    s = Scheduler(budget=100_000)

    def again(value, tag):
        s.at(1.0, again)

    s.at(0.0, again)
    with pytest.raises(RunawayRun, match="budget of 100,000 events"):
        s.run(until=1e9)
    assert s.now < 200_000  # stopped soon after the budget, not at the horizon


def test_clock_that_stops_moving_is_a_runaway_whatever_the_budget():
    s = Scheduler(budget=None)

    def again(value, tag):
        s.at(0.0, again)

    s.at(5.0, again)
    with pytest.raises(RunawayRun, match="at day 5 without its clock moving on"):
        s.run(until=10.0)
    assert s.events_processed <= STUCK_EVENTS + 2 * (CHECK_EVERY + 1)


def test_many_events_at_one_instant_that_end_are_fine():
    s = Scheduler(budget=None)
    seen = []
    for k in range(3 * (CHECK_EVERY + 1)):
        s.at(2.0, lambda value, tag: seen.append(value), k)
    s.run(until=3.0)
    assert len(seen) == 3 * (CHECK_EVERY + 1)


def test_every_bundled_scenario_runs_well_inside_its_budget():
    for name in ("sevenoaks-2014.toml", "kent-phase2-threefold.toml"):
        sc = load_scenario(SCENARIOS / name)
        rep = build_replication(sc, 1)
        rep.run()
        budget, stuck = event_budget(sc)
        assert rep.scheduler.events_processed * 50 < budget and stuck > 2 * len(rep.caseflow.families)


def test_refusal_loop_with_no_delay_ends_with_a_message():
    # the schema refuses this file; built past validation, the engine must still stop
    sc = load_scenario(SCENARIOS / "sevenoaks-2014.toml")
    engagement = sc.engagement.model_copy(update={
        "refusal_probability": 1.0, "reapproach_probability": 1.0,
        "reapproach_delay_months": Fixed(distribution="fixed", value=0.0)})
    runaway = sc.model_copy(update={"engagement": engagement})
    with pytest.raises(RunawayRun, match="refusal and re-approach"):
        simulate(runaway, 0)


def test_command_line_reports_a_runaway_as_bad_input(monkeypatch, tmp_path, capsys):
    import tfsim.workers
    from tfsim.cli import main

    def runaway(scenario, seed):
        raise RunawayRun("the run used up its budget of 1,000 events by day 3")

    monkeypatch.setattr(tfsim.workers, "simulate", runaway)
    path = str(SCENARIOS / "sevenoaks-2014.toml")
    code = main(["run", path, "-n", "2", "--jobs", "1", "--out", str(tmp_path / "out")])
    err = capsys.readouterr().err.strip()
    assert code == 2
    assert err.count("\n") == 0 and path in err and "budget of 1,000 events" in err
