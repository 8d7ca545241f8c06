"""Paths shared by the app's tests, imported as ``from app_helpers import SEVENOAKS``.

A module of its own (not ``conftest``), so a test never gets the other folder's ``conftest``.
"""

from __future__ import annotations

from pathlib import Path

from tfsim.scenario.bundled import default_scenario

#: The checkout (the folder holding ``tests/``).
ROOT = Path(__file__).resolve().parents[2]
#: The scenario the app opens when given none.
SEVENOAKS = default_scenario()
