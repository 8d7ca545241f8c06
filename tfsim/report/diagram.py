"""The model in one picture: referral, contact, waiting, intervention by role, outcome, sustain, claim.

:func:`plot_flow` draws the path a family takes through the model on a matplotlib Axes, with
the scenario's own figures in the boxes (refusal share, waiting-list rule, each role's
caseload and intervention length, the sustain period, relapse), for the report's *model in
brief* and STRESS-DES item 2.1.  Like the chart functions it only draws on the Axes it is
given.
"""

from __future__ import annotations

import re

from matplotlib.patches import FancyArrowPatch, FancyBboxPatch

from tfsim.charts import PALETTE
from tfsim.scenario.schema import Scenario

WIDTH, HEIGHT = 14.0, 7.6
BOX = "#EEF3F8"
EDGE = "#1F4E79"
SIDE = "#FBEFE6"
TEXT = 6.6  # points
LINE = TEXT * 1.3 / 32  # one line of text in axes units (a unit is about 32 points at 6.3 inches wide)


def _short(name: str, limit: int = 32) -> str:
    """A role's name without its bracketed provider, cut to ``limit`` characters."""
    name = re.sub(r"\s*\([^)]*\)\s*$", "", name).strip()
    return name if len(name) <= limit else name[: limit - 1] + "\u2026"


def _box(ax, x, y, w, h, title, body="", fill=BOX):
    """A rounded box centred on (x, y) with a bold title and its body below."""
    ax.add_patch(FancyBboxPatch((x - w / 2, y - h / 2), w, h, boxstyle="round,pad=0.04,rounding_size=0.12",
                                facecolor=fill, edgecolor=EDGE, lw=1.1))
    ax.text(x, y + h / 2 - 0.14, title, ha="center", va="top", fontsize=TEXT + 1.2, fontweight="bold", color=EDGE)
    if body:
        ax.text(x, y + h / 2 - 0.2 - 2.2 * LINE, body, ha="center", va="top", fontsize=TEXT, color="#222222",
                linespacing=1.3)


def _path(ax, points, label="", dashed=False, colour=EDGE, label_at=None, ha="center"):
    """A line through ``points`` ending in an arrowhead, with an optional label."""
    style = "--" if dashed else "-"
    for a, b in zip(points[:-2], points[1:-1]):
        ax.plot([a[0], b[0]], [a[1], b[1]], style, color=colour, lw=1.2, solid_capstyle="butt")
    ax.add_patch(FancyArrowPatch(points[-2], points[-1], arrowstyle="-|>", mutation_scale=11, lw=1.2,
                                 color=colour, linestyle=style, shrinkA=0, shrinkB=0))
    if label:
        x, y = label_at or ((points[0][0] + points[-1][0]) / 2, (points[0][1] + points[-1][1]) / 2 + 0.08)
        ax.text(x, y, label, ha=ha, va="bottom", fontsize=TEXT - 0.3, color=colour, style="italic",
                linespacing=1.15)


def _pct(x: float) -> str:
    return f"{x * 100:.0f}%"


def _months(dist) -> str:
    return f"{dist.expected_value():.0f} months"


def plot_flow(ax, scenario: Scenario) -> None:
    """The flow of families through the model, with the scenario's figures in each box."""
    ax.set_xlim(0, WIDTH)
    ax.set_ylim(0, HEIGHT)
    ax.set_axis_off()
    e, money = scenario.engagement, scenario.money
    top, top_h = 6.45, 1.9
    top_low = top - top_h / 2
    xs = {"referral": 1.3, "contact": 4.6, "waiting": 7.75, "work": 11.95}
    widths = {"referral": 2.3, "contact": 2.1, "waiting": 2.3, "work": 3.8}

    cohort = sum(c.families for c in scenario.referrals.cohort)
    parts = []
    if cohort:
        batches = len(scenario.referrals.cohort)
        parts.append(f"{cohort:,} identified\nin {batches} batch{'es' if batches > 1 else ''}")
    if scenario.referrals.rates:
        rates = [p.per_month for p in scenario.referrals.rates]
        span = f"{min(rates):g} to {max(rates):g}" if min(rates) != max(rates) else f"{rates[0]:g}"
        parts.append(f"{span} a month\nat random")
    _box(ax, xs["referral"], top, widths["referral"], top_h, "Referral", "\n".join(parts) or "none")
    _box(ax, xs["contact"], top, widths["contact"], top_h, "First contact",
         f"{_pct(e.refusal_probability)} refuse\nsupport")
    w = scenario.waiting_list
    rule = "highest need first" if w.discipline == "priority" else "first come,\nfirst served"
    if w.max_wait_days:
        rule += f"\n{'closed' if w.on_max_wait == 'close' else 'moved up'} after {w.max_wait_days:g} days"
    _box(ax, xs["waiting"], top, widths["waiting"], top_h, "Waiting list", f"for a key worker:\n{rule}")

    roles = scenario.roles[:5]
    lines = []
    for r in roles:
        lines += [_short(r.label), f"{r.caseload_cap_per_fte:g} families per FTE, about {_months(r.duration_months)}"]
    if len(scenario.roles) > len(roles):
        lines.append(f"and {len(scenario.roles) - len(roles)} more roles")
    work_h = max(top_h, 0.4 + (len(lines) + 2.2) * LINE)
    work_y = top + top_h / 2 - work_h / 2
    _box(ax, xs["work"], work_y, widths["work"], work_h, "Intervention by role", "\n".join(lines))
    work_low = work_y - work_h / 2

    def right(k):
        return xs[k] + widths[k] / 2

    def left(k):
        return xs[k] - widths[k] / 2

    _path(ax, [(right("referral"), top), (left("contact"), top)])
    _path(ax, [(right("contact"), top), (left("waiting"), top)], "accept")
    _path(ax, [(right("waiting"), top), (left("work"), top)], "allocated")

    refused_y, refused_h = 3.8, 1.75
    refused = "not approached\nagain"
    if e.reapproach_probability > 0:
        refused = f"{_pct(e.reapproach_probability)} approached\nagain after about\n{_months(e.reapproach_delay_months)}"
    _box(ax, xs["contact"], refused_y, widths["contact"], refused_h, "Refused", refused, fill=SIDE)
    _path(ax, [(xs["contact"] + 0.35, top_low), (xs["contact"] + 0.35, refused_y + refused_h / 2)], "refuse",
          label_at=(xs["contact"] + 0.45, (top_low + refused_y) / 2 + 0.15), ha="left")
    if e.reapproach_probability > 0:
        _path(ax, [(xs["contact"] - 0.35, refused_y + refused_h / 2), (xs["contact"] - 0.35, top_low)],
              "re-approach", dashed=True, label_at=(xs["contact"] - 0.45, (top_low + refused_y) / 2 + 0.15), ha="right")

    low, low_h = 1.45, 1.65
    low_top = low + low_h / 2
    _box(ax, xs["work"], low, widths["work"], low_h, "Outcome at the end",
         "turned around, improved, no progress\nor disengaged; an improved family\nmay be stepped up")
    _path(ax, [(xs["work"], work_low), (xs["work"], low_top)])
    step_x = right("work") - 0.3
    _path(ax, [(step_x, low_top), (step_x, work_low)], "step-up:\nextension", dashed=True,
          label_at=(step_x - 0.12, (low_top + work_low) / 2 - 0.2), ha="right")

    sustained_x, sustained_w = 7.75, 2.7
    claim_x, claim_w = 4.6, 2.1
    if money is not None:
        body = (f"{money.resolved('progress_sustain_months'):g} months (work {money.resolved('employment_sustain_weeks'):g} "
                f"weeks);\nfollow-up {money.follow_up_months:g} months;\n{_pct(money.relapse_probability)} relapse")
        _box(ax, sustained_x, low, sustained_w, low_h, "Result sustained", body)
        _box(ax, claim_x, low, claim_w, low_h, "Claim", "results payment\n(attachment fee\npaid on joining)")
        _path(ax, [(left("work"), low + 0.2), (sustained_x + sustained_w / 2, low + 0.2)], "turned\naround")
        _path(ax, [(sustained_x - sustained_w / 2, low + 0.2), (claim_x + claim_w / 2, low + 0.2)])
        if money.rereferral_probability > 0 and money.relapse_probability > 0:
            y = low_top + 0.42
            _path(ax, [(sustained_x - 0.6, low_top), (sustained_x - 0.6, y), (xs["referral"], y),
                       (xs["referral"], top_low)], f"relapse: {_pct(money.rereferral_probability)}\nreferred again",
                  dashed=True, colour=PALETTE["vermillion"], label_at=(xs["referral"] + 0.12, y + 0.35), ha="left")
        matching = money.data_matching
        if matching is not None and matching.on:
            x = xs["waiting"] + 0.6
            _path(ax, [(x, top_low), (x, low_top)], "data\nmatching", dashed=True, colour=PALETTE["green"],
                  label_at=(x + 0.12, (top_low + low_top) / 2), ha="left")
    else:
        ax.text((claim_x + sustained_x) / 2, low, "Payment by results is not modelled\n(no [money] section)",
                ha="center", va="center", fontsize=TEXT, color="#555555", style="italic")
    _box(ax, xs["referral"], low, widths["referral"], low_h, "Case closed", "no progress,\ndisengaged or\nclosed unallocated",
         fill=SIDE)
    y = low - low_h / 2 - 0.2
    _path(ax, [(xs["work"] - 0.8, low - low_h / 2), (xs["work"] - 0.8, y), (xs["referral"], y),
               (xs["referral"], low - low_h / 2)], colour="#666666")
    ax.text((xs["work"] + xs["referral"]) / 2, y - 0.05, "not turned around", ha="center", va="top",
            fontsize=TEXT - 0.3, color="#666666", style="italic")


__all__ = ["plot_flow"]
