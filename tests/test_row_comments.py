"""Rows removed, added or moved keep their comments: tfsim.scenario.rows."""

from __future__ import annotations

import tomllib

import pytest

from tfsim.scenario.bundled import bundled_path
from tfsim.scenario.io import data_to_toml
from tfsim.scenario.notes import field_notes
from tfsim.scenario.rows import moved_order, rearrange_rows

PLAN = """\
[workforce]
turnover_per_year = 0.0
# The plan follows the briefing.
[[staffing_plan]]
date = 2012-09-03
fte = 0.5                 # part-time (briefing)

# A second worker, a month later (ASSUMPTION on the date).
[[staffing_plan]]
date = 2012-10-08
fte = 1.0                 # full-time (briefing)

[[staffing_plan]]
date = 2013-10-31
fte = 2.0                 # two, FITTED

# ---- Allocation ----
[allocation]
high = ["fip"]
"""


def edited(text: str, key: str, order: list[int | None], new_row: dict | None = None) -> tuple[str, dict]:
    data = tomllib.loads(text)
    rows = [data[key][i] if i is not None else new_row for i in order]
    data[key] = rows
    out = data_to_toml(data, rearrange_rows(text, (key,), order, rows))
    assert tomllib.loads(out) == data
    return out, data


def beside(text: str, path: tuple) -> str:
    return field_notes(text, [path])[path].beside


@pytest.mark.parametrize(("count", "kwargs", "order"), [
    (4, {"removed": 0}, [1, 2, 3]),
    (4, {"swapped": (1, 2)}, [0, 2, 1, 3]),
    (2, {"added": 1}, [0, 1, None]),
    (3, {"removed": 2, "added": 1}, [0, 1, None]),
])
def test_moved_order(count, kwargs, order):
    assert moved_order(count, **kwargs) == order


def test_a_removed_row_takes_its_comments_and_the_note_above_it():
    out, _ = edited(PLAN, "staffing_plan", [0, 2])
    assert "A second worker" not in out and "full-time (briefing)" not in out
    assert beside(out, ("staffing_plan", 1, "fte")) == "two, FITTED"
    assert "# The plan follows the briefing.\n[[staffing_plan]]" in out
    assert out.endswith('fte = 2.0                 # two, FITTED\n\n# ---- Allocation ----\n[allocation]\nhigh = ["fip"]\n')


def test_the_first_row_removed_leaves_the_note_above_the_table():
    out, _ = edited(PLAN, "staffing_plan", [1, 2])
    assert beside(out, ("staffing_plan", 0, "fte")) == "full-time (briefing)"
    assert "# The plan follows the briefing.\n" in out  # it heads the whole plan


def test_moved_rows_keep_their_notes_and_the_heading_after_the_last_row_stays():
    out, data = edited(PLAN, "staffing_plan", [0, 2, 1])
    assert [beside(out, ("staffing_plan", i, "fte")) for i in range(3)] == [
        "part-time (briefing)", "two, FITTED", "full-time (briefing)"]
    assert out.index("# A second worker") < out.index("date = 2012-10-08") > out.index("date = 2013-10-31")
    assert out.rstrip().endswith('fte = 1.0                 # full-time (briefing)\n\n# ---- Allocation ----\n'
                                 '[allocation]\nhigh = ["fip"]')
    assert data["staffing_plan"][1]["fte"] == 2.0


def test_an_added_row_goes_before_the_next_heading_with_no_note():
    out, _ = edited(PLAN, "staffing_plan", [0, 1, 2, None], {"date": tomllib.loads("d = 2014-01-01")["d"], "fte": 3.0})
    assert beside(out, ("staffing_plan", 3, "fte")) == ""
    assert out.index("fte = 3.0") < out.index("# ---- Allocation ----")


def test_a_bundled_scenario_keeps_every_other_line_when_a_role_is_removed():
    text = bundled_path("sevenoaks-2014").read_text(encoding="utf-8")
    out, _ = edited(text, "roles", [1, 2, 3])
    removed = [line for line in text.splitlines() if line not in out.splitlines()]
    assert all(line.startswith(("id", "name", "caseload", "duration", "[roles.outcomes]", "turned", "improved",
                                "no_progress", "disengaged")) or line in ("", "[[roles]]") for line in removed)
    assert beside(out, ("roles", 0, "caseload_cap_per_fte")).startswith("ASSUMPTION: between FIP (5)")


@pytest.mark.parametrize("order", [[0, 0], [5], [0, 1]])
def test_an_order_that_does_not_fit_leaves_the_text_alone(order):
    rows = [{} for _ in order]
    if order == [0, 1]:
        assert rearrange_rows(PLAN, ("allocation",), order, rows) == PLAN  # not an array of tables
    else:
        assert rearrange_rows(PLAN, ("staffing_plan",), order, rows) == PLAN
    assert rearrange_rows(PLAN, ("no_such",), [0], [{}]) == PLAN
