"""Test set-up for every test: no screen, the Agg backend, and an empty working folder.

Shared builders and paths are in ``helpers.py`` (``from helpers import SCENARIOS, tiny``).
"""

from __future__ import annotations

import os

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("MPLBACKEND", "Agg")


@pytest.fixture(autouse=True)
def _elsewhere(tmp_path_factory, monkeypatch):
    """Every test runs in an empty folder, so none depends on the working directory or writes into the repo."""
    monkeypatch.chdir(tmp_path_factory.mktemp("cwd"))
