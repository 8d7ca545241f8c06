"""Statistics of one replication, computed from its event log.

Flows (referrals, starts, closures) are counted in half-open intervals
``[a, b)``; stocks (waiting list, families in service) are read just before a
boundary, i.e. at the end of the month; time averages (utilisation) integrate the
step functions exactly.  Summary statistics cover the period after the warm-up.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np

from tfsim.scenario.schema import DAYS_PER_MONTH, Scenario

from .engine import (
    CLOSED,
    CLOSED_UNALLOCATED,
    DISENGAGED,
    IMPROVED,
    IN_SERVICE,
    NO_PROGRESS,
    REFUSED,
    TURNED_AROUND,
    WAITING,
    Engine,
    EventLog,
)

#: Summary metrics, in report order, with a plain-language description and unit.
SUMMARY_METRICS: dict[str, tuple[str, str]] = {
    "families_referred": ("Families referred (after warm-up)", "families"),
    "families_refused": ("Families who refused support and had not taken it up by the end", "families"),
    "families_started": ("Families whose first intervention started", "families"),
    "families_turned_around": ("Families turned around", "families"),
    "families_improved": ("Families closed improved but not turned around", "families"),
    "families_no_progress": ("Families closed with no progress", "families"),
    "families_disengaged": ("Families who disengaged", "families"),
    "families_closed_unallocated": ("Families closed unallocated after the maximum wait", "families"),
    "families_waiting_end": ("Families on the waiting list at the end", "families"),
    "families_in_service_end": ("Families in an intervention at the end", "families"),
    "mean_wait_days": ("Mean wait from joining the list to a first intervention", "days"),
    "share_waited": ("Share of started families who had to wait", "share"),
    "mean_waiting_list": ("Time-average length of the waiting list", "families"),
    "peak_waiting_list": ("Longest waiting list", "families"),
    "mean_in_service": ("Time-average families in an intervention", "families"),
    "mean_intervention_days": ("Mean time in an intervention, closed cases", "days"),
    "caseload_utilisation": ("Share of caseload slots in use (time average)", "share"),
    "fte_in_post_end": ("Staff in post at the end", "FTE"),
    "leavers": ("Permanent staff who left", "workers"),
    "hires": ("New starters in funded posts (recruited or planned)", "workers"),
    "vacancy_fte_months": ("Vacant funded posts, summed over time", "FTE-months"),
    "vacancy_share": ("Share of the funded establishment vacant (time average)", "share"),
    "agency_fte_months": ("Agency cover, summed over time", "FTE-months"),
    "handovers": ("Families handed over when their worker left", "families"),
    "mean_time_to_fill_days": ("Mean time a post stood vacant before its new starter began", "days"),
}

#: Monthly series, with description and unit.
MONTHLY_METRICS: dict[str, tuple[str, str]] = {
    "referrals": ("Referrals in the month", "families"),
    "referred_cumulative": ("Families referred so far", "families"),
    "waiting_list": ("Waiting list at month end", "families"),
    "families_in_service": ("Families in an intervention at month end", "families"),
    "refused_now": ("Families in refused state at month end", "families"),
    "turned_around_cumulative": ("Families turned around so far", "families"),
    "refused_cumulative": ("Families who have refused at least once so far", "families"),
    "started_cumulative": ("Families whose first intervention has started so far", "families"),
    "closed_cumulative": ("Cases closed so far (any reason)", "families"),
    "fte_in_post": ("Staff in post at month end", "FTE"),
    "capacity": ("Caseload slots at month end", "families"),
    "caseload_utilisation": ("Share of caseload slots in use in the month", "share"),
    "fte_establishment": ("Funded establishment at month end", "FTE"),
    "vacant_fte": ("Vacant funded posts at month end", "FTE"),
    "agency_fte": ("Agency cover at month end", "FTE"),
    "workers_in_induction": ("New starters still in induction at month end", "workers"),
    "leavers_cumulative": ("Permanent staff who have left so far", "workers"),
    "hires_cumulative": ("New starters so far", "workers"),
    "handovers_cumulative": ("Families handed over so far", "families"),
}

# payment by results (issue 4): names and descriptions live in tfsim/model/money.py
from .money import MONEY_MONTHLY, MONEY_SUMMARY  # noqa: E402

SUMMARY_METRICS.update(MONEY_SUMMARY)
MONTHLY_METRICS.update(MONEY_MONTHLY)


@dataclass
class Calendar:
    """Calendar months covered by a scenario, as clock boundaries in days."""

    labels: list[str]
    bounds: np.ndarray  # len(labels) + 1 clock times; month k is [bounds[k], bounds[k+1])

    @classmethod
    def of(cls, scenario: Scenario) -> "Calendar":
        start = scenario.start_date
        horizon = scenario.horizon_days
        labels = []
        bounds = [0.0]
        y, m = start.year, start.month
        while True:
            labels.append(f"{y:04d}-{m:02d}")
            y, m = (y + 1, 1) if m == 12 else (y, m + 1)
            nxt = float((dt.date(y, m, 1) - start).days)
            if nxt >= horizon:
                bounds.append(horizon)
                break
            bounds.append(nxt)
        return cls(labels, np.asarray(bounds))

    @property
    def ends(self) -> np.ndarray:
        return self.bounds[1:]


@dataclass
class ReplicationResult:
    """One replication's statistics: a summary (scalars) and monthly series (arrays)."""

    summary: dict[str, float]
    monthly: dict[str, np.ndarray]
    checks: dict[str, float] = field(default_factory=dict)
    by_role: dict[str, dict[str, np.ndarray]] = field(default_factory=dict)  # metric -> role id -> monthly


# ---- step functions ----------------------------------------------------------------------


class Step:
    """A piecewise-constant level built from (time, change) events sorted by time."""

    def __init__(self, events, initial: float = 0.0):
        arr = np.asarray(events, dtype=float).reshape(-1, 2)
        if len(arr) > 1 and np.any(np.diff(arr[:, 0]) < 0):
            arr = arr[np.argsort(arr[:, 0], kind="stable")]
        self._init(arr[:, 0], arr[:, 1], initial)

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


def _counts(times, bounds) -> tuple[np.ndarray, np.ndarray]:
    """(events in each [b_k, b_k+1), events before each b_k+1)."""
    t = np.asarray(times, dtype=float)
    cum = np.searchsorted(t, bounds, side="left")
    return np.diff(cum), cum[1:]


def _window_count(times, a: float, b: float) -> int:
    t = np.asarray(times, dtype=float)
    return int(np.searchsorted(t, b, side="left") - np.searchsorted(t, a, side="left"))


def replication_statistics(scenario: Scenario, engine: Engine, log: EventLog, calendar: Calendar | None = None) -> ReplicationResult:
    """Summary and monthly statistics of a finished replication."""
    cal = calendar or Calendar.of(scenario)
    bounds = cal.bounds
    ends = cal.ends
    W, H = scenario.warm_up_days, scenario.horizon_days

    waiting = Step.changes(log.waiting_t, log.waiting_d)
    refused = Step.changes(log.refused_t, log.refused_d)
    busy_roles = [Step.changes(t, d) for t, d in log.busy]
    cap_roles = [Step(ev) for ev in log.capacity]
    fte_roles = [Step(ev) for ev in log.fte]
    busy = Step.combined(log.busy) if len(log.busy) > 1 else busy_roles[0]
    cap = Step.merged(*log.capacity)
    fte = Step.merged(*log.fte)
    close_t = np.asarray(log.close_t, dtype=float)
    close_kind = np.asarray(log.close_kind, dtype=np.int64)

    monthly: dict[str, np.ndarray] = {}
    monthly["referrals"], monthly["referred_cumulative"] = _counts(log.referred, bounds)
    monthly["waiting_list"] = waiting.before(ends)
    monthly["families_in_service"] = busy.before(ends)
    monthly["refused_now"] = refused.before(ends)
    _, monthly["turned_around_cumulative"] = _counts(close_t[close_kind == TURNED_AROUND], bounds)
    _, monthly["refused_cumulative"] = _counts(log.refused_first, bounds)
    _, monthly["started_cumulative"] = _counts(log.first_start, bounds)
    _, monthly["closed_cumulative"] = _counts(close_t, bounds)
    monthly["fte_in_post"] = fte.before(ends)
    monthly["capacity"] = cap.before(ends)
    cap_area = np.diff(cap.area(bounds))
    busy_area = np.diff(busy.area(bounds))
    monthly["caseload_utilisation"] = np.divide(busy_area, cap_area, out=np.zeros_like(busy_area), where=cap_area > 0)
    establishment = Step.merged(*log.establishment)
    vacant = Step.merged(*log.vacant)
    agency = Step.merged(*log.agency_fte)
    monthly["fte_establishment"] = establishment.before(ends)
    monthly["vacant_fte"] = vacant.before(ends)
    monthly["agency_fte"] = agency.before(ends)
    monthly["workers_in_induction"] = Step(log.induction).before(ends)
    hire_t = [t for t, _ in log.hires]
    leaver_t = [t for t, _ in log.leavers]
    _, monthly["leavers_cumulative"] = _counts(leaver_t, bounds)
    _, monthly["hires_cumulative"] = _counts(hire_t, bounds)
    _, monthly["handovers_cumulative"] = _counts(log.handovers, bounds)
    by_role: dict[str, dict[str, np.ndarray]] = {k: {} for k in
                                                 ("in_service", "capacity", "fte_in_post", "fte_establishment", "vacant_fte")}
    for i, (role, b, c, f) in enumerate(zip(engine.roles, busy_roles, cap_roles, fte_roles)):
        by_role["in_service"][role.id] = b.before(ends)
        by_role["capacity"][role.id] = c.before(ends)
        by_role["fte_in_post"][role.id] = f.before(ends)
        by_role["fte_establishment"][role.id] = Step(log.establishment[i]).before(ends)
        by_role["vacant_fte"][role.id] = Step(log.vacant[i]).before(ends)
    by_role = {k: {r: np.asarray(v, dtype=float) for r, v in d.items()} for k, d in by_role.items()}
    monthly = {k: np.asarray(v, dtype=float) for k, v in monthly.items()}

    # ---- summary over [W, H) ---------------------------------------------------------
    s: dict[str, float] = {}
    s["families_referred"] = _window_count(log.referred, W, H)
    s["families_refused"] = engine._refused
    s["families_started"] = _window_count(log.first_start, W, H)
    in_window = (close_t >= W) & (close_t < H)
    for name, code in (
        ("families_turned_around", TURNED_AROUND),
        ("families_improved", IMPROVED),
        ("families_no_progress", NO_PROGRESS),
        ("families_disengaged", DISENGAGED),
        ("families_closed_unallocated", CLOSED_UNALLOCATED),
    ):
        s[name] = int(np.count_nonzero(in_window & (close_kind == code)))
    s["families_waiting_end"] = engine._waiting
    s["families_in_service_end"] = sum(w.load for w in engine.workers)
    first = np.asarray(log.first_start, dtype=float)
    w_in = np.asarray(log.waits, dtype=float)[(first >= W) & (first < H)]
    s["mean_wait_days"] = float(w_in.mean()) if len(w_in) else float("nan")
    s["share_waited"] = float(np.mean(w_in > 1e-9)) if len(w_in) else float("nan")
    span = H - W
    s["mean_waiting_list"] = float(np.diff(waiting.area([W, H]))[0] / span)
    s["peak_waiting_list"] = waiting.peak(W, H)
    busy_w = float(np.diff(busy.area([W, H]))[0])
    cap_w = float(np.diff(cap.area([W, H]))[0])
    s["mean_in_service"] = busy_w / span
    s["caseload_utilisation"] = busy_w / cap_w if cap_w > 0 else 0.0
    close_started = np.asarray(log.close_started, dtype=float)
    spells = (close_t - close_started)[in_window & (close_started >= 0)]
    s["mean_intervention_days"] = float(spells.mean()) if len(spells) else float("nan")
    s["fte_in_post_end"] = float(fte.before([H])[0])
    s["leavers"] = _window_count(leaver_t, W, H)
    s["hires"] = _window_count(hire_t, W, H)
    vacant_area = float(np.diff(vacant.area([W, H]))[0])
    establishment_area = float(np.diff(establishment.area([W, H]))[0])
    s["vacancy_fte_months"] = vacant_area / DAYS_PER_MONTH
    s["vacancy_share"] = vacant_area / establishment_area if establishment_area > 0 else 0.0
    s["agency_fte_months"] = float(np.diff(agency.area([W, H]))[0]) / DAYS_PER_MONTH
    s["handovers"] = _window_count(log.handovers, W, H)
    fills = np.asarray(log.fill_days, dtype=float).reshape(-1, 2)
    fills = fills[(fills[:, 0] >= W) & (fills[:, 0] < H), 1]
    s["mean_time_to_fill_days"] = float(fills.mean()) if len(fills) else float("nan")
    s = {k: float(v) for k, v in s.items()}

    # ---- checks over the whole run -------------------------------------------------------
    states = np.bincount(np.fromiter((f.state for f in engine.families), dtype=np.int64, count=len(engine.families)),
                         minlength=5)
    checks = {
        "referred": float(len(log.referred)),
        "refused_now": float(states[REFUSED]),
        "waiting_now": float(states[WAITING]),
        "in_service_now": float(states[IN_SERVICE]),
        "closed": float(states[CLOSED]),
        "families": float(len(engine.families)),
        "cap_exceeded": float(log.max_load_exceeded),
    }
    if engine.claims is not None:  # payment by results (issue 4): tfsim/model/money.py
        from .money import money_statistics

        money_statistics(scenario, engine, log, bounds, s, monthly, checks)
    return ReplicationResult(summary=s, monthly=monthly, checks=checks, by_role=by_role)
