"""docs/validation.md is what tfsim.validation generates from the bundled scenarios."""

from __future__ import annotations

import pytest
from conftest import ROOT


@pytest.mark.slow
def test_validation_document_is_current():
    from tfsim.validation import OUTPUT, generate

    assert OUTPUT == ROOT / "docs" / "validation.md"
    text = generate()
    assert text == OUTPUT.read_text(encoding="utf-8"), (
        "docs/validation.md is out of date: run `python -m tfsim.validation` and review the changes")


def test_tolerance_rules():
    from tfsim.validation import Check, holds

    assert holds(Check("x", "s", 100, None, "rel", 0.1), 109)
    assert not holds(Check("x", "s", 100, None, "rel", 0.1), 111)
    assert holds(Check("x", "s", 0.72, None, "abs", 0.05, "share"), 0.76)
    assert not holds(Check("x", "s", 0.72, None, "abs", 0.05, "share"), 0.78)
    assert holds(Check("x", "s", 1.0, None, "min", 0.95, "share"), 0.96)
    assert not holds(Check("x", "s", 5.0, None, "max", 5.0, "gbpm"), 5.1)
    assert not holds(Check("x", "s", 5.0, None, "abs", 1.0), float("nan"))
