"""The ``tfsim`` command line.

Exit codes: 0 done, 2 bad input or usage, 1 internal error, 141 when the reader of the
output closed it early (``| head``).  Bad input never shows a traceback: problems are
printed as ``FILE:LINE: key.path: reason``.
"""

from __future__ import annotations

import argparse
import atexit
import importlib.util
import os
import signal
import sys
import threading
from pathlib import Path
from typing import NoReturn


def _exit_quietly(signum, frame):
    """SIGTERM or Ctrl+C while the command line is still starting: nothing to unwind yet, exit 143 or 130.

    Importing the libraries below takes most of a second; a signal then used to end the
    process by default (SIGTERM: status -15) or with a traceback from inside an import.
    """
    raise SystemExit(143 if signum == signal.SIGTERM else 130)


def _hold_signals() -> dict:
    """Exit quietly on SIGTERM and SIGINT from now on (main thread only); the handlers before, to put back."""
    if threading.current_thread() is not threading.main_thread():
        return {}
    previous = {signal.SIGTERM: signal.signal(signal.SIGTERM, _exit_quietly)}
    if signal.getsignal(signal.SIGINT) is signal.default_int_handler:
        previous[signal.SIGINT] = signal.signal(signal.SIGINT, _exit_quietly)
    return previous


def _exit_now(signum, frame):
    """SIGTERM or Ctrl+C while the interpreter shuts down after an error's traceback: exit 143 or 130 at once.

    Python's own handling would end the process by the signal (status -15 or -2) or print
    a traceback from its shutdown.  (A command that returns ends through
    ``_exit_when_finished`` instead.)
    """
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except Exception:  # noqa: BLE001 - a closed or broken stream: nothing more to say
            pass
    os._exit(143 if signum == signal.SIGTERM else 130)


def _put_back(previous: dict) -> None:
    for signum, handler in previous.items():
        signal.signal(signum, handler)


_STARTING = _hold_signals()  # while the imports below run; put back at the end of this module

from tqdm import tqdm  # noqa: E402 - after the handlers above

from tfsim import scenario_commands
from tfsim.catalogue import MONTHLY, SUMMARY, glossary
from tfsim.scenario import read_scenario
from tfsim import files, painter
from tfsim.files import atomic_write_text
from tfsim.scenario.reference import scenario_reference
from tfsim.scenario.diff import NAMING_KEYS, describe_differences
from tfsim.scenario.variants import VariantError
from tfsim.target import target_outlook
from tfsim.ui import options as argtypes
from tfsim.ui.options import add_gui_arguments

EXIT_OK, EXIT_INTERNAL, EXIT_BAD_INPUT = 0, 1, 2
EXIT_SIGPIPE = 141  # as a shell reports a command ended by SIGPIPE (128 + 13)
#: The sensitivity groups of tfsim.whatif.GROUPS, named here so that ``--help`` and ``validate``
#: need not import the what-if layer (a test keeps the two the same).
#: What a scenario argument may be.
SCENARIO_HELP = "a scenario file, or the name of a bundled scenario (tfsim scenarios lists them)"
HISTORY_HELP = ("monthly counts: month (YYYY-MM), then any of referrals, refused, started, closed_turned_around, "
                "closed_other, claims, fte_in_post[.ROLE], waiting_list (docs/calibration.md); or the bundled "
                "sample sevenoaks-2014-history.csv")
SENSITIVITY_GROUPS = ("refusal", "turnover", "time_to_fill", "intervention_length", "outcome_shares", "referral_rate")


def _lazy(name: str):
    """Module ``name``, imported when first used: ``validate`` or ``--help`` then never load pandas,
    matplotlib or the report library (about 0.9 s of start-up)."""
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.find_spec(name)
    loader = importlib.util.LazyLoader(spec.loader)
    spec.loader = loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    loader.exec_module(module)
    parent, _, child = name.rpartition(".")
    setattr(sys.modules[parent], child, module)
    return module


charts = _lazy("tfsim.charts")
experiment = _lazy("tfsim.experiment")
export = _lazy("tfsim.export")
provenance = _lazy("tfsim.provenance")
report = _lazy("tfsim.report")
whatif = _lazy("tfsim.whatif")
histories = _lazy("tfsim.history")
backtesting = _lazy("tfsim.backtest")
calibration = _lazy("tfsim.calibrate")


def _print_problems(result) -> None:
    for problem in result.problems:
        print(problem.format(result.filename))


def cmd_validate(args) -> int:
    result = read_scenario(args.scenario)
    scenario_commands.print_notices(result)
    if result.ok:
        print("ok")
        if args.sources:
            print()
            print(scenario_commands.format_sources(result, scenario_commands.shown_file(args.scenario)))
        return EXIT_OK
    _print_problems(result)
    return EXIT_BAD_INPUT


def _progress_bar(total: int):
    bar = tqdm(total=total, unit="rep", desc="Replications", file=sys.stderr, delay=0.5, leave=False,
               dynamic_ncols=True)

    def update(done: int, _total: int) -> None:
        bar.update(done - bar.n)

    return bar, update


def format_summary(results) -> str:
    """A readable table of the summary metrics, by their plain titles in the catalogue."""
    lines = [
        f"{results.scenario.name}: {results.replications} replications, seed {results.seed}, "
        f"{results.elapsed_seconds:.1f} s",
        "",
        f"{'':<36} {'mean':>14} {'95% CI of mean':>27} {'5th-95th percentile':>27}",
    ]
    for row in results.summary.itertuples(index=False):
        metric = SUMMARY[row.metric]
        # a share's interval reads "42.0% to 45.1%"; counts carry their unit once, after the mean
        ci = f"{metric.format(row.ci_low, unit=False)} to {metric.format(row.ci_high, unit=False)}" \
            if row.ci_low == row.ci_low else "-"
        spread = f"{metric.format(row.p05, unit=False)} to {metric.format(row.p95, unit=False)}" \
            if row.p05 == row.p05 else "-"
        mean = metric.format(row.mean, unit=False) if row.mean == row.mean else "-"
        lines.append(f"{metric.title:<36} {mean:>14} {ci:>27} {spread:>27}  {metric.unit_info.suffix}".rstrip())
    lines += target_lines(results)
    return "\n".join(lines)


def target_lines(results) -> list[str]:
    """The outlook for the scenario's target (none when it sets no target), as in the app's card."""
    outlook = target_outlook(results)
    return [""] + outlook.sentences() if outlook is not None else []


def precision_line(results) -> str:
    """How many replications a run to a precision needed, and how precise its headline figures are."""
    info = results.meta["precision"]
    parts = []
    for name, width in info["half_widths"].items():
        metric = SUMMARY[name]
        if name == "p_target_met":
            parts.append(f"{metric.title.lower()} ±{width * 100:.1f} points")
        else:
            mean = results.value(name)
            share = f"±{width / abs(mean):.1%} of the mean" if mean else f"±{metric.format(width, unit=False)}"
            parts.append(f"{metric.title.lower()} {share}")
    figures = "; ".join(parts) if parts else "no headline figure to measure"
    if info["reached"]:
        return f"Replications chosen for the precision asked: {info['replications']} ({figures})."
    return (f"The precision asked was not reached within {info['replications']} replications "
            f"(the most allowed; {figures}).")


def _output_folder(name: str, out: Path) -> bool:
    """Whether ``out`` can be an output folder; if not, say why (before any replication runs)."""
    try:
        files.check_output_folder(out)
    except OSError as exc:
        print(f"tfsim {name}: cannot write to --out {out}: {exc.strerror}", file=sys.stderr)
        return False
    return True


def _say_if_long(scenario, replications: int, args, precision=None) -> None:
    """Print the estimated time of a long run before it starts (on stderr, like the progress bar)."""
    if args.dask:  # a cluster's speed is not this machine's
        return
    note = experiment.long_run_note(scenario, replications, args.jobs, precision)
    if note:
        print(f"tfsim run: {note[0]} {note[1]} Ctrl+C stops it.", file=sys.stderr, flush=True)


def cmd_run(args) -> int:
    result = read_scenario(args.scenario)
    scenario_commands.print_notices(result)
    if not result.ok:
        _print_problems(result)
        return EXIT_BAD_INPUT
    out = Path(args.out) if args.out else Path("results") / Path(args.scenario).stem
    if not _output_folder("run", out):
        return EXIT_BAD_INPUT
    if args.precision is not None and (not 0 < args.precision < 1 or args.max_replications < 2):
        print("tfsim run: --precision must be between 0 and 1 (0.02 is ±2%) and --max-replications at "
              "least 2", file=sys.stderr)
        return EXIT_BAD_INPUT
    # in tfsim's own process, the charts are drawn by helpers that load matplotlib while the replications
    # run; started here, before the progress bar's thread
    drawing = painter.start() if getattr(args, "own_process", False) else None
    try:
        return _run(args, result, out, drawing)
    finally:
        if drawing is not None:
            drawing.close()


def _run(args, result, out: Path, drawing) -> int:
    if args.precision is not None:
        precision = experiment.Precision(relative=args.precision, first=min(args.replications or 20,
                                                                            args.max_replications),
                                         max_replications=args.max_replications)
        _say_if_long(result.scenario, precision.first, args, precision)
        bar, update = _growing_bar()
        try:
            with experiment.Runner(args.jobs, progress=update, dask=args.dask) as runner:
                results = runner.run_to_precision(result.scenario, args.seed, precision)
        finally:
            bar.close()
    else:
        _say_if_long(result.scenario, args.replications or 100, args)
        bar, update = _progress_bar(args.replications or 100)
        try:
            results = experiment.run_experiment(result.scenario, replications=args.replications or 100,
                                                seed=args.seed, jobs=args.jobs, progress=update, dask=args.dask)
        finally:
            bar.close()
    provenance.attach(results, provenance.ScenarioSource.from_file(args.scenario))
    print(format_summary(results))
    if "precision" in results.meta:
        print()
        print(precision_line(results))
    try:
        paths = export.write_outputs(results, out, painter=drawing)
    except OSError as exc:
        where = exc.filename or out
        print(f"tfsim run: cannot write {where}: {exc.strerror or exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    print()
    print("wrote " + ", ".join(str(p) for p in paths))
    return EXIT_OK


# ---- what-if commands: compare, sweep, goal, sensitivity ------------------------------------


class _BadInput(Exception):
    """What the user asked for cannot be done; the message is printed without a traceback (exit 2)."""


def _load(path: str):
    result = read_scenario(path)
    scenario_commands.print_notices(result)
    if not result.ok:
        _print_problems(result)
        raise _BadInput("")
    return result.scenario


def _growing_bar():
    """A progress bar on stderr whose total grows as a search adds replications."""
    bar = tqdm(total=0, unit="rep", desc="Replications", file=sys.stderr, delay=0.5, leave=False, dynamic_ncols=True)

    def update(done: int, total: int) -> None:
        if bar.total != total:
            bar.total = total
        bar.update(done - bar.n)

    return bar, update


def _check_metric(scenario, name: str) -> None:
    """``name`` must be a summary metric the scenario reports."""
    metric = SUMMARY.get(name)
    if metric is None:
        raise _BadInput(f"--metric {name!r} is not a summary metric; see docs/metrics.md")
    if metric.needs == "money" and scenario.money is None or \
            metric.needs == "money.target" and (scenario.money is None or scenario.money.target is None):
        raise _BadInput(f"--metric {name}: the scenario has no [{metric.needs}] section, so it is not reported")


def _default_metric(scenario) -> str:
    return "p_target_met" if scenario.money is not None and scenario.money.target is not None \
        else "families_turned_around"


def _whatif(name: str, args, body) -> int:
    """Run one what-if command: the shared options, progress, one runner, its writes and exit codes.

    ``body(runner)`` does the runs and returns ``(text, writes)``: the summary to print and
    functions ``write(out_dir) -> path`` that write the files.
    """
    out = Path(args.out) if args.out else Path("results") / f"{Path(args.scenario).stem}-{name}"
    if not _output_folder(name, out):
        return EXIT_BAD_INPUT
    bar, update = _growing_bar()
    try:
        with experiment.Runner(args.jobs, progress=update, dask=args.dask) as runner:
            text, writes = body(runner)
    except _BadInput as exc:
        if str(exc):
            print(f"tfsim {name}: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except (whatif.WhatIfError, VariantError) as exc:
        print(f"tfsim {name}: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    finally:
        bar.close()
    print(text)
    paths = []
    try:
        with files.staged_folder(out) as stage:  # all the files, or none of them
            for write in writes:
                written = Path(write(stage))  # in the staged folder, or a file named on its own (--scenario-out)
                paths.append(out / written.name if written.parent == Path(stage) else written)
    except OSError as exc:
        print(f"tfsim {name}: cannot write {exc.filename or out}: {exc.strerror or exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    print()
    print("wrote " + ", ".join(str(p) for p in paths))
    return EXIT_OK


def _pct(value: float) -> str:
    return "" if value != value else f"{value:.0%}"


def _header(scenario, runs: str, seed: int, seconds: float, jobs: int) -> str:
    return f"{scenario.name}: {runs}, seed {seed}, {seconds:.1f} s on {jobs} process{'es' if jobs > 1 else ''}"


def _change(metric, value: float, decimals: int) -> str:
    """``metric.format_change`` with a difference that rounds to zero shown as ``±0``, never ``-0.0``."""
    scale = 100 if metric.unit in ("share", "probability") else 1
    if value == value and round(value * scale, decimals) == 0:
        value = 0.0
    return metric.format_change(value, decimals)


def _diff_decimals(metric) -> int:
    """Decimals of a mean difference: one more than the metric's own, except for pounds."""
    return metric.decimals + (0 if metric.unit == "gbp" else 1)


def format_comparison(comparison, seconds: float, jobs: int) -> str:
    """The paired differences of every variant, by the catalogue's titles and formats."""
    base = comparison.baseline
    lines = [_header(base.scenario, f"baseline and {len(comparison.variants)} variant(s), {base.replications} "
                     "replications each on the same seeds", base.seed, seconds, jobs)]
    for label, results in comparison.variants:
        lines += ["", f"{label} against {base.scenario.name}"]
        shown = [d.sentence for d in describe_differences(base.scenario, results.scenario, skip=NAMING_KEYS)]
        lines += [f"  {line}" for line in shown[:6]]
        if len(shown) > 6:
            lines.append(f"  ... and {len(shown) - 6} more changes")
        lines += ["", f"{'':<36} {'baseline':>12} {'variant':>12} {'difference':>18} "
                  f"{'95% interval of the difference':>36} {'better in':>9}  verdict"]
        rows = comparison.table[comparison.table["variant"] == label]
        for row in rows.itertuples(index=False):
            metric = SUMMARY[row.metric]
            if row.baseline_mean != row.baseline_mean and row.variant_mean != row.variant_mean:
                continue
            d = _diff_decimals(metric)
            interval = (f"{_change(metric, row.diff_ci_low, d)} to {_change(metric, row.diff_ci_high, d)}"
                        if row.diff_ci_low == row.diff_ci_low else "-")
            lines.append(f"{metric.title:<36} {metric.format(row.baseline_mean, unit=False):>12} "
                         f"{metric.format(row.variant_mean, unit=False):>12} "
                         f"{_change(metric, row.diff_mean, d):>18} {interval:>36} {_pct(row.p_better):>9}  "
                         f"{row.verdict}")
        lines.append("")
        for name in ("families_turned_around", "claims", "net_cost"):
            hit = rows[rows["metric"] == name]
            if hit.empty or not hit.iloc[0].paired_half_width > 0:
                continue
            r, metric = hit.iloc[0], SUMMARY[name]
            d = _diff_decimals(metric) + 1
            lines.append(f"Pairing: the difference in {metric.title.lower()} is known to "
                         f"+-{metric.format(r.paired_half_width, decimals=d)} against "
                         f"+-{metric.format(r.independent_half_width, decimals=d)} from independent runs "
                         f"({r.independent_half_width / r.paired_half_width:.1f} times narrower).")
    return "\n".join(lines)


def cmd_compare(args) -> int:
    def body(runner):
        baseline = _load(args.scenario)
        variants = [(path, _load(path)) for path in args.variants]
        names = [baseline.name] + [s.name for _, s in variants]
        labels = [s.name if names.count(s.name) == 1 else Path(path).stem for path, s in variants]
        if len(set(labels)) != len(labels):
            labels = [f"{Path(path).stem} ({i + 1})" for i, (path, _) in enumerate(variants)]
        series, _, role = args.metric.partition(".")
        info = MONTHLY.get(series)
        roles = [r.id for r in baseline.roles]
        if info is None or (info.needs and baseline.money is None) or (role and (not info.per_role or
                                                                                 role not in roles)) \
                or (not role and not info.total):
            raise _BadInput(f"--metric {args.metric!r} is not a monthly series this scenario reports (a role's "
                            f"series is NAME.ROLE, e.g. in_service.{roles[0]}); see docs/metrics.md")
        comparison = whatif.compare(baseline, list(zip(labels, [s for _, s in variants])), args.replications,
                                    args.seed, runner)
        provenance.attach(comparison.baseline, provenance.ScenarioSource.from_file(args.scenario))
        for (path, _), (_, results) in zip(variants, comparison.variants):
            provenance.attach(results, provenance.ScenarioSource.from_file(path))
        text = format_comparison(comparison, runner.elapsed_seconds, runner.jobs)
        return text, [lambda out: export.write_csv(comparison.table[whatif.COMPARE_COLUMNS], out / "compare.csv"),
                      lambda out: export.write_chart(charts.plot_difference, comparison, out / "compare.png", metric=series,
                                              role=role or None)]
    return _whatif("compare", args, body)


def _point_text(point, paths) -> str:
    return ", ".join(f"{p}={whatif.describe_value(point.values[p])}" for p in paths)


def cmd_sweep(args) -> int:
    def body(runner):
        scenario = _load(args.scenario)
        axes = [whatif.parse_vary(v) for v in args.vary]
        metric_name = args.metric or _default_metric(scenario)
        _check_metric(scenario, metric_name)
        result = whatif.sweep(scenario, axes, args.replications, args.seed, runner)
        metric = SUMMARY[metric_name]
        lines = [_header(scenario, f"{len(result.points)} points x {args.replications} replications on the same "
                         "seeds", args.seed, runner.elapsed_seconds, runner.jobs), "",
                 f"{metric.title} ({'mean, 95% interval' if metric.kind.value != 'probability' else 'share of runs, 95% Wilson interval'}):"]
        table = result.table()
        for point in result.points:
            where = _point_text(point, result.paths)
            if point.error:
                lines.append(f"  {where}: not a valid scenario: {point.error}")
                continue
            row = whatif.point_table(point.results)
            row = row[row["metric"] == metric_name].iloc[0]
            lines.append(f"  {where}: {metric.format(row['mean'])} ({metric.format(row['ci_low'], unit=False)} to "
                         f"{metric.format(row['ci_high'], unit=False)})")
        if not result.valid:
            print("\n".join(lines))
            raise _BadInput("no point of the sweep is a valid scenario")
        return "\n".join(lines), [lambda out: export.write_csv(table, out / "sweep.csv"),
                                  lambda out: export.write_chart(charts.plot_sweep, result, out / "sweep.png", metric=metric_name)]
    return _whatif("sweep", args, body)


def format_goal(scenario, goal, seconds: float, jobs: int) -> str:
    """The goal seek's two answers in words, then its notes."""
    t = scenario.money.target
    what = t.counted
    lines = [_header(scenario, f"{len(goal.points)} values, {goal.replications} replications in all",
                     goal.seed, seconds, jobs),
             f"Goal: a {goal.level:.0%} chance of meeting the target ({t.families:,} {what} by "
             f"{t.deadline:%-d %B %Y} in the file), varying {goal.path} from "
             f"{whatif.describe_value(goal.candidates[0])} to {whatif.describe_value(goal.candidates[-1])}.", ""]
    word = "Smallest" if goal.increasing else "Largest"
    for title, value in ((f"{word} value, point estimate", goal.estimate),
                         (f"{word} value reaching it with 95% confidence", goal.confident)):
        if value is None:
            lines.append(f"{title}: none in the range.")
            continue
        p = goal.point(value)
        low, high = p.interval
        lines.append(f"{title}: {whatif.describe_value(value)} (chance {p.probability:.0%}, 95% interval "
                     f"{low:.0%} to {high:.0%}, {p.runs} runs)")
    lines += [""] + [f"Note: {n}" for n in goal.notes] if goal.notes else []
    if goal.monotone:
        lines.append("The values evaluated are consistent with a chance that changes in one direction only.")
    return "\n".join(lines)


def cmd_goal(args) -> int:
    def body(runner):
        scenario = _load(args.scenario)
        low, high = whatif.parse_value(args.min), whatif.parse_value(args.max)
        step = whatif.parse_value(args.step) if args.step else None
        if args.max_replications is not None and args.max_replications < args.replications:
            raise _BadInput("--max-replications must be at least --replications")
        goal = whatif.goal_seek(scenario, args.vary, low, high, args.target_probability, args.replications, args.seed,
                                runner, step=step, max_replications=args.max_replications, scan=args.scan)
        text = format_goal(scenario, goal, runner.elapsed_seconds, runner.jobs)
        return text, [lambda out: export.write_csv(goal.table(), out / "goal.csv"),
                      lambda out: export.write_chart(charts.plot_goal, goal, out / "goal.png")]
    return _whatif("goal", args, body)


def cmd_sensitivity(args) -> int:
    def body(runner):
        if not 0 < args.range < 1:
            raise _BadInput("--range must be between 0 and 1 (0.2: 20% either way)")
        if args.trajectories < 2:
            raise _BadInput("--trajectories must be at least 2")
        scenario = _load(args.scenario)
        metric_name = args.metric or "families_turned_around"
        _check_metric(scenario, metric_name)
        metric = SUMMARY[metric_name]
        specs = args.inputs or whatif.DEFAULT_INPUTS
        inputs, notes = [], []
        for spec in specs:
            try:
                inputs.append(whatif.make_input(scenario, spec, args.range))
            except whatif.WhatIfError as exc:
                if args.inputs:
                    raise
                notes.append(str(exc))
        if args.method == "morris":
            result = whatif.morris(scenario, inputs, args.replications, args.seed, runner,
                                   trajectories=args.trajectories)
            rows = result.table[result.table["metric"] == metric_name].sort_values("mu_star", ascending=False)
            lines = [_header(scenario, f"Morris screening, {result.runs} scenarios x {args.replications} "
                             "replications", args.seed, runner.elapsed_seconds, runner.jobs), "",
                     f"{metric.title}: mean absolute effect over each input's range (mu*), its 95% interval, and "
                     "the spread of effects (sigma)"]
            for r in rows.itertuples():
                lines.append(f"  {r.input:<36} mu* {metric.format(r.mu_star):>14} +- "
                             f"{metric.format(r.mu_star_conf, unit=False):<10} sigma {metric.format(r.sigma)}")
            notes += result.skipped
            writes = [lambda out: export.write_csv(result.table, out / "morris.csv"),
                      lambda out: export.write_chart(charts.plot_morris, result, out / "morris.png", metric=metric_name)]
        else:
            result = whatif.tornado(scenario, inputs, args.replications, args.seed, runner)
            lines = [_header(scenario, f"{len(result.inputs)} inputs at a low and a high setting, "
                             f"{args.replications} replications each on the base's seeds", args.seed,
                             runner.elapsed_seconds, runner.jobs), "",
                     f"{metric.title}: base {metric.format(result.base.value(metric_name))}; change at each "
                     "setting (95% interval), widest first"]
            for r in result.bars(metric_name).itertuples():
                lines.append(f"  {r.label} ({r.input})")
                for side in ("low", "high"):
                    d = _diff_decimals(metric)
                    lines.append(f"    {getattr(r, f'{side}_setting'):>10}: {_change(metric, getattr(r, side), d):>16}"
                                 f" ({_change(metric, getattr(r, f'{side}_ci_low'), d)} to "
                                 f"{_change(metric, getattr(r, f'{side}_ci_high'), d)}) "
                                 f"{getattr(r, f'{side}_verdict')}")
            notes += result.skipped
            table = result.table.drop(columns=["variant", "verdict", "paired_half_width", "independent_half_width"],
                                      errors="ignore")
            writes = [lambda out: export.write_csv(table, out / "sensitivity.csv"),
                      lambda out: export.write_chart(charts.plot_tornado, result, out / "tornado.png", metric=metric_name)]
        lines += [""] + [f"Skipped: {n}" for n in notes] if notes else []
        return "\n".join(lines), writes
    return _whatif("sensitivity", args, body)


def cmd_report(args) -> int:
    """The business case: run the scenario (a baseline, a staffing check) and write one Word document."""
    name = "report"
    if args.replications < 2:
        print(f"tfsim {name}: --replications must be at least 2 (intervals need two runs)", file=sys.stderr)
        return EXIT_BAD_INPUT
    try:
        report.load_template(args.template)  # a bad template fails now, not after the runs
    except report.TemplateError as exc:
        print(f"tfsim {name}: --template {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    out = Path(args.out) if args.out else Path("results") / f"{Path(args.scenario).stem}-report.docx"
    if out.suffix.lower() != ".docx":
        print(f"tfsim {name}: --out {out}: the report is a Word document; give a name ending in .docx",
              file=sys.stderr)
        return EXIT_BAD_INPUT
    if out.is_dir() or not _output_folder(name, out.parent):
        if out.is_dir():
            print(f"tfsim {name}: --out {out}: is a folder; give a file name ending in .docx", file=sys.stderr)
        return EXIT_BAD_INPUT
    try:
        scenario = _load(args.scenario)
        baseline = _load(args.baseline) if args.baseline else None
    except _BadInput:
        return EXIT_BAD_INPUT
    bar, update = _growing_bar()
    try:
        with experiment.Runner(args.jobs, progress=update, dask=args.dask) as runner:
            runs = report.prepare(scenario, args.replications, args.seed, runner, baseline=baseline)
    finally:
        bar.close()
    provenance.attach(runs.results, provenance.ScenarioSource.from_file(args.scenario))
    if runs.baseline is not None:
        provenance.attach(runs.baseline, provenance.ScenarioSource.from_file(args.baseline))
    print("\n".join(target_lines(runs.results)[1:]) or format_summary(runs.results))
    try:
        path = report.write_report(runs, out, args.template)
    except report.TemplateError as exc:
        print(f"tfsim {name}: --template {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except OSError as exc:
        print(f"tfsim {name}: cannot write {exc.filename or out}: {exc.strerror or exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    print()
    print(f"wrote {path}")
    return EXIT_OK


# ---- the council's own history: backtest and calibrate -----------------------------------------


def _load_history(path: str, scenario):
    """The history file checked on its own and against the scenario; its problems printed as FILE:LINE: column: reason."""
    result = histories.read_history(path)
    problems = result.problems if not result.ok else histories.check_against(result.history, scenario)
    if problems:
        for problem in problems:
            print(problem.format(result.filename))
        raise _BadInput("")
    return result.history


def _chart_name(label: str) -> str:
    return label.replace(".", "-")


def cmd_backtest(args) -> int:
    def body(runner):
        scenario = _load(args.scenario)
        history = _load_history(args.history, scenario)
        bt = backtesting.backtest(scenario, history, args.replications, args.seed, runner)
        provenance.attach(bt.results, provenance.ScenarioSource.from_file(args.scenario))
        writes = [lambda out: export.write_csv(bt.table(), out / "backtest.csv"),
                  lambda out: export.write_csv(bt.errors(), out / "backtest-errors.csv"),
                  lambda out: export.write_manifest(bt, out / "run.json")]
        for fit in bt.series:
            writes.append(lambda out, label=fit.label: export.write_chart(
                charts.plot_backtest, bt, out / f"backtest-{_chart_name(label)}.png", series=label))
        return backtesting.format_backtest(bt), writes
    return _whatif("backtest", args, body)


def cmd_calibrate(args) -> int:
    def body(runner):
        scenario = _load(args.scenario)
        history = _load_history(args.history, scenario)
        try:
            fits = [calibration.parse_fit(scenario, spec) for spec in args.fit]
            if args.fit_until is not None and histories.month_problem(args.fit_until) is not None:
                raise calibration.CalibrationError(f"--fit-until {histories.month_problem(args.fit_until)}")
            cal = calibration.calibrate(
                scenario, history, fits, runner, particles=args.particles, replications=args.replications,
                generations=args.generations, holdout=args.holdout, fit_until=args.fit_until, seed=args.seed,
                block=args.block_months, check_replications=args.check_replications, note=lambda line: tqdm.write(line, file=sys.stderr))
        except calibration.CalibrationError as exc:
            raise _BadInput(str(exc)) from None
        except histories.HistoryError as exc:
            for problem in exc.problems:
                print(problem.format(exc.filename))
            raise _BadInput("") from None
        for run in cal.check_runs:
            provenance.attach(run, provenance.ScenarioSource.from_file(args.scenario))
        original = Path(args.scenario).read_text(encoding="utf-8-sig")
        fitted_path = Path(args.scenario_out) if args.scenario_out else None

        def write_fitted(out):
            target = fitted_path or out / f"{Path(args.scenario).stem}-fitted.toml"
            target.parent.mkdir(parents=True, exist_ok=True)
            atomic_write_text(target, calibration.fitted_toml(original, cal))
            return target

        _, after = cal.backtests()
        holdout_from = cal.holdout_months[0] if cal.holdout_months else None
        writes = [write_fitted,
                  lambda out: export.write_csv(cal.table(), out / "calibrate.csv"),
                  lambda out: export.write_csv(cal.generation_table(), out / "generations.csv"),
                  lambda out: export.write_csv(cal.particle_table(), out / "particles.csv"),
                  lambda out: export.write_csv(cal.holdout_table(), out / "holdout.csv"),
                  lambda out: export.write_manifest(cal, out / "run.json")]
        for k, fit in enumerate(cal.fits):
            writes.append(lambda out, k=k, path=fit.path: export.write_chart(
                charts.plot_posterior, cal, out / f"posterior-{_chart_name(path)}.png", index=k))
        for fit in after.series:
            writes.append(lambda out, label=fit.label: export.write_chart(
                charts.plot_backtest, after, out / f"fitted-{_chart_name(label)}.png", series=label,
                holdout_from=holdout_from, fitted=True))
        return calibration.format_calibration(cal, runner.jobs), writes
    return _whatif("calibrate", args, body)


def cmd_docs(args) -> int:
    documents = [(Path(args.out), scenario_reference()), (Path(args.metrics_out), glossary())]
    if args.check:
        stale = [target for target, text in documents
                 if (target.read_text(encoding="utf-8") if target.exists() else "") != text]
        for target in stale:
            print(f"{target} is stale; run `tfsim docs` to regenerate it", file=sys.stderr)
        if stale:
            return EXIT_BAD_INPUT
        print("ok")
        return EXIT_OK
    for target, text in documents:
        try:  # outside a checkout there is no docs folder yet: make it
            target.parent.mkdir(parents=True, exist_ok=True)
            atomic_write_text(target, text)
        except OSError as exc:
            print(f"tfsim docs: cannot write {exc.filename or target}: {exc.strerror or exc}", file=sys.stderr)
            return EXIT_BAD_INPUT
        print(f"wrote {target}")
    return EXIT_OK


def _gui_import_problem(exc: ImportError) -> str:
    """What to do when the desktop app's libraries cannot be imported, in one line."""
    missing = getattr(exc, "name", None) or ""
    if isinstance(exc, ModuleNotFoundError) and missing.split(".")[0] in ("PySide6", "shiboken6", "tomlkit"):
        return (f"the desktop app needs {missing.split('.')[0]}, which this Python does not have; install the app's "
                f"libraries with `{sys.executable} -m pip install 'pyside6-essentials>=6.6' 'tomlkit>=0.12'` (or "
                "run `bash scripts/setup.sh` in the tfsim folder)")
    return (f"the desktop app's Qt libraries cannot load ({exc}); install Qt's system libraries (as root, `bash "
            "scripts/setup.sh` in the tfsim folder, or apt-get install libegl1 libgl1 libxkbcommon0 libfontconfig1)")


def cmd_gui(args) -> int:
    problem = argtypes.screen_problem()
    if problem is not None and args.screenshot:  # a picture needs no screen: draw off screen
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
        problem = None
    if problem is not None:
        print(f"tfsim gui: {problem}", file=sys.stderr)
        return EXIT_BAD_INPUT
    try:
        from tfsim.ui.app import run as run_gui
    except ImportError as exc:
        print(f"tfsim gui: {_gui_import_problem(exc)}", file=sys.stderr)
        return EXIT_BAD_INPUT
    return run_gui(args)


def gui_main(argv: list[str] | None = None) -> int:
    """``tfsim-gui [SCENARIO] [--run] [--screenshot FILE]``: the app, with the checks of ``tfsim gui``."""
    try:
        args = argtypes.parse_gui_args(sys.argv[1:] if argv is None else list(argv))
    except SystemExit as stop:
        return stop.code if isinstance(stop.code, int) else EXIT_BAD_INPUT
    return cmd_gui(args)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="tfsim", description="Caseload-planning and staffing simulator "
                                     "for family intervention programmes.")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    run = sub.add_parser("run", help="run a scenario and write summary.csv, monthly.csv and forecast.png")
    run.add_argument("scenario", type=argtypes.path_text, metavar="SCENARIO", help=SCENARIO_HELP)
    run.add_argument("--replications", "-n", type=argtypes.replications, help="replications (default 100; with --precision, the "
                     "first batch, default 20)")
    run.add_argument("--precision", type=float, nargs="?", const=0.02, metavar="SHARE",
                     help="run batches until the headline figures' 95%% intervals are within SHARE of the mean "
                          "(default 0.02: ±2%%) and the chance of meeting the target within ±0.05")
    run.add_argument("--max-replications", type=argtypes.replications, default=2000, metavar="N",
                     help="with --precision, the most replications (default 2000)")
    run.add_argument("--seed", type=argtypes.seed, default=12345, help="random seed (default 12345)")
    _engine_options(run)
    run.add_argument("--out", type=argtypes.path_text, metavar="DIR", help="output folder (default results/<scenario name>)")
    run.set_defaults(func=cmd_run)

    val = sub.add_parser("validate", help="check a scenario file; prints ok or one line per problem")
    val.add_argument("scenario", type=argtypes.path_text, metavar="SCENARIO", help=SCENARIO_HELP)
    val.add_argument("--sources", action="store_true", help="also list the values the file marks FITTED or "
                     "ASSUMPTION, those it sources and those with no note, each with the comment beside it")
    val.set_defaults(func=cmd_validate)

    docs = sub.add_parser("docs", help="write the scenario format reference (from the schema) and the outputs "
                          "glossary (from the catalogue)")
    docs.add_argument("--out", default="docs/scenario-format.md", type=argtypes.path_text, help="scenario format reference (default "
                      "docs/scenario-format.md in this folder; the folder is made if missing)")
    docs.add_argument("--metrics-out", default="docs/metrics.md", type=argtypes.path_text, help="glossary of every output (default "
                      "docs/metrics.md)")
    docs.add_argument("--check", action="store_true", help="fail if the file is out of date")
    docs.set_defaults(func=cmd_docs)

    rep = sub.add_parser("report", help="the business case: one Word document (.docx) with the summary, charts, "
                         "key figures, assumptions, model and STRESS-DES appendix")
    rep.add_argument("scenario", type=argtypes.path_text, metavar="SCENARIO", help=SCENARIO_HELP)
    rep.add_argument("--baseline", type=argtypes.path_text, metavar="BASE.toml", help="a baseline scenario to compare with, run on the same "
                     "seeds")
    rep.add_argument("--replications", "-n", type=argtypes.replications, default=100, help="replications (default 100)")
    rep.add_argument("--seed", type=argtypes.seed, default=12345, help="random seed (default 12345)")
    _engine_options(rep)
    rep.add_argument("--template", type=argtypes.path_text, metavar="TEMPLATE.docx", help="a Word document whose styles, header and footer "
                     "the report uses (default: tfsim's own; see docs/report.md)")
    rep.add_argument("--out", type=argtypes.path_text, metavar="REPORT.docx", help="the report (default results/<scenario>-report.docx)")
    rep.set_defaults(func=cmd_report)

    gui = add_gui_arguments(sub.add_parser("gui", help="open the desktop app"))
    gui.set_defaults(func=cmd_gui)
    _whatif_parsers(sub)
    scenario_commands.add_parsers(sub)
    return parser


def _run_options(parser, replications: int):
    parser.add_argument("--replications", "-n", type=argtypes.replications, default=replications,
                        help=f"replications of each scenario or point (default {replications})")
    parser.add_argument("--seed", type=argtypes.seed, default=12345, help="random seed, shared by every scenario (default 12345)")
    _engine_options(parser)
    parser.add_argument("--out", type=argtypes.path_text, metavar="DIR", help="output folder (default results/<scenario name>-<command>)")
    return parser


def _engine_options(parser) -> None:
    """Where replications run: ``--jobs`` and ``--dask``, the same on every command that runs."""
    parser.add_argument("--jobs", "-j", type=argtypes.jobs, default=0,
                        help="worker processes: 1 = this process only, N = N processes, 0 (default) = one per "
                             "core when the work is big enough for that to be faster")
    parser.add_argument("--dask", metavar="ADDRESS",
                        help="run on Dask distributed: a scheduler address (tcp://host:8786) or 'local' for a "
                             "cluster on this machine (needs pip install 'tfsim[dask]')")


def _whatif_parsers(sub) -> None:
    cmp = sub.add_parser("compare", help="paired comparison of a baseline and variants on the same seeds: "
                         "compare.csv and compare.png")
    cmp.add_argument("scenario", type=argtypes.path_text, metavar="BASELINE", help=SCENARIO_HELP)
    cmp.add_argument("variants", type=argtypes.path_text, metavar="VARIANT.toml", nargs="+")
    cmp.add_argument("--metric", default="turned_around_cumulative",
                     help="monthly series for the difference chart, NAME or NAME.ROLE (default "
                     "turned_around_cumulative)")
    _run_options(cmp, 100).set_defaults(func=cmd_compare)

    swp = sub.add_parser("sweep", help="run a scenario over values of one or two key paths: sweep.csv and sweep.png")
    swp.add_argument("scenario", type=argtypes.path_text, metavar="SCENARIO", help=SCENARIO_HELP)
    swp.add_argument("--vary", action="append", required=True, metavar="PATH=VALUES",
                     help="key path and values: 4,5,6 or START:STOP:STEP (dates step by days, or 2w, 1m, 1y); "
                          "give twice for a two-way sweep")
    swp.add_argument("--metric", help="summary metric to chart (default p_target_met with a target, else "
                     "families_turned_around)")
    _run_options(swp, 50).set_defaults(func=cmd_sweep)

    goal = sub.add_parser("goal", help="the value of a key path at which the chance of meeting the target "
                          "reaches a level: goal.csv and goal.png")
    goal.add_argument("scenario", type=argtypes.path_text, metavar="SCENARIO", help=SCENARIO_HELP)
    goal.add_argument("--vary", required=True, metavar="PATH", help="key path to search (e.g. "
                      "roles.fip.in_post_fte.count, roles.fip.caseload_cap_per_fte, staffing_plan.3.date)")
    goal.add_argument("--min", required=True, metavar="A", help="smallest value (a number or a date)")
    goal.add_argument("--max", required=True, metavar="B", help="largest value")
    goal.add_argument("--target-probability", type=float, default=0.9, metavar="P",
                      help="chance of meeting the target asked for (default 0.9)")
    goal.add_argument("--step", help="resolution of the search (default 1 for whole numbers, 1/32 of the range "
                      "otherwise, 1 day for dates; 2w, 1m also work)")
    goal.add_argument("--max-replications", type=argtypes.replications, metavar="N",
                      help="most replications at one value where the decision is close (default 8 x --replications)")
    goal.add_argument("--scan", action="store_true", help="evaluate every value first, to check that the chance "
                      "changes in one direction only")
    _run_options(goal, 50).set_defaults(func=cmd_goal)

    sens = sub.add_parser("sensitivity", help="tornado (or Morris screening) of uncertain inputs: "
                          "sensitivity.csv and tornado.png, or morris.csv and morris.png")
    sens.add_argument("scenario", type=argtypes.path_text, metavar="SCENARIO", help=SCENARIO_HELP)
    sens.add_argument("--inputs", nargs="+", metavar="INPUT",
                      help="inputs: a group (" + ", ".join(SENSITIVITY_GROUPS) + ") or a key path, optionally "
                      "NAME=LOW,HIGH (factors for a group or a distribution); default: all the groups")
    sens.add_argument("--range", type=float, default=0.2, help="relative move either way without LOW,HIGH "
                      "(default 0.2: 20%%)")
    sens.add_argument("--metric", help="summary metric of the chart and summary (default families_turned_around)")
    sens.add_argument("--method", choices=["tornado", "morris"], default="tornado",
                      help="tornado (one at a time, paired) or morris (elementary effects, needs SALib)")
    sens.add_argument("--trajectories", type=int, default=10, help="Morris trajectories (default 10)")
    _run_options(sens, 50).set_defaults(func=cmd_sensitivity)

    back = sub.add_parser("backtest", help="run a scenario over a council's monthly history and compare every "
                          "counted series: backtest.csv, backtest-errors.csv and a chart a series")
    back.add_argument("scenario", type=argtypes.path_text, metavar="SCENARIO", help=SCENARIO_HELP)
    back.add_argument("history", type=argtypes.path_text, metavar="HISTORY.csv", help=HISTORY_HELP)
    _run_options(back, 100).set_defaults(func=cmd_backtest)

    cal = sub.add_parser("calibrate", help="fit scenario values to a council's monthly history by approximate "
                         "Bayesian computation: each value's 90%% interval, a hold-out check and the fitted scenario")
    cal.add_argument("scenario", type=argtypes.path_text, metavar="SCENARIO", help=SCENARIO_HELP)
    cal.add_argument("history", type=argtypes.path_text, metavar="HISTORY.csv", help=HISTORY_HELP)
    cal.add_argument("--fit", action="append", required=True, metavar="PATH[=LOW:HIGH]",
                     help="a value to fit and its prior range (default half to one and a half times its value; a "
                          "distribution or a group such as referral_rate by a factor, default 0.5:1.5); give one "
                          "to five")
    cal.add_argument("--particles", type=int, default=100, help="particles in each generation (default 100)")
    cal.add_argument("--generations", type=int, default=6, help="most generations after the prior (default 6)")
    cal.add_argument("--holdout", type=float, default=0.25, metavar="SHARE",
                     help="share of the history's last months left out of the fit and used to check it (default "
                          "0.25; 0 fits on every month)")
    cal.add_argument("--fit-until", metavar="YYYY-MM", help="fit on the months up to this one, hold out the rest")
    cal.add_argument("--block-months", type=int, default=6, metavar="N",
                     help="months each summary (a series' total) covers (default 6)")
    cal.add_argument("--check-replications", type=int, default=50, metavar="N",
                     help="replications of the scenario as written and as fitted for the hold-out check (default 50)")
    cal.add_argument("--scenario-out", metavar="FITTED.toml",
                     help="where to write the fitted scenario (default DIR/<scenario>-fitted.toml)")
    _run_options(cal, 1)
    cal.set_defaults(func=cmd_calibrate)
    for action in cal._actions:
        if action.dest == "replications":
            action.help = "replications of each candidate value set (default 1)"


class Terminated(BaseException):
    """SIGTERM arrived: unwind like Ctrl+C (workers ended, temporary files removed), exit 143."""


#: The signal that stopped the command, if one did.  Third-party code can swallow the exception a
#: signal raises (one arriving while a library is being imported has surfaced as an ImportError),
#: so the exit status follows the signal, not whatever exception comes out.
_SIGNALLED: list[int] = []


def _terminate(signum, frame):
    _SIGNALLED.append(signum)
    raise Terminated()


def _interrupt(signum, frame):
    _SIGNALLED.append(signum)
    raise KeyboardInterrupt()


def _stopped_by_signal() -> int | None:
    """Exit 130 or 143 (with its word on stderr) when a signal stopped the command, else None."""
    if not _SIGNALLED:
        return None
    terminated = _SIGNALLED[0] == signal.SIGTERM
    print("terminated" if terminated else "interrupted", file=sys.stderr)
    return 143 if terminated else 130


def main(argv: list[str] | None = None) -> int:
    """Run the command ``argv`` (the process's own arguments when None) and return its exit code.

    Called with no ``argv``, as the ``tfsim`` command is, it never returns once a command
    other than ``gui`` has finished: see :func:`_exit_when_finished`.
    """
    starting = _hold_signals()  # until the command's own handlers are in place
    try:
        parser = build_parser()
        try:
            args = parser.parse_args(argv)
        except SystemExit as stop:  # usage errors (exit 2) and --help (0), as codes like the commands'
            code = stop.code if isinstance(stop.code, int) else EXIT_BAD_INPUT
        else:
            code = None
    except SystemExit as stop:  # a signal while starting (_exit_quietly)
        code = stop.code
    if code is not None:
        if argv is None and starting:
            _exit_when_finished(code, starting)
        _put_back(starting)
        return code
    # SIGTERM (a service manager, `timeout`, `kill`) unwinds as Ctrl+C does, so worker processes
    # and temporary files go with the run; only the main thread can install a handler
    # (not the app's: Qt owns its event loop, and a killed app's edits come back from its recovery file)
    _SIGNALLED.clear()
    previous = starting
    if args.command == "gui":
        _put_back(starting)
        previous = {}
    elif starting:
        signal.signal(signal.SIGTERM, _terminate)
        if signal.SIGINT in starting:  # Ctrl+C was Python's own, not a caller's
            signal.signal(signal.SIGINT, _interrupt)
    command_line = argv is None and bool(previous)  # the process is tfsim's own, to end as it sees fit
    args.own_process = command_line
    try:
        try:
            code = _run_command(args)
        except (KeyboardInterrupt, Terminated) as stop:  # the signal came as the command was returning its code
            if not _SIGNALLED:
                _SIGNALLED.append(signal.SIGTERM if isinstance(stop, Terminated) else signal.SIGINT)
            code = _stopped_by_signal()
    except BaseException:  # TFSIM_DEBUG's traceback: Python's own exit, with a signal during it exiting quietly
        for signum, handler in previous.items():
            signal.signal(signum, _exit_now if command_line else handler)
        raise
    if command_line:
        _exit_when_finished(code, previous)
    _put_back(previous)
    return code


def _run_command(args) -> int:
    """The exit code of the parsed command ``args``; bad input, signals and internal errors become codes."""
    try:
        scenario_commands.resolve_arguments(args)  # a bundled scenario's name, from any folder
        code = args.func(args)
        if sys.stdout is not None:  # (None under pythonw)
            sys.stdout.flush()  # here, so that a reader that stopped early is met below, not at exit
        return code
    except (KeyboardInterrupt, Terminated):
        _SIGNALLED.append(signal.SIGTERM if isinstance(sys.exception(), Terminated) else signal.SIGINT)
        return _stopped_by_signal()
    except experiment.RunFailed as exc:
        stopped = _stopped_by_signal()  # workers ended by the signal's unwinding
        if stopped is not None:
            return stopped
        print(f"tfsim {args.command}: the run failed: {exc}", file=sys.stderr)
        return EXIT_INTERNAL
    except experiment.RunawayRun as exc:  # a scenario that validates but whose rules make work without end
        where = getattr(args, "scenario", None)
        print(f"tfsim {args.command}: {where + ': ' if where else ''}{exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except BrokenPipeError:  # the reader stopped early (`tfsim diff A B | head`): not an error of tfsim's
        try:  # nothing more reaches the closed pipe, not even Python's flush at exit
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        except (OSError, ValueError):
            pass
        return EXIT_SIGPIPE
    except Exception as exc:  # an internal error: short message, traceback only on request
        stopped = _stopped_by_signal()
        if stopped is not None:
            return stopped
        if os.environ.get("TFSIM_DEBUG"):
            raise
        print(f"tfsim: internal error: {type(exc).__name__}: {exc} (set TFSIM_DEBUG=1 for details)",
              file=sys.stderr)
        return EXIT_INTERNAL


def _exit_when_finished(code: int, held: dict) -> NoReturn:
    """End the ``tfsim`` process once its command has finished: exit functions, streams flushed, ``os._exit``.

    Python's own shutdown puts every signal's default action back (``_PySignal_Fini``)
    before it tears down its modules, which for numpy, pandas and matplotlib takes a good
    part of a second; a SIGTERM or Ctrl+C then ended the process by the signal itself
    (status -15 or -2, as if killed part-way) although its outputs were complete, in about
    one signal in twenty-five sent at a random moment of a short run.  Here the signals in
    ``held`` are only noted while the exit functions run (multiprocessing's, which unlink
    the pool's semaphores so its resource tracker has nothing to report; logging's flush),
    and the process then ends at once, with 143 or 130 if one came.  Nothing is left to
    tear down that the operating system does not: every output is written and closed by now.
    """
    arrived: list[int] = []
    for signum in held:
        signal.signal(signum, lambda number, _frame: arrived.append(number))
    try:
        # what Python's exit runs first: threads joined (and the thread pools' own exit functions), then
        # the exit functions (each one's error is printed, not raised)
        getattr(threading, "_shutdown", lambda: None)()
        atexit._run_exitfuncs()
    except BaseException:  # noqa: BLE001 - ending anyway; the outputs are complete
        pass
    for stream in (sys.stdout, sys.stderr):
        try:
            if stream is not None:
                stream.flush()
        except Exception:  # noqa: BLE001 - a closed or broken stream: nothing more to say
            pass
    if arrived:
        code = 143 if arrived[0] == signal.SIGTERM else 130
    os._exit(code if isinstance(code, int) and 0 <= code <= 255 else EXIT_INTERNAL)


_put_back(_STARTING)  # importing this module changes no handler

if __name__ == "__main__":
    sys.exit(main())
