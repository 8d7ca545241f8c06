"""Hostile or mangled scenario files give located one-line problems, never an exception; impossible files are refused."""

from __future__ import annotations

import ast
import os
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from helpers import ROOT, SCENARIOS
from tfsim.scenario import parse_scenario_text, read_scenario
from tfsim.scenario.bundled import bundled_scenarios, default_scenario
from tfsim.scenario.io import LoadResult, Problem
from tfsim.scenario.locate import key_lines, scan
from tfsim.scenario.messages import escape, format_problem

SEVENOAKS = (SCENARIOS / "sevenoaks-2014.toml").read_text(encoding="utf-8")
LINES = SEVENOAKS.splitlines()
TOKENS = ["-1", "1e309", "nan", "inf", '"x"', "[]", "{}", "true", "2012-13-40", "0", "99999999999999999999",
          '"' + "a" * 300 + '"', "[[1]]", "{ distribution = \"gamma\" }", "1970-01-01"]


def _check(result):
    assert result.problems or result.ok
    for p in result.problems:
        assert p.line >= 1 and p.message
        assert p.format(result.filename).startswith(f"{result.filename}:")


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=2000))
def test_random_bytes_never_raise(raw):
    _check(parse_scenario_text(raw, "fuzz.toml"))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(drop=st.lists(st.integers(0, len(LINES) - 1), max_size=5),
       edits=st.lists(st.tuples(st.integers(0, len(LINES) - 1), st.sampled_from(TOKENS)), max_size=5))
def test_mangled_scenario_never_raises(drop, edits):
    lines = list(LINES)
    for i, token in edits:  # replace the value of a key line with a hostile token
        if "=" in lines[i] and not lines[i].lstrip().startswith("#"):
            lines[i] = lines[i].split("=", 1)[0] + "= " + token
    lines = [line for i, line in enumerate(lines) if i not in set(drop)]
    result = parse_scenario_text("\n".join(lines).encode("utf-8"), "mangled.toml")
    _check(result)
    if result.ok:  # whatever validates must also simulate
        from tfsim.model import simulate

        simulate(result.scenario, 1)


# ---- the loader: bounded work, located plain-words messages ---------------------------------

def problems(text: str) -> list:
    result = parse_scenario_text(text.encode("utf-8", errors="surrogatepass"), "x.toml")
    assert not result.ok
    return result.problems


def line_of(text: str, fragment: str) -> int:
    return next(i for i, line in enumerate(text.split("\n"), start=1) if fragment in line)


def with_value(key: str, value: str, text: str = SEVENOAKS) -> str:
    changed, n = re.subn(rf"(?m)^{re.escape(key)} *= .*$", lambda m: f"{key} = {value}", text, count=1)
    assert n == 1, key
    return changed


def test_nesting_and_key_length_are_bounded_before_parsing_at_their_line():
    text = "schema_version = 1\nname = 'x'\n" + "x = " + "[" * 30 + "]" * 30 + "\n"
    (p,) = problems(text)
    assert p.line == 3 and "nested more than 16 deep" in p.message
    (p,) = problems("schema_version = 1\n\n[" + ".".join(["a"] * 5000) + "]\n")
    assert p.line == 3 and "nested more than 16 deep" in p.message and len(p.format("x.toml")) < 400
    (p,) = problems("schema_version = 1\n" + "k" * 5000 + " = 1\n")
    assert p.line == 2 and "5,000 characters long" in p.message


def test_the_locator_is_linear_in_the_depth_of_a_key():
    # the old locator re-walked every prefix of a header: a 100,000-part header took minutes
    layout = scan("[" + ".".join(["a"] * 100_000) + "]\nb = 1\n" + "".join(f"[[t{i}]]\n" for i in range(20_000)))
    assert layout.depth == 100_001 and layout.depth_line == 2 and layout.line_count == 20_002


def test_runs_of_plain_key_lines_are_located_as_every_other_line():
    # runs of `key = value` lines are read a run at a time (a file of 60,000 keys took 0.3 s to locate, now 0.06 s)
    text = ('schema_version = 1\n  a = 1 # note\nb = "x # y"\r\nc=2\n[t]\nd = 3\n\nlongest_key_here = 4\n'
            '[[r]]\nf = 5\n[[r]]\ng = "s"\nh.i = 1\nj = [1,\n 2]\nk = 1979-05-27 07:32:00\nl = 5\n')
    layout = scan(text)
    assert layout.lines == {("schema_version",): 1, ("a",): 2, ("b",): 3, ("c",): 4, ("t",): 5, ("t", "d"): 6,
                            ("t", "longest_key_here"): 8, ("r", 0): 9, ("r",): 9, ("r", 0, "f"): 10, ("r", 1): 11,
                            ("r", 1, "g"): 12, ("r", 1, "h", "i"): 13, ("r", 1, "j"): 14, ("r", 1, "j", 0): 14, ("r", 1, "j", 1): 15,
                            ("r", 1, "k"): 16, ("r", 1, "l"): 17}
    assert (layout.key_chars, layout.key_line, layout.key_path) == (16, 8, ("t", "longest_key_here"))
    assert layout.first_key[8] == ("t", "longest_key_here") and layout.depth == 4 and layout.depth_line == 13
    many = "schema_version = 1\n" + "".join(f"k{i} = {i}\n" for i in range(60_000))
    problems = parse_scenario_text(many, "many.toml").problems
    assert [p.line for p in problems if p.key.startswith("k")][:3] == [2, 3, 4]
    assert problems[-1].message == "59,906 more problems not shown; fix those above first"


@pytest.mark.parametrize("date", ["0001-01-01", "9999-12-31", "1899-12-31", "3001-01-01"])
def test_dates_near_the_calendar_limits_get_a_located_message(date):
    for key in ("start_date", "end_date"):
        text = with_value(key, date)
        (p,) = [p for p in problems(text) if p.key == key]
        assert p.line == line_of(text, f"{key} = {date}") and "from 1900-01-01 to 3000-12-31" in p.message


@pytest.mark.parametrize("brk", ["\u2028", "\u2029", "\x85", "\x0c", "\x0b", "\x1c", "\x1d", "\x1e"])
def test_unicode_line_breaks_do_not_shift_later_line_numbers(brk):
    text = SEVENOAKS.replace("# Sevenoaks District", f"# Sevenoaks{brk}District", 1)
    if brk in "\x0c\x0b\x1c\x1d\x1e":  # control characters: TOML refuses them in a comment, at their own line
        (p,) = problems(text)
        assert p.line == 1 and escape(brk) in p.format("x.toml")
        text = SEVENOAKS.replace('# about a year', '# about a year "\\u' + f"{ord(brk):04x}" + '"')
    else:
        text = text.replace("# about a year", f"# about{brk} a year")
    text = with_value("refusal_probability", "2", text)
    (p,) = [p for p in problems(text) if p.key == "engagement.refusal_probability"]
    assert p.line == line_of(text, "refusal_probability = 2")
    assert key_lines(text)[("roles", 3, "id")] == line_of(text, 'id = "lead_worker"')


def test_crlf_files_are_located_as_lf_files():
    text = with_value("refusal_probability", "2")
    (p,) = problems(text.replace("\n", "\r\n"))
    assert p.line == line_of(text, "refusal_probability = 2")


def test_duplicate_keys_and_tables_name_the_key_and_both_lines():
    first = line_of(SEVENOAKS, "refusal_probability =")
    text = SEVENOAKS.replace("refusal_probability = 0.13", "refusal_probability = 0.13\nrefusal_probability = 0.2")
    (p,) = problems(text)
    assert (p.line, p.key) == (first + 1, "engagement.refusal_probability")
    assert f"is given twice (first at line {first})" in p.message
    text = SEVENOAKS + "\n[engagement]\n"
    (p,) = problems(text)
    assert p.key == "engagement" and "table engagement is given twice" in p.message
    assert f"first at line {line_of(SEVENOAKS, '[engagement]')}" in p.message


@pytest.mark.parametrize("written, iso", [("01/10/2012", "2012-10-01"), ("1/4/2012", "2012-04-01"),
                                          ("31.03.2015", "2015-03-31")])
def test_day_month_year_dates_say_how_to_write_them(written, iso):
    text = with_value("start_date", written)
    (p,) = problems(text)
    assert (p.key, p.line) == ("start_date", line_of(text, "start_date ="))
    assert f"{written} is not a TOML date" in p.message and f"year-month-day: {iso}" in p.message


@pytest.mark.parametrize("value, words", [("true", "must be a whole number, not true or false"),
                                          ("1.0", "must be a whole number, not the decimal 1.0"),
                                          ('"1"', "not text: write `schema_version = 1` without the quotes"),
                                          ("2", "this file is schema version 2, newer than this tfsim")])
def test_schema_version_is_the_number_one(value, words):
    (p,) = problems(with_value("schema_version", value))
    assert p.key == "schema_version" and words in p.message


def test_quoted_numbers_and_dates_are_text_and_say_what_to_write():
    text = with_value("refusal_probability", '"0.13"', with_value("start_date", '"2012-04-01"'))
    found = {p.key: p.message for p in problems(text)}
    assert "write the number without quotes: 0.13" in found["engagement.refusal_probability"]
    assert "write the date without quotes: 2012-04-01" in found["start_date"]
    (p,) = problems(with_value("claim_window_months", "1.0"))
    assert p.key == "money.claim_window_months" and "integer" in p.message


def test_messages_escape_control_and_bidirectional_characters_and_stay_short():
    text = SEVENOAKS.replace("[engagement]", '[engagement]\n"\\u001b[2J\\u202eevil\\u2028x" = 1', 1)
    (p,) = problems(text)
    line = p.format("x.toml")
    assert "\\x1b[2J\\u202eevil\\u2028x" in line and "\x1b" not in line and "\u202e" not in line
    assert "\n" not in line and "\u2028" not in line
    (p,) = problems(with_value("name", '"' + "\\u202e" + "y" * 5000 + '"'))
    line = p.format("x.toml")
    assert "\u202e" not in line and len(line) < 600 and "…" in line
    assert format_problem("a\x1b.toml", 3, "k\u2066", "r\n" + "z" * 2000).count("\n") == 0
    assert len(format_problem("f", 1, "k", "z" * 2000)) < 800


def test_problem_lines_stay_inside_the_file():
    result = LoadResult("x.toml", "a = 1\nb = 2\n", None, None, [Problem(("a",), "m", 40), Problem((), "m", 0)])
    assert [p.line for p in result.problems] == [2, 1]
    (p,) = problems('schema_version = 1\nname = "unclosed\n\n\n')
    assert p.line <= 4


def test_cross_field_problems_are_reported_with_field_problems():
    text = with_value("refusal_probability", "1.7", with_value("start_date", "2013-04-01"))
    text = text.replace('high = ["fip"', 'high = ["fip_lite"', 1) if 'high = ["fip"' in text else text
    found = {p.key: p for p in problems(text)}
    assert "less than or equal to 1" in found["engagement.refusal_probability"].message
    assert "is outside the scenario (2013-04-01 to 2015-03-31)" in found["referrals.cohort.0.date"].message
    assert found["referrals.cohort.0.date"].line == line_of(text, "date = 2012-10-01")
    # a role referenced but not defined, beside an unknown key
    text = SEVENOAKS.replace("refusal_probability = 0.13", "refusal_probabilty = 0.13")
    text = re.sub(r'(?m)^role = "fip"', 'role = "fip_lite"', text, count=1)
    found = {p.key: p.message for p in problems(text)}
    assert "did you mean 'refusal_probability'" in found["engagement.refusal_probabilty"]
    assert "role 'fip_lite' is not defined (did you mean 'fip_light'?)" in found["staffing_plan.0.role"]


def test_a_check_needing_an_invalid_value_waits_for_it():
    text = with_value("end_date", "2015-02-30")  # not a date at all: no range check can use it
    (p,) = problems(text)
    assert p.key == "end_date"
    text = with_value("start_date", '"2013-04-01"')  # text, not a date: the cohort is not checked against it
    assert [p.key for p in problems(text)] == ["start_date"]


def test_a_fifo_is_refused_without_blocking(tmp_path):
    fifo = tmp_path / "pipe.toml"
    os.mkfifo(fifo)
    (p,) = read_scenario(fifo).problems
    assert "not a regular file" in p.message


def test_the_loader_never_runs_code():
    # scenario files are plain data: nothing in tfsim.scenario evaluates, imports or unpickles what it reads
    banned = {"eval", "exec", "compile", "__import__", "import_module", "getattr_from_text"}
    for path in (ROOT / "tfsim" / "scenario").glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        names = {n.func.id for n in ast.walk(tree) if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)}
        assert not names & banned, (path.name, names & banned)
        modules = {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
        modules |= {f"{n.module}.{a.name}" if n.module == "importlib" else n.module
                    for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module for a in n.names}
        # importlib only to find the bundled files and tfsim's version, which load no code
        loaders = {m for m in modules if m.split(".")[0] == "importlib"} - {"importlib.resources", "importlib.metadata"}
        assert not loaders and not modules & {"pickle", "marshal", "yaml", "shelve"}, path.name


# ---- limits that make a file impossible to run ----------------------------------------------------


def role_dist(value: str) -> str:
    return SEVENOAKS.replace('duration_months = { distribution = "triangular", low = 6, mode = 12, high = 18 }',
                             f"duration_months = {value}", 1)


@pytest.mark.parametrize("value, words", [
    ('{ distribution = "gamma", mean = 1e-300, sd = 1e6 }', "sd may be at most 20 times the mean"),
    ('{ distribution = "lognormal", mean = 1, sd = 1e6 }', "sd may be at most 20 times the mean"),
    ('{ distribution = "empirical", values = [1, 2], weights = [inf, 1] }', "finite number"),
    ('{ distribution = "empirical", values = [1, 2], weights = [1e300, 1e300] }', "less than or equal to 1000000"),
    ('{ distribution = "exponential", mean = nan }', "finite number"),
])
def test_degenerate_distributions_are_refused(value, words):
    found = [p for p in problems(role_dist(value)) if p.key.startswith("roles.0.duration_months")]
    assert found and any(words in p.message for p in found), found


def test_no_inf_or_nan_anywhere():
    for key in ("refusal_probability", "caseload_cap_per_fte", "claim_window_months", "turnover_per_year"):
        for value in ("inf", "nan", "-inf"):
            assert any("finite number" in p.message for p in problems(with_value(key, value))), (key, value)


def engagement(text: str) -> str:
    return re.sub(r"(?s)\[engagement\]\n.*?\n\n", text, SEVENOAKS, count=1)


def test_a_refusal_loop_at_one_instant_is_refused():
    text = engagement("[engagement]\nrefusal_probability = 1\nreapproach_probability = 1\nreapproach_delay_months = 0\n\n")
    (p,) = problems(text)
    assert p.key == "engagement.reapproach_delay_months" and "approached again forever" in p.message
    text = engagement("[engagement]\nrefusal_probability = 1\nreapproach_probability = 1\n"
                      "reapproach_delay_months = 0.00001\n\n")
    (p,) = problems(text)
    assert p.key == "engagement.reapproach_probability" and "contacts expected" in p.message
    ok = engagement("[engagement]\nrefusal_probability = 1\nreapproach_probability = 1\nreapproach_delay_months = 3\n\n")
    assert parse_scenario_text(ok.encode()).ok  # a loop that waits three months between passes ends with the horizon


def test_a_relapse_loop_at_one_instant_is_refused():
    text = (with_value("relapse_probability", "1", with_value("rereferral_probability", "1"))
            .replace('rereferral_delay_months = { distribution = "uniform", low = 1, high = 6 }', "rereferral_delay_months = 0")
            .replace("follow_up_months = 4", "follow_up_months = 0"))
    for low, mode, high in (("6", "12", "18"), ("4", "9", "15"), ("3", "6", "12"), ("3", "6", "12")):
        text = text.replace(f'{{ distribution = "triangular", low = {low}, mode = {mode}, high = {high} }}', "0", 1)
    (p,) = problems(text)
    assert p.key == "money.rereferral_probability" and "referred again forever at one instant" in p.message


def test_an_establishment_factor_applied_again_and_again_is_refused_where_it_passes_the_limit():
    rows = len(read_scenario(default_scenario()).scenario.staffing_plan)
    change = '\n[[staffing_plan]]\ndate = 2013-01-01\nrole = "fip"\naction = "establishment"\nestablishment_factor = 20\n'
    text = SEVENOAKS + change * 6
    (p,) = problems(text)
    assert p.key.startswith("staffing_plan.") and rows <= int(p.key.split(".")[1]) < rows + 6
    assert "the establishment of role 'fip' would reach" in p.message and "at most 10,000 FTE" in p.message
    assert p.line == [i for i, line in enumerate(text.split("\n"), 1) if line == "[[staffing_plan]]"][int(p.key[14:])]
    assert parse_scenario_text((SEVENOAKS + change * 2).encode()).ok


@pytest.mark.parametrize("key", ["name", "description"])
def test_names_and_descriptions_are_plain_text(key):
    for bad in ("\\u001b[31m", "\\u202e", "\\u0007", "\\u2028"):
        (p,) = problems(re.sub(rf'(?m)^{key} = "', lambda m: f'{key} = "{bad}', SEVENOAKS, count=1))
        assert p.key == key and "control or bidirectional" in p.message
    assert parse_scenario_text(re.sub(r'(?m)^description = "', lambda m: 'description = "two\\nlines\\t', SEVENOAKS).encode()).ok


def test_every_bundled_scenario_still_validates():
    for path in bundled_scenarios() + sorted((ROOT / "docs" / "examples").glob("*.toml")):
        assert read_scenario(path).ok, path.name
