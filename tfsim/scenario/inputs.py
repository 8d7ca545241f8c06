"""The inputs of a scenario as an assumptions table: value, unit and the note written beside it.

A business case must show what it assumed.  :func:`inputs` walks the scenario with the one
schema walk of :mod:`tfsim.scenario.introspect` (label, unit and default of every key) and
lists every value that differs from tfsim's default, or that the file writes with a note,
together with the comment the author wrote beside it in the TOML file: the comment lines
just above the value and the comment on its line, else those of its table's header.  Each note
is sorted into a basis: ``FITTED`` (tuned so the model reproduces reported figures),
``ASSUMPTION`` (chosen without a source), ``source`` (any other note, which by the files'
convention names a source) or ``not stated`` (no note: the author should give one).

The report's assumptions table and the workbook's *Inputs* sheet both read this.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

from .distributions import DistributionModel, format_number
from .introspect import MISSING, SCALAR_KINDS, Kind, choice_labels, fields, humanise
from .locate import key_lines
from .schema import Outcomes, Scenario

#: Keys shown elsewhere in a report (its title and introduction), not as inputs.
NOT_INPUTS = frozenset({"schema_version", "name", "description"})

#: Tables whose keys make one quantity together, shown as one row ("outcome chances").
COMPACT = (Outcomes,)

BASIS_FITTED, BASIS_ASSUMPTION, BASIS_SOURCE, BASIS_NONE = "FITTED", "ASSUMPTION", "source", "not stated"

MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


@dataclass(frozen=True)
class Input:
    """One input of a scenario, as an assumptions table shows it.

    Attributes
    ----------
    path : str
        Key path (roles by id), as ``tfsim validate`` and ``--vary`` write it.
    section : str
        Where it sits, in words: ``"Engagement"``, ``"Role: FIP Light"``, ``"Money › Costs"``.
    label : str
        The key's plain label.
    value : str
        The value in words: ``"13%"``, ``"£30,000"``, ``"triangular from 6 to 18 months, most likely 12"``.
    unit : str
        The unit in words (empty when the value carries it, as £ and % do).
    note : str
        The author's comment for it in the file ("" when there is none).
    basis : str
        ``"FITTED"``, ``"ASSUMPTION"``, both joined by ``", "``, ``"source"`` or ``"not stated"``.
    default : str
        tfsim's default for the key, in words (``"required"`` when a file must give it).
    line : int
        Line of the key in the file (0 when not known).
    """

    path: str
    section: str
    label: str
    value: str
    unit: str
    note: str
    basis: str
    default: str
    line: int = 0


# ---- comments in the file ----------------------------------------------------------------


def comment_of(line: str) -> str:
    """The comment on one line of TOML (the text after a ``#`` outside any string), stripped."""
    quote = None
    i = 0
    while i < len(line):
        ch = line[i]
        if quote is None:
            if ch == "#":
                return line[i + 1:].strip()
            if ch in "\"'":
                quote = ch
        elif ch == "\\" and quote == '"':
            i += 1  # an escaped character in a basic string
        elif ch == quote:
            quote = None
        i += 1
    return ""


class _Notes:
    """Comments of a file by line: beside a key, or in the block of comment lines just above it."""

    def __init__(self, text: str | None):
        self.lines = text.splitlines() if text else []
        self.table = key_lines(text) if text else {}

    def line_of(self, path: tuple) -> int:
        return self.table.get(path, 0)

    def beside(self, number: int) -> str:
        if not 0 < number <= len(self.lines):
            return ""
        line = self.lines[number - 1]
        return "" if line.lstrip().startswith("#") else comment_of(line)

    def above(self, number: int) -> str:
        """The comment lines right above line ``number`` (up to a blank or a value line)."""
        out: list[str] = []
        i = number - 2
        while i >= 0 and self.lines[i].lstrip().startswith("#"):
            text = self.lines[i].lstrip()[1:].strip()
            if text.startswith("---") or text.strip("-=# ") == "":
                break  # a section heading ("# ---- Staff ----") or a rule ends the block
            out.append(text)
            i -= 1
        return " ".join(reversed([t for t in out if t]))

    def for_key(self, path: tuple, table_path: tuple | None = None) -> str:
        """The note for the key at ``path``: above and beside it, else beside or above its table."""
        number = self.line_of(path)
        if number:
            note = " ".join(t for t in (self.above(number), self.beside(number)) if t)
            if note:
                return note
        if table_path is not None:
            head = self.line_of(table_path)
            if head and head != number:
                return self.beside(head) or self.above(head)
        return ""

    def header(self) -> list[str]:
        """The comment lines at the top of the file, before its first value (its own notes)."""
        out = []
        for line in self.lines:
            stripped = line.strip()
            if not stripped:
                out.append("")
                continue
            if not stripped.startswith("#"):
                break
            out.append(stripped[1:][1:] if stripped[1:].startswith(" ") else stripped[1:])
        while out and not out[-1].strip():
            out.pop()
        return out


#: The comments of a file by key path (public: the editor's notes read them too, :mod:`tfsim.scenario.notes`).
Notes = _Notes


def header_notes(text: str | None) -> list[str]:
    """The comment block at the top of a scenario file, one string a line (sources named in full)."""
    return _Notes(text).header()


def basis_of(note: str) -> str:
    """``FITTED``, ``ASSUMPTION`` (or both), ``source`` for any other note, ``not stated`` for none.

    The files mark figures in capitals (``ASSUMPTION``, ``ASSUMPTIONS``, ``FITTED``), so lower
    case words such as "assumed" in a source's title do not count.
    """
    found = [tag for tag in (BASIS_FITTED, BASIS_ASSUMPTION) if re.search(rf"\b{tag}S?\b", note)]
    if found:
        return ", ".join(found)
    return BASIS_SOURCE if note.strip() else BASIS_NONE


# ---- values in words ------------------------------------------------------------------------


def date_text(day: dt.date) -> str:
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}"


def _share(x: float) -> str:
    return f"{format_number(round(x * 100, 4))}%"


def _money(x: float) -> str:
    return f"-£{format_number(-x)}" if x < 0 else f"£{format_number(x)}"


def value_text(value: Any, unit: str) -> tuple[str, str]:
    """``(value in words, unit left to show)`` for one value of a key with ``unit``."""
    if isinstance(value, DistributionModel):
        return value.describe(unit), unit
    if isinstance(value, bool):
        return ("yes" if value else "no"), ""
    if isinstance(value, dt.date):
        return date_text(value), ""
    if isinstance(value, (int, float)):
        if unit.startswith("0 to 1"):
            return _share(value), unit[len("0 to 1"):].lstrip(", ")
        if unit.startswith("£"):
            return _money(value), unit[1:].strip()
        return format_number(value), unit
    if isinstance(value, dict):
        inner = unit.split(",")[0] if unit else ""
        parts = [f"{k} {value_text(v, inner)[0]}" for k, v in value.items()]
        if "," in unit:
            rest = unit.split(",", 1)[1].strip()
        elif inner.startswith("£"):
            rest = inner[1:].strip()
        else:
            rest = "" if inner.startswith("0 to 1") else unit
        return "; ".join(parts) or "none", rest
    if isinstance(value, (list, tuple)):
        if not value:
            return "none", ""
        shown = ", ".join(value_text(v, unit)[0] for v in value)
        if all(isinstance(v, (int, float)) for v in value) and unit.startswith("FTE"):
            if len(value) > 4 and len(set(value)) == 1:  # forty full-time workers, not forty 1s
                return f"{len(value)} workers at {format_number(value[0])} FTE each", ""
            return f"{shown} ({len(value)} workers, {format_number(round(sum(value), 4))} FTE in all)", ""
        return shown, unit
    if value is None:
        return "none", ""
    return str(value), unit


def row_text(item: BaseModel) -> str:
    """One row of a table (a referral batch, a staffing change) in words, without its free label."""
    parts = []
    for spec in fields(type(item)):
        value = getattr(item, spec.key)
        if spec.key == "label":
            continue
        if value is None or (spec.kind is Kind.LIST_SCALAR and not value):
            continue
        if value == spec.default_value() and spec.key not in ("date", "start", "role", "action"):
            continue  # the row's defaults say nothing (an FTE of 1 for a start)
        text, unit = value_text(value, spec.unit)
        if spec.key == "fte":
            parts.append(f"{text} FTE")
            continue
        name = spec.label.lower()
        if spec.key in ("date", "start", "role", "action", "end"):
            parts.append(text if spec.key != "end" else f"to {text}")
        else:
            parts.append(f"{name} {text}{' ' + unit if unit else ''}")
    return ", ".join(parts)


def _compact_text(item: BaseModel) -> str:
    """A table of chances (outcomes) in one line: ``turned around 85%, improved 8%, ...``."""
    return ", ".join(f"{spec.label.lower()} {value_text(getattr(item, spec.key), spec.unit or '0 to 1')[0]}"
                     for spec in fields(type(item)))


def _label(spec) -> str:
    # 'overhead_gbp_per_month' reads 'Overhead gbp' once its unit is dropped: the £ is in the unit
    return re.sub(r"\s+gbp$", "", spec.label or humanise(spec.key))


# ---- the walk -------------------------------------------------------------------------------


def _differs(value: Any, default: Any) -> bool:
    if default is MISSING:
        return True
    if isinstance(value, BaseModel) and isinstance(default, dict):
        return value.model_dump(mode="python", exclude_none=True) != default
    return value != default


def inputs(scenario: Scenario, text: str | None = None) -> list[Input]:
    """Every input of ``scenario`` that differs from tfsim's default or has a note in ``text``.

    Parameters
    ----------
    scenario : Scenario
        The scenario as run.
    text : str, optional
        The scenario file's text, for the notes beside the values (none: no notes).

    Returns
    -------
    list of Input
        In file order of the schema: scenario dates, referrals, families, ..., money.
    """
    notes = _Notes(text)
    out: list[Input] = []
    _walk(scenario, (), (), "Scenario", None, notes, out)
    return out


def _walk(obj: BaseModel, file_path: tuple, path: tuple, section: str, table_path: tuple | None,
          notes: _Notes, out: list[Input]) -> None:
    for spec in fields(type(obj)):
        if spec.key in NOT_INPUTS and not file_path:
            continue
        value = getattr(obj, spec.key)
        fp, p = file_path + (spec.key,), path + (spec.key,)
        if spec.kind is Kind.MODEL and not (isinstance(value, COMPACT)):
            if value is None:
                continue
            inner = spec.title if not file_path else f"{section} \u203a {spec.title}"
            _walk(value, fp, p, inner, fp, notes, out)
            continue
        rowlike = spec.kind is Kind.LIST_PANELS and all(
            f.kind in SCALAR_KINDS or f.kind is Kind.LIST_SCALAR for f in fields(spec.detail))
        if spec.kind is Kind.LIST_TABLE or rowlike:
            for i, item in enumerate(value):
                row_fp = fp + (i,)
                note = notes.for_key(row_fp) or " ".join(
                    n for n in (notes.beside(notes.line_of(row_fp + (f.key,))) for f in fields(type(item))) if n)
                label = getattr(item, "label", "") or ""
                note = "; ".join(t for t in (f"\u201c{label}\u201d" if label else "", note) if t)
                noun = spec.title[:-1] if spec.title.endswith("s") else spec.title
                out.append(Input(".".join(map(str, p + (i,))), section, f"{noun} {i + 1}", row_text(item), "",
                                 note, basis_of(note), "none", notes.line_of(row_fp)))
            continue
        if spec.kind is Kind.LIST_PANELS:
            noun = spec.title[:-1] if spec.title.endswith("s") else spec.title
            for i, item in enumerate(value):
                ident = getattr(item, "id", None) or str(i)
                name = getattr(item, "label", None)
                where = f"{noun}: {name}" if name else f"{noun} {i + 1}"
                _walk(item, fp + (i,), p + (ident,), where, fp + (i,), notes, out)
            continue
        if path and spec.key in ("id", "name") and file_path and isinstance(file_path[-1], int):
            continue  # a role's id and name head its section
        default = spec.default_value()
        note = notes.for_key(fp, table_path)
        written = bool(notes.line_of(fp))
        if not _differs(value, default) and not (written and notes.for_key(fp)):
            continue
        if value is None and default in (None, MISSING):
            continue
        if spec.kind is Kind.MODEL:  # a compact table: one quantity in several keys
            text_value, unit = _compact_text(value), ""
        else:
            text_value, unit = value_text(value, spec.unit)
            if spec.kind is Kind.DISTRIBUTION:
                unit = ""  # the distribution says its unit
            elif unit == spec.unit:
                unit = spec.unit_label  # 'caseload_cap_per_fte': per FTE
        if spec.kind is Kind.CHOICE:
            text_value = choice_labels(spec.detail or [], spec.help).get(value, text_value).replace(" - ", ": ", 1)
        if spec.kind is Kind.DICT_TABLE and value:
            text_value = "; ".join(f"{k}: {_compact_text(v)}" for k, v in value.items())
        out.append(Input(".".join(map(str, p)), section, _label(spec), text_value, unit, note,
                         basis_of(note), spec.default, notes.line_of(fp)))


__all__ = ["BASIS_ASSUMPTION", "BASIS_FITTED", "BASIS_NONE", "BASIS_SOURCE", "Input", "Notes", "basis_of", "comment_of",
           "header_notes", "inputs", "row_text", "value_text"]
