"""Work off the GUI thread: one job at a time in a QThread, on one warm Runner shared by the window.

A job is a callable ``job(runner)`` that does its replications through the
:class:`tfsim.experiment.Runner` it is given (a run, a baseline run, a sweep, a goal seek
or a tornado) and returns what it found.  :class:`JobWorker` calls it in a QThread with
the runner's progress and cancel hooks set; :class:`JobController` owns the thread.  All
the controllers of a window share one :class:`SharedRunner`, so its pool of worker
processes stays warm from one job to the next and only one job runs at a time.
"""

from __future__ import annotations

import threading
import traceback
from typing import Any, Callable

from PySide6.QtCore import QObject, QThread, Signal, Slot

from tfsim.experiment import Cancelled, Precision, Runner, RunFailed, resolve_jobs
from tfsim.model import RunawayRun
from tfsim.scenario.variants import VariantError
from tfsim.whatif import WhatIfError

Job = Callable[[Runner], Any]
#: Seconds to wait for a cancelled job's thread when the window closes.
WAIT_MS = 30000


class SharedRunner(QObject):
    """One warm :class:`~tfsim.experiment.Runner` for every background job of a window.

    :meth:`acquire` hands it to one job at a time (None while another job holds it) and
    starts a new one when the number of processes asked for changes; :meth:`close` stops
    its worker processes when the window closes.
    """

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self.runner: Runner | None = None
        #: Dask scheduler address ("local" or tcp://HOST:8786), or None for this computer's processes.
        self.dask: str | None = None
        self._asked: tuple[int, str | None] | None = None
        self._lock = threading.Lock()

    @property
    def busy(self) -> bool:
        return self._lock.locked()

    def acquire(self, jobs: int) -> Runner | None:
        if not self._lock.acquire(blocking=False):
            return None
        asked = (jobs if jobs <= 0 else resolve_jobs(jobs), self.dask)
        if self.runner is not None and self._asked != asked:
            self.runner.close()
            self.runner = None
        if self.runner is None:
            self.runner = Runner(jobs, dask=self.dask)
            self._asked = asked
        return self.runner

    def release(self) -> None:
        if self._lock.locked():
            self._lock.release()

    def close(self) -> None:
        """Stop the worker processes (after the jobs' threads have finished)."""
        if self.runner is not None:
            self.runner.close()
            self.runner = None


class JobWorker(QObject):
    """Calls ``job(runner)`` with the runner's progress and cancel hooks pointing here."""

    progress = Signal(int, int)  # replications done, replications asked for, in this job
    finished = Signal(object)  # what the job returned
    failed = Signal(str)  # the reason, then (after a blank line) details for a bug
    cancelled = Signal()

    def __init__(self, job: Job, runner: Runner, shared: SharedRunner):
        super().__init__()
        self.job, self.runner, self.shared = job, runner, shared
        self._cancel = threading.Event()

    def cancel(self) -> None:
        self._cancel.set()

    @Slot()
    def run(self) -> None:
        runner = self.runner
        done, total = runner.done, runner.total  # the runner counts every job's replications
        runner.progress = lambda d, t: self.progress.emit(d - done, t - total)
        runner.cancel = self._cancel.is_set
        try:
            result = self.job(runner)
        except Cancelled:
            self.cancelled.emit()
        except (WhatIfError, VariantError, RunFailed, RunawayRun) as exc:  # bad input, a runaway or a lost worker: its reason is enough
            self.failed.emit(str(exc))
        except Exception as exc:  # a bug: shown in a dialog with its details
            self.failed.emit(f"{type(exc).__name__}: {exc}\n\n{traceback.format_exc(limit=3)}")
        else:
            self.finished.emit(result)
        finally:
            runner.progress = runner.cancel = None
            self.shared.release()  # here, not in the GUI thread: a closing window may not process events


class JobController(QObject):
    """Owns one job at a time: a thread, its worker and the signals the window needs."""

    progress = Signal(int, int)
    finished = Signal(object)
    failed = Signal(str)
    cancelled = Signal()
    stopped = Signal()  # after any end (finished, failed or cancelled), thread gone

    def __init__(self, shared: SharedRunner | None = None, parent: QObject | None = None):
        super().__init__(parent)
        self.shared = shared if shared is not None else SharedRunner(self)
        self.thread: QThread | None = None
        self.worker: JobWorker | None = None

    @property
    def running(self) -> bool:
        return self.thread is not None

    def start_job(self, job: Job, jobs: int) -> bool:
        """Start ``job`` on ``jobs`` processes; False while this or another controller's job runs."""
        if self.running:
            return False
        runner = self.shared.acquire(jobs)
        if runner is None:
            return False
        self.thread = QThread()
        self.worker = JobWorker(job, runner, self.shared)
        self.worker.moveToThread(self.thread)
        self.thread.started.connect(self.worker.run)
        self.worker.progress.connect(self.progress)
        self.worker.finished.connect(self._done)
        self.worker.failed.connect(self._done_failed)
        self.worker.cancelled.connect(self._done_cancelled)
        self.thread.start()
        return True

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

    def _done(self, result) -> None:
        self._cleanup()
        self.finished.emit(result)
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
        """Cancel the job and wait for its thread (before the window closes)."""
        if self.thread is not None:
            self.cancel()
            self.thread.quit()
            self.thread.wait(WAIT_MS)


class RunController(JobController):
    """Runs of one scenario: ``start(scenario, replications, seed, jobs)``."""

    def start(self, scenario, replications: int, seed: int, jobs: int, precision: Precision | None = None) -> bool:
        """Replications ``0 .. replications - 1`` of ``scenario`` (or as many as ``precision`` needs); False while
        a job runs."""
        if precision is not None:
            return self.start_job(lambda runner: runner.run_to_precision(scenario, seed, precision), jobs)
        return self.start_job(lambda runner: runner.run(scenario, replications, seed), jobs)
