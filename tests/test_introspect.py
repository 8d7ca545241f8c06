"""The one schema walk: kinds, labels, units, defaults and new items, for the docs and the editor."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import Field

from tfsim.scenario import schema as S
from tfsim.scenario.introspect import (
    MISSING,
    Kind,
    classify,
    field_map,
    fields,
    humanise,
    label_and_unit,
    new_item,
    unit_of,
)
from tfsim.scenario.schema import Distribution, StrictModel


def test_every_scenario_key_has_a_kind_help_and_type():
    for model in (S.Scenario, S.Role, S.Workforce, S.Money):
        for spec in fields(model):
            assert isinstance(spec.kind, Kind), spec.key
            assert spec.help, f"{model.__name__}.{spec.key} has no help"
            assert spec.type


def test_kinds_of_the_scenario_tables():
    top = field_map(S.Scenario)
    assert top["name"].kind is Kind.TEXT and top["start_date"].kind is Kind.DATE
    assert top["roles"].kind is Kind.LIST_PANELS and top["roles"].detail is S.Role
    assert top["staffing_plan"].kind is Kind.LIST_TABLE
    assert top["allocation"].kind is Kind.DICT_LIST
    assert top["engagement"].kind is Kind.MODEL and top["engagement"].detail is S.Engagement
    role = field_map(S.Role)
    assert role["duration_months"].kind is Kind.DISTRIBUTION
    assert role["in_post_fte"].kind is Kind.LIST_SCALAR
    assert field_map(S.WaitingList)["discipline"].kind is Kind.CHOICE


def test_one_unit_table_gives_units_and_labels():
    assert unit_of("duration_months") == "months" and unit_of("refusal_probability") == "0 to 1"
    assert unit_of("name") == ""
    assert humanise("duration_months") == "Duration"
    assert humanise("refusal_probability") == "Refusal probability"  # the word stays, the unit is 0 to 1
    assert label_and_unit("caseload_cap_per_fte", "FTE") == ("Caseload cap", "per FTE")
    spec = field_map(S.Role)["caseload_cap_per_fte"]
    assert (spec.label, spec.unit_label) == ("Caseload cap", "families per FTE")


def test_defaults_as_text_and_as_data():
    eng = field_map(S.Engagement)
    assert not eng["refusal_probability"].required
    assert eng["refusal_probability"].default_value() == float(eng["refusal_probability"].default)
    top = field_map(S.Scenario)
    assert top["name"].required and top["name"].default == "required"
    assert top["name"].default_value() is MISSING
    assert isinstance(top["engagement"].default_value(), dict)  # a sub-table's default as plain data


def test_choice_labels_come_from_the_help():
    spec = field_map(S.WaitingList)["discipline"]
    labels = spec.choice_labels()
    assert set(labels) == set(spec.detail)
    assert any(" - " in text for text in labels.values())


class Step(StrictModel):
    id: str = Field(default="step", description="Id.")
    name: str = Field(default="", description="Name.")
    date: dt.date = Field(description="When.")
    fte: float = Field(gt=0.5, description="FTE.")
    count: int = Field(description="How many.")
    kind: Literal["a", "b"] = Field(default="a", description="a: one; b: other")
    wait_days: Distribution = Field(default=3, description="Wait.")


def test_new_item_from_defaults_and_from_a_copy():
    item = new_item(Step, None, [])
    assert item["date"] == dt.date.today() and item["fte"] == 0.5 and item["count"] == 1
    assert item["id"] == "step" and item["kind"] == "a"
    copy = new_item(Step, {"id": "step", "name": "First", "date": dt.date(2020, 1, 1)}, [item])
    assert copy["id"] == "step_2" and copy["name"] == "" and copy["date"] == dt.date(2020, 1, 1)


def test_classify_plain_annotations():
    assert classify(dict[str, float])[0] is Kind.DICT_SCALAR
    assert classify(dict[str, Step])[0] is Kind.DICT_TABLE
    assert classify(list[S.CohortRelease]) == (Kind.LIST_TABLE, S.CohortRelease, False)
    assert classify(list[Step])[0] is Kind.LIST_PANELS  # a distribution does not fit a cell
    assert classify(Step | None) == (Kind.MODEL, Step, True)
