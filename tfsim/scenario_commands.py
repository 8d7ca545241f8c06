"""The command-line commands about scenario files themselves: list, diff, migrate, sources.

``tfsim scenarios`` lists the bundled scenarios; ``tfsim diff`` says in words what differs
between two files; ``tfsim migrate`` rewrites a file at the current schema version;
``tfsim validate --sources`` lists what a file marks FITTED or ASSUMPTION and what it
sources.  Scenario arguments may name a bundled scenario (:func:`resolve_arguments`), so
``tfsim run sevenoaks-2014`` works from any folder.  Exit codes as for every command: 0
done, 2 bad input, 1 internal error.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

from tfsim.scenario import bundled, diff, versions
from tfsim.scenario.io import read_scenario
from tfsim.scenario.locate import line_of
from tfsim.scenario.messages import format_problem

EXIT_OK, EXIT_INTERNAL, EXIT_BAD_INPUT = 0, 1, 2

#: Attributes of parsed arguments that hold a scenario file (or a bundled scenario's name).
SCENARIO_ARGUMENTS = ("scenario", "baseline", "variants", "old", "new")
#: Commands that write the file they are given: a bundled name is never turned into the package's own file.
WRITING_COMMANDS = frozenset({"migrate"})


def resolve_arguments(args) -> None:
    """Replace every bundled scenario name among ``args``' scenario arguments by its file (in place)."""
    if getattr(args, "command", None) in WRITING_COMMANDS:
        return
    for name in SCENARIO_ARGUMENTS:
        value = getattr(args, name, None)
        if isinstance(value, str):
            setattr(args, name, bundled.resolve(value))
        elif isinstance(value, list):
            setattr(args, name, [bundled.resolve(v) if isinstance(v, str) else v for v in value])
    history = getattr(args, "history", None)
    if isinstance(history, str):  # a bundled sample history's name (backtest, calibrate)
        args.history = bundled.resolve_history(history)


# ---- tfsim scenarios ------------------------------------------------------------------------


def format_catalogue(items: list[bundled.BundledScenario], width: int = 100) -> str:
    """The bundled scenarios as a table: name, place, period and one line each, cut to ``width``."""
    if not items:
        return "No bundled scenarios were found in this installation of tfsim."
    name_w = max(len("name"), *(len(i.name) for i in items))
    place_w = max(len("place"), *(len(i.place) for i in items))
    period_w = max(len("period"), *(len(i.period) for i in items))
    lines = [f"{'name':<{name_w}}  {'place':<{place_w}}  {'period':<{period_w}}  about"]
    for i in items:
        head = f"{i.name:<{name_w}}  {i.place:<{place_w}}  {i.period:<{period_w}}  "
        room = max(20, width - len(head))
        about = i.summary if len(i.summary) <= room else i.summary[: room - 3].rstrip() + "..."
        lines.append(head + about)
    example = bundled.DEFAULT_NAME if any(i.name == bundled.DEFAULT_NAME for i in items) else items[0].name
    lines += ["", f"Run one by name from any folder: `tfsim run {example}`; `tfsim gui {example}` opens it as a "
              "template (saving asks for a new file); `tfsim scenarios --paths` prints where the files are."]
    histories = [p.name for p in bundled.bundled_histories()]
    if histories:
        lines.append(f"Sample histories (synthetic, made by the model) for `tfsim backtest` and `tfsim calibrate`, "
                     f"also by name: {', '.join(histories)} (docs/calibration.md).")
    return "\n".join(lines)


def cmd_scenarios(args) -> int:
    items = bundled.catalogue()
    if args.paths:
        for item in items:
            print(item.path)
        return EXIT_OK
    width = shutil.get_terminal_size((110, 24)).columns if sys.stdout.isatty() else 1000  # piped: whole lines
    print(format_catalogue(items, width))
    return EXIT_OK if items else EXIT_INTERNAL


# ---- tfsim diff ------------------------------------------------------------------------------


def shown_file(path: str) -> str:
    """A file in a located message: a bundled scenario by its file name, any other file as given."""
    return Path(path).name if bundled.is_bundled(path) else path


def _shown_name(path: str) -> str:
    """A file as the user knows it: a bundled scenario by its name, any other file as given."""
    return Path(path).stem if bundled.is_bundled(path) else path


def _read_valid(command: str, path: str):
    result = read_scenario(path)
    if not result.ok:
        for problem in result.problems:
            print(problem.format(result.filename))
        _err(command, f"{_shown_name(path)} is not a valid scenario; fix the problems above first")
        return None
    return result.scenario


def cmd_diff(args) -> int:
    old, new = _read_valid("diff", args.old), _read_valid("diff", args.new)
    if old is None or new is None:
        return EXIT_BAD_INPUT
    found = diff.describe_differences(old, new)
    if args.format == "csv":
        sys.stdout.write(diff.differences_csv(found))
    else:
        print(diff.format_differences(found, _shown_name(args.old), _shown_name(args.new)))
    return EXIT_OK


# ---- tfsim validate --sources ------------------------------------------------------------------

#: The groups of ``--sources``, in order: (basis, heading).
SOURCE_GROUPS = (
    ("FITTED", "FITTED: tuned so the model reproduces reported figures"),
    ("ASSUMPTION", "ASSUMPTION: chosen without a source"),
    ("FITTED, ASSUMPTION", "FITTED and ASSUMPTION: the note marks parts of it each way"),
    ("source", "Sourced: the note names where the figure comes from"),
    ("not stated", "Not stated: no note (give a source, or mark it ASSUMPTION)"),
)


def format_sources(result, filename: str | None = None) -> str:
    """What a valid file marks FITTED or ASSUMPTION and what it sources, each input at its line with its note."""
    from tfsim.scenario.inputs import inputs

    name = filename or result.filename
    table = inputs(result.scenario, result.text)
    counts = {basis: sum(1 for x in table if x.basis == basis) for basis, _ in SOURCE_GROUPS}
    words = {"source": "sourced", "not stated": "with no note", "FITTED, ASSUMPTION": "partly FITTED, partly ASSUMPTION"}
    summary = ", ".join(f"{n} {words.get(basis, basis)}" for basis, n in counts.items() if n)
    lines = [f"{name}: {len(table)} inputs differ from tfsim's defaults or carry a note: {summary}"]
    for basis, heading in SOURCE_GROUPS:
        group = [x for x in table if x.basis == basis]
        if not group:
            continue
        lines += ["", f"{heading} ({len(group)})"]
        for x in group:
            unit = f" {x.unit}" if x.unit else ""
            where = f"{name}:{x.line}: " if x.line else ""
            lines.append(f"  {where}{x.path}: {x.section} \u25b8 {x.label} = {x.value}{unit}")
            if x.note:
                lines.append(f"      {x.note}")
    return "\n".join(lines)


# ---- tfsim migrate and the notices of an old file ------------------------------------------------


def print_notices(result) -> None:
    """What reading an older file as the current version changed, one line each on stderr."""
    for notice in getattr(result, "notices", ()):
        print(notice.format(result.filename), file=sys.stderr)


def _version_line(path: Path) -> int:
    """The line of ``schema_version`` in the file (1 when it cannot be read or has none)."""
    try:
        return line_of(path.read_text(encoding="utf-8-sig"), ("schema_version",))
    except (OSError, UnicodeDecodeError, ValueError):
        return 1


def cmd_migrate(args) -> int:
    path = Path(args.file)
    if bundled.is_bundled(path):
        _err("migrate", f"{path} is one of tfsim's bundled scenarios, always at the current version; copy it to "
             "migrate a copy")
        return EXIT_BAD_INPUT
    try:
        done = versions.migrate_file(path, backup=not args.no_backup)
    except versions.NotMigratable as exc:
        print(format_problem(str(path), _version_line(path), "schema_version", str(exc)))
        return EXIT_BAD_INPUT
    except OSError as exc:
        _err("migrate", f"cannot {'read' if not path.exists() else 'write'} {exc.filename or path}: "
             f"{exc.strerror or exc}")
        return EXIT_BAD_INPUT
    if not done.changed:
        print(f"{path}: already schema version {done.new_version}; nothing to do")
        return EXIT_OK
    print(f"{path}: schema version {done.old_version} {diff.ARROW} {done.new_version}"
          + (f" (the old file is kept as {done.backup})" if done.backup else ""))
    for step in done.steps:
        print(f"  version {step.source} {diff.ARROW} {step.source + 1}: {step.summary}")
    for notice in done.notices:
        print(f"  {'.'.join(map(str, notice.path))}: {notice.message}")
    result = read_scenario(path)
    if not result.ok:
        for problem in result.problems:
            print(problem.format(result.filename))
        _err("migrate", f"{path} is migrated but has problems to fix (`tfsim validate {path}`)")
        return EXIT_BAD_INPUT
    return EXIT_OK


def add_parsers(sub) -> None:
    """The scenario-file commands, on the ``tfsim`` subcommand parser ``sub``."""
    lst = sub.add_parser("scenarios", help="list the bundled scenarios (run one by name from any folder)")
    lst.add_argument("--paths", action="store_true", help="print the file of each instead")
    lst.set_defaults(func=cmd_scenarios)

    dif = sub.add_parser("diff", help="what differs between two scenarios, in words (grouped by section)")
    dif.add_argument("old", metavar="A", help="the first scenario (a file or a bundled scenario's name)")
    dif.add_argument("new", metavar="B", help="the second; each line reads from A to B")
    dif.add_argument("--format", choices=["text", "csv"], default="text",
                     help="text (one sentence a line, default) or csv (" + ",".join(diff.CSV_COLUMNS) + ")")
    dif.set_defaults(func=cmd_diff)

    mig = sub.add_parser("migrate", help="rewrite a scenario file at the current schema version (comments kept, "
                         "atomically, the old file kept as FILE.vN.bak)")
    mig.add_argument("file", metavar="FILE.toml", help="the scenario file to update in place")
    mig.add_argument("--no-backup", action="store_true", help="do not keep the old file")
    mig.set_defaults(func=cmd_migrate)


def _err(command: str, text: str) -> None:
    print(f"tfsim {command}: {text}", file=sys.stderr)
