"""``tfsim run``'s charts drawn in helper processes while the replications run.

Importing matplotlib and drawing the two standard charts take about as long as the
replications of a small run, on one core of two.  :func:`start` forks a helper before the
run (before the progress bar's thread, or any other, exists); the helper imports the chart
code while this process simulates, and once sent the results draws each chart in a process
of its own (itself, and a child of its own for each further chart) into memory, as PNG
bytes.  This process writes them into the staged output folder like every other output, so
no helper ever touches a file: a helper that fails or is killed leaves nothing behind, and
the files are the ones :func:`tfsim.export.write_chart` would write, byte for byte.

The helpers ignore Ctrl+C (it reaches a terminal's whole job; this process handles it) and
form a process group of their own, which :meth:`Painter.close` kills at once whenever the
command ends, normally or not.  If this process is killed outright, the helper sees its
pipe close and ends.  Linux only (elsewhere the charts are drawn in this process).
"""

from __future__ import annotations

import os
import pickle
import signal
import struct
import sys
import threading

_LENGTH = struct.Struct("<Q")


def start() -> "Painter | None":
    """A helper process importing the chart code, or None where one cannot be started safely.

    Call it before starting any thread: a thread's locks would be copied into the helper held.
    """
    if not sys.platform.startswith("linux") or threading.active_count() > 1:
        return None
    jobs_read, jobs_write = os.pipe()
    images_read, images_write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the helper: never returns
        code = 1
        try:
            os.close(jobs_write)
            os.close(images_read)
            _helper(jobs_read, images_write)
            code = 0
        finally:
            os._exit(code)  # no exit functions, no flushing of the owner's buffered output
    os.close(jobs_read)
    os.close(images_write)
    try:  # its own group, made from both sides so that it exists whichever runs first
        os.setpgid(pid, pid)
    except OSError:
        pass
    return Painter(pid, jobs_write, images_read)


class Painter:
    """This process's end of a helper started by :func:`start`."""

    def __init__(self, pid: int, jobs: int, images: int):
        self.pid = pid
        self._jobs, self._images = jobs, images
        self._reaped = False

    def draw(self, results, names: list[str]) -> None:
        """Send ``results`` to be drawn as the standard charts ``names`` (:func:`tfsim.export.standard_charts`)."""
        try:
            _send(self._jobs, (results, names))
        except BrokenPipeError:  # the helper has ended: said by images()
            pass

    def images(self) -> list[bytes]:
        """The PNG bytes of the charts sent with :meth:`draw`, in order; a chart's error is raised here."""
        found = _receive(self._images)
        if found is None:
            _, status = os.waitpid(self.pid, 0)
            self._reaped = True
            code = os.waitstatus_to_exitcode(status)
            how = f"killed by {signal.Signals(-code).name}" if code < 0 else f"exit status {code}"
            raise RuntimeError(f"the process drawing the charts ended before it had drawn them ({how})")
        for image in found:
            if isinstance(image, BaseException):
                raise image
        return found

    def close(self) -> None:
        """End the helpers (at once, if they are still at work) and reap this process's child."""
        if self._jobs is None:
            return
        for fd in (self._jobs, self._images):
            os.close(fd)
        self._jobs = self._images = None
        if self._reaped:
            return
        try:
            os.killpg(self.pid, signal.SIGKILL)  # the helper and any child drawing a chart
        except OSError:  # no such group: the helper alone
            os.kill(self.pid, signal.SIGKILL)
        os.waitpid(self.pid, 0)
        self._reaped = True


# ---- the helper ---------------------------------------------------------------------------


def _helper(jobs: int, images: int) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the owner handles Ctrl+C, by ending this group
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    os.setpgid(0, 0)  # a group of its own (with the children below), which the owner ends in one call
    from tfsim import charts, export

    charts.render_figure, export.standard_chart_png  # load them now, as the run goes on (the command loads them lazily)
    job = _receive(jobs)
    if job is None:  # the owner closed without a job (a failed run, or a signal)
        return
    results, names = job
    children = []
    for name in names[1:]:  # one process a chart: each has a core to itself once the run is done
        read, write = os.pipe()
        pid = os.fork()
        if pid == 0:
            code = 1
            try:
                os.close(read)
                _send(write, [_image(results, name)])
                code = 0
            finally:
                os._exit(code)
        os.close(write)
        children.append((pid, read))
    drawn = [_image(results, names[0])] if names else []
    for pid, read in children:
        drawn += _receive(read) or [RuntimeError(f"the process drawing {names[len(drawn)]} ended before it had drawn it")]
        os.waitpid(pid, 0)
    _send(images, drawn)


def _image(results, name: str):
    """The PNG bytes of standard chart ``name``, or the exception that stopped it (to be raised by the owner)."""
    from tfsim import export

    try:
        return export.standard_chart_png(results, name)
    except Exception as exc:  # noqa: BLE001 - reported to the owner, which raises it
        try:
            pickle.dumps(exc)
        except Exception:  # noqa: BLE001 - an exception that cannot travel: its text does
            return RuntimeError(f"{type(exc).__name__}: {exc}")
        return exc


def _send(fd: int, value) -> None:
    data = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
    view = memoryview(_LENGTH.pack(len(data)) + data)
    while view:
        view = view[os.write(fd, view):]


def _receive(fd: int):
    """The next value sent on ``fd``, or None when the other end closed first."""
    head = _read(fd, _LENGTH.size)
    if head is None:
        return None
    data = _read(fd, _LENGTH.unpack(head)[0])
    return None if data is None else pickle.loads(data)


def _read(fd: int, size: int) -> bytes | None:
    chunks, left = [], size
    while left:
        chunk = os.read(fd, min(left, 1 << 20))
        if not chunk:
            return None
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


__all__ = ["Painter", "start"]
