"""The right side of the window: run settings and buttons, progress, then the Results and What-if views.

Results holds the baseline line, a note when nobody waited, the cards and the charts; the
window adds the What-if view (:class:`~tfsim.ui.whatifpanel.WhatIfPanel`) beside it.
"""

from __future__ import annotations

from PySide6.QtCore import QElapsedTimer
from PySide6.QtWidgets import (
    QCheckBox,
    QGraphicsOpacityEffect,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from tfsim.experiment import Precision
from tfsim.target import NEVER_WAITED_TEXT, never_waited

from .results import ChartTabs, KpiPanel

#: What "Enough for ±2%" runs to.
PRECISION = Precision()


STALE_STYLE = "background: #fff3cd; color: #5c4400; border: 1px solid #e0c46c; padding: 4px;"
#: Why the results shown are out of date.
STALE_EDITED = "Out of date: the scenario has changed since these results were run. Run it again (F5) to update them."
STALE_OTHER = "These results are for another scenario, not the one open. Run this one (F5) to see its results."
STALE_RUNNING = "Running: the results below are from the previous run and will be replaced."


def time_left(elapsed: float, done: int, total: int) -> str:
    """", about 40 s left" at the pace so far (``elapsed`` seconds for ``done`` runs), once it means something."""
    if done < 2 or done >= total or elapsed < 2:
        return ""
    left = elapsed / done * (total - done)
    if left < 60:
        return f", about {max(5, round(left / 5) * 5):.0f} s left"
    return f", about {round(left / 60):.0f} min left"


NOTE_STYLE = "background: #FDF1D6; color: #222; padding: 4px 6px; border-left: 4px solid #E69F00;"


class RunPanel(QWidget):
    """Widgets only: the window connects the buttons, and shows a session with :meth:`show_session`."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self._clock = QElapsedTimer()
        rl = QVBoxLayout(self)
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
        self.precise = QCheckBox(f"Enough for ±{PRECISION.relative:.0%}")
        self.precise.setChecked(True)
        self.precise.setToolTip(
            f"Choose the number of runs: run in batches until the 95% intervals of families turned around (and of "
            f"the count towards the target) are within ±{PRECISION.relative:.0%} of the mean and the chance of "
            f"meeting the target within ±{PRECISION.probability * 100:.0f} points, up to "
            f"{PRECISION.max_replications:,} runs. Untick to set the number of runs yourself.")
        self.precise.toggled.connect(lambda on: self.reps.setEnabled(not on))
        self.reps.setEnabled(False)
        # a number of runs set from outside (``--replications``, a script) means that number
        self.reps.valueChanged.connect(lambda _n: self.precise.setChecked(False))
        self.jobs = QSpinBox()
        self.jobs.setRange(0, 256)
        self.jobs.setSpecialValueText("Auto")
        self.jobs.setValue(0)
        self.jobs.setToolTip("Processor cores to use at once. Auto: this core for small runs, every core when "
                             "sharing the runs out is faster (starting the extra processes takes about a second).")
        for label, w in (("Runs:", self.reps), (None, self.precise), ("Seed:", self.seed), ("Cores:", self.jobs)):
            if label:
                controls.addWidget(QLabel(label))
            controls.addWidget(w)
        self.run_button = QPushButton("Run")
        self.run_button.setToolTip("Simulate the scenario (F5)")
        self.run_button.setStyleSheet("font-weight: bold; padding: 4px 14px;")
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setEnabled(False)
        controls.addWidget(self.run_button)
        controls.addWidget(self.cancel_button)
        controls.addStretch(1)
        rl.addLayout(controls)
        self.progress = QProgressBar()
        self.progress.setFormat("Press Run to forecast this scenario")
        self.progress.setValue(0)
        self.progress.setMaximumHeight(18)
        rl.addWidget(self.progress)

        self.views = QTabWidget()
        self.views.setDocumentMode(True)
        rl.addWidget(self.views, 1)
        page = QWidget()
        rl = QVBoxLayout(page)  # the Results view from here on
        rl.setContentsMargins(0, 4, 0, 0)
        self.views.addTab(page, "Results")
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
        self.unpin_button = QPushButton("Clear baseline")
        self.unpin_button.setEnabled(False)
        compare.addWidget(self.pin_button)
        compare.addWidget(self.unpin_button)
        rl.addLayout(compare)
        self.note = QLabel(NEVER_WAITED_TEXT)
        self.note.setWordWrap(True)
        self.note.setStyleSheet(NOTE_STYLE)
        self.note.hide()
        rl.addWidget(self.note)
        # results that no longer match the scenario on the left say so, above the cards
        self.stale = QLabel()
        self.stale.setWordWrap(True)
        self.stale.setStyleSheet(STALE_STYLE)
        self.stale.hide()
        rl.addWidget(self.stale)
        self.kpis = KpiPanel()
        rl.addWidget(self.kpis)
        self.chart_tabs = ChartTabs()
        rl.addWidget(self.chart_tabs, 1)

    def mark_stale(self, reason: str | None) -> None:
        """Say above the results why they are out of date (``None``: they match the scenario); dims the cards."""
        self.stale.setText(reason or "")
        self.stale.setVisible(bool(reason))
        effect = None
        if reason:
            effect = QGraphicsOpacityEffect(self.kpis)
            effect.setOpacity(0.55)
        self.kpis.setGraphicsEffect(effect)

    @property
    def is_stale(self) -> bool:
        return not self.stale.isHidden()

    def run_settings(self) -> tuple[int, int, int]:
        """(replications, seed, jobs) as set."""
        return self.reps.value(), self.seed.value(), self.jobs.value()

    def precision(self) -> Precision | None:
        """The precision to run to, or None for the number of runs set."""
        return PRECISION if self.precise.isChecked() else None

    def started(self, n: int) -> None:
        self._clock.start()
        self.progress.setRange(0, n)
        self.progress.setFormat("%v of %m runs done")
        self.progress.setValue(0)
        self.run_button.setEnabled(False)
        self.cancel_button.setEnabled(True)

    def set_progress(self, done: int, total: int) -> None:
        self.progress.setRange(0, total)
        self.progress.setValue(done)
        self.progress.setFormat(f"%v of %m runs done{time_left(self._clock.elapsed() / 1000, done, total)}")

    def stopped(self) -> None:
        self.run_button.setEnabled(True)
        self.cancel_button.setEnabled(False)

    def show_session(self, session) -> None:
        """Cards, charts and the run line from a :class:`~tfsim.ui.session.RunSession`."""
        r, baseline, name = session.results, session.baseline, session.baseline_name
        pairing = session.pairing
        self.kpis.show_results(r, pairing, session.repairing)
        self.chart_tabs.show_results(r, baseline)
        self.pin_button.setEnabled(r is not None)
        self.unpin_button.setEnabled(baseline is not None)
        self.note.setVisible(r is not None and never_waited(r))
        if r is None and baseline is not None:
            self.run_info.setText(f"Baseline <i>{name}</i> is ready; run this scenario to compare.")
        if r is not None:
            chosen = r.meta.get("precision")
            if chosen and self.precise.isChecked():  # show the number chosen (not a request for it)
                blocked = self.reps.blockSignals(True)
                self.reps.setValue(r.replications)
                self.reps.blockSignals(blocked)
            runs = f"{r.replications} runs" + ((" (enough for the precision asked)" if chosen["reached"] else
                                                 " (the most allowed; not yet as precise as asked)") if chosen else "")
            info = (f"<b>{r.scenario.name}</b>: {runs}, seed {r.seed}, "
                    f"{r.scenario.start_date:%d %b %Y} to {r.scenario.end_date:%d %b %Y}")
            if pairing is not None and pairing.paired:
                info += f". Compared with baseline <i>{name}</i> (dashed), run by run on the same seeds"
            elif pairing is not None and session.repairing:
                info += f". Running baseline <i>{name}</i> again on this run's seeds, to compare run by run..."
            elif pairing is not None:
                info += (f". Compared with baseline <i>{name}</i> (dashed), <b>not paired</b>: it ran on other "
                         "seeds (Run, Re-run the baseline on this run's seeds)")
            self.run_info.setText(info)
