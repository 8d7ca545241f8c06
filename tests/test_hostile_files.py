"""Hostile or mangled scenario files give problems, never an exception (hypothesis fuzzing)."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import SCENARIOS
from tfsim.scenario import parse_scenario_text

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
