"""Reading, checking and saving scenario files.

All file I/O for scenarios lives here.  Loading never raises for bad input: it
returns :class:`Problem` objects that name the file, line and key path, which the
CLI prints as ``FILE:LINE: key.path: reason`` and the app lists beside the fields.
Saving is atomic (write to a temporary file, then rename), so a full disk or a crash
never destroys the previous file, and keeps the comments of the file it replaces
(:func:`data_to_toml`, used by the CLI and the app alike).
"""

from __future__ import annotations

import difflib
import os
import re
import tempfile
import tomllib
import typing
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping

import tomli_w
from pydantic import BaseModel, ValidationError

from .locate import key_lines, line_of
from .schema import DISTRIBUTION_KINDS, SCHEMA_VERSION, Scenario, ScenarioCrossCheckError

try:  # comment-preserving saves; tomlkit comes with the gui and dev extras
    import tomlkit
    from tomlkit.items import AoT, InlineTable, Table
except ImportError:  # a plain install: saves are rendered afresh, without comments
    tomlkit = None

#: Largest scenario file accepted (bytes).  Real scenarios are a few kilobytes.
MAX_FILE_BYTES = 1_000_000


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a scenario, located at a key path and a line."""

    path: tuple
    message: str
    line: int = 1

    @property
    def key(self) -> str:
        return ".".join(str(p) for p in self.path) or "(file)"

    def format(self, filename: str) -> str:
        return f"{filename}:{self.line}: {self.key}: {self.message}"


class ScenarioError(Exception):
    """A scenario could not be loaded; ``problems`` says why and where."""

    def __init__(self, filename: str, problems: list[Problem]):
        self.filename = filename
        self.problems = problems
        super().__init__("\n".join(p.format(filename) for p in problems))


@dataclass
class LoadResult:
    """What loading a file gave: the scenario (if valid), the raw data and any problems."""

    filename: str
    text: str | None
    data: dict | None
    scenario: Scenario | None
    problems: list[Problem]

    @property
    def ok(self) -> bool:
        return self.scenario is not None and not self.problems


def read_scenario(path: str | os.PathLike) -> LoadResult:
    """Read and check a scenario file, collecting problems instead of raising."""
    filename = str(path)
    try:
        size = os.path.getsize(path)
        if size > MAX_FILE_BYTES:
            return _fail(filename, (), f"file is {size:,} bytes; scenario files may be at most {MAX_FILE_BYTES:,}")
        with open(path, "rb") as fh:
            raw = fh.read(MAX_FILE_BYTES + 1)
    except FileNotFoundError:
        return _fail(filename, (), "no such file")
    except IsADirectoryError:
        return _fail(filename, (), "is a folder, not a scenario file")
    except OSError as exc:
        return _fail(filename, (), f"cannot be read ({exc.strerror or exc})")
    return parse_scenario_text(raw, filename)


def parse_scenario_text(raw: bytes | str, filename: str = "<scenario>") -> LoadResult:
    """Check scenario file contents given as bytes or text."""
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
    if text.startswith("\ufeff"):
        text = text[1:]
    if not text.strip():
        return _fail(filename, (), "file is empty; a scenario needs at least schema_version, name, dates, roles and allocation")
    if "\x00" in text:
        return _fail(filename, (), "contains NUL bytes; is it a binary file?", text[: text.index("\x00")].count("\n") + 1)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        return _fail(filename, (), f"not valid TOML: {_toml_reason(exc)}", _toml_line(exc, text), text=text)
    except RecursionError:
        return _fail(filename, (), "not valid TOML: nested too deeply", text=text)
    if not data:
        return _fail(filename, (), "file is empty (only comments or blank lines); a scenario needs at least "
                     "schema_version, name, dates, roles and allocation", text=text)
    problems = check_data(data, text)
    scenario = None
    if not problems:
        scenario = Scenario.model_validate(data)
    return LoadResult(filename, text, data, scenario, problems)


def check_data(data: dict, text: str | None = None) -> list[Problem]:
    """Validate parsed data against the schema; problems carry lines when ``text`` is given."""
    table = key_lines(text) if text else {}
    version = data.get("schema_version")
    if version is None:
        return [Problem((), f"schema_version is missing; put `schema_version = {SCHEMA_VERSION}` at the top", 1)]
    if version != SCHEMA_VERSION:
        return [
            Problem(
                ("schema_version",),
                f"this file is version {version!r}; this tfsim reads version {SCHEMA_VERSION}",
                line_of(text, ("schema_version",), table) if text else 1,
            )
        ]
    try:
        Scenario.model_validate(data)
    except ValidationError as exc:
        problems = errors_to_problems(exc, data)
        return [Problem(p.path, p.message, line_of(text, p.path, table) if text else 1) for p in problems]
    return []


def errors_to_problems(exc: ValidationError, data: Any = None) -> list[Problem]:
    """Turn pydantic's errors into plain-language problems at clean key paths."""
    problems: list[Problem] = []
    for err in exc.errors(include_url=False):
        ctx = err.get("ctx") or {}
        cause = ctx.get("error")
        loc = _clean_loc(err["loc"])
        if isinstance(cause, ScenarioCrossCheckError):
            problems.extend(Problem(loc + tuple(p), m) for p, m in cause.problems)
            continue
        problems.append(Problem(loc, _message(err, tuple(err["loc"]), data)))
    # one message per place, in file order of discovery
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


def _message(err: dict, loc: tuple, data: Any) -> str:
    kind = err["type"]
    if kind == "extra_forbidden":
        name = str(loc[-1]) if loc else ""
        allowed = _allowed_keys(loc[:-1])
        hint = difflib.get_close_matches(name, allowed, n=1, cutoff=0.6)
        suggestion = f"; did you mean '{hint[0]}'?" if hint else (f"; allowed here: {', '.join(sorted(allowed))}" if allowed else "")
        return f"unknown key '{name}'{suggestion}"
    if kind == "missing":
        return "is required but missing"
    if kind == "union_tag_invalid":
        tag = (err.get("ctx") or {}).get("tag", "?")
        return f"unknown distribution '{tag}'; use one of {', '.join(sorted(_DIST_TAGS))}"
    if kind == "union_tag_not_found":
        return "needs a 'distribution' key (or give a plain number for a fixed value)"
    msg = err["msg"]
    if msg.startswith("Value error, "):
        msg = msg[len("Value error, "):]
    if msg.startswith("Assertion failed, "):
        msg = msg[len("Assertion failed, "):]
    value = err.get("input")
    if kind in {"greater_than_equal", "less_than_equal", "greater_than", "less_than", "literal_error",
                "int_parsing", "float_parsing", "int_from_float", "date_type", "date_parsing", "string_type",
                "bool_type", "int_type", "float_type", "string_pattern_mismatch", "list_type", "dict_type",
                "model_type", "too_long", "too_short", "string_too_long", "string_too_short"}:
        shown = repr(value) if not isinstance(value, (dict, list)) else type(value).__name__
        if len(shown) > 60:
            shown = shown[:57] + "..."
        msg = f"{msg[0].lower()}{msg[1:]} (got {shown})"
    return msg


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


def _toml_reason(exc: tomllib.TOMLDecodeError) -> str:
    msg = str(exc)
    cut = msg.rfind(" (at ")
    return msg[:cut] if cut > 0 else msg


def _toml_line(exc: tomllib.TOMLDecodeError, text: str) -> int:
    found = re.search(r"\(at line (\d+)", str(exc))
    if found:
        return int(found.group(1))
    if "end of document" in str(exc):
        return max(1, len(text.rstrip("\n").splitlines()))
    return 1


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


def data_to_toml(data: Mapping[str, Any], original: str | None = None) -> str:
    """TOML text for scenario data, keeping the comments and layout of ``original`` when given.

    The comments in scenario files (sources, assumptions) are as much the user's work
    as the values.  With ``original``, the data is applied onto that text with tomlkit,
    touching only what changed; the result is parsed back and kept only if it gives
    exactly ``data``.  Otherwise (no ``original``, tomlkit not installed, or any
    trouble merging) the data is rendered afresh with tomli_w, ``schema_version``
    first, so the values are never wrong.  Keys whose value is ``None`` are left out.

    Parameters
    ----------
    data
        Plain TOML-ready data (tables as dicts, dates as :class:`datetime.date`), as
        from :func:`scenario_to_data`, :func:`tomllib.loads` or the app's editor.
    original
        The text of the file being replaced, or ``None``.
    """
    data = _drop_none(dict(data))
    if original and tomlkit is not None:
        try:
            doc = tomlkit.parse(original)
            _merge(doc, data)
            text = tomlkit.dumps(doc)
            if tomllib.loads(text) == data:
                return text
        except Exception:  # any trouble in tomlkit: fall back to the plain rendering below
            pass
    return _plain_toml(data)


def scenario_to_toml(scenario: Scenario, original: str | None = None) -> str:
    """TOML text for ``scenario``, keeping the comments of ``original`` when given (see :func:`data_to_toml`)."""
    return data_to_toml(scenario_to_data(scenario), original)


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


def file_mode_for(target: Path) -> int:
    """Permissions for a file about to replace ``target``: its own, or the umask default."""
    try:
        return os.stat(target).st_mode & 0o777
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


def atomic_write(path: str | os.PathLike, writer) -> Path:
    """Have ``writer(tmp_path)`` write a temporary file beside ``path``, then move it onto ``path``.

    The rename is atomic, so readers see the old file or the new one, never half of
    one; on any failure (a full disk, a crash in ``writer``) the old file is untouched
    and the temporary file removed.  The temporary name keeps the target's extension,
    which some writers use to choose the format.
    """
    target = Path(path)
    folder = target.parent if str(target.parent) else Path(".")
    fd, tmp = tempfile.mkstemp(prefix=f".{target.stem}.", suffix=target.suffix or ".tmp", dir=folder)
    os.close(fd)
    try:
        writer(tmp)
        os.chmod(tmp, file_mode_for(target))  # mkstemp makes 0600; keep what a user expects
        os.replace(tmp, target)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    return target


def atomic_write_text(path: str | os.PathLike, text: str) -> None:
    """Write ``text`` (UTF-8, LF line ends) to ``path`` atomically."""

    def write(tmp: str) -> None:
        with open(tmp, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())

    atomic_write(path, write)


def save_scenario(scenario: Scenario, path: str | os.PathLike, original: str | None = None) -> None:
    """Save a scenario as TOML, atomically, keeping the comments of ``original`` when given."""
    atomic_write_text(path, scenario_to_toml(scenario, original))
