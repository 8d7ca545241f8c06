"""The outlook for a scenario's target, in the words a manager needs.

The scenario's ``[money.target]`` asks for ``families`` claims (or families turned around)
by a deadline.  From the replications of a run this module works out how many are expected
by the deadline and how far short that falls, when the target is reached, the chance of
meeting it with its interval, and whether staffing is the constraint at all.  The CLI
summary and the app's target card both show :meth:`TargetOutlook.sentences`.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

import numpy as np

Z95 = 1.959964


def wilson_interval(successes: float, n: int, z: float = Z95) -> tuple[float, float]:
    """Wilson score interval of a proportion (sensible even at 0 or n successes)."""
    if n <= 0:
        return float("nan"), float("nan")
    p = successes / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * ((p * (1 - p) / n + z * z / (4 * n * n)) ** 0.5) / (1 + z * z / n)
    return max(0.0, centre - half), min(1.0, centre + half)


def _pct(p: float) -> str:
    return f"{p:.0%}" if not math.isnan(p) else "n/a"


@dataclass(frozen=True)
class TargetOutlook:
    """What the runs say about the target.

    Attributes
    ----------
    families : int
        The target: this many claims (or families turned around) ...
    what : str
        ... of this: ``"claims"`` or ``"families turned around"`` ...
    deadline : datetime.date
        ... by the end of this day.
    runs : int
        Replications.
    met : int
        Runs that met the target by the deadline.
    probability, probability_low, probability_high : float
        Share of runs that met it, with its 95% Wilson interval.
    expected, expected_p05, expected_p95 : float
        Claims (or families turned around) by the deadline: mean over runs and the 5th and 95th
        percentiles across runs.
    shortfall, shortfall_p05, shortfall_p95 : float
        How many short of the target the runs fall by the deadline (0 for a run that meets it).
    closest_gap : float
        Target less the best run's count at the deadline (negative: the best run exceeded it).
    reached_share : float
        Share of runs that reach the target within the run, deadline or not.
    reached_median, reached_p90 : datetime.date or None
        Date by which half and 90% of the runs reach the target; None when fewer runs reach it
        within the run.
    never_waited : bool
        The waiting list was empty all the time in every run: families never waited for a key
        worker, so more staff cannot turn more families around.
    """

    families: int
    what: str
    deadline: dt.date
    runs: int
    met: int
    probability: float
    probability_low: float
    probability_high: float
    expected: float
    expected_p05: float
    expected_p95: float
    shortfall: float
    shortfall_p05: float
    shortfall_p95: float
    closest_gap: float
    reached_share: float
    reached_median: dt.date | None
    reached_p90: dt.date | None
    never_waited: bool

    def headline(self) -> str:
        """One line for a card: expected by the deadline against the target."""
        return f"{self.expected:,.0f} of {self.families:,} {self.what} expected by {self.deadline:%-d %b %Y}"

    def sentences(self) -> list[str]:
        """The outlook as plain sentences, most important first."""
        out = [f"Target: {self.families:,} {self.what} by {self.deadline:%-d %B %Y}."]
        expected = (f"Expected by the deadline: {self.expected:,.0f} {self.what} (9 runs in 10: "
                    f"{self.expected_p05:,.0f} to {self.expected_p95:,.0f})")
        if self.shortfall >= 0.5:
            expected += (f", on average {self.shortfall:,.0f} short of the target (9 runs in 10: "
                         f"{self.shortfall_p05:,.0f} to {self.shortfall_p95:,.0f} short).")
        else:
            expected += "."
        out.append(expected)
        chance = (f"Chance of meeting it: {_pct(self.probability)} (met in {self.met} of {self.runs} runs; "
                  f"95% interval {_pct(self.probability_low)} to {_pct(self.probability_high)})")
        if self.met == 0:
            chance += f"; no run met it: the closest was {self.closest_gap:,.0f} short."
        elif self.met == self.runs:
            spare = self.families - self.expected_p05
            chance += (f"; every run met it, 9 runs in 10 with {-spare:,.0f} or more to spare." if spare < 0
                       else "; every run met it.")
        else:
            chance += "."
        out.append(chance)
        if self.reached_share == 0:
            out.append("No run reaches the target before the run ends.")
        elif self.reached_median is None:
            out.append(f"Only {self.reached_share:.0%} of runs reach the target before the run ends, too few "
                       "for a date.")
        else:
            when = f"Reached: half the runs by {self.reached_median:%-d %b %Y}"
            when += (f", 90% of them by {self.reached_p90:%-d %b %Y}." if self.reached_p90 is not None
                     else f"; only {self.reached_share:.0%} of runs reach it within the run.")
            out.append(when)
        if self.never_waited:
            out.append("No family waited for a key worker in any run: staffing is not the constraint, so more "
                       "staff would not reach the target sooner.")
        return out


#: What the app and the CLI say when no family ever waited (see :func:`never_waited`).
NEVER_WAITED_TEXT = ("No family waited for a key worker in any run: staff were free whenever a family was ready, "
                     "so extra staff cannot help here.")


def never_waited(results) -> bool:
    """Whether the waiting list stayed empty all the time in every replication of a run.

    Then no family ever waited for a key worker: the referrals, not the staff, limit what
    the programme achieves, and more staff cannot turn more families around or sooner.

    Parameters
    ----------
    results : tfsim.experiment.ExperimentResults
        A run whose per-replication table has ``peak_waiting_list`` (families).

    Returns
    -------
    bool
        False when the run does not report the waiting list or has no replications.
    """
    runs = results.per_replication
    if "peak_waiting_list" not in runs or len(runs) == 0:
        return False
    peaks = runs["peak_waiting_list"].to_numpy(dtype=float)
    return bool(np.all(peaks <= 0))


def target_outlook(results) -> TargetOutlook | None:
    """The outlook of a run's target, or None when the scenario sets none.

    Parameters
    ----------
    results : tfsim.experiment.ExperimentResults
        A run whose per-replication table has ``p_target_met``, ``target_met_date_p50`` (day
        reached, NaN if never) and ``target_count_at_deadline``.
    """
    scenario = results.scenario
    money = scenario.money
    runs = results.per_replication
    if money is None or money.target is None or "target_count_at_deadline" not in runs:
        return None
    t = money.target
    n = len(runs)
    met_flags = runs["p_target_met"].to_numpy(dtype=float)
    met = int(np.nansum(met_flags))
    low, high = wilson_interval(met, n)
    count = runs["target_count_at_deadline"].to_numpy(dtype=float)
    short = np.maximum(0.0, t.families - count)
    day = runs["target_met_date_p50"].to_numpy(dtype=float)
    day = np.where(np.isnan(day), np.inf, day)  # never within the run: later than any date

    def date_at(q: float) -> dt.date | None:
        v = float(np.quantile(day, q, method="inverted_cdf"))
        return scenario.start_date + dt.timedelta(days=int(v)) if math.isfinite(v) else None

    return TargetOutlook(
        families=t.families, what=t.counted,
        deadline=t.deadline, runs=n, met=met, probability=met / n if n else float("nan"),
        probability_low=low, probability_high=high,
        expected=float(count.mean()), expected_p05=float(np.percentile(count, 5)),
        expected_p95=float(np.percentile(count, 95)),
        shortfall=float(short.mean()), shortfall_p05=float(np.percentile(short, 5)),
        shortfall_p95=float(np.percentile(short, 95)),
        closest_gap=float(t.families - count.max()),
        reached_share=float(np.mean(np.isfinite(day))),
        reached_median=date_at(0.5), reached_p90=date_at(0.9),
        never_waited=never_waited(results),
    )
