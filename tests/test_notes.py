"""The note beside each value: read for the editor, written back as the comment, listed by validate --sources."""

from __future__ import annotations

import tomllib

from tfsim import cli
from tfsim.scenario.bundled import default_scenario
from tfsim.scenario.io import data_to_toml
from tfsim.scenario.notes import clean_note, field_notes

TEXT = default_scenario().read_text(encoding="utf-8")
CAP = ("roles", 0, "caseload_cap_per_fte")


def _line(text: str, start: str) -> str:
    return next(line for line in text.splitlines() if line.startswith(start))


def test_a_key_has_its_own_note_the_note_above_it_or_its_tables():
    notes = field_notes(TEXT, [CAP, ("families", "needs", "crime_asb"), ("workforce", "turnover_per_year"),
                               ("money", "costs", "on_cost_share"), ("warm_up_months",)])
    cap = notes[CAP]
    assert cap.beside == '"a caseload of approximately five cases" (Sevenoaks minutes 2012)'
    assert cap.basis == "source" and cap.inherited == "" and cap.line == _line_number("caseload_cap_per_fte = 5 ")
    needs = notes[("families", "needs", "crime_asb")]
    assert needs.beside == "" and needs.table.startswith("Share of families with each need.")
    assert needs.basis == "ASSUMPTION" and needs.inherited == needs.table
    turnover = notes[("workforce", "turnover_per_year")]
    assert turnover.above.endswith("ASSUMPTION: set 0.16 (social work census) for a look beyond March 2015.")
    assert notes[("money", "costs", "on_cost_share")].beside == "ASSUMPTION: employer NI and pension"
    assert notes[("warm_up_months",)].line == 0 and notes[("warm_up_months",)].basis == "not stated"


def _line_number(start: str) -> int:
    return next(i for i, line in enumerate(TEXT.splitlines(), 1) if line.startswith(start))


def test_an_edited_note_is_saved_as_the_comment_beside_the_value():
    data = tomllib.loads(TEXT)
    notes = {CAP: "Kent plan reported to Sevenoaks District Council, 2012", ("engagement", "refusal_probability"): "",
             ("workforce", "notice_weeks"): "ASSUMPTION: four weeks\nas for social workers",
             ("referrals", "rates", 0, "per_month"): "FITTED", ("roles", 0, "outcomes"): "a table: left alone",
             ("no", "such", "key"): "left alone"}
    text = data_to_toml(data, TEXT, notes)
    assert tomllib.loads(text) == data
    assert _line(text, "caseload_cap_per_fte = 5").endswith("# Kent plan reported to Sevenoaks District Council, 2012")
    assert _line(text, "refusal_probability") == "refusal_probability = 0.13"
    assert _line(text, "notice_weeks").endswith("# ASSUMPTION: four weeks as for social workers")
    assert _line(text, "per_month = 5.0") == "per_month = 5.0  # FITTED"
    assert "a table: left alone" not in text and "left alone" not in text
    changed = [a for a, b in zip(TEXT.splitlines(), text.splitlines()) if a != b]
    assert len(changed) == 4 and len(text.splitlines()) == len(TEXT.splitlines())
    assert field_notes(text, [CAP])[CAP].beside == "Kent plan reported to Sevenoaks District Council, 2012"


def test_a_note_is_one_clean_line():
    assert clean_note("  two\nlines\x1b[31m and\u2028more ") == "two lines [31m and more"
    assert len(clean_note("x" * 2000)) == 500
    fresh = data_to_toml({"schema_version": 1, "name": "x"}, None, {("name",): "a note"})
    assert fresh.splitlines()[1] == 'name = "x"  # a note'


def test_validate_sources_lists_fitted_assumption_and_sourced_values(capsys):
    assert cli.main(["validate", "--sources", "sevenoaks-2014"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("ok\n\nsevenoaks-2014.toml: 76 inputs differ from tfsim's defaults or carry a note: 3 FITTED,")
    fitted = out.index("FITTED: tuned so the model reproduces reported figures (3)")
    assumption = out.index("ASSUMPTION: chosen without a source")
    sourced = out.index("Sourced: the note names where the figure comes from")
    assert fitted < assumption < sourced
    line = [i for i, text in enumerate(TEXT.splitlines(), 1) if text == "[[referrals.rates]]"][1]  # the row's line
    assert (f"  sevenoaks-2014.toml:{line}: referrals.rates.1: Referrals \u25b8 Rate 2 = 1 Jan 2014, per month 6.5\n"
            "      FITTED: nominations stepped up past the allocation") in out
    cap = _line_number("caseload_cap_per_fte = 5 ")
    assert (f"sevenoaks-2014.toml:{cap}: roles.fip.caseload_cap_per_fte: Role: Family Intervention Practitioner (KCA) "
            "\u25b8 Caseload cap = 5 families per FTE") in out[sourced:]
