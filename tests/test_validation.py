"""docs/validation.md is what tfsim.validation generates from the bundled scenarios."""

from __future__ import annotations

import math

import pytest
from helpers import ROOT

from tfsim import validation
from tfsim.validation import FITTED, INPUT, MARKINGS, PREDICTED, Case, CaseResult, Check, Row, holds


@pytest.mark.slow
def test_validation_document_is_current():
    assert validation.OUTPUT == ROOT / "docs" / "validation.md"
    text = validation.generate()
    assert text == validation.OUTPUT.read_text(encoding="utf-8"), (
        "docs/validation.md is out of date: run `python -m tfsim.validation` and review the changes")


def test_tolerance_rules():
    # counts: 10%, shares: 5 points, whatever tolerance a row was written with
    assert holds(Check("x", "s", 100, None, "near"), 109)
    assert not holds(Check("x", "s", 100, None, "near"), 111)
    assert not holds(Check("x", "s", 100, None, "rel", 0.5), 111)
    assert holds(Check("x", "s", 0.72, None, "near", fmt="share"), 0.76)
    assert not holds(Check("x", "s", 0.72, None, "abs", 0.5, "share"), 0.78)
    # or the reported figure inside the 90% interval of the replications
    assert holds(Check("x", "s", 23, None, "near"), 20.1, 14.9, 28.0)
    assert not holds(Check("x", "s", 23, None, "near"), 20.1, 14.9, 22.0)
    # bounds the paper states
    assert holds(Check("x", "s", 1.0, None, "min", 0.95, "share"), 0.96)
    assert not holds(Check("x", "s", 5.0, None, "max", 5.0, "gbpm"), 5.1)
    assert not holds(Check("x", "s", 5.0, None, "near"), float("nan"))
    with pytest.raises(ValueError):
        Check("x", "s", 1.0, None, "roughly")


def test_every_row_has_a_marking():
    for case in validation.cases():
        for check in case.checks:
            assert validation.marking(case, check) in MARKINGS, f"{case.file}: {check.figure} is not marked"


def _row(mark: str, ok: bool) -> Row:
    return Row(Check(f"{mark} {ok}", "s", 10, None, "near", value=10), mark, 10.0, 10.0, 10.0, ok)


def test_headline_counts_predictions_alone():
    rows = [_row(INPUT, True), _row(FITTED, True), _row(FITTED, True), _row(PREDICTED, True),
            _row(PREDICTED, False)]
    results = [CaseResult(Case("x.toml", "X", 1, [r.check for r in rows]), rows)]
    assert validation.counted(results) == (1, 2)
    text = validation.render(results)
    assert "**Headline: 1 of 2 predictions hold.**" in text
    assert "Of the 5 figures below,\n2 are predictions; the other 1 are set" in text
    # a fitted figure is never shown as reproduced, even when it agrees
    assert validation.verdict(_row(FITTED, True)) == "fitted to it"
    assert validation.verdict(_row(PREDICTED, True)) == "holds"
    assert validation.verdict(Row(_row(PREDICTED, True).check, "", 1, 1, 1, True)) == "**unmarked**"


def test_chance_of_a_target_has_an_interval():
    lo, hi = validation.wilson(0, 40)
    assert lo == 0.0 and 0.05 < hi < 0.12
    lo, hi = validation.wilson(20, 40)
    assert lo < 0.5 < hi
    assert all(math.isnan(x) for x in validation.wilson(0, 0))


def test_months_in_words_whatever_the_locale():
    assert validation.month_name("2013-03") == "March 2013"
    assert validation.month_name("2015-12") == "December 2015"
