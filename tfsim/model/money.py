"""Money statistics of a finished replication: fees, costs and cash flow.

Computed vectorised from the event log and the snapshot's claims records
(:class:`~tfsim.model.log.ClaimsRecord`); nothing here changes the simulation.

Income (cash, when paid)
    *Attachment fee* when a family is taken on (its first intervention starts), once per
    family (re-referred episodes earn none).  *Results payments* ``payment_lag_months``
    after each claim.  Amounts follow the family's financial year of attachment.
Costs
    Staff: FTE in post per role (``log.fte``) times salary x (1 + on-costs), integrated
    exactly over time (salary per day = annual / ``DAYS_PER_YEAR``).  Agency cover (``log.agency_fte``,
    counted apart from staff in post) costs salary x (1 + on-costs) x (1 + agency premium).
    Recruitment: ``recruitment_gbp`` per hire (``log.hires``).  Overheads: a fixed amount
    a month plus ``overhead_share`` of staff cost.
Target
    Counted from the start of the run (the warm-up does not apply): the target is met on
    the day the ``families``-th claim (or turn-around) happens; met in time if that is no
    later than the end of the deadline day.
"""

from __future__ import annotations

import numpy as np

from tfsim.scenario.schema import DAYS_PER_MONTH, DAYS_PER_YEAR, Scenario

from .calendar import Calendar
from .entities import DATA_MATCHED, EMPLOYMENT, MAIN_KINDS, PROGRESS_TO_WORK, TURNED_AROUND
from .fees import FeeSchedule
from .log import EventLog, Snapshot
from .steps import Step, sum_by_month, window_sum


def originals(n: int, origin) -> np.ndarray:
    """Mask of the Family records ``0 .. n-1`` that are original families (not re-referrals, the keys of ``origin``)."""
    mask = np.ones(n, dtype=bool)
    mask[np.fromiter(origin, dtype=np.int64, count=len(origin))] = False
    return mask


def attachments(scenario: Scenario, snapshot: Snapshot) -> tuple[np.ndarray, np.ndarray]:
    """(time, fee) of every attachment: original families whose first intervention started."""
    started = snapshot.family_started
    times = started[(started >= 0) & originals(len(started), snapshot.claims.origin)]
    return times, FeeSchedule(scenario.money, scenario).attachment_fees(times)


def cost_flows(scenario: Scenario, log: EventLog, points: np.ndarray) -> dict[str, np.ndarray]:
    """Cumulative cost (£) from time 0 to each point, by kind (staff, agency, recruitment, overhead)."""
    c = scenario.money.costs
    points = np.asarray(points, dtype=float)
    staff = np.zeros_like(points)
    agency = np.zeros_like(points)
    for i, role in enumerate(scenario.roles):
        per_day = c.salary_gbp.get(role.id, c.default_salary_gbp) * (1 + c.on_cost_share) / DAYS_PER_YEAR
        staff += per_day * Step(log.fte[i]).area(points)
        agency += per_day * (1 + c.agency_premium_share) * Step(log.agency_fte[i]).area(points)
    hires = np.sort(np.asarray([t for t, _ in log.hires], dtype=float))
    recruitment = c.recruitment_gbp * np.searchsorted(hires, points, side="left")
    overhead = c.overhead_gbp_per_month * points / DAYS_PER_MONTH + c.overhead_share * (staff + agency)
    return {"staff": staff + agency, "agency": agency, "recruitment": recruitment.astype(float), "overhead": overhead}


def target_day(times: np.ndarray, families: int) -> float:
    """Clock day on which the ``families``-th event happens (NaN if it never does)."""
    times = np.sort(np.asarray(times, dtype=float))
    return float(times[families - 1]) if len(times) >= families else float("nan")


def money_statistics(scenario: Scenario, calendar: Calendar, log: EventLog, snapshot: Snapshot,
                     turned_around: float) -> tuple[dict[str, float], dict[str, np.ndarray], dict[str, float]]:
    """Money summary metrics, monthly series and checks of a finished replication.

    Parameters
    ----------
    scenario : Scenario
        The scenario run; it has a ``[money]`` section.
    calendar : Calendar
        Its calendar months.
    log, snapshot
        The replication's event log and end-of-run snapshot (with claims records).
    turned_around : float
        Families turned around after the warm-up (for the cost per family turned around).

    Returns
    -------
    tuple of dict
        ``(summary, monthly, checks)``.
    """
    record = snapshot.claims
    bounds = calendar.bounds
    W, H = scenario.warm_up_days, scenario.horizon_days
    c = record.columns
    is_main = c.of_kinds(MAIN_KINDS)
    main = np.sort(c.claimed[is_main])
    main = main[main < H]
    paid_t, paid_v = c.paid, c.amount
    att_t, att_v = attachments(scenario, snapshot)
    ta_times = np.sort(np.asarray(log.close_t, dtype=float)[np.asarray(log.close_kind) == TURNED_AROUND])
    # cumulative costs at the month bounds and at the window ends, in one pass over the logs
    flows = cost_flows(scenario, log, np.concatenate((bounds, [W, H])))
    span = {k: v[-2:] for k, v in flows.items()}
    flows = {k: v[:-2] for k, v in flows.items()}

    # ---- monthly -----------------------------------------------------------------------
    monthly: dict[str, np.ndarray] = {}
    monthly["claims_cumulative"] = np.searchsorted(main, bounds[1:], side="left")
    matched = record.times((DATA_MATCHED,))
    monthly["claims_data_matched_cumulative"] = np.searchsorted(matched[matched < H], bounds[1:], side="left")
    monthly["income_attachment"] = sum_by_month(att_t, att_v, bounds)
    monthly["income_results"] = sum_by_month(paid_t, paid_v, bounds)
    monthly["income_cumulative"] = np.cumsum(monthly["income_attachment"] + monthly["income_results"])
    total = flows["staff"] + flows["recruitment"] + flows["overhead"]
    monthly["cost"] = np.diff(total)
    monthly["cost_cumulative"] = total[1:] - total[0]
    monthly["net_cost_cumulative"] = monthly["cost_cumulative"] - monthly["income_cumulative"]
    monthly = {k: np.asarray(v, dtype=float) for k, v in monthly.items()}

    # ---- summary over [W, H) -----------------------------------------------------------
    claimed_in = (c.claimed >= W) & (c.claimed < H)

    def window(kinds):
        return float(np.count_nonzero(claimed_in & c.of_kinds(kinds)))

    s: dict[str, float] = {}
    s["claims"] = window(MAIN_KINDS)
    s["claims_employment"] = window((EMPLOYMENT,))
    s["claims_data_matched"] = window((DATA_MATCHED,))
    s["claims_employment_during"] = float(np.count_nonzero(claimed_in & c.outside & c.of_kinds((EMPLOYMENT,))))
    s["claims_progress_to_work"] = window((PROGRESS_TO_WORK,))
    voided = np.asarray([t for t, _ in record.voided], dtype=float)
    s["claims_voided"] = float(np.count_nonzero((voided >= W) & (voided < H)))
    rereferrals = np.asarray(record.rereferrals, dtype=float)
    s["rereferrals"] = float(np.count_nonzero((rereferrals >= W) & (rereferrals < H)))
    s["income_attachment"] = window_sum(att_t, att_v, W, H)
    s["income_results"] = window_sum(paid_t, paid_v, W, H)
    s["income_total"] = s["income_attachment"] + s["income_results"]
    s["income_results_outstanding"] = float(c.amount[(c.eligible < H) & (H <= c.paid)].sum())
    for name, key in (("staff_cost", "staff"), ("agency_cost", "agency"), ("recruitment_cost", "recruitment"),
                      ("overhead_cost", "overhead")):
        s[name] = float(span[key][1] - span[key][0])
    s["total_cost"] = s["staff_cost"] + s["recruitment_cost"] + s["overhead_cost"]
    s["net_cost"] = s["total_cost"] - s["income_total"]
    ta = turned_around
    s["cost_per_turned_around"] = s["total_cost"] / ta if ta > 0 else float("nan")
    s["net_cost_per_turned_around"] = s["net_cost"] / ta if ta > 0 else float("nan")

    target = scenario.money.target
    s["p_target_met"] = s["target_met_date_p50"] = s["target_count_at_deadline"] = float("nan")
    if target is not None:
        events = main if target.measure == "claims" else ta_times
        day = target_day(events[events < H], target.families)
        end_of_deadline = scenario.day_of(target.deadline) + 1
        s["target_met_date_p50"] = day
        s["p_target_met"] = float(day == day and day < end_of_deadline)
        s["target_count_at_deadline"] = float(np.count_nonzero(events < min(end_of_deadline, H)))

    # ---- checks over the whole run -------------------------------------------------------
    checks: dict[str, float] = {}
    checks["claims"] = float(len(main))
    # claims from exits never outrun the families turned around, nor all claims the families referred
    from_exits = np.sort(c.claimed[is_main & ~c.outside & (c.claimed < H)])
    checks["claims_over_turned_around"] = float(np.any(np.searchsorted(ta_times, from_exits, side="left")
                                                       < np.arange(1, len(from_exits) + 1)))
    referred = np.asarray(log.referred, dtype=float)
    roots_referred = referred[originals(len(referred), record.origin)]
    checks["claims_over_families"] = float(np.any(np.searchsorted(np.sort(roots_referred), main, side="right")
                                                  < np.arange(1, len(main) + 1)))
    checks["claims_before_sustained"] = float(np.any(c.claimed < c.eligible))
    roots = np.sort(c.root[is_main])
    checks["claims_twice"] = float(np.any(roots[1:] == roots[:-1]))
    checks["attachments"] = float(len(att_t))
    checks["rereferrals"] = float(len(record.rereferrals))
    return s, monthly, checks
