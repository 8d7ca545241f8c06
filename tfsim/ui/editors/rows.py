"""How a table editor's rows map to the file data (no Qt): one class per kind of table.

A table editor shows a list of flat tables (referral batches, the staffing plan), a list
of numbers (FTE of each worker), or a table keyed by name whose values are numbers,
lists (the allocation order) or flat tables.  Each :class:`Rows` subclass says which
columns there are, what each cell shows, what an edited cell writes and where, and what
a new row holds; :class:`tfsim.ui.editors.table.TableEditor` does the widgets.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from tfsim.scenario.introspect import (
    MISSING,
    SCALAR_KINDS,
    FieldSpec,
    Kind,
    NewItemContext,
    classify,
    fields,
    new_item,
    unused_choice,
)

from ..values import parse, parse_list

KEY = "__key__"  # the column holding a keyed table's names
VALUE = "__value__"  # the column holding a plain value
LIST = "list"  # a cell holding a comma-separated list


@dataclass(frozen=True)
class Column:
    key: str  # a field of the row's table, KEY or VALUE
    header: str
    kind: str  # a Kind or LIST
    help: str = ""
    choices: tuple = ()  # the allowed values of a choice, in schema order
    labels: tuple = ()  # what each choice means, in words (its tooltip)
    refers_to: str = ""  # what the cell names ("roles": a role id), chosen from the scenario's

    @property
    def editable(self) -> bool:
        """False for a nested value a cell cannot edit (it is shown and kept as it is)."""
        return self.kind in SCALAR_KINDS or self.kind == LIST

    @property
    def chosen(self) -> bool:
        """True for a cell whose value is picked from a list (a choice, or a name defined elsewhere)."""
        return self.kind != LIST and bool(self.choices or self.refers_to)

    @property
    def picked(self) -> bool:
        """True for a cell holding a list of names defined elsewhere: ticked in a list, in order, not typed."""
        return self.kind == LIST and bool(self.refers_to)

    def parse(self, text: str) -> Any:
        return parse_list(text, "text") if self.kind == LIST else parse(text, self.kind)


def _column(spec: FieldSpec) -> Column:
    choices = tuple(spec.detail) if spec.kind == Kind.CHOICE and spec.detail else ()
    labels = spec.choice_labels() if choices else {}
    return Column(spec.key, spec.title + (f" ({spec.unit})" if spec.unit else ""), spec.kind, spec.help,
                  choices, tuple(labels.get(c, str(c)) for c in choices), spec.refers_to)


def _table_columns(model) -> list[Column]:
    return [_column(s) for s in fields(model)]


class Rows:
    """Rows of a table at one key path; subclasses say how rows map to the data."""

    columns: list[Column]

    def rows(self, value: Any) -> list:  # pragma: no cover - overridden
        raise NotImplementedError

    def store(self, rows: list) -> Any:  # pragma: no cover - overridden
        raise NotImplementedError

    def cell(self, row: Any, key: str) -> Any:  # pragma: no cover - overridden
        raise NotImplementedError

    def edit(self, rows: list, r: int, column: Column, value: Any, text: str) -> tuple[tuple, Any]:
        """Apply an edited cell to ``rows`` (a copy); return (sub-path, value) to write."""
        raise NotImplementedError  # pragma: no cover - overridden

    def new_row(self, rows: list, context: NewItemContext | None = None) -> Any:  # pragma: no cover - overridden
        """A row to add that is valid at once: defaults, names chosen from ``context``, dates after the rows'.

        None when there is none to add: every role (or level) the rows name has a row already.
        """
        raise NotImplementedError

    def full(self) -> str:
        """Why :meth:`new_row` gave None, in words."""
        return "Every one is listed already."

    def locate(self, subpath: tuple, rows: list) -> tuple[int, str | None]:
        """(row, column key) of a problem at ``subpath`` below the table; row -1 when none."""
        raise NotImplementedError  # pragma: no cover - overridden

    def column_index(self, key: str | None) -> int | None:
        keys = [c.key for c in self.columns]
        return keys.index(key) if key in keys else None


class ListRows(Rows):
    """Rows are the items of a list; an edit writes the one item."""

    item_column: str | None = None  # the column of a problem at an item itself

    def rows(self, value: Any) -> list:
        return list(value) if isinstance(value, list) else []

    def store(self, rows: list) -> Any:
        return rows

    def locate(self, subpath: tuple, rows: list) -> tuple[int, str | None]:
        if not subpath:
            return -1, None
        r = subpath[0] if isinstance(subpath[0], int) else -1
        return r, subpath[1] if len(subpath) > 1 else self.item_column


class TableRows(ListRows):
    """A list of flat tables: one column per key (referral batches, the staffing plan)."""

    def __init__(self, model):
        self.model = model
        self.columns = _table_columns(model)

    def cell(self, row: Any, key: str) -> Any:
        return row.get(key, MISSING) if isinstance(row, dict) else MISSING

    def edit(self, rows, r, column, value, text):
        # an emptied cell leaves the key out (its default applies); names and labels may be blank
        if value is MISSING or (value == "" and column.key not in ("label", "name")):
            rows[r].pop(column.key, None)
        else:
            rows[r][column.key] = value
        fit = getattr(self.model, "fit_row", None)  # keys that go with the one set (a staffing change's action)
        if fit is not None and isinstance(rows[r], dict):
            rows[r] = fit(rows[r], column.key)
        return (r,), rows[r]

    def new_row(self, rows, context=None):
        # not a copy of the last row: a copied date breaks a table kept in date order
        return new_item(self.model, None, rows, context)


class NumberRows(ListRows):
    """A list of numbers (or dates, ...): one column."""

    item_column = VALUE

    def __init__(self, item_type: Any, unit: str, refers_to: str = ""):
        kind = classify(item_type)[0] if item_type is not Any else Kind.FLOAT
        self.refers_to = refers_to
        header = unit or ("Role" if refers_to == "roles" else "Value")
        self.columns = [Column(VALUE, header, kind, refers_to=refers_to)]

    def cell(self, row, key):
        return row

    def edit(self, rows, r, column, value, text):
        rows[r] = value if value is not MISSING else text
        return (r,), rows[r]

    def new_row(self, rows, context=None):
        if self.refers_to:  # a name not listed yet
            unused = [c for c in (context or NewItemContext()).choices(self.refers_to) if c not in rows]
            return unused[0] if unused else None
        return rows[-1] if rows else 1.0

    def full(self):
        return f"Every {_NOUNS.get(self.refers_to, 'name')} is listed already."


class KeyedRows(Rows):
    """A table keyed by name: rows are (name, value) pairs; an edit rewrites the table."""

    def rows(self, value: Any) -> list:
        return list(value.items()) if isinstance(value, dict) else []

    def store(self, rows: list) -> Any:
        return {k: v for k, v in rows}

    def cell(self, row, key):
        name, value = row
        if key == KEY:
            return name
        if key == VALUE:
            return value
        return value.get(key, MISSING) if isinstance(value, dict) else MISSING

    def edit(self, rows, r, column, value, text):
        name, val = rows[r]
        if column.key == KEY:
            rows[r] = (str(value), val)
        elif column.key == VALUE:
            rows[r] = (name, value)
        else:
            val = dict(val) if isinstance(val, dict) else {}
            if value is MISSING:
                val.pop(column.key, None)
            else:
                val[column.key] = value
            rows[r] = (name, val)
        return (), self.store(rows)

    keys_refer_to = ""

    def new_row(self, rows, context=None):
        context = context or NewItemContext()
        names = {k for k, _ in rows}
        choices = [c for c in context.choices(self.keys_refer_to) if c not in names] if self.keys_refer_to else []
        if choices:  # the first level (role, year) not in the table yet
            return choices[0], self.new_value(context)
        if self.keys_refer_to == "years":  # the year after the last listed
            years = [int(k) for k in names if isinstance(k, str) and k.isdigit()]
            year = max(years) + 1 if years else dt.date.today().year
            return (str(year), self.new_value(context)) if year <= 2099 else None
        if self.keys_refer_to:
            return None
        n, name = 1, "new"
        while name in names:
            n += 1
            name = f"new_{n}"
        return name, self.new_value(context)

    def new_value(self, context: NewItemContext) -> Any:  # pragma: no cover - overridden
        raise NotImplementedError

    def full(self):
        return f"Every {_NOUNS.get(self.keys_refer_to, 'name')} has a row already."

    def locate(self, subpath, rows):
        if not subpath:
            return -1, None
        names = [k for k, _ in rows]
        r = names.index(subpath[0]) if subpath[0] in names else -1
        return r, self.field_of(subpath)

    def field_of(self, subpath: tuple) -> str | None:
        return VALUE


class KeyedNumberRows(KeyedRows):
    """Numbers keyed by name (establishment FTE per role)."""

    def __init__(self, value_type: Any, unit: str, keys_refer_to: str = ""):
        self.keys_refer_to = keys_refer_to
        self.columns = [Column(KEY, _KEY_HEADERS.get(keys_refer_to, "Name"), Kind.TEXT, refers_to=keys_refer_to),
                        Column(VALUE, unit or "Value", classify(value_type)[0])]

    def new_value(self, context):
        return 0.0


class KeyedListRows(KeyedRows):
    """Lists keyed by name (the roles allowed for each intensity level, in order)."""

    def __init__(self, keys_refer_to: str = "", refers_to: str = ""):
        self.keys_refer_to, self.refers_to = keys_refer_to, refers_to
        noun = _KEY_HEADERS.get(refers_to, "")
        header = f"{noun}s, in order" if noun else "In order of preference (comma-separated)"
        self.columns = [Column(KEY, _KEY_HEADERS.get(keys_refer_to, "Name"), Kind.TEXT, refers_to=keys_refer_to),
                        Column(VALUE, header, LIST, refers_to=refers_to)]

    def new_value(self, context):
        # a list naming no role is a problem at once: start with the first role
        first = unused_choice(context.choices(self.refers_to), []) if self.refers_to else None
        return [first] if first else []


class KeyedTableRows(KeyedRows):
    """Flat tables keyed by name: a name column, then one column per key."""

    def __init__(self, model, keys_refer_to: str = ""):
        self.model, self.keys_refer_to = model, keys_refer_to
        self.columns = [Column(KEY, _KEY_HEADERS.get(keys_refer_to, "Name"), Kind.TEXT, refers_to=keys_refer_to)]
        self.columns += _table_columns(model)

    def new_value(self, context):
        return new_item(self.model, None, [], context)

    def field_of(self, subpath):
        return subpath[1] if len(subpath) > 1 else VALUE


#: The heading of a keyed table's name column, by what the names are.
_KEY_HEADERS = {"roles": "Role", "levels": "Intensity level", "years": "Financial year"}
_NOUNS = {k: v.lower() for k, v in _KEY_HEADERS.items()}


def rows_for(spec: FieldSpec) -> Rows:
    """The rows of a table-kind key (:data:`tfsim.scenario.introspect.TABLE_KINDS`)."""
    if spec.kind == Kind.LIST_TABLE:
        return TableRows(spec.detail)
    if spec.kind == Kind.LIST_SCALAR:
        return NumberRows(spec.detail, spec.unit, spec.refers_to)
    if spec.kind == Kind.DICT_SCALAR:
        return KeyedNumberRows(spec.detail, spec.unit, spec.keys_refer_to)
    if spec.kind == Kind.DICT_LIST:
        return KeyedListRows(spec.keys_refer_to, spec.refers_to)
    if spec.kind == Kind.DICT_TABLE:
        return KeyedTableRows(spec.detail, spec.keys_refer_to)
    raise ValueError(f"{spec.key} is not a table ({spec.kind})")
