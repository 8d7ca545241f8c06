"""The discrete-event engine: families, waiting list, key workers and interventions.

The clock is in days from the scenario's ``start_date``.  The engine runs on a SimPy
:class:`simpy.Environment` but drives it with event callbacks rather than one
generator process per family: a family costs two or three scheduled events, not
five or six, which is what makes replications fast enough for a laptop.

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

import math
from collections import deque
from typing import Callable

import numpy as np
import simpy
from simpy.events import Timeout

from tfsim.scenario.schema import DAYS_PER_MONTH, OUTCOME_NAMES, Scenario

from .random import Sampler, Streams

# Family states
REFUSED, WAITING, IN_SERVICE, CLOSED, REFERRED = range(5)
# Closure reasons (outcome codes); the first four follow schema.OUTCOME_NAMES
TURNED_AROUND, IMPROVED, NO_PROGRESS, DISENGAGED, CLOSED_UNALLOCATED = range(5)
CLOSURE_NAMES = OUTCOME_NAMES + ("closed_unallocated",)
NOT_CLOSED = -1


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
                 "stretch", "learned_factor", "experience_months")

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
        # sickness absence stretches interventions; experience shortens them (learning curve)
        self.stretch = 1.0 / (1.0 - workforce.sickness_absence_share)
        self.learned_factor = workforce.experienced_duration_factor
        self.experience_months = workforce.experience_months

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
        self.referred: list[float] = []
        self.refused_first: list[float] = []  # first refusal of each family
        self.refused_level: list[tuple[float, int]] = []  # stock of families in refused state
        self.waiting_level: list[tuple[float, int]] = []
        self.first_start: list[float] = []
        self.waits: list[tuple[float, float]] = []  # (start time, days waited) at each first start
        self.closures: list[tuple[float, int]] = []  # (time, closure reason)
        self.busy: list[list[tuple[float, int]]] = [[] for _ in range(n_roles)]
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

    def at(self, delay: float, callback: Callable, value=None) -> None:
        """Call ``callback(event)`` after ``delay`` days; ``event.value`` is ``value``."""
        Timeout(self.env, delay, value).callbacks.append(callback)

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
        self.log.busy[w.role.index].append((now, -1))
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
        times = referral_times(sc, self.streams.generator("referrals"))
        if len(times):
            self._referral_times = times
            self.at(times[0], self._on_referral, 0)
        self.env.run(until=sc.horizon_days)
        return self.log

    # ---- referrals and first contact --------------------------------------------------------

    def _on_referral(self, event) -> None:
        i = event.value
        times = self._referral_times
        n = len(times)
        now = times[i]
        # all referrals due at this instant are handled in one event (cohort batches)
        while True:
            fam = self._profile.new_family(len(self.families), now)
            self.families.append(fam)
            self.log.referred.append(now)
            self._contact(fam, first=True)
            i += 1
            if i >= n or times[i] != now:
                break
        if i < n:
            self.at(times[i] - now, self._on_referral, i)

    def _contact(self, fam: Family, first: bool) -> None:
        if self.u_refusal() < self.p_refusal:
            now = self.env.now
            fam.state = REFUSED
            if first:
                self.log.refused_first.append(now)
            self._refused += 1
            self.log.refused_level.append((now, 1))
            if self.p_reapproach > 0 and self.u_reapproach() < self.p_reapproach:
                self.at(self.reapproach_delay() * DAYS_PER_MONTH, self._on_reapproach, fam)
            return
        self._offer(fam)

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
        self.log.refused_level.append((self.env.now, -1))
        self._contact(fam, first=False)

    # ---- allocation ------------------------------------------------------------------------

    def _offer(self, fam: Family) -> None:
        """Allocate a worker now if any role in the family's chain has a free slot, else wait."""
        for role in self.chains[fam.level]:
            w = role.take_slot()
            if w is not None:
                self._start(fam, w, waited=0.0)
                return
        self._enqueue(fam, tier=1)

    def _enqueue(self, fam: Family, tier: int) -> None:
        now = self.env.now
        if fam.state != WAITING:
            fam.state = WAITING
            fam.joined = now
            self._waiting += 1
            self.log.waiting_level.append((now, 1))
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
        self.log.waiting_level.append((self.env.now, -1))

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
        now = self.env.now
        fam.state = IN_SERVICE
        fam.worker = w
        w.load += 1
        if w.load > w.cap:
            self.log.max_load_exceeded = True
        w.families[fam.id] = fam
        role = w.role
        self.log.busy[role.index].append((now, 1))
        if fam.started < 0:
            fam.started = now
            self.log.first_start.append(now)
            self.log.waits.append((now, waited))
        if fam.remaining >= 0:  # resuming after a handover
            length, fam.remaining = fam.remaining, -1.0
        else:
            length = role.duration() * DAYS_PER_MONTH * role.duration_factor(w, now)
        self._schedule_end(fam, length)

    def _schedule_end(self, fam: Family, length: float) -> None:
        fam.episode += 1
        fam.end_at = self.env.now + length
        if self.disengage_after is not None:
            quit_after = self.disengage_after() * DAYS_PER_MONTH
            if quit_after < length:
                self.at(quit_after, self._on_disengage, (fam, fam.episode))
                return
        self.at(length, self._on_end, (fam, fam.episode))

    def _on_disengage(self, event) -> None:
        fam, episode = event.value
        if fam.episode == episode and fam.state == IN_SERVICE:
            self._finish(fam, DISENGAGED)

    def _on_end(self, event) -> None:
        fam, episode = event.value
        if fam.episode != episode or fam.state != IN_SERVICE:
            return
        role = fam.worker.role
        u = self.u_outcome()
        cum = role.outcome_cum[fam.level]
        if u < cum[0]:
            outcome = TURNED_AROUND
        elif u < cum[1]:
            outcome = IMPROVED
            if fam.extensions < role.spec.max_extensions and self.u_step_up() < role.spec.step_up_probability:
                fam.extensions += 1  # stepped up: same worker, longer intervention
                self._schedule_end(fam, role.extension() * DAYS_PER_MONTH * role.duration_factor(fam.worker, self.env.now))
                return
        elif u < cum[2]:
            outcome = NO_PROGRESS
        else:
            outcome = DISENGAGED
        self._finish(fam, outcome)

    def _finish(self, fam: Family, outcome: int) -> None:
        w = fam.worker
        fam.worker = None
        del w.families[fam.id]
        w.load -= 1
        self.log.busy[w.role.index].append((self.env.now, -1))
        self._close(fam, outcome)
        self._free_slot(w)

    def _free_slot(self, w: Worker) -> None:
        """A slot of ``w`` has become free: give it to the next waiting family or pool it."""
        if not (w.accepting and w.load < w.cap):
            return
        fam = self._next_waiting(w.role)
        if fam is not None:
            self._start(fam, w, waited=self.env.now - fam.joined)
        else:
            w.role.tokens.append(w)

    def _close(self, fam: Family, outcome: int) -> None:
        now = self.env.now
        fam.state = CLOSED
        fam.closed = now
        fam.outcome = outcome
        self.log.closures.append((now, outcome))
        if outcome == TURNED_AROUND and self.on_turned_around is not None:
            self.on_turned_around(fam, now)


class FamilyProfiles:
    """Draws each new family's intensity level, needs and size, from one stream each."""

    def __init__(self, scenario: Scenario, streams: Streams):
        fam = scenario.families
        self._level_cum = np.cumsum(list(fam.intensity.values())).tolist()
        self._level_cum[-1] = 1.0 + 1e-12
        self._u_level = streams.uniform("family_level")
        needs = list(fam.needs.values())
        self._need_p = np.asarray(needs, dtype=float)
        self._need_gen = streams.generator("family_needs")
        self._powers = (1 << np.arange(len(needs), dtype=np.int64)) if needs else None
        self._need_buf: list[int] = []
        self._need_i = 0
        self._adults = streams.sampler("family_adults", fam.adults)
        self._children = streams.sampler("family_children", fam.children)

    def _needs(self) -> int:
        if self._powers is None:
            return 0
        if self._need_i >= len(self._need_buf):
            block = self._need_gen.random((1024, len(self._need_p))) < self._need_p
            self._need_buf = (block.astype(np.int64) @ self._powers).tolist()
            self._need_i = 0
        self._need_i += 1
        return self._need_buf[self._need_i - 1]

    def new_family(self, fid: int, now: float) -> Family:
        u = self._u_level()
        level = 0
        for level, edge in enumerate(self._level_cum):
            if u < edge:
                break
        return Family(fid, level, self._needs(), int(round(self._adults())), int(round(self._children())), now)


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


def simulate_log(scenario: Scenario, seed: np.random.SeedSequence) -> tuple[EventLog, Engine]:
    """Run one replication and return its event log and final engine state."""
    engine = Engine(scenario, seed)
    log = engine.run()
    return log, engine
