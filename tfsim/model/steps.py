"""Step functions and counts over the event log: the building blocks of the statistics.

Flows are counted in half-open intervals ``[a, b)``; levels are read just before a
point (events at the point not yet applied); areas integrate the step functions exactly.
"""

from __future__ import annotations

import numpy as np


class Step:
    """A piecewise-constant level built from (time, change) events sorted by time."""

    def __init__(self, events, initial: float = 0.0):
        arr = np.asarray(events, dtype=float).reshape(-1, 2)
        if len(arr) > 1 and np.any(np.diff(arr[:, 0]) < 0):
            arr = arr[np.argsort(arr[:, 0], kind="stable")]
        self._init(arr[:, 0], arr[:, 1], initial)

    @classmethod
    def per_list(cls, event_lists) -> tuple[list["Step"], "Step"]:
        """A level per list of (time, change) events, and their sum (:meth:`merged`), each list read once."""
        arrays = [np.asarray(events, dtype=float).reshape(-1, 2) for events in event_lists]
        return [cls(a) for a in arrays], cls(np.concatenate(arrays) if arrays else np.empty((0, 2)))

    def _init(self, t: np.ndarray, change: np.ndarray, initial: float) -> None:
        self.t = t
        self.level = initial + np.cumsum(change)
        self.initial = initial
        seg = np.diff(self.t) * self.level[:-1] if len(self.t) else np.empty(0)
        # area from 0 up to each event time
        first = self.t[0] * initial if len(self.t) else 0.0
        self._area = np.concatenate(([first], first + np.cumsum(seg))) if len(self.t) else np.empty(0)

    @classmethod
    def merged(cls, *event_lists) -> "Step":
        events = [e for lst in event_lists for e in lst]
        return cls(events)

    @classmethod
    def changes(cls, times, changes) -> "Step":
        """A level from parallel sequences of times and changes, already in event order."""
        step = cls.__new__(cls)
        step._init(np.asarray(times, dtype=float), np.asarray(changes, dtype=float), 0.0)
        return step

    @classmethod
    def combined(cls, pairs) -> "Step":
        """The sum of several levels given as (times, changes) pairs, each in event order."""
        if len(pairs) == 1:
            return cls.changes(*pairs[0])
        t = np.concatenate([np.asarray(a, dtype=float) for a, _ in pairs])
        d = np.concatenate([np.asarray(b, dtype=float) for _, b in pairs])
        order = np.argsort(t, kind="stable")
        return cls.changes(t[order], d[order])

    def before(self, points) -> np.ndarray:
        """Level just before each point (events at the point not yet applied)."""
        idx = np.searchsorted(self.t, points, side="left")
        return np.where(idx > 0, self.level[np.maximum(idx - 1, 0)] if len(self.level) else self.initial, self.initial)

    def area(self, points) -> np.ndarray:
        """Integral of the level from 0 to each point."""
        points = np.asarray(points, dtype=float)
        if not len(self.t):
            return self.initial * points
        idx = np.searchsorted(self.t, points, side="right") - 1
        safe = np.maximum(idx, 0)
        after = self._area[safe] + self.level[safe] * (points - self.t[safe])
        return np.where(idx >= 0, after, self.initial * points)

    def peak(self, a: float, b: float) -> float:
        """Highest level over [a, b)."""
        start = float(self.before([a])[0]) if len(self.t) else self.initial
        inside = self.level[(self.t >= a) & (self.t < b)]
        return float(max(start, inside.max())) if len(inside) else start


def counts(times, bounds) -> tuple[np.ndarray, np.ndarray]:
    """(events in each [b_k, b_k+1), events before each b_k+1)."""
    t = np.asarray(times, dtype=float)
    cum = np.searchsorted(t, bounds, side="left")
    return np.diff(cum), cum[1:]


def window_count(times, a: float, b: float) -> int:
    """Events in [a, b) of sorted ``times``."""
    t = np.asarray(times, dtype=float)
    return int(np.searchsorted(t, b, side="left") - np.searchsorted(t, a, side="left"))


def sum_by_month(times, amounts, bounds) -> np.ndarray:
    """Sum of ``amounts`` whose time falls in each month [b_k, b_k+1)."""
    t = np.asarray(times, dtype=float)
    a = np.asarray(amounts, dtype=float)
    n = len(bounds) - 1
    idx = np.searchsorted(bounds, t, side="right") - 1
    ok = (idx >= 0) & (idx < n) & (t < bounds[-1])
    return np.bincount(idx[ok], weights=a[ok], minlength=n)[:n].astype(float)


def window_sum(times, amounts, a: float, b: float) -> float:
    """Sum of ``amounts`` whose time falls in [a, b)."""
    t = np.asarray(times, dtype=float)
    v = np.asarray(amounts, dtype=float)
    return float(v[(t >= a) & (t < b)].sum()) if len(t) else 0.0
