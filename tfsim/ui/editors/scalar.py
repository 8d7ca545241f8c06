"""One number, text, date, choice or yes/no value."""

from __future__ import annotations

import datetime as dt
from typing import Any

from PySide6.QtCore import QDate, QEvent, Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QSizePolicy,
    QToolButton,
    QWidget,
)

from tfsim.scenario import schema as S
from tfsim.scenario.introspect import MISSING, FieldSpec, Kind

from ..values import fmt, parse
from .base import Editor, route_undo_keys, tooltip_for

#: Text allowed longer than this (a description) gets a several-line box (characters).
LONG_TEXT = 500
#: What a date field shows when the file gives no date (Qt would show 1 Jan 2000).
NOT_SET = "not set"


def _qdate(day: dt.date) -> QDate:
    return QDate(day.year, day.month, day.day)


class DateBox(QDateEdit):
    """A date that may be unset: the day before the earliest allowed date stands for "not set".

    Its calendar opens on the scenario's first day (not on that stand-in day) while unset.
    """

    UNSET = _qdate(S.EARLIEST_DATE).addDays(-1)

    def __init__(self, first_day):
        super().__init__()
        self.first_day = first_day  # () -> date or None: where the calendar opens while unset
        self.setCalendarPopup(True)
        self.setDisplayFormat("d MMM yyyy")
        self.setDateRange(self.UNSET, _qdate(S.LATEST_DATE))
        self.setSpecialValueText(NOT_SET)
        self.calendarWidget().installEventFilter(self)

    @property
    def is_set(self) -> bool:
        return self.date() != self.UNSET

    def clear_date(self) -> None:
        self.setDate(self.UNSET)

    def eventFilter(self, watched, event) -> bool:  # noqa: N802 - Qt's name
        if event.type() == QEvent.Show and watched is self.calendarWidget() and not self.is_set:
            day = self.first_day() or dt.date.today()
            watched.setCurrentPage(day.year, day.month)
        return False


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
            self.w = DateBox(self._first_day)
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
        if isinstance(self.w, (QLineEdit, QPlainTextEdit, QDateEdit)):
            route_undo_keys(form, self.w)
        lay.addWidget(self.w)
        if self.kind == Kind.DATE and self.optional:  # an optional date can be set back to none
            clear = QToolButton()
            clear.setText("Clear")
            clear.setToolTip("Set no date (the key is left out of the file).")
            clear.clicked.connect(self.w.clear_date)
            lay.addWidget(clear)
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
            if not self.w.is_set:
                return MISSING
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

    def _first_day(self):
        day = self.form.doc.get(("start_date",))
        return day if isinstance(day, dt.date) else None

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
                self.w.setDate(_qdate(value))
            else:  # no date in the file (or not a date: the problem says so)
                self.w.clear_date()
        elif isinstance(self.w, QPlainTextEdit):
            if self.w.toPlainText() != (value if isinstance(value, str) else ""):
                self.w.setPlainText(value if isinstance(value, str) else "")
        else:
            current = self.value()
            if current != value or type(current) is not type(value):
                if not (value is MISSING and self.w.text() == ""):
                    self.w.setText(fmt(value))
                    # an Undo while typing leaves the cursor at the end, to type on
                    self.w.setCursorPosition(len(self.w.text()) if self.w.hasFocus() else 0)
