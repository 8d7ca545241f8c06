"""The event scheduler: SimPy's clock and event queue, driven by callbacks.

This is the only module that touches SimPy's internals.  The model runs on a
:class:`simpy.Environment` but schedules small :class:`Call` objects straight onto its
queue rather than one generator process per family, and runs the queue with SimPy's
``Environment.run`` loop inlined.  The referral stream, drawn in advance as a sorted
array, is merged into that loop instead of being queued one family at a time: a family
then costs one queued event for its intervention instead of the five or six of a
process-per-family model (``benchmarks/engine.py``).
"""

from __future__ import annotations

import gc
import math
from heapq import heappop, heappush
from typing import Callable, Sequence

import simpy
from simpy.events import NORMAL


class Call:
    """A scheduled callback: all that SimPy's ``Environment.step`` needs of an event.

    ``Environment.step`` pops ``(time, priority, id, event)`` from the queue, calls each
    of ``event.callbacks`` with the event and checks ``event._ok``.  Pushing these
    small objects straight onto the queue costs a third of a full ``Timeout``, and the
    model schedules hundreds of thousands of them (SimPy 4's documented queue layout).
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


class Scheduler:
    """Clock (days) and event queue of one replication.

    Attributes
    ----------
    now : float
        The current clock time (days); a plain attribute, read on the hot path.
    env : simpy.Environment
        The underlying environment: any SimPy event or process scheduled on it runs too.
    """

    __slots__ = ("env", "now", "_queue", "_eid")

    def __init__(self):
        self.env = simpy.Environment()
        self.now = 0.0
        self._queue = self.env._queue
        self._eid = self.env._eid

    def at(self, delay: float, callback: Callable, value=None, tag: int = 0) -> None:
        """Call ``callback(event)`` after ``delay`` days; ``event.value`` is ``value``, ``event.tag`` is ``tag``."""
        if delay < 0:
            raise ValueError(f"negative delay {delay}")
        heappush(self._queue, (self.now + delay, NORMAL, next(self._eid), Call(callback, value, tag)))

    def call_at(self, time: float, callback: Callable, value, tag: int = 0) -> None:
        """Call ``callback(event)`` at clock ``time`` (days, not before now): :meth:`at` for the hot path."""
        heappush(self._queue, (time, NORMAL, next(self._eid), Call(callback, value, tag)))

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
        ``env.run(until=...)`` (events at ``until`` itself are left, a failed event that
        nobody defused raises), without a method call and exception frame per event.
        At arrival ``i`` the loop calls ``on_arrival(arrivals, i)``, which handles every
        arrival due at that instant and returns the index of the next; at equal times
        queued events go first, so a slot freed at the instant a family is referred is
        free for it.

        The run keeps every family and log entry alive and makes no garbage cycles worth
        collecting, so the cyclic collector is paused meanwhile: its repeated full scans
        only cost time (about 40%).
        """
        collecting = gc.isenabled()
        gc.disable()
        try:
            self._loop(until, arrivals, on_arrival)
        finally:
            if collecting:
                gc.enable()

    def _loop(self, until: float, times: Sequence[float], on_arrival) -> None:
        env = self.env
        queue = self._queue
        n = len(times)
        i = 0
        next_arrival = times[0] if n else math.inf
        while True:
            if next_arrival < (queue[0][0] if queue else math.inf):
                if next_arrival >= until:
                    break
                self.now = env._now = next_arrival
                i = on_arrival(times, i)
                next_arrival = times[i] if i < n else math.inf
                continue
            if not queue or queue[0][0] >= until:
                break
            now, _, _, event = heappop(queue)
            self.now = env._now = now
            callbacks, event.callbacks = event.callbacks, None
            for callback in callbacks:
                callback(event)
            if not event._ok and not hasattr(event, "_defused"):
                exc = type(event._value)(*event._value.args)
                exc.__cause__ = event._value
                raise exc
        self.now = env._now = until
