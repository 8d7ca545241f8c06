"""One number, text, date, choice or yes/no value."""

from __future__ import annotations

import datetime as dt
from typing import Any

from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QSizePolicy,
    QWidget,
)

from tfsim.scenario.introspect import MISSING, FieldSpec, Kind

from ..values import fmt, parse
from .base import Editor, tooltip_for

#: Text allowed longer than this (a description) gets a several-line box (characters).
LONG_TEXT = 500


class ScalarEditor(QWidget, Editor):
    """One number, text, date, choice or yes/no value, with its unit after it."""

    def __init__(self, form, path: tuple, spec: FieldSpec, kind: Kind | None = None):
        super().__init__()
        self.form, self.path = form, path
        self.kind = kind or spec.kind
        self.optional = spec.optional
        self.base_tooltip = tooltip_for(spec)
        lay = QHBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        if self.kind == Kind.CHOICE:
            self.w = QComboBox()
            labels = spec.choice_labels()
            for c in spec.detail:
                self.w.addItem(labels[c], c)
            self.w.currentIndexChanged.connect(self._commit)
        elif self.kind == Kind.BOOL:
            self.w = QCheckBox()
            self.w.toggled.connect(self._commit)
        elif self.kind == Kind.DATE:
            self.w = QDateEdit()
            self.w.setCalendarPopup(True)
            self.w.setDisplayFormat("d MMM yyyy")
            self.w.dateChanged.connect(self._commit)
        elif self.kind == Kind.TEXT and spec.max_length > LONG_TEXT:
            self.w = QPlainTextEdit()
            self.w.setFixedHeight(64)
            self.w.textChanged.connect(self._commit)
        else:
            self.w = QLineEdit()
            self.w.textChanged.connect(self._commit)
            if self.optional:
                self.w.setPlaceholderText("none")
            elif not spec.required and spec.default not in ("", '""'):
                self.w.setPlaceholderText(f"default {spec.default}")
            if self.kind in (Kind.INT, Kind.FLOAT):
                self.w.setAlignment(Qt.AlignRight)
                self.w.setMaximumWidth(140)
        self.w.setToolTip(self.base_tooltip)
        lay.addWidget(self.w)
        if spec.unit:
            unit = QLabel(spec.unit_label)
            unit.setStyleSheet("color: #444;")
            lay.addWidget(unit)
        if self.kind in (Kind.INT, Kind.FLOAT, Kind.DATE, Kind.BOOL):
            lay.addStretch(1)
        self.setSizePolicy(QSizePolicy.Preferred, QSizePolicy.Fixed)

    def problem_widget(self) -> QWidget:
        return self.w

    def value(self) -> Any:
        """The widget's value as file data (MISSING: leave the key out)."""
        if self.kind == Kind.CHOICE:
            return self.w.currentData()
        if self.kind == Kind.BOOL:
            return self.w.isChecked()
        if self.kind == Kind.DATE:
            q = self.w.date()
            return dt.date(q.year(), q.month(), q.day())
        if isinstance(self.w, QPlainTextEdit):
            return self.w.toPlainText()
        value = parse(self.w.text(), self.kind)
        if value == "" and self.kind == Kind.TEXT and not self.optional:
            return ""
        if value == "" and self.optional:
            return MISSING
        return value  # an empty number is MISSING: the key is left out and the default applies

    def _commit(self, *_):
        if self.form.refreshing:
            return
        self.form.doc.set_value(self.path, self.value(), merge=isinstance(self.w, (QLineEdit, QPlainTextEdit)))

    def refresh(self) -> None:
        value = self.form.doc.get(self.path, MISSING)
        if self.kind == Kind.CHOICE:
            i = self.w.findData(value)
            self.w.setCurrentIndex(i if i >= 0 else 0)
        elif self.kind == Kind.BOOL:
            self.w.setChecked(bool(value) if value is not MISSING else False)
        elif self.kind == Kind.DATE:
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
