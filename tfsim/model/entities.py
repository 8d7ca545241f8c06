"""Plain entities of the model: families, key workers, roles and claims, and their codes.

Nothing here schedules events or writes the log; the components (case flow, workforce,
claims) change these objects and record what happened.  The integer codes of the enums
are the ones the event log and ``docs/validation.md`` use.
"""

from __future__ import annotations

import math
from array import array
from collections import deque
from enum import IntEnum
from itertools import accumulate
from typing import NamedTuple

from tfsim.scenario.schema import DAYS_PER_MONTH, OUTCOME_NAMES

from .random import Field


class FamilyState(IntEnum):
    """Where a family is in the programme."""

    REFUSED = 0
    WAITING = 1
    IN_SERVICE = 2
    CLOSED = 3
    REFERRED = 4  # referred, not yet contacted (or handed over and about to rejoin the list)


class Closure(IntEnum):
    """Why a case was closed (outcome code); the first four follow ``schema.OUTCOME_NAMES``."""

    TURNED_AROUND = 0
    IMPROVED = 1
    NO_PROGRESS = 2
    DISENGAGED = 3
    CLOSED_UNALLOCATED = 4
    NOT_CLOSED = -1


class WorkerKind(IntEnum):
    """How a key worker is employed."""

    PERMANENT = 0  # holds a funded post
    AGENCY = 1  # covers a vacant post
    SECONDEE = 2  # outside the establishment


# Module-level names for the hot paths (a global lookup, not an attribute of the enum class)
REFUSED, WAITING, IN_SERVICE, CLOSED, REFERRED = FamilyState
TURNED_AROUND, IMPROVED, NO_PROGRESS, DISENGAGED, CLOSED_UNALLOCATED, NOT_CLOSED = Closure
PERMANENT, AGENCY, SECONDEE = WorkerKind
CLOSURE_NAMES = OUTCOME_NAMES + ("closed_unallocated",)


class Family:
    """One referred family (one Family record per referral) and where it is in the programme."""

    __slots__ = (
        "id", "level", "needs", "adults", "children", "draws", "j", "state", "joined", "ticket", "tier",
        "worker", "episode", "extensions", "referred", "started", "closed", "outcome", "end_at", "remaining",
        "contacts", "handovers", "quit_left", "quit_at",
    )

    def __init__(self, fid: int, level: int, needs: int, adults: int, children: int, draws=None, j: int = 0,
                 referred: float = 0.0):
        self.id = fid
        self.referred = referred  # referral time (days)
        self.level = level  # index of its intensity level
        self.needs = needs  # bit k set: has need k of the scenario's needs
        self.adults = adults
        self.children = children
        # its random numbers: family j of the block ``draws`` (random.FamilyDraws)
        self.draws = draws
        self.j = j
        self.contacts = 0  # contacts so far (the first, then re-approaches)
        self.handovers = 0  # times its worker left while it was in service
        self.quit_left = -1.0  # days of service left before it would disengage (-1: not drawn yet)
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


class Worker:
    """A key worker in post: FTE, caseload cap and the families they hold."""

    __slots__ = ("id", "role", "fte", "cap", "load", "accepting", "families", "kind", "post", "since",
                 "left", "inducting", "gone")

    def __init__(self, wid: int, role: "RoleState", fte: float, kind: int = PERMANENT, since: float = 0.0):
        self.id = wid
        self.role = role
        self.fte = fte
        self.cap = 0  # families this worker may hold now: caseload_cap(share) as last set by the workforce
        self.load = 0
        self.accepting = True  # False during a notice period and after leaving
        self.families: dict[int, Family] = {}  # insertion-ordered for determinism
        self.kind = kind
        self.post = None  # the funded post held (workforce module), if any
        self.since = since  # start date (days): tenure drives the learning curve
        self.left = -1.0  # when they left (days), -1 while in post
        self.inducting = False
        self.gone = False

    def caseload_cap(self, share: float = 1.0) -> int:
        """Families this worker may hold at ``share`` of a full caseload (induction), rounded down.

        The full cap is the role's cap per FTE times the worker's FTE; the one place a cap
        is derived.
        """
        return int(self.role.spec.caseload_cap_per_fte * share * self.fte + 1e-9)


class RoleState:
    """Live state of one role: its workers, a pool of free-slot tokens and where its draws are.

    Parameters: its index in the scenario's roles, its ``RoleSpec``, the scenario's
    intensity levels, the role's workforce parameters and its families-in-service arrays
    in the event log (``EventLog.busy_signed``).  The case flow sets ``duration_at`` and
    ``extension``: where a family's intervention length with this role, and the lengths
    of its extensions, are in the family's block of draws.

    A token is a worker reference meaning "this worker may have a free slot".  Tokens
    are checked when taken, so caps can shrink or workers stop accepting without the
    pool being rebuilt; the pool always holds at least one token per free slot.
    """

    __slots__ = ("index", "id", "spec", "workers", "tokens", "levels", "duration_at", "extension", "outcome_cum",
                 "certain", "stretch", "learned_factor", "experience_months", "adjusted", "busy")

    def __init__(self, index: int, spec, levels: list[str], workforce_params, busy: array):
        self.index = index
        self.id = spec.id
        self.spec = spec
        self.workers: dict[int, Worker] = {}  # in post now, by worker id (insertion-ordered)
        self.tokens: deque[Worker] = deque()
        self.levels: list[int] = []  # intensity levels whose fallback chain includes this role
        self.duration_at = -1  # position of the intervention length (days) in a family's draws
        self.extension: Field | None = None  # the extension lengths (days), if it may extend
        self.outcome_cum = [tuple(accumulate(spec.outcomes_for(level).as_tuple())) for level in levels]
        # an outcome with chance 1 needs no draw
        self.certain = [next((k for k, p in enumerate(spec.outcomes_for(level).as_tuple()) if p >= 1.0), -1)
                        for level in levels]
        # families in service with this role: the event log's array of signed times of change
        # (+t a start, -t an end), appended to on the hot path
        self.busy = busy
        # sickness absence stretches interventions; experience shortens them (learning curve)
        self.stretch = 1.0 / (1.0 - workforce_params.sickness_absence_share)
        self.learned_factor = workforce_params.experienced_duration_factor
        self.experience_months = workforce_params.experience_months
        self.adjusted = self.stretch != 1.0 or self.learned_factor < 1.0

    def duration_factor(self, w: Worker, now: float) -> float:
        """Multiplier of a new intervention's length with worker ``w`` at time ``now`` (days)."""
        if self.learned_factor >= 1.0:
            return self.stretch
        tenure = (now - w.since) / DAYS_PER_MONTH
        return self.stretch * (1.0 - (1.0 - self.learned_factor) * (1.0 - math.exp(-tenure / self.experience_months)))

    def take_slot(self) -> Worker | None:
        """A worker of this role with a free slot, its token taken (None when there is none)."""
        tokens = self.tokens
        while tokens:
            w = tokens.popleft()
            if w.accepting and w.load < w.cap:
                return w
        return None


# ---- claims (payment by results) ---------------------------------------------------------

PROGRESS, EMPLOYMENT, PROGRESS_TO_WORK = "progress", "employment", "progress_to_work"
#: A progress result found by matching the family against local and national data.
DATA_MATCHED = "data_matched"
#: Kinds of claim that mean the family's results were met ("claimed as turned around").
MAIN_KINDS = (PROGRESS, EMPLOYMENT, DATA_MATCHED)
#: Every kind of claim, in the order of their codes in the claims' columns.
CLAIM_KINDS = (PROGRESS, EMPLOYMENT, PROGRESS_TO_WORK, DATA_MATCHED)


class Claim(NamedTuple):
    """One results claim (clock times in days, amount in £)."""

    kind: str
    family: int  # Family record the result belongs to
    root: int  # original Family record (same as family unless re-referred)
    exited: float  # exit of the intervention; for a result found during one or by data matching, when found
    achieved: float
    eligible: float  # end of sustain period and follow-up
    claimed: float  # claim window
    paid: float
    amount_gbp: float
