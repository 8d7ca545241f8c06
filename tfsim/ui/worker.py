"""Runs off the GUI thread: a worker object in a QThread calling run_experiment."""

from __future__ import annotations

import threading
import traceback

from PySide6.QtCore import QObject, QThread, Signal, Slot

from tfsim.experiment import Cancelled, run_experiment


class RunWorker(QObject):
    """Calls :func:`tfsim.experiment.run_experiment` with progress and cancel hooks."""

    progress = Signal(int, int)
    finished = Signal(object)  # ExperimentResults
    failed = Signal(str)
    cancelled = Signal()

    def __init__(self, scenario, replications: int, seed: int, jobs: int):
        super().__init__()
        self.scenario, self.replications, self.seed, self.jobs = scenario, replications, seed, jobs
        self._cancel = threading.Event()

    def cancel(self) -> None:
        self._cancel.set()

    @Slot()
    def run(self) -> None:
        try:
            results = run_experiment(self.scenario, self.replications, self.seed, self.jobs,
                                     progress=lambda d, t: self.progress.emit(d, t),
                                     cancel=self._cancel.is_set)
        except Cancelled:
            self.cancelled.emit()
        except Exception as exc:  # shown in a dialog by the window
            self.failed.emit(f"{type(exc).__name__}: {exc}\n\n{traceback.format_exc(limit=3)}")
        else:
            self.finished.emit(results)


class RunController(QObject):
    """Owns one run at a time: a thread, its worker and the signals the window needs."""

    progress = Signal(int, int)
    finished = Signal(object)
    failed = Signal(str)
    cancelled = Signal()
    stopped = Signal()  # after any end (finished, failed or cancelled), thread gone

    def __init__(self, parent=None):
        super().__init__(parent)
        self.thread: QThread | None = None
        self.worker: RunWorker | None = None

    @property
    def running(self) -> bool:
        return self.thread is not None

    def start(self, scenario, replications: int, seed: int, jobs: int) -> None:
        if self.running:
            raise RuntimeError("a run is already in progress")
        self.thread = QThread()
        self.worker = RunWorker(scenario, replications, seed, jobs)
        self.worker.moveToThread(self.thread)
        self.thread.started.connect(self.worker.run)
        self.worker.progress.connect(self.progress)
        self.worker.finished.connect(self._done)
        self.worker.failed.connect(self._done_failed)
        self.worker.cancelled.connect(self._done_cancelled)
        self.thread.start()

    def cancel(self) -> None:
        if self.worker is not None:
            self.worker.cancel()

    def _cleanup(self) -> None:
        if self.thread is not None:
            self.thread.quit()
            self.thread.wait()
            self.thread.deleteLater()
            self.worker.deleteLater()
        self.thread = None
        self.worker = None

    def _done(self, results) -> None:
        self._cleanup()
        self.finished.emit(results)
        self.stopped.emit()

    def _done_failed(self, message: str) -> None:
        self._cleanup()
        self.failed.emit(message)
        self.stopped.emit()

    def _done_cancelled(self) -> None:
        self._cleanup()
        self.cancelled.emit()
        self.stopped.emit()

    def wait(self) -> None:
        if self.thread is not None:
            self.cancel()
            self.thread.quit()
            self.thread.wait(30000)
