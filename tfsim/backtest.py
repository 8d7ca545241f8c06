"""Backtest: a scenario's simulated months set beside the council's own counts.

:func:`backtest` runs a scenario over the months of a history (:mod:`tfsim.history`) and, for
every series the council counted, compares each counted month with the run's band:

* the error of the run's mean, as the mean absolute error (MAE, in the series' unit) and the
  mean absolute percentage error (MAPE, over the months with a count above zero);
* the share of counted months inside the band holding 90% of runs (5th to 95th percentile);
* a predictive check of two figures against runs of the model itself: the MAE (each
  replication in turn is held out and scored as if it were the history, against the mean of
  the rest), which catches months scattered too widely, and the series' total over the months
  counted (its mean level, for a stock), which catches a steady bias that monthly noise hides.
  Each gives the chance of a run being at least as far out as the history (the total
  two-sided), from a normal approximation to the runs' spread of the figure (both are sums
  over many months), so the p-value is not limited by the number of runs; the series'
  p-value is twice the smaller, at most 1.  A history the model could have produced
  gives p-values spread evenly between 0 and 1.  A series is flagged as not fitting when its
  p-value, adjusted for the number of series checked (Holm's method), is below 0.05: the
  months counted are not what this scenario produces.

Because runs are paired on their seeds (:class:`~tfsim.experiment.Runner`), two scenarios
backtested with the same seed differ in their errors by their values, not by luck.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy.special import ndtr

from tfsim.catalogue import HISTORY
from tfsim.experiment import ExperimentResults, Runner
from tfsim.history import History, SeriesKey, aligned, check_against, results_getter, scenario_over, simulated
from tfsim.history import HistoryError
from tfsim.scenario.schema import Scenario

#: Coverage of the band (5th to 95th percentile of runs).
BAND = 0.90
#: A series whose predictive-check p-value is below this is flagged as not fitting.
FLAG_P = 0.05
#: Most replications scored in turn for the predictive check.
MAX_CHECK_REPLICATIONS = 400

BACKTEST_COLUMNS = ["series", "month", "observed", "mean", "p05", "p50", "p95", "inside_90"]
ERROR_COLUMNS = ["series", "months", "mae", "mape", "mape_months", "share_inside_90", "runs_share_inside_90_p05",
                 "p_mae", "p_total", "p_value", "fits"]


@dataclass
class SeriesFit:
    """One counted series against the run.

    Attributes
    ----------
    key : (str, str)
        ``(series, role)``.
    months : list of str
        The months counted (and simulated).
    observed, mean, p05, p50, p95 : numpy.ndarray
        The council's counts and the run's mean and percentiles in those months.
    mae : float
        Mean absolute error of the run's mean, in the series' unit.
    mape : float
        Mean absolute percentage error (0.12 is 12%) over the ``mape_months`` months whose count
        is above zero; NaN when none is.
    share_inside : float
        Share of the months inside the 90% band.
    runs_share_p05 : float
        The 5th percentile of the same share for runs of the model scored in turn: a history
        from this model is inside the band at least this often in 95% of cases.
    p_mae, p_total : float
        The chance of a run of the model with an MAE against the rest at least the history's;
        and (two-sided) with a total over the months counted as far from the mean as the
        history's (normal approximations to the runs' spread).
    p_value : float
        ``min(1, 2 * min(p_mae, p_total))``.
    fits : bool
        False when the series is flagged (set by :func:`compare`, adjusting for every series).
    """

    key: SeriesKey
    months: list[str]
    observed: np.ndarray
    mean: np.ndarray
    p05: np.ndarray
    p50: np.ndarray
    p95: np.ndarray
    mae: float
    mape: float
    mape_months: int
    share_inside: float
    runs_share_p05: float
    p_mae: float
    p_total: float
    fits: bool = True

    @property
    def p_value(self) -> float:
        if math.isnan(self.p_mae) or math.isnan(self.p_total):
            return float("nan")
        return min(1.0, 2 * min(self.p_mae, self.p_total))

    @property
    def label(self) -> str:
        name, role = self.key
        return f"{name}.{role}" if role else name

    @property
    def metric(self):
        return HISTORY[self.key[0]]

    @property
    def inside(self) -> np.ndarray:
        return (self.observed >= self.p05 - 1e-9) & (self.observed <= self.p95 + 1e-9)


@dataclass
class Backtest:
    """A scenario's run beside a history: one :class:`SeriesFit` for each counted series."""

    results: ExperimentResults
    history: History
    series: list[SeriesFit]
    months: list[str]
    not_compared: list[str] = field(default_factory=list)

    @property
    def base(self) -> ExperimentResults:
        """The run (what an export's provenance describes)."""
        return self.results

    @property
    def scenario(self) -> Scenario:
        return self.results.scenario

    def fit(self, label: str) -> SeriesFit:
        """The series called ``label`` (``referrals``, ``fte_in_post.fip``)."""
        return next(s for s in self.series if s.label == label)

    @property
    def flagged(self) -> list[SeriesFit]:
        """The series the history does not fit."""
        return [s for s in self.series if not s.fits]

    def table(self) -> pd.DataFrame:
        """``backtest.csv``: each counted month of each series, observed against the run's band."""
        rows = []
        for s in self.series:
            for i, month in enumerate(s.months):
                rows.append((s.label, month, s.observed[i], s.mean[i], s.p05[i], s.p50[i], s.p95[i],
                             bool(s.inside[i])))
        return pd.DataFrame(rows, columns=BACKTEST_COLUMNS)

    def errors(self) -> pd.DataFrame:
        """``backtest-errors.csv``: each series' MAE, MAPE, share inside the band and predictive check."""
        rows = [(s.label, len(s.months), s.mae, s.mape, s.mape_months, s.share_inside, s.runs_share_p05, s.p_mae,
                 s.p_total, s.p_value, s.fits) for s in self.series]
        return pd.DataFrame(rows, columns=ERROR_COLUMNS)


def _mae(observed: np.ndarray, mean: np.ndarray) -> float:
    return float(np.mean(np.abs(observed - mean))) if len(observed) else float("nan")


def _mape(observed: np.ndarray, mean: np.ndarray) -> tuple[float, int]:
    positive = observed > 0
    n = int(np.count_nonzero(positive))
    if not n:
        return float("nan"), 0
    return float(np.mean(np.abs(observed[positive] - mean[positive]) / observed[positive])), n


def _inside(values: np.ndarray, low: np.ndarray, high: np.ndarray) -> np.ndarray:
    return (values >= low - 1e-9) & (values <= high + 1e-9)


def _runs_scored(runs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each replication scored as if it were the history: its MAE against the others' mean, its share in their band."""
    n = min(len(runs), MAX_CHECK_REPLICATIONS)
    if n < 3:
        return np.full(0, np.nan), np.full(0, np.nan)
    runs = runs[:n]
    total = runs.sum(axis=0)
    maes, shares = np.empty(n), np.empty(n)
    for r in range(n):
        rest = np.delete(runs, r, axis=0)
        mean = (total - runs[r]) / (n - 1)
        low, high = np.percentile(rest, [5, 95], axis=0)
        maes[r] = np.mean(np.abs(runs[r] - mean))
        shares[r] = np.mean(_inside(runs[r], low, high))
    return maes, shares


def compare(results: ExperimentResults, history: History, months: list[str] | None = None) -> Backtest:
    """Set ``results`` beside ``history``, over ``months`` (default: every month of the history the run covers)."""
    run_months, where = aligned(history, results.months)
    keep = set(months) if months is not None else None
    pick = [i for i, m in enumerate(run_months) if keep is None or m in keep]
    run_months, where = [run_months[i] for i in pick], where[pick]
    index = [history.months.index(m) for m in run_months]
    not_compared = [m for m in history.months if m not in set(results.months) and (keep is None or m in keep)]
    get = results_getter(results)
    fits = []
    for key in history.series:
        observed_all = history.values[key][index]
        counted = ~np.isnan(observed_all)
        if not counted.any():
            continue
        runs = simulated(get, key)[:, where[counted]]
        observed = observed_all[counted]
        mean = runs.mean(axis=0)
        p05, p50, p95 = np.percentile(runs, [5, 50, 95], axis=0)
        mae = _mae(observed, mean)
        mape, mape_months = _mape(observed, mean)
        share = float(np.mean(_inside(observed, p05, p95)))
        maes, shares = _runs_scored(runs)
        # a figure that never varies may still differ by the rounding of the file (staff in post to 0.01 FTE)
        tol = 0.005 if HISTORY[key[0]].unit == "fte" else 1e-6
        p_mae = _upper_p(maes, mae, tol)
        totals = runs.sum(axis=1)
        total = float(observed.sum())
        tol *= len(observed)
        p_total = min(1.0, 2 * min(_upper_p(totals, total, tol), _upper_p(-totals, -total, tol)))
        runs_share = float(np.percentile(shares, 5)) if len(shares) else float("nan")
        fits.append(SeriesFit(key, [m for m, c in zip(run_months, counted) if c], observed, mean, p05, p50, p95, mae,
                              mape, mape_months, share, runs_share, p_mae, p_total))
    for s, flagged in zip(fits, holm([s.p_value for s in fits], FLAG_P)):
        s.fits = not flagged
    return Backtest(results, history, fits, run_months, not_compared)


def _upper_p(reference: np.ndarray, value: float, tol: float) -> float:
    """The chance of a figure at least ``value`` when figures spread as ``reference`` (a normal approximation).

    A figure that never varies (staff in post on a fixed plan) gives 1 when ``value`` is at
    most its value plus ``tol`` and 0 above it.
    """
    reference = reference[~np.isnan(reference)]
    if len(reference) < 3:
        return float("nan")
    mean, sd = float(reference.mean()), float(reference.std(ddof=1))
    if sd <= 1e-9 * max(1.0, abs(mean)):
        return 1.0 if value <= mean + tol else 0.0
    return float(ndtr(-(value - mean) / sd))


def holm(p_values: list[float], level: float) -> list[bool]:
    """Which hypotheses Holm's step-down method rejects at ``level`` (NaN p-values are never rejected)."""
    order = sorted((p, i) for i, p in enumerate(p_values) if not math.isnan(p))
    rejected = [False] * len(p_values)
    for rank, (p, i) in enumerate(order):
        if p > level / (len(order) - rank):
            break
        rejected[i] = True
    return rejected


def backtest(scenario: Scenario, history: History, replications: int, seed: int, runner: Runner,
             months: list[str] | None = None) -> Backtest:
    """Run ``scenario`` over the history's months and compare every counted series.

    The scenario runs to the end of the history's last month (:func:`tfsim.history.scenario_over`);
    a history the scenario cannot be set beside (a role it lacks, claims without money, months
    before it starts) raises :class:`~tfsim.history.HistoryError` before any run.
    """
    problems = check_against(history, scenario)
    if problems:
        raise HistoryError(history.filename, problems)
    run = runner.run(scenario_over(scenario, history.months), replications, seed)
    return compare(run, history, months)


# ---- in words ---------------------------------------------------------------------------------


def percent(value: float) -> str:
    return "n/a" if value is None or (isinstance(value, float) and math.isnan(value)) else f"{value:.0%}"


def series_line(s: SeriesFit) -> str:
    """One series' errors in a line, in its own unit."""
    metric = s.metric
    mae = metric.format(s.mae, decimals=metric.decimals + 1)
    verdict = "fits" if s.fits else "DOES NOT FIT"
    check = f"p = {s.p_value:.2f}" if not math.isnan(s.p_value) else "p n/a"
    return (f"{s.label:<24} {len(s.months):>6} {mae:>16} {percent(s.mape):>6} {percent(s.share_inside):>7} "
            f"{percent(s.runs_share_p05):>10}   {check:<9} {verdict}")


def format_backtest(bt: Backtest) -> str:
    """The backtest in words: a line a series, then what the flags mean."""
    r = bt.results
    lines = [f"{r.scenario.name} against {bt.history.name}: {len(bt.months)} months, {r.replications} runs, seed "
             f"{r.seed}, {r.elapsed_seconds:.1f} s", "",
             f"{'series':<24} {'months':>6} {'mean abs. error':>16} {'MAPE':>6} {'in 90%':>7} {'runs: 5th%':>10}   "
             "check"]
    lines += [series_line(s) for s in bt.series]
    lines += ["", "in 90%: share of the months counted inside the band of 90% of runs; runs: 5th%: a run of the model "
              "itself is inside at least that often in 95% of cases. check: p, the chance of a run of the model being "
              "as far out as the history (in its monthly error or its total); a series does not fit when p, "
              f"adjusted for the {len(bt.series)} series checked, is below {FLAG_P}."]
    if bt.flagged:
        lines.append(f"Does not fit: {', '.join(s.label for s in bt.flagged)}. The history is not what this scenario "
                     "produces: check the scenario's figures for these series (tfsim calibrate can fit them).")
    else:
        lines.append("Every series counted is within what the scenario produces.")
    if bt.not_compared:
        lines.append(f"Not compared: {len(bt.not_compared)} month(s) after the scenario ends "
                     f"({bt.not_compared[0]} to {bt.not_compared[-1]}).")
    return "\n".join(lines)


__all__ = ["BACKTEST_COLUMNS", "Backtest", "ERROR_COLUMNS", "FLAG_P", "SeriesFit", "backtest", "compare",
           "format_backtest", "series_line"]
