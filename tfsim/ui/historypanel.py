"""The History view: import a council's monthly history, backtest the scenario on it, calibrate and accept.

*Import history...* reads a history CSV (:func:`tfsim.history.read_history`) and lists its
problems as ``FILE:LINE: column: reason`` when it has any.  *Backtest* runs the scenario being
edited over the history's months and draws each series' counts as points over the run's band
(:func:`tfsim.charts.plot_backtest`), with a table of the errors.  *Calibrate* fits the values
picked (one to five, each with its range) by ABC-SMC (:func:`tfsim.calibrate.calibrate`), draws
each value's posterior (:func:`tfsim.charts.plot_posterior`) and lists its 90% interval;
**Accept fitted values** asks the window to put them in the scenario as one undoable edit.
Every run is a job on the window's one warm runner, off the GUI thread, with progress and Cancel.
"""

from __future__ import annotations

import html
from pathlib import Path

from matplotlib.backends.backend_qtagg import FigureCanvasQTAgg
from matplotlib.figure import Figure
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QUndoCommand
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDoubleSpinBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

import tfsim.charts as charts
from tfsim.calibrate import MAX_FIT, CalibrationError, parse_fit
from tfsim.history import check_against, read_history

from . import historytasks as ht
from .results import legend_below, wrap_labels
from .whatifpanel import BUSY_TEXT
from .worker import JobController

FILE_FILTER = "History files (*.csv)"
MAX_SHOWN = 12  # problems listed before "... and N more"


def _table(columns: int = 0) -> QTableWidget:
    table = QTableWidget(0, columns)
    table.setEditTriggers(QAbstractItemView.NoEditTriggers)
    table.setSelectionBehavior(QAbstractItemView.SelectRows)
    table.setSelectionMode(QAbstractItemView.SingleSelection)
    table.verticalHeader().hide()
    table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeToContents)
    table.horizontalHeader().setStretchLastSection(True)
    return table


def _fill(table: QTableWidget, headers: list[str], rows: list[ht.Row]) -> None:
    table.clear()
    table.setColumnCount(len(headers))
    table.setHorizontalHeaderLabels(headers)
    table.setRowCount(len(rows))
    for r, row in enumerate(rows):
        for c, text in enumerate(row.cells):
            item = QTableWidgetItem(text)
            item.setToolTip(row.tooltip)
            table.setItem(r, c, item)
    table.resizeColumnsToContents()
    table.resizeRowsToContents()


class _Chart(QWidget):
    """A matplotlib canvas that draws one chart function, or a message."""

    def __init__(self, parent=None):
        super().__init__(parent)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        self.figure = Figure(figsize=(5, 3.4), layout="constrained")
        self.canvas = FigureCanvasQTAgg(self.figure)
        lay.addWidget(self.canvas)

    def draw(self, plot, columns: int = 2) -> None:
        self.figure.clear()
        ax = self.figure.add_subplot()
        try:
            plot(ax)
        except Exception as exc:  # an answer that cannot be drawn says so instead of crashing
            self.message(f"This cannot be drawn ({type(exc).__name__}: {exc}).")
            return
        wrap_labels(ax, self.canvas.width(), self.canvas.height())
        legend_below(ax, columns=columns)
        self.canvas.draw_idle()

    def message(self, text: str) -> None:
        self.figure.clear()
        ax = self.figure.add_subplot()
        ax.set_axis_off()
        ax.text(0.5, 0.5, text, ha="center", va="center", wrap=True, fontsize=10, transform=ax.transAxes)
        self.canvas.draw_idle()

    @property
    def drawn(self) -> bool:
        return any(ax.has_data() for ax in self.figure.axes)


class HistoryPanel(QWidget):
    """Import, backtest, calibrate and accept: the History tab beside Results and What-if.

    Parameters
    ----------
    shared : SharedRunner
        The window's runner, shared with the run session and the What-if view.
    scenario_source : callable
        Returns the edited scenario when it is valid, else None (having said why).
    settings : callable
        Returns ``(seed, jobs)`` as set for runs.
    """

    acceptFit = Signal(object)  # a tfsim.calibrate.Calibration whose values to put in the scenario
    stopped = Signal()

    def __init__(self, shared, scenario_source, settings, parent=None):
        super().__init__(parent)
        self.scenario_source, self.settings = scenario_source, settings
        self.controller = JobController(shared, self)
        self.history = None
        self.scenario = None
        self.backtest = None
        self.calibration = None
        self.job = None
        self.choices: list[ht.FitChoice] = []
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 4, 0, 0)
        lay.addLayout(self._import_row())
        self.problems = QLabel("")
        self.problems.setWordWrap(True)
        self.problems.setTextInteractionFlags(Qt.TextSelectableByMouse)
        self.problems.setStyleSheet("color: #8B0000; padding: 2px 4px;")
        self.problems.hide()
        lay.addWidget(self.problems)
        self.pages = QTabWidget()
        self.pages.addTab(self._backtest_page(), "Backtest")
        self.pages.setTabToolTip(0, "The scenario's simulated months against the history's counts")
        self.pages.addTab(self._calibrate_page(), "Calibrate")
        self.pages.setTabToolTip(1, "Fit a few values of the scenario to the history, with their plausible ranges")
        lay.addWidget(self.pages, 1)
        lay.addLayout(self._progress_row())
        c = self.controller
        c.progress.connect(self._progress)
        c.finished.connect(self._finished)
        c.failed.connect(self._failed)
        c.cancelled.connect(lambda: self.say("Cancelled; the last answer is still shown."))
        c.stopped.connect(self._stopped)
        self._enable()

    # ---- layout ---------------------------------------------------------------------------------

    def _import_row(self) -> QHBoxLayout:
        row = QHBoxLayout()
        self.import_button = QPushButton("Import history...")
        self.import_button.setToolTip("Read a CSV of the council's monthly counts: month (YYYY-MM), then any of "
                                      "referrals, refused, started, closed_turned_around, closed_other, claims, "
                                      "fte_in_post (or fte_in_post.ROLE) and waiting_list.")
        self.import_button.clicked.connect(self.import_dialog)
        self.file_label = QLabel("No history imported yet.")
        self.file_label.setWordWrap(True)
        self.file_label.setStyleSheet("color: #333;")
        row.addWidget(self.import_button)
        row.addWidget(self.file_label, 1)
        return row

    def _backtest_page(self) -> QWidget:
        page = QWidget()
        lay = QVBoxLayout(page)
        lay.setContentsMargins(4, 4, 4, 4)
        row = QHBoxLayout()
        self.bt_reps = QSpinBox()
        self.bt_reps.setRange(5, 100000)
        self.bt_reps.setValue(ht.BACKTEST_REPLICATIONS)
        self.bt_reps.setToolTip("Runs of the scenario: the band holds 90% of them.")
        self.backtest_button = QPushButton("Run backtest")
        self.backtest_button.setStyleSheet("font-weight: bold; padding: 4px 10px;")
        self.backtest_button.clicked.connect(self.start_backtest)
        self.series = QComboBox()
        self.series.setToolTip("The series to draw")
        self.series.currentIndexChanged.connect(lambda _i: self._draw_backtest())
        for w in (QLabel("Runs:"), self.bt_reps, self.backtest_button, QLabel("Series:")):
            row.addWidget(w)
        row.addWidget(self.series, 1)
        lay.addLayout(row)
        split = QSplitter(Qt.Vertical)
        self.bt_chart = _Chart()
        self.bt_chart.message("Import a history, then press Run backtest.")
        split.addWidget(self.bt_chart)
        self.bt_table = _table()
        self.bt_table.itemSelectionChanged.connect(self._backtest_row_picked)
        split.addWidget(self.bt_table)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 2)
        lay.addWidget(split, 1)
        return page

    def _calibrate_page(self) -> QWidget:
        page = QWidget()
        lay = QVBoxLayout(page)
        lay.setContentsMargins(4, 4, 4, 4)
        pick = QHBoxLayout()
        self.choice = QComboBox()
        self.choice.setMinimumContentsLength(28)
        self.choice.setSizeAdjustPolicy(QComboBox.AdjustToMinimumContentsLengthWithIcon)
        self.choice.setMaxVisibleItems(20)
        self.add_button = QPushButton("Add")
        self.add_button.setToolTip(f"Fit this value (at most {MAX_FIT})")
        self.add_button.clicked.connect(lambda: self.add_fit(self.choice.currentData()))
        self.remove_button = QPushButton("Remove")
        self.remove_button.clicked.connect(self.remove_fit)
        for w, stretch in ((QLabel("Value to fit:"), 0), (self.choice, 1), (self.add_button, 0),
                           (self.remove_button, 0)):
            pick.addWidget(w, stretch)
        lay.addLayout(pick)
        self.fit_table = QTableWidget(0, 3)
        self.fit_table.setHorizontalHeaderLabels(["Value", "Low", "High"])
        self.fit_table.verticalHeader().hide()
        self.fit_table.horizontalHeader().setSectionResizeMode(0, QHeaderView.Stretch)
        self.fit_table.setSelectionBehavior(QAbstractItemView.SelectRows)
        self.fit_table.setToolTip("The values to fit and the range each may take (its prior); edit Low and High.")
        self.fit_table.verticalHeader().setDefaultSectionSize(22)
        self.fit_table.setMaximumHeight(3 * 22 + 28)  # three rows show; more scroll
        lay.addWidget(self.fit_table)
        row = QHBoxLayout()
        self.particles = QSpinBox()
        self.particles.setRange(10, 10000)
        self.particles.setValue(100)
        self.particles.setToolTip("Value sets (particles) kept in each round of the fit: more give smoother ranges "
                                  "and take longer (--particles)")
        self.generations = QSpinBox()
        self.generations.setRange(1, 20)
        self.generations.setValue(6)
        self.generations.setToolTip("Most rounds (generations) after the first draw from the ranges; each keeps only "
                                    "value sets whose runs come closer to the history (--generations)")
        self.holdout = QDoubleSpinBox()
        self.holdout.setRange(0, 90)
        self.holdout.setDecimals(0)
        self.holdout.setSuffix("%")
        self.holdout.setValue(25)
        self.holdout.setToolTip("The history's last months left out of the fit and used to check it")
        self.calibrate_button = QPushButton("Calibrate")
        self.calibrate_button.setStyleSheet("font-weight: bold; padding: 4px 10px;")
        self.calibrate_button.clicked.connect(self.start_calibration)
        for w in (QLabel("Value sets:"), self.particles, QLabel("Rounds:"), self.generations,
                  QLabel("Hold out:"), self.holdout):
            row.addWidget(w)
        row.addStretch(1)
        row.addWidget(self.calibrate_button)
        lay.addLayout(row)
        split = QSplitter(Qt.Vertical)
        self.cal_chart = _Chart()
        self.cal_chart.message("Pick values to fit, then press Calibrate.")
        split.addWidget(self.cal_chart)
        self.cal_table = _table()
        self.cal_table.setToolTip("Each value fitted: select a row to draw its posterior")
        self.cal_table.itemSelectionChanged.connect(self._draw_posterior)
        self.cal_table.setMaximumHeight(130)  # five values at most: the chart keeps the room
        split.addWidget(self.cal_table)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 1)
        lay.addWidget(split, 1)
        accept = QHBoxLayout()
        accept.addStretch(1)
        self.accept_button = QPushButton("Accept fitted values")
        self.accept_button.setToolTip("Put every fitted value into the scenario being edited, with a FITTED comment "
                                      "beside it when saved (Edit, Undo takes them all back).")
        self.accept_button.clicked.connect(self.accept)
        accept.addWidget(self.accept_button)
        lay.addLayout(accept)
        return page

    def _progress_row(self) -> QVBoxLayout:
        col = QVBoxLayout()
        row = QHBoxLayout()
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.clicked.connect(self.cancel)
        self.progress = QProgressBar()
        self.progress.setFormat("")  # "%v of %m runs" once a job starts
        self.progress.setValue(0)
        self.progress.setMaximumHeight(18)
        row.addWidget(self.progress, 1)
        row.addWidget(self.cancel_button)
        col.addLayout(row)
        self.message = QLabel("")
        self.message.setWordWrap(True)
        self.message.setTextInteractionFlags(Qt.TextSelectableByMouse)
        col.addWidget(self.message)
        return col

    # ---- the history ------------------------------------------------------------------------------

    def import_dialog(self) -> None:
        name, _ = QFileDialog.getOpenFileName(self, "Import history", str(Path.home()),
                                              f"{FILE_FILTER};;All files (*)")
        if name:
            self.import_file(name)

    def import_file(self, path) -> bool:
        """Read a history file; True when it can be used (its problems are listed when it cannot)."""
        result = read_history(path)
        problems = result.problems
        if result.ok and self.scenario is not None:
            problems = check_against(result.history, self.scenario)
        if problems:
            lines = [p.format(result.filename) for p in problems[:MAX_SHOWN]]
            if len(problems) > MAX_SHOWN:
                lines.append(f"... and {len(problems) - MAX_SHOWN} more")
            self.problems.setText("This history cannot be used yet:\n" + "\n".join(lines))
            self.problems.show()
        else:
            self.problems.hide()
        self.history = result.history if result.ok else None
        if self.history is not None:
            h = self.history
            text = (f"<b>{html.escape(h.name)}</b>: {len(h.months)} months ({h.months[0]} to {h.months[-1]}), "
                    f"{len(h.series)} series counted (point here for the list)")
            first = next((c for c in h.comments if c.strip()), "")
            if first:  # the file's own first word on itself (the sample says it is synthetic)
                text += f"<br><i>{html.escape(first)}</i>"
            self.file_label.setText(text)
            self.file_label.setToolTip("\n".join([ht.history_text(h, self.scenario), "", *h.comments]))
            self.backtest = self.calibration = None
            self.series.clear()
            self.bt_table.setRowCount(0)
            self.cal_table.setRowCount(0)
            self.bt_chart.message("Press Run backtest to set the scenario beside this history.")
            self.cal_chart.message("Pick values to fit, then press Calibrate.")
            self.say("")
        else:
            self.file_label.setText(f"{Path(str(path)).name} could not be used.")
        self._enable()
        return self.history is not None and not problems

    def set_scenario(self, scenario) -> None:
        """Offer the numbers of ``scenario`` (the edited scenario, when valid) to fit."""
        self.scenario = scenario
        keep = self.choice.currentData()
        self.choices = ht.fit_choices(scenario)
        self.choice.blockSignals(True)
        self.choice.clear()
        for c in self.choices:
            self.choice.addItem(c.text, c.path)
            self.choice.setItemData(self.choice.count() - 1, f"{c.help}\nKey path: {c.path}", Qt.ToolTipRole)
        i = self.choice.findData(keep) if keep else self.choice.findData("engagement.refusal_probability")
        self.choice.setCurrentIndex(max(0, i))
        self.choice.blockSignals(False)

    # ---- the values to fit ------------------------------------------------------------------------

    def fit_paths(self) -> list[str]:
        return [self.fit_table.item(r, 0).data(Qt.UserRole) for r in range(self.fit_table.rowCount())]

    def add_fit(self, path: str | None, low: float | None = None, high: float | None = None) -> bool:
        """Add a value to fit with its range (by default half to one and a half times it)."""
        if path is None or path in self.fit_paths() or self.fit_table.rowCount() >= MAX_FIT:
            if self.fit_table.rowCount() >= MAX_FIT:
                self.say(f"At most {MAX_FIT} values can be fitted at once.")
            return False
        if self.scenario is not None and (low is None or high is None):
            low, high = ht.default_range(self.scenario, path)
        text = next((c.text for c in self.choices if c.path == path), path)
        r = self.fit_table.rowCount()
        self.fit_table.insertRow(r)
        name = QTableWidgetItem(text)
        name.setData(Qt.UserRole, path)
        name.setFlags(name.flags() & ~Qt.ItemIsEditable)
        name.setToolTip(f"Key path: {path}")
        self.fit_table.setItem(r, 0, name)
        for c, v in ((1, low), (2, high)):
            self.fit_table.setItem(r, c, QTableWidgetItem(f"{v:.4g}" if v is not None else ""))
        self._enable()
        return True

    def remove_fit(self) -> None:
        rows = sorted({i.row() for i in self.fit_table.selectedIndexes()}, reverse=True)
        for r in rows or [self.fit_table.rowCount() - 1]:
            if r >= 0:
                self.fit_table.removeRow(r)
        self._enable()

    def fit_values(self):
        """The values to fit as :class:`~tfsim.calibrate.FitValue`, or CalibrationError saying what is wrong."""
        out = []
        for r, path in enumerate(self.fit_paths()):
            low, high = (self.fit_table.item(r, c).text().strip() for c in (1, 2))
            out.append(parse_fit(self.scenario, f"{path}={low}:{high}"))
        return out

    # ---- running ----------------------------------------------------------------------------------

    @property
    def running(self) -> bool:
        return self.controller.running

    def _start(self, job) -> bool:
        seed, jobs = self.settings()
        job.seed = seed
        if not self.controller.start_job(job, jobs):
            self.say(BUSY_TEXT)
            return False
        self.job = job
        self.progress.setFormat("%v of %m runs")
        self.progress.setRange(0, 1)
        self.progress.setValue(0)
        self.say("Running...")
        self._enable()
        return True

    def _ready(self):
        """The edited scenario when a history is imported and both are valid, else None (having said why)."""
        if self.history is None:
            self.say("Import a history first.")
            return None
        scenario = self.scenario_source()
        if scenario is None:
            return None
        self.set_scenario(scenario)
        problems = check_against(self.history, scenario)
        if problems:
            self.say("\n".join(p.format(self.history.filename) for p in problems[:MAX_SHOWN]))
            return None
        return scenario

    def start_backtest(self) -> bool:
        if self.running:
            return False
        scenario = self._ready()
        if scenario is None:
            return False
        return self._start(ht.BacktestJob(scenario, self.history, self.bt_reps.value(), 0))

    def start_calibration(self, check_replications: int = 50, pilot: int = 20) -> bool:
        if self.running:
            return False
        scenario = self._ready()
        if scenario is None:
            return False
        if not self.fit_paths():
            self.say("Add one or more values to fit first.")
            return False
        try:
            fits = self.fit_values()
        except CalibrationError as exc:
            self.say(str(exc))
            return False
        self.pages.setCurrentIndex(1)
        return self._start(ht.CalibrateJob(scenario, self.history, fits, self.particles.value(),
                                           self.generations.value(), self.holdout.value() / 100, 0,
                                           check_replications, pilot))

    def cancel(self) -> bool:
        if not self.running:
            return False
        self.controller.cancel()
        return True

    def wait(self) -> None:
        """Cancel any job and wait for its thread (before the window closes)."""
        self.controller.wait()

    def _progress(self, done: int, total: int) -> None:
        self.progress.setRange(0, max(total, 1))
        self.progress.setValue(done)

    def _stopped(self) -> None:
        self._enable()
        self.stopped.emit()

    def _failed(self, message: str) -> None:
        reason, _, details = message.partition("\n\n")
        self.say(f"Could not run this: {reason}")
        self.message.setToolTip(details)

    def say(self, text: str) -> None:
        self.message.setText(text)

    def _enable(self) -> None:
        idle = not self.running
        have = self.history is not None
        self.import_button.setEnabled(idle)
        self.backtest_button.setEnabled(idle and have)
        self.calibrate_button.setEnabled(idle and have and self.fit_table.rowCount() > 0)
        self.cancel_button.setEnabled(not idle)
        self.add_button.setEnabled(self.fit_table.rowCount() < MAX_FIT)
        self.remove_button.setEnabled(self.fit_table.rowCount() > 0)
        self.accept_button.setEnabled(idle and self.calibration is not None)

    # ---- the answers ------------------------------------------------------------------------------

    def _finished(self, answer) -> None:
        self.message.setToolTip("")
        if self.job.kind == "backtest":
            self.show_backtest(answer)
        else:
            self.show_calibration(answer)

    def show_backtest(self, bt) -> None:
        self.backtest = bt
        headers, rows = ht.backtest_table(bt)
        _fill(self.bt_table, headers, rows)
        self.series.blockSignals(True)
        self.series.clear()
        for row in rows:
            self.series.addItem(row.cells[0], row.changes["series"])
        self.series.blockSignals(False)
        flagged = [s.label for s in bt.flagged]
        self.say(f"{bt.results.scenario.name} against {bt.history.name}: {len(bt.months)} months, "
                 f"{bt.results.replications} runs ({bt.results.elapsed_seconds:.1f} s). "
                 + (f"Does not fit: {', '.join(flagged)}." if flagged else
                    "Every series counted is within what the scenario produces."))
        self._draw_backtest()

    def _backtest_row_picked(self) -> None:
        picked = sorted({i.row() for i in self.bt_table.selectedIndexes()})
        if picked:
            self.series.setCurrentIndex(picked[0])

    def _draw_backtest(self) -> None:
        label = self.series.currentData()
        if self.backtest is None or label is None:
            return
        self.bt_chart.draw(lambda ax: charts.plot_backtest(ax, self.backtest, label))

    def show_calibration(self, cal) -> None:
        self.calibration = cal
        headers, rows = ht.calibration_table(cal)
        _fill(self.cal_table, headers, rows)
        self.say("\n".join(ht.calibration_summary(cal)))
        self.cal_table.selectRow(0)
        self._draw_posterior()
        self._enable()

    def _draw_posterior(self) -> None:
        if self.calibration is None:
            return
        picked = sorted({i.row() for i in self.cal_table.selectedIndexes()}) or [0]
        k = min(picked[0], len(self.calibration.fits) - 1)
        self.cal_chart.draw(lambda ax: charts.plot_posterior(ax, self.calibration, k), columns=3)

    def accept(self) -> bool:
        """Ask for the fitted values in the edited scenario; False when there is no calibration."""
        if self.calibration is None:
            return False
        self.acceptFit.emit(self.calibration)
        return True

    def accepted(self, text: str) -> None:
        """Say that the fitted values are in the scenario (the window calls it once they are)."""
        self.say(text)


class SetSourceText(QUndoCommand):
    """Replace the text a save keeps the comments of (undone with the edits it came with)."""

    def __init__(self, doc, text: str | None):
        super().__init__("Comment the fitted values")
        self.doc, self.old, self.new = doc, doc.source_text, text

    def redo(self) -> None:
        self.doc.source_text = self.new

    def undo(self) -> None:
        self.doc.source_text = self.old


def accept_calibration(doc, cal) -> str:
    """Put a calibration's fitted values into the edited document as one undoable step; what it did, in words.

    The values go in through the undo stack; the text a save keeps the comments of gets a
    FITTED comment beside each value (:func:`tfsim.ui.historytasks.annotated_source`), in the
    same step, so Undo takes back both.  KeyError names a value the document no longer has.
    """
    edits = ht.accept_edits(doc.data, cal)
    annotated = ht.annotated_source(doc.source_text, cal)
    names = ", ".join(f.label for f in cal.fits)
    stack = doc.undo_stack
    stack.beginMacro(f"Accept fitted values ({names})")
    if annotated is not None:
        stack.push(SetSourceText(doc, annotated))
    for path, value in edits:
        doc.set_value(path, value)
    stack.endMacro()
    where = ", with a FITTED comment beside each when saved" if annotated is not None else ""
    values = "; ".join(f"{f.label} {f.text(f.base)} -> {f.text(cal.point(k))}" for k, f in enumerate(cal.fits))
    return f"Fitted values in the scenario{where} (Edit > Undo takes them back): {values}."


__all__ = ["HistoryPanel", "SetSourceText", "accept_calibration"]
