"""Charts as plain functions ``plot_x(ax, results)``, shared by the CLI, the app and exports.

Each function draws on a matplotlib Axes it is given and never creates a figure or
picks a backend, so the same code draws in the app's Qt canvas and in files written
with Agg.  Colours are the Okabe-Ito palette, which stays distinguishable with the
common forms of colour-blindness.  An optional ``baseline`` (another run's results)
is drawn dashed for comparison.  The what-if charts (:func:`plot_difference`,
:func:`plot_sweep`, :func:`plot_goal`, :func:`plot_tornado`, :func:`plot_morris`) take
the analysis of :mod:`tfsim.whatif` in place of ``results``.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import re
import textwrap
from pathlib import Path

import matplotlib
import matplotlib.dates as mdates
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import FixedFormatter, FixedLocator, MaxNLocator
from matplotlib.transforms import ScaledTranslation

from tfsim.catalogue import HISTORY, MONTHLY, SUMMARY

from tfsim.model.calendar import financial_year

# Okabe & Ito (2008) colour-blind-safe palette
PALETTE = {
    "blue": "#0072B2",
    "orange": "#E69F00",
    "green": "#009E73",
    "vermillion": "#D55E00",
    "sky": "#56B4E9",
    "purple": "#CC79A7",
    "yellow": "#F0E442",
    "black": "#000000",
}
SERIES_COLOURS = [PALETTE[k] for k in ("blue", "orange", "green", "vermillion", "purple", "sky", "black")]


def _dates(months: list[str]) -> list[dt.date]:
    """Month labels ``YYYY-MM`` as the last day of each month, for the x axis."""
    out = []
    for m in months:
        y, mo = int(m[:4]), int(m[5:7])
        nxt = dt.date(y + (mo == 12), 1 if mo == 12 else mo + 1, 1)
        out.append(nxt - dt.timedelta(days=1))
    return out


def _title(metric: str) -> str:
    return MONTHLY[metric].title


def _band(ax, results, metric: str, colour: str, baseline: bool = False, scale: float = 1.0, steps: bool = False):
    """Mean line and 5th-95th percentile band of a monthly series.

    The legend gives the catalogue's title of ``metric`` and ``(mean)``, or ``Baseline: ...``
    for a baseline run.  ``steps`` draws month-end stocks
    as steps (the value holds over the month it ends), so they line up with other stepped
    stocks such as capacity and establishment.
    """
    rows = results.series(metric)
    label = _title(metric)
    label = f"Baseline: {label[0].lower()}{label[1:]}" if baseline else f"{label} (mean)"
    x = _dates(list(rows.index))
    style = "--" if baseline else "-"
    # one legend entry per series: the shaded band in the line's colour explains itself
    text = label if baseline else f"{label}; shaded: 90% of runs"
    ax.plot(x, rows["mean"] * scale, style, color=colour, lw=2, label=text,
            drawstyle="steps-pre" if steps else "default")
    if not baseline:
        ax.fill_between(x, rows["p05"] * scale, rows["p95"] * scale, color=colour, alpha=0.2, lw=0,
                        step="pre" if steps else None)
    return rows


def plain_text(text) -> str:
    """Text from a scenario (its name, role labels) as matplotlib shows it as written.

    A ``$`` starts math text in matplotlib: a scenario named ``Kent $\\frac{x$`` would be
    parsed as a formula and stop the drawing with an error.  An escaped ``\\$`` is drawn as
    ``$``.  (Turning math text off does not cover wrapped titles, which measure their
    lines as math text regardless.)
    """
    text = _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", str(text))  # no glyph, and no meaning here
    return text.replace("$", r"\$")


_CONTROL = re.compile(r"[\x00-\x09\x0b-\x1f\x7f-\x9f]")


@contextlib.contextmanager
def _ticks_computed_once(ax):
    """Within the block, each axis's major ticks and labels are the ones its locator and formatter
    give now, computed once: measuring a layout asks for them again for every tick-bearing part
    (each spine, each axis, the title's position), the date locator's answer costing most.
    Nothing in the block may change the axes' limits or size.
    """
    saved = []
    for axis in (ax.xaxis, ax.yaxis):
        ticker = axis.major
        saved.append((ticker, ticker.locator, ticker.formatter))
        ticker.locator, ticker.formatter = _fixed_ticks(axis)
    try:
        yield
    finally:
        for ticker, locator, formatter in saved:
            ticker.locator, ticker.formatter = locator, formatter


def legend_below(ax, ncols: int = 2, fontsize: float = 8):
    """The chart's key under the axes, clear of the tick labels, where it can never hide data.

    The key hangs below everything drawn under the axes (tick labels, the axis label), at a
    fixed distance in inches, so a layout engine that resizes the axes keeps it in place.
    Returns the legend, or None when nothing is labelled.
    """
    handles, labels = ax.get_legend_handles_labels()
    if not handles:
        return None
    old = ax.get_legend()
    if old is not None:
        old.remove()
    fig = ax.figure
    with _ticks_computed_once(ax):
        below = max(0.0, ax.get_window_extent().y0 - ax.get_tightbbox().y0) / fig.dpi
    offset = ScaledTranslation(0, -(below + 0.06), fig.dpi_scale_trans)
    return ax.legend(handles, labels, loc="upper center", bbox_to_anchor=(0.5, 0.0),
                     bbox_transform=ax.transAxes + offset, ncols=ncols, fontsize=fontsize, frameon=False)


def thousands(value, _pos=None) -> str:
    """A tick label with thousands separators: ``120,000``, ``2.5``."""
    value = float(value) + 0.0  # no "-0"
    return f"{value:,.0f}" if value.is_integer() else f"{value:,g}"


def _finish(ax, title: str, ylabel: str) -> None:
    ax.set_title(title, loc="left", fontsize=11, wrap=True)
    ax.set_ylabel(ylabel)
    ax.yaxis.set_major_formatter(thousands)  # 120,000 families, not 120000
    ax.grid(True, alpha=0.3)
    ax.set_ylim(bottom=0)
    if ax.get_ylim()[1] < 1:  # nothing above zero (no one waited): a 0 to 1 axis, not 0 to 0.05
        ax.set_ylim(0, 1)
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.margins(x=0.01)  # a deadline on the last day stays visible
    locator = mdates.AutoDateLocator(minticks=3, maxticks=8)
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
    legend_below(ax)


def plot_forecast(ax, results, baseline=None, target: float | None = None, deadline: dt.date | None = None,
                  target_label: str | None = None) -> None:
    """Families turned around over time: mean with the 90% band across replications."""
    _band(ax, results, "turned_around_cumulative", PALETTE["blue"])
    # started is context, not a forecast: a dashed line without a band
    rows = results.series("started_cumulative")
    ax.plot(_dates(list(rows.index)), rows["mean"], "--", color=PALETTE["green"], lw=2,
            label=f"{_title('started_cumulative')} (mean)")
    if results.has_series("claims_cumulative"):
        _band(ax, results, "claims_cumulative", PALETTE["purple"])
    if baseline is not None:
        _band(ax, baseline, "turned_around_cumulative", PALETTE["black"], baseline=True)
    if target is not None:
        ax.axhline(target, color=PALETTE["vermillion"], lw=1.5, ls=":", label=target_label or f"Target ({target:,.0f})")
    if deadline is not None:
        ax.axvline(deadline, color=PALETTE["vermillion"], lw=1.5, ls="-.", label=f"Deadline ({deadline:%b %Y})")
    _finish(ax, f"{SUMMARY['families_turned_around'].title} – {plain_text(results.scenario.name)}",
            f"{MONTHLY['turned_around_cumulative'].axis_label}\n(cumulative)")  # two lines: fits a short chart


def plot_waiting_list(ax, results, baseline=None) -> None:
    """Families waiting for a key worker at each month end."""
    _band(ax, results, "waiting_list", PALETTE["orange"])
    if baseline is not None:
        _band(ax, baseline, "waiting_list", PALETTE["black"], baseline=True)
    _finish(ax, _title("waiting_list"), MONTHLY["waiting_list"].axis_label)


def plot_in_service(ax, results, baseline=None) -> None:
    """Families in an intervention by role (stacked means) against caseload capacity."""
    roles = results.scenario.roles
    x = None
    stack = []
    for role in roles:
        rows = results.series("in_service", role.id)
        x = _dates(list(rows.index))
        stack.append(rows["mean"].to_numpy())
    if x is None:
        return
    # month-end stocks drawn as steps, like the capacity line, so the two compare month by month
    ax.stackplot(x, *stack, labels=[plain_text(r.label) for r in roles], colors=SERIES_COLOURS[: len(roles)], alpha=0.85,
                 step="pre")
    cap = results.series("capacity")
    ax.step(x, cap["mean"], where="pre", color=PALETTE["black"], lw=1.5, label=f"{_title('capacity')} (mean)")
    if baseline is not None:
        rows = baseline.series("families_in_service")
        ax.plot(_dates(list(rows.index)), rows["mean"], "--", color=PALETTE["vermillion"], lw=1.5,
                label=f"Baseline: {_title('families_in_service').lower()}")
    _finish(ax, f"{_title('families_in_service')} by role, against {_title('capacity').lower()}",
            MONTHLY["families_in_service"].axis_label)


def plot_staffing(ax, results, baseline=None) -> None:
    """Staff in post (FTE) against the funded establishment when the run reports it."""
    _band(ax, results, "fte_in_post", PALETTE["blue"], steps=True)
    if results.has_series("fte_establishment"):
        rows = results.series("fte_establishment")
        ax.step(_dates(list(rows.index)), rows["mean"], where="pre", color=PALETTE["black"], lw=1.5,
                label=_title("fte_establishment"))
    if baseline is not None:
        _band(ax, baseline, "fte_in_post", PALETTE["black"], baseline=True, steps=True)
    _finish(ax, _title("fte_in_post"), MONTHLY["fte_in_post"].axis_label)


# ---- payment by results ------------------------------------------------------------------


def forecast_target(results) -> dict:
    """``target=`` and ``deadline=`` for :func:`plot_forecast` from the scenario's money target."""
    money = getattr(results.scenario, "money", None)
    if money is None or money.target is None:
        return {}
    t = money.target
    what = t.counted
    return {"target": float(t.families), "deadline": t.deadline,
            "target_label": f"Target: {t.families:,} {what} by {t.deadline:%-d %b %Y}"}


def money_by_financial_year(results):
    """Mean income (attachment, results) and cost per financial year (April to March).

    Returns ``(labels, attachment, results, cost)``; the monthly means add up exactly, so
    each year's figure is the mean over replications of that year's total.
    """
    years: dict[int, list[float]] = {}
    series = {k: results.series(k)["mean"] for k in ("income_attachment", "income_results", "cost")}
    for month in series["cost"].index:
        fy = financial_year(dt.date(int(month[:4]), int(month[5:7]), 1))
        row = years.setdefault(fy, [0.0, 0.0, 0.0])
        for i, k in enumerate(series):
            row[i] += float(series[k].loc[month])
    labels = [f"{fy}/{(fy + 1) % 100:02d}" for fy in years]
    values = np.asarray(list(years.values())).reshape(-1, 3)
    return labels, values[:, 0], values[:, 1], values[:, 2]


def plot_money(ax, results, baseline=None) -> None:
    """Income (attachment fees and results payments, stacked) against cost by financial year."""
    if not results.has_series("cost"):
        ax.text(0.5, 0.5, "No [money] section in this scenario", ha="center", va="center", transform=ax.transAxes)
        ax.set_axis_off()
        return
    labels, attach, res, cost = money_by_financial_year(results)
    x = np.arange(len(labels))
    w = 0.38
    net = SUMMARY["net_cost"].title
    ax.bar(x - w / 2, attach, w, color=PALETTE["blue"], label=_title("income_attachment"))
    ax.bar(x - w / 2, res, w, bottom=attach, color=PALETTE["sky"], label=_title("income_results"))
    ax.bar(x + w / 2, cost, w, color=PALETTE["vermillion"], label=f"{_title('cost')} (staff, agency, recruitment, "
           "overheads)")
    ax.plot(x, cost - attach - res, "o-", color=PALETTE["black"], lw=1.5, label=net)
    if baseline is not None and baseline.has_series("cost"):
        bl, ba, br, bc = money_by_financial_year(baseline)
        ax.plot(np.arange(len(bl)), bc - ba - br, "o--", color=PALETTE["orange"], lw=1.5,
                label=f"Baseline: {net.lower()}")
    ax.set_xticks(x, labels)
    ax.set_title(f"Money by financial year (April to March) – {plain_text(results.scenario.name)}", loc="left", fontsize=11, wrap=True)
    ax.set_ylabel(f"{MONTHLY['cost'].axis_label} in the year (mean of runs)")
    ax.grid(True, axis="y", alpha=0.3)
    ax.axhline(0, color=PALETTE["black"], lw=0.8)
    ax.yaxis.set_major_formatter(lambda v, _pos: MONTHLY["cost"].format(v))
    # below the axes, where no bar can be hidden behind it
    legend_below(ax, ncols=3)


CHARTS = {
    "forecast": ("Turned around", plot_forecast),
    "waiting": ("Waiting list", plot_waiting_list),
    "in_service": ("In service by role", plot_in_service),
    "staffing": ("Staff in post", plot_staffing),
    "money": ("Money by financial year", plot_money),
}


#: Export sizes: (width, height) in inches and dots per inch.  A slide is 16:9 and 1920 x 1080
#: pixels; half an A4 page fills the 16 cm text width of a page with 2.5 cm margins.
SIZES = {
    "screen": ((9.0, 5.0), 150),
    "slide": ((10.0, 5.625), 192),
    "a4-half": ((6.3, 3.9), 200),
}

#: Text stays text in SVG (editable in Inkscape, Illustrator or PowerPoint) and fonts are
#: embedded as TrueType in PDF, which keeps them editable too.
EXPORT_RC = {"svg.fonttype": "none", "pdf.fonttype": 42, "text.usetex": False}

CAPTION_POINTS = 7.0


def add_caption(fig, text: str, fontsize: float = CAPTION_POINTS) -> None:
    """A source caption along the bottom of ``fig``, wrapped to its width, with room kept for it."""
    width_in = fig.get_figwidth()
    # about 0.6 em a character: wrap so the caption never runs off the figure
    chars = max(40, int(width_in * 72 / (fontsize * 0.6)))
    lines = textwrap.wrap(text, chars)
    fig.text(0.012, 0.012, plain_text("\n".join(lines)), ha="left", va="bottom", fontsize=fontsize, color="#333333")
    height = (len(lines) * fontsize * 1.25 + 6) / 72 / fig.get_figheight()
    engine = fig.get_layout_engine()
    if engine is not None and hasattr(engine, "set"):
        engine.set(rect=(0, height, 1, 1 - height))


def render_figure(plot, results, path, size=None, dpi=None, preset: str = "screen", caption: str | None = None,
                  metadata: dict | None = None, fmt: str | None = None, **kwargs) -> None:
    """Draw one chart to an image file (PNG, SVG or PDF by extension) with the Agg backend.

    Parameters
    ----------
    plot : callable
        ``plot(ax, results, **kwargs)``.
    preset : str
        A key of :data:`SIZES`: ``"screen"``, ``"slide"`` (16:9) or ``"a4-half"``; ``size``
        (inches) and ``dpi`` override it.
    caption : str, optional
        A source line drawn under the chart (:meth:`tfsim.provenance.Provenance.caption`).
    metadata : dict, optional
        File metadata for ``savefig`` (:meth:`tfsim.provenance.Provenance.image_metadata`).
    fmt : str, optional
        ``"png"``, ``"svg"`` or ``"pdf"``; by default the extension of ``path``.
    """
    if preset not in SIZES:
        raise ValueError(f"unknown chart size {preset!r}; use one of {', '.join(SIZES)}")
    base_size, base_dpi = SIZES[preset]
    with matplotlib.rc_context(EXPORT_RC):
        fig = Figure(figsize=size or base_size, layout="constrained")
        if caption:
            add_caption(fig, caption)
        ax = fig.add_subplot()
        plot(ax, results, **kwargs)
        _fix_date_ticks(ax)
        if fmt is None and isinstance(path, (str, Path)):
            fmt = Path(path).suffix.lstrip(".").lower() or None
        if fmt in (None, "png"):
            # the same pixels as savefig's, in one drawing pass: savefig draws once for the layout and
            # again for the image (a third of a chart's time); zlib level 3 writes 8-13% more bytes
            # in two thirds of level 6's time
            fig.dpi = dpi or base_dpi
            FigureCanvasAgg(fig).print_png(path, metadata=metadata or None, pil_kwargs={"compress_level": 3})
        else:
            fig.savefig(path, dpi=dpi or base_dpi, metadata=metadata or None, format=fmt)


def _fix_date_ticks(ax) -> None:
    """A chart drawn once: its date axis's ticks and labels computed now, once, not at each step of
    the layout and drawing.  A date locator's choice depends on the dates shown, not on the axes'
    size, so the ticks are the ones it would give at every step."""
    for axis in (ax.xaxis, ax.yaxis):
        if isinstance(axis.get_major_locator(), mdates.DateLocator):
            locator, labels = _fixed_ticks(axis)
            axis.set_major_locator(locator)
            axis.set_major_formatter(labels)


def _fixed_ticks(axis) -> tuple[FixedLocator, FixedFormatter]:
    """``axis``'s major ticks and their labels (offset included) as they are now, fixed."""
    locs = axis.get_majorticklocs()
    formatter = axis.get_major_formatter()
    labels = FixedFormatter(formatter.format_ticks(locs))
    labels.set_offset_string(formatter.get_offset())
    return FixedLocator(locs), labels


# ---- what-if analyses ----------------------------------------------------------------------


def _metric_axis(ax, metric, axis: str = "y", difference: bool = False) -> None:
    """Tick labels in the metric's own format (percent, pounds, families); a difference gets one more decimal."""
    target = ax.yaxis if axis == "y" else ax.xaxis
    decimals = metric.decimals + (1 if difference and metric.unit != "gbp" else 0)
    target.set_major_formatter(lambda v, _pos: metric.format(v, unit=False, decimals=decimals))


def _errors(mean, low, high) -> list:
    """Error bar lengths below and above ``mean`` (never negative: a Wilson bound may round past the estimate)."""
    mean, low, high = (np.asarray(v, dtype=float) for v in (mean, low, high))
    return [np.maximum(0.0, np.nan_to_num(mean - low)), np.maximum(0.0, np.nan_to_num(high - mean))]


def _unit_text(metric) -> str:
    """The unit after a title on an axis: ``families``, ``%``, ``£``."""
    return metric.unit_info.suffix or {"share": "%", "probability": "%", "gbp": "£"}.get(metric.unit, metric.unit)


def _integer_axis(ax, values) -> None:
    """Whole-number ticks when every value is a whole number (a count of workers)."""
    if values and all(isinstance(v, (int, np.integer)) and not isinstance(v, bool) for v in values):
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))


def _series_metric(metric: str):
    return MONTHLY[metric]


def plot_difference(ax, comparison, metric: str = "turned_around_cumulative", role: str | None = None) -> None:
    """Variant minus baseline of one monthly series over time, each variant with its 95% band.

    The band is the 95% interval of the mean paired difference (same seeds, replication by
    replication); where it covers the zero line there is no clear difference.
    """
    info = _series_metric(metric)
    for k, (label, _results) in enumerate(comparison.variants):
        rows = comparison.series(label, metric, role)
        x = _dates(list(rows.index))
        colour = SERIES_COLOURS[k % len(SERIES_COLOURS)]
        ax.plot(x, rows["diff_mean"], color=colour, lw=2, label=f"{plain_text(label)} minus baseline (mean)")
        ax.fill_between(x, rows["diff_ci_low"], rows["diff_ci_high"], color=colour, alpha=0.25, lw=0,
                        label="95% interval of the mean difference")
    ax.axhline(0, color=PALETTE["black"], lw=1)
    if all(np.allclose(comparison.series(label, metric, role)["diff_mean"], 0) for label, _ in comparison.variants):
        ax.set_ylim(-1, 1)  # no difference anywhere: a readable zero line rather than a collapsed axis
    title = info.titled(role)
    ax.set_title(f"{title}: difference from the baseline – {plain_text(comparison.baseline.scenario.name)}", loc="left",
                 fontsize=11, wrap=True)
    ax.set_ylabel(f"Difference in {title[0].lower()}{title[1:]} ({_unit_text(info)})")
    ax.grid(True, alpha=0.3)
    ax.margins(x=0.01)
    locator = mdates.AutoDateLocator(minticks=3, maxticks=8)
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
    _metric_axis(ax, info, difference=True)
    legend_below(ax)


def plot_sweep(ax, sweep, metric: str, value_label: str | None = None) -> None:
    """One summary metric against the first varied value, a line for each value of the second.

    Error bars are the 95% interval of the mean (the Wilson interval for a probability), as
    in ``sweep.csv``.  ``value_label`` names the first value in words on the axis (the app's
    label and unit) instead of its key path.
    """
    info = SUMMARY[metric]
    table = sweep.table()
    table = table[table["metric"] == metric].reset_index(drop=True)
    points = [p for p in sweep.valid if p.results.has_summary(metric)]
    first = sweep.paths[0]
    second = sweep.paths[1] if len(sweep.paths) == 2 else None
    keys = list(dict.fromkeys(p.values[second] for p in points)) if second else [None]
    for k, key in enumerate(keys):
        idx = [i for i, p in enumerate(points) if second is None or p.values[second] == key]
        if not idx:
            continue
        rows = table.iloc[idx]
        x = [points[i].values[first] for i in idx]
        mean, low, high = (rows[c].to_numpy(dtype=float) for c in ("mean", "ci_low", "ci_high"))
        colour = SERIES_COLOURS[k % len(SERIES_COLOURS)]
        label = f"{second} = {_value_text(key)}" if second else f"{info.title} (mean)"
        ax.errorbar(x, mean, yerr=_errors(mean, low, high), fmt="o-", color=colour, lw=2, capsize=4, label=label)
    name = plain_text(points[0].results.scenario.name) if points else ""
    ax.set_title(f"{info.title} – {name}" if value_label else f"{info.title} against {first} – {name}", loc="left",
                 fontsize=11, wrap=True)
    ax.set_xlabel(value_label or first)
    _integer_axis(ax, [p.values[first] for p in points])
    ax.set_ylabel(f"{info.title} ({_unit_text(info)}); bars: 95% interval")
    ax.grid(True, alpha=0.3)
    _metric_axis(ax, info)
    legend_below(ax)


def _value_text(value) -> str:
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def plot_goal(ax, goal, value_label: str | None = None) -> None:
    """P(target met) at each value the goal seek evaluated, with 95% Wilson intervals, the level and the answers.

    ``value_label`` names the value in words on the axis instead of its key path.
    """
    info = SUMMARY["p_target_met"]
    points = sorted(goal.points, key=lambda p: goal.candidates.index(p.value))
    x = [p.value for p in points]
    p = np.array([q.probability for q in points])
    intervals = np.array([q.interval for q in points])
    ax.errorbar(x, p, yerr=_errors(p, intervals[:, 0], intervals[:, 1]), fmt="o", color=PALETTE["blue"], capsize=4,
                lw=1.5, label=f"{info.title}; bars: 95% interval")
    for q in points:
        ax.annotate(f"{q.runs}", (q.value, q.probability), textcoords="offset points", xytext=(6, -10), fontsize=7,
                    color=PALETTE["black"])
    ax.axhline(goal.level, color=PALETTE["vermillion"], ls=":", lw=1.5, label=f"Level asked for ({goal.level:.0%})")
    if goal.estimate is not None:
        ax.axvline(goal.estimate, color=PALETTE["green"], ls="--", lw=1.5,
                   label=f"Estimate: {_value_text(goal.estimate)}")
    if goal.confident is not None:
        ax.axvline(goal.confident, color=PALETTE["purple"], ls="-.", lw=1.5,
                   label=f"With 95% confidence: {_value_text(goal.confident)}")
    ax.set_ylim(-0.02, 1.02)
    ax.set_title(f"{info.title} (numbers: runs at each value)" if value_label else
                 f"{info.title} against {goal.path} (numbers: replications run)", loc="left", fontsize=11, wrap=True)
    ax.set_xlabel(value_label or goal.path)
    _integer_axis(ax, goal.candidates)
    ax.set_ylabel(info.axis_label)
    ax.grid(True, alpha=0.3)
    _metric_axis(ax, info)
    legend_below(ax)


def plot_tornado(ax, tornado, metric: str = "families_turned_around") -> None:
    """Tornado: the change in ``metric`` when each input goes to its low and high setting, widest on top.

    Each bar is the mean paired difference against the base run with its 95% interval.
    """
    info = SUMMARY[metric]
    bars = tornado.bars(metric)
    if bars.empty:
        ax.text(0.5, 0.5, "No input moved the scenario", ha="center", va="center", transform=ax.transAxes)
        ax.set_axis_off()
        return
    y = np.arange(len(bars))[::-1]
    for side, colour, name in (("low", PALETTE["sky"], "Low setting"), ("high", PALETTE["orange"], "High setting")):
        mean = bars[side].to_numpy(dtype=float)
        err = _errors(mean, bars[f"{side}_ci_low"].to_numpy(dtype=float), bars[f"{side}_ci_high"].to_numpy(dtype=float))
        ax.barh(y, mean, height=0.6, color=colour, alpha=0.9, label=name)
        ax.errorbar(mean, y, xerr=err, fmt="none", ecolor=PALETTE["black"], capsize=3, lw=1)
    labels = [plain_text(f"{r.label}\n({r.low_setting} / {r.high_setting})") for r in bars.itertuples()]
    ax.set_yticks(y, labels, fontsize=8)
    ax.axvline(0, color=PALETTE["black"], lw=1)
    base = tornado.base.value(metric)
    ax.set_title(f"{info.title}: change from the base ({info.format(base)}) – {plain_text(tornado.base.scenario.name)}",
                 loc="left", fontsize=11, wrap=True)
    ax.set_xlabel(f"Change in {info.title[0].lower()}{info.title[1:]} "
                  f"({_unit_text(info)}); whiskers: 95% interval")
    ax.grid(True, axis="x", alpha=0.3)
    _metric_axis(ax, info, axis="x", difference=True)
    legend_below(ax)


def plot_morris(ax, morris, metric: str = "families_turned_around") -> None:
    """Morris screening: mean absolute elementary effect (mu*) against its spread (sigma), one point an input."""
    info = SUMMARY[metric]
    rows = morris.table[morris.table["metric"] == metric]
    ax.errorbar(rows["mu_star"], rows["sigma"], xerr=rows["mu_star_conf"], fmt="o", color=PALETTE["blue"],
                capsize=3)
    for r in rows.itertuples():
        ax.annotate(r.input, (r.mu_star, r.sigma), textcoords="offset points", xytext=(5, 4), fontsize=8)
    ax.set_title(f"Morris screening of {info.title[0].lower()}{info.title[1:]} – {morris.runs} scenarios x "
                 f"{morris.replications} runs", loc="left", fontsize=11, wrap=True)
    ax.set_xlabel(f"mu*: mean absolute effect over the range ({_unit_text(info)}); "
                  "bars: 95% interval")
    ax.set_ylabel("sigma: spread of the effects (interactions, curvature)")
    ax.grid(True, alpha=0.3)
    ax.set_xlim(left=0)
    ax.set_ylim(bottom=0)


# ---- history: backtest and calibration ---------------------------------------------------------


def plot_backtest(ax, backtest, series: str = "referrals", holdout_from: str | None = None,
                  fitted: bool = False) -> None:
    """One counted series of a history as points over the run's band (5th to 95th percentile) and mean.

    ``backtest`` is a :class:`tfsim.backtest.Backtest`; ``series`` a column of its history
    (``referrals``, ``fte_in_post.fip``).  Months outside the band are drawn in vermillion;
    ``holdout_from`` (``YYYY-MM``) marks where the months held out of a calibration begin;
    ``fitted`` says in the title that the run is of the scenario with a calibration's values.
    """
    fit = backtest.fit(series)
    name, role = fit.key
    metric = HISTORY[name]
    x = _dates(fit.months)
    stock = metric.kind.value == "stock"
    ax.fill_between(x, fit.p05, fit.p95, color=PALETTE["blue"], alpha=0.2, lw=0, step="mid",
                    label="Simulated: 90% of runs")
    ax.plot(x, fit.mean, color=PALETTE["blue"], lw=2, drawstyle="steps-mid", label="Simulated: mean of runs")
    inside = fit.inside
    verdict = "fits" if fit.fits else "does not fit"
    ax.plot([d for d, i in zip(x, inside) if i], fit.observed[inside], "o", color=PALETTE["black"], ms=4.5,
            label=f"Council's count: {fit.share_inside:.0%} of months in the band ({verdict})")
    if (~inside).any():
        ax.plot([d for d, i in zip(x, inside) if not i], fit.observed[~inside], "o", color=PALETTE["vermillion"],
                ms=5.5, label="Council's count, outside the band")
    if holdout_from is not None and any(m >= holdout_from for m in fit.months):
        first = _dates([holdout_from])[0] - dt.timedelta(days=15)
        ax.axvline(first, color=PALETTE["black"], ls=":", lw=1.2, label="Held out of the fit from here")
    labels = {r.id: r.label for r in backtest.scenario.roles}
    title = metric.titled(labels.get(role)) if role else metric.title
    subject = f"{backtest.scenario.name}, as fitted" if fitted else backtest.scenario.name
    _finish(ax, f"{title}: {backtest.history.name} against {subject}",
            f"{metric.axis_label}{' at the month end' if stock else ' in the month'}")


def plot_posterior(ax, calibration, index: int = 0) -> None:
    """One fitted value: its weighted posterior (histogram) against its uniform prior, with the 90% interval."""
    fit = calibration.fits[index]
    values = calibration.particles[:, index]
    weights = calibration.weights
    bins = np.linspace(fit.low, fit.high, 21)
    ax.hist(values, bins=bins, weights=weights, density=True, color=PALETTE["blue"], alpha=0.75,
            label="Plausible values given the history (posterior)")
    ax.axhline(1.0 / (fit.high - fit.low), color=PALETTE["black"], ls="--", lw=1.2,
               label="Range tried, every value alike (prior)")
    low, high = calibration.interval(index)
    ax.axvspan(low, high, color=PALETTE["sky"], alpha=0.18, lw=0,
               label=f"90% credible interval: {fit.text(low)} to {fit.text(high)}")
    point = calibration.point(index)
    ax.axvline(point, color=PALETTE["vermillion"], lw=2, label=f"Fitted (median): {fit.text(point)}")
    ax.axvline(fit.base, color=PALETTE["green"], lw=1.5, ls="-.", label=f"As written: {fit.text(fit.base)}")
    pinned = "" if calibration.pinned(index) else " – the history cannot pin it"
    ax.set_title(f"{fit.label}{pinned}", loc="left", fontsize=11, wrap=True)
    ax.set_xlabel(fit.label)
    ax.set_ylabel("Density")
    ax.set_xlim(fit.low, fit.high)
    ax.grid(True, alpha=0.3)
    legend_below(ax)
