"""Claims laid out in bulk are the claims laid out one family at a time.

The claims book lays out most families' timelines together with NumPy when the claims are
read; a family that may be referred again, or is a re-referral, is laid out when it is
turned around.  Forcing every family through the one-at-a-time path must give the same
record to the bit: the same claims in the same order, the same voided results and fees.
"""

from __future__ import annotations

import numpy as np
import pytest
from helpers import SCENARIOS

from tfsim.model import build_replication
from tfsim.model.log import ClaimLog
from tfsim.scenario import load_scenario, variant

# mechanisms the bulk path computes, each switched on hard in one variant of Sevenoaks
VARIANTS = {
    "as bundled": {},
    "results during the intervention": {"money.result_during_share": 0.6},
    "a drawn result lag": {"money.result_lag_months": {"distribution": "uniform", "low": 0, "high": 5}},
    "long employment sustain": {"money.long_sustain_share": 0.5, "money.employment_supported_probability": 0.9},
    "much progress to work": {"money.progress_to_work_probability": 0.9},
    "relapse, no re-referral": {"money.relapse_probability": 0.5, "money.rereferral_probability": 0.0},
    "relapse and re-referral": {"money.relapse_probability": 0.6, "money.rereferral_probability": 0.8,
                                "money.rereferral_delay_months": 0.5},
}


def records(scenario, seed: int, bulk: bool):
    replication = build_replication(scenario, np.random.SeedSequence(seed))
    book = replication.claims
    book._bulk = bulk
    replication.run()
    return book.record(), book


def assert_same(a, b):
    for name, _ in ClaimLog.COLUMNS:
        x, y = getattr(a.columns, name), getattr(b.columns, name)
        assert x.dtype == y.dtype and np.array_equal(x, y), name
    assert np.array_equal(a.columns.outside, b.columns.outside)
    assert a.voided == b.voided
    assert dict(a.origin) == dict(b.origin)
    assert a.rereferrals == b.rereferrals


@pytest.mark.parametrize("name", sorted(VARIANTS))
def test_bulk_claims_match_one_at_a_time_in_sevenoaks_variants(name):
    scenario = variant(load_scenario(SCENARIOS / "sevenoaks-2014.toml"), VARIANTS[name])
    for seed in range(2):
        (bulk, book), (one, single) = records(scenario, seed, True), records(scenario, seed, False)
        assert len(bulk.columns.kind) > 0
        assert_same(bulk, one)
        roots = set(bulk.columns.root.tolist())
        assert all(book.fees_of(r) == single.fees_of(r) for r in roots)


@pytest.mark.parametrize("stem", ["kent-phase2-threefold", "lincolnshire-phase2", "maidstone-2013",
                                  "kent-sevenoaks-2012"])
def test_bulk_claims_match_one_at_a_time_in_bundled_scenarios(stem):
    scenario = load_scenario(SCENARIOS / f"{stem}.toml")
    assert_same(records(scenario, 3, True)[0], records(scenario, 3, False)[0])


def test_rereferred_families_are_laid_out_when_turned_around():
    scenario = variant(load_scenario(SCENARIOS / "sevenoaks-2014.toml"), VARIANTS["relapse and re-referral"])
    replication = build_replication(scenario, np.random.SeedSequence(0))
    replication.run()
    book = replication.claims
    assert book.origin, "the variant re-refers families"
    keys = np.frombuffer(book._keys, dtype=np.int64)
    # both ways were used, so the equivalence tests above compare a mix of the two
    assert book._settled > 0 and (keys % 2 == 1).any() and (keys % 2 == 0).any()
