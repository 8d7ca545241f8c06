"""One parser for the app's arguments: ``tfsim gui`` and ``python -m tfsim.ui.app`` agree."""

from __future__ import annotations

from tfsim import cli
from tfsim.ui.options import parse_gui_args

ARGV = ["my.toml", "--run", "--screenshot", "shot.png", "--replications", "7"]
OPTIONS = ("scenario", "run", "screenshot", "replications")


def test_the_gui_subcommand_and_the_app_parse_the_same_arguments():
    via_cli = cli.build_parser().parse_args(["gui", *ARGV])
    own = parse_gui_args(ARGV)
    assert via_cli.func is cli.cmd_gui
    assert {k: getattr(via_cli, k) for k in OPTIONS} == {k: getattr(own, k) for k in OPTIONS} == {
        "scenario": "my.toml", "run": True, "screenshot": "shot.png", "replications": 7}


def test_defaults_open_the_bundled_scenario_without_running():
    args = cli.build_parser().parse_args(["gui"])
    assert (args.scenario, args.run, args.screenshot, args.replications) == (None, False, None, None)
    short = parse_gui_args(["-n", "3"])
    assert short.replications == 3
