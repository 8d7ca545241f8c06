"""What-if analyses: paired comparison, sweeps, goal seek and sensitivity, against direct computations and known answers."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from helpers import SCENARIOS, mmc_scenario, tiny
from scipy import stats

from tfsim import whatif
from tfsim.catalogue import SUMMARY
from tfsim.experiment import Runner, run_experiment
from tfsim.scenario import VariantError, load_scenario
from tfsim.theory import erlang_c


def small_queue(servers: int = 2) -> object:
    """A short M/M/c-like scenario: Poisson referrals, exponential interventions, one role, three years."""
    return mmc_scenario(servers, 1.5, 1.0, years=3, warm_up_months=3)


def deadline_cohort():
    """12 families at the start, fixed one-month interventions, one family a worker: c workers turn around 3c
    families by mid-April, so the target of 12 needs exactly 4 workers."""
    return tiny(referrals=dict(cohort=[dict(date="2020-01-01", families=12)]),
                money=dict(target=dict(families=12, deadline="2020-04-15", measure="turned_around")))


# ---- values and paths -------------------------------------------------------------------------


def test_values_lists_and_ranges():
    assert whatif.parse_values("4,5,6") == [4, 5, 6]
    assert whatif.parse_values("0.1,0.2") == [0.1, 0.2]
    assert whatif.parse_values("2:10:4") == [2, 6, 10]
    assert whatif.parse_values("0.1:0.3:0.1") == [0.1, 0.2, 0.3]
    assert whatif.parse_values("2016-01-31:2016-04-30:1m") == [dt.date(2016, 1, 31), dt.date(2016, 2, 29),
                                                               dt.date(2016, 3, 31), dt.date(2016, 4, 30)]
    assert whatif.parse_values("2016-01-01:2016-01-15:7") == [dt.date(2016, 1, 1), dt.date(2016, 1, 8),
                                                              dt.date(2016, 1, 15)]
    assert whatif.parse_vary("roles.fip.caseload_cap_per_fte=4,5") == ("roles.fip.caseload_cap_per_fte", [4, 5])


@pytest.mark.parametrize("text", ["", "1:2", "5:1:1", "1:5:0", "a:b:c", "2016-01-01:2016-02-01:x"])
def test_bad_values_are_refused_in_words(text):
    with pytest.raises(whatif.WhatIfError):
        whatif.parse_values(text)


def test_count_helper_sets_full_time_workers():
    scenario = whatif.make_variant(small_queue(), {"roles.kw.in_post_fte.count": 5})
    assert scenario.roles[0].in_post_fte == [1.0] * 5
    assert whatif.value_at(scenario, "roles.kw.in_post_fte.count") == 5
    with pytest.raises(VariantError, match="whole number"):
        whatif.make_variant(small_queue(), {"roles.kw.in_post_fte.count": -1})


# ---- paired comparison ------------------------------------------------------------------------


def test_compare_against_itself_gives_zero_and_no_clear_difference():
    scenario = small_queue()
    with Runner(1) as runner:
        comparison = whatif.compare(scenario, [("same", scenario)], 6, 3, runner)
    table = comparison.table
    assert (table["diff_mean"].dropna() == 0).all()
    assert (table["diff_ci_low"].dropna() == 0).all() and (table["diff_ci_high"].dropna() == 0).all()
    assert set(table["verdict"]) <= {whatif.NO_CLEAR_DIFFERENCE, "n/a"}
    assert whatif.NO_CLEAR_DIFFERENCE in set(table["verdict"])
    series = comparison.series("same", "waiting_list")
    assert (series["diff_mean"] == 0).all()


def test_compare_with_more_staff_matches_a_direct_paired_computation():
    base, more = small_queue(2), small_queue(3)
    n, seed = 12, 5
    with Runner(1) as runner:
        comparison = whatif.compare(base, [("3 workers", more)], n, seed, runner)
    a = run_experiment(base, n, seed).per_replication["mean_wait_days"].to_numpy()
    b = run_experiment(more, n, seed).per_replication["mean_wait_days"].to_numpy()
    d = b - a
    half = stats.t.ppf(0.975, n - 1) * d.std(ddof=1) / np.sqrt(n)
    row = comparison.row("3 workers", "mean_wait_days")
    assert row.baseline_mean == pytest.approx(a.mean()) and row.variant_mean == pytest.approx(b.mean())
    assert row.diff_mean == pytest.approx(d.mean())
    assert row.diff_ci_low == pytest.approx(d.mean() - half) and row.diff_ci_high == pytest.approx(d.mean() + half)
    assert row.p_better == pytest.approx(np.mean(d < 0))  # a shorter wait is better
    assert row.verdict == "better" and row.diff_ci_high < 0
    # pairing: common random numbers make the interval narrower than independent runs would
    assert row.paired_half_width < row.independent_half_width
    # a metric with no better direction has a blank p_better
    assert np.isnan(comparison.row("3 workers", "families_referred").p_better)
    # the monthly paired differences, month by month
    wl = comparison.series("3 workers", "waiting_list")
    direct = (comparison.variants[0][1].replication_values("waiting_list")
              - comparison.baseline.replication_values("waiting_list"))
    assert np.allclose(wl["diff_mean"], direct.mean(axis=0))
    sd = direct.std(axis=0, ddof=1)
    assert np.allclose(wl["diff_ci_high"] - wl["diff_mean"], stats.t.ppf(0.975, n - 1) * sd / np.sqrt(n))


def test_verdict_never_names_a_direction_when_the_interval_spans_zero():
    wait = SUMMARY["mean_wait_days"]
    assert whatif.verdict(wait, -1.0, 2.0, 0.5) == whatif.NO_CLEAR_DIFFERENCE
    assert whatif.verdict(wait, 0.0, 0.0, 0.0) == whatif.NO_CLEAR_DIFFERENCE
    assert whatif.verdict(wait, -3.0, -1.0, -2.0) == "better"
    assert whatif.verdict(wait, 1.0, 3.0, 2.0) == "worse"
    assert whatif.verdict(SUMMARY["families_referred"], 1.0, 3.0, 2.0) == "higher"


# ---- sweeps ----------------------------------------------------------------------------------


def test_differences_read_with_their_sign_unit_and_interval():
    families, chance, cost = SUMMARY["families_turned_around"], SUMMARY["p_target_met"], SUMMARY["net_cost"]
    assert whatif.format_difference(families, 1.234) == "+1.2 families"
    assert whatif.format_difference(families, -0.01) == "±0.0 families"  # never "-0.0"
    assert whatif.format_difference(families, 2.0, unit=False) == "+2.0"
    assert whatif.interval_text(families, 0.81, 1.74) == "95% interval +0.8 to +1.7 families"
    assert whatif.interval_text(chance, -0.03, 0.05) == "95% interval -3.0 to +5.0 points"
    assert whatif.interval_text(cost, -1500, 300.4) == "95% interval -£1,500 to +£300"
    assert "no interval" in whatif.interval_text(families, float("nan"), float("nan"))


def test_varied_values_are_every_number_a_sweep_can_set():
    sevenoaks = load_scenario(SCENARIOS / "sevenoaks-2014.toml")
    values = whatif.varied_values(sevenoaks)
    paths = [v.path for v in values]
    assert paths[0] == "roles.fip.in_post_fte.count" and values[0].whole and values[0].unit == "workers"
    assert len(paths) == len(set(paths))
    assert {"engagement.refusal_probability", "workforce.turnover_per_year", "money.target.families",
            "roles.fsw.caseload_cap_per_fte", "referrals.rates.0.per_month"} <= set(paths)
    # numbers that only make sense together are left out
    assert not any(".outcomes." in p or p.startswith("families.intensity") for p in paths)
    by_path = {v.path: v for v in values}
    assert by_path["roles.lead_worker.in_post_fte.count"].value == 2
    assert by_path["engagement.refusal_probability"].text == "Engagement: Refusal probability (0 to 1)"
    assert by_path["roles.fip.caseload_cap_per_fte"].text == \
        "Family Intervention Practitioner (KCA): Caseload cap (families per FTE)"
    assert by_path["workforce.turnover_per_year"].text == "Workforce: Turnover per year"  # no unit said twice
    # every one is a path the variants understand, holding the value listed
    for v in values:
        changed = whatif.make_variant(sevenoaks, {v.path: v.value})
        held = whatif.value_at(changed, v.path)
        assert (held["value"] if isinstance(held, dict) else held) == v.value, v.path


def test_sweep_over_workers_follows_erlang_c_and_finds_the_needed_capacity():
    # offered load 2 (2 referrals a month, one-month interventions): P(wait) 0.444, 0.174, 0.060 for 3, 4, 5
    scenario = mmc_scenario(3, 2.0, 1.0, years=40, warm_up_months=12)
    with Runner(1) as runner:
        result = whatif.sweep(scenario, [("roles.kw.in_post_fte.count", [3, 4, 5])], 20, 11, runner)
    table = result.table()
    assert list(table.columns) == ["roles.kw.in_post_fte.count", "metric", "mean", "ci_low", "ci_high", "p05", "p50",
                                   "p95"]
    rows = table[table["metric"] == "share_waited"].set_index("roles.kw.in_post_fte.count")
    waited = rows["mean"]
    lam, mu = 2.0, 1.0
    for c in (3, 4, 5):
        assert rows.loc[str(c), "ci_low"] <= erlang_c(lam, mu, c) <= rows.loc[str(c), "ci_high"]
    # capacity needed for at most a 25% chance of waiting: 4 (Erlang C), and the sweep says so
    needed = min(c for c in (3, 4, 5) if waited[str(c)] <= 0.25)
    assert needed == min(c for c in (3, 4, 5) if erlang_c(lam, mu, c) <= 0.25) == 4


def test_sweep_reports_an_invalid_point_and_runs_the_others():
    with Runner(1) as runner:
        result = whatif.sweep(small_queue(), [("roles.kw.caseload_cap_per_fte", [1, 0, 2]),
                                              ("workforce.turnover_per_year", [0.0, 0.1])], 2, 1, runner)
    bad = [p for p in result.points if p.error]
    assert len(bad) == 2 and all("roles.kw.caseload_cap_per_fte" in p.error for p in bad)
    assert len(result.valid) == 4
    table = result.table()
    assert set(table["roles.kw.caseload_cap_per_fte"]) == {"1", "2"}
    assert set(table["workforce.turnover_per_year"]) == {"0", "0.1"}


def test_sweep_probability_uses_the_wilson_interval():
    with Runner(1) as runner:
        result = whatif.sweep(deadline_cohort(), [("roles.kw.in_post_fte.count", [3, 4])], 4, 1, runner)
    t = result.table()
    p = t[t["metric"] == "p_target_met"].set_index("roles.kw.in_post_fte.count")
    assert p.loc["3", "mean"] == 0 and p.loc["4", "mean"] == 1
    assert p.loc["4", "ci_low"] == pytest.approx(4 / (4 + 1.959964 ** 2))  # not the t interval's [1, 1]


def test_sweep_and_comparison_are_the_same_for_any_number_of_processes():
    axes = [("roles.kw.in_post_fte.count", [2, 3])]
    tables = []
    for jobs in (1, 2):
        with Runner(jobs) as runner:
            tables.append(whatif.sweep(small_queue(), axes, 4, 9, runner).table())
    pd.testing.assert_frame_equal(tables[0], tables[1])


def test_one_runner_keeps_one_pool_for_all_its_batches():
    with Runner(2) as runner:
        runner.run(small_queue(2), 2, 1)
        pool = runner._backend
        runner.run_many([small_queue(3), small_queue(4)], 2, 1)
        assert runner._backend is pool and pool is not None
        assert runner.done == runner.total == 6
    assert runner._backend is None


def test_extending_replications_equals_running_them_at_once():
    scenario = small_queue()
    with Runner(1) as runner:
        first = runner.replications([scenario], 4, range(0, 2))[0]
        rest = runner.replications([scenario], 4, range(2, 4))[0]
    whole = run_experiment(scenario, 4, 4).per_replication
    assert [r.summary["mean_wait_days"] for r in first + rest] == pytest.approx(whole["mean_wait_days"].tolist())


# ---- goal seek -------------------------------------------------------------------------------


def test_goal_finds_the_exact_number_of_workers_and_adds_runs_only_where_close():
    with Runner(1) as runner:
        goal = whatif.goal_seek(deadline_cohort(), "roles.kw.in_post_fte.count", 1, 9, 0.9, 10, 1, runner,
                                max_replications=80)
    assert goal.increasing and goal.monotone
    assert goal.estimate == 4 and goal.confident == 4
    # every run at 4 meets the target; 10 runs cannot show 90% with 95% confidence, 40 can (Wilson)
    assert goal.point(4).runs == 40 and goal.point(4).met == 40
    assert goal.point(3).runs == 10 and goal.point(3).met == 0  # far from the level: no extra runs
    assert len(goal.points) < 9  # bisection, not a scan
    table = goal.table()
    assert list(table.columns) == ["roles.kw.in_post_fte.count", "replications", "met", "p_target_met", "p_low",
                                   "p_high"]


def test_goal_without_enough_runs_for_confidence_says_so():
    with Runner(1) as runner:
        goal = whatif.goal_seek(deadline_cohort(), "roles.kw.in_post_fte.count", 1, 9, 0.9, 10, 1, runner,
                                max_replications=20)
    assert goal.estimate == 4 and goal.confident is None
    assert any("95% confidence" in n for n in goal.notes)


def test_goal_is_the_same_for_any_number_of_processes():
    answers = []
    for jobs in (1, 2):
        with Runner(jobs) as runner:
            g = whatif.goal_seek(deadline_cohort(), "roles.kw.in_post_fte.count", 1, 6, 0.9, 5, 2, runner)
        answers.append((g.estimate, g.confident, g.table().to_dict("list")))
    assert answers[0] == answers[1]


def _synthetic(probabilities: dict):
    """An evaluator whose replication i meets the target when (i * 0.618...) mod 1 < P: deterministic, exact shares."""
    def evaluate(value, start, stop):
        u = (np.arange(start, stop) * 0.6180339887) % 1.0
        return (u < probabilities[value]).astype(float)
    return evaluate


def test_goal_detects_a_chance_that_is_not_monotone():
    chance = {1: 0.0, 2: 0.95, 3: 0.95, 4: 0.1, 5: 0.1, 6: 0.2, 7: 0.97}
    goal = whatif.seek(_synthetic(chance), list(chance), 0.9, 40, 40, scan=True, path="x")
    assert not goal.monotone
    assert any("not monotone" in n for n in goal.notes)


def test_goal_on_a_falling_chance_gives_the_largest_value():
    chance = {v: max(0.0, 1.0 - 0.1 * v) for v in range(10)}  # 1.0, 0.9, 0.8, ...
    goal = whatif.seek(_synthetic(chance), list(chance), 0.78, 400, 400, path="x")
    assert not goal.increasing and goal.monotone
    assert goal.estimate == 2  # P(2) = 0.8 >= 0.78 > P(3) = 0.7
    assert goal.confident == 1  # P(2)'s interval reaches below 0.78 with 400 runs; P(1) = 0.9 is clear


def test_goal_needs_a_target():
    with Runner(1) as runner, pytest.raises(whatif.WhatIfError, match="target"):
        whatif.goal_seek(small_queue(), "roles.kw.in_post_fte.count", 1, 3, 0.9, 2, 1, runner)


# ---- sensitivity -----------------------------------------------------------------------------


def test_tornado_bars_are_paired_differences_with_intervals():
    scenario = small_queue()
    inputs = [whatif.make_input(scenario, "referral_rate"),
              whatif.make_input(scenario, "roles.kw.caseload_cap_per_fte=1,2"),
              whatif.make_input(scenario, "turnover")]  # 0 in the scenario: nothing to move
    with Runner(1) as runner:
        result = whatif.tornado(scenario, inputs, 6, 2, runner)
    assert [i.name for i in result.inputs] == ["referral_rate", "roles.kw.caseload_cap_per_fte"]
    assert len(result.skipped) == 1 and "workforce.turnover_per_year=LOW,HIGH" in result.skipped[0]
    bars = result.bars("mean_wait_days")
    assert bars["swing"].is_monotonic_decreasing
    # the referral rate's high bar, recomputed directly from two runs on the same seed
    high = whatif.make_variant(scenario, {"referrals.rates.0.per_month": 1.5 * 1.2})
    d = (run_experiment(high, 6, 2).per_replication["mean_wait_days"]
         - run_experiment(scenario, 6, 2).per_replication["mean_wait_days"]).to_numpy()
    row = bars.set_index("input").loc["referral_rate"]
    assert row["high"] == pytest.approx(d.mean())
    assert row["high_ci_high"] - row["high"] == pytest.approx(stats.t.ppf(0.975, 5) * d.std(ddof=1) / np.sqrt(6))


def test_inputs_scale_distributions_and_keep_outcome_shares_summing_to_one():
    scenario = small_queue()
    longer = whatif.make_input(scenario, "intervention_length").changes(scenario, 1.2)
    assert longer["roles.kw.duration_months"]["mean"] == pytest.approx(1.2)
    varied = whatif.make_variant(scenario, whatif.make_input(scenario, "outcome_shares").changes(
        whatif.make_variant(scenario, {"roles.kw.outcomes": dict(turned_around=0.5, improved=0.3, no_progress=0.2,
                                                                  disengaged=0.0)}), 1.2))
    o = varied.roles[0].outcomes
    assert o.turned_around == pytest.approx(0.6) and sum(o.as_tuple()) == pytest.approx(1.0)
    assert o.improved == pytest.approx(0.24)
    with pytest.raises(whatif.WhatIfError, match="no such key path"):
        whatif.make_input(scenario, "roles.kw.caseload_capp")


@pytest.mark.skipif(not whatif.morris_available(), reason="SALib is not installed")
def test_morris_ranks_inputs_and_gives_zero_effect_where_common_random_numbers_say_so():
    scenario = small_queue()
    inputs = [whatif.make_input(scenario, "referral_rate"), whatif.make_input(scenario, "time_to_fill")]
    with Runner(1) as runner:
        result = whatif.morris(scenario, inputs, 2, 3, runner, trajectories=4, metrics=["families_referred"])
    assert result.runs == 4 * 3
    rows = result.table.set_index("input")
    assert rows.loc["referral_rate", "mu_star"] > 0
    # time to fill a post cannot change the referrals, and on common random numbers it changes them not at all
    assert rows.loc["time_to_fill", "mu_star"] == 0


def test_goal_on_a_number_and_a_sweep_over_dates():
    four = whatif.make_variant(deadline_cohort(), {"roles.kw.in_post_fte.count": 1})
    with Runner(1) as runner:
        # one worker holding cap families at once: a cap of 4 turns 12 around by mid-April
        goal = whatif.goal_seek(four, "roles.kw.caseload_cap_per_fte", 1.0, 9.0, 0.9, 10, 1, runner, step=0.5,
                                max_replications=40)
        assert goal.estimate == 4.0 and goal.confident == 4.0
        deadlines = whatif.parse_values("2020-03-15:2020-04-15:1m")
        result = whatif.sweep(whatif.make_variant(four, {"roles.kw.caseload_cap_per_fte": 4}),
                              [("money.target.deadline", deadlines)], 2, 1, runner)
    met = result.table().query("metric == 'p_target_met'").set_index("money.target.deadline")["mean"]
    assert met.to_dict() == {"2020-03-15": 0.0, "2020-04-15": 1.0}
