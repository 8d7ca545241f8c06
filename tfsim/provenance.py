"""Provenance: where a result came from, said the same way in every export.

A figure in a business case must be traceable to the run that made it: which version of
tfsim, which scenario file (by name and by the SHA-256 of its bytes, so a reader can check
that the file they hold is the one that was run), which seed and how many replications,
when, and with which Python and libraries.  :func:`facts` gathers them once; the report,
``run.json`` beside ``tfsim run``'s CSV files, the workbook's *About this run* sheet and
every chart's caption and file metadata all read that one record.

The scenario file reaches a run through :func:`attach`: the CLI and the app attach the
:class:`ScenarioSource` they read to the results, so an export made later still knows it.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
import os
import platform
import sys
from dataclasses import asdict, dataclass, field
from importlib import metadata
from pathlib import Path

#: Libraries whose versions decide the numbers or the files, by their distribution names.
KEY_LIBRARIES = ("simpy", "numpy", "scipy", "pandas", "pydantic", "matplotlib", "openpyxl", "python-docx")

MONTH_NAMES = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
               "October", "November", "December")

#: Characters of the SHA-256 shown in a caption (the full digest is in the report and the manifest).
SHORT_SHA = 12


def long_date(day: dt.date) -> str:
    """``3 May 2025``: month names in English whatever the locale (strftime follows the locale)."""
    return f"{day.day} {MONTH_NAMES[day.month - 1]} {day.year}"


def short_date(day: dt.date) -> str:
    """``3 May 2025`` with the month cut to three letters: ``3 Sep 2012``."""
    return f"{day.day} {MONTH_NAMES[day.month - 1][:3]} {day.year}"


@dataclass(frozen=True)
class ScenarioSource:
    """The scenario file a run read: its name, the SHA-256 of its bytes and its text.

    Attributes
    ----------
    file_name : str
        The file's name (no folder: a report travels without the author's disk layout).
    sha256 : str
        Hex SHA-256 of the file's bytes as read.
    text : str
        The file's text, for the comments beside its values (the assumptions table).
    saved : bool
        False when the text is the app's unsaved edits rather than a file on disk.
    """

    file_name: str
    sha256: str
    text: str
    saved: bool = True

    @classmethod
    def from_file(cls, path: str | os.PathLike) -> "ScenarioSource":
        raw = Path(path).read_bytes()
        return cls(Path(path).name, hashlib.sha256(raw).hexdigest(), raw.decode("utf-8-sig", errors="replace"))

    @classmethod
    def from_text(cls, text: str, file_name: str, saved: bool = False) -> "ScenarioSource":
        """A scenario that exists only as text (the app's edits), hashed as its UTF-8 bytes."""
        return cls(file_name, hashlib.sha256(text.encode("utf-8")).hexdigest(), text, saved)


def attach(results, source: ScenarioSource | None) -> None:
    """Remember on ``results`` the scenario file it was run from (for every later export)."""
    if source is not None:
        results.meta["source"] = source


def source_of(results) -> ScenarioSource | None:
    """The scenario file attached to ``results``, if any."""
    meta = getattr(results, "meta", None) or {}
    return meta.get("source")


def library_versions() -> dict[str, str]:
    """Installed versions of :data:`KEY_LIBRARIES` (``"not installed"`` for one that is missing)."""
    return dict(_library_versions())


@functools.lru_cache(maxsize=1)
def _library_versions() -> tuple[tuple[str, str], ...]:
    # once a process: every export asks, and the installed versions do not change under it
    return tuple((name, _version(name) or "not installed") for name in KEY_LIBRARIES)


def _version(name: str) -> str | None:
    """The installed version of distribution ``name``, or None when it is not installed.

    Read from the ``Version:`` line of its metadata's header: ``importlib.metadata.version``
    parses the whole file with the email parser, long descriptions included (about 20 ms
    for these libraries).
    """
    try:
        dist = metadata.distribution(name)
    except metadata.PackageNotFoundError:
        return None
    for line in (dist.read_text("METADATA") or dist.read_text("PKG-INFO") or "").splitlines():
        if not line:  # the end of the header
            break
        if line.startswith("Version:"):
            return line[len("Version:"):].strip()
    return dist.version


@functools.lru_cache(maxsize=1)
def tfsim_version() -> str:
    return _version("tfsim") or "unknown"  # unknown: run from a source tree that was never installed


@dataclass(frozen=True)
class Provenance:
    """The facts of one run, for every export.

    Attributes
    ----------
    tfsim_version : str
    scenario_name : str
        The ``name`` in the scenario file.
    scenario_file : str
        The file's name, or a note that the scenario was never saved to a file.
    scenario_sha256 : str
        Hex SHA-256 of the file's bytes (empty when no file is known).
    seed, replications : int
    date : str
        When the run finished (ISO 8601, local time with its offset), or when the facts were
        gathered if the run did not say; ``SOURCE_DATE_EPOCH`` (seconds since 1970, the
        reproducible-builds convention) fixes it, so exports of the same run are identical.
    python : str
        Python's version.
    libraries : dict
        Versions of :data:`KEY_LIBRARIES`.
    system : str
        Operating system and processor (STRESS-DES item 5.4).
    baseline : dict or None
        ``name``, ``file`` and ``sha256`` of the baseline scenario, when there is one.
    history : dict or None
        ``file`` and ``sha256`` of the council's history a backtest or calibration compared
        the run with, when there is one.
    """

    tfsim_version: str
    scenario_name: str
    scenario_file: str
    scenario_sha256: str
    seed: int
    replications: int
    date: str
    python: str
    libraries: dict[str, str] = field(default_factory=dict)
    system: str = ""
    baseline: dict | None = None
    history: dict | None = None

    @property
    def day(self) -> dt.date:
        return dt.datetime.fromisoformat(self.date).date()

    def when(self) -> str:
        """The run's date and time in words: ``2 December 2026, 16:20 (UTC+00:00)``."""
        moment = dt.datetime.fromisoformat(self.date)
        zone = moment.strftime("%z")
        zone = f" (UTC{zone[:3]}:{zone[3:]})" if zone else ""
        return f"{long_date(moment.date())}, {moment:%H:%M}{zone}"

    def as_dict(self) -> dict:
        """Plain data for ``run.json``."""
        return asdict(self)

    def to_json(self) -> str:
        return json.dumps(self.as_dict(), indent=2, ensure_ascii=False) + "\n"

    def rows(self) -> list[tuple[str, str]]:
        """``(fact, value)`` pairs in plain words, for a table or a sheet."""
        rows = [("Scenario", self.scenario_name), ("Scenario file", self.scenario_file or "not recorded"),
                ("Scenario file SHA-256", self.scenario_sha256 or "not recorded"),
                ("Runs (replications)", f"{self.replications:,}"), ("Seed", str(self.seed)),
                ("Date of the run", self.when()), ("tfsim version", self.tfsim_version),
                ("Python version", self.python)]
        rows += [(f"{name} version", version) for name, version in self.libraries.items()]
        rows.append(("Computer", self.system))
        if self.baseline:
            rows += [("Baseline scenario", self.baseline.get("name", "")),
                     ("Baseline file", self.baseline.get("file") or "not recorded"),
                     ("Baseline file SHA-256", self.baseline.get("sha256") or "not recorded")]
        if self.history:
            rows += [("History file", self.history.get("file", "")),
                     ("History file SHA-256", self.history.get("sha256", ""))]
        return rows

    def caption(self) -> str:
        """One line naming the source of a figure: scenario, file, runs, seed, date and tfsim."""
        sha = f", SHA-256 {self.scenario_sha256[:SHORT_SHA]}" if self.scenario_sha256 else ""
        where = f" ({self.scenario_file}{sha})" if self.scenario_file else ""
        runs = f"{self.replications:,} runs, seed {self.seed}; " if self.replications else ""
        history = ""
        if self.history:
            hsha = self.history.get("sha256", "")
            history = f"history {self.history.get('file', '')}" + (f" (SHA-256 {hsha[:SHORT_SHA]})" if hsha else "") + "; "
        return (f"Source: tfsim {self.tfsim_version}; scenario '{self.scenario_name}'{where}; "
                f"{history}{runs}run {long_date(self.day)}.")

    def image_metadata(self, suffix: str, title: str = "") -> dict:
        """Metadata for :meth:`matplotlib.figure.Figure.savefig` in the format of ``suffix``.

        PNG takes any text keys; SVG takes Dublin Core names; PDF its document information.
        """
        suffix = suffix.lower().lstrip(".")
        caption = self.caption()
        creator = f"tfsim {self.tfsim_version}"
        if suffix == "png":
            return {"Title": title, "Description": caption, "Software": creator, "Source": self.scenario_file,
                    "Creation Time": self.date, "tfsim provenance": json.dumps(self.as_dict(), ensure_ascii=False)}
        if suffix == "svg":
            return {"Title": title, "Description": caption, "Creator": creator, "Date": self.date,
                    "Source": f"{self.scenario_file} sha256:{self.scenario_sha256}",
                    "Identifier": self.scenario_sha256, "Keywords": ["tfsim", self.scenario_name,
                                                                     f"seed {self.seed}",
                                                                     f"{self.replications} runs"]}
        if suffix == "pdf":
            return {"Title": title, "Subject": caption, "Creator": creator, "Author": creator,
                    "Keywords": f"scenario={self.scenario_file}; sha256={self.scenario_sha256}; seed={self.seed}; "
                                f"replications={self.replications}; date={self.date}"}
        return {}


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).astimezone().isoformat(timespec="seconds")


@functools.lru_cache(maxsize=1)
def _system() -> str:
    cpu = platform.processor() or platform.machine()
    return f"{platform.system()} {platform.release()} ({cpu}, {os.cpu_count() or 1} cores)"


def _subject(results):
    """The run behind an export: the results themselves, or a comparison's baseline."""
    if hasattr(results, "per_replication"):
        return results
    for name in ("baseline", "base"):
        inner = getattr(results, name, None)
        if inner is not None and hasattr(inner, "per_replication"):
            return inner
    valid = getattr(results, "valid", None)  # a sweep: its first valid point
    if valid:
        return valid[0].results
    return None


def facts(results, baseline=None) -> Provenance:
    """The provenance of ``results`` (an experiment's results, or a what-if analysis of them).

    Parameters
    ----------
    results : tfsim.experiment.ExperimentResults or an analysis holding one
        The run; its scenario file comes from :func:`attach`, its date from the run.
    baseline : tfsim.experiment.ExperimentResults, optional
        A baseline run the export sets beside it.
    """
    run = _subject(results)
    scenario = getattr(run, "scenario", None) or getattr(results, "scenario", None)
    source = source_of(run) if run is not None else None
    if source is None:
        file_name, sha = "", ""
    else:
        file_name = source.file_name if source.saved else f"{source.file_name} (unsaved changes)"
        sha = source.sha256
    meta = getattr(run, "meta", None) or {}
    date = meta.get("run_at") or _now()
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch.isdigit():  # the reproducible-builds convention: a fixed date makes the files byte for byte the same
        date = dt.datetime.fromtimestamp(int(epoch), dt.timezone.utc).isoformat(timespec="seconds")
    base = None
    if baseline is not None:
        bsource = source_of(baseline)
        base = {"name": baseline.scenario.name, "file": bsource.file_name if bsource else "",
                "sha256": bsource.sha256 if bsource else ""}
    history = getattr(results, "history", None)  # a backtest's or a calibration's
    hist = {"file": history.name, "sha256": history.sha256} if hasattr(history, "sha256") else None
    return Provenance(
        tfsim_version=tfsim_version(),
        scenario_name=scenario.name if scenario is not None else "",
        scenario_file=file_name,
        scenario_sha256=sha,
        seed=int(getattr(run, "seed", getattr(results, "seed", 0)) or 0),
        replications=int(getattr(run, "replications", getattr(results, "replications", 0)) or 0),
        date=date,
        python=platform.python_version() + (f" ({sys.implementation.name})" if sys.implementation.name != "cpython"
                                            else ""),
        libraries=library_versions(),
        system=_system(),
        baseline=base,
        history=hist,
    )


__all__ = ["KEY_LIBRARIES", "Provenance", "ScenarioSource", "attach", "facts", "library_versions", "long_date",
           "short_date", "source_of", "tfsim_version"]
