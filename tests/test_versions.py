"""Versioned scenario files: refusals that name the type, the migration chain, frozen files, tfsim migrate."""

from __future__ import annotations

import hashlib
import os
import tomllib
from pathlib import Path

import pytest

from tfsim import cli
from tfsim.scenario import parse_scenario_text, read_scenario, versions
from tfsim.scenario.bundled import bundled_names, default_scenario
from tfsim.scenario.inputs import comment_of
from tfsim.scenario.versions import Migration, NotMigratable, Rename, migrate_file, migrate_text

FIXTURES = Path(__file__).parent / "fixtures"
SEVENOAKS = default_scenario().read_text(encoding="utf-8")


def _with_version(text: str, value: str) -> str:
    return text.replace("schema_version = 1", f"schema_version = {value}", 1)


def _comments(text: str) -> list[str]:
    return [c for c in (comment_of(line) if not line.lstrip().startswith("#") else line.strip()
                        for line in text.splitlines()) if c]


# ---- what a version says --------------------------------------------------------------------


@pytest.mark.parametrize(("written", "says"), [
    ('"1"', "must be a whole number, not text: write `schema_version = 1` without the quotes"),
    ("true", "must be a whole number, not true or false"),
    ("1.0", "must be a whole number, not the decimal 1.0: write `schema_version = 1`"),
    ("[1]", "must be a whole number, not a list"),
    ('"one"', "must be a whole number, not the text 'one'"),
    ("0", "there is no schema version 0: versions start at 1"),
    ("7", "this file is schema version 7, newer than this tfsim"),
])
def test_a_version_that_cannot_be_read_says_why_naming_the_type(written, says):
    result = parse_scenario_text(_with_version(SEVENOAKS, written), "district.toml")
    (problem,) = result.problems
    assert problem.key == "schema_version" and problem.line == SEVENOAKS.splitlines().index("schema_version = 1") + 1
    assert says in problem.message
    assert "this tfsim reads version 1" not in problem.message or written in ("0", "7")


def test_a_newer_file_says_to_upgrade_tfsim():
    (problem,) = parse_scenario_text(_with_version(SEVENOAKS, "2"), "district.toml").problems
    assert "newer than this tfsim" in problem.message and "reads (version 1)" in problem.message
    assert "pip install --upgrade tfsim" in problem.message


# ---- frozen files ---------------------------------------------------------------------------


def test_every_bundled_scenario_is_frozen_at_the_current_version():
    frozen = sorted(p.stem for p in (FIXTURES / f"v{versions.CURRENT}").glob("*.toml"))
    assert set(bundled_names()) <= set(frozen)


@pytest.mark.parametrize("folder", sorted(p.name for p in FIXTURES.glob("v*")))
def test_frozen_files_are_unchanged_and_keep_loading(folder):
    here = FIXTURES / folder
    sums = dict(reversed(line.split(maxsplit=1)) for line in (here / "SHA256SUMS").read_text().splitlines())
    files = sorted(here.glob("*.toml"))
    assert sorted(p.name for p in files) == sorted(sums)
    for path in files:
        assert hashlib.sha256(path.read_bytes()).hexdigest() == sums[path.name], f"{path} was edited"
        result = read_scenario(path)
        assert result.ok, [p.format(path.name) for p in result.problems]


# ---- the chain ------------------------------------------------------------------------------

#: A schema change made here: version 2 renames a role's cap and the workforce's turnover.
RENAMES = Migration(1, "a role's cap and the turnover renamed", renames=(
    Rename(("roles", "*", "caseload_cap_per_fte"), "caseload_per_fte"),
    Rename(("workforce", "turnover_per_year"), "leaving_rate_per_year"),
))


def test_a_renamed_key_migrates_the_frozen_files_keeping_every_comment(monkeypatch):
    monkeypatch.setitem(versions.MIGRATIONS, 1, RENAMES)
    for path in sorted((FIXTURES / "v1").glob("*.toml")):
        text = path.read_text(encoding="utf-8")
        new, notices, old = migrate_text(text, target=2)
        assert old == 1
        assert _comments(new) == _comments(text), path.name  # every comment, in order
        before, after = text.splitlines(), new.splitlines()
        assert len(after) == len(before)
        changed = [(a, b) for a, b in zip(before, after) if a != b]
        roles = tomllib.loads(text)["roles"]
        turnover = "turnover_per_year" in tomllib.loads(text).get("workforce", {})
        caps = sum("caseload_cap_per_fte" in r for r in roles)
        assert len(changed) == 1 + caps + turnover, path.name  # the version line and each renamed key's line only
        for a, b in changed[1:]:
            assert comment_of(a) == comment_of(b)  # a comment beside a renamed key stays beside it
            assert a.split("=", 1)[1] == b.split("=", 1)[1]
        data = tomllib.loads(new)
        assert data["schema_version"] == 2
        assert all("caseload_cap_per_fte" not in r for r in data["roles"])
        assert sum("caseload_per_fte" in r for r in data["roles"]) == caps
        assert len(notices) == caps + turnover
        assert all("renamed in schema version 2" in n.message for n in notices)


def test_an_old_file_loads_with_a_notice_that_names_the_new_key(monkeypatch):
    # an older version 0 that called the cap 'caseload_per_fte' and this tfsim's 1 calls it caseload_cap_per_fte
    monkeypatch.setattr(versions, "FIRST", 0)
    monkeypatch.setitem(versions.MIGRATIONS, 0, Migration(0, "the cap renamed", renames=(
        Rename(("roles", "*", "caseload_per_fte"), "caseload_cap_per_fte"),)))
    old = _with_version(SEVENOAKS, "0").replace("caseload_cap_per_fte", "caseload_per_fte")
    result = parse_scenario_text(old, "old.toml")
    assert result.ok and len(result.notices) == 4
    first = result.notices[0]
    assert first.key == "roles.0.caseload_per_fte"
    assert old.splitlines()[first.line - 1].startswith("caseload_per_fte = 5")
    assert "'caseload_per_fte' is now 'caseload_cap_per_fte' (renamed in schema version 1)" in first.message
    assert "`tfsim migrate` updates it" in first.message
    assert result.data["roles"][0]["caseload_per_fte"] == 5  # the file's data as written
    # a current file that still uses the old name is told the new one
    current = SEVENOAKS.replace("caseload_cap_per_fte = 5 ", "caseload_per_fte = 5 ", 1)
    (problem, *_rest) = parse_scenario_text(current, "new.toml").problems
    assert "schema version 1 renamed it 'caseload_cap_per_fte'; write 'caseload_cap_per_fte'" in problem.message


def test_a_missing_step_is_refused_with_a_reason(monkeypatch):
    monkeypatch.setattr(versions, "FIRST", 0)
    with pytest.raises(NotMigratable, match="no way to update a schema version 0 file"):
        versions.migrate({"schema_version": 0})
    (problem,) = parse_scenario_text(_with_version(SEVENOAKS, "0"), "old.toml").problems
    assert problem.key == "schema_version" and "no way to update" in problem.message


# ---- tfsim migrate -------------------------------------------------------------------------


@pytest.fixture
def old_file(tmp_path, monkeypatch):
    monkeypatch.setattr(versions, "FIRST", 0)
    monkeypatch.setitem(versions.MIGRATIONS, 0, Migration(0, "the cap renamed 'caseload_cap_per_fte'", renames=(
        Rename(("roles", "*", "caseload_per_fte"), "caseload_cap_per_fte"),)))
    path = tmp_path / "district.toml"
    path.write_text(_with_version(SEVENOAKS, "0").replace("caseload_cap_per_fte", "caseload_per_fte"), encoding="utf-8")
    return path


def test_migrate_rewrites_the_file_keeping_comments_and_a_backup(old_file, capsys):
    before = old_file.read_bytes()
    assert cli.main(["migrate", str(old_file)]) == 0
    out = capsys.readouterr().out
    assert f"{old_file}: schema version 0 \u2192 1 (the old file is kept as {old_file}.v0.bak)" in out
    assert "roles.0.caseload_per_fte: 'caseload_per_fte' is now 'caseload_cap_per_fte'" in out
    assert (old_file.parent / "district.toml.v0.bak").read_bytes() == before
    assert old_file.read_text(encoding="utf-8") == SEVENOAKS  # exactly the current file, comments and all
    assert cli.main(["migrate", str(old_file)]) == 0
    assert "already schema version 1; nothing to do" in capsys.readouterr().out
    assert sorted(p.name for p in old_file.parent.iterdir()) == ["district.toml", "district.toml.v0.bak"]


def test_migrate_is_atomic(old_file, monkeypatch):
    before = old_file.read_bytes()

    def crash(src, dst):
        raise OSError(28, "No space left on device", str(dst))

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(OSError):
        migrate_file(old_file, backup=False)
    assert old_file.read_bytes() == before
    assert [p.name for p in old_file.parent.iterdir()] == ["district.toml"]  # no temporary file left
    assert cli.main(["migrate", "--no-backup", str(old_file)]) == 2
    assert old_file.read_bytes() == before


def test_migrate_refuses_what_it_cannot_update(tmp_path, capsys):
    newer = tmp_path / "newer.toml"
    newer.write_text(_with_version(SEVENOAKS, "9"), encoding="utf-8")
    assert cli.main(["migrate", str(newer)]) == 2
    line = SEVENOAKS.splitlines().index("schema_version = 1") + 1  # the line of the key, as validate says
    assert f"{newer}:{line}: schema_version: this file is schema version 9, newer than this tfsim" in \
        capsys.readouterr().out
    assert cli.main(["migrate", str(tmp_path / "missing.toml")]) == 2
    assert "cannot read" in capsys.readouterr().err
    assert cli.main(["migrate", str(default_scenario())]) == 2
    assert "bundled scenarios" in capsys.readouterr().err
