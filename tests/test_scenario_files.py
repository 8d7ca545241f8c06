"""Scenario files: strict validation with located, plain messages; safe loading; atomic saves."""

from __future__ import annotations

import errno
import os
import re
from pathlib import Path

import numpy as np
import pytest
import tomli_w
from helpers import ROOT, SCENARIOS

from tfsim.experiment import replication_seed
from tfsim.model import simulate
from tfsim.scenario import (
    data_to_toml,
    load_scenario,
    parse_scenario_text,
    read_scenario,
    save_scenario,
    scenario_to_toml,
    variant,
)
from tfsim.scenario import io as scenario_io
from tfsim.scenario.io import MAX_FILE_BYTES, atomic_write_text, scenario_to_data
from tfsim.scenario.locate import key_lines
from tfsim.scenario.reference import scenario_reference

SEVENOAKS = (SCENARIOS / "sevenoaks-2014.toml").read_text(encoding="utf-8")


def problems_of(text: str):
    result = parse_scenario_text(text.encode("utf-8"), "x.toml")
    assert not result.ok
    return result.problems


def line_containing(text: str, fragment: str) -> int:
    for number, line in enumerate(text.splitlines(), start=1):
        if fragment in line:
            return number
    raise AssertionError(fragment)


@pytest.mark.parametrize("path", sorted(SCENARIOS.glob("*.toml")), ids=lambda p: p.name)
def test_bundled_scenarios_validate(path: Path):
    result = read_scenario(path)
    assert result.ok, [p.format(path.name) for p in result.problems]


def test_kent_phase2_plans_differ_as_expected_run_for_run():
    """Phase 1 staffing is under pressure; the expansion plan, paired seed for seed, relieves it."""
    phase1 = load_scenario(SCENARIOS / "kent-phase2-threefold.toml")
    expansion = load_scenario(SCENARIOS / "kent-phase2-expansion.toml")
    assert phase1.money.target is not None and expansion.money.target == phase1.money.target
    pairs = [(simulate(phase1, replication_seed(1, i)), simulate(expansion, replication_seed(1, i))) for i in range(3)]

    def mean(metric: str, plan: int) -> float:
        return float(np.mean([pair[plan].summary[metric] for pair in pairs]))

    # the staffing test: census vacancy rate (17% to 20%, within 3 points), busy slots, families waiting
    assert 0.14 <= mean("vacancy_share", 0) <= 0.23
    assert max(float(np.max(a.monthly["caseload_utilisation"])) for a, _ in pairs) > 0.8
    assert all(a.summary["peak_waiting_list"] >= 1 for a, _ in pairs)
    # the expansion: more staff, fewer and shorter waits, idler slots, more vacant posts to recruit
    assert mean("peak_waiting_list", 1) < mean("peak_waiting_list", 0)
    assert mean("mean_wait_days", 1) < mean("mean_wait_days", 0)
    assert mean("caseload_utilisation", 1) < mean("caseload_utilisation", 0) - 0.1
    assert mean("fte_in_post_end", 1) > mean("fte_in_post_end", 0) + 50
    assert mean("vacancy_share", 1) > mean("vacancy_share", 0)


def test_unknown_key_is_an_error_with_suggestion_at_its_line():
    text = SEVENOAKS.replace("refusal_probability = 0.13", "refusal_probabilty = 0.13")
    (p,) = problems_of(text)
    assert p.key == "engagement.refusal_probabilty"
    assert "did you mean 'refusal_probability'" in p.message
    assert p.line == line_containing(text, "refusal_probabilty")


def test_out_of_bounds_value_names_field_and_value():
    text = SEVENOAKS.replace("caseload_cap_per_fte = 8 ", "caseload_cap_per_fte = -8 ")
    (p,) = problems_of(text)
    assert p.key == "roles.1.caseload_cap_per_fte"
    assert "greater than 0" in p.message and "-8" in p.message
    assert p.line == line_containing(text, "caseload_cap_per_fte = -8")


def test_undefined_role_in_allocation_suggests_the_right_one():
    text = SEVENOAKS.replace('medium = ["fip_light", "fsw", "lead_worker"]', 'medium = ["fip_lite", "fsw"]')
    (p,) = problems_of(text)
    assert p.key == "allocation.medium.0"
    assert "'fip_lite' is not defined" in p.message and "fip_light" in p.message
    assert p.line == line_containing(text, "fip_lite")


def test_release_before_start_is_reported_at_its_date():
    text = SEVENOAKS.replace("date = 2012-10-01", "date = 2011-10-01")
    (p,) = problems_of(text)
    assert p.key == "referrals.cohort.0.date"
    assert p.line == line_containing(text, "date = 2011-10-01")


def test_shares_must_sum_to_one():
    text = SEVENOAKS.replace("high = 0.3\n", "high = 0.5\n", 1)
    (p,) = problems_of(text)
    assert p.key == "families.intensity" and "sum to 1" in p.message


def test_outcome_chances_must_sum_to_one():
    text = SEVENOAKS.replace("turned_around = 0.85", "turned_around = 0.95", 1)
    (p,) = problems_of(text)
    assert p.key == "roles.0.outcomes" and "sum to 1" in p.message


def test_distribution_errors_name_the_missing_key_and_unknown_kinds():
    text = SEVENOAKS.replace('{ distribution = "triangular", low = 4, mode = 9, high = 15 }',
                             '{ distribution = "lognormal", mean = 9 }')
    (p,) = problems_of(text)
    assert p.key == "roles.1.duration_months.sd" and "missing" in p.message
    text = SEVENOAKS.replace('{ distribution = "triangular", low = 4, mode = 9, high = 15 }',
                             '{ distribution = "weibull", mean = 9 }')
    (p,) = problems_of(text)
    assert "unknown distribution 'weibull'" in p.message


def test_end_before_start():
    text = SEVENOAKS.replace("end_date = 2015-03-31", "end_date = 2011-03-31")
    problems = problems_of(text)
    assert any(p.key == "end_date" for p in problems)


@pytest.mark.parametrize(
    "raw, fragment",
    [
        (b"", "empty"),
        (b"   \n# only a comment\n", "empty"),
        (b"\xff\xfe\x00bad", "not UTF-8"),
        (b"schema_version = 1\nname = [\n", "not valid TOML"),
        (b"name = 'x'\n", "schema_version is missing"),
        (b"schema_version = 7\n", "version 7"),
        (b"schema_version = 1\n", "is required but missing"),
        (b"a\x00b", "NUL"),
    ],
)
def test_bad_files_give_one_clear_problem(raw, fragment):
    result = parse_scenario_text(raw, "bad.toml")
    assert not result.ok
    assert any(fragment in p.message for p in result.problems), result.problems


def test_huge_file_is_refused_without_reading_it_all(tmp_path):
    big = tmp_path / "big.toml"
    big.write_bytes(b"#" * (MAX_FILE_BYTES + 10))
    (p,) = read_scenario(big).problems
    assert "at most" in p.message


def test_deeply_nested_toml_is_rejected_cleanly():
    result = parse_scenario_text(b"x = " + b"[" * 100_000 + b"]" * 100_000, "deep.toml")
    assert not result.ok


def test_missing_file_and_folder(tmp_path):
    assert "no such file" in read_scenario(tmp_path / "nope.toml").problems[0].message
    assert "folder" in read_scenario(tmp_path).problems[0].message


def test_key_lines_follow_arrays_of_tables():
    table = key_lines(SEVENOAKS)
    assert table[("roles", 2, "id")] == line_containing(SEVENOAKS, 'id = "fsw"')
    assert table[("roles", 0, "outcomes")] == line_containing(SEVENOAKS, "[roles.outcomes]")
    assert table[("engagement", "refusal_probability")] == line_containing(SEVENOAKS, "refusal_probability")


def test_save_and_reload_round_trip(tmp_path):
    scenario = read_scenario(SCENARIOS / "sevenoaks-2014.toml").scenario
    path = tmp_path / "copy.toml"
    save_scenario(scenario, path)
    again = read_scenario(path)
    assert again.ok
    assert again.scenario == scenario
    assert scenario_to_toml(again.scenario) == path.read_text(encoding="utf-8")


def test_saving_a_variant_keeps_the_comments_of_its_file(tmp_path):
    scenario = read_scenario(SCENARIOS / "sevenoaks-2014.toml").scenario
    changed = variant(scenario, {"engagement.refusal_probability": 0.2, "roles.fip.caseload_cap_per_fte": 6})
    path = tmp_path / "what-if.toml"
    save_scenario(changed, path, original=SEVENOAKS)
    text = path.read_text(encoding="utf-8")
    assert "ASSUMPTION: about 1 in 8 disengage" in text and text.startswith("# Sevenoaks District")
    again = read_scenario(path)
    assert again.ok and again.scenario == changed


def test_without_tomlkit_saves_are_plain_and_correct(monkeypatch):
    scenario = read_scenario(SCENARIOS / "sevenoaks-2014.toml").scenario
    monkeypatch.setattr(scenario_io, "tomlkit", None)
    text = scenario_to_toml(scenario, original=SEVENOAKS)
    assert text == tomli_w.dumps(scenario_to_data(scenario))
    assert parse_scenario_text(text).scenario == scenario


def test_rendering_drops_none_and_puts_the_version_first():
    text = data_to_toml({"name": "x", "money": None, "schema_version": 1, "roles": [{"id": "a", "workforce": None}]})
    assert text.splitlines()[0] == "schema_version = 1"
    assert "money" not in text and "workforce" not in text


def test_atomic_save_keeps_the_old_file_when_the_disk_is_full(tmp_path, monkeypatch):
    path = tmp_path / "s.toml"
    path.write_text("precious", encoding="utf-8")

    def full_disk(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "replace", full_disk)
    with pytest.raises(OSError):
        atomic_write_text(path, "new contents")
    assert path.read_text(encoding="utf-8") == "precious"
    assert [p.name for p in tmp_path.iterdir()] == ["s.toml"]  # no temporary left behind


def test_reference_doc_is_generated_from_the_schema_and_current():
    committed = (ROOT / "docs" / "scenario-format.md").read_text(encoding="utf-8")
    assert committed == scenario_reference(), "docs/scenario-format.md is stale: run `tfsim docs`"


def test_reference_doc_lists_every_key_with_unit_and_default():
    doc = scenario_reference()
    for key in ("refusal_probability", "caseload_cap_per_fte", "duration_months", "per_month", "max_wait_days"):
        row = next(line for line in doc.splitlines() if line.startswith(f"| `{key}`"))
        cells = [c.strip() for c in row.split("|")]
        assert cells[4], f"{key} has no default"
    assert re.search(r"\| `max_wait_days` \|.*\| days \|", doc)


def test_atomic_save_keeps_permissions(tmp_path):
    path = tmp_path / "shared.toml"
    path.write_text("old", encoding="utf-8")
    os.chmod(path, 0o644)
    atomic_write_text(path, "new")
    assert path.read_text(encoding="utf-8") == "new"
    assert os.stat(path).st_mode & 0o777 == 0o644
    old_umask = os.umask(0o022)
    try:
        fresh = tmp_path / "fresh.toml"
        atomic_write_text(fresh, "x")
        assert os.stat(fresh).st_mode & 0o777 == 0o644  # not mkstemp's private 0600
    finally:
        os.umask(old_umask)
