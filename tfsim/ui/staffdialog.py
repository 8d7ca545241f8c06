"""Add staff: "N FTE of ROLE from DATE" as rows of the staffing plan, in one undoable edit.

A planned starter is a staffing-plan row with action ``start`` (it fills a vacant post, or
a new one); a row holds one person of at most one FTE, so 2.5 FTE are three rows of 1,
1 and 0.5 FTE.
"""

from __future__ import annotations

import copy
import datetime as dt

from PySide6.QtCore import QDate
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
)

from .dialogs import show_error

MAX_FTE = 50.0
DEFAULT_LABEL = "extra staff (added in the app)"


def staff_rows(fte: float, role: str, date: dt.date, label: str = DEFAULT_LABEL) -> list[dict]:
    """Staffing-plan rows that start ``fte`` full-time equivalents of ``role`` on ``date``, one a person.

    Whole FTE are full-time starters; what is left over (0.5 of 2.5) is one part-time starter.
    """
    whole = int(fte + 1e-9)
    part = round(fte - whole, 3)
    ftes = [1.0] * whole + ([part] if part > 0 else [])
    return [{"date": date, "role": role, "action": "start", "fte": f, "label": label} for f in ftes]


def describe(fte: float, role: str, date: dt.date) -> str:
    """The edit in words, for the undo list: ``"Add 2 FTE of Family Intervention Practitioner from 1 Apr 2013"``."""
    return f"Add {fte:g} FTE of {role} from {date:%-d %b %Y}"


def _date(value, fallback: dt.date) -> dt.date:
    return value if isinstance(value, dt.date) else fallback


class StaffDialog(QDialog):
    """Asks for N FTE, a role and a start date, and shows the rows it will add."""

    def __init__(self, roles: list[tuple[str, str]], start: dt.date, end: dt.date, parent=None):
        super().__init__(parent)
        self.setWindowTitle("Add staff")
        lay = QVBoxLayout(self)
        lay.addWidget(QLabel("Add planned starters to the staffing plan:"))
        form = QFormLayout()
        self.fte = QDoubleSpinBox()
        self.fte.setRange(0.1, MAX_FTE)
        self.fte.setDecimals(1)
        self.fte.setSingleStep(0.5)
        self.fte.setValue(1.0)
        self.fte.setSuffix(" FTE")
        self.fte.setToolTip("Full-time equivalents: 1 is one full-time worker, 2.5 two full-time and one half-time.")
        self.role = QComboBox()
        for rid, label in roles:
            self.role.addItem(label, rid)
        self.date = QDateEdit()
        self.date.setCalendarPopup(True)
        self.date.setDisplayFormat("d MMM yyyy")
        self.date.setDateRange(QDate(start.year, start.month, start.day), QDate(end.year, end.month, end.day))
        self.date.setDate(QDate(start.year, start.month, start.day))
        self.label = QLineEdit(DEFAULT_LABEL)
        self.label.setToolTip("A note kept with each row of the staffing plan.")
        form.addRow("Add:", self.fte)
        form.addRow("Of role:", self.role)
        form.addRow("Starting on:", self.date)
        form.addRow("Note:", self.label)
        lay.addLayout(form)
        self.preview = QLabel()
        self.preview.setWordWrap(True)
        self.preview.setStyleSheet("color: #444;")
        lay.addWidget(self.preview)
        buttons = QDialogButtonBox(QDialogButtonBox.Ok | QDialogButtonBox.Cancel)
        buttons.button(QDialogButtonBox.Ok).setText("Add staff")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        lay.addWidget(buttons)
        for signal in (self.fte.valueChanged, self.role.currentIndexChanged, self.date.dateChanged):
            signal.connect(self._preview)
        self._preview()

    def picked_date(self) -> dt.date:
        q = self.date.date()
        return dt.date(q.year(), q.month(), q.day())

    def rows(self) -> list[dict]:
        return staff_rows(self.fte.value(), self.role.currentData(), self.picked_date(), self.label.text().strip())

    def description(self) -> str:
        return describe(self.fte.value(), self.role.currentText(), self.picked_date())

    def _preview(self, *_):
        ftes = ", ".join(f"{r['fte']:g}" for r in self.rows())
        n = len(self.rows())
        self.preview.setText(f"{n} planned starter{'s' if n != 1 else ''} ({ftes} FTE), each a row of the staffing "
                             "plan. Edit, Undo takes them out again.")


def add_staff(parent, doc) -> bool:
    """Ask for staff to add and append their rows to ``doc``'s staffing plan (one undoable edit)."""
    roles = [(r["id"], r.get("name") or r["id"]) for r in doc.get(("roles",), []) or []
             if isinstance(r, dict) and isinstance(r.get("id"), str)]
    if not roles:
        show_error(parent, "Cannot add staff", "The scenario has no roles yet: add a role first (Roles).")
        return False
    today = dt.date.today()
    start = _date(doc.get(("start_date",)), today)
    end = max(start, _date(doc.get(("end_date",)), start))
    dialog = StaffDialog(roles, start, end, parent)
    if not dialog.exec():  # cancelled
        return False
    plan = doc.get(("staffing_plan",), [])
    plan = copy.deepcopy(plan) if isinstance(plan, list) else []
    doc.set_value(("staffing_plan",), plan + dialog.rows(), text=dialog.description())
    return True
