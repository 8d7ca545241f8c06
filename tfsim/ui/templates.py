"""Bundled scenarios as read-only templates: where a copy is saved, and the banner that says so.

A bundled scenario is tfsim's own file (inside the installed package, or the checkout's
``tfsim/scenarios``).  The app opens one as a template: its figures and comments are all
there to edit, but Save never writes over it; it asks for a new file, starting in the
user's documents folder with a name not yet taken there.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QStandardPaths, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton

from tfsim.scenario.bundled import bundled_scenarios_dir, is_bundled

BANNER_STYLE = ("TemplateBanner { background: #E8F1FA; border: 1px solid #9CC3E6; border-radius: 4px; }"
                "QLabel { color: #1F3B57; }")


def documents_folder() -> Path:
    """The user's documents folder (their home folder when the system names none)."""
    found = QStandardPaths.writableLocation(QStandardPaths.DocumentsLocation)
    folder = Path(found) if found else Path.home()
    return folder if folder.is_dir() else Path.home()


def free_name(folder: Path, stem: str) -> Path:
    """``folder/stem.toml``, or ``stem-2.toml``, ``stem-3.toml``... when that is taken."""
    candidate, n = folder / f"{stem}.toml", 2
    while candidate.exists():
        candidate = folder / f"{stem}-{n}.toml"
        n += 1
    return candidate


def save_start(doc) -> Path:
    """Where *Save as* starts: beside the file, or for a template or a new file, a free name in the documents folder."""
    if doc.path is not None and not doc.read_only and not in_bundled_folder(doc.path):
        return Path(doc.path)
    stem = Path(doc.path).stem if doc.path is not None else (str(doc.get(("name",), "") or "scenario"))
    safe = "".join(c if c.isalnum() or c in "-_ " else "-" for c in stem).strip() or "scenario"
    return free_name(documents_folder(), safe)


def in_bundled_folder(path) -> bool:
    """Whether ``path`` is in the folder of the bundled scenarios (where the app never saves)."""
    try:
        return Path(path).resolve().parent == bundled_scenarios_dir().resolve()
    except OSError:
        return False


class TemplateBanner(QFrame):
    """A line over the editor while a bundled scenario is open: it is a template, and Save asks for a new file."""

    saveCopy = Signal()

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setStyleSheet(BANNER_STYLE)
        lay = QHBoxLayout(self)
        lay.setContentsMargins(8, 4, 4, 4)
        self.text = QLabel()
        self.text.setWordWrap(True)
        lay.addWidget(self.text, 1)
        self.button = QPushButton("Save a copy...")
        self.button.setToolTip("Save this scenario, with your changes, as a new file of your own")
        self.button.clicked.connect(self.saveCopy)
        lay.addWidget(self.button)
        self.hide()

    def show_for(self, doc) -> None:
        """Shown while ``doc`` is a bundled scenario opened as a template."""
        if doc.read_only:
            self.text.setText(f"<b>{Path(doc.path).stem}</b> is a bundled scenario, opened as a template: edit it "
                              "freely; saving makes a new file of your own (in your Documents folder unless you "
                              "choose another).")
        self.setVisible(bool(doc.read_only))


__all__ = ["TemplateBanner", "documents_folder", "free_name", "in_bundled_folder", "is_bundled", "save_start"]
