"""The assumptions table: which values are listed, their units, and the notes beside them in the file."""

from __future__ import annotations

import pytest
from helpers import SCENARIOS, tiny

from tfsim.scenario.inputs import basis_of, comment_of, header_notes, inputs
from tfsim.scenario.io import read_scenario


@pytest.mark.parametrize("line, comment", [
    ('x = 1  # a note', "a note"),
    ('label = "FIP # 2"   # ASSUMPTION', "ASSUMPTION"),
    ("label = 'it''s # not'", ""),
    ('label = "say \\"# no\\"" # yes', "yes"),
    ("# a whole comment line", "a whole comment line"),
])
def test_comment_outside_strings(line, comment):
    assert comment_of(line) == comment


@pytest.mark.parametrize("note, basis", [
    ("13% refused support (Sevenoaks briefing 2014)", "source"),
    ("ASSUMPTION: the highest need is allocated first", "ASSUMPTION"),
    ("The others are ASSUMPTIONS", "ASSUMPTION"),
    ("FITTED share turned around; the rest ASSUMPTION", "FITTED, ASSUMPTION"),
    ("funding assumed 5 of every 6 families", "source"),  # lower case 'assumed' is a source's words
    ("", "not stated"),
])
def test_basis_of_a_note(note, basis):
    assert basis_of(note) == basis


def test_defaults_without_a_note_are_left_out_and_changes_are_in():
    rows = inputs(tiny(), None)
    paths = {r.path for r in rows}
    assert "engagement.refusal_probability" in paths  # 0 against the default 0.13
    assert "workforce.turnover_per_year" not in paths  # the default, not written
    assert "roles.kw.caseload_cap_per_fte" in paths
    assert all(r.basis == "not stated" for r in rows)  # no file, no notes


def test_sevenoaks_values_carry_units_and_the_notes_written_beside_or_above_them():
    loaded = read_scenario(SCENARIOS / "sevenoaks-2014.toml")
    rows = {r.path: r for r in inputs(loaded.scenario, loaded.text)}
    refusal = rows["engagement.refusal_probability"]
    assert (refusal.value, refusal.basis) == ("13%", "source")  # equal to the default, but written with a note
    assert refusal.note == "13% refused support (Sevenoaks briefing 2014)"
    cap = rows["roles.fip.caseload_cap_per_fte"]
    assert (cap.value, cap.unit, cap.section) == ("5", "families per FTE", "Role: Family Intervention Practitioner (KCA)")
    assert rows["money.costs.overhead_gbp_per_month"].value == "£1,000"
    assert rows["money.costs.overhead_gbp_per_month"].unit == "per month"
    turnover = rows["workforce.turnover_per_year"]  # its note is the comment block above it
    assert "ASSUMPTION: set 0.16" in turnover.note and turnover.basis == "ASSUMPTION"
    assert rows["roles.fip.duration_months"].value == "triangular from 6 to 18 months, most likely 12"
    assert rows["roles.fip.outcomes"].basis == "FITTED, ASSUMPTION"  # from the table header's comment
    plan = rows["staffing_plan.3"]
    assert plan.value == "14 Jul 2014, fip, start" and "appointed to start on 14 July 2014" in plan.note
    assert "recruitment_freezes.0" in rows  # one row for the freeze, not one per key
    assert "roles.fip.id" not in rows and "name" not in rows


def test_header_notes_are_the_comment_block_at_the_top():
    text = (SCENARIOS / "sevenoaks-2014.toml").read_text()
    notes = header_notes(text)
    assert notes[0].startswith("Sevenoaks District")
    assert any("SOURCES" in line for line in notes)
    assert not any(line.startswith("schema_version") for line in notes)
