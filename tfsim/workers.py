"""Replications in worker processes: what a local pool or a Dask worker runs.

This module imports only the model and NumPy (no pandas, scipy or matplotlib), so a worker
process starts in a fraction of a second: the local pool preloads it in its fork server,
and a Dask worker imports it on its first task.
"""

from __future__ import annotations

import os
import pickle

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
        out.append((k, j, simulate(scenario, replication_seed(seed, index))))
    return out


def ready() -> int:
    """A no-op task that proves a worker is up (its process id)."""
    return os.getpid()
