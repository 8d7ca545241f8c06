"""A run against its baseline: paired when both ran on the same seeds, and what the cards and chart say.

Two runs with the same seed and number of replications share their random numbers run
by run (common random numbers), so :func:`tfsim.whatif.paired_table` judges each
difference with a 95% interval and :func:`tfsim.whatif.verdict` calls it better or worse
only when that interval leaves out zero.  Runs on other seeds cannot be paired: the cards
then say so and give no verdict.  No statistics are done here; this module only words
what :mod:`tfsim.whatif` finds (no Qt).
"""

from __future__ import annotations

import math
import textwrap
from dataclasses import dataclass

import pandas as pd

import tfsim.charts as charts
from tfsim import whatif
from tfsim.catalogue import SUMMARY

#: The monthly series the Difference chart draws.
DIFFERENCE_METRIC = "turned_around_cumulative"
VARIANT_LABEL = "This run"
YLABEL_CHARS = 28  # characters of the Difference chart's axis label before it wraps


class ChartUnavailable(Exception):
    """A chart that cannot be drawn for these runs; the message says why, in words."""


def same_seeds(results, baseline) -> bool:
    """Whether two runs used the same seed and number of replications, so they can be paired."""
    return results.seed == baseline.seed and results.replications == baseline.replications


@dataclass
class Pairing:
    """A run and its baseline; ``table`` is their :func:`~tfsim.whatif.paired_table` when they pair."""

    results: object
    baseline: object
    table: pd.DataFrame | None

    @property
    def paired(self) -> bool:
        return self.table is not None

    @property
    def reason(self) -> str:
        """Why the two runs are not paired ("" when they are)."""
        if self.paired:
            return ""
        b, r = self.baseline, self.results
        return (f"The baseline ran {b.replications} runs on seed {b.seed} and this run {r.replications} runs on seed "
                f"{r.seed}, so their differences cannot be judged run by run: they are shown without an interval.")

    def row(self, metric: str) -> pd.Series | None:
        if self.table is None:
            return None
        hit = self.table[self.table["metric"] == metric]
        return hit.iloc[0] if len(hit) else None

    def comparison(self) -> whatif.Comparison:
        """The two runs as a :class:`~tfsim.whatif.Comparison` for :func:`tfsim.charts.plot_difference`."""
        if not self.paired:
            raise ChartUnavailable("The difference over time needs the baseline run on this run's seeds. "
                                   + self.reason)
        if list(self.results.months) != list(self.baseline.months):
            raise ChartUnavailable("The baseline covers other months than this run, so their difference over time "
                                   "cannot be drawn; the cards still compare the totals.")
        return whatif.Comparison(self.baseline, [(VARIANT_LABEL, self.results)], self.table)


def pair(results, baseline) -> Pairing | None:
    """The pairing of a run with its baseline (None without both)."""
    if results is None or baseline is None:
        return None
    table = whatif.paired_table(baseline, results, VARIANT_LABEL) if same_seeds(results, baseline) else None
    return Pairing(results, baseline, table)


@dataclass(frozen=True)
class CardDifference:
    """What a card says about the difference from the baseline.

    ``tone`` is ``"better"``, ``"worse"`` or ``"neutral"`` (the colour; the words say it too).
    """

    text: str
    detail: str
    tone: str
    tooltip: str


def card_difference(pairing: Pairing, name: str) -> CardDifference | None:
    """The difference line of the card of summary metric ``name`` (None when there is no figure)."""
    metric = SUMMARY[name]
    if not pairing.paired:
        if not (pairing.results.has_summary(name) and pairing.baseline.has_summary(name)):
            return None
        diff = pairing.results.value(name) - pairing.baseline.value(name)
        if math.isnan(diff):
            return None
        return CardDifference(f"{whatif.format_difference(metric, diff)} vs baseline (not paired)",
                              "no interval: the runs used different seeds", "neutral", pairing.reason)
    row = pairing.row(name)
    if row is None or math.isnan(row.diff_mean):
        return None
    both = (f"This run {metric.format(row.variant_mean)}, the baseline {metric.format(row.baseline_mean)}: a "
            f"difference of {whatif.format_difference(metric, row.diff_mean)} "
            f"({whatif.interval_text(metric, row.diff_ci_low, row.diff_ci_high)}).")
    how = (f"Both ran {pairing.results.replications} runs on seed {pairing.results.seed}, so the difference is taken "
           "run by run; when its 95% interval includes zero it may be chance, and the card says "
           f"'{whatif.NO_CLEAR_DIFFERENCE}'.")
    if not math.isnan(row.p_better):
        how += f" This run was better in {row.p_better:.0%} of the runs."
    tooltip = f"{metric.title}\n{both}\n{how}"
    if row.verdict == whatif.NO_CLEAR_DIFFERENCE:
        same = row.diff_ci_low == row.diff_ci_high == 0
        return CardDifference("No clear difference",
                              "the same in every run" if same else
                              whatif.interval_text(metric, row.diff_ci_low, row.diff_ci_high), "neutral", tooltip)
    tone = row.verdict if row.verdict in ("better", "worse") else "neutral"
    return CardDifference(f"{whatif.format_difference(metric, row.diff_mean)} vs baseline ({row.verdict})",
                          whatif.interval_text(metric, row.diff_ci_low, row.diff_ci_high), tone, tooltip)


def plot_difference_tab(ax, results, baseline=None) -> None:
    """This run minus its baseline over time, with the 95% band (:func:`tfsim.charts.plot_difference`)."""
    pairing = pair(results, baseline)
    if pairing is None:
        raise ChartUnavailable("Pin a baseline (or run another scenario file as the baseline) to see the "
                               "difference over time.")
    charts.plot_difference(ax, pairing.comparison(), DIFFERENCE_METRIC)
    ax.set_ylabel("\n".join(textwrap.wrap(ax.get_ylabel(), YLABEL_CHARS)))  # the app's charts are short

