"""The STRESS-DES checklist, filled in from the run and the scenario.

STRESS-DES (Strengthening the Reporting of Empirical Simulation Studies, discrete-event
simulation; Monks, Currie, Onggo, Robinson, Kunc and Taylor, Journal of Simulation, 2019)
lists 20 items a simulation study in health and social care should report, in six
sections: objectives, logic, data, experimentation, implementation and code access.
:func:`stress_items` writes each item from what tfsim knows (the scenario, the run, the
software) and leaves what only the author knows (the decision the study supports, how the
data were prepared, where the files are shared) as a marked prompt.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from tfsim.catalogue import SUMMARY
from tfsim.provenance import Provenance, long_date
from tfsim.scenario.inputs import BASIS_ASSUMPTION, BASIS_FITTED, BASIS_NONE, BASIS_SOURCE, Input

from .runs import ReportRuns

#: The sections of STRESS-DES, by number.
SECTIONS = {"1": "Objectives", "2": "Logic", "3": "Data", "4": "Experimentation", "5": "Implementation",
            "6": "Code access"}


@dataclass(frozen=True)
class Part:
    """A paragraph of an item: text tfsim wrote, or a prompt for the author (``prompt``)."""

    text: str
    prompt: bool = False


@dataclass(frozen=True)
class Item:
    """One STRESS-DES item: its number, its topic and what the report says for it."""

    number: str
    topic: str
    parts: tuple[Part, ...]

    @property
    def status(self) -> str:
        """``"filled"`` (by tfsim), ``"partly"`` (with a prompt left) or ``"prompt"`` (for the author)."""
        prompts = sum(p.prompt for p in self.parts)
        return "filled" if prompts == 0 else "prompt" if prompts == len(self.parts) else "partly"


def _p(text: str) -> Part:
    return Part(text)


def _ask(text: str) -> Part:
    return Part(f"[For the author: {text}]", prompt=True)


def _outputs_text(runs: ReportRuns) -> str:
    names = ["families_turned_around", "claims", "p_target_met", "target_count_at_deadline", "mean_wait_days",
             "peak_waiting_list", "vacancy_share", "net_cost"]
    shown = [SUMMARY[n] for n in names if runs.results.has_summary(n)]
    return ("Outputs reported (each defined in the appendix 'What the figures mean'): "
            + "; ".join(f"{m.title.lower()} ({m.description[0].lower()}{m.description[1:].rstrip('.')})"
                        for m in shown[:6]) + ". Every figure is the mean over the runs with a 95% confidence interval "
            "of the mean (Student t) and the 5th to 95th percentiles across runs; the chance of meeting the target "
            "has a 95% Wilson interval; monthly series give the mean and 5th to 95th percentiles for each month.")


def stress_items(runs: ReportRuns, facts: Provenance, table: list[Input], figures: dict[str, int]) -> list[Item]:
    """The 20 STRESS-DES items for this report.

    Parameters
    ----------
    runs : ReportRuns
    facts : Provenance
        The run's provenance (software versions, seed, replications).
    table : list of Input
        The assumptions table (:func:`tfsim.scenario.inputs.inputs`).
    figures : dict
        Figure numbers in the report by key (``"flow"``, ``"forecast"``, ...).
    """
    r = runs.results
    s = r.scenario
    money = s.money
    target = money.target if money is not None else None
    basis = Counter(x.basis for x in table)
    assumed = sum(n for b, n in basis.items() if BASIS_ASSUMPTION in b)
    fitted = sum(n for b, n in basis.items() if BASIS_FITTED in b)
    unstated = basis.get(BASIS_NONE, 0)
    sourced = basis.get(BASIS_SOURCE, 0)
    months = len(r.months)
    flow = figures.get("flow")
    horizon = f"{long_date(s.start_date)} to {long_date(s.end_date)}"

    purpose = (f"To forecast, for '{s.name}', how many families the programme turns around"
               + (f" and claims for under payment by results, the chance of meeting the target of {target.families:,} "
                  f"{target.counted} by {long_date(target.deadline)}," if target is not None else ",")
               + " and what staffing does to that.")
    if s.description:
        purpose += f" The scenario describes itself as: \u201c{s.description}\u201d"
    aims = [_p("A single scenario run many times to give each figure with its uncertainty, and a staffing check: "
               "the same scenario with " + (runs.staffing.change if runs.staffing else "one more full-time worker")
               + ", run on the same random numbers and compared run by run.")]
    if runs.baseline is not None:
        aims.insert(0, _p(f"A comparison of '{s.name}' with the baseline '{runs.baseline.scenario.name}', run on the "
                          "same random numbers (common random numbers) and compared run by run."))
    aims.append(_ask("state the questions this business case answers and the options it compares."))

    scenario_logic = ("One scenario; its staffing check adds " + (runs.staffing.change if runs.staffing else
                                                                  "one worker") + " and changes nothing else.")
    if runs.baseline is not None:
        scenario_logic = ("The scenario and its baseline differ in the values listed in 'What differs between the "
                          "two scenarios'; the staffing check adds "
                          + (runs.staffing.change if runs.staffing else "one worker") + ".")

    roles = "; ".join(f"{role.label} ({role.caseload_cap_per_fte:g} families per full-time worker)" for role in s.roles)
    matching = money.data_matching if money is not None else None
    algorithms = ("Allocation: a family goes to the first role in its intensity level's order of preference with a "
                  "free caseload slot; the waiting list is served " + (
                      "highest intensity first, then in order of referral" if s.waiting_list.discipline == "priority"
                      else "first come, first served") + ". Durations and delays are drawn from the distributions in "
                  "the assumptions table; referrals at random rates are a Poisson process; outcomes are drawn at the "
                  "end of each intervention with the role's chances.")
    if money is not None:
        algorithms += (" Claims follow payment-by-results rules: a result is sustained for its period, checked at "
                       "follow-up and claimed at the next claim window; a relapse voids it.")
    if matching is not None and matching.on:
        algorithms += " Results found by data matching arrive at a monthly hazard from each family's referral."

    precision = ""
    headline = "target_count_at_deadline" if r.has_summary("target_count_at_deadline") else "families_turned_around"
    metric = SUMMARY[headline]
    mean, lo, hi = (r.value(headline, c) for c in ("mean", "ci_low", "ci_high"))
    if lo == lo and mean:
        half = (hi - lo) / 2
        precision = (f" With {r.replications:,} runs the average {metric.title.lower()} is known to within "
                     f"\u00b1{metric.format(half, decimals=1)} ({abs(half / mean):.1%} of the average).")

    share = f"{sourced} of the {len(table)} inputs cite a source, {assumed} are marked ASSUMPTION and {fitted} FITTED"
    share += f"; {unstated} have no note." if unstated else "."

    items = [
        Item("1.1", "Purpose of the model", (_p(purpose), _ask("name the decision this model supports, who asked "
                                                                  "for it and by when."))),
        Item("1.2", "Model outputs", (_p(_outputs_text(runs)),)),
        Item("1.3", "Experimentation aims", tuple(aims)),
        Item("2.1", "Base model overview diagram", (_p(f"Figure {flow} in 'The model in brief' shows the flow of "
                                                      "families: referral, first contact and refusal, the waiting list, "
                                                      "intervention by role, the outcome and, with payment by results, "
                                                      "the sustained result and the claim." if flow else
                                                      "See 'The model in brief'."),)),
        Item("2.2", "Base model logic", (_p("Each family referred is contacted; some refuse (and may be approached "
                                            "again); the rest wait for a key worker. A worker with a free caseload slot "
                                            "takes the next family; the intervention lasts a drawn time, may be "
                                            "extended after a step-up, and ends turned around, improved, with no "
                                            "progress, or with the family disengaged. Staff leave, posts are "
                                            "recruited, new starters hold a reduced caseload during induction, and a "
                                            "leaver's families are handed over."),)),
        Item("2.3", "Scenario logic", (_p(scenario_logic),)),
        Item("2.4", "Algorithms", (_p(algorithms),)),
        Item("2.5", "Components", (_p(f"Entities: families (size, needs and intensity of need as in the assumptions "
                                      f"table). Activities: first contact, interventions, handovers, recruitment. "
                                      f"Resources: key workers by role: {roles}. Queues: one waiting list for a key "
                                      f"worker. Entry: referral; exit: refusal, case closure, or a claim."),)),
        Item("3.1", "Data sources", (_p(f"The scenario file '{facts.scenario_file or s.name}' names its sources beside "
                                        f"its values (the assumptions table); {share}"),
                                     _ask("give the date each data source was extracted and who supplied it."))),
        Item("3.2", "Pre-processing", (_ask("describe how the council's figures were cleaned, grouped or converted "
                                            "before they were entered in the scenario file (tfsim reads the values "
                                            "as written)."),)),
        Item("3.3", "Input parameters", (_p(f"The assumptions table lists the {len(table)} inputs that differ from "
                                            "tfsim's defaults or carry a note, with their units and distributions; "
                                            "every other value is tfsim's documented default."),)),
        Item("3.4", "Assumptions", (_p(f"{assumed} inputs are marked ASSUMPTION and {fitted} FITTED (tuned so the "
                                       "model reproduces reported figures) in the assumptions table. Built into the "
                                       "model: families' needs are independent; outcomes are decided at the end of "
                                       "an intervention; a family counted as turned around has met the results "
                                       "criteria, which is not proof that the programme changed it."),
                                    _ask("justify the assumptions that matter most to the decision (the "
                                         "sensitivity analysis, tfsim sensitivity, shows which those are)."))),
        Item("4.1", "Initialisation", (_p("A terminating simulation: the run starts on the scenario's start date with "
                                          "the staff in post the file gives, no family yet referred and an empty "
                                          "waiting list" + (f", and a warm-up of {s.warm_up_months:g} months left out "
                                                            "of the statistics" if s.warm_up_months else
                                                            "; no warm-up") + "."),)),
        Item("4.2", "Run length", (_p(f"{horizon}: {months} months, simulated in continuous time (days)."),)),
        Item("4.3", "Estimation approach", (_p(f"{r.replications:,} independent replications with seed {r.seed}; "
                                               "replication i uses NumPy's SeedSequence(seed, spawn_key=(i,)), so the "
                                               "results are the same for any number of processes. Comparisons use "
                                               "common random numbers and paired differences." + precision),
                                            _ask("say why this number of runs is enough for the decision."))),
        Item("5.1", "Software or programming language", (_p(f"tfsim {facts.tfsim_version}, Python {facts.python}, "
                                                            + ", ".join(f"{k} {v}" for k, v in facts.libraries.items())
                                                            + "."),)),
        Item("5.2", "Random sampling", (_p("NumPy Generators (PCG64), one independent stream for each random process "
                                           "(referrals, refusal, each role's durations and outcomes, turnover, ...), "
                                           "keyed by the process's name, so adding a process never changes the draws "
                                           "of the others."),)),
        Item("5.3", "Model execution", (_p("Discrete-event simulation on SimPy's event queue, with events scheduled as "
                                           f"callbacks (event scheduling, not one process per family); run on "
                                           f"{r.jobs} process{'es' if r.jobs != 1 else ''}."),)),
        Item("5.4", "System specification", (_p(f"{facts.system}; the run took {r.elapsed_seconds:.1f} s."
                                                if r.elapsed_seconds else f"{facts.system}."),)),
        Item("6.1", "Computer model sharing statement", (_p(f"tfsim {facts.tfsim_version} (MIT licence). The scenario "
                                                            f"file is '{facts.scenario_file or s.name}' with SHA-256 "
                                                            f"{facts.scenario_sha256 or 'not recorded'}; running it "
                                                            f"with seed {r.seed} and {r.replications:,} runs "
                                                            "reproduces every figure here."),
                                                         _ask("say where readers can get this tfsim version and the "
                                                              "scenario file (a web address or a contact)."))),
    ]
    assert len(items) == 20
    return items


__all__ = ["Item", "Part", "SECTIONS", "stress_items"]
