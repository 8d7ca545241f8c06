"""The scenarios that ship with tfsim (``scenarios/`` beside the package)."""

from __future__ import annotations

from pathlib import Path

DEFAULT_NAME = "sevenoaks-2014.toml"


def bundled_scenarios_dir() -> Path:
    """The folder of the bundled scenario files."""
    return Path(__file__).resolve().parents[2] / "scenarios"


def bundled_scenarios() -> list[Path]:
    """Every bundled scenario file, sorted by name (empty when the folder is missing)."""
    folder = bundled_scenarios_dir()
    return sorted(folder.glob("*.toml")) if folder.is_dir() else []


def default_scenario() -> Path:
    """The scenario the app opens when given none: Sevenoaks 2014."""
    return bundled_scenarios_dir() / DEFAULT_NAME
