"""Edits kept through a crash: the open scenario autosaved to a recovery file, offered back at the next start.

Two seconds after an edit the document is written (atomically) to
``AppDataLocation/recovery/autosave-PID.toml``, with the file it came from in a comment at
the top; saving, discarding the edits or closing the window normally removes it.  A
recovery file whose process has ended means the app stopped without saving (a crash, a
kill, a power cut): the next start offers to restore it.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from PySide6.QtCore import QObject, QStandardPaths, QTimer

from tfsim.files import atomic_write_text, process_alive

AUTOSAVE_MS = 2000
_NAME = re.compile(r"^autosave-(\d+)\.toml$")
_ORIGIN = "# tfsim recovery of: "


def recovery_folder() -> Path:
    return Path(QStandardPaths.writableLocation(QStandardPaths.AppDataLocation)) / "recovery"


def left_behind() -> list[Path]:
    """Recovery files of app processes that have ended, newest first."""
    folder = recovery_folder()
    try:
        found = [p for p in folder.iterdir() if (m := _NAME.match(p.name)) and not process_alive(int(m.group(1)))]
    except OSError:
        return []
    return sorted(found, key=lambda p: p.stat().st_mtime, reverse=True)


def origin(path: Path) -> Path | None:
    """The scenario file a recovery file holds edits of (None: an untitled scenario)."""
    try:
        first = path.read_text(encoding="utf-8").split("\n", 1)[0]
    except OSError:
        return None
    name = first[len(_ORIGIN):].strip() if first.startswith(_ORIGIN) else ""
    return Path(name) if name and name != "(untitled)" else None


class Recovery(QObject):
    """Autosaves the documents' scenario while it has unsaved edits."""

    def __init__(self, documents, parent=None):
        super().__init__(parent)
        self.documents = documents
        self.path = recovery_folder() / f"autosave-{os.getpid()}.toml"
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.setInterval(AUTOSAVE_MS)
        self.timer.timeout.connect(self.save_now)
        stack = documents.doc.undo_stack
        stack.indexChanged.connect(lambda *_: self.timer.start())
        stack.cleanChanged.connect(lambda clean: clean and self.discard())

    def save_now(self) -> bool:
        """Write the edits now (nothing when there are none); True when a recovery file was written."""
        doc = self.documents.doc
        if not doc.modified or not doc.data:
            self.discard()
            return False
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            atomic_write_text(self.path, f"{_ORIGIN}{doc.path or '(untitled)'}\n{self.documents.text()}")
        except Exception:  # autosave must never get in the way of editing
            return False
        return True

    def discard(self) -> None:
        self.timer.stop()
        try:
            self.path.unlink()
        except OSError:
            pass

    def restore(self, path: Path) -> bool:
        """Open a recovery file's edits as unsaved changes to the file they came from; the recovery file goes."""
        from tfsim.scenario.io import read_scenario

        result = read_scenario(path)
        if result.data is None:
            return False
        source = origin(path)
        self.documents.load_result(result, source)
        doc = self.documents.doc
        doc.text = None  # the lines of the recovery file are not those of the scenario file
        # its comments are the file's as they stood before the crash: notes edited, rows moved with theirs
        text = result.text or ""
        doc.source_text = text.split("\n", 1)[1] if text.startswith(_ORIGIN) else (text or None)
        doc.undo_stack.resetClean()  # unsaved edits, as they were
        self.documents.window._update_title()
        try:
            path.unlink()
        except OSError:
            pass
        self.save_now()
        return True
