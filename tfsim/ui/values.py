"""Values and the text the editor's fields show, both ways (no Qt).

A field shows ``fmt(value)``; what the user types comes back through ``parse``.  Text
that does not parse as the field's kind is kept as text, so the scenario check reports
it at the field instead of the keystroke being lost.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from tfsim.scenario.introspect import MISSING


def fmt(value: Any) -> str:
    """The text shown for a value: 'yes'/'no', ISO dates, lists comma-separated."""
    if value is None or value is MISSING:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:.10g}"
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, list):
        return ", ".join(fmt(v) for v in value)
    return str(value)


def parse(text: str, kind: str) -> Any:
    """Typed value from text; text that does not parse is kept as text so the check reports it.

    An empty number is MISSING (the key is left out and its default applies); thousands
    separators and a pound sign are allowed in numbers.
    """
    text = text.strip()
    if kind in ("int", "float"):
        if text == "":
            return MISSING
        try:
            number = float(text.replace(",", "").replace("£", ""))
        except ValueError:
            return text
        if number.is_integer() and (kind == "int" or "." not in text):
            return int(number)
        return number
    if kind == "date":
        try:
            return dt.date.fromisoformat(text)
        except ValueError:
            return text
    if kind == "bool":
        return text.lower() in ("yes", "true", "1", "y")
    return text


def parse_list(text: str, kind: str) -> list:
    """Values separated by commas, semicolons or spaces."""
    return [parse(p, kind) for p in re.split(r"[,;\s]+", text.strip()) if p]
