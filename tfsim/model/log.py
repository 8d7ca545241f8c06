"""What a replication leaves behind: the event log (what happened and when) and the snapshot.

The components append to the :class:`EventLog` as the run goes; at the end the
composition root takes a :class:`Snapshot` of the end states the log cannot give (each
Family record's final state, the claims records, the counts refused and waiting).  The
statistics (:mod:`tfsim.model.statistics`) read these two and nothing else.
"""

from __future__ import annotations

from array import array
from dataclasses import dataclass, field
from operator import attrgetter
from types import MappingProxyType
from typing import Mapping, Sequence

import numpy as np

from .entities import CLAIM_KINDS, Claim, Family


class EventLog:
    """What happened and when (clock times in days).

    Levels are logged as ``(time, change)`` in event order.
    """

    def __init__(self, n_roles: int):
        # The long logs are arrays of numbers: an append costs about what a list append and
        # NumPy's later conversion of the list together cost, and keeps no Python object per entry.
        self.referred = array("d")
        self.refused_first: list[float] = []  # first refusal of each family
        # levels as (time, change) in event order: families refused, families waiting
        self.refused_t, self.refused_d = array("d"), array("b")
        self.waiting_t, self.waiting_d = array("d"), array("b")
        self.first_start = array("d")  # each family's first intervention start
        self.waits = array("d")  # days waited, aligned with first_start
        self.close_t = array("d")  # closures: time,
        self.close_kind = array("q")  # reason (Closure code),
        self.close_started = array("d")  # and when the family first started (-1: never)
        #: per role: families in service, one entry per change in event order: the time of a
        #: start (+t) or of an end (-t, so -0.0 at day 0); one append a change (see :attr:`busy`)
        self.busy_signed: list[array] = [array("d") for _ in range(n_roles)]
        #: per role: (time, change) of the caseload capacity (sum of the workers' caps)
        self.capacity: list[list[tuple[float, int]]] = [[] for _ in range(n_roles)]
        #: per role: (time, change) of FTE in post, funded FTE, agency cover FTE and vacant FTE
        self.fte: list[list[tuple[float, float]]] = [[] for _ in range(n_roles)]
        self.establishment: list[list[tuple[float, float]]] = [[] for _ in range(n_roles)]
        self.agency_fte: list[list[tuple[float, float]]] = [[] for _ in range(n_roles)]
        self.vacant: list[list[tuple[float, float]]] = [[] for _ in range(n_roles)]
        self.hires: list[tuple[float, int]] = []  # (time, role index)
        self.leavers: list[tuple[float, int]] = []  # (time, role index)
        self.induction: list[tuple[float, int]] = []  # (time, change) of workers in induction
        self.handovers: list[float] = []
        self.fill_days: list[tuple[float, float]] = []  # (hire time, days the post stood vacant)
        self.max_load_exceeded = False

    @property
    def busy(self) -> list[tuple[np.ndarray, np.ndarray]]:
        """Per role: families in service as parallel arrays (times, changes: +1 a start, -1 an end)."""
        out = []
        for signed in self.busy_signed:
            x = np.frombuffer(signed, dtype=float) if len(signed) else np.empty(0)
            out.append((np.abs(x), np.where(np.signbit(x), -1.0, 1.0)))
        return out


@dataclass(frozen=True)
class ClaimsRecord:
    """The claims of a replication at its end (payment by results).

    Attributes
    ----------
    columns : ClaimColumns
        Every results claim as NumPy columns, in the order they were laid out.
    origin : Mapping
        Re-referred Family record id -> original Family record id.
    voided : tuple of (float, int)
        ``(time the relapse came to light, root)`` of every result that relapsed.
    rereferrals : tuple of float
        Times of the re-referrals (days).
    outside_exit : frozenset of int
        Positions in the claims of results found outside the exit of an intervention (work
        found during one, data matching).
    """

    columns: "ClaimColumns"
    origin: Mapping[int, int]
    voided: tuple[tuple[float, int], ...]
    rereferrals: tuple[float, ...]
    outside_exit: frozenset[int] = frozenset()

    @classmethod
    def of(cls, columns: "ClaimColumns", origin: Mapping[int, int], voided, rereferrals,
           outside_exit=()) -> "ClaimsRecord":
        return cls(columns, MappingProxyType(dict(origin)), tuple(voided), tuple(rereferrals), frozenset(outside_exit))

    @property
    def claims(self) -> tuple[Claim, ...]:
        """Every claim as a :class:`~tfsim.model.entities.Claim` (built when asked: the statistics read the columns)."""
        return tuple(self.columns.rows())

    def times(self, kinds) -> np.ndarray:
        """Claim times of the given kinds, sorted (days)."""
        c = self.columns
        return np.sort(c.claimed[c.of_kinds(kinds)])


@dataclass(frozen=True)
class ClaimColumns:
    """Claims as columns (one entry per claim, in the order they were laid out).

    ``kind`` holds each claim's position in :data:`~tfsim.model.entities.CLAIM_KINDS`;
    ``family`` and ``root`` are Family record ids; times are clock days, ``amount`` is in
    £, ``outside`` marks results found outside the exit of an intervention.
    """

    kind: np.ndarray
    family: np.ndarray
    root: np.ndarray
    exited: np.ndarray
    achieved: np.ndarray
    eligible: np.ndarray
    claimed: np.ndarray
    paid: np.ndarray
    amount: np.ndarray
    outside: np.ndarray

    @classmethod
    def of(cls, columns: "ClaimLog", outside_exit=(), order: np.ndarray | None = None) -> "ClaimColumns":
        """The columns of the claims laid out in ``columns`` during a run (rows taken in ``order``, if given).

        ``outside_exit`` holds positions in the result, after ``order``.
        """
        n = len(columns.kind)
        outside = np.zeros(n, dtype=bool)
        outside[list(outside_exit)] = True

        def column(name, dtype):
            values = np.array(getattr(columns, name), dtype=dtype)
            return _frozen(values if order is None else values[order])

        return cls(**{name: column(name, dtype) for name, dtype in ClaimLog.COLUMNS}, outside=_frozen(outside))

    def rows(self):
        """Each claim as a :class:`~tfsim.model.entities.Claim`, in order."""
        kinds = [CLAIM_KINDS[k] for k in self.kind.tolist()]
        return map(Claim._make, zip(kinds, *(getattr(self, name).tolist() for name, _ in ClaimLog.COLUMNS[1:])))

    def of_kinds(self, kinds) -> np.ndarray:
        """Mask of the claims of the given kinds."""
        return np.isin(self.kind, [CLAIM_KINDS.index(k) for k in kinds])


class ClaimLog:
    """Claims as they are laid out during a run: one array per column of :class:`ClaimColumns`.

    Appending to an array per column costs less than making a record per claim, and the
    statistics read each as a NumPy column without converting an object per claim.
    """

    #: (column, dtype), in the order of :class:`~tfsim.model.entities.Claim`'s fields
    COLUMNS = (("kind", np.int64), ("family", np.int64), ("root", np.int64), ("exited", float),
               ("achieved", float), ("eligible", float), ("claimed", float), ("paid", float), ("amount", float))

    __slots__ = tuple(name for name, _ in COLUMNS)

    def __init__(self):
        for name, dtype in self.COLUMNS:
            setattr(self, name, array("q" if dtype is np.int64 else "d"))

    def __len__(self) -> int:
        return len(self.kind)

    def add(self, kind: int, family: int, root: int, exited: float, achieved: float, eligible: float,
            claimed: float, paid: float, amount: float) -> None:
        """Append one claim (kind code, Family record ids, clock days, £)."""
        self.kind.append(kind)
        self.family.append(family)
        self.root.append(root)
        self.exited.append(exited)
        self.achieved.append(achieved)
        self.eligible.append(eligible)
        self.claimed.append(claimed)
        self.paid.append(paid)
        self.amount.append(amount)

    def rows(self):
        """Each claim so far as a :class:`~tfsim.model.entities.Claim`, in order."""
        return ClaimColumns.of(self).rows()


def _frozen(a: np.ndarray) -> np.ndarray:
    a.setflags(write=False)
    return a


@dataclass(frozen=True)
class Snapshot:
    """End states of a replication that the event log does not hold.

    Attributes
    ----------
    family_state, family_started : numpy.ndarray
        Per Family record, by id: final state (:class:`~tfsim.model.entities.FamilyState`
        code) and first intervention start (days, -1 if never).
    refused, waiting, in_service : int
        Families refused (and not since re-approached), on the waiting list and held by
        workers at the end.
    claims : ClaimsRecord or None
        The claims, when the scenario has a ``[money]`` section.
    """

    family_state: np.ndarray
    family_started: np.ndarray
    refused: int
    waiting: int
    in_service: int
    claims: ClaimsRecord | None = None
    _families: Sequence[Family] = field(default=(), repr=False, compare=False)

    @classmethod
    def of(cls, families: Sequence[Family], refused: int, waiting: int, in_service: int,
           claims: ClaimsRecord | None = None) -> "Snapshot":
        return cls(
            family_state=_column(families, "state", np.int64),
            family_started=_column(families, "started", float),
            refused=refused, waiting=waiting, in_service=in_service, claims=claims, _families=families,
        )

    @property
    def family_adults(self) -> np.ndarray:
        """Adults of each Family record, by id (read when asked: the statistics do not need it)."""
        return _column(self._families, "adults", np.int64)

    @property
    def family_children(self) -> np.ndarray:
        """Children of each Family record, by id."""
        return _column(self._families, "children", np.int64)

    @property
    def families(self) -> int:
        """Family records (referrals, re-referrals included)."""
        return len(self.family_state)


def _column(families: Sequence[Family], name: str, dtype) -> np.ndarray:
    return _frozen(np.fromiter(map(attrgetter(name), families), dtype=dtype, count=len(families)))

