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
    parser.add_argument("scenario", nargs="?", metavar="SCENARIO.toml", type=path_text,
                        help="scenario file (default: the bundled Sevenoaks 2014)")
    parser.add_argument("--run", action="store_true", help="run the scenario once it is open")
    parser.add_argument("--screenshot", metavar="FILE.png", type=path_text, help="after the run, save a picture of the window and exit")
    parser.add_argument("--replications", "-n", type=replications, default=None, help="runs (replications) for --run")
    return parser


def gui_parser() -> argparse.ArgumentParser:
    return add_gui_arguments(argparse.ArgumentParser(prog="tfsim gui", description=DESCRIPTION))


def parse_gui_args(argv: list[str]) -> argparse.Namespace:
    return gui_parser().parse_args(argv)
