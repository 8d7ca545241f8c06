"""Workforce dynamics: exact timelines on tiny scenarios, invariants, and steady-state theory."""

from __future__ import annotations

import datetime as dt
import numpy as np
import pytest
from helpers import ALL_TURNED_AROUND, MONTH, tiny_data
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tfsim.experiment import run_experiment
from tfsim.model import Calendar, build_replication, replication_statistics, simulate
from tfsim.model.entities import AGENCY, IN_SERVICE, WAITING
from tfsim.model.steps import Step
from tfsim.scenario.schema import Scenario
from tfsim.theory import steady_state_vacancy_share

FIXED_RECRUITMENT = dict(turnover_per_year=0.0, decision_delay_weeks=2, time_to_fill_weeks=10, notice_weeks=4,
                         induction_months=0)


def build(**overrides) -> Scenario:
    return Scenario.model_validate(tiny_data(**overrides))


def run(scenario, seed=1):
    replication = build_replication(scenario, np.random.SeedSequence(seed))
    log, _ = replication.run()
    return replication, log


def statistics(scenario, replication, log):
    return replication_statistics(scenario, Calendar.of(scenario), log, replication.snapshot())


def role(**kw):
    base = dict(id="kw", caseload_cap_per_fte=2, in_post_fte=[1.0, 1.0], duration_months=10.0,
                outcomes=ALL_TURNED_AROUND)
    base.update(kw)
    return base


def test_leaver_families_go_to_front_of_list_then_to_the_new_starter():
    scenario = build(
        roles=[role()],
        referrals=dict(cohort=[dict(date="2020-01-01", families=4), dict(date="2020-01-06", families=1)]),
        workforce=FIXED_RECRUITMENT,
        handover=dict(extra_weeks=2, disengagement_probability=0.0),
        staffing_plan=[dict(date="2020-03-01", role="kw", action="leave", fte=1.0)],
    )
    rep, log = run(scenario)
    f = rep.caseflow.families
    leaver = rep.workforce.workers[0]
    assert leaver.gone and not leaver.families
    # worker 0 held families 0 and 1; it left on 1 March (day 60); colleague full, so both waited
    # at the front of the list until the new starter began on day 60 + 2 + 10 weeks = 144
    remaining = 10 * MONTH - 60 + 14
    for fam in f[:2]:
        assert fam.worker is not None and fam.worker.id == 2
        assert fam.end_at == pytest.approx(144 + remaining)
    # the family referred on day 5 waited for the first free slot, when worker 1's families ended
    assert f[4].started == pytest.approx(10 * MONTH)
    assert log.handovers == [60.0, 60.0]
    assert log.leavers == [(60.0, 0)] and log.hires == [(144.0, 0)]
    s = statistics(scenario, rep, log).summary
    assert s["leavers"] == 1 and s["hires"] == 1 and s["handovers"] == 2
    assert s["mean_time_to_fill_days"] == pytest.approx(84)
    assert s["vacancy_fte_months"] == pytest.approx(84 / MONTH)


def test_leaver_takes_no_new_families_during_notice():
    scenario = build(
        roles=[role(in_post_fte=[1.0], duration_months=0.5)],
        referrals=dict(cohort=[dict(date="2020-02-10", families=1)]),
        workforce=FIXED_RECRUITMENT,
        staffing_plan=[dict(date="2020-03-01", role="kw", action="leave", fte=1.0)],
    )
    rep, _ = run(scenario)
    # notice began on 2 February (4 weeks before 1 March): the family waits for the new starter
    assert rep.caseflow.families[0].started == pytest.approx(144)


def test_family_handed_to_colleague_with_free_slot_keeps_remaining_time():
    scenario = build(
        roles=[role(caseload_cap_per_fte=3)],
        referrals=dict(cohort=[dict(date="2020-01-01", families=3)]),
        workforce=FIXED_RECRUITMENT,
        handover=dict(extra_weeks=2, disengagement_probability=0.0),
        staffing_plan=[dict(date="2020-03-01", role="kw", action="leave", fte=1.0)],
    )
    rep, _ = run(scenario)
    # worker 0 took all three; at day 60 worker 1 (cap 3, empty) takes them at once
    for fam in rep.caseflow.families:
        assert fam.worker is not None or fam.closed > 0
    assert all(fam.closed == pytest.approx(10 * MONTH + 14) for fam in rep.caseflow.families)


def test_handover_disengagement_closes_families():
    scenario = build(
        roles=[role()],
        workforce=FIXED_RECRUITMENT,
        handover=dict(extra_weeks=2, disengagement_probability=1.0),
        staffing_plan=[dict(date="2020-03-01", role="kw", action="leave", fte=1.0)],
    )
    rep, _ = run(scenario)
    s = simulate(scenario, 1).summary
    assert s["families_disengaged"] == 2 and s["handovers"] == 2


def test_vacant_post_filled_after_fixed_delay():
    scenario = build(
        roles=[role(in_post_fte=[], vacant_fte=[1.0])],
        workforce=dict(FIXED_RECRUITMENT, decision_delay_weeks=0, time_to_fill_weeks=6),
    )
    rep, log = run(scenario)
    assert [f.started for f in rep.caseflow.families] == pytest.approx([42, 42, 42 + 10 * MONTH])
    m = simulate(scenario, 1).monthly
    assert m["fte_establishment"][0] == 1 and m["vacant_fte"][0] == 1 and m["fte_in_post"][0] == 0
    assert m["vacant_fte"][1] == 0 and m["fte_in_post"][1] == 1


def test_failed_rounds_are_readvertised():
    scenario = build(
        roles=[role(in_post_fte=[], vacant_fte=[1.0])],
        workforce=dict(FIXED_RECRUITMENT, decision_delay_weeks=0, time_to_fill_weeks=4, round_failure_probability=0.5),
    )
    hires = [run(scenario, seed)[1].fill_days[0][1] for seed in range(40)]
    assert all(h % 28 == 0 for h in hires)  # always a whole number of four-week rounds
    assert min(hires) == 28 and max(hires) >= 84
    assert np.mean(hires) == pytest.approx(56, rel=0.25)  # geometric: 2 rounds on average


def test_freeze_delays_recruitment_until_it_ends():
    scenario = build(
        roles=[role(in_post_fte=[], vacant_fte=[1.0])],
        workforce=dict(FIXED_RECRUITMENT, decision_delay_weeks=0, time_to_fill_weeks=4),
        recruitment_freezes=[dict(start="2020-01-01", end="2020-01-31")],
    )
    _, log = run(scenario)
    assert log.hires == [(31 + 28, 0)]


def test_new_starter_caseload_rises_through_induction():
    scenario = build(
        roles=[role(caseload_cap_per_fte=5, in_post_fte=[], vacant_fte=[1.0], duration_months=24.0)],
        referrals=dict(cohort=[dict(date="2020-01-01", families=10)]),
        workforce=dict(FIXED_RECRUITMENT, decision_delay_weeks=0, time_to_fill_weeks=4, induction_months=3,
                       induction_start_share=0.4),
    )
    rep, log = run(scenario)
    # caps 2, 3, 4 then 5: shares 0.4, 0.6, 0.8 then full, a month apart
    assert log.capacity[0] == [(28, 2), (pytest.approx(28 + MONTH), 1), (pytest.approx(28 + 2 * MONTH), 1),
                               (pytest.approx(28 + 3 * MONTH), 1)]
    starts = sorted(f.started for f in rep.caseflow.families if f.started >= 0)
    assert starts == pytest.approx([28, 28, 28 + MONTH, 28 + 2 * MONTH, 28 + 3 * MONTH])
    m = simulate(scenario, 1).monthly
    assert list(m["workers_in_induction"][:5]) == [1, 1, 1, 0, 0]  # induction ends on day 119


def test_agency_cover_holds_families_until_the_new_starter_arrives():
    scenario = build(
        roles=[role(in_post_fte=[], vacant_fte=[1.0])],
        workforce=dict(FIXED_RECRUITMENT, decision_delay_weeks=0, time_to_fill_weeks=4, agency_cover=True,
                       agency_start_weeks=1),
        handover=dict(extra_weeks=0, disengagement_probability=0.0),
    )
    rep, log = run(scenario)
    agency = [w for w in rep.workforce.workers if w.kind == AGENCY]
    assert len(agency) == 1 and agency[0].gone
    assert [f.started for f in rep.caseflow.families[:2]] == pytest.approx([7, 7])
    assert len(log.handovers) == 2  # the agency worker's two families pass to the new starter
    # they carried on with the new starter without a break; the third family waited behind them
    assert [f.closed for f in rep.caseflow.families[:2]] == pytest.approx([7 + 10 * MONTH] * 2)
    assert rep.caseflow.families[2].started == pytest.approx(7 + 10 * MONTH)
    s = simulate(scenario, 1).summary
    assert s["agency_fte_months"] == pytest.approx(21 / MONTH)
    assert s["vacancy_fte_months"] == pytest.approx(28 / MONTH)  # covered vacancies still count


def test_establishment_tripled_creates_vacancies_then_hires():
    scenario = build(
        roles=[role(in_post_fte=[1.0])],
        workforce=dict(FIXED_RECRUITMENT, decision_delay_weeks=0, time_to_fill_weeks=6),
        staffing_plan=[dict(date="2020-04-01", role="kw", action="establishment", establishment_factor=3)],
    )
    m = simulate(scenario, 1).monthly
    assert list(m["fte_establishment"][2:5]) == [1, 3, 3]
    assert list(m["vacant_fte"][2:5]) == [0, 2, 0]
    assert list(m["fte_in_post"][2:5]) == [1, 1, 3]


def test_establishment_cut_removes_vacant_posts_first():
    scenario = build(
        roles=[role(in_post_fte=[1.0], vacant_fte=[1.0])],
        workforce=dict(FIXED_RECRUITMENT, decision_delay_weeks=52),
        staffing_plan=[dict(date="2020-02-01", role="kw", action="establishment", establishment_change_fte=-1)],
    )
    rep, log = run(scenario)
    m = simulate(scenario, 1).monthly
    assert m["fte_establishment"][1] == 1 and m["vacant_fte"][1] == 0 and m["fte_in_post"][1] == 1
    assert log.hires == []


def test_planned_start_fills_the_vacancy_and_stops_recruitment():
    scenario = build(
        roles=[role(in_post_fte=[0.5], vacant_fte=[1.0])],
        workforce=dict(FIXED_RECRUITMENT, decision_delay_weeks=0, time_to_fill_weeks=40),
        staffing_plan=[dict(date="2020-07-14", role="kw", action="start", fte=1.0, label="full-time FIP starts")],
    )
    rep, log = run(scenario)
    assert len(log.hires) == 1 and log.hires[0][0] == scenario.day_of(dt.date(2020, 7, 14))
    m = simulate(scenario, 1).monthly
    assert m["fte_in_post"][5] == 0.5 and m["fte_in_post"][6] == 1.5 and m["vacant_fte"][6] == 0


def test_secondment_adds_staff_outside_the_establishment():
    scenario = build(
        roles=[role(in_post_fte=[1.0])],
        staffing_plan=[dict(date="2020-03-01", role="kw", action="secondment", fte=0.5, until="2020-06-30")],
    )
    m = simulate(scenario, 1).monthly
    assert list(m["fte_in_post"][1:7]) == [1, 1.5, 1.5, 1.5, 1.5, 1]
    assert set(m["fte_establishment"]) == {1}
    assert m["hires_cumulative"][-1] == 0 and m["leavers_cumulative"][-1] == 0


def test_no_turnover_by_default():
    s = simulate(build(roles=[role()]), 1).summary
    assert s["leavers"] == 0 and s["hires"] == 0


def _steady_state_scenario(turnover, fill_weeks):
    return Scenario.model_validate(dict(
        name="vacancies", start_date="2000-01-01", end_date="2039-12-31", warm_up_months=36,
        families=dict(intensity={"all": 1.0}, needs={}),
        roles=[dict(id="kw", caseload_cap_per_fte=5, in_post_fte=[1.0] * 20)],
        allocation={"all": ["kw"]},
        workforce=dict(turnover_per_year=turnover, early_leaving_multiplier=1, notice_weeks=0,
                       decision_delay_weeks=0, induction_months=0,
                       time_to_fill_weeks=dict(distribution="exponential", mean=fill_weeks)),
    ))


@pytest.mark.parametrize("turnover, fill_weeks", [(0.16, 12.0), (0.5, 26.0)])
def test_long_run_vacant_share_matches_theory(turnover, fill_weeks):
    res = run_experiment(_steady_state_scenario(turnover, fill_weeks), replications=20, seed=2024)
    expected = steady_state_vacancy_share(turnover, fill_weeks * 7 / 365.25)
    lo, hi = res.value("vacancy_share", "ci_low"), res.value("vacancy_share", "ci_high")
    assert lo <= expected <= hi, (lo, res.value("vacancy_share"), hi, expected)


# ---- invariants over random workforce scenarios -------------------------------------------

@st.composite
def workforce_scenarios(draw):
    n_roles = draw(st.integers(1, 2))
    roles = []
    for i in range(n_roles):
        roles.append(dict(
            id=f"r{i}", caseload_cap_per_fte=draw(st.sampled_from([1, 3, 5])),
            in_post_fte=draw(st.lists(st.sampled_from([0.5, 1.0]), max_size=3)),
            vacant_fte=draw(st.lists(st.sampled_from([0.5, 1.0]), max_size=2)),
            duration_months=draw(st.floats(0.5, 8)),
            outcomes=ALL_TURNED_AROUND,
        ))
    ids = [r["id"] for r in roles]
    plan = draw(st.lists(st.builds(
        lambda m, r, a, f: dict(date=f"2020-{m:02d}-01", role=r, action=a, fte=f,
                                **({"establishment_factor": 2.0} if a == "establishment" else {}),
                                **({"until": "2021-01-31"} if a == "secondment" else {})),
        st.integers(1, 12), st.sampled_from(ids), st.sampled_from(["start", "leave", "secondment", "establishment"]),
        st.sampled_from([0.5, 1.0])), max_size=4))
    workforce = dict(
        turnover_per_year=draw(st.floats(0, 3)), early_leaving_multiplier=draw(st.floats(1, 4)),
        notice_weeks=draw(st.floats(0, 8)), decision_delay_weeks=draw(st.floats(0, 8)),
        time_to_fill_weeks=draw(st.floats(1, 20)), round_failure_probability=draw(st.floats(0, 0.9)),
        agency_cover=draw(st.booleans()), agency_start_weeks=draw(st.floats(0, 6)),
        induction_months=draw(st.floats(0, 4)), induction_start_share=draw(st.floats(0, 1)),
        sickness_absence_share=draw(st.floats(0, 0.3)), experienced_duration_factor=draw(st.floats(0.5, 1)),
    )
    return Scenario.model_validate(dict(
        name="random workforce", start_date="2020-01-01", end_date="2021-12-31",
        referrals=dict(rates=[dict(start="2020-01-01", per_month=draw(st.floats(0, 10)))],
                       cohort=[dict(date="2020-01-01", families=draw(st.integers(1, 20)))]),
        families=dict(intensity={"all": 1.0}, needs={}),
        engagement=dict(refusal_probability=0.1, disengagement_hazard_per_month=draw(st.floats(0, 0.2))),
        waiting_list=dict(discipline="fifo"),
        roles=roles, allocation={"all": draw(st.permutations(ids))},
        workforce=workforce, staffing_plan=plan,
        handover=dict(extra_weeks=draw(st.floats(0, 6)), disengagement_probability=draw(st.floats(0, 0.5))),
    ))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenario=workforce_scenarios(), seed=st.integers(0, 2**31))
def test_workforce_invariants(scenario, seed):
    rep, log = run(scenario, seed)
    res = statistics(scenario, rep, log)
    c = res.checks
    assert c["referred"] == c["refused_now"] + c["waiting_now"] + c["in_service_now"] + c["closed"]
    # no family lost or duplicated at a handover
    held = [fid for w in rep.workforce.workers for fid in w.families]
    assert len(held) == len(set(held))
    for fam in rep.caseflow.families:
        if fam.state == IN_SERVICE:
            assert fam.worker is not None and not fam.worker.gone and fam.worker.families.get(fam.id) is fam
        else:
            assert fam.worker is None
        if fam.state == WAITING:
            assert fam.id not in held
    assert len(held) == c["in_service_now"]
    # caps never exceeded, during induction too; FTE never negative
    assert not log.max_load_exceeded
    for w in rep.workforce.workers:
        assert 0 <= w.load <= w.cap <= w.caseload_cap()
        assert not (w.gone and w.families)
    for events in (*log.fte, *log.establishment, *log.vacant, *log.agency_fte, *log.capacity):
        assert (Step(events).level >= -1e-9).all()
    for (times, changes), cap_events in zip(log.busy, log.capacity):
        busy, cap = Step.changes(times, changes), Step(cap_events)
        if len(busy.t):
            # levels once every event at each instant has happened (a leaver's handovers and
            # their slots going happen at the same instant)
            after = busy.t + 1e-9
            assert np.all(busy.before(after) <= cap.before(after) + 1e-9)
    m = res.monthly
    assert (m["vacant_fte"] <= m["fte_establishment"] + 1e-9).all()
