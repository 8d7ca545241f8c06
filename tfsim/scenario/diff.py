"""What differs between two scenarios, in plain words: the one implementation behind every such list.

``tfsim diff``, the comparison in ``tfsim compare`` and the business case's *What differs
between the two scenarios* table, and the app's *Compare with file* dialog and baseline
list all read :func:`describe_differences`.  It walks the two scenarios with the schema's
one walk (:func:`tfsim.scenario.introspect.fields`: the label and unit of every key), in the
schema's order, so the changes come grouped by section::

    Roles ▸ Family Intervention Practitioner (KCA): caseload cap 5 → 6 families per FTE
    Staffing plan: added 1 Apr 2016: start of 1 FTE Family Intervention Practitioner (KCA)
    Workforce: turnover 16% → 20% a year

Rows of a table (referral batches, the staffing plan, freezes) are matched as sequences,
so a row added or removed reads as one row added or removed, not as every later row
changing; roles are matched by their id.  Values are compared as the schema reads them,
so a key left out and the same value written out are the same.
"""

from __future__ import annotations

import csv
import datetime as dt
import difflib
import io
import json
import os
from dataclasses import dataclass
from typing import Any, Iterable

from pydantic import BaseModel

from .distributions import DistributionModel, Fixed, format_number
from .introspect import SCALAR_KINDS, FieldSpec, Kind, choice_labels, fields
from .inputs import date_text
from .schema import Role, Scenario, StaffingChange

#: Between the parts of a section: ``Roles ▸ FIP Light ▸ Outcomes``.
STEP = " \u25b8 "
ARROW = "\u2192"
CHANGED, ADDED, REMOVED = "changed", "added", "removed"
#: Longest text value shown (a description is cut, not printed whole).
MAX_TEXT = 70
#: Columns of ``tfsim diff --format csv``.
CSV_COLUMNS = ("section", "change", "item", "old", "new", "unit", "path")
#: Keys that name and describe a scenario rather than set its inputs (left out of a comparison of runs).
NAMING_KEYS = ("name", "description")


@dataclass(frozen=True)
class Difference:
    """One difference between two scenarios, in words.

    Attributes
    ----------
    section : str
        Where it is: ``"Workforce"``, ``"Roles ▸ FIP Light"``, ``"Staffing plan ▸ row 3 (8 Oct 2012)"``.
    group : str
        The top-level section it belongs to (``"Roles"``), for grouping.
    change : str
        ``"changed"``, ``"added"`` or ``"removed"``.
    item : str
        For a change, the key's label in lower case (``"caseload cap"``); for a row, role or
        section added or removed, what it is in words.
    old, new : str
        The values in words, without the unit (empty for what was added or removed).
    unit : str
        The unit after both values (``"families per FTE"``, ``"a year"``); often empty, as
        for money and shares, whose values carry it.
    path : str
        The key path (roles by id), as ``tfsim validate`` and ``--vary`` write it.
    """

    section: str
    group: str
    change: str
    item: str
    old: str = ""
    new: str = ""
    unit: str = ""
    path: str = ""

    @property
    def sentence(self) -> str:
        """The difference as one line: ``"Workforce: turnover 16% → 20% a year"``."""
        if self.change == CHANGED:
            what = f"{self.item} " if self.item else ""
            unit = f" {self.unit}" if self.unit else ""
            return f"{self.section}: {what}{self.old} {ARROW} {self.new}{unit}"
        return f"{self.section}: {self.change} {self.item}"

    def old_text(self) -> str:
        """The old side with its unit, as a table cell (``"(none)"`` for something added)."""
        if self.change == ADDED:
            return "(none)"
        return self.item if self.change == REMOVED else _with_unit(self.old, self.unit)

    def new_text(self) -> str:
        """The new side with its unit, as a table cell (``"(none)"`` for something removed)."""
        if self.change == REMOVED:
            return "(none)"
        return self.item if self.change == ADDED else _with_unit(self.new, self.unit)

    def what(self) -> str:
        """The first column of a table: the section and the key (``"Workforce: turnover"``)."""
        if self.change == CHANGED:
            return f"{self.section}: {self.item}" if self.item else self.section
        return f"{self.section}: {self.change}"


def _with_unit(value: str, unit: str) -> str:
    return f"{value} {unit}" if unit and value else value


def describe_differences(old: Scenario, new: Scenario, skip: Iterable[str] = ()) -> list[Difference]:
    """Every difference between ``old`` and ``new`` in words, grouped by section in the schema's order.

    Parameters
    ----------
    old, new : Scenario
        The two scenarios; each sentence reads from ``old`` to ``new``.
    skip : iterable of str
        Top-level keys to leave out (:data:`NAMING_KEYS` to compare inputs only).
    """
    walk = _Walk(old, new, frozenset(skip))
    walk.model(Scenario, old, new, (), "Scenario", top=True)
    return walk.out


def format_differences(diffs: list[Difference], old_name: str = "", new_name: str = "") -> str:
    """The differences as text: a heading line, then one sentence a line, a blank line between sections."""
    head = f"{old_name} {ARROW} {new_name}: " if old_name or new_name else ""
    if not diffs:
        return f"{head}no differences: the two describe the same scenario (comments and layout aside)."
    lines = [f"{head}{len(diffs)} difference{'s' if len(diffs) != 1 else ''}"]
    group = None
    for d in diffs:
        if d.group != group:
            lines.append("")
            group = d.group
        lines.append(d.sentence)
    return "\n".join(lines)


def differences_csv(diffs: list[Difference]) -> str:
    """The differences as CSV with the columns :data:`CSV_COLUMNS`."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for d in diffs:
        writer.writerow([d.section, d.change, d.item, d.old, d.new, d.unit, d.path])
    return out.getvalue()


# ---- values in words ----------------------------------------------------------------------


def _lower(label: str) -> str:
    """A label inside a sentence: 'Caseload cap' -> 'caseload cap', but 'FTE', 'ASB' stay."""
    if len(label) > 1 and label[1].isupper():
        return label
    return label[:1].lower() + label[1:]


def _unit_words(unit: str) -> str:
    """A unit inside a sentence: 'per year' -> 'a year', '0 to 1' -> '' (the value says %)."""
    if unit.startswith("0 to 1"):
        unit = unit[len("0 to 1"):].lstrip(", ")
    if unit.startswith("£"):  # the value carries the £
        unit = unit[1:].strip()
    for per in ("year", "month", "week", "day"):
        if unit == f"per {per}":
            return f"a {per}"
    return unit


def _item_label(spec: FieldSpec) -> str:
    """The key's label without the unit words the sentence puts after the values."""
    label = spec.label
    unit = spec.unit_label
    if unit and label.lower().endswith(" " + unit.lower()):
        label = label[: -len(unit) - 1]
    if label.lower() == unit.lower():
        return ""  # a key named by its unit ('per_month'): the unit after the values says it
    label = label.replace(" gbp", "") if label.endswith(" gbp") else label
    return _lower(label)


def _phrase(spec: FieldSpec) -> tuple[str, str]:
    """(label, unit) of a key inside a sentence: ('turnover', 'a year'); a key named by its unit ('per_month')
    reads as its unit alone: ('', 'a month')."""
    label, unit = _item_label(spec), _unit_words(spec.unit_label)
    if not unit and label.startswith("per "):
        return "", "a " + label[4:]
    return label, unit


def _number(x: float, spec: FieldSpec | None) -> str:
    if spec is not None and spec.percent:
        return f"{format_number(round(x * 100, 4))}%"
    if spec is not None and spec.unit.startswith("£"):
        return f"-£{format_number(-x)}" if x < 0 else f"£{format_number(x)}"
    return format_number(x)


def _text(value: Any, spec: FieldSpec | None = None, roles: dict | None = None) -> str:
    """One value in words, without the unit the sentence adds."""
    if isinstance(value, Fixed):
        return _number(value.value, spec)
    if isinstance(value, DistributionModel):
        unit = spec.unit if spec is not None else ""
        return value.describe(unit)
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, dt.date):
        return date_text(value)
    if isinstance(value, (int, float)):
        return _number(value, spec)
    if isinstance(value, str):
        if roles and value in roles:
            return roles[value]
        if spec is not None and spec.kind is Kind.CHOICE:
            return value
        shown = value if len(value) <= MAX_TEXT else value[: MAX_TEXT - 3].rstrip() + "..."
        return f"\u201c{shown}\u201d"
    if isinstance(value, (list, tuple)):
        if not value:
            return "none"
        if spec is not None and spec.unit.startswith("FTE") and all(isinstance(v, (int, float)) for v in value):
            return _workers(value)
        return ", ".join(_text(v, spec, roles) for v in value)
    if value is None:
        return "none"
    if isinstance(value, BaseModel):
        return ", ".join(f"{_lower(s.label)} {_text(getattr(value, s.key), s, roles)}" for s in fields(type(value))
                         if getattr(value, s.key) is not None)
    return str(value)


def _texts_apart(a: str, b: str) -> tuple[str, str]:
    """Two long texts cut around where they first differ, so the change shows (not one shared opening)."""
    if len(a) <= MAX_TEXT and len(b) <= MAX_TEXT:
        return f"\u201c{a}\u201d", f"\u201c{b}\u201d"
    start = max(0, len(os.path.commonprefix([a, b])) - 20)
    start = a.rfind(" ", 0, start) + 1 if start else 0  # from the start of a word

    def cut(s: str) -> str:
        part = s[start:]
        part = part if len(part) <= MAX_TEXT else part[: MAX_TEXT - 3].rstrip() + "..."
        return f"\u201c{'...' if start else ''}{part}\u201d"

    return cut(a), cut(b)


def _workers(values: list[float]) -> str:
    """Workers in post in words: ``"2 workers, 0.4 FTE in all"``, ``"1 worker at 0.5 FTE"``."""
    n, total = len(values), format_number(round(sum(values), 4))
    if n == 1:
        return f"1 worker at {format_number(values[0])} FTE"
    each = f" ({format_number(values[0])} each)" if len(set(values)) == 1 else ""
    return f"{n} workers, {total} FTE in all{each}"


def _dates(row: BaseModel) -> str:
    day = getattr(row, "date", None) or getattr(row, "start", None)
    return date_text(day) if isinstance(day, dt.date) else ""


def _fte(x: float) -> str:
    return f"{format_number(x)} FTE"


def _staffing_words(row: StaffingChange, roles: dict) -> str:
    """A staffing change in words: ``"1 Apr 2016: start of 1 FTE FIP Light (“new post”)"``."""
    role = roles.get(row.role, row.role)
    if row.action == "start":
        what = f"start of {_fte(row.fte)} {role}"
    elif row.action == "leave":
        what = f"{_fte(row.fte)} {role} leaves"
    elif row.action == "secondment":
        until = f" until {date_text(row.until)}" if row.until else ""
        what = f"{_fte(row.fte)} {role} seconded{until}"
    elif row.establishment_factor is not None:
        what = f"{role} funded posts times {format_number(row.establishment_factor)}"
    else:
        change = row.establishment_change_fte or 0
        what = f"{role} funded posts {'+' if change >= 0 else '-'}{_fte(abs(change))}"
    label = f" (\u201c{row.label}\u201d)" if row.label else ""
    return f"{date_text(row.date)}: {what}{label}"


def _row_words(row: BaseModel, roles: dict) -> str:
    """A table row in words: the staffing plan as sentences, other rows as their keys and values."""
    if isinstance(row, StaffingChange):
        return _staffing_words(row, roles)
    parts = []
    for spec in fields(type(row)):
        value = getattr(row, spec.key)
        if spec.key == "label" or value is None or value == [] or (
                value == spec.default_value() and spec.key not in ("date", "start")):
            continue
        text, (label, unit) = _text(value, spec, roles), _phrase(spec)
        if spec.key in ("date", "start"):
            parts.append(("from " if spec.key == "start" else "") + text)
        elif spec.key == "end":
            parts.append(f"to {text}")
        else:
            parts.append(" ".join(p for p in (label, text, unit) if p))
    label = getattr(row, "label", "")
    return ", ".join(parts) + (f" (\u201c{label}\u201d)" if label else "")


def _role_words(role: Role) -> str:
    """A role in words: ``"FSW — id fsw, caseload cap 10 families per FTE, in post: 1 worker at 1 FTE"``."""
    in_post = _workers(role.in_post_fte) if role.in_post_fte else "nobody at the start"
    return (f"{role.label} \u2014 id {role.id}, caseload cap {format_number(role.caseload_cap_per_fte)} families per "
            f"FTE, in post: {in_post}")


# ---- the walk -------------------------------------------------------------------------------


def _identity(row: BaseModel) -> str:
    """What a row is, for matching rows of two tables: its whole content."""
    return json.dumps(row.model_dump(mode="json"), sort_keys=True)


def _key_of(row: BaseModel) -> tuple:
    """What names a row when its other values change: its date and role and action, where it has them."""
    return tuple(getattr(row, k, None) for k in ("date", "start", "role", "action"))


class _Walk:
    def __init__(self, old: Scenario, new: Scenario, skip: frozenset):
        self.skip = skip
        self.out: list[Difference] = []
        # role ids in words, either side's names (a role only in one file is named from that file)
        self.roles = {r.id: r.label for r in old.roles} | {r.id: r.label for r in new.roles}
        self.group = ""

    def add(self, section: str, change: str, item: str, old: str = "", new: str = "", unit: str = "",
            path: tuple = ()) -> None:
        self.out.append(Difference(section, self.group, change, item, old, new, unit, ".".join(map(str, path))))

    def model(self, model: type[BaseModel], a: BaseModel, b: BaseModel, path: tuple, section: str,
              top: bool = False) -> None:
        for spec in fields(model):
            if top and (spec.key == "schema_version" or spec.key in self.skip):
                continue
            x, y = getattr(a, spec.key), getattr(b, spec.key)
            if x == y:
                continue
            here = path + (spec.key,)
            if top:
                self.group = "Scenario" if spec.kind in SCALAR_KINDS else spec.title
            title = spec.title if top else f"{section}{STEP}{spec.title}"
            if spec.kind is Kind.MODEL:
                if x is None or y is None:
                    doc = (spec.help or "").rstrip(".")
                    what = f"the whole section ({_lower(doc)})" if doc else "the whole section"
                    self.add(title, ADDED if x is None else REMOVED, what, path=here)
                else:
                    self.model(spec.detail, x, y, here, title)
            elif spec.kind is Kind.LIST_PANELS and "id" in spec.detail.model_fields:
                self.panels(spec, x, y, here, title)
            elif spec.kind in (Kind.LIST_TABLE, Kind.LIST_PANELS):
                self.rows(spec, x, y, here, title)
            elif spec.kind in (Kind.DICT_SCALAR, Kind.DICT_LIST, Kind.DICT_TABLE):
                self.keyed(spec, x or {}, y or {}, here, title)
            else:
                self.value(spec, x, y, here, "Scenario" if top else section)

    def value(self, spec: FieldSpec, x: Any, y: Any, path: tuple, section: str) -> None:
        label, unit = _phrase(spec)
        old, new = _text(x, spec, self.roles), _text(y, spec, self.roles)
        if isinstance(x, DistributionModel) or isinstance(y, DistributionModel):
            if not (isinstance(x, Fixed) and isinstance(y, Fixed)):  # a distribution says its unit
                old, new = (v.describe(spec.unit) if isinstance(v, DistributionModel) else t
                            for v, t in ((x, old), (y, new)))
                unit = ""
        if spec.kind is Kind.LIST_SCALAR and spec.unit.startswith("FTE"):
            unit = ""  # "2 workers, 1.5 FTE in all" says it
        if spec.kind is Kind.CHOICE:
            labels = choice_labels(spec.detail or [], spec.help)
            old, new = (labels.get(v, str(v)).replace(" - ", ": ", 1) for v in (x, y))
        if isinstance(x, str) and isinstance(y, str):
            old, new = _texts_apart(x, y)
        if unit and (x is None or y is None):  # "13 weeks -> none", not "13 -> none weeks"
            old, new, unit = _with_unit(old, unit if x is not None else ""), _with_unit(new, unit if y is not None
                                                                                        else ""), ""
        self.add(section, CHANGED, label, old, new, unit, path)

    def panels(self, spec: FieldSpec, xs: list, ys: list, path: tuple, section: str) -> None:
        """Items with ids (the roles): matched by id; added, removed, then changed in place."""
        old = {getattr(r, "id", i): r for i, r in enumerate(xs)}
        new = {getattr(r, "id", i): r for i, r in enumerate(ys)}
        for key, item in old.items():
            if key not in new:
                self.add(section, REMOVED, _role_words(item) if isinstance(item, Role) else str(key), path=path + (key,))
        for key, item in new.items():
            if key not in old:
                self.add(section, ADDED, _role_words(item) if isinstance(item, Role) else str(key), path=path + (key,))
        for key, item in new.items():
            if key in old and old[key] != item:
                name = getattr(item, "label", None) or str(key)
                self.model(spec.detail, old[key], item, path + (key,), f"{section}{STEP}{name}")
        common = [k for k in old if k in new]
        if [k for k in new if k in old] != common:
            self.add(section, CHANGED, "order", ", ".join(self.roles.get(k, str(k)) for k in common),
                     ", ".join(self.roles.get(k, str(k)) for k in new if k in old), path=path)

    def rows(self, spec: FieldSpec, xs: list, ys: list, path: tuple, section: str) -> None:
        """Rows of a table as sequences: rows added and removed as such, rows changed field by field."""
        matcher = difflib.SequenceMatcher(None, [_identity(r) for r in xs], [_identity(r) for r in ys], autojunk=False)
        for op, i1, i2, j1, j2 in matcher.get_opcodes():
            if op == "equal":
                continue
            gone, came = list(range(i1, i2)), list(range(j1, j2))
            pairs = []
            if op == "replace":  # the same row with some values changed: the same date, role and action
                positional = len(gone) == len(came)
                for k, i in enumerate(range(i1, i2)):
                    key = _key_of(xs[i])
                    match = next((j for j in came if any(key) and _key_of(ys[j]) == key), None)
                    if match is None and positional and j1 + k in came:
                        match = j1 + k
                    if match is not None:
                        pairs.append((i, match))
                        gone.remove(i)
                        came.remove(match)
            for i in gone:
                self.add(section, REMOVED, _row_words(xs[i], self.roles), path=path + (i,))
            for j in came:
                self.add(section, ADDED, _row_words(ys[j], self.roles), path=path + (j,))
            for i, j in pairs:
                name = _dates(ys[j]) or _row_words(ys[j], self.roles)
                where = f"{section}{STEP}row {j + 1}" + (f" ({name})" if name else "")
                for row_spec in fields(spec.detail):
                    x, y = getattr(xs[i], row_spec.key), getattr(ys[j], row_spec.key)
                    if x != y:
                        self.value(row_spec, x, y, path + (j, row_spec.key), where)

    def keyed(self, spec: FieldSpec, xs: dict, ys: dict, path: tuple, section: str) -> None:
        """Tables keyed by name (shares by need, the allocation by level, salaries by role)."""
        inner = spec.unit.split(",")[0] if spec.unit else ""
        percent = inner.startswith("0 to 1")
        unit = _unit_words(inner) if not inner.startswith("0 to 1") else ""

        def words(v: Any) -> str:
            if isinstance(v, (int, float)) and not isinstance(v, bool):
                if percent:
                    return f"{format_number(round(v * 100, 4))}%"
                if inner.startswith("£"):
                    return f"£{format_number(v)}"
                return format_number(v)
            return _text(v, None, self.roles)

        for key in list(xs) + [k for k in ys if k not in xs]:
            name = self.roles.get(key) or str(key).replace("_", " ")
            if key not in ys:
                self.add(section, REMOVED, f"{name} ({words(xs[key])}{' ' + unit if unit else ''})", path=path + (key,))
            elif key not in xs:
                self.add(section, ADDED, f"{name} ({words(ys[key])}{' ' + unit if unit else ''})", path=path + (key,))
            elif xs[key] != ys[key]:
                if isinstance(xs[key], BaseModel):
                    self.model(spec.detail, xs[key], ys[key], path + (key,), f"{section}{STEP}{name}")
                else:
                    self.add(section, CHANGED, name, words(xs[key]), words(ys[key]), unit, path + (key,))


__all__ = ["ADDED", "ARROW", "CHANGED", "CSV_COLUMNS", "Difference", "NAMING_KEYS", "REMOVED", "STEP",
           "describe_differences", "differences_csv", "format_differences"]
