"""The simulation model: pure Python (no Qt, no matplotlib, no file I/O).

:func:`simulate` runs one replication of a validated scenario from a seed and
returns its statistics.  Everything random comes from per-process streams spawned
from that seed (:mod:`tfsim.model.random`).
"""

from __future__ import annotations

import numpy as np

from tfsim.scenario.schema import Scenario

from .engine import Engine
from .metrics import MONTHLY_METRICS, SUMMARY_METRICS, Calendar, ReplicationResult, replication_statistics


def simulate(scenario: Scenario, seed: int | np.random.SeedSequence = 0) -> ReplicationResult:
    """Run one replication.

    Parameters
    ----------
    scenario : Scenario
        A validated scenario.
    seed : int or numpy.random.SeedSequence
        Seed of this replication; the same seed gives bit-identical results.

    Returns
    -------
    ReplicationResult
        Summary statistics (after the warm-up), monthly series and conservation checks.
    """
    if not isinstance(seed, np.random.SeedSequence):
        seed = np.random.SeedSequence(seed)
    engine = Engine(scenario, seed)
    log = engine.run()
    return replication_statistics(scenario, engine, log)


__all__ = ["MONTHLY_METRICS", "SUMMARY_METRICS", "Calendar", "Engine", "ReplicationResult", "simulate"]
