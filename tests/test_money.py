"""Money: costs, income by financial year, the target, and the outputs that show them."""

from __future__ import annotations

import math

import numpy as np
import pytest

from helpers import ROOT, SCENARIOS
from matplotlib.figure import Figure
from pbr_scenarios import make_tiny

from tfsim.catalogue import MONTHLY, SUMMARY
from tfsim.charts import CHARTS, forecast_target, money_by_financial_year, plot_forecast, plot_money
from tfsim.cli import format_summary, main
from tfsim.experiment import run_experiment
from tfsim.model import EventLog, simulate
from tfsim.model.money import cost_flows, target_day
from tfsim.scenario import read_scenario
from tfsim.scenario.reference import scenario_reference
from tfsim.scenario.schema import DAYS_PER_YEAR
from tfsim.target import wilson_interval

DPM = DAYS_PER_YEAR / 12
COSTS = {"salary_gbp": {"fip": 30000}, "on_cost_share": 0.25, "agency_premium_share": 0.4,
         "recruitment_gbp": 3000, "overhead_gbp_per_month": 1000, "overhead_share": 0.1}


def test_staff_cost_and_overheads_hand_computed():
    # One FIP (1 FTE) all run: 1,095 days (1 Apr 2012 to 31 Mar 2015).
    # staff = 30,000 x 1.25 x 1095 / 365.25 = 112,422.998...; overheads = 1,000 a month
    # x 1095 / 30.4375 + 10% of staff; no hires, no agency.
    r = simulate(make_tiny({"costs": COSTS}), 0)
    s = r.summary
    staff = 30000 * 1.25 * 1095 / DAYS_PER_YEAR
    overhead = 1000 * 1095 / DPM + 0.1 * staff
    assert s["staff_cost"] == pytest.approx(staff, rel=1e-12)
    assert s["staff_cost"] == pytest.approx(112_422.9979, abs=1e-3)
    assert s["overhead_cost"] == pytest.approx(overhead, rel=1e-12)
    assert s["agency_cost"] == 0 and s["recruitment_cost"] == 0
    assert s["total_cost"] == pytest.approx(staff + overhead)
    assert s["net_cost"] == pytest.approx(staff + overhead - 3900.0)
    assert s["cost_per_turned_around"] == pytest.approx(staff + overhead)  # one family turned around
    # monthly: April 2012 has 30 days
    assert r.monthly["cost"][0] == pytest.approx(30000 * 1.25 * 30 / DAYS_PER_YEAR * 1.1 + 1000 * 30 / DPM)
    assert r.monthly["cost_cumulative"][-1] == pytest.approx(s["total_cost"])
    assert r.monthly["net_cost_cumulative"][-1] == pytest.approx(s["net_cost"])


def test_agency_and_recruitment_count_once_the_workforce_log_has_them():
    # The workforce model will fill log.agency_fte and log.hires; filled by hand here:
    # 1 agency FTE for exactly one year costs 30,000 x 1.25 x 1.4 = 52,500; two hires 6,000.
    sc = make_tiny({"costs": COSTS})
    log = EventLog(1)
    log.agency_fte[0] = [(0.0, 1.0), (DAYS_PER_YEAR, -1.0)]
    log.hires = [(10.0, 0), (400.0, 0)]
    flows = cost_flows(sc, log, np.asarray([0.0, 100.0, DAYS_PER_YEAR, 1095.0]))
    assert flows["agency"][-1] == pytest.approx(52_500.0)
    assert flows["agency"][1] == pytest.approx(52_500.0 * 100 / DAYS_PER_YEAR)
    assert list(flows["recruitment"]) == [0.0, 3000.0, 3000.0, 6000.0]
    assert flows["staff"][-1] == pytest.approx(52_500.0)  # staff cost includes agency cover


def test_cost_per_turned_around_is_nan_without_any():
    r = simulate(make_tiny({}, end_date="2012-12-31"), 0)  # the intervention has not ended
    assert r.summary["families_turned_around"] == 0
    assert math.isnan(r.summary["cost_per_turned_around"])


# ---- the target -----------------------------------------------------------------------------


@pytest.mark.parametrize("deadline, met", [("2013-10-01", 1.0), ("2013-09-30", 0.0)])
def test_target_met_on_the_claim_day(deadline, met):
    # The one family is claimed on 1 Oct 2013 (day 548).
    r = simulate(make_tiny({"target": {"families": 1, "deadline": deadline}}), 0)
    assert r.summary["target_met_date_p50"] == 548.0
    assert r.summary["p_target_met"] == met


def test_target_by_turned_around_and_never_met():
    r = simulate(make_tiny({"target": {"families": 1, "deadline": "2013-04-01", "measure": "turned_around"}}), 0)
    assert r.summary["target_met_date_p50"] == 365.25 and r.summary["p_target_met"] == 1.0
    r = simulate(make_tiny({"target": {"families": 2, "deadline": "2015-03-31"}}), 0)
    assert math.isnan(r.summary["target_met_date_p50"]) and r.summary["p_target_met"] == 0.0


def test_results_sustained_but_unpaid_at_the_end_are_outstanding():
    # Claimed 1 Oct 2013 and paid 31 Oct 2013; a run ending 15 Oct 2013 has not been paid.
    r = simulate(make_tiny({}, end_date="2013-10-15"), 0)
    assert r.summary["income_results"] == 0 and r.summary["claims"] == 1
    assert r.summary["income_results_outstanding"] == 700.0


def test_target_day():
    assert target_day([5.0, 1.0, 3.0], 2) == 3.0
    assert math.isnan(target_day([1.0], 2))


# ---- experiment, CLI and charts ------------------------------------------------------------------


@pytest.fixture(scope="module")
def results():
    sc = read_scenario(SCENARIOS / "sevenoaks-2014.toml").scenario
    return run_experiment(sc, replications=4, seed=1)


def test_named_outputs_exist(results):
    names = set(results.summary["metric"])
    for name in ("claims", "income_attachment", "income_results", "staff_cost", "net_cost",
                 "cost_per_turned_around", "p_target_met", "target_met_date_p50"):
        assert name in names
    monthly = set(results.monthly["metric"])
    assert {"claims_cumulative", "income_cumulative", "cost_cumulative"} <= monthly
    assert SUMMARY["claims"].needs == "money" and MONTHLY["income_cumulative"].needs == "money"


def test_money_by_financial_year_adds_up(results):
    labels, attach, res, cost = money_by_financial_year(results)
    assert labels == ["2012/13", "2013/14", "2014/15"]
    assert attach.sum() == pytest.approx(results.value("income_attachment"))
    assert res.sum() == pytest.approx(results.value("income_results"))
    assert cost.sum() == pytest.approx(results.value("total_cost"))


def test_plot_money_and_forecast_target(results, tmp_path):
    assert CHARTS["money"][1] is plot_money
    fig = Figure()
    ax = fig.add_subplot()
    plot_money(ax, results)
    assert len(ax.patches) == 9  # three years x (attachment, results, cost)
    kw = forecast_target(results)
    assert kw["target"] == 101.0 and str(kw["deadline"]) == "2015-03-31"
    ax2 = Figure().add_subplot()
    plot_forecast(ax2, results, **kw)
    assert any("Target: 101 claims by 31 Mar 2015" in t.get_text() for t in ax2.get_legend().get_texts())


def test_cli_summary_reports_the_target(results):
    text = format_summary(results)
    assert "Target: 101 claims by 31 March 2015." in text
    assert "Expected by the deadline:" in text and "short of the target" in text
    assert "Chance of meeting it: 0% (met in 0 of 4 runs" in text
    lo, hi = wilson_interval(0, 4)
    assert lo == 0 and 0.45 < hi < 0.5


def test_cli_run_writes_money_chart(tmp_path):
    assert main(["run", str(SCENARIOS / "sevenoaks-2014.toml"), "-n", "2", "--out", str(tmp_path)]) == 0
    assert (tmp_path / "money.png").exists() and (tmp_path / "forecast.png").exists()


def test_docs_are_current():
    assert (ROOT / "docs" / "scenario-format.md").read_text(encoding="utf-8") == scenario_reference()
