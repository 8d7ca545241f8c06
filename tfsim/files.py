"""Writing files so that a failure never leaves half of one: atomic files and staged folders.

Every file tfsim writes (scenarios, CSV tables, workbooks, charts, documents) goes to a
temporary name beside its target and is renamed over it only when complete; a run's
outputs go to a temporary folder beside the output folder and are moved in only when all
are complete.  On any failure (a full disk, a read-only folder, an exception, Ctrl+C or
SIGTERM) the temporary file or folder is removed and the earlier files are untouched.

A writer killed outright (``kill -9``, a power cut) cannot clean up, so temporary names
carry the writing process's id (``.summary.tfsim-4242-k3j2h1ab.csv``): the next write
into the same folder removes those whose process has ended.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import tempfile
from pathlib import Path
from typing import Callable, Iterator

#: The marker in a temporary name, before the process id.
MARKER = ".tfsim-"
_TEMPORARY = re.compile(r"^\..*\.tfsim-(\d+)-[A-Za-z0-9_]+(\.[^/]*)?$")


def file_mode_for(target: Path) -> int:
    """Permissions for a file about to replace ``target``: its own, or the umask default."""
    try:
        return os.stat(target).st_mode & 0o777
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


def process_alive(pid: int) -> bool:
    """Whether process ``pid`` is running (this one, or another user's, counts): whose temporary or recovery file it is."""
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # another user's process: alive
        return True
    return True


def temporary_owner(name: str) -> int | None:
    """The process id in a temporary name of tfsim's, or None for any other name."""
    found = _TEMPORARY.match(name)
    return int(found.group(1)) if found else None


def remove_stale(folder: str | os.PathLike) -> list[Path]:
    """Remove the temporary files and folders in ``folder`` left by tfsim processes that have ended.

    Returns what was removed.  A folder that cannot be listed is left alone.
    """
    removed = []
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return removed
    for entry in entries:
        pid = temporary_owner(entry.name)
        if pid is None or process_alive(pid):
            continue
        try:
            if entry.is_dir(follow_symlinks=False):
                shutil.rmtree(entry.path)
            else:
                os.unlink(entry.path)
            removed.append(Path(entry.path))
        except OSError:
            pass
    return removed


def _prefix(target: Path) -> str:
    return f".{target.stem or 'file'}{MARKER}{os.getpid()}-"


def atomic_write(path: str | os.PathLike, writer: Callable[[str], object]) -> Path:
    """Have ``writer(tmp_path)`` write a temporary file beside ``path``, then move it onto ``path``.

    The rename is atomic, so readers see the old file or the new one, never half of
    one; on any failure (a full disk, a crash in ``writer``, a signal) the old file is
    untouched and the temporary file removed.  The temporary name keeps the target's
    extension, which some writers use to choose the format, and carries this process's
    id so that a later write removes it if this process is killed first.
    """
    target = Path(path)
    folder = target.parent if str(target.parent) else Path(".")
    remove_stale(folder)
    fd, tmp = tempfile.mkstemp(prefix=_prefix(target), suffix=target.suffix or ".tmp", dir=folder)
    os.close(fd)
    try:
        writer(tmp)
        os.chmod(tmp, file_mode_for(target))  # mkstemp makes 0600; keep what a user expects
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
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


class OutputFolderError(OSError):
    """An output folder that cannot be one (an existing file, or a name inside a file)."""


def check_output_folder(out: str | os.PathLike) -> Path:
    """``out`` as an output folder, or :class:`OutputFolderError` saying why it cannot be one.

    Checked before a run starts, so minutes of simulation are not lost to a typing slip: the
    folder may exist or not, but no part of its path may be an existing file.
    """
    out = Path(out)
    for part in [out, *out.parents]:
        if part.exists():
            if not part.is_dir():
                raise OutputFolderError(20, "is a file, not a folder" if part == out else
                                        f"{part} is a file, not a folder", str(out))
            break
    return out


@contextlib.contextmanager
def staged_folder(out: str | os.PathLike) -> Iterator[Path]:
    """A temporary folder beside ``out`` to write a set of outputs into; moved into ``out`` when all are written.

    Yields the temporary folder.  When the block ends normally every file in it is moved
    into ``out`` (created if need be), replacing files of the same name and leaving others;
    when it raises, the temporary folder is removed and ``out`` is untouched.
    """
    out = check_output_folder(out)
    parent = out.parent if str(out.parent) else Path(".")
    parent.mkdir(parents=True, exist_ok=True)
    remove_stale(parent)
    stage = Path(tempfile.mkdtemp(prefix=_prefix(out), suffix=".tmp", dir=parent))
    try:
        yield stage
        out.mkdir(exist_ok=True)
        remove_stale(out)
        for item in sorted(stage.iterdir()):
            os.replace(item, out / item.name)
    finally:
        shutil.rmtree(stage, ignore_errors=True)
