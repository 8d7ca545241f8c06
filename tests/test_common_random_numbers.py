"""Common random numbers: each family's and each post's draws stay theirs when staffing changes.

Paired comparisons isolate a staffing change only if a family keeps its own refusal,
intervention length and outcome whichever order events happen in, and a post keeps its
own leaving times and recruitment rounds when other posts are added.  These tests run a
baseline and a variant on the same seed and compare them family by family and post by
post.
"""

from __future__ import annotations

import numpy as np
import pytest
from helpers import SCENARIOS

from tfsim.model import build_replication
from tfsim.model.entities import CLOSED, PERMANENT, Family
from tfsim.model.random import FAMILY_BLOCK, POST_BLOCK, FamilyDraws, PostDraws, family_uniform
from tfsim.scenario import load_scenario
from tfsim.scenario.schema import DAYS_PER_MONTH
from tfsim.whatif import make_variant

SEED = 20140702


def with_extra_fips(scenario, date: str, count: int = 2):
    plan = [row.model_dump() for row in scenario.staffing_plan]
    extra = [dict(date=date, role="fip", action="start", fte=1.0, label="extra FIP")] * count
    return make_variant(scenario, {"staffing_plan": plan + extra})


class Recorder:
    """Runs a replication and records, per family (referral index, generation), what happened to it."""

    def __init__(self, scenario, seed=SEED):
        rep = build_replication(scenario, np.random.SeedSequence(seed))
        flow = rep.caseflow
        self.refusals: set[tuple] = set()  # (family, contact) refused
        self.first_quantile: dict[tuple, float] = {}  # the quantile of its first intervention length
        self.history: dict[tuple, list] = {}  # (role, days) of every episode it was given
        self.outcome: dict[tuple, int] = {}
        self.handed_over: set[tuple] = set()  # families whose worker left while they were in service
        start, refuse, schedule_end = flow._start, flow._refuse, flow._schedule_end

        key = family_key

        def on_start(fam, w, waited):
            fresh = fam.remaining < 0 and fam.started < 0
            start(fam, w, waited)
            now = rep.scheduler.now
            self.history.setdefault(key(fam), []).append((w.role.id, round(fam.end_at - now, 9)))
            if fresh:
                days = (fam.end_at - now) / (w.role.duration_factor(w, now) if w.role.adjusted else 1.0)
                self.first_quantile[key(fam)] = w.role.spec.duration_months.cdf(days, DAYS_PER_MONTH)

        def on_refuse(fam, first, k):
            self.refusals.add((key(fam), k))
            refuse(fam, first, k)

        def on_schedule_end(fam, length):  # a step-up: a longer intervention with the same worker
            schedule_end(fam, length)
            self.history.setdefault(key(fam), []).append((fam.worker.role.id, round(fam.end_at - rep.scheduler.now, 9)))

        flow._start, flow._refuse, flow._schedule_end = on_start, on_refuse, on_schedule_end
        self.log, self.snapshot = rep.run()
        self.families = flow.families
        for fam in self.families:  # how each family's records ended
            if fam.state == CLOSED:
                self.outcome[key(fam)] = fam.outcome
                if fam.handovers:
                    self.handed_over.add(key(fam))


def family_key(fam) -> tuple[int, int]:
    """(referral index, generation) of a Family record: what its draws are keyed by."""
    return fam.draws.key(fam.j)


def family_values(fam) -> tuple[float, ...]:
    """Every draw the family's block holds for it."""
    return tuple(column[fam.j] for column in fam.draws)


@pytest.fixture(scope="module")
def sevenoaks():
    return load_scenario(SCENARIOS / "sevenoaks-2014.toml")


@pytest.mark.parametrize("name, date", [("sevenoaks-2014", "2013-04-01"), ("kent-phase2-threefold", "2016-04-01")])
def test_a_family_keeps_its_own_draws_when_staffing_changes(name, date):
    base = load_scenario(SCENARIOS / f"{name}.toml")
    a, b = Recorder(base), Recorder(with_extra_fips(base, date))
    originals = [f for f in a.families if f.draws.generation == 0]
    others = [f for f in b.families if f.draws.generation == 0]
    # the same draws, by referral index
    assert [family_key(f) for f in originals] == [family_key(f) for f in others]
    assert [family_values(f) for f in originals] == [family_values(f) for f in others]
    # the same refusals at the same contacts (refusal and re-approach do not depend on staffing;
    # re-referrals do, through the outcomes)
    refusals_a, refusals_b = ({r for r in x.refusals if r[0][1] == 0} for x in (a, b))
    assert refusals_a == refusals_b and refusals_a
    # the first intervention length is read at the family's own quantile, whichever role takes it
    shared = set(a.first_quantile) & set(b.first_quantile)
    assert len(shared) > 0.8 * len(a.first_quantile)
    for fam in shared:
        assert a.first_quantile[fam] == pytest.approx(b.first_quantile[fam], abs=1e-9)
    # a family given the same episodes by the same roles, and never handed over, ends the same way
    same = [fam for fam in set(a.history) & set(b.history)
            if a.history[fam] == b.history[fam] and fam in a.outcome and fam in b.outcome
            and fam not in a.handed_over | b.handed_over]
    assert len(same) > 0.3 * len(a.outcome)
    assert all(a.outcome[fam] == b.outcome[fam] for fam in same)
    served_elsewhere = [fam for fam in set(a.history) & set(b.history) if a.history[fam][0][0] != b.history[fam][0][0]]
    assert served_elsewhere, "the extra staff should take some families another role would have taken"


def test_an_identical_variant_gives_identical_families(sevenoaks):
    same = make_variant(sevenoaks, {"name": "copy"})
    a, b = Recorder(sevenoaks), Recorder(same)
    assert a.history == b.history and a.outcome == b.outcome and a.refusals == b.refusals


def post_histories(scenario, seed=SEED):
    rep = build_replication(scenario, np.random.SeedSequence(seed))
    rep.run()
    out: dict[str, list[tuple[float, float]]] = {}
    for w in rep.workforce.workers:
        if w.kind == PERMANENT and w.post is not None:
            out.setdefault(w.post.key, []).append((w.since, w.left))
    return out


@pytest.mark.parametrize("name, role", [("lincolnshire-phase2", "key_worker"), ("kent-phase2-expansion", "fip")])
def test_adding_posts_leaves_the_existing_posts_draws_alone(name, role):
    # Turnover and recruitment do not depend on the families, so with two more posts in post
    # from the start every existing post has the same holders, arriving and leaving on the same days.
    base = load_scenario(SCENARIOS / f"{name}.toml")
    spec = next(r for r in base.roles if r.id == role)
    more = make_variant(base, {f"roles.{role}.in_post_fte": list(spec.in_post_fte) + [1.0, 1.0]})
    a, b = post_histories(base), post_histories(more)
    assert sum(len(h) for h in a.values()) > len(a)  # some posts changed hands
    assert set(b) - set(a) == {f"{role}:in_post:{len(spec.in_post_fte)}", f"{role}:in_post:{len(spec.in_post_fte) + 1}"}
    for key, holders in a.items():
        assert b[key] == holders, key


def test_posts_a_plan_row_creates_are_named_by_the_row_not_its_position():
    base = load_scenario(SCENARIOS / "kent-phase2-expansion.toml")
    plan = [row.model_dump() for row in base.staffing_plan]
    early = dict(date="2015-06-01", role="fsw", action="establishment", establishment_change_fte=2.0, label="extra")
    a, b = post_histories(base), post_histories(make_variant(base, {"staffing_plan": [early] + plan}))
    added = set(b) - set(a)
    assert len(added) == 2 and all("2015-06-01" in key for key in added)
    assert all(b[key] == holders for key, holders in a.items() if not key.startswith("fsw:"))


# ---- the draws themselves ------------------------------------------------------------------


def test_a_familys_draw_depends_only_on_the_seed_its_index_and_the_process():
    seed = np.random.SeedSequence(5, spawn_key=(3,))
    index = FAMILY_BLOCK + 17  # in the second block
    small, large = FamilyDraws(seed, index + 1), FamilyDraws(seed, 3 * FAMILY_BLOCK)
    f_small, f_large = small.field("outcome", 1), large.field("duration", 1, lambda u: 2 * u)
    large.field("outcome", 3)  # other fields and widths do not matter
    g_large = large.fields[-1]
    fam_small = Family(0, 0, 0, 1, 1, small.block(1), 17)
    fam_large = Family(0, 0, 0, 1, 1, large.block(1), 17)
    u = family_uniform(seed, "outcome", index)
    assert family_key(fam_small) == family_key(fam_large) == (index, 0)
    assert small.value(fam_small, f_small) == large.value(fam_large, g_large) == u
    assert large.value(fam_large, f_large) == 2 * family_uniform(seed, "duration", index)
    # a draw beyond the block's width, or of a re-referral, is the same wherever it is read
    assert small.value(fam_small, f_small, 2) == large.value(fam_large, g_large, 2) == family_uniform(
        seed, "outcome", index, k=2)
    again = Family(1, 0, 0, 1, 1, small.row(index, 1), 0)
    assert family_key(again) == (index, 1)
    assert small.value(again, f_small) == family_uniform(seed, "outcome", index, generation=1)
    assert family_uniform(seed, "outcome", index, generation=1) != u
    assert family_uniform(np.random.SeedSequence(5, spawn_key=(4,)), "outcome", index) != u


def test_fields_must_be_declared_before_the_first_family():
    draws = FamilyDraws(np.random.SeedSequence(1), 10)
    draws.field("refusal")
    draws.block(0)
    with pytest.raises(RuntimeError, match="before the first family"):
        draws.field("outcome")


def test_a_posts_draws_do_not_depend_on_its_group_size_or_the_order_processes_ask():
    seed = np.random.SeedSequence(9)
    plain = (None, None, None)
    three, five = PostDraws.group(seed, "fip:in_post", 3, plain), PostDraws.group(seed, "fip:in_post", 5, plain)
    p, q = three[2], five[2]
    assert p.key == q.key == "fip:in_post:2"
    first = [p.next(0) for _ in range(POST_BLOCK + 3)]  # past the first block: the post's own stream
    others = [q.next(1) for _ in range(POST_BLOCK + 2)]  # another process drawn first in q
    assert [q.next(0) for _ in range(POST_BLOCK + 3)] == first
    assert [p.next(1) for _ in range(POST_BLOCK + 2)] == others
    assert len(set(first)) == len(first) and not set(first) & set(others)
    assert three[0].next(0) != three[1].next(0)
    doubled = PostDraws.group(seed, "fip:in_post", 3, (None, lambda u: 2 * u, None))[2]
    assert [doubled.next(1) for _ in range(POST_BLOCK + 2)] == [2 * u for u in others]
