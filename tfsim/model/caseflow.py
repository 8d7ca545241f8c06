"""The case flow: what happens to a family from referral to closure.

referred -> first contact: refuses (maybe re-approached later) or accepts ->
allocated at once to the first role in its level's fallback order with a free slot,
or put on the waiting list -> intervention of a sampled length (it may disengage
part-way through) -> outcome at exit: turned around, improved (maybe stepped up and
extended), no progress, or disengaged -> closed.  A family on the list may be closed
or escalated after a maximum wait; a family whose worker leaves is handed over.

The case flow schedules its events on the :class:`~tfsim.model.scheduler.Scheduler`
and records what happened in the :class:`~tfsim.model.log.EventLog`.  Every decision
about a family reads the family's own draws (:class:`~tfsim.model.random.FamilyDraws`):
the refusal at its ``k``-th contact, whether and when it is re-approached, its
intervention length (one uniform, read through the distribution of whichever role
takes it), its outcome and step-up at the end of its ``k``-th episode, its extension
lengths, when it would disengage (after an exponential amount of time in service,
however that time is split by handovers) and whether it drops out at its ``k``-th
handover.  Staffing changes the order of events but not these draws.  Its narrow
interface to the other components:

- the workforce calls :meth:`CaseFlow.offer_slots` when a worker can take more families
  and :meth:`CaseFlow.hand_over_families` when a worker leaves;
- the claims book calls :meth:`CaseFlow.rerefer` and listens to
  :attr:`CaseFlow.on_turned_around` (and, when its optional mechanisms are on, to
  :attr:`CaseFlow.on_referred` and :attr:`CaseFlow.on_first_start`).
"""

from __future__ import annotations

from typing import Callable, Sequence

import numpy as np

from tfsim.scenario.schema import DAYS_PER_MONTH, DAYS_PER_WEEK, Scenario

from .arrivals import FamilyProfiles
from .entities import (
    CLOSED,
    CLOSED_UNALLOCATED,
    DISENGAGED,
    IMPROVED,
    IN_SERVICE,
    NO_PROGRESS,
    REFERRED,
    REFUSED,
    TURNED_AROUND,
    WAITING,
    Family,
    RoleState,
    Worker,
)
from .log import EventLog
from .random import Field, FamilyDraws
from .scheduler import Scheduler
from .waiting_list import ESCALATED, NORMAL, WaitingList


class CaseFlow:
    """Contact, allocation, interventions, outcomes and handovers of one replication.

    Parameters
    ----------
    scenario : Scenario
        A validated scenario.
    roles : list of RoleState
        The roles, in the scenario's order; their fallback levels are filled in here.
    waiting_list : WaitingList
        The (empty) waiting list.
    profiles : FamilyProfiles
        Draws each new family's profile and hands it its ``draws``.
    scheduler, log
        The replication's scheduler and event log.
    draws : FamilyDraws
        The families' random numbers; the case flow declares its processes there.
    """

    def __init__(self, scenario: Scenario, roles: list[RoleState], waiting_list: WaitingList,
                 profiles: FamilyProfiles, scheduler: Scheduler, log: EventLog, draws: FamilyDraws):
        self.roles = roles
        by_id = {r.id: r for r in roles}
        #: per intensity level, the roles that may take it, in fallback order
        self.chains: list[list[RoleState]] = []
        for li, level in enumerate(scenario.families.intensity):
            chain = [by_id[rid] for rid in scenario.allocation.get(level, [])]
            self.chains.append(chain)
            for role in chain:
                role.levels.append(li)
        self.waiting_list = waiting_list
        self.profiles = profiles
        #: every Family record, by id
        self.families: list[Family] = []
        #: families refused now (not since re-approached)
        self.refused = 0
        #: called as ``hook(family, now)`` when a family is turned around (the claims book)
        self.on_turned_around: Callable[[Family, float], None] | None = None
        #: called as ``hook(family)`` when a family is referred (data matching), if set
        self.on_referred: Callable[[Family], None] | None = None
        #: called as ``hook(family, now)`` when a family's first intervention starts, if set
        self.on_first_start: Callable[[Family, float], None] | None = None

        self._sched = scheduler
        self._call_at = scheduler.call_at
        self.log = log
        # bound methods of the log, looked up once: the hot path appends a million times
        self._log_referred = log.referred.append
        self._log_first_start = log.first_start.append
        self._log_wait = log.waits.append
        self._log_close_t = log.close_t.append
        self._log_close_kind = log.close_kind.append
        self._log_close_started = log.close_started.append

        eng = scenario.engagement
        wl = scenario.waiting_list
        self.max_wait = wl.max_wait_days
        self.escalate = wl.on_max_wait == "escalate"
        self.handover_extra = scenario.handover.extra_weeks * DAYS_PER_WEEK
        self.p_refusal = eng.refusal_probability
        self.p_reapproach = eng.reapproach_probability if self.p_refusal > 0 else 0.0
        self.p_handover_quit = scenario.handover.disengagement_probability

        # The processes of the families' draws, declared only for decisions that can go either
        # way (no draw when the answer is certain: each process has its own streams, so this
        # never disturbs another).  A family's block holds its first draw of each (width 1);
        # later ones (a second contact, handover or episode) and extension lengths (width 0)
        # are read on demand.  Widths never change the values.
        self._draws = draws

        def uncertain(p: float) -> bool:
            return 0.0 < p < 1.0

        self.f_refusal = draws.field("refusal", 1) if uncertain(self.p_refusal) else None
        self.f_reapproach = draws.field("reapproach", 1) if uncertain(self.p_reapproach) else None
        self.f_reapproach_delay = None
        if self.p_reapproach > 0:
            self.f_reapproach_delay = draws.field("reapproach_delay", 1, _quantile_days(eng.reapproach_delay_months))
        for role in roles:  # one uniform per family, read through the length of whichever role takes it
            spec = role.spec
            role.duration_at = draws.field("duration", 1, _quantile_days(spec.duration_months)).at
            if spec.max_extensions > 0 and spec.step_up_probability > 0:
                role.extension = draws.field("extension", 0, _quantile_days(spec.extension_months))
        self.f_outcome = draws.field("outcome", 1) if any(c < 0 for r in roles for c in r.certain) else None
        self.f_step_up = None
        if any(r.spec.max_extensions > 0 and uncertain(r.spec.step_up_probability) for r in roles):
            self.f_step_up = draws.field("step_up", 1)
        # disengagement: the family quits once its time in service reaches an exponential
        # draw with mean 1/hazard months (the same hazard in service, however the time is split)
        self.f_disengage: Field | None = None
        if eng.disengagement_hazard_per_month > 0:
            mean_days = DAYS_PER_MONTH / eng.disengagement_hazard_per_month
            self.f_disengage = draws.field("disengagement", 1, lambda u: -mean_days * np.log1p(-u))
        self.f_handover = draws.field("handover", 1) if uncertain(self.p_handover_quit) else None

    # ---- referrals and first contact --------------------------------------------------------

    def refer_due(self, times: Sequence[float], i: int) -> int:
        """Refer every family due at ``times[i]`` (a cohort batch shares one instant); return the next index."""
        n = len(times)
        now = times[i]
        families = self.families
        new_family = self.profiles.new_family
        on_referred = self.on_referred
        while True:
            fam = new_family(len(families), now)
            families.append(fam)
            self._log_referred(now)
            if on_referred is not None:
                on_referred(fam)
            self._contact(fam, True)
            i += 1
            if i >= n or times[i] != now:
                return i

    def rerefer(self, source: Family) -> Family:
        """Refer ``source`` again now, as a NEW Family record with the same profile.

        A re-referral counts as a referral (``log.referred``, a new id), so the identity
        referred = refused + waiting + in service + closed still holds over Family records;
        the claims book links the new record to the original one so the family earns one
        attachment fee and at most one results payment in all.
        """
        now = self._sched.now
        index, generation = source.draws.key(source.j)  # the next generation of the same family's draws
        fam = Family(len(self.families), source.level, source.needs, source.adults, source.children,
                     self._draws.row(index, generation + 1), 0, now)
        self.families.append(fam)
        self.log.referred.append(now)
        if self.on_referred is not None:
            self.on_referred(fam)
        self._contact(fam, first=True)
        return fam

    def _contact(self, fam: Family, first: bool) -> None:
        p = self.p_refusal
        if p > 0.0:
            k = fam.contacts  # the k-th contact reads the family's k-th refusal draw
            fam.contacts = k + 1
            if p >= 1.0 or (fam.draws[self.f_refusal.at][fam.j] if k == 0 else
                            self._draws.value(fam, self.f_refusal, k)) < p:
                self._refuse(fam, first, k)
                return
        # accepted: the first role in the family's fallback chain with a free slot takes it
        for role in self.chains[fam.level]:
            tokens = role.tokens
            while tokens:  # RoleState.take_slot, inlined on this hot path
                w = tokens.popleft()
                if w.accepting and w.load < w.cap:
                    self._start(fam, w, 0.0)
                    return
        self._enqueue(fam, NORMAL)  # else it waits

    def _refuse(self, fam: Family, first: bool, k: int) -> None:
        now = self._sched.now
        fam.state = REFUSED
        if first:
            self.log.refused_first.append(now)
        self.refused += 1
        self.log.refused_t.append(now)
        self.log.refused_d.append(1)
        p = self.p_reapproach
        if p > 0 and (p >= 1.0 or self._draws.value(fam, self.f_reapproach, k) < p):
            self._sched.at(self._draws.value(fam, self.f_reapproach_delay, k), self._on_reapproach, fam)

    def _on_reapproach(self, fam, _tag) -> None:
        self.refused -= 1
        self.log.refused_t.append(self._sched.now)
        self.log.refused_d.append(-1)
        self._contact(fam, first=False)

    # ---- the waiting list ------------------------------------------------------------------

    def _enqueue(self, fam: Family, tier: int) -> None:
        now = self._sched.now
        if self.waiting_list.add(fam, tier, now):
            self.log.waiting_t.append(now)
            self.log.waiting_d.append(1)
            if self.max_wait is not None:
                self._sched.at(self.max_wait, self._on_max_wait, (fam, fam.joined))

    def _on_max_wait(self, value, _tag) -> None:
        fam, joined = value
        if fam.state != WAITING or fam.joined != joined or fam.tier == ESCALATED:
            return
        if self.escalate:
            self._enqueue(fam, ESCALATED)
        else:
            self.waiting_list.remove(fam)
            self.log.waiting_t.append(self._sched.now)
            self.log.waiting_d.append(-1)
            self._close(fam, CLOSED_UNALLOCATED)

    # ---- slots: the workforce's interface -----------------------------------------------------

    def offer_slots(self, w: Worker, n: int) -> None:
        """``n`` more families may now be held by ``w``: each slot goes to a waiting family or the pool."""
        for _ in range(n):
            self._free_slot(w)

    def hand_over_families(self, w: Worker) -> None:
        """``w`` is leaving: each of their families goes to a colleague with a free slot, or to the list."""
        for fam in list(w.families.values()):  # families leave the worker before its slots go
            self._hand_over(fam, w)

    def _free_slot(self, w: Worker) -> None:
        """A slot of ``w`` has become free: give it to the next waiting family or pool it."""
        if not w.accepting or w.load >= w.cap:
            return
        wl = self.waiting_list
        if wl.count:
            fam = wl.pop_for(w.role.levels)
            if fam is not None:
                now = self._sched.now
                self.log.waiting_t.append(now)
                self.log.waiting_d.append(-1)
                self._start(fam, w, now - fam.joined)
                return
        w.role.tokens.append(w)

    def _hand_over(self, fam: Family, w: Worker) -> None:
        """Move a leaver's family to a colleague with a free slot, or to the front of the list."""
        now = self._sched.now
        remaining = max(0.0, fam.end_at - now)
        del w.families[fam.id]
        w.load -= 1
        w.role.busy.append(-now)
        fam.worker = None
        fam.episode += 1  # the old worker's end-of-intervention event no longer applies
        if self.f_disengage is not None:
            fam.quit_left = max(0.0, fam.quit_at - now)  # the time in service so far counts
        self.log.handovers.append(now)
        k = fam.handovers
        fam.handovers = k + 1
        p = self.p_handover_quit
        if p > 0.0 and (p >= 1.0 or self._draws.value(fam, self.f_handover, k) < p):
            self._close(fam, DISENGAGED)
            return
        fam.remaining = remaining + self.handover_extra
        for role in self.chains[fam.level]:
            w2 = role.take_slot()
            if w2 is not None:
                self._start(fam, w2, waited=0.0)
                return
        fam.state = REFERRED  # rejoins the list, at the front
        self._enqueue(fam, ESCALATED)

    # ---- interventions -----------------------------------------------------------------------

    def _start(self, fam: Family, w: Worker, waited: float) -> None:
        now = self._sched.now
        fam.state = IN_SERVICE
        fam.worker = w
        load = w.load + 1
        w.load = load
        if load > w.cap:
            self.log.max_load_exceeded = True
        w.families[fam.id] = fam
        role = w.role
        role.busy.append(now)
        if fam.started < 0:
            fam.started = now
            self._log_first_start(now)
            self._log_wait(waited)
            if self.on_first_start is not None:
                self.on_first_start(fam, now)
        if fam.remaining >= 0:  # resuming after a handover
            length = fam.remaining
            fam.remaining = -1.0
        else:
            length = fam.draws[role.duration_at][fam.j]
            if role.adjusted:
                length *= role.duration_factor(w, now)
        # self._schedule_end(fam, length), inlined on this hot path
        episode = fam.episode + 1
        fam.episode = episode
        end = now + length
        fam.end_at = end
        f = self.f_disengage
        if f is not None:
            left = fam.quit_left
            if left < 0.0:  # first time in service: its draw
                left = fam.draws[f.at][fam.j]
            quit_at = fam.quit_at = now + left
            if quit_at < end:
                self._call_at(quit_at, self._on_disengage, fam, episode)
                return
        self._call_at(end, self._on_end, fam, episode)

    def _schedule_end(self, fam: Family, length: float) -> None:
        now = self._sched.now
        episode = fam.episode + 1
        fam.episode = episode
        end = now + length
        fam.end_at = end
        if self.f_disengage is not None:
            left = fam.quit_left
            if left < 0.0:  # first time in service: its draw
                left = fam.draws[self.f_disengage.at][fam.j]
            fam.quit_at = now + left
            if fam.quit_at < end:
                self._call_at(fam.quit_at, self._on_disengage, fam, episode)
                return
        self._call_at(end, self._on_end, fam, episode)

    def _on_disengage(self, fam: Family, episode: int) -> None:
        if fam.episode == episode and fam.state == IN_SERVICE:
            self._finish(fam, DISENGAGED)

    def _on_end(self, fam: Family, episode: int) -> None:
        if fam.episode != episode or fam.state != IN_SERVICE:
            return  # superseded by a handover, a disengagement or a step-up
        if self.f_disengage is not None:
            fam.quit_left = fam.quit_at - self._sched.now
        role = fam.worker.role
        k = fam.extensions  # the end of its k-th episode reads its k-th outcome and step-up draws
        outcome = role.certain[fam.level]
        if outcome < 0:
            u = fam.draws[self.f_outcome.at][fam.j] if k == 0 else self._draws.value(fam, self.f_outcome, k)
            cum = role.outcome_cum[fam.level]
            outcome = TURNED_AROUND if u < cum[0] else IMPROVED if u < cum[1] else NO_PROGRESS if u < cum[2] else DISENGAGED
        if outcome == IMPROVED:
            spec = role.spec
            p = spec.step_up_probability
            if k < spec.max_extensions and p > 0 and (
                    p >= 1.0 or self._draws.value(fam, self.f_step_up, k) < p):
                fam.extensions = k + 1  # stepped up: same worker, longer intervention
                length = self._draws.value(fam, role.extension, k)
                if role.adjusted:
                    length *= role.duration_factor(fam.worker, self._sched.now)
                self._schedule_end(fam, length)
                return
        self._finish(fam, outcome)

    def _finish(self, fam: Family, outcome: int) -> None:
        w = fam.worker
        fam.worker = None
        del w.families[fam.id]
        w.load -= 1
        role = w.role
        now = self._sched.now
        role.busy.append(-now)
        self._close(fam, outcome)
        self._free_slot(w)

    def _close(self, fam: Family, outcome: int) -> None:
        now = self._sched.now
        fam.state = CLOSED
        fam.closed = now
        fam.outcome = outcome
        self._log_close_t(now)
        self._log_close_kind(outcome)
        self._log_close_started(fam.started)
        if outcome == TURNED_AROUND and self.on_turned_around is not None:
            self.on_turned_around(fam, now)


def _quantile_days(dist):
    """The transform reading uniforms through ``dist`` (in months) as days."""
    return lambda u: dist.quantile(u, DAYS_PER_MONTH)
