"""Names, descriptions and units of the model's outputs, as plain tables.

A stop-gap outside the model: the model names its outputs only by their string keys,
and these tables (moved from the model unchanged) describe them for the experiment's
labels until a catalogue of output records replaces them.
"""

from __future__ import annotations

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

#: Summary metrics, in report order, with a plain-language description and unit.
_CASELOAD_SUMMARY: dict[str, tuple[str, str]] = {
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
_CASELOAD_MONTHLY: dict[str, tuple[str, str]] = {
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

# every output: the money metrics follow the caseload and workforce ones
SUMMARY_METRICS: dict[str, tuple[str, str]] = {**_CASELOAD_SUMMARY, **MONEY_SUMMARY}
MONTHLY_METRICS: dict[str, tuple[str, str]] = {**_CASELOAD_MONTHLY, **MONEY_MONTHLY}
