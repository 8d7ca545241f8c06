"""Replications in worker processes: what a local pool or a Dask worker runs.

This module imports only the model and NumPy (no pandas or matplotlib; scipy.special only when a
lognormal or gamma is read), so a worker process starts in a fraction of a second: the local
pool preloads it in its fork server, and a Dask worker imports it on its first task.
"""

from __future__ import annotations

import gc
import os
import pickle
import select
import signal
import threading

import numpy as np

from tfsim.model import ReplicationResult, simulate
from tfsim.scenario.schema import Scenario

#: Scenarios this process has unpickled, by the hash of their pickle (the latest few).
_SCENARIOS: dict[str, Scenario] = {}
_CACHE_SIZE = 64


def replication_seed(seed: int, index: int) -> np.random.SeedSequence:
    """The seed of replication ``index`` of an experiment seeded ``seed``."""
    return np.random.SeedSequence(seed, spawn_key=(index,))


def run_tasks(scenarios: dict[int, tuple[str, bytes]], seed: int,
              work: list[tuple[int, int, int]]) -> list[tuple[int, int, ReplicationResult]]:
    """Replications ``(k, j, index)``: scenario ``k``'s replication ``index``, to be stored at ``j``.

    ``scenarios`` maps ``k`` to ``(key, pickle)``; a process unpickles each scenario once.
    """
    out = []
    for k, j, index in work:
        key, payload = scenarios[k]
        scenario = _SCENARIOS.get(key)
        if scenario is None:
            if len(_SCENARIOS) >= _CACHE_SIZE:
                _SCENARIOS.pop(next(iter(_SCENARIOS)))
            scenario = _SCENARIOS[key] = pickle.loads(payload)
        out.append((k, j, run_replication(scenario, replication_seed(seed, index))))
    return out


def run_replication(scenario: Scenario, seed: np.random.SeedSequence) -> ReplicationResult:
    """One replication's statistics (:func:`tfsim.model.simulate`), with the cyclic garbage collector paused.

    A replication allocates hundreds of thousands of objects; with the collector running,
    each of its collections during the replication would trace every family and log entry
    alive.  :func:`~tfsim.model.simulate` unlinks the replication's cycles when it is done,
    so reference counting frees it at once, and the collection of the youngest generation
    afterwards (for anything else) has almost nothing left to trace.
    """
    paused = gc.isenabled()
    gc.disable()
    try:
        return simulate(scenario, seed)
    finally:
        if paused:
            gc.enable()
            gc.collect(0)


def start_worker(owner: int) -> None:
    """Set up a worker process of a local pool whose owner (the process that started it) is ``owner``.

    Ctrl+C reaches every process of a terminal's job; the owner alone handles it (by ending
    its workers), so a worker ignores it.  A watch thread ends the worker as soon as the owner
    has gone, however it went (``kill -9`` included): otherwise a worker would finish its
    replications for no one, holding the output pipes of a ``tfsim run | tee``.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    threading.Thread(target=_watch_owner, args=(owner,), name="tfsim-owner-watch", daemon=True).start()


def _watch_owner(owner: int) -> None:
    try:
        fd = os.pidfd_open(owner)  # readable when the owner ends; never fooled by a reused id
    except (AttributeError, OSError):
        fd = None
    if fd is not None:
        select.select([fd], [], [])
    else:
        while True:
            try:
                os.kill(owner, 0)
            except ProcessLookupError:
                break
            except OSError:
                pass
            threading.Event().wait(0.2)
    os._exit(1)


def ready() -> int:
    """A no-op task that proves a worker is up (its process id)."""
    return os.getpid()
