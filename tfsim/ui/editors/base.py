"""What every bound editor shares: a key path, refresh from the data, problems, focus.

An editor is built by :class:`tfsim.ui.form.ScenarioForm` for one key path.  It reads
the form's ``doc`` (a :class:`~tfsim.ui.state.ScenarioDocument`), writes every edit
through ``doc.set_value`` (so it can be undone) and ignores its own widget signals while
the form's ``refreshing`` flag is set.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QBrush, QColor, QKeySequence
from PySide6.QtWidgets import QWidget

from tfsim.scenario.introspect import FieldSpec

ERROR_STYLE = "border: 2px solid #D55E00;"
ERROR_BRUSH = QBrush(QColor("#F9D3C0"))
PROBLEM_COLOUR = "#D55E00"


def error_style(widget: QWidget) -> str:
    """A red border on this widget only (a bare style sheet would cascade to its children)."""
    if not widget.objectName():
        widget.setObjectName(f"field{id(widget)}")
    return f"#{widget.objectName()} {{ {ERROR_STYLE} }}"


def tooltip_for(spec: FieldSpec | None) -> str:
    """A key's help, unit, bounds, default and name in the file, one per line."""
    if spec is None:
        return ""
    parts = [spec.help]
    if spec.unit:
        parts.append(f"Unit: {spec.unit}.")
    if spec.bounds:
        parts.append(f"Allowed: {spec.bounds}.")
    if spec.default and not spec.required:
        parts.append(f"Default: {spec.default}.")
    if spec.required:
        parts.append("Required.")
    parts.append(f"Key in the file: {spec.key}")
    return "\n".join(p for p in parts if p)


def problem_tooltip(base: str, messages: list[str]) -> str:
    """A tooltip with the problems (if any) after the field's own help."""
    return base + ("\n\nProblem: " + "\n".join(messages) if messages else "")


class UndoKeys(QObject):
    """Undo and Redo keys in a field undo the scenario's edits, not the field's own typing.

    A text field has an undo of its own: Ctrl+Z put its text back but left the edit on
    the scenario's undo stack, so the window stayed marked modified although the value
    was as saved, and Redo did nothing.  Here the keys go to the scenario's stack (typing
    in one field is one edit there), which puts the field back through the form.
    """

    def __init__(self, form, parent: QObject):
        super().__init__(parent)
        self.form = form

    def eventFilter(self, watched, event) -> bool:  # noqa: N802 - Qt's name
        if event.type() not in (QEvent.ShortcutOverride, QEvent.KeyPress):
            return False
        undo, redo = event.matches(QKeySequence.Undo), event.matches(QKeySequence.Redo)
        if not (undo or redo):
            return False
        if event.type() == QEvent.KeyPress:  # (the override only claims the keys from the menu's shortcut)
            stack = self.form.doc.undo_stack
            (stack.undo if undo else stack.redo)()
        event.accept()
        return True


def route_undo_keys(form, widget: QWidget) -> None:
    """Send ``widget``'s Undo and Redo keys to the scenario's undo stack (see :class:`UndoKeys`)."""
    widget.installEventFilter(UndoKeys(form, widget))


class Editor:
    """Mixin of every bound editor: a key path, refresh from data, show problems, focus."""

    path: tuple = ()
    base_tooltip: str = ""

    def refresh(self) -> None:  # pragma: no cover - overridden
        pass

    def show_problems(self, items: list[tuple[tuple, str]]) -> None:
        """Mark the editor with ``items``: (sub-path below the editor's path, message) pairs."""
        widget = self.problem_widget()
        widget.setStyleSheet(error_style(widget) if items else "")
        widget.setToolTip(problem_tooltip(self.base_tooltip, [m for _, m in items]))

    def problem_widget(self) -> QWidget:
        return self  # type: ignore[return-value]

    def focus(self, subpath: tuple) -> None:
        self.problem_widget().setFocus(Qt.OtherFocusReason)
