"""The problems panel under the form: each problem of the scenario; click one to go to its field."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QLabel, QListWidget, QListWidgetItem, QVBoxLayout, QWidget

from tfsim.scenario.io import LoadResult
from tfsim.scenario.messages import MAX_KEY, MAX_REASON, clean

from .editors.base import PROBLEM_COLOUR

OK_COLOUR = "#009E73"
LIST_HEIGHT = 110  # pixels


def display_key(path) -> str:
    """A problem's key as the form shows it: rows of a table counted from 1, as the table numbers them.

    ``("staffing_plan", 3, "date")`` reads ``staffing_plan row 4.date`` (the file's key path,
    ``staffing_plan.3.date``, counts from 0; the tooltip gives it).
    """
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f" row {part + 1}"
        else:
            out += ("." if out else "") + str(part)
    return out


class ProblemsPanel(QWidget):
    """A heading with the count and a list of problems (hidden when there are none)."""

    activated = Signal(tuple)  # key path of the clicked problem

    def __init__(self, parent=None):
        super().__init__(parent)
        self.problems: list = []
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        self.label = QLabel("Problems")
        self.label.setStyleSheet("font-weight: bold;")
        lay.addWidget(self.label)
        self.list = QListWidget()
        self.list.setMaximumHeight(LIST_HEIGHT)
        self.list.setWordWrap(True)
        self.list.setToolTip("Click a problem to go to its field.")
        self.list.itemActivated.connect(self._clicked)
        self.list.itemClicked.connect(self._clicked)
        lay.addWidget(self.list)

    def show_result(self, result: LoadResult) -> None:
        """List ``result``'s problems, as ``FILE:LINE: key: reason`` when its text gives lines."""
        self.problems = list(result.problems)
        self.list.clear()
        fname = str(result.filename)
        shown = Path(fname).name if fname else "scenario"
        for p in self.problems:
            key = clean(display_key(p.path) or p.key, MAX_KEY)
            text = p.format(shown) if result.text else f"{clean(p.key, MAX_KEY)}: {clean(p.message, MAX_REASON)}"
            # the same line with the key as the form numbers its rows
            item = QListWidgetItem(text.replace(f"{clean(p.key, MAX_KEY)}: ", f"{key}: ", 1))
            item.setData(Qt.UserRole, tuple(p.path))
            item.setToolTip(f"Click to go to this field.\nKey in the file: {p.key}")
            self.list.addItem(item)
        n = len(self.problems)
        self.label.setText(f"Problems ({n})" if n else "Problems: none, the scenario is ready to run")
        self.label.setStyleSheet("font-weight: bold; color: %s;" % (PROBLEM_COLOUR if n else OK_COLOUR))
        self.list.setVisible(bool(n))

    def _clicked(self, item: QListWidgetItem) -> None:
        self.activated.emit(tuple(item.data(Qt.UserRole)))
