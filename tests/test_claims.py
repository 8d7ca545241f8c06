"""Claim timelines: hand-computed cases (one family, known dates) and invariants.

The tiny scenario: one family referred on 1 April 2012 (day 0), allocated at once to a
full-time FIP, intervention exactly 12 months = 365.25 days, always turned around, no
refusal, no disengagement, results claimed in quarterly windows (1 Apr, 1 Jul, 1 Oct,
1 Jan) and paid one month (30.4375 days) after the claim.
"""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pytest
from helpers import SCENARIOS

from tfsim.model import build_replication, financial_year, simulate
from tfsim.model.claims import claim_windows
from tfsim.model.entities import (
    CLOSED,
    EMPLOYMENT,
    IN_SERVICE,
    MAIN_KINDS,
    PROGRESS,
    PROGRESS_TO_WORK,
    REFUSED,
    WAITING,
)
from tfsim.model.fees import FeeSchedule
from tfsim.scenario import read_scenario, variant
from tfsim.scenario.schema import Money, Scenario

from pbr_scenarios import TINY, make_tiny

DPM = 365.25 / 12


@pytest.fixture
def tiny():
    return make_tiny


def run_book(scenario: Scenario, seed: int = 0):
    replication = build_replication(scenario, np.random.SeedSequence(seed))
    replication.run()
    return replication, replication.claims


def day(date: str) -> float:
    return float((dt.date.fromisoformat(date) - dt.date(2012, 4, 1)).days)


# ---- hand-computed timelines ------------------------------------------------------------


def test_phase1_progress_result_timeline():
    # exit 365.25 (1 Apr 2013, 06:00); sustain 6 months -> 547.875 (30 Sep 2013, 21:00);
    # follow-up at 4 months (487.0) is earlier; next window 1 Oct 2013 = day 548;
    # paid 548 + 30.4375 = 578.4375 (31 Oct 2013, FY 2013/14).
    # Attached 1 Apr 2012 (FY 2012/13): £3,200 attachment, £800 results of which the
    # crime/ASB + education result earns £700 (£100 is for progress to work).
    rep, book = run_book(make_tiny({"framework": "phase1"}))
    assert len(book.claims) == 1
    c = book.claims[0]
    assert c.kind == PROGRESS
    assert c.exited == 365.25
    assert c.eligible == pytest.approx(547.875)
    assert c.claimed == day("2013-10-01") == 548.0
    assert c.paid == pytest.approx(578.4375)
    assert c.amount_gbp == 700.0
    assert book.fees_of(0) == (3200.0, 800.0)


def test_phase1_progress_result_money_by_month_and_year():
    r = simulate(make_tiny({"framework": "phase1"}), 0)
    s, m = r.summary, r.monthly
    assert s["claims"] == 1
    assert s["income_attachment"] == 3200.0
    assert s["income_results"] == 700.0
    assert s["income_total"] == 3900.0
    assert m["income_attachment"][0] == 3200.0  # 2012-04
    assert m["income_attachment"][1:].sum() == 0
    oct13 = 18  # months from 2012-04
    assert m["income_results"][oct13] == 700.0 and m["income_results"].sum() == 700.0
    assert m["claims_cumulative"][oct13 - 1] == 0 and m["claims_cumulative"][oct13] == 1
    assert m["income_cumulative"][-1] == 3900.0


def test_phase2_progress_result():
    # Phase 2: £1,000 on attachment (day 0, FY 2012/13), £800 on results paid 31 Oct 2013 (FY 2013/14).
    rep, book = run_book(make_tiny({"framework": "phase2"}))
    (c,) = book.claims
    assert (c.kind, c.claimed, c.amount_gbp) == (PROGRESS, 548.0, 800.0)
    assert c.paid == pytest.approx(578.4375)
    r = simulate(make_tiny({"framework": "phase2"}), 0)
    assert r.summary["income_attachment"] == 1000.0
    assert r.summary["income_results"] == 800.0
    assert r.monthly["income_results"][18] == 800.0


def test_phase1_employment_result_earns_whole_results_payment():
    # A workless family, always supported, always into work: 13 weeks from exit ends at
    # 456.25 (1 Jul 2013, 06:00), just after the 1 July window, so it is claimed 1 Oct 2013
    # (day 548) and paid 31 Oct 2013: £800 (the whole results payment).
    sc = make_tiny({"framework": "phase1", "follow_up_months": 0, "employment_support_share": 1.0,
                    "employment_supported_probability": 1.0},
                   families={"needs": {"crime_asb": 0.0, "worklessness": 1.0}, "intensity": {"high": 1.0}})
    rep, book = run_book(sc)
    (c,) = book.claims
    assert c.kind == EMPLOYMENT
    assert c.eligible == pytest.approx(456.25)
    assert (c.claimed, c.amount_gbp) == (548.0, 800.0)
    r = simulate(sc, 0)
    assert r.summary["claims_employment"] == 1 and r.summary["income_results"] == 800.0


def test_phase1_family_attached_in_2013_14():
    # Referred and attached 1 Apr 2013 (day 365, FY 2013/14): £2,400 attachment; exit at
    # 730.25; 6 months later 912.875 (30 Sep 2014, 21:00); claimed 1 Oct 2014 (day 913),
    # paid 31 Oct 2014 (FY 2014/15): £1,600 - £100 = £1,500.
    sc = make_tiny({"framework": "phase1"}, referrals={"cohort": [{"date": "2013-04-01", "families": 1}]})
    rep, book = run_book(sc)
    (c,) = book.claims
    assert book.fees_of(0) == (2400.0, 1600.0)
    assert (c.claimed, c.amount_gbp) == (day("2014-10-01"), 1500.0)
    r = simulate(sc, 0)
    assert r.summary["income_attachment"] == 2400.0
    assert r.monthly["income_attachment"][12] == 2400.0  # 2013-04
    assert r.monthly["income_results"][30] == 1500.0  # 2014-10


def test_workless_family_progress_to_work_plus_progress():
    # Workless but never into work: progress to work (£100, no sustain) is claimed at the
    # first window after the follow-up (487.0 -> 1 Oct 2013) and the progress result (£700)
    # too: £800 in all, never more than the results payment.
    sc = make_tiny({"framework": "phase1", "employment_supported_probability": 0.0,
                    "employment_unsupported_probability": 0.0, "progress_to_work_probability": 1.0},
                   families={"needs": {"crime_asb": 0.0, "worklessness": 1.0}, "intensity": {"high": 1.0}})
    rep, book = run_book(sc)
    kinds = {c.kind: c for c in book.claims}
    assert set(kinds) == {PROGRESS, PROGRESS_TO_WORK}
    assert kinds[PROGRESS_TO_WORK].amount_gbp == 100.0 and kinds[PROGRESS_TO_WORK].claimed == 548.0
    assert kinds[PROGRESS].amount_gbp == 700.0
    r = simulate(sc, 0)
    assert r.summary["claims"] == 1  # progress to work is not a claim of a turned-around family
    assert r.summary["claims_progress_to_work"] == 1
    assert r.summary["income_results"] == 800.0


def test_custom_framework_monthly_windows():
    # Custom: £2,000 a family, half on attachment; 3 months' sustained progress; monthly
    # windows, no follow-up, paid at once. Exit 365.25 + 91.3125 = 456.5625 (1 Jul 2013,
    # 13:30) -> claimed and paid 1 Aug 2013 (day 487): £1,000.
    sc = make_tiny({"framework": "custom", "fee_per_family_gbp": 2000, "attachment_share": 0.5,
                    "progress_sustain_months": 3, "employment_sustain_weeks": 13, "follow_up_months": 0,
                    "claim_window_months": 1, "payment_lag_months": 0})
    rep, book = run_book(sc)
    (c,) = book.claims
    assert (c.claimed, c.paid, c.amount_gbp) == (487.0, 487.0, 1000.0)
    r = simulate(sc, 0)
    assert r.summary["income_attachment"] == 1000.0 and r.summary["income_results"] == 1000.0
    assert r.monthly["income_results"][16] == 1000.0  # 2013-08


def test_phase1_five_of_six_funded_rounds_to_the_penny():
    s = FeeSchedule(Money(framework="phase1"))
    assert s.fees(2012) == (2666.67, 666.66)
    assert s.ptw == 83.33
    assert s.fees(2014) == (1333.33, 2000.0)
    assert s.fees(2020) == (1333.33, 2000.0)  # years after the table keep the last share


def test_long_follow_up_delays_the_claim():
    # Follow-up at 9 months (exit + 273.9375 = 639.1875, 31 Dec 2013 04:30) is later than the
    # 6-month sustain period (547.875): claimed at the next window, 1 Jan 2014 (day 640).
    rep, book = run_book(make_tiny({"framework": "phase1", "follow_up_months": 9}))
    (c,) = book.claims
    assert c.eligible == pytest.approx(639.1875)
    assert c.claimed == day("2014-01-01") == 640.0


def test_claim_windows_quarterly_from_april():
    sc = make_tiny()
    w = claim_windows(sc, 3)
    assert list(w[:5]) == [0.0, day("2012-07-01"), day("2012-10-01"), day("2013-01-01"), day("2013-04-01")]
    assert financial_year(dt.date(2013, 3, 31)) == 2012 and financial_year(dt.date(2013, 4, 1)) == 2013


# ---- relapse and re-referral ----------------------------------------------------------------


def test_relapse_voids_claim_and_rereferral_is_a_new_referral():
    # Always relapses, always re-referred: the family goes round again (a new Family record
    # each time) but never earns a claim, and earns one attachment fee only.
    sc = make_tiny({"framework": "phase1", "relapse_probability": 1.0, "rereferral_probability": 1.0,
                    "rereferral_delay_months": 1})
    rep, book = run_book(sc)
    assert book.claims == []
    assert len(book.rereferrals) >= 1
    assert all(book.root_of(f.id) == 0 for f in rep.caseflow.families)
    r = simulate(sc, 0)
    assert r.summary["claims"] == 0
    assert r.summary["income_attachment"] == 3200.0
    assert r.summary["families_referred"] == 1 + r.summary["rereferrals"]
    states = np.bincount([f.state for f in rep.caseflow.families], minlength=5)
    assert len(rep.log.referred) == states[REFUSED] + states[WAITING] + states[IN_SERVICE] + states[CLOSED]


def test_relapse_after_follow_up_rerefers_at_relapse_plus_delay():
    # Relapse time is uniform over the 6-month sustain period after exit (365.25); the
    # follow-up is at exit (0 months), so the relapse comes to light when it happens and
    # the re-referral follows 2 months later.
    sc = make_tiny({"relapse_probability": 1.0, "rereferral_probability": 1.0, "follow_up_months": 0,
                    "rereferral_delay_months": 2}, end_date="2013-12-31")
    rep, book = run_book(sc)
    (seen, root), = book.voided
    assert 365.25 <= seen <= 365.25 + 6 * DPM
    assert book.rereferrals == [pytest.approx(seen + 2 * DPM)]


# ---- invariants over random runs ---------------------------------------------------------


@pytest.fixture(scope="module")
def bundled() -> Scenario:
    result = read_scenario(SCENARIOS / "sevenoaks-2014.toml")
    assert result.ok
    return result.scenario


@pytest.mark.parametrize("seed", range(6))
def test_invariants_on_the_bundled_scenario(bundled, seed):
    sc = variant(bundled, {"money.relapse_probability": 0.3, "money.rereferral_probability": 0.8})
    rep, book = run_book(sc, seed)
    H = sc.horizon_days
    ta = np.sort(np.asarray(rep.log.close_t)[np.asarray(rep.log.close_kind) == 0])
    main = [c for c in book.claims if c.kind in MAIN_KINDS]
    claimed = np.sort([c.claimed for c in main if c.claimed < H])
    # claims never exceed families turned around, at any time
    assert all(np.searchsorted(ta, t, side="left") >= i + 1 for i, t in enumerate(claimed))
    for c in book.claims:
        sustain = {PROGRESS: 6 * DPM, EMPLOYMENT: 13 * 7.0, PROGRESS_TO_WORK: 0.0}[c.kind]
        assert c.claimed >= c.eligible >= c.exited + sustain - 1e-9  # never before the sustain period ends
        assert c.eligible >= c.exited + 4 * DPM - 1e-9  # nor before the follow-up
        assert c.paid == pytest.approx(c.claimed + DPM)
    # at most one main claim per family (over all its episodes); results never above the cap
    roots = [c.root for c in main]
    assert len(roots) == len(set(roots))
    for root in set(c.root for c in book.claims):
        paid = sum(c.amount_gbp for c in book.claims if c.root == root)
        assert paid <= book.fees_of(root)[1] + 1e-9
    # one attachment fee per family: re-referred records earn none
    r = simulate(sc, np.random.SeedSequence(seed))
    originals = [f for f in rep.caseflow.families if f.started >= 0 and f.id not in book.origin]
    assert r.checks["attachments"] == len(originals)
    assert r.summary["income_attachment"] == pytest.approx(
        sum(book.schedule.fees_attached_at(sc, f.started)[0] for f in originals))
    for flag in ("claims_over_turned_around", "claims_before_sustained", "claims_twice"):
        assert r.checks[flag] == 0
    m = r.monthly
    assert np.all(m["claims_cumulative"] <= m["turned_around_cumulative"])
    assert np.all(np.diff(m["claims_cumulative"]) >= 0)
    assert r.checks["referred"] == r.checks["refused_now"] + r.checks["waiting_now"] + \
        r.checks["in_service_now"] + r.checks["closed"]


def test_money_section_does_not_disturb_the_other_streams(bundled):
    # Without re-referrals the claims streams never feed back: the caseload results are the
    # same with and without [money].
    with_money = simulate(variant(bundled, {"money.rereferral_probability": 0.0}), 3)
    without = simulate(variant(bundled, {"money": None}), 3)
    for k, v in without.summary.items():
        assert with_money.summary[k] == v or (math.isnan(v) and math.isnan(with_money.summary[k]))
    assert "claims" not in without.summary and "claims_cumulative" not in without.monthly


# ---- validation ----------------------------------------------------------------------------------


def test_custom_framework_needs_its_fees(tiny):
    with pytest.raises(ValueError, match="custom framework needs fee_per_family_gbp"):
        tiny({"framework": "custom"})


def test_salary_of_unknown_role_suggests(tiny):
    with pytest.raises(ValueError, match="did you mean 'fip'"):
        tiny({"costs": {"salary_gbp": {"fpi": 30000}}})


def test_target_deadline_inside_scenario(tiny):
    with pytest.raises(ValueError, match="money.target.deadline"):
        tiny({"target": {"families": 1, "deadline": "2016-01-01"}})


def test_unknown_money_key_is_an_error(tiny):
    with pytest.raises(ValueError, match="extra"):
        tiny({"sustain_monthz": 3})


def test_scenario_without_money_still_validates():
    assert Scenario.model_validate(TINY).money is None


def test_result_achieved_during_the_intervention_can_be_claimed_soon_after_exit():
    # the result comes part-way through the year-long intervention; its 6-month sustain
    # period may end before exit, and the claim then waits only for the follow-up
    rep, book = run_book(make_tiny({"framework": "phase1", "result_during_share": 1.0, "follow_up_months": 0}))
    (c,) = book.claims
    assert 0.0 <= c.achieved <= c.exited == 365.25
    assert c.eligible == pytest.approx(max(c.achieved + 6 * DPM, c.exited))
    assert c.claimed == book.next_window(c.eligible)
    # against the default (result at exit) the claim comes no later
    _, after = run_book(make_tiny({"framework": "phase1", "follow_up_months": 0}))
    assert c.claimed <= after.claims[0].claimed


def test_results_during_share_spreads_achievement_dates():
    sc = make_tiny({"framework": "phase1", "result_during_share": 0.5, "follow_up_months": 0},
                   referrals={"cohort": [{"date": "2012-04-01", "families": 40}]},
                   roles=[{"id": "fip", "caseload_cap_per_fte": 40, "in_post_fte": [1.0], "duration_months": 12,
                           "outcomes": {"turned_around": 1, "improved": 0, "no_progress": 0, "disengaged": 0}}])
    _, book = run_book(sc, seed=3)
    during = [c for c in book.claims if c.achieved < c.exited]
    assert 8 <= len(during) <= 32  # about half of 40
    assert all(c.achieved == c.exited for c in book.claims if c not in during)
