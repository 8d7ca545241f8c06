"""The run session: the current results, the baseline and the run in progress (no widgets).

States: idle, or running either the edited scenario or a baseline.  A finished run of
the edited scenario becomes ``results``; a finished baseline run (another scenario file)
becomes ``baseline``.  ``pin`` keeps the current results as the baseline, ``clear_baseline``
drops it.  ``changed`` fires whenever ``results`` or ``baseline`` change, so the views
redraw from the session.

A baseline is compared run by run only when it ran on the same seed and number of runs as
the results (:mod:`tfsim.ui.pairing`).  When a run finishes on other settings than its
baseline, the session runs the baseline's scenario again on the run's settings, in the
background, so the two pair; until then (or if that is cancelled) the comparison is
unpaired and the views say so.
"""

from __future__ import annotations

import re

from PySide6.QtCore import QObject, Signal

from .pairing import Pairing, pair, same_seeds
from .worker import RunController


def with_runs(name: str, runs: int) -> str:
    """A baseline's name with its count of runs brought up to date: ``"Sevenoaks 2014 (40 runs)"``."""
    return re.sub(r"\d[\d,]* runs\)$", f"{runs} runs)", name)


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
        self.controller = controller if controller is not None else RunController(parent=self)
        self.results = None
        self.baseline = None
        self.baseline_name = ""
        self.pending_baseline: str | None = None  # name of the baseline being run
        self.repairing = False  # the baseline is being run again on the results' seeds
        self._repair_due = False
        self._jobs = 1
        self.controller.progress.connect(self.progress)
        self.controller.finished.connect(self._finished)
        self.controller.failed.connect(self._failed)
        self.controller.cancelled.connect(self._cancelled)
        self.controller.stopped.connect(self._stopped)

    @property
    def running(self) -> bool:
        return self.controller.running

    @property
    def running_baseline(self) -> bool:
        return self.running and self.pending_baseline is not None

    @property
    def pairing(self) -> Pairing | None:
        """The results against the baseline (None without both)."""
        return pair(self.results, self.baseline)

    def run(self, scenario, replications: int, seed: int, jobs: int, precision=None) -> bool:
        """Run the edited scenario; its results replace ``results``.  False when busy.

        With ``precision`` (a :class:`tfsim.experiment.Precision`) the number of runs is chosen to
        reach it and ``replications`` is ignored.
        """
        return self._start(scenario, replications, seed, jobs, None, precision)

    def run_baseline(self, scenario, name: str, replications: int, seed: int, jobs: int) -> bool:
        """Run another scenario as the baseline called ``name``.  False when busy."""
        return self._start(scenario, replications, seed, jobs, name)

    def can_repair(self) -> bool:
        """Whether the baseline ran on other settings than the results (so running it again would pair them)."""
        return self.results is not None and self.baseline is not None and not same_seeds(self.results, self.baseline)

    def repair_baseline(self) -> bool:
        """Run the baseline's scenario again on the results' seed and number of runs.  False when not needed or busy."""
        if not self.can_repair() or self.running:
            return False
        r = self.results
        self.repairing = self._start(self.baseline.scenario, r.replications, r.seed, self._jobs,
                                     with_runs(self.baseline_name, r.replications))
        if self.repairing:
            self.changed.emit()  # the views say the baseline is being run again
        return self.repairing

    def _start(self, scenario, replications, seed, jobs, baseline_name, precision=None) -> bool:
        if self.running:
            return False
        self.pending_baseline = baseline_name
        if not self.controller.start(scenario, replications, seed, jobs, precision):  # another job holds the runner
            self.pending_baseline = None
            return False
        self._jobs = jobs
        self.started.emit(scenario.name, precision.first if precision is not None else replications)
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
        self.repairing = False
        if name is not None:
            self.baseline, self.baseline_name = results, name
            self.changed.emit()
            self.baselineReady.emit(results)
            return
        self.results = results
        self._repair_due = self.can_repair()
        self.changed.emit()
        self.finished.emit(results)

    def _stopped(self) -> None:
        self.stopped.emit()
        if self._repair_due:  # after stopped, so the views see the re-run start after the run's end
            self._repair_due = False
            self.repair_baseline()

    def _failed(self, message: str) -> None:
        self.pending_baseline = None
        self.repairing = False
        self.failed.emit(message)

    def _cancelled(self) -> None:
        self.pending_baseline = None
        self.repairing = False
        self.cancelled.emit()
