"""Fuzzing scenario files with a fixed, seeded budget: every bad file gets a located message, every valid file runs.

The cases and the property are in ``fuzzcases.py`` (``benchmarks/fuzz_files.py`` runs
the same cases by the thousand).  Each category must reach the layers it is meant to
reach, so the fuzzing cannot quietly stop testing the schema or the simulation.
"""

from __future__ import annotations

import collections
import random
import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import fuzzcases as F
from tfsim.scenario import parse_scenario_text

#: Cases per category (exports write every output, so fewer), and the layers each must reach at least once.
BUDGET = 250
BUDGETS = {"exports": 10}
REACHES = {
    "random_bytes": {"loader", "schema"},
    "mutated": {"loader", "schema", "simulated"},
    "schema": {"schema", "cross", "simulated"},
    "hostile": {"loader", "schema", "cross", "simulated"},
    "exports": {"schema", "exported"},
}
#: Failed writes of ``tfsim run`` in process (signals are tested in test_faults.py and the campaign).
FAULT_BUDGET = 12


def _campaign(category: str, folder, cases: int | None = None, seed: int = 15, **limits):
    layers: collections.Counter = collections.Counter()
    failures = []
    for i in range(cases or BUDGETS.get(category, BUDGET)):
        raw = F.make_case(category, random.Random(f"{seed}:{category}:{i}"))
        if category == "hostile" and len(raw) > 120_000:
            continue  # the megabyte cases are timed once each below
        outcome = F.check_case(raw, folder, seconds=30.0 if category == "exports" else 10.0, max_work=2_000,
                               export=category == "exports", **limits)
        layers[outcome.layer] += 1
        if not outcome.good:
            failures.append(f"{category}:{i} {outcome.status}: {outcome.detail}")
    return layers, failures


@pytest.mark.parametrize("category", F.CATEGORIES)
def test_every_case_gets_located_messages_or_runs(category, tmp_path):
    layers, failures = _campaign(category, tmp_path)
    assert not failures, "\n".join(failures[:10])
    assert REACHES[category] <= set(layers), dict(layers)


def test_failed_writes_of_a_run_leave_earlier_outputs_and_no_temporary_files(tmp_path):
    failures = []
    for i in range(FAULT_BUDGET):
        outcome = F.check_fault(random.Random(f"15:faults:{i}"), tmp_path)
        assert outcome.layer == "fault"
        if not outcome.good:
            failures.append(f"faults:{i} {outcome.status}: {outcome.detail}")
    assert not failures, "\n".join(failures)


@settings(max_examples=60, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(rng=st.randoms(use_true_random=False))
def test_schema_generated_files_hold_the_property(rng, tmp_path):
    # hypothesis drives the schema walk, so a failure shrinks to a small scenario
    outcome = F.check_case(F.schema_file(rng), tmp_path, seconds=10.0, max_work=5_000)
    assert outcome.good, (outcome.status, outcome.detail)


@settings(max_examples=150, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=3000))
def test_raw_bytes_never_raise(raw):
    result = parse_scenario_text(raw, "fuzz.toml")
    assert result.problems or result.ok
    last = F.line_count(raw)
    for p in result.problems:
        line = p.format("fuzz.toml")
        assert 1 <= p.line <= last and "\n" not in line and not F.unsafe_characters(line)


HUGE = {
    "deep arrays": "schema_version = 1\nx = " + "[" * 400_000 + "]" * 400_000,
    "deep inline tables": "schema_version = 1\nx = " + "{ a = " * 120_000 + "1" + " }" * 120_000,
    "a long dotted key": "schema_version = 1\n" + ".".join(["a"] * 450_000) + " = 1\n",
    "a long header": "schema_version = 1\n[" + ".".join(["b"] * 450_000) + "]\n",
    "a long key": "schema_version = 1\n" + "k" * 900_000 + " = 1\n",
    "many keys": "schema_version = 1\n" + "".join(f"k{i} = {i}\n" for i in range(65_000)),
    "many tables": "schema_version = 1\n" + "".join(f"[t{i}]\n" for i in range(90_000)),
    "many arrays of tables": "schema_version = 1\n" + "".join(f"[[t{i}]]\n" for i in range(80_000)),
}


@pytest.mark.parametrize("name", list(HUGE))
def test_a_megabyte_of_nesting_or_keys_is_refused_promptly(name):
    raw = HUGE[name].encode()
    assert 500_000 < len(raw) <= 1_000_000
    started = time.perf_counter()
    with F.time_limit(20.0):  # a quadratic step would take hours at this size
        result = parse_scenario_text(raw, "huge.toml")
    assert time.perf_counter() - started < 20
    assert not result.ok and 1 <= len(result.problems) <= 100
    for p in result.problems:
        line = p.format("huge.toml")
        assert len(line) < 1000 and p.line <= F.line_count(raw) and not F.unsafe_characters(line)
