"""Schema versions of scenario files: which versions this tfsim reads, and the chain that updates old files.

Every scenario file says its format version (``schema_version = 1``).  This tfsim reads
every version from :data:`FIRST` to :data:`CURRENT`: a file of an older version is brought
up to date by the chain of :data:`MIGRATIONS`, one step from each version ``N`` to ``N + 1``.
A step renames keys (:class:`Rename`, with a notice that names the new key) and may make
other edits; each works on the file's own document, a :mod:`tomlkit` document, in place,
so the comments beside the values (their sources, ASSUMPTION and FITTED) stay where they
are.  The same steps work on plain parsed data, which is how :func:`tfsim.scenario.io.read_scenario`
loads an old file without rewriting it; ``tfsim migrate FILE`` (:func:`migrate_file`)
rewrites the file itself, atomically and keeping a backup.

A file newer than this tfsim, or a version that is not a whole number, is refused with a
message that says what to do.  Version 1 is the first released format, so the chain is
empty today; ``tests/fixtures/v1/`` holds every bundled scenario as released at version 1,
and the tests load them all, so a step added later must keep them loading.

To change the format: add the step ``MIGRATIONS[N] = Migration(N, ...)``, raise
``SCHEMA_VERSION`` in the schema, freeze the bundled scenarios as ``tests/fixtures/vN+1/``
and update the bundled files (``tfsim migrate``).
"""

from __future__ import annotations

import os
import shutil
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, MutableMapping

import tomlkit
from tomlkit.container import Container

from .messages import echo
from .schema import SCHEMA_VERSION

#: The oldest version this tfsim reads.
FIRST = 1
#: The version this tfsim writes (the schema's).
CURRENT = SCHEMA_VERSION
#: What stands for "every item of a list, or every key of a table" in a :class:`Rename` path.
ANY = "*"


@dataclass(frozen=True)
class Rename:
    """A key renamed from one version to the next.

    Attributes
    ----------
    path : tuple of str
        The key's path as the older version writes it; ``"*"`` for every item of a list
        or every key of a table: ``("roles", "*", "caseload_cap_per_fte")``.
    new : str
        The key's new name (it stays in the same table, at the same place in the file).
    """

    path: tuple[str, ...]
    new: str


@dataclass(frozen=True)
class Notice:
    """Something a migration did to a file, to tell the user: where (as the old file wrote it) and what."""

    path: tuple
    message: str


@dataclass(frozen=True)
class Migration:
    """One step of the chain: the edits that turn a file of version ``source`` into version ``source + 1``.

    Attributes
    ----------
    source : int
        The version the step reads.
    summary : str
        What changed in the format, in a sentence (``tfsim migrate`` prints it).
    renames : tuple of Rename
        Keys renamed, applied first.
    edit : callable, optional
        Any other edit, ``edit(document) -> list[Notice]``: it changes the document (a
        mapping, plain or :mod:`tomlkit`) in place, keeping what it does not need to touch.
    """

    source: int
    summary: str
    renames: tuple[Rename, ...] = ()
    edit: Callable[[MutableMapping], list[Notice]] | None = field(default=None, compare=False)


#: The chain: ``MIGRATIONS[N]`` takes a file from version ``N`` to ``N + 1``.  Version 1 is the
#: first released format, so there is no step yet.
MIGRATIONS: dict[int, Migration] = {}


class NotMigratable(ValueError):
    """A file that cannot be brought to the current version; the message says why and what to do."""


# ---- what a version says ---------------------------------------------------------------------


def _tfsim_version() -> str:
    from importlib import metadata

    try:
        return metadata.version("tfsim")
    except metadata.PackageNotFoundError:  # a source tree never installed
        return "this version"


def version_problem(value: Any, latest: int | None = None) -> str | None:
    """Why ``schema_version = value`` cannot be read (None when this tfsim reads it).

    The type is named as the file wrote it: text (``"1"``), true/false or a decimal
    (``1.0``) is not a whole number even where Python would let it equal one.  ``latest``
    is the newest version accepted (default :data:`CURRENT`).
    """
    latest = CURRENT if latest is None else latest
    fix = f"`schema_version = {CURRENT}`"
    if isinstance(value, bool):
        return f"must be a whole number, not true or false: write {fix}"
    if isinstance(value, str):
        text = value.strip()
        if text.isdigit():
            return f"must be a whole number, not text: write `schema_version = {int(text)}` without the quotes"
        return f"must be a whole number, not the text {echo(value)}: write {fix}"
    if isinstance(value, float):
        whole = f"`schema_version = {int(value)}`" if value == value and value.is_integer() else fix
        return f"must be a whole number, not the decimal {echo(value)}: write {whole}"
    if not isinstance(value, int):
        kind = {dict: "a table", list: "a list"}.get(type(value), f"a {type(value).__name__}")
        return f"must be a whole number, not {kind}: write {fix}"
    if value > latest:
        return (f"this file is schema version {value}, newer than this tfsim ({_tfsim_version()}) reads ("
                f"{_range()}): it was saved by a newer tfsim; install that (pip install --upgrade tfsim) to open it")
    if value < FIRST:
        return f"there is no schema version {value}: versions start at {FIRST}; this tfsim reads {_range()}"
    return None


def _range() -> str:
    return f"version {CURRENT}" if FIRST == CURRENT else f"versions {FIRST} to {CURRENT}"


def renamed_key(path: tuple, version: int | None = None) -> tuple[str, int] | None:
    """``(new name, version that renamed it)`` when the last key of ``path`` is a key the chain renamed.

    ``version`` is the file's version: only renames at or after it count (None: any).  A
    current file that still uses an old name is told the new one.
    """
    for source in sorted(MIGRATIONS):
        if version is not None and source < version:
            continue
        for rename in MIGRATIONS[source].renames:
            if len(rename.path) == len(path) and all(p == ANY or p == str(q) for p, q in zip(rename.path, path)):
                return rename.new, source + 1
    return None


# ---- the chain ---------------------------------------------------------------------------


def _container(table: Any) -> Any:
    """The tomlkit container holding a table's keys in order (the table itself for plain dicts)."""
    inner = getattr(table, "value", None)
    return inner if isinstance(inner, Container) else table


def _rename(table: MutableMapping, old: str, new: str) -> None:
    """Rename ``old`` to ``new`` in ``table`` in place, at the same position, keeping its comment."""
    if new in table:
        raise NotMigratable(f"cannot rename '{old}' to '{new}': the table already has a key '{new}'")
    container = _container(table)
    if isinstance(container, Container):
        item = container.item(old)
        container._replace(old, new, item)  # keeps the item (value, comment, layout) and its place
        return
    items = list(table.items())
    table.clear()
    for key, value in items:
        table[new if key == old else key] = value


def _apply(rename: Rename, node: Any, path: tuple, out: list[Notice], version: int) -> None:
    head, rest = rename.path[0], rename.path[1:]
    if not rest:
        if isinstance(node, MutableMapping) and head in node:
            _rename(node, head, rename.new)
            out.append(Notice(path + (head,), f"'{head}' is now '{rename.new}' (renamed in schema version "
                                              f"{version + 1}); read as '{rename.new}'"))
        return
    if head == ANY:
        children = (list(enumerate(node)) if isinstance(node, list) else
                    list(node.items()) if isinstance(node, MutableMapping) else [])
    elif isinstance(node, MutableMapping) and head in node:
        children = [(head, node[head])]
    else:
        children = []
    for key, child in children:
        _apply(Rename(rest, rename.new), child, path + (key,), out, version)


def migrate(document: MutableMapping, target: int | None = None) -> list[Notice]:
    """Bring ``document`` (plain parsed data or a :mod:`tomlkit` document) to version ``target``, in place.

    Parameters
    ----------
    document : mapping
        The file's top-level table; its ``schema_version`` says where the chain starts.
    target : int, optional
        The version to reach (default :data:`CURRENT`).

    Returns
    -------
    list of Notice
        What was changed, each at its path in the file as it was written.

    Raises
    ------
    NotMigratable
        If the version cannot be read, is newer than ``target``, or a step is missing.
    """
    target = CURRENT if target is None else target
    version = document.get("schema_version")
    problem = version_problem(version, latest=target)
    if problem:
        raise NotMigratable(problem)
    notices: list[Notice] = []
    while version < target:
        step = MIGRATIONS.get(version)
        if step is None:
            raise NotMigratable(f"this tfsim has no way to update a schema version {version} file to version "
                                f"{version + 1}")
        for rename in step.renames:
            _apply(rename, document, (), notices, version)
        if step.edit is not None:
            notices += step.edit(document)
        version += 1
    document["schema_version"] = version
    return notices


def migrate_text(text: str, target: int | None = None) -> tuple[str, list[Notice], int]:
    """``(new text, notices, old version)`` for a file's text, its comments and layout kept.

    The edits are made on the tomlkit document of the text; the result is checked against
    the same edits made on the plain data, so the values are exactly those of the chain.
    """
    document = tomlkit.parse(text)
    old = document.get("schema_version")
    plain = tomllib.loads(text)
    notices = migrate(document, target)
    migrate(plain, target)
    new_text = tomlkit.dumps(document)
    if tomllib.loads(new_text) != plain:  # pragma: no cover - a tomlkit layout the edits could not keep
        from .io import data_to_toml

        new_text = data_to_toml(plain, text)
    return new_text, notices, old


# ---- tfsim migrate ----------------------------------------------------------------------------


@dataclass
class Migrated:
    """What :func:`migrate_file` did."""

    path: Path
    old_version: int
    new_version: int
    notices: list[Notice]
    backup: Path | None
    steps: list[Migration]

    @property
    def changed(self) -> bool:
        return self.old_version != self.new_version


def backup_name(path: Path, version: int) -> Path:
    """A free name for the backup of ``path`` at ``version``: ``district.toml.v1.bak``, then ``.v1.2.bak``..."""
    candidate = path.with_name(f"{path.name}.v{version}.bak")
    n = 2
    while candidate.exists():
        candidate = path.with_name(f"{path.name}.v{version}.{n}.bak")
        n += 1
    return candidate


def migrate_file(path: str | os.PathLike, backup: bool = True, target: int | None = None) -> Migrated:
    """Rewrite a scenario file at the current version, atomically, keeping a backup of the old one.

    The backup (the file's bytes as they were) is written first, then the new text
    replaces the file in one rename (:func:`tfsim.scenario.io.atomic_write_text`): a crash
    or a full disk leaves the old file, never half a new one.  A file already current is
    left alone.

    Raises
    ------
    NotMigratable
        When the file cannot be read as TOML or its version cannot be migrated.
    OSError
        When the file or its backup cannot be written.
    """
    from .io import atomic_write, atomic_write_text

    path = Path(path)
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
        old = tomllib.loads(text).get("schema_version")
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise NotMigratable(f"cannot be read as TOML ({exc}); `tfsim validate` says where") from None
    if old is None:
        raise NotMigratable(f"has no schema_version; put `schema_version = {FIRST}` at the top if it was written for "
                            "the first version")
    target = CURRENT if target is None else target
    problem = version_problem(old, latest=target)
    if problem:
        raise NotMigratable(problem)
    if old == target:
        return Migrated(path, old, old, [], None, [])
    new_text, notices, _ = migrate_text(text, target)
    saved = None
    if backup:
        saved = backup_name(path, old)
        atomic_write(saved, lambda tmp: shutil.copyfile(path, tmp))
    atomic_write_text(path, new_text)
    return Migrated(path, old, target, notices, saved, [MIGRATIONS[v] for v in range(old, target)])


__all__ = ["ANY", "CURRENT", "FIRST", "MIGRATIONS", "Migrated", "Migration", "NotMigratable", "Notice", "Rename",
           "backup_name", "migrate", "migrate_file", "migrate_text", "renamed_key", "version_problem"]
