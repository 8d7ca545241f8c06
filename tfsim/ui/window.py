"""The tfsim main window: the layout, and the wiring of the document, form, problems, runs and exports.

The window holds no state of its own.  :class:`~tfsim.ui.documents.Documents` owns the
open scenario and its file, :class:`~tfsim.ui.session.RunSession` the runs and their
results (driven by :class:`~tfsim.ui.runactions.RunActions`),
:class:`~tfsim.ui.whatifpanel.WhatIfPanel` the what-if analyses,
:class:`~tfsim.ui.problems.ProblemsPanel` the problems list and
:class:`~tfsim.ui.exports.Exports` the exports; the window lays them out, fills the
menus and passes signals between them.  Every background job runs on one
:class:`~tfsim.ui.worker.SharedRunner`, whose worker processes stop when the window closes.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QDateTime, Qt, QTimer
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QMessageBox,
    QSplitter,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from tfsim.scenario.bundled import bundled_scenarios, default_scenario
from tfsim.scenario.check import validate
from tfsim.scenario.io import LoadResult

from .dialogs import show_error
from .diffdialog import BaselineChanges, compare_with_file_dialog
from .documents import Documents, toml_paths
from .exports import Exports
from .form import ScenarioForm
from .historypanel import HistoryPanel, accept_calibration
from .problems import ProblemsPanel
from .recovery import Recovery, left_behind, origin
from .reportexport import ReportExport
from .runactions import MAX_LISTED, STATUS_MS, RunActions
from .runpanel import STALE_EDITED, STALE_OTHER, STALE_RUNNING, RunPanel
from .session import RunSession
from .settings import restore_window, save_window
from .staffdialog import add_staff
from .tasks import point_edits
from .templates import TemplateBanner
from .whatifpanel import WhatIfPanel
from .worker import RunController, SharedRunner


class MainWindow(QMainWindow):
    def __init__(self):
        super().__init__()
        self.setAcceptDrops(True)
        self.setMinimumSize(1000, 600)
        self.documents = Documents(self)
        self.doc = self.documents.doc
        self.recovery = Recovery(self.documents, self)  # unsaved edits survive a crash
        self.shared = SharedRunner(self)  # one warm runner for every run and analysis
        self.session = RunSession(RunController(self.shared), parent=self)
        self.form: ScenarioForm | None = None
        self._build_ui()
        self.runs = RunActions(self, self.session, self.run_panel, self.current_scenario)
        for name in ("start_run", "cancel_run", "compare_with_file", "pin_baseline"):
            setattr(self, name, getattr(self.runs, name))
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
        head = QHBoxLayout()
        title = QLabel("Scenario")
        title.setStyleSheet("font-weight: bold; font-size: 11pt;")
        head.addWidget(title)
        head.addStretch(1)
        self.tools = {}  # the scenario's own small toolbar
        for key, text, tip in (("undo", "Undo", "Undo the last change (Ctrl+Z)"),
                               ("redo", "Redo", "Redo the change undone (Ctrl+Shift+Z)"),
                               ("add_staff", "Add staff...", "Add N FTE of a role from a date to the staffing plan")):
            self.tools[key] = button = QToolButton()
            button.setText(text)
            button.setToolTip(tip)
            head.addWidget(button)
        left_lay.addLayout(head)
        self.template_banner = TemplateBanner()  # a bundled scenario is a template: Save asks for a new file
        left_lay.addWidget(self.template_banner)
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

        # right: run controls, then the Results (cards, charts) and What-if views
        self.run_panel = right = RunPanel()
        self.whatif = WhatIfPanel(self.shared, self.current_scenario,
                                  lambda: self.run_panel.run_settings()[1:])
        right.views.addTab(self.whatif, "What-if")
        self.baseline_changes = BaselineChanges()  # the inputs that differ from the baseline, over the cards
        right.views.widget(0).layout().insertWidget(1, self.baseline_changes)
        right.views.setTabToolTip(1, "Sweeps, goal seek and which input matters, all on the same random numbers")
        self.history_view = HistoryPanel(self.shared, self.current_scenario, lambda: self.run_panel.run_settings()[1:])
        right.views.addTab(self.history_view, "History")
        right.views.setTabToolTip(2, "The council's own monthly history: backtest the scenario, calibrate it")
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
        self._act(m, "&New (Sevenoaks 2014 as a start)", lambda: docs.new_from(default_scenario()), QKeySequence.New)
        for path in bundled_scenarios():
            act = self.new_menu.addAction(path.stem)
            act.triggered.connect(lambda _c=False, p=path: docs.new_from(p))
        self._act(m, "&Open...", docs.open_dialog, QKeySequence.Open)
        self.recent_menu = m.addMenu("Open &recent")
        self._act(m, "Compare &with file...", self.compare_with_file_dialog)
        m.addSeparator()
        self._act(m, "&Save", docs.save, QKeySequence.Save)
        self._act(m, "Save &as...", docs.save_as, QKeySequence.SaveAs)
        m.addSeparator()
        export_menu = m.addMenu("&Export")
        self._act(export_menu, "Current &chart (PNG, SVG or PDF)...", ex.chart_dialog, "Ctrl+Shift+E")
        self._act(export_menu, "&Results (CSV or Excel XLSX)...", ex.results_dialog, "Ctrl+E")
        self._act(export_menu, "&Scenario as TOML...", ex.scenario_dialog)
        self.report_export = ReportExport(self)
        self._act(m, "Export &business case...", self.report_export.dialog)
        self._act(m, "Import &history (CSV)...", self.import_history)
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
        e.addSeparator()
        self._act(e, "&Add staff...", self.add_staff)
        stack = self.doc.undo_stack
        for key, act, can in (("undo", stack.undo, stack.canUndoChanged), ("redo", stack.redo, stack.canRedoChanged)):
            self.tools[key].clicked.connect(act)
            self.tools[key].setEnabled(False)
            can.connect(self.tools[key].setEnabled)
        self.tools["add_staff"].clicked.connect(self.add_staff)

        r, runs = mb.addMenu("&Run"), self.runs
        self._act(r, "&Run scenario", runs.start_run, "F5")
        self._act(r, "&Cancel run", runs.cancel_run, "Esc")
        r.addSeparator()
        self._act(r, "&Pin this run as the baseline", runs.pin_baseline, "Ctrl+B")
        self._act(r, "C&lear the baseline", self.session.clear_baseline)
        self._act(r, "Run &another scenario file as the baseline...", runs.compare_with_file_dialog)
        self._act(r, "Re-run the baseline on this run's &seeds", runs.repair_baseline)
        self._act(r, "Where to run (this computer or a &Dask cluster)...", runs.choose_dask)
        r.addSeparator()
        self._act(r, "&What-if: sweep, goal seek, which input matters",
                  lambda: self.run_panel.views.setCurrentWidget(self.whatif))

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
        self.template_banner.saveCopy.connect(self.documents.save_as)
        self.session.changed.connect(self.show_results)
        self.session.started.connect(self._run_started)
        self.session.finished.connect(self._run_finished)
        self.session.stopped.connect(self._update_stale)
        self.whatif.usePoint.connect(self.use_point)
        self.history_view.acceptFit.connect(self.accept_fit)

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
        self.session.wait()  # every job's thread ends before the window and its runner go
        self.whatif.wait()
        self.history_view.wait()
        self.report_export.wait()
        self.shared.close()
        save_window(self, self.run_panel.reps)
        self.recovery.discard()  # closed normally: saved or discarded on purpose
        event.accept()

    # ---- documents ---------------------------------------------------------------------

    def _update_title(self, *_):
        template = " (bundled template)" if self.doc.read_only else ""
        self.setWindowTitle(f"{self.doc.name}{template}[*] - tfsim")
        self.setWindowModified(self.doc.modified)
        self.template_banner.show_for(self.doc)

    def compare_with_file_dialog(self):
        """File, Compare with file: what the edited scenario changes from another file, in words."""
        self.compare_dialog = compare_with_file_dialog(self)
        return self.compare_dialog

    def _on_loaded(self, result: LoadResult) -> None:
        """The editor when the data parsed (else why not), and the file's problems."""
        self._results_state = None  # results on show are now another scenario's
        self._update_stale()
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
        self._update_stale()

    # ---- results that no longer match the scenario -------------------------------------------

    #: The document's state (undo index) the results on show were run from; None: another file's.
    _results_state: tuple | None = None
    _running_state: tuple | None = None

    def _state(self) -> tuple:
        return (self.doc.undo_stack.index(),)  # a file opened since is marked by _results_state None

    def _run_started(self, *_args) -> None:
        if not self.session.running_baseline:
            self._running_state = self._state()
        self._update_stale()

    def _run_finished(self, _results) -> None:
        self._results_state, self._running_state = self._running_state, None  # what was run is on show
        self._update_stale()

    def _update_stale(self, *_args) -> None:
        """Mark the results out of date while they differ from the scenario on the left, or while a run replaces them."""
        if self.session.results is None:
            self.run_panel.mark_stale(None)
            return
        if self.session.running and not self.session.running_baseline:
            self.run_panel.mark_stale(STALE_RUNNING)
        elif self._results_state is None:
            self.run_panel.mark_stale(STALE_OTHER)
        elif self._results_state != self._state():
            self.run_panel.mark_stale(STALE_EDITED)
        else:
            self.run_panel.mark_stale(None)

    def revalidate(self) -> None:
        if self._form_active() and self.doc.data:
            self._show_problems(self.check())

    def _show_problems(self, result: LoadResult) -> None:
        self.problems_panel.show_result(result)
        if self._form_active():
            self.form.show_problems(result.problems)
        if result.ok:  # the what-if and history forms offer the numbers of the scenario as edited
            self.whatif.set_scenario(result.scenario)
            self.history_view.set_scenario(result.scenario)

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

    def show_results(self) -> None:
        self.run_panel.show_session(self.session)
        self.baseline_changes.show_session(self.session)
        self._update_stale()
        self.whatif.set_main_results(self.session.results)

    # ---- editing from the results ------------------------------------------------------------

    def add_staff(self) -> bool:
        """Add N FTE of a role from a date to the staffing plan (one undoable edit)."""
        return self._form_active() and add_staff(self, self.doc)

    def use_point(self, changes: dict, text: str) -> bool:
        """Put a what-if point's values into the edited scenario, as one undoable edit."""
        try:
            edits = point_edits(self.doc.data, changes)
        except KeyError as exc:
            show_error(self, "Cannot use this point", f"The scenario being edited has no {exc.args[0]} any more.")
            return False
        stack = self.doc.undo_stack
        stack.beginMacro(text)
        for path, value in edits:
            self.doc.set_value(path, value)
        stack.endMacro()
        self.statusBar().showMessage(f"{text} in the scenario (Edit, Undo takes it back).", STATUS_MS)
        return True

    def offer_recovery(self) -> bool:
        """After a crash: offer the unsaved edits the last session autosaved; True when restored."""
        found = left_behind()
        if not found:
            return False
        newest = found[0]
        source = origin(newest)
        when = QDateTime.fromSecsSinceEpoch(int(newest.stat().st_mtime)).toString("d MMM yyyy hh:mm")
        answer = QMessageBox.question(
            self, "Restore unsaved edits?",
            f"tfsim stopped without saving your edits to {source.name if source else 'an untitled scenario'} "
            f"(autosaved {when}).\n\nRestore them? They open as unsaved changes; No discards them.",
            QMessageBox.Yes | QMessageBox.No, QMessageBox.Yes)
        restored = answer == QMessageBox.Yes and self.recovery.restore(newest)
        for path in found:
            path.unlink(missing_ok=True)
        return restored

    def import_history(self) -> None:
        """Show the History view and ask for a history file."""
        self.run_panel.views.setCurrentWidget(self.history_view)
        self.history_view.import_dialog()

    def accept_fit(self, calibration) -> bool:
        """Put a calibration's fitted values into the edited scenario, as one undoable edit."""
        try:
            text = accept_calibration(self.doc, calibration)
        except KeyError as exc:
            show_error(self, "Cannot accept the fitted values",
                       f"The scenario being edited has no {exc.args[0]} any more.")
            return False
        self.statusBar().showMessage("Fitted values accepted into the scenario; Edit > Undo takes them back.",
                                     STATUS_MS)
        self.history_view.accepted(text)  # the values, in full, where the calibration is shown
        return True

    def about(self) -> None:
        QMessageBox.about(self, "About tfsim",
                          "tfsim: caseload-planning and staffing simulator for family intervention programmes.\n\n"
                          "Each run simulates the programme once with random chances; the results show the "
                          "average of many runs with the range they span.")
