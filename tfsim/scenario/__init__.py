"""Scenario files: the schema (single source of truth), loading with located problems, saving, variants."""

from .distributions import DISTRIBUTION_KINDS, DistributionModel
from .io import (
    LoadResult,
    Problem,
    ScenarioError,
    atomic_write_text,
    data_to_toml,
    load_scenario,
    parse_scenario_text,
    read_scenario,
    save_scenario,
    scenario_to_toml,
)
from .schema import DAYS_PER_MONTH, SCHEMA_VERSION, Scenario
from .variants import Change, VariantError, differences, variant

__all__ = [
    "DAYS_PER_MONTH",
    "DISTRIBUTION_KINDS",
    "SCHEMA_VERSION",
    "Change",
    "DistributionModel",
    "LoadResult",
    "Problem",
    "Scenario",
    "ScenarioError",
    "VariantError",
    "atomic_write_text",
    "data_to_toml",
    "differences",
    "load_scenario",
    "parse_scenario_text",
    "read_scenario",
    "save_scenario",
    "scenario_to_toml",
    "variant",
]
