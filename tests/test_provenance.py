"""Provenance in every export: run.json, the workbook, chart captions and PNG/SVG/PDF metadata; chart legends."""

from __future__ import annotations

import hashlib
import json

import openpyxl
import pytest
from helpers import ROOT, SCENARIOS
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from PIL import Image

from tfsim import cli, export, provenance, whatif
from tfsim.charts import CHARTS, forecast_target, plot_difference
from tfsim.experiment import Runner, run_experiment
from tfsim.scenario import load_scenario

SEVENOAKS = SCENARIOS / "sevenoaks-2014.toml"
SHA = hashlib.sha256(SEVENOAKS.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def runs():
    results = run_experiment(load_scenario(SEVENOAKS), replications=6, seed=3)
    provenance.attach(results, provenance.ScenarioSource.from_file(SEVENOAKS))
    baseline = run_experiment(load_scenario(ROOT / "docs" / "examples" / "sevenoaks-2014-extra-fip.toml"),
                              replications=6, seed=3)
    return results, baseline


def test_run_writes_a_manifest_with_the_facts(tmp_path):
    out = tmp_path / "out"
    assert cli.main(["run", str(SEVENOAKS), "-n", "3", "--seed", "9", "--out", str(out)]) == 0
    facts = json.loads((out / "run.json").read_text())
    assert facts["scenario_file"] == "sevenoaks-2014.toml" and facts["scenario_sha256"] == SHA
    assert facts["seed"] == 9 and facts["replications"] == 3 and facts["scenario_name"] == "Sevenoaks 2014"
    assert facts["tfsim_version"] and facts["python"] and facts["date"][:4].isdigit()
    assert {"simpy", "numpy", "pandas", "matplotlib", "python-docx"} <= set(facts["libraries"])
    png = Image.open(out / "forecast.png")
    assert json.loads(png.info["tfsim provenance"])["scenario_sha256"] == SHA
    assert "seed 9" in png.info["Description"] and png.info["Software"].startswith("tfsim ")


def test_workbook_has_plain_names_units_formats_inputs_comparison_and_about(runs, tmp_path):
    results, baseline = runs
    book = openpyxl.load_workbook(export.write_xlsx(results, tmp_path / "r.xlsx", baseline=baseline))
    assert book.sheetnames == ["Summary", "Comparison", "Monthly", "Runs", "Inputs", "About this run"]
    summary = book["Summary"]
    header = [c.value for c in summary[1]]
    assert header[:3] == ["Figure", "Unit", "Average of the runs"]
    rows = {r[0].value: r for r in summary.iter_rows(min_row=2)}
    assert rows["Net cost"][1].value == "£" and rows["Net cost"][2].number_format.startswith("£#,##0")
    assert rows["Vacancy rate"][1].value == "%" and rows["Vacancy rate"][2].number_format == "0.0%"
    assert rows["Families turned around"][1].value == "families"
    assert rows["Families turned around"][9].value == "families_turned_around"  # the id, last, for tracing
    comparison = {r[0].value: r for r in book["Comparison"].iter_rows(min_row=2)}
    assert comparison["Families turned around"][8].value in ("better", "worse", "no clear difference")
    inputs = {r[1].value: r for r in book["Inputs"].iter_rows(min_row=2)}
    assert inputs["Refusal probability"][5].value == "13% refused support (Sevenoaks briefing 2014)"
    about = {r[0].value: r[1].value for r in book["About this run"].iter_rows(min_row=2)}
    assert about["Scenario file SHA-256"] == SHA and about["Seed"] == "3"
    assert about["Baseline scenario"] == baseline.scenario.name


@pytest.mark.parametrize("suffix", [".png", ".svg", ".pdf"])
def test_chart_files_carry_caption_and_metadata(runs, tmp_path, suffix):
    results, _ = runs
    _, plot = CHARTS["forecast"]
    path = export.write_chart(plot, results, tmp_path / f"chart{suffix}", preset="slide", **forecast_target(results))
    data = path.read_bytes()
    if suffix == ".png":
        image = Image.open(path)
        assert image.size == (1920, 1080)
        assert SHA in image.info["tfsim provenance"]
    elif suffix == ".svg":
        text = data.decode()
        assert "<text" in text  # editable text, not glyph paths
        assert SHA in text and "Source: tfsim" in text
    else:
        assert SHA.encode() in data


def test_caption_names_scenario_file_runs_seed_and_date(runs):
    facts = provenance.facts(runs[0])
    caption = facts.caption()
    assert "'Sevenoaks 2014' (sevenoaks-2014.toml, SHA-256 " + SHA[:12] in caption
    assert "6 runs, seed 3" in caption and provenance.long_date(facts.day) in caption


def _overlaps(ax, legend) -> bool:
    a, b = ax.get_window_extent(), legend.get_window_extent()
    return not (b.y1 <= a.y0 or b.y0 >= a.y1 or b.x1 <= a.x0 or b.x0 >= a.x1)


@pytest.mark.parametrize("key", sorted(CHARTS))
@pytest.mark.parametrize("size", [(9, 5), (6.3, 3.9), (10, 5.625)])
def test_legends_never_cover_the_data(runs, key, size):
    results, baseline = runs
    fig = Figure(figsize=size, layout="constrained")
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    _, plot = CHARTS[key]
    kwargs = forecast_target(results) if key == "forecast" else {}
    plot(ax, results, baseline=baseline, **kwargs)
    fig.canvas.draw()
    legend = ax.get_legend()
    assert legend is not None and not _overlaps(ax, legend), key
    ticks = ax.xaxis.get_tightbbox()
    assert legend.get_window_extent().y1 <= ticks.y0 + 1  # below the tick labels, not on them


def test_difference_chart_legend_is_below_too(runs):
    results, baseline = runs
    with Runner(1) as runner:
        comparison = whatif.compare(baseline.scenario, [("this", results.scenario)], 4, 1, runner)
    fig = Figure(figsize=(6.3, 3.9), layout="constrained")
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    plot_difference(ax, comparison)
    fig.canvas.draw()
    assert not _overlaps(ax, ax.get_legend())


def test_library_versions_are_the_installed_ones_read_once():
    from importlib import metadata

    expected = {}
    for name in provenance.KEY_LIBRARIES:
        try:
            expected[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            expected[name] = "not installed"
    assert provenance.library_versions() == expected
    assert provenance.tfsim_version() == metadata.version("tfsim")
    provenance.library_versions()["numpy"] = "changed"  # a copy each time: a caller cannot change the record
    assert provenance.library_versions() == expected
