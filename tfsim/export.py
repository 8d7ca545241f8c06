"""Writing results: CSV tables, XLSX workbooks and chart images, each saved atomically.

A file is written to a temporary name in the target folder and renamed over the
target only when complete, so a full disk or a crash never leaves a half-written
file in place of a good one.
"""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd

from tfsim.scenario.io import atomic_write, atomic_write_text

FLOAT_FORMAT = "%.10g"


def write_csv(frame: pd.DataFrame, path: str | os.PathLike) -> Path:
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_text(target, frame.to_csv(index=False, float_format=FLOAT_FORMAT, lineterminator="\n"))
    return target


def write_xlsx(results, path: str | os.PathLike) -> Path:
    """Results as a workbook: one sheet a table (summary, monthly, replications)."""
    target = Path(path)

    def writer(tmp):
        with pd.ExcelWriter(tmp, engine="openpyxl") as xl:
            results.summary.to_excel(xl, sheet_name="summary", index=False)
            results.monthly.to_excel(xl, sheet_name="monthly", index=False)
            results.per_replication.to_excel(xl, sheet_name="replications")
            about = pd.DataFrame(
                {"item": ["scenario", "replications", "seed"],
                 "value": [results.scenario.name, results.replications, results.seed]}
            )
            about.to_excel(xl, sheet_name="about", index=False)

    target.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(target, writer)
    return target


def write_chart(plot, results, path: str | os.PathLike, **kwargs) -> Path:
    """Render ``plot(ax, results)`` to PNG, SVG or PDF (chosen by the file extension)."""
    from tfsim.charts import render_figure

    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(target, lambda tmp: render_figure(plot, results, tmp, **kwargs))
    return target


def write_outputs(results, out_dir: str | os.PathLike) -> list[Path]:
    """The CLI's standard outputs: ``summary.csv``, ``monthly.csv`` and ``forecast.png``
    (with the scenario's target and deadline), plus ``money.png`` when money is modelled."""
    from tfsim.charts import forecast_target, plot_forecast, plot_money

    out = Path(out_dir)
    paths = [
        write_csv(results.summary, out / "summary.csv"),
        write_csv(results.monthly, out / "monthly.csv"),
        write_chart(plot_forecast, results, out / "forecast.png", **forecast_target(results)),
    ]
    if getattr(results.scenario, "money", None) is not None:  # payment by results (issue 4)
        paths.append(write_chart(plot_money, results, out / "money.png"))
    return paths
