"""A distribution: a plain number (fixed) or ``{distribution = kind, params...}``."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QLineEdit, QVBoxLayout, QWidget

from tfsim.scenario import schema as S
from tfsim.scenario.introspect import MISSING, FieldSpec, field_map

from ..values import fmt, parse, parse_list
from .base import Editor, route_undo_keys, tooltip_for

# ---- distribution labels -----------------------------------------------------------------
DIST_LABELS = {
    "fixed": "Fixed value",
    "exponential": "Exponential (mean)",
    "uniform": "Uniform (low to high)",
    "triangular": "Triangular (low, most likely, high)",
    "lognormal": "Log-normal (mean, spread)",
    "gamma": "Gamma (mean, spread)",
    "empirical": "From a list of values",
}
PARAM_LABELS = {"value": "value", "mean": "mean", "sd": "spread (standard deviation)", "low": "low",
                "high": "high", "mode": "most likely", "values": "values", "weights": "weights"}
# ---- end of distribution labels ----------------------------------------------------------

LIST_PARAMS = ("values", "weights")


def as_table(value: Any, default: Any = MISSING) -> dict:
    """A distribution's data as a table: a plain number means fixed."""
    if value is MISSING:
        value = default
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return {"distribution": "fixed", "value": value}
    return dict(value) if isinstance(value, dict) else {"distribution": "fixed", "value": 1}


def stored(table: dict) -> Any:
    """What the file holds: a fixed value as a plain number, anything else as its table."""
    if table.get("distribution") == "fixed" and set(table) == {"distribution", "value"}:
        return table["value"]
    return table


def centre(table: dict) -> float:
    """The middle of a distribution's parameters, kept when its kind changes."""
    for key in ("value", "mean", "mode"):
        if isinstance(table.get(key), (int, float)):
            return float(table[key])
    if isinstance(table.get("low"), (int, float)) and isinstance(table.get("high"), (int, float)):
        return (table["low"] + table["high"]) / 2
    if isinstance(table.get("values"), list) and table["values"]:
        return float(sum(table["values"]) / len(table["values"]))
    return 1.0


def switch_kind(table: dict, kind: str) -> dict:
    """A distribution of ``kind`` around the same centre as ``table``."""
    m = centre(table)

    def r(x):
        return round(x, 4)

    return {
        "fixed": {"distribution": "fixed", "value": r(m)},
        "exponential": {"distribution": "exponential", "mean": r(m) or 1},
        "uniform": {"distribution": "uniform", "low": r(m * 0.5), "high": r(m * 1.5)},
        "triangular": {"distribution": "triangular", "low": r(m * 0.5), "mode": r(m), "high": r(m * 1.5) or 1},
        "lognormal": {"distribution": "lognormal", "mean": r(m) or 1, "sd": r(m * 0.25) or 0.25},
        "gamma": {"distribution": "gamma", "mean": r(m) or 1, "sd": r(m * 0.25) or 0.25},
        "empirical": {"distribution": "empirical", "values": [r(m)]},
    }.get(kind, {"distribution": kind})


def parse_param(key: str, text: str) -> Any:
    if key in LIST_PARAMS:
        return parse_list(text, "float") if text.strip() else MISSING
    return parse(text, "float")


class DistributionEditor(QWidget, Editor):
    """A kind selector and one field per parameter of the chosen kind."""

    def __init__(self, form, path: tuple, spec: FieldSpec, default: Any = MISSING):
        super().__init__()
        self.form, self.path = form, path
        self.default = default
        self.base_tooltip = tooltip_for(spec)
        self.unit = spec.unit
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
        return as_table(self.form.doc.get(self.path, MISSING), self.default)

    def _build(self, kind: str) -> None:
        if self.built_for == kind:
            return
        while self.param_lay.count():
            item = self.param_lay.takeAt(0)
            if item.widget():
                item.widget().deleteLater()
        self.params = {}
        cls = S.DISTRIBUTION_KINDS.get(kind, S.Fixed)
        specs = field_map(cls)
        for key in cls.model_fields:
            if key == "distribution":
                continue
            label = QLabel(PARAM_LABELS.get(key, key))
            label.setToolTip(specs[key].help)
            edit = QLineEdit()
            edit.setToolTip(specs[key].help)
            edit.setMaximumWidth(180 if key in LIST_PARAMS else 70)
            if key not in LIST_PARAMS:
                edit.setAlignment(Qt.AlignRight)
            edit.textChanged.connect(lambda _t, k=key: self._param_edited(k))
            route_undo_keys(self.form, edit)
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
            if parse_param(key, edit.text()) != value:
                edit.setText(fmt(value))

    def _param_edited(self, key: str) -> None:
        if self.form.refreshing:
            return
        cur = self.current()
        value = parse_param(key, self.params[key].text())
        if value is MISSING:
            cur.pop(key, None)
        else:
            cur[key] = value
        self.form.doc.set_value(self.path, stored(cur), merge=True)

    def _kind_changed(self, _i: int) -> None:
        if self.form.refreshing:
            return
        kind = self.kind.currentData()
        cur = self.current()
        if cur.get("distribution") == kind:
            return
        self.form.doc.set_value(self.path, stored(switch_kind(cur, kind)), text=f"Change {self.path[-1]} to {kind}")
