"""The editor's state: the plain TOML data dict of one scenario, with undo/redo.

Widgets never hold the truth.  Every edit becomes a :class:`SetValue` command on the
document's ``QUndoStack``; the command changes ``data`` at a key path and the document
emits ``changed`` so the form refreshes itself from the data (like a glue layer).
A command that removes, adds or reorders the rows of a table also rearranges the text
whose comments a save keeps (:func:`tfsim.scenario.rows.rearrange_rows`), so each row's
notes go where the row goes, and come back with it on undo.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QUndoCommand, QUndoStack

from tfsim.scenario.introspect import MISSING
from tfsim.scenario.io import data_to_toml
from tfsim.scenario.rows import rearrange_rows

__all__ = ["MISSING", "ScenarioDocument", "SetValue", "get_in", "set_in"]

_RAISE = object()


def get_in(data: Any, path: tuple, default: Any = _RAISE) -> Any:
    node = data
    for part in path:
        try:
            node = node[part]
        except (KeyError, IndexError, TypeError):
            if default is _RAISE:
                raise
            return default
    return node


def set_in(data: dict, path: tuple, value: Any) -> None:
    """Set ``value`` at ``path`` creating tables on the way; MISSING deletes the key."""
    if not path:
        raise ValueError("empty path")
    node = data
    for part in path[:-1]:
        if isinstance(node, dict):
            if not isinstance(node.get(part), (dict, list)):
                node[part] = {}
            node = node[part]
        else:
            node = node[part]
    last = path[-1]
    if value is MISSING:
        if isinstance(node, dict):
            node.pop(last, None)
        elif isinstance(node, list) and isinstance(last, int) and last < len(node):
            del node[last]
    else:
        node[last] = value


class SetValue(QUndoCommand):
    """Replace the value at one key path (MISSING means absent).

    ``order``, for a list of rows, says where each new row was before (``None``: a new
    row); the file's text is rearranged the same way so the rows keep their comments.
    """

    MERGE_ID = 4711

    def __init__(self, doc: "ScenarioDocument", path: tuple, new: Any, text: str = "", merge: bool = False,
                 order: list[int | None] | None = None):
        super().__init__(text or f"Edit {'.'.join(map(str, path))}")
        self.doc = doc
        self.path = tuple(path)
        self.old = copy.deepcopy(get_in(doc.data, self.path, MISSING))
        self.new = copy.deepcopy(new)
        self.merge = merge and order is None
        self.rows_moved = order is not None and bool(doc.source_text) and isinstance(new, list)
        self.old_source = self.new_source = doc.source_text
        if self.rows_moved:
            # the text first takes in the edits so far, so its rows are the data's rows, in order
            current = data_to_toml(doc.data, doc.source_text)
            self.new_source = rearrange_rows(current, self.path, order, new)

    def id(self) -> int:  # noqa: A003 - Qt's name
        return self.MERGE_ID if self.merge else -1

    def mergeWith(self, other: QUndoCommand) -> bool:  # noqa: N802 - Qt's name
        if not isinstance(other, SetValue) or not other.merge or other.path != self.path:
            return False
        self.new = copy.deepcopy(other.new)
        # typed back to where it started (a letter typed, then deleted): the stack drops the
        # command, so the window is no longer marked modified
        self.setObsolete(type(self.new) is type(self.old) and self.new == self.old)
        return True

    def redo(self) -> None:
        set_in(self.doc.data, self.path, copy.deepcopy(self.new))
        if self.rows_moved:
            self.doc.source_text = self.new_source
        self.doc.changed.emit(self.path)

    def undo(self) -> None:
        set_in(self.doc.data, self.path, copy.deepcopy(self.old))
        if self.rows_moved:
            self.doc.source_text = self.old_source
        self.doc.changed.emit(self.path)


class ScenarioDocument(QObject):
    """One open scenario: its data, its file and its edit history."""

    changed = Signal(tuple)  # key path that changed (() = everything)

    def __init__(self, data: dict | None = None, path: str | Path | None = None, text: str | None = None,
                 parent: QObject | None = None):
        super().__init__(parent)
        self.data: dict = data if data is not None else {}
        self.path: Path | None = Path(path) if path else None
        self.text = text  # the file's text as loaded, for line numbers while unmodified
        self.source_text = text  # text whose comments and layout a save keeps
        self.read_only = False  # a bundled scenario opened as a template: Save asks for a new file
        self.undo_stack = QUndoStack(self)

    @property
    def name(self) -> str:
        return self.path.name if self.path else "Untitled"

    @property
    def modified(self) -> bool:
        return not self.undo_stack.isClean()

    def get(self, path: tuple, default: Any = None) -> Any:
        value = get_in(self.data, tuple(path), MISSING)
        return default if value is MISSING else value

    def set_value(self, path: tuple, value: Any, text: str = "", merge: bool = False,
                  order: list[int | None] | None = None) -> None:
        """Change the value at ``path`` through the undo stack (no-op when unchanged).

        ``order``: for rows removed, added or moved, where each new row was (see :class:`SetValue`).
        """
        old = get_in(self.data, tuple(path), MISSING)
        if old is not MISSING and value is not MISSING and old == value and type(old) is type(value):
            return
        if old is MISSING and value is MISSING:
            return
        self.undo_stack.push(SetValue(self, tuple(path), value, text, merge, order))

    def replace_all(self, data: dict, path: str | Path | None, text: str | None) -> None:
        self.data = data
        self.path = Path(path) if path else None
        self.text = text
        self.source_text = text
        self.read_only = False
        self.undo_stack.clear()
        self.changed.emit(())
