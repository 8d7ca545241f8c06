"""Chart functions draw every chart, with and without a baseline, and export to files."""

from __future__ import annotations

import pytest
from helpers import SCENARIOS
from matplotlib.figure import Figure

from tfsim.charts import CHARTS, forecast_target, plot_forecast, render_figure, thousands
from tfsim.experiment import run_experiment
from tfsim.scenario import load_scenario


@pytest.fixture(scope="module")
def runs():
    scenario = load_scenario(SCENARIOS / "sevenoaks-2014.toml")
    return run_experiment(scenario, replications=4, seed=1), run_experiment(scenario, replications=4, seed=2)


@pytest.mark.parametrize("key", sorted(CHARTS))
def test_every_chart_draws_with_and_without_a_baseline(runs, key):
    results, baseline = runs
    _, plot = CHARTS[key]
    for base in (None, baseline):
        ax = Figure().add_subplot()
        plot(ax, results, baseline=base)
        assert ax.has_data()
        labels = [t.get_text() for t in ax.get_legend().get_texts()]
        assert labels, key
        if base is not None:
            assert any("aseline" in label for label in labels), (key, labels)


def test_forecast_shows_target_and_deadline_from_the_scenario(runs):
    results, _ = runs
    ax = Figure().add_subplot()
    plot_forecast(ax, results, **forecast_target(results))
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert any(label.startswith("Target: 101 claims") for label in labels)
    assert any(label.startswith("Deadline") for label in labels)


@pytest.mark.parametrize("suffix, magic", [(".png", b"\x89PNG"), (".svg", b"<?xml"), (".pdf", b"%PDF")])
def test_render_figure_writes_each_format(runs, tmp_path, suffix, magic):
    path = tmp_path / f"chart{suffix}"
    render_figure(plot_forecast, runs[0], path)
    assert path.read_bytes()[: len(magic)] == magic


def test_counts_on_the_y_axis_have_thousands_separators():
    assert [thousands(v) for v in (0.0, -0.0, 2.5, 120000.0, 1_200_000, 12345.5)] == [
        "0", "0", "2.5", "120,000", "1,200,000", "12,345.5"]


def test_the_forecast_labels_its_counts_with_separators(runs):
    results, _ = runs
    fig = Figure()
    ax = fig.add_subplot()
    plot_forecast(ax, results)
    ax.set_ylim(0, 150_000)
    fig.canvas.draw()
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert "100,000" in labels and not any(label.isdigit() and len(label) > 3 for label in labels)
