"""The tfsim main window: file handling, the generated editor, runs, results, compare, export."""

from __future__ import annotations

import traceback
from pathlib import Path

from PySide6.QtCore import QSettings, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

import tfsim
from tfsim import export
from tfsim.scenario.io import atomic_write_text, check_data, parse_scenario_text, read_scenario

from .form import ScenarioForm
from .results import ChartTabs, KpiPanel, chart_kwargs
from .state import ScenarioDocument
from .tomlsave import merge_text
from .worker import RunController

SCENARIO_DIR = Path(tfsim.__file__).resolve().parent.parent / "scenarios"
DEFAULT_SCENARIO = SCENARIO_DIR / "sevenoaks-2014.toml"
MAX_RECENT = 8


def bundled_scenarios() -> list[Path]:
    return sorted(SCENARIO_DIR.glob("*.toml")) if SCENARIO_DIR.is_dir() else []


def settings() -> QSettings:
    return QSettings(QSettings.IniFormat, QSettings.UserScope, "tfsim", "tfsim")


def data_to_toml(data: dict, original: str | None = None) -> str:
    """TOML text for the editor's data, keeping the comments of ``original`` when given."""
    return merge_text(original, data)


def ask_unsaved(parent, name: str):
    """Save / Discard / Cancel (tests monkeypatch QMessageBox.warning)."""
    return QMessageBox.warning(
        parent, "Unsaved changes",
        f"'{name}' has changes that are not saved.\n\nSave them before continuing?",
        QMessageBox.Save | QMessageBox.Discard | QMessageBox.Cancel, QMessageBox.Save)


def show_error(parent, title: str, reason: str, details: str = "") -> None:
    box = QMessageBox(QMessageBox.Critical, title, reason, QMessageBox.Ok, parent)
    if details:
        box.setDetailedText(details)
    box.exec()


class MainWindow(QMainWindow):
    runFinished = Signal(object)
    runStopped = Signal()
    baselineReady = Signal(object)

    def __init__(self):
        super().__init__()
        self.setAcceptDrops(True)
        self.setMinimumSize(1000, 600)
        self.doc = ScenarioDocument(parent=self)
        self.doc.undo_stack.cleanChanged.connect(self._update_title)
        self.doc.undo_stack.indexChanged.connect(self._on_index_changed)
        self.problems: list = []
        self.results = None
        self.baseline = None
        self.baseline_name = ""
        self.run_controller = RunController(self)
        self.run_controller.progress.connect(self._on_progress)
        self.run_controller.finished.connect(self._on_finished)
        self.run_controller.failed.connect(self._on_failed)
        self.run_controller.cancelled.connect(self._on_cancelled)
        self.run_controller.stopped.connect(self._on_stopped)
        self._build_ui()
        self._build_menus()
        self._restore_settings()
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
        self.form: ScenarioForm | None = None
        self.unreadable = QLabel()
        self.unreadable.setWordWrap(True)
        self.unreadable.setAlignment(Qt.AlignTop | Qt.AlignLeft)
        self.unreadable.setStyleSheet("color: #333; padding: 8px;")
        self.form_holder.addWidget(self.unreadable)
        self.problems_label = QLabel("Problems")
        self.problems_label.setStyleSheet("font-weight: bold;")
        left_lay.addWidget(self.problems_label)
        self.problem_list = QListWidget()
        self.problem_list.setMaximumHeight(110)
        self.problem_list.setWordWrap(True)
        self.problem_list.setToolTip("Click a problem to go to its field.")
        self.problem_list.itemActivated.connect(self._problem_clicked)
        self.problem_list.itemClicked.connect(self._problem_clicked)
        left_lay.addWidget(self.problem_list)
        left.setMinimumWidth(480)
        split.addWidget(left)

        # right: run controls, KPI cards, charts
        right = QWidget()
        rl = QVBoxLayout(right)
        rl.setContentsMargins(6, 6, 6, 6)
        controls = QHBoxLayout()
        self.reps = QSpinBox()
        self.reps.setRange(1, 100000)
        self.reps.setValue(100)
        self.reps.setToolTip("How many times to simulate the scenario (replications). Each run draws different "
                             "random chances; more runs give narrower intervals but take longer.")
        self.seed = QSpinBox()
        self.seed.setRange(0, 2_000_000_000)
        self.seed.setValue(12345)
        self.seed.setToolTip("Random seed: the same seed gives exactly the same results.")
        self.jobs = QSpinBox()
        self.jobs.setRange(0, 256)
        self.jobs.setValue(1)
        self.jobs.setToolTip("Processor cores to use at once (jobs). 1 = one core; 0 = all cores.")
        for label, w in (("Runs (replications):", self.reps), ("Seed:", self.seed), ("Cores (jobs):", self.jobs)):
            controls.addWidget(QLabel(label))
            controls.addWidget(w)
        self.run_button = QPushButton("Run")
        self.run_button.setToolTip("Simulate the scenario (F5)")
        self.run_button.setStyleSheet("font-weight: bold; padding: 4px 14px;")
        self.run_button.clicked.connect(self.start_run)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setEnabled(False)
        self.cancel_button.clicked.connect(self.cancel_run)
        controls.addWidget(self.run_button)
        controls.addWidget(self.cancel_button)
        controls.addStretch(1)
        rl.addLayout(controls)
        self.progress = QProgressBar()
        self.progress.setFormat("Press Run to forecast this scenario")
        self.progress.setValue(0)
        self.progress.setMaximumHeight(18)
        rl.addWidget(self.progress)

        compare = QHBoxLayout()
        self.run_info = QLabel("")
        self.run_info.setWordWrap(True)
        self.run_info.setMinimumWidth(100)
        self.run_info.setStyleSheet("color: #444;")
        compare.addWidget(self.run_info, 1)
        self.pin_button = QPushButton("Pin as baseline")
        self.pin_button.setToolTip("Keep this run as the baseline: later runs (of this or another scenario) "
                                   "are drawn against it and the cards show the differences.")
        self.pin_button.setEnabled(False)
        self.pin_button.clicked.connect(self.pin_baseline)
        self.unpin_button = QPushButton("Clear baseline")
        self.unpin_button.setEnabled(False)
        self.unpin_button.clicked.connect(self.clear_baseline)
        compare.addWidget(self.pin_button)
        compare.addWidget(self.unpin_button)
        rl.addLayout(compare)
        self.kpis = KpiPanel()
        rl.addWidget(self.kpis)
        self.chart_tabs = ChartTabs()
        rl.addWidget(self.chart_tabs, 1)
        split.addWidget(right)
        split.setStretchFactor(0, 5)
        split.setStretchFactor(1, 6)
        split.setSizes([560, 806])
        self.splitter = split
        self.setCentralWidget(split)
        self.statusBar().showMessage("Ready")

    def _build_menus(self) -> None:
        mb = self.menuBar()
        m = mb.addMenu("&File")
        self.new_menu = m.addMenu("&New from a bundled scenario")
        for path in bundled_scenarios():
            act = self.new_menu.addAction(path.stem)
            act.triggered.connect(lambda _c=False, p=path: self.new_from(p))
        self._act(m, "&Open...", self.open_dialog, QKeySequence.Open)
        self.recent_menu = m.addMenu("Open &recent")
        m.addSeparator()
        self._act(m, "&Save", self.save, QKeySequence.Save)
        self._act(m, "Save &as...", self.save_as, QKeySequence.SaveAs)
        m.addSeparator()
        ex = m.addMenu("&Export")
        self._act(ex, "Current &chart (PNG, SVG or PDF)...", self.export_chart_dialog)
        self._act(ex, "&Results (CSV or Excel XLSX)...", self.export_results_dialog)
        self._act(ex, "&Scenario as TOML...", self.export_scenario_dialog)
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
        self._act(r, "C&lear the baseline", self.clear_baseline)
        self._act(r, "Run &another scenario file as the baseline...", self.compare_with_file_dialog)

        h = mb.addMenu("&Help")
        self._act(h, "&About tfsim", self.about)

    def _act(self, menu, text, slot, shortcut=None) -> QAction:
        act = menu.addAction(text)
        act.triggered.connect(lambda _c=False: slot())
        if shortcut is not None:
            act.setShortcut(shortcut)
        return act

    # ---- settings ----------------------------------------------------------------------

    def _restore_settings(self) -> None:
        s = settings()
        geo = s.value("geometry")
        if geo is not None:
            self.restoreGeometry(geo)
        else:
            self.resize(1366, 740)
        try:
            self.reps.setValue(int(s.value("replications", 100)))
        except (TypeError, ValueError):
            pass
        self._fill_recent()

    def recent_files(self) -> list[str]:
        value = settings().value("recent", [])
        if isinstance(value, str):
            value = [value]
        return [str(v) for v in (value or [])]

    def _add_recent(self, path: Path) -> None:
        files = [str(path.resolve())] + [f for f in self.recent_files() if f != str(path.resolve())]
        settings().setValue("recent", files[:MAX_RECENT])
        self._fill_recent()

    def _fill_recent(self) -> None:
        self.recent_menu.clear()
        files = self.recent_files()
        for f in files:
            act = self.recent_menu.addAction(f)
            act.triggered.connect(lambda _c=False, p=f: self.open_file(p))
        self.recent_menu.setEnabled(bool(files))

    def closeEvent(self, event) -> None:  # noqa: N802
        if not self.maybe_save():
            event.ignore()
            return
        if self.run_controller.running:
            self.run_controller.wait()
        s = settings()
        s.setValue("geometry", self.saveGeometry())
        s.setValue("replications", self.reps.value())
        event.accept()

    # ---- documents ---------------------------------------------------------------------

    def _update_title(self, *_):
        self.setWindowTitle(f"{self.doc.name}[*] - tfsim")
        self.setWindowModified(self.doc.modified)

    def maybe_save(self) -> bool:
        """True when it is fine to drop the current document."""
        if not self.doc.modified:
            return True
        answer = ask_unsaved(self, self.doc.name)
        if answer == QMessageBox.Save:
            return self.save()
        return answer == QMessageBox.Discard

    def load_result(self, result, path: Path | None) -> None:
        """Show a LoadResult: the editor when the data parsed, and its problems."""
        if result.data is not None:
            self.doc.replace_all(result.data, path, result.text)
            self._ensure_form()
        else:
            self.doc.replace_all({}, path, result.text)
            self._drop_form(result)
        self.file_problems = result.problems
        self._show_problems(result.problems, result.filename, result.text)
        self._update_title()

    def _ensure_form(self) -> None:
        if self.form is None:
            self.form = ScenarioForm(self.doc)
            self.form_holder.addWidget(self.form)
        self.unreadable.hide()
        self.form.show()
        self.form.refresh()
        self.run_button.setEnabled(True)

    def _drop_form(self, result) -> None:
        if self.form is not None:
            self.form.hide()
        first = result.problems[0].format(result.filename) if result.problems else ""
        self.unreadable.setText(
            "<b>This file could not be read as a scenario.</b><br><br>"
            f"{first}<br><br>Fix it in a text editor and open it again, or start from a bundled "
            "scenario (File, New from a bundled scenario).")
        self.unreadable.show()

    def open_file(self, path, check_unsaved: bool = True) -> bool:
        if check_unsaved and not self.maybe_save():
            return False
        path = Path(path)
        result = read_scenario(path)
        self.load_result(result, path if result.text is not None or result.data is not None else None)
        if result.data is None and result.text is None:
            show_error(self, "Cannot open scenario", result.problems[0].format(str(path)))
            return False
        self._add_recent(path)
        self.statusBar().showMessage(
            f"Opened {path.name}" + (f" with {len(result.problems)} problem(s)" if result.problems else ""), 5000)
        return True

    def new_from(self, template: Path) -> bool:
        if not self.maybe_save():
            return False
        result = read_scenario(template)
        self.load_result(result, None)
        self.doc.text = None  # line numbers of the template do not apply; its comments do
        self._update_title()
        return True

    def open_dialog(self) -> None:
        if not self.maybe_save():
            return
        start = str(Path(self.recent_files()[0]).parent) if self.recent_files() else str(SCENARIO_DIR)
        name, _ = QFileDialog.getOpenFileName(self, "Open scenario", start, "Scenario files (*.toml);;All files (*)")
        if name:
            self.open_file(name, check_unsaved=False)

    def save(self) -> bool:
        if self.doc.path is None:
            return self.save_as()
        return self.save_to(self.doc.path)

    def save_as(self) -> bool:
        start = str(self.doc.path or (Path.home() / f"{self.doc.get(('name',), 'scenario') or 'scenario'}.toml"))
        name, _ = QFileDialog.getSaveFileName(self, "Save scenario as", start, "Scenario files (*.toml)")
        if not name:
            return False
        if not name.endswith(".toml"):
            name += ".toml"
        return self.save_to(Path(name))

    def save_to(self, path: Path, mark_clean: bool = True) -> bool:
        """Write the editor's data atomically (problems or not: the user's work is kept)."""
        try:
            text = data_to_toml(self.doc.data, self.doc.source_text)
            atomic_write_text(path, text)
        except Exception as exc:
            show_error(self, "Could not save", f"{path} could not be written: {exc}")
            return False
        if mark_clean:
            self.doc.path = Path(path)
            self.doc.text = text
            self.doc.source_text = text
            self.doc.undo_stack.setClean()
            self._add_recent(Path(path))
            self._update_title()
            self.revalidate()
        self.statusBar().showMessage(f"Saved {path}", 5000)
        return True

    # drag and drop of a .toml
    def dragEnterEvent(self, event) -> None:  # noqa: N802
        urls = event.mimeData().urls() if event.mimeData().hasUrls() else []
        if any(u.toLocalFile().lower().endswith(".toml") for u in urls):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dropEvent(self, event) -> None:  # noqa: N802
        for u in event.mimeData().urls():
            if u.toLocalFile().lower().endswith(".toml"):
                event.acceptProposedAction()
                QTimer.singleShot(0, lambda p=u.toLocalFile(): self.open_file(p))
                return

    # ---- problems ------------------------------------------------------------------------

    def _form_active(self) -> bool:
        return self.form is not None and not self.form.isHidden()

    def _on_index_changed(self, _index: int) -> None:
        self.revalidate()

    def revalidate(self) -> None:
        if not self._form_active() or not self.doc.data:
            return
        text = self.doc.text if not self.doc.modified else None
        problems = check_data(self.doc.data, text)
        self._show_problems(problems, self.doc.name, text)

    def _show_problems(self, problems, filename: str, text) -> None:
        self.problems = list(problems)
        self.problem_list.clear()
        fname = str(filename)
        shown = Path(fname).name if fname else "scenario"
        for p in problems:
            label = p.format(shown) if text else f"{p.key}: {p.message}"
            item = QListWidgetItem(label)
            item.setData(Qt.UserRole, tuple(p.path))
            item.setToolTip("Click to go to this field.")
            self.problem_list.addItem(item)
        n = len(problems)
        self.problems_label.setText(f"Problems ({n})" if n else "Problems: none, the scenario is ready to run")
        self.problems_label.setStyleSheet("font-weight: bold; color: %s;" % ("#D55E00" if n else "#009E73"))
        self.problem_list.setVisible(bool(n))
        if self._form_active():
            self.form.show_problems(problems)

    def _problem_clicked(self, item: QListWidgetItem) -> None:
        if self._form_active():
            self.form.focus_problem(item.data(Qt.UserRole))

    # ---- running ---------------------------------------------------------------------------

    def current_scenario(self):
        """A validated Scenario from the editor's data via tfsim.scenario.io, or None (and say why)."""
        if not self.doc.data:
            show_error(self, "Cannot run", "There is no scenario to run. Open a scenario file first.")
            return None
        result = parse_scenario_text(data_to_toml(self.doc.data), self.doc.name)
        if not result.ok:
            self._show_problems(result.problems, self.doc.name, None)
            lines = "\n".join(f"\u2022 {p.key}: {p.message}" for p in result.problems[:8])
            more = f"\n\u2022 ... and {len(result.problems) - 8} more" if len(result.problems) > 8 else ""
            show_error(self, "Cannot run yet", f"Fix these problems in the scenario first:\n\n{lines}{more}\n\n"
                       "They are also listed under the form: click one to go to its field.")
            return None
        return result.scenario

    def start_run(self) -> bool:
        if self.run_controller.running:
            return False
        scenario = self.current_scenario()
        if scenario is None:
            return False
        self._baseline_next = None
        return self._start(scenario)

    def _start(self, scenario) -> bool:
        n = self.reps.value()
        self.progress.setRange(0, n)
        self.progress.setFormat("%v of %m runs done")
        self.progress.setValue(0)
        self.run_button.setEnabled(False)
        self.cancel_button.setEnabled(True)
        self.statusBar().showMessage(f"Running {scenario.name}: {n} runs...")
        self.run_controller.start(scenario, n, self.seed.value(), self.jobs.value())
        return True

    def cancel_run(self) -> None:
        if self.run_controller.running:
            self.run_controller.cancel()
            self.statusBar().showMessage("Cancelling...")

    def _on_progress(self, done: int, total: int) -> None:
        self.progress.setRange(0, total)
        self.progress.setValue(done)

    def _on_finished(self, results) -> None:
        if getattr(self, "_baseline_next", None):
            self.baseline, self.baseline_name = results, self._baseline_next
            self._baseline_next = None
            self.show_results()
            self.statusBar().showMessage(f"Baseline ready: {self.baseline_name}", 8000)
            self.baselineReady.emit(results)
            return
        self.results = results
        self.show_results()
        self.statusBar().showMessage(
            f"Finished {results.replications} runs of {results.scenario.name} in {results.elapsed_seconds:.1f} s", 8000)
        self.runFinished.emit(results)

    def _on_failed(self, message: str) -> None:
        reason, _, details = message.partition("\n\n")
        show_error(self, "The run failed", reason, details)

    def _on_cancelled(self) -> None:
        self.progress.setValue(0)
        self.statusBar().showMessage("Run cancelled; the previous results are still shown.", 8000)

    def _on_stopped(self) -> None:
        self.run_button.setEnabled(True)
        self.cancel_button.setEnabled(False)
        self.runStopped.emit()

    def show_results(self) -> None:
        r = self.results
        self.kpis.show_results(r, self.baseline)
        self.chart_tabs.show_results(r, self.baseline)
        self.pin_button.setEnabled(r is not None)
        self.unpin_button.setEnabled(self.baseline is not None)
        if r is None and self.baseline is not None:
            self.run_info.setText(f"Baseline <i>{self.baseline_name}</i> is ready; run this scenario to compare.")
        if r is not None:
            info = (f"<b>{r.scenario.name}</b>: {r.replications} runs, seed {r.seed}, "
                    f"{r.scenario.start_date:%d %b %Y} to {r.scenario.end_date:%d %b %Y}")
            if self.baseline is not None:
                info += f". Compared with baseline <i>{self.baseline_name}</i> (dashed)"
            self.run_info.setText(info)

    # ---- compare ---------------------------------------------------------------------------

    def pin_baseline(self) -> None:
        if self.results is None:
            return
        self.baseline = self.results
        self.baseline_name = f"{self.results.scenario.name} ({self.results.replications} runs)"
        self.statusBar().showMessage(f"Pinned {self.baseline_name} as the baseline. Change the scenario or open "
                                     "another one and run it to compare.", 8000)
        self.show_results()

    def compare_with_file(self, path) -> bool:
        """Run another scenario file (same runs and seed) and draw it as the baseline."""
        if self.run_controller.running:
            return False
        path = Path(path)
        result = read_scenario(path)
        if not result.ok:
            lines = "\n".join(p.format(path.name) for p in result.problems[:8])
            show_error(self, "Cannot compare with this file", f"{path.name} has problems:\n\n{lines}")
            return False
        self._baseline_next = f"{result.scenario.name} ({path.name}, {self.reps.value()} runs)"
        return self._start(result.scenario)

    def compare_with_file_dialog(self) -> None:
        start = str(self.doc.path.parent if self.doc.path else SCENARIO_DIR)
        name, _ = QFileDialog.getOpenFileName(self, "Scenario to compare with", start, "Scenario files (*.toml)")
        if name:
            self.compare_with_file(name)

    def clear_baseline(self) -> None:
        self.baseline = None
        self.baseline_name = ""
        self.show_results()

    # ---- export ----------------------------------------------------------------------------

    def _need_results(self) -> bool:
        if self.results is None:
            show_error(self, "Nothing to export yet", "Run the scenario first; then its results can be exported.")
            return False
        return True

    def export_chart(self, path: Path, key: str | None = None) -> Path:
        tab = self.chart_tabs.charts[key] if key else self.chart_tabs.current_chart()
        kwargs = chart_kwargs(tab.plot, self.results, self.baseline)
        try:
            return export.write_chart(tab.plot, self.results, path, **kwargs)
        except Exception:
            if "baseline" not in kwargs:
                raise
            kwargs.pop("baseline")
            return export.write_chart(tab.plot, self.results, path, **kwargs)

    def export_results(self, path: Path) -> list[Path]:
        return export.write_results(self.results, path)

    def export_chart_dialog(self) -> None:
        if not self._need_results():
            return
        tab = self.chart_tabs.current_chart()
        name, flt = QFileDialog.getSaveFileName(self, f"Export chart '{tab.title}'", f"{tab.key}.png",
                                                "PNG image (*.png);;SVG drawing (*.svg);;PDF document (*.pdf)")
        if name:
            if Path(name).suffix.lower() not in (".png", ".svg", ".pdf"):
                name += "." + flt.split("*.")[1].rstrip(")")
            self._guard(lambda: self.export_chart(Path(name)), f"Exported chart to {name}")

    def export_results_dialog(self) -> None:
        if not self._need_results():
            return
        name, flt = QFileDialog.getSaveFileName(self, "Export results", "results.xlsx",
                                                "Excel workbook, one sheet a table (*.xlsx);;"
                                                "CSV tables (*.csv)")
        if name:
            if Path(name).suffix.lower() not in (".xlsx", ".csv"):
                name += ".csv" if "csv" in flt else ".xlsx"
            self._guard(lambda: self.export_results(Path(name)), f"Exported results to {name}")

    def export_scenario(self, path: Path) -> None:
        atomic_write_text(path, data_to_toml(self.doc.data, self.doc.source_text))

    def export_scenario_dialog(self) -> None:
        name, _ = QFileDialog.getSaveFileName(self, "Export scenario as TOML", "scenario-copy.toml",
                                              "Scenario files (*.toml)")
        if name:
            self._guard(lambda: self.export_scenario(Path(name)), f"Exported scenario to {name}")

    def _guard(self, fn, done: str) -> None:
        try:
            fn()
        except Exception as exc:
            show_error(self, "Export failed", f"{type(exc).__name__}: {exc}", traceback.format_exc())
        else:
            self.statusBar().showMessage(done, 8000)

    def about(self) -> None:
        QMessageBox.about(self, "About tfsim",
                          "tfsim: caseload-planning and staffing simulator for family intervention programmes.\n\n"
                          "Each run simulates the programme once with random chances; the results show the "
                          "average of many runs with the range they span.")
