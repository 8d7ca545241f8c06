"""The open scenario as a file: open, new from a bundled scenario, save, recent files, unsaved guard."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QFileDialog, QMessageBox

from tfsim.scenario.bundled import bundled_scenarios_dir, is_bundled
from tfsim.scenario.io import LoadResult, atomic_write_text, data_to_toml, read_scenario

from .dialogs import ask_unsaved, show_error
from .settings import RecentFiles
from .state import ScenarioDocument
from .templates import in_bundled_folder, save_start

FILE_FILTER = "Scenario files (*.toml)"
STATUS_MS = 5000  # how long file messages stay in the status bar


def toml_paths(mime) -> list[str]:
    """The local .toml files among dropped URLs."""
    urls = mime.urls() if mime.hasUrls() else []
    return [u.toLocalFile() for u in urls if u.toLocalFile().lower().endswith(".toml")]


class Documents(QObject):
    """Owns the :class:`ScenarioDocument` and every way of filling or writing it.

    ``loaded`` says a file (or its problems) is in the document; ``saved`` that the
    document was written to its file; ``status`` carries a status-bar message.
    """

    loaded = Signal(object)  # LoadResult
    saved = Signal(object)  # Path
    status = Signal(str, int)  # message, milliseconds

    def __init__(self, window):
        super().__init__(window)
        self.window = window  # parent of the dialogs
        self.doc = ScenarioDocument(parent=self)
        self.recent = RecentFiles(self)

    # ---- guard -------------------------------------------------------------------------

    def maybe_save(self) -> bool:
        """True when it is fine to drop the current document (saved, discarded or unchanged)."""
        if not self.doc.modified:
            return True
        answer = ask_unsaved(self.window, self.doc.name)
        if answer == QMessageBox.Save:
            return self.save()
        return answer == QMessageBox.Discard

    # ---- reading -----------------------------------------------------------------------

    def load_result(self, result: LoadResult, path: Path | None) -> None:
        """Put what reading gave into the document (an empty one when the file did not parse)."""
        read_only = self.doc.read_only
        self.doc.replace_all(result.data if result.data is not None else {}, path, result.text)
        self.doc.read_only = read_only and path is not None
        self.loaded.emit(result)

    def open_file(self, path, check_unsaved: bool = True) -> bool:
        path = Path(path)
        result = read_scenario(path)  # first, so that a file that cannot be read asks nothing
        template = is_bundled(path)
        if result.data is None and result.text is None:
            # nothing was read (missing, a folder, unreadable): the open scenario stays as it is,
            # and a recent entry that leads nowhere goes
            if not path.is_file():
                self.recent.remove(path)
            show_error(self.window, "Cannot open scenario", result.problems[0].format(str(path)))
            return False
        if check_unsaved and not self.maybe_save():
            return False
        self.doc.read_only = template  # before the views hear of the load, so they show it as a template
        self.load_result(result, path)
        self.recent.add(path)
        what = " (a bundled scenario, opened as a template: saving asks for a new file)" if template else ""
        self.status.emit(
            f"Opened {path.name}{what}" + (f" with {len(result.problems)} problem(s)" if result.problems else ""),
            STATUS_MS)
        return True

    def new_from(self, template: Path) -> bool:
        """An untitled copy of ``template`` (comments kept for the first save)."""
        if not self.maybe_save():
            return False
        self.doc.read_only = False
        self.load_result(read_scenario(template), None)
        self.doc.text = None  # line numbers of the template do not apply; its comments do
        return True

    def open_dialog(self) -> None:
        if not self.maybe_save():
            return
        recent = self.recent.files()
        start = str(Path(recent[0]).parent) if recent else str(bundled_scenarios_dir())
        name, _ = QFileDialog.getOpenFileName(self.window, "Open scenario", start,
                                              f"{FILE_FILTER};;All files (*)")
        if name:
            self.open_file(name, check_unsaved=False)

    # ---- writing -----------------------------------------------------------------------

    def text(self) -> str:
        """The document as TOML, keeping the comments and layout of the file it came from."""
        return data_to_toml(self.doc.data, self.doc.source_text)

    def save(self) -> bool:
        if self.doc.path is None or self.doc.read_only:  # a bundled template is never written over
            return self.save_as()
        return self.save_to(self.doc.path)

    def save_as(self) -> bool:
        title = "Save a copy of the template as" if self.doc.read_only else "Save scenario as"
        name, _ = QFileDialog.getSaveFileName(self.window, title, str(save_start(self.doc)), FILE_FILTER)
        if not name:
            return False
        if not name.endswith(".toml"):
            name += ".toml"
        if in_bundled_folder(name):
            show_error(self.window, "Choose another folder",
                       f"{Path(name).parent} holds tfsim's bundled scenarios, which the app does not change. Save "
                       "your copy in a folder of your own (your Documents folder, say).")
            return False
        return self.save_to(Path(name))

    def save_to(self, path: Path) -> bool:
        """Write the document atomically (problems or not: the user's work is kept); never into the bundled folder."""
        if in_bundled_folder(path):
            show_error(self.window, "Could not save", f"{path} is one of tfsim's bundled scenarios, which the app "
                       "does not change; save a copy of your own (File, Save as).")
            return False
        try:
            text = self.text()
            atomic_write_text(path, text)
        except Exception as exc:
            show_error(self.window, "Could not save", f"{path} could not be written: {exc}")
            return False
        self.doc.path = Path(path)
        self.doc.read_only = False
        self.doc.text = text
        self.doc.source_text = text
        self.doc.undo_stack.setClean()
        self.recent.add(Path(path))
        self.saved.emit(Path(path))
        self.status.emit(f"Saved {path}", STATUS_MS)
        return True
