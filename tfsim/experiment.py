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

import datetime as dt
import hashlib
import multiprocessing
import os
import pickle
import queue
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from typing import Callable, Sequence

import numpy as np
import pandas as pd
from scipy import stats

from tfsim.model import Calendar, ReplicationResult, simulate
from tfsim.scenario.schema import Scenario

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


def replication_seed(seed: int, index: int) -> np.random.SeedSequence:
    """The seed of replication ``index`` of an experiment seeded ``seed``."""
    return np.random.SeedSequence(seed, spawn_key=(index,))


def run_experiment(
    scenario: Scenario,
    replications: int = 50,
    seed: int = 0,
    jobs: int = 1,
    progress: ProgressFn | None = None,
    cancel: CancelFn | None = None,
) -> ExperimentResults:
    """Run ``replications`` replications of ``scenario`` and summarise them.

    Parameters
    ----------
    scenario : Scenario
        A validated scenario.
    replications : int
        Number of independent replications (at least 1).
    seed : int
        Experiment seed; the same seed gives identical results for any ``jobs``.
    jobs : int
        Worker processes; 1 runs in this process, 0 or less means one per CPU core.
    progress : callable, optional
        Called as ``progress(done, total)`` after each replication.
    cancel : callable, optional
        Polled between replications; when it returns True the run stops and
        :class:`Cancelled` is raised.

    Returns
    -------
    ExperimentResults
    """
    if replications < 1:
        raise ValueError("replications must be at least 1")
    jobs = min(resolve_jobs(jobs), replications)
    with Runner(jobs, progress=progress, cancel=cancel) as runner:
        return runner.run(scenario, replications, seed)


def resolve_jobs(jobs: int) -> int:
    """Worker processes for ``jobs``: as given, or one per CPU core for 0 or less."""
    return (os.cpu_count() or 1) if jobs <= 0 else jobs


class Runner:
    """Runs replications of one or many scenarios, keeping one warm pool of worker processes.

    A sweep, goal seek or sensitivity analysis runs hundreds of scenario variants; starting a
    pool of worker processes costs seconds, so one runner starts its pool on the first batch
    that needs it and reuses it until :meth:`close` (or the end of a ``with`` block).
    Replication ``i`` of an experiment seeded ``seed`` always uses
    :func:`replication_seed` ``(seed, i)``, whatever the scenario, the batch or the number
    of processes: results are identical for any ``jobs``, and two scenarios run with the
    same seed share their random numbers replication by replication (common random
    numbers), which is what makes paired comparisons precise.

    Parameters
    ----------
    jobs : int
        Worker processes; 1 runs in this process, 0 or less means one per CPU core.
    progress : callable, optional
        Called as ``progress(done, total)`` after each replication; ``total`` counts every
        replication asked of this runner so far, so it grows when a search adds runs.
    cancel : callable, optional
        Polled between replications; when it returns True the batch stops and
        :class:`Cancelled` is raised.
    """

    def __init__(self, jobs: int = 1, progress: ProgressFn | None = None, cancel: CancelFn | None = None):
        self.jobs = resolve_jobs(jobs)
        self.progress = progress
        self.cancel = cancel
        self.done = 0
        self.total = 0
        self.elapsed_seconds = 0.0
        self._pool: ProcessPoolExecutor | None = None

    def __enter__(self) -> "Runner":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        """Stop the worker processes (a later batch starts a new pool)."""
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None

    def run(self, scenario: Scenario, replications: int, seed: int) -> ExperimentResults:
        """Replications ``0 .. replications - 1`` of one scenario, summarised."""
        return self.run_many([scenario], replications, seed)[0]

    def run_many(self, scenarios: Sequence[Scenario], replications: int, seed: int) -> list[ExperimentResults]:
        """The same replications of several scenarios in one batch (so the pool stays busy), summarised."""
        if replications < 1:
            raise ValueError("replications must be at least 1")
        started = time.perf_counter()
        raw = self.replications(scenarios, seed, range(replications))
        finished = dt.datetime.now(dt.timezone.utc).astimezone().isoformat(timespec="seconds")
        out = []
        for scenario, results in zip(scenarios, raw):
            summary = summarise(scenario, seed, results)
            summary.elapsed_seconds = time.perf_counter() - started
            summary.jobs = self.jobs
            summary.meta["run_at"] = finished  # the date exports give for the run (tfsim.provenance)
            out.append(summary)
        return out

    def replications(self, scenarios: Sequence[Scenario], seed: int,
                     indices: Sequence[int]) -> list[list[ReplicationResult]]:
        """Raw replications ``indices`` of each scenario: ``out[k][j]`` is scenario ``k``'s replication ``indices[j]``.

        Asking for replications ``n .. 2n - 1`` later extends a run of ``0 .. n - 1`` exactly
        as if ``2n`` had been run at once.
        """
        indices = list(indices)
        tasks = [(k, j) for k in range(len(scenarios)) for j in range(len(indices))]
        out: list[list[ReplicationResult | None]] = [[None] * len(indices) for _ in scenarios]
        self.total += len(tasks)
        started = time.perf_counter()
        try:
            if self.jobs == 1 or len(tasks) == 1:
                for k, j in tasks:
                    self._check_cancel()
                    out[k][j] = simulate(scenarios[k], replication_seed(seed, indices[j]))
                    self._tick()
            else:
                self._run_pool(scenarios, seed, indices, tasks, out)
        finally:
            self.elapsed_seconds += time.perf_counter() - started
        return out  # type: ignore[return-value]

    def _tick(self) -> None:
        self.done += 1
        if self.progress is not None:
            self.progress(self.done, self.total)

    def _check_cancel(self) -> None:
        if self.cancel is not None and self.cancel():
            raise Cancelled()

    def _run_pool(self, scenarios, seed, indices, tasks, out) -> None:
        if self._pool is None:
            self._pool = ProcessPoolExecutor(max_workers=self.jobs, mp_context=_pool_context())
        payloads = [pickle.dumps(s, protocol=pickle.HIGHEST_PROTOCOL) for s in scenarios]
        keys = [hashlib.sha1(p).hexdigest() for p in payloads]
        # a few replications a task: fewer round trips, yet every process stays busy to the end
        size = max(1, min(_MAX_CHUNK, len(tasks) // (4 * self.jobs)))
        chunks = [tasks[i:i + size] for i in range(0, len(tasks), size)]
        done: queue.SimpleQueue = queue.SimpleQueue()
        pending = set()
        for chunk in chunks:
            work = [(k, j, indices[j]) for k, j in chunk]
            ks = sorted({k for k, _ in chunk})
            fut = self._pool.submit(_work, {k: (keys[k], payloads[k]) for k in ks}, seed, work)
            fut.add_done_callback(done.put)
            pending.add(fut)
        try:
            while pending:
                try:
                    fut = done.get(timeout=0.1)
                except queue.Empty:
                    self._check_cancel()
                    continue
                pending.discard(fut)
                for k, j, result in fut.result():
                    out[k][j] = result
                    self._tick()
                self._check_cancel()
        except BaseException:
            for fut in pending:
                fut.cancel()
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = None
            raise


# ---- worker processes -------------------------------------------------------------------

#: Scenarios a worker process has unpickled, by the hash of their pickle (the latest few).
_WORKER_SCENARIOS: dict[str, Scenario] = {}
_WORKER_CACHE_SIZE = 64
#: Most replications in one task sent to a worker process.
_MAX_CHUNK = 8


def _work(scenarios: dict[int, tuple[str, bytes]], seed: int,
          work: list[tuple[int, int, int]]) -> list[tuple[int, int, ReplicationResult]]:
    """Replications ``(k, j, index)`` in a worker: scenario ``k``'s replication ``index``, stored at ``j``."""
    out = []
    for k, j, index in work:
        key, payload = scenarios[k]
        scenario = _WORKER_SCENARIOS.get(key)
        if scenario is None:
            if len(_WORKER_SCENARIOS) >= _WORKER_CACHE_SIZE:
                _WORKER_SCENARIOS.pop(next(iter(_WORKER_SCENARIOS)))
            scenario = _WORKER_SCENARIOS[key] = pickle.loads(payload)
        out.append((k, j, simulate(scenario, replication_seed(seed, index))))
    return out


def _pool_context():
    # forkserver/spawn: never fork a process that may be running Qt threads
    if sys.platform.startswith("linux"):
        ctx = multiprocessing.get_context("forkserver")
        ctx.set_forkserver_preload(["tfsim.model"])
        return ctx
    return multiprocessing.get_context("spawn")


# ---- statistics across replications ------------------------------------------------------


def t_half_width(sd, n: int, level: float = 0.95):
    """Half-width of the Student-t confidence interval of a mean of ``n`` values with standard deviation ``sd``."""
    return stats.t.ppf(0.5 + level / 2, n - 1) * sd / np.sqrt(n)


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
    per_rep = pd.DataFrame([r.summary for r in results])
    per_rep.index.name = "replication"
    rows = []
    for metric in per_rep.columns:
        values = per_rep[metric].to_numpy(dtype=float)
        mean, lo, hi = confidence_interval(values)
        finite = values[~np.isnan(values)]
        p05, p50, p95 = np.percentile(finite, [5, 50, 95]) if len(finite) else (np.nan,) * 3
        rows.append((metric, mean, lo, hi, float(p05), float(p50), float(p95)))
    summary = pd.DataFrame(rows, columns=SUMMARY_COLUMNS)

    months = Calendar.of(scenario).labels
    frames = []
    series: dict[tuple[str, str], np.ndarray] = {}

    def add(metric: str, role: str, stack: np.ndarray) -> None:
        series[(metric, role)] = stack
        p05, p50, p95 = np.percentile(stack, [5, 50, 95], axis=0)
        frames.append(pd.DataFrame({"month": months, "metric": metric, "role": role, "mean": stack.mean(axis=0),
                                    "p05": p05, "p50": p50, "p95": p95}))

    for metric in results[0].monthly:
        add(metric, "", np.vstack([r.monthly[metric] for r in results]))
    for metric, roles in results[0].by_role.items():
        for role in roles:
            add(metric, role, np.vstack([r.by_role[metric][role] for r in results]))
    monthly = pd.concat(frames, ignore_index=True)
    checks = pd.DataFrame([r.checks for r in results])
    return ExperimentResults(scenario=scenario, seed=seed, replications=len(results), summary=summary,
                             monthly=monthly, per_replication=per_rep, checks=checks, months=months,
                             replication_series=series)
