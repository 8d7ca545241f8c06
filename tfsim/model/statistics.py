"""Statistics of one replication: pure functions of (scenario, calendar, event log, snapshot).

Flows (referrals, starts, closures) are counted in half-open intervals ``[a, b)``;
stocks (waiting list, families in service) are read just before a boundary, i.e. at the
end of the month; time averages (utilisation) integrate the step functions exactly.
Summary statistics cover the period after the warm-up; checks cover the whole run.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from tfsim.scenario.schema import DAYS_PER_MONTH, Scenario

from .calendar import Calendar
from .entities import (
    CLOSED,
    CLOSED_UNALLOCATED,
    DISENGAGED,
    IMPROVED,
    IN_SERVICE,
    NO_PROGRESS,
    REFUSED,
    TURNED_AROUND,
    WAITING,
)
from .log import EventLog, Snapshot
from .money import money_statistics
from .steps import Step, counts, window_count


@dataclass
class ReplicationResult:
    """One replication's statistics.

    Attributes
    ----------
    summary : dict of str to float
        Scalars over the period after the warm-up.
    monthly : dict of str to numpy.ndarray
        Series with one value per calendar month.
    checks : dict of str to float
        Bookkeeping over the whole run (families by final state, flags), for the tests.
    by_role : dict of str to dict of str to numpy.ndarray
        Monthly series per role: metric name -> role id -> series (``in_service``,
        ``capacity``, ``fte_in_post``, ``fte_establishment``, ``vacant_fte``).
    """

    summary: dict[str, float]
    monthly: dict[str, np.ndarray]
    checks: dict[str, float] = field(default_factory=dict)
    by_role: dict[str, dict[str, np.ndarray]] = field(default_factory=dict)


def replication_statistics(scenario: Scenario, calendar: Calendar, log: EventLog,
                           snapshot: Snapshot) -> ReplicationResult:
    """Summary, monthly and per-role statistics and checks of a finished replication."""
    bounds = calendar.bounds
    ends = calendar.ends
    W, H = scenario.warm_up_days, scenario.horizon_days

    waiting = Step.changes(log.waiting_t, log.waiting_d)
    refused = Step.changes(log.refused_t, log.refused_d)
    busy_log = log.busy  # decoded once
    busy_roles = [Step.changes(t, d) for t, d in busy_log]
    cap_roles, cap = Step.per_list(log.capacity)
    fte_roles, fte = Step.per_list(log.fte)
    busy = Step.combined(busy_log) if len(busy_log) > 1 else busy_roles[0]
    close_t = np.asarray(log.close_t, dtype=float)
    close_kind = np.asarray(log.close_kind, dtype=np.int64)

    monthly: dict[str, np.ndarray] = {}
    monthly["referrals"], monthly["referred_cumulative"] = counts(log.referred, bounds)
    monthly["waiting_list"] = waiting.before(ends)
    monthly["families_in_service"] = busy.before(ends)
    monthly["refused_now"] = refused.before(ends)
    _, monthly["turned_around_cumulative"] = counts(close_t[close_kind == TURNED_AROUND], bounds)
    _, monthly["refused_cumulative"] = counts(log.refused_first, bounds)
    _, monthly["started_cumulative"] = counts(log.first_start, bounds)
    _, monthly["closed_cumulative"] = counts(close_t, bounds)
    monthly["fte_in_post"] = fte.before(ends)
    monthly["capacity"] = cap.before(ends)
    cap_area = np.diff(cap.area(bounds))
    busy_area = np.diff(busy.area(bounds))
    monthly["caseload_utilisation"] = np.divide(busy_area, cap_area, out=np.zeros_like(busy_area), where=cap_area > 0)
    establishment_roles, establishment = Step.per_list(log.establishment)
    vacant_roles, vacant = Step.per_list(log.vacant)
    agency = Step.merged(*log.agency_fte)
    monthly["fte_establishment"] = establishment.before(ends)
    monthly["vacant_fte"] = vacant.before(ends)
    monthly["agency_fte"] = agency.before(ends)
    monthly["workers_in_induction"] = Step(log.induction).before(ends)
    hire_t = [t for t, _ in log.hires]
    leaver_t = [t for t, _ in log.leavers]
    _, monthly["leavers_cumulative"] = counts(leaver_t, bounds)
    _, monthly["hires_cumulative"] = counts(hire_t, bounds)
    _, monthly["handovers_cumulative"] = counts(log.handovers, bounds)
    monthly = {k: np.asarray(v, dtype=float) for k, v in monthly.items()}

    by_role: dict[str, dict[str, np.ndarray]] = {
        "in_service": {}, "capacity": {}, "fte_in_post": {}, "fte_establishment": {}, "vacant_fte": {}}
    for role, b, c, f, e, v in zip(scenario.roles, busy_roles, cap_roles, fte_roles, establishment_roles, vacant_roles):
        by_role["in_service"][role.id] = np.asarray(b.before(ends), dtype=float)
        by_role["capacity"][role.id] = np.asarray(c.before(ends), dtype=float)
        by_role["fte_in_post"][role.id] = np.asarray(f.before(ends), dtype=float)
        by_role["fte_establishment"][role.id] = np.asarray(e.before(ends), dtype=float)
        by_role["vacant_fte"][role.id] = np.asarray(v.before(ends), dtype=float)

    # ---- summary over [W, H) ---------------------------------------------------------
    s: dict[str, float] = {}
    s["families_referred"] = window_count(log.referred, W, H)
    s["families_refused"] = snapshot.refused
    s["families_started"] = window_count(log.first_start, W, H)
    in_window = (close_t >= W) & (close_t < H)
    for name, code in (
        ("families_turned_around", TURNED_AROUND),
        ("families_improved", IMPROVED),
        ("families_no_progress", NO_PROGRESS),
        ("families_disengaged", DISENGAGED),
        ("families_closed_unallocated", CLOSED_UNALLOCATED),
    ):
        s[name] = int(np.count_nonzero(in_window & (close_kind == code)))
    s["families_waiting_end"] = snapshot.waiting
    s["families_in_service_end"] = snapshot.in_service
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
    s["leavers"] = window_count(leaver_t, W, H)
    s["hires"] = window_count(hire_t, W, H)
    vacant_area = float(np.diff(vacant.area([W, H]))[0])
    establishment_area = float(np.diff(establishment.area([W, H]))[0])
    s["vacancy_fte_months"] = vacant_area / DAYS_PER_MONTH
    s["vacancy_share"] = vacant_area / establishment_area if establishment_area > 0 else 0.0
    s["agency_fte_months"] = float(np.diff(agency.area([W, H]))[0]) / DAYS_PER_MONTH
    s["handovers"] = window_count(log.handovers, W, H)
    fills = np.asarray(log.fill_days, dtype=float).reshape(-1, 2)
    fills = fills[(fills[:, 0] >= W) & (fills[:, 0] < H), 1]
    s["mean_time_to_fill_days"] = float(fills.mean()) if len(fills) else float("nan")
    s = {k: float(v) for k, v in s.items()}

    # ---- checks over the whole run -------------------------------------------------------
    states = np.bincount(snapshot.family_state, minlength=5)
    checks = {
        "referred": float(len(log.referred)),
        "refused_now": float(states[REFUSED]),
        "waiting_now": float(states[WAITING]),
        "in_service_now": float(states[IN_SERVICE]),
        "closed": float(states[CLOSED]),
        "families": float(snapshot.families),
        "cap_exceeded": float(log.max_load_exceeded),
    }
    if snapshot.claims is not None:
        s_money, m_money, c_money = money_statistics(scenario, calendar, log, snapshot, s["families_turned_around"])
        s.update(s_money)
        monthly.update(m_money)
        checks.update(c_money)
    return ReplicationResult(summary=s, monthly=monthly, checks=checks, by_role=by_role)
