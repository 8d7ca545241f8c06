"""The scenario schema: the single source of truth for tfsim's file format.

Every field carries its type, default, bounds, unit and a one-line help text
(``description``).  The same metadata drives validation, the reference document
``docs/scenario-format.md`` (see :mod:`tfsim.scenario.reference`) and the app's
editor forms.

Units live in key names (``_days``, ``_weeks``, ``_months``, ``_per_month``,
``_fte``); dates are TOML dates; money is in pounds.  A month is 365.25/12 days.
"""

from __future__ import annotations

import datetime as dt
import difflib
import math
from typing import Annotated, Any, Literal, Optional

from pydantic import Field, field_validator, model_validator

from .base import PlainText, Prose, StrictModel, known
from .messages import clean
# The distribution kinds are part of the schema (``schema.Fixed``, ``schema.DISTRIBUTION_KINDS``).
from .distributions import (
    DISTRIBUTION_KINDS as DISTRIBUTION_KINDS,
    Distribution,
    DistributionModel as DistributionModel,
    Empirical,
    Exponential as Exponential,
    Fixed,
    Gamma as Gamma,
    LogNormal as LogNormal,
    Triangular,
    Uniform,
)

SCHEMA_VERSION = 1
DAYS_PER_YEAR = 365.25
DAYS_PER_MONTH = 365.25 / 12
DAYS_PER_WEEK = 7.0

#: Hard limits that keep a shared (possibly hostile) file from exhausting a laptop.  The
#: horizon is long enough for heavy-traffic steady-state studies (an M/M/c queue at
#: utilisation 0.95 relaxes over decades); the work a run does is bounded by the expected
#: referrals and the expected leavers, each at most a few million.
MAX_HORIZON_YEARS = 1000
MAX_EXPECTED_FAMILIES = 2_000_000
MAX_EXPECTED_LEAVERS = 2_000_000
#: First contacts and re-approaches together: a refusing family approached again and
#: again is one contact event each time.
MAX_EXPECTED_CONTACTS = 5_000_000
MAX_LIST_ROWS = 5_000
#: Largest funded establishment of one role, in FTE, anywhere in the staffing plan (an
#: establishment factor applied again and again grows it geometrically).
MAX_ROLE_FTE = 10_000

#: The calendar a scenario may use: wide enough for a steady-state study of
#: MAX_HORIZON_YEARS, and far inside what a date can hold (year 9999), since money is
#: counted by financial year and claims by window dates past the horizon.
EARLIEST_DATE = dt.date(1900, 1, 1)
LATEST_DATE = dt.date(3000, 12, 31)

_IDENT = r"^[a-z][a-z0-9_]{0,39}$"

#: What the values of a key (``refers_to``) or the names of a table (``keys_refer_to``)
#: name, so the app offers them in a list rather than as typed text: the ids of the
#: roles, the intensity levels, or financial years.
REFERS_TO_ROLES = {"refers_to": "roles"}
KEYS_ARE_LEVELS = {"keys_refer_to": "levels"}


def reference_choices(name: str, data: Any) -> list[str]:
    """The names a key ``refers_to`` in a scenario's file data (possibly invalid), in file order.

    ``roles``: the ids of the roles; ``levels``: the intensity levels; ``years``: the
    financial years the scenario spans ('2014' = 2014/15).  Anything unreadable gives none.
    """
    data = data if isinstance(data, dict) else {}
    if name == "roles":
        roles = data.get("roles")
        ids = [r.get("id") for r in roles if isinstance(r, dict)] if isinstance(roles, list) else []
        return list(dict.fromkeys(i for i in ids if isinstance(i, str) and i))
    if name == "levels":
        families = data.get("families")
        levels = families.get("intensity") if isinstance(families, dict) else None
        return [k for k in levels if isinstance(k, str)] if isinstance(levels, dict) else []
    if name == "years":
        start, end = data.get("start_date"), data.get("end_date")
        if isinstance(start, dt.date) and isinstance(end, dt.date) and start <= end:
            first = start.year - (start.month < 4)  # a financial year starts on 1 April
            last = end.year - (end.month < 4)
            return [str(y) for y in range(first, min(last, first + 99) + 1)]
        return []
    return []


def reference_labels(name: str, data: Any) -> dict[str, str]:
    """What each of :func:`reference_choices` is, in words: a role's name (empty for other names)."""
    if name != "roles" or not isinstance(data, dict) or not isinstance(data.get("roles"), list):
        return {}
    return {r["id"]: r["name"] for r in data["roles"]
            if isinstance(r, dict) and isinstance(r.get("id"), str) and isinstance(r.get("name"), str)}


def _date(**kwargs: Any) -> Any:
    """A date key: any day from EARLIEST_DATE to LATEST_DATE."""
    return Field(ge=EARLIEST_DATE, le=LATEST_DATE, **kwargs)


def _q(text: Any) -> str:
    """Text from the file quoted in a message: escaped and cut short."""
    return f"'{clean(text, 60)}'"


# --------------------------------------------------------------------------------------
# Referrals
# --------------------------------------------------------------------------------------


class CohortRelease(StrictModel):
    """A batch of identified families released to the programme on one date."""

    date: dt.date = _date(description="Date the batch is referred.")
    families: int = Field(ge=1, le=100_000, description="Number of families in the batch.")
    label: PlainText = Field(default="", max_length=200, description="Free note, e.g. 'first 10 families profiled'.")


class RatePeriod(StrictModel):
    """A Poisson referral rate that holds from its start date until the next period starts."""

    start: dt.date = _date(description="First day this rate applies.")
    per_month: float = Field(ge=0, le=100_000, description="Mean referrals a month (Poisson).")


class Referrals(StrictModel):
    """How families arrive: an identified cohort released in batches and/or a Poisson stream."""

    cohort: list[CohortRelease] = Field(
        default_factory=list, max_length=MAX_LIST_ROWS, description="Batches of identified families."
    )
    rates: list[RatePeriod] = Field(
        default_factory=list,
        max_length=MAX_LIST_ROWS,
        description="Piecewise-constant monthly referral rates, in date order (none before the first).",
    )

    @field_validator("rates")
    @classmethod
    def _rates_in_order(cls, rates: list[RatePeriod]) -> list[RatePeriod]:
        for a, b in zip(rates, rates[1:]):
            if b.start <= a.start:
                raise ValueError(f"rate periods must be in date order ({b.start} is not after {a.start})")
        return rates


# --------------------------------------------------------------------------------------
# Families
# --------------------------------------------------------------------------------------

DEFAULT_NEEDS = {
    "crime_asb": 0.6,
    "education": 0.75,
    "worklessness": 0.55,
    "domestic_abuse": 0.3,
    "health": 0.4,
    "parenting": 0.5,
}


class Families(StrictModel):
    """Who is referred: family size, needs profile and intensity of need."""

    adults: Distribution = Field(
        default_factory=lambda: Empirical(values=[1, 2, 3], weights=[0.3, 0.55, 0.15]),
        description="Adults per family (rounded to whole people).",
    )
    children: Distribution = Field(
        default_factory=lambda: Empirical(values=[1, 2, 3, 4, 5, 6], weights=[0.15, 0.25, 0.25, 0.17, 0.1, 0.08]),
        description="Children per family (rounded to whole people).",
    )
    needs: dict[Annotated[str, Field(pattern=_IDENT)], Annotated[float, Field(ge=0, le=1)]] = Field(
        default_factory=lambda: dict(DEFAULT_NEEDS),
        max_length=40,
        description="Share of families with each need (independent draws).",
        json_schema_extra={"unit": "0 to 1, per need"},
    )
    intensity: dict[Annotated[str, Field(pattern=_IDENT)], Annotated[float, Field(ge=0, le=1)]] = Field(
        default_factory=lambda: {"high": 0.35, "medium": 0.4, "low": 0.25},
        min_length=1,
        max_length=20,
        description="Share of families at each intensity level, highest need first; shares sum to 1.",
        json_schema_extra={"unit": "0 to 1, per level"},
    )

    @field_validator("intensity")
    @classmethod
    def _shares_sum_to_one(cls, shares: dict[str, float]) -> dict[str, float]:
        total = sum(shares.values())
        if not math.isclose(total, 1.0, abs_tol=1e-6):
            raise ValueError(f"intensity shares must sum to 1 (they sum to {total:g})")
        return shares


class Engagement(StrictModel):
    """Whether families take up the offer and stay engaged."""

    refusal_probability: float = Field(
        default=0.13, ge=0, le=1, description="Chance a family refuses at first contact (Sevenoaks saw 13%)."
    )
    reapproach_probability: float = Field(
        default=0.0, ge=0, le=1, description="Chance a refusing family is approached again later."
    )
    reapproach_delay_months: Distribution = Field(
        default_factory=lambda: Fixed(value=6),
        description="Delay before a refusing family is approached again (its mean above 0 when refusal and "
        "re-approach are both certain).",
    )
    disengagement_hazard_per_month: float = Field(
        default=0.0,
        ge=0,
        le=10,
        description="Monthly hazard of a family disengaging part-way through an intervention.",
    )

    @model_validator(mode="after")
    def _loop_advances(self) -> "Engagement":
        if (self.refusal_probability == 1 and self.reapproach_probability == 1
                and self.reapproach_delay_months.expected_value() == 0):
            raise ScenarioCrossCheckError([(("reapproach_delay_months",), (
                "must be above 0 when refusal_probability and reapproach_probability are both 1: a refusing family "
                "would be approached again forever at one instant"))])
        return self


class WaitingList(StrictModel):
    """How families wait for a key worker."""

    discipline: Literal["fifo", "priority"] = Field(
        default="fifo",
        description="fifo: first referred, first allocated; priority: highest intensity first, then fifo.",
    )
    max_wait_days: float | None = Field(
        default=None, gt=0, le=3650, description="Longest a family may wait before the rule below applies (none: no limit)."
    )
    on_max_wait: Literal["close", "escalate"] = Field(
        default="close", description="close: the case is closed unallocated; escalate: it goes to the front of the list."
    )


# --------------------------------------------------------------------------------------
# Workforce: recruitment, attrition, induction, absence, learning
# --------------------------------------------------------------------------------------


class Workforce(StrictModel):
    """How staff come and go: turnover, recruitment, induction, absence and experience."""

    turnover_per_year: float = Field(
        default=0.0, ge=0, le=5,
        description="Leavers a year per worker in post (0.16 = 16% turnover; the social work census shows 15-17%).",
        json_schema_extra={"unit": "per year", "percent": True},
    )
    early_leaving_multiplier: float = Field(
        default=1.0, ge=1, le=20, description="How many times likelier a new starter is to leave during their first months."
    )
    early_leaving_months: float = Field(default=6.0, ge=0, le=60, description="How long the higher early leaving risk lasts.")
    notice_weeks: float = Field(
        default=4.0, ge=0, le=52, description="Notice period: a leaver takes no new families during it."
    )
    decision_delay_weeks: float = Field(
        default=2.0, ge=0, le=104, description="Delay between a post falling vacant and recruitment starting."
    )
    time_to_fill_weeks: Distribution = Field(
        default_factory=lambda: Uniform(low=10, high=14),
        description="One recruitment round, advert to start date (NHS proxy 10 to 14 weeks; no council figure found).",
    )
    round_failure_probability: float = Field(
        default=0.0, ge=0, le=0.95, description="Chance a round finds no suitable applicant and is re-advertised."
    )
    agency_cover: bool = Field(default=False, description="Cover vacancies with interim or agency staff until the post is filled.")
    agency_start_weeks: float = Field(default=2.0, ge=0, le=52, description="Delay before agency cover starts in a vacant post.")
    induction_months: float = Field(
        default=3.0, ge=0, le=24, description="Months a new starter takes to reach a full caseload (0: at once)."
    )
    induction_start_share: float = Field(
        default=0.4, ge=0, le=1, description="Share of the full caseload a new starter holds in their first month; rises evenly."
    )
    sickness_absence_share: float = Field(
        default=0.0, ge=0, le=0.5,
        description="Share of working time lost to sickness (census: 3% to 4%); interventions take longer to match.",
        json_schema_extra={"unit": "0 to 1"},
    )
    experienced_duration_factor: float = Field(
        default=1.0, gt=0, le=1,
        description="Learning curve: an experienced worker's interventions take this share of a new worker's time (1: no effect).",
    )
    experience_months: float = Field(
        default=12.0, gt=0, le=120, description="Time scale of the learning curve (about 63% of the gain after this long in post)."
    )


class StaffingChange(StrictModel):
    """A dated change to the staff: a planned start or leaver, a secondment, or a change of establishment."""

    date: dt.date = _date(description="When the change happens.")
    role: str = Field(max_length=40, description="Role id the change applies to.", json_schema_extra=REFERS_TO_ROLES)
    action: Literal["start", "leave", "secondment", "establishment"] = Field(
        description="start: a planned starter fills a vacant post (or a new one); leave: a worker leaves; "
        "secondment: a seconded worker joins until 'until'; establishment: funded posts change."
    )
    fte: float = Field(default=1.0, gt=0, le=1, description="FTE of the person starting, leaving or seconded.")
    until: dt.date | None = _date(default=None, description="Last day of a secondment.")
    establishment_change_fte: float | None = Field(
        default=None, ge=-200, le=200, description="For 'establishment': funded FTE added (or removed, if negative)."
    )
    establishment_factor: float | None = Field(
        default=None, gt=0, le=20, description="For 'establishment': multiply the funded FTE (3 = Phase 2's threefold expansion)."
    )
    label: PlainText = Field(default="", max_length=200, description="Free note, e.g. 'full-time FIP starts'.")

    @classmethod
    def fit_row(cls, row: dict, changed: str) -> dict:
        """A row of file data (a copy) made to fit its ``action`` after key ``changed`` was set (the editor's rows).

        Choosing an action drops the keys it does not take and fills in those it needs: a
        secondment six months long, an establishment change of one FTE.
        """
        row = dict(row)
        if changed != "action":
            return row
        action = row.get("action")
        if action != "secondment":
            row.pop("until", None)
        elif not isinstance(row.get("until"), dt.date) and isinstance(row.get("date"), dt.date):
            row["until"] = min(row["date"] + dt.timedelta(days=182), LATEST_DATE)
        if action != "establishment":
            row.pop("establishment_change_fte", None)
            row.pop("establishment_factor", None)
        elif row.get("establishment_change_fte") is None and row.get("establishment_factor") is None:
            row["establishment_change_fte"] = 1.0
        return row

    @model_validator(mode="after")
    def _fields_fit_action(self) -> "StaffingChange":
        if self.action == "establishment":
            if (self.establishment_change_fte is None) == (self.establishment_factor is None):
                raise ValueError("an establishment change needs exactly one of establishment_change_fte or establishment_factor")
        elif self.establishment_change_fte is not None or self.establishment_factor is not None:
            raise ValueError(f"establishment_change_fte and establishment_factor apply only to action 'establishment', not '{self.action}'")
        if self.action == "secondment":
            if self.until is None:
                raise ValueError("a secondment needs 'until', its last day")
            if self.until < self.date:
                raise ValueError("'until' must not be before 'date'")
        elif self.until is not None:
            raise ValueError("'until' applies only to action 'secondment'")
        return self


class RecruitmentFreeze(StrictModel):
    """A period when no recruitment round starts (rounds wait for its end)."""

    start: dt.date = _date(description="First day of the freeze.")
    end: dt.date = _date(description="Last day of the freeze.")
    roles: list[Annotated[str, Field(max_length=40)]] = Field(
        default_factory=list, max_length=50, description="Roles frozen (empty: all roles).",
        json_schema_extra=REFERS_TO_ROLES,
    )

    @model_validator(mode="after")
    def _order(self) -> "RecruitmentFreeze":
        if self.end < self.start:
            raise ValueError("end must not be before start")
        return self


class Handover(StrictModel):
    """What happens to a leaver's families."""

    extra_weeks: float = Field(
        default=2.0, ge=0, le=52, description="Time a handover adds to the family's intervention (getting to know the new worker)."
    )
    disengagement_probability: float = Field(
        default=0.1, ge=0, le=1, description="Chance a family disengages when its worker leaves."
    )


# --------------------------------------------------------------------------------------
# Roles
# --------------------------------------------------------------------------------------


class Outcomes(StrictModel):
    """Chances of each outcome when an intervention ends; they sum to 1."""

    turned_around: float = Field(default=0.6, ge=0, le=1, description="Results met: the family is turned around.", json_schema_extra={"unit": "0 to 1"})
    improved: float = Field(default=0.2, ge=0, le=1, description="Improved but not yet turned around.", json_schema_extra={"unit": "0 to 1"})
    no_progress: float = Field(default=0.15, ge=0, le=1, description="No progress (drift); the case closes.", json_schema_extra={"unit": "0 to 1"})
    disengaged: float = Field(default=0.05, ge=0, le=1, description="The family disengaged by the end.", json_schema_extra={"unit": "0 to 1"})

    @model_validator(mode="after")
    def _sum_to_one(self) -> "Outcomes":
        total = self.turned_around + self.improved + self.no_progress + self.disengaged
        if not math.isclose(total, 1.0, abs_tol=1e-6):
            raise ValueError(f"outcome chances must sum to 1 (they sum to {total:g})")
        return self

    def as_tuple(self) -> tuple[float, float, float, float]:
        return (self.turned_around, self.improved, self.no_progress, self.disengaged)


OUTCOME_NAMES = ("turned_around", "improved", "no_progress", "disengaged")


class Role(StrictModel):
    """A kind of key worker (FIP, FIP Light, FSW, lead worker, or one you define)."""

    id: str = Field(pattern=_IDENT, description="Short identifier used elsewhere in the file, e.g. 'fip'.")
    name: PlainText = Field(default="", max_length=80, description="Name shown in reports, e.g. 'Family Intervention Practitioner'.")
    caseload_cap_per_fte: float = Field(
        default=5, gt=0, le=60, description="Families one full-time worker may hold at once (rounded down for part-time).",
        json_schema_extra={"unit": "families per FTE"},
    )
    in_post_fte: list[Annotated[float, Field(gt=0, le=1)]] = Field(
        default_factory=list,
        max_length=MAX_LIST_ROWS,
        description="Workers in funded posts at the start, one FTE figure each (1 = full time, 0.5 = half time).",
        json_schema_extra={"unit": "FTE each"},
    )
    vacant_fte: list[Annotated[float, Field(gt=0, le=1)]] = Field(
        default_factory=list,
        max_length=MAX_LIST_ROWS,
        description="Funded posts empty at the start, one FTE figure each; they go to recruitment.",
        json_schema_extra={"unit": "FTE each"},
    )
    workforce: Workforce | None = Field(
        default=None, description="Turnover, recruitment and induction for this role (default: the scenario's [workforce])."
    )
    duration_months: Distribution = Field(
        default_factory=lambda: Triangular(low=6, mode=12, high=18),
        description="Length of an intervention with this role.",
    )
    outcomes: Outcomes = Field(default_factory=Outcomes, description="Outcome chances at the end of an intervention.")
    outcomes_by_level: dict[str, Outcomes] = Field(
        default_factory=dict,
        max_length=20,
        description="Outcome chances for particular intensity levels, replacing 'outcomes' for them.",
        json_schema_extra=KEYS_ARE_LEVELS,
    )
    step_up_probability: float = Field(
        default=0.5, ge=0, le=1, description="Chance an 'improved' family is stepped up and its intervention extended."
    )
    extension_months: Distribution = Field(
        default_factory=lambda: Fixed(value=3), description="Length of one extension after a step-up."
    )
    max_extensions: int = Field(default=1, ge=0, le=10, description="Most extensions one family may have.")

    @property
    def label(self) -> str:
        return self.name or self.id

    def outcomes_for(self, level: str) -> Outcomes:
        return self.outcomes_by_level.get(level, self.outcomes)


# --------------------------------------------------------------------------------------
# Payment by results: results framework, claims, costs and the target.
# Model code: tfsim/model/claims.py (claim timelines) and tfsim/model/money.py (cash).
# --------------------------------------------------------------------------------------

_FY = r"^(19|20)\d\d$"

#: Values a preset framework gives to every key left out (``None``) of ``[money]``.
FRAMEWORK_PRESETS: dict[str, dict[str, Any]] = {
    # Phase 1: £4,000 a family; attachment share 80% / 60% / 40% by financial year of
    # attachment (2012/13 to 2014/15), the rest on results; £100 of the results payment for
    # progress to work; 5 of 6 families funded.
    "phase1": {
        "fee_per_family_gbp": 4000.0,
        "attachment_share_by_year": {"2012": 0.8, "2013": 0.6, "2014": 0.4},
        "attachment_share": 0.4,
        "families_funded_share": 5 / 6,
        "progress_sustain_months": 6.0,
        "employment_sustain_weeks": 13.0,
        "progress_to_work_gbp": 100.0,
    },
    # Phase 2: £1,000 attachment + £800 results; significant and sustained progress
    # (6 months) or continuous employment.
    "phase2": {
        "fee_per_family_gbp": 1800.0,
        "attachment_share_by_year": {},
        "attachment_share": 1000.0 / 1800.0,
        "families_funded_share": 1.0,
        "progress_sustain_months": 6.0,
        "employment_sustain_weeks": 13.0,
        "progress_to_work_gbp": 0.0,
    },
}


class Costs(StrictModel):
    """What the programme costs: salaries with on-costs, agency cover, recruitment and overheads."""

    salary_gbp: dict[Annotated[str, Field(pattern=_IDENT)], Annotated[float, Field(ge=0, le=1e6)]] = Field(
        default_factory=dict,
        max_length=50,
        description="Annual salary of one full-time worker, per role id (roles left out use default_salary_gbp).",
        json_schema_extra={"unit": "£ per FTE per year", "keys_refer_to": "roles"},
    )
    default_salary_gbp: float = Field(
        default=25_000, ge=0, le=1e6, description="Annual salary per FTE of roles not in salary_gbp (FSW £20k to £26k).",
        json_schema_extra={"unit": "£ per FTE per year"},
    )
    on_cost_share: float = Field(
        default=0.3, ge=0, le=2, description="Employer on-costs (national insurance, pension) as a share of salary."
    )
    agency_premium_share: float = Field(
        default=0.4, ge=0, le=5, description="Extra cost of an agency worker covering a vacancy, as a share of salaried cost."
    )
    recruitment_gbp: float = Field(default=3_000, ge=0, le=1e6, description="Cost of recruiting one worker (per hire).")
    overhead_gbp_per_month: float = Field(
        default=0, ge=0, le=1e8, description="Fixed programme overheads (management, premises, systems).",
        json_schema_extra={"unit": "£ per month"},
    )
    overhead_share: float = Field(
        default=0.15, ge=0, le=5, description="Overheads in proportion to staff cost, as a share of it."
    )


class Target(StrictModel):
    """A cohort target and its deadline, e.g. all 1,370 families by May 2015."""

    families: int = Field(ge=1, le=MAX_EXPECTED_FAMILIES, description="Number of families to reach.",
                          json_schema_extra={"new": "cohort_families"})
    deadline: dt.date = _date(description="Last day on which the target may be met (within the scenario).",
                              json_schema_extra={"new": "end_date"})
    measure: Literal["claims", "turned_around"] = Field(
        default="claims", description="What counts: results claims made, or families turned around at exit."
    )

    @property
    def counted(self) -> str:
        """What the target counts, in words: ``"claims"`` or ``"families turned around"``."""
        return "claims" if self.measure == "claims" else "families turned around"


class MatchingPeriod(StrictModel):
    """A data-matching hazard that holds from its start date until the next period starts."""

    start: dt.date = _date(description="First day this hazard applies.")
    hazard_per_month: float = Field(ge=0, le=10, description="Monthly hazard that a family's results are found by data matching.")


class DataMatching(StrictModel):
    """Results found by matching the council's families against local and national data.

    The National Audit Office and the Public Accounts Committee (2016), reporting on the
    national evaluation of Phase 1, found that councils claimed many results by matching
    their families against local and national data (school attendance, police and benefit
    records), including families who had had little or no key-worker support.  Here each
    identified family's results may be found that way at a constant monthly hazard from its
    referral (or from ``start``, if later; ``periods`` change the hazard from their dates on),
    whatever key work it has had; a family already
    claimed, or turned around and waiting for its claim, is not matched again.  Leave the
    table out (or set the hazard to 0) to credit results to key work alone.
    """

    hazard_per_month: float = Field(
        default=0.0, ge=0, le=10,
        description="Monthly hazard that an identified family's results are found by data matching (National Audit "
        "Office and House of Commons Public Accounts Committee, 2016, on the national evaluation of Phase 1: councils "
        "matched families against school attendance, police and benefit records, some with little or no key work).",
    )
    start: Optional[dt.date] = _date(
        default=None, description="First day data matching finds results (none: from each family's referral)."
    )
    periods: list[MatchingPeriod] = Field(
        default_factory=list, max_length=100,  # each family's match time walks them: keep the walk short
        description="Later hazards, in date order, each from its start date (e.g. a push before the last claim window).",
    )
    while_waiting: bool = Field(default=True, description="Families on the waiting list (or not yet contacted) may be matched.")
    while_refused: bool = Field(default=True, description="Families who refused support may be matched.")
    while_in_service: bool = Field(default=True, description="Families in an intervention may be matched.")
    after_closure: bool = Field(
        default=True, description="Families whose case closed without being turned around may be matched."
    )
    sustain_months: Optional[float] = Field(
        default=None, ge=0, le=60,
        description="Months a matched result must be sustained before its claim (none: progress_sustain_months).",
    )

    @field_validator("periods")
    @classmethod
    def _periods_in_order(cls, periods: list[MatchingPeriod]) -> list[MatchingPeriod]:
        for a, b in zip(periods, periods[1:]):
            if b.start <= a.start:
                raise ValueError(f"periods must be in date order ({b.start} is not after {a.start})")
        return periods

    @model_validator(mode="after")
    def _periods_after_start(self) -> "DataMatching":
        if self.start is not None and self.periods and self.periods[0].start <= self.start:
            raise ValueError(f"the first period must start after 'start' ({self.start})")
        return self

    @property
    def on(self) -> bool:
        """Whether any family can ever be matched."""
        return self.hazard_per_month > 0 or any(p.hazard_per_month > 0 for p in self.periods)


class Money(StrictModel):
    """Payment by results: framework preset or custom fees, the claim timeline, costs and target."""

    framework: Literal["phase1", "phase2", "custom"] = Field(
        default="phase1",
        description="phase1 or phase2 fill in every fee key below left out; custom needs them all set.",
    )
    fee_per_family_gbp: Optional[float] = Field(
        default=None, ge=0, le=1e6, description="Attachment fee plus results payment per family (none: the framework's)."
    )
    attachment_share_by_year: Optional[dict[Annotated[str, Field(pattern=_FY)], Annotated[float, Field(ge=0, le=1)]]] = Field(
        default=None,
        max_length=100,
        description="Share of the fee paid on attachment, by financial year of attachment ('2013' = 2013/14); none: the framework's.",
        json_schema_extra={"unit": "0 to 1, per year", "keys_refer_to": "years"},
    )
    attachment_share: Optional[float] = Field(
        default=None, ge=0, le=1, description="Attachment share for financial years not in attachment_share_by_year (none: the framework's)."
    )
    families_funded_share: Optional[float] = Field(
        default=None, ge=0, le=1, description="Share of families the fees are paid for; every fee is scaled by it (Phase 1: 5 of 6)."
    )
    progress_sustain_months: Optional[float] = Field(
        default=None, ge=0, le=60, description="Months the progress result (crime/ASB + education) must be sustained before a claim."
    )
    employment_sustain_weeks: Optional[float] = Field(
        default=None, ge=0, le=260, description="Weeks of continuous employment before an employment claim (13, or 26)."
    )
    long_sustain_share: float = Field(
        default=0.0, ge=0, le=1, description="Share of employment results that must be sustained 26 weeks instead (some benefits)."
    )
    progress_to_work_gbp: Optional[float] = Field(
        default=None, ge=0, le=1e6, description="Part of the results payment paid for progress to work (none: the framework's)."
    )
    employment_support_share: float = Field(
        default=0.8, ge=0, le=1, description="Share of workless families given employment support (the JCP adviser supports 80%)."
    )
    employment_supported_probability: float = Field(
        default=0.25, ge=0, le=1, description="Chance a workless turned-around family with employment support gets an employment result."
    )
    employment_unsupported_probability: float = Field(
        default=0.05, ge=0, le=1, description="Chance a workless turned-around family without employment support gets an employment result."
    )
    progress_to_work_probability: float = Field(
        default=0.2, ge=0, le=1, description="Chance a workless family without an employment result earns progress to work."
    )
    result_lag_months: Distribution = Field(
        default_factory=lambda: Fixed(value=0),
        description="Time from exit until the result is achieved and its sustain period starts.",
    )
    result_during_share: float = Field(
        default=0.0, ge=0, le=1,
        description="Share of results achieved part-way through the intervention (at a uniformly drawn time) rather than "
        "after exit; their sustain period may run while the family is still supported.",
    )
    relapse_probability: float = Field(
        default=0.1, ge=0, le=1, description="Chance a result is not sustained (relapse voids the claim)."
    )
    rereferral_probability: float = Field(
        default=0.3, ge=0, le=1, description="Chance a relapsed family is referred again (as a new referral)."
    )
    rereferral_delay_months: Distribution = Field(
        default_factory=lambda: Fixed(value=1),
        description="Delay from a relapse coming to light to the re-referral (see the checks across keys when relapse "
        "and re-referral are both certain).",
    )
    follow_up_months: float = Field(
        default=4, ge=0, le=60, description="Follow-up after exit; a result is not claimed, nor a relapse seen, before it."
    )
    claim_window_months: int = Field(
        default=3, ge=1, le=12, description="Claims go in at windows this many months apart, counted from 1 April."
    )
    payment_lag_months: float = Field(
        default=1, ge=0, le=24, description="Time from a claim to its payment."
    )
    employment_during_hazard_per_month: float = Field(
        default=0.0, ge=0, le=10,
        description="Monthly hazard that an adult in a workless family given employment support finds work while its "
        "intervention runs, from a Jobcentre Plus adviser attached to the team (North West Leicestershire District "
        "Council Cabinet report, 19 November 2013: 5 into work during interventions); 0: employment results follow "
        "exit only.",
    )
    data_matching: Optional[DataMatching] = Field(
        default=None, description="Results found by matching families against local and national data (none: off)."
    )
    costs: Costs = Field(default_factory=Costs, description="Staff costs, agency, recruitment and overheads.")
    target: Optional[Target] = Field(default=None, description="A cohort target and deadline (none: no target).")

    @model_validator(mode="after")
    def _custom_complete(self) -> "Money":
        if self.framework == "custom":
            missing = [k for k in FRAMEWORK_PRESETS["phase1"] if getattr(self, k) is None]
            missing = [k for k in missing if k not in ("attachment_share_by_year", "families_funded_share", "progress_to_work_gbp")]
            if missing:
                raise ValueError("the custom framework needs " + ", ".join(missing))
        return self

    def resolved(self, key: str) -> Any:
        """The value of ``key``: as set, or else the framework preset's (custom: empty/1/0)."""
        value = getattr(self, key)
        if value is not None:
            return value
        preset = FRAMEWORK_PRESETS.get(self.framework)
        if preset is not None:
            return preset[key]
        return {"attachment_share_by_year": {}, "families_funded_share": 1.0, "progress_to_work_gbp": 0.0}[key]


def _money_checks(sc: "Scenario", role_ids: list[str] | None, span: tuple[dt.date, dt.date] | None) -> list[tuple[tuple, str]]:
    """Cross-checks of the [money] section against the rest of the scenario (skipping what is invalid)."""
    problems: list[tuple[tuple, str]] = []
    with known():
        m = sc.money
        if m is None:
            return []
        if role_ids is not None:
            with known():
                for rid in m.costs.salary_gbp:
                    if rid not in role_ids:
                        problems.append((("money", "costs", "salary_gbp", rid),
                                         f"role {_q(rid)} is not defined{_suggest(rid, role_ids)}"))
        if span is not None:
            with known():
                if m.target is not None and not (span[0] <= m.target.deadline <= span[1]):
                    problems.append((("money", "target", "deadline"),
                                     f"{m.target.deadline} is outside the scenario ({span[0]} to {span[1]})"))
        with known():
            fee, ptw = m.resolved("fee_per_family_gbp"), m.resolved("progress_to_work_gbp")
            shares = list(m.resolved("attachment_share_by_year").values()) + [m.resolved("attachment_share")]
            if ptw > fee * (1 - max(shares)) + 1e-9:
                problems.append((("money", "progress_to_work_gbp"), f"£{ptw:g} is more than the smallest results payment"))
    return problems


def _repeats(p: float, cycle_days: float, horizon_days: float) -> float:
    """Expected passes through a loop taken again with chance ``p``, each at least ``cycle_days`` long (a bound)."""
    by_chance = 1.0 / (1.0 - p) if p < 1 else math.inf
    by_time = 1.0 + horizon_days / cycle_days if cycle_days > 0 else math.inf
    return min(by_chance, by_time)


def cross_check(sc: Any) -> list[tuple[tuple, str]]:
    """Every check of a scenario across keys, each at the key it concerns.

    ``sc`` is a :class:`Scenario`, or a scenario whose fields are partly invalid read
    through :class:`tfsim.scenario.partial.Partial`: a check that needs an invalid
    value (one that raises :class:`~tfsim.scenario.base.Unknown`) is skipped, the
    others still run, so a file's problems are reported together in one pass.
    """
    problems: list[tuple[tuple, str]] = []
    add = problems.append
    span: tuple[dt.date, dt.date] | None = None  # the scenario's dates, when both are valid
    horizon_ok = False
    with known():
        start, end = sc.start_date, sc.end_date
        span = (start, end)
        if end <= start:
            add((("end_date",), "must be after start_date"))
        elif (end - start).days > MAX_HORIZON_YEARS * 365.25:
            add((("end_date",), f"the horizon may be at most {MAX_HORIZON_YEARS} years"))
        else:
            horizon_ok = True
            with known():
                if sc.warm_up_months * DAYS_PER_MONTH >= sc.horizon_days:
                    add((("warm_up_months",), "the warm-up must end before end_date"))

    def inside(path: tuple, date: Any) -> None:
        if span is not None and not (span[0] <= date <= span[1]):
            add((path, f"{date} is outside the scenario ({span[0]} to {span[1]})"))

    with known():
        for i, release in enumerate(sc.referrals.cohort):
            with known():
                inside(("referrals", "cohort", i, "date"), release.date)
    with known():
        for i, period in enumerate(sc.referrals.rates):
            with known():
                inside(("referrals", "rates", i, "start"), period.start)

    role_ids: list[str] | None = None
    with known():
        role_ids = [r.id for r in sc.roles]
    if role_ids is not None:
        seen: set[str] = set()
        for i, rid in enumerate(role_ids):
            if rid in seen:
                add((("roles", i, "id"), f"role {_q(rid)} is defined twice"))
            seen.add(rid)

    def defined(path: tuple, rid: Any) -> None:
        if role_ids is not None and rid not in role_ids:
            add((path, f"role {_q(rid)} is not defined{_suggest(rid, role_ids)}"))

    levels: list[str] | None = None
    with known():
        levels = list(sc.families.intensity)
    with known():
        allocation = sc.allocation
        for level, chain in allocation.items():
            if levels is not None and level not in levels:
                add((("allocation", level), f"{_q(level)} is not an intensity level{_suggest(level, levels)}"))
            if not chain:
                add((("allocation", level), "lists no role"))
            for j, rid in enumerate(chain):
                defined(("allocation", level, j), rid)
            if len(set(chain)) != len(chain):
                add((("allocation", level), "names a role twice"))
        with known():
            for level, share in sc.families.intensity.items():
                if level not in allocation and share > 0:
                    add((("allocation",), f"intensity level {_q(level)} has no roles to go to"))
    if levels is not None:
        with known():
            for i, role in enumerate(sc.roles):
                with known():
                    for level in role.outcomes_by_level:
                        if level not in levels:
                            add((("roles", i, "outcomes_by_level", level),
                                 f"{_q(level)} is not an intensity level{_suggest(level, levels)}"))
    with known():
        for i, change in enumerate(sc.staffing_plan):
            with known():
                defined(("staffing_plan", i, "role"), change.role)
            with known():
                inside(("staffing_plan", i, "date"), change.date)
    with known():
        for i, freeze in enumerate(sc.recruitment_freezes):
            with known():
                for j, rid in enumerate(freeze.roles):
                    defined(("recruitment_freezes", i, "roles", j), rid)
    if not horizon_ok:  # the work a run does is measured over the horizon
        return problems + _money_checks(sc, role_ids, span)

    with known():
        peaks = sc.establishment_peaks()
        for rid, (fte, _posts, over) in peaks.items():
            if over is not None:
                add((("staffing_plan", over), f"the establishment of role {_q(rid)} would reach "
                     f"{_amount(fte)} FTE; at most {MAX_ROLE_FTE:,} FTE are allowed per role"))
    with known():
        referred = sc.expected_referrals()
        with known():
            repeats = sc.rereferral_factor()
            if math.isinf(repeats):
                add((("money", "rereferral_probability"),
                     "relapse_probability and rereferral_probability are both 1 with no time taken by an intervention, "
                     "the follow-up or rereferral_delay_months: a family would be referred again forever at one instant"))
            elif referred * repeats > MAX_EXPECTED_FAMILIES:
                where = ("referrals",) if repeats < 1.5 else ("money", "rereferral_probability")
                counted = "" if repeats < 1.5 else ", counting re-referrals after a relapse"
                add((where, f"about {_amount(referred * repeats)} referrals expected{counted}; "
                     f"at most {MAX_EXPECTED_FAMILIES:,} are allowed"))
            else:
                with known():
                    contacts = referred * repeats * sc.contact_factor()  # inf: refused by Engagement itself
                    if MAX_EXPECTED_CONTACTS < contacts < math.inf:
                        add((("engagement", "reapproach_probability"),
                             f"about {_amount(contacts)} contacts expected, counting re-approaches after a refusal; "
                             f"at most {MAX_EXPECTED_CONTACTS:,} are allowed (lengthen reapproach_delay_months or "
                             "lower a chance)"))
        if referred > MAX_EXPECTED_FAMILIES and not any(p[0] == ("referrals",) for p in problems):
            add((("referrals",), f"about {_amount(referred)} referrals expected; at most {MAX_EXPECTED_FAMILIES:,} are allowed"))
    with known():
        leavers = sc.expected_leavers()
        if leavers > MAX_EXPECTED_LEAVERS:
            add((("workforce", "turnover_per_year"),
                 f"about {_amount(leavers)} leavers expected; at most {MAX_EXPECTED_LEAVERS:,} are allowed"))
    return problems + _money_checks(sc, role_ids, span)


def _amount(x: float) -> str:
    """A large estimate in words: '2,400,000', or 'more than 10^15'."""
    return f"{x:,.0f}" if x < 1e15 else "more than 10^15"


# ---- end of payment by results --------------------------------------------------------


# --------------------------------------------------------------------------------------
# The scenario
# --------------------------------------------------------------------------------------


class Scenario(StrictModel):
    """A district's programme: referrals, families, engagement, workers and allocation rules."""

    schema_version: Literal[1] = Field(default=1, description="File format version; this is version 1 (a whole number).")
    name: PlainText = Field(min_length=1, max_length=120, description="Scenario name shown in reports.")
    description: Prose = Field(default="", max_length=5000, description="What the scenario is for and where its figures come from.")
    start_date: dt.date = _date(description="First day simulated.")
    end_date: dt.date = _date(description="Last day simulated (the horizon).")
    warm_up_months: float = Field(
        default=0, ge=0, le=MAX_HORIZON_YEARS * 12,
        description="Initial period left out of the statistics (for steady-state studies)."
    )
    referrals: Referrals = Field(default_factory=Referrals, description="How families arrive.")
    families: Families = Field(default_factory=Families, description="Who the families are.")
    engagement: Engagement = Field(default_factory=Engagement, description="Refusal, re-approach and disengagement.")
    waiting_list: WaitingList = Field(default_factory=WaitingList, description="Waiting-list rules.")
    roles: list[Role] = Field(min_length=1, max_length=50, description="Key-worker roles and the workers in post.")
    allocation: dict[str, list[str]] = Field(
        description="For each intensity level, the roles that may take the family, in order of preference (fallback order).",
        json_schema_extra={**KEYS_ARE_LEVELS, **REFERS_TO_ROLES},
    )
    workforce: Workforce = Field(default_factory=Workforce, description="Default turnover, recruitment and induction for every role.")
    staffing_plan: list[StaffingChange] = Field(
        default_factory=list, max_length=MAX_LIST_ROWS, description="Dated starts, leavers, secondments and establishment changes."
    )
    recruitment_freezes: list[RecruitmentFreeze] = Field(
        default_factory=list, max_length=100, description="Periods when recruitment is frozen."
    )
    handover: Handover = Field(default_factory=Handover, description="What happens to a leaver's families.")
    money: Optional[Money] = Field(
        default=None, description="Payment by results, costs and target (none: money is not modelled)."
    )

    @field_validator("schema_version", mode="before")
    @classmethod
    def _whole_number(cls, value: Any) -> Any:
        if type(value) is not int:  # True and 1.0 equal 1 in Python; a version is written 1
            raise ValueError(f"must be the whole number {SCHEMA_VERSION}: write `schema_version = {SCHEMA_VERSION}`")
        return value

    # ---- cross-field checks: each raises at the field it concerns --------------------

    @model_validator(mode="after")
    def _cross_checks(self) -> "Scenario":
        problems = cross_check(self)
        if problems:
            raise ScenarioCrossCheckError(problems)
        return self

    # ---- derived quantities ------------------------------------------------------------

    @property
    def horizon_days(self) -> float:
        """Length of the run in days: from the start of start_date to the end of end_date."""
        return float((self.end_date - self.start_date).days + 1)

    @property
    def warm_up_days(self) -> float:
        return self.warm_up_months * DAYS_PER_MONTH

    def day_of(self, date: dt.date) -> float:
        """Clock time (days since start_date) of the start of ``date``."""
        return float((date - self.start_date).days)

    def expected_referrals(self) -> float:
        """Expected number of referrals over the horizon (cohort plus Poisson), re-referrals not counted."""
        total = float(sum(c.families for c in self.referrals.cohort))
        for period, until in self.rate_periods():
            total += period.per_month * until / DAYS_PER_MONTH
        return total

    def rereferral_factor(self) -> float:
        """Referrals per referral counting re-referrals after a relapse (an upper bound; ``inf``: no end).

        A turned-around family relapses with ``relapse_probability`` and is referred
        again with ``rereferral_probability``, so each referral leads to at most
        ``1 / (1 - p)`` referrals with ``p`` their product, and at most one more for every
        cycle that fits in the horizon, a cycle taking at least the shortest mean
        intervention, the follow-up and the re-referral delay.
        """
        m = self.money
        if m is None or not any(o.turned_around > 0 for r in self.roles
                                for o in (r.outcomes, *r.outcomes_by_level.values())):
            return 1.0
        cycle = (min(r.duration_months.expected_value() for r in self.roles) + m.follow_up_months
                 + m.rereferral_delay_months.expected_value()) * DAYS_PER_MONTH
        return _repeats(m.relapse_probability * m.rereferral_probability, cycle, self.horizon_days)

    def contact_factor(self) -> float:
        """Contacts per referral counting re-approaches after a refusal (an upper bound; ``inf``: no end)."""
        e = self.engagement
        return _repeats(e.refusal_probability * e.reapproach_probability,
                        e.reapproach_delay_months.expected_value() * DAYS_PER_MONTH, self.horizon_days)

    def establishment_peaks(self) -> dict[str, tuple[float, int, int | None]]:
        """For each role: the largest funded FTE and number of posts the staffing plan can reach (upper bounds).

        The third item is the index of the first change in ``staffing_plan`` that takes
        the role past :data:`MAX_ROLE_FTE` (``None`` if none does).  Changes apply in date
        order; a planned start counts as a new post, a cut removes FTE but no posts.
        """
        fte = {r.id: float(sum(r.in_post_fte) + sum(r.vacant_fte)) for r in self.roles}
        posts = {r.id: len(r.in_post_fte) + len(r.vacant_fte) for r in self.roles}
        peak = {rid: (fte[rid], posts[rid], None) for rid in fte}
        order = sorted(range(len(self.staffing_plan)), key=lambda i: self.staffing_plan[i].date)
        for i in order:
            change = self.staffing_plan[i]
            rid = change.role
            if rid not in fte or peak[rid][2] is not None:
                continue  # an undefined role is reported elsewhere; past the limit, stop counting
            if change.action == "start":
                fte[rid] += change.fte
                posts[rid] += 1
            elif change.action == "establishment":
                delta = (change.establishment_change_fte if change.establishment_change_fte is not None
                         else fte[rid] * (change.establishment_factor - 1.0))
                if delta > 0:
                    fte[rid] += delta
                    posts[rid] += math.ceil(min(delta, 2 * MAX_ROLE_FTE))
                else:
                    fte[rid] = max(0.0, fte[rid] + delta)
            over = i if fte[rid] > MAX_ROLE_FTE else None
            peak[rid] = (max(peak[rid][0], fte[rid]), max(peak[rid][1], posts[rid]), over)
        return peak

    def expected_leavers(self) -> float:
        """Expected leavers over the horizon if every post the staffing plan can reach stayed filled throughout.

        An upper bound: every worker is taken to leave at the new starters' higher rate
        when there is one (with turnover high enough, every worker is a new starter).
        """
        years = self.horizon_days / DAYS_PER_YEAR
        peaks = self.establishment_peaks()
        total = 0.0
        for r in self.roles:
            wf = self.workforce_of(r)
            rate = wf.turnover_per_year * (wf.early_leaving_multiplier if wf.early_leaving_months > 0 else 1.0)
            total += rate * peaks[r.id][1] * years
        return total

    def rate_periods(self) -> list[tuple[RatePeriod, float]]:
        """Each rate period with its length in days, clipped to the horizon."""
        out = []
        rates = self.referrals.rates
        for i, period in enumerate(rates):
            end = rates[i + 1].start if i + 1 < len(rates) else self.end_date + dt.timedelta(days=1)
            end = min(end, self.end_date + dt.timedelta(days=1))
            length = max(0.0, float((end - max(period.start, self.start_date)).days))
            out.append((period, length))
        return out

    def workforce_of(self, role: Role) -> Workforce:
        """The workforce parameters that apply to ``role``."""
        return role.workforce or self.workforce

    def role(self, role_id: str) -> Role:
        for r in self.roles:
            if r.id == role_id:
                return r
        raise KeyError(role_id)


class ScenarioCrossCheckError(ValueError):
    """Raised by cross-field checks; carries problems located at the field they concern."""

    def __init__(self, problems: list[tuple[tuple, str]]):
        self.problems = problems
        super().__init__("; ".join(f"{'.'.join(map(str, p))}: {m}" for p, m in problems))


def _suggest(word: str, options: list[str]) -> str:
    """`` (did you mean 'x'?)`` for the option closest to ``word``, or ``""``."""
    close = difflib.get_close_matches(word, options, n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""
