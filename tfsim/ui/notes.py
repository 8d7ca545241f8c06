"""The source of each value where it is edited: the comment beside a key, shown and edited as the field's note.

Under every value of the editor a :class:`NoteField` shows the comment the file writes
beside it (its source, or ``ASSUMPTION`` or ``FITTED``) with a tag for its basis, and
lets it be edited: the edit is one undoable step (:class:`SetNote`) and is saved as the
comment on the value's line (:func:`tfsim.scenario.io.data_to_toml`).  A value with no
note of its own shows the note that covers it (the comment above it or its table's) in
grey, as a hint.  :class:`NoteBook` reads the notes of the document as it would be
saved, so they follow rows and roles that are added, removed or moved.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QUndoCommand
from PySide6.QtWidgets import QHBoxLayout, QLabel, QLineEdit, QSizePolicy, QToolButton, QWidget

from tfsim.scenario.inputs import BASIS_ASSUMPTION, BASIS_FITTED, BASIS_NONE, BASIS_SOURCE
from tfsim.scenario.io import data_to_toml
from tfsim.scenario.notes import FieldNote, clean_note, field_notes

from .editors.base import Editor
from .state import MISSING, ScenarioDocument

#: The key under which a note field is registered with the form, after its value's path.
NOTE = "#note"
#: Tag colours by basis (Okabe-Ito, dark enough on white); the tag says the word too.
TAGS = {
    BASIS_FITTED: ("FITTED", "#0072B2"),
    BASIS_ASSUMPTION: ("ASSUMPTION", "#A15C00"),
    f"{BASIS_FITTED}, {BASIS_ASSUMPTION}": ("FITTED + ASSUMPTION", "#0072B2"),
    BASIS_SOURCE: ("source", "#00704F"),
    BASIS_NONE: ("no source", "#777777"),
}
PLACEHOLDER = "Add the source of this figure, or ASSUMPTION or FITTED"


class SetNote(QUndoCommand):
    """Set the note (comment) beside the value at ``path``; undo puts the old one back."""

    def __init__(self, doc: ScenarioDocument, path: tuple, note: str):
        super().__init__(f"Edit the note of {'.'.join(map(str, path))}")
        self.doc, self.path, self.note = doc, tuple(path), clean_note(note)
        self.old_source = doc.source_text

    def redo(self) -> None:
        self.doc.source_text = data_to_toml(self.doc.data, self.old_source, {self.path: self.note})
        self.doc.changed.emit(self.path + (NOTE,))

    def undo(self) -> None:
        self.doc.source_text = self.old_source
        self.doc.changed.emit(self.path + (NOTE,))


class NoteBook(QObject):
    """The notes of one document, read from its text as it would be saved (cached until rows move)."""

    def __init__(self, doc: ScenarioDocument, parent: QObject | None = None):
        super().__init__(parent)
        self.doc = doc
        self._text: str | None = None
        self._fresh = False
        self._notes: dict[tuple, FieldNote] = {}
        doc.changed.connect(self._on_changed)

    def _on_changed(self, path: tuple) -> None:
        # a value edited in place keeps every line's key; a note, a load or a list that grew, shrank or moved does not
        if not path or path[-1] == NOTE or isinstance(self.doc.get(path), (list, dict)) or \
                self.doc.get(path, MISSING) is MISSING:
            self._fresh = False

    def text(self) -> str | None:
        if not self._fresh:
            src = self.doc.source_text
            self._text = data_to_toml(self.doc.data, src) if src and self.doc.data else src
            self._notes = {}
            self._fresh = True
        return self._text

    def note(self, path: tuple) -> FieldNote:
        text = self.text()
        path = tuple(path)
        if path not in self._notes:
            self._notes[path] = field_notes(text, [path])[path] if text else FieldNote()
        return self._notes[path]

    def set_note(self, path: tuple, note: str) -> bool:
        """Change the note beside ``path`` (one undo step); False when it is unchanged."""
        if clean_note(note) == self.note(path).beside:
            return False
        self.doc.undo_stack.push(SetNote(self.doc, path, note))
        return True


class NoteField(QWidget, Editor):
    """Under a value: its basis tag and its note (wrapped), and a button that edits the note in place.

    The row is hidden for a key the file leaves out (tfsim's default applies: there is
    nothing to source), and appears once a value is set.
    """

    def __init__(self, form, path: tuple, layout=None):
        super().__init__()
        self.form, self.value_path, self.layout_ = form, tuple(path), layout
        self.path = self.value_path + (NOTE,)
        lay = QHBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 3)
        lay.setSpacing(4)
        self.tag = QLabel()
        self.tag.setAlignment(Qt.AlignCenter)
        lay.addWidget(self.tag, 0, Qt.AlignTop)
        self.text = QLabel()
        self.text.setWordWrap(True)
        self.text.setTextFormat(Qt.PlainText)
        self.text.setStyleSheet("font-size: 8pt; color: #333;")
        self.text.setSizePolicy(QSizePolicy.Expanding, QSizePolicy.Preferred)
        lay.addWidget(self.text, 1)
        self.edit = QLineEdit()
        self.edit.setPlaceholderText(PLACEHOLDER)
        self.edit.setStyleSheet("font-size: 8pt;")
        self.edit.editingFinished.connect(self._commit)
        self.edit.hide()
        lay.addWidget(self.edit, 1)
        self.button = QToolButton()
        self.button.setText("Edit note")
        self.button.setToolTip("Edit the note beside this value: its source, or ASSUMPTION or FITTED. It is saved as "
                               "the comment on the value's line.")
        self.button.setStyleSheet("QToolButton { font-size: 8pt; color: #0072B2; border: none; }"
                                  "QToolButton:hover { text-decoration: underline; }")
        self.button.clicked.connect(self.start_edit)
        lay.addWidget(self.button, 0, Qt.AlignTop)

    def notebook(self) -> NoteBook:
        return self.form.notebook

    def start_edit(self) -> None:
        """Show the note in an editor, focused; Enter or leaving the field keeps the change."""
        text = self.notebook().note(self.value_path).beside
        self.edit.setText(text)
        self.text.hide()
        self.button.hide()
        self.edit.show()
        self.edit.setFocus(Qt.OtherFocusReason)
        # all selected (typing replaces it) with the cursor at the start, so a long note shows its beginning
        self.edit.setSelection(len(text), -len(text))

    def _commit(self) -> None:
        if self.form.refreshing or self.edit.isHidden():
            return
        self.edit.hide()
        self.text.show()
        self.button.show()
        if not self.notebook().set_note(self.value_path, self.edit.text()):
            self.refresh()

    def refresh(self) -> None:
        written = self.form.doc.get(self.value_path, MISSING) is not MISSING
        if self.layout_ is not None:
            self.layout_.setRowVisible(self, written)
        if not written:
            return
        note = self.notebook().note(self.value_path)
        word, colour = TAGS.get(note.basis, TAGS[BASIS_NONE])
        self.tag.setText(word)
        self.tag.setStyleSheet(f"font-size: 7pt; font-weight: bold; color: white; background: {colour}; "
                               "border-radius: 3px; padding: 1px 4px;")
        if note.beside:
            self.text.setText(note.beside)
            self.text.setStyleSheet("font-size: 8pt; color: #333;")
        elif note.inherited:
            self.text.setText(f"From the note above: {note.inherited}")
            self.text.setStyleSheet("font-size: 8pt; color: #777; font-style: italic;")
        else:
            self.text.setText("No source given")
            self.text.setStyleSheet("font-size: 8pt; color: #777; font-style: italic;")
        self.button.setText("Edit note" if note.beside else "Add note")
        tips = [f"Note beside this value in the file: {note.beside}" if note.beside else "No note on this value's line."]
        if note.above and note.beside:
            tips.append(f"Above it: {note.above}")
        elif note.inherited:
            tips.append(f"The note that covers it: {note.inherited}")
        tips.append("Mark a figure chosen without a source ASSUMPTION, and one tuned to reproduce reported figures "
                    "FITTED.")
        self.text.setToolTip("\n\n".join(tips))
        self.tag.setToolTip(self.text.toolTip())

    def show_problems(self, items) -> None:
        pass  # a note has no problems of its own


__all__ = ["NOTE", "NoteBook", "NoteField", "SetNote"]
