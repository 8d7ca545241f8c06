"""Clock times and calendar dates: the model's clock is in days from the scenario's ``start_date``.

:class:`Calendar` turns a scenario's span into calendar months (the monthly series'
boundaries); :func:`financial_year` names the April-to-March year a date falls in.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

from tfsim.scenario.schema import Scenario


def financial_year(date: dt.date) -> int:
    """Starting year of the financial year (April to March) containing ``date``."""
    return date.year if date.month >= 4 else date.year - 1


def date_of(scenario: Scenario, t: float) -> dt.date:
    """Calendar date of clock time ``t`` (days since the start of ``start_date``)."""
    return scenario.start_date + dt.timedelta(days=int(np.floor(t)))


def first_of_month_after(date: dt.date, months: int) -> dt.date:
    """The first day of the month ``months`` months after ``date``'s month."""
    y, m = divmod(date.month - 1 + months, 12)
    return dt.date(date.year + y, m + 1, 1)


@dataclass(frozen=True)
class Calendar:
    """Calendar months covered by a scenario, as clock boundaries in days.

    Attributes
    ----------
    labels : list of str
        Months as ``YYYY-MM``.
    bounds : numpy.ndarray
        ``len(labels) + 1`` clock times (days); month ``k`` is ``[bounds[k], bounds[k+1])``,
        and the last month ends at the horizon.
    """

    labels: list[str]
    bounds: np.ndarray

    @classmethod
    def of(cls, scenario: Scenario) -> "Calendar":
        start = scenario.start_date
        horizon = scenario.horizon_days
        labels = []
        bounds = [0.0]
        y, m = start.year, start.month
        while True:
            labels.append(f"{y:04d}-{m:02d}")
            y, m = (y + 1, 1) if m == 12 else (y, m + 1)
            nxt = float((dt.date(y, m, 1) - start).days)
            if nxt >= horizon:
                bounds.append(horizon)
                break
            bounds.append(nxt)
        return cls(labels, np.asarray(bounds))

    @property
    def ends(self) -> np.ndarray:
        """Month ends (days): where month-end stocks are read."""
        return self.bounds[1:]
