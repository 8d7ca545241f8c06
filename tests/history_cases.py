"""A small district whose monthly history the backtest and calibration tests simulate and fit back."""

from __future__ import annotations

from tfsim.history import simulate_history, write_history
from tfsim.scenario.schema import Scenario

#: The values a recovery test hides in a history and fits back: refusal and the referral rate.
TRUTH = {"engagement.refusal_probability": 0.25, "referrals.rates.0.per_month": 9.0}


def district_data(refusal: float = 0.2, rate: float = 8.0, months: int = 24) -> dict:
    """Two years of a district: Poisson referrals, three key workers of five families, four-month interventions."""
    end_year = 2014 + (months - 1) // 12
    end_month = (months - 1) % 12 + 1
    last_day = {2: 28, 4: 30, 6: 30, 9: 30, 11: 30}.get(end_month, 31)
    return dict(
        schema_version=1, name="Recovery district", start_date="2014-01-01",
        end_date=f"{end_year}-{end_month:02d}-{last_day}",
        referrals=dict(rates=[dict(start="2014-01-01", per_month=rate)]),
        families=dict(intensity={"all": 1.0}, needs={}),
        engagement=dict(refusal_probability=refusal),
        roles=[dict(id="kw", name="Key worker", caseload_cap_per_fte=5, in_post_fte=[1.0, 1.0, 1.0],
                    duration_months=dict(distribution="triangular", low=2, mode=4, high=8),
                    outcomes=dict(turned_around=0.7, improved=0.1, no_progress=0.1, disengaged=0.1))],
        allocation={"all": ["kw"]},
    )


def district(**kwargs) -> Scenario:
    return Scenario.model_validate(district_data(**kwargs))


def district_history(path, seed: int, refusal: float = 0.25, rate: float = 9.0, **kwargs):
    """Write the history of one replication of the district with the given values; returns the path."""
    months, columns = simulate_history(district(refusal=refusal, rate=rate, **kwargs), seed)
    return write_history(path, months, columns, [f"synthetic: refusal {refusal}, rate {rate}, seed {seed}"])
