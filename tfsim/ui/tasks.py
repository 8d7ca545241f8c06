"""The what-if jobs the app runs in the background, and what their answers say and change (no widgets).

Each job is a callable ``job(runner)`` for :class:`~tfsim.ui.worker.JobController`: it
calls :func:`tfsim.whatif.sweep`, :func:`~tfsim.whatif.goal_seek` or
:func:`~tfsim.whatif.tornado` on the window's one warm runner.  The functions after them
turn an answer into the rows of the app's small table (in the catalogue's formats) and a
chosen point into the edits of the scenario being edited.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from tfsim import whatif
from tfsim.catalogue import SUMMARY, Kind
from tfsim.scenario.schema import Scenario
from tfsim.target import never_waited

#: Summary metrics offered for a sweep's or tornado's chart, when the scenario reports them.
CHART_METRICS = ["p_target_met", "families_turned_around", "claims", "mean_wait_days", "share_waited",
                 "peak_waiting_list", "net_cost", "cost_per_turned_around"]


def reported(scenario: Scenario, name: str) -> bool:
    """Whether a run of ``scenario`` reports the summary metric ``name`` (money metrics need ``[money]``)."""
    needs = SUMMARY[name].needs
    if needs is None:
        return True
    if scenario.money is None:
        return False
    return needs == "money" or scenario.money.target is not None


def chart_metrics(scenario: Scenario) -> list[str]:
    """The metrics a sweep or tornado of ``scenario`` may chart, the chance of meeting the target first."""
    return [m for m in CHART_METRICS if reported(scenario, m)]


def has_target(scenario: Scenario) -> bool:
    return scenario.money is not None and scenario.money.target is not None


def default_values(value: whatif.VariedValue) -> tuple[str, str, str]:
    """A first guess at what to try for ``value``: ``(values, low, high)`` as the forms show them.

    Whole numbers step by 1 around small counts (``0:4:1`` workers) and by a tenth of larger
    ones; other numbers go from 60% to 140% of their value (shares and chances stay within
    0 to 1).
    """
    v = value.value
    if value.whole:
        step = 1 if v <= 10 else max(1, round(v * 0.1))
        low = max(0, v - 2 * step)
        high = low + 4 * step
        return f"{low}:{high}:{step}", str(low), str(high)
    share = value.unit == "0 to 1"
    if v == 0:
        low, high = 0.0, (0.4 if share else 1.0)
    else:
        low, high = v * 0.6, v * 1.4
        if share:
            high = min(1.0, high)
    step = (high - low) / 4
    digits = max(0, 2 - int(math.floor(math.log10(abs(step))))) if step else 2
    low, high, step = (round(x, digits) for x in (low, high, step))
    return f"{low:g}:{high:g}:{step:g}", f"{low:g}", f"{high:g}"


# ---- the jobs ----------------------------------------------------------------------------------


@dataclass
class SweepJob:
    """Every value of one key path, on the same seeds."""

    scenario: Scenario
    value: whatif.VariedValue
    values: list
    metric: str
    replications: int
    seed: int
    kind: str = field(default="sweep", init=False)

    def __call__(self, runner) -> whatif.Sweep:
        return whatif.sweep(self.scenario, [(self.value.path, self.values)], self.replications, self.seed, runner)


@dataclass
class GoalJob:
    """The value of one key path at which the chance of meeting the target reaches ``level``."""

    scenario: Scenario
    value: whatif.VariedValue
    low: Any
    high: Any
    level: float
    replications: int
    seed: int
    kind: str = field(default="goal", init=False)

    def __call__(self, runner) -> whatif.GoalResult:
        return whatif.goal_seek(self.scenario, self.value.path, self.low, self.high, self.level, self.replications,
                                self.seed, runner)


@dataclass
class TornadoJob:
    """Each uncertain input moved ``spread`` either way, paired against the base."""

    scenario: Scenario
    inputs: list[str]
    spread: float
    metric: str
    replications: int
    seed: int
    kind: str = field(default="tornado", init=False)

    def __call__(self, runner) -> whatif.Tornado:
        items = [whatif.make_input(self.scenario, name, self.spread) for name in self.inputs]
        return whatif.tornado(self.scenario, items, self.replications, self.seed, runner)


# ---- what an answer says ------------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    """One row of the answer's table: its cells, a tooltip, and the changes "Use this point" makes (or None)."""

    cells: list[str]
    tooltip: str = ""
    changes: dict | None = None


def _value_text(value: whatif.VariedValue, v: Any) -> str:
    unit = f" {value.unit}" if value.unit in ("workers", "posts") else ""
    return f"{whatif.describe_value(v)}{unit}"


def sweep_table(job: SweepJob, sweep: whatif.Sweep) -> tuple[list[str], list[Row]]:
    """Headers and rows: each value with the charted metric and its 95% interval (Wilson for a chance)."""
    metric = SUMMARY[job.metric]
    path = job.value.path
    rows = []
    for point in sweep.points:
        v = point.values[path]
        if point.results is None:
            rows.append(Row([_value_text(job.value, v), "not a valid scenario", ""], point.error or ""))
            continue
        table = whatif.point_table(point.results)
        hit = table[table["metric"] == job.metric]
        if hit.empty:
            rows.append(Row([_value_text(job.value, v), "n/a", ""], "", {path: v}))
            continue
        r = hit.iloc[0]
        interval = f"{metric.format(r.ci_low, unit=False)} to {metric.format(r.ci_high)}"
        rows.append(Row([_value_text(job.value, v), metric.format(r["mean"]), interval],
                        f"{job.value.text} = {whatif.describe_value(v)}: {metric.title} {metric.format(r['mean'])}, "
                        f"95% interval {interval} ({point.results.replications} runs)", {path: v}))
    return ["Value", "Chance" if metric.kind is Kind.PROBABILITY else "Mean", "95% interval"], rows


def goal_table(job: GoalJob, goal: whatif.GoalResult) -> tuple[list[str], list[Row]]:
    """Headers and rows: each value the search ran, with the chance of meeting the target, and the answers."""
    chance = SUMMARY["p_target_met"]
    rows = []
    for point in sorted(goal.points, key=lambda p: goal.candidates.index(p.value)):
        low, high = point.interval
        marks = [word for word, v in (("estimate", goal.estimate), ("95% confident", goal.confident)) if v == point.value]
        rows.append(Row([_value_text(job.value, point.value), chance.format(point.probability),
                         f"{chance.format(low, unit=False)} to {chance.format(high)}", str(point.runs),
                         ", ".join(marks)],
                        f"Met the target in {point.met} of {point.runs} runs", {job.value.path: point.value}))
    return ["Value", "Chance", "95% interval", "Runs", "Answer"], rows


def goal_summary(job: GoalJob, goal: whatif.GoalResult) -> list[str]:
    """The answer in sentences: the value reaching the chance asked for, and with 95% confidence."""
    word = "Smallest" if goal.increasing else "Largest"
    lines = []
    for title, v in ((f"{word} value with a {goal.level:.0%} chance of meeting the target", goal.estimate),
                     ("Reached with 95% confidence at", goal.confident)):
        if v is None:
            continue
        p = goal.point(v)
        low, high = p.interval
        lines.append(f"{title}: {_value_text(job.value, v)} (chance {p.probability:.0%}, 95% interval {low:.0%} to "
                     f"{high:.0%}, {p.runs} runs).")
    return lines + list(goal.notes)


def tornado_table(job: TornadoJob, tornado: whatif.Tornado) -> tuple[list[str], list[Row]]:
    """Headers and rows: each input, widest first, with the paired change at its low and high setting."""
    metric = SUMMARY[job.metric]
    rows = []
    bars = tornado.bars(job.metric)
    for bar in bars.itertuples() if len(bars) else []:
        cells, tips = [bar.label], []
        for side in ("low", "high"):
            setting = getattr(bar, f"{side}_setting")
            mean, lo, hi = (getattr(bar, f"{side}{s}") for s in ("", "_ci_low", "_ci_high"))
            verdict = getattr(bar, f"{side}_verdict")
            change = (whatif.NO_CLEAR_DIFFERENCE if verdict == whatif.NO_CLEAR_DIFFERENCE
                      else whatif.format_difference(metric, mean))
            cells.append(change)
            tips.append(f"{setting}: {whatif.format_difference(metric, mean)}, "
                        f"{whatif.interval_text(metric, lo, hi)} ({verdict})")
        rows.append(Row([f"{bar.label} ({bar.low_setting} / {bar.high_setting})"] + cells[1:],
                        f"{bar.label}\n" + "\n".join(tips)))
    return ["Input", "Set lower", "Set higher"], rows


def nobody_waited(answer) -> bool:
    """Whether no family waited in any run of the analysis' base or points (goal seeks keep no runs: False)."""
    if isinstance(answer, whatif.Tornado):
        return never_waited(answer.base)
    if isinstance(answer, whatif.Sweep):
        return bool(answer.valid) and all(never_waited(p.results) for p in answer.valid)
    return False


# ---- what a point changes in the editor -------------------------------------------------------


def point_edits(data: dict, changes: dict) -> list[tuple[tuple, Any]]:
    """The edits of the editor's data (key path as a tuple, value) that give the scenario of a point.

    ``changes`` are key paths as a sweep or goal seek names them (roles by id, the
    ``in_post_fte.count`` helper); the editor addresses roles by their place in the list.
    """
    edits = []
    for path, value in whatif.expand_changes(changes).items():
        node: Any = data
        at: list = []
        for part in path.split("."):
            if isinstance(node, list):
                index = int(part) if part.isdigit() else next(
                    (i for i, item in enumerate(node) if isinstance(item, dict) and item.get("id") == part), None)
                if index is None or index >= len(node):
                    raise KeyError(path)
                at.append(index)
                node = node[index]
            else:
                at.append(part)
                node = node.get(part, {}) if isinstance(node, dict) else {}
        edits.append((tuple(at), value))
    return edits
