"""The scenarios that ship with tfsim, found in one place: the package's data folder ``tfsim/scenarios``.

They install with the package (they are package data), so everything here works the same
from a checkout, an editable install or a wheel installed anywhere: the folder is found
through :mod:`importlib.resources`, never by a path relative to the source tree.  A
bundled scenario is addressed by its name, the file name without ``.toml``
(``sevenoaks-2014``): :func:`resolve` turns a name given on the command line into its
file, so ``tfsim run sevenoaks-2014`` works from any folder.

Nothing else in tfsim locates the folder; the CLI, the app (*New from a bundled
scenario*, the default scenario, read-only templates) and the validation page all ask
here.
"""

from __future__ import annotations

import datetime as dt
import difflib
import functools
import os
import tempfile
import tomllib
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

PACKAGE = "tfsim"
FOLDER = "scenarios"
#: The scenario the app opens when given none.
DEFAULT_NAME = "sevenoaks-2014"
SUFFIX = ".toml"

_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


@functools.cache
def bundled_scenarios_dir() -> Path:
    """The folder of the bundled scenario files, as a real folder on disk.

    An ordinary install gives the package's own folder.  Should the package be imported
    from a zip file, the files are copied once into a temporary folder, so callers can
    always open them by path.
    """
    folder = resources.files(PACKAGE) / FOLDER
    if isinstance(folder, Path):
        return folder
    copy = Path(tempfile.mkdtemp(prefix="tfsim-scenarios-"))  # pragma: no cover - zipped installs only
    for item in folder.iterdir():  # pragma: no cover
        if item.name.endswith(SUFFIX):
            (copy / item.name).write_bytes(item.read_bytes())
    return copy  # pragma: no cover


def bundled_scenarios() -> list[Path]:
    """Every bundled scenario file, sorted by name (empty when the folder is missing)."""
    folder = bundled_scenarios_dir()
    return sorted(folder.glob(f"*{SUFFIX}")) if folder.is_dir() else []


def bundled_names() -> list[str]:
    """The names of the bundled scenarios (file names without ``.toml``), sorted."""
    return [p.stem for p in bundled_scenarios()]


def bundled_path(name: str) -> Path | None:
    """The file of the bundled scenario called ``name`` (``sevenoaks-2014`` or ``sevenoaks-2014.toml``), or None."""
    stem = name[: -len(SUFFIX)] if name.endswith(SUFFIX) else name
    if not stem or os.sep in stem or "/" in stem or stem.startswith("."):
        return None
    path = bundled_scenarios_dir() / f"{stem}{SUFFIX}"
    return path if path.is_file() else None


def resolve(argument: str) -> str:
    """A scenario argument as a file: an existing file as given, else a bundled scenario's name as its file.

    Anything else comes back unchanged, so reading it reports the missing file as usual.
    A file in the current folder wins over a bundled scenario of the same name.
    """
    if not argument or os.path.exists(argument):
        return argument
    found = bundled_path(argument)
    return str(found) if found is not None else argument


#: The suffix of a bundled history (a council's monthly counts, for ``tfsim backtest`` and ``tfsim calibrate``).
HISTORY_SUFFIX = ".csv"


def bundled_histories() -> list[Path]:
    """Every bundled history file (the synthetic samples), sorted by name."""
    folder = bundled_scenarios_dir()
    return sorted(folder.glob(f"*{HISTORY_SUFFIX}")) if folder.is_dir() else []


def resolve_history(argument: str) -> str:
    """A history argument as a file: an existing file as given, else a bundled history by name.

    ``sevenoaks-2014-history.csv`` or ``sevenoaks-2014-history`` name the sample that ships
    beside the scenarios, from any folder.  Anything else comes back unchanged, so reading it
    reports the missing file as usual; a file in the current folder wins.
    """
    if not argument or os.path.exists(argument):
        return argument
    stem = argument[: -len(HISTORY_SUFFIX)] if argument.endswith(HISTORY_SUFFIX) else argument
    if not stem or os.sep in stem or "/" in stem or stem.startswith("."):
        return argument
    path = bundled_scenarios_dir() / f"{stem}{HISTORY_SUFFIX}"
    return str(path) if path.is_file() else argument


def unknown_history_hint(argument: str) -> str:
    """A note for a history argument that is neither a file nor a bundled history ("" when none is close)."""
    if os.sep in argument or "/" in argument:
        return ""
    names = [p.name for p in bundled_histories()]
    close = difflib.get_close_matches(argument, names, n=1, cutoff=0.6)
    return f"; did you mean the bundled sample history '{close[0]}'?" if close else ""


def is_bundled(path: str | os.PathLike | None) -> bool:
    """Whether ``path`` is one of the bundled scenario files (which the app opens read-only)."""
    if path is None:
        return False
    try:
        return Path(path).resolve().parent == bundled_scenarios_dir().resolve() and Path(path).suffix == SUFFIX
    except OSError:
        return False


def default_scenario() -> Path:
    """The scenario the app opens when given none: Sevenoaks 2014."""
    return bundled_scenarios_dir() / f"{DEFAULT_NAME}{SUFFIX}"


def unknown_name_hint(argument: str) -> str:
    """A note for a scenario argument that is neither a file nor a bundled name ("" when it looks like a path)."""
    if os.sep in argument or "/" in argument or argument.endswith(SUFFIX):
        return ""
    names = bundled_names()
    close = difflib.get_close_matches(argument, names, n=1, cutoff=0.6)
    if close:
        return f"; did you mean the bundled scenario '{close[0]}'? (`tfsim scenarios` lists them)"
    return f"; nor is it a bundled scenario (`tfsim scenarios` lists them: {', '.join(names)})" if names else ""


@dataclass(frozen=True)
class BundledScenario:
    """One bundled scenario as ``tfsim scenarios`` lists it.

    Attributes
    ----------
    name : str
        The name to give on the command line (the file name without ``.toml``).
    place : str
        The district or county, from the first line of the file's header (``Sevenoaks District``).
    period : str
        The months simulated: ``Apr 2012 to Mar 2015``.
    summary : str
        One line on what it is: the rest of the header's first line, else the description.
    path : Path
        The file.
    """

    name: str
    place: str
    period: str
    summary: str
    path: Path


def _month(day: object) -> str:
    return f"{_MONTHS[day.month - 1]} {day.year}" if isinstance(day, dt.date) else "?"


def describe(path: Path) -> BundledScenario:
    """What ``tfsim scenarios`` says of one scenario file: its place, period and one line about it."""
    text = path.read_text(encoding="utf-8")
    data = tomllib.loads(text)
    first = next((line.lstrip("#").strip() for line in text.splitlines() if line.strip()), "")
    first = first if text.lstrip().startswith("#") else ""
    place, _, title = first.partition(" - ")
    description = str(data.get("description", ""))
    summary = title.strip() or description.split(":")[0].split(". ")[0]
    summary = summary[:1].upper() + summary[1:]
    return BundledScenario(path.stem, place.strip() or str(data.get("name", path.stem)),
                           f"{_month(data.get('start_date'))} to {_month(data.get('end_date'))}", summary, path)


def catalogue() -> list[BundledScenario]:
    """Every bundled scenario, described (see :class:`BundledScenario`), sorted by name."""
    return [describe(p) for p in bundled_scenarios()]
