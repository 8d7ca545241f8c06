"""Results found outside the exit of an intervention: data matching and work found during one.

Hand-computed timelines on the tiny scenario (one family referred 1 April 2012, day 0;
claims in quarterly windows from 1 April; paid a month after the claim).  The mechanisms
draw their waiting times from the family's own draws of their process, so each test reads
the first family's uniform of that process for the seed and computes the timeline from it.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from helpers import SCENARIOS, mmc_scenario

from tfsim.model import build_replication, simulate
from tfsim.model.claims import first_passage, first_passage_many
from tfsim.model.entities import DATA_MATCHED, EMPLOYMENT, MAIN_KINDS, PROGRESS
from tfsim.model.random import family_uniform
from tfsim.scenario import read_scenario, variant
from tfsim.scenario.schema import MAX_EXPECTED_LEAVERS, MAX_HORIZON_YEARS

from pbr_scenarios import make_tiny

DPM = 365.25 / 12
WORKLESS = {"needs": {"crime_asb": 0.0, "worklessness": 1.0}, "intensity": {"high": 1.0}}


def first_wait_days(process: str, hazard_per_month: float, seed: int = 0) -> float:
    """The exponential waiting time (days) of ``process`` for the first family referred, for ``seed``."""
    u = family_uniform(np.random.SeedSequence(seed), process, index=0)
    return -math.log1p(-u) / hazard_per_month * DPM


def run_book(scenario, seed: int = 0):
    replication = build_replication(scenario, np.random.SeedSequence(seed))
    replication.run()
    return replication, replication.claims


def same(a: float, b: float) -> bool:
    return a == b or (math.isnan(a) and math.isnan(b))


# ---- data matching: hand-computed timelines ----------------------------------------------


def test_refused_family_matched_from_its_referral():
    # The family refuses and is never approached again; data matching finds its results
    # after the drawn wait t; Phase 1 progress is sustained 6 months; claimed at the next
    # quarterly window; it was never attached, so its fee follows the year of the match
    # (FY 2012/13 or 2013/14) and no attachment fee is earned.
    sc = make_tiny({"framework": "phase1", "data_matching": {"hazard_per_month": 0.5}},
                   engagement={"refusal_probability": 1.0})
    rep, book = run_book(sc)
    t = first_wait_days("claims:data_matching", 0.5)
    (c,) = book.claims
    assert c.kind == DATA_MATCHED and c.kind in MAIN_KINDS
    assert c.achieved == pytest.approx(t) and c.exited == c.achieved
    assert c.eligible == pytest.approx(t + 6 * DPM)
    assert c.claimed == book.next_window(c.eligible)
    assert c.paid == pytest.approx(c.claimed + DPM)
    results = book.schedule.fees_attached_at(sc, t)[1]
    assert c.amount_gbp == results - 100.0  # the progress result: less the progress-to-work part
    r = simulate(sc, 0)
    assert r.summary["claims"] == r.summary["claims_data_matched"] == 1
    assert r.summary["income_attachment"] == 0.0 and r.summary["families_started"] == 0
    assert r.checks["claims_over_families"] == 0 and r.checks["claims_over_turned_around"] == 0
    month = int(np.searchsorted(r.monthly["claims_data_matched_cumulative"], 1))
    assert r.monthly["claims_cumulative"][month] == 1 and r.monthly["claims_cumulative"][month - 1] == 0


def test_family_in_service_matched_before_exit_is_claimed_once():
    # Matched at t, before its year-long intervention ends (1 - e^-12 likely at 1 a month):
    # one data-matched claim; its turn-around at exit (day 365.25) earns nothing more.
    sc = make_tiny({"framework": "phase1", "data_matching": {"hazard_per_month": 1.0, "sustain_months": 0}})
    t = first_wait_days("claims:data_matching", 1.0)
    assert t < 365.25
    rep, book = run_book(sc)
    (c,) = book.claims
    assert (c.kind, c.achieved, c.eligible) == (DATA_MATCHED, pytest.approx(t), pytest.approx(t))
    assert c.claimed == book.next_window(t)
    assert c.amount_gbp == 700.0  # attached 1 Apr 2012: £800 results less £100 progress to work
    r = simulate(sc, 0)
    assert r.summary["families_turned_around"] == 1 and r.summary["claims"] == 1
    assert r.checks["claims_twice"] == 0


def test_matching_starts_no_earlier_than_its_start_date():
    sc = make_tiny({"framework": "phase1", "data_matching": {"hazard_per_month": 1.0, "start": "2013-01-01",
                                                             "sustain_months": 0}},
                   engagement={"refusal_probability": 1.0})
    rep, book = run_book(sc)
    (c,) = book.claims
    assert c.achieved == pytest.approx(sc.day_of(sc.money.data_matching.start) + first_wait_days(
        "claims:data_matching", 1.0))


@pytest.mark.parametrize("flag, engagement", [
    ("while_refused", {"refusal_probability": 1.0}),
    ("while_in_service", {"refusal_probability": 0.0}),
])
def test_a_state_switched_off_is_never_matched(flag, engagement):
    sc = make_tiny({"framework": "phase1", "data_matching": {"hazard_per_month": 1.0, flag: False}},
                   engagement=engagement)
    _, book = run_book(sc)
    assert not [c for c in book.claims if c.kind == DATA_MATCHED]


def test_turned_around_family_is_not_matched_again():
    # exit at 365.25 turned around; matching would come long after (hazard 0.01 a month,
    # only families closed without a result may be matched)
    sc = make_tiny({"framework": "phase1", "data_matching": {"hazard_per_month": 0.01, "while_in_service": False}})
    _, book = run_book(sc)
    assert [c.kind for c in book.claims] == [PROGRESS]


# ---- employment during an intervention -------------------------------------------------


def test_work_found_during_the_intervention():
    # Workless family, always given employment support; work found at t after its start
    # (day 0), before its exit at 365.25; 13 weeks' continuous work; claimed at the next
    # window; the whole £800 results payment; its exit earns nothing more.
    sc = make_tiny({"framework": "phase1", "employment_support_share": 1.0, "follow_up_months": 0,
                    "employment_during_hazard_per_month": 0.5}, families=WORKLESS)
    t = first_wait_days("claims:employment_during", 0.5)
    assert t < 365.25
    _, book = run_book(sc)
    (c,) = book.claims
    assert c.kind == EMPLOYMENT and c.achieved == pytest.approx(t)
    assert c.eligible == pytest.approx(t + 13 * 7.0)
    assert c.claimed == book.next_window(c.eligible) and c.amount_gbp == 800.0
    r = simulate(sc, 0)
    assert r.summary["claims_employment"] == r.summary["claims_employment_during"] == 1
    assert r.summary["claims"] == 1 and r.summary["families_turned_around"] == 1


def test_no_work_during_the_intervention_after_exit_or_without_support():
    # work would be found after the family's exit (hazard 0.001 a month): nothing during it
    late = make_tiny({"framework": "phase1", "employment_support_share": 1.0,
                      "employment_supported_probability": 0.0, "employment_unsupported_probability": 0.0,
                      "employment_during_hazard_per_month": 0.001}, families=WORKLESS)
    assert first_wait_days("claims:employment_during", 0.001) > 365.25
    _, book = run_book(late)
    assert [c.kind for c in book.claims] == [PROGRESS]
    unsupported = make_tiny({"framework": "phase1", "employment_support_share": 0.0,
                             "employment_unsupported_probability": 0.0,
                             "employment_during_hazard_per_month": 5.0}, families=WORKLESS)
    _, book = run_book(unsupported)
    assert [c.kind for c in book.claims] == [PROGRESS]


# ---- switched off, nothing changes; invariants -------------------------------------------


@pytest.fixture(scope="module")
def sevenoaks():
    return read_scenario(SCENARIOS / "sevenoaks-2014.toml").scenario


@pytest.mark.parametrize("changes", [
    {"money.data_matching": {"hazard_per_month": 0.0}},
    {"money.employment_during_hazard_per_month": 0.0},
    # on, but applying to no family: its draws must not disturb any other stream
    {"money.data_matching": {"hazard_per_month": 0.3, "while_waiting": False, "while_refused": False,
                             "while_in_service": False, "after_closure": False}},
])
def test_mechanisms_that_claim_nothing_change_nothing(sevenoaks, changes):
    base = simulate(sevenoaks, 2)
    other = simulate(variant(sevenoaks, changes), 2)
    assert set(base.summary) == set(other.summary)
    for k, v in base.summary.items():
        assert same(v, other.summary[k]), k
    for k, v in base.monthly.items():
        assert np.array_equal(v, other.monthly[k]), k


@pytest.mark.parametrize("seed", range(4))
def test_invariants_with_both_mechanisms(sevenoaks, seed):
    sc = variant(sevenoaks, {"money.data_matching": {"hazard_per_month": 0.05, "sustain_months": 3},
                             "money.employment_during_hazard_per_month": 0.1,
                             "money.relapse_probability": 0.2, "money.rereferral_probability": 0.5})
    rep, book = run_book(sc, seed)
    r = simulate(sc, seed)
    main = [c for c in book.claims if c.kind in MAIN_KINDS]
    roots = [c.root for c in main]
    assert len(roots) == len(set(roots))  # no family claimed twice
    originals = sum(1 for f in rep.caseflow.families if f.id not in book.origin)
    assert len(main) <= originals  # claims never exceed the families identified
    for flag in ("claims_over_turned_around", "claims_over_families", "claims_before_sustained", "claims_twice"):
        assert r.checks[flag] == 0, flag
    assert r.summary["claims_data_matched"] > 0 and r.summary["claims_employment_during"] > 0
    assert r.summary["claims_data_matched"] + r.summary["claims_employment"] <= r.summary["claims"]
    for root in set(c.root for c in book.claims):
        assert sum(c.amount_gbp for c in book.claims if c.root == root) <= book.fees_of(root)[1] + 1e-9
    m = r.monthly
    assert np.all(np.diff(m["claims_data_matched_cumulative"]) >= 0)
    assert np.all(m["claims_data_matched_cumulative"] <= m["claims_cumulative"])
    assert r.checks["referred"] == r.checks["refused_now"] + r.checks["waiting_now"] + \
        r.checks["in_service_now"] + r.checks["closed"]


# ---- a data-matching hazard that changes over time ------------------------------------------


def test_first_passage_through_a_stepped_hazard():
    # no hazard before day 100; 0.01 a day from 100, 0.1 a day from 200
    starts, hazards = np.array([100.0, 200.0]), np.array([0.01, 0.1])
    assert first_passage(starts, hazards, 0.0, 0.5) == pytest.approx(150.0)  # 0.5 / 0.01 after day 100
    assert first_passage(starts, hazards, 0.0, 1.5) == pytest.approx(205.0)  # 1 by day 200, 0.5 / 0.1 more
    assert first_passage(starts, hazards, 250.0, 1.0) == pytest.approx(260.0)
    assert first_passage(np.array([-np.inf, 50.0]), np.array([0.0, 0.0]), 0.0, 0.1) == math.inf


def test_matching_period_raises_the_hazard_from_its_date():
    # hazard 0 until 1 January 2013, then 1 a month: the match comes the drawn effort after it
    sc = make_tiny({"framework": "phase1", "data_matching": {
        "hazard_per_month": 0.0, "sustain_months": 0, "periods": [{"start": "2013-01-01", "hazard_per_month": 1.0}]}},
        engagement={"refusal_probability": 1.0})
    _, book = run_book(sc)
    (c,) = book.claims
    assert c.achieved == pytest.approx(sc.day_of(sc.money.data_matching.periods[0].start)
                                       + first_wait_days("claims:data_matching", 1.0))


def test_matching_periods_must_be_in_order():
    with pytest.raises(ValueError, match="date order"):
        make_tiny({"data_matching": {"periods": [{"start": "2013-01-01", "hazard_per_month": 1.0},
                                                 {"start": "2012-06-01", "hazard_per_month": 1.0}]}})
    with pytest.raises(ValueError, match="after 'start'"):
        make_tiny({"data_matching": {"start": "2013-01-01",
                                     "periods": [{"start": "2012-06-01", "hazard_per_month": 1.0}]}})


# ---- the bundled Phase 1 hindcasts rest on data matching ------------------------------------


@pytest.mark.slow
def test_lincolnshire_meets_its_target_only_with_data_matching():
    # 100% of 1,370 claimed by May 2015 (Lincolnshire minutes 2015): key work alone never
    # gets there (families still in service, disengaged at a handover or waiting for a claim
    # window at the deadline); with data matching some runs do.
    sc = read_scenario(SCENARIOS / "lincolnshire-phase1.toml").scenario
    assert sc.money.data_matching is not None and sc.money.data_matching.on
    off = variant(sc, {"money.data_matching": None})
    on_runs = [simulate(sc, seed).summary for seed in range(40)]
    off_runs = [simulate(off, seed).summary for seed in range(40)]
    assert sum(s["p_target_met"] for s in off_runs) == 0
    assert max(s["claims"] for s in off_runs) < 1370
    assert sum(s["p_target_met"] for s in on_runs) >= 2
    assert all(s["claims_data_matched"] > 0 for s in on_runs)
    assert np.mean([s["claims"] for s in on_runs]) > np.mean([s["claims"] for s in off_runs])


def test_nw_leicestershire_adviser_finds_work_during_interventions():
    sc = read_scenario(SCENARIOS / "nw-leicestershire-2013.toml").scenario
    assert sc.money.employment_during_hazard_per_month > 0
    during = [simulate(sc, seed).summary["claims_employment_during"] for seed in range(10)]
    assert np.mean(during) > 0
    off = variant(sc, {"money.employment_during_hazard_per_month": 0.0})
    assert all(simulate(off, seed).summary["claims_employment_during"] == 0 for seed in range(3))


# ---- long horizons ------------------------------------------------------------------------


def test_long_horizons_and_warm_ups_are_allowed():
    sc = mmc_scenario(5, 4.75, 1.0, years=400, warm_up_months=1200)
    assert sc.horizon_days > 60 * 365.25 and sc.warm_up_months == 1200
    with pytest.raises(ValueError, match=f"at most {MAX_HORIZON_YEARS} years"):
        mmc_scenario(5, 4.75, 1.0, years=MAX_HORIZON_YEARS + 1, warm_up_months=0)


def test_expected_leavers_still_bound_the_work_of_a_long_run():
    # 50 workers leaving 5 times a year for 900 years is 225,000 leavers: allowed; ten times
    # the workers is over the cap
    def staffed(workers: int):
        sc = mmc_scenario(5, 0.1, 1.0, years=900, warm_up_months=0)
        return sc.model_validate({**sc.model_dump(), "workforce": {"turnover_per_year": 5.0},
                                  "roles": [{**sc.roles[0].model_dump(), "in_post_fte": [1.0] * workers}]})
    allowed = staffed(50)
    assert allowed.expected_leavers() == pytest.approx(5 * 50 * allowed.horizon_days / 365.25)
    assert allowed.expected_leavers() < MAX_EXPECTED_LEAVERS
    with pytest.raises(ValueError, match="leavers expected; at most"):
        staffed(500)


@given(st.lists(st.floats(0, 2000), min_size=0, max_size=4), st.lists(st.sampled_from([0.0, 0.001, 0.02, 0.5]) |
                                                                       st.floats(0, 1), min_size=5, max_size=5),
       st.booleans(), st.lists(st.tuples(st.floats(0, 2500), st.floats(0, 12)), min_size=1, max_size=30))
@settings(max_examples=200, deadline=None)
def test_first_passage_for_a_block_of_families_is_the_same_floats_as_one_at_a_time(steps, hazards, always, families):
    starts = np.array(([-np.inf] if always else []) + sorted(steps) or [0.0], dtype=float)
    rates = np.array(hazards[:len(starts)], dtype=float)
    t0 = np.array([f[0] for f in families])
    effort = np.array([f[1] for f in families])
    many = first_passage_many(starts, rates, t0, effort)
    one = [first_passage(starts.tolist(), rates.tolist(), t, e) for t, e in zip(t0.tolist(), effort.tolist())]
    assert many.tolist() == one
