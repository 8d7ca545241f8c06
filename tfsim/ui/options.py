"""The ``tfsim gui`` arguments, defined once for ``tfsim gui`` and ``python -m tfsim.ui.app`` (no Qt)."""

from __future__ import annotations

import argparse

DESCRIPTION = "The tfsim desktop app."


#: The most replications one run may ask for: each keeps its monthly figures in memory
#: (10,000 replications of a county scenario take a few hundred megabytes).
MAX_REPLICATIONS = 20_000
#: The largest seed (NumPy seeds are non-negative integers; 64 bits is plenty).
MAX_SEED = 2 ** 64 - 1
#: The most worker processes one run may start.
MAX_JOBS = 512


def _whole_number(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None


def replications(text: str) -> int:
    """An argparse type: replications from 1 to :data:`MAX_REPLICATIONS`."""
    n = _whole_number(text)
    if not 1 <= n <= MAX_REPLICATIONS:
        raise argparse.ArgumentTypeError(f"{n} is not between 1 and {MAX_REPLICATIONS:,} (more would need "
                                         "gigabytes of memory; --precision chooses enough)")
    return n


def seed(text: str) -> int:
    """An argparse type: a seed from 0 to 2**64 - 1."""
    n = _whole_number(text)
    if not 0 <= n <= MAX_SEED:
        raise argparse.ArgumentTypeError(f"{n} is not a seed: give a whole number from 0 to 2**64 - 1")
    return n


def jobs(text: str) -> int:
    """An argparse type: worker processes from 0 (automatic) to :data:`MAX_JOBS`."""
    n = _whole_number(text)
    if not 0 <= n <= MAX_JOBS:
        raise argparse.ArgumentTypeError(f"{n} is not between 0 (automatic) and {MAX_JOBS}")
    return n


def path_text(text: str) -> str:
    """An argparse type: a file or folder name, not empty."""
    if not text.strip():
        raise argparse.ArgumentTypeError("an empty name; give a file or folder")
    if "\0" in text:
        raise argparse.ArgumentTypeError("a name with a NUL character")
    return text


def add_gui_arguments(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """Add the app's arguments to ``parser`` (the ``gui`` subcommand's or the app's own)."""
    parser.add_argument("scenario", nargs="?", metavar="SCENARIO", type=path_text,
                        help="scenario file, or a bundled scenario's name, opened as a read-only template "
                             "(default: the bundled sevenoaks-2014)")
    parser.add_argument("--run", action="store_true", help="run the scenario once it is open")
    parser.add_argument("--screenshot", metavar="FILE.png", type=path_text, help="after the run, save a picture of the window and exit")
    parser.add_argument("--replications", "-n", type=replications, default=None, help="runs (replications) for --run")
    return parser


def gui_parser() -> argparse.ArgumentParser:
    return add_gui_arguments(argparse.ArgumentParser(prog="tfsim gui", description=DESCRIPTION))


def parse_gui_args(argv: list[str]) -> argparse.Namespace:
    return gui_parser().parse_args(argv)


# ---- can the app open a window here? (no Qt: Qt aborts the process when it cannot) ------------

#: Qt platforms that need no screen.
SCREENLESS_PLATFORMS = ("offscreen", "minimal", "vnc", "linuxfb", "eglfs", "minimalegl", "vkkhrdisplay")


def _x_display_reachable(display: str) -> bool:
    """Whether the X server named by ``display`` (``:0``, ``host:10.0``, ``unix:1``) accepts a connection."""
    import socket

    host, _, rest = display.rpartition(":")
    number = rest.split(".")[0]
    if not number.isdigit():
        return False
    try:
        if host in ("", "unix") or host.startswith("/"):
            path = host if host.startswith("/") else f"/tmp/.X11-unix/X{number}"
            for address in (path, "\0" + path):  # the file, or Linux's abstract socket of the same name
                with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
                    sock.settimeout(2)
                    try:
                        sock.connect(address)
                        return True
                    except OSError:
                        continue
            return False
        with socket.create_connection((host, 6000 + int(number)), timeout=2):
            return True
    except OSError:
        return False


def screen_problem(environ=None, platform: str | None = None) -> str | None:
    """Why the desktop app cannot open a window here, in a sentence, or None when it can.

    Qt ends the whole process (abort, exit 134) when its platform plugin cannot start, so
    the app checks first: a display to connect to (``DISPLAY`` or ``WAYLAND_DISPLAY``),
    unless ``QT_QPA_PLATFORM`` names a platform that needs none, and on X the one library
    the xcb plugin loads that a bare system often lacks.
    """
    import os
    import sys

    env = os.environ if environ is None else environ
    system = sys.platform if platform is None else platform
    chosen = env.get("QT_QPA_PLATFORM", "").split(":")[0].strip().lower()
    if chosen in SCREENLESS_PLATFORMS or not system.startswith("linux"):
        return None
    wayland = env.get("WAYLAND_DISPLAY", "")
    if wayland and chosen in ("", "wayland", "wayland-egl"):
        runtime = env.get("XDG_RUNTIME_DIR", "")
        if os.path.exists(wayland if wayland.startswith("/") else os.path.join(runtime, wayland)):
            return None
        if chosen:
            return f"cannot connect to the Wayland display {wayland!r}"
    display = env.get("DISPLAY", "")
    if not display:
        return ("no screen found (DISPLAY is not set): run it on a desktop, or over ssh -X; "
                "`tfsim run` works without one")
    if not _x_display_reachable(display):
        return f"cannot connect to the display {display!r} (is the X server running, and may you use it?)"
    import ctypes.util

    if ctypes.util.find_library("xcb-cursor") is None:
        return ("Qt needs the system library libxcb-cursor0 to open a window on X: install it "
                "(apt-get install libxcb-cursor0; `bash scripts/setup.sh` as root installs it)")
    return None
