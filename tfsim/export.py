"""Writing results: CSV tables, XLSX workbooks and chart images, each saved atomically.

A file is written to a temporary name in the target folder and renamed over the
target only when complete, so a full disk or a crash never leaves a half-written
file in place of a good one.
"""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd

from tfsim.catalogue import MONTHLY, SUMMARY, series_key
from tfsim.charts import forecast_target, plot_forecast, plot_money, render_figure
from tfsim.experiment import MONTHLY_COLUMNS
from tfsim.scenario.io import atomic_write, atomic_write_text

FLOAT_FORMAT = "%.10g"


def write_csv(frame: pd.DataFrame, path: str | os.PathLike) -> Path:
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_text(target, frame.to_csv(index=False, float_format=FLOAT_FORMAT, lineterminator="\n"))
    return target


def monthly_table(results) -> pd.DataFrame:
    """The monthly series as in ``monthly.csv``: one ``metric`` column, ``name.role`` for a role's series."""
    m = results.monthly
    out = m.assign(metric=[series_key(name, role) for name, role in zip(m["metric"], m["role"])])
    return out[MONTHLY_COLUMNS]


def _described(frame: pd.DataFrame, table: dict) -> pd.DataFrame:
    """``frame`` with each metric's plain title and unit from the catalogue, for people reading a workbook."""
    out = frame.copy()
    at = list(out.columns).index("metric") + 1
    known = [table.get(name) for name in out["metric"]]
    out.insert(at, "title", [m.title if m else "" for m in known])
    out.insert(at + 1, "unit", [(m.unit_info.suffix or m.unit) if m else "" for m in known])
    return out


def write_xlsx(results, path: str | os.PathLike) -> Path:
    """Results as a workbook: one sheet a table (summary, monthly, replications), with titles and units."""
    target = Path(path)

    def writer(tmp):
        with pd.ExcelWriter(tmp, engine="openpyxl") as xl:
            _described(results.summary, SUMMARY).to_excel(xl, sheet_name="summary", index=False)
            _described(results.monthly, MONTHLY).to_excel(xl, sheet_name="monthly", index=False)
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
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(target, lambda tmp: render_figure(plot, results, tmp, **kwargs))
    return target


def write_outputs(results, out_dir: str | os.PathLike) -> list[Path]:
    """The CLI's standard outputs: ``summary.csv``, ``monthly.csv`` and ``forecast.png``
    (with the scenario's target and deadline), plus ``money.png`` when money is modelled."""
    out = Path(out_dir)
    paths = [
        write_csv(results.summary, out / "summary.csv"),
        write_csv(monthly_table(results), out / "monthly.csv"),
        write_chart(plot_forecast, results, out / "forecast.png", **forecast_target(results)),
    ]
    if results.scenario.money is not None:
        paths.append(write_chart(plot_money, results, out / "money.png"))
    return paths


def write_results(results, path: str | os.PathLike) -> list[Path]:
    """Results tables at ``path``: one workbook for ``.xlsx``, else ``path`` (the summary) plus
    ``<stem>-monthly.csv`` and ``<stem>-runs.csv`` (one row per replication)."""
    path = Path(path)
    if path.suffix.lower() == ".xlsx":
        return [write_xlsx(results, path)]
    stem = path.with_suffix("")
    return [write_csv(results.summary, path),
            write_csv(monthly_table(results), Path(f"{stem}-monthly.csv")),
            write_csv(results.per_replication.reset_index(), Path(f"{stem}-runs.csv"))]
