"""One walk of the pydantic schema: what each key of each table is, for the docs and the editor.

For every field of a model, :func:`fields` gives a :class:`FieldSpec`: the kind of value
it holds (a number, a choice, a distribution, a table of rows, a nested table, ...), its
label and unit (from one table of unit suffixes), help, bounds, default, and how to make a
new item of a list.  :mod:`tfsim.scenario.reference` renders these as
``docs/scenario-format.md``; the app's editors (:mod:`tfsim.ui.editors`) pick their widget
from the kind.  Nothing here imports Qt.
"""

from __future__ import annotations

import copy
import datetime as dt
import enum
import functools
import re
import types
import typing
from dataclasses import dataclass
from typing import Any, Literal

import annotated_types
from pydantic import BaseModel
from pydantic.fields import FieldInfo
from pydantic_core import PydanticUndefined

from . import schema as S


class _Missing:
    """Marks an absent key (the schema default applies); survives deepcopy as itself."""

    def __copy__(self):
        return self

    def __deepcopy__(self, memo):
        return self

    def __repr__(self) -> str:
        return "MISSING"


MISSING = _Missing()

# --------------------------------------------------------------------------------------
# Units: the one table of key-name suffixes
# --------------------------------------------------------------------------------------

#: (suffix, unit, the suffix is dropped from the label): "duration_months" reads
#: "Duration" with unit "months"; "refusal_probability" keeps its word and reads 0 to 1.
UNIT_SUFFIXES: tuple[tuple[str, str, bool], ...] = (
    ("_per_month", "per month", True),
    ("_days", "days", True),
    ("_weeks", "weeks", True),
    ("_months", "months", True),
    ("_fte", "FTE", True),
    ("_probability", "0 to 1", False),
    ("_share", "0 to 1", False),
    ("_gbp", "£", True),
)


def unit_of(key: str) -> str:
    """The unit implied by a key name's suffix (``""`` when none)."""
    for suffix, unit, _drop in UNIT_SUFFIXES:
        if key.endswith(suffix):
            return unit
    return ""


def humanise(key: str) -> str:
    """A plain label for a key: 'caseload_cap_per_fte' -> 'Caseload cap per'."""
    base = key
    for suffix, _unit, drop in UNIT_SUFFIXES:
        if drop and base.endswith(suffix) and base != suffix.lstrip("_"):
            base = base[: -len(suffix)]
            break
    words = base.replace("_", " ").strip()
    words = re.sub(r"\bfte\b", "FTE", words)
    words = re.sub(r"\basb\b", "ASB", words)
    return words[:1].upper() + words[1:]


def label_and_unit(key: str, unit: str) -> tuple[str, str]:
    """Plain label and unit: 'caseload_cap_per_fte' -> ('Caseload cap', 'per FTE')."""
    label = humanise(key)
    if label.endswith(" per") and unit:  # a unit that names its own quantity ("families per FTE") is kept
        return label[:-4], unit if " per " in f" {unit} " else f"per {unit}"
    return label, unit


# --------------------------------------------------------------------------------------
# Kinds of value
# --------------------------------------------------------------------------------------


class Kind(enum.StrEnum):
    """What a key holds, which decides its editor."""

    MODEL = "model"  # a sub-table
    DISTRIBUTION = "distribution"  # a plain number or {distribution = kind, ...}
    CHOICE = "choice"
    DATE = "date"
    BOOL = "bool"
    INT = "int"
    FLOAT = "float"
    TEXT = "text"
    LIST_TABLE = "list_table"  # a list of flat tables (rows of scalars)
    LIST_PANELS = "list_panels"  # a list of nested tables (roles)
    LIST_SCALAR = "list_scalar"  # a list of numbers
    DICT_SCALAR = "dict_scalar"  # a table of numbers keyed by name
    DICT_LIST = "dict_list"  # a table of lists keyed by name
    DICT_TABLE = "dict_table"  # a table of flat tables keyed by name


SCALAR_KINDS = frozenset({Kind.CHOICE, Kind.DATE, Kind.BOOL, Kind.INT, Kind.FLOAT, Kind.TEXT})
TABLE_KINDS = frozenset({Kind.LIST_TABLE, Kind.LIST_SCALAR, Kind.DICT_SCALAR, Kind.DICT_LIST, Kind.DICT_TABLE})
_SCALAR_TYPES = {dt.date: Kind.DATE, bool: Kind.BOOL, int: Kind.INT, float: Kind.FLOAT, str: Kind.TEXT}


def is_model(tp: Any) -> bool:
    return isinstance(tp, type) and issubclass(tp, BaseModel)


def _is_distribution_union(args: tuple) -> bool:
    return set(a for a in args if isinstance(a, type)) >= set(S.DISTRIBUTION_KINDS.values())


def unwrap(annotation: Any) -> tuple[Any, bool]:
    """Strip Annotated and Optional; return (inner annotation, optional?).

    A union of every distribution comes back as the string ``"distribution"``.
    """
    optional = False
    while True:
        origin = typing.get_origin(annotation)
        if origin is typing.Annotated:
            annotation = typing.get_args(annotation)[0]
            continue
        if origin is typing.Union or origin is types.UnionType:
            args = typing.get_args(annotation)
            if _is_distribution_union(args):
                return ("distribution", optional)
            rest = [a for a in args if a is not type(None)]
            if len(rest) < len(args):
                optional = True
            if len(rest) == 1:
                annotation = rest[0]
                continue
            return annotation, optional
        return annotation, optional


def classify(annotation: Any) -> tuple[Kind, Any, bool]:
    """(kind, detail, optional) for a field annotation.

    ``detail`` is the model of a sub-table or of a table's rows, the allowed values of a
    choice, or the item type of a list of scalars.
    """
    tp, optional = unwrap(annotation)
    if tp == "distribution":
        return Kind.DISTRIBUTION, None, optional
    origin = typing.get_origin(tp)
    if is_model(tp):
        return Kind.MODEL, tp, optional
    if origin is Literal:
        return Kind.CHOICE, list(typing.get_args(tp)), optional
    if origin in (list, tuple):
        (item,) = typing.get_args(tp)[:1] or (Any,)
        inner, _ = unwrap(item)
        if is_model(inner):
            return (Kind.LIST_TABLE if is_flat(inner) else Kind.LIST_PANELS), inner, optional
        return Kind.LIST_SCALAR, inner, optional
    if origin is dict:
        args = typing.get_args(tp)
        value, _ = unwrap(args[1]) if len(args) > 1 else (Any, False)
        if is_model(value):
            return Kind.DICT_TABLE, value, optional
        if typing.get_origin(value) in (list, tuple):
            return Kind.DICT_LIST, unwrap(typing.get_args(value)[0])[0], optional
        return Kind.DICT_SCALAR, value, optional
    return _SCALAR_TYPES.get(tp, Kind.TEXT), None, optional


def is_flat(model: type[BaseModel]) -> bool:
    """True when every key of ``model`` is a scalar (its items fit a table's rows)."""
    return all(classify(f.annotation)[0] in SCALAR_KINDS for f in model.model_fields.values())


# --------------------------------------------------------------------------------------
# Text for the reference: type, bounds, default
# --------------------------------------------------------------------------------------


def type_text(annotation: Any) -> str:
    """The type of a key in words: 'number', 'list of table', 'distribution', ..."""
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if origin is typing.Annotated:
        return type_text(args[0])
    if origin is typing.Union or origin is types.UnionType:
        names = [type_text(a) for a in args if a is not type(None)]
        if _is_distribution_union(args):
            return "distribution"
        opt = " (optional)" if type(None) in args else ""
        return " or ".join(names) + opt
    if origin is typing.Literal:
        return " | ".join(f'"{a}"' for a in args)
    if origin in (list, tuple):
        return f"list of {type_text(args[0])}" if args else "list"
    if origin is dict:
        return f"table of {type_text(args[1])}" if args else "table"
    if annotation is dt.date:
        return "date"
    if is_model(annotation):
        return "table"
    return {float: "number", int: "integer", str: "text", bool: "true/false"}.get(annotation, str(annotation))


def bounds_text(info: FieldInfo) -> str:
    """The allowed range of a key: '>= 0, <= 1', 'at most 80 characters'."""
    parts = []
    for meta in info.metadata:
        for attr, sym in (("ge", ">="), ("gt", ">"), ("le", "<="), ("lt", "<")):
            value = getattr(meta, attr, None)
            if value is not None and isinstance(meta, (annotated_types.Ge, annotated_types.Gt, annotated_types.Le,
                                                       annotated_types.Lt, annotated_types.Interval)):
                parts.append(f"{sym} {value:g}" if isinstance(value, (int, float)) else f"{sym} {value}")
        noun = "characters" if info.annotation is str else "entries"
        if isinstance(meta, annotated_types.MaxLen):
            parts.append(f"at most {meta.max_length} {noun}")
        if isinstance(meta, annotated_types.MinLen) and meta.min_length:
            parts.append(f"at least {meta.min_length} {noun}")
        rule = getattr(getattr(meta, "func", None), "rule", None)  # a validator that says its rule in words
        if rule:
            parts.append(rule)
    return ", ".join(parts)


def default_text(info: FieldInfo, unit: str = "") -> tuple[str, bool]:
    """(the default as the reference shows it, required?); a distribution says itself in ``unit``."""
    if info.default is not PydanticUndefined:
        value = info.default
        if value is None:
            return "none", False
        if isinstance(value, bool):
            return str(value).lower(), False
        if isinstance(value, str):
            return f'"{value}"' if value else '""', False
        return str(value), False
    if info.default_factory is not None:
        value = info.default_factory()
        if isinstance(value, S.Fixed):
            return f"{value.value:g}", False  # written as a plain number in a file
        if isinstance(value, S.DistributionModel):
            return value.describe(unit), False
        if isinstance(value, BaseModel):
            return "(see table)", False
        if value in ([], {}):
            return "empty", False
        if isinstance(value, dict):
            return "{ " + ", ".join(f"{k} = {_toml(v)}" for k, v in value.items()) + " }", False
        return str(value), False
    return "required", True


def _toml(value: Any) -> str:
    if isinstance(value, str):
        return f'"{value}"'
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, list):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    return str(value)


def default_value(info: FieldInfo) -> Any:
    """The default as file data (a sub-table as a plain dict), or MISSING when required."""
    if info.default is not PydanticUndefined:
        return copy.deepcopy(info.default)
    if info.default_factory is not None:
        value = info.default_factory()
        if isinstance(value, BaseModel):
            return value.model_dump(mode="python", exclude_none=True)
        return value
    return MISSING


# --------------------------------------------------------------------------------------
# Fields
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FieldSpec:
    """Everything the docs and the editor know about one key of a table."""

    key: str
    type: str  # in words, for the reference
    unit: str
    default: str  # as the reference shows it
    bounds: str
    help: str
    required: bool
    kind: Kind
    detail: Any  # see classify
    optional: bool
    info: FieldInfo

    @property
    def title(self) -> str:
        """The key as a heading: 'Staffing plan'."""
        return humanise(self.key)

    @property
    def label(self) -> str:
        """The label beside the key's field, unit words removed: 'Caseload cap'."""
        return label_and_unit(self.key, self.unit)[0]

    @property
    def unit_label(self) -> str:
        """The unit shown after the field: 'per FTE'."""
        return label_and_unit(self.key, self.unit)[1]

    @property
    def max_length(self) -> int:
        """Longest text or list allowed (0 when unbounded)."""
        found = [m.max_length for m in self.info.metadata if isinstance(m, annotated_types.MaxLen)]
        return found[0] if found else 0

    @property
    def model_doc(self) -> str:
        """First line of the description of a sub-table or of a table's rows ("" for other kinds)."""
        doc = (self.detail.__doc__ or "").strip() if is_model(self.detail) else ""
        return doc.splitlines()[0] if doc else ""

    def default_value(self) -> Any:
        return default_value(self.info)

    @property
    def percent(self) -> bool:
        """Whether the value reads as a percentage in words (``0.16`` as ``16%``): shares, and rates the schema marks."""
        extra = self.info.json_schema_extra if isinstance(self.info.json_schema_extra, dict) else {}
        return bool(extra.get("percent")) or self.unit.startswith("0 to 1")

    def choice_labels(self) -> dict:
        return choice_labels(self.detail or [], self.help)

    @property
    def extra(self) -> dict:
        """The schema's hints for the key (``unit``, ``refers_to``, ...)."""
        return self.info.json_schema_extra if isinstance(self.info.json_schema_extra, dict) else {}

    @property
    def refers_to(self) -> str:
        """What the key's values name (``"roles"``: role ids), for a list to choose from; ``""``: free values."""
        return str(self.extra.get("refers_to", ""))

    @property
    def keys_refer_to(self) -> str:
        """What the names of a table keyed by name are (``"levels"``: intensity levels); ``""``: free names."""
        return str(self.extra.get("keys_refer_to", ""))


@functools.cache
def fields(model: type[BaseModel]) -> tuple[FieldSpec, ...]:
    """One :class:`FieldSpec` per key of ``model``, in schema order."""
    rows = []
    for name, info in model.model_fields.items():
        extra = info.json_schema_extra if isinstance(info.json_schema_extra, dict) else {}
        unit = extra.get("unit") or unit_of(name)
        default, required = default_text(info, unit)
        kind, detail, optional = classify(info.annotation)
        rows.append(FieldSpec(name, type_text(info.annotation), unit, default, bounds_text(info),
                              info.description or "", required, kind, detail, optional, info))
    return tuple(rows)


def field_map(model: type[BaseModel]) -> dict[str, FieldSpec]:
    """:func:`fields` keyed by name."""
    return {spec.key: spec for spec in fields(model)}


def choice_labels(choices: list, help_text: str) -> dict:
    """'fifo: first referred...; priority: ...' -> {'fifo': 'fifo - first referred...'}."""
    out = {c: str(c) for c in choices}
    for piece in re.split(r";\s*", help_text or ""):
        m = re.match(r"\s*([A-Za-z0-9_]+)\s*:\s*(.+)", piece)
        if m and m.group(1) in out:
            out[m.group(1)] = f"{m.group(1)} - {m.group(2).strip().rstrip('.')}"
    return out


_PLACEHOLDER = {Kind.INT: 1, Kind.FLOAT: 1.0, Kind.TEXT: ""}  # of required keys; dates start today


@dataclass(frozen=True)
class NewItemContext:
    """What a new row needs from the rest of the scenario to be valid at once.

    Attributes
    ----------
    first_day, last_day : datetime.date or None
        The scenario's start and end dates (None: not readable).
    choices : callable
        ``choices(name)``: the names a key ``refers_to`` (:func:`tfsim.scenario.schema.reference_choices`).
    """

    first_day: dt.date | None = None
    last_day: dt.date | None = None
    choices: typing.Callable[[str], list[str]] = lambda _name: []
    cohort_families: int | None = None  # families in the identified cohort's batches

    @classmethod
    def of(cls, data: Any) -> "NewItemContext":
        """The context of a scenario's file data (possibly invalid)."""
        data = data if isinstance(data, dict) else {}
        first, last = data.get("start_date"), data.get("end_date")
        referrals = data.get("referrals")
        cohort = referrals.get("cohort") if isinstance(referrals, dict) else None
        batches = [c.get("families") for c in cohort if isinstance(c, dict)] if isinstance(cohort, list) else []
        families = sum(n for n in batches if type(n) is int and n > 0)
        return cls(first if isinstance(first, dt.date) else None, last if isinstance(last, dt.date) else None,
                   lambda name: S.reference_choices(name, data), families or None)


def _month_after(day: dt.date) -> dt.date:
    month = day.month % 12 + 1
    year = day.year + (day.month == 12)
    for d in (day.day, 28):
        try:
            return dt.date(year, month, d)
        except ValueError:
            continue
    return day  # pragma: no cover - day 28 exists in every month


def new_date(spec: FieldSpec, existing: list, context: NewItemContext) -> dt.date:
    """The date of a new row: a month after the table's latest (rows in date order stay so), else the scenario's first day.

    A key the schema marks ``new = "end_date"`` (a deadline) starts at the scenario's last day;
    no date goes past it.
    """
    today = dt.date.today()
    if spec.extra.get("new") == "end_date" and context.last_day is not None:
        return context.last_day
    dates = [x.get(spec.key) for x in existing if isinstance(x, dict)]
    dates = [d for d in dates if isinstance(d, dt.date)]
    day = _month_after(max(dates)) if dates else (context.first_day or today)
    return min(day, context.last_day) if context.last_day is not None else day


def unused_choice(choices: list[str], used) -> str | None:
    """The first of ``choices`` not in ``used`` (else the first; None when there are none)."""
    used = set(used)
    return next((c for c in choices if c not in used), choices[0] if choices else None)


def new_item(model: type[BaseModel], like: dict | None, existing: list,
             context: NewItemContext | None = None) -> dict:
    """A new list item: a copy of ``like`` (the current item) or one made from the model's defaults.

    Made from the defaults, required numbers start at their lower bound (or 1), choices at
    their first value, keys naming a role at the first role (from ``context``), and dates
    as :func:`new_date` says (today without a context).  An ``id`` is made unique among
    ``existing`` and a copied ``name`` cleared.
    """
    context = context or NewItemContext()
    if like is not None and isinstance(like, dict):
        item = copy.deepcopy(like)
    else:
        item = {}
        for spec in fields(model):
            value = spec.default_value()
            if value is MISSING:
                value = new_date(spec, existing, context) if spec.kind is Kind.DATE else _PLACEHOLDER.get(spec.kind)
                if spec.kind is Kind.CHOICE and spec.detail:
                    value = spec.detail[0]
                if spec.kind is Kind.TEXT and spec.refers_to:
                    value = unused_choice(context.choices(spec.refers_to), []) or ""
                if spec.kind in (Kind.INT, Kind.FLOAT):
                    for meta in spec.info.metadata:
                        lo = getattr(meta, "ge", None) or getattr(meta, "gt", None)
                        if lo:
                            value = lo
                    if spec.extra.get("new") == "cohort_families" and context.cohort_families:
                        value = min(context.cohort_families, S.MAX_EXPECTED_FAMILIES)  # the whole cohort
            if value is not None and value is not MISSING:
                item[spec.key] = value
    if "id" in model.model_fields and isinstance(item.get("id"), str):
        ids = {x.get("id") for x in existing if isinstance(x, dict)}
        base = re.sub(r"_\d+$", "", item["id"]) or "item"
        n = 2
        while item["id"] in ids:
            item["id"] = f"{base}_{n}"
            n += 1
        if "name" in item:
            item["name"] = ""
    return item
