"""A table of rows: a list of flat tables, a list of numbers, or a table keyed by name.

The widgets are the same for every kind of table; what a row is comes from a
:class:`tfsim.ui.editors.rows.Rows` strategy.
"""

from __future__ import annotations

import copy

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QTableWidget,
    QTableWidgetItem,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from tfsim.scenario.introspect import MISSING, FieldSpec
from tfsim.scenario.rows import moved_order

from ..values import fmt
from .base import ERROR_BRUSH, Editor, error_style, problem_tooltip, tooltip_for
from .rows import rows_for

ROW_HEIGHT = 26  # pixels
MAX_HEIGHT = 330  # pixels; longer tables scroll


class TableEditor(QWidget, Editor):
    """Rows in a table widget with add, remove, up and down."""

    def __init__(self, form, path: tuple, spec: FieldSpec):
        super().__init__()
        self.form, self.path = form, path
        self.strategy = rows_for(spec)
        self.columns = self.strategy.columns
        self.base_tooltip = tooltip_for(spec)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        self.table = QTableWidget(0, len(self.columns))
        self.table.setHorizontalHeaderLabels([c.header for c in self.columns])
        header = self.table.horizontalHeader()
        if len(self.columns) > 3:
            # wide tables (the staffing plan): every column wide enough to read, scroll sideways
            header.setSectionResizeMode(QHeaderView.ResizeToContents)
            header.setStretchLastSection(True)
            self.table.setHorizontalScrollBarPolicy(Qt.ScrollBarAsNeeded)
        else:
            header.setSectionResizeMode(QHeaderView.Stretch)
        self.table.verticalHeader().setDefaultSectionSize(ROW_HEIGHT)
        self.table.setMinimumWidth(160)  # scroll sideways rather than widen the whole panel
        self.table.setSelectionBehavior(QAbstractItemView.SelectRows)
        self.table.setToolTip(self.base_tooltip)
        self.table.itemChanged.connect(self._item_changed)
        for i, column in enumerate(self.columns):
            if column.help:
                self.table.horizontalHeaderItem(i).setToolTip(column.help)
        lay.addWidget(self.table)
        buttons = QHBoxLayout()
        noun = spec.title.lower()
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
        return self.strategy.rows(self.form.doc.get(self.path, MISSING))

    def refresh(self) -> None:
        rows = self.rows()
        self.table.blockSignals(True)
        self.table.setRowCount(len(rows))
        for r, row in enumerate(rows):
            for c, column in enumerate(self.columns):
                text = fmt(self.strategy.cell(row, column.key))
                item = self.table.item(r, c)
                if item is None:
                    item = QTableWidgetItem(text)
                    if not column.editable:
                        item.setFlags(item.flags() & ~Qt.ItemIsEditable)
                        item.setToolTip("Edit this value in the scenario file; it is kept as it is.")
                    self.table.setItem(r, c, item)
                elif item.text() != text:
                    item.setText(text)
        self.table.setFixedHeight(min(32 + ROW_HEIGHT * (len(rows) + 1), MAX_HEIGHT))
        self.table.blockSignals(False)

    def _item_changed(self, item: QTableWidgetItem) -> None:
        if self.form.refreshing:
            return
        r, column = item.row(), self.columns[item.column()]
        rows = copy.deepcopy(self.rows())
        if r >= len(rows):
            return
        text = item.text()
        sub, value = self.strategy.edit(rows, r, column, column.parse(text), text)
        self.form.doc.set_value(self.path + sub, value)

    def selected_row(self) -> int:
        rows = sorted({i.row() for i in self.table.selectedIndexes()})
        return rows[0] if rows else self.table.currentRow()

    def add_row(self) -> None:
        rows = copy.deepcopy(self.rows())
        rows.append(self.strategy.new_row(rows))
        self.form.doc.set_value(self.path, self.strategy.store(rows), text="Add row",
                                order=moved_order(len(rows) - 1, added=1))
        self.table.selectRow(len(rows) - 1)

    def remove_row(self) -> None:
        r = self.selected_row()
        rows = copy.deepcopy(self.rows())
        if 0 <= r < len(rows):
            order = moved_order(len(rows), removed=r)
            del rows[r]
            self.form.doc.set_value(self.path, self.strategy.store(rows), text="Remove row", order=order)

    def move(self, step: int) -> None:
        r = self.selected_row()
        rows = copy.deepcopy(self.rows())
        j = r + step
        if 0 <= r < len(rows) and 0 <= j < len(rows):
            rows[r], rows[j] = rows[j], rows[r]
            self.form.doc.set_value(self.path, self.strategy.store(rows), text="Move row",
                                    order=moved_order(len(rows), swapped=(r, j)))
            self.table.selectRow(j)

    def _cell_for(self, subpath: tuple) -> tuple[int, int | None]:
        r, key = self.strategy.locate(subpath, self.rows())
        return r, self.strategy.column_index(key)

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
        self.table.setToolTip(problem_tooltip(self.base_tooltip, whole))

    def focus(self, subpath: tuple) -> None:
        self.table.setFocus(Qt.OtherFocusReason)
        r, c = self._cell_for(subpath)
        if 0 <= r < self.table.rowCount():
            self.table.setCurrentCell(r, c if c is not None else 0)
            item = self.table.item(r, c if c is not None else 0)  # the bad column may be off to the right
            if item is not None:
                self.table.scrollToItem(item)
