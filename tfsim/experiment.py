"""Replications and their statistics: the one experiment runner the CLI and the app share.

:func:`run_experiment` runs a scenario many times, serially or in worker processes,
and returns pandas tables with honest uncertainty: the mean with a 95% confidence
interval of the mean (Student t) and the 5th, 50th and 95th percentiles across
replications.  Replication ``i`` always uses the seed ``SeedSequence(seed,
spawn_key=(i,))``, so results do not depend on the number of worker processes.
:class:`Runner` keeps one pool of worker processes warm across the many runs of a
sweep, goal seek or sensitivity analysis (:mod:`tfsim.whatif`).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import hashlib
import logging
import math
import multiprocessing
import os
import pickle
import queue
import signal
import sys
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from typing import Callable, Sequence

import numpy as np
import pandas as pd

from tfsim import student_t
from tfsim.catalogue import SUMMARY
from tfsim.model import Calendar, ReplicationResult, RunawayRun  # noqa: F401  (RunawayRun: raised through here)
from tfsim.workers import replication_seed, run_replication, run_tasks, start_worker
from tfsim.scenario.schema import Scenario
from tfsim.target import wilson_interval

SUMMARY_COLUMNS = ["metric", "mean", "ci_low", "ci_high", "p05", "p50", "p95"]
#: Columns of ``monthly.csv``; :attr:`ExperimentResults.monthly` also has ``role`` after ``metric``.
MONTHLY_COLUMNS = ["month", "metric", "mean", "p05", "p50", "p95"]

ProgressFn = Callable[[int, int], None]
CancelFn = Callable[[], bool]


class Cancelled(Exception):
    """The run was cancelled before it finished."""


@dataclass
class ExperimentResults:
    """Everything a run produced.

    Attributes
    ----------
    summary : pandas.DataFrame
        One row per metric: ``metric, mean, ci_low, ci_high, p05, p50, p95``.
    monthly : pandas.DataFrame
        Long form: ``month, metric, role, mean, p05, p50, p95`` (month as ``YYYY-MM``; ``role`` is
        the role id of a per-role series and empty for the programme as a whole).
    per_replication : pandas.DataFrame
        One row per replication, one column per summary metric.
    checks : pandas.DataFrame
        Per-replication bookkeeping (families by final state) used by the tests.
    replication_series : dict
        Every monthly series of every replication, by ``(metric, role)`` (role ``""`` for the
        programme as a whole): an array of shape (replications, months).  Paired differences
        of two runs over time need them; read them with :meth:`replication_values`.
    meta : dict
        Facts about the run for its exports: ``run_at`` (when it finished, ISO 8601) and, once
        the CLI or the app attaches it, ``source`` (the scenario file, :mod:`tfsim.provenance`).
    """

    scenario: Scenario
    seed: int
    replications: int
    summary: pd.DataFrame
    monthly: pd.DataFrame
    per_replication: pd.DataFrame
    checks: pd.DataFrame
    months: list[str]
    elapsed_seconds: float = 0.0
    jobs: int = 1
    meta: dict = field(default_factory=dict)
    replication_series: dict[tuple[str, str], np.ndarray] = field(default_factory=dict)

    def value(self, metric: str, column: str = "mean") -> float:
        """One figure of the summary, e.g. ``value('families_turned_around', 'ci_low')``."""
        return float(self.summary.loc[self.summary["metric"] == metric, column].iloc[0])

    def series(self, metric: str, role: str | None = None) -> pd.DataFrame:
        """The monthly rows of one series, indexed by month: the whole programme, or one role's."""
        m = self.monthly
        return m[(m["metric"] == metric) & (m["role"] == (role or ""))].set_index("month")

    def replication_values(self, metric: str, role: str | None = None) -> np.ndarray:
        """One monthly series in every replication: shape (replications, months), in the series' unit."""
        return self.replication_series[(metric, role or "")]

    def has_series(self, metric: str) -> bool:
        """Whether the run reports the monthly series ``metric`` (money series need a [money] section)."""
        return bool((self.monthly["metric"] == metric).any())

    def has_summary(self, metric: str) -> bool:
        """Whether the run reports the summary metric ``metric``."""
        return bool((self.summary["metric"] == metric).any())


def run_experiment(
    scenario: Scenario,
    replications: int = 50,
    seed: int = 0,
    jobs: int = 1,
    progress: ProgressFn | None = None,
    cancel: CancelFn | None = None,
    dask: str | None = None,
) -> ExperimentResults:
    """Run ``replications`` replications of ``scenario`` and summarise them.

    Parameters
    ----------
    scenario : Scenario
        A validated scenario.
    replications : int
        Number of independent replications (at least 1).
    seed : int
        Experiment seed; the same seed gives identical results for any ``jobs`` and backend.
    jobs : int
        Worker processes: 1 runs in this process; N > 1 uses N worker processes; 0 (or less)
        chooses, from the expected work, between this process and one worker per core
        (see :class:`Runner`).
    progress : callable, optional
        Called as ``progress(done, total)`` after each replication.
    cancel : callable, optional
        Polled between replications; when it returns True the run stops and
        :class:`Cancelled` is raised.
    dask : str, optional
        Run on Dask distributed: a scheduler address (``tcp://host:8786``) or ``"local"``
        for a local cluster of ``jobs`` workers (one per core for 0).

    Returns
    -------
    ExperimentResults
    """
    if replications < 1:
        raise ValueError("replications must be at least 1")
    with Runner(jobs, progress=progress, cancel=cancel, dask=dask) as runner:
        return runner.run(scenario, replications, seed)


def resolve_jobs(jobs: int) -> int:
    """Worker processes for ``jobs``: as given, or one per CPU core for 0 or less."""
    return (os.cpu_count() or 1) if jobs <= 0 else jobs


#: Seconds to start a local pool and have its workers ready (measured by
#: ``benchmarks/warm_pool.py`` on the project machine: about 0.5 s with the fork server
#: preloading :mod:`tfsim.workers`).  The automatic choice of jobs weighs work against it.
POOL_START_SECONDS = 0.6


def worth_a_pool(remaining_seconds: float, workers: int, warm: bool) -> bool:
    """Whether running work estimated at ``remaining_seconds`` serially is faster in a pool of ``workers``.

    The pool wins when its start-up (nothing if it is already warm) plus the work shared
    among the workers is less than the work done here: ``start + w / n < w``, that is
    ``w > start * n / (n - 1)``.  A margin of half the start-up again covers the cost of
    sending scenarios and results between processes.
    """
    if workers < 2:
        return False
    start = 0.0 if warm else POOL_START_SECONDS
    return remaining_seconds > 1.5 * start * workers / (workers - 1)


#: What one replication costs on the 2-core project machine: a fixed part, and a part per
#: unit of :func:`expected_work`.  Measured by ``benchmarks/run_cost.py`` (best of 3
#: replications of each bundled scenario, one process): the fixed part is the smallest
#: scenario's time, the part per unit the largest of the bundled scenarios of 1,000 units
#: or more (24.7 µs on 4 December 2026), raised by a fifth for two replications running side by
#: side on the two cores, which slow each other (national Phase 1 x 100 on 2 cores: 3.84 s a
#: replication, against 3.08 s alone), so estimates err long rather than short.
REPLICATION_FIXED_SECONDS = 0.03
REPLICATION_SECONDS_PER_WORK = 30e-6
#: Runs estimated to take longer than this (seconds) are announced with their estimate first.
LONG_RUN_SECONDS = 60.0


def expected_work(scenario: Scenario) -> float:
    """Referrals (re-referrals counted), first contacts and re-approaches, and leavers a replication is expected to handle.

    What a replication's time grows with; each factor is the schema's upper bound, and
    the schema keeps every one finite and below its limit.
    """
    factors = scenario.rereferral_factor() * scenario.contact_factor()
    return scenario.expected_referrals() * (factors if math.isfinite(factors) else 1.0) + scenario.expected_leavers()


def replication_seconds(scenario: Scenario) -> float:
    """Estimated seconds of one replication of ``scenario`` in one process on the project machine."""
    return REPLICATION_FIXED_SECONDS + REPLICATION_SECONDS_PER_WORK * expected_work(scenario)


def estimate_seconds(scenario: Scenario, replications: int, jobs: int = 0) -> float:
    """Estimated wall time of ``replications`` replications with ``jobs`` processes (0: one per core).

    The replications are shared evenly among the processes, after the pool's start-up
    when there is more than one; the estimate is for this machine's speed as measured
    (see :data:`REPLICATION_SECONDS_PER_WORK`).
    """
    workers = max(1, min(resolve_jobs(jobs), replications))
    start = POOL_START_SECONDS if workers > 1 else 0.0
    return start + replication_seconds(scenario) * math.ceil(replications / workers)


def duration_text(seconds: float) -> str:
    """``seconds`` rounded as a person would say it: "about 0.3 s", "about 40 s", "about 4 min", "about 1 h 20 min"."""
    if seconds < 1:
        return f"about {seconds:.1f} s"
    if seconds < 15:
        return f"about {round(seconds)} s"
    if seconds < 60:
        return f"about {round(seconds / 5) * 5:.0f} s"
    minutes = round(seconds / 60)
    if minutes < 60:
        return f"about {minutes} min"
    return f"about {minutes // 60} h" + (f" {minutes % 60} min" if minutes % 60 else "")


def long_run_note(scenario: Scenario, replications: int, jobs: int = 0, precision: "Precision | None" = None,
                  limit: float | None = None) -> tuple[str, str] | None:
    """A warning of a run estimated to take longer than ``limit`` seconds (default :data:`LONG_RUN_SECONDS`), else None.

    Returns the headline (how long) and the details (how the estimate is made).  With
    ``precision`` the number of runs is not known beforehand: the first batch is
    estimated, and what each hundred more would add; the warning is given when a hundred
    runs would take longer than ``limit``.
    """
    limit = LONG_RUN_SECONDS if limit is None else limit
    workers = resolve_jobs(jobs)
    each = (f"One run takes {duration_text(replication_seconds(scenario))} on this computer for a scenario this size "
            f"({expected_work(scenario):,.0f} referrals, contacts and leavers expected), shared over {workers} "
            f"core{'s' if workers != 1 else ''}.")
    if precision is None:
        total = estimate_seconds(scenario, replications, jobs)
        if total <= limit:
            return None
        return (f"{scenario.name} is a long run: {replications:,} runs take {duration_text(total)}.",
                f"{each} Fewer runs finish sooner.")
    hundred = estimate_seconds(scenario, 100, jobs)
    if hundred <= limit:
        return None
    first = min(precision.first, precision.max_replications)
    return (f"{scenario.name} is a long run: the first {first} runs take "
            f"{duration_text(estimate_seconds(scenario, first, jobs))}, and each 100 runs after them {duration_text(hundred)}.",
            f"It runs until the results are as precise as asked, at most {precision.max_replications:,} runs. {each}")


@dataclass(frozen=True)
class Precision:
    """How precise the headline figures must be, for :meth:`Runner.run_to_precision`.

    Attributes
    ----------
    relative : float
        Half-width of the 95% interval of the mean of each headline count, as a share of
        the mean (0.02: within ±2%): families turned around and, with a target, the count
        towards it by the deadline.
    probability : float
        Half-width of the 95% Wilson interval of the chance of meeting the target (0.05:
        within ±5 percentage points).
    first : int
        Replications in the first batch.
    max_replications : int
        The most replications in all, whether or not the precision is reached.
    """

    relative: float = 0.02
    probability: float = 0.05
    first: int = 20
    max_replications: int = 2000

    def half_widths(self, table: "Accumulator") -> dict[str, tuple[float, float]]:
        """Each headline figure's 95% half-width so far and the half-width asked for."""
        out = {}
        for name in ("families_turned_around", "target_count_at_deadline"):
            if name in table._summary:
                v = table.values(name)
                v = v[~np.isnan(v)]
                if len(v) >= 2:
                    out[name] = (float(t_half_width(v.std(ddof=1), len(v))), self.relative * abs(float(v.mean())))
        if "p_target_met" in table._summary:
            flags = table.values("p_target_met")
            flags = flags[~np.isnan(flags)]
            if len(flags):
                low, high = wilson_interval(float(flags.sum()), len(flags))
                out["p_target_met"] = ((high - low) / 2, self.probability)
        return out

    def needed(self, widths: dict[str, tuple[float, float]], done: int) -> int:
        """Replications that would bring every half-width within its goal (widths fall as 1/sqrt(n))."""
        need = done
        for width, goal in widths.values():
            if width > goal:
                need = max(need, math.ceil(done * (width / goal) ** 2 * 1.05) if goal > 0 else self.max_replications)
        return need


class RunFailed(RuntimeError):
    """Replications could not be completed (a worker process died or the cluster failed)."""


class Runner:
    """Runs replications of one or many scenarios, keeping one warm pool of worker processes.

    A sweep, goal seek or sensitivity analysis runs hundreds of scenario variants; starting a
    pool of worker processes costs time, so one runner starts its pool on the first batch
    that needs it and reuses it until :meth:`close` (or the end of a ``with`` block).
    Replication ``i`` of an experiment seeded ``seed`` always uses
    :func:`replication_seed` ``(seed, i)``, whatever the scenario, the batch, the backend or
    the number of processes: results are identical for any ``jobs``, and two scenarios run
    with the same seed share their random numbers replication by replication (common random
    numbers), which is what makes paired comparisons precise.

    With ``jobs=0`` the runner decides batch by batch: it runs replications here, timing
    them, and moves the rest to one worker per core as soon as :func:`worth_a_pool` says, at
    the pace of the replications after the first (which carries one-off costs), that the
    pool will finish sooner; so "all cores" is never slower than one by more than two
    replications' timing.  Once the pool is warm it is used for any batch of two or more
    replications.

    Parameters
    ----------
    jobs : int
        Worker processes; 1 runs in this process, 0 or less chooses (see above).
    progress : callable, optional
        Called as ``progress(done, total)`` after each replication; ``total`` counts every
        replication asked of this runner so far, so it grows when a search adds runs.
    cancel : callable, optional
        Polled between replications; when it returns True the batch stops and
        :class:`Cancelled` is raised.
    dask : str, optional
        Run on Dask distributed instead of a local pool: a scheduler address or ``"local"``.
    """

    def __init__(self, jobs: int = 1, progress: ProgressFn | None = None, cancel: CancelFn | None = None,
                 dask: str | None = None):
        self.auto = jobs <= 0 and dask is None
        self.workers = resolve_jobs(jobs)
        self.dask = dask
        self.progress = progress
        self.cancel = cancel
        self.done = 0
        self.total = 0
        self.elapsed_seconds = 0.0
        #: Processes the latest batch ran on (1: this process).
        self.jobs = 1 if self.auto else self.workers
        self._backend: _Backend | None = None

    def __enter__(self) -> "Runner":
        return self

    def __exit__(self, kind, value, tb) -> None:
        self.close(abort=kind is not None)

    @property
    def warm(self) -> bool:
        """Whether worker processes are running."""
        return self._backend is not None

    def close(self, abort: bool = False) -> None:
        """Stop the worker processes (a later batch starts a new pool).

        ``abort`` ends them at once, in the middle of their replications (the run is being
        abandoned: cancelled, interrupted or failed); otherwise they finish what they hold.
        """
        if self._backend is not None:
            backend, self._backend = self._backend, None
            backend.close(abort=abort)

    def run(self, scenario: Scenario, replications: int, seed: int) -> ExperimentResults:
        """Replications ``0 .. replications - 1`` of one scenario, summarised."""
        return self.run_many([scenario], replications, seed)[0]

    def run_many(self, scenarios: Sequence[Scenario], replications: int, seed: int) -> list[ExperimentResults]:
        """The same replications of several scenarios in one batch (so the pool stays busy), summarised.

        Each replication's statistics are added to their scenario's tables as it arrives, so
        memory grows with the replications' figures only, never with their models.
        """
        if replications < 1:
            raise ValueError("replications must be at least 1")
        started = time.perf_counter()
        tables = [Accumulator(s, seed, replications) for s in scenarios]
        self._collect(scenarios, seed, range(replications), lambda k, j, r: tables[k].add(j, r))
        return [self._finish(table.results(), started) for table in tables]

    def _finish(self, results: ExperimentResults, started: float) -> ExperimentResults:
        results.elapsed_seconds = time.perf_counter() - started
        results.jobs = self.jobs
        # the date exports give for the run (tfsim.provenance)
        results.meta["run_at"] = dt.datetime.now(dt.timezone.utc).astimezone().isoformat(timespec="seconds")
        return results

    def run_to_precision(self, scenario: Scenario, seed: int, precision: "Precision") -> ExperimentResults:
        """Replications of one scenario in batches until its headline figures are as precise as asked.

        The first batch has ``precision.first`` replications; after each batch the number
        needed is estimated from the interval widths so far (they shrink as one over the square
        root of the replications) and the next batch runs up to it, at most
        ``precision.max_replications`` in all.  The replications are those a run of the final
        count would have: replication ``i`` always has the same seed.  ``meta["precision"]`` of
        the result says whether the precision was reached, with the half-widths.
        """
        started = time.perf_counter()
        table = Accumulator(scenario, seed, min(precision.first, precision.max_replications))
        done = 0
        while True:
            self._collect([scenario], seed, range(done, table.n), lambda k, j, r, at=done: table.add(at + j, r))
            done = table.n
            widths = precision.half_widths(table)
            needed = precision.needed(widths, done)
            if needed <= done or done >= precision.max_replications:
                break
            table.grow(min(precision.max_replications, max(needed, done + precision.first // 2)))
        results = self._finish(table.results(), started)
        results.meta["precision"] = {
            "reached": all(w <= goal for w, goal in widths.values()),
            "replications": done,
            "half_widths": {name: w for name, (w, _) in widths.items()},
            "goals": {name: goal for name, (_, goal) in widths.items()},
        }
        return results

    def replications(self, scenarios: Sequence[Scenario], seed: int,
                     indices: Sequence[int]) -> list[list[ReplicationResult]]:
        """Raw replications ``indices`` of each scenario: ``out[k][j]`` is scenario ``k``'s replication ``indices[j]``.

        Asking for replications ``n .. 2n - 1`` later extends a run of ``0 .. n - 1`` exactly
        as if ``2n`` had been run at once.
        """
        indices = list(indices)
        out: list[list[ReplicationResult | None]] = [[None] * len(indices) for _ in scenarios]

        def keep(k: int, j: int, result: ReplicationResult) -> None:
            out[k][j] = result

        self._collect(scenarios, seed, indices, keep)
        return out  # type: ignore[return-value]

    def _collect(self, scenarios: Sequence[Scenario], seed: int, indices: Sequence[int],
                 sink: Callable[[int, int, ReplicationResult], None]) -> None:
        """Run every (scenario, replication) pair, handing each result to ``sink(k, j, result)``."""
        indices = list(indices)
        tasks = [(k, j) for k in range(len(scenarios)) for j in range(len(indices))]
        self.total += len(tasks)
        started = time.perf_counter()
        try:
            pool = self._plan(scenarios, seed, indices, tasks, sink)
            self.jobs = self._backend.workers if pool else 1
            if pool:
                self._run_pool(scenarios, seed, indices, tasks, sink)
            else:
                for k, j in tasks:
                    self._run_here(scenarios[k], seed, indices[j], k, j, sink)
        finally:
            self.elapsed_seconds += time.perf_counter() - started

    def _plan(self, scenarios, seed, indices, tasks, sink) -> bool:
        """Whether ``tasks`` go to worker processes; an automatic choice may first run one task here."""
        if self.dask is not None:
            self._start()
            return True
        if len(tasks) < 2 or self.workers < 2:
            return False
        if not self.auto or self._backend is not None:
            self._start()
            return True
        # run here, timing each replication, until the rest is clearly worth a pool (or none is left)
        times: list[float] = []
        while tasks:
            k, j = tasks.pop(0)
            t0 = time.perf_counter()
            self._run_here(scenarios[k], seed, indices[j], k, j, sink)
            times.append(time.perf_counter() - t0)
            if len(times) >= 2 and tasks:
                pace = float(np.median(times[1:]))  # the first replication carries one-off costs
                if worth_a_pool(pace * len(tasks), self.workers, warm=False):
                    self._start()
                    return True
        return False

    def _run_here(self, scenario, seed, index, k, j, sink) -> None:
        self._check_cancel()
        sink(k, j, run_replication(scenario, replication_seed(seed, index)))
        self._tick()

    def _start(self) -> None:
        if self._backend is None:
            self._backend = _DaskBackend(self.dask, self.workers) if self.dask is not None else _LocalPool(self.workers)

    def _tick(self) -> None:
        self.done += 1
        if self.progress is not None:
            self.progress(self.done, self.total)

    def _check_cancel(self) -> None:
        if self.cancel is not None and self.cancel():
            raise Cancelled()

    def _run_pool(self, scenarios, seed, indices, tasks, sink) -> None:
        backend = self._backend
        payloads = [pickle.dumps(s, protocol=pickle.HIGHEST_PROTOCOL) for s in scenarios]
        keys = [hashlib.sha1(p).hexdigest() for p in payloads]
        # a few replications a task: fewer round trips, yet every process stays busy to the end
        size = max(1, min(_MAX_CHUNK, len(tasks) // (4 * backend.workers)))
        chunks = [tasks[i:i + size] for i in range(0, len(tasks), size)]
        done: queue.SimpleQueue = queue.SimpleQueue()
        pending = set()
        try:
            with _signals_held():  # submitting starts the worker processes
                for chunk in chunks:
                    work = [(k, j, indices[j]) for k, j in chunk]
                    ks = sorted({k for k, _ in chunk})
                    fut = backend.submit(run_tasks, {k: (keys[k], payloads[k]) for k in ks}, seed, work)
                    fut.add_done_callback(done.put)
                    pending.add(fut)
            while pending:
                try:
                    fut = done.get(timeout=0.1)
                except queue.Empty:
                    self._check_cancel()
                    continue
                pending.discard(fut)
                for k, j, result in backend.result(fut):
                    sink(k, j, result)
                    self._tick()
                self._check_cancel()
        except BaseException:
            # no cancelling first: the pool fails every future it still holds once its workers are
            # killed, and a future cancelled meanwhile makes its manager thread raise (Python 3.11)
            self.close(abort=True)
            raise


# ---- where replications run --------------------------------------------------------------

#: Most replications in one task sent to a worker process.
_MAX_CHUNK = 8


class _Backend:
    """Worker processes that run :func:`tfsim.workers.run_tasks`: a local pool or a Dask cluster."""

    workers: int

    def submit(self, fn, *args):
        """Start ``fn(*args)`` on a worker; returns a future with ``add_done_callback`` and ``cancel``."""
        raise NotImplementedError

    def result(self, future):
        """The future's result, or :class:`RunFailed` with a message a user can act on."""
        raise NotImplementedError

    def close(self, abort: bool = False) -> None:
        """Stop the workers: at once with ``abort``, else once they have finished their tasks."""
        raise NotImplementedError


class _LocalPool(_Backend):
    def __init__(self, workers: int):
        self.workers = workers
        self._pool = ProcessPoolExecutor(max_workers=workers, mp_context=_pool_context(),
                                         initializer=start_worker, initargs=(os.getpid(),))

    def submit(self, fn, *args):
        try:
            return self._pool.submit(fn, *args)
        except BrokenProcessPool as exc:  # the pool saw a worker die before this batch
            raise RunFailed(self.BROKEN) from exc

    BROKEN = "a worker process stopped unexpectedly (out of memory or killed?); no results were kept from this run"

    def result(self, future):
        try:
            return future.result()
        except BrokenProcessPool as exc:
            raise RunFailed(self.BROKEN) from exc

    def close(self, abort: bool = False) -> None:
        if abort:  # the work is abandoned: end the processes now rather than after their tasks
            for process in list((self._pool._processes or {}).values()):
                with contextlib.suppress(OSError):
                    process.kill()
            for pid in _fork_server_children():  # one being started when a signal came is not listed yet
                with contextlib.suppress(OSError):
                    os.kill(pid, signal.SIGKILL)
            self._unblock_results()
        self._pool.shutdown(wait=True, cancel_futures=not abort)

    def _unblock_results(self, seconds: float = 5.0) -> None:
        """Free the pool's result reader if a killed worker left half a message in the results pipe.

        The pool's manager thread reads each result whole; a worker killed part-way through
        writing one leaves the thread waiting for the rest for ever, and the shutdown after it
        with it.  Filling the pipe with zeros completes whatever it is waiting for; the thread
        then reads a broken result, marks the pool broken and ends (the work is being
        abandoned anyway).
        """
        pool = self._pool
        thread = getattr(pool, "_executor_manager_thread", None)
        results = getattr(pool, "_result_queue", None)
        if thread is None or results is None or not thread.is_alive():
            return
        fd = results._writer.fileno()
        os.set_blocking(fd, False)
        padding = bytes(65536)
        deadline = time.monotonic() + seconds
        while thread.is_alive() and time.monotonic() < deadline:
            try:
                os.write(fd, padding)
            except BlockingIOError:  # the pipe is full: let the thread read, or finish
                thread.join(0.05)
            except OSError:
                return


class _DaskBackend(_Backend):
    """Dask distributed: ``"local"`` starts a cluster of this machine's cores, else a scheduler address.

    A task whose worker dies is re-run elsewhere by the scheduler (up to its
    ``allowed-failures``); past that the run fails with :class:`RunFailed`.
    """

    def __init__(self, address: str, workers: int):
        try:
            from distributed import Client, LocalCluster
        except ImportError as exc:
            raise RunFailed("Dask is not installed: pip install 'tfsim[dask]'") from exc
        self._cluster = None
        try:
            if address == "local":
                self._cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                                             dashboard_address=None, silence_logs=logging.ERROR)
                self._client = Client(self._cluster, set_as_default=False)
            else:
                self._client = Client(address, timeout=30, set_as_default=False)
        except (OSError, TimeoutError) as exc:
            if self._cluster is not None:
                self._cluster.close()
            raise RunFailed(f"cannot reach the Dask scheduler at {address}: {exc}") from exc
        threads = self._client.nthreads()
        self.workers = max(1, sum(threads.values()))

    def submit(self, fn, *args):
        return self._client.submit(fn, *args, pure=False)

    def result(self, future):
        from distributed import KilledWorker

        try:
            return future.result()
        except KilledWorker as exc:
            raise RunFailed(f"Dask workers died running replications ({exc}); no results were kept "
                            "from this run") from exc
        except RuntimeError as exc:
            if "deserializ" not in str(exc):
                raise
            raise RunFailed("the Dask scheduler or a worker cannot load tfsim's code: install the same "
                            "version of tfsim (pip install 'tfsim[dask]') where the scheduler and every "
                            "worker run") from exc

    def close(self, abort: bool = False) -> None:
        self._client.close()
        if self._cluster is not None:
            self._cluster.close()


@contextlib.contextmanager
def _signals_held():
    """Hold Ctrl+C and SIGTERM while worker processes are being started, then act on them.

    A signal that interrupts the start of a process leaves a child the pool does not know
    of yet (its fork server makes it a moment later); the child would outlive the run and
    print a traceback once the run's semaphores had gone.  Submitting takes milliseconds.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    arrived: list[int] = []
    held = (signal.SIGINT, signal.SIGTERM)
    previous = {sig: signal.signal(sig, lambda signum, frame: arrived.append(signum)) for sig in held}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        for sig in dict.fromkeys(arrived):
            signal.raise_signal(sig)  # now, with the handler the caller had


def _fork_server_children() -> list[int]:
    """The processes this process's fork server has started (Linux; none elsewhere)."""
    from multiprocessing import forkserver

    server = getattr(forkserver._forkserver, "_forkserver_pid", None)
    if not server or not sys.platform.startswith("linux"):
        return []
    children = []
    with contextlib.suppress(OSError):
        for entry in os.scandir("/proc"):
            if entry.name.isdigit():
                with contextlib.suppress(OSError, ValueError, IndexError):
                    with open(f"/proc/{entry.name}/stat", encoding="ascii", errors="replace") as fh:
                        if int(fh.read().rsplit(")", 1)[1].split()[1]) == server:
                            children.append(int(entry.name))
    return children


def _pool_context():
    # forkserver/spawn: never fork a process that may be running Qt threads
    if sys.platform.startswith("linux"):
        ctx = multiprocessing.get_context("forkserver")
        ctx.set_forkserver_preload(["tfsim.workers", "tfsim._forkserver"])
        return ctx
    return multiprocessing.get_context("spawn")


# ---- statistics across replications ------------------------------------------------------


def t_quantile(q: float, df: int) -> float:
    """The ``q`` quantile of Student's t with ``df`` degrees of freedom.

    Computed by :func:`tfsim.student_t.quantile` (plain Python: importing ``scipy.special``
    for it cost a run about 0.15 s of start-up); quantiles are cached, as runs ask for few.
    """
    return _t_quantile(float(q), int(df))


@functools.lru_cache(maxsize=256)
def _t_quantile(q: float, df: int) -> float:
    return student_t.quantile(q, df)


def t_half_width(sd, n: int, level: float = 0.95):
    """Half-width of the Student-t confidence interval of a mean of ``n`` values with standard deviation ``sd``."""
    return t_quantile(0.5 + level / 2, n - 1) * sd / np.sqrt(n)


def confidence_interval(values: np.ndarray, level: float = 0.95) -> tuple[float, float, float]:
    """Mean and Student-t confidence interval of the mean, ignoring NaNs."""
    v = np.asarray(values, dtype=float)
    v = v[~np.isnan(v)]
    if len(v) == 0:
        return (float("nan"),) * 3
    mean = float(v.mean())
    if len(v) < 2:
        return mean, float("nan"), float("nan")
    half = float(t_half_width(v.std(ddof=1), len(v), level))
    return mean, mean - half, mean + half


def summarise(scenario: Scenario, seed: int, results: list[ReplicationResult]) -> ExperimentResults:
    """Combine replications into summary, monthly, per-replication and check tables."""
    table = Accumulator(scenario, seed, len(results))
    for j, result in enumerate(results):
        table.add(j, result)
    return table.results()


class Accumulator:
    """The figures of ``replications`` replications of one scenario, gathered as they arrive.

    Each replication's scalars and monthly series go into arrays sized for the whole run
    (float64, so the statistics are exactly those of the full set of replications); the
    replication itself is not kept.  Ten thousand replications of a county scenario take a
    few hundred megabytes.
    """

    def __init__(self, scenario: Scenario, seed: int, replications: int):
        self.scenario = scenario
        self.seed = seed
        self.n = replications
        self.arrived = 0
        self._summary: dict[str, np.ndarray] = {}
        self._checks: dict[str, np.ndarray] = {}
        self._series: dict[tuple[str, str], np.ndarray] = {}

    def add(self, j: int, result: ReplicationResult) -> None:
        """Record replication ``j`` (0-based, any order)."""
        if self.arrived == 0:
            self._allocate(result)
        for name, value in result.summary.items():
            self._summary[name][j] = value
        for name, value in result.checks.items():
            self._checks[name][j] = value
        for metric, values in result.monthly.items():
            self._series[(metric, "")][j] = values
        for metric, roles in result.by_role.items():
            for role, values in roles.items():
                self._series[(metric, role)][j] = values
        self.arrived += 1

    def _allocate(self, first: ReplicationResult) -> None:
        n = self.n
        self._summary = {name: np.full(n, np.nan) for name in first.summary}
        self._checks = {name: np.full(n, np.nan) for name in first.checks}
        keys = [(metric, "") for metric in first.monthly]
        keys += [(metric, role) for metric, roles in first.by_role.items() for role in roles]
        months = len(next(iter(first.monthly.values()))) if first.monthly else 0
        self._series = {key: np.full((n, months), np.nan) for key in keys}

    def grow(self, replications: int) -> None:
        """Make room for ``replications`` in all (more replications of the same run are coming)."""
        extra = replications - self.n
        if extra <= 0:
            return
        self.n = replications
        if self.arrived:
            for table in (self._summary, self._checks):
                for name, values in table.items():
                    table[name] = np.concatenate([values, np.full(extra, np.nan)])
            for key, values in self._series.items():
                self._series[key] = np.vstack([values, np.full((extra, values.shape[1]), np.nan)])

    def values(self, metric: str) -> np.ndarray:
        """Summary metric ``metric`` in the replications that have arrived."""
        return self._summary[metric][: self.arrived]

    def results(self) -> ExperimentResults:
        """The tables of every replication (all must have arrived)."""
        if self.arrived != self.n:
            raise RuntimeError(f"{self.arrived} of {self.n} replications arrived")
        per_rep = pd.DataFrame(self._summary)
        per_rep.index.name = "replication"
        rows = []
        for metric in per_rep.columns:
            values = per_rep[metric].to_numpy(dtype=float)
            mean, lo, hi = confidence_interval(values)
            info = SUMMARY.get(metric)
            if info is not None:  # a count's interval stops at zero, a probability's at one
                lo, hi = info.clip(lo), info.clip(hi)
            finite = values[~np.isnan(values)]
            p05, p50, p95 = np.percentile(finite, [5, 50, 95]) if len(finite) else (np.nan,) * 3
            rows.append((metric, mean, lo, hi, float(p05), float(p50), float(p95)))
        summary = pd.DataFrame(rows, columns=SUMMARY_COLUMNS)

        months = Calendar.of(self.scenario).labels
        keys = list(self._series)
        # every series at once: one percentile call over (series, replications, months)
        cube = np.stack([self._series[key] for key in keys]) if keys else np.empty((0, self.n, len(months)))
        p05, p50, p95 = np.percentile(cube, [5, 50, 95], axis=1)
        count = len(months)
        monthly = pd.DataFrame({
            "month": np.tile(np.asarray(months, dtype=object), len(keys)),
            "metric": np.repeat(np.asarray([m for m, _ in keys], dtype=object), count),
            "role": np.repeat(np.asarray([r for _, r in keys], dtype=object), count),
            "mean": cube.mean(axis=1).ravel(),
            "p05": p05.ravel(), "p50": p50.ravel(), "p95": p95.ravel(),
        })
        checks = pd.DataFrame(self._checks)
        return ExperimentResults(scenario=self.scenario, seed=self.seed, replications=self.n, summary=summary,
                                 monthly=monthly, per_replication=per_rep, checks=checks, months=months,
                                 replication_series=dict(self._series))
