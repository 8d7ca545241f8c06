"""The ``tfsim gui`` arguments, defined once for ``tfsim gui`` and ``python -m tfsim.ui.app`` (no Qt)."""

from __future__ import annotations

import argparse

DESCRIPTION = "The tfsim desktop app."


def add_gui_arguments(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """Add the app's arguments to ``parser`` (the ``gui`` subcommand's or the app's own)."""
    parser.add_argument("scenario", nargs="?", metavar="SCENARIO",
                        help="scenario file, or a bundled scenario's name, opened as a read-only template "
                             "(default: the bundled sevenoaks-2014)")
    parser.add_argument("--run", action="store_true", help="run the scenario once it is open")
    parser.add_argument("--screenshot", metavar="FILE.png", help="after the run, save a picture of the window and exit")
    parser.add_argument("--replications", "-n", type=int, default=None, help="runs (replications) for --run")
    return parser


def gui_parser() -> argparse.ArgumentParser:
    return add_gui_arguments(argparse.ArgumentParser(prog="tfsim gui", description=DESCRIPTION))


def parse_gui_args(argv: list[str]) -> argparse.Namespace:
    return gui_parser().parse_args(argv)
