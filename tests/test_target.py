"""The target outlook: expected count, shortfall, dates and chance, in plain sentences."""

from __future__ import annotations

import datetime as dt
import math
from types import SimpleNamespace

import pandas as pd
import pytest

from tfsim.scenario.schema import Target
from tfsim.target import never_waited, target_outlook, wilson_interval

START = dt.date(2012, 4, 1)
DEADLINE = dt.date(2015, 3, 31)


def fake_results(counts, days, met=None, peak=None, families=100, measure="claims"):
    target = Target(families=families, measure=measure, deadline=DEADLINE)
    scenario = SimpleNamespace(money=SimpleNamespace(target=target), start_date=START)
    deadline_day = (DEADLINE - START).days + 1
    if met is None:
        met = [float(d == d and d < deadline_day) for d in days]
    runs = pd.DataFrame({"target_count_at_deadline": counts, "target_met_date_p50": days, "p_target_met": met,
                         "peak_waiting_list": peak if peak is not None else [5.0] * len(counts)})
    return SimpleNamespace(scenario=scenario, per_replication=runs)


def test_no_target_no_outlook():
    results = fake_results([1.0], [float("nan")])
    results.scenario.money = None
    assert target_outlook(results) is None


def test_a_target_no_run_meets_says_how_far_short():
    nan = float("nan")
    out = target_outlook(fake_results([40.0, 50.0, 60.0, 70.0], [nan] * 4))
    assert out.met == 0 and out.probability == 0
    assert out.expected == pytest.approx(55.0)
    assert out.shortfall == pytest.approx(45.0)
    assert out.closest_gap == pytest.approx(30.0)
    assert out.reached_median is None and out.reached_share == 0
    text = " ".join(out.sentences())
    assert "45 short of the target" in text
    assert "no run met it: the closest was 30 short" in text
    assert "No run reaches the target before the run ends." in text
    lo, hi = wilson_interval(0, 4)
    assert out.probability_low == 0 and out.probability_high == pytest.approx(hi)


def test_a_target_every_run_meets_gives_dates_and_room_to_spare():
    days = [800.0, 850.0, 900.0, 950.0, 1000.0, 1000.0, 1010.0, 1020.0, 1030.0, 1040.0]
    out = target_outlook(fake_results([120.0 + i for i in range(10)], days))
    assert out.met == 10 and out.probability == 1 and out.shortfall == 0
    assert out.reached_median == START + dt.timedelta(days=1000)
    assert out.reached_p90 == START + dt.timedelta(days=1030)
    text = " ".join(out.sentences())
    assert "every run met it" in text and "to spare" in text and "short" not in text


def test_date_by_which_90_percent_reach_it_is_absent_when_more_than_a_tenth_never_do():
    nan = float("nan")
    out = target_outlook(fake_results([100.0] * 5 + [90.0] * 5, [900.0] * 5 + [nan] * 5))
    assert out.reached_p90 is None
    assert out.reached_median == START + dt.timedelta(days=900)
    assert "only 50% of runs reach it within the run" in " ".join(out.sentences())


def test_an_empty_waiting_list_says_staffing_is_not_the_constraint():
    nan = float("nan")
    out = target_outlook(fake_results([50.0, 60.0], [nan, nan], peak=[0.0, 0.0]))
    assert out.never_waited
    assert "staffing is not the constraint" in out.sentences()[-1]
    busy = target_outlook(fake_results([50.0, 60.0], [nan, nan], peak=[0.0, 3.0]))
    assert not busy.never_waited


def test_never_waited_needs_an_empty_list_in_every_run():
    def runs(peaks):
        return SimpleNamespace(per_replication=pd.DataFrame({"peak_waiting_list": peaks}))

    assert never_waited(runs([0.0, 0.0, 0.0]))
    assert not never_waited(runs([0.0, 1.0, 0.0]))  # one run in which a family waited is enough
    assert not never_waited(runs([float("nan"), 0.0]))  # unknown is not "never"
    assert not never_waited(runs([]))
    assert not never_waited(SimpleNamespace(per_replication=pd.DataFrame({"mean_wait_days": [0.0]})))


def test_never_waited_in_real_runs_turns_on_the_staff():
    from tfsim.experiment import run_experiment
    from tfsim.scenario.schema import Scenario

    def cohort(workers):
        return Scenario.model_validate(dict(
            name="cohort", start_date="2020-01-01", end_date="2020-06-30",
            referrals=dict(cohort=[dict(date="2020-01-01", families=3)]),
            families=dict(intensity={"all": 1.0}, needs={}), engagement=dict(refusal_probability=0.0),
            roles=[dict(id="kw", caseload_cap_per_fte=1, in_post_fte=[1.0] * workers, duration_months=1.0)],
            allocation={"all": ["kw"]}))

    assert never_waited(run_experiment(cohort(3), 3, seed=1))  # a worker for every family at once
    assert not never_waited(run_experiment(cohort(1), 3, seed=1))  # two of the three wait


def test_wilson_interval_brackets_the_share():
    lo, hi = wilson_interval(45, 100)
    assert lo < 0.45 < hi
    assert all(math.isnan(v) for v in wilson_interval(0, 0))  # no runs, no interval


def test_too_few_runs_reaching_the_target_give_no_date():
    nan = float("nan")
    out = target_outlook(fake_results([100.0] * 3 + [80.0] * 7, [900.0] * 3 + [nan] * 7))
    assert out.reached_median is None and out.reached_share == pytest.approx(0.3)
    assert "Only 30% of runs reach the target before the run ends" in " ".join(out.sentences())
