"""What differs between two scenarios, in the app: *File ▸ Compare with file...* and the baseline's list.

Both show :func:`tfsim.scenario.diff.describe_differences`, the list ``tfsim diff`` prints
and the business case tabulates, as a table grouped by section: what, the other side's
value, this scenario's value, a sentence in the tooltip.  The dialog compares the
scenario being edited with a file; :class:`BaselineChanges`, over the results, lists the
inputs that differ between the pinned baseline and the run shown.
"""

from __future__ import annotations

import html
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFrame,
    QLabel,
    QPushButton,
    QSizePolicy,
    QTextBrowser,
    QToolButton,
    QVBoxLayout,
)

from tfsim.scenario.bundled import bundled_scenarios_dir, is_bundled
from tfsim.scenario.diff import (
    ARROW,
    CHANGED,
    NAMING_KEYS,
    STEP,
    describe_differences,
    differences_csv,
    format_differences,
)
from tfsim.scenario.io import atomic_write_text, read_scenario

from .dialogs import show_error

MAX_LISTED = 8  # problems listed when the other file is not valid
MAX_LIST_HEIGHT = 130  # pixels: the baseline's list over the results, scrolled beyond that
CHANGE_COLOURS = {"added": "#00704F", "removed": "#B34700"}  # darker Okabe-Ito green and vermilion, on white


def _within(sentence: str, group: str) -> str:
    """A sentence under its section's heading: 'Roles ▸ FIP: cap 5 → 6' -> 'FIP: cap 5 → 6'."""
    for lead in (group + STEP, group + ": "):
        if sentence.startswith(lead):
            return sentence[len(lead):]
    return sentence


def differences_html(differences: list) -> str:
    """The differences as HTML: a heading per section, one line each, additions and removals in colour."""
    if not differences:
        return "<p>No differences: the two describe the same scenario (comments and layout aside).</p>"
    parts, group = [], None
    for d in differences:
        if d.group != group:
            if group is not None:
                parts.append("</ul>")
            group = d.group
            parts.append(f"<p style='margin: 8px 0 2px 0;'><b>{html.escape(group)}</b></p><ul style='margin: 0;'>")
        line = html.escape(_within(d.sentence, d.group))
        if d.change == CHANGED and d.old and d.new:
            arrow = f" {ARROW} "
            head, _, tail = line.rpartition(arrow)
            line = f"{head}{arrow}<b>{tail}</b>" if head else line
        colour = CHANGE_COLOURS.get(d.change)
        if colour:
            line = f"<span style='color: {colour};'>{line}</span>"
        parts.append(f"<li>{line}</li>")
    parts.append("</ul>")
    return "".join(parts)


class DifferencesView(QTextBrowser):
    """Differences grouped by section, one sentence each (as ``tfsim diff`` prints them)."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setOpenLinks(False)
        self.differences = []

    def show_differences(self, differences: list) -> None:
        self.differences = list(differences)
        self.setHtml(differences_html(self.differences))

    def as_text(self, old_name: str, new_name: str) -> str:
        return format_differences(self.differences, old_name, new_name)


class CompareDialog(QDialog):
    """What the scenario being edited changes from another file, grouped by section."""

    def __init__(self, parent, other_path: Path, other, this, this_title: str, run_baseline=None):
        super().__init__(parent)
        self.other_path, self.other_name = Path(other_path), _display(other_path)
        self.this_title = this_title
        self.differences = describe_differences(other, this)
        self.setWindowTitle(f"Compare with {self.other_name}")
        self.resize(900, 560)
        lay = QVBoxLayout(self)
        n = len(self.differences)
        self.summary = QLabel(
            f"What <b>{html.escape(this_title)}</b> changes from <b>{html.escape(self.other_name)}</b>: "
            + (f"{n} difference{'s' if n != 1 else ''}, grouped by part of the scenario, each read from "
               f"{html.escape(self.other_name)} {ARROW} {html.escape(this_title)}. Green: added here; orange: removed "
               "here." if n else "no differences."))
        self.summary.setWordWrap(True)
        lay.addWidget(self.summary)
        self.view = DifferencesView()
        self.view.show_differences(self.differences)
        lay.addWidget(self.view, 1)
        buttons = QDialogButtonBox(QDialogButtonBox.Close)
        self.copy_button = QPushButton("Copy as text")
        self.copy_button.setToolTip("Copy the list, one sentence a line (as tfsim diff prints it)")
        self.copy_button.clicked.connect(self.copy)
        buttons.addButton(self.copy_button, QDialogButtonBox.ActionRole)
        self.csv_button = QPushButton("Save as CSV...")
        self.csv_button.clicked.connect(self.save_csv_dialog)
        buttons.addButton(self.csv_button, QDialogButtonBox.ActionRole)
        self.baseline_button = None
        if run_baseline is not None:
            self.baseline_button = QPushButton("Run it as the baseline")
            self.baseline_button.setToolTip(f"Run {self.other_name} on this run's seeds and compare the results "
                                            "run by run")
            self.baseline_button.clicked.connect(lambda: (run_baseline(self.other_path), self.accept()))
            buttons.addButton(self.baseline_button, QDialogButtonBox.ActionRole)
        buttons.rejected.connect(self.reject)
        lay.addWidget(buttons)

    def text(self) -> str:
        return self.view.as_text(self.other_name, self.this_title)

    def copy(self) -> None:
        QGuiApplication.clipboard().setText(self.text())

    def save_csv(self, path: Path) -> Path:
        atomic_write_text(path, differences_csv(self.differences))
        return Path(path)

    def save_csv_dialog(self) -> None:
        start = str(Path.home() / f"{self.other_path.stem}-differences.csv")
        name, _ = QFileDialog.getSaveFileName(self, "Save the differences as", start, "CSV files (*.csv)")
        if name:
            try:
                self.save_csv(Path(name if name.lower().endswith(".csv") else name + ".csv"))
            except OSError as exc:
                show_error(self, "Could not save", f"{name} could not be written: {exc.strerror or exc}")


def _display(path) -> str:
    """A file as the user knows it: a bundled scenario by its name, another file by its file name."""
    path = Path(path)
    return f"{path.stem} (bundled)" if is_bundled(path) else path.name


def compare_with_file(window, path) -> CompareDialog | None:
    """The dialog comparing the edited scenario with the file ``path`` (shown, not blocking); None when it cannot."""
    result = read_scenario(path)
    if not result.ok:
        lines = "\n".join(p.format(Path(path).name) for p in result.problems[:MAX_LISTED])
        show_error(window, "Cannot compare with this file", f"{Path(path).name} is not a valid scenario:\n\n{lines}")
        return None
    this = window.current_scenario()
    if this is None:
        return None
    doc = window.doc
    title = f"this scenario{' (as edited)' if doc.modified else ''}"
    dialog = CompareDialog(window, Path(path), result.scenario, this, title, window.runs.compare_with_file)
    dialog.show()
    return dialog


def compare_with_file_dialog(window) -> CompareDialog | None:
    """Ask for a scenario file and compare the edited scenario with it."""
    doc = window.doc
    start = str(doc.path.parent if doc.path else bundled_scenarios_dir())
    name, _ = QFileDialog.getOpenFileName(window, "Compare this scenario with", start, "Scenario files (*.toml)")
    return compare_with_file(window, name) if name else None


class BaselineChanges(QFrame):
    """Over the results: the inputs that differ between the baseline and the run shown, folded to one line."""

    def __init__(self, parent=None):
        super().__init__(parent)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(2)
        self.toggle = QToolButton()
        self.toggle.setToolButtonStyle(Qt.ToolButtonTextBesideIcon)
        self.toggle.setArrowType(Qt.RightArrow)
        self.toggle.setCheckable(True)
        font = self.toggle.font()
        font.setBold(True)
        self.toggle.setFont(font)
        self.toggle.setStyleSheet("QToolButton { border: none; color: #1F3B57; text-align: left; }")
        # the line is cut to the panel's width (the whole list is one click away), never widening the panel
        self.toggle.setSizePolicy(QSizePolicy.Ignored, QSizePolicy.Fixed)
        self.toggle.toggled.connect(self._fold)
        lay.addWidget(self.toggle)
        self.view = DifferencesView()
        self.view.hide()
        lay.addWidget(self.view)
        self.differences: list = []
        self.hide()

    def _fold(self, open_: bool) -> None:
        self.toggle.setArrowType(Qt.DownArrow if open_ else Qt.RightArrow)
        self.view.setVisible(open_ and bool(self.differences))
        self._label()

    def _label(self) -> None:
        n = len(self.differences)
        if not n:
            self.toggle.setText("No input differs from the baseline")
            return
        what = f"{n} input{'s' if n != 1 else ''} differ{'s' if n == 1 else ''} from the baseline"
        if self.toggle.isChecked():
            what += " (hide)"
        else:  # folded: the differences themselves, as many as the line holds
            what += (" (show)" if n > 1 else "") + ": " + "; ".join(d.sentence for d in self.differences)
        room = self.width() - 40  # less the arrow and the margins
        if room > 100:
            what = self.toggle.fontMetrics().elidedText(what, Qt.ElideRight, room)
        self.toggle.setText(what)

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt's name
        super().resizeEvent(event)
        self._label()

    def show_session(self, session) -> None:
        """The differences of the session's baseline and results (hidden without both)."""
        results, baseline = session.results, session.baseline
        if results is None or baseline is None:
            self.differences = []
            self.hide()
            return
        self.differences = describe_differences(baseline.scenario, results.scenario, skip=NAMING_KEYS)
        n = len(self.differences)
        self.toggle.setToolTip("\n".join(d.sentence for d in self.differences[:30]))
        self.toggle.setEnabled(bool(n))
        self.view.show_differences(self.differences)
        lines = n + len({d.group for d in self.differences})  # a line a difference and a heading a section
        self.view.setFixedHeight(min(MAX_LIST_HEIGHT, 12 + lines * (self.view.fontMetrics().lineSpacing() + 3)))
        self._fold(self.toggle.isChecked())
        self.show()


__all__ = ["BaselineChanges", "CompareDialog", "DifferencesView", "compare_with_file", "compare_with_file_dialog",
           "differences_html"]
