"""The What-if view: sweeps, goal seeks and tornadoes run in the background, drawn and tabled.

The forms (:mod:`tfsim.ui.whatifforms`) build a job; a :class:`~tfsim.ui.worker.JobController`
runs it on the window's one warm runner, with progress and Cancel; the answer is drawn by
the shared chart functions (:func:`tfsim.charts.plot_sweep`, :func:`~tfsim.charts.plot_goal`,
:func:`~tfsim.charts.plot_tornado`) and listed in a small table (:mod:`tfsim.ui.tasks`).
"Use this point" asks the window to put a chosen value into the scenario being edited.
"""

from __future__ import annotations

from matplotlib.backends.backend_qtagg import FigureCanvasQTAgg
from matplotlib.figure import Figure
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
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
from tfsim import whatif
from tfsim.catalogue import SUMMARY
from tfsim.target import NEVER_WAITED_TEXT, never_waited

from . import tasks
from .results import legend_below, wrap_labels
from .runpanel import NOTE_STYLE
from .whatifforms import GoalForm, SweepForm, TornadoForm
from .worker import JobController

DEFAULT_REPLICATIONS = 20
BUSY_TEXT = "Another run is going on: wait for it to finish, or cancel it, then try again."


class WhatIfPanel(QWidget):
    """The forms, Run and Cancel with progress, and the answer: its chart, its table, "Use this point".

    Parameters
    ----------
    shared : SharedRunner
        The window's runner, shared with the run session.
    scenario_source : callable
        Returns the edited scenario when it is valid, else None (having said why).
    settings : callable
        Returns ``(seed, jobs)`` as set for runs.
    """

    usePoint = Signal(dict, str)  # key-path changes, their description
    stopped = Signal()

    def __init__(self, shared, scenario_source, settings, parent=None):
        super().__init__(parent)
        self.scenario_source, self.settings = scenario_source, settings
        self.controller = JobController(shared, self)
        self.job = None  # the job running or last answered
        self.answer = None
        self.rows: list[tasks.Row] = []
        self.main_never_waited = False
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 4, 0, 0)
        self.forms = QTabWidget()
        self.sweep_form, self.goal_form, self.tornado_form = SweepForm(), GoalForm(), TornadoForm()
        for form, title, tip in ((self.sweep_form, "Sweep", "Run the scenario at several values of one number"),
                                 (self.goal_form, "Goal seek", "Find the value that gives a chance of meeting the "
                                                               "target"),
                                 (self.tornado_form, "Which input matters", "Move each uncertain input up and down "
                                                                           "and see how far the result moves")):
            self.forms.addTab(form, title)
            self.forms.setTabToolTip(self.forms.count() - 1, tip)
        tallest = max(self.forms.widget(i).sizeHint().height() for i in range(self.forms.count()))
        self.forms.setMaximumHeight(tallest + self.forms.tabBar().sizeHint().height() + 6)
        lay.addWidget(self.forms)
        lay.addLayout(self._run_row())
        self.note = QLabel(NEVER_WAITED_TEXT)
        self.note.setWordWrap(True)
        self.note.setStyleSheet(NOTE_STYLE)
        self.note.hide()
        lay.addWidget(self.note)
        split = QSplitter(Qt.Horizontal)
        self.figure = Figure(figsize=(5, 3.5), layout="constrained")
        self.canvas = FigureCanvasQTAgg(self.figure)
        split.addWidget(self.canvas)
        split.addWidget(self._answer_side())
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 2)
        split.setSizes([470, 330])
        lay.addWidget(split, 1)
        self.forms.currentChanged.connect(lambda _i: self.run_button.setText(self.forms.currentWidget().run_text))
        c = self.controller
        c.progress.connect(self._progress)
        c.finished.connect(self._finished)
        c.failed.connect(self._failed)
        c.cancelled.connect(lambda: self.say("Cancelled; the last answer is still shown."))
        c.stopped.connect(self._stopped)
        self._draw_message("Pick what to ask above and press Run.")

    def _run_row(self) -> QHBoxLayout:
        row = QHBoxLayout()
        self.reps = QSpinBox()
        self.reps.setRange(2, 100000)
        self.reps.setValue(DEFAULT_REPLICATIONS)
        self.reps.setToolTip("Runs (replications) at each value, all on the same random numbers so values compare "
                             "fairly. A goal seek adds runs where the answer is close.")
        self.run_button = QPushButton(self.sweep_form.run_text)
        self.run_button.setStyleSheet("font-weight: bold; padding: 4px 10px;")
        self.run_button.clicked.connect(self.start)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setEnabled(False)
        self.cancel_button.clicked.connect(self.cancel)
        self.progress = QProgressBar()
        self.progress.setFormat("%v of %m runs")
        self.progress.setValue(0)
        self.progress.setMaximumHeight(18)
        for w in (QLabel("Runs at each value:"), self.reps, self.run_button, self.cancel_button):
            row.addWidget(w)
        row.addWidget(self.progress, 1)
        return row

    def _answer_side(self) -> QWidget:
        side = QWidget()
        lay = QVBoxLayout(side)
        lay.setContentsMargins(4, 0, 0, 0)
        self.message = QLabel("")
        self.message.setWordWrap(True)
        self.message.setAlignment(Qt.AlignTop | Qt.AlignLeft)
        self.message.setTextInteractionFlags(Qt.TextSelectableByMouse)
        lay.addWidget(self.message)
        self.table = QTableWidget(0, 0)
        self.table.setEditTriggers(QAbstractItemView.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SingleSelection)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.itemSelectionChanged.connect(self._selection_changed)
        lay.addWidget(self.table, 1)
        self.use_button = QPushButton("Use this point")
        self.use_button.setToolTip("Put the selected row's value into the scenario being edited (Edit, Undo takes "
                                   "it back).")
        self.use_button.setEnabled(False)
        self.use_button.clicked.connect(self.use_point)
        lay.addWidget(self.use_button)
        return side

    # ---- inputs ------------------------------------------------------------------------------

    def set_scenario(self, scenario) -> None:
        """Offer the numbers and results of ``scenario`` (the edited scenario, when valid)."""
        for form in (self.sweep_form, self.goal_form, self.tornado_form):
            form.set_scenario(scenario)

    def set_main_results(self, results) -> None:
        """The latest run of the edited scenario, for the note that extra staff cannot help."""
        self.main_never_waited = results is not None and never_waited(results)
        self._show_note()

    def _show_note(self) -> None:
        self.note.setVisible(self.main_never_waited or tasks.nobody_waited(self.answer))

    # ---- running -----------------------------------------------------------------------------

    @property
    def running(self) -> bool:
        return self.controller.running

    def start(self) -> bool:
        """Run what the current form asks; False (having said why) when it cannot start."""
        if self.running:
            return False
        scenario = self.scenario_source()
        if scenario is None:
            return False
        self.set_scenario(scenario)
        seed, jobs = self.settings()
        try:
            job = self.forms.currentWidget().job(scenario, self.reps.value(), seed)
        except whatif.WhatIfError as exc:
            self.say(str(exc))
            return False
        if not self.controller.start_job(job, jobs):
            self.say(BUSY_TEXT)
            return False
        self.job = job
        self.progress.setRange(0, 1)
        self.progress.setValue(0)
        self.run_button.setEnabled(False)
        self.cancel_button.setEnabled(True)
        self.say("Running...")
        return True

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
        self.run_button.setEnabled(True)
        self.cancel_button.setEnabled(False)
        self.stopped.emit()

    def _failed(self, message: str) -> None:
        reason, _, details = message.partition("\n\n")
        self.say(f"Could not run this: {reason}")
        if details:
            self.message.setToolTip(details)

    def say(self, text: str) -> None:
        self.message.setText(text)

    # ---- the answer --------------------------------------------------------------------------

    def _finished(self, answer) -> None:
        self.answer = answer
        job = self.job
        if job.kind == "sweep":
            headers, self.rows = tasks.sweep_table(job, answer)
            lines = [f"{SUMMARY[job.metric].title} at {len(answer.valid)} values of {job.value.text}, "
                     f"{answer.replications} runs each on the same seeds ({answer.elapsed_seconds:.1f} s)."]
            lines += [f"Not run: {p.values[job.value.path]}: {p.error}" for p in answer.points if p.error]
            self._draw(lambda ax: charts.plot_sweep(ax, answer, job.metric, value_label=job.value.text))
        elif job.kind == "goal":
            headers, self.rows = tasks.goal_table(job, answer)
            lines = tasks.goal_summary(job, answer)
            lines.append(f"{answer.replications} runs in all ({answer.elapsed_seconds:.1f} s).")
            self._draw(lambda ax: charts.plot_goal(ax, answer, value_label=job.value.text))
        else:
            headers, self.rows = tasks.tornado_table(job, answer)
            lines = [f"{len(answer.inputs)} inputs at two settings and the base, {job.replications} runs each "
                     f"({answer.elapsed_seconds:.1f} s). Hover over a row for its 95% interval."]
            lines += [f"Skipped: {s.split('; give')[0]}." for s in answer.skipped]
            self._draw(lambda ax: charts.plot_tornado(ax, answer, job.metric))
        self.say("\n".join(lines))
        self.message.setToolTip("")
        self._fill_table(headers)
        self._show_note()
        if job.kind == "goal":
            self.select_value(answer.confident if answer.confident is not None else answer.estimate)

    def _fill_table(self, headers: list[str]) -> None:
        self.table.clear()
        self.table.setColumnCount(len(headers))
        self.table.setHorizontalHeaderLabels(headers)
        self.table.setRowCount(len(self.rows))
        for r, row in enumerate(self.rows):
            for c, text in enumerate(row.cells):
                item = QTableWidgetItem(text)
                item.setToolTip(row.tooltip)
                self.table.setItem(r, c, item)
        # columns as wide as their text; when that is wider than the table, share the width and wrap
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeToContents)
        self.table.resizeColumnsToContents()
        wide = sum(header.sectionSize(c) for c in range(len(headers))) > self.table.viewport().width()
        self.table.setWordWrap(wide)
        if wide:
            header.setSectionResizeMode(QHeaderView.Stretch)
        self.table.resizeRowsToContents()
        self._selection_changed()

    def select_value(self, value) -> None:
        """Select the row of ``value`` (of a sweep or goal seek), if there is one."""
        for r, row in enumerate(self.rows):
            if row.changes is not None and list(row.changes.values()) == [value]:
                self.table.selectRow(r)
                return

    def selected_row(self) -> tasks.Row | None:
        picked = sorted({i.row() for i in self.table.selectedIndexes()})
        return self.rows[picked[0]] if picked and picked[0] < len(self.rows) else None

    def _selection_changed(self) -> None:
        row = self.selected_row()
        self.use_button.setEnabled(row is not None and row.changes is not None)

    def use_point(self) -> bool:
        """Ask for the selected row's value in the edited scenario; False when no row with one is selected."""
        row = self.selected_row()
        if row is None or row.changes is None or self.job is None:
            return False
        value = next(iter(row.changes.values()))
        self.usePoint.emit(dict(row.changes), f"Set {self.job.value.text} to {whatif.describe_value(value)}")
        return True

    # ---- the chart ---------------------------------------------------------------------------

    def _draw(self, plot) -> None:
        self.figure.clear()
        ax = self.figure.add_subplot()
        try:
            plot(ax)
        except Exception as exc:  # an answer that cannot be drawn says so instead of crashing
            self._draw_message(f"This answer cannot be drawn ({type(exc).__name__}: {exc}).")
            return
        wrap_labels(ax, self.canvas.width(), self.canvas.height())
        legend_below(ax, columns=2)
        self.canvas.draw_idle()

    def _draw_message(self, text: str) -> None:
        self.figure.clear()
        ax = self.figure.add_subplot()
        ax.set_axis_off()
        ax.text(0.5, 0.5, text, ha="center", va="center", wrap=True, fontsize=10, transform=ax.transAxes)
        self.canvas.draw_idle()

    @property
    def drawn(self) -> bool:
        """Whether the chart shows an answer (not a message)."""
        return any(ax.has_data() for ax in self.figure.axes)
