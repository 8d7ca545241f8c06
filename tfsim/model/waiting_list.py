"""The waiting list: families accepted for support but with no key worker yet.

Per escalation tier (0 escalated, 1 normal) and intensity level, a FIFO of
``(sequence, family, ticket)`` entries.  A free slot goes to the escalated tier first;
within a tier, either to the family that joined (or was last re-queued) earliest among
the levels the role may take (first come first served), or to the first family of the
highest-priority level (levels are listed in priority order).  Entries are never
searched for and removed: a family's ``ticket`` changes when it leaves or is re-queued,
which makes its old entries stale, and stale entries are dropped when they reach the
front.
"""

from __future__ import annotations

from collections import deque
from typing import Sequence

from .entities import WAITING, Family

ESCALATED, NORMAL = 0, 1


class WaitingList:
    """Families waiting, by tier and level.

    Parameters
    ----------
    n_levels : int
        Number of intensity levels.
    priority : bool
        True: highest need first (lower level index first); False: first come first served.

    Attributes
    ----------
    count : int
        Families on the list now.
    """

    __slots__ = ("queues", "priority", "count", "_seq")

    def __init__(self, n_levels: int, priority: bool = False):
        self.queues: list[list[deque]] = [[deque() for _ in range(n_levels)] for _ in range(2)]
        self.priority = priority
        self.count = 0
        self._seq = 0

    def __len__(self) -> int:
        return self.count

    def add(self, fam: Family, tier: int, now: float) -> bool:
        """Queue ``fam`` at the back of ``tier`` for its level; True when it has just joined the list.

        A family already waiting (an escalation) keeps its place in the count and its
        joining time; its entry in the old tier becomes stale.
        """
        joined = fam.state != WAITING
        if joined:
            fam.state = WAITING
            fam.joined = now
            self.count += 1
        fam.ticket += 1
        fam.tier = tier
        self._seq += 1
        self.queues[tier][fam.level].append((self._seq, fam, fam.ticket))
        return joined

    def remove(self, fam: Family) -> None:
        """``fam`` leaves the list (allocated or closed); its entries become stale."""
        fam.ticket += 1
        self.count -= 1

    def pop_for(self, levels: Sequence[int]) -> Family | None:
        """The family a free slot of a role taking ``levels`` goes to, removed from the list (or None)."""
        if not self.count:
            return None
        for tier in self.queues:
            best = None
            best_queue = None
            for li in levels:
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
                self.remove(fam)
                return fam
        return None
