"""The tfsim main window: the layout, and the wiring of the document, form, problems, runs and exports.

The window holds no state of its own.  :class:`~tfsim.ui.documents.Documents` owns the
open scenario and its file, :class:`~tfsim.ui.session.RunSession` the runs and their
results, :class:`~tfsim.ui.problems.ProblemsPanel` the problems list and
:class:`~tfsim.ui.exports.Exports` the exports; the window lays them out, fills the
menus and passes signals between them.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QFileDialog,
    QLabel,
    QMainWindow,
    QMessageBox,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from tfsim.scenario.bundled import bundled_scenarios, bundled_scenarios_dir
from tfsim.scenario.check import validate
from tfsim.scenario.io import LoadResult, read_scenario

from .dialogs import show_error
from .documents import Documents, toml_paths
from .exports import Exports
from .form import ScenarioForm
from .problems import ProblemsPanel
from .reportexport import ReportExport
from .runpanel import RunPanel
from .session import RunSession
from .settings import restore_window, save_window

STATUS_MS = 8000
MAX_LISTED = 8  # problems listed in the "Cannot run yet" dialog


class MainWindow(QMainWindow):
    def __init__(self):
        super().__init__()
        self.setAcceptDrops(True)
        self.setMinimumSize(1000, 600)
        self.documents = Documents(self)
        self.doc = self.documents.doc
        self.session = RunSession(parent=self)
        self.form: ScenarioForm | None = None
        self._build_ui()
        self.exports = Exports(self, self.session, self.documents, self.run_panel.chart_tabs)
        self._build_menus()
        self._connect()
        restore_window(self, self.run_panel.reps)
        self._fill_recent()
        self._update_title()

    # ---- layout ------------------------------------------------------------------------

    def _build_ui(self) -> None:
        split = QSplitter(Qt.Horizontal)
        # left: editor and problems
        left = QWidget()
        left_lay = QVBoxLayout(left)
        left_lay.setContentsMargins(6, 6, 6, 6)
        head = QLabel("Scenario")
        head.setStyleSheet("font-weight: bold; font-size: 11pt;")
        left_lay.addWidget(head)
        self.form_holder = QVBoxLayout()
        left_lay.addLayout(self.form_holder, 1)
        self.unreadable = QLabel()
        self.unreadable.setWordWrap(True)
        self.unreadable.setAlignment(Qt.AlignTop | Qt.AlignLeft)
        self.unreadable.setStyleSheet("color: #333; padding: 8px;")
        self.form_holder.addWidget(self.unreadable)
        self.problems_panel = ProblemsPanel()
        left_lay.addWidget(self.problems_panel)
        left.setMinimumWidth(480)
        split.addWidget(left)

        # right: run controls, KPI cards, charts
        self.run_panel = right = RunPanel()
        split.addWidget(right)
        split.setStretchFactor(0, 5)
        split.setStretchFactor(1, 6)
        split.setSizes([560, 806])
        self.splitter = split
        self.setCentralWidget(split)
        self.statusBar().showMessage("Ready")

    def _build_menus(self) -> None:
        docs, ex = self.documents, self.exports
        mb = self.menuBar()
        m = mb.addMenu("&File")
        self.new_menu = m.addMenu("&New from a bundled scenario")
        for path in bundled_scenarios():
            act = self.new_menu.addAction(path.stem)
            act.triggered.connect(lambda _c=False, p=path: docs.new_from(p))
        self._act(m, "&Open...", docs.open_dialog, QKeySequence.Open)
        self.recent_menu = m.addMenu("Open &recent")
        m.addSeparator()
        self._act(m, "&Save", docs.save, QKeySequence.Save)
        self._act(m, "Save &as...", docs.save_as, QKeySequence.SaveAs)
        m.addSeparator()
        export_menu = m.addMenu("&Export")
        self._act(export_menu, "Current &chart (PNG, SVG or PDF)...", ex.chart_dialog)
        self._act(export_menu, "&Results (CSV or Excel XLSX)...", ex.results_dialog)
        self._act(export_menu, "&Scenario as TOML...", ex.scenario_dialog)
        self.report_export = ReportExport(self)
        self._act(m, "Export &business case...", self.report_export.dialog)
        m.addSeparator()
        self._act(m, "&Quit", self.close, QKeySequence.Quit)

        e = mb.addMenu("&Edit")
        undo = self.doc.undo_stack.createUndoAction(self, "&Undo")
        undo.setShortcut(QKeySequence.Undo)
        redo = self.doc.undo_stack.createRedoAction(self, "&Redo")
        redo.setShortcut(QKeySequence.Redo)
        e.addAction(undo)
        e.addAction(redo)
        self.undo_action, self.redo_action = undo, redo

        r = mb.addMenu("&Run")
        self._act(r, "&Run scenario", self.start_run, "F5")
        self._act(r, "&Cancel run", self.cancel_run, "Esc")
        r.addSeparator()
        self._act(r, "&Pin this run as the baseline", self.pin_baseline)
        self._act(r, "C&lear the baseline", self.session.clear_baseline)
        self._act(r, "Run &another scenario file as the baseline...", self.compare_with_file_dialog)

        h = mb.addMenu("&Help")
        self._act(h, "&About tfsim", self.about)

    def _act(self, menu, text, slot, shortcut=None) -> QAction:
        act = menu.addAction(text)
        act.triggered.connect(lambda _c=False: slot())
        if shortcut is not None:
            act.setShortcut(shortcut)
        return act

    def _connect(self) -> None:
        status = self.statusBar().showMessage
        self.doc.undo_stack.cleanChanged.connect(self._update_title)
        self.doc.undo_stack.indexChanged.connect(self._on_index_changed)
        self.documents.loaded.connect(self._on_loaded)
        self.documents.saved.connect(self._on_saved)
        self.documents.status.connect(status)
        self.documents.recent.changed.connect(self._fill_recent)
        self.exports.status.connect(status)
        self.problems_panel.activated.connect(self._focus_problem)
        panel = self.run_panel
        panel.run_button.clicked.connect(self.start_run)
        panel.cancel_button.clicked.connect(self.cancel_run)
        panel.pin_button.clicked.connect(self.pin_baseline)
        panel.unpin_button.clicked.connect(self.session.clear_baseline)
        s = self.session
        s.started.connect(self._on_started)
        s.progress.connect(panel.set_progress)
        s.changed.connect(self.show_results)
        s.finished.connect(self._on_finished)
        s.baselineReady.connect(self._on_baseline_ready)
        s.failed.connect(self._on_failed)
        s.cancelled.connect(self._on_cancelled)
        s.stopped.connect(panel.stopped)

    def _fill_recent(self) -> None:
        self.recent_menu.clear()
        files = self.documents.recent.files()
        for f in files:
            act = self.recent_menu.addAction(f)
            act.triggered.connect(lambda _c=False, p=f: self.documents.open_file(p))
        self.recent_menu.setEnabled(bool(files))

    def closeEvent(self, event) -> None:  # noqa: N802
        if not self.documents.maybe_save():
            event.ignore()
            return
        if self.session.running:
            self.session.wait()
        self.report_export.wait()
        save_window(self, self.run_panel.reps)
        event.accept()

    # ---- documents ---------------------------------------------------------------------

    def _update_title(self, *_):
        self.setWindowTitle(f"{self.doc.name}[*] - tfsim")
        self.setWindowModified(self.doc.modified)

    def _on_loaded(self, result: LoadResult) -> None:
        """The editor when the data parsed (else why not), and the file's problems."""
        if result.data is not None:
            self._ensure_form()
        else:
            self._drop_form(result)
        self._show_problems(result)
        self._update_title()

    def _on_saved(self, _path: Path) -> None:
        self._update_title()
        self.revalidate()

    def _ensure_form(self) -> None:
        if self.form is None:
            self.form = ScenarioForm(self.doc)
            self.form_holder.addWidget(self.form)
        self.unreadable.hide()
        self.form.show()
        self.form.refresh()
        self.run_panel.run_button.setEnabled(True)

    def _drop_form(self, result: LoadResult) -> None:
        if self.form is not None:
            self.form.hide()
        first = result.problems[0].format(result.filename) if result.problems else ""
        self.unreadable.setText(
            "<b>This file could not be read as a scenario.</b><br><br>"
            f"{first}<br><br>Fix it in a text editor and open it again, or start from a bundled "
            "scenario (File, New from a bundled scenario).")
        self.unreadable.show()

    def dragEnterEvent(self, event) -> None:  # noqa: N802
        if toml_paths(event.mimeData()):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dropEvent(self, event) -> None:  # noqa: N802
        paths = toml_paths(event.mimeData())
        if paths:
            event.acceptProposedAction()
            QTimer.singleShot(0, lambda p=paths[0]: self.documents.open_file(p))

    # ---- problems ------------------------------------------------------------------------

    def _form_active(self) -> bool:
        return self.form is not None and not self.form.isHidden()

    def check(self) -> LoadResult:
        """The editor's data checked; line numbers while it still matches the file."""
        text = self.doc.text if not self.doc.modified else None
        return validate(self.doc.data, self.doc.name, text)

    def _on_index_changed(self, _index: int) -> None:
        self.revalidate()

    def revalidate(self) -> None:
        if self._form_active() and self.doc.data:
            self._show_problems(self.check())

    def _show_problems(self, result: LoadResult) -> None:
        self.problems_panel.show_result(result)
        if self._form_active():
            self.form.show_problems(result.problems)

    def _focus_problem(self, path: tuple) -> None:
        if self._form_active():
            self.form.focus_problem(path)

    # ---- running ---------------------------------------------------------------------------

    def current_scenario(self):
        """The editor's scenario when it is valid, else None (and say why)."""
        if not self.doc.data:
            show_error(self, "Cannot run", "There is no scenario to run. Open a scenario file first.")
            return None
        result = self.check()
        if not result.ok:
            self._show_problems(result)
            problems = result.problems
            lines = "\n".join(f"\u2022 {p.key}: {p.message}" for p in problems[:MAX_LISTED])
            more = f"\n\u2022 ... and {len(problems) - MAX_LISTED} more" if len(problems) > MAX_LISTED else ""
            show_error(self, "Cannot run yet", f"Fix these problems in the scenario first:\n\n{lines}{more}\n\n"
                       "They are also listed under the form: click one to go to its field.")
            return None
        return result.scenario

    def start_run(self) -> bool:
        if self.session.running:
            return False
        scenario = self.current_scenario()
        return scenario is not None and self.session.run(scenario, *self.run_panel.run_settings())

    def cancel_run(self) -> None:
        if self.session.cancel():
            self.statusBar().showMessage("Cancelling...")

    def compare_with_file(self, path) -> bool:
        """Run another scenario file (same runs and seed) and draw it as the baseline."""
        if self.session.running:
            return False
        path = Path(path)
        result = read_scenario(path)
        if not result.ok:
            lines = "\n".join(p.format(path.name) for p in result.problems[:MAX_LISTED])
            show_error(self, "Cannot compare with this file", f"{path.name} has problems:\n\n{lines}")
            return False
        name = f"{result.scenario.name} ({path.name}, {self.run_panel.reps.value()} runs)"
        return self.session.run_baseline(result.scenario, name, *self.run_panel.run_settings())

    def compare_with_file_dialog(self) -> None:
        start = str(self.doc.path.parent if self.doc.path else bundled_scenarios_dir())
        name, _ = QFileDialog.getOpenFileName(self, "Scenario to compare with", start, "Scenario files (*.toml)")
        if name:
            self.compare_with_file(name)

    def pin_baseline(self) -> None:
        if self.session.pin():
            self.statusBar().showMessage(f"Pinned {self.session.baseline_name} as the baseline. Change the scenario "
                                         "or open another one and run it to compare.", STATUS_MS)

    def _on_started(self, name: str, n: int) -> None:
        self.run_panel.started(n)
        self.statusBar().showMessage(f"Running {name}: {n} runs...")

    def _on_finished(self, r) -> None:
        self.statusBar().showMessage(
            f"Finished {r.replications} runs of {r.scenario.name} in {r.elapsed_seconds:.1f} s", STATUS_MS)

    def _on_baseline_ready(self, _results) -> None:
        self.statusBar().showMessage(f"Baseline ready: {self.session.baseline_name}", STATUS_MS)

    def _on_failed(self, message: str) -> None:
        reason, _, details = message.partition("\n\n")
        show_error(self, "The run failed", reason, details)

    def _on_cancelled(self) -> None:
        self.run_panel.progress.setValue(0)
        self.statusBar().showMessage("Run cancelled; the previous results are still shown.", STATUS_MS)

    def show_results(self) -> None:
        self.run_panel.show_session(self.session)

    def about(self) -> None:
        QMessageBox.about(self, "About tfsim",
                          "tfsim: caseload-planning and staffing simulator for family intervention programmes.\n\n"
                          "Each run simulates the programme once with random chances; the results show the "
                          "average of many runs with the range they span.")
