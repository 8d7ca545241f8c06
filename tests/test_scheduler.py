"""The scheduler: callbacks in time order, first scheduled first at one time, SimPy's events alongside."""

from __future__ import annotations

import heapq
import itertools
import random

import pytest
import simpy
from hypothesis import given, settings
from hypothesis import strategies as st

from tfsim.model.scheduler import Scheduler


def test_callbacks_run_in_time_order_and_in_scheduling_order_at_one_time():
    s = Scheduler()
    seen = []
    rng = random.Random(3)
    times = [rng.choice([1.0, 2.5, 2.5, 7.0, 0.0]) + rng.random() * (k % 3 == 0) for k in range(400)]
    for k, t in enumerate(times):
        s.call_at(t, lambda value, tag: seen.append((s.now, value)), k)
    s.run(until=100.0)
    assert seen == sorted(((t, k) for k, t in enumerate(times)), key=lambda p: p[0])  # stable: ties by k
    assert s.events_processed == len(times)


def test_a_callback_scheduled_for_now_runs_after_those_already_due_now():
    s = Scheduler()
    seen = []

    def first(value, tag):
        seen.append("first")
        s.at(0.0, lambda v, t: seen.append("scheduled now"))

    s.call_at(4.0, first, None)
    s.call_at(4.0, lambda v, t: seen.append("second"), None)
    s.run(until=5.0)
    assert seen == ["first", "second", "scheduled now"]


def _event_at_two_and_arrivals():
    """A scheduler with one event queued at day 2, the list of what ran, and an arrival handler adding to it."""
    s = Scheduler()
    seen = []
    s.call_at(2.0, lambda v, t: seen.append(("event", s.now)), None)

    def arrive(times, i):
        seen.append(("arrival", times[i]))
        return i + 1

    return s, seen, arrive


def test_arrivals_at_the_time_of_queued_events_come_after_them():
    s, seen, arrive = _event_at_two_and_arrivals()

    s.run(until=10.0, arrivals=[1.0, 2.0, 3.0], on_arrival=arrive)
    assert seen == [("arrival", 1.0), ("event", 2.0), ("arrival", 2.0), ("arrival", 3.0)]
    assert s.now == 10.0


def test_a_second_stream_known_in_advance_runs_after_the_queued_events_and_arrivals_of_its_instant():
    s, seen, arrive = _event_at_two_and_arrivals()

    def later(times, i):
        seen.append(("later", times[i]))
        if times[i] == 2.0:
            s.at(0.5, lambda v, t: seen.append(("event", s.now)))
        return i + 1

    s.run(until=4.0, arrivals=[1.0, 2.0, 3.0], on_arrival=arrive, later=[0.5, 2.0, 2.5, 4.0], on_later=later)
    assert seen == [("later", 0.5), ("arrival", 1.0), ("event", 2.0), ("arrival", 2.0), ("later", 2.0),
                    ("event", 2.5), ("later", 2.5), ("arrival", 3.0)]


def test_simpy_processes_on_the_environment_run_alongside_the_callbacks():
    s = Scheduler()
    seen = []

    def process(env):
        yield env.timeout(1.5)
        seen.append(("simpy", env.now))
        yield env.timeout(2.0)
        seen.append(("simpy", env.now))

    s.env.process(process(s.env))
    s.call_at(1.0, lambda v, t: seen.append(("callback", s.now)), None)
    s.call_at(3.5, lambda v, t: seen.append(("callback", s.now)), None)
    s.run(until=10.0)
    assert seen == [("callback", 1.0), ("simpy", 1.5), ("callback", 3.5), ("simpy", 3.5)]


def test_a_failed_simpy_event_nobody_defused_raises():
    s = Scheduler()

    def process(env):
        yield env.timeout(1.0)
        raise ValueError("boom")

    s.env.process(process(s.env))
    with pytest.raises(ValueError, match="boom"):
        s.run(until=5.0)


def test_events_at_the_horizon_are_left_and_close_drops_the_queue():
    s = Scheduler()
    seen = []
    s.call_at(5.0, lambda v, t: seen.append(v), "at the horizon")
    s.run(until=5.0)
    assert seen == [] and s.now == 5.0
    s.close()
    s.run(until=6.0)
    assert seen == []
    with pytest.raises(ValueError):
        s.at(-1.0, lambda v, t: None)
    assert isinstance(s.env, simpy.Environment)


@given(st.lists(st.tuples(st.sampled_from([0.0, 7.999, 8.0, 8.0, 16.0, 23.5, 40.0]) | st.floats(0, 60),
                          st.lists(st.sampled_from([0.0, 0.0, 0.001, 7.9, 8.0, 8.0, 30.0]) | st.floats(0, 40),
                                   max_size=3)),
                min_size=1, max_size=40),
       st.lists(st.floats(0, 60), max_size=10))
@settings(max_examples=200, deadline=None)
def test_the_order_across_windows_is_that_of_one_heap_of_time_then_scheduling_order(plan, arrivals):
    """Times parked in later windows, at their edges, and scheduled from callbacks (for now,
    this window or a later one) run as one queue ordered by time, then by scheduling order,
    with arrivals after the events due at their instant."""
    s = Scheduler()
    seen, ref, counter = [], [], itertools.count()

    def schedule(time, delays):
        k = next(counter)
        heapq.heappush(ref, (time, k, delays))
        s.call_at(time, lambda value, tag: fire(value), (k, delays))

    def fire(value):
        k, delays = value
        seen.append((s.now, k))
        for d in delays:
            schedule(s.now + d, [])

    def arrive(times, i):
        seen.append((s.now, "arrival"))
        return i + 1

    for time, delays in plan:
        schedule(time, delays)
    arrivals = sorted(arrivals)
    s.run(until=100.0, arrivals=arrivals, on_arrival=arrive)

    expected, pending = [], list(arrivals)
    while ref and ref[0][0] < 100.0:
        time, k, _ = heapq.heappop(ref)
        while pending and pending[0] < time:
            expected.append((pending.pop(0), "arrival"))
        expected.append((time, k))
    expected += [(t, "arrival") for t in pending]
    assert seen == expected
