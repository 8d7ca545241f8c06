"""A council's own monthly history: reading and checking the file, and the run's figures to set beside it.

A history file is a CSV of monthly counts, one row a month::

    # Sevenoaks, monthly returns to the Troubled Families board (comment lines start with #)
    month,referrals,refused,started,closed_turned_around,closed_other,claims,fte_in_post,fte_in_post.fip,waiting_list
    2012-10,12,2,3,0,0,,2.5,1.5,
    2012-11,5,1,4,0,0,0,3.5,1.5,7

``month`` comes first, as ``YYYY-MM``; then any of the series in
:data:`tfsim.catalogue.HISTORY`, each at most once, a series the model counts per role also as
``name.role`` (``fte_in_post.fip``).  An empty cell is a month the council did not count
(gaps are allowed, and months may be missing).  Counts of families are whole numbers, staff
in post may have decimals; nothing may be negative, NaN or infinite.

Reading never raises for bad input: :func:`read_history` returns :class:`~tfsim.scenario.io.Problem`
objects that print as ``FILE:LINE: column: reason``, like a scenario's, with anything from the
file escaped and cut short (:mod:`tfsim.scenario.messages`).  :func:`check_against` adds the
problems that need the scenario (a role it does not have, claims without ``[money]``, months
before it starts).

:func:`simulated` gives the run's side of each series: every replication's value in each month
(shape (replications, months)), worked out from the model's monthly statistics, the flows as
each month's rise in the cumulative series.
"""

from __future__ import annotations

import csv
import datetime as dt
import difflib
import hashlib
import math
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Mapping

import numpy as np

from tfsim.catalogue import HISTORY, Kind, series_key
from tfsim.model.calendar import Calendar
from tfsim.scenario.bundled import unknown_history_hint
from tfsim.scenario.io import Problem, atomic_write_text
from tfsim.scenario.messages import echo, shorten
from tfsim.scenario.schema import Scenario
from tfsim.scenario.variants import VariantError, variant
from tfsim.workers import replication_seed, run_replication

#: Largest history file accepted (bytes).  A century of months with every column is about 100 kB.
MAX_FILE_BYTES = 5_000_000
#: Longest line accepted, in characters.
MAX_LINE_CHARS = 10_000
#: Most months (rows) in a history: a century.
MAX_MONTHS = 1200
#: Most columns.
MAX_COLUMNS = 100
#: Most problems reported for one file; the rest are counted in a last line.
MAX_PROBLEMS = 100
#: Largest count accepted in a month (families), and largest staff in post (FTE).
MAX_COUNT = 10_000_000
MAX_FTE = 100_000.0
#: Earliest and latest month accepted (as the scenario calendar's limits).
FIRST_YEAR, LAST_YEAR = 1900, 3000

_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_ROLE = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
_GAP_WORDS = {"na", "n/a", "-", "--", "none", "null", "missing", ".", "?"}

#: How each history series is worked out from the model's monthly statistics:
#: ``(monthly series, whether the history counts its rise in the month)``.
_SOURCES: dict[str, tuple[str, bool]] = {
    "referrals": ("referrals", False),
    "refused": ("refused_cumulative", True),
    "started": ("started_cumulative", True),
    "closed_turned_around": ("turned_around_cumulative", True),
    "claims": ("claims_cumulative", True),
    "fte_in_post": ("fte_in_post", False),
    "waiting_list": ("waiting_list", False),
}

SeriesKey = tuple[str, str]  # (series name, role id or "")


@dataclass(frozen=True)
class History:
    """A checked history: counts by series and month (NaN where the month was not counted).

    Attributes
    ----------
    filename : str
        The file as named when read.
    sha256 : str
        Hex SHA-256 of the file's bytes.
    months : list of str
        Every month with a row, ``YYYY-MM``, in order.
    series : list of (str, str)
        The columns after ``month`` as ``(name, role)``, role ``""`` for the whole programme.
    values : dict
        ``(name, role)`` -> float array aligned with ``months``; NaN for a month not counted.
        Families are counts, staff in post FTE.
    month_lines, column_lines : dict
        The line of each month's row, and of the header for each column (for located messages).
    comments : list of str
        The comment lines before the header, without their ``#``.
    """

    filename: str
    sha256: str
    months: list[str]
    series: list[SeriesKey]
    values: dict[SeriesKey, np.ndarray]
    month_lines: dict[str, int] = field(default_factory=dict)
    column_lines: dict[SeriesKey, int] = field(default_factory=dict)
    comments: list[str] = field(default_factory=list)

    @property
    def name(self) -> str:
        """The file's name without its folder (for captions and comments)."""
        return Path(self.filename).name

    def counted(self, key: SeriesKey) -> int:
        """Months in which series ``key`` was counted."""
        return int(np.count_nonzero(~np.isnan(self.values[key])))

    def label(self, key: SeriesKey) -> str:
        """The column's name as in the file: ``referrals`` or ``fte_in_post.fip``."""
        return series_key(*key)

    def restricted(self, months: list[str]) -> "History":
        """The same history with only ``months`` (a subset of its months, in order)."""
        index = [self.months.index(m) for m in months]
        return History(self.filename, self.sha256, list(months), list(self.series),
                       {k: v[index] for k, v in self.values.items()},
                       {m: self.month_lines[m] for m in months if m in self.month_lines},
                       dict(self.column_lines), list(self.comments))


@dataclass
class HistoryResult:
    """What reading a history file gave: the history when it is good, and every problem found."""

    filename: str
    history: History | None
    problems: list[Problem]

    @property
    def ok(self) -> bool:
        return self.history is not None and not self.problems


class HistoryError(ValueError):
    """A history that cannot be used as asked; ``problems`` say where and why."""

    def __init__(self, filename: str, problems: list[Problem]):
        self.filename = filename
        self.problems = problems
        super().__init__("\n".join(p.format(filename) for p in problems))


def _problem(column: str, message: str, line: int = 1) -> Problem:
    return Problem((column,) if column else (), message, line)


def _fail(filename: str, message: str, line: int = 1, column: str = "") -> HistoryResult:
    return HistoryResult(filename, None, [_problem(column, message, line)])


def read_history(path: str | os.PathLike) -> HistoryResult:
    """Read and check a history file, collecting problems instead of raising."""
    filename = str(path)
    try:
        if os.path.exists(path) and not os.path.isfile(path) and not os.path.isdir(path):
            return _fail(filename, "is not a regular file (a pipe or a device?); give a history CSV file")
        size = os.path.getsize(path)
        if size > MAX_FILE_BYTES:
            return _fail(filename, f"file is {size:,} bytes; history files may be at most {MAX_FILE_BYTES:,}")
        with open(path, "rb") as fh:
            raw = fh.read(MAX_FILE_BYTES + 1)
    except FileNotFoundError:
        return _fail(filename, "no such file" + unknown_history_hint(filename))
    except IsADirectoryError:
        return _fail(filename, "is a folder, not a history file")
    except (OSError, ValueError) as exc:  # ValueError: a NUL in the path
        return _fail(filename, f"cannot be read ({getattr(exc, 'strerror', None) or exc})")
    return parse_history(raw, filename)


def _suggest(name: str) -> str:
    close = difflib.get_close_matches(name.lower(), ["month", *HISTORY], n=1, cutoff=0.6)
    return f"; did you mean '{close[0]}'?" if close else ""


def _header_problems(cells: list[str], line: int) -> tuple[list[SeriesKey | None], list[Problem]]:
    """The series of each column after ``month`` (None where a column is bad), and the header's problems."""
    problems: list[Problem] = []
    keys: list[SeriesKey | None] = []
    seen: dict[SeriesKey, int] = {}
    for i, raw in enumerate(cells[1:], start=2):
        name = raw.strip()
        if not name:
            problems.append(_problem(f"column {i}", "has no name; name every column (month, then series such as "
                                                    "referrals or fte_in_post.fip)", line))
            keys.append(None)
            continue
        series, dot, role = name.partition(".")
        if series not in HISTORY:
            hint = _suggest(series) or (f"; a history may hold {', '.join(HISTORY)} (staff in post per role as "
                                        "fte_in_post.ROLE)")
            problems.append(_problem(name, f"unknown column {echo(name)}{hint}", line))
            keys.append(None)
            continue
        metric = HISTORY[series]
        if dot:
            if not metric.per_role:
                problems.append(_problem(name, f"tfsim counts {series} for the whole programme only, not per role; "
                                               f"give the total as '{series}' (only staff in post is modelled per "
                                               "role)", line))
                keys.append(None)
                continue
            if not _ROLE.match(role):
                problems.append(_problem(name, f"{echo(role)} is not a role id (lower-case letters, digits and _, "
                                               "starting with a letter, as in the scenario)", line))
                keys.append(None)
                continue
        key = (series, role)
        if key in seen:
            problems.append(_problem(name, f"column given twice (first in column {seen[key]}); give each series once",
                                     line))
            keys.append(None)
            continue
        seen[key] = i
        keys.append(key)
    return keys, problems


def month_problem(text: str) -> str | None:
    """Why ``text`` is not a month ``YYYY-MM`` (None when it is one)."""
    m = _MONTH.match(text)
    if m is not None:
        year, month = int(m.group(1)), int(m.group(2))
        if not 1 <= month <= 12:
            return f"{echo(text)} has month {month:02d}; months are 01 to 12"
        if not FIRST_YEAR <= year <= LAST_YEAR:
            return f"{echo(text)} is outside {FIRST_YEAR} to {LAST_YEAR}"
        return None
    hint = ""
    if re.match(r"^\d{4}-\d{2}-\d{2}$", text):
        hint = f"; write the month without its day: {text[:7]}"
    elif re.match(r"^\d{1,2}/\d{4}$", text):
        mm, yyyy = text.split("/")
        hint = f"; write it as {yyyy}-{int(mm):02d}"
    elif re.match(r"^\d{1,2}/\d{1,2}/\d{4}$", text):
        dd_mm, yyyy = text.rsplit("/", 1)
        hint = f"; write it as YYYY-MM ({yyyy}-{int(dd_mm.split('/')[1]):02d} if it is day/month/year)"
    elif not text:
        return "is empty; every row starts with its month as YYYY-MM (e.g. 2014-03)"
    return f"{echo(text)} is not a month written as YYYY-MM (e.g. 2014-03){hint}"


def _value(text: str, series: str) -> tuple[float | None, str | None]:
    """A cell as a number (None for an empty cell, a month not counted), or the reason it is not one."""
    text = text.strip()
    if not text:
        return None, None
    if text.lower() in _GAP_WORDS:
        return None, f"{echo(text)} is not a number; leave the cell empty for a month not counted"
    if re.fullmatch(r"[+-]?\d{1,3}(,\d{3})+(\.\d*)?", text):
        return None, f"{echo(text)} has a thousands separator; write the number without it ({text.replace(',', '')})"
    try:
        value = float(text)
    except ValueError:
        return None, f"{echo(text)} is not a number"
    if not math.isfinite(value):
        return None, f"{echo(text)} is not a finite number; give a count, or leave the cell empty"
    if value < 0:
        return None, f"{echo(text)} is negative; a count cannot be below 0"
    metric = HISTORY[series]
    if metric.unit == "fte":
        if value > MAX_FTE:
            return None, f"{echo(text)} FTE is more than {MAX_FTE:,.0f}; is it a count of staff in post?"
        return value, None
    if value != math.floor(value):
        return None, f"{echo(text)} is not a whole number; {metric.title.lower()} is a count of families"
    if value > MAX_COUNT:
        return None, f"{echo(text)} is more than {MAX_COUNT:,} families in a month"
    return value, None


def _cells(line: str) -> list[str] | None:
    """The comma-separated fields of one line (quotes as a spreadsheet writes them), or None if unreadable."""
    try:
        return next(csv.reader([line], strict=True), [])
    except csv.Error:
        return None


def parse_history(raw: bytes | str, filename: str = "<history>") -> HistoryResult:
    """Check history file contents given as bytes (UTF-8, with or without a byte-order mark) or text."""
    if isinstance(raw, bytes):
        sha = hashlib.sha256(raw).hexdigest()
        if len(raw) > MAX_FILE_BYTES:
            return _fail(filename, f"file is larger than {MAX_FILE_BYTES:,} bytes")
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            line = raw[: exc.start].count(b"\n") + 1
            return _fail(filename, f"is not UTF-8 text (bad byte 0x{raw[exc.start]:02x} at position {exc.start}); "
                                   "save it from the spreadsheet as 'CSV UTF-8'", line)
    else:
        text = raw
        sha = hashlib.sha256(text.encode("utf-8")).hexdigest()
        if len(text) > MAX_FILE_BYTES:
            return _fail(filename, f"file is larger than {MAX_FILE_BYTES:,} characters")
    if text.startswith("\ufeff"):
        text = text[1:]
    if "\x00" in text:
        return _fail(filename, "contains NUL bytes; is it a binary file (a spreadsheet rather than its CSV)?",
                     text[: text.index("\x00")].count("\n") + 1)
    problems: list[Problem] = []
    comments: list[str] = []
    header: list[SeriesKey | None] | None = None
    header_line = 0
    columns = 0
    rows: dict[str, tuple[int, list[float | None]]] = {}
    last_month = ""
    hidden = 0
    extra: Problem | None = None

    def add(problem: Problem) -> None:
        nonlocal hidden, extra
        if len(problems) < MAX_PROBLEMS - 1:  # the last line, if needed, counts the rest
            problems.append(problem)
        else:
            hidden += 1
            extra = problem

    for number, line in enumerate(text.split("\n"), start=1):
        line = line[:-1] if line.endswith("\r") else line
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            if header is None and stripped.startswith("#"):
                comments.append(stripped[1:].strip())
            continue
        if len(line) > MAX_LINE_CHARS:
            add(_problem("(row)", f"line is {len(line):,} characters long; history lines may be at most "
                             f"{MAX_LINE_CHARS:,}", number))
            if header is None:
                break
            continue
        cells = _cells(line)
        if cells is None:
            add(_problem("(row)", f"cannot be read as comma-separated values (an unclosed quote?): "
                             f"{echo(shorten(line, 60))}", number))
            if header is None:
                break
            continue
        if header is None:
            header_line = number
            first = cells[0].strip().lstrip("\ufeff") if cells else ""
            if len(cells) == 1 and (";" in line or "\t" in line):
                sep = "';'" if ";" in line else "tabs"
                add(_problem("(header)", f"columns are separated by {sep}; tfsim reads commas (save as 'CSV UTF-8 (comma "
                                 "delimited)')", number))
                break
            if first != "month":
                add(_problem(first or "column 1", f"the first column must be 'month' (got {echo(first)}); the "
                             "header names month, then the series counted", number))
                break
            if len(cells) > MAX_COLUMNS:
                add(_problem("(header)", f"{len(cells):,} columns; a history has at most {MAX_COLUMNS}", number))
                break
            header, header_problems = _header_problems(cells, number)
            for p in header_problems:
                add(p)
            columns = len(cells)
            continue
        if len(cells) != columns:
            add(_problem("(row)", f"has {len(cells)} values; the header (line {header_line}) has {columns} columns "
                             "(leave a cell empty for a month not counted)", number))
            continue
        month = cells[0].strip()
        reason = month_problem(month)
        if reason is not None:
            add(_problem("month", reason, number))
            continue
        if month in rows:
            add(_problem("month", f"{month} is given twice (first on line {rows[month][0]}); give each month once",
                         number))
            continue
        if month < last_month:
            add(_problem("month", f"{month} follows {last_month} (line {rows[last_month][0]}); put the months in "
                                  "order", number))
            continue
        if len(rows) >= MAX_MONTHS:
            add(_problem("month", f"more than {MAX_MONTHS:,} months; a history covers at most a century", number))
            break
        values: list[float | None] = []
        for key, cell in zip(header, cells[1:]):
            if key is None:
                values.append(None)
                continue
            value, why = _value(cell, key[0])
            if why is not None:
                add(_problem(series_key(*key), why, number))
            values.append(value)
        rows[month] = (number, values)
        last_month = month

    if header is None and not problems:
        return _fail(filename, "has no header; the first line that is not a comment names the columns: month, "
                               "then the series counted (e.g. month,referrals,started,waiting_list)")
    if header is not None and not any(k is not None for k in header) and not problems:
        add(_problem("(header)", "has only a month column; add the series counted (e.g. referrals, started, waiting_list)",
                     header_line))
    if header is not None and not rows and not problems:
        add(_problem("", "has a header but no months; add a row for each month counted", header_line))
    if hidden == 1:
        problems.append(extra)
    elif hidden:
        problems.append(_problem("", f"{hidden:,} more problems not shown; fix those above first",
                                 problems[-1].line))
    if problems:
        return HistoryResult(filename, None, problems)
    months = list(rows)
    series = [k for k in header if k is not None]
    values = {}
    for k in series:
        col = header.index(k)
        values[k] = np.array([np.nan if rows[m][1][col] is None else rows[m][1][col] for m in months], dtype=float)
    empty = [k for k in series if np.isnan(values[k]).all()]
    if len(empty) == len(series):
        return HistoryResult(filename, None, [_problem("", "no month has a count; fill in at least one cell",
                                                       header_line)])
    history = History(filename, sha, months, series, values, {m: rows[m][0] for m in months},
                      {k: header_line for k in series}, comments)
    return HistoryResult(filename, history, [])


def load_history(path: str | os.PathLike) -> History:
    """The history in ``path``, or :class:`HistoryError` with every problem."""
    result = read_history(path)
    if not result.ok:
        raise HistoryError(result.filename, result.problems)
    return result.history


# ---- the history against a scenario ------------------------------------------------------------


def month_labels(scenario: Scenario) -> list[str]:
    """The calendar months a run of ``scenario`` reports, ``YYYY-MM``."""
    return list(Calendar.of(scenario).labels)


def month_end(month: str) -> dt.date:
    """The last day of ``YYYY-MM``."""
    y, m = int(month[:4]), int(month[5:7])
    return dt.date(y + (m == 12), 1 if m == 12 else m + 1, 1) - dt.timedelta(days=1)


def check_against(history: History, scenario: Scenario) -> list[Problem]:
    """Problems of using ``history`` with ``scenario``, at the history's lines.

    A role the scenario does not have, claims when it has no ``[money]``, and months before it
    starts are problems; months after it ends are not (:func:`scenario_over` runs it on).
    """
    problems = []
    roles = [r.id for r in scenario.roles]
    for key in history.series:
        name, role = key
        line = history.column_lines.get(key, 1)
        if role and role not in roles:
            close = difflib.get_close_matches(role, roles, n=1)
            hint = f"; did you mean '{close[0]}'?" if close else f"; its roles are {', '.join(roles)}"
            problems.append(_problem(history.label(key), f"the scenario '{scenario.name}' has no role "
                                                         f"{echo(role)}{hint}", line))
        if HISTORY[name].needs == "money" and scenario.money is None:
            problems.append(_problem(history.label(key), f"the scenario '{scenario.name}' has no [money] section, "
                                                         "so it makes no claims to compare; add one or drop the "
                                                         "column", line))
    first = month_labels(scenario)[0]
    early = [m for m in history.months if m < first]
    if early:
        counted = [m for m in early if any(not np.isnan(history.values[k][history.months.index(m)])
                                           for k in history.series)]
        if counted:
            m = counted[0]
            problems.append(_problem("month", f"{m} is before the scenario '{scenario.name}' starts "
                                              f"({scenario.start_date.isoformat()}); {len(counted)} counted "
                                              "month(s) cannot be compared: move the scenario's start_date or drop "
                                              "the rows", history.month_lines.get(m, 1)))
    return problems


def scenario_over(scenario: Scenario, months: list[str]) -> Scenario:
    """``scenario`` run to the end of the last of ``months``, so every month is simulated and no more.

    The end date moves (later or earlier) only when the changed scenario is valid; a target's
    deadline after the new end moves in with it (no monthly series depends on the target).
    Otherwise the scenario is kept as it is (months past its end are then not compared).
    """
    end = month_end(months[-1])
    if end == scenario.end_date or end <= scenario.start_date:
        return scenario
    changes: dict = {"end_date": end}
    target = scenario.money.target if scenario.money is not None else None
    if target is not None and target.deadline > end:
        changes["money.target.deadline"] = end
    try:
        return variant(scenario, changes)
    except VariantError:
        return scenario


# ---- the run's side ---------------------------------------------------------------------------

#: ``get(metric, role)``: one monthly series of a run, shape (..., months).
Getter = Callable[[str, str], np.ndarray]


def simulated(get: Getter, key: SeriesKey) -> np.ndarray:
    """The run's values of history series ``key`` in every month, from the model's monthly series.

    Flows are each month's rise in the cumulative series (the first month's from zero);
    ``closed_other`` is cases closed less cases closed turned around.  The shape is that of
    ``get``'s arrays: (replications, months) for a run, (months,) for one replication.
    """
    name, role = key
    if name == "closed_other":
        closed = _rise(np.asarray(get("closed_cumulative", ""), dtype=float))
        return closed - simulated(get, ("closed_turned_around", ""))
    source, rise = _SOURCES[name]
    values = np.asarray(get(source, role), dtype=float)
    return _rise(values) if rise else values


def _rise(cumulative: np.ndarray) -> np.ndarray:
    return np.diff(cumulative, axis=-1, prepend=0.0)


def results_getter(results) -> Getter:
    """:data:`Getter` for an :class:`~tfsim.experiment.ExperimentResults` (every replication)."""
    return lambda metric, role: results.replication_values(metric, role or None)


def replication_getter(result) -> Getter:
    """:data:`Getter` for one :class:`~tfsim.model.ReplicationResult`."""
    return lambda metric, role: result.by_role[metric][role] if role else result.monthly[metric]


def aligned(history: History, run_months: list[str]) -> tuple[list[str], np.ndarray]:
    """The history's months that the run covers, and their positions in ``run_months``."""
    where = {m: i for i, m in enumerate(run_months)}
    months = [m for m in history.months if m in where]
    return months, np.array([where[m] for m in months], dtype=int)


def is_stock(key: SeriesKey) -> bool:
    """Whether the series is a level at the month end (else a count in the month)."""
    return HISTORY[key[0]].kind is Kind.STOCK


def simulate_history(scenario: Scenario, seed: int, replication: int = 0,
                     series: list[str] | None = None) -> tuple[list[str], dict[str, np.ndarray]]:
    """A history as the model would count it: one replication's months and columns, by column name.

    Parameters
    ----------
    scenario : Scenario
        The scenario, with the values the history is to come from.
    seed, replication : int
        Replication ``replication`` of an experiment seeded ``seed`` (:func:`tfsim.workers.replication_seed`).
    series : list of str, optional
        Column names (``referrals``, ``fte_in_post.fip``); default every whole-programme series
        the scenario reports, then staff in post for each role.
    """
    result = run_replication(scenario, replication_seed(seed, replication))
    get = replication_getter(result)
    if series is None:
        series = [name for name, m in HISTORY.items() if m.needs is None or scenario.money is not None]
        series += [series_key("fte_in_post", r.id) for r in scenario.roles]
    columns = {}
    for column in series:
        name, _, role = column.partition(".")
        columns[column] = simulated(get, (name, role))
    return month_labels(scenario), columns


def write_history(path: str | os.PathLike, months: list[str], columns: Mapping[str, np.ndarray],
                  comments: list[str] = ()) -> Path:
    """Write a history file atomically: the comment lines, the header, one row a month (NaN: empty cell).

    ``columns`` maps column names (``referrals``, ``fte_in_post.fip``) to values aligned with
    ``months``; counts of families are written as whole numbers, staff in post to two decimals.
    """
    lines = [f"# {c}".rstrip() for c in comments]
    lines.append(",".join(["month", *columns]))
    for i, month in enumerate(months):
        cells = [month]
        for name, values in columns.items():
            v = float(values[i])
            if math.isnan(v):
                cells.append("")
            elif HISTORY[name.partition(".")[0]].unit == "fte":
                cells.append(f"{v:.2f}")
            else:
                cells.append(f"{round(v):d}")
        lines.append(",".join(cells))
    atomic_write_text(path, "\n".join(lines) + "\n")
    return Path(path)


__all__ = ["History", "HistoryError", "HistoryResult", "MAX_FILE_BYTES", "aligned", "check_against", "is_stock",
           "load_history", "month_end", "month_labels", "month_problem", "parse_history", "read_history", "replication_getter",
           "results_getter", "scenario_over", "simulate_history", "simulated", "write_history"]
