"""Backtests: errors worked out right, a history from the scenario fits, one from another model is flagged."""

from __future__ import annotations

import math

import numpy as np
import pytest

from helpers import tiny
from history_cases import district, district_history
from tfsim.backtest import BACKTEST_COLUMNS, ERROR_COLUMNS, backtest, compare, format_backtest, holm
from tfsim.experiment import Runner, run_experiment
from tfsim.history import HistoryError, parse_history, read_history


def test_errors_of_a_hand_made_history_against_a_run_that_never_varies():
    run = run_experiment(tiny(), replications=5, seed=1)  # 3 families referred on the first day, always
    h = parse_history(b"month,referrals,started\n2020-01,4,2\n2020-02,0,\n2020-03,,1\n", "h.csv").history
    bt = compare(run, h)
    referrals = bt.fit("referrals")
    assert referrals.months == ["2020-01", "2020-02"]
    assert referrals.mae == pytest.approx(0.5)  # (|4 - 3| + |0 - 0|) / 2
    assert referrals.mape == pytest.approx(0.25) and referrals.mape_months == 1  # only months above zero
    assert referrals.share_inside == 0.5 and referrals.inside.tolist() == [False, True]
    assert referrals.p_value == 0 and not referrals.fits  # a figure that never varies, and the history differs
    started = bt.fit("started")
    assert started.months == ["2020-01", "2020-03"] and started.mae == 0 and started.fits
    assert list(bt.table().columns) == BACKTEST_COLUMNS and len(bt.table()) == 4
    assert list(bt.errors().columns) == ERROR_COLUMNS
    assert [s.label for s in bt.flagged] == ["referrals"]


def test_holm_adjusts_for_the_number_of_series():
    assert holm([0.01, 0.04, 0.5], 0.05) == [True, False, False]  # 0.01 < 0.05 / 3; 0.04 > 0.05 / 2
    assert holm([0.001, 0.02, float("nan")], 0.05) == [True, True, False]
    assert holm([], 0.05) == []


@pytest.fixture(scope="module")
def runner():
    with Runner(1) as r:
        yield r


def test_a_history_from_the_scenario_fits_and_one_from_another_model_is_flagged(tmp_path, runner):
    scenario = district(refusal=0.25, rate=9.0)
    same = read_history(district_history(tmp_path / "same.csv", seed=7)).history
    bt = backtest(scenario, same, 60, 1, runner)
    assert not bt.flagged, format_backtest(bt)
    assert all(0.75 <= s.share_inside for s in bt.series if s.key[0] != "fte_in_post")
    # another model: three families in five refuse; as many referrals
    other = read_history(district_history(tmp_path / "other.csv", seed=7, refusal=0.6)).history
    wrong = backtest(scenario, other, 60, 1, runner)
    flagged = {s.label for s in wrong.flagged}
    assert "refused" in flagged and "referrals" not in flagged, format_backtest(wrong)
    text = format_backtest(wrong)
    assert "DOES NOT FIT" in text and "Does not fit: " in text
    assert wrong.fit("refused").mae > 2 * bt.fit("refused").mae
    assert wrong.fit("refused").share_inside < wrong.fit("refused").runs_share_p05


def test_a_history_the_scenario_cannot_take_is_refused_before_any_run(runner):
    h = parse_history(b"month,fte_in_post.fip\n2014-01,1\n", "h.csv").history
    with pytest.raises(HistoryError) as info:
        backtest(district(), h, 5, 1, runner)
    assert "h.csv:1: fte_in_post.fip: the scenario 'Recovery district' has no role 'fip'" in str(info.value)
    assert runner.done == 0 or runner.done % 60 == 0  # no replication run for it


def test_months_after_the_scenario_are_simulated_by_running_it_on(tmp_path, runner):
    path = district_history(tmp_path / "long.csv", seed=3, months=30)
    bt = backtest(district(months=24), read_history(path).history, 10, 1, runner)
    assert bt.months[-1] == "2016-06" and not bt.not_compared
    assert not math.isnan(bt.fit("waiting_list").mae)
    assert np.isfinite(bt.fit("referrals").p95).all()
