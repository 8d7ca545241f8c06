"""A tiny deterministic scenario with one family, for the payment-by-results tests."""

from __future__ import annotations

import copy

from tfsim.scenario.schema import Scenario

TINY = dict(
    name="tiny",
    start_date="2012-04-01",
    end_date="2015-03-31",
    referrals={"cohort": [{"date": "2012-04-01", "families": 1}]},
    families={"needs": {"crime_asb": 1.0, "worklessness": 0.0}, "intensity": {"high": 1.0}},
    engagement={"refusal_probability": 0, "disengagement_hazard_per_month": 0},
    roles=[{"id": "fip", "in_post_fte": [1.0], "duration_months": 12,
            "outcomes": {"turned_around": 1, "improved": 0, "no_progress": 0, "disengaged": 0}}],
    allocation={"high": ["fip"]},
)
TINY_MONEY = dict(families_funded_share=1.0, relapse_probability=0.0, follow_up_months=4,
                  claim_window_months=3, payment_lag_months=1)


def make_tiny(money: dict | None = None, **top) -> Scenario:
    """The tiny scenario; ``money`` keys override TINY_MONEY, ``top`` keys override the rest."""
    d = copy.deepcopy(TINY)
    d.update(top)
    d["money"] = {**TINY_MONEY, **(money or {})}
    return Scenario.model_validate(d)
