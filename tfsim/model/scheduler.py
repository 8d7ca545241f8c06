"""The event scheduler: SimPy's clock and event queue, driven by callbacks.

This is the only module that touches SimPy's internals.  The model runs on a
:class:`simpy.Environment` but schedules its callbacks straight onto its queue, as
entries ``(time, priority, id, callback, value, tag)``, rather than one generator process
per family, and runs the queue with SimPy's ``Environment.run`` loop inlined.  The
referral stream, drawn in advance as a sorted array, is merged into that loop instead of
being queued one family at a time: a family then costs one queued event for its
intervention instead of the five or six of a process-per-family model
(``benchmarks/engine.py``).

A run has an event budget (:class:`RunawayRun` when it is spent, or when the clock stops
moving), so a scenario whose rules feed on themselves ends with a message instead of
running for ever.
"""

from __future__ import annotations

import gc
import math
from heapq import heappop, heappush
from typing import Callable, Sequence

import simpy
from simpy.events import NORMAL

#: Events between two checks of the budget and of the clock (a power of two less one).
CHECK_EVERY = 0x3FFF
#: Events allowed at one instant, unless told otherwise, before the run is taken to be stuck in a loop.
STUCK_EVENTS = 1_000_000


class RunawayRun(RuntimeError):
    """A replication spent its event budget, or ran events without its clock moving."""


class Scheduler:
    """Clock (days) and event queue of one replication.

    Parameters
    ----------
    budget : int, optional
        Most events the run may process (queued events, not referrals); None for no limit.
    stuck : int, optional
        Most events the run may process at one instant (default :data:`STUCK_EVENTS`).

    Attributes
    ----------
    now : float
        The current clock time (days); a plain attribute, read on the hot path.
    env : simpy.Environment
        The underlying environment: any SimPy event or process scheduled on it runs too.
    """

    __slots__ = ("_env", "now", "budget", "stuck", "_queue", "_eid")

    def __init__(self, budget: int | None = None, stuck: int = STUCK_EVENTS):
        self._env = simpy.Environment()
        self.now = 0.0
        self.budget = budget
        self.stuck = stuck
        self._queue = self._env._queue
        self._eid = self._env._eid

    @property
    def env(self) -> simpy.Environment:
        """The SimPy environment, its clock set to :attr:`now` (the loop moves it only for SimPy's own events)."""
        self._env._now = self.now
        return self._env

    def at(self, delay: float, callback: Callable, value=None, tag: int = 0) -> None:
        """Call ``callback(value, tag)`` after ``delay`` days (``tag``: e.g. the family's episode then)."""
        if delay < 0:
            raise ValueError(f"negative delay {delay}")
        heappush(self._queue, (self.now + delay, NORMAL, next(self._eid), callback, value, tag))

    def call_at(self, time: float, callback: Callable, value, tag: int = 0) -> None:
        """Call ``callback(value, tag)`` at clock ``time`` (days, not before now): :meth:`at` for the hot path."""
        heappush(self._queue, (time, NORMAL, next(self._eid), callback, value, tag))

    def close(self) -> None:
        """Drop the events still queued (they refer to the components that scheduled them)."""
        self._queue.clear()

    @property
    def events_processed(self) -> int:
        """Events processed so far: every scheduled event gets the next id; some are still queued."""
        return next(self._eid) - len(self._queue)

    def run(self, until: float, arrivals: Sequence[float] = (),
            on_arrival: Callable[[Sequence[float], int], int] | None = None) -> None:
        """Process events before ``until`` (days), merging in the sorted ``arrivals``.

        SimPy's ``Environment.run`` loop with ``step`` inlined: same semantics as
        ``env.run(until=...)`` (events at ``until`` itself are left, a failed SimPy event
        that nobody defused raises), without a method call and exception frame per event.
        At arrival ``i`` the loop calls ``on_arrival(arrivals, i)``, which handles every
        arrival due at that instant and returns the index of the next; at equal times
        queued events go first, so a slot freed at the instant a family is referred is
        free for it.

        The run keeps every family and log entry alive and makes no garbage cycles worth
        collecting, so the cyclic collector is paused meanwhile: its repeated full scans
        only cost time (about 40%).

        Raises
        ------
        RunawayRun
            When the run has processed more than ``budget`` events, or more than
            ``stuck`` events at one instant.
        """
        collecting = gc.isenabled()
        gc.disable()
        try:
            self._loop(until, arrivals, on_arrival)
        finally:
            if collecting:
                gc.enable()

    def _loop(self, until: float, times: Sequence[float], on_arrival) -> None:
        env = self._env
        queue = self._queue
        inf = math.inf
        n = len(times)
        i = 0
        next_arrival = times[0] if n else inf
        left = self.budget if self.budget is not None else inf
        count = 0
        checked_at, still, stuck = -1.0, 0, self.stuck
        while True:
            head = queue[0][0] if queue else inf
            if next_arrival < head:
                if next_arrival >= until:
                    break
                self.now = next_arrival
                i = on_arrival(times, i)
                next_arrival = times[i] if i < n else inf
                continue
            if head >= until:
                break
            item = heappop(queue)
            self.now = head
            count += 1
            if not count & CHECK_EVERY:  # now and then: is the run still within bounds?
                if count > left:
                    raise RunawayRun(f"the run used up its budget of {self.budget:,} events by day {self.now:.0f}")
                still = still + CHECK_EVERY + 1 if self.now == checked_at else 0
                checked_at = self.now
                if still >= stuck:
                    raise RunawayRun(f"the run processed {still:,} events at day {self.now:.0f} without its clock "
                                     "moving on")
            if len(item) == 6:
                item[3](item[4], item[5])
                continue
            env._now = head  # a SimPy event (Timeout, Process, ...) scheduled on env: SimPy reads its own clock
            event = item[3]
            callbacks, event.callbacks = event.callbacks, None
            for callback in callbacks:
                callback(event)
            if not event._ok and not hasattr(event, "_defused"):
                exc = type(event._value)(*event._value.args)
                exc.__cause__ = event._value
                raise exc
        self.now = env._now = until
