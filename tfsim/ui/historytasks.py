"""The History view's background jobs and what their answers say (no widgets).

:class:`BacktestJob` and :class:`CalibrateJob` are callables ``job(runner)`` for
:class:`~tfsim.ui.worker.JobController`, like the What-if jobs of :mod:`tfsim.ui.tasks`: they call
:func:`tfsim.backtest.backtest` and :func:`tfsim.calibrate.calibrate` on the window's one warm
runner.  The functions after them turn an answer into the rows of the view's tables, and a
calibration into the edits that accept it into the scenario being edited.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from tfsim import whatif
from tfsim.backtest import Backtest, backtest
from tfsim.calibrate import Calibration, FitValue, annotate_toml, calibrate, change_comments, header_lines
from tfsim.calibrate import parse_fit
from tfsim.catalogue import HISTORY
from tfsim.history import History
from tfsim.scenario.schema import Scenario

from .tasks import Row, point_edits

#: Replications a backtest runs unless changed.
BACKTEST_REPLICATIONS = 50


@dataclass(frozen=True)
class FitChoice:
    """A value the Calibrate form offers: a group of values (by a factor) or one number of the scenario."""

    path: str
    text: str
    help: str = ""


def fit_choices(scenario: Scenario) -> list[FitChoice]:
    """The groups (by a factor on their values) then every number of the scenario, as the form lists them."""
    out = [FitChoice(name, f"{label} (factor on the scenario's values)", "Every value it covers, moved by one factor.")
           for name, label in whatif.GROUPS.items()]
    out += [FitChoice(v.path, v.text, v.help) for v in whatif.varied_values(scenario)]
    return out


def default_range(scenario: Scenario, path: str) -> tuple[float, float]:
    """The prior range ``--fit PATH`` would take (half to one and a half times the value), or (0, 1) for a zero."""
    try:
        f = parse_fit(scenario, path)
    except ValueError:
        return 0.0, 1.0
    return f.low, f.high


@dataclass
class BacktestJob:
    """The scenario over the history's months, every counted series compared."""

    scenario: Scenario
    history: History
    replications: int
    seed: int
    kind: str = field(default="backtest", init=False)

    def __call__(self, runner) -> Backtest:
        return backtest(self.scenario, self.history, self.replications, self.seed, runner)


@dataclass
class CalibrateJob:
    """The chosen values fitted to the history by ABC-SMC, checked on the months held out."""

    scenario: Scenario
    history: History
    fits: list[FitValue]
    particles: int
    generations: int
    holdout: float
    seed: int
    check_replications: int = 50
    pilot: int = 20
    kind: str = field(default="calibrate", init=False)

    def __call__(self, runner) -> Calibration:
        return calibrate(self.scenario, self.history, self.fits, runner, particles=self.particles,
                         generations=self.generations, holdout=self.holdout, seed=self.seed,
                         check_replications=self.check_replications, pilot=self.pilot)


def _percent(value: float) -> str:
    return "n/a" if value is None or math.isnan(value) else f"{value:.0%}"


def series_title(scenario: Scenario | None, key: tuple[str, str]) -> str:
    """A history series in words: ``Waiting list``, ``Staff in post (FIP Light (Project Salus))``."""
    name, role = key
    metric = HISTORY[name]
    if not role:
        return metric.title
    labels = {r.id: r.label for r in scenario.roles} if scenario is not None else {}
    return metric.titled(labels.get(role, role))


def history_text(history: History, scenario: Scenario | None = None) -> str:
    """One line on an imported history: its months and the series it counts, in words."""
    series = ", ".join(series_title(scenario, k) for k in history.series)
    return (f"{history.name}: {len(history.months)} months ({history.months[0]} to {history.months[-1]}); "
            f"{len(history.series)} series: {series}")


def backtest_table(bt: Backtest) -> tuple[list[str], list[Row]]:
    """Headers and rows: each counted series with its error, share in the band and whether it fits."""
    rows = []
    for s in bt.series:
        metric = HISTORY[s.key[0]]
        title = series_title(bt.scenario, s.key)
        mae = metric.format(s.mae, decimals=metric.decimals + 1)
        verdict = "fits" if s.fits else "does not fit"
        rows.append(Row([title, str(len(s.months)), mae, _percent(s.mape), _percent(s.share_inside), verdict],
                        f"{s.label}: mean absolute error {mae} (the run's mean against each month counted); mean "
                        f"percentage error (MAPE) {_percent(s.mape)} over the {s.mape_months} months above zero; "
                        f"{_percent(s.share_inside)} of {len(s.months)} months in the band of 90% of runs (a run "
                        f"of the model itself: at least {_percent(s.runs_share_p05)} in 95% of cases); the chance "
                        f"of a run of the model being as far out, p = {s.p_value:.3f}", {"series": s.label}))
    return ["Series", "Months", "Mean error", "Mean % error", "In 90% band", "Check"], rows


def calibration_table(cal: Calibration) -> tuple[list[str], list[Row]]:
    """Headers and rows: each fitted value as written, fitted, its 90% interval and prior, pinned or not."""
    rows = []
    for k, f in enumerate(cal.fits):
        low, high = cal.interval(k)
        pinned = "yes" if cal.pinned(k) else "no: the history cannot pin it down"
        rows.append(Row([f.label, f.text(f.base), f.text(cal.point(k)), f"{f.text(low)} to {f.text(high)}",
                         f"{f.text(f.low)} to {f.text(f.high)}", pinned],
                        f"{f.label}\nKey path: {f.path}\n90% credible interval {f.text(low)} to {f.text(high)}, "
                        f"{cal.width_share(k):.0%} of the prior's range", {"index": k}))
    return ["Value", "As written", "Fitted", "90% interval", "Range tried", "Pinned down?"], rows


def calibration_summary(cal: Calibration) -> list[str]:
    """The calibration in sentences: what was fitted on, and the hold-out check."""
    lines = [f"Fitted on {len(cal.fit_months)} months ({cal.fit_months[0]} to {cal.fit_months[-1]}) by "
             f"approximate Bayesian computation: {len(cal.particles)} value sets kept after "
             f"{len(cal.generations) - 1} round(s), {cal.replications_run:,} runs ({cal.elapsed_seconds:.1f} s)."]
    if cal.before is not None and cal.after is not None:
        def title(b):
            return series_title(cal.scenario, b.key).lower()

        better = [title(b) for b in cal.before.series if cal.after.fit(b.label).mae < b.mae - 1e-9]
        worse = [title(b) for b in cal.before.series if cal.after.fit(b.label).mae > b.mae + 1e-9]
        lines.append(f"On the {len(cal.holdout_months)} months held out ({cal.holdout_months[0]} to "
                     f"{cal.holdout_months[-1]}) the fitted scenario's error is lower for "
                     f"{', '.join(better) or 'no series'}" + (f" and higher for {', '.join(worse)}." if worse else "."))
    lines += cal.notes
    return lines


def accept_edits(data: dict, cal: Calibration) -> list[tuple[tuple, Any]]:
    """The edits of the editor's data (key path as a tuple, value) that put the fitted values in."""
    return point_edits(data, cal.changes)


def annotated_source(source: str | None, cal: Calibration) -> str | None:
    """The file text the editor saves over, with the fitted values and a FITTED comment beside each."""
    if not source:
        return None
    return annotate_toml(source, cal.changes, change_comments(cal), cal.scenario, header_lines(cal))


__all__ = ["BACKTEST_REPLICATIONS", "BacktestJob", "CalibrateJob", "FitChoice", "accept_edits", "annotated_source",
           "backtest_table", "calibration_summary", "calibration_table", "default_range", "fit_choices"]
