"""Claim timelines for payment by results.

A :class:`ClaimsBook` is built when the scenario has a ``[money]`` section.  It listens to
the case flow's ``on_turned_around`` and, for each family turned around at exit, lays out
the family's claim timeline at once:

1. **Result achieved** ``result_lag_months`` after exit, or, for ``result_during_share``
   of families, at a uniformly drawn time during the intervention (from its first start to
   exit), so the sustain period may run while the family is supported.  A family with the
   ``worklessness`` need may get an *employment* result: it gets employment support with
   probability ``employment_support_share`` and then an employment result with
   ``employment_supported_probability`` (else ``employment_unsupported_probability``).
   Every other family gets the *progress* result (Phase 1: crime/ASB + education; Phase 2:
   significant and sustained progress); a workless family without an employment result
   may also earn *progress to work* (``progress_to_work_probability``; no sustain period).
2. **Sustained** for ``progress_sustain_months`` or ``employment_sustain_weeks`` (26 weeks
   for ``long_sustain_share`` of employment results).  With ``relapse_probability`` the
   family relapses at a uniformly drawn time in that period: the claim is void.  A relapse
   comes to light at the later of the relapse and the follow-up (``follow_up_months``
   after exit); with ``rereferral_probability`` the family is then referred again
   ``rereferral_delay_months`` later (the case flow's ``rerefer``, a new Family record).
3. **Claimed** at the first claim window (every ``claim_window_months`` months from
   1 April) on or after the later of the end of the sustain period and the follow-up.
4. **Paid** ``payment_lag_months`` after the claim.

Fees follow the family, not the claim: a family's attachment fee and results payment are
set by the financial year in which it was first attached (its first intervention
started).  A family earns one attachment fee and, in all its episodes together, at most
its results payment (an employment result earns all of it; the progress result earns it
less the progress-to-work part).  Re-referred episodes are linked to the original family
through :attr:`ClaimsBook.origin`.

Nothing is paid here: the book only records claims (:meth:`ClaimsBook.record` at the end).
:mod:`tfsim.model.money` turns the records into income, costs and cash flow.
"""

from __future__ import annotations

import datetime as dt
from typing import Callable

import numpy as np

from tfsim.scenario.schema import DAYS_PER_MONTH, DAYS_PER_WEEK, Money, Scenario

from .calendar import first_of_month_after, financial_year
from .entities import EMPLOYMENT, PROGRESS, PROGRESS_TO_WORK, Claim, Family
from .fees import FeeSchedule
from .log import ClaimsRecord
from .random import Streams
from .scheduler import Scheduler

LONG_SUSTAIN_WEEKS = 26.0


def claim_windows(scenario: Scenario, months: int, beyond_years: int = 20) -> np.ndarray:
    """Clock times of the claim windows: the 1st of every ``months``-th month from 1 April."""
    first = dt.date(financial_year(scenario.start_date), 4, 1)
    last = scenario.end_date + dt.timedelta(days=366 * beyond_years)
    out, k = [], 0
    while True:
        d = first_of_month_after(first, k * months)
        if d > last:
            break
        out.append(scenario.day_of(d))
        k += 1
    return np.asarray(out, dtype=float)


class ClaimsBook:
    """Claim timelines of one replication (see the module docstring).

    Parameters
    ----------
    scenario : Scenario
        A validated scenario with a ``[money]`` section.
    scheduler : Scheduler
        The replication's scheduler (re-referrals are scheduled on it).
    streams : Streams
        The replication's random streams.
    rerefer : callable
        ``rerefer(family) -> Family``: the case flow refers a relapsed family again now,
        as a new Family record.

    The case flow calls :meth:`turned_around` for each family turned around.
    """

    def __init__(self, scenario: Scenario, scheduler: Scheduler, streams: Streams,
                 rerefer: Callable[[Family], Family]):
        sc = scenario
        m: Money = sc.money
        self.scenario = sc
        self.money = m
        self.schedule = FeeSchedule(m)
        self._scheduler = scheduler
        self._rerefer = rerefer
        st = streams
        self.u_support = st.uniform("claims:employment_support")
        self.u_employment = st.uniform("claims:employment")
        self.u_long = st.uniform("claims:long_sustain")
        self.u_ptw = st.uniform("claims:progress_to_work")
        self.u_relapse = st.uniform("claims:relapse")
        self.u_relapse_time = st.uniform("claims:relapse_time")
        self.u_rerefer = st.uniform("claims:rereferral")
        self.lag = st.sampler("claims:result_lag", m.result_lag_months)
        self.u_during = st.uniform("claims:result_during")
        self.u_during_time = st.uniform("claims:result_during_time")
        self.rerefer_delay = st.sampler("claims:rereferral_delay", m.rereferral_delay_months)
        needs = list(sc.families.needs)
        self.workless_bit = (1 << needs.index("worklessness")) if "worklessness" in needs else 0
        self.progress_sustain = m.resolved("progress_sustain_months") * DAYS_PER_MONTH
        self.employment_sustain = m.resolved("employment_sustain_weeks") * DAYS_PER_WEEK
        self.follow_up = m.follow_up_months * DAYS_PER_MONTH
        self.payment_lag = m.payment_lag_months * DAYS_PER_MONTH
        self.windows = claim_windows(sc, m.claim_window_months)
        #: Re-referred Family record id -> original Family record id.
        self.origin: dict[int, int] = {}
        self.claims: list[Claim] = []
        self.voided: list[tuple[float, int]] = []  # (time the relapse came to light, root)
        self.rereferrals: list[float] = []
        self._committed: dict[int, float] = {}  # root -> results £ claimed (not void)
        self._main: set[int] = set()  # roots with a sustained main result
        self._ptw: set[int] = set()  # roots that earned progress to work
        self._attached: dict[int, float] = {}  # root -> when its first intervention started (days)

    # ---- fees ------------------------------------------------------------------------------

    def root_of(self, fid: int) -> int:
        return self.origin.get(fid, fid)

    def fees_of(self, root: int) -> tuple[float, float]:
        """(attachment, results) of a family seen turned around, set by the year its first intervention started."""
        return self.schedule.fees_attached_at(self.scenario, self._attached[root])

    def next_window(self, t: float) -> float:
        i = int(np.searchsorted(self.windows, t, side="left"))
        return float(self.windows[i]) if i < len(self.windows) else float("inf")

    # ---- the timeline ----------------------------------------------------------------------

    def turned_around(self, fam: Family, now: float) -> None:
        """Lay out the claim timeline of ``fam``, turned around at ``now`` (days)."""
        root = self.root_of(fam.id)
        if root == fam.id:
            self._attached[root] = fam.started
        if root in self._main:
            return
        m = self.money
        _, results = self.fees_of(root)
        if m.result_during_share > 0 and self.u_during() < m.result_during_share:
            achieved = fam.started + self.u_during_time() * (now - fam.started)  # during the intervention
        else:
            achieved = now + self.lag() * DAYS_PER_MONTH
        follow = now + self.follow_up
        workless = bool(fam.needs & self.workless_bit)
        employment = False
        if workless:
            supported = self.u_support() < m.employment_support_share
            p = m.employment_supported_probability if supported else m.employment_unsupported_probability
            employment = self.u_employment() < p
        if employment:
            kind, amount = EMPLOYMENT, results
            long = m.long_sustain_share > 0 and self.u_long() < m.long_sustain_share
            sustain = LONG_SUSTAIN_WEEKS * DAYS_PER_WEEK if long else self.employment_sustain
        else:
            kind, amount = PROGRESS, results - self.schedule.ptw
            sustain = self.progress_sustain
            if (workless and self.schedule.ptw > 0 and root not in self._ptw
                    and self.u_ptw() < m.progress_to_work_probability):
                self._ptw.add(root)
                self._record(PROGRESS_TO_WORK, fam.id, root, now, achieved, max(achieved, follow),
                             self.schedule.ptw, results)
        if sustain > 0 and self.u_relapse() < m.relapse_probability:
            relapse = achieved + self.u_relapse_time() * sustain
            seen = max(relapse, follow)
            self.voided.append((seen, root))
            if self.u_rerefer() < m.rereferral_probability:
                delay = seen - now + self.rerefer_delay() * DAYS_PER_MONTH
                self._scheduler.at(delay, self._on_rerefer, fam)
            return
        self._main.add(root)
        self._record(kind, fam.id, root, now, achieved, max(achieved + sustain, follow), amount, results)

    def _record(self, kind, fid, root, exited, achieved, eligible, amount, cap) -> None:
        amount = round(max(0.0, min(amount, cap - self._committed.get(root, 0.0))), 2)
        self._committed[root] = self._committed.get(root, 0.0) + amount
        claimed = self.next_window(eligible)
        self.claims.append(Claim(kind, fid, root, exited, achieved, eligible, claimed, claimed + self.payment_lag, amount))

    def _on_rerefer(self, event) -> None:
        fam = event.value
        new = self._rerefer(fam)
        self.origin[new.id] = self.root_of(fam.id)
        self.rereferrals.append(self._scheduler.now)

    # ---- the end of the run -----------------------------------------------------------------

    def record(self) -> ClaimsRecord:
        """The claims as they stand, for the snapshot."""
        return ClaimsRecord.of(self.claims, self.origin, self.voided, self.rereferrals)
