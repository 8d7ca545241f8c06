"""The simulation model: pure Python (no Qt, no matplotlib, no file I/O).

:func:`simulate` runs one replication of a validated scenario from a seed and returns
its statistics; :func:`build_replication` gives the wired parts for tests and
benchmarks (``build_replication(scenario, seed).run()`` returns the event log and the
end-of-run snapshot, which :func:`replication_statistics` turns into statistics).
Everything random comes from per-process streams spawned from the seed
(:mod:`tfsim.model.random`).  :mod:`tfsim.model.replication` shows how the parts fit.
"""

from __future__ import annotations

from .calendar import Calendar, financial_year
from .log import ClaimsRecord, EventLog, Snapshot
from .replication import Replication, build_replication, event_budget, simulate
from .scheduler import RunawayRun
from .statistics import ReplicationResult, replication_statistics

__all__ = [
    "Calendar",
    "ClaimsRecord",
    "EventLog",
    "Replication",
    "ReplicationResult",
    "RunawayRun",
    "Snapshot",
    "build_replication",
    "event_budget",
    "financial_year",
    "replication_statistics",
    "simulate",
]
