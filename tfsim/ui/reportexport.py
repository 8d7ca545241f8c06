"""File ▸ Export business case...: the Word report of the results on screen, off the GUI thread.

The results (and the baseline) on screen are the report's runs; only the staffing check is
run here, in a background thread with a progress dialog and Cancel, and the document is
built by the same :func:`tfsim.report.write_report` as ``tfsim report``, so the same seed
and runs give the same document.  The scenario file's name, SHA-256 and comments come from
the open document: the file itself when it is saved and unchanged, else the editor's text
(marked as unsaved), else, when the scenario was edited after the run, the scenario as run.
"""

from __future__ import annotations

import dataclasses
import threading
import traceback
from pathlib import Path

from PySide6.QtCore import QObject, Qt, QThread, Signal, Slot
from PySide6.QtWidgets import QFileDialog, QProgressDialog

from tfsim import provenance, report
from tfsim.experiment import Cancelled, Runner
from tfsim.scenario.io import parse_scenario_text, scenario_to_toml

from .dialogs import show_error

STATUS_MS = 8000


def scenario_source(documents, results) -> provenance.ScenarioSource:
    """The scenario file behind ``results``, as the open document holds it."""
    doc = documents.doc
    name = doc.path.name if doc.path else "untitled.toml"
    if doc.path is not None and not doc.modified and Path(doc.path).exists():
        source = provenance.ScenarioSource.from_file(doc.path)
    else:
        source = provenance.ScenarioSource.from_text(documents.text(), name)
    parsed = parse_scenario_text(source.text, name)
    if parsed.ok and parsed.scenario == results.scenario:
        return source
    # edited since the run: the scenario as run, with the file's comments where they still fit
    text = scenario_to_toml(results.scenario, doc.source_text)
    return provenance.ScenarioSource.from_text(text, f"{Path(name).stem} as run.toml")


class _Worker(QObject):
    progress = Signal(int, int)
    finished = Signal(object)  # the report's path
    failed = Signal(str)
    cancelled = Signal()

    def __init__(self, results, baseline, jobs: int, path: Path, template):
        super().__init__()
        self.results, self.baseline, self.jobs, self.path, self.template = results, baseline, jobs, path, template
        self._cancel = threading.Event()

    def cancel(self) -> None:
        self._cancel.set()

    @Slot()
    def run(self) -> None:
        try:
            with Runner(self.jobs, progress=lambda d, t: self.progress.emit(d, t), cancel=self._cancel.is_set) as runner:
                runs = report.prepare_from(self.results, runner, self.baseline)
            if self._cancel.is_set():
                raise Cancelled()
            path = report.write_report(runs, self.path, self.template)
        except Cancelled:
            self.cancelled.emit()
        except report.TemplateError as exc:
            self.failed.emit(str(exc))
        except Exception as exc:  # shown in a dialog with its details
            self.failed.emit(f"{type(exc).__name__}: {exc}\n\n{traceback.format_exc(limit=4)}")
        else:
            self.finished.emit(path)


class ReportExport(QObject):
    """The business-case export of a window: its results, baseline, document and run settings."""

    done = Signal(object)  # the path written
    stopped = Signal()  # after any end: written, failed or cancelled

    def __init__(self, window):
        super().__init__(window)
        self.window = window
        self.thread: QThread | None = None
        self.worker: _Worker | None = None
        self.dialog_box: QProgressDialog | None = None

    @property
    def running(self) -> bool:
        return self.thread is not None

    def dialog(self) -> None:
        """Ask where, then write the report."""
        session = self.window.session
        if session.results is None:
            show_error(self.window, "Nothing to report yet", "Run the scenario first; then its business case can be "
                       "exported.")
            return
        stem = Path(self.window.documents.doc.path).stem if self.window.documents.doc.path else "scenario"
        name, _ = QFileDialog.getSaveFileName(self.window, "Export business case", f"{stem}-business-case.docx",
                                              "Word document (*.docx)")
        if name:
            if not name.lower().endswith(".docx"):
                name += ".docx"
            self.start(Path(name))

    def start(self, path: Path, template=None) -> bool:
        """Run the staffing check and write the report at ``path`` in the background; False when busy."""
        session = self.window.session
        if self.running or session.results is None:
            return False
        results = session.results
        results = dataclasses.replace(results, meta={**results.meta, "source": scenario_source(
            self.window.documents, results)})
        _reps, _seed, jobs = self.window.run_panel.run_settings()
        self.thread = QThread()
        self.worker = _Worker(results, session.baseline, jobs, Path(path), template)
        self.worker.moveToThread(self.thread)
        self.thread.started.connect(self.worker.run)
        box = QProgressDialog("Running the staffing check for the business case...", "Cancel", 0,
                              results.replications, self.window)
        box.setWindowTitle("Export business case")
        box.setWindowModality(Qt.WindowModal)
        box.setMinimumDuration(0)
        box.canceled.connect(self.worker.cancel)
        self.dialog_box = box
        self.worker.progress.connect(self._progress)
        self.worker.finished.connect(self._finished)
        self.worker.failed.connect(self._failed)
        self.worker.cancelled.connect(self._cancelled)
        self.thread.start()
        return True

    def cancel(self) -> None:
        if self.worker is not None:
            self.worker.cancel()

    def _progress(self, done: int, total: int) -> None:
        if self.dialog_box is not None:
            self.dialog_box.setMaximum(total)
            self.dialog_box.setValue(min(done, total - 1))  # full only when the document is written
            if done >= total:
                self.dialog_box.setLabelText("Writing the document...")

    def _cleanup(self) -> None:
        if self.dialog_box is not None:
            self.dialog_box.canceled.disconnect()
            self.dialog_box.close()
            self.dialog_box.deleteLater()
            self.dialog_box = None
        if self.thread is not None:
            self.thread.quit()
            self.thread.wait()
            self.thread.deleteLater()
            self.worker.deleteLater()
        self.thread = self.worker = None

    def _finished(self, path) -> None:
        self._cleanup()
        self.window.statusBar().showMessage(f"Exported the business case to {path}", STATUS_MS)
        self.done.emit(path)
        self.stopped.emit()

    def _failed(self, message: str) -> None:
        self._cleanup()
        reason, _, details = message.partition("\n\n")
        show_error(self.window, "Export failed", reason, details)
        self.stopped.emit()

    def _cancelled(self) -> None:
        self._cleanup()
        self.window.statusBar().showMessage("Business case export cancelled; no file was written.", STATUS_MS)
        self.stopped.emit()

    def wait(self) -> None:
        """Cancel a running export and wait for its thread (before the window closes)."""
        if self.thread is not None:
            self.cancel()
            self.thread.quit()
            self.thread.wait(30000)
