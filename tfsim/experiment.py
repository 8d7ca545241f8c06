"""Replications and their statistics: the one experiment runner the CLI and the app share.

:func:`run_experiment` runs a scenario many times, serially or in worker processes,
and returns pandas tables with honest uncertainty: the mean with a 95% confidence
interval of the mean (Student t) and the 5th, 50th and 95th percentiles across
replications.  Replication ``i`` always uses the seed ``SeedSequence(seed,
spawn_key=(i,))``, so results do not depend on the number of worker processes.
"""

from __future__ import annotations

import multiprocessing
import os
import sys
import time
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from dataclasses import dataclass, field
from typing import Callable

import numpy as np
import pandas as pd
from scipy import stats

from tfsim.catalogue_tables import MONEY_MONTHLY, MONTHLY_METRICS, SUMMARY_METRICS
from tfsim.model import Calendar, ReplicationResult, simulate
from tfsim.scenario.schema import Scenario

SUMMARY_COLUMNS = ["metric", "mean", "ci_low", "ci_high", "p05", "p50", "p95"]
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
        Long form: ``month, metric, mean, p05, p50, p95`` (month as ``YYYY-MM``).
    per_replication : pandas.DataFrame
        One row per replication, one column per summary metric.
    checks : pandas.DataFrame
        Per-replication bookkeeping (families by final state) used by the tests.
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

    def value(self, metric: str, column: str = "mean") -> float:
        """One figure of the summary, e.g. ``value('families_turned_around', 'ci_low')``."""
        return float(self.summary.loc[self.summary["metric"] == metric, column].iloc[0])

    def series(self, metric: str) -> pd.DataFrame:
        """The monthly rows of one metric, indexed by month."""
        return self.monthly[self.monthly["metric"] == metric].set_index("month")


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
    jobs = (os.cpu_count() or 1) if jobs <= 0 else jobs
    jobs = min(jobs, replications)
    started = time.perf_counter()
    results: list[ReplicationResult | None] = [None] * replications
    if jobs == 1:
        for i in range(replications):
            if cancel is not None and cancel():
                raise Cancelled()
            results[i] = simulate(scenario, replication_seed(seed, i))
            if progress is not None:
                progress(i + 1, replications)
    else:
        _run_pool(scenario, seed, replications, jobs, results, progress, cancel)
    out = summarise(scenario, seed, [r for r in results if r is not None])
    out.elapsed_seconds = time.perf_counter() - started
    out.jobs = jobs
    return out


# ---- worker processes -------------------------------------------------------------------

_WORKER_SCENARIO: Scenario | None = None


def _init_worker(scenario: Scenario) -> None:
    global _WORKER_SCENARIO
    _WORKER_SCENARIO = scenario


def _work(seed: int, index: int) -> tuple[int, ReplicationResult]:
    assert _WORKER_SCENARIO is not None
    return index, simulate(_WORKER_SCENARIO, replication_seed(seed, index))


def _pool_context():
    # forkserver/spawn: never fork a process that may be running Qt threads
    if sys.platform.startswith("linux"):
        ctx = multiprocessing.get_context("forkserver")
        ctx.set_forkserver_preload(["tfsim.model"])
        return ctx
    return multiprocessing.get_context("spawn")


def _run_pool(scenario, seed, replications, jobs, results, progress, cancel) -> None:
    done = 0
    with ProcessPoolExecutor(max_workers=jobs, mp_context=_pool_context(), initializer=_init_worker,
                             initargs=(scenario,)) as pool:
        pending = {pool.submit(_work, seed, i) for i in range(replications)}
        try:
            while pending:
                finished, pending = wait(pending, timeout=0.1, return_when=FIRST_COMPLETED)
                for fut in finished:
                    index, result = fut.result()
                    results[index] = result
                    done += 1
                    if progress is not None:
                        progress(done, replications)
                if cancel is not None and cancel():
                    for fut in pending:
                        fut.cancel()
                    raise Cancelled()
        except BaseException:
            pool.shutdown(wait=False, cancel_futures=True)
            raise


# ---- statistics across replications ------------------------------------------------------


def confidence_interval(values: np.ndarray, level: float = 0.95) -> tuple[float, float, float]:
    """Mean and Student-t confidence interval of the mean, ignoring NaNs."""
    v = np.asarray(values, dtype=float)
    v = v[~np.isnan(v)]
    if len(v) == 0:
        return (float("nan"),) * 3
    mean = float(v.mean())
    if len(v) < 2:
        return mean, float("nan"), float("nan")
    half = float(stats.t.ppf(0.5 + level / 2, len(v) - 1) * v.std(ddof=1) / np.sqrt(len(v)))
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
    for metric, series_of in _monthly_series(scenario, results[0]):
        stack = np.vstack([series_of(r) for r in results])
        p05, p50, p95 = np.percentile(stack, [5, 50, 95], axis=0)
        frames.append(pd.DataFrame({"month": months, "metric": metric, "mean": stack.mean(axis=0),
                                    "p05": p05, "p50": p50, "p95": p95}))
    monthly = pd.concat(frames, ignore_index=True)[MONTHLY_COLUMNS]
    checks = pd.DataFrame([r.checks for r in results])
    return ExperimentResults(scenario=scenario, seed=seed, replications=len(results), summary=summary,
                             monthly=monthly, per_replication=per_rep, checks=checks, months=months)


def _monthly_series(scenario: Scenario, result: ReplicationResult):
    """``(metric, series_of)`` for each monthly table row group, in the order of ``monthly.csv``.

    Per-role series are named ``<metric>.<role id>`` and come after the caseload and
    workforce series, role by role, before the money series.
    """
    names = list(result.monthly)
    money = [k for k in names if k in MONEY_MONTHLY]
    for k in names:
        if k not in MONEY_MONTHLY:
            yield k, lambda r, k=k: r.monthly[k]
    for role in scenario.roles:
        for metric in result.by_role:
            yield f"{metric}.{role.id}", lambda r, m=metric, rid=role.id: r.by_role[m][rid]
    for k in money:
        yield k, lambda r, k=k: r.monthly[k]


def metric_label(metric: str) -> tuple[str, str]:
    """Plain description and unit of a metric name (summary or monthly)."""
    base = metric.split(".", 1)[0]
    for table in (SUMMARY_METRICS, MONTHLY_METRICS):
        if metric in table:
            return table[metric]
    for table in (SUMMARY_METRICS, MONTHLY_METRICS):
        if base in table:
            desc, unit = table[base]
            return f"{desc} ({metric.split('.', 1)[1]})", unit
    return metric.replace("_", " "), ""
