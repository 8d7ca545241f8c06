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

Two optional ways to a result outside the exit of an intervention:

- **Employment during the intervention** (``employment_during_hazard_per_month``, a
  Jobcentre Plus adviser attached to the team): when a workless family's first
  intervention starts it gets employment support with ``employment_support_share``; a
  supported family then finds work after an exponential time at that monthly hazard.  If
  the family is still in service then and has no claim yet, the employment result is
  achieved there and then, sustained and claimed as above (no follow-up: the family has
  not exited), and its exit later earns nothing more.
- **Data matching** (``[money.data_matching]``): each identified family's results are
  found by matching it against local and national data after an exponential time at
  ``hazard_per_month`` from its referral (or from ``start``, if later).  If the family is
  then in a state the table allows (waiting, refused, in service, closed without being
  turned around) and has no claim yet, a *data-matched* progress result is achieved there
  and then, sustained for ``sustain_months`` (it may relapse, voiding it, with no
  re-referral) and claimed at the next window; a later turn-around earns nothing more.

Every draw is the family's own (from :class:`~tfsim.model.random.FamilyDraws`:
whether its result comes during the intervention and when, the lag, employment support
and result, a long sustain period, progress to work, relapse and when, re-referral and
its delay, work found during the intervention and when, when data matching finds it),
each from its own process, so switching a mechanism on leaves the draws of every other
process unchanged, and staffing never hands one family's results to another.

Fees follow the family, not the claim: a family's attachment fee and results payment are
set by the financial year in which it was first attached (its first intervention
started; for a family matched before it ever started, the year of the match).  A family earns one attachment fee and, in all its episodes together, at most
its results payment (an employment result earns all of it; the progress result earns it
less the progress-to-work part).  Re-referred episodes are linked to the original family
through :attr:`ClaimsBook.origin`.

Most families' timelines depend on nothing but their own draws and times: without results
outside an exit, a family turned around for the first time that will not be referred again.
The book notes those as they are turned around and lays them out together with NumPy when
the claims are read (:meth:`ClaimsBook.record`), the same arithmetic in the same order as
one at a time, so the same claims to the bit (``tests/test_claims_bulk.py``); the others (a
re-referral, a family that will be referred again) are laid out at once, as they can
change the run.

Nothing is paid here: the book only records claims (:meth:`ClaimsBook.record` at the end).
:mod:`tfsim.model.money` turns the records into income, costs and cash flow.
"""

from __future__ import annotations

import datetime as dt
import math
from array import array
from bisect import bisect_left, bisect_right
from types import SimpleNamespace
from typing import Callable, Sequence

import numpy as np

from tfsim.scenario.schema import DAYS_PER_MONTH, DAYS_PER_WEEK, Fixed, Money, Scenario

from .calendar import first_of_month_after, financial_year
from .entities import (
    CLAIM_KINDS,
    CLOSED,
    DATA_MATCHED,
    EMPLOYMENT,
    IN_SERVICE,
    PROGRESS,
    PROGRESS_TO_WORK,
    REFERRED,
    REFUSED,
    TURNED_AROUND,
    WAITING,
    Claim,
    Family,
)
from .fees import FeeSchedule
from .log import ClaimColumns, ClaimLog, ClaimsRecord
from .random import FAMILY_BLOCK, FamilyDraws
from .scheduler import Scheduler

LONG_SUSTAIN_WEEKS = 26.0
# codes of the kinds of claim in the claims' columns
_PROGRESS, _EMPLOYMENT, _PROGRESS_TO_WORK, _DATA_MATCHED = (
    CLAIM_KINDS.index(k) for k in (PROGRESS, EMPLOYMENT, PROGRESS_TO_WORK, DATA_MATCHED))


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
    draws : FamilyDraws
        The families' random numbers; the book declares its processes there.
    rerefer : callable
        ``rerefer(family) -> Family``: the case flow refers a relapsed family again now,
        as a new Family record.

    The case flow calls :meth:`turned_around` for each family turned around and, when the
    mechanisms are on, :meth:`identified` for each referral (data matching) and
    :meth:`started` for each family's first intervention start (employment during it).
    """

    def __init__(self, scenario: Scenario, scheduler: Scheduler, draws: FamilyDraws,
                 rerefer: Callable[[Family], Family], referrals: Sequence[float] = ()):
        sc = scenario
        m: Money = sc.money
        self.scenario = sc
        self.money = m
        self.schedule = FeeSchedule(m, sc)
        self._scheduler = scheduler
        self._rerefer = rerefer
        needs = list(sc.families.needs)
        self.workless_bit = (1 << needs.index("worklessness")) if "worklessness" in needs else 0
        # a fixed lag (the usual case) needs no draw
        self.lag_days = m.result_lag_months.value * DAYS_PER_MONTH if isinstance(m.result_lag_months, Fixed) else -1.0

        # Each family's claims draws are read once, when it is turned around (or starts, or is
        # referred).  Families' blocks hold those of the mechanisms in use (width 1); the others
        # are declared with width 0 and never read.
        self._draws = draws

        def uniform(name: str, used: bool = True):
            return draws.field(name, int(used))

        def days(name: str, dist, used: bool = True):
            """The family's draw of ``dist`` (months) of process ``name``, in days."""
            return draws.field(name, int(used), lambda u: dist.quantile(u, DAYS_PER_MONTH))

        workless = self.workless_bit != 0
        relapse = m.relapse_probability > 0
        self.f_during = uniform("claims:result_during", m.result_during_share > 0)
        self.f_during_time = uniform("claims:result_during_time", m.result_during_share > 0)
        self.f_lag = days("claims:result_lag", m.result_lag_months, self.lag_days < 0)
        self.f_support = uniform("claims:employment_support", workless)
        self.f_employment = uniform("claims:employment", workless)
        self.f_long = uniform("claims:long_sustain", workless and m.long_sustain_share > 0)
        self.f_ptw = uniform("claims:progress_to_work", workless and m.progress_to_work_probability > 0)
        self.f_relapse = uniform("claims:relapse", relapse)
        self.f_relapse_time = uniform("claims:relapse_time", relapse)
        self.f_rerefer = uniform("claims:rereferral", relapse and m.rereferral_probability > 0)
        self.f_rerefer_delay = days("claims:rereferral_delay", m.rereferral_delay_months,
                                    relapse and m.rereferral_probability > 0)
        # what turned_around reads for every family, looked up once: probabilities 0 when the
        # mechanism is off (it then reads no draw), and the columns of the draws it reads
        ptw_on = self.workless_bit != 0 and m.progress_to_work_probability > 0 and self.schedule.ptw > 0
        self._c = SimpleNamespace(
            during=m.result_during_share, support_share=m.employment_support_share,
            p_supported=m.employment_supported_probability, p_unsupported=m.employment_unsupported_probability,
            long_share=m.long_sustain_share, p_relapse=m.relapse_probability,
            p_ptw=m.progress_to_work_probability if ptw_on else 0.0, p_rerefer=m.rereferral_probability,
            at_during=self.f_during.at, at_during_time=self.f_during_time.at, at_lag=self.f_lag.at,
            at_support=self.f_support.at, at_employment=self.f_employment.at, at_long=self.f_long.at,
            at_ptw=self.f_ptw.at, at_relapse=self.f_relapse.at, at_relapse_time=self.f_relapse_time.at,
            at_rerefer=self.f_rerefer.at, at_rerefer_delay=self.f_rerefer_delay.at)
        self.progress_sustain = m.resolved("progress_sustain_months") * DAYS_PER_MONTH
        self.employment_sustain = m.resolved("employment_sustain_weeks") * DAYS_PER_WEEK
        self.follow_up = m.follow_up_months * DAYS_PER_MONTH
        self.payment_lag = m.payment_lag_months * DAYS_PER_MONTH
        self.windows = claim_windows(sc, m.claim_window_months)
        self._windows = self.windows.tolist()  # bisected once a claim: a list is quicker than the array
        #: Re-referred Family record id -> original Family record id.
        self.origin: dict[int, int] = {}
        self._log = ClaimLog()  # the claims, as columns
        self._voided: list[tuple[float, int]] = []  # (time the relapse came to light, root)
        self.rereferrals: list[float] = []
        self._committed: dict[int, float] = {}  # root -> results £ claimed (not void)
        self._main: set[int] = set()  # roots with a sustained main result
        self._ptw: set[int] = set()  # roots that earned progress to work
        self._attached: dict[int, float] = {}  # root -> when its first intervention started (days)
        self._horizon = sc.horizon_days
        self.outside_exit: list[int] = []  # positions in claims of results found outside an exit

        # employment found during an intervention (a JCP adviser attached), off at hazard 0
        self.job_hazard = m.employment_during_hazard_per_month
        if self.job_hazard > 0:
            self.f_job_support = uniform("claims:employment_during_support", workless)
            job_mean_days = DAYS_PER_MONTH / self.job_hazard  # exponential at the monthly hazard
            self.f_job_after = draws.field("claims:employment_during", int(workless),
                                           lambda u: -job_mean_days * np.log1p(-u))
            self.f_job_long = uniform("claims:employment_during_long_sustain", workless and m.long_sustain_share > 0)
            self.f_job_relapse = uniform("claims:employment_during_relapse", workless and relapse)
            self.f_job_relapse_time = uniform("claims:employment_during_relapse_time", workless and relapse)

        # results found by data matching, off without the table or at hazard 0
        dm = m.data_matching
        self.matching = dm is not None and dm.on
        if self.matching:
            # a unit-rate exponential; the first referrals' are read all at once (:meth:`match_times`),
            # so the families' blocks need not hold them (width 0)
            self.f_match_effort = draws.field("claims:data_matching", 0, lambda u: -np.log1p(-u))
            # the hazard as steps: from these clock times (days) on, these hazards (per day)
            self.match_t = np.asarray([sc.day_of(dm.start) if dm.start is not None else -np.inf]
                                      + [sc.day_of(p.start) for p in dm.periods], dtype=float)
            self.match_h = np.asarray([dm.hazard_per_month] + [p.hazard_per_month for p in dm.periods],
                                      dtype=float) / DAYS_PER_MONTH
            self._match_t, self._match_h = self.match_t.tolist(), self.match_h.tolist()  # read once a re-referral
            # the first referrals' times are known in advance, and so is when data matching
            # finds each of them: a stream the scheduler merges in (:meth:`match_times`), not
            # one queued event a family
            self._referrals = referrals
            self._first: list[Family] = []  # the first referrals, by referral index
            self._matching: list[int] = []  # referral index of each time of match_times
            self.f_match_relapse = uniform("claims:data_matching_relapse", relapse)
            self.f_match_relapse_time = uniform("claims:data_matching_relapse_time", relapse)
            sustain = dm.sustain_months if dm.sustain_months is not None else m.resolved("progress_sustain_months")
            self.match_sustain = sustain * DAYS_PER_MONTH
            self.match_states = frozenset(
                ([WAITING, REFERRED] if dm.while_waiting else []) + ([REFUSED] if dm.while_refused else [])
                + ([IN_SERVICE] if dm.while_in_service else []) + ([CLOSED] if dm.after_closure else []))

        # Laying out in bulk: without results outside an exit, a family turned around for the
        # first time (not a re-referral) that will not be referred again has a timeline that
        # depends only on its own draws and times, and no other family's depends on it.  Such
        # families wait in ``_pending`` and are laid out together with NumPy (:meth:`_settle`);
        # ``_keys`` and ``_void_keys`` put every row back in the order of the calls.
        self._bulk = not self.matching and self.job_hazard <= 0
        self._rerefer_on = relapse and m.rereferral_probability > 0
        self._pending = self._pending_columns()
        self._bulk_attached: list[tuple[np.ndarray, np.ndarray]] = []  # (ids, first starts) laid out in bulk
        self._settled = 0  # families laid out in bulk so far
        self._keys = array("q")  # per row of the log: 2 x (bulk families before it) (+1 if in bulk)
        self._void_keys: list[int] = []  # the same, per voided result

    # ---- fees ------------------------------------------------------------------------------

    def root_of(self, fid: int) -> int:
        return self.origin.get(fid, fid)

    def fees_of(self, root: int) -> tuple[float, float]:
        """(attachment, results) of a family with a result, set by the year it was attached (or matched, if never)."""
        self._settle()
        attached = self._attached.get(root)
        for ids, started in self._bulk_attached if attached is None else ():
            (at,) = np.flatnonzero(ids == root).tolist() or (None,)
            if at is not None:
                attached = float(started[at])
        if attached is None:
            raise KeyError(root)
        return self.schedule.fees_at(attached)

    def next_window(self, t: float) -> float:
        """The first claim window at or after ``t`` (days; inf after the last)."""
        windows = self._windows
        i = bisect_left(windows, t)
        return windows[i] if i < len(windows) else float("inf")

    # ---- the timeline ----------------------------------------------------------------------

    def turned_around(self, fam: Family, now: float) -> None:
        """``fam`` is turned around at ``now`` (days): lay out its claim timeline.

        A family whose timeline depends on nothing but its own draws and times (the usual
        case) waits in a list and is laid out with the others in bulk when the claims are
        read (:meth:`_settle`); one whose timeline can change the run (it may be referred
        again) or depends on its earlier episodes (a re-referral) is laid out now.
        """
        if self._bulk:
            fid = fam.id
            if fid not in self.origin:
                d, j = fam.draws, fam.j
                c = self._c
                if not (self._rerefer_on and d[c.at_relapse][j] < c.p_relapse and d[c.at_rerefer][j] < c.p_rerefer):
                    # what the bulk layout reads, taken while the record is at hand, as numbers:
                    # the record id, referral index and whether it is workless in one integer
                    self._pend_code((fid << 32 | d.first + j) << 1 | (fam.needs & self.workless_bit != 0))
                    self._pend_now(now)
                    self._pend_started(fam.started)
                    return
            # its rows sort after the pending families' before it, before the next one's
            key = 2 * (self._settled + len(self._pending[0]))
            rows, voids = len(self._log), len(self._voided)
            self._lay_out(fam, now)
            self._keys.extend([key] * (len(self._log) - rows))
            self._void_keys.extend([key] * (len(self._voided) - voids))
            return
        self._lay_out(fam, now)

    def _lay_out(self, fam: Family, now: float) -> None:
        """Lay out the claim timeline of ``fam``, turned around at ``now`` (days), one family at a time.

        It reads the draws it uses (the first of each process, which the family's block
        holds) straight from the block, and the fee of the year of attachment from the
        schedule's table.
        """
        fid = fam.id
        root = self.origin.get(fid, fid)
        attached = self._attached.setdefault(root, fam.started)  # set already if matched before its exit
        if root in self._main:
            return
        c = self._c
        d, j = fam.draws, fam.j
        fees = self.schedule
        i = bisect_right(fees.year_starts, attached) - 1
        if 0 <= i and attached < self._horizon:
            results, progress = fees.year_fees[i][1], fees.year_progress[i]
        else:
            results = fees.fees_at(attached)[1]
            progress = round(results - fees.ptw, 2)
        started = fam.started
        if c.during and d[c.at_during][j] < c.during:
            achieved = started + d[c.at_during_time][j] * (now - started)  # during the intervention
        else:
            achieved = now + self.lag_days if self.lag_days >= 0 else now + d[c.at_lag][j]
        follow = now + self.follow_up
        workless = fam.needs & self.workless_bit
        if workless and d[c.at_employment][j] < (
                c.p_supported if d[c.at_support][j] < c.support_share else c.p_unsupported):
            kind, amount = _EMPLOYMENT, results
            long = c.long_share and d[c.at_long][j] < c.long_share
            sustain = LONG_SUSTAIN_WEEKS * DAYS_PER_WEEK if long else self.employment_sustain
        else:
            kind, amount = _PROGRESS, progress
            sustain = self.progress_sustain
            p = c.p_ptw
            if workless and p and root not in self._ptw and d[c.at_ptw][j] < p:
                self._ptw.add(root)
                self._record(_PROGRESS_TO_WORK, fid, root, now, achieved, max(achieved, follow), fees.ptw, results)
        p = c.p_relapse
        if sustain > 0 and p and d[c.at_relapse][j] < p:
            seen = max(achieved + d[c.at_relapse_time][j] * sustain, follow)
            self._voided.append((seen, root))
            if c.p_rerefer and d[c.at_rerefer][j] < c.p_rerefer:
                self._scheduler.at(seen - now + d[c.at_rerefer_delay][j], self._on_rerefer, fam)
            return
        self._main.add(root)
        self._record(kind, fid, root, now, achieved, max(achieved + sustain, follow), amount, results)

    # ---- results outside an exit ---------------------------------------------------------------

    def started(self, fam: Family, now: float) -> None:
        """``fam`` starts its first intervention at ``now``: draw whether and when it finds work during it."""
        if not fam.needs & self.workless_bit:
            return
        draw = self._draws.value
        if draw(fam, self.f_job_support) < self.money.employment_support_share:
            at = now + draw(fam, self.f_job_after)
            if at < self._horizon:
                self._scheduler.at(at - now, self._on_job, fam)

    def _on_job(self, fam, _tag) -> None:
        root = self.root_of(fam.id)
        if fam.state != IN_SERVICE or root in self._main:
            return  # the intervention is over (or paused at a handover), or the family is claimed already
        now = self._scheduler.now
        m = self.money
        draw = self._draws.value
        long = m.long_sustain_share > 0 and draw(fam, self.f_job_long) < m.long_sustain_share
        sustain = LONG_SUSTAIN_WEEKS * DAYS_PER_WEEK if long else self.employment_sustain
        if sustain > 0 and m.relapse_probability > 0 and draw(fam, self.f_job_relapse) < m.relapse_probability:
            self._voided.append((now + draw(fam, self.f_job_relapse_time) * sustain, root))
            return
        _, results = self._fees_for(fam, root, now)
        self._main.add(root)
        self.outside_exit.append(len(self._log))
        self._record(_EMPLOYMENT, fam.id, root, now, now, now + sustain, results, results)

    def identified(self, fam: Family) -> None:
        """``fam`` has just been referred: when data matching would find its results.

        A first referral's match is in :meth:`match_times` already; a re-referral's is drawn
        now and queued.
        """
        d = fam.draws
        if d.generation == 0:
            self._first.append(fam)  # referred in index order
            return
        now = self._scheduler.now
        at = first_passage(self._match_t, self._match_h, now, self._draws.value(fam, self.f_match_effort))
        if at < self._horizon:
            self._scheduler.at(at - now, self._on_match, fam)

    def match_times(self) -> list[float]:
        """When data matching finds each first referral (days, sorted; before the horizon only).

        :func:`first_passage` from each referral for all of them at once, with the same
        arithmetic (so the same floats) and with ties in referral order, the order in which
        matches queued one referral at a time would run.  :meth:`on_matches` handles them.
        """
        if not self.matching or not len(self._referrals):
            return []
        referred = np.asarray(self._referrals, dtype=float)
        f = self.f_match_effort
        effort = np.concatenate([f.transform(self._draws.uniforms(f.name, 0, 0, b))
                                 for b in range((len(referred) - 1) // FAMILY_BLOCK + 1)])
        at = first_passage_many(self.match_t, self.match_h, referred, effort)
        # a match queued at referral ran at referral + (match - referral): the same float, kept so
        at = referred + (at - referred)
        index = np.flatnonzero(at < self._horizon)
        order = index[np.argsort(at[index], kind="stable")]
        self._matching = order.tolist()
        return at[order].tolist()

    def on_matches(self, times, i: int) -> int:
        """Data matching finds the first referral of ``times[i]`` and any at the same instant; return the next index."""
        n = len(times)
        now = times[i]
        first, matching = self._first, self._matching
        while True:
            self._on_match(first[matching[i]], 0)
            i += 1
            if i >= n or times[i] != now:
                return i

    def _on_match(self, fam, _tag) -> None:
        root = self.root_of(fam.id)
        state = fam.state
        if root in self._main or state not in self.match_states or (state == CLOSED and fam.outcome == TURNED_AROUND):
            return
        now = self._scheduler.now
        sustain = self.match_sustain
        p, draw = self.money.relapse_probability, self._draws.value
        if sustain > 0 and p > 0 and draw(fam, self.f_match_relapse) < p:
            self._voided.append((now + draw(fam, self.f_match_relapse_time) * sustain, root))
            return
        _, results = self._fees_for(fam, root, now)
        self._main.add(root)
        self.outside_exit.append(len(self._log))
        self._record(_DATA_MATCHED, fam.id, root, now, now, now + sustain, round(results - self.schedule.ptw, 2),
                     results)

    def _fees_for(self, fam: Family, root: int, now: float) -> tuple[float, float]:
        """Fees of ``root`` for a result found at ``now``: by its year of attachment, else the year of ``now``."""
        attached = self._attached.setdefault(root, fam.started if fam.started >= 0 else now)
        return self.schedule.fees_at(attached)

    @property
    def claims(self) -> list[Claim]:
        """The claims so far, in the order they were laid out."""
        return list(self._columns().rows())

    @property
    def voided(self) -> list[tuple[float, int]]:
        """``(time the relapse came to light, root)`` of every result that relapsed so far, in order."""
        self._settle()
        if not self._bulk:
            return list(self._voided)
        order = np.argsort(np.asarray(self._void_keys, dtype=np.int64), kind="stable")
        return [self._voided[k] for k in order.tolist()]

    def _columns(self) -> ClaimColumns:
        self._settle()
        order = np.argsort(np.frombuffer(self._keys, dtype=np.int64), kind="stable") if self._bulk else None
        return ClaimColumns.of(self._log, self.outside_exit, order)

    def _record(self, kind: int, fid, root, exited, achieved, eligible, amount, cap) -> None:
        """Record a claim of kind code ``kind`` and ``amount`` (£, to the penny), held within what is left of the family's ``cap``."""
        committed = self._committed.get(root, 0.0)
        if committed or not 0.0 <= amount <= cap:  # else the amount stands (rounding it would not change it)
            amount = round(max(0.0, min(amount, cap - committed)), 2)
        self._committed[root] = committed + amount
        windows = self._windows
        i = bisect_left(windows, eligible)  # next_window, inlined: once a claim
        claimed = windows[i] if i < len(windows) else float("inf")
        self._log.add(kind, fid, root, exited, achieved, eligible, claimed, claimed + self.payment_lag, amount)

    def _on_rerefer(self, fam, _tag) -> None:
        new = self._rerefer(fam)
        self.origin[new.id] = self.root_of(fam.id)
        self.rereferrals.append(self._scheduler.now)

    # ---- laying out in bulk ------------------------------------------------------------------

    def _settle(self) -> None:
        """Lay out the timelines of the pending families, as :meth:`_lay_out` would one by one.

        Each is a first turn-around of its root with no re-referral to come, so nothing is
        claimed, committed or voided for its root yet: the arithmetic is :meth:`_lay_out`'s,
        elementwise in the same order of operations (so the same floats), and the few amounts
        that need rounding are rounded as :meth:`_record` rounds them.
        """
        codes, now, started = (np.frombuffer(a, dtype=np.int64 if a.typecode == "q" else float)
                               for a in self._pending)
        n, base = len(codes), self._settled
        if not n:
            return
        self._pending = self._pending_columns()
        self._settled += n
        workless = (codes & 1) == 1
        index = (codes >> 1) & 0xFFFFFFFF
        fid = codes >> 33
        draws, c, fees = self._draws, self._c, self.schedule

        def col(f):
            return draws.column(f, index)

        self._bulk_attached.append((fid, started))
        # the fees of the year of attachment, from the schedule's table
        year = np.searchsorted(np.asarray(fees.year_starts, dtype=float), started, side="right") - 1
        table = (year >= 0) & (started < self._horizon)
        results = np.asarray([f[1] for f in fees.year_fees] + [0.0], dtype=float)[np.where(table, year, -1)]
        progress = np.asarray(fees.year_progress + [0.0], dtype=float)[np.where(table, year, -1)]
        for k in np.flatnonzero(~table).tolist():
            results[k] = r = fees.fees_at(started[k])[1]
            progress[k] = round(r - fees.ptw, 2)

        achieved = now + self.lag_days if self.lag_days >= 0 else now + col(self.f_lag)
        if c.during:
            during = col(self.f_during) < c.during
            achieved = np.where(during, started + col(self.f_during_time) * (now - started), achieved)
        follow = now + self.follow_up
        employment = np.zeros(n, dtype=bool)
        if self.workless_bit:
            p = np.where(col(self.f_support) < c.support_share, c.p_supported, c.p_unsupported)
            employment = workless & (col(self.f_employment) < p)
        long = np.zeros(n, dtype=bool)
        if c.long_share:
            long = employment & (col(self.f_long) < c.long_share)
        sustain = np.where(employment, np.where(long, LONG_SUSTAIN_WEEKS * DAYS_PER_WEEK, self.employment_sustain),
                           self.progress_sustain)
        kind = np.where(employment, _EMPLOYMENT, _PROGRESS)
        amount = np.where(employment, results, progress)
        ptw = np.zeros(n, dtype=bool)
        if c.p_ptw:
            ptw = workless & ~employment & (col(self.f_ptw) < c.p_ptw)
        relapse = np.zeros(n, dtype=bool)
        if c.p_relapse:
            relapse = (sustain > 0) & (col(self.f_relapse) < c.p_relapse)
        key = 2 * (base + np.arange(n, dtype=np.int64)) + 1

        committed = np.zeros(n)  # £ claimed for the family before its main result: its progress to work
        rows = []  # (mask, kind, eligible, amount), in the order _lay_out records them
        if ptw.any():
            rows.append((ptw, np.full(n, _PROGRESS_TO_WORK), np.maximum(achieved, follow), np.full(n, fees.ptw)))
        main = ~relapse
        rows.append((main, kind, np.maximum(achieved + sustain, follow), amount))
        for mask, kinds, eligible, amounts in rows:
            held, cap, prior = amounts[mask], results[mask], committed[mask]
            for k in np.flatnonzero((prior != 0) | ~((0.0 <= held) & (held <= cap))).tolist():
                held[k] = round(max(0.0, min(held[k], cap[k] - prior[k])), 2)
            committed[mask] += held
            self._add_rows(kinds[mask], fid[mask], now[mask], achieved[mask], eligible[mask], held, key[mask])
        if c.p_relapse and relapse.any():
            seen = np.maximum(achieved + col(self.f_relapse_time) * sustain, follow)
            self._voided.extend(zip(seen[relapse].tolist(), fid[relapse].tolist()))
            self._void_keys.extend(key[relapse].tolist())
        # (a root laid out in bulk has no later episode, so the book's per-root sets and sums
        # that guard later episodes are left as they are)

    def _pending_columns(self) -> tuple[array, array, array]:
        """Empty columns of the pending families (codes, times turned around, first starts); binds their appends."""
        columns = array("q"), array("d"), array("d")
        self._pend_code, self._pend_now, self._pend_started = (a.append for a in columns)
        return columns

    def _add_rows(self, kind, fid, exited, achieved, eligible, amount, key) -> None:
        """Append claims laid out in bulk (arrays; each family is its own root) to the log."""
        windows = self.windows
        i = np.searchsorted(windows, eligible, side="left")  # next_window, elementwise
        claimed = np.where(i < len(windows), np.append(windows, np.inf)[i], np.inf)
        log = self._log
        for name, values in (("kind", kind), ("family", fid), ("root", fid), ("exited", exited),
                             ("achieved", achieved), ("eligible", eligible), ("claimed", claimed),
                             ("paid", claimed + self.payment_lag), ("amount", amount)):
            column = getattr(log, name)
            column.frombytes(np.ascontiguousarray(values, dtype=np.int64 if column.typecode == "q" else float)
                             .tobytes())
        self._keys.frombytes(np.ascontiguousarray(key, dtype=np.int64).tobytes())

    # ---- the end of the run -----------------------------------------------------------------

    def close(self) -> None:
        """Forget the case flow (see :meth:`Replication.close <tfsim.model.replication.Replication.close>`)."""
        self._rerefer = None

    def record(self) -> ClaimsRecord:
        """The claims as they stand, for the snapshot."""
        return ClaimsRecord.of(self._columns(), self.origin, self.voided,
                               self.rereferrals, self.outside_exit)


def first_passage(starts, hazards, t0: float, effort: float) -> float:
    """When the cumulative hazard from ``t0`` reaches ``effort`` (inf if it never does).

    ``hazards[k]`` (per day) holds from ``starts[k]`` until ``starts[k + 1]``, the last for
    ever; none holds before ``starts[0]``.  With ``effort`` a unit-rate exponential draw
    the result is the time of the first event of a Poisson process of that hazard.  Called
    once a referral, so it works on plain sequences of floats (lists are quickest).
    """
    t = max(t0, starts[0])
    n = len(starts)
    for k in range(bisect_right(starts, t) - 1, n):
        end = starts[k + 1] if k + 1 < n else math.inf
        h = hazards[k]
        if h > 0:
            need = effort / h
            if t + need <= end:
                return t + need
            effort -= h * (end - t)
        t = end
    return math.inf


def first_passage_many(starts: np.ndarray, hazards: np.ndarray, t0: np.ndarray, effort: np.ndarray) -> np.ndarray:
    """:func:`first_passage` for arrays ``t0`` and ``effort`` (days, unit-rate exponential draws), elementwise.

    The same operations in the same order for each element, so the same floats.
    """
    t = np.maximum(t0, starts[0])
    effort = np.array(effort, dtype=float)
    out = np.full(len(t), math.inf)
    first = np.searchsorted(starts, t, side="right") - 1  # bisect_right
    live = np.ones(len(t), dtype=bool)
    n = len(starts)
    for k in range(n):
        here = live & (first <= k)
        if not here.any():
            continue
        end = starts[k + 1] if k + 1 < n else math.inf
        h = hazards[k]
        if h > 0:
            with np.errstate(over="ignore"):  # a hazard too small to reach: inf, as one at a time
                reached = t + effort / h
            hit = here & (reached <= end)
            out[hit] = reached[hit]
            live &= ~hit
            here &= ~hit
            with np.errstate(invalid="ignore"):  # inf - inf on the last period is never used
                effort = np.where(here, effort - h * (end - t), effort)
        t = np.where(here, end, t)
    return out
