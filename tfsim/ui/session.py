"""The run session: the current results, the baseline and the run in progress (no widgets).

States: idle, or running either the edited scenario or a baseline.  A finished run of
the edited scenario becomes ``results``; a finished baseline run (another scenario file)
becomes ``baseline``.  ``pin`` keeps the current results as the baseline, ``clear_baseline``
drops it.  ``changed`` fires whenever ``results`` or ``baseline`` change, so the views
redraw from the session.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal

from .worker import RunController


class RunSession(QObject):
    """One run at a time through a :class:`RunController`, and what the runs gave."""

    started = Signal(str, int)  # scenario name, runs
    progress = Signal(int, int)  # runs done, runs in all
    finished = Signal(object)  # ExperimentResults of the edited scenario
    baselineReady = Signal(object)  # ExperimentResults of a baseline run
    failed = Signal(str)
    cancelled = Signal()
    stopped = Signal()  # after any end of a run
    changed = Signal()  # results or baseline changed

    def __init__(self, controller: RunController | None = None, parent: QObject | None = None):
        super().__init__(parent)
        self.controller = controller if controller is not None else RunController(self)
        self.results = None
        self.baseline = None
        self.baseline_name = ""
        self.pending_baseline: str | None = None  # name of the baseline being run
        self.controller.progress.connect(self.progress)
        self.controller.finished.connect(self._finished)
        self.controller.failed.connect(self._failed)
        self.controller.cancelled.connect(self._cancelled)
        self.controller.stopped.connect(self.stopped)

    @property
    def running(self) -> bool:
        return self.controller.running

    @property
    def running_baseline(self) -> bool:
        return self.running and self.pending_baseline is not None

    def run(self, scenario, replications: int, seed: int, jobs: int) -> bool:
        """Run the edited scenario; its results replace ``results``.  False when busy."""
        return self._start(scenario, replications, seed, jobs, None)

    def run_baseline(self, scenario, name: str, replications: int, seed: int, jobs: int) -> bool:
        """Run another scenario as the baseline called ``name``.  False when busy."""
        return self._start(scenario, replications, seed, jobs, name)

    def _start(self, scenario, replications, seed, jobs, baseline_name) -> bool:
        if self.running:
            return False
        self.pending_baseline = baseline_name
        self.started.emit(scenario.name, replications)
        self.controller.start(scenario, replications, seed, jobs)
        return True

    def cancel(self) -> bool:
        if not self.running:
            return False
        self.controller.cancel()
        return True

    def wait(self) -> None:
        """Cancel any run and wait for its thread (before the app closes)."""
        self.controller.wait()

    def pin(self) -> bool:
        """Keep the current results as the baseline; False when there are none."""
        if self.results is None:
            return False
        self.baseline = self.results
        self.baseline_name = f"{self.results.scenario.name} ({self.results.replications} runs)"
        self.changed.emit()
        return True

    def clear_baseline(self) -> None:
        self.baseline = None
        self.baseline_name = ""
        self.changed.emit()

    def _finished(self, results) -> None:
        name, self.pending_baseline = self.pending_baseline, None
        if name is not None:
            self.baseline, self.baseline_name = results, name
            self.changed.emit()
            self.baselineReady.emit(results)
            return
        self.results = results
        self.changed.emit()
        self.finished.emit(results)

    def _failed(self, message: str) -> None:
        self.pending_baseline = None
        self.failed.emit(message)

    def _cancelled(self) -> None:
        self.pending_baseline = None
        self.cancelled.emit()
