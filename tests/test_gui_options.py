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


# ---- starting the app where it cannot run ----------------------------------------------------

import os  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
from pathlib import Path  # noqa: E402

import pytest  # noqa: E402

from tfsim.ui.options import screen_problem  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent


def test_no_display_is_said_in_a_sentence():
    assert "DISPLAY is not set" in screen_problem({}, "linux")
    assert "cannot connect to the display ':93'" in screen_problem({"DISPLAY": ":93"}, "linux")
    assert screen_problem({"QT_QPA_PLATFORM": "offscreen"}, "linux") is None
    assert screen_problem({}, "win32") is None


def _gui(args, env_changes, timeout=60):
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    env.update(PYTHONPATH=str(ROOT), MPLBACKEND="Agg", **env_changes)
    return subprocess.run([sys.executable, "-m", "tfsim", "gui", *args], env=env, capture_output=True, text=True,
                          timeout=timeout)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="X11 displays")
def test_the_app_without_a_display_exits_2_with_a_message_not_an_abort():
    done = _gui([], {"DISPLAY": ":93"})
    assert done.returncode == 2 and done.stderr.startswith("tfsim gui: cannot connect to the display")
    done = _gui([], {})
    assert done.returncode == 2 and "DISPLAY is not set" in done.stderr


def test_the_app_without_pyside6_says_how_to_install_it():
    # tfsim-gui's entry point, in a Python where PySide6 cannot be imported
    code = "import sys; sys.modules['PySide6'] = None; from tfsim.cli import gui_main; sys.exit(gui_main([]))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60,
                          env=dict(os.environ, PYTHONPATH=str(ROOT), QT_QPA_PLATFORM="offscreen"))
    err = done.stderr
    assert done.returncode == 2 and err.count("\n") == 1 and "pip install 'pyside6-essentials" in err and sys.executable in err
    missing_lib = cli._gui_import_problem(ImportError("libEGL.so.1: cannot open shared object file"))
    assert "libEGL.so.1" in missing_lib and "apt-get install libegl1" in missing_lib


def _misspelt(path: Path) -> Path:
    text = (ROOT / "scenarios" / "sevenoaks-2014.toml").read_text(encoding="utf-8")
    path.write_text(text.replace("refusal_probability", "refusal_probabilty", 1), encoding="utf-8")
    return path


@pytest.mark.parametrize("make, extra, says", [
    (lambda d: d / "gone.toml", [], "Cannot open scenario"),
    (lambda d: _misspelt(d / "bad.toml"), ["--run"], "Cannot run yet"),
])
def test_a_headless_screenshot_exits_when_a_dialog_would_wait(tmp_path, make, extra, says):
    done = _gui([str(make(tmp_path)), *extra, "--screenshot", str(tmp_path / "shot.png")],
                {"XDG_CONFIG_HOME": str(tmp_path / "config"), "HOME": str(tmp_path)})
    assert done.returncode == 2, done.stderr
    assert f"tfsim gui: {says}" in done.stderr and "Traceback" not in done.stderr
    assert not (tmp_path / "shot.png").exists()
