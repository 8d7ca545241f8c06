"""Money at the end of a replication: fees, costs and cash flow (issue 4).

Computed vectorised from the event log and the :class:`~tfsim.model.claims.ClaimsBook`
once the replication has finished; nothing here changes the simulation.

Income (cash, when paid)
    *Attachment fee* when a family is taken on (its first intervention starts), once per
    family (re-referred episodes earn none).  *Results payments* ``payment_lag_months``
    after each claim.  Amounts follow the family's financial year of attachment.
Costs
    Staff: FTE in post per role (``log.fte``) times salary x (1 + on-costs), integrated
    exactly over time (salary per day = annual / 365.25).  Agency cover (``log.agency_fte``,
    counted apart from staff in post) costs salary x (1 + on-costs) x (1 + agency premium).
    Recruitment: ``recruitment_gbp`` per hire (``log.hires``).  Overheads: a fixed amount
    a month plus ``overhead_share`` of staff cost.  The workforce logs stay empty until
    the workforce model fills them, so agency and recruitment cost then start to count.
Target
    Counted from the start of the run (the warm-up does not apply): the target is met on
    the day the ``families``-th claim (or turn-around) happens; met in time if that is no
    later than the end of the deadline day.
"""

from __future__ import annotations

import numpy as np

from tfsim.scenario.schema import DAYS_PER_MONTH, Scenario

from .claims import EMPLOYMENT, MAIN_KINDS, PROGRESS_TO_WORK
from .engine import TURNED_AROUND

DAYS_PER_YEAR = 365.25

#: Summary metrics added when the scenario has a [money] section (name: description, unit).
MONEY_SUMMARY: dict[str, tuple[str, str]] = {
    "claims": ("Results claims made (families claimed as turned around)", "families"),
    "claims_employment": ("Claims for an employment result", "families"),
    "claims_progress_to_work": ("Progress-to-work claims", "families"),
    "claims_voided": ("Results that relapsed before they could be claimed", "families"),
    "rereferrals": ("Re-referrals after a relapse (each also counts as a referral)", "families"),
    "income_attachment": ("Attachment fees received", "£"),
    "income_results": ("Results payments received", "£"),
    "income_total": ("Attachment fees plus results payments received", "£"),
    "income_results_outstanding": ("Results sustained by the end but paid after it", "£"),
    "staff_cost": ("Staff cost: salaries with on-costs, plus agency cover", "£"),
    "agency_cost": ("Agency cover cost (part of staff cost)", "£"),
    "recruitment_cost": ("Recruitment cost", "£"),
    "overhead_cost": ("Overheads", "£"),
    "total_cost": ("Staff cost plus recruitment and overheads", "£"),
    "net_cost": ("Total cost less income", "£"),
    "cost_per_turned_around": ("Total cost per family turned around", "£"),
    "net_cost_per_turned_around": ("Net cost per family turned around", "£"),
    "p_target_met": ("Target met by the deadline (1 yes, 0 no); its mean is the probability", "share"),
    "target_met_date_p50": ("Day the target is met, days from start_date (blank if never; "
                            "percentiles are over replications that met it)", "days"),
}

MONEY_MONTHLY: dict[str, tuple[str, str]] = {
    "claims_cumulative": ("Results claims made so far", "families"),
    "income_attachment": ("Attachment fees received in the month", "£"),
    "income_results": ("Results payments received in the month", "£"),
    "income_cumulative": ("Income received so far", "£"),
    "cost": ("Total cost in the month", "£"),
    "cost_cumulative": ("Total cost so far", "£"),
    "net_cost_cumulative": ("Total cost less income so far", "£"),
}


def _sum_by_month(times, amounts, bounds) -> np.ndarray:
    """Sum of ``amounts`` whose time falls in each month [b_k, b_k+1)."""
    t = np.asarray(times, dtype=float)
    a = np.asarray(amounts, dtype=float)
    n = len(bounds) - 1
    idx = np.searchsorted(bounds, t, side="right") - 1
    ok = (idx >= 0) & (idx < n) & (t < bounds[-1])
    return np.bincount(idx[ok], weights=a[ok], minlength=n)[:n].astype(float)


def _window_sum(times, amounts, a: float, b: float) -> float:
    t = np.asarray(times, dtype=float)
    v = np.asarray(amounts, dtype=float)
    return float(v[(t >= a) & (t < b)].sum()) if len(t) else 0.0


def attachments(engine) -> tuple[np.ndarray, np.ndarray]:
    """(time, fee) of every attachment: original families whose first intervention started."""
    book = engine.claims
    times, fees = [], []
    for fam in engine.families:
        if fam.started >= 0 and fam.id not in book.origin:
            times.append(fam.started)
            fees.append(book.fees_of(fam.id)[0])
    return np.asarray(times, dtype=float), np.asarray(fees, dtype=float)


def cost_flows(scenario: Scenario, log, points: np.ndarray) -> dict[str, np.ndarray]:
    """Cumulative cost from time 0 to each point, by kind (staff, agency, recruitment, overhead)."""
    from .metrics import Step

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


def money_statistics(scenario: Scenario, engine, log, bounds: np.ndarray, s: dict, monthly: dict, checks: dict) -> None:
    """Add the money summary metrics, monthly series and checks of a finished replication."""
    book = engine.claims
    W, H = scenario.warm_up_days, scenario.horizon_days
    claims = book.claims
    main = book.claim_array(MAIN_KINDS)
    main = main[main < H]
    paid_t = np.asarray([c.paid for c in claims], dtype=float)
    paid_v = np.asarray([c.amount_gbp for c in claims], dtype=float)
    att_t, att_v = attachments(engine)
    ta_times = np.sort(np.asarray(log.close_t, dtype=float)[np.asarray(log.close_kind) == TURNED_AROUND])
    # cumulative costs at the month bounds and at the window ends, in one pass over the logs
    flows = cost_flows(scenario, log, np.concatenate((bounds, [W, H])))
    span = {k: v[-2:] for k, v in flows.items()}
    flows = {k: v[:-2] for k, v in flows.items()}

    # ---- monthly -----------------------------------------------------------------------
    monthly["claims_cumulative"] = np.searchsorted(main, bounds[1:], side="left")
    monthly["income_attachment"] = _sum_by_month(att_t, att_v, bounds)
    monthly["income_results"] = _sum_by_month(paid_t, paid_v, bounds)
    monthly["income_cumulative"] = np.cumsum(monthly["income_attachment"] + monthly["income_results"])
    total = flows["staff"] + flows["recruitment"] + flows["overhead"]
    monthly["cost"] = np.diff(total)
    monthly["cost_cumulative"] = total[1:] - total[0]
    monthly["net_cost_cumulative"] = monthly["cost_cumulative"] - monthly["income_cumulative"]
    for k in MONEY_MONTHLY:
        monthly[k] = np.asarray(monthly[k], dtype=float)

    # ---- summary over [W, H) -----------------------------------------------------------
    def window(kinds):
        t = book.claim_array(kinds)
        return float(np.count_nonzero((t >= W) & (t < H)))

    s["claims"] = window(MAIN_KINDS)
    s["claims_employment"] = window((EMPLOYMENT,))
    s["claims_progress_to_work"] = window((PROGRESS_TO_WORK,))
    s["claims_voided"] = float(sum(1 for t, _ in book.voided if W <= t < H))
    s["rereferrals"] = float(sum(1 for t in book.rereferrals if W <= t < H))
    s["income_attachment"] = _window_sum(att_t, att_v, W, H)
    s["income_results"] = _window_sum(paid_t, paid_v, W, H)
    s["income_total"] = s["income_attachment"] + s["income_results"]
    s["income_results_outstanding"] = float(sum(c.amount_gbp for c in claims if c.eligible < H <= c.paid))
    for name, key in (("staff_cost", "staff"), ("agency_cost", "agency"), ("recruitment_cost", "recruitment"),
                      ("overhead_cost", "overhead")):
        s[name] = float(span[key][1] - span[key][0])
    s["total_cost"] = s["staff_cost"] + s["recruitment_cost"] + s["overhead_cost"]
    s["net_cost"] = s["total_cost"] - s["income_total"]
    ta = s.get("families_turned_around", 0.0)
    s["cost_per_turned_around"] = s["total_cost"] / ta if ta > 0 else float("nan")
    s["net_cost_per_turned_around"] = s["net_cost"] / ta if ta > 0 else float("nan")

    target = scenario.money.target
    s["p_target_met"] = s["target_met_date_p50"] = float("nan")
    if target is not None:
        events = main if target.measure == "claims" else ta_times
        day = target_day(events[events < H], target.families)
        s["target_met_date_p50"] = day
        s["p_target_met"] = float(day == day and day < scenario.day_of(target.deadline) + 1)

    # ---- checks over the whole run -------------------------------------------------------
    checks["claims"] = float(len(main))
    checks["claims_over_turned_around"] = float(np.any(np.searchsorted(ta_times, main, side="left")
                                                       < np.arange(1, len(main) + 1)))
    checks["claims_before_sustained"] = float(any(c.claimed < c.eligible for c in claims))
    roots = [c.root for c in claims if c.kind in MAIN_KINDS]
    checks["claims_twice"] = float(len(roots) != len(set(roots)))
    checks["attachments"] = float(len(att_t))
    checks["rereferrals"] = float(len(book.rereferrals))
