"""The one check of a scenario held as data: a Scenario, or problems at key paths (and lines)."""

from __future__ import annotations

import copy
import datetime as dt
import tomllib

import tomli_w

from helpers import SCENARIOS, tiny_data

from tfsim import validation
from tfsim.scenario import read_scenario
from tfsim.scenario.bundled import bundled_scenarios, bundled_scenarios_dir, default_scenario
from tfsim.scenario.check import validate

SEVENOAKS = SCENARIOS / "sevenoaks-2014.toml"


def test_valid_data_gives_the_scenario():
    result = validate(tomllib.loads(SEVENOAKS.read_text()), "sevenoaks")
    assert result.ok and result.problems == []
    assert result.scenario == read_scenario(SEVENOAKS).scenario


def test_problems_are_located_at_keys_and_lines_only_with_the_text():
    text = SEVENOAKS.read_text().replace("refusal_probability = 0.13", "refusal_probability = 1.7")
    data = tomllib.loads(text)
    with_lines = validate(data, "bad.toml", text)
    assert not with_lines.ok and with_lines.scenario is None
    (problem,) = [p for p in with_lines.problems if p.path == ("engagement", "refusal_probability")]
    assert text.splitlines()[problem.line - 1].startswith("refusal_probability")
    assert [p.path for p in with_lines.problems] == [p.path for p in validate(data).problems]
    assert all(p.line == 1 for p in validate(data).problems)


def _editor_data(**overrides) -> dict:
    """Scenario data as the editor holds it: dates as dates, as a TOML file gives them."""
    return tomllib.loads(tomli_w.dumps(tiny_data(**overrides)).replace('"2020-01-01"', "2020-01-01")
                         .replace('"2020-12-31"', "2020-12-31"))


def test_data_with_dates_from_the_editor():
    data = _editor_data()
    data["end_date"] = dt.date(2019, 1, 1)  # before the start: a cross-key problem
    result = validate(copy.deepcopy(data))
    assert not result.ok and any(p.path and p.path[0] == "end_date" for p in result.problems)
    assert validate(_editor_data()).ok


def test_text_where_a_date_or_number_belongs_is_a_problem_at_its_key():
    data = _editor_data()
    data["end_date"] = "2020-12-31"  # the editor keeps text it cannot read as the field's kind
    data["engagement"]["refusal_probability"] = "0.1"
    problems = {p.key: p.message for p in validate(data).problems}
    assert "write the date without quotes: 2020-12-31" in problems["end_date"]
    assert "write the number without quotes: 0.1" in problems["engagement.refusal_probability"]


def test_the_bundled_scenarios_are_found_in_one_place():
    assert bundled_scenarios_dir() == SCENARIOS
    assert validation.SCENARIOS == bundled_scenarios_dir()
    assert default_scenario() in bundled_scenarios() and default_scenario().name == "sevenoaks-2014.toml"
