"""The base of every scenario table: strict keys, immutable values, finite numbers, plain text."""

from __future__ import annotations

import unicodedata
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict


class StrictModel(BaseModel):
    """Base for every table: unknown keys are errors, objects are immutable, numbers are finite.

    A changed scenario is a new object (see :func:`tfsim.scenario.variant`), so a
    scenario handed to a run, a worker process or a results object never changes
    under it.  ``inf`` and ``nan`` are refused everywhere: no quantity in a scenario is
    infinite, and either would reach the simulation as a time or a weight.
    """

    model_config = ConfigDict(extra="forbid", frozen=True, validate_default=True, allow_inf_nan=False)


def _rule(text: str):
    """Mark a validator function with the rule it enforces, in words, for the reference docs."""

    def mark(func):
        func.rule = text
        return func

    return mark


def _bad_characters(value: str, allowed: str) -> list[str]:
    return [ch for ch in value if ch not in allowed and unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp")]


@_rule("no control or bidirectional characters, one line")
def _one_line(value: str) -> str:
    bad = _bad_characters(value, "")
    if bad:
        raise ValueError(f"must be plain text on one line, without control or bidirectional characters "
                         f"(found U+{ord(bad[0]):04X})")
    return value


@_rule("no control or bidirectional characters (line breaks and tabs allowed)")
def _prose(value: str) -> str:
    bad = _bad_characters(value, "\n\t")
    if bad:
        raise ValueError(f"must be plain text, without control or bidirectional characters (found U+{ord(bad[0]):04X})")
    return value


#: Text shown in reports, charts and exports: one line, no control or format characters.
PlainText = Annotated[str, AfterValidator(_one_line)]
#: Longer text (a description): line breaks and tabs allowed, no other control characters.
Prose = Annotated[str, AfterValidator(_prose)]


class Unknown(Exception):
    """A value a cross-check needs is itself invalid; that value's own problem is reported at its key."""


class known:
    """``with known(): ...`` skips the rest of the block when a value it reads is :class:`Unknown`.

    The cross-checks of a scenario run on a valid scenario and also on one whose fields
    are partly invalid (see :mod:`tfsim.scenario.partial`), so that a file's problems
    are all reported at once; each check that needs an invalid value is skipped.
    """

    def __enter__(self) -> "known":
        return self

    def __exit__(self, kind, exc, tb) -> bool:
        return kind is not None and issubclass(kind, Unknown)
