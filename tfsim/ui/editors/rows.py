"""How a table editor's rows map to the file data (no Qt): one class per kind of table.

A table editor shows a list of flat tables (referral batches, the staffing plan), a list
of numbers (FTE of each worker), or a table keyed by name whose values are numbers,
lists (the allocation order) or flat tables.  Each :class:`Rows` subclass says which
columns there are, what each cell shows, what an edited cell writes and where, and what
a new row holds; :class:`tfsim.ui.editors.table.TableEditor` does the widgets.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tfsim.scenario.introspect import MISSING, SCALAR_KINDS, FieldSpec, Kind, classify, fields, new_item

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

    @property
    def editable(self) -> bool:
        """False for a nested value a cell cannot edit (it is shown and kept as it is)."""
        return self.kind in SCALAR_KINDS or self.kind == LIST

    def parse(self, text: str) -> Any:
        return parse_list(text, "text") if self.kind == LIST else parse(text, self.kind)


def _table_columns(model) -> list[Column]:
    return [Column(s.key, s.title + (f" ({s.unit})" if s.unit else ""), s.kind, s.help) for s in fields(model)]


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

    def new_row(self, rows: list) -> Any:  # pragma: no cover - overridden
        raise NotImplementedError

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
        return (r,), rows[r]

    def new_row(self, rows):
        return new_item(self.model, rows[-1] if rows else None, rows)


class NumberRows(ListRows):
    """A list of numbers (or dates, ...): one column."""

    item_column = VALUE

    def __init__(self, item_type: Any, unit: str):
        kind = classify(item_type)[0] if item_type is not Any else Kind.FLOAT
        self.columns = [Column(VALUE, unit or "Value", kind)]

    def cell(self, row, key):
        return row

    def edit(self, rows, r, column, value, text):
        rows[r] = value if value is not MISSING else text
        return (r,), rows[r]

    def new_row(self, rows):
        return rows[-1] if rows else 1.0


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

    def new_row(self, rows):
        names = {k for k, _ in rows}
        n, name = 1, "new"
        while name in names:
            n += 1
            name = f"new_{n}"
        return name, self.new_value()

    def new_value(self) -> Any:  # pragma: no cover - overridden
        raise NotImplementedError

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

    def __init__(self, value_type: Any, unit: str):
        self.columns = [Column(KEY, "Name", Kind.TEXT), Column(VALUE, unit or "Value", classify(value_type)[0])]

    def new_value(self):
        return 0.0


class KeyedListRows(KeyedRows):
    """Lists keyed by name (the roles allowed for each intensity level, in order)."""

    def __init__(self):
        self.columns = [Column(KEY, "Name", Kind.TEXT), Column(VALUE, "In order of preference (comma-separated)", LIST)]

    def new_value(self):
        return []


class KeyedTableRows(KeyedRows):
    """Flat tables keyed by name: a name column, then one column per key."""

    def __init__(self, model):
        self.model = model
        self.columns = [Column(KEY, "Name", Kind.TEXT)] + _table_columns(model)

    def new_value(self):
        return new_item(self.model, None, [])

    def field_of(self, subpath):
        return subpath[1] if len(subpath) > 1 else VALUE


def rows_for(spec: FieldSpec) -> Rows:
    """The rows of a table-kind key (:data:`tfsim.scenario.introspect.TABLE_KINDS`)."""
    if spec.kind == Kind.LIST_TABLE:
        return TableRows(spec.detail)
    if spec.kind == Kind.LIST_SCALAR:
        return NumberRows(spec.detail, spec.unit)
    if spec.kind == Kind.DICT_SCALAR:
        return KeyedNumberRows(spec.detail, spec.unit)
    if spec.kind == Kind.DICT_LIST:
        return KeyedListRows()
    if spec.kind == Kind.DICT_TABLE:
        return KeyedTableRows(spec.detail)
    raise ValueError(f"{spec.key} is not a table ({spec.kind})")
