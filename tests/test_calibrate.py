"""Calibration: values hidden in simulated histories are found again inside their ranges; the fitted file."""

from __future__ import annotations

import datetime as dt
import tomllib

import numpy as np
import pytest

from helpers import SCENARIOS
from history_cases import TRUTH, district, district_history
from tfsim.calibrate import (
    Calibration,
    CalibrationError,
    Generation,
    calibrate,
    fitted_changes,
    fitted_toml,
    format_calibration,
    parse_fit,
    split_months,
    truncated,
    weighted_quantiles,
)
from tfsim.experiment import Cancelled, Runner
from tfsim.history import parse_history, read_history
from tfsim.scenario import read_scenario
from tfsim.scenario.inputs import basis_of
from tfsim.whatif import make_variant

SEVENOAKS = SCENARIOS / "sevenoaks-2014.toml"
SAMPLE = SCENARIOS / "sevenoaks-2014-history.csv"
SMALL = dict(particles=40, generations=3, pilot=10, check_replications=10)


@pytest.fixture(scope="module")
def runner():
    with Runner(1) as r:
        yield r


@pytest.fixture(scope="module")
def sevenoaks():
    return read_scenario(SEVENOAKS).scenario


# ---- what is fitted -------------------------------------------------------------------------------


def test_fit_values_and_their_default_ranges(sevenoaks):
    refusal = parse_fit(sevenoaks, "engagement.refusal_probability")
    assert (refusal.low, refusal.high) == pytest.approx((0.065, 0.195)) and refusal.base == 0.13
    assert refusal.label == "Engagement: Refusal probability (0 to 1)" and not refusal.scaled
    given = parse_fit(sevenoaks, "engagement.refusal_probability=0.05:0.3")
    assert (given.low, given.high) == (0.05, 0.3)
    share = parse_fit(sevenoaks, "money.employment_support_share")  # 0.8 x 1.5 would pass 1
    assert (share.low, share.high) == (0.4, 1.0)
    group = parse_fit(sevenoaks, "referral_rate")
    assert group.scaled and (group.low, group.high) == (0.5, 1.5) and group.base == 1.0
    assert group.changes(sevenoaks, 2.0)["referrals.rates.1.per_month"] == 13.0
    length = parse_fit(sevenoaks, "roles.fip.duration_months=0.8:1.2")
    assert length.scaled and length.changes(sevenoaks, 1.0)["roles.fip.duration_months"]["mode"] == 12.0
    cap = parse_fit(sevenoaks, "roles.fip.in_post_fte.count=0:3")
    assert cap.whole and cap.changes(sevenoaks, 1.6) == {"roles.fip.in_post_fte": [1.0, 1.0]}


@pytest.mark.parametrize("spec,reason", [
    ("engagement.refusal_probabilty", "no such key path"),
    ("engagement.refusal_probability=0.3", "PATH=LOW:HIGH"),
    ("engagement.refusal_probability=0.3:0.1", "finite LOW < HIGH"),
    ("engagement.refusal_probability=a:b", "must be numbers"),
    ("engagement.refusal_probability=nan:1", "finite LOW < HIGH"),
    ("workforce.turnover_per_year", "value is 0, so there is no default range"),
    ("start_date", "not a number"),
    ("referral_rate=-1:2", "cannot be below 0"),
    ("=1:2", "is not PATH"),
])
def test_bad_fit_values_say_why(sevenoaks, spec, reason):
    with pytest.raises(CalibrationError, match=reason.replace("(", r"\(")):
        parse_fit(sevenoaks, spec)


def test_a_calibration_refuses_too_many_the_same_twice_and_ranges_that_break_the_scenario(sevenoaks, runner):
    h = read_history(SAMPLE).history
    one = parse_fit(sevenoaks, "engagement.refusal_probability")
    with pytest.raises(CalibrationError, match="given twice"):
        calibrate(sevenoaks, h, [one, one], runner)
    with pytest.raises(CalibrationError, match="one to 5 values"):
        calibrate(sevenoaks, h, [], runner)
    bad = parse_fit(sevenoaks, "engagement.refusal_probability=0.5:1.5")
    with pytest.raises(CalibrationError, match="1.5 at the end of its range does not give a valid scenario"):
        calibrate(sevenoaks, h, [bad], runner)
    with pytest.raises(CalibrationError, match="at least 3"):
        split_months(h, sevenoaks, fit_until="2012-05")
    assert runner.done == 0


def test_months_to_fit_and_to_hold_out(sevenoaks):
    h = read_history(SAMPLE).history
    fit, hold = split_months(h, sevenoaks)
    assert (fit[0], fit[-1], hold[0], hold[-1]) == ("2012-04", "2014-06", "2014-07", "2015-03")  # 27 + 9 months
    assert "2013-08" not in fit  # the month with no return
    fit, hold = split_months(h, sevenoaks, fit_until="2013-12")
    assert fit[-1] == "2013-12" and hold[0] == "2014-01"
    assert split_months(h, sevenoaks, holdout=0)[1] == []


def test_weighted_quantiles_and_capped_weights():
    v = np.array([1.0, 2.0, 3.0, 4.0])
    assert weighted_quantiles(v, np.ones(4), [0.5])[0] == pytest.approx(2.5)
    assert weighted_quantiles(v, np.array([0, 0, 1.0, 0]), [0.05, 0.95]).tolist() == [3.0, 3.0]
    w = truncated(np.array([100.0] + [1.0] * 99))  # the mean is 1.99: the big weight is capped at 19.9
    assert w[0] / w[1] == pytest.approx(19.9) and w.sum() == pytest.approx(1.0)
    assert truncated(np.ones(5)).tolist() == [0.2] * 5


# ---- recovery --------------------------------------------------------------------------------------


def test_values_hidden_in_simulated_histories_are_found_inside_their_ranges(tmp_path, runner):
    """Refusal and the referral rate of a district, hidden in three histories and fitted back (a few seconds each).

    ``benchmarks/recovery.py`` runs the longer study: with this budget the true values fell inside the
    90% intervals 12 times in 12 for seeds 1 to 6, and 11 in 12 with 60 particles and 6 generations.
    """
    scenario = district()  # as written: refusal 0.2, 8 referrals a month
    fits = [parse_fit(scenario, "engagement.refusal_probability=0.05:0.6"),
            parse_fit(scenario, "referrals.rates.0.per_month=4:16")]
    inside, trials = 0, 0
    for seed in (1, 2, 3):
        history = read_history(district_history(tmp_path / f"h{seed}.csv", seed=seed)).history
        cal = calibrate(scenario, history, fits, runner, seed=seed, **SMALL)
        for k, f in enumerate(fits):
            low, high = cal.interval(k)
            inside += low <= TRUTH[f.path] <= high
            trials += 1
        assert cal.pinned(1), format_calibration(cal)  # the referral rate is well counted
        assert cal.before is not None and cal.after is not None and cal.holdout_months[0] == "2015-07"
        assert 0.3 < cal.ess / len(cal.particles) <= 1
    assert inside >= trials - 1, f"{inside} of {trials} true values inside their 90% intervals"


def test_a_value_the_history_says_nothing_about_is_not_pinned(tmp_path, runner):
    scenario = district()
    full = read_history(district_history(tmp_path / "h.csv", seed=4)).history
    only_referrals = type(full)(full.filename, full.sha256, full.months, [("referrals", "")],
                                {("referrals", ""): full.values[("referrals", "")]}, full.month_lines,
                                {("referrals", ""): 1})
    fits = [parse_fit(scenario, "engagement.refusal_probability=0.05:0.6"),
            parse_fit(scenario, "referrals.rates.0.per_month=4:16")]
    cal = calibrate(scenario, only_referrals, fits, runner, seed=4, **SMALL)
    assert not cal.pinned(0) and cal.pinned(1)
    assert any("cannot pin Engagement: Refusal probability" in n for n in cal.notes)
    assert "not pinned" in format_calibration(cal)
    assert cal.table()["pinned"].tolist() == [False, True]


def test_the_answer_is_the_same_on_any_number_of_processes(tmp_path):
    scenario = district()
    history = read_history(district_history(tmp_path / "h.csv", seed=5)).history
    fits = [parse_fit(scenario, "engagement.refusal_probability=0.05:0.6"),
            parse_fit(scenario, "referrals.rates.0.per_month=4:16")]
    answers = []
    for jobs in (1, 2):
        with Runner(jobs) as r:
            answers.append(calibrate(scenario, history, fits, r, seed=5, particles=10, generations=1, pilot=4,
                                     check_replications=4))
    assert np.array_equal(answers[0].particles, answers[1].particles)
    assert np.array_equal(answers[0].weights, answers[1].weights)


def test_a_calibration_can_be_cancelled(tmp_path):
    scenario = district()
    history = read_history(district_history(tmp_path / "h.csv", seed=6)).history
    fits = [parse_fit(scenario, "engagement.refusal_probability=0.05:0.6")]
    polls = []

    def cancel() -> bool:  # Cancel pressed after 30 replications
        polls.append(1)
        return len(polls) > 30

    with Runner(1, cancel=cancel) as r:
        with pytest.raises(Cancelled):
            calibrate(scenario, history, fits, r, **SMALL)


# ---- the fitted scenario file ---------------------------------------------------------------------


def fake_calibration(scenario, history, fits, centres) -> Calibration:
    """A calibration's answer made by hand: particles spread evenly around ``centres`` (no runs)."""
    rng = np.random.default_rng(0)
    particles = np.column_stack([c + (f.high - f.low) * 0.05 * rng.standard_normal(50)
                                 for f, c in zip(fits, centres)])
    cal = Calibration(scenario, history, list(fits), history.months[:27], history.months[27:], particles,
                      np.full(50, 1 / 50), np.ones(50), [Generation(0, float("inf"), 50, 50, 50, 50)], [],
                      np.ones(0), np.ones(3), scenario, {}, seed=7)
    cal.changes = fitted_changes(scenario, fits, [cal.point(k) for k in range(len(fits))])
    cal.fitted = make_variant(scenario, cal.changes)
    return cal


def test_the_fitted_file_comments_each_value_and_keeps_every_other_comment(sevenoaks):
    history = read_history(SAMPLE).history
    fits = [parse_fit(sevenoaks, "engagement.refusal_probability=0.05:0.4"),
            parse_fit(sevenoaks, "referrals.rates.1.per_month=3:12"),
            parse_fit(sevenoaks, "roles.fip.duration_months=0.6:1.4")]
    cal = fake_calibration(sevenoaks, history, fits, [0.2, 8.0, 1.1])
    original = SEVENOAKS.read_text()
    text = fitted_toml(original, cal, day=dt.date(2025, 5, 3))
    data = tomllib.loads(text)
    found, = [r for r in data["roles"] if r["id"] == "fip"]
    assert data["engagement"]["refusal_probability"] == pytest.approx(cal.point(0), rel=1e-3)
    assert data["referrals"]["rates"][1]["per_month"] == pytest.approx(cal.point(1), rel=1e-3)
    assert found["duration_months"]["mode"] == pytest.approx(12 * cal.point(2), rel=1e-3)
    lines = text.splitlines()
    refusal = next(line for line in lines if line.startswith("refusal_probability ="))
    low, high = cal.interval(0)
    assert (f"# FITTED by tfsim calibrate to sevenoaks-2014-history.csv (SHA-256 {history.sha256}) on 2025-05-03: "
            f"{cal.point(0):.3g}, 90% credible interval {low:.3g} to {high:.3g} (prior 0.05 to 0.4); was 0.13"
            ) in refusal
    assert refusal.endswith("; its note was: 13% refused support (Sevenoaks briefing 2014)")  # its source kept
    assert refusal.index("#") == 41  # in the file's comment column
    duration = next(line for line in lines if line.startswith("duration_months") and "FITTED" in line)
    assert "factor x1.1" in duration and "was triangular (low 6, mode 12, high 18)" in duration
    assert basis_of(refusal.split("#", 1)[1]) == "FITTED"  # the assumptions table reads it as fitted
    assert lines[0].startswith("# CALIBRATED by tfsim calibrate on 2025-05-03 to sevenoaks-2014-history.csv")
    # every other line of the original is still there, comments included
    kept = set(lines)
    changed = {line for line in original.splitlines() if line not in kept}
    assert len(changed) == 3, changed  # the refusal, the rate from January 2014 and the FIP's duration
    assert all(("refusal_probability" in c or "per_month = 6.5" in c or c.startswith("duration_months"))
               for c in changed)
    found_scenario = read_scenario_text(text)
    assert found_scenario.model_dump() == cal.fitted.model_dump()


def test_fitting_a_fitted_file_again_keeps_the_note_from_before_the_first_fit(sevenoaks):
    history = read_history(SAMPLE).history
    fits = [parse_fit(sevenoaks, "engagement.refusal_probability=0.05:0.4"),
            parse_fit(sevenoaks, "roles.fip.duration_months=0.6:1.4")]
    first = fitted_toml(SEVENOAKS.read_text(), fake_calibration(sevenoaks, history, fits, [0.2, 1.1]),
                        day=dt.date(2025, 5, 3))
    again = read_scenario_text(first)
    fits = [parse_fit(again, "engagement.refusal_probability=0.05:0.4"),
            parse_fit(again, "roles.fip.duration_months=0.6:1.4")]
    text = fitted_toml(first, fake_calibration(again, history, fits, [0.25, 0.9]), day=dt.date(2025, 6, 3))
    refusal = next(line for line in text.splitlines() if line.startswith("refusal_probability ="))
    assert refusal.count("FITTED by tfsim calibrate") == 1 and "on 2025-06-03" in refusal
    assert "; was 0.2" in refusal and refusal.endswith("; its note was: 13% refused support (Sevenoaks briefing 2014)")
    duration = next(line for line in text.splitlines() if line.startswith("duration_months") and "FITTED" in line)
    assert duration.count("FITTED by tfsim calibrate") == 1
    assert duration.endswith("its note was: about a year (national FIP monitoring); 6 to 18 months (source not traced)")


def read_scenario_text(text):
    from tfsim.scenario.io import parse_scenario_text

    result = parse_scenario_text(text, "fitted.toml")
    assert result.ok, result.problems
    return result.scenario


def test_a_value_the_file_left_out_is_added_with_its_comment(sevenoaks):
    original = "\n".join(line for line in SEVENOAKS.read_text().splitlines()
                         if not line.startswith("disengagement_hazard_per_month")) + "\n"
    scenario = read_scenario_text(original)
    history = read_history(SAMPLE).history
    fits = [parse_fit(scenario, "engagement.disengagement_hazard_per_month=0.001:0.05")]
    cal = fake_calibration(scenario, history, fits, [0.02])
    text = fitted_toml(original, cal)
    line = next(x for x in text.splitlines() if x.startswith("disengagement_hazard_per_month"))
    assert "# FITTED by tfsim calibrate" in line
    assert read_scenario_text(text).model_dump() == cal.fitted.model_dump()


def test_calibrating_a_history_the_scenario_cannot_take_names_the_line(sevenoaks, runner):
    h = parse_history(b"month,fte_in_post.fipp\n2013-01,1\n2013-02,1\n2013-03,1\n", "h.csv").history
    with pytest.raises(Exception) as info:
        calibrate(sevenoaks, h, [parse_fit(sevenoaks, "engagement.refusal_probability")], runner)
    assert "h.csv:1: fte_in_post.fipp: the scenario 'Sevenoaks 2014' has no role 'fipp'; did you mean 'fip'?" in \
        str(info.value)
