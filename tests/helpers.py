"""Shared scenario builders and paths for the tests, imported as ``from helpers import ...``.

A module of its own (not ``conftest``): pytest puts both ``tests/`` and ``tests/ui/`` on the
import path, and a test importing ``conftest`` by name could get the other folder's.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

from tfsim.scenario.bundled import bundled_scenarios_dir
from tfsim.scenario.schema import DAYS_PER_MONTH, Scenario

#: The checkout (the folder holding ``tests/``), wherever the tests are run from.
ROOT = Path(__file__).resolve().parent.parent
#: The bundled scenarios (and the sample history), as the installed package finds them.
SCENARIOS = bundled_scenarios_dir()

ALL_TURNED_AROUND = dict(turned_around=1, improved=0, no_progress=0, disengaged=0)


def tiny_data(**overrides) -> dict:
    """A small deterministic scenario as plain data: one role, fixed one-month interventions."""
    data = dict(
        schema_version=1,
        name="tiny",
        start_date="2020-01-01",
        end_date="2020-12-31",
        referrals=dict(cohort=[dict(date="2020-01-01", families=3)]),
        families=dict(intensity={"all": 1.0}, needs={}),
        engagement=dict(refusal_probability=0.0),
        roles=[dict(id="kw", caseload_cap_per_fte=1, in_post_fte=[1.0], duration_months=1.0,
                    outcomes=ALL_TURNED_AROUND)],
        allocation={"all": ["kw"]},
    )
    for key, value in overrides.items():
        data[key] = value
    return data


def tiny(**overrides) -> Scenario:
    return Scenario.model_validate(tiny_data(**overrides))


def mmc_scenario(servers: int, arrivals_per_month: float, mean_months: float, years: int = 40,
                 warm_up_months: float = 24, workers_cap_one: bool = True) -> Scenario:
    """An M/M/c queue: Poisson referrals, no refusal, exponential interventions, one role."""
    end_year = 2000 + years - 1
    staff = dict(caseload_cap_per_fte=1, in_post_fte=[1.0] * servers) if workers_cap_one else \
        dict(caseload_cap_per_fte=servers, in_post_fte=[1.0])
    return Scenario.model_validate(dict(
        name=f"M/M/{servers}", start_date="2000-01-01", end_date=f"{end_year}-12-31",
        warm_up_months=warm_up_months,
        referrals=dict(rates=[dict(start="2000-01-01", per_month=arrivals_per_month)]),
        families=dict(intensity={"all": 1.0}, needs={}),
        engagement=dict(refusal_probability=0.0),
        roles=[dict(id="kw", duration_months=dict(distribution="exponential", mean=mean_months),
                    outcomes=ALL_TURNED_AROUND, **staff)],
        allocation={"all": ["kw"]},
    ))


MONTH = DAYS_PER_MONTH


# ---- processes (Linux /proc): what a run leaves behind -----------------------------------------


def descendants(pid: int) -> set[int]:
    """Every process descended from ``pid`` now (from /proc)."""
    parents = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parents[int(entry.name)] = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                continue
    found, frontier = set(), {pid}
    while frontier:
        frontier = {p for p, parent in parents.items() if parent in frontier} - found
        found |= frontier
    return found


def running(pid: int) -> bool:
    """Whether process ``pid`` exists and is not a zombie."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def subprocess_env(**extra: str) -> dict:
    """The environment for running tfsim as a subprocess: this checkout's package, matplotlib's Agg backend."""
    env = dict(os.environ, PYTHONPATH=str(ROOT), MPLBACKEND="Agg", **extra)
    env.pop("TFSIM_DEBUG", None)
    return env


def wait_for(condition, timeout: float, what: str):
    """Poll ``condition()`` until it returns something true (returned), for at most ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.02)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")
