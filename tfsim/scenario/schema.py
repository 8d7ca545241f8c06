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

from .base import StrictModel
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
MAX_LIST_ROWS = 5_000

_IDENT = r"^[a-z][a-z0-9_]{0,39}$"




# --------------------------------------------------------------------------------------
# Referrals
# --------------------------------------------------------------------------------------


class CohortRelease(StrictModel):
    """A batch of identified families released to the programme on one date."""

    date: dt.date = Field(description="Date the batch is referred.")
    families: int = Field(ge=1, le=100_000, description="Number of families in the batch.")
    label: str = Field(default="", max_length=200, description="Free note, e.g. 'first 10 families profiled'.")


class RatePeriod(StrictModel):
    """A Poisson referral rate that holds from its start date until the next period starts."""

    start: dt.date = Field(description="First day this rate applies.")
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
        default_factory=lambda: Fixed(value=6), description="Delay before a refusing family is approached again."
    )
    disengagement_hazard_per_month: float = Field(
        default=0.0,
        ge=0,
        le=10,
        description="Monthly hazard of a family disengaging part-way through an intervention.",
    )


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
        json_schema_extra={"unit": "per year"},
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

    date: dt.date = Field(description="When the change happens.")
    role: str = Field(description="Role id the change applies to.")
    action: Literal["start", "leave", "secondment", "establishment"] = Field(
        description="start: a planned starter fills a vacant post (or a new one); leave: a worker leaves; "
        "secondment: a seconded worker joins until 'until'; establishment: funded posts change."
    )
    fte: float = Field(default=1.0, gt=0, le=1, description="FTE of the person starting, leaving or seconded.")
    until: dt.date | None = Field(default=None, description="Last day of a secondment.")
    establishment_change_fte: float | None = Field(
        default=None, ge=-200, le=200, description="For 'establishment': funded FTE added (or removed, if negative)."
    )
    establishment_factor: float | None = Field(
        default=None, gt=0, le=20, description="For 'establishment': multiply the funded FTE (3 = Phase 2's threefold expansion)."
    )
    label: str = Field(default="", max_length=200, description="Free note, e.g. 'full-time FIP starts'.")

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

    start: dt.date = Field(description="First day of the freeze.")
    end: dt.date = Field(description="Last day of the freeze.")
    roles: list[str] = Field(default_factory=list, max_length=50, description="Roles frozen (empty: all roles).")

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

    turned_around: float = Field(default=0.6, ge=0, le=1, description="Results met: the family is turned around.")
    improved: float = Field(default=0.2, ge=0, le=1, description="Improved but not yet turned around.")
    no_progress: float = Field(default=0.15, ge=0, le=1, description="No progress (drift); the case closes.")
    disengaged: float = Field(default=0.05, ge=0, le=1, description="The family disengaged by the end.")

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
    name: str = Field(default="", max_length=80, description="Name shown in reports, e.g. 'Family Intervention Practitioner'.")
    caseload_cap_per_fte: float = Field(
        default=5, gt=0, le=60, description="Families one full-time worker may hold at once (rounded down for part-time)."
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
        json_schema_extra={"unit": "£ per FTE per year"},
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

    families: int = Field(ge=1, le=MAX_EXPECTED_FAMILIES, description="Number of families to reach.")
    deadline: dt.date = Field(description="Last day on which the target may be met (within the scenario).")
    measure: Literal["claims", "turned_around"] = Field(
        default="claims", description="What counts: results claims made, or families turned around at exit."
    )

    @property
    def counted(self) -> str:
        """What the target counts, in words: ``"claims"`` or ``"families turned around"``."""
        return "claims" if self.measure == "claims" else "families turned around"


class MatchingPeriod(StrictModel):
    """A data-matching hazard that holds from its start date until the next period starts."""

    start: dt.date = Field(description="First day this hazard applies.")
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
    start: Optional[dt.date] = Field(
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
        json_schema_extra={"unit": "0 to 1, per year"},
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
        default_factory=lambda: Fixed(value=1), description="Delay from a relapse coming to light to the re-referral."
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


def _money_checks(sc: "Scenario") -> list[tuple[tuple, str]]:
    """Cross-checks of the [money] section against the rest of the scenario."""
    m = sc.money
    if m is None:
        return []
    problems: list[tuple[tuple, str]] = []
    role_ids = [r.id for r in sc.roles]
    for rid in m.costs.salary_gbp:
        if rid not in role_ids:
            problems.append((("money", "costs", "salary_gbp", rid), f"role '{rid}' is not defined{_suggest(rid, role_ids)}"))
    if m.target is not None and not (sc.start_date <= m.target.deadline <= sc.end_date):
        problems.append((("money", "target", "deadline"),
                         f"{m.target.deadline} is outside the scenario ({sc.start_date} to {sc.end_date})"))
    fee, ptw = m.resolved("fee_per_family_gbp"), m.resolved("progress_to_work_gbp")
    shares = list(m.resolved("attachment_share_by_year").values()) + [m.resolved("attachment_share")]
    if ptw > fee * (1 - max(shares)) + 1e-9:
        problems.append((("money", "progress_to_work_gbp"), f"£{ptw:g} is more than the smallest results payment"))
    return problems


# ---- end of payment by results --------------------------------------------------------


# --------------------------------------------------------------------------------------
# The scenario
# --------------------------------------------------------------------------------------


class Scenario(StrictModel):
    """A district's programme: referrals, families, engagement, workers and allocation rules."""

    schema_version: Literal[1] = Field(default=1, description="File format version; this is version 1.")
    name: str = Field(min_length=1, max_length=120, description="Scenario name shown in reports.")
    description: str = Field(default="", max_length=5000, description="What the scenario is for and where its figures come from.")
    start_date: dt.date = Field(description="First day simulated.")
    end_date: dt.date = Field(description="Last day simulated (the horizon).")
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

    # ---- cross-field checks: each raises at the field it concerns --------------------

    @model_validator(mode="after")
    def _cross_checks(self) -> "Scenario":
        problems: list[tuple[tuple, str]] = []
        if self.end_date <= self.start_date:
            problems.append((("end_date",), "must be after start_date"))
        elif (self.end_date - self.start_date).days > MAX_HORIZON_YEARS * 365.25:
            problems.append((("end_date",), f"the horizon may be at most {MAX_HORIZON_YEARS} years"))
        elif self.warm_up_months * DAYS_PER_MONTH >= self.horizon_days:
            problems.append((("warm_up_months",), "the warm-up must end before end_date"))
        for i, release in enumerate(self.referrals.cohort):
            if not (self.start_date <= release.date <= self.end_date):
                problems.append(
                    (("referrals", "cohort", i, "date"), f"{release.date} is outside the scenario ({self.start_date} to {self.end_date})")
                )
        for i, period in enumerate(self.referrals.rates):
            if not (self.start_date <= period.start <= self.end_date):
                problems.append(
                    (("referrals", "rates", i, "start"), f"{period.start} is outside the scenario ({self.start_date} to {self.end_date})")
                )
        role_ids = [r.id for r in self.roles]
        seen: set[str] = set()
        for i, rid in enumerate(role_ids):
            if rid in seen:
                problems.append((("roles", i, "id"), f"role '{rid}' is defined twice"))
            seen.add(rid)
        levels = list(self.families.intensity)
        for level, chain in self.allocation.items():
            if level not in self.families.intensity:
                problems.append((("allocation", level), f"'{level}' is not an intensity level{_suggest(level, levels)}"))
            if not chain:
                problems.append((("allocation", level), "lists no role"))
            for j, rid in enumerate(chain):
                if rid not in seen:
                    problems.append((("allocation", level, j), f"role '{rid}' is not defined{_suggest(rid, role_ids)}"))
            if len(set(chain)) != len(chain):
                problems.append((("allocation", level), "names a role twice"))
        for level, share in self.families.intensity.items():
            if level not in self.allocation and share > 0:
                problems.append((("allocation",), f"intensity level '{level}' has no roles to go to"))
        for i, role in enumerate(self.roles):
            for level in role.outcomes_by_level:
                if level not in self.families.intensity:
                    problems.append(
                        (("roles", i, "outcomes_by_level", level), f"'{level}' is not an intensity level{_suggest(level, levels)}")
                    )
        for i, change in enumerate(self.staffing_plan):
            if change.role not in seen:
                problems.append((("staffing_plan", i, "role"), f"role '{change.role}' is not defined{_suggest(change.role, role_ids)}"))
            if not (self.start_date <= change.date <= self.end_date):
                problems.append((("staffing_plan", i, "date"), f"{change.date} is outside the scenario ({self.start_date} to {self.end_date})"))
        for i, freeze in enumerate(self.recruitment_freezes):
            for j, rid in enumerate(freeze.roles):
                if rid not in seen:
                    problems.append((("recruitment_freezes", i, "roles", j), f"role '{rid}' is not defined{_suggest(rid, role_ids)}"))
        expected = self.expected_referrals()
        if expected > MAX_EXPECTED_FAMILIES:
            problems.append(
                (("referrals",), f"about {expected:,.0f} referrals expected; at most {MAX_EXPECTED_FAMILIES:,} are allowed")
            )
        leavers = self.expected_leavers()
        if leavers > MAX_EXPECTED_LEAVERS:
            problems.append(
                (("workforce", "turnover_per_year"),
                 f"about {leavers:,.0f} leavers expected; at most {MAX_EXPECTED_LEAVERS:,} are allowed")
            )
        problems += _money_checks(self)
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
        """Expected number of referrals over the horizon (cohort plus Poisson)."""
        total = float(sum(c.families for c in self.referrals.cohort))
        for period, until in self.rate_periods():
            total += period.per_month * until / DAYS_PER_MONTH
        return total

    def expected_leavers(self) -> float:
        """Expected leavers over the horizon if the posts at the start stay filled (turnover x posts x years)."""
        years = self.horizon_days / DAYS_PER_YEAR
        return sum(self.workforce_of(r).turnover_per_year * (len(r.in_post_fte) + len(r.vacant_fte)) * years
                   for r in self.roles)

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
