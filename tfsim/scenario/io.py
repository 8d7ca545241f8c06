"""Reading, checking and saving scenario files.

All file I/O for scenarios lives here.  Loading never raises for bad input: it
returns :class:`Problem` objects that name the file, line and key path, which the
CLI prints as ``FILE:LINE: key.path: reason`` (:mod:`tfsim.scenario.messages` writes
that line) and the app lists beside the fields.  A file is plain data: it is read as
TOML and checked against the schema, never executed, and its size and nesting are
bounded before it is parsed, so no file can make loading hang.  Types are strict: a
quoted number or date is text, and is refused with a note on how to write it.
Saving is atomic (write to a temporary file, then rename), so a full disk or a crash
never destroys the previous file, and keeps the comments of the file it replaces
(:func:`data_to_toml`, used by the CLI and the app alike).
"""

from __future__ import annotations

import bisect
import contextlib
import copy
import datetime as dt
import difflib
import gc
import math
import os
import re
import tomllib
import typing
from dataclasses import dataclass, field
from typing import Any, Mapping

import tomli_w
import tomlkit
from pydantic import BaseModel, ValidationError
from tomlkit.items import AoT, InlineTable, Table

from . import versions
from .bundled import unknown_name_hint
from tfsim.files import atomic_write, atomic_write_text, file_mode_for  # noqa: F401  (re-exported: callers import them from here)

from .locate import Scan, line_of, scan
from .messages import MAX_REASON, clean, echo, escape, format_problem, shorten
from .partial import Partial
from .schema import (
    DISTRIBUTION_KINDS,
    EARLIEST_DATE,
    LATEST_DATE,
    SCHEMA_VERSION,
    Scenario,
    ScenarioCrossCheckError,
    cross_check,
)


#: Largest scenario file accepted (bytes).  Real scenarios are a few kilobytes.
MAX_FILE_BYTES = 1_000_000
#: Deepest key path accepted, counting tables, dotted keys and list positions (a scenario
#: needs 5: ``roles.0.outcomes_by_level.high.turned_around``).  The TOML parser's work
#: grows with the square of the depth, so it is bounded before parsing.
MAX_KEY_DEPTH = 16
#: Longest key accepted, in characters (the schema's longest is 40).
MAX_KEY_CHARS = 100
#: Most problems reported for one file; the rest are counted in a last line.
MAX_PROBLEMS = 100


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a scenario, located at a key path and a line.

    The message is kept safe to print: control and bidirectional characters from the
    file are escaped and it is cut to a bounded length (see :mod:`tfsim.scenario.messages`).
    """

    path: tuple
    message: str
    line: int = 1

    def __post_init__(self) -> None:
        object.__setattr__(self, "message", clean(self.message, MAX_REASON))
        object.__setattr__(self, "line", max(1, int(self.line)))

    @property
    def key(self) -> str:
        return clean(".".join(str(p) for p in self.path), 160) or "(file)"

    def format(self, filename: str) -> str:
        return format_problem(filename, self.line, self.key, self.message)


class ScenarioError(Exception):
    """A scenario could not be loaded; ``problems`` says why and where."""

    def __init__(self, filename: str, problems: list[Problem]):
        self.filename = filename
        self.problems = problems
        super().__init__("\n".join(p.format(filename) for p in problems))


@dataclass
class LoadResult:
    """What loading a file gave: the scenario (if valid), the raw data and any problems.

    Problem lines are kept inside the file: none points past its last line.  ``data`` is
    the file's data as written (an older schema version is not rewritten); ``notices``
    say what reading it as the current version changed.
    """

    filename: str
    text: str | None
    data: dict | None
    scenario: Scenario | None
    problems: list[Problem]
    #: What reading an older file changed (renamed keys): not problems, the file loads.
    notices: list[Problem] = field(default_factory=list)

    def __post_init__(self) -> None:
        if self.text is not None:
            last = max(1, self.text.count("\n") + (0 if self.text.endswith("\n") else 1))
            self.problems = [p if p.line <= last else Problem(p.path, p.message, last) for p in self.problems]

    @property
    def ok(self) -> bool:
        return self.scenario is not None and not self.problems


def read_scenario(path: str | os.PathLike) -> LoadResult:
    """Read and check a scenario file, collecting problems instead of raising."""
    filename = str(path)
    try:
        if not os.path.isfile(path) and os.path.exists(path) and not os.path.isdir(path):
            return _fail(filename, (), "is not a regular file (a pipe or a device?); give a scenario file")
        size = os.path.getsize(path)
        if size > MAX_FILE_BYTES:
            return _fail(filename, (), f"file is {size:,} bytes; scenario files may be at most {MAX_FILE_BYTES:,}")
        with open(path, "rb") as fh:
            raw = fh.read(MAX_FILE_BYTES + 1)
    except FileNotFoundError:
        return _fail(filename, (), "no such file" + unknown_name_hint(filename))
    except IsADirectoryError:
        return _fail(filename, (), "is a folder, not a scenario file")
    except (OSError, ValueError) as exc:  # ValueError: a NUL in the path
        return _fail(filename, (), f"cannot be read ({getattr(exc, 'strerror', None) or exc})")
    return parse_scenario_text(raw, filename)


def parse_scenario_text(raw: bytes | str, filename: str = "<scenario>") -> LoadResult:
    """Check scenario file contents given as bytes or text."""
    with _collector_paused():
        return _parse_scenario_text(raw, filename)


@contextlib.contextmanager
def _collector_paused():
    """Pause the cyclic garbage collector while a file is read (a megabyte of keys reads twice as fast).

    Reading builds trees of small tables and lists (the locator's, the parser's, the
    schema's errors) that hold no cycles; with the collector running, each of its
    collections traced every one of them again as they grew, which took half the time of
    reading a file of 60,000 keys or tables.  What little reading leaves in cycles (an
    exception's traceback) is collected when the collector runs next.
    """
    paused = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if paused:
            gc.enable()


def _parse_scenario_text(raw: bytes | str, filename: str) -> LoadResult:
    if isinstance(raw, bytes):
        if len(raw) > MAX_FILE_BYTES:
            return _fail(filename, (), f"file is larger than {MAX_FILE_BYTES:,} bytes")
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            line = raw[: exc.start].count(b"\n") + 1
            return _fail(filename, (), f"is not UTF-8 text (bad byte at position {exc.start})", line)
    else:
        text = raw
        if len(text) > MAX_FILE_BYTES:
            return _fail(filename, (), f"file is larger than {MAX_FILE_BYTES:,} characters")
    if text.startswith("\ufeff"):
        text = text[1:]
    if not text.strip():
        return _fail(filename, (), "file is empty; a scenario needs at least schema_version, name, dates, roles and allocation")
    if "\x00" in text:
        return _fail(filename, (), "contains NUL bytes; is it a binary file?", text[: text.index("\x00")].count("\n") + 1)
    layout = scan(text, stop_depth=MAX_KEY_DEPTH)  # linear in the text: bound the parser's work before parsing
    if layout.depth > MAX_KEY_DEPTH:
        return _fail(filename, layout.depth_path[:MAX_KEY_DEPTH], f"nested more than {MAX_KEY_DEPTH} deep (tables, "
                     "dotted keys and list positions together); scenario files nest at most that deep",
                     layout.depth_line, text)
    if layout.key_chars > MAX_KEY_CHARS:
        where = layout.key_path[:-1] + (shorten(str(layout.key_path[-1]), 30),) if layout.key_path else ()
        return _fail(filename, where, f"a key is {layout.key_chars:,} characters long; keys may be at most "
                     f"{MAX_KEY_CHARS}", layout.key_line, text)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        path, message, line = _toml_problem(exc, text, layout)
        return _fail(filename, path, f"not valid TOML: {message}", line, text=text)
    except RecursionError:
        return _fail(filename, (), "not valid TOML: nested too deeply", text=text)
    if not data:
        return _fail(filename, (), "file is empty (only comments or blank lines); a scenario needs at least "
                     "schema_version, name, dates, roles and allocation", text=text)
    notices: list[Problem] = []
    scenario, problems = check_scenario_data(data, text, layout, notices)
    return LoadResult(filename, text, data, scenario, problems, notices)


def check_data(data: dict, text: str | None = None) -> list[Problem]:
    """Validate parsed data against the schema; problems carry lines when ``text`` is given."""
    return check_scenario_data(data, text)[1]


def check_scenario_data(data: dict, text: str | None = None, layout: Scan | None = None,
                        notices: list | None = None) -> tuple[Scenario | None, list[Problem]]:
    """The scenario for valid ``data``, else ``None`` and every problem, at its line when ``text`` is given.

    Types are strict, as in a TOML file: a number in quotes is text, a date in quotes is
    text.  Cross-field problems are reported with the field-level ones wherever the
    values they need are valid (see :mod:`tfsim.scenario.partial`).  ``layout`` is the
    :func:`~tfsim.scenario.locate.scan` of ``text`` when already made.  A file of an older
    schema version is checked as migrated (:mod:`tfsim.scenario.versions`); what the
    migration did is added to ``notices`` when a list is given.
    """
    table = (layout or scan(text)).lines if text else {}

    def at(path: tuple) -> int:
        return line_of(text, path, table) if text else 1

    if not isinstance(data, dict):
        return None, [Problem((), "is not a table of keys and values", 1)]
    version = data.get("schema_version")
    if version is None:
        return None, [Problem((), f"schema_version is missing; put `schema_version = {SCHEMA_VERSION}` at the top", 1)]
    reason = versions.version_problem(version)
    if reason:
        return None, [Problem(("schema_version",), reason, at(("schema_version",)))]
    if version != SCHEMA_VERSION:  # an older file: read as the current version, saying what changed
        data = copy.deepcopy(data)
        try:
            done = versions.migrate(data)
        except versions.NotMigratable as exc:
            return None, [Problem(("schema_version",), str(exc), at(("schema_version",)))]
        if notices is not None:
            notices += [Problem(n.path, f"{n.message} (this file is schema version {version}; `tfsim migrate` "
                                "updates it)", at(n.path)) for n in done]
    try:
        scenario = Scenario.model_validate(data, strict=True)
    except ValidationError as exc:
        errors = exc.errors(include_url=False)
        problems, hidden = _problems_of(errors, data, MAX_PROBLEMS)
        if not any("ctx" in err and _is_cross(err) for err in errors):  # (a flood of unknown keys has no ctx)
            # field-level problems only: the cross-checks have not run; run those whose values are valid
            seen = {p.path for p in problems}
            try:
                more = cross_check(Partial(Scenario, data, strict=True))
            except Exception:  # a check that assumed valid values; the field problems still stand
                more = []
            problems += [Problem(path, message) for path, message in more if path not in seen]
        return None, _bounded([Problem(p.path, p.message, at(p.path)) for p in problems], hidden)
    return scenario, []


def _is_cross(err: dict) -> bool:
    return isinstance((err.get("ctx") or {}).get("error"), ScenarioCrossCheckError) and not _clean_loc(err["loc"])


def _bounded(problems: list[Problem], hidden: int = 0) -> list[Problem]:
    """At most MAX_PROBLEMS problems; the rest (and ``hidden`` ones never turned into messages) counted in one more."""
    if len(problems) <= MAX_PROBLEMS and not hidden:
        return problems
    shown = problems[: MAX_PROBLEMS - 1]
    rest = len(problems) - len(shown) + hidden
    return shown + [Problem((), f"{rest:,} more problems not shown; fix those above first", shown[-1].line if shown else 1)]


def errors_to_problems(exc: ValidationError, data: Any = None) -> list[Problem]:
    """Turn pydantic's errors into plain-language problems at clean key paths."""
    return _problems_of(exc.errors(include_url=False), data)[0]


def _problems_of(errors: list[dict], data: Any, limit: int | None = None) -> tuple[list[Problem], int]:
    """Problems for pydantic's ``errors``: at most about ``limit`` of them, and how many errors were left out."""
    problems: list[Problem] = []
    for done, err in enumerate(errors):
        if limit is not None and len(problems) >= limit:
            return _unique(problems), len(errors) - done
        ctx = err.get("ctx") or {}
        cause = ctx.get("error")
        loc = _clean_loc(err["loc"])
        if isinstance(cause, ScenarioCrossCheckError):
            problems.extend(Problem(loc + tuple(p), m) for p, m in cause.problems)
            continue
        problems.append(Problem(loc, _message(err, tuple(err["loc"]), data)))
    return _unique(problems), 0


def _unique(problems: list[Problem]) -> list[Problem]:
    """One message per place, in file order of discovery."""
    seen: set = set()
    unique = []
    for p in problems:
        if (p.path, p.message) not in seen:
            seen.add((p.path, p.message))
            unique.append(p)
    return unique


_DIST_TAGS = set(DISTRIBUTION_KINDS)


def _clean_loc(loc: tuple) -> tuple:
    """Drop pydantic's internal location parts (union tags, '[key]' markers)."""
    out: list = []
    for part in loc:
        if isinstance(part, str) and (part.endswith("-keys") or part.startswith("function-")):
            continue
        if part in _DIST_TAGS and out and isinstance(out[-1], str):
            continue  # the tag of a distribution, not a key in the file
        out.append(part)
    return tuple(out)


#: Errors that say a value is of the wrong type or out of bounds; their messages show the value.
_VALUE_ERRORS = {"greater_than_equal", "less_than_equal", "greater_than", "less_than", "literal_error",
                 "int_parsing", "float_parsing", "int_from_float", "date_type", "date_parsing", "string_type",
                 "bool_type", "int_type", "float_type", "string_pattern_mismatch", "list_type", "dict_type",
                 "model_type", "too_long", "too_short", "string_too_long", "string_too_short", "finite_number",
                 "model_attributes_type", "date_from_datetime_inexact", "int_from_float"}
_TYPE_ERRORS = {"int_type", "float_type", "date_type", "bool_type", "model_attributes_type", "model_type",
                "int_parsing", "float_parsing", "date_parsing", "literal_error", "dict_type", "list_type"}
_DATE_TEXT = re.compile(r"^\s*\d{4}-\d{1,2}-\d{1,2}\s*$")


def _message(err: dict, loc: tuple, data: Any) -> str:
    kind = err["type"]
    value = err.get("input")
    if kind == "extra_forbidden":
        name = str(loc[-1]) if loc else ""
        renamed = versions.renamed_key(_clean_loc(loc))
        if renamed is not None:
            return f"unknown key {echo(name)}: schema version {renamed[1]} renamed it '{renamed[0]}'; write '{renamed[0]}'"
        allowed = _allowed_keys(loc[:-1])
        hint = difflib.get_close_matches(name, allowed, n=1, cutoff=0.6) if len(name) <= 100 else []
        suggestion = f"; did you mean '{hint[0]}'?" if hint else (f"; allowed here: {', '.join(sorted(allowed))}" if allowed else "")
        return f"unknown key {echo(name)}{suggestion}"
    if kind == "missing":
        return "is required but missing"
    if kind == "union_tag_invalid":
        tag = (err.get("ctx") or {}).get("tag", "?")
        return f"unknown distribution {echo(str(tag))}; use one of {', '.join(sorted(_DIST_TAGS))}"
    if kind == "union_tag_not_found":
        return "needs a 'distribution' key (or give a plain number for a fixed value)"
    if kind in _TYPE_ERRORS and isinstance(value, str):
        quoted = _quoted_value_hint(value)
        if quoted:
            return quoted
    if kind in ("float_type", "int_type") and isinstance(value, int) and not isinstance(value, bool) \
            and abs(value) > 1e308:
        return f"is too large a number ({len(str(abs(value))):,} digits)"
    if kind == "date_type" and isinstance(value, (dt.datetime, dt.time)):
        return f"must be a date such as 2014-07-14, without a time of day (got {echo(str(value))})"
    if kind in ("greater_than_equal", "less_than_equal") and isinstance(value, dt.date):
        return f"must be a date from {EARLIEST_DATE} to {LATEST_DATE} (got {value})"
    if kind == "finite_number" or (isinstance(value, float) and not math.isfinite(value) and kind in _VALUE_ERRORS):
        return f"must be a finite number, not infinity or nan (got {echo(value)})"
    msg = err["msg"]
    if msg.startswith("Value error, "):
        msg = msg[len("Value error, "):]
    if msg.startswith("Assertion failed, "):
        msg = msg[len("Assertion failed, "):]
    if kind in ("model_attributes_type", "model_type"):
        msg = "Must be a table of keys and values"
    if kind in _VALUE_ERRORS:
        shown = echo(value) if not isinstance(value, (dict, list)) else ("a table" if isinstance(value, dict) else "a list")
        msg = f"{msg[0].lower()}{msg[1:]} (got {shown})"
    return msg


def _quoted_value_hint(value: str) -> str | None:
    """For text where a number or date belongs: the same value written without quotes."""
    text = value.strip()
    try:
        number = float(text.replace("_", ""))
    except ValueError:
        number = None
    if number is not None and text.lower() not in ("inf", "nan", "+inf", "-inf", "infinity"):
        return f"is text {echo(value)}; write the number without quotes: {shorten(text, 30)}"
    if _DATE_TEXT.match(text):
        try:
            date = dt.date.fromisoformat(text)
        except ValueError:
            return f"is text {echo(value)} and not a real date; write a date without quotes, such as 2014-07-14"
        return f"is text {echo(value)}; write the date without quotes: {date.isoformat()}"
    if text.lower() in ("true", "false"):
        return f"is text {echo(value)}; write true or false without quotes"
    return None


def _allowed_keys(loc: tuple) -> list[str]:
    """Keys the schema allows at the table ``loc`` (best effort)."""
    model: Any = Scenario
    for part in loc:
        if isinstance(part, int):
            continue
        if isinstance(model, type) and issubclass(model, BaseModel) and part in model.model_fields:
            ann = model.model_fields[part].annotation
            model = _inner_model(ann)
        elif part in _DIST_TAGS:
            model = DISTRIBUTION_KINDS[part]
        else:
            return []
    if isinstance(model, type) and issubclass(model, BaseModel):
        return list(model.model_fields)
    return []


def _inner_model(annotation: Any) -> Any:
    args = typing.get_args(annotation)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in args:
        found = _inner_model(arg)
        if found is not None:
            return found
    return None


# ---- what the TOML parser says, in plain words, at a line and key ---------------------

_TOML_AT = re.compile(r"\(at (?:line (\d+), column (\d+)|end of document)\)$")
_SLASH_DATE = re.compile(r"(?<![\w.])(\d{1,4})[/.](\d{1,2})[/.](\d{1,4})(?![\w.])")
_DASH_DATE = re.compile(r"(?<![\w.])(\d{4})-(\d{1,2})-(\d{1,2})")
_TIME = re.compile(r"(?<![\w:])\d{1,2}:\d{2}")


def _toml_problem(exc: tomllib.TOMLDecodeError, text: str, layout: Scan) -> tuple[tuple, str, int]:
    """(key path, reason, line) for a TOML syntax error: tomllib's message rewritten in plain words."""
    full = str(exc)
    where = _TOML_AT.search(full)
    reason = full[: where.start()].rstrip() if where else full
    if where and where.group(1):
        line, column = int(where.group(1)), int(where.group(2))
    else:  # at the end of the document: its last line
        line, column = layout.line_count, 0
    line = min(max(1, line), layout.line_count)
    source = _line_text(text, line)
    key = _key_at(layout, line)
    value = source.split("=", 1)[1] if "=" in source else source
    value = value.split("#", 1)[0].strip()

    def earlier(path: tuple) -> int | None:
        for i in range(len(path), 0, -1):
            first = layout.lines.get(path[:i])
            if first is not None and first < line:
                return first
        return None

    if reason.startswith("Cannot overwrite a value") or reason.startswith("Cannot declare"):
        first = earlier(key)
        what = "table" if reason.startswith("Cannot declare") else "key"
        before = f" (first at line {first})" if first else ""
        return key, f"{what} {_dotted(key)} is given twice{before}; give each key once", line
    if reason.startswith("Duplicate inline table key"):
        return key, f"{reason[len('Duplicate inline table key '):]} is given twice in one inline table; give each key once", line
    if reason.startswith(("Cannot mutate immutable namespace", "Cannot redefine namespace")):
        first = earlier(key[:-1]) if len(key) > 1 else None
        before = f" at line {first}" if first else ""
        return key, f"{_dotted(key)} adds to a table already given in full{before}; put all its keys in one place", line
    slash = _SLASH_DATE.search(value)
    if slash and reason.startswith(("Expected newline", "Invalid value")):
        return key, _slash_date_reason(slash), line
    dash = _DASH_DATE.search(value)
    if dash and reason.startswith(("Invalid date", "Expected newline", "Invalid value")):
        return key, f"{dash.group(0)} is not a real date; write dates as year-month-day, such as 2014-07-14", line
    if _TIME.search(value) and reason.startswith(("Expected newline", "Invalid value")):
        return key, "a time of day is not a date; write dates as year-month-day, such as 2014-07-14", line
    if reason == "Invalid value" and re.match(r"^[A-Za-z]", value):
        word = value.split()[0] if value.split() else value
        if word.lower() in ("yes", "no", "on", "off", "true", "false"):
            return key, f"{echo(word)} is not a value; write true or false", line
        return key, f"{echo(word)} is not a value; text must be in quotes, like \"{clean(word, 40)}\"", line
    plain = _TOML_REASONS.get(reason)
    if plain:
        return key, plain, line
    char = re.match(r"(?:Illegal|Found invalid) character '(.*)'$", reason)
    if char:
        code = _char_code(text, line, column)
        return key, f"character {code} is not allowed here (control characters cannot appear in text or comments)", line
    return key, (reason[:1].lower() + reason[1:]) if reason else "cannot be read", line


_TOML_REASONS = {
    "Unterminated string": "a string is not closed: its closing quote is missing",
    "Unclosed array": "a list [...] is not closed: a ] is missing",
    "Unclosed inline table": "an inline table { ... } is not closed: a } is missing (an inline table must be on one line)",
    "Invalid statement": "expected `key = value` or a [table] header",
    "Expected '=' after a key in a key/value pair": "a key needs `= value` after it",
    "Invalid initial character for a key part": "a key must be letters, digits, _ and -, or be in quotes",
    "Unescaped '\\' in a string": "a backslash in a \"...\" string must be doubled (\\\\), or use '...' quotes",
    "Expected newline or end of document after a statement": "unexpected text after the value; one `key = value` per line",
    "Expected ']' at the end of a table declaration": "a table header needs a closing ]",
    "Expected ']]' at the end of an array declaration": "an [[array]] header needs a closing ]]",
    "Invalid date or datetime": "not a real date; write dates as year-month-day, such as 2014-07-14",
    "Invalid value": "is not a value TOML understands (a number, \"text\", true/false, a date, [list] or { table })",
    "Invalid hex value": "a \\u or \\U escape needs hexadecimal digits",
    "Escaped character is not a Unicode scalar value": "a \\u or \\U escape names no character",
}


def _slash_date_reason(m: re.Match) -> str:
    a, b, c = (int(x) for x in m.groups())
    if len(m.group(3)) == 4 and 1 <= b <= 12:
        try:
            date = dt.date(c, b, a)  # English order: day/month/year
        except ValueError:
            date = None
        if date is not None:
            return (f"{m.group(0)} is not a TOML date; write dates as year-month-day: {date.isoformat()} "
                    f"for {date.day} {date:%B} {date.year}")
    return f"{m.group(0)} is not a TOML date; write dates as year-month-day, such as 2014-07-14"


def _line_text(text: str, line: int) -> str:
    """Line ``line`` (1-based, counted by \\n) of ``text``, cut to a few hundred characters."""
    start = 0
    for _ in range(line - 1):
        start = text.find("\n", start) + 1
        if start == 0:
            return ""
    end = text.find("\n", start)
    return text[start: end if end >= 0 else len(text)][:400]


def _char_code(text: str, line: int, column: int) -> str:
    source = _line_text(text, line)
    if 1 <= column <= len(source):
        return escape(source[column - 1]) if not source[column - 1].isprintable() else repr(source[column - 1])
    return "(a control character)"


def _key_at(layout: Scan, line: int) -> tuple:
    """The key defined on ``line``, or on the nearest line above that defines one."""
    lines = list(layout.first_key)  # in line order: the scan reads the text in order
    i = bisect.bisect_right(lines, line) - 1
    return layout.first_key[lines[i]] if i >= 0 else ()


def _dotted(path: tuple) -> str:
    return clean(".".join(str(p) for p in path), 80) or "(file)"


def _fail(filename: str, path: tuple, message: str, line: int = 1, text: str | None = None) -> LoadResult:
    return LoadResult(filename, text, None, None, [Problem(path, message, line)])


def load_scenario(path: str | os.PathLike) -> Scenario:
    """Load a valid scenario or raise :class:`ScenarioError` listing every problem."""
    result = read_scenario(path)
    if not result.ok:
        raise ScenarioError(result.filename, result.problems)
    assert result.scenario is not None
    return result.scenario


# --------------------------------------------------------------------------------------
# Writing
# --------------------------------------------------------------------------------------


def scenario_to_data(scenario: Scenario) -> dict:
    """Plain TOML-ready data for a scenario, ``schema_version`` first, defaults kept."""
    data = scenario.model_dump(mode="python", exclude_none=True)
    _simplify(data)
    ordered = {"schema_version": SCHEMA_VERSION}
    ordered.update({k: v for k, v in data.items() if k != "schema_version"})
    return ordered


def _simplify(node: Any) -> Any:
    """Write fixed distributions back as plain numbers and drop empty optional tables."""
    if isinstance(node, dict):
        for key, value in list(node.items()):
            if isinstance(value, dict) and value.get("distribution") == "fixed" and set(value) == {"distribution", "value"}:
                node[key] = value["value"]
            elif isinstance(value, dict) and value.get("distribution") == "empirical" and value.get("weights") is None:
                value.pop("weights", None)
            else:
                _simplify(value)
    elif isinstance(node, list):
        for item in node:
            _simplify(item)
    return node


def data_to_toml(data: Mapping[str, Any], original: str | None = None,
                 notes: Mapping[tuple, str] | None = None) -> str:
    """TOML text for scenario data, keeping the comments and layout of ``original`` when given.

    The comments in scenario files (sources, assumptions) are as much the user's work
    as the values.  With ``original``, the data is applied onto that text with tomlkit,
    touching only what changed; the result is parsed back and kept only if it gives
    exactly ``data``.  Otherwise (no ``original``, or any
    trouble merging) the data is rendered afresh with tomli_w, ``schema_version``
    first, so the values are never wrong.  Keys whose value is ``None`` are left out.

    Parameters
    ----------
    data
        Plain TOML-ready data (tables as dicts, dates as :class:`datetime.date`), as
        from :func:`scenario_to_data`, :func:`tomllib.loads` or the app's editor.
    original
        The text of the file being replaced, or ``None``.
    notes
        Comments to write beside values, by key path (list items by index): the note the
        app's editor shows for a value, saved as the comment on its line ("" removes it).
        A path that holds no single value in the file is left alone.
    """
    data = _drop_none(dict(data))
    if notes and not original:
        original = _plain_toml(data)
    if original:
        try:
            doc = tomlkit.parse(original)
            _merge(doc, data)
            for path, note in (notes or {}).items():
                set_comment(doc, path, note)
            text = tomlkit.dumps(doc)
            if tomllib.loads(text) == data:
                return text
        except Exception:  # any trouble in tomlkit: fall back to the plain rendering below
            pass
    return _plain_toml(data)


def scenario_to_toml(scenario: Scenario, original: str | None = None) -> str:
    """TOML text for ``scenario``, keeping the comments of ``original`` when given (see :func:`data_to_toml`)."""
    return data_to_toml(scenario_to_data(scenario), original)


def set_comment(doc: Any, path: tuple, note: str) -> bool:
    """Put ``note`` as the comment on the line of the value at ``path`` in a tomlkit document ("" removes it).

    Only a single value is given a comment (a number, a date, text, a list or an inline
    table such as a distribution); a table header or a missing key is left alone.  True
    when the comment was set.
    """
    from .notes import clean_note

    node = doc
    try:
        for part in path[:-1]:
            node = node[part]
        item = node.item(path[-1]) if hasattr(node, "item") else None
    except (KeyError, IndexError, TypeError):
        return False
    if item is None or isinstance(item, (Table, AoT)) or not hasattr(item, "trivia"):
        return False
    note = clean_note(note)
    if note:
        item.trivia.comment_ws = item.trivia.comment_ws if item.trivia.comment else "  "
        item.trivia.comment = f"# {note}"
    else:
        item.trivia.comment_ws = ""
        item.trivia.comment = ""
    return True


def _drop_none(node: Any) -> Any:
    if isinstance(node, dict):
        return {k: _drop_none(v) for k, v in node.items() if v is not None}
    if isinstance(node, list):
        return [_drop_none(v) for v in node]
    return node


def _plain_toml(data: dict) -> str:
    """TOML for the data with schema_version first (no comments)."""
    ordered = {}
    if "schema_version" in data:
        ordered["schema_version"] = data["schema_version"]
    ordered.update({k: v for k, v in data.items() if k != "schema_version"})
    return tomli_w.dumps(ordered)


def _unwrap(item: Any) -> Any:
    return item.unwrap() if hasattr(item, "unwrap") else item


def _build(value: Any, inline: bool = False) -> Any:
    """A tomlkit item for a new value: distributions inline, tables and arrays of tables as such."""
    if isinstance(value, dict):
        if inline or "distribution" in value:
            item = tomlkit.inline_table()
            item.update(value)
            return item
        table = tomlkit.table()
        for k, v in value.items():
            table[k] = _build(v)
        return table
    if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
        aot = tomlkit.aot()
        for v in value:
            aot.append(_build(v))
        return aot
    return tomlkit.item(value)


def _new_item(value: Any, like: Any = None) -> Any:
    """A tomlkit item replacing ``like``: inline if it was, with its end-of-line comment."""
    item = _build(value, inline=isinstance(like, InlineTable) or not hasattr(like, "keys"))
    trivia = getattr(like, "trivia", None)
    if trivia is not None and getattr(trivia, "comment", "") and hasattr(item, "trivia"):
        item.trivia.comment_ws = trivia.comment_ws or "  "
        item.trivia.comment = trivia.comment
    return item


def _merge(container: Any, new: dict) -> None:
    """Make the tomlkit ``container`` hold ``new``, changing only the keys whose values differ."""
    for key in [k for k in list(container.keys()) if k not in new]:
        del container[key]
    for key, value in new.items():
        if key not in container:
            container[key] = _build(value)
            continue
        old = container[key]
        if isinstance(value, dict) and isinstance(old, (Table, InlineTable)):
            _merge(old, value)
        elif isinstance(value, list) and isinstance(old, AoT) and all(isinstance(v, dict) for v in value):
            common = min(len(old), len(value))
            for table, item in zip(list(old)[:common], value[:common]):
                _merge(table, item)
            while len(old) > len(value):
                del old[len(old) - 1]
            for item in value[common:]:
                old.append(_build(item))
        elif _unwrap(old) == value and type(_unwrap(old)) is type(value):
            continue
        else:
            container[key] = _new_item(value, old)


def save_scenario(scenario: Scenario, path: str | os.PathLike, original: str | None = None) -> None:
    """Save a scenario as TOML, atomically, keeping the comments of ``original`` when given."""
    atomic_write_text(path, scenario_to_toml(scenario, original))
