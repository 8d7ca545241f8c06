"""The output catalogue: every output the model reports is described once, and the glossary is current."""

from __future__ import annotations


import pytest
from helpers import ROOT, SCENARIOS

from tfsim import cli
from tfsim.catalogue import MONTHLY, SUMMARY, UNITS, Kind, Metric, glossary, series_key
from tfsim.model import simulate
from tfsim.scenario import read_scenario


@pytest.fixture(scope="module")
def replication():
    """One replication of a scenario with money, a target and several roles."""
    scenario = read_scenario(SCENARIOS / "sevenoaks-2014.toml").scenario
    return scenario, simulate(scenario, 1)


def test_every_summary_output_is_catalogued_and_every_catalogued_one_reported(replication):
    _, result = replication
    assert list(result.summary) == [name for name in SUMMARY if name in result.summary]
    assert set(result.summary) == set(SUMMARY)


def test_every_monthly_series_is_catalogued(replication):
    scenario, result = replication
    totals = {name for name, m in MONTHLY.items() if m.total}
    per_role = {name for name, m in MONTHLY.items() if m.per_role}
    assert set(result.monthly) == totals
    assert set(result.by_role) == per_role
    roles = [r.id for r in scenario.roles]
    for name in per_role:
        assert list(result.by_role[name]) == roles


def test_money_outputs_are_marked_as_needing_money():
    scenario = read_scenario(SCENARIOS / "sevenoaks-2014.toml").scenario
    plain = scenario.model_copy(update={"money": None})
    result = simulate(plain, 1)
    assert set(result.summary) == {n for n, m in SUMMARY.items() if m.needs is None}
    assert set(result.monthly) == {n for n, m in MONTHLY.items() if m.needs is None and m.total}


@pytest.mark.parametrize("metric, value, text", [
    (SUMMARY["families_turned_around"], 1234.4, "1,234 families"),
    (SUMMARY["cost_per_turned_around"], 5600.2, "£5,600"),
    (SUMMARY["net_cost"], -1500.0, "-£1,500"),
    (SUMMARY["caseload_utilisation"], 0.8754, "87.5%"),
    (SUMMARY["p_target_met"], 0.45, "45%"),
    (SUMMARY["mean_wait_days"], float("nan"), "n/a"),
    (MONTHLY["fte_in_post"], 2.5, "2.5 FTE"),
    (SUMMARY["families_waiting_end"], -1e-12, "0 families"),
])
def test_format_writes_units_as_people_read_them(metric, value, text):
    assert metric.format(value) == text


def test_format_change_has_a_sign_and_shares_change_in_points():
    assert SUMMARY["families_turned_around"].format_change(12.0) == "+12 families"
    assert SUMMARY["net_cost"].format_change(-1500.0) == "-£1,500"
    assert SUMMARY["p_target_met"].format_change(0.1) == "+10 points"
    assert SUMMARY["mean_wait_days"].format_change(0.0) == "±0 days"


def test_records_are_complete():
    for table in (SUMMARY, MONTHLY):
        for name, m in table.items():
            assert m.name == name and m.title and m.description.endswith(".")
            assert m.unit in UNITS and isinstance(m.kind, Kind)
            assert m.needs in (None, "money", "money.target")
    assert all(not m.per_role for m in SUMMARY.values())
    # probabilities and money are formatted by kind, whatever their unit says
    assert all(m.unit == "probability" for m in SUMMARY.values() if m.kind is Kind.PROBABILITY)
    assert all(m.unit == "gbp" for t in (SUMMARY, MONTHLY) for m in t.values() if m.kind is Kind.MONEY)


def test_unknown_unit_is_rejected():
    with pytest.raises(ValueError, match="unknown unit"):
        Metric("x", "X", "X.", "parsecs", Kind.FLOW)


def test_series_key_is_the_file_name_of_a_role_series():
    assert series_key("in_service", "fip") == "in_service.fip"
    assert series_key("waiting_list") == "waiting_list"


def test_glossary_lists_every_output_and_is_current():
    text = glossary()
    for name in list(SUMMARY) + list(MONTHLY):
        assert f"`{name}`" in text
    committed = (ROOT / "docs" / "metrics.md").read_text(encoding="utf-8")
    assert committed == text, "docs/metrics.md is stale: run `tfsim docs`"


def test_docs_check_reports_a_stale_glossary(tmp_path, capsys):
    stale = tmp_path / "metrics.md"
    stale.write_text("old\n", encoding="utf-8")
    fmt = tmp_path / "format.md"
    assert cli.main(["docs", "--out", str(fmt), "--metrics-out", str(stale)]) == 0
    assert stale.read_text(encoding="utf-8") == glossary()
    stale.write_text("old\n", encoding="utf-8")
    assert cli.main(["docs", "--check", "--out", str(fmt), "--metrics-out", str(stale)]) == 2
    assert "metrics.md is stale" in capsys.readouterr().err
