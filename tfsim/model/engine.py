"""The discrete-event engine: families, waiting list, key workers and interventions.

The clock is in days from the scenario's ``start_date``.  The engine runs on a SimPy
:class:`simpy.Environment` (its clock and event queue) but drives it with callbacks
rather than one generator process per family, and merges the referral stream, drawn in
advance, into its run loop: a family costs one queued event for its intervention
instead of the five or six of a process-per-family model, which makes a replication
of 200,000 families take under a second (``benchmarks/engine.py``).

What happens to a family
------------------------
referred -> first contact: refuses (maybe re-approached later) or accepts ->
allocated at once to the first role in its level's fallback order with a free slot,
or put on the waiting list -> intervention of a sampled length (it may disengage
part-way through) -> outcome at exit: turned around, improved (maybe stepped up and
extended), no progress, or disengaged -> closed.  A family on the list may be closed
or escalated after a maximum wait.

The engine only records what happened and when (:class:`EventLog`); the statistics
are computed afterwards by :mod:`tfsim.model.metrics`.
"""

from __future__ import annotations

import gc
import math
from array import array
from collections import deque
from heapq import heappop, heappush
from typing import Callable

import numpy as np
import simpy
from simpy.events import NORMAL

from tfsim.scenario.schema import DAYS_PER_MONTH, OUTCOME_NAMES, Scenario

from .random import Sampler, Streams

# Family states
REFUSED, WAITING, IN_SERVICE, CLOSED, REFERRED = range(5)
# Closure reasons (outcome codes); the first four follow schema.OUTCOME_NAMES
TURNED_AROUND, IMPROVED, NO_PROGRESS, DISENGAGED, CLOSED_UNALLOCATED = range(5)
CLOSURE_NAMES = OUTCOME_NAMES + ("closed_unallocated",)
NOT_CLOSED = -1


class Call:
    """A scheduled callback: all that SimPy's ``Environment.step`` needs of an event.

    ``Environment.step`` pops ``(time, priority, id, event)`` from the queue, calls each
    of ``event.callbacks`` with the event and checks ``event._ok``.  Pushing these
    small objects straight onto the queue costs a third of a full ``Timeout``, and the
    engine schedules hundreds of thousands of them (SimPy 4's documented queue layout).
    """

    __slots__ = ("callbacks", "_ok", "_value", "tag")

    def __init__(self, callback: Callable, value, tag: int = 0):
        self.callbacks = [callback]
        self._ok = True
        self._value = value
        self.tag = tag  # e.g. the family's episode when the call was made

    @property
    def value(self):
        return self._value


class Family:
    """One referred family and where it is in the programme."""

    __slots__ = (
        "id", "level", "needs", "adults", "children", "state", "joined", "ticket", "tier",
        "worker", "episode", "extensions", "referred", "started", "closed", "outcome", "end_at", "remaining",
    )

    def __init__(self, fid: int, level: int, needs: int, adults: int, children: int, referred: float = 0.0):
        self.id = fid
        self.referred = referred  # referral time (days)
        self.level = level
        self.needs = needs
        self.adults = adults
        self.children = children
        self.state = REFERRED
        self.joined = 0.0  # when it joined the waiting list (days)
        self.ticket = 0  # invalidates stale waiting-list entries
        self.tier = 1  # 0 = escalated, 1 = normal
        self.worker: Worker | None = None
        self.episode = 0  # invalidates stale end-of-intervention events
        self.extensions = 0
        self.started = -1.0  # first start of an intervention (days), -1 if never
        self.closed = -1.0
        self.outcome = NOT_CLOSED
        self.end_at = -1.0  # planned end of the current intervention (days)
        self.remaining = -1.0  # intervention time still to do after a handover (days), -1 if none


# Kinds of worker
PERMANENT, AGENCY, SECONDEE = range(3)


class Worker:
    """A key worker in post: FTE, caseload cap and the families they hold."""

    __slots__ = ("id", "role", "fte", "cap", "full_cap", "load", "accepting", "families", "kind", "post", "since",
                 "inducting", "gone")

    def __init__(self, wid: int, role: "RoleState", fte: float, cap: int, kind: int = PERMANENT, since: float = 0.0):
        self.id = wid
        self.role = role
        self.fte = fte
        self.full_cap = cap  # cap once fully inducted
        self.cap = cap  # cap now
        self.load = 0
        self.accepting = True  # False during a notice period and after leaving
        self.families: dict[int, Family] = {}  # insertion-ordered for determinism
        self.kind = kind
        self.post = None  # the funded post held (workforce module), if any
        self.since = since  # start date (days): tenure drives the learning curve
        self.inducting = False
        self.gone = False


def caseload_cap(cap_per_fte: float, fte: float) -> int:
    """Families a worker of ``fte`` may hold: cap per FTE times FTE, rounded down."""
    return int(cap_per_fte * fte + 1e-9)


class RoleState:
    """Live state of one role: its workers and a pool of free-slot tokens.

    A token is a worker reference meaning "this worker may have a free slot".  Tokens
    are checked when taken, so caps can shrink or workers stop accepting without the
    pool being rebuilt; the pool always holds at least one token per free slot.
    """

    __slots__ = ("index", "id", "spec", "workers", "tokens", "levels", "duration", "extension", "outcome_cum",
                 "certain", "stretch", "learned_factor", "experience_months", "adjusted", "busy_t", "busy_d")

    def __init__(self, index: int, spec, streams: Streams, levels: list[str], workforce):
        self.index = index
        self.id = spec.id
        self.spec = spec
        self.workers: list[Worker] = []
        self.tokens: deque[Worker] = deque()
        self.levels: list[int] = []  # intensity levels whose fallback chain includes this role
        self.duration = streams.sampler(f"duration:{spec.id}", spec.duration_months)
        self.extension = streams.sampler(f"extension:{spec.id}", spec.extension_months)
        self.outcome_cum = [tuple(np.cumsum(spec.outcomes_for(level).as_tuple()).tolist()) for level in levels]
        # an outcome with chance 1 needs no draw (the outcome stream is this decision's own)
        self.certain = [next((k for k, p in enumerate(spec.outcomes_for(level).as_tuple()) if p >= 1.0), -1)
                        for level in levels]
        self.busy_t = array("d")  # families in service with this role: times of change
        self.busy_d = array("b")  # ... and the changes (+1 start, -1 leave), in event order
        # sickness absence stretches interventions; experience shortens them (learning curve)
        self.stretch = 1.0 / (1.0 - workforce.sickness_absence_share)
        self.learned_factor = workforce.experienced_duration_factor
        self.experience_months = workforce.experience_months
        self.adjusted = self.stretch != 1.0 or self.learned_factor < 1.0

    def duration_factor(self, w: "Worker", now: float) -> float:
        """Multiplier of a new intervention's length with worker ``w`` at time ``now``."""
        if self.learned_factor >= 1.0:
            return self.stretch
        tenure = (now - w.since) / DAYS_PER_MONTH
        return self.stretch * (1.0 - (1.0 - self.learned_factor) * (1.0 - math.exp(-tenure / self.experience_months)))

    def take_slot(self) -> Worker | None:
        tokens = self.tokens
        while tokens:
            w = tokens.popleft()
            if w.accepting and w.load < w.cap:
                return w
        return None


class EventLog:
    """What happened and when; everything the statistics are computed from."""

    def __init__(self, n_roles: int):
        # The long logs are arrays of doubles: appending costs what a list append does, and
        # NumPy reads them without converting a Python float object per entry.
        self.referred = array("d")
        self.refused_first: list[float] = []  # first refusal of each family
        # levels as (time, change) in event order: families refused, families waiting
        self.refused_t, self.refused_d = array("d"), array("b")
        self.waiting_t, self.waiting_d = array("d"), array("b")
        self.first_start = array("d")  # each family's first intervention start
        self.waits = array("d")  # days waited, aligned with first_start
        self.close_t = array("d")  # closures: time,
        self.close_kind = array("q")  # reason (outcome code),
        self.close_started = array("d")  # and when the family first started (-1: never)
        self.busy: list[tuple[array, array]] = []  # per role: families in service as (times, changes)
        self.capacity: list[list[tuple[float, int]]] = [[] for _ in range(n_roles)]
        self.fte: list[list[tuple[float, float]]] = [[] for _ in range(n_roles)]
        # workforce (issue 3): per role (time, change) of funded FTE and agency cover FTE;
        # hires and leavers as (time, role index)
        self.establishment: list[list[tuple[float, float]]] = [[] for _ in range(n_roles)]
        self.agency_fte: list[list[tuple[float, float]]] = [[] for _ in range(n_roles)]
        self.hires: list[tuple[float, int]] = []
        self.leavers: list[tuple[float, int]] = []
        self.vacant: list[list[tuple[float, float]]] = [[] for _ in range(n_roles)]
        self.induction: list[tuple[float, int]] = []  # workers in induction
        self.handovers: list[float] = []
        self.fill_days: list[tuple[float, float]] = []  # (hire time, days the post stood vacant)
        self.max_load_exceeded = False


class Engine:
    """One replication of a scenario.

    Parameters
    ----------
    scenario : Scenario
        A validated scenario.
    seed : numpy.random.SeedSequence
        The replication's seed; every stochastic process draws from its own child stream.
    """

    def __init__(self, scenario: Scenario, seed: np.random.SeedSequence):
        self.scenario = scenario
        self.env = simpy.Environment()
        self.streams = Streams(seed)
        self.levels = list(scenario.families.intensity)
        self.roles = [RoleState(i, spec, self.streams, self.levels, scenario.workforce_of(spec))
                      for i, spec in enumerate(scenario.roles)]
        by_id = {r.id: r for r in self.roles}
        self.chains: list[list[RoleState]] = []
        for li, level in enumerate(self.levels):
            chain = [by_id[rid] for rid in scenario.allocation.get(level, [])]
            self.chains.append(chain)
            for role in chain:
                role.levels.append(li)
        self.families: list[Family] = []
        self.workers: list[Worker] = []
        self.log = EventLog(len(self.roles))
        self.log.busy = [(role.busy_t, role.busy_d) for role in self.roles]
        self._queue = self.env._queue
        self._eid = self.env._eid
        # bound methods of the log, looked up once: the hot path appends a million times
        self._log_referred = self.log.referred.append
        self._log_first_start = self.log.first_start.append
        self._log_wait = self.log.waits.append
        self._log_close_t = self.log.close_t.append
        self._log_close_kind = self.log.close_kind.append
        self._log_close_started = self.log.close_started.append
        # Waiting list: per tier (0 escalated, 1 normal) and level, a FIFO of (seq, family, ticket)
        self.queues: list[list[deque]] = [[deque() for _ in self.levels] for _ in range(2)]
        self._seq = 0
        self._waiting = 0
        self._refused = 0

        eng = scenario.engagement
        self.u_refusal = self.streams.uniform("refusal")
        self.u_reapproach = self.streams.uniform("reapproach")
        self.reapproach_delay = self.streams.sampler("reapproach_delay", eng.reapproach_delay_months)
        self.p_refusal = eng.refusal_probability
        self.p_reapproach = eng.reapproach_probability
        self.hazard = eng.disengagement_hazard_per_month
        self.disengage_after = None
        if self.hazard > 0:  # time to disengage is exponential with mean 1/hazard months
            gen, mean = self.streams.generator("disengagement"), 1.0 / self.hazard
            self.disengage_after = Sampler(lambda n: gen.exponential(mean, n))
        self.u_outcome = self.streams.uniform("outcome")
        self.u_step_up = self.streams.uniform("step_up")
        wl = scenario.waiting_list
        self.priority = wl.discipline == "priority"
        self.max_wait = wl.max_wait_days
        self.escalate = wl.on_max_wait == "escalate"
        self._profile = FamilyProfiles(scenario, self.streams)
        #: Called as ``hook(family, now)`` when a family is turned around (claims, issue 4).
        self.on_turned_around: Callable[[Family, float], None] | None = None
        self.handover_extra = scenario.handover.extra_weeks * 7.0
        self.p_handover_quit = scenario.handover.disengagement_probability
        self.u_handover = self.streams.uniform("handover")
        from .workforce import WorkforceProcess  # noqa: PLC0415 (the workforce drives this engine)

        self.workforce = WorkforceProcess(self)

        # ---- payment by results (issue 4): claim timelines, see tfsim.model.claims ----
        self.claims = None
        if scenario.money is not None:
            from .claims import ClaimsBook

            self.claims = ClaimsBook(self)  # sets on_turned_around

    # ---- scheduling helpers ---------------------------------------------------------------

    def at(self, delay: float, callback: Callable, value=None, tag: int = 0) -> None:
        """Call ``callback(event)`` after ``delay`` days; ``event.value`` is ``value``."""
        if delay < 0:
            raise ValueError(f"negative delay {delay}")
        heappush(self._queue, (self.env._now + delay, NORMAL, next(self._eid), Call(callback, value, tag)))

    # ---- set-up -------------------------------------------------------------------------------

    def add_worker(self, role: RoleState, fte: float, kind: int = PERMANENT, cap: int | None = None) -> Worker:
        """Put a worker in post now, holding ``cap`` families at first (default: the full cap)."""
        now = self.env.now
        full = caseload_cap(role.spec.caseload_cap_per_fte, fte)
        w = Worker(len(self.workers), role, fte, full, kind, since=now)
        w.cap = full if cap is None else min(cap, full)
        self.workers.append(w)
        role.workers.append(w)
        self.log.capacity[role.index].append((now, w.cap))
        if kind == AGENCY:
            self.log.agency_fte[role.index].append((now, fte))
        else:
            self.log.fte[role.index].append((now, fte))
        for _ in range(w.cap):
            self._free_slot(w)
        return w

    def set_cap(self, w: Worker, cap: int) -> None:
        """Change how many families ``w`` may hold (induction); a rise is offered to waiting families."""
        if w.gone or cap == w.cap:
            return
        rise = cap - w.cap
        self.log.capacity[w.role.index].append((self.env.now, rise))
        w.cap = cap
        for _ in range(max(0, rise)):
            self._free_slot(w)

    def remove_worker(self, w: Worker) -> None:
        """``w`` leaves now: each of their families is handed over (see :meth:`_hand_over`)."""
        if w.gone:
            return
        now = self.env.now
        w.gone = True
        w.accepting = False
        w.role.workers.remove(w)
        for fam in list(w.families.values()):  # families leave the worker before its slots go
            self._hand_over(fam, w)
        self.log.capacity[w.role.index].append((now, -w.cap))
        if w.kind == AGENCY:
            self.log.agency_fte[w.role.index].append((now, -w.fte))
        else:
            self.log.fte[w.role.index].append((now, -w.fte))

    def _hand_over(self, fam: Family, w: Worker) -> None:
        """Move a leaver's family to a colleague with a free slot, or to the front of the list."""
        now = self.env.now
        remaining = max(0.0, fam.end_at - now)
        del w.families[fam.id]
        w.load -= 1
        w.role.busy_t.append(now)
        w.role.busy_d.append(-1)
        fam.worker = None
        fam.episode += 1  # the old worker's end-of-intervention event no longer applies
        self.log.handovers.append(now)
        if self.u_handover() < self.p_handover_quit:
            self._close(fam, DISENGAGED)
            return
        fam.remaining = remaining + self.handover_extra
        for role in self.chains[fam.level]:
            w2 = role.take_slot()
            if w2 is not None:
                self._start(fam, w2, waited=0.0)
                return
        fam.state = REFERRED  # rejoins the list, at the front
        self._enqueue(fam, tier=0)

    def run(self) -> EventLog:
        sc = self.scenario
        self.workforce.start()
        self._referral_times = referral_times(sc, self.streams.generator("referrals")).tolist()
        # The run keeps every family and log entry alive and makes no garbage cycles worth
        # collecting, so the collector's repeated full scans only cost time (about 40%).
        collecting = gc.isenabled()
        gc.disable()
        try:
            self._run_until(sc.horizon_days)
        finally:
            if collecting:
                gc.enable()
        return self.log

    def _run_until(self, until: float) -> None:
        """Process events before ``until``: SimPy's ``Environment.run`` loop with ``step`` inlined.

        Same semantics as ``env.run(until=...)`` (events at ``until`` itself are left, a
        failed event that nobody defused raises), without a method call and exception
        frame per event; any SimPy event or process scheduled on ``self.env`` works.
        Referrals, drawn in advance as a sorted array, are merged in rather than pushed
        through the event queue one by one; at equal times queued events go first, so a
        slot freed at the instant a family is referred is free for it.
        """
        env = self.env
        queue = env._queue
        times = self._referral_times
        n = len(times)
        i = 0
        next_referral = times[0] if n else math.inf
        while True:
            if next_referral < (queue[0][0] if queue else math.inf):
                if next_referral >= until:
                    break
                env._now = next_referral
                i = self._refer(i)
                next_referral = times[i] if i < n else math.inf
                continue
            if not queue or queue[0][0] >= until:
                break
            env._now, _, _, event = heappop(queue)
            callbacks, event.callbacks = event.callbacks, None
            for callback in callbacks:
                callback(event)
            if not event._ok and not hasattr(event, "_defused"):
                exc = type(event._value)(*event._value.args)
                exc.__cause__ = event._value
                raise exc
        env._now = until

    # ---- referrals and first contact --------------------------------------------------------

    def _refer(self, i: int) -> int:
        """Refer every family due at the time of referral ``i``; return the next index."""
        times = self._referral_times
        n = len(times)
        now = times[i]
        families = self.families
        new_family = self._profile.new_family
        while True:  # cohort batches share one instant
            fam = new_family(len(families), now)
            families.append(fam)
            self._log_referred(now)
            self._contact(fam, True)
            i += 1
            if i >= n or times[i] != now:
                return i

    def _contact(self, fam: Family, first: bool) -> None:
        p = self.p_refusal
        if p > 0.0 and (p >= 1.0 or self.u_refusal() < p):  # no draw when the answer is certain
            now = self.env._now
            fam.state = REFUSED
            if first:
                self.log.refused_first.append(now)
            self._refused += 1
            self.log.refused_t.append(now)
            self.log.refused_d.append(1)
            if self.p_reapproach > 0 and self.u_reapproach() < self.p_reapproach:
                self.at(self.reapproach_delay() * DAYS_PER_MONTH, self._on_reapproach, fam)
            return
        # accepted: the first role in the family's fallback chain with a free slot takes it
        for role in self.chains[fam.level]:
            tokens = role.tokens
            while tokens:  # RoleState.take_slot, inlined on this hot path
                w = tokens.popleft()
                if w.accepting and w.load < w.cap:
                    self._start(fam, w, 0.0)
                    return
        self._enqueue(fam, 1)  # else it waits

    # ---- re-referral (issue 4: a relapsed family referred again) ---------------------------

    def rerefer(self, source: Family) -> Family:
        """Refer ``source`` again now, as a NEW Family record with the same profile.

        A re-referral counts as a referral (``log.referred``, a new id), so the identity
        referred = refused + waiting + in service + closed still holds over Family records;
        :class:`tfsim.model.claims.ClaimsBook` links the new record to the original one so
        the family earns one attachment fee and at most one results payment in all.
        """
        fam = Family(len(self.families), source.level, source.needs, source.adults, source.children, self.env.now)
        self.families.append(fam)
        self.log.referred.append(self.env.now)
        self._contact(fam, first=True)
        return fam

    def _on_reapproach(self, event) -> None:
        fam = event.value
        self._refused -= 1
        self.log.refused_t.append(self.env.now)
        self.log.refused_d.append(-1)
        self._contact(fam, first=False)

    # ---- allocation ------------------------------------------------------------------------

    def _enqueue(self, fam: Family, tier: int) -> None:
        now = self.env.now
        if fam.state != WAITING:
            fam.state = WAITING
            fam.joined = now
            self._waiting += 1
            self.log.waiting_t.append(now)
            self.log.waiting_d.append(1)
            if self.max_wait is not None:
                self.at(self.max_wait, self._on_max_wait, (fam, fam.joined))
        fam.ticket += 1
        fam.tier = tier
        self._seq += 1
        self.queues[tier][fam.level].append((self._seq, fam, fam.ticket))

    def _on_max_wait(self, event) -> None:
        fam, joined = event.value
        if fam.state != WAITING or fam.joined != joined or fam.tier == 0:
            return
        if self.escalate:
            self._enqueue(fam, tier=0)
        else:
            self._leave_waiting(fam)
            self._close(fam, CLOSED_UNALLOCATED)

    def _leave_waiting(self, fam: Family) -> None:
        fam.ticket += 1  # its queue entry is now stale
        self._waiting -= 1
        self.log.waiting_t.append(self.env._now)
        self.log.waiting_d.append(-1)

    def _next_waiting(self, role: RoleState) -> Family | None:
        """The family a free slot of ``role`` goes to, removed from the list (or None)."""
        if not self._waiting:
            return None
        for tier in self.queues:
            best = None
            best_queue = None
            for li in role.levels:
                q = tier[li]
                while q:
                    seq, fam, ticket = q[0]
                    if fam.ticket == ticket and fam.state == WAITING:
                        break
                    q.popleft()  # stale entry
                if not q:
                    continue
                if self.priority:  # levels are in priority order: the first non-empty wins
                    best_queue = q
                    break
                if best is None or q[0][0] < best:
                    best = q[0][0]
                    best_queue = q
            if best_queue is not None:
                fam = best_queue.popleft()[1]
                self._leave_waiting(fam)
                return fam
        return None

    # ---- interventions -----------------------------------------------------------------------

    def _start(self, fam: Family, w: Worker, waited: float) -> None:
        now = self.env._now
        fam.state = IN_SERVICE
        fam.worker = w
        load = w.load + 1
        w.load = load
        if load > w.cap:
            self.log.max_load_exceeded = True
        w.families[fam.id] = fam
        role = w.role
        role.busy_t.append(now)
        role.busy_d.append(1)
        if fam.started < 0:
            fam.started = now
            self._log_first_start(now)
            self._log_wait(waited)
        if fam.remaining >= 0:  # resuming after a handover
            length = fam.remaining
            fam.remaining = -1.0
        else:
            length = role.duration() * DAYS_PER_MONTH
            if role.adjusted:
                length *= role.duration_factor(w, now)
        if self.disengage_after is not None:
            self._schedule_end(fam, length)
            return
        # self._schedule_end(fam, length) without disengagement, inlined on this hot path
        episode = fam.episode + 1
        fam.episode = episode
        end = now + length
        fam.end_at = end
        heappush(self._queue, (end, NORMAL, next(self._eid), Call(self._on_end, fam, episode)))

    def _schedule_end(self, fam: Family, length: float) -> None:
        now = self.env._now
        episode = fam.episode + 1
        fam.episode = episode
        fam.end_at = now + length
        if self.disengage_after is not None:
            quit_after = self.disengage_after() * DAYS_PER_MONTH
            if quit_after < length:
                heappush(self._queue, (now + quit_after, NORMAL, next(self._eid), Call(self._on_disengage, fam, episode)))
                return
        heappush(self._queue, (now + length, NORMAL, next(self._eid), Call(self._on_end, fam, episode)))

    def _on_disengage(self, event) -> None:
        fam = event._value
        if fam.episode == event.tag and fam.state == IN_SERVICE:
            self._finish(fam, DISENGAGED)

    def _on_end(self, event) -> None:
        fam = event._value
        if fam.episode != event.tag or fam.state != IN_SERVICE:
            return  # superseded by a handover, a disengagement or a step-up
        role = fam.worker.role
        outcome = role.certain[fam.level]
        if outcome < 0:
            u = self.u_outcome()
            cum = role.outcome_cum[fam.level]
            outcome = TURNED_AROUND if u < cum[0] else IMPROVED if u < cum[1] else NO_PROGRESS if u < cum[2] else DISENGAGED
        if outcome == IMPROVED:
            spec = role.spec
            if fam.extensions < spec.max_extensions and self.u_step_up() < spec.step_up_probability:
                fam.extensions += 1  # stepped up: same worker, longer intervention
                length = role.extension() * DAYS_PER_MONTH
                if role.adjusted:
                    length *= role.duration_factor(fam.worker, self.env._now)
                self._schedule_end(fam, length)
                return
        self._finish(fam, outcome)

    def _finish(self, fam: Family, outcome: int) -> None:
        w = fam.worker
        fam.worker = None
        del w.families[fam.id]
        w.load -= 1
        role = w.role
        role.busy_t.append(self.env._now)
        role.busy_d.append(-1)
        self._close(fam, outcome)
        self._free_slot(w)

    def _free_slot(self, w: Worker) -> None:
        """A slot of ``w`` has become free: give it to the next waiting family or pool it."""
        if not w.accepting or w.load >= w.cap:
            return
        if self._waiting:
            fam = self._next_waiting(w.role)
            if fam is not None:
                self._start(fam, w, self.env._now - fam.joined)
                return
        w.role.tokens.append(w)

    def _close(self, fam: Family, outcome: int) -> None:
        now = self.env._now
        fam.state = CLOSED
        fam.closed = now
        fam.outcome = outcome
        self._log_close_t(now)
        self._log_close_kind(outcome)
        self._log_close_started(fam.started)
        if outcome == TURNED_AROUND and self.on_turned_around is not None:
            self.on_turned_around(fam, now)


class FamilyProfiles:
    """Draws each new family's intensity level, needs and size, each from its own stream.

    Profiles are drawn a block at a time (one NumPy call per attribute per block) and
    handed out one by one.
    """

    BLOCK = 1024

    def __init__(self, scenario: Scenario, streams: Streams):
        from .random import block_function

        fam = scenario.families
        self._level_cum = np.cumsum(list(fam.intensity.values()))
        self._level_cum[-1] = 1.0 + 1e-12
        self._level_gen = streams.generator("family_level")
        self._need_p = np.asarray(list(fam.needs.values()), dtype=float)
        self._need_gen = streams.generator("family_needs")
        self._powers = 1 << np.arange(len(self._need_p), dtype=np.int64)
        self._adults = block_function(fam.adults, streams.generator("family_adults"))
        self._children = block_function(fam.children, streams.generator("family_children"))
        self._buffer: list[tuple[int, int, int, int]] = []
        self._index = self.BLOCK  # empty: the first family fills the buffer

    def _refill(self) -> None:
        n = self.BLOCK
        levels = np.searchsorted(self._level_cum, self._level_gen.random(n), side="right")
        if len(self._need_p):
            needs = (self._need_gen.random((n, len(self._need_p))) < self._need_p).astype(np.int64) @ self._powers
        else:
            needs = np.zeros(n, dtype=np.int64)
        adults = np.rint(self._adults(n)).astype(np.int64)
        children = np.rint(self._children(n)).astype(np.int64)
        self._buffer = list(zip(levels.tolist(), needs.tolist(), adults.tolist(), children.tolist()))
        self._index = 0

    def new_family(self, fid: int, now: float) -> Family:
        i = self._index
        if i >= self.BLOCK:
            self._refill()
            i = 0
        self._index = i + 1
        return Family(fid, *self._buffer[i], now)


def referral_times(scenario: Scenario, gen: np.random.Generator) -> np.ndarray:
    """All referral times (days, sorted): cohort batches plus a piecewise-constant Poisson stream.

    Within each rate period the count is Poisson(rate x length) and the times are
    uniform order statistics, which is exactly a homogeneous Poisson process.
    """
    parts = [np.repeat([scenario.day_of(c.date) for c in scenario.referrals.cohort],
                       [c.families for c in scenario.referrals.cohort]).astype(float)]
    for period, length in scenario.rate_periods():
        if length <= 0 or period.per_month <= 0:
            continue
        n = gen.poisson(period.per_month * length / DAYS_PER_MONTH)
        start = scenario.day_of(period.start)
        parts.append(start + np.sort(gen.uniform(0.0, length, n)))
    times = np.concatenate(parts) if parts else np.empty(0)
    times = np.sort(times, kind="stable")
    return times[times < scenario.horizon_days]
