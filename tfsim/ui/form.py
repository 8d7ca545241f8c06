"""The scenario editor, generated from the pydantic schema (the single source of truth).

Nothing here names a scenario field: the form walks ``Scenario.model_fields``
recursively and picks an editor from each field's type:

* a sub-table (a model)            -> a group of fields (a tab at the top level)
* a distribution                   -> a kind selector plus its parameters
* a list of flat tables            -> an editable table with add/remove/reorder
* a list of nested tables (roles)  -> one panel per item with add/remove/reorder
* a list of numbers                -> a one-column table
* a table of numbers / of lists / of flat tables -> a key + value(s) table
* choice (Literal), date, number, text, yes/no -> the matching widget

Labels, units and tooltips come from :func:`tfsim.scenario.reference.field_rows`.
Each editor is bound to a key path; edits go to :class:`ScenarioDocument` (with undo)
and editors refresh themselves from the data.  Problems from ``check_data`` are shown
at the editor whose path is the longest prefix of the problem's path.
"""

from __future__ import annotations

import copy
import datetime as dt
import re
import types
import typing
from typing import Any, Literal

from pydantic import BaseModel
from pydantic_core import PydanticUndefined
from PySide6.QtCore import QDate, Qt, Signal
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QFormLayout,
    QFrame,
    QGroupBox,
    QHBoxLayout,
    QListWidget,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from tfsim.scenario import schema as S
from tfsim.scenario.reference import field_rows

from .state import MISSING, ScenarioDocument

ERROR_STYLE = "border: 2px solid #D55E00;"
ERROR_BRUSH = QBrush(QColor("#F9D3C0"))


def error_style(widget: QWidget) -> str:
    """A red border on this widget only (a bare style sheet would cascade to its children)."""
    if not widget.objectName():
        widget.setObjectName(f"field{id(widget)}")
    return f"#{widget.objectName()} {{ {ERROR_STYLE} }}"

# --------------------------------------------------------------------------------------
# Reading the schema
# --------------------------------------------------------------------------------------

DIST_CLASSES = set(S.DISTRIBUTION_KINDS.values())
DIST_LABELS = {kind: cls.label for kind, cls in S.DISTRIBUTION_KINDS.items()}
PARAM_LABELS = {"value": "value", "mean": "mean", "sd": "spread (standard deviation)", "low": "low",
                "high": "high", "mode": "most likely", "values": "values", "weights": "weights"}
UNIT_SUFFIXES = ("_per_month", "_days", "_weeks", "_months", "_fte", "_gbp")


def unwrap(annotation: Any) -> tuple[Any, bool]:
    """Strip Annotated and Optional; return (inner annotation, optional?)."""
    optional = False
    while True:
        origin = typing.get_origin(annotation)
        if origin is typing.Annotated:
            annotation = typing.get_args(annotation)[0]
            continue
        if origin is typing.Union or origin is types.UnionType:
            args = typing.get_args(annotation)
            if set(a for a in args if isinstance(a, type)) >= DIST_CLASSES:
                return ("distribution", optional)
            rest = [a for a in args if a is not type(None)]
            if len(rest) < len(args):
                optional = True
            if len(rest) == 1:
                annotation = rest[0]
                continue
            return annotation, optional
        return annotation, optional


def is_model(tp: Any) -> bool:
    return isinstance(tp, type) and issubclass(tp, BaseModel)


def classify(annotation: Any) -> tuple[str, Any, bool]:
    """(kind, detail, optional) for a field annotation."""
    tp, optional = unwrap(annotation)
    if tp == "distribution":
        return "distribution", None, optional
    origin = typing.get_origin(tp)
    if is_model(tp):
        return "model", tp, optional
    if origin is Literal:
        return "choice", list(typing.get_args(tp)), optional
    if origin in (list, tuple):
        (item,) = typing.get_args(tp)[:1] or (Any,)
        inner, _ = unwrap(item)
        if is_model(inner):
            return ("list_table" if is_flat(inner) else "list_panels"), inner, optional
        return "list_scalar", inner, optional
    if origin is dict:
        args = typing.get_args(tp)
        value, _ = unwrap(args[1]) if len(args) > 1 else (Any, False)
        if is_model(value):
            return "dict_table", value, optional
        if typing.get_origin(value) in (list, tuple):
            return "dict_list", unwrap(typing.get_args(value)[0])[0], optional
        return "dict_scalar", value, optional
    if tp is dt.date:
        return "date", None, optional
    if tp is bool:
        return "bool", None, optional
    if tp is int:
        return "int", None, optional
    if tp is float:
        return "float", None, optional
    if tp is str:
        return "text", None, optional
    return "text", None, optional


SCALAR_KINDS = {"choice", "date", "bool", "int", "float", "text"}


def is_flat(model: type[BaseModel]) -> bool:
    return all(classify(f.annotation)[0] in SCALAR_KINDS for f in model.model_fields.values())


def humanise(key: str) -> str:
    base = key
    for suffix in UNIT_SUFFIXES:
        if base.endswith(suffix) and base != suffix.lstrip("_"):
            base = base[: -len(suffix)]
            break
    words = base.replace("_", " ").strip()
    words = re.sub(r"\bfte\b", "FTE", words)
    words = re.sub(r"\basb\b", "ASB", words)
    return words[:1].upper() + words[1:]


def _max_len(doc) -> int:
    found = re.search(r"at most (\d+)", doc.bounds or "")
    return int(found.group(1)) if found else 0


def label_and_unit(key: str, unit: str) -> tuple[str, str]:
    """Plain label and unit: 'caseload_cap_per_fte' -> ('Caseload cap', 'per FTE')."""
    label = humanise(key)
    if label.endswith(" per") and unit:
        return label[:-4], f"per {unit}"
    return label, unit


def field_docs(model: type[BaseModel]) -> dict:
    return {row.key: row for row in field_rows(model)}


def tooltip_for(doc) -> str:
    parts = [doc.help]
    if doc.unit:
        parts.append(f"Unit: {doc.unit}.")
    if doc.bounds:
        parts.append(f"Allowed: {doc.bounds}.")
    if doc.default and not doc.required:
        parts.append(f"Default: {doc.default}.")
    if doc.required:
        parts.append("Required.")
    parts.append(f"Key in the file: {doc.key}")
    return "\n".join(p for p in parts if p)


def choice_labels(choices: list, help_text: str) -> dict:
    """'fifo: first referred...; priority: ...' -> {'fifo': 'fifo - first referred...'}."""
    out = {c: str(c) for c in choices}
    for piece in re.split(r";\s*", help_text or ""):
        m = re.match(r"\s*([A-Za-z0-9_]+)\s*:\s*(.+)", piece)
        if m and m.group(1) in out:
            out[m.group(1)] = f"{m.group(1)} - {m.group(2).strip().rstrip('.')}"
    return out


def default_for(info) -> Any:
    if info.default is not PydanticUndefined:
        return copy.deepcopy(info.default)
    if info.default_factory is not None:
        value = info.default_factory()
        if isinstance(value, BaseModel):
            return value.model_dump(mode="python", exclude_none=True)
        return value
    return MISSING


def new_item(model: type[BaseModel], like: dict | None, existing: list) -> dict:
    """A new list item: a copy of ``like`` (the last row) or the model's defaults."""
    if like is not None and isinstance(like, dict):
        item = copy.deepcopy(like)
    else:
        item = {}
        for key, info in model.model_fields.items():
            value = default_for(info)
            if value is MISSING:
                kind = classify(info.annotation)[0]
                value = {"date": dt.date.today(), "int": 1, "float": 1.0, "text": "",
                         "choice": None}.get(kind, None)
                if kind == "int" or kind == "float":
                    for meta in info.metadata:
                        lo = getattr(meta, "ge", None) or getattr(meta, "gt", None)
                        if lo:
                            value = lo
            if value is not None and value is not MISSING:
                item[key] = value
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


# --------------------------------------------------------------------------------------
# Value <-> text
# --------------------------------------------------------------------------------------


def fmt(value: Any) -> str:
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
    """Typed value from text; text that does not parse is kept as text so the check reports it."""
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
    return [parse(p, kind) for p in re.split(r"[,;\s]+", text.strip()) if p]


# --------------------------------------------------------------------------------------
# Editors
# --------------------------------------------------------------------------------------


class Editor:
    """Mixin of every bound editor: a key path, refresh from data, show problems, focus."""

    path: tuple = ()

    def refresh(self) -> None:  # pragma: no cover - overridden
        pass

    def show_problems(self, items: list[tuple[tuple, str]]) -> None:
        widget = self.problem_widget()
        if items:
            widget.setStyleSheet(error_style(widget))
            widget.setToolTip(self.base_tooltip + "\n\nProblem: " + "\n".join(m for _, m in items))
        else:
            widget.setStyleSheet("")
            widget.setToolTip(self.base_tooltip)

    def problem_widget(self) -> QWidget:
        return self  # type: ignore[return-value]

    def focus(self, subpath: tuple) -> None:
        w = self.problem_widget()
        w.setFocus(Qt.OtherFocusReason)


class ScalarEditor(QWidget, Editor):
    """One number, text, date, choice or yes/no value."""

    def __init__(self, form: "ScenarioForm", path: tuple, kind: str, detail: Any, optional: bool, doc):
        super().__init__()
        self.form, self.path, self.kind, self.optional = form, path, kind, optional
        self.base_tooltip = tooltip_for(doc) if doc else ""
        lay = QHBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        if kind == "choice":
            self.w = QComboBox()
            labels = choice_labels(detail, doc.help if doc else "")
            for c in detail:
                self.w.addItem(labels[c], c)
            self.w.currentIndexChanged.connect(self._commit)
        elif kind == "bool":
            self.w = QCheckBox()
            self.w.toggled.connect(self._commit)
        elif kind == "date":
            self.w = QDateEdit()
            self.w.setCalendarPopup(True)
            self.w.setDisplayFormat("d MMM yyyy")
            self.w.dateChanged.connect(self._commit)
        elif kind == "text" and doc and _max_len(doc) > 500:
            self.w = QPlainTextEdit()  # long free text (e.g. a description): several lines
            self.w.setFixedHeight(64)
            self.w.textChanged.connect(self._commit)
        else:
            self.w = QLineEdit()
            self.w.textChanged.connect(self._commit)
            if optional:
                self.w.setPlaceholderText("none")
            elif doc and not doc.required and doc.default not in ("", '""'):
                self.w.setPlaceholderText(f"default {doc.default}")
            if kind in ("int", "float"):
                self.w.setAlignment(Qt.AlignRight)
                self.w.setMaximumWidth(140)
        self.w.setToolTip(self.base_tooltip)
        lay.addWidget(self.w)
        if doc and doc.unit:
            unit = QLabel(label_and_unit(doc.key, doc.unit)[1])
            unit.setStyleSheet("color: #444;")
            lay.addWidget(unit)
        lay.addStretch(1) if kind in ("int", "float", "date", "bool") else None
        self.setSizePolicy(QSizePolicy.Preferred, QSizePolicy.Fixed)

    def problem_widget(self) -> QWidget:
        return self.w

    def value(self) -> Any:
        if self.kind == "choice":
            return self.w.currentData()
        if self.kind == "bool":
            return self.w.isChecked()
        if self.kind == "date":
            q = self.w.date()
            return dt.date(q.year(), q.month(), q.day())
        if isinstance(self.w, QPlainTextEdit):
            return self.w.toPlainText()
        value = parse(self.w.text(), self.kind)
        if value == "" and self.kind == "text" and not self.optional:
            return ""
        if value == "" and self.optional:
            return MISSING
        if value is MISSING and self.kind in ("int", "float"):
            return MISSING  # empty: the key is left out and the default applies
        return value

    def _commit(self, *_):
        if self.form.refreshing:
            return
        self.form.doc.set_value(self.path, self.value(), merge=isinstance(self.w, (QLineEdit, QPlainTextEdit)))

    def refresh(self) -> None:
        value = self.form.doc.get(self.path, MISSING)
        if self.kind == "choice":
            i = self.w.findData(value)
            self.w.setCurrentIndex(i if i >= 0 else 0)
        elif self.kind == "bool":
            self.w.setChecked(bool(value) if value is not MISSING else False)
        elif self.kind == "date":
            if isinstance(value, dt.date):
                self.w.setDate(QDate(value.year, value.month, value.day))
        elif isinstance(self.w, QPlainTextEdit):
            if self.w.toPlainText() != (value if isinstance(value, str) else ""):
                self.w.setPlainText(value if isinstance(value, str) else "")
        else:
            current = self.value()
            if current != value or type(current) is not type(value):
                if not (value is MISSING and self.w.text() == ""):
                    self.w.setText(fmt(value))
                    self.w.setCursorPosition(0)


class DistributionEditor(QWidget, Editor):
    """A distribution: a plain number (fixed) or {distribution = kind, params...}."""

    def __init__(self, form: "ScenarioForm", path: tuple, doc, default: Any = MISSING):
        super().__init__()
        self.form, self.path = form, path
        self.default = default
        self.base_tooltip = tooltip_for(doc) if doc else ""
        self.unit = doc.unit if doc else ""
        self.lay = QVBoxLayout(self)
        self.lay.setContentsMargins(0, 0, 0, 0)
        self.lay.setSpacing(2)
        self.kind = QComboBox()
        self.kind.setSizeAdjustPolicy(QComboBox.AdjustToContents)
        for kind, cls in S.DISTRIBUTION_KINDS.items():
            self.kind.addItem(DIST_LABELS.get(kind, kind), kind)
            self.kind.setItemData(self.kind.count() - 1, (cls.__doc__ or "").strip(), Qt.ToolTipRole)
        self.kind.setToolTip(self.base_tooltip)
        self.kind.currentIndexChanged.connect(self._kind_changed)
        top = QHBoxLayout()
        top.addWidget(self.kind)
        top.addStretch(1)
        self.lay.addLayout(top)
        self.params: dict[str, QLineEdit] = {}
        self.param_box = QWidget()
        self.param_lay = QHBoxLayout(self.param_box)
        self.param_lay.setContentsMargins(0, 0, 0, 0)
        self.lay.addWidget(self.param_box, 1)
        self.built_for = None

    def problem_widget(self) -> QWidget:
        return self.kind

    def current(self) -> dict:
        value = self.form.doc.get(self.path, MISSING)
        if value is MISSING:
            value = self.default
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return {"distribution": "fixed", "value": value}
        return dict(value) if isinstance(value, dict) else {"distribution": "fixed", "value": 1}

    def _build(self, kind: str) -> None:
        if self.built_for == kind:
            return
        while self.param_lay.count():
            item = self.param_lay.takeAt(0)
            if item.widget():
                item.widget().deleteLater()
        self.params = {}
        cls = S.DISTRIBUTION_KINDS.get(kind, S.Fixed)
        docs = field_docs(cls)
        for key in cls.model_fields:
            if key == "distribution":
                continue
            label = QLabel(PARAM_LABELS.get(key, key))
            label.setToolTip(docs[key].help)
            edit = QLineEdit()
            edit.setToolTip(docs[key].help)
            edit.setMaximumWidth(180 if key in ("values", "weights") else 70)
            if key not in ("values", "weights"):
                edit.setAlignment(Qt.AlignRight)
            edit.textChanged.connect(lambda _t, k=key: self._param_edited(k))
            self.param_lay.addWidget(label)
            self.param_lay.addWidget(edit)
            self.params[key] = edit
        if self.unit:
            self.param_lay.addWidget(QLabel(self.unit))
        self.param_lay.addStretch(1)
        self.built_for = kind

    def refresh(self) -> None:
        cur = self.current()
        kind = cur.get("distribution", "fixed")
        i = self.kind.findData(kind)
        self.kind.setCurrentIndex(i if i >= 0 else 0)
        self._build(kind)
        for key, edit in self.params.items():
            value = cur.get(key, MISSING)
            shown = self._parse(key, edit.text())
            if shown != value:
                edit.setText(fmt(value))

    def _parse(self, key: str, text: str) -> Any:
        if key in ("values", "weights"):
            if not text.strip():
                return MISSING
            return parse_list(text, "float")
        return parse(text, "float")

    def _param_edited(self, key: str) -> None:
        if self.form.refreshing:
            return
        cur = self.current()
        value = self._parse(key, self.params[key].text())
        if value is MISSING:
            cur.pop(key, None)
        else:
            cur[key] = value
        self.form.doc.set_value(self.path, self._store(cur), merge=True)

    @staticmethod
    def _store(cur: dict) -> Any:
        if cur.get("distribution") == "fixed" and set(cur) == {"distribution", "value"}:
            return cur["value"]  # a plain number means fixed
        return cur

    def _kind_changed(self, _i: int) -> None:
        if self.form.refreshing:
            return
        kind = self.kind.currentData()
        cur = self.current()
        if cur.get("distribution") == kind:
            return
        m = 1.0
        for key in ("value", "mean", "mode"):
            if isinstance(cur.get(key), (int, float)):
                m = float(cur[key])
                break
        else:
            if isinstance(cur.get("low"), (int, float)) and isinstance(cur.get("high"), (int, float)):
                m = (cur["low"] + cur["high"]) / 2
            elif isinstance(cur.get("values"), list) and cur["values"]:
                m = float(sum(cur["values"]) / len(cur["values"]))

        def r(x):
            return round(x, 4)

        new = {
            "fixed": {"distribution": "fixed", "value": r(m)},
            "exponential": {"distribution": "exponential", "mean": r(m) or 1},
            "uniform": {"distribution": "uniform", "low": r(m * 0.5), "high": r(m * 1.5)},
            "triangular": {"distribution": "triangular", "low": r(m * 0.5), "mode": r(m), "high": r(m * 1.5) or 1},
            "lognormal": {"distribution": "lognormal", "mean": r(m) or 1, "sd": r(m * 0.25) or 0.25},
            "gamma": {"distribution": "gamma", "mean": r(m) or 1, "sd": r(m * 0.25) or 0.25},
            "empirical": {"distribution": "empirical", "values": [r(m)]},
        }.get(kind, {"distribution": kind})
        self.form.doc.set_value(self.path, self._store(new), text=f"Change {self.path[-1]} to {kind}")


class TableEditor(QWidget, Editor):
    """A list of flat tables, a list of numbers, or a table keyed by name.

    mode: 'list_table' (rows are dicts), 'list_scalar' (rows are numbers),
    'dict_scalar' / 'dict_list' / 'dict_table' (first column is the key).
    """

    def __init__(self, form: "ScenarioForm", path: tuple, mode: str, detail: Any, doc, title: str):
        super().__init__()
        self.form, self.path, self.mode, self.detail = form, path, mode, detail
        self.base_tooltip = tooltip_for(doc) if doc else ""
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        self.columns: list[tuple[str, str, str]] = []  # (key, header, kind)
        if mode in ("list_table", "dict_table"):
            docs = field_docs(detail)
            if mode == "dict_table":
                self.columns.append(("__key__", "Name", "text"))
            for key, info in detail.model_fields.items():
                kind = classify(info.annotation)[0]
                unit = docs[key].unit
                self.columns.append((key, humanise(key) + (f" ({unit})" if unit else ""), kind))
        elif mode == "list_scalar":
            kind = classify(detail)[0] if detail is not Any else "float"
            self.columns.append(("__value__", doc.unit or "Value" if doc else "Value", kind))
        elif mode == "dict_scalar":
            kind = classify(detail)[0]
            self.columns += [("__key__", "Name", "text"), ("__value__", (doc.unit if doc else "") or "Value", kind)]
        elif mode == "dict_list":
            self.columns += [("__key__", "Name", "text"),
                             ("__value__", "In order of preference (comma-separated)", "list")]
        self.table = QTableWidget(0, len(self.columns))
        self.table.setHorizontalHeaderLabels([c[1] for c in self.columns])
        header = self.table.horizontalHeader()
        if len(self.columns) > 3:
            # wide tables (the staffing plan): every column wide enough to read, scroll sideways
            header.setSectionResizeMode(QHeaderView.ResizeToContents)
            header.setStretchLastSection(True)
            self.table.setHorizontalScrollBarPolicy(Qt.ScrollBarAsNeeded)
        else:
            header.setSectionResizeMode(QHeaderView.Stretch)
        self.table.verticalHeader().setDefaultSectionSize(26)
        self.table.setMinimumWidth(160)  # scroll sideways rather than widen the whole panel
        self.table.setSelectionBehavior(QAbstractItemView.SelectRows)
        self.table.setToolTip(self.base_tooltip)
        self.table.itemChanged.connect(self._item_changed)
        if mode in ("list_table", "dict_table"):
            for i, (key, _h, _k) in enumerate(self.columns):
                if key in detail.model_fields:
                    item = self.table.horizontalHeaderItem(i)
                    item.setToolTip(field_docs(detail)[key].help)
        lay.addWidget(self.table)
        buttons = QHBoxLayout()
        noun = title.lower()
        # short labels so a table nested two sections deep still fits the panel
        for label, slot, tip in (("Add", self.add_row, f"Add a row to {noun}"),
                                 ("Remove", self.remove_row, "Remove the selected row"),
                                 ("Up", lambda: self.move(-1), "Move the selected row up"),
                                 ("Down", lambda: self.move(1), "Move the selected row down")):
            b = QToolButton()  # no 80-pixel minimum as push buttons have
            b.setText(label)
            b.setToolTip(tip)
            b.clicked.connect(slot)
            buttons.addWidget(b)
        buttons.addStretch(1)
        lay.addLayout(buttons)

    def problem_widget(self) -> QWidget:
        return self.table

    def rows(self) -> list:
        value = self.form.doc.get(self.path, [] if self.mode.startswith("list") else {})
        if self.mode.startswith("list"):
            return list(value) if isinstance(value, list) else []
        return list(value.items()) if isinstance(value, dict) else []

    def cell_value(self, row: Any, key: str) -> Any:
        if self.mode == "list_scalar":
            return row
        if self.mode.startswith("dict"):
            name, value = row
            if key == "__key__":
                return name
            if key == "__value__":
                return value
            return value.get(key, MISSING) if isinstance(value, dict) else MISSING
        return row.get(key, MISSING) if isinstance(row, dict) else MISSING

    def refresh(self) -> None:
        rows = self.rows()
        self.table.blockSignals(True)
        self.table.setRowCount(len(rows))
        for r, row in enumerate(rows):
            for c, (key, _h, _k) in enumerate(self.columns):
                text = fmt(self.cell_value(row, key))
                item = self.table.item(r, c)
                if item is None:
                    item = QTableWidgetItem(text)
                    if _k not in SCALAR_KINDS and _k != "list":
                        # a nested value this table cannot edit in a cell: shown, kept, not editable
                        item.setFlags(item.flags() & ~Qt.ItemIsEditable)
                        item.setToolTip("Edit this value in the scenario file; it is kept as it is.")
                    self.table.setItem(r, c, item)
                elif item.text() != text:
                    item.setText(text)
        self.table.setFixedHeight(min(32 + 26 * (len(rows) + 1), 330))
        self.table.blockSignals(False)

    def _store(self, rows: list) -> Any:
        if self.mode.startswith("list"):
            return rows
        return {k: v for k, v in rows}

    def _item_changed(self, item: QTableWidgetItem) -> None:
        if self.form.refreshing:
            return
        r, c = item.row(), item.column()
        key, _h, kind = self.columns[c]
        rows = copy.deepcopy(self.rows())
        if r >= len(rows):
            return
        text = item.text()
        value = parse_list(text, "text") if kind == "list" else parse(text, kind)
        if self.mode == "list_scalar":
            rows[r] = value if value is not MISSING else text
            self.form.doc.set_value(self.path + (r,), rows[r])
            return
        if self.mode == "list_table":
            if value is MISSING or (value == "" and key not in ("label", "name")):
                rows[r].pop(key, None)
            else:
                rows[r][key] = value
            self.form.doc.set_value(self.path + (r,), rows[r])
            return
        name, val = rows[r]
        if key == "__key__":
            rows[r] = (str(value), val)
        elif key == "__value__":
            rows[r] = (name, value)
        else:
            val = dict(val) if isinstance(val, dict) else {}
            if value is MISSING:
                val.pop(key, None)
            else:
                val[key] = value
            rows[r] = (name, val)
        self.form.doc.set_value(self.path, self._store(rows))

    def selected_row(self) -> int:
        rows = sorted({i.row() for i in self.table.selectedIndexes()})
        if rows:
            return rows[0]
        return self.table.currentRow()

    def add_row(self) -> None:
        rows = copy.deepcopy(self.rows())
        if self.mode == "list_table":
            rows.append(new_item(self.detail, rows[-1] if rows else None, rows))
        elif self.mode == "list_scalar":
            rows.append(rows[-1] if rows else 1.0)
        else:
            names = {k for k, _ in rows}
            n, name = 1, "new"
            while name in names:
                n += 1
                name = f"new_{n}"
            if self.mode == "dict_table":
                rows.append((name, new_item(self.detail, None, [])))
            elif self.mode == "dict_list":
                rows.append((name, []))
            else:
                rows.append((name, 0.0))
        self.form.doc.set_value(self.path, self._store(rows), text="Add row")
        self.table.selectRow(len(rows) - 1)

    def remove_row(self) -> None:
        r = self.selected_row()
        rows = copy.deepcopy(self.rows())
        if 0 <= r < len(rows):
            del rows[r]
            self.form.doc.set_value(self.path, self._store(rows), text="Remove row")

    def move(self, step: int) -> None:
        r = self.selected_row()
        rows = copy.deepcopy(self.rows())
        j = r + step
        if 0 <= r < len(rows) and 0 <= j < len(rows):
            rows[r], rows[j] = rows[j], rows[r]
            self.form.doc.set_value(self.path, self._store(rows), text="Move row")
            self.table.selectRow(j)

    def _cell_for(self, subpath: tuple) -> tuple[int, int | None]:
        if not subpath:
            return -1, None
        if self.mode.startswith("list"):
            r = subpath[0] if isinstance(subpath[0], int) else -1
            key = subpath[1] if len(subpath) > 1 else ("__value__" if self.mode == "list_scalar" else None)
        else:
            names = [k for k, _ in self.rows()]
            r = names.index(subpath[0]) if subpath[0] in names else -1
            key = subpath[1] if len(subpath) > 1 and self.mode == "dict_table" else "__value__"
        cols = [c[0] for c in self.columns]
        return r, (cols.index(key) if key in cols else None)

    def show_problems(self, items: list[tuple[tuple, str]]) -> None:
        self.table.blockSignals(True)
        for r in range(self.table.rowCount()):
            for c in range(self.table.columnCount()):
                it = self.table.item(r, c)
                if it is not None:
                    it.setBackground(QBrush())
                    it.setToolTip("")
        whole = []
        for sub, msg in items:
            r, c = self._cell_for(sub)
            if r < 0 or r >= self.table.rowCount():
                whole.append(msg)
                continue
            for cc in ([c] if c is not None else range(self.table.columnCount())):
                it = self.table.item(r, cc)
                if it is not None:
                    it.setBackground(ERROR_BRUSH)
                    it.setToolTip(msg)
        self.table.blockSignals(False)
        self.table.setStyleSheet(error_style(self.table) if whole else "")
        self.table.setToolTip(self.base_tooltip + ("\n\nProblem: " + "\n".join(whole) if whole else ""))

    def focus(self, subpath: tuple) -> None:
        self.table.setFocus(Qt.OtherFocusReason)
        r, c = self._cell_for(subpath)
        if 0 <= r < self.table.rowCount():
            self.table.setCurrentCell(r, c if c is not None else 0)


class PanelListEditor(QWidget, Editor):
    """A list of nested tables (e.g. roles): one panel per item, with add/remove/reorder."""

    def __init__(self, form: "ScenarioForm", path: tuple, model: type[BaseModel], doc, title: str):
        super().__init__()
        self.form, self.path, self.model, self.title = form, path, model, title
        self.base_tooltip = tooltip_for(doc) if doc else ""
        self.lay = QVBoxLayout(self)
        self.lay.setContentsMargins(0, 0, 0, 0)
        self.tabs = QTabWidget()
        self.tabs.setElideMode(Qt.ElideRight)
        self.tabs.setToolTip(self.base_tooltip)
        self.lay.addWidget(self.tabs)
        buttons = QHBoxLayout()
        item_noun = humanise(path[-1]).rstrip("s").lower() if isinstance(path[-1], str) else "item"
        for label, slot in ((f"Add {item_noun}", self.add), (f"Remove this {item_noun}", self.remove),
                            ("Move left", lambda: self.move(-1)), ("Move right", lambda: self.move(1))):
            b = QPushButton(label)
            b.clicked.connect(slot)
            buttons.addWidget(b)
        buttons.addStretch(1)
        self.lay.addLayout(buttons)
        self.count = -1

    def problem_widget(self) -> QWidget:
        return self.tabs

    def items(self) -> list:
        value = self.form.doc.get(self.path, [])
        return value if isinstance(value, list) else []

    def refresh(self) -> None:
        items = self.items()
        if len(items) != self.count:
            current = self.tabs.currentIndex()
            self.form.forget(self.path, keep_self=True)
            while self.tabs.count():
                w = self.tabs.widget(0)
                self.tabs.removeTab(0)
                w.deleteLater()
            for i in range(len(items)):
                page = self.form.build_model_page(self.model, self.path + (i,))
                holder = SectionEditor("", self.path + (i,), self.base_tooltip)
                holder.setFlat(True)
                QVBoxLayout(holder).addWidget(page)
                holder.layout().setContentsMargins(0, 0, 0, 0)
                self.form.editors[self.path + (i,)] = holder
                self.tabs.addTab(holder, "")
            self.count = len(items)
            self.tabs.setCurrentIndex(min(max(current, 0), self.count - 1))
        for i, item in enumerate(items):
            label = ""
            if isinstance(item, dict):
                label = str(item.get("name") or item.get("id") or "")
            self.tabs.setTabText(i, label[:24] + ("..." if len(label) > 24 else "") or f"{i + 1}")
            self.tabs.setTabToolTip(i, label)

    def add(self) -> None:
        items = copy.deepcopy(self.items())
        items.append(new_item(self.model, items[self.tabs.currentIndex()] if items else None, items))
        self.form.doc.set_value(self.path, items, text=f"Add to {self.title}")
        self.tabs.setCurrentIndex(len(items) - 1)

    def remove(self) -> None:
        items = copy.deepcopy(self.items())
        i = self.tabs.currentIndex()
        if 0 <= i < len(items):
            del items[i]
            self.form.doc.set_value(self.path, items, text=f"Remove from {self.title}")

    def move(self, step: int) -> None:
        items = copy.deepcopy(self.items())
        i = self.tabs.currentIndex()
        j = i + step
        if 0 <= i < len(items) and 0 <= j < len(items):
            items[i], items[j] = items[j], items[i]
            self.form.doc.set_value(self.path, items, text=f"Reorder {self.title}")
            self.tabs.setCurrentIndex(j)

    def show_problems(self, items: list[tuple[tuple, str]]) -> None:
        bad = {sub[0] for sub, _ in items if sub and isinstance(sub[0], int)}
        whole = [m for sub, m in items if not sub or not isinstance(sub[0], int)]
        bar = self.tabs.tabBar()
        for i in range(self.tabs.count()):
            bar.setTabTextColor(i, QColor("#D55E00") if i in bad else QColor())
        self.tabs.setStyleSheet(error_style(self.tabs) if whole else "")
        self.tabs.setToolTip(self.base_tooltip + ("\n\nProblem: " + "\n".join(whole) if whole else ""))

    def focus(self, subpath: tuple) -> None:
        if subpath and isinstance(subpath[0], int) and subpath[0] < self.tabs.count():
            self.tabs.setCurrentIndex(subpath[0])
        self.tabs.setFocus(Qt.OtherFocusReason)


def section_intro(help_text: str, model_doc: str | None) -> str:
    """The key's help and its table's description, without saying the same thing twice."""
    first = (model_doc or "").strip().splitlines()[0] if model_doc and model_doc.strip() else ""
    if not first:
        return help_text
    if first.lower().startswith(help_text.rstrip(".").lower()):
        return first
    return f"{help_text}  {first}"


class SectionEditor(QGroupBox, Editor):
    """A sub-table whose problems concern the table as a whole (e.g. shares summing to 1)."""

    def __init__(self, title: str, path: tuple, tooltip: str):
        super().__init__(title)
        self.path = path
        self.base_tooltip = tooltip
        self.setToolTip(tooltip)
        self.note = QLabel()
        self.note.setWordWrap(True)
        self.note.setStyleSheet("color: #B34700; font-weight: bold;")
        self.note.hide()

    def show_problems(self, items):
        self.setStyleSheet(error_style(self) if items else "")
        self.setToolTip(self.base_tooltip + ("\n\nProblem: " + "\n".join(m for _, m in items) if items else ""))
        text = "\n".join(("/".join(map(str, sub)) + ": " if sub else "") + m for sub, m in items)
        if self.layout() is not None and self.note.parent() is not self:
            self.layout().insertWidget(0, self.note)
        self.note.setText(text)
        self.note.setVisible(bool(items) and self.layout() is not None)


# --------------------------------------------------------------------------------------
# The form
# --------------------------------------------------------------------------------------


class ScenarioForm(QWidget):
    """Tabs of grouped fields generated from ``Scenario`` (or any model)."""

    problemsChanged = Signal(list)

    def __init__(self, doc: ScenarioDocument, model: type[BaseModel] = S.Scenario, parent=None):
        super().__init__(parent)
        self.doc, self.model = doc, model
        self.refreshing = False
        self.editors: dict[tuple, Editor] = {}
        self.sections: dict[tuple, int] = {}  # top-level key -> tab index
        lay = QHBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(4)
        # Sections are listed down the left, all visible at once: a tab strip this narrow
        # hid Roles, Workforce and Money behind scroll arrows.  The tab widget stays (its
        # bar hidden) as the page stack, so problems and focus work through one index.
        self.nav = QListWidget()
        self.nav.setFixedWidth(136)
        self.nav.setHorizontalScrollBarPolicy(Qt.ScrollBarAlwaysOff)
        self.nav.setToolTip("Parts of the scenario: click one to edit it. Parts with problems are shown in orange.")
        self.tabs = QTabWidget()
        self.tabs.tabBar().hide()
        lay.addWidget(self.nav)
        lay.addWidget(self.tabs, 1)
        self._build_top()
        for i in range(self.tabs.count()):
            self.nav.addItem(self.tabs.tabText(i))
        self.nav.setCurrentRow(0)
        self.nav.currentRowChanged.connect(self.tabs.setCurrentIndex)
        self.tabs.currentChanged.connect(self.nav.setCurrentRow)
        doc.changed.connect(self._on_changed)
        self.refresh()

    # ---- building -------------------------------------------------------------------

    def _scroll(self, inner: QWidget) -> QScrollArea:
        area = QScrollArea()
        area.setWidgetResizable(True)
        area.setFrameShape(QFrame.NoFrame)
        area.setWidget(inner)
        return area

    def _build_top(self) -> None:
        docs = field_docs(self.model)
        general = QWidget()
        general_lay = QVBoxLayout(general)
        general_form = QFormLayout()
        general_form.setFieldGrowthPolicy(QFormLayout.ExpandingFieldsGrow)
        general_lay.addLayout(general_form)
        general_lay.addStretch(1)
        self.tabs.addTab(self._scroll(general), "General")
        for key, info in self.model.model_fields.items():
            kind, detail, optional = classify(info.annotation)
            doc = docs[key]
            if kind in SCALAR_KINDS or kind == "distribution":
                if key == "schema_version":
                    continue
                self._add_row(general_form, (key,), key, kind, detail, optional, doc, default_for(info))
                self.sections[(key,)] = 0
                continue
            page = QWidget()
            page_lay = QVBoxLayout(page)
            intro = QLabel(section_intro(doc.help, detail.__doc__ if detail and is_model(detail) else None))
            intro.setWordWrap(True)
            intro.setStyleSheet("color: #333;")
            page_lay.addWidget(intro)
            page_lay.addWidget(self.build_editor((key,), key, kind, detail, optional, doc))
            page_lay.addStretch(1)
            self.tabs.addTab(self._scroll(page), humanise(key))
            self.tabs.setTabToolTip(self.tabs.count() - 1, tooltip_for(doc))
            self.sections[(key,)] = self.tabs.count() - 1

    def _add_row(self, form: QFormLayout, path: tuple, key: str, kind, detail, optional, doc,
                 default: Any = MISSING) -> None:
        editor = self.build_editor(path, key, kind, detail, optional, doc, default)
        label = QLabel(label_and_unit(key, doc.unit)[0] + (" *" if doc.required else ""))
        label.setToolTip(tooltip_for(doc))
        label.setBuddy(editor.problem_widget())
        form.addRow(label, editor)

    def build_editor(self, path: tuple, key: str, kind, detail, optional, doc, default: Any = MISSING) -> QWidget:
        title = humanise(key)
        if kind in SCALAR_KINDS:
            ed = ScalarEditor(self, path, kind, detail, optional, doc)
        elif kind == "distribution":
            ed = DistributionEditor(self, path, doc, default)
        elif kind in ("list_table", "list_scalar", "dict_scalar", "dict_list", "dict_table"):
            ed = TableEditor(self, path, kind, detail, doc, title)
        elif kind == "list_panels":
            ed = PanelListEditor(self, path, detail, doc, title)
        elif kind == "model":
            ed = SectionEditor("", path, tooltip_for(doc))
            ed.setFlat(True)
            ed.setLayout(QVBoxLayout())
            ed.layout().setContentsMargins(0, 0, 0, 0)
            ed.layout().addWidget(self.build_model_page(detail, path))
        else:  # pragma: no cover
            ed = ScalarEditor(self, path, "text", None, optional, doc)
        self.editors[path] = ed
        return ed

    def build_model_page(self, model: type[BaseModel], path: tuple) -> QWidget:
        """Fields of a sub-table: simple keys in a form, tables and sub-tables in boxes."""
        page = QWidget()
        lay = QVBoxLayout(page)
        lay.setContentsMargins(4, 4, 4, 4)
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.ExpandingFieldsGrow)
        # a long label ("Employment unsupported probability") puts its field on the next
        # line rather than pushing the field and its unit out of the narrow panel
        form.setRowWrapPolicy(QFormLayout.WrapLongRows)
        lay.addLayout(form)
        docs = field_docs(model)
        for key, info in model.model_fields.items():
            kind, detail, optional = classify(info.annotation)
            doc = docs[key]
            if kind in SCALAR_KINDS or kind == "distribution":
                self._add_row(form, path + (key,), key, kind, detail, optional, doc, default_for(info))
            else:
                unit = f" ({doc.unit})" if doc.unit else ""
                box = SectionEditor(humanise(key) + unit, path + (key,), tooltip_for(doc))
                box_lay = QVBoxLayout(box)
                help_label = QLabel(doc.help)
                help_label.setWordWrap(True)
                help_label.setStyleSheet("color: #333;")
                box_lay.addWidget(help_label)
                if kind == "model":
                    box_lay.addWidget(self.build_model_page(detail, path + (key,)))
                    self.editors[path + (key,)] = box
                else:
                    ed = self.build_editor(path + (key,), key, kind, detail, optional, doc)
                    box_lay.addWidget(ed)
                lay.addWidget(box)
        return page

    def forget(self, prefix: tuple, keep_self: bool = False) -> None:
        for p in list(self.editors):
            if p[: len(prefix)] == prefix and not (keep_self and p == prefix):
                del self.editors[p]

    # ---- state -> widgets ------------------------------------------------------------

    def _on_changed(self, _path: tuple) -> None:
        self.refresh()

    def refresh(self) -> None:
        self.refreshing = True
        try:
            # outer editors first: panels may (re)build the editors below them
            done: set = set()
            while True:
                pending = [p for p in sorted(self.editors, key=len) if p not in done]
                if not pending:
                    break
                for path in pending:
                    done.add(path)
                    ed = self.editors.get(path)
                    if ed is not None:
                        ed.refresh()
        finally:
            self.refreshing = False

    # ---- problems ---------------------------------------------------------------------

    def locate(self, path: tuple) -> tuple[tuple, Editor | None]:
        """The editor for a problem path: the longest registered prefix."""
        for n in range(len(path), -1, -1):
            ed = self.editors.get(tuple(path[:n]))
            if ed is not None:
                return tuple(path[:n]), ed
        return (), None

    def show_problems(self, problems: list) -> None:
        grouped: dict[tuple, list] = {}
        for p in problems:
            at, ed = self.locate(tuple(p.path))
            if ed is not None:
                grouped.setdefault(at, []).append((tuple(p.path)[len(at):], p.message))
        for path, ed in list(self.editors.items()):
            ed.show_problems(grouped.get(path, []))
        bad = set()
        for p in problems:
            idx = self.sections.get(tuple(p.path[:1]), 0 if p.path else None)
            if idx is not None:
                bad.add(idx)
        for i in range(self.tabs.count()):
            colour = QColor("#D55E00") if i in bad else QColor()
            self.tabs.tabBar().setTabTextColor(i, colour)
            item = self.nav.item(i)
            if item is not None:
                item.setForeground(colour)
                font = item.font()
                font.setBold(i in bad)
                item.setFont(font)

    def focus_problem(self, path: tuple) -> QWidget | None:
        """Show the tab of ``path`` and focus its editor; returns the focused widget."""
        path = tuple(path)
        idx = self.sections.get(path[:1], 0)
        self.tabs.setCurrentIndex(idx)
        # open nested panels (e.g. the right role) on the way down
        for n in range(1, len(path) + 1):
            ed = self.editors.get(path[:n])
            if isinstance(ed, PanelListEditor):
                ed.focus(path[n:])
        at, ed = self.locate(path)
        if ed is None:
            return None
        ed.focus(path[len(at):])
        w = ed.problem_widget()
        parent = w.parentWidget()
        while parent is not None and not isinstance(parent, QScrollArea):
            parent = parent.parentWidget()
        if isinstance(parent, QScrollArea):
            parent.ensureWidgetVisible(w)
        return w
