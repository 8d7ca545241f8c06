"""A sub-table in a box, whose problems concern the table as a whole (shares summing to 1)."""

from __future__ import annotations

from PySide6.QtWidgets import QGroupBox, QLabel

from .base import Editor, error_style, problem_tooltip


def section_intro(help_text: str, model_doc: str) -> str:
    """The key's help and its table's description, without saying the same thing twice."""
    if not model_doc:
        return help_text
    if model_doc.lower().startswith(help_text.rstrip(".").lower()):
        return model_doc
    return f"{help_text}  {model_doc}"


class SectionEditor(QGroupBox, Editor):
    """A titled box of fields; problems at the table itself show as a note at its top."""

    def __init__(self, title: str, path: tuple, tooltip: str):
        super().__init__(title)
        self.path = path
        self.base_tooltip = tooltip
        self.setToolTip(tooltip)
        self.note = QLabel()
        self.note.setWordWrap(True)
        self.note.setStyleSheet("color: #B34700; font-weight: bold;")
        self.note.hide()

    def show_problems(self, items):
        self.setStyleSheet(error_style(self) if items else "")
        self.setToolTip(problem_tooltip(self.base_tooltip, [m for _, m in items]))
        text = "\n".join(("/".join(map(str, sub)) + ": " if sub else "") + m for sub, m in items)
        if self.layout() is not None and self.note.parent() is not self:
            self.layout().insertWidget(0, self.note)
        self.note.setText(text)
        self.note.setVisible(bool(items) and self.layout() is not None)
