"""The runs a business case needs: the scenario, its baseline, and a staffing check.

A report says what staffing does to the result.  Rather than guess, it runs the scenario
once more with one more full-time worker in post from the start in the role whose caseload
slots are fullest (the likeliest bottleneck), on the same seeds, and reports the paired
difference with its interval (:mod:`tfsim.whatif`).  The CLI runs all three; the app
already has the scenario's results (and maybe a baseline) on screen and runs only the
staffing check.  Either way the same seed gives the same runs, so the same document.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tfsim.experiment import ExperimentResults, Runner
from tfsim.scenario.schema import Scenario
from tfsim.whatif import make_variant


@dataclass(frozen=True)
class StaffingCheck:
    """The scenario run again with one more full-time worker of one role, on the same seeds.

    Attributes
    ----------
    role : str
        The role id.
    role_label : str
        Its name.
    utilisation : float
        Share of that role's caseload slots in use over the run (why it was chosen).
    results : ExperimentResults
        The variant's results.
    """

    role: str
    role_label: str
    utilisation: float
    results: ExperimentResults

    @property
    def change(self) -> str:
        """The change in words: ``one more full-time FIP in post from the start``."""
        return f"one more full-time {self.role_label} in post from the start"


@dataclass(frozen=True)
class ReportRuns:
    """Everything a report is built from.

    Attributes
    ----------
    results : ExperimentResults
        The scenario's run (with its :class:`~tfsim.provenance.ScenarioSource` attached).
    baseline : ExperimentResults or None
        A baseline run on the same seeds, for the paired comparison.
    staffing : StaffingCheck or None
        The staffing check (None when the scenario has no role that can take one more worker).
    """

    results: ExperimentResults
    baseline: ExperimentResults | None = None
    staffing: StaffingCheck | None = None

    @property
    def paired(self) -> bool:
        """Whether the baseline shares the run's seed and replications (so differences pair run by run)."""
        b, r = self.baseline, self.results
        return b is not None and b.seed == r.seed and b.replications == r.replications


def role_utilisation(results: ExperimentResults) -> dict[str, float]:
    """Share of each role's caseload slots in use over the run (families in service over capacity)."""
    out = {}
    for role in results.scenario.roles:
        try:
            used = results.series("in_service", role.id)["mean"].to_numpy(dtype=float)
            cap = results.series("capacity", role.id)["mean"].to_numpy(dtype=float)
        except KeyError:
            continue
        total = float(np.nansum(cap))
        out[role.id] = float(np.nansum(used)) / total if total > 0 else 0.0
    return out


def bottleneck_role(results: ExperimentResults) -> str | None:
    """The role whose caseload slots are fullest over the run (the first such role on a tie)."""
    shares = role_utilisation(results)
    if not shares:
        return None
    best = max(shares.values())
    return next(role for role, share in shares.items() if share == best)


def staffing_variant(results: ExperimentResults) -> tuple[str, Scenario] | None:
    """The scenario with one more full-time worker in the bottleneck role, or None when none fits."""
    role_id = bottleneck_role(results)
    if role_id is None:
        return None
    role = results.scenario.role(role_id)
    try:
        return role_id, make_variant(results.scenario, {f"roles.{role_id}.in_post_fte": list(role.in_post_fte) + [1.0]})
    except ValueError:  # the schema refuses one more (a list at its longest)
        return None


def staffing_check(results: ExperimentResults, runner: Runner) -> StaffingCheck | None:
    """Run :func:`staffing_variant` on the seeds of ``results``."""
    found = staffing_variant(results)
    if found is None:
        return None
    role_id, scenario = found
    variant = runner.run(scenario, results.replications, results.seed)
    return StaffingCheck(role_id, results.scenario.role(role_id).label, role_utilisation(results)[role_id], variant)


def prepare(scenario: Scenario, replications: int, seed: int, runner: Runner,
            baseline: Scenario | None = None) -> ReportRuns:
    """Run a scenario (and a baseline, in the same batch) and then its staffing check."""
    batch = [scenario] + ([baseline] if baseline is not None else [])
    runs = runner.run_many(batch, replications, seed)
    results = runs[0]
    return ReportRuns(results, runs[1] if baseline is not None else None, staffing_check(results, runner))


def prepare_from(results: ExperimentResults, runner: Runner, baseline: ExperimentResults | None = None) -> ReportRuns:
    """The runs of a report from results already made (the app's): only the staffing check is run."""
    return ReportRuns(results, baseline, staffing_check(results, runner))


__all__ = ["ReportRuns", "StaffingCheck", "bottleneck_role", "prepare", "prepare_from", "role_utilisation",
           "staffing_check", "staffing_variant"]
