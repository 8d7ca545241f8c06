"""The catalogue of outputs: one :class:`Metric` record for every figure tfsim reports.

A replication reports two kinds of output, each addressed by name:

* **summary** metrics, one number per replication over the period after the warm-up
  (``families_turned_around``, ``mean_wait_days``, ...);
* **monthly** series, one number per calendar month (``waiting_list``,
  ``turned_around_cumulative``, ...), some of them also per role (addressed as
  ``(metric, role id)``, e.g. ``("in_service", "fip")``).

Everything that shows a figure (the CLI summary, the app's cards, chart legends and
axes, exports, ``docs/metrics.md``) takes its plain name, unit and number format from
here; nothing restates them.  The two tables may use the same name for related figures
(``income_attachment`` is the run's total in the summary and the month's amount in the
monthly series), so look a metric up in the table it belongs to.

This module is plain data: it imports nothing of tfsim, so every layer may read it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import Enum


class Kind(str, Enum):
    """What sort of quantity a metric is, which decides how it may be added up or compared."""

    FLOW = "flow"  # counted over a period (families turned around in the run, referrals in a month)
    STOCK = "stock"  # a level at an instant or its time average (waiting list at the month end)
    CUMULATIVE = "cumulative"  # a flow counted from the start of the run to the month end
    SHARE = "share"  # a ratio between 0 and 1 (utilisation, vacancy rate)
    DURATION = "duration"  # a length of time (mean wait)
    MONEY = "money"  # pounds received or spent
    PROBABILITY = "probability"  # 1 or 0 in a replication; its mean over replications is a probability


@dataclass(frozen=True)
class Unit:
    """A unit of measurement: how it is written after a number and on a chart axis."""

    key: str
    suffix: str  # after a number: "12 families"; empty for £ and % which are written with the number
    axis: str  # chart axis label


UNITS: dict[str, Unit] = {u.key: u for u in (
    Unit("families", "families", "Families"),
    Unit("days", "days", "Days"),
    Unit("share", "", "Share (%)"),
    Unit("probability", "", "Probability (%)"),
    Unit("fte", "FTE", "Full-time equivalent staff (FTE)"),
    Unit("workers", "workers", "Workers"),
    Unit("fte_months", "FTE-months", "FTE-months"),
    Unit("gbp", "", "£"),
)}


@dataclass(frozen=True)
class Metric:
    """One output of the model.

    Attributes
    ----------
    name : str
        The name in result tables and files (``summary.csv``, ``monthly.csv``).
    title : str
        A short plain name for cards, legends and table rows.
    description : str
        What the figure means, in a sentence.
    unit : str
        A key of :data:`UNITS`.
    kind : Kind
        Flow, stock, cumulative, share, duration, money or probability.
    decimals : int
        Decimal places shown (for shares and probabilities, of the percentage).
    higher_is_better : bool or None
        Whether an increase is good news for the council; None when neither.
    per_role : bool
        Also reported for each role, as ``(name, role id)`` (monthly series only).
    total : bool
        Reported for the whole programme (False for series only given per role).
    needs : str or None
        The scenario section it depends on (``"money"``, ``"money.target"``); None when always reported.
    signed : bool
        Whether the figure can be below zero (a net cost, when income exceeds cost); every
        other figure is a count, level, length, share or amount that cannot.
    """

    name: str
    title: str
    description: str
    unit: str
    kind: Kind
    decimals: int = 0
    higher_is_better: bool | None = None
    per_role: bool = False
    total: bool = True
    needs: str | None = None
    signed: bool = False

    def __post_init__(self):
        if self.unit not in UNITS:
            raise ValueError(f"metric {self.name}: unknown unit {self.unit!r}")

    @property
    def unit_info(self) -> Unit:
        return UNITS[self.unit]

    @property
    def bounds(self) -> tuple[float, float]:
        """The range the figure can take: ``(0, inf)``, ``(0, 1)`` for a probability, unbounded when signed.

        A confidence interval of a mean is clipped to it (a count's interval never reads "-0.1 to 0.1").
        """
        low = -math.inf if self.signed else 0.0
        return low, (1.0 if self.unit == "probability" else math.inf)

    def clip(self, value: float) -> float:
        """``value`` brought within :attr:`bounds` (NaN stays NaN)."""
        low, high = self.bounds
        return value if value != value else min(max(value, low), high)

    @property
    def axis_label(self) -> str:
        return self.unit_info.axis

    def format(self, value: float | None, unit: bool = True, decimals: int | None = None) -> str:
        """``value`` as it is shown to people: ``"1,234 families"``, ``"£5,600"``, ``"87.5%"``; ``"n/a"`` for NaN.

        Parameters
        ----------
        value : float or None
            The figure, in the metric's unit (shares and probabilities as 0 to 1).
        unit : bool
            Append the unit (shares, probabilities and money always carry their sign).
        decimals : int, optional
            Override :attr:`decimals`.
        """
        if value is None or (isinstance(value, float) and math.isnan(value)):
            return "n/a"
        d = self.decimals if decimals is None else decimals
        if self.unit in ("share", "probability"):
            value *= 100
        if round(value, d) == 0:
            value = 0.0  # no "-0" for a tiny negative rounding error
        if self.unit in ("share", "probability"):
            return f"{value:,.{d}f}%"
        if self.unit == "gbp":
            return f"-£{-value:,.{d}f}" if value < 0 else f"£{value:,.{d}f}"
        text = f"{value:,.{d}f}"
        suffix = self.unit_info.suffix
        return f"{text} {suffix}" if unit and suffix else text

    def format_change(self, diff: float, decimals: int | None = None) -> str:
        """A difference with its sign: ``"+12 families"``, ``"-£1,500"``, ``"+3.0 points"`` for shares."""
        if diff is None or math.isnan(diff):
            return "n/a"
        sign = "+" if diff > 0 else "-" if diff < 0 else "±"
        if self.unit in ("share", "probability"):
            d = self.decimals if decimals is None else decimals
            return f"{sign}{abs(diff) * 100:,.{d}f} points"
        return sign + self.format(abs(diff), decimals=decimals)

    def titled(self, role_label: str | None = None) -> str:
        """The title, for one role when ``role_label`` is given."""
        return f"{self.title} ({role_label})" if role_label else self.title


F, S, C, SH, D, M, P = Kind.FLOW, Kind.STOCK, Kind.CUMULATIVE, Kind.SHARE, Kind.DURATION, Kind.MONEY, Kind.PROBABILITY

#: Summary metrics in report order: one figure per replication, over the period after the warm-up.
SUMMARY: dict[str, Metric] = {m.name: m for m in (
    Metric("families_referred", "Families referred", "Families referred after the warm-up; a family re-referred "
           "after a relapse counts again.", "families", F),
    Metric("families_refused", "Families refused, not re-engaged",
           "Families who refused support and had not taken it up by the end.", "families", F, higher_is_better=False),
    Metric("families_started", "Families started", "Families whose first intervention started.", "families", F,
           higher_is_better=True),
    Metric("families_turned_around", "Families turned around",
           "Families whose intervention ended with the family turned around.", "families", F, higher_is_better=True),
    Metric("families_improved", "Families improved", "Families closed improved but not turned around.",
           "families", F),
    Metric("families_no_progress", "Families closed with no progress", "Families closed with no progress.",
           "families", F, higher_is_better=False),
    Metric("families_disengaged", "Families who disengaged",
           "Families who stopped taking part, during an intervention or at a handover.", "families", F,
           higher_is_better=False),
    Metric("families_closed_unallocated", "Families closed unallocated",
           "Families closed without a key worker after the maximum wait.", "families", F, higher_is_better=False),
    Metric("families_waiting_end", "Waiting list at the end", "Families on the waiting list at the end of the run.",
           "families", S, higher_is_better=False),
    Metric("families_in_service_end", "Families in service at the end",
           "Families in an intervention at the end of the run.", "families", S),
    Metric("mean_wait_days", "Average wait for a key worker",
           "Mean wait from joining the waiting list to a first intervention, over families who started.", "days",
           D, higher_is_better=False),
    Metric("share_waited", "Share who had to wait", "Share of families who started and had to wait first.",
           "share", SH, higher_is_better=False),
    Metric("mean_waiting_list", "Average waiting list", "Time-average number of families on the waiting list.",
           "families", S, 1, higher_is_better=False),
    Metric("peak_waiting_list", "Longest waiting list", "Most families on the waiting list at any time.",
           "families", S, higher_is_better=False),
    Metric("mean_in_service", "Average families in service",
           "Time-average number of families in an intervention.", "families", S, 1),
    Metric("caseload_utilisation", "Caseload slots in use",
           "Share of caseload slots in use (time average): families in service over the caseload capacity.",
           "share", SH, 1),
    Metric("mean_intervention_days", "Average time in an intervention",
           "Mean time from a family's first start to its closure, over cases closed.", "days", D),
    Metric("fte_in_post_end", "Staff in post at the end", "Key workers in post at the end, in full-time equivalents.",
           "fte", S, 1),
    Metric("leavers", "Leavers", "Permanent staff who left.", "workers", F, higher_is_better=False),
    Metric("hires", "New starters", "New starters in funded posts, recruited or planned.", "workers", F),
    Metric("vacancy_fte_months", "Vacant posts over the run",
           "Vacant funded posts summed over time: one post empty for a month is one FTE-month.", "fte_months", F, 1,
           higher_is_better=False),
    Metric("vacancy_share", "Vacancy rate", "Share of the funded establishment vacant (time average).", "share", SH,
           1, higher_is_better=False),
    Metric("agency_fte_months", "Agency cover over the run", "Agency staff covering vacancies, summed over time.",
           "fte_months", F, 1),
    Metric("handovers", "Families handed over", "Families handed to another worker or back to the list when their "
           "worker left.", "families", F, higher_is_better=False),
    Metric("mean_time_to_fill_days", "Average time to fill a post",
           "Mean time a post stood vacant before its new starter began.", "days", D, higher_is_better=False),
    Metric("claims", "Results claims made", "Families claimed as turned around under payment by results.",
           "families", F, higher_is_better=True, needs="money"),
    Metric("claims_employment", "Employment claims", "Claims for an employment result.", "families", F,
           higher_is_better=True, needs="money"),
    Metric("claims_data_matched", "Claims found by data matching",
           "Claims for results found by matching families against local and national data (school, police, "
           "benefit records) rather than at the end of an intervention; part of the claims made.", "families", F,
           needs="money"),
    Metric("claims_employment_during", "Employment claims during an intervention",
           "Employment claims for work found while the family's intervention ran (a Jobcentre Plus adviser "
           "attached); part of the employment claims.", "families", F, higher_is_better=True, needs="money"),
    Metric("claims_progress_to_work", "Progress-to-work claims", "Progress-to-work claims.", "families", F,
           higher_is_better=True, needs="money"),
    Metric("claims_voided", "Results lost to relapse", "Results that relapsed before they could be claimed.",
           "families", F, higher_is_better=False, needs="money"),
    Metric("rereferrals", "Re-referrals after relapse",
           "Families referred again after a relapse (each also counts as a referral).", "families", F,
           higher_is_better=False, needs="money"),
    Metric("income_attachment", "Attachment fees received", "Attachment fees received.", "gbp", M,
           higher_is_better=True, needs="money"),
    Metric("income_results", "Results payments received", "Results payments received.", "gbp", M,
           higher_is_better=True, needs="money"),
    Metric("income_total", "Income received", "Attachment fees plus results payments received.", "gbp", M,
           higher_is_better=True, needs="money"),
    Metric("income_results_outstanding", "Results payments still to come",
           "Results sustained by the end but paid after it.", "gbp", M, needs="money"),
    Metric("staff_cost", "Staff cost", "Salaries with on-costs, plus agency cover.", "gbp", M,
           higher_is_better=False, needs="money"),
    Metric("agency_cost", "Agency cost", "Agency cover cost (part of the staff cost).", "gbp", M,
           higher_is_better=False, needs="money"),
    Metric("recruitment_cost", "Recruitment cost", "Recruitment cost.", "gbp", M, higher_is_better=False,
           needs="money"),
    Metric("overhead_cost", "Overheads", "Overheads: a fixed amount a month plus a share of staff cost.", "gbp", M,
           higher_is_better=False, needs="money"),
    Metric("total_cost", "Total cost", "Staff cost plus recruitment and overheads.", "gbp", M,
           higher_is_better=False, needs="money"),
    Metric("net_cost", "Net cost", "Total cost less income.", "gbp", M, higher_is_better=False, needs="money",
           signed=True),
    Metric("cost_per_turned_around", "Cost per family turned around", "Total cost per family turned around.",
           "gbp", M, higher_is_better=False, needs="money"),
    Metric("net_cost_per_turned_around", "Net cost per family turned around",
           "Net cost (cost less income) per family turned around.", "gbp", M, higher_is_better=False, needs="money",
           signed=True),
    Metric("p_target_met", "Chance of meeting the target",
           "1 when the target is met by the deadline, else 0; its mean over runs is the probability.",
           "probability", P, higher_is_better=True, needs="money.target"),
    Metric("target_met_date_p50", "Day the target is met",
           "Day the target is met, in days from the scenario's start date (blank if never; its percentiles are "
           "over the runs that met it).", "days", D, higher_is_better=False, needs="money.target"),
    Metric("target_count_at_deadline", "Towards the target by the deadline",
           "Claims (or families turned around, as the target says) from the start to the end of the deadline "
           "day.", "families", C, higher_is_better=True, needs="money.target"),
)}

#: Monthly series in report order: one figure per calendar month.
MONTHLY: dict[str, Metric] = {m.name: m for m in (
    Metric("referrals", "Referrals", "Families referred in the month.", "families", F),
    Metric("referred_cumulative", "Families referred so far", "Families referred from the start to the month end.",
           "families", C),
    Metric("waiting_list", "Waiting list", "Families on the waiting list at the month end.", "families", S,
           higher_is_better=False),
    Metric("families_in_service", "Families in service", "Families in an intervention at the month end.",
           "families", S),
    Metric("in_service", "Families in service", "Families in an intervention with a role at the month end.",
           "families", S, per_role=True, total=False),
    Metric("refused_now", "Families refused, not re-engaged", "Families in the refused state at the month end.",
           "families", S),
    Metric("turned_around_cumulative", "Turned around", "Families turned around from the start to the month end.",
           "families", C, higher_is_better=True),
    Metric("refused_cumulative", "Refused at least once", "Families who had refused at least once by the month end.",
           "families", C),
    Metric("started_cumulative", "Started", "Families whose first intervention had started by the month end.",
           "families", C, higher_is_better=True),
    Metric("closed_cumulative", "Cases closed", "Cases closed for any reason by the month end.", "families", C),
    Metric("fte_in_post", "Staff in post", "Key workers in post at the month end.", "fte", S, 1, per_role=True),
    Metric("capacity", "Caseload capacity", "Caseload slots at the month end: the families the staff in post may "
           "hold.", "families", S, per_role=True),
    Metric("caseload_utilisation", "Caseload slots in use", "Share of caseload slots in use in the month "
           "(time average).", "share", SH, 1),
    Metric("fte_establishment", "Funded establishment", "Funded posts at the month end, filled or vacant.", "fte",
           S, 1, per_role=True),
    Metric("vacant_fte", "Vacant posts", "Vacant funded posts at the month end.", "fte", S, 1,
           higher_is_better=False, per_role=True),
    Metric("agency_fte", "Agency cover", "Agency staff covering vacancies at the month end.", "fte", S, 1),
    Metric("workers_in_induction", "Staff in induction", "New starters still in induction at the month end.",
           "workers", S),
    Metric("leavers_cumulative", "Leavers so far", "Permanent staff who had left by the month end.", "workers", C),
    Metric("hires_cumulative", "New starters so far", "New starters by the month end.", "workers", C),
    Metric("handovers_cumulative", "Handovers so far", "Families handed over by the month end.", "families", C),
    Metric("claims_cumulative", "Claims made", "Results claims made from the start to the month end.", "families", C,
           higher_is_better=True, needs="money"),
    Metric("claims_data_matched_cumulative", "Claims found by data matching",
           "Claims for results found by data matching, from the start to the month end (part of the claims made).",
           "families", C, needs="money"),
    Metric("income_attachment", "Attachment fees", "Attachment fees received in the month.", "gbp", M,
           higher_is_better=True, needs="money"),
    Metric("income_results", "Results payments", "Results payments received in the month.", "gbp", M,
           higher_is_better=True, needs="money"),
    Metric("income_cumulative", "Income so far", "Income received from the start to the month end.", "gbp", C,
           higher_is_better=True, needs="money"),
    Metric("cost", "Cost", "Total cost in the month: staff, agency, recruitment and overheads.", "gbp", M,
           higher_is_better=False, needs="money"),
    Metric("cost_cumulative", "Cost so far", "Total cost from the start to the month end.", "gbp", C,
           higher_is_better=False, needs="money"),
    Metric("net_cost_cumulative", "Net cost so far", "Total cost less income from the start to the month end.",
           "gbp", C, higher_is_better=False, needs="money", signed=True),
)}

#: Monthly counts a council keeps and a history file (``tfsim backtest``, ``tfsim calibrate``) may hold,
#: in the order a history's columns are described.  Each is worked out from the monthly series
#: above (a flow is the month's rise in a cumulative series), so a run and a history are compared
#: in the same terms; ``per_role`` series may also be given per role as ``name.role``.
HISTORY: dict[str, Metric] = {m.name: m for m in (
    Metric("referrals", "Referrals", "Families referred in the month; a family re-referred after a relapse counts "
           "again.", "families", F),
    Metric("refused", "Refusals", "Families who refused support for the first time in the month.", "families", F,
           higher_is_better=False),
    Metric("started", "Interventions started", "Families whose first intervention started in the month.",
           "families", F, higher_is_better=True),
    Metric("closed_turned_around", "Closed turned around",
           "Cases closed in the month with the family turned around.", "families", F, higher_is_better=True),
    Metric("closed_other", "Closed for other reasons",
           "Cases closed in the month for any other reason: improved, no progress, disengaged, or closed unallocated "
           "after the maximum wait.", "families", F),
    Metric("claims", "Results claims", "Results claims made in the month.", "families", F, higher_is_better=True,
           needs="money"),
    Metric("fte_in_post", "Staff in post", "Key workers in post at the month end, in full-time equivalents.", "fte",
           S, 1, per_role=True),
    Metric("waiting_list", "Waiting list", "Families on the waiting list at the month end.", "families", S,
           higher_is_better=False),
)}

del F, S, C, SH, D, M, P


def summary_metric(name: str) -> Metric:
    """The summary metric called ``name`` (KeyError if there is none)."""
    return SUMMARY[name]


def monthly_metric(name: str) -> Metric:
    """The monthly series called ``name`` (KeyError if there is none)."""
    return MONTHLY[name]


def series_key(name: str, role: str | None = None) -> str:
    """The name of a monthly series in ``monthly.csv``: ``name``, or ``name.role`` for one role.

    Files keep one ``metric`` column; inside tfsim a per-role series is always the pair
    ``(name, role)`` and this is the only place the two are joined.
    """
    return f"{name}.{role}" if role else name


def glossary() -> str:
    """``docs/metrics.md``: every output with its unit and meaning, generated from this catalogue."""
    lines = [
        "# Outputs",
        "",
        "Generated from `tfsim/catalogue.py` by `tfsim docs`; do not edit by hand.",
        "",
        "Every figure tfsim reports, by the name it has in `summary.csv` and `monthly.csv`. Summary",
        "metrics are one number per run (replication) over the period after the warm-up; `summary.csv`",
        "gives their mean over runs with a 95% confidence interval of the mean and the 5th, 50th and",
        "95th percentiles across runs. Monthly series are one number per calendar month; series marked",
        "*per role* also appear once per role as `name.role` (for example `in_service.fip`). Shares and",
        "probabilities are stored as 0 to 1 and shown as percentages; money is in pounds.",
        "",
        "Kinds: *flow*, counted over a period; *stock*, a level at an instant (or its time average);",
        "*cumulative*, counted from the start of the run; *share*, a ratio; *duration*, a length of",
        "time; *money*, pounds; *probability*, 1 or 0 in each run, so its mean is a probability.",
    ]
    needs_text = {None: "", "money": "with `[money]`", "money.target": "with `[money.target]`"}

    def table(title: str, metrics: dict[str, Metric], monthly: bool, intro: tuple[str, ...] = ()) -> None:
        lines.extend(["", f"## {title}", "", *intro] + ([""] if intro else []))
        head = "| name | title | unit | kind | meaning | better | reported |"
        lines.extend([head, "|---|---|---|---|---|---|---|"])
        for m in metrics.values():
            unit = m.unit_info.suffix or {"gbp": "£", "share": "share", "probability": "probability"}[m.unit]
            better = {True: "higher", False: "lower", None: ""}[m.higher_is_better]
            where = [needs_text[m.needs]] if m.needs else []
            if monthly and m.per_role:
                where.append("per role" if not m.total else "total and per role")
            lines.append(f"| `{m.name}` | {m.title} | {unit} | {m.kind.value} | {m.description} | {better} | "
                         f"{', '.join(w for w in where if w) or 'always'} |")

    table("Summary metrics", SUMMARY, False)
    table("Monthly series", MONTHLY, True)
    table("History series", HISTORY, True, (
        "The monthly counts a history file may hold (`tfsim backtest`, `tfsim calibrate`; see",
        "docs/calibration.md), each worked out from the monthly series above: a flow is the month's",
        "rise in the cumulative series, a stock is read at the month end."))
    return "\n".join(lines) + "\n"


__all__ = ["HISTORY", "Kind", "Metric", "MONTHLY", "SUMMARY", "UNITS", "Unit", "glossary", "monthly_metric", "series_key",
           "summary_metric"]
