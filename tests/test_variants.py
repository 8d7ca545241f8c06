"""Scenario variants: frozen scenarios, changes by key path checked as a whole, and differences."""

from __future__ import annotations

import datetime as dt

import pytest
from helpers import SCENARIOS, tiny
from pydantic import ValidationError

from tfsim.scenario import Change, VariantError, differences, read_scenario, variant
from tfsim.scenario.schema import Exponential, StaffingChange


@pytest.fixture(scope="module")
def sevenoaks():
    result = read_scenario(SCENARIOS / "sevenoaks-2014.toml")
    assert result.ok
    return result.scenario


def error_of(scenario, changes) -> VariantError:
    with pytest.raises(VariantError) as caught:
        variant(scenario, changes)
    message = str(caught.value)
    assert "pydantic" not in message and "validation error" not in message.lower()
    assert caught.value.__cause__ is None and caught.value.__context__ is None  # no pydantic traceback
    return caught.value


def test_scenarios_are_frozen(sevenoaks):
    with pytest.raises(ValidationError):
        sevenoaks.name = "changed"
    with pytest.raises(ValidationError):
        sevenoaks.roles[0].caseload_cap_per_fte = 9
    with pytest.raises(ValidationError):
        sevenoaks.workforce.turnover_per_year = 0.5


def test_every_bundled_scenario_survives_an_empty_variant():
    for path in sorted(SCENARIOS.glob("*.toml")):
        scenario = read_scenario(path).scenario
        assert variant(scenario, {}) == scenario, path.name


def test_changes_are_applied_and_the_original_is_untouched(sevenoaks):
    plan = [
        dict(date="2014-09-01", role="fip", action="start", fte=1.0, label="one more FIP"),
        StaffingChange(date=dt.date(2014, 10, 1), role="fsw", action="leave"),
    ]
    changed = variant(sevenoaks, {
        "roles.fip.caseload_cap_per_fte": 6,
        "workforce.turnover_per_year": 0.2,
        "staffing_plan": plan,
        "roles.fsw.duration_months": Exponential(mean=9),
        "engagement.refusal_probability": 0.2,
        "referrals.rates.0.per_month": 7,
    })
    assert changed.role("fip").caseload_cap_per_fte == 6
    assert changed.workforce.turnover_per_year == 0.2
    assert [(c.role, c.action, c.date) for c in changed.staffing_plan] == [
        ("fip", "start", dt.date(2014, 9, 1)), ("fsw", "leave", dt.date(2014, 10, 1))]
    assert changed.role("fsw").duration_months == Exponential(mean=9)
    assert changed.engagement.refusal_probability == 0.2
    assert changed.referrals.rates[0].per_month == 7
    # everything else as it was, and the original unchanged
    assert changed.role("fip_light") == sevenoaks.role("fip_light")
    assert sevenoaks.role("fip").caseload_cap_per_fte == 5
    assert sevenoaks.workforce.turnover_per_year != 0.2
    assert sevenoaks == read_scenario(SCENARIOS / "sevenoaks-2014.toml").scenario


def test_a_role_by_id_is_the_role_by_index(sevenoaks):
    index = [r.id for r in sevenoaks.roles].index("fsw")
    by_id = variant(sevenoaks, {"roles.fsw.caseload_cap_per_fte": 9})
    by_index = variant(sevenoaks, {f"roles.{index}.caseload_cap_per_fte": 9})
    by_tuple = variant(sevenoaks, {("roles", index, "caseload_cap_per_fte"): 9})
    assert by_id == by_index == by_tuple
    assert by_id.role("fsw").caseload_cap_per_fte == 9


def test_a_table_left_out_is_created():
    scenario = tiny()
    assert scenario.money is None and scenario.roles[0].workforce is None
    changed = variant(scenario, {"money.framework": "phase2", "roles.kw.workforce.turnover_per_year": 0.3})
    assert changed.money.framework == "phase2"
    assert changed.workforce_of(changed.role("kw")).turnover_per_year == 0.3
    assert variant(changed, {"money": None}).money is None


def test_unknown_keys_and_ids_are_errors_with_a_suggestion(sevenoaks):
    err = error_of(sevenoaks, {"roles.fipp.caseload_cap_per_fte": 6})
    assert "roles.fipp: there is no item with id 'fipp' (did you mean 'fip'?)" in str(err)
    err = error_of(sevenoaks, {"roles.fip.caseload_cap_per_ft": 6})
    assert "roles.fip.caseload_cap_per_ft: unknown key 'caseload_cap_per_ft'; did you mean 'caseload_cap_per_fte'?" \
        in str(err)
    err = error_of(sevenoaks, {"engagment.refusal_probability": 0.2})
    assert "engagment: unknown key 'engagment'; did you mean 'engagement'?" in str(err)
    err = error_of(sevenoaks, {"roles.9.name": "x", "name.first": "x", "referrals.cohort.first.date": "2014-01-01"})
    assert [p.key for p in err.problems] == ["roles.9", "name.first", "referrals.cohort.first"]
    assert "no item 9: the list has 4 items, numbered 0 to 3" in str(err)
    assert "'name' holds a single value" in str(err)
    assert "'first' is not an item number" in str(err)
    assert isinstance(err, ValueError)


def test_bad_values_are_errors_at_their_path(sevenoaks):
    err = error_of(sevenoaks, {"roles.fip.caseload_cap_per_fte": -1, "name": ""})
    keys = {p.key: p.message for p in err.problems}
    assert keys["roles.fip.caseload_cap_per_fte"].startswith("input should be greater than 0")
    assert "name" in keys
    assert "Sevenoaks 2014" in str(err)
    err = error_of(sevenoaks, {"roles.fip.duration_months": {"distribution": "weibull", "shape": 2}})
    assert "roles.fip.duration_months: unknown distribution 'weibull'" in str(err)


def test_cross_field_checks_run_on_the_whole_variant(sevenoaks):
    err = error_of(sevenoaks, {"end_date": sevenoaks.start_date})
    assert (err.problems[0].key, err.problems[0].message) == ("end_date", "must be after start_date")
    assert "referrals.cohort.0.date: 2012-10-01 is outside the scenario" in str(err)
    err = error_of(sevenoaks, {"staffing_plan": [dict(date="2014-09-01", role="fsww", action="start", fte=1.0)]})
    assert "staffing_plan.0.role: role 'fsww' is not defined (did you mean 'fsw'?)" in str(err)
    err = error_of(sevenoaks, {"roles.fip_light.id": "fip"})
    assert any(p.key == "roles.1.id" and "defined twice" in p.message for p in err.problems)


def test_differences_list_changed_values_and_rebuild_the_variant(sevenoaks):
    assert differences(sevenoaks, sevenoaks) == []
    changes = {
        "roles.fip.caseload_cap_per_fte": 6.0,
        "workforce.turnover_per_year": 0.2,
        "roles.fsw.duration_months": {"distribution": "exponential", "mean": 9.0},
        "families.needs.housing": 0.25,
    }
    changed = variant(sevenoaks, changes)
    found = differences(sevenoaks, changed)
    assert all(isinstance(c, Change) for c in found)
    by_path = {c.path: (c.old, c.new) for c in found}
    assert by_path["roles.fip.caseload_cap_per_fte"] == (5.0, 6.0)
    assert by_path["workforce.turnover_per_year"][1] == 0.2
    assert by_path["roles.fsw.duration_months"][1] == {"distribution": "exponential", "mean": 9.0}
    assert by_path["families.needs"][1]["housing"] == 0.25  # a new key: the whole table differs
    assert len(found) == 4
    assert variant(sevenoaks, {c.path: c.new for c in found}) == changed


def test_differences_between_two_districts_rebuild_the_other():
    a = read_scenario(SCENARIOS / "sevenoaks-2014.toml").scenario
    for path in sorted(SCENARIOS.glob("*.toml")):
        b = read_scenario(path).scenario
        assert variant(a, {c.path: c.new for c in differences(a, b)}) == b, path.name
