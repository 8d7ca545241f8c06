"""The event scheduler: the clock and event queue of a replication, driven by callbacks.

This is the only module that touches SimPy's internals.  The model schedules callbacks
``callback(value, tag)`` rather than one generator process per family, and runs them with
SimPy's ``Environment.run`` loop inlined; any SimPy event or process scheduled on the
scheduler's :class:`simpy.Environment` runs too, in time order with them.  The referral
stream, drawn in advance as a sorted array, is merged into that loop instead of being
queued one family at a time: a family then costs one queued event for its intervention
instead of the five or six of a process-per-family model (``benchmarks/engine.py``).

A run has an event budget (:class:`RunawayRun` when it is spent, or when the clock stops
moving), so a scenario whose rules feed on themselves ends with a message instead of
running for ever.
"""

from __future__ import annotations

import gc
import math
from heapq import heapify, heappop, heappush
from typing import Callable, Sequence

import simpy

#: Events between two checks of the budget and of the clock (a power of two less one).
CHECK_EVERY = 0x3FFF
#: Events allowed at one instant, unless told otherwise, before the run is taken to be stuck in a loop.
STUCK_EVENTS = 1_000_000
#: Width of the scheduler's windows (days): a power of two, so a time's window is exact.
WINDOW_DAYS = 8.0


class RunawayRun(RuntimeError):
    """A replication spent its event budget, or ran events without its clock moving."""


class Scheduler:
    """Clock (days) and event queue of one replication.

    The model's callbacks wait in entries, one per distinct clock time (a bare tuple, or a
    list of them in scheduling order), and a heap holds the times alone: comparing two
    floats is about half the cost of comparing the ``(time, priority, id, ...)`` entries of
    SimPy's queue.  Only the times of the next :data:`WINDOW_DAYS` are in the heap; later
    ones are parked in windows (a dict per window, keyed by time) and moved into the heap
    when the clock reaches their window.  Most events are due months ahead (the end of an
    intervention), so a national run would otherwise keep a heap of up to 170,000 times
    (97,000 on average) whose every pop misses the processor's caches (a seventh of a
    replication); the heap of one window holds a few hundred.  Callbacks due at one time
    run in the order they were scheduled.
    SimPy's own events (anything scheduled on :attr:`env`) wait in SimPy's queue and run
    in time order with the rest; at equal times the model's callbacks go first.

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

    __slots__ = ("_env", "now", "budget", "stuck", "_times", "_due", "_edge", "_parked", "_windows", "_processed",
                 "_checked_at", "_still")

    def __init__(self, budget: int | None = None, stuck: int = STUCK_EVENTS):
        self._env = simpy.Environment()
        self.now = 0.0
        self.budget = budget
        self.stuck = stuck
        self._times: list[float] = []  # a heap of the distinct times of the waiting callbacks
        # time -> its (callback, value, tag), or a list of them in scheduling order
        self._due: dict[float, tuple | list[tuple[Callable, object, int]]] = {}
        self._edge = 0.0  # times before it are in the heap; later ones are parked by window
        self._parked: dict[float, dict] = {}  # window number (a whole float) -> its entries, like ``_due``
        self._windows: list[float] = []  # a heap of the numbers of the windows parked
        self._processed = 0
        self._checked_at, self._still = -1.0, 0  # the clock at the last check, events at it since

    @property
    def env(self) -> simpy.Environment:
        """The SimPy environment, its clock set to :attr:`now` (the loop moves it only for SimPy's own events)."""
        self._env._now = self.now
        return self._env

    def at(self, delay: float, callback: Callable, value=None, tag: int = 0) -> None:
        """Call ``callback(value, tag)`` after ``delay`` days (``tag``: e.g. the family's episode then)."""
        if delay < 0:
            raise ValueError(f"negative delay {delay}")
        self.call_at(self.now + delay, callback, value, tag)

    def call_at(self, time: float, callback: Callable, value, tag: int = 0) -> None:
        """Call ``callback(value, tag)`` at clock ``time`` (days, not before now): :meth:`at` for the hot path."""
        if time < self._edge:
            due = self._due
            waiting = due.get(time)
            if waiting is None:  # the usual case: alone at its time, a bare entry (no list to make and read)
                due[time] = (callback, value, tag)
                heappush(self._times, time)
                return
        else:  # after this window: parked in its own (most events)
            window = time // WINDOW_DAYS  # exact: a power of two
            due = self._parked.get(window)
            if due is None:
                self._parked[window] = {time: (callback, value, tag)}
                heappush(self._windows, window)
                return
            waiting = due.get(time)
            if waiting is None:
                due[time] = (callback, value, tag)
                return
        if type(waiting) is tuple:
            due[time] = [waiting, (callback, value, tag)]
        else:
            waiting.append((callback, value, tag))

    def close(self) -> None:
        """Drop the events still queued (they refer to the components that scheduled them)."""
        self._times.clear()
        self._due.clear()
        self._parked.clear()
        self._windows.clear()
        self._env._queue.clear()

    @property
    def events_processed(self) -> int:
        """Events processed so far (the model's callbacks and SimPy's events)."""
        return self._processed

    def run(self, until: float, arrivals: Sequence[float] = (),
            on_arrival: Callable[[Sequence[float], int], int] | None = None,
            later: Sequence[float] = (), on_later: Callable[[Sequence[float], int], int] | None = None) -> None:
        """Process events before ``until`` (days), merging in the sorted ``arrivals`` and ``later``.

        Same semantics as SimPy's ``env.run(until=...)``: events at ``until`` itself are
        left, and a failed SimPy event that nobody defused raises.  At arrival ``i`` the
        loop calls ``on_arrival(arrivals, i)``, which handles every arrival due at that
        instant and returns the index of the next; at equal times queued events go first,
        so a slot freed at the instant a family is referred is free for it.  ``later`` is a
        second stream known in advance (data matching of the first referrals), handled
        the same way by ``on_later(later, i)`` after the queued events and arrivals of its
        instant.

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
            self._loop(until, arrivals, on_arrival, later, on_later)
        finally:
            if collecting:
                gc.enable()

    def _loop(self, until: float, times: Sequence[float], on_arrival, later: Sequence[float], on_later) -> None:
        env = self._env
        simpy_queue = env._queue
        heap, due = self._times, self._due
        inf = math.inf
        n, n_later = len(times), len(later)
        i = i_later = 0
        next_arrival = times[0] if n else inf
        next_later = later[0] if n_later else inf
        next_known = min(next_arrival, next_later)  # the next of the two streams known in advance
        count = self._processed
        try:
            while True:
                # the heap holds every time before the edge and the clock never passes it with
                # times left in the heap, so the next window is due only when the heap is empty
                head = heap[0] if heap else self._next_window()
                if simpy_queue:  # SimPy's own events, if any, in time order with the rest
                    t = simpy_queue[0][0]
                    if t < head and t <= next_known and t < until:
                        count += 1
                        self._step_simpy(t)
                        continue
                if next_known < head:
                    if next_known >= until:
                        break
                    self.now = next_known
                    if next_arrival == next_known:
                        i = on_arrival(times, i)
                        next_arrival = times[i] if i < n else inf
                    else:
                        i_later = on_later(later, i_later)
                        next_later = later[i_later] if i_later < n_later else inf
                    next_known = next_arrival if next_arrival < next_later else next_later
                    continue
                if head >= until:
                    break
                heappop(heap)
                self.now = head
                entry = due.pop(head)
                if type(entry) is tuple:
                    count += 1
                    if not count & CHECK_EVERY:  # now and then: is the run still within bounds?
                        self._check(count)
                    entry[0](entry[1], entry[2])
                    continue
                # several due now; any scheduled for now meanwhile make a new entry, run next
                for callback, value, tag in entry:
                    count += 1
                    if not count & CHECK_EVERY:
                        self._check(count)
                    callback(value, tag)
        finally:
            self._processed = count
        self.now = env._now = until

    def _next_window(self) -> float:
        """Move the earliest parked window's times into the (empty) heap; its first time, or inf if none."""
        if not self._windows:
            return math.inf
        window = heappop(self._windows)
        entries = self._parked.pop(window)
        self._due.update(entries)
        heap = self._times
        heap.extend(entries)
        heapify(heap)
        self._edge = (window + 1) * WINDOW_DAYS
        return heap[0]

    def _check(self, count: int) -> None:
        """Raise :class:`RunawayRun` if ``count`` events are past the budget, or too many ran at one instant."""
        if self.budget is not None and count > self.budget:
            raise RunawayRun(f"the run used up its budget of {self.budget:,} events by day {self.now:.0f}")
        self._still = self._still + CHECK_EVERY + 1 if self.now == self._checked_at else 0
        self._checked_at = self.now
        if self._still >= self.stuck:
            raise RunawayRun(f"the run processed {self._still:,} events at day {self.now:.0f} without its clock "
                             "moving on")

    def _step_simpy(self, time: float) -> None:
        """Process SimPy's next event (a Timeout, Process, ... scheduled on :attr:`env`) at ``time``."""
        env = self._env
        self.now = env._now = time
        event = heappop(env._queue)[3]
        callbacks, event.callbacks = event.callbacks, None
        for callback in callbacks:
            callback(event)
        if not event._ok and not hasattr(event, "_defused"):
            exc = type(event._value)(*event._value.args)
            exc.__cause__ = event._value
            raise exc
