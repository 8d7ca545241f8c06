"""The ``tfsim`` command line.

Exit codes: 0 done, 2 bad input or usage, 1 internal error.  Bad input never shows a
traceback: problems are printed as ``FILE:LINE: key.path: reason``.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from tfsim.catalogue import SUMMARY
from tfsim.target import target_outlook
from tfsim.ui.options import add_gui_arguments

EXIT_OK, EXIT_INTERNAL, EXIT_BAD_INPUT = 0, 1, 2


def _print_problems(result) -> None:
    for problem in result.problems:
        print(problem.format(result.filename))


def cmd_validate(args) -> int:
    from tfsim.scenario import read_scenario

    result = read_scenario(args.scenario)
    if result.ok:
        print("ok")
        return EXIT_OK
    _print_problems(result)
    return EXIT_BAD_INPUT


def _progress_bar(total: int):
    from tqdm import tqdm

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


def cmd_run(args) -> int:
    from tfsim.experiment import run_experiment
    from tfsim.export import write_outputs
    from tfsim.scenario import read_scenario

    result = read_scenario(args.scenario)
    if not result.ok:
        _print_problems(result)
        return EXIT_BAD_INPUT
    if args.replications < 1:
        print("tfsim run: --replications must be at least 1", file=sys.stderr)
        return EXIT_BAD_INPUT
    bar, update = _progress_bar(args.replications)
    try:
        results = run_experiment(result.scenario, replications=args.replications, seed=args.seed,
                                 jobs=args.jobs, progress=update)
    finally:
        bar.close()
    print(format_summary(results))
    out = Path(args.out) if args.out else Path("results") / Path(args.scenario).stem
    try:
        paths = write_outputs(results, out)
    except OSError as exc:
        where = exc.filename or out
        print(f"tfsim run: cannot write {where}: {exc.strerror or exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    print()
    print("wrote " + ", ".join(str(p) for p in paths))
    return EXIT_OK


def cmd_docs(args) -> int:
    from tfsim.catalogue import glossary
    from tfsim.scenario.io import atomic_write_text
    from tfsim.scenario.reference import scenario_reference

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
        atomic_write_text(target, text)
        print(f"wrote {target}")
    return EXIT_OK


def cmd_gui(args) -> int:
    try:
        from tfsim.ui.app import run as run_gui
    except ImportError as exc:
        print(f"tfsim gui: the desktop app needs PySide6 ({exc}); install with `pip install tfsim[gui]`",
              file=sys.stderr)
        return EXIT_INTERNAL
    return run_gui(args)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="tfsim", description="Caseload-planning and staffing simulator "
                                     "for family intervention programmes.")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    run = sub.add_parser("run", help="run a scenario and write summary.csv, monthly.csv and forecast.png")
    run.add_argument("scenario", metavar="SCENARIO.toml")
    run.add_argument("--replications", "-n", type=int, default=100, help="replications (default 100)")
    run.add_argument("--seed", type=int, default=12345, help="random seed (default 12345)")
    run.add_argument("--jobs", "-j", type=int, default=1, help="worker processes (default 1; 0 = all cores)")
    run.add_argument("--out", metavar="DIR", help="output folder (default results/<scenario name>)")
    run.set_defaults(func=cmd_run)

    val = sub.add_parser("validate", help="check a scenario file; prints ok or one line per problem")
    val.add_argument("scenario", metavar="SCENARIO.toml")
    val.set_defaults(func=cmd_validate)

    docs = sub.add_parser("docs", help="write the scenario format reference (from the schema) and the outputs "
                          "glossary (from the catalogue)")
    docs.add_argument("--out", default="docs/scenario-format.md", help="scenario format reference")
    docs.add_argument("--metrics-out", default="docs/metrics.md", help="glossary of every output")
    docs.add_argument("--check", action="store_true", help="fail if the file is out of date")
    docs.set_defaults(func=cmd_docs)

    gui = add_gui_arguments(sub.add_parser("gui", help="open the desktop app"))
    gui.set_defaults(func=cmd_gui)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # an internal error: short message, traceback only on request
        if os.environ.get("TFSIM_DEBUG"):
            raise
        print(f"tfsim: internal error: {type(exc).__name__}: {exc} (set TFSIM_DEBUG=1 for details)",
              file=sys.stderr)
        return EXIT_INTERNAL


if __name__ == "__main__":
    sys.exit(main())
