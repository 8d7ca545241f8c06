"""A sub-table in a box, whose problems concern the table as a whole (shares summing to 1)."""

from __future__ import annotations

from PySide6.QtWidgets import QGroupBox, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from tfsim.scenario.introspect import MISSING, NewItemContext, new_item

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


class OptionalSection(SectionEditor):
    """A sub-table the file may leave out whose keys are partly required (the target).

    Without it the box says so and offers Add; with it, its fields and Remove.  Each is one
    undoable edit, and Add fills in a table that is valid as it stands, so a half-made table
    (a measure but no deadline) never appears, nor a deadline field showing a made-up date.
    """

    def __init__(self, form, title: str, path: tuple, tooltip: str, model, page: QWidget, help_text: str):
        super().__init__(title, path, tooltip)
        self.form, self.model, self.page = form, model, page
        noun = title.split(" (")[0].lower()
        lay = QVBoxLayout(self)
        help_label = QLabel(help_text)
        help_label.setWordWrap(True)
        help_label.setStyleSheet("color: #333;")
        lay.addWidget(help_label)
        self.absent = QLabel(f"No {noun} is set.")
        self.absent.setStyleSheet("color: #444; font-style: italic;")
        lay.addWidget(self.absent)
        lay.addWidget(page)
        row = QHBoxLayout()
        self.add_button = QPushButton(f"Add a {noun}")
        self.add_button.setToolTip(f"Set a {noun}; change its values below (Edit, Undo takes it back).")
        self.add_button.clicked.connect(self.add)
        self.remove_button = QPushButton(f"Remove {noun}")
        self.remove_button.setToolTip(f"Take the {noun} out of the scenario (Edit, Undo puts it back).")
        self.remove_button.clicked.connect(self.remove)
        row.addWidget(self.add_button)
        row.addWidget(self.remove_button)
        row.addStretch(1)
        lay.addLayout(row)
        self.noun = noun

    @property
    def present(self) -> bool:
        return self.form.doc.get(self.path, MISSING) is not MISSING

    def refresh(self) -> None:
        present = self.present
        self.page.setVisible(present)
        self.absent.setVisible(not present)
        self.add_button.setVisible(not present)
        self.remove_button.setVisible(present)

    def add(self) -> None:
        if not self.present:
            value = new_item(self.model, None, [], NewItemContext.of(self.form.doc.data))
            self.form.doc.set_value(self.path, value, text=f"Add a {self.noun}")

    def remove(self) -> None:
        if self.present:
            self.form.doc.set_value(self.path, MISSING, text=f"Remove the {self.noun}")
