"""The business-case document: a Word file built on a template a council can restyle.

:func:`build_document` writes the report into a copy of a template (tfsim's own,
``template.docx`` beside this module, or a council's): a one-page summary in plain words,
the comparison with a baseline, the charts with their captions, the key figures, the
assumptions table, the model in brief with its flow diagram, and appendices (STRESS-DES,
the run's provenance, what each figure means).  Every paragraph, table and caption uses a
named style (:data:`STYLES`), so a template's styles, header and footer decide how it
looks; a style the template lacks is added, plain, under the same name.
:func:`write_report` saves the document atomically.
"""

from __future__ import annotations

import datetime as dt
import io
import math
import os
import zipfile
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import docx
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK
from docx.opc.exceptions import PackageNotFoundError
from docx.oxml import OxmlElement, parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.shared import Cm, Emu, Pt
from matplotlib.figure import Figure

from tfsim import charts, provenance
from tfsim.catalogue import SUMMARY, Kind, Metric
from tfsim.scenario.inputs import BASIS_NONE, Input, header_notes, inputs
from tfsim.files import atomic_write
from tfsim.scenario.schema import Scenario
from tfsim.scenario.diff import NAMING_KEYS, describe_differences
from tfsim.target import target_outlook
from tfsim.whatif import NO_CLEAR_DIFFERENCE, Comparison, paired_table, point_table

from .diagram import HEIGHT as FLOW_HEIGHT
from .diagram import WIDTH as FLOW_WIDTH
from .diagram import plot_flow
from .runs import ReportRuns
from .stress import SECTIONS, stress_items

#: The named styles the report uses; restyle them in a template to change how reports look.
STYLES = {
    "title": "Title", "subtitle": "Subtitle", "h1": "Heading 1", "h2": "Heading 2", "body": "Normal",
    "lead": "Summary Lead", "bullet": "List Bullet", "caption": "Caption", "cell": "Table Text",
    "cell_head": "Table Heading", "cell_group": "Table Group", "small": "Small Print", "prompt": "Author Prompt", "table": "tfsim Table",
}

#: Plain descriptions of the charts for their captions, by key of :data:`tfsim.charts.CHARTS`.
CHART_CAPTIONS = {
    "forecast": "Families turned around and results claims made over time. Each line is the average of the runs and "
                "its shaded band holds 9 runs in 10; the dotted line is the target and the dash-dot line the deadline.",
    "waiting": "Families waiting for a key worker at each month end: average of the runs, with the band holding 9 "
               "runs in 10.",
    "in_service": "Families in an intervention at each month end, by role, against the caseload the staff in post can "
                  "hold (caseload capacity).",
    "staffing": "Key workers in post (full-time equivalents) against the funded establishment: the gap is vacant "
                "posts.",
    "money": "Income (attachment fees and results payments) against cost by financial year, averaged over the runs; "
             "the line is the net cost.",
}

#: Headline figures of the summary and of the comparison sentences, in order.
HEADLINES = ["target_count_at_deadline", "p_target_met", "families_turned_around", "claims", "mean_wait_days",
             "share_waited", "net_cost", "total_cost"]

FIGURE_DPI = 200
#: Most inputs listed in "What differs between the two scenarios" (the rest are counted).
MAX_CHANGES = 40


class TemplateError(ValueError):
    """A template that is not a Word document tfsim can build on; the message says why in words."""


def default_template() -> Path:
    """tfsim's own template (package data)."""
    return Path(str(resources.files("tfsim.report").joinpath("template.docx")))


def load_template(path: str | os.PathLike | None = None):
    """A python-docx Document opened from ``path`` (tfsim's template when None).

    Raises
    ------
    TemplateError
        When the file is missing, unreadable or not a Word .docx document.
    """
    source = Path(path) if path is not None else default_template()
    if not source.exists():
        raise TemplateError(f"{source}: no such file")
    if source.is_dir():
        raise TemplateError(f"{source}: is a folder, not a Word document")
    try:
        document = docx.Document(str(source))
    except Exception as exc:  # python-docx raises several kinds for a file that is not a .docx
        reason = str(exc) or type(exc).__name__
        if "template.main" in reason or source.suffix.lower() in (".dotx", ".dotm"):
            reason = "it is a Word template (.dotx); open it in Word and save it as a Word document (.docx)"
        elif isinstance(exc, (PackageNotFoundError, zipfile.BadZipFile, KeyError)):
            reason = "it is not a Word document (.docx)"
        raise TemplateError(f"{source}: cannot be used as a report template: {reason}") from None
    return document


# ---- the writer: paragraphs, tables and figures in named styles -------------------------


def _fmt(metric: Metric, value: float, unit: bool = True) -> str:
    return metric.format(value, unit=unit) if value == value else "n/a"


def _change(metric: Metric, value: float, unit: bool = True) -> str:
    """A difference with its sign; one more decimal than the metric, except pounds; never ``-0``.

    Without ``unit`` a count reads ``+1.2`` (its unit is in the table's row name) and a
    share ``+3.0 pts``.
    """
    if value != value:
        return "n/a"
    d = metric.decimals + (0 if metric.unit == "gbp" else 1)
    if abs(value) < 1e-9:
        value = 0.0  # a rounding error, not a difference
    sign = "+" if value > 0 else "-" if value < 0 else "\u00b1"  # +0.0 for a small real difference
    if unit:
        return sign + metric.format_change(abs(value), d)[1:] if value else metric.format_change(0.0, d)
    if metric.unit in ("share", "probability"):
        return f"{sign}{abs(value) * 100:,.{d}f} pts"
    return sign + metric.format(abs(value), unit=False, decimals=d)


def _unit_word(metric: Metric) -> str:
    """The unit after a figure's name in a table: '(days)', '' for £ and %."""
    suffix = metric.unit_info.suffix
    return f" ({suffix})" if suffix else ""


def _date_of(scenario: Scenario, day: float) -> str:
    if day != day or math.isinf(day):
        return "n/a"
    return provenance.short_date(scenario.start_date + dt.timedelta(days=int(day)))


@dataclass
class _Counter:
    figure: int = 0
    table: int = 0


class _Writer:
    """Adds content to a document in the report's named styles, numbering figures and tables."""

    def __init__(self, document):
        self.doc = document
        self.count = _Counter()
        self.style = {key: self._ensure(name, key) for key, name in STYLES.items()}
        section = document.sections[-1]
        try:
            width = section.page_width - section.left_margin - section.right_margin
        except TypeError:  # a template without page sizes
            width = Cm(16)
        self.width = Emu(int(width)) if width and width > Cm(5) else Cm(16)

    def _ensure(self, name: str, key: str):
        """The style called ``name``, added plainly when a council's template lacks it."""
        styles = self.doc.styles
        found = next((s for s in styles if s.name == name), None)
        if found is not None:
            return found
        if key == "table":
            grid = next((s for s in styles if s.name == "Table Grid"), None)
            style = styles.add_style(name, WD_STYLE_TYPE.TABLE)
            if grid is not None:
                style.base_style = grid
            return style
        style = styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
        normal = next((s for s in styles if s.name == "Normal"), None)
        if normal is not None:
            style.base_style = normal
        if key in ("cell", "cell_head", "cell_group", "small"):
            style.font.size = Pt(9 if key != "small" else 8)
            style.paragraph_format.space_after = Pt(0 if key != "small" else 3)
        style.font.bold = True if key in ("cell_head", "cell_group", "h1", "h2", "title") else None
        style.font.italic = True if key in ("prompt", "caption") else None
        if key in ("title", "h1", "h2", "subtitle", "lead"):
            style.font.size = Pt({"title": 22, "h1": 16, "h2": 12.5, "subtitle": 13, "lead": 12}[key])
        return style

    # paragraphs

    def para(self, text: str = "", key: str = "body"):
        return self.doc.add_paragraph(text, style=self.style[key])

    def heading(self, text: str, level: int = 1):
        p = self.doc.add_paragraph(text, style=self.style["h1" if level == 1 else "h2"])
        p.paragraph_format.keep_with_next = True
        return p

    def bullet(self, text: str):
        return self.para(text, "bullet")

    def prompt(self, text: str):
        return self.para(text, "prompt")

    def page_break(self):
        self.doc.add_paragraph().add_run().add_break(WD_BREAK.PAGE)

    def _seq(self, paragraph, name: str, number: int) -> None:
        """A Word SEQ field (figure or table number) with its number shown, so lists of figures work."""
        field = OxmlElement("w:fldSimple")
        field.set(qn("w:instr"), f" SEQ {name} \\* ARABIC ")
        run = OxmlElement("w:r")
        text = OxmlElement("w:t")
        text.text = str(number)
        run.append(text)
        field.append(run)
        paragraph._p.append(field)

    def caption(self, kind: str, text: str) -> int:
        """A numbered caption: ``Figure 3. text`` or ``Table 2. text``; returns the number."""
        if kind == "Figure":
            self.count.figure += 1
            number = self.count.figure
        else:
            self.count.table += 1
            number = self.count.table
        p = self.para("", "caption")
        p.add_run(f"{kind} ")
        self._seq(p, kind, number)
        p.add_run(f". {text}")
        if kind == "Table":
            p.paragraph_format.keep_with_next = True
        return number

    # figures

    def figure(self, draw, size: tuple[float, float], caption: str, layout: str | None = "constrained") -> int:
        """A figure drawn by ``draw(fig)`` at ``size`` inches, the page's width, with its caption below."""
        fig = Figure(figsize=size, layout=layout)
        with_rc = charts.matplotlib.rc_context(charts.EXPORT_RC)
        with with_rc:
            draw(fig)
            buffer = io.BytesIO()
            fig.savefig(buffer, format="png", dpi=FIGURE_DPI)
        buffer.seek(0)
        width = min(self.width, Cm(size[0] * 2.54))
        self.doc.add_picture(buffer, width=width)
        picture = self.doc.paragraphs[-1]
        picture.alignment = WD_ALIGN_PARAGRAPH.CENTER
        picture.paragraph_format.keep_with_next = True
        return self.caption("Figure", caption)

    # tables

    def table(self, header: list[str], rows: list[list], widths_cm: list[float], caption: str | None = None,
              align: list[str] | None = None, group_rows: set[int] | None = None):
        """A table in the report's table style with a repeated header row; ``rows`` hold text or Parts.

        ``align`` gives ``"l"`` or ``"r"`` a column; ``group_rows`` are indices of rows that head a
        group (one merged cell).  A caption above numbers it.
        """
        if caption:
            self.caption("Table", caption)
        total = sum(widths_cm)
        scale = min(1.0, self.width / Cm(total))
        widths = [Cm(w * scale) for w in widths_cm]
        table = self.doc.add_table(rows=1, cols=len(header))
        table.style = self.style["table"]
        table.alignment = WD_TABLE_ALIGNMENT.CENTER
        table.autofit = False
        align = align or ["l"] * len(header)
        for i, text in enumerate(header):
            cell = table.rows[0].cells[i]
            cell.text = ""
            p = cell.paragraphs[0]
            p.style = self.style["cell_head"]
            p.add_run(text)
            if align[i] == "r":
                p.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        _repeat_header(table.rows[0])
        for r, row in enumerate(rows):
            cells = table.add_row().cells
            if group_rows and r in group_rows:
                merged = cells[0].merge(cells[-1])
                merged.text = ""
                p = merged.paragraphs[0]
                p.style = self.style["cell_group"]
                p.add_run(str(row[0]))
                p.paragraph_format.keep_with_next = True
                continue
            for i, value in enumerate(row):
                cell = cells[i]
                cell.text = ""
                p = cell.paragraphs[0]
                prompt = isinstance(value, tuple)  # (text, "prompt")
                p.style = self.style["prompt" if prompt else "cell"]
                if prompt:
                    p.paragraph_format.space_after = Pt(0)
                    for run_text in value[0].split("\n"):
                        p.add_run(run_text)
                else:
                    p.add_run("" if value is None else str(value))
                if align[i] == "r":
                    p.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        for row in table.rows:
            _cant_split(row)
            for i, cell in enumerate(row.cells):
                cell.width = widths[i] if i < len(widths) else widths[-1]
        for i, column in enumerate(table.columns):
            column.width = widths[i]
        self.doc.add_paragraph(style=self.style["small"])  # a little space after the table
        return table


def _repeat_header(row) -> None:
    trpr = row._tr.get_or_add_trPr()
    trpr.append(parse_xml(f'<w:tblHeader {nsdecls("w")}/>'))


def _cant_split(row) -> None:
    trpr = row._tr.get_or_add_trPr()
    trpr.append(parse_xml(f'<w:cantSplit {nsdecls("w")}/>'))


# ---- the sections of the report ------------------------------------------------------------


def _what_counts(results) -> tuple[str, Metric]:
    t = results.scenario.money.target if results.scenario.money is not None else None
    if t is not None and results.has_summary("target_count_at_deadline"):
        return t.counted, SUMMARY["target_count_at_deadline"]
    return "families turned around", SUMMARY["families_turned_around"]


def _range(results, name: str) -> str:
    m = SUMMARY[name]
    return f"9 runs in 10: {_fmt(m, results.value(name, 'p05'), unit=False)} to {_fmt(m, results.value(name, 'p95'))}"


def _title_block(w: _Writer, runs: ReportRuns, facts: provenance.Provenance) -> None:
    s = runs.results.scenario
    w.para(f"{s.name}: business case forecast", "title")
    w.para("Families turned around, claims, staffing and money, forecast by simulation", "subtitle")
    sha = f" (SHA-256 {facts.scenario_sha256[:provenance.SHORT_SHA]}\u2026)" if facts.scenario_sha256 else ""
    period = f"{provenance.long_date(s.start_date)} to {provenance.long_date(s.end_date)}"
    w.para(f"Period simulated: {period}. {facts.replications:,} simulated runs, seed {facts.seed}, run on "
           f"{provenance.long_date(facts.day)} with tfsim {facts.tfsim_version}. Scenario file: "
           f"{facts.scenario_file or 'not recorded'}{sha}.", "small")


def _staffing_sentences(runs: ReportRuns) -> list[str]:
    r = runs.results
    out = []
    facts = []
    if r.has_summary("mean_wait_days"):
        wait, share = SUMMARY["mean_wait_days"], SUMMARY["share_waited"]
        facts.append(f"families who started waited on average {_fmt(wait, r.value('mean_wait_days'))} for a key "
                     f"worker ({_fmt(share, r.value('share_waited'))} of them had to wait at all)")
    if r.has_summary("caseload_utilisation"):
        facts.append(f"{_fmt(SUMMARY['caseload_utilisation'], r.value('caseload_utilisation'))} of caseload slots "
                     "were in use on average")
    if r.has_summary("vacancy_share"):
        facts.append(f"{_fmt(SUMMARY['vacancy_share'], r.value('vacancy_share'))} of funded posts stood vacant")
    if facts:
        text = "; ".join(facts)
        out.append(f"In this scenario {text}.")
    check = runs.staffing
    if check is not None:
        what, metric = _what_counts(r)
        table = paired_table(r, check.results, "staffing")
        row = table[table["metric"] == metric.name].iloc[0]
        verdict = row.verdict
        head = (f"A second run with {check.change} (the role whose caseload slots were fullest, "
                f"{check.utilisation:.0%} in use), on the same random numbers, ")
        if verdict == NO_CLEAR_DIFFERENCE:
            text = (head + f"would make no clear difference to the {what} by the deadline ("
                    f"{_change(metric, row.diff_mean)}, 95% interval {_change(metric, row.diff_ci_low)} to "
                    f"{_change(metric, row.diff_ci_high)}): more staff in that role is not what limits the result.")
        else:
            text = (head + f"would change the {what} by the deadline by {_change(metric, row.diff_mean)} "
                    f"(95% interval {_change(metric, row.diff_ci_low)} to {_change(metric, row.diff_ci_high)}).")
        hit = table[table["metric"] == "p_target_met"]
        if not hit.empty:
            p = SUMMARY["p_target_met"]
            now, then = _fmt(p, hit.iloc[0].baseline_mean), _fmt(p, hit.iloc[0].variant_mean)
            text += (f" The chance of meeting the target would stay at {now}." if now == then else
                     f" The chance of meeting the target would be {then} against {now}.")
        hit = table[table["metric"] == "net_cost"]
        if not hit.empty and hit.iloc[0].verdict != NO_CLEAR_DIFFERENCE:
            text += f" The net cost would change by {_change(SUMMARY['net_cost'], hit.iloc[0].diff_mean)}."
        out.append(text)
    outlook = target_outlook(r)
    if outlook is not None and outlook.never_waited:
        out.append("No family waited for a key worker in any run: staffing is not the constraint.")
    return out


def _comparison_rows(runs: ReportRuns):
    """The paired table of the scenario against its baseline (``results - baseline``), or None."""
    if runs.baseline is None or not runs.paired:
        return None
    return paired_table(runs.baseline, runs.results, runs.results.scenario.name)


def _summary(w: _Writer, runs: ReportRuns) -> None:
    r = runs.results
    s = r.scenario
    outlook = target_outlook(r)
    w.heading("Summary")
    turned = SUMMARY["families_turned_around"]
    if outlook is not None:
        lead = (f"The target is {outlook.families:,} {outlook.what} by {provenance.long_date(outlook.deadline)}. "
                f"We expect {outlook.expected:,.0f} by then (9 runs in 10: {outlook.expected_p05:,.0f} to "
                f"{outlook.expected_p95:,.0f}), so the chance of meeting the target is "
                f"{outlook.probability:.0%} (95% interval {outlook.probability_low:.0%} to "
                f"{outlook.probability_high:.0%}).")
    else:
        lead = (f"The scenario sets no target. Over {provenance.long_date(s.start_date)} to "
                f"{provenance.long_date(s.end_date)} we expect {_fmt(turned, r.value('families_turned_around'))} to "
                f"be turned around ({_range(r, 'families_turned_around')}).")
    w.para(lead, "lead")

    rows = []
    if outlook is not None:
        rows.append(["Target", f"{outlook.families:,} {outlook.what} by {provenance.long_date(outlook.deadline)}"])
        rows.append(["Expected by the deadline", f"{outlook.expected:,.0f} {outlook.what} (9 runs in 10: "
                     f"{outlook.expected_p05:,.0f} to {outlook.expected_p95:,.0f})"])
        rows.append(["Chance of meeting the target", f"{outlook.probability:.0%} (met in {outlook.met} of "
                     f"{outlook.runs} runs; 95% interval {outlook.probability_low:.0%} to "
                     f"{outlook.probability_high:.0%})"])
        rows.append(["Shortfall at the deadline", "none on average" if outlook.shortfall < 0.5 else
                     f"on average {outlook.shortfall:,.0f} short (9 runs in 10: {outlook.shortfall_p05:,.0f} to "
                     f"{outlook.shortfall_p95:,.0f} short)"])
        if outlook.reached_share == 0:
            reached = "no run reaches the target before the end of the period"
        elif outlook.reached_median is None:
            reached = f"only {outlook.reached_share:.0%} of runs reach it before the end, too few for a date"
        else:
            reached = f"half the runs by {provenance.long_date(outlook.reached_median)}"
            reached += (f", 9 in 10 by {provenance.long_date(outlook.reached_p90)}" if outlook.reached_p90 else
                        f"; only {outlook.reached_share:.0%} of runs reach it before the end")
        rows.append(["Date the target is reached", reached])
    rows.append([turned.title, f"{_fmt(turned, r.value('families_turned_around'))} ({_range(r, 'families_turned_around')})"])
    counted = s.money.target.measure if s.money is not None and s.money.target is not None else None
    for name in ("claims", "mean_wait_days", "net_cost"):
        if name == "claims" and counted == "claims" and s.money.target.deadline == s.end_date:
            continue  # the same figure as 'expected by the deadline'
        if r.has_summary(name) and r.value(name) == r.value(name):
            m = SUMMARY[name]
            rows.append([m.title, f"{_fmt(m, r.value(name))} ({_range(r, name)})"])
    w.table(["", "Forecast"], rows, [5.0, 11.8], align=["l", "l"])

    w.heading("What staffing does to it", 2)
    for text in _staffing_sentences(runs):
        w.para(text)

    if runs.baseline is not None:
        w.heading(f"Against the baseline: {runs.baseline.scenario.name}", 2)
        table = _comparison_rows(runs)
        if table is None:
            w.para("The baseline was run with another seed or number of runs, so the two cannot be compared run by "
                   "run; run both with the same settings.")
        else:
            w.para("This scenario minus the baseline, on the same random numbers and paired run by run; 'no clear "
                   "difference' means the 95% interval includes zero.")
            rows = []
            for name in HEADLINES:
                hit = table[table["metric"] == name]
                if hit.empty or name == "total_cost":
                    continue
                row, m = hit.iloc[0], SUMMARY[name]
                if row.baseline_mean != row.baseline_mean:
                    continue
                rows.append([m.title, _change(m, row.diff_mean), f"{_change(m, row.diff_ci_low)} to "
                             f"{_change(m, row.diff_ci_high)}", row.verdict])
            w.table(["", "Difference", "95% interval", "Verdict"], rows, [5.2, 2.6, 5.4, 3.6],
                    align=["l", "r", "r", "l"])
    w.para(f"How to read these figures: each comes from {r.replications:,} simulated runs of the programme, each "
           "drawing referrals, refusals, intervention lengths, outcomes and staff turnover at random. 'On average' "
           "and 'expected' are the mean over the runs; '9 runs in 10' is the range the middle 90% of runs fell in "
           "(what the council could see happen); a '95% interval' says how precisely an average or a difference is "
           "known from this many runs.", "small")


def _comparison(w: _Writer, runs: ReportRuns, figure_key: dict) -> None:
    table = _comparison_rows(runs)
    if table is None:
        return
    base, r = runs.baseline, runs.results
    w.heading("Comparison with the baseline")
    w.para(f"'{r.scenario.name}' against the baseline '{base.scenario.name}', {r.replications:,} runs each on the "
           "same random numbers. Each difference is this scenario minus the baseline, averaged over the runs with "
           "its 95% interval; 'better in' is the share of runs in which this scenario did better.")
    changes = describe_differences(base.scenario, r.scenario, skip=NAMING_KEYS)
    if changes:
        rows = [[c.what(), c.old_text(), c.new_text()] for c in changes[:MAX_CHANGES]]
        if len(changes) > MAX_CHANGES:
            rows.append([f"and {len(changes) - MAX_CHANGES} more changes", "", ""])
        w.table(["Input", "Baseline", "This scenario"], rows, [6.0, 5.4, 5.4], "What differs between the two "
                "scenarios.")
    rows = []
    for row in table.itertuples(index=False):
        m = SUMMARY[row.metric]
        if row.baseline_mean != row.baseline_mean and row.variant_mean != row.variant_mean:
            continue
        better = "" if row.p_better != row.p_better else f"{row.p_better:.0%}"
        rows.append([m.title + _unit_word(m), _fmt(m, row.baseline_mean, unit=False),
                     _fmt(m, row.variant_mean, unit=False), _change(m, row.diff_mean, unit=False),
                     f"{_change(m, row.diff_ci_low, unit=False)} to {_change(m, row.diff_ci_high, unit=False)}",
                     better, row.verdict])
    w.table(["Figure", "Baseline", "This scenario", "Difference", "95% interval of the difference", "Better in",
             "Verdict"], rows, [4.0, 1.9, 1.9, 2.1, 3.3, 1.2, 2.2], "Paired differences, this scenario minus the "
            "baseline.", align=["l", "r", "r", "r", "r", "r", "l"])
    comparison = Comparison(base, [(r.scenario.name, r)], table)
    what = "claims_cumulative" if r.has_series("claims_cumulative") else "turned_around_cumulative"
    figure_key["difference"] = w.figure(
        lambda fig: charts.plot_difference(fig.add_subplot(), comparison, what),
        charts.SIZES["a4-half"][0], f"The difference from the baseline over time ({'claims made' if what.startswith('claims') else 'families turned around'}, "
        f"cumulative), with the 95% interval of the paired difference; where the band covers zero there is no clear "
        f"difference. {_caption_source(runs)}")


def _caption_source(runs: ReportRuns) -> str:
    f = provenance.facts(runs.results)
    file = f" ({f.scenario_file})" if f.scenario_file else ""
    return (f"Scenario '{f.scenario_name}'{file}; {f.replications:,} runs, seed {f.seed}; run "
            f"{provenance.long_date(f.day)}.")


def _charts(w: _Writer, runs: ReportRuns, figure_key: dict) -> None:
    r = runs.results
    w.heading("Charts")
    size = charts.SIZES["a4-half"][0]
    for key, (_title, plot) in charts.CHARTS.items():
        if key == "money" and not r.has_series("cost"):
            continue
        kwargs = {}
        if key == "forecast":
            kwargs.update(charts.forecast_target(r))
        if runs.baseline is not None:
            kwargs["baseline"] = runs.baseline
        text = CHART_CAPTIONS.get(key, _title)
        if runs.baseline is not None:
            text += f" Dashed: the baseline '{runs.baseline.scenario.name}'."
        figure_key[key] = w.figure(lambda fig, p=plot, k=kwargs: p(fig.add_subplot(), r, **k), size,
                                   f"{text} {_caption_source(runs)}")


def _key_figures(w: _Writer, runs: ReportRuns) -> None:
    r = runs.results
    w.heading("Key figures")
    w.para(f"Every summary figure of the run, averaged over {r.replications:,} runs: the 95% interval says how "
           "precisely the average is known; '9 runs in 10' is the range the middle 90% of runs fell in. Money is in "
           "pounds over the whole period.")
    table = point_table(r)
    rows = []
    for row in table.itertuples(index=False):
        m = SUMMARY.get(row.metric)
        if m is None or row.mean != row.mean:
            continue
        if m.name == "target_met_date_p50":
            rows.append(["Date the target is met (median of the runs that meet it)", _date_of(r.scenario, row.p50),
                         "", f"{_date_of(r.scenario, row.p05)} to {_date_of(r.scenario, row.p95)}", "date"])
            continue
        interval = (f"{_fmt(m, row.ci_low, unit=False)} to {_fmt(m, row.ci_high, unit=False)}"
                    if row.ci_low == row.ci_low else "")
        spread = f"{_fmt(m, row.p05, unit=False)} to {_fmt(m, row.p95, unit=False)}"
        unit = {"gbp": "£", "share": "%", "probability": "%"}.get(m.unit, m.unit_info.suffix)
        rows.append([m.title, _fmt(m, row.mean, unit=False), interval, spread, unit])
    w.table(["Figure", "Average", "95% interval of the average", "9 runs in 10", "Unit"], rows,
            [5.4, 2.2, 3.9, 3.9, 1.6], "Key figures of the run.", align=["l", "r", "r", "r", "l"])


def _assumptions(w: _Writer, runs: ReportRuns, table: list[Input]) -> None:
    r = runs.results
    source = provenance.source_of(r)
    w.heading("Assumptions")
    unstated = sum(1 for x in table if x.basis == BASIS_NONE)
    w.para("Every value of the scenario file that differs from tfsim's default, or that the file writes with a "
           "note, with the note written beside it in the file. FITTED marks a value tuned so the model reproduces "
           "reported figures; ASSUMPTION a value chosen without a source; 'source' a note that names where the "
           "figure comes from. All other values are tfsim's documented defaults.")
    if source is None:
        w.prompt("[For the author: the scenario file was not available when this report was made, so the notes "
                 "beside the values are missing.]")
    elif unstated:
        w.prompt(f"[For the author: {unstated} of the {len(table)} values have no note in the scenario file (marked "
                 "'not stated'); add a source or mark them ASSUMPTION.]")
    rows, groups = [], set()
    section, previous = None, None
    for x in table:
        if x.section != section:
            section = x.section
            groups.add(len(rows))
            rows.append([section])
        basis = ("not stated", "prompt") if x.basis == BASIS_NONE else x.basis
        note = "as above" if x.note and x.note == previous else x.note  # one comment over several values
        previous = x.note
        rows.append([x.label, x.value, x.unit, basis, note])
    w.table(["Input", "Value", "Unit", "Basis", "Note beside it in the scenario file"], rows,
            [3.3, 3.6, 1.6, 2.6, 5.7], f"Inputs of '{r.scenario.name}' and where they come from.", group_rows=groups)
    notes = header_notes(source.text) if source else []
    if notes:
        w.heading("Notes at the top of the scenario file", 2)
        p = w.para("", "small")
        for i, line in enumerate(notes[:80]):
            if i:
                p.add_run().add_break()
            p.add_run(line)
        if len(notes) > 80:
            p.add_run().add_break()
            p.add_run(f"... {len(notes) - 80} more lines in the file.")


def _model_in_brief(w: _Writer, runs: ReportRuns, figure_key: dict) -> None:
    s = runs.results.scenario
    w.heading("The model in brief")
    figure_key["flow"] = None
    w.para("tfsim follows every family referred to the programme, one event at a time: first contact, the waiting "
           "list, an intervention with a key worker, its outcome and, when payment by results is modelled, the "
           "result sustained and the claim. It is run many times with different random draws, so each figure comes "
           "with its range. Figure {flow} shows the path with this scenario's figures.")
    flow_para = w.doc.paragraphs[-1]
    e = s.engagement
    ref = s.referrals
    parts = []
    if ref.cohort:
        parts.append(f"{sum(c.families for c in ref.cohort):,} identified families in {len(ref.cohort)} "
                     f"batch{'es' if len(ref.cohort) > 1 else ''} from {provenance.long_date(ref.cohort[0].date)}")
    if ref.rates:
        parts.append("a random (Poisson) stream at " + ", then ".join(
            f"{p.per_month:g} a month from {provenance.short_date(p.start)}" for p in ref.rates))
    w.bullet(f"Referrals: {' and '.join(parts) if parts else 'none'}; about {s.expected_referrals():,.0f} "
             "families over the period.")
    contact = f"At first contact {e.refusal_probability:.0%} refuse support"
    if e.reapproach_probability > 0:
        contact += (f"; {e.reapproach_probability:.0%} of them are approached again about "
                    f"{e.reapproach_delay_months.expected_value():.0f} months later "
                    f"({e.reapproach_delay_months.describe('months')})")
    if e.disengagement_hazard_per_month > 0:
        contact += (f". During an intervention a family disengages at a rate of {e.disengagement_hazard_per_month:g} "
                    "a month")
    w.bullet(contact + ".")
    wl = s.waiting_list
    rule = ("the family with the highest need first, then in order of referral" if wl.discipline == "priority" else
            "in order of referral")
    text = f"Families who accept wait for a key worker and are allocated {rule}"
    if wl.max_wait_days:
        text += (f"; after {wl.max_wait_days:g} days a case is "
                 + ("closed unallocated" if wl.on_max_wait == "close" else "moved to the front of the list"))
    w.bullet(text + ".")
    chains = "; ".join(f"{level}: " + ", then ".join(s.role(rid).label for rid in chain)
                       for level, chain in s.allocation.items())
    w.bullet(f"Who may take a family depends on its intensity of need, in order of preference ({chains}).")
    for role in s.roles:
        o = role.outcomes
        fte = sum(role.in_post_fte)
        staff = f"{fte:g} FTE in post at the start" if fte else "nobody in post at the start"
        w.bullet(f"{role.label}: up to {role.caseload_cap_per_fte:g} families per full-time worker; "
                 f"interventions last about {role.duration_months.expected_value():.0f} months "
                 f"({role.duration_months.describe('months')}); {o.turned_around:.0%} of families "
                 f"turned around at the end; {staff}.")
    wf = s.workforce
    text = (f"Staff: {wf.turnover_per_year:.0%} of workers leave a year" if wf.turnover_per_year else
            "Staff: no random turnover")
    text += (f"; a vacancy is advertised after {wf.decision_delay_weeks:g} weeks and a recruitment round takes "
             f"about {wf.time_to_fill_weeks.expected_value():.0f} weeks ({wf.time_to_fill_weeks.describe('weeks')}); "
             f"new starters reach a full caseload over "
             f"{wf.induction_months:g} months")
    if s.staffing_plan:
        text += f"; {len(s.staffing_plan)} dated changes in the staffing plan (starters, leavers, posts)"
    w.bullet(text + ".")
    m = s.money
    if m is not None:
        fee = m.resolved("fee_per_family_gbp")
        text = (f"Money: the {m.framework.replace('phase', 'Phase ')} payment-by-results framework, "
                f"£{fee:,.0f} a family ({m.resolved('families_funded_share'):.0%} of families funded), part paid on "
                f"attachment and the rest as a results payment once a result has been sustained for "
                f"{m.resolved('progress_sustain_months'):g} months and checked at a {m.follow_up_months:g}-month "
                f"follow-up; {m.relapse_probability:.0%} of results relapse before they can be claimed. Costs are "
                "salaries with on-costs, agency cover, recruitment and overheads.")
        w.bullet(text)
        matching = m.data_matching
        if matching is not None and matching.on:
            w.bullet("Data matching is on: results are also found by matching families against local and national "
                     "data (school, police and benefit records), whatever key work they had, as the National Audit "
                     "Office and the Public Accounts Committee (2016) found councils did. The figure 'claims found by "
                     "data matching' shows how much of the forecast rests on it.")
        else:
            w.bullet("Data matching is off: only results at the end of an intervention are claimed.")
    number = w.figure(lambda fig: plot_flow(fig.add_axes((0, 0, 1, 1)), s),
                      (charts.SIZES["a4-half"][0][0], charts.SIZES["a4-half"][0][0] * FLOW_HEIGHT / FLOW_WIDTH),
                      f"How a family moves through the model, with the figures of '{s.name}'. Dashed lines are "
                      "paths taken by some families only.", layout=None)
    figure_key["flow"] = number
    for run in flow_para.runs:
        run.text = run.text.replace("{flow}", str(number))
    w.heading("What the model does not say", 2)
    w.para("A family counted as turned around has met the programme's results criteria, which is not proof that the "
           "programme changed it: the National Audit Office and the Public Accounts Committee (2016) made this point, "
           "and the national evaluation of Phase 1 (published in October 2016) found no significant or systematic "
           "impact on employment, benefits, school attendance, offending or child welfare that could be attributed "
           "to the programme. The forecasts here are of results and claims as the scheme counts them, under the "
           "assumptions listed above.")


def _stress(w: _Writer, runs: ReportRuns, facts, table: list[Input], figure_key: dict) -> None:
    w.heading("Appendix A. STRESS-DES reporting checklist")
    w.para("STRESS-DES is the reporting standard for discrete-event simulation studies (Monks, Currie, Onggo, "
           "Robinson, Kunc and Taylor, Journal of Simulation, 2019). tfsim fills in what it knows from the run and "
           "the scenario; text marked [For the author: ...] is left for the author to write.")
    rows, groups = [], set()
    current = None
    for item in stress_items(runs, facts, table, figure_key):
        section = item.number.split(".")[0]
        if section != current:
            current = section
            groups.add(len(rows))
            rows.append([f"{section}. {SECTIONS[section]}"])
        rows.append([item.number, item.topic, "\n".join(p.text for p in item.parts)])
    table_obj = w.table(["Item", "Topic", "This study"], rows, [1.2, 3.4, 12.2], "The STRESS-DES items.",
                        group_rows=groups)
    _style_prompts(w, table_obj)


def _style_prompts(w: _Writer, table) -> None:
    """Lines of a cell that are prompts for the author get the Author Prompt style."""
    for row in table.rows[1:]:
        cell = row.cells[-1]
        for p in list(cell.paragraphs):
            text = p.text
            if "\n" not in text and "[For the author" not in text:
                continue
            lines = text.split("\n")
            p.text = ""
            first = True
            for line in lines:
                target = p if first else cell.add_paragraph()
                first = False
                target.style = w.style["prompt" if line.startswith("[For the author") else "cell"]
                if line.startswith("[For the author"):
                    target.paragraph_format.space_after = Pt(0)
                target.add_run(line)


def _about(w: _Writer, facts: provenance.Provenance) -> None:
    w.heading("Appendix B. About this run")
    w.para("The facts that let a reader check and reproduce every figure in this report: the same tfsim version, "
           "scenario file (its SHA-256 fingerprint must match), seed and number of runs give the same results.")
    w.table(["Fact", "Value"], [list(row) for row in facts.rows()], [5.0, 11.8], "Provenance of the run.")


def _glossary(w: _Writer, runs: ReportRuns) -> None:
    w.heading("Appendix C. What the figures mean")
    rows = []
    for name in runs.results.summary["metric"]:
        m = SUMMARY.get(name)
        if m is None:
            continue
        unit = {"gbp": "£", "share": "%", "probability": "%"}.get(m.unit, m.unit_info.suffix)
        kind = {Kind.FLOW: "count over the period", Kind.STOCK: "level", Kind.CUMULATIVE: "count to date",
                Kind.SHARE: "share", Kind.DURATION: "length of time", Kind.MONEY: "money",
                Kind.PROBABILITY: "chance"}[m.kind]
        rows.append([m.title, m.description, f"{unit}, {kind}" if unit else kind])
    w.table(["Figure", "Meaning", "Unit"], rows, [4.6, 9.2, 3.0], "The summary figures.")


# ---- the document ------------------------------------------------------------------------------


def build_document(runs: ReportRuns, template: str | os.PathLike | None = None):
    """The report as a python-docx Document, written into a copy of ``template``.

    The template's own body (a cover page, say) is kept and the report follows it; its
    styles, headers and footers are used as they are.  The CLI and the app both call this.
    """
    document = load_template(template)
    w = _Writer(document)
    r = runs.results
    facts = provenance.facts(r, runs.baseline)
    source = provenance.source_of(r)
    table = inputs(r.scenario, source.text if source else None)
    figure_key: dict = {}
    _title_block(w, runs, facts)
    _summary(w, runs)
    w.page_break()
    if runs.baseline is not None and runs.paired:
        _comparison(w, runs, figure_key)
    _charts(w, runs, figure_key)
    _key_figures(w, runs)
    _assumptions(w, runs, table)
    _model_in_brief(w, runs, figure_key)
    w.page_break()
    _stress(w, runs, facts, table, figure_key)
    _about(w, facts)
    _glossary(w, runs)
    props = document.core_properties
    props.title = f"{r.scenario.name}: business case forecast"[:255]  # core properties hold 255 characters
    props.subject = facts.caption()[:255]
    props.author = props.last_modified_by = f"tfsim {facts.tfsim_version}"
    props.keywords = (f"tfsim; {facts.scenario_file}; sha256 {facts.scenario_sha256}; seed {facts.seed}; "
                      f"{facts.replications} runs")[:255]
    props.comments = "Made by tfsim report; the run's provenance is in Appendix B."
    return document


def write_report(runs: ReportRuns, path: str | os.PathLike, template: str | os.PathLike | None = None) -> Path:
    """Build the report and save it at ``path`` atomically: an earlier report stays whole until the new one is."""
    target = Path(path)
    document = build_document(runs, template)  # everything that can fail, before any file is touched
    target.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(target, lambda tmp: document.save(tmp))
    return target


__all__ = ["CHART_CAPTIONS", "STYLES", "TemplateError", "build_document", "default_template", "load_template",
           "write_report"]
