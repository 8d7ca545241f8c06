"""The window's run actions: run, cancel, pin, compare with another file, pair the baseline, and their messages.

:class:`RunActions` turns menu and button presses into calls on the
:class:`~tfsim.ui.session.RunSession` and the session's signals into the run panel's
state, status-bar messages and dialogs; the window only lays things out.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QFileDialog, QInputDialog, QMessageBox

from tfsim.experiment import long_run_note
from tfsim.scenario.bundled import bundled_scenarios_dir
from tfsim.scenario.io import read_scenario

from .dialogs import show_error

STATUS_MS = 8000
MAX_LISTED = 8  # problems listed in a dialog
BUSY = "A what-if analysis is running: wait for it to finish, or cancel it (What-if, Cancel), then run."


class RunActions(QObject):
    """Runs of the edited scenario and its baseline, for the window.

    Parameters
    ----------
    window : MainWindow
        Parent of the dialogs; its status bar shows the messages.
    session : RunSession
    panel : RunPanel
    scenario_source : callable
        Returns the edited scenario when valid, else None (having said why).
    """

    def __init__(self, window, session, panel, scenario_source):
        super().__init__(window)
        self.window, self.session, self.panel, self.scenario_source = window, session, panel, scenario_source
        self.status = window.statusBar().showMessage
        s = session
        s.started.connect(self._on_started)
        s.progress.connect(panel.set_progress)
        s.finished.connect(self._on_finished)
        s.baselineReady.connect(lambda _r: self.status(f"Baseline ready: {s.baseline_name}", STATUS_MS))
        s.failed.connect(self._on_failed)
        s.cancelled.connect(self._on_cancelled)
        s.stopped.connect(panel.stopped)
        panel.run_button.clicked.connect(self.start_run)
        panel.cancel_button.clicked.connect(self.cancel_run)
        panel.pin_button.clicked.connect(self.pin_baseline)
        panel.unpin_button.clicked.connect(s.clear_baseline)

    def _busy(self) -> bool:
        if self.session.controller.shared.busy and not self.session.running:
            self.status(BUSY, STATUS_MS)
            return True
        return self.session.running

    def start_run(self) -> bool:
        if self._busy():
            return False
        scenario = self.scenario_source()
        if scenario is None or not self.confirm_long_run(scenario):
            return False
        return self.session.run(scenario, *self.panel.run_settings(), precision=self.panel.precision())

    #: The text of the last long-run warning shown (for tests and the status bar).
    long_run_text = ""

    def confirm_long_run(self, scenario) -> bool:
        """Before a run estimated to take over a minute, say how long and ask (True: go ahead)."""
        runs, _seed, jobs = self.panel.run_settings()
        note = long_run_note(scenario, runs, jobs, self.panel.precision())
        if note is None:
            return True
        headline, details = note
        self.long_run_text = f"{headline} {details}"
        box = QMessageBox(QMessageBox.Information, "A long run", headline, QMessageBox.Ok | QMessageBox.Cancel,
                          self.window)
        box.setInformativeText(f"{details}\n\nCancel (beside Run) stops it at any time; the results shown now "
                               "stay until it finishes.")
        box.button(QMessageBox.Ok).setText("Run")
        box.setDefaultButton(QMessageBox.Ok)
        if box.exec() != QMessageBox.Ok:
            self.status("Run not started.", STATUS_MS)
            return False
        return True

    def cancel_run(self) -> None:
        if self.session.cancel():
            self.status("Cancelling...")

    def compare_with_file(self, path) -> bool:
        """Run another scenario file as the baseline, on the seeds of the results shown (else those set)."""
        if self._busy():
            return False
        path = Path(path)
        result = read_scenario(path)
        if not result.ok:
            lines = "\n".join(p.format(path.name) for p in result.problems[:MAX_LISTED])
            show_error(self.window, "Cannot compare with this file", f"{path.name} has problems:\n\n{lines}")
            return False
        runs, seed, jobs = self.panel.run_settings()
        if self.session.results is not None:  # the same seeds as the run it is compared with, so the two pair
            runs, seed = self.session.results.replications, self.session.results.seed
        name = f"{result.scenario.name} ({path.name}, {runs} runs)"
        return self.session.run_baseline(result.scenario, name, runs, seed, jobs)

    def compare_with_file_dialog(self) -> None:
        doc = self.window.doc
        start = str(doc.path.parent if doc.path else bundled_scenarios_dir())
        name, _ = QFileDialog.getOpenFileName(self.window, "Scenario to compare with", start, "Scenario files (*.toml)")
        if name:
            self.compare_with_file(name)

    def pin_baseline(self) -> None:
        if self.session.pin():
            self.status(f"Pinned {self.session.baseline_name} as the baseline. Change the scenario or open another "
                        "one and run it to compare.", STATUS_MS)

    def repair_baseline(self) -> None:
        """Run the baseline again on the results' seeds, so the two compare run by run."""
        if not self.session.can_repair():
            self.status("The baseline already ran on this run's seeds (or there is none).", STATUS_MS)
        elif not self._busy():
            self.session.repair_baseline()

    def _on_started(self, name: str, n: int) -> None:
        self.panel.started(n)
        what = "the baseline " if self.session.running_baseline else ""
        self.status(f"Running {what}{name}: {n} runs...")

    def _on_finished(self, r) -> None:
        self.status(f"Finished {r.replications} runs of {r.scenario.name} in {r.elapsed_seconds:.1f} s", STATUS_MS)

    def _on_failed(self, message: str) -> None:
        reason, _, details = message.partition("\n\n")
        show_error(self.window, "The run failed", reason, details)

    def _on_cancelled(self) -> None:
        self.panel.progress.setValue(0)
        self.status("Run cancelled; the previous results are still shown.", STATUS_MS)

    def choose_dask(self) -> None:
        """Ask where runs go: this computer's processes, or a Dask cluster (``local`` or a scheduler address)."""
        shared = self.window.shared
        text, ok = QInputDialog.getText(
            self.window, "Where to run",
            "Dask scheduler address, e.g. tcp://server:8786 (needs pip install 'tfsim[dask]' here and on every "
            "machine), or 'local' for a Dask cluster on this computer.\nLeave empty to run on this computer's "
            "cores.", text=shared.dask or "")
        if ok and not self._busy():
            shared.dask = text.strip() or None
            self.status(f"Runs go to the Dask cluster at {shared.dask}." if shared.dask else
                        "Runs use this computer's cores.", STATUS_MS)
