"""A table of rows: a list of flat tables, a list of numbers, or a table keyed by name.

The widgets are the same for every kind of table; what a row is comes from a
:class:`tfsim.ui.editors.rows.Rows` strategy.  A cell naming something defined elsewhere
(a role, a level) is a list to choose from; a cell holding a list of such names (the roles
a level may go to, in order) is ticked and ordered under the table
(:class:`tfsim.ui.editors.checklist.NameChecklist`), never typed.
"""

from __future__ import annotations

import copy

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QBrush
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QStyledItemDelegate,
    QTableWidget,
    QTableWidgetItem,
    QToolButton,
    QToolTip,
    QVBoxLayout,
    QWidget,
)

from tfsim.scenario import schema as S
from tfsim.scenario.introspect import MISSING, FieldSpec, NewItemContext
from tfsim.scenario.rows import moved_order

from ..values import fmt
from .base import ERROR_BRUSH, Editor, error_style, problem_tooltip, tooltip_for
from .checklist import NameChecklist, picked_column
from .rows import Column, rows_for

ROW_HEIGHT = 26  # pixels
MAX_HEIGHT = 330  # pixels; longer tables scroll
COMBO_ARROW = 30  # pixels a list's arrow adds to its column
#: How a value the list does not hold is shown (it is kept, and reported as a problem).
UNKNOWN = {"roles": "{} (no such role)", "levels": "{} (no such level)"}
NOT_SET = "(choose)"
#: The data of the "(choose)" entry.  Never None: PySide6 (Python 3.11) loses a reference to
#: None each time it hands back None item data, and the interpreter aborts after a while.
_NO_VALUE = "\x00unset"


class ChoiceBox(QComboBox):
    """A list in a table cell; the wheel scrolls the form past it unless it has the focus (no edits by accident)."""

    focused = Signal()  # the list took the focus: its row becomes the table's current row

    def __init__(self):
        super().__init__()
        self.setFocusPolicy(Qt.StrongFocus)
        self.shown: tuple = ()  # the options listed, to rebuild the list only when they change

    def focusInEvent(self, event) -> None:  # noqa: N802 - Qt's name
        super().focusInEvent(event)
        self.focused.emit()

    def wheelEvent(self, event) -> None:  # noqa: N802 - Qt's name
        if self.hasFocus():
            super().wheelEvent(event)
        else:
            event.ignore()


class _NamedChoices(QStyledItemDelegate):
    """The open list shows what each value is beside it ("fsw - Family Support Worker")."""

    def initStyleOption(self, option, index) -> None:  # noqa: N802 - Qt's name
        super().initStyleOption(option, index)
        meaning = index.data(Qt.ToolTipRole)
        if isinstance(meaning, str) and meaning:
            option.text = f"{option.text} - {meaning}"


class _RoomForArrow(QStyledItemDelegate):
    """Sizes a column of lists to its widest value plus the list's arrow."""

    def sizeHint(self, option, index):  # noqa: N802 - Qt's name
        size = super().sizeHint(option, index)
        size.setWidth(size.width() + COMBO_ARROW)
        return size


class TableEditor(QWidget, Editor):
    """Rows in a table widget with add, remove, up and down."""

    full_message = ""  # why the last Add added nothing

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
        elif picked_column(self.columns) is not None:  # names, then their lists: the lists take the width
            header.setSectionResizeMode(QHeaderView.ResizeToContents)
            header.setStretchLastSection(True)
        else:
            header.setSectionResizeMode(QHeaderView.Stretch)
        self.table.verticalHeader().setDefaultSectionSize(ROW_HEIGHT)
        self.table.setMinimumWidth(160)  # scroll sideways rather than widen the whole panel
        self.table.setSelectionBehavior(QAbstractItemView.SelectRows)
        self.table.setToolTip(self.base_tooltip)
        self.table.itemChanged.connect(self._item_changed)
        self._arrow = _RoomForArrow(self.table)
        # the lists in cells, by (row, column): asking the table for a cell's widget hands back
        # None for most cells, which costs PySide6 a reference to None (see tfsim.ui)
        self.boxes: dict[tuple[int, int], ChoiceBox] = {}
        for i, column in enumerate(self.columns):
            if column.help:
                self.table.horizontalHeaderItem(i).setToolTip(column.help)
            if column.chosen:
                self.table.setItemDelegateForColumn(i, self._arrow)
        lay.addWidget(self.table)
        buttons = QHBoxLayout()
        noun = spec.title.lower()
        # short labels so a table nested two sections deep still fits the panel
        self.buttons: dict[str, QToolButton] = {}
        for label, slot, tip in (("Add", self.add_row, f"Add a row to {noun}"),
                                 ("Remove", self.remove_row, "Remove the selected row"),
                                 ("Up", lambda: self.move(-1), "Move the selected row up"),
                                 ("Down", lambda: self.move(1), "Move the selected row down")):
            b = QToolButton()  # no 80-pixel minimum as push buttons have
            b.setText(label)
            b.setToolTip(tip)
            b.clicked.connect(slot)
            buttons.addWidget(b)
            self.buttons[label] = b
        buttons.addStretch(1)
        lay.addLayout(buttons)
        # a column of lists of names (the allocation's roles): ticked and ordered here, for the current row
        picked = picked_column(self.columns)
        self.picker = NameChecklist(self, picked) if picked is not None else None
        if self.picker is not None:
            lay.addWidget(self.picker)
            self.table.currentCellChanged.connect(lambda r, _c, _r0, _c0: self.picker.show_row(r))

    def problem_widget(self) -> QWidget:
        return self.table

    def rows(self) -> list:
        return self.strategy.rows(self.form.doc.get(self.path, MISSING))

    def refresh(self) -> None:
        rows = self.rows()
        self.table.blockSignals(True)
        self.table.setRowCount(len(rows))  # deletes the lists of rows gone
        self.boxes = {rc: box for rc, box in self.boxes.items() if rc[0] < len(rows)}
        for r, row in enumerate(rows):
            for c, column in enumerate(self.columns):
                value = self.strategy.cell(row, column.key)
                text = fmt(value)
                item = self.table.item(r, c)
                if item is None:
                    item = QTableWidgetItem(text)
                    if not column.editable or column.chosen or column.picked:  # a list covers the cell, or is below
                        item.setFlags(item.flags() & ~Qt.ItemIsEditable)
                    if not column.editable:
                        item.setToolTip("Edit this value in the scenario file; it is kept as it is.")
                    self.table.setItem(r, c, item)
                elif item.text() != text:
                    item.setText(text)
                if column.chosen:
                    self._show_choice(r, c, column, value)
        self.table.setFixedHeight(min(32 + ROW_HEIGHT * (len(rows) + 1), MAX_HEIGHT))
        self.table.blockSignals(False)
        if self.picker is not None:
            self.picker.refresh()

    # ---- cells chosen from a list: a choice, or a role or level defined elsewhere --------------

    def options(self, column: Column) -> list[tuple]:
        """(value, text, tooltip) of each value a list cell may take, in the order the scenario gives them."""
        if column.choices:  # "start - a planned starter..." is shown as "start", the rest beside it when open
            return [(c, str(c), label.removeprefix(f"{c} - ") if label != str(c) else "")
                    for c, label in zip(column.choices, column.labels)]
        data = self.form.doc.data
        names = S.reference_labels(column.refers_to, data)
        return [(n, n, names.get(n, "")) for n in S.reference_choices(column.refers_to, data)]

    def _show_choice(self, r: int, c: int, column: Column, value) -> None:
        options = self.options(column)
        if value is MISSING or value is None or value == "":
            options = [(_NO_VALUE, NOT_SET, "Not set yet: choose one.")] + options
        elif value not in [v for v, _, _ in options]:  # kept as it is, and reported as a problem
            options = [(value, UNKNOWN.get(column.refers_to, "{}").format(fmt(value)), "")] + options
        combo = self.boxes.get((r, c))
        if combo is None:
            combo = ChoiceBox()
            combo.setItemDelegate(_NamedChoices(combo))
            combo.activated.connect(lambda _i, box=combo, col=c: self._chose(box, col))
            combo.focused.connect(lambda box=combo, col=c: self._select_box(box, col))
            self.table.setCellWidget(r, c, combo)
            self.boxes[(r, c)] = combo
        key = tuple((repr(v), t, tip) for v, t, tip in options)
        blocked = combo.blockSignals(True)
        if combo.shown != key:
            combo.clear()
            for v, t, tip in options:
                combo.addItem(t, v)
                if tip:
                    combo.setItemData(combo.count() - 1, tip, Qt.ToolTipRole)
            combo.shown = key
            # the open list as wide as its widest line (the cell is narrower)
            combo.view().setMinimumWidth(combo.view().sizeHintForColumn(0) + 24)
        combo.setCurrentIndex(next((i for i, (v, _, _) in enumerate(options) if v == value and
                                    type(v) is type(value)), 0))
        combo.blockSignals(blocked)

    def _row_of(self, combo: QComboBox) -> int:
        """The row a list is in now (rows move), -1 if gone."""
        return next((rc[0] for rc, box in self.boxes.items() if box is combo), -1)

    def _select_box(self, combo: QComboBox, c: int) -> None:
        r = self._row_of(combo)
        if 0 <= r < self.table.rowCount() and r != self.table.currentRow():
            self.table.setCurrentCell(r, c)

    def _chose(self, combo: QComboBox, c: int) -> None:
        """A value picked from the list in a cell: written like a typed one (one undoable edit)."""
        r = self._row_of(combo)
        i = combo.currentIndex()
        if i < 0:
            return
        value = combo.itemData(i)
        rows = copy.deepcopy(self.rows())
        if value == _NO_VALUE or not 0 <= r < len(rows):
            return
        column = self.columns[c]
        sub, new = self.strategy.edit(rows, r, column, value, fmt(value))
        self.form.doc.set_value(self.path + sub, new, text=f"Choose {column.header}")

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

    def add_row(self) -> bool:
        """Add a row that is valid as it stands (False, and say why beside Add, when there is none to add)."""
        rows = copy.deepcopy(self.rows())
        new = self.strategy.new_row(rows, NewItemContext.of(self.form.doc.data))
        if new is None:
            self.full_message = self.strategy.full()
            button = self.buttons["Add"]
            QToolTip.showText(button.mapToGlobal(button.rect().bottomLeft()), self.full_message, button)
            return False
        rows.append(new)
        self.form.doc.set_value(self.path, self.strategy.store(rows), text="Add row",
                                order=moved_order(len(rows) - 1, added=1))
        self.table.selectRow(len(rows) - 1)
        return True

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
        for (_r, c), box in self.boxes.items():
            box.setStyleSheet("")
            box.setToolTip(self.columns[c].help)
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
                box = self.boxes.get((r, cc))
                if box is not None:  # the list covers the cell's colour: mark the list
                    box.setStyleSheet(error_style(box))
                    box.setToolTip(msg)
        self.table.blockSignals(False)
        self.table.setStyleSheet(error_style(self.table) if whole else "")
        self.table.setToolTip(problem_tooltip(self.base_tooltip, whole))
        if self.picker is not None:
            self.picker.show_problems(items)

    def focus(self, subpath: tuple) -> None:
        self.table.setFocus(Qt.OtherFocusReason)
        r, c = self._cell_for(subpath)
        if 0 <= r < self.table.rowCount():
            self.table.setCurrentCell(r, c if c is not None else 0)
            item = self.table.item(r, c if c is not None else 0)  # the bad column may be off to the right
            if item is not None:
                self.table.scrollToItem(item)
            box = self.boxes.get((r, c if c is not None else 0))
            if box is not None:
                box.setFocus(Qt.OtherFocusReason)
            if self.picker is not None and c == self.picker.c:  # a role in a level's list: shown below, focused
                self.picker.show_row(r)
                self.picker.focus(subpath)
