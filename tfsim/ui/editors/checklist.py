"""An ordered list of names chosen from the scenario's own (the roles each intensity level may go to).

A table cell holding such a list (the allocation's roles, in order of preference) is not
typed: under the table, :class:`NameChecklist` lists every name the cell may hold for
the selected row, those chosen ticked and first, numbered in their order, then the rest.
Ticking a name adds it at the end of the order, unticking takes it out, and Up and Down
move a ticked name; each is one undoable edit of the scenario, written through the
table's rows as a typed cell would be.  A name the row holds that the scenario no longer
defines is kept, ticked and marked, so the problem can be seen and undone by unticking.
"""

from __future__ import annotations

import copy

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFrame,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QToolButton,
    QVBoxLayout,
)

from ..values import fmt
from .base import ERROR_BRUSH

#: Most names shown without scrolling (a district defines a handful of roles).
VISIBLE_NAMES = 8
#: What the scenario's names are called, by what a cell refers to.
_NOUN = {"roles": "role"}


class NameChecklist(QFrame):
    """The names of one row's list cell, to tick and order; bound to ``editor``'s column ``c``."""

    def __init__(self, editor, c: int):
        super().__init__()
        self.editor, self.c = editor, c
        self.column = editor.columns[c]
        self.noun = _NOUN.get(self.column.refers_to, "name")
        self.row = -1  # the table row shown
        self.shown: tuple = ()  # what the list holds, to rebuild it only when that changes
        self.problems: list[tuple[tuple, str]] = []
        self._building = False
        self.setFrameShape(QFrame.StyledPanel)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(6, 4, 6, 4)
        lay.setSpacing(3)
        self.heading = QLabel()
        self.heading.setWordWrap(True)
        self.heading.setTextFormat(Qt.PlainText)
        lay.addWidget(self.heading)
        self.note = QLabel()  # a problem of the row's list as a whole (no role, a role twice)
        self.note.setWordWrap(True)
        self.note.setTextFormat(Qt.PlainText)
        self.note.setStyleSheet("color: #B34700; font-weight: bold;")
        self.note.hide()
        lay.addWidget(self.note)
        self.names = QListWidget()
        self.names.setSelectionMode(QAbstractItemView.SingleSelection)
        self.names.setHorizontalScrollBarPolicy(Qt.ScrollBarAlwaysOff)
        self.names.setTextElideMode(Qt.ElideRight)  # a long name is cut, not pushed off the panel
        self.names.setToolTip(f"Tick each {self.noun} that may take the family; the ticked ones are tried in "
                              "the order shown (Up and Down change it).")
        self.names.itemChanged.connect(self._ticked)
        self.names.currentRowChanged.connect(lambda _i: self._enable_buttons())
        lay.addWidget(self.names)
        buttons = QHBoxLayout()
        self.up, self.down = QToolButton(), QToolButton()
        for button, text, tip, step in ((self.up, "Up", f"Try the selected {self.noun} earlier", -1),
                                        (self.down, "Down", f"Try the selected {self.noun} later", 1)):
            button.setText(text)
            button.setToolTip(tip)
            button.clicked.connect(lambda _checked=False, s=step: self.move(s))
            buttons.addWidget(button)
        buttons.addStretch(1)
        lay.addLayout(buttons)

    # ---- what is shown --------------------------------------------------------------------

    def show_row(self, r: int) -> None:
        if r != self.row:
            self.row = r
            self.refresh()

    def chain(self) -> list | None:
        """The list the shown row holds (a copy; not a list: ``[]``), or None without a row."""
        rows = self.editor.rows()
        if not 0 <= self.row < len(rows):
            return None
        value = self.editor.strategy.cell(rows[self.row], self.column.key)
        return list(value) if isinstance(value, list) else []

    def _row_name(self) -> str:
        rows = self.editor.rows()
        return fmt(self.editor.strategy.cell(rows[self.row], self.editor.columns[0].key))

    def refresh(self) -> None:
        rows = self.editor.rows()
        if rows and not 0 <= self.row < len(rows):
            self.row = min(max(self.editor.table.currentRow(), 0), len(rows) - 1)
        chain = self.chain()
        options = self.editor.options(self.column)
        if chain is None:
            self.heading.setText(f"Add a row, then tick its {self.noun}s here.")
            items: list[tuple] = []
        else:
            self.heading.setText(f"{self.noun.capitalize()}s for {self._row_name()}: tick each {self.noun} that "
                                 f"may take the family; the ticked {self.noun}s are tried in the order shown.")
            known = {v: (text, tip) for v, text, tip in options}
            items = []
            for i, value in enumerate(chain):
                text, tip = known.get(value, (fmt(value), ""))
                missing = value not in known
                label = f"{i + 1}. {text}" + (f" - {tip}" if tip else "") + (f" (no such {self.noun})" if missing
                                                                                  else "")
                items.append((value, label, True, missing))
            items += [(v, f"{text}" + (f" - {tip}" if tip else ""), False, False)
                      for v, text, tip in options if v not in chain]
        key = (self.row, tuple((repr(v), label, on, missing) for v, label, on, missing in items),
               tuple((sub, m) for sub, m in self.problems))
        self.names.setEnabled(chain is not None)
        if key != self.shown:
            self._fill(items)
            self.shown = key
        self._enable_buttons()

    def _fill(self, items: list[tuple]) -> None:
        current = self.names.currentRow()
        marks = self._problem_marks()
        self._building = True
        blocked = self.names.blockSignals(True)
        try:
            self.names.clear()
            for i, (value, label, on, missing) in enumerate(items):
                item = QListWidgetItem(label)
                item.setData(Qt.UserRole, value)
                item.setFlags(Qt.ItemIsEnabled | Qt.ItemIsSelectable | Qt.ItemIsUserCheckable)
                item.setCheckState(Qt.Checked if on else Qt.Unchecked)
                message = marks.get(i) if on else None
                if missing or message:
                    item.setBackground(ERROR_BRUSH)
                item.setToolTip(message or (f"The scenario defines no {self.noun} of this name: untick it, or define it."
                                            if missing else label))
                self.names.addItem(item)
            if 0 <= current < self.names.count():
                self.names.setCurrentRow(current)
        finally:
            self.names.blockSignals(blocked)
            self._building = False
        rows = min(max(self.names.count(), 1), VISIBLE_NAMES)
        height = self.names.sizeHintForRow(0) if self.names.count() else 20
        self.names.setFixedHeight(rows * height + 2 * self.names.frameWidth() + 4)

    def _problem_marks(self) -> dict[int, str]:
        """Messages of problems at one name of the shown row's list, by its position."""
        return {sub[1]: m for sub, m in self._row_problems() if len(sub) > 1 and isinstance(sub[1], int)}

    def _row_problems(self) -> list[tuple[tuple, str]]:
        if self.chain() is None:
            return []
        name = self.editor.strategy.cell(self.editor.rows()[self.row], self.editor.columns[0].key)
        return [(sub, m) for sub, m in self.problems if sub and sub[0] == name]

    def _enable_buttons(self) -> None:
        chain = self.chain() or []
        i = self.names.currentRow()
        self.up.setEnabled(0 < i < len(chain))
        self.down.setEnabled(0 <= i < len(chain) - 1)

    def show_problems(self, items: list[tuple[tuple, str]]) -> None:
        """Problems of the table below its path: the shown row's are marked at their names."""
        self.problems = list(items)
        whole = [m for sub, m in self._row_problems() if len(sub) < 2]
        self.note.setText("\n".join(whole))
        self.note.setVisible(bool(whole))
        self.refresh()

    def focus(self, subpath: tuple) -> None:
        """Show the name of a problem at ``subpath`` below the row (its position in the list), focused."""
        self.names.setFocus(Qt.OtherFocusReason)
        if len(subpath) > 1 and isinstance(subpath[1], int) and 0 <= subpath[1] < self.names.count():
            self.names.setCurrentRow(subpath[1])

    # ---- edits ------------------------------------------------------------------------------

    def _ticked(self, _item: QListWidgetItem) -> None:
        if self._building or self.editor.form.refreshing:
            return
        # the ticked names in the order shown: one just ticked comes after those ticked before
        chain = [self.names.item(i).data(Qt.UserRole) for i in range(self.names.count())
                 if self.names.item(i).checkState() == Qt.Checked]
        self._write(chain, f"Choose the {self.noun}s of {self._row_name()}")

    def move(self, step: int) -> None:
        """Move the selected ticked name ``step`` places (-1 earlier, 1 later) in the order."""
        chain = self.chain()
        i = self.names.currentRow()
        j = i + step
        if chain is None or not (0 <= i < len(chain) and 0 <= j < len(chain)):
            return
        chain[i], chain[j] = chain[j], chain[i]
        self.names.setCurrentRow(j)  # kept by the rebuild, so Up can be pressed again
        self._write(chain, f"Reorder the {self.noun}s of {self._row_name()}")

    def _write(self, chain: list, text: str) -> None:
        rows = copy.deepcopy(self.editor.rows())
        if not 0 <= self.row < len(rows):
            return
        sub, value = self.editor.strategy.edit(rows, self.row, self.column, chain, fmt(chain))
        self.editor.form.doc.set_value(self.editor.path + sub, value, text=text)
        self.refresh()  # an edit back to the same list writes nothing: show the data again


def picked_column(columns) -> int | None:
    """The index of a column whose lists name things defined elsewhere (ticked, not typed), if any."""
    return next((i for i, c in enumerate(columns) if c.picked), None)


__all__ = ["NameChecklist", "picked_column"]
