"""Payment-by-results fees: a family's attachment fee and results payment.

A fee depends only on the financial year in which the family was attached, so a
:class:`FeeSchedule` works the fees out once per financial year of the run and finds a
clock time's year by bisection (one call per claim, not a calendar conversion and two
roundings), or for many times at once with NumPy.
"""

from __future__ import annotations

import datetime as dt
from bisect import bisect_right

import numpy as np

from tfsim.scenario.schema import Money, Scenario

from .calendar import date_of, financial_year


class FeeSchedule:
    """Attachment fee and results payment of a family, by financial year of attachment (£).

    Parameters
    ----------
    money : Money
        The scenario's ``[money]`` section.
    scenario : Scenario, optional
        The scenario: given, the fees of every financial year its run touches are worked out
        up front for :meth:`fees_at` and :meth:`attachment_fees`.
    """

    def __init__(self, money: Money, scenario: Scenario | None = None):
        self.fee = money.resolved("fee_per_family_gbp")
        self.by_year = {int(k): v for k, v in money.resolved("attachment_share_by_year").items()}
        self.share = money.resolved("attachment_share")
        self.funded = money.resolved("families_funded_share")
        self.ptw = round(money.resolved("progress_to_work_gbp") * self.funded, 2)
        self.scenario = scenario
        self._horizon = scenario.horizon_days if scenario is not None else 0.0
        #: clock times (days) at which each financial year of the run starts, the first at or before 0
        self.year_starts: list[float] = []
        #: (attachment, results) in £ of each of those years
        self.year_fees: list[tuple[float, float]] = []
        #: the results payment less progress to work (£, to the penny): a progress result's claim
        self.year_progress: list[float] = []
        if scenario is not None:
            first, last = financial_year(scenario.start_date), financial_year(scenario.end_date)
            for year in range(first, last + 1):
                self.year_starts.append(scenario.day_of(dt.date(year, 4, 1)) if year > first else -np.inf)
                self.year_fees.append(self.fees(year))
                self.year_progress.append(round(self.year_fees[-1][1] - self.ptw, 2))
        self._attachment = np.asarray([a for a, _ in self.year_fees], dtype=float)

    def fees(self, year: int) -> tuple[float, float]:
        """(attachment, results) in £ for a family attached in financial year ``year``, to the penny."""
        share = self.by_year.get(year, self.share)
        fee = self.fee * self.funded
        attachment = round(fee * share, 2)
        return attachment, round(fee - attachment, 2)

    def fees_attached_at(self, scenario: Scenario, started: float) -> tuple[float, float]:
        """(attachment, results) in £ for a family whose first intervention started at clock ``started``."""
        return self.fees(financial_year(date_of(scenario, started)))

    def fees_at(self, started: float) -> tuple[float, float]:
        """:meth:`fees_attached_at` of the schedule's scenario, from the table (a time in the run, days).

        The year of day ``floor(t)`` is the last whose 1 April is at or before it; 1 April
        falls on a whole day, so comparing ``t`` itself gives the same year.
        """
        i = bisect_right(self.year_starts, started) - 1
        if 0 <= i < len(self.year_fees) and started < self._horizon:
            return self.year_fees[i]
        return self.fees_attached_at(self.scenario, started)

    def attachment_fees(self, started: np.ndarray) -> np.ndarray:
        """Attachment fee (£) of each family first attached at ``started`` (days, within the run)."""
        i = np.searchsorted(np.asarray(self.year_starts), started, side="right") - 1
        return self._attachment[i]
