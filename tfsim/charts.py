"""Charts as plain functions ``plot_x(ax, results)``, shared by the CLI, the app and exports.

Each function draws on a matplotlib Axes it is given and never creates a figure or
picks a backend, so the same code draws in the app's Qt canvas and in files written
with Agg.  Colours are the Okabe-Ito palette, which stays distinguishable with the
common forms of colour-blindness.  An optional ``baseline`` (another run's results)
is drawn dashed for comparison.
"""

from __future__ import annotations

import datetime as dt

import matplotlib.dates as mdates
import numpy as np
from matplotlib.figure import Figure

from tfsim.catalogue import MONTHLY, SUMMARY

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


def _finish(ax, title: str, ylabel: str) -> None:
    ax.set_title(title, loc="left", fontsize=11)
    ax.set_ylabel(ylabel)
    ax.grid(True, alpha=0.3)
    ax.set_ylim(bottom=0)
    ax.margins(x=0.01)  # a deadline on the last day stays visible
    locator = mdates.AutoDateLocator(minticks=3, maxticks=8)
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
    handles, labels = ax.get_legend_handles_labels()
    if handles:
        ax.legend(loc="upper left", fontsize=8, frameon=False)


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
    _finish(ax, f"{SUMMARY['families_turned_around'].title} – {results.scenario.name}",
            f"{MONTHLY['turned_around_cumulative'].axis_label} (cumulative)")


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
    ax.stackplot(x, *stack, labels=[r.label for r in roles], colors=SERIES_COLOURS[: len(roles)], alpha=0.85,
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
    what = "claims" if t.measure == "claims" else "families turned around"
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
    ax.set_title(f"Money by financial year (April to March) – {results.scenario.name}", loc="left", fontsize=11)
    ax.set_ylabel(f"{MONTHLY['cost'].axis_label} in the year (mean of runs)")
    ax.grid(True, axis="y", alpha=0.3)
    ax.axhline(0, color=PALETTE["black"], lw=0.8)
    ax.yaxis.set_major_formatter(lambda v, _pos: MONTHLY["cost"].format(v))
    # below the axes, where no bar can be hidden behind it
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.07), ncols=3, fontsize=8, frameon=False)


CHARTS = {
    "forecast": ("Turned around", plot_forecast),
    "waiting": ("Waiting list", plot_waiting_list),
    "in_service": ("In service by role", plot_in_service),
    "staffing": ("Staff in post", plot_staffing),
    "money": ("Money by financial year", plot_money),
}


def render_figure(plot, results, path, size=(9, 5), dpi=150, **kwargs) -> None:
    """Draw one chart to an image file (PNG, SVG or PDF by extension) with the Agg backend."""
    fig = Figure(figsize=size, layout="constrained")
    ax = fig.add_subplot()
    plot(ax, results, **kwargs)
    fig.savefig(path, dpi=dpi)
