"""The composition root: one replication of a scenario, built from its parts.

:func:`build_replication` wires the parts for a seed; :meth:`Replication.run` runs them
and returns the event log and the end-of-run snapshot; :func:`simulate` adds the
statistics.  Read top-down, a replication is:

1. a :class:`~tfsim.model.scheduler.Scheduler` (clock and event queue), an
   :class:`~tfsim.model.log.EventLog`, named random :class:`~tfsim.model.random.Streams`,
   every referral time of the run (:mod:`tfsim.model.arrivals`) and the families' own
   random numbers (:class:`~tfsim.model.random.FamilyDraws`, by referral index);
2. the roles (:class:`~tfsim.model.entities.RoleState`), the
   :class:`~tfsim.model.waiting_list.WaitingList` and the family profiles;
3. the components: the :class:`~tfsim.model.caseflow.CaseFlow` (what happens to each
   family), the :class:`~tfsim.model.workforce.Workforce` (who is in post, their caseload
   caps) and, with a ``[money]`` section, the :class:`~tfsim.model.claims.ClaimsBook`;
4. the run: the staffing at the start, then referrals merged into the event loop up to
   the horizon;
5. the statistics (:mod:`tfsim.model.statistics`), from the log and snapshot alone.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tfsim.scenario.schema import DAYS_PER_MONTH, Scenario

from .arrivals import FamilyProfiles, referral_times
from .calendar import Calendar
from .caseflow import CaseFlow
from .claims import ClaimsBook
from .entities import RoleState
from .log import EventLog, Snapshot
from .random import FamilyDraws, Streams
from .scheduler import RunawayRun, Scheduler
from .statistics import ReplicationResult, replication_statistics
from .waiting_list import WaitingList
from .workforce import Workforce


@dataclass
class Replication:
    """The wired parts of one replication; :meth:`run` runs it once."""

    scenario: Scenario
    scheduler: Scheduler
    streams: Streams
    referrals: list[float]
    draws: FamilyDraws
    log: EventLog
    roles: list[RoleState]
    waiting_list: WaitingList
    caseflow: CaseFlow
    workforce: Workforce
    claims: ClaimsBook | None

    def run(self) -> tuple[EventLog, Snapshot]:
        """Run to the horizon; return the event log and the end-of-run snapshot."""
        sc = self.scenario
        self.workforce.start()
        claims = self.claims
        matching = claims is not None and claims.matching  # data matching: a second stream known in advance
        self.scheduler.run(sc.horizon_days, self.referrals, self.caseflow.refer_due,
                           claims.match_times() if matching else (), claims.on_matches if matching else None)
        return self.log, self.snapshot()

    def close(self) -> None:
        """Break the references that tie the parts into cycles, so the replication is freed at once.

        The parts refer to each other (scheduled calls to the components, the case flow and
        the claims book to each other's methods, workers to their role and families); left
        as cycles, a finished replication would stay in memory until the cyclic garbage
        collector traced every object of it.  Call once the log and snapshot are read.
        """
        self.scheduler.close()
        cf = self.caseflow
        cf.on_turned_around = cf.on_referred = cf.on_first_start = None
        if self.claims is not None:
            self.claims.close()
        self.workforce.close()
        for fam in cf.families:
            fam.worker = None
        for role in self.roles:
            role.workers.clear()
            role.tokens.clear()

    def snapshot(self) -> Snapshot:
        """End states the log does not hold, as they stand now."""
        return Snapshot.of(
            self.caseflow.families,
            refused=self.caseflow.refused,
            waiting=self.waiting_list.count,
            in_service=sum(w.load for w in self.workforce.workers),
            claims=self.claims.record() if self.claims is not None else None,
        )


#: Events a replication may process per unit of the work its scenario implies (see :func:`event_budget`).
EVENTS_PER_UNIT = 100


def event_budget(scenario: Scenario) -> tuple[int, int]:
    """The most events a replication of ``scenario`` may process, in all and at one instant.

    In all: a hundred times the work the scenario implies, counted in units of one contact
    with a family (re-approaches included), one leaver, or one post-month of the largest
    establishment the staffing plan can reach, plus a million: far more than any run that
    ends needs (a county run processes about one event per unit), few enough that a run
    whose rules feed on themselves stops within seconds.  At one instant: twice the
    families and posts (a cohort may all finish at once), plus a hundred thousand.
    """
    months = scenario.horizon_days / DAYS_PER_MONTH
    posts = sum(peak[1] for peak in scenario.establishment_peaks().values())
    families = scenario.expected_referrals()
    work = families * min(scenario.contact_factor(), 1000.0) + scenario.expected_leavers() + posts * months
    return int(EVENTS_PER_UNIT * work) + 1_000_000, int(2 * (families + posts)) + 100_000


def build_replication(scenario: Scenario, seed: int | np.random.SeedSequence = 0) -> Replication:
    """Wire one replication of ``scenario``: every stochastic process draws from its own child streams of ``seed``."""
    if not isinstance(seed, np.random.SeedSequence):
        seed = np.random.SeedSequence(seed)
    scheduler = Scheduler(*event_budget(scenario))
    streams = Streams(seed)
    referrals = referral_times(scenario, streams.generator("referrals")).tolist()
    draws = FamilyDraws(seed, len(referrals))
    log = EventLog(len(scenario.roles))
    levels = list(scenario.families.intensity)
    roles = [RoleState(i, spec, levels, scenario.workforce_of(spec), log.busy_signed[i])
             for i, spec in enumerate(scenario.roles)]
    waiting_list = WaitingList(len(levels), priority=scenario.waiting_list.discipline == "priority")
    profiles = FamilyProfiles(scenario, streams, draws)
    caseflow = CaseFlow(scenario, roles, waiting_list, profiles, scheduler, log, draws)
    workforce = Workforce(scenario, roles, caseflow, scheduler, log, streams)
    claims = None
    if scenario.money is not None:
        claims = ClaimsBook(scenario, scheduler, draws, caseflow.rerefer, referrals)
        caseflow.on_turned_around = claims.turned_around
        if claims.matching:
            caseflow.on_referred = claims.identified
        if claims.job_hazard > 0:
            caseflow.on_first_start = claims.started
    return Replication(scenario, scheduler, streams, referrals, draws, log, roles, waiting_list, caseflow, workforce,
                       claims)


def simulate(scenario: Scenario, seed: int | np.random.SeedSequence = 0) -> ReplicationResult:
    """Run one replication and compute its statistics.

    Parameters
    ----------
    scenario : Scenario
        A validated scenario.
    seed : int or numpy.random.SeedSequence
        Seed of this replication; the same seed gives bit-identical results.

    Returns
    -------
    ReplicationResult
        Summary statistics (after the warm-up), monthly and per-role series and checks.

    Raises
    ------
    RunawayRun
        When the replication spends its :func:`event_budget` or its clock stops moving.
    """
    replication = build_replication(scenario, seed)
    try:
        log, snapshot = replication.run()
    except RunawayRun as exc:
        raise RunawayRun(f"{exc}: the scenario's rules keep making work (look at zero or tiny delays with "
                         "probabilities near 1: refusal and re-approach, relapse and re-referral)") from None
    finally:
        replication.close()
    return replication_statistics(scenario, Calendar.of(scenario), log, snapshot)
