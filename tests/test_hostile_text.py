"""Text from a scenario reaching outputs: math text, formulas, control characters; intervals of counts."""

from __future__ import annotations

import csv

import openpyxl
import pytest
from helpers import SCENARIOS

from tfsim import charts, export
from tfsim.catalogue import SUMMARY
from tfsim.cli import format_summary
from tfsim.experiment import run_experiment
from tfsim.scenario import load_scenario

NAMES = ["Kent $\\frac{x$", '=HYPERLINK("http://example.com","click")', "+SUM(A1:A2)", "@cmd", "bell\x07here",
         "esc\x1b[2J"]


@pytest.fixture(scope="module")
def results():
    return run_experiment(load_scenario(SCENARIOS / "sevenoaks-2014.toml"), replications=4, seed=3)


def _named(results, name):
    # the schema refuses control characters in a name; the exporters must cope with whatever reaches them
    renamed = results.scenario.model_copy(update={"name": name})
    return type(results)(**{**results.__dict__, "scenario": renamed})


@pytest.mark.parametrize("name", NAMES)
def test_a_hostile_name_draws_and_exports_as_plain_text(results, tmp_path, name):
    named = _named(results, name)
    for suffix in ("png", "svg"):
        export.write_chart(charts.plot_forecast, named, tmp_path / f"forecast.{suffix}")
    svg = (tmp_path / "forecast.svg").read_text(encoding="utf-8")
    if "$" in name:
        assert "\\frac{x$" in svg  # drawn as written, not as math text
    book_path = export.write_xlsx(named, tmp_path / "results.xlsx", baseline=named)
    book = openpyxl.load_workbook(book_path)
    for ws in book.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (ws.title, cell.coordinate, cell.value)
    header = [c.value for c in book["Comparison"][1]]
    assert any(name.split("\x07")[0].split("\x1b")[0] in str(h) for h in header)


def test_text_a_spreadsheet_would_run_is_quoted_in_csv(results, tmp_path):
    frame = results.summary.assign(label=[NAMES[1], "-3", "plain", "@x"] + ["ok"] * (len(results.summary) - 4))
    path = export.write_csv(frame, tmp_path / "x.csv")
    rows = list(csv.DictReader(path.open(encoding="utf-8")))
    assert [r["label"] for r in rows[:4]] == ["'" + NAMES[1], "-3", "plain", "'@x"]
    assert float(rows[0]["mean"]) == pytest.approx(results.summary["mean"].iloc[0])


def test_intervals_of_counts_stop_at_zero_and_never_read_minus_zero(results):
    table = results.summary.set_index("metric")
    for name, row in table.iterrows():
        metric = SUMMARY.get(name)
        if metric is not None and not metric.signed and row.ci_low == row.ci_low:
            assert row.ci_low >= 0, name
        if metric is not None and metric.unit == "probability" and row.ci_high == row.ci_high:
            assert row.ci_high <= 1, name
    assert "-0.0" not in format_summary(results) and "-0 " not in format_summary(results)
    assert SUMMARY["families_waiting_end"].clip(-0.04) == 0.0
    assert SUMMARY["net_cost"].clip(-5.0) == -5.0
