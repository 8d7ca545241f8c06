"""The waiting list on its own: first come first served, priority by level, escalation, stale entries."""

from __future__ import annotations

from tfsim.model.entities import WAITING, Family
from tfsim.model.waiting_list import ESCALATED, NORMAL, WaitingList


def family(fid: int, level: int) -> Family:
    return Family(fid, level, needs=0, adults=1, children=1)


def fill(wl: WaitingList, levels: list[int]) -> list[Family]:
    """Families of the given levels joining one after another, a day apart."""
    fams = [family(i, lvl) for i, lvl in enumerate(levels)]
    for day, fam in enumerate(fams):
        assert wl.add(fam, NORMAL, float(day))
    return fams


def test_fifo_serves_in_joining_order_across_levels():
    wl = WaitingList(2, priority=False)
    fams = fill(wl, [1, 0, 1, 0])
    assert len(wl) == 4
    assert [wl.pop_for([0, 1]).id for _ in range(4)] == [0, 1, 2, 3]
    assert wl.pop_for([0, 1]) is None and len(wl) == 0
    assert all(f.state == WAITING and f.joined == f.id for f in fams)  # popping leaves the state to the caller


def test_fifo_only_offers_levels_the_role_takes():
    wl = WaitingList(2)
    fill(wl, [1, 0, 1])
    assert wl.pop_for([1]).id == 0
    assert wl.pop_for([0]).id == 1
    assert wl.pop_for([0]) is None
    assert wl.pop_for([1]).id == 2


def test_priority_serves_the_highest_level_first_then_in_joining_order():
    wl = WaitingList(3, priority=True)
    fill(wl, [2, 1, 0, 1, 0])
    assert [wl.pop_for([0, 1, 2]).id for _ in range(5)] == [2, 4, 1, 3, 0]


def test_escalated_families_go_before_any_normal_entry():
    wl = WaitingList(2, priority=True)
    fams = fill(wl, [1, 0, 1])
    # the low-need family that joined first is escalated: its place in the count and its
    # joining time stay, and it now comes before the high-need family
    assert not wl.add(fams[0], ESCALATED, 30.0)
    assert len(wl) == 3 and fams[0].joined == 0.0 and fams[0].tier == ESCALATED
    assert [wl.pop_for([0, 1]).id for _ in range(3)] == [0, 1, 2]


def test_escalated_tier_is_first_come_first_served_among_escalated():
    wl = WaitingList(2, priority=False)
    fams = fill(wl, [0, 1, 0])
    wl.add(fams[2], ESCALATED, 10.0)
    wl.add(fams[1], ESCALATED, 11.0)
    assert [wl.pop_for([0, 1]).id for _ in range(3)] == [2, 1, 0]


def test_removed_family_leaves_a_stale_entry_that_is_skipped():
    wl = WaitingList(1)
    fams = fill(wl, [0, 0, 0])
    wl.remove(fams[0])  # e.g. closed unallocated after the maximum wait
    assert len(wl) == 2
    assert wl.pop_for([0]) is fams[1]
    assert len(wl.queues[NORMAL][0]) == 1  # the stale entry was dropped on the way


def test_requeued_family_is_served_once_from_its_newest_entry():
    wl = WaitingList(2)
    fams = fill(wl, [1, 1])
    wl.add(fams[0], ESCALATED, 5.0)  # its normal-tier entry is now stale
    assert wl.pop_for([1]) is fams[0]
    assert wl.pop_for([1]) is fams[1]
    assert wl.pop_for([1]) is None and len(wl) == 0

