"""What-if answers with honest uncertainty: paired comparisons, sweeps, goal seek and sensitivity.

Every analysis here runs scenario variants through one :class:`~tfsim.experiment.Runner`
(one warm pool of worker processes) with the same experiment seed, so replication ``i`` of
every variant uses the same random streams as replication ``i`` of the baseline (common
random numbers).  A difference between two variants is then judged replication by
replication: the mean of the paired differences with a 95% Student-t interval, which is
several times narrower than the interval from two independent runs.  A difference whose
interval includes zero is reported as "no clear difference", never as better or worse.

Scenario values are addressed by the key paths of :func:`tfsim.scenario.variants.variant`
(``roles.fip.caseload_cap_per_fte``, ``workforce.turnover_per_year``, ...), plus one helper:
``roles.<id>.in_post_fte.count`` sets a role's workers in post at the start to that many
full-time workers (``in_post_fte = [1.0, 1.0, ...]``), so "the number of FIPs" can be swept
or sought as a whole number; ``roles.<id>.vacant_fte.count`` does the same for vacant posts.
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import math
import re
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping, Sequence

import numpy as np
import pandas as pd

from tfsim.catalogue import SUMMARY, Kind, Metric
from tfsim.experiment import SUMMARY_COLUMNS, ExperimentResults, Runner, confidence_interval, t_half_width
from tfsim.scenario.introspect import Kind as FieldKind
from tfsim.scenario.introspect import fields
from tfsim.scenario.io import Problem
from tfsim.scenario.schema import Outcomes, Scenario
from tfsim.scenario.variants import VariantError, variant
from tfsim.target import wilson_interval

COMPARE_COLUMNS = ["metric", "variant", "baseline_mean", "variant_mean", "diff_mean", "diff_ci_low", "diff_ci_high",
                   "p_better"]
NO_CLEAR_DIFFERENCE = "no clear difference"


class WhatIfError(ValueError):
    """A what-if request that cannot be run as asked (bad values, no target, ...): bad input, not a bug."""


# ---- values and paths ------------------------------------------------------------------------

_COUNT = re.compile(r"^(roles\.[^.]+\.(?:in_post_fte|vacant_fte))\.count$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_STEP = re.compile(r"^(\d+)\s*([dwmy]?)$")


def parse_value(text: str) -> Any:
    """One value as written on the command line: a whole number, a number, an ISO date, or text."""
    text = text.strip()
    if re.fullmatch(r"[+-]?\d+", text):
        return int(text)
    try:
        return float(text)
    except ValueError:
        pass
    if _DATE.match(text):
        try:
            return dt.date.fromisoformat(text)
        except ValueError as exc:
            raise WhatIfError(f"'{text}' is not a date: {exc}") from None
    if text.lower() in ("true", "false"):
        return text.lower() == "true"
    return text


def _add_step(day: dt.date, step: str, times: int) -> dt.date:
    match = _STEP.match(step)
    if match is None:
        raise WhatIfError(f"date step '{step}' is not a number of days, or weeks, months or years "
                          "written as 7d, 2w, 1m, 1y")
    n, unit = int(match.group(1)) * times, match.group(2) or "d"
    if unit in "dw":
        return day + dt.timedelta(days=n * (7 if unit == "w" else 1))
    months = n * (12 if unit == "y" else 1)
    y, m = divmod(day.month - 1 + months, 12)
    year, month = day.year + y, m + 1
    last = (dt.date(year + (month == 12), month % 12 + 1, 1) - dt.timedelta(days=1)).day
    return dt.date(year, month, min(day.day, last))


def parse_values(text: str) -> list:
    """The values of ``--vary PATH=VALUES``: a list ``4,5,6`` or a range ``START:STOP:STEP``.

    A range includes STOP when the steps land on it.  Dates step by a number of days, or
    by weeks, months or years written ``2w``, ``1m``, ``1y`` (``2016-01-01:2016-12-01:3m``).
    """
    text = text.strip()
    if not text:
        raise WhatIfError("no values given")
    if ":" in text and "," not in text:
        parts = text.split(":")
        if len(parts) != 3:
            raise WhatIfError(f"'{text}' is not a range START:STOP:STEP")
        start, stop = parse_value(parts[0]), parse_value(parts[1])
        if isinstance(start, dt.date) and isinstance(stop, dt.date):
            out, i = [], 0
            while (day := _add_step(start, parts[2].strip(), i)) <= stop:
                out.append(day)
                i += 1
                if i > 10_000 or (i == 1 and day == start and _add_step(start, parts[2].strip(), 1) == start):
                    raise WhatIfError(f"the range '{text}' does not advance")
            return out
        step = parse_value(parts[2])
        if not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in (start, stop, step)):
            raise WhatIfError(f"'{text}' is not a range of numbers or dates")
        if step <= 0 or stop < start:
            raise WhatIfError(f"the range '{text}' needs STOP >= START and a positive STEP")
        count = int(math.floor((stop - start) / step + 1e-9)) + 1
        if count > 10_000:
            raise WhatIfError(f"the range '{text}' has {count} values; at most 10,000")
        if all(isinstance(v, int) for v in (start, stop, step)):
            return [start + i * step for i in range(count)]
        return [round(start + i * step, 10) for i in range(count)]
    return [parse_value(v) for v in text.split(",") if v.strip()]


def parse_vary(text: str) -> tuple[str, list]:
    """``PATH=VALUES`` as ``(path, values)``."""
    path, sep, values = text.partition("=")
    if not sep or not path.strip():
        raise WhatIfError(f"--vary '{text}' is not PATH=VALUES (e.g. roles.fip.caseload_cap_per_fte=4,5,6)")
    return path.strip(), parse_values(values)


def expand_changes(changes: Mapping[str, Any]) -> dict[str, Any]:
    """``changes`` with the helper paths (``roles.<id>.in_post_fte.count``) turned into plain ones."""
    out: dict[str, Any] = {}
    for path, value in changes.items():
        match = _COUNT.match(path) if isinstance(path, str) else None
        if match is None:
            out[path] = value
            continue
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise VariantError("", [_problem(path, f"a count of full-time workers must be a whole number "
                                                   f"0 or more, not {value!r}")])
        out[match.group(1)] = [1.0] * value
    return out


def _problem(path: str, message: str) -> Problem:
    return Problem(tuple(path.split(".")), message)


def make_variant(scenario: Scenario, changes: Mapping[str, Any]) -> Scenario:
    """:func:`~tfsim.scenario.variants.variant` of ``scenario`` that also knows the helper paths."""
    try:
        return variant(scenario, expand_changes(changes))
    except VariantError as exc:
        if not exc.name:
            exc = VariantError(scenario.name, exc.problems)
        raise exc from None


def value_at(scenario: Scenario, path: str) -> Any:
    """The value at a key path (roles by id or index, list items by index), or KeyError."""
    match = _COUNT.match(path)
    if match is not None:
        return len(value_at(scenario, match.group(1)))
    node: Any = scenario.model_dump(mode="python")
    for part in path.split("."):
        if isinstance(node, dict) and part in node:
            node = node[part]
        elif isinstance(node, list):
            if part.isdigit() and int(part) < len(node):
                node = node[int(part)]
            else:
                found = [item for item in node if isinstance(item, dict) and item.get("id") == part]
                if not found:
                    raise KeyError(path)
                node = found[0]
        else:
            raise KeyError(path)
    return node


def describe_value(value: Any) -> str:
    """A varied value as it is shown: dates ISO, numbers without a trailing ``.0``."""
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


@dataclass(frozen=True)
class VariedValue:
    """A number of a scenario that a sweep or goal seek may vary, as a form lists it.

    Attributes
    ----------
    path : str
        Its key path (roles by id; ``roles.<id>.in_post_fte.count`` for whole workers).
    label : str
        Where it is and what it is, in words: ``"Family Intervention Practitioner: Caseload cap"``.
    unit : str
        Its unit in words (``"per FTE"``, ``"0 to 1"``, ``"workers"``), or ``""``.
    value : int or float
        Its value in the scenario.
    whole : bool
        Only whole numbers make sense (a count, an integer key).
    help : str
        The schema's description of the key.
    """

    path: str
    label: str
    unit: str
    value: Any
    whole: bool
    help: str = ""

    @property
    def text(self) -> str:
        """The label with its unit: ``"Engagement: Refusal probability (0 to 1)"``."""
        label = self.label.replace(" gbp", "")  # "Overhead gbp" per month
        unit = f" ({self.unit})" if self.unit and not label.lower().endswith(self.unit.lower()) else ""
        return f"{label}{unit}"


#: Tables whose numbers only make sense together (outcome chances sum to 1), and lists of dated rows:
#: left out of :func:`varied_values`; change them in the editor, or give their key path to the CLI.
_NOT_VARIED_MODELS = (Outcomes,)
_NOT_VARIED_KEYS = {"schema_version", "intensity", "outcomes_by_level", "staffing_plan", "recruitment_freezes",
                    "attachment_share_by_year"}


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _walk_numbers(specs: Sequence, data: Mapping, path: str, where: str) -> list[VariedValue]:
    """The numbers of one table of the scenario (``data``, as dumped; ``specs`` its keys), nested tables too."""
    out: list[VariedValue] = []
    for spec in specs:
        key, value = spec.key, data.get(spec.key)
        at = f"{path}.{key}" if path else key
        label = f"{where}: {spec.label}" if where else spec.label
        if key in _NOT_VARIED_KEYS or value is None:
            continue
        if spec.kind in (FieldKind.INT, FieldKind.FLOAT) and _number(value):
            out.append(VariedValue(at, label, spec.unit_label, value, spec.kind is FieldKind.INT, spec.help))
        elif spec.kind is FieldKind.DISTRIBUTION and isinstance(value, dict) and value.get("distribution") == "fixed":
            out.append(VariedValue(at, label, spec.unit_label, value["value"], False, spec.help))
        elif spec.kind is FieldKind.DICT_SCALAR and isinstance(value, dict):
            out += [VariedValue(f"{at}.{name}", f"{label}, {name}", spec.unit, v, False, spec.help)
                    for name, v in value.items() if _number(v)]
        elif spec.kind is FieldKind.MODEL and spec.detail not in _NOT_VARIED_MODELS and isinstance(value, dict):
            inner = f"{where} \u203a {spec.title}" if where else spec.title
            out += _walk_numbers(fields(spec.detail), value, at, inner)
        elif spec.kind is FieldKind.LIST_TABLE and isinstance(value, list):
            for i, row in enumerate(value):
                day = next((v for v in row.values() if isinstance(v, dt.date)), None)
                inner = f"{where} \u203a {spec.title}" if where else spec.title
                inner += f", row {i + 1}" + (f" ({day:%-d %b %Y})" if day else "")
                out += _walk_numbers(fields(spec.detail), row, f"{at}.{i}", inner)
    return out


def varied_values(scenario: Scenario) -> list[VariedValue]:
    """Every number of ``scenario`` a sweep or goal seek may vary, the staff first.

    Generated from the schema and the scenario's own values (defaults included): each
    role's workers in post and vacant posts as whole full-time workers
    (``roles.<id>.in_post_fte.count``), then every number of every role and table in the
    schema's order.  Outcome chances and intensity shares (which must sum to 1) and dated
    rows (the staffing plan) are left out.
    """
    data = scenario.model_dump(mode="python")
    out: list[VariedValue] = []
    for role in scenario.roles:
        out.append(VariedValue(f"roles.{role.id}.in_post_fte.count",
                               f"{role.label}: Full-time workers in post at the start", "workers",
                               len(role.in_post_fte), True,
                               "Workers in post at the start, each full time (replaces the list of FTE figures)."))
        out.append(VariedValue(f"roles.{role.id}.vacant_fte.count", f"{role.label}: Vacant full-time posts at the start",
                               "posts", len(role.vacant_fte), True,
                               "Funded posts empty at the start, each full time; they go to recruitment."))
    top = fields(Scenario)
    role_specs = fields(next(spec.detail for spec in top if spec.key == "roles"))
    for role, role_data in zip(scenario.roles, data["roles"]):
        out += _walk_numbers(role_specs, role_data, f"roles.{role.id}", role.label)
    out += _walk_numbers([spec for spec in top if spec.key != "roles"], data, "", "")
    return out


# ---- paired statistics -------------------------------------------------------------------


def verdict(metric: Metric, low: float, high: float, mean: float) -> str:
    """How a difference reads: "better", "worse" (or "higher", "lower"), or "no clear difference".

    Only a difference whose 95% interval excludes zero gets a direction; the catalogue's
    ``higher_is_better`` decides whether that direction is good news.
    """
    if any(math.isnan(v) for v in (low, high, mean)):
        return "n/a"
    if low <= 0 <= high:
        return NO_CLEAR_DIFFERENCE
    up = mean > 0
    if metric.higher_is_better is None:
        return "higher" if up else "lower"
    return "better" if up == metric.higher_is_better else "worse"


def difference_decimals(metric: Metric) -> int:
    """Decimals of a mean difference: one more than the metric's own, except for pounds."""
    return metric.decimals + (0 if metric.unit == "gbp" else 1)


def format_difference(metric: Metric, value: float, unit: bool = True, decimals: int | None = None) -> str:
    """A difference with its sign as people read it: ``"+1.2 families"``, ``"-£1,500"``, ``"+3.0 points"``.

    A difference that rounds to zero reads ``"±0..."``, never ``"-0.0"``; ``unit=False``
    leaves the unit off (the first end of an interval).
    """
    if value is None or math.isnan(value):
        return "n/a"
    d = difference_decimals(metric) if decimals is None else decimals
    scale = 100 if metric.unit in ("share", "probability") else 1
    if round(value * scale, d) == 0:
        value = 0.0
    text = metric.format_change(value, d)
    if not unit:
        suffix = " points" if metric.unit in ("share", "probability") else f" {metric.unit_info.suffix}"
        if suffix.strip() and text.endswith(suffix):
            text = text[: -len(suffix)]
    return text


def interval_text(metric: Metric, low: float, high: float) -> str:
    """The 95% interval of a difference in words: ``"95% interval +0.8 to +1.7 families"``."""
    if any(math.isnan(v) for v in (low, high)):
        return "no interval (too few runs)"
    return f"95% interval {format_difference(metric, low, unit=False)} to {format_difference(metric, high)}"


def p_better(metric: Metric, diffs: np.ndarray) -> float:
    """Share of replications in which the variant is better (NaN when neither direction is better)."""
    d = np.asarray(diffs, dtype=float)
    d = d[~np.isnan(d)]
    if metric.higher_is_better is None or len(d) == 0:
        return float("nan")
    return float(np.mean(d > 0) if metric.higher_is_better else np.mean(d < 0))


def interval_half_widths(a: np.ndarray, b: np.ndarray, level: float = 0.95) -> tuple[float, float]:
    """Half-widths of the 95% interval of ``mean(b - a)``: paired, and as if ``a`` and ``b`` were independent runs.

    Their ratio is how much pairing (common random numbers) narrows the interval.
    """
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    keep = ~(np.isnan(a) | np.isnan(b))
    a, b = a[keep], b[keep]
    n = len(a)
    if n < 2:
        return float("nan"), float("nan")
    paired = float(t_half_width(np.std(b - a, ddof=1), n, level))
    independent = float(t_half_width(math.sqrt(np.var(a, ddof=1) + np.var(b, ddof=1)), n, level))
    return paired, independent


def _check_paired(baseline: ExperimentResults, other: ExperimentResults) -> None:
    if baseline.seed != other.seed or baseline.replications != other.replications:
        raise ValueError("paired differences need two runs with the same seed and number of replications")


def paired_table(baseline: ExperimentResults, other: ExperimentResults, label: str) -> pd.DataFrame:
    """Paired differences ``other - baseline`` of every summary metric, one row each.

    Columns are those of ``compare.csv`` (:data:`COMPARE_COLUMNS`) and, for reading and
    charts, ``verdict``, ``paired_half_width`` and ``independent_half_width``.
    """
    _check_paired(baseline, other)
    rows = []
    for name in baseline.per_replication.columns:
        if name not in other.per_replication.columns or name not in SUMMARY:
            continue
        metric = SUMMARY[name]
        a = baseline.per_replication[name].to_numpy(dtype=float)
        b = other.per_replication[name].to_numpy(dtype=float)
        diff = b - a
        mean, low, high = confidence_interval(diff)
        paired, independent = interval_half_widths(a, b)
        rows.append({"metric": name, "variant": label, "baseline_mean": float(np.nanmean(a)) if np.isfinite(a).any()
                     else float("nan"), "variant_mean": float(np.nanmean(b)) if np.isfinite(b).any() else float("nan"),
                     "diff_mean": mean, "diff_ci_low": low, "diff_ci_high": high, "p_better": p_better(metric, diff),
                     "verdict": verdict(metric, low, high, mean), "paired_half_width": paired,
                     "independent_half_width": independent})
    return pd.DataFrame(rows, columns=COMPARE_COLUMNS + ["verdict", "paired_half_width", "independent_half_width"])


def paired_series(baseline: ExperimentResults, other: ExperimentResults, metric: str,
                  role: str | None = None) -> pd.DataFrame:
    """Paired differences ``other - baseline`` of one monthly series, indexed by month.

    Columns ``diff_mean, diff_ci_low, diff_ci_high`` (95% Student-t interval of the mean
    paired difference) and ``p05, p95`` (the 5th and 95th percentiles of the differences).
    """
    _check_paired(baseline, other)
    diff = other.replication_values(metric, role) - baseline.replication_values(metric, role)
    n = diff.shape[0]
    mean = diff.mean(axis=0)
    half = t_half_width(diff.std(axis=0, ddof=1), n) if n > 1 else np.full_like(mean, np.nan)
    p05, p95 = np.percentile(diff, [5, 95], axis=0)
    return pd.DataFrame({"diff_mean": mean, "diff_ci_low": mean - half, "diff_ci_high": mean + half,
                         "p05": p05, "p95": p95}, index=pd.Index(baseline.months, name="month"))


@dataclass
class Comparison:
    """A baseline and its variants run on the same seeds, with their paired differences.

    Attributes
    ----------
    baseline : ExperimentResults
    variants : list of (str, ExperimentResults)
        Each variant's label and results.
    table : pandas.DataFrame
        :func:`paired_table` of every variant, one after another.
    """

    baseline: ExperimentResults
    variants: list[tuple[str, ExperimentResults]]
    table: pd.DataFrame

    def series(self, label: str, metric: str, role: str | None = None) -> pd.DataFrame:
        """:func:`paired_series` of the variant called ``label``."""
        results = dict(self.variants)[label]
        return paired_series(self.baseline, results, metric, role)

    def row(self, label: str, metric: str) -> pd.Series:
        t = self.table
        return t[(t["variant"] == label) & (t["metric"] == metric)].iloc[0]


def compare(baseline: Scenario, variants: Sequence[tuple[str, Scenario]], replications: int, seed: int,
            runner: Runner) -> Comparison:
    """Run a baseline and its variants on the same seeds and compare them replication by replication.

    Parameters
    ----------
    baseline : Scenario
    variants : sequence of (str, Scenario)
        Label (as shown in ``compare.csv``) and scenario of each variant.
    replications, seed : int
        As for :func:`tfsim.experiment.run_experiment`; every scenario gets the same ones.
    runner : Runner
        Runs them all in one batch.
    """
    runs = runner.run_many([baseline] + [s for _, s in variants], replications, seed)
    pairs = [(label, res) for (label, _), res in zip(variants, runs[1:])]
    table = pd.concat([paired_table(runs[0], res, label) for label, res in pairs], ignore_index=True)
    return Comparison(runs[0], pairs, table)


# ---- sweeps ----------------------------------------------------------------------------------


def point_table(results: ExperimentResults) -> pd.DataFrame:
    """``summary`` of one run, with the Wilson interval for probabilities (a t interval says [1, 1] at 100%)."""
    table = results.summary.copy()
    for i, name in enumerate(table["metric"]):
        metric = SUMMARY.get(name)
        if metric is not None and metric.kind is Kind.PROBABILITY:
            values = results.per_replication[name].to_numpy(dtype=float)
            values = values[~np.isnan(values)]
            if len(values):
                low, high = wilson_interval(float(values.sum()), len(values))
                table.loc[i, ["ci_low", "ci_high"]] = [low, high]
    return table


@dataclass
class SweepPoint:
    """One point of a sweep: its values by path, and its results or why it is not a valid scenario."""

    values: dict[str, Any]
    results: ExperimentResults | None = None
    error: str | None = None


@dataclass
class Sweep:
    """The points of a sweep over one or two key paths, all run on the same seeds."""

    paths: list[str]
    points: list[SweepPoint]
    replications: int
    seed: int
    elapsed_seconds: float = 0.0

    @property
    def valid(self) -> list[SweepPoint]:
        return [p for p in self.points if p.results is not None]

    def table(self) -> pd.DataFrame:
        """``sweep.csv``: one row per valid point and metric; the varied values, then the summary columns."""
        frames = []
        for point in self.valid:
            table = point_table(point.results)
            for i, path in enumerate(self.paths):
                table.insert(i, path, describe_value(point.values[path]))
            frames.append(table)
        if not frames:
            return pd.DataFrame(columns=self.paths + SUMMARY_COLUMNS)
        return pd.concat(frames, ignore_index=True)


def sweep(scenario: Scenario, axes: Sequence[tuple[str, Sequence[Any]]], replications: int, seed: int,
          runner: Runner) -> Sweep:
    """Run every combination of the values of one or two key paths, on the same seeds.

    A combination the schema refuses is kept as a point with its error (the
    :class:`~tfsim.scenario.variants.VariantError` message); the others still run.
    """
    if not 1 <= len(axes) <= 2:
        raise WhatIfError("a sweep varies one or two key paths")
    paths = [path for path, _ in axes]
    if len(set(paths)) != len(paths):
        raise WhatIfError("each --vary needs a different key path")
    combos = [{paths[0]: v} for v in axes[0][1]]
    if len(axes) == 2:
        combos = [{**c, paths[1]: w} for c in combos for w in axes[1][1]]
    points, scenarios = [], []
    for combo in combos:
        point = SweepPoint(combo)
        try:
            scenarios.append(make_variant(scenario, combo))
        except VariantError as exc:
            point.error = "; ".join(f"{p.key}: {p.message}" for p in exc.problems)
        points.append(point)
    started = runner.elapsed_seconds
    runs = runner.run_many(scenarios, replications, seed) if scenarios else []
    for point, results in zip([p for p in points if p.error is None], runs):
        point.results = results
    return Sweep(paths, points, replications, seed, runner.elapsed_seconds - started)


# ---- goal seek -------------------------------------------------------------------------------


@dataclass
class GoalPoint:
    """P(target met) at one value: replications run and runs that met the target."""

    value: Any
    runs: int
    met: int

    @property
    def probability(self) -> float:
        return self.met / self.runs if self.runs else float("nan")

    @property
    def interval(self) -> tuple[float, float]:
        """95% Wilson interval of the probability."""
        return wilson_interval(self.met, self.runs)


@dataclass
class GoalResult:
    """The answer of a goal seek.

    Attributes
    ----------
    path : str
        The key path varied.
    level : float
        The chance of meeting the target asked for.
    increasing : bool
        True when P(target met) rises with the value (the answer is the smallest value that
        reaches the level); False when it falls (the answer is the largest such value, e.g.
        the latest start date).
    estimate : value or None
        The first value (smallest, or largest when ``increasing`` is False) at which the
        estimated P reaches the level; None when no value in the range does.
    confident : value or None
        The first value at which the lower end of P's 95% Wilson interval reaches the level:
        the level is reached there with 95% confidence.
    points : list of GoalPoint
        Every value evaluated, in the order of ``candidates``.
    candidates : list
        The values searched, in increasing order.
    monotone : bool
        False when two evaluated values contradict a monotone P (their Wilson intervals do
        not overlap the right way round); the answer then is not to be trusted.
    notes : list of str
        Plain sentences about the search (non-monotonicity, a level not reached, ...).
    """

    path: str
    level: float
    increasing: bool
    estimate: Any
    confident: Any
    points: list[GoalPoint]
    candidates: list
    monotone: bool
    notes: list[str] = field(default_factory=list)
    elapsed_seconds: float = 0.0
    seed: int = 0

    @property
    def replications(self) -> int:
        """Replications run in all."""
        return sum(p.runs for p in self.points)

    def point(self, value: Any) -> GoalPoint | None:
        return next((p for p in self.points if p.value == value), None)

    def table(self) -> pd.DataFrame:
        """``goal.csv``: one row per value evaluated, in increasing order."""
        rows = []
        for p in sorted(self.points, key=lambda p: self.candidates.index(p.value)):
            low, high = p.interval
            rows.append({self.path: describe_value(p.value), "replications": p.runs, "met": p.met,
                         "p_target_met": p.probability, "p_low": low, "p_high": high})
        return pd.DataFrame(rows, columns=[self.path, "replications", "met", "p_target_met", "p_low", "p_high"])


#: ``evaluate(value, start, stop)`` -> 0/1 array: whether replications ``start .. stop - 1`` met the target.
Evaluator = Callable[[Any, int, int], np.ndarray]


def seek(evaluate: Evaluator, candidates: Sequence[Any], level: float, replications: int,
         max_replications: int, scan: bool = False, path: str = "") -> GoalResult:
    """Bisection on a monotone chance, adding replications only where the decision is close.

    Each value starts with ``replications`` runs; while the level lies inside its 95%
    Wilson interval (the decision is close) its runs are doubled, up to
    ``max_replications``.  The two ends of the range decide whether P rises or falls with
    the value.  Two bisections over the same evaluated points find the first value whose
    estimate reaches ``level`` and the first whose interval lies wholly at or above it.

    Parameters
    ----------
    evaluate : callable
        See :data:`Evaluator`; asking for more replications of a value extends it.
    candidates : sequence
        Values to search, in increasing order.
    level : float
        Chance of meeting the target asked for, between 0 and 1.
    replications, max_replications : int
        Runs at each value to start with, and at most.
    scan : bool
        Evaluate every candidate first, so a non-monotone P shows wherever it happens.
    """
    candidates = list(candidates)
    if not candidates:
        raise WhatIfError("no values to search")
    cache: dict[int, np.ndarray] = {}

    def flags(i: int) -> np.ndarray:
        have = cache.get(i, np.zeros(0))
        if len(have) == 0:
            have = np.asarray(evaluate(candidates[i], 0, replications), dtype=float)
        while len(have) < max_replications:
            low, high = wilson_interval(float(have.sum()), len(have))
            if not low < level <= high:
                break
            more = min(len(have), max_replications - len(have))
            have = np.concatenate([have, np.asarray(evaluate(candidates[i], len(have), len(have) + more), float)])
        cache[i] = have
        return have

    def stat(i: int) -> tuple[float, float]:
        f = flags(i)
        return float(f.mean()), wilson_interval(float(f.sum()), len(f))[0]

    last = len(candidates) - 1
    if scan:
        for i in range(len(candidates)):
            flags(i)
    increasing = stat(last)[0] >= stat(0)[0]
    order = list(range(len(candidates))) if increasing else list(range(last, -1, -1))

    def first(reached: Callable[[int], bool]) -> int | None:
        lo, hi = 0, len(order) - 1
        if not reached(order[hi]):
            return None
        while lo < hi:
            mid = (lo + hi) // 2
            if reached(order[mid]):
                hi = mid
            else:
                lo = mid + 1
        return order[lo]

    est = first(lambda i: stat(i)[0] >= level)
    conf = first(lambda i: stat(i)[1] >= level)
    points = [GoalPoint(candidates[i], len(f), int(f.sum())) for i, f in sorted(cache.items())]
    monotone, notes = _monotone(points, increasing, path)
    word = "smallest" if increasing else "largest"
    if est is None:
        notes.append(f"No value from {describe_value(candidates[0])} to {describe_value(candidates[-1])} reaches a "
                     f"{level:.0%} chance of meeting the target (best: "
                     f"{max(p.probability for p in points):.0%}).")
    elif conf is None:
        notes.append(f"No value in the range reaches {level:.0%} with 95% confidence; widen the range or run more "
                     "replications (--max-replications).")
    if not increasing:
        notes.append(f"The chance falls as the value rises, so the answer is the {word} value that still reaches "
                     "the level.")
    return GoalResult(path, level, increasing, candidates[est] if est is not None else None,
                      candidates[conf] if conf is not None else None, points, candidates, monotone, notes)


def _monotone(points: list[GoalPoint], increasing: bool, path: str) -> tuple[bool, list[str]]:
    """Whether the evaluated points are consistent with a monotone P, and a note when not."""
    ordered = points if increasing else points[::-1]
    for i, a in enumerate(ordered):
        for b in ordered[i + 1:]:
            if b.interval[1] < a.interval[0]:
                return False, [f"P(target met) is not monotone in {path}: {a.probability:.0%} at "
                               f"{describe_value(a.value)} but {b.probability:.0%} at {describe_value(b.value)} "
                               "(95% intervals apart); the bisection's answer may be wrong: check with "
                               "`tfsim sweep`."]
    return True, []


def goal_candidates(low: Any, high: Any, step: Any | None = None) -> list:
    """The values a goal seek searches, from ``low`` to ``high``: whole numbers, numbers or dates."""
    if isinstance(low, dt.date) and isinstance(high, dt.date):
        if high < low:
            raise WhatIfError("--max must not be before --min")
        return parse_values(f"{low}:{high}:{step or '1d'}")
    if not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in (low, high)):
        raise WhatIfError("--min and --max must both be numbers or both be dates")
    if high < low:
        raise WhatIfError("--max must be at least --min")
    if step is None:
        step = 1 if isinstance(low, int) and isinstance(high, int) else (high - low) / 32 or 1
    values = parse_values(f"{low}:{high}:{step}")
    if values[-1] != high:
        values.append(high)
    return values


def goal_seek(scenario: Scenario, path: str, low: Any, high: Any, level: float, replications: int, seed: int,
              runner: Runner, step: Any | None = None, max_replications: int | None = None,
              scan: bool = False) -> GoalResult:
    """The value of ``path`` at which the chance of meeting the scenario's target reaches ``level``.

    Replication ``i`` of every value uses the same seed, so values are compared on common
    random numbers; see :func:`seek` for the search.  ``max_replications`` defaults to
    eight times ``replications``.
    """
    if scenario.money is None or scenario.money.target is None:
        raise WhatIfError(f"scenario '{scenario.name}' sets no [money.target], so there is no chance of meeting it "
                          "to seek")
    if not 0 < level < 1:
        raise WhatIfError("--target-probability must be between 0 and 1 (e.g. 0.9)")
    candidates = goal_candidates(low, high, step)
    variants: dict[Any, Scenario] = {}
    for value in (candidates[0], candidates[-1]):
        variants[value] = make_variant(scenario, {path: value})  # a bad path fails here, before any run

    def evaluate(value: Any, start: int, stop: int) -> np.ndarray:
        if value not in variants:
            variants[value] = make_variant(scenario, {path: value})
        runs = runner.replications([variants[value]], seed, range(start, stop))[0]
        return np.array([r.summary["p_target_met"] for r in runs], dtype=float)

    started = runner.elapsed_seconds
    result = seek(evaluate, candidates, level, replications, max_replications or 8 * replications, scan, path)
    result.elapsed_seconds = runner.elapsed_seconds - started
    result.seed = seed
    return result


# ---- sensitivity -----------------------------------------------------------------------------

#: Named groups of uncertain inputs; each moves every value it covers by a factor.
GROUPS = {
    "refusal": "Refusal at first contact",
    "turnover": "Staff turnover",
    "time_to_fill": "Time to fill a post",
    "intervention_length": "Intervention length",
    "outcome_shares": "Share turned around",
    "referral_rate": "Referral rate",
}
DEFAULT_INPUTS = list(GROUPS)
_SCALED_FIELDS = ("value", "mean", "sd", "low", "mode", "high", "values")


def _scale(value: Any, factor: float) -> Any:
    """A number or a distribution (as plain data) times ``factor``: every location and spread parameter."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return max(0, round(value * factor))
    if isinstance(value, float):
        return value * factor
    if isinstance(value, dict) and "distribution" in value:
        return {k: (_scale(v, factor) if k in _SCALED_FIELDS else v) for k, v in value.items()}
    if isinstance(value, list):
        return [_scale(v, factor) for v in value]
    raise WhatIfError(f"cannot scale {value!r}")


def _workforce_paths(scenario: Scenario, key: str) -> dict[str, Any]:
    paths = {f"workforce.{key}": getattr(scenario.workforce, key)}
    for role in scenario.roles:
        if role.workforce is not None:
            paths[f"roles.{role.id}.workforce.{key}"] = getattr(role.workforce, key)
    return {p: v.model_dump(mode="python") if hasattr(v, "model_dump") else v for p, v in paths.items()}


def _group_values(scenario: Scenario, name: str) -> dict[str, Any]:
    """The base values a group moves, by path (plain data)."""
    if name == "refusal":
        return {"engagement.refusal_probability": scenario.engagement.refusal_probability}
    if name == "turnover":
        return _workforce_paths(scenario, "turnover_per_year")
    if name == "time_to_fill":
        return _workforce_paths(scenario, "time_to_fill_weeks")
    if name == "intervention_length":
        return {f"roles.{r.id}.duration_months": r.duration_months.model_dump(mode="python") for r in scenario.roles}
    if name == "referral_rate":
        out: dict[str, Any] = {f"referrals.rates.{i}.per_month": r.per_month
                               for i, r in enumerate(scenario.referrals.rates)}
        out.update({f"referrals.cohort.{i}.families": c.families for i, c in enumerate(scenario.referrals.cohort)})
        return out
    if name == "outcome_shares":
        return {f"roles.{r.id}.outcomes": r.outcomes.model_dump(mode="python") for r in scenario.roles}
    raise KeyError(name)


def _shift_outcomes(outcomes: dict, factor: float) -> dict:
    """Outcome chances with ``turned_around`` times ``factor`` (at most 1) and the others rescaled to sum to 1."""
    old = outcomes["turned_around"]
    new = min(1.0, old * factor)
    rest = 1.0 - old
    out = {k: (v * (1.0 - new) / rest if rest > 0 else 0.0) for k, v in outcomes.items() if k != "turned_around"}
    if rest <= 0:
        out["improved"] = 1.0 - new
    return {"turned_around": new, **out}


@dataclass(frozen=True)
class Input:
    """One uncertain input of a sensitivity analysis, moved between ``low`` and ``high``.

    ``scaled`` inputs (a group, or a distribution) take factors (0.8 and 1.2: 20% less and
    more); others take the values themselves.
    """

    name: str
    label: str
    base: Any
    low: Any
    high: Any
    scaled: bool

    def changes(self, scenario: Scenario, setting: Any) -> dict[str, Any]:
        """The key-path changes that put this input at ``setting`` (a factor or a value)."""
        if self.name in GROUPS:
            base = _group_values(scenario, self.name)
            if self.name == "outcome_shares":
                return {p: _shift_outcomes(v, setting) for p, v in base.items()}
            if self.name == "refusal":
                return {p: min(1.0, v * setting) for p, v in base.items()}
            if self.name == "referral_rate":
                return {p: (max(1, round(v * setting)) if isinstance(v, int) else v * setting)
                        for p, v in base.items()}
            return {p: _scale(v, setting) for p, v in base.items()}
        if self.scaled:
            return {self.name: _scale(self.base, setting)}
        return {self.name: setting}

    def setting_text(self, setting: Any) -> str:
        if self.scaled:
            return f"x{setting:g}"
        return describe_value(setting)


def make_input(scenario: Scenario, spec: str, spread: float = 0.2) -> Input:
    """An :class:`Input` from ``NAME`` or ``NAME=LOW,HIGH`` (a group name or a key path).

    Without a range a number moves by ``spread`` either way (20%); a group or a
    distribution is scaled by ``1 - spread`` and ``1 + spread``; ``LOW,HIGH`` states the
    two values (factors for a group or a distribution).
    """
    name, sep, rng = spec.partition("=")
    name = name.strip()
    given = None
    if sep:
        given = parse_values(rng)
        if len(given) != 2 or not all(isinstance(v, (int, float, dt.date)) for v in given):
            raise WhatIfError(f"--inputs '{spec}': give the range as NAME=LOW,HIGH")
    if name in GROUPS:
        values = _group_values(scenario, name)
        if not values:
            raise WhatIfError(f"--inputs '{name}': the scenario has nothing it moves")
        low, high = given if given else (1 - spread, 1 + spread)
        return Input(name, GROUPS[name], values, low, high, True)
    try:
        base = value_at(scenario, name)
    except KeyError:
        raise WhatIfError(f"--inputs '{name}': no such key path, and not one of {', '.join(GROUPS)}") from None
    scaled = isinstance(base, dict) and "distribution" in base
    if not scaled and (isinstance(base, bool) or not isinstance(base, (int, float))):
        raise WhatIfError(f"--inputs '{name}': holds {base!r}, not a number or a distribution; give it as a sweep")
    if given:
        low, high = given
    elif scaled:
        low, high = 1 - spread, 1 + spread
    else:
        low, high = _scale(base, 1 - spread), _scale(base, 1 + spread)
    return Input(name, name, base, low, high, scaled)


def _moves(scenario: Scenario, item: Input) -> bool:
    """Whether moving the input changes the scenario at all (a turnover of 0 stays 0 under +-20%)."""
    return any(item.changes(scenario, s) != item.changes(scenario, 1.0 if item.scaled else item.base)
               for s in (item.low, item.high))


@dataclass
class Tornado:
    """A one-at-a-time sensitivity analysis: each input at its low and high setting, paired against the base.

    ``table`` has one row per input, side and summary metric: ``input, side, setting,``
    then the columns of :func:`paired_table` (``variant`` is ``input:side``).
    """

    base: ExperimentResults
    inputs: list[Input]
    table: pd.DataFrame
    skipped: list[str]
    elapsed_seconds: float = 0.0

    def bars(self, metric: str) -> pd.DataFrame:
        """One row per input for ``metric``: low and high differences with their intervals, widest first."""
        t = self.table[self.table["metric"] == metric]
        rows = []
        for item in self.inputs:
            lo = t[(t["input"] == item.name) & (t["side"] == "low")]
            hi = t[(t["input"] == item.name) & (t["side"] == "high")]
            if lo.empty or hi.empty:
                continue
            lo, hi = lo.iloc[0], hi.iloc[0]
            rows.append({"input": item.name, "label": item.label, "low_setting": item.setting_text(item.low),
                         "high_setting": item.setting_text(item.high), "low": lo.diff_mean,
                         "low_ci_low": lo.diff_ci_low, "low_ci_high": lo.diff_ci_high, "high": hi.diff_mean,
                         "high_ci_low": hi.diff_ci_low, "high_ci_high": hi.diff_ci_high,
                         "low_verdict": lo.verdict, "high_verdict": hi.verdict,
                         "swing": max(abs(lo.diff_mean), abs(hi.diff_mean))})
        frame = pd.DataFrame(rows)
        return frame.sort_values("swing", ascending=False, ignore_index=True) if len(frame) else frame


def tornado(scenario: Scenario, inputs: Sequence[Input], replications: int, seed: int,
            runner: Runner) -> Tornado:
    """Each input at its low and high setting, all on the base's seeds, paired against the base.

    An input that does not move the scenario (a turnover of 0 scaled by 20%) or whose
    setting the schema refuses is skipped with the reason in :attr:`Tornado.skipped`.
    """
    kept, skipped, scenarios = [], [], []
    for item in inputs:
        if not _moves(scenario, item):
            path = next(iter(item.base)) if item.name in GROUPS else item.name
            skipped.append(f"{item.label}: moving it by the range given changes nothing (is it 0?); give its "
                           f"values, e.g. --inputs {path}=LOW,HIGH")
            continue
        try:
            pair = [make_variant(scenario, item.changes(scenario, s)) for s in (item.low, item.high)]
        except VariantError as exc:
            skipped.append(f"{item.label}: " + "; ".join(f"{p.key}: {p.message}"
                                                         for p in exc.problems))
            continue
        kept.append(item)
        scenarios += pair
    started = runner.elapsed_seconds
    runs = runner.run_many([scenario] + scenarios, replications, seed)
    frames = []
    for k, item in enumerate(kept):
        for side, setting, res in (("low", item.low, runs[1 + 2 * k]), ("high", item.high, runs[2 + 2 * k])):
            table = paired_table(runs[0], res, f"{item.name}:{side}")
            table.insert(0, "setting", item.setting_text(setting))
            table.insert(0, "side", side)
            table.insert(0, "input", item.name)
            frames.append(table)
    table = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    return Tornado(runs[0], kept, table, skipped, runner.elapsed_seconds - started)


def morris_available() -> bool:
    """Whether SALib (for Morris screening) is installed."""
    return importlib.util.find_spec("SALib") is not None


def _salib_morris():
    """SALib's Morris sampler and analyser, imported when a screening runs (SALib loads scipy.stats: 0.6 s)."""
    from SALib.analyze import morris as analyze
    from SALib.sample import morris as sample

    return sample, analyze


@dataclass
class Morris:
    """Morris elementary-effects screening: ``table`` has ``input, metric, mu, mu_star, mu_star_conf, sigma``."""

    inputs: list[Input]
    table: pd.DataFrame
    runs: int
    replications: int
    skipped: list[str]
    elapsed_seconds: float = 0.0


def morris(scenario: Scenario, inputs: Sequence[Input], replications: int, seed: int, runner: Runner,
           trajectories: int = 10, levels: int = 4, metrics: Sequence[str] | None = None) -> Morris:
    """Morris screening over the inputs' ranges (SALib): ``trajectories * (inputs + 1)`` scenarios.

    Every sampled scenario is run ``replications`` times on the same seeds and its metric
    averaged, so elementary effects compare scenarios on common random numbers.
    ``mu_star`` (mean absolute elementary effect) ranks how much an input matters over its
    range; ``sigma`` large against ``mu_star`` means interactions or a non-linear effect.
    """
    if not morris_available():
        raise WhatIfError("Morris screening needs SALib: pip install 'SALib>=1.4'")
    kept = [i for i in inputs if _moves(scenario, i)]
    skipped = [f"{i.label}: moving it by the range given changes nothing" for i in inputs if i not in kept]
    if len(kept) < 2:
        raise WhatIfError("Morris screening needs at least two inputs that move the scenario")
    dated = [i.name for i in kept if not all(isinstance(v, (int, float)) for v in (i.low, i.high))]
    if dated:
        raise WhatIfError(f"Morris screening needs numbers for the ranges; {', '.join(dated)} has dates")
    numeric = [(float(i.low), float(i.high)) for i in kept]
    problem = {"num_vars": len(kept), "names": [i.name for i in kept], "bounds": [list(b) for b in numeric]}
    salib_sample, salib_analyze = _salib_morris()
    sample = salib_sample.sample(problem, trajectories, num_levels=levels, seed=seed)
    scenarios = []
    for row in sample:
        changes: dict[str, Any] = {}
        for item, setting in zip(kept, row):
            setting = float(setting)
            if not item.scaled and isinstance(item.base, int):
                setting = int(round(setting))
            changes.update(item.changes(scenario, setting))
        try:
            scenarios.append(make_variant(scenario, changes))
        except VariantError as exc:
            raise WhatIfError(f"a Morris sample point is not a valid scenario: {exc}") from None
    started = runner.elapsed_seconds
    runs = runner.run_many(scenarios, replications, seed)
    names = metrics or [m for m in runs[0].per_replication.columns if m in SUMMARY]
    rows = []
    for name in names:
        y = np.array([float(np.nanmean(r.per_replication[name].to_numpy(dtype=float)))
                      if r.per_replication[name].notna().any() else np.nan for r in runs])
        if np.isnan(y).any():
            continue
        res = salib_analyze.analyze(problem, sample, y, num_levels=levels, seed=seed)
        for k, item in enumerate(kept):
            rows.append({"input": item.name, "low": item.low, "high": item.high, "metric": name,
                         "mu": float(res["mu"][k]), "mu_star": float(res["mu_star"][k]),
                         "mu_star_conf": float(res["mu_star_conf"][k]), "sigma": float(res["sigma"][k])})
    table = pd.DataFrame(rows, columns=["input", "low", "high", "metric", "mu", "mu_star", "mu_star_conf", "sigma"])
    return Morris(kept, table, len(scenarios), replications, skipped, runner.elapsed_seconds - started)


__all__ = ["COMPARE_COLUMNS", "Comparison", "GoalPoint", "GoalResult", "Input", "Morris", "NO_CLEAR_DIFFERENCE",
           "Sweep", "SweepPoint", "Tornado", "VariedValue", "WhatIfError", "compare", "difference_decimals",
           "expand_changes", "format_difference", "goal_candidates", "interval_text",
           "goal_seek", "interval_half_widths", "make_input", "make_variant", "morris", "morris_available",
           "paired_series", "paired_table", "parse_value", "parse_values", "parse_vary", "seek", "sweep", "tornado",
           "value_at", "varied_values", "verdict"]
