"""Writing results: CSV tables, XLSX workbooks and chart images, each saved atomically.

A file is written to a temporary name in the target folder and renamed over the
target only when complete, so a full disk or a crash never leaves a half-written
file in place of a good one.  Every export carries the run's provenance
(:func:`tfsim.provenance.facts`): ``run.json`` beside the CSV files, an *About this run*
sheet in a workbook, and a source caption and file metadata on every chart.
"""

from __future__ import annotations

import datetime as dt
import functools
import io
import math
import os
import re
from pathlib import Path

import pandas as pd

from tfsim import provenance
from tfsim.catalogue import MONTHLY, SUMMARY, Metric, series_key
from tfsim.experiment import MONTHLY_COLUMNS
from tfsim.scenario.inputs import inputs
from tfsim.files import atomic_write, atomic_write_text, staged_folder
from tfsim.whatif import paired_table, point_table

FLOAT_FORMAT = "%.10g"


#: A text cell starting with one of these is run as a formula by spreadsheets opening a CSV file.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_ILLEGAL_IN_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def is_number(text: str) -> bool:
    """Whether ``text`` reads as a number (``-3``, ``+1e5``): a spreadsheet shows it, never runs it."""
    try:
        float(text)
    except ValueError:
        return False
    return True


def csv_text(value):
    """A CSV cell: text a spreadsheet would run as a formula (``=HYPERLINK(...)``) gets a leading ``'``."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS) and not is_number(value):
        return "'" + value
    return value


def cell_text(value):
    """A workbook cell's text: characters XML cannot hold shown as ``\\xNN`` escapes (not a failed save)."""
    if isinstance(value, str) and _ILLEGAL_IN_XML.search(value):
        return _ILLEGAL_IN_XML.sub(lambda m: f"\\x{ord(m.group()):02x}", value)
    return value


def write_csv(frame: pd.DataFrame, path: str | os.PathLike) -> Path:
    """``frame`` as CSV, atomically; text that a spreadsheet would run as a formula is quoted (see :func:`csv_text`)."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    text_columns = [c for c in frame.columns
                    if pd.api.types.is_object_dtype(frame[c]) or pd.api.types.is_string_dtype(frame[c])]
    if text_columns:
        frame = frame.assign(**{c: frame[c].map(csv_text) for c in text_columns})
    atomic_write_text(target, frame.to_csv(index=False, float_format=FLOAT_FORMAT, lineterminator="\n"))
    return target


def write_manifest(results, path: str | os.PathLike, baseline=None) -> Path:
    """``run.json``: the provenance facts of ``results`` (and of a baseline beside it)."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_text(target, provenance.facts(results, baseline).to_json())
    return target


def monthly_table(results) -> pd.DataFrame:
    """The monthly series as in ``monthly.csv``: one ``metric`` column, ``name.role`` for a role's series."""
    m = results.monthly
    out = m.assign(metric=[series_key(name, role) for name, role in zip(m["metric"], m["role"])])
    return out[MONTHLY_COLUMNS]


# ---- the workbook -------------------------------------------------------------------------


def number_format(metric: Metric | None, change: bool = False) -> str:
    """The Excel number format of a metric's values: pounds as £, shares as %, counts with separators.

    ``change`` formats a difference: with its sign, shares in percentage points.
    """
    if metric is None:
        return "General"
    d = metric.decimals
    frac = "." + "0" * d if d else ""
    if metric.unit in ("share", "probability"):
        body = f"0{frac}%"
    elif metric.unit == "gbp":
        body = f"£#,##0{frac}"
    else:
        body = f"#,##0{frac}"
    if change:
        return f"+{body};-{body};{body}"
    if metric.unit == "gbp":
        return f"{body};-{body}"
    return body


def unit_text(metric: Metric | None, change: bool = False) -> str:
    """The unit in a units column: ``families``, ``£``, ``%`` (``percentage points`` for a change in a share)."""
    if metric is None:
        return ""
    if metric.unit in ("share", "probability"):
        return "percentage points" if change else "%"
    if metric.unit == "gbp":
        return "£"
    return metric.unit_info.suffix


@functools.lru_cache(maxsize=1)
def _styles():
    """The header font and fill and the wrapped-text alignment (openpyxl is loaded for workbooks only)."""
    from openpyxl.styles import Alignment, Font, PatternFill

    return (Font(bold=True, color="FFFFFF"), PatternFill("solid", fgColor="1F4E79"),
            Alignment(wrap_text=True, vertical="top"), Alignment(wrap_text=True, vertical="center"))


def _value(x):
    """A cell value: NaN and infinities as empty cells (Excel has no NaN), text XML can hold."""
    if x is None:
        return None
    if isinstance(x, float) and not math.isfinite(x):
        return None
    return cell_text(x)


def _append(ws, row) -> None:
    """Append a row whose text stays text: a scenario named ``=HYPERLINK(...)`` is not a live formula."""
    ws.append([_value(v) for v in row])
    for cell in ws[ws.max_row]:
        if cell.data_type == "f":
            cell.data_type = "s"


def _sheet(book, title: str, header: list[str], rows, widths: list[float], formats: list | None = None,
           wrap: tuple[int, ...] = ()):
    """One table a sheet: a bold frozen header row, a filter, column widths and number formats.

    ``formats`` gives one number format per column (``None``: General), or per row when an
    entry is a callable of the row index.
    """
    from openpyxl.utils import get_column_letter

    head_font, head_fill, wrapped, centred = _styles()
    ws = book.create_sheet(title)
    _append(ws, header)
    for cell in ws[1]:
        cell.font, cell.fill = head_font, head_fill
        cell.alignment = centred
    for r, row in enumerate(rows):
        _append(ws, row)
        if formats:
            for c, fmt in enumerate(formats):
                if fmt is None:
                    continue
                ws.cell(row=r + 2, column=c + 1).number_format = fmt(r) if callable(fmt) else fmt
        for c in wrap:
            ws.cell(row=r + 2, column=c + 1).alignment = wrapped
    for c, width in enumerate(widths):
        ws.column_dimensions[get_column_letter(c + 1)].width = width
    ws.freeze_panes = "B2"
    if ws.max_row > 1:
        ws.auto_filter.ref = ws.dimensions
    return ws


def _summary_sheet(book, results) -> None:
    table = point_table(results)  # Wilson intervals for probabilities, as sweeps report them
    metrics = [SUMMARY.get(name) for name in table["metric"]]
    rows = [[m.title if m else name, unit_text(m), r["mean"], r["ci_low"], r["ci_high"], r["p05"], r["p50"], r["p95"],
             m.description if m else "", name] for m, name, (_, r) in zip(metrics, table["metric"], table.iterrows())]
    fmt = lambda i: number_format(metrics[i])  # noqa: E731
    _sheet(book, "Summary", ["Figure", "Unit", "Average of the runs", "95% interval of the average: from",
                             "95% interval of the average: to", "9 runs in 10: from (5th percentile)", "Median run",
                             "9 runs in 10: to (95th percentile)", "Meaning", "Metric name (summary.csv)"],
           rows, [38, 11, 14, 16, 16, 16, 12, 16, 70, 30], [None, None] + [fmt] * 6 + [None, None], wrap=(8,))


def _month_date(label: str) -> dt.date:
    return dt.date(int(label[:4]), int(label[5:7]), 1)


def _monthly_sheet(book, results) -> None:
    roles = {r.id: r.label for r in results.scenario.roles}
    m = results.monthly
    metrics = [MONTHLY.get(name) for name in m["metric"]]
    rows = []
    for info, row in zip(metrics, m.itertuples(index=False)):
        title = info.title if info else row.metric
        rows.append([_month_date(row.month), title, roles.get(row.role, row.role) if row.role else "",
                     unit_text(info), row.mean, row.p05, row.p50, row.p95, series_key(row.metric, row.role or None)])
    fmt = lambda i: number_format(metrics[i])  # noqa: E731
    _sheet(book, "Monthly", ["Month", "Series", "Role", "Unit", "Average of the runs", "5th percentile", "Median run",
                             "95th percentile", "Metric name (monthly.csv)"],
           rows, [10, 30, 30, 10, 14, 14, 12, 14, 32], ["mmm yyyy", None, None, None, fmt, fmt, fmt, fmt, None])


def _runs_sheet(book, results) -> None:
    runs = results.per_replication
    metrics = [SUMMARY.get(c) for c in runs.columns]
    header = ["Run"] + [f"{m.title} ({unit_text(m)})" if m and unit_text(m) else (m.title if m else c)
                        for m, c in zip(metrics, runs.columns)]
    rows = [[int(i) + 1] + [float(v) for v in row] for i, row in zip(runs.index, runs.to_numpy())]
    _sheet(book, "Runs", header, rows, [6] + [18] * len(metrics), [None] + [number_format(m) for m in metrics])


def _inputs_sheet(book, results) -> None:
    source = provenance.source_of(results)
    rows = [[x.section, x.label, x.value, x.unit, x.basis, x.note, x.path, x.line or None]
            for x in inputs(results.scenario, source.text if source else None)]
    _sheet(book, "Inputs", ["Section", "Input", "Value", "Unit", "Basis", "Note beside it in the scenario file",
                            "Key path", "Line"], rows, [28, 28, 40, 14, 14, 70, 36, 6], wrap=(2, 5))


def _comparison_sheet(book, results, baseline) -> None:
    ws_title = "Comparison"
    if baseline.seed != results.seed or baseline.replications != results.replications:
        _sheet(book, ws_title, ["Note"], [["The baseline was run with another seed or number of runs, so the two "
                                          "cannot be compared run by run. Run both with the same settings."]], [100])
        return
    table = paired_table(baseline, results, results.scenario.name)
    metrics = [SUMMARY[name] for name in table["metric"]]
    rows = [[m.title, unit_text(m), r.baseline_mean, r.variant_mean, r.diff_mean, r.diff_ci_low, r.diff_ci_high,
             r.p_better, r.verdict, r.metric] for m, r in zip(metrics, table.itertuples(index=False))]
    value = lambda i: number_format(metrics[i])  # noqa: E731
    change = lambda i: number_format(metrics[i], change=True)  # noqa: E731
    _sheet(book, ws_title, ["Figure", "Unit", f"Baseline: {baseline.scenario.name}",
                            f"This scenario: {results.scenario.name}", "Difference (this minus baseline)",
                            "95% interval of the difference: from", "95% interval of the difference: to",
                            "Share of runs in which this scenario is better", "Verdict", "Metric name"],
           rows, [38, 11, 18, 18, 16, 18, 18, 16, 20, 30],
           [None, None, value, value, change, change, change, "0%", None, None])


def _about_sheet(book, facts: provenance.Provenance) -> None:
    _sheet(book, "About this run", ["Fact", "Value"], facts.rows(), [28, 90], wrap=(1,))


def write_xlsx(results, path: str | os.PathLike, baseline=None) -> Path:
    """Results as a workbook for people: plain names, units and number formats (£, %), one table a sheet.

    Sheets: *Summary*, *Monthly*, *Runs* (one row per replication), *Inputs* (the scenario's
    values with the notes beside them in its file), *Comparison* (paired differences against
    ``baseline``, when given) and *About this run* (the provenance facts).
    """
    target = Path(path)
    facts = provenance.facts(results, baseline)

    def writer(tmp):
        from openpyxl import Workbook

        book = Workbook()
        book.remove(book.active)
        _summary_sheet(book, results)
        if baseline is not None:
            _comparison_sheet(book, results, baseline)
        _monthly_sheet(book, results)
        _runs_sheet(book, results)
        _inputs_sheet(book, results)
        _about_sheet(book, facts)
        book.properties.title = cell_text(f"tfsim results: {results.scenario.name}")
        book.properties.creator = f"tfsim {facts.tfsim_version}"
        book.properties.description = cell_text(facts.caption())
        book.save(tmp)

    target.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(target, writer)
    return target


# ---- charts -------------------------------------------------------------------------------


def chart_title(plot) -> str:
    """A chart's plain title from its function's first docstring line."""
    return ((plot.__doc__ or "").strip().splitlines() or [""])[0].rstrip(".")


def _render(plot, results, dest, suffix: str, preset: str = "screen", **kwargs) -> None:
    from tfsim.charts import render_figure  # matplotlib: for charts only

    facts = provenance.facts(results, kwargs.get("baseline"))
    render_figure(plot, results, dest, preset=preset, caption=facts.caption(),
                  metadata=facts.image_metadata(suffix, chart_title(plot)), fmt=suffix.lstrip(".") or None, **kwargs)


def write_chart(plot, results, path: str | os.PathLike, preset: str = "screen", **kwargs) -> Path:
    """Render ``plot(ax, results)`` to PNG, SVG or PDF (by the file extension) with its source caption.

    The caption and the file's metadata carry the run's provenance; ``preset`` is a size of
    :data:`tfsim.charts.SIZES` (``"screen"``, ``"slide"``, ``"a4-half"``).
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(target, lambda tmp: _render(plot, results, tmp, target.suffix.lower(), preset, **kwargs))
    return target


def standard_charts(results) -> list[str]:
    """The charts of :func:`write_outputs`: ``forecast.png``, and ``money.png`` when money is modelled."""
    return ["forecast.png"] + (["money.png"] if results.scenario.money is not None else [])


def _standard_chart(results, name: str):
    """The plot function of standard chart ``name`` and its keyword arguments."""
    from tfsim import charts

    if name == "forecast.png":
        return charts.plot_forecast, charts.forecast_target(results)  # with the scenario's target and deadline
    return charts.plot_money, {}


def standard_chart_png(results, name: str) -> bytes:
    """Standard chart ``name`` as the PNG bytes :func:`write_outputs` writes (for :mod:`tfsim.painter`)."""
    plot, kwargs = _standard_chart(results, name)
    buffer = io.BytesIO()
    _render(plot, results, buffer, ".png", **kwargs)
    return buffer.getvalue()


def write_outputs(results, out_dir: str | os.PathLike, painter=None) -> list[Path]:
    """The CLI's standard outputs: ``summary.csv``, ``monthly.csv``, ``run.json`` (provenance) and
    ``forecast.png`` (with the scenario's target and deadline), plus ``money.png`` when money is modelled.

    They are written to a temporary folder beside ``out_dir`` and moved in only when all are
    complete (:func:`tfsim.files.staged_folder`): a failure leaves the earlier outputs whole.
    With a :class:`tfsim.painter.Painter` the charts are drawn in its processes while the
    tables are written here, and written here from the bytes they send.
    """
    out = Path(out_dir)
    charts = standard_charts(results)
    with staged_folder(out) as stage:
        if painter is not None:
            painter.draw(results, charts)
        names = [
            write_csv(results.summary, stage / "summary.csv"),
            write_csv(monthly_table(results), stage / "monthly.csv"),
            write_manifest(results, stage / "run.json"),
        ]
        if painter is not None:
            for name, image in zip(charts, painter.images()):
                atomic_write(stage / name, lambda tmp, image=image: Path(tmp).write_bytes(image))
                names.append(stage / name)
        else:
            for name in charts:
                plot, kwargs = _standard_chart(results, name)
                names.append(write_chart(plot, results, stage / name, **kwargs))
    return [out / p.name for p in names]


def write_results(results, path: str | os.PathLike, baseline=None) -> list[Path]:
    """Results tables at ``path``: one workbook for ``.xlsx``, else ``path`` (the summary) plus
    ``<stem>-monthly.csv``, ``<stem>-runs.csv`` (one row per replication) and ``<stem>-run.json``
    (provenance), moved into place together when all four are written."""
    path = Path(path)
    if path.suffix.lower() == ".xlsx":
        return [write_xlsx(results, path, baseline)]
    stem = path.stem
    with staged_folder(path.parent) as stage:
        names = [write_csv(results.summary, stage / path.name),
                 write_csv(monthly_table(results), stage / f"{stem}-monthly.csv"),
                 write_csv(results.per_replication.reset_index(), stage / f"{stem}-runs.csv"),
                 write_manifest(results, stage / f"{stem}-run.json", baseline)]
    return [path.parent / p.name for p in names]
