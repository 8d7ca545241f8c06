"""tfsim as a user installs it: the built wheel in a fresh virtual environment, used from another folder.

The wheel is built offline (``pip wheel --no-build-isolation --no-index``, with the
setuptools of the environment running the tests) from a copy of the source, and installed
with ``--no-deps --no-index`` into a new virtual environment made without pip.  That
environment borrows the test environment's libraries (numpy, PySide6, ...) through a
``.pth`` file, which adds their folder to ``sys.path`` without running its ``.pth`` files, so
the checkout's editable install is not seen: ``import tfsim`` finds the wheel's copy only.
Every command then runs in an empty folder outside the checkout, with no ``PYTHONPATH``.

Skipped when no build backend is at hand (setuptools older than the one ``pyproject.toml``
asks for); deselect with ``-m "not wheel"``.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import time
import tomllib
import venv
from pathlib import Path

import pytest

from helpers import ROOT
from tfsim.scenario.reference import scenario_reference

pytestmark = pytest.mark.wheel

#: The setuptools ``pyproject.toml`` builds with (the licence as an SPDX expression needs 77).
SETUPTOOLS = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["build-system"]["requires"]


def _backend_or_skip() -> None:
    try:
        import setuptools
    except ImportError:  # pragma: no cover - depends on the machine
        pytest.skip("no build backend (setuptools) in this environment")
    wanted = next((r.split(">=")[1].split(",")[0].strip() for r in SETUPTOOLS if r.startswith("setuptools>=")), "0")
    have = tuple(int(x) for x in setuptools.__version__.split(".")[:2] if x.isdigit())
    if have < tuple(int(x) for x in wanted.split(".")):  # pragma: no cover
        pytest.skip(f"setuptools {setuptools.__version__} is older than the {wanted} the build needs "
                    "(pip install 'setuptools>={wanted}')")


def _run(cmd: list, cwd: Path, env: dict, timeout: float = 240) -> subprocess.CompletedProcess:
    done = subprocess.run([str(c) for c in cmd], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    assert done.returncode == 0, f"{cmd} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}"
    return done


def _build_wheel(work: Path) -> Path:
    """The wheel of a copy of the source (the checkout itself is left untouched)."""
    src = work / "src"
    shutil.copytree(ROOT / "tfsim", src / "tfsim", ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(ROOT / name, src / name)
    dist = work / "dist"
    _run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation", "--no-index",
          "--disable-pip-version-check", "-w", dist, src], work, {**os.environ, "PIP_NO_INPUT": "1"})
    (wheel,) = dist.glob("tfsim-*.whl")
    return wheel


def _fresh_environment(work: Path, wheel: Path) -> Path:
    """A new virtual environment with the wheel installed and this environment's libraries visible."""
    env_dir = work / "venv"
    venv.EnvBuilder(with_pip=False, symlinks=os.name != "nt").create(env_dir)
    python = env_dir / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
    site = Path(_run([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], work,
                     _clean_env(work)).stdout.strip())
    borrowed = {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}
    (site / "borrowed-libraries.pth").write_text("\n".join(sorted(borrowed)) + "\n", encoding="utf-8")
    _run([sys.executable, "-m", "pip", "--python", python, "install", "--quiet", "--no-deps", "--no-index",
          "--no-compile", "--disable-pip-version-check", wheel], work, {**os.environ, "PIP_NO_INPUT": "1"})
    return env_dir


def _clean_env(work: Path) -> dict:
    """The environment of a user's shell: no PYTHONPATH, Qt offscreen, settings in a home of its own."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "PYTEST", "VIRTUAL_ENV"))}
    home = work / "home"
    home.mkdir(exist_ok=True)
    env.update(HOME=str(home), XDG_CONFIG_HOME=str(home / ".config"), QT_QPA_PLATFORM="offscreen",
               MPLBACKEND="Agg", TFSIM_DEBUG="1")
    return env


def test_the_installed_wheel_works_outside_the_checkout(tmp_path):
    _backend_or_skip()
    started = time.perf_counter()
    wheel = _build_wheel(tmp_path)
    names = _run([sys.executable, "-m", "zipfile", "-l", wheel], tmp_path, os.environ).stdout
    assert "tfsim/scenarios/sevenoaks-2014.toml" in names and "tfsim/report/template.docx" in names
    env_dir = _fresh_environment(tmp_path, wheel)
    bin_dir = env_dir / ("Scripts" if os.name == "nt" else "bin")
    tfsim, python = bin_dir / "tfsim", bin_dir / "python"
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = _clean_env(tmp_path)
    built = time.perf_counter() - started

    where = _run([python, "-c", "import tfsim; print(tfsim.__file__)"], elsewhere, env).stdout.strip()
    assert Path(where).is_relative_to(env_dir), f"tfsim imported from {where}, not the wheel"

    listing = _run([tfsim, "scenarios"], elsewhere, env).stdout
    assert "sevenoaks-2014" in listing and "Sevenoaks District" in listing and "Apr 2012 to Mar 2015" in listing
    paths = _run([tfsim, "scenarios", "--paths"], elsewhere, env).stdout.split()
    assert len(paths) >= 9 and all(Path(p).is_relative_to(env_dir) for p in paths)

    assert _run([tfsim, "validate", "sevenoaks-2014"], elsewhere, env).stdout.strip() == "ok"
    _run([tfsim, "run", "sevenoaks-2014", "-n", "3", "--jobs", "1", "--out", "res"], elsewhere, env)
    facts = json.loads((elsewhere / "res" / "run.json").read_text(encoding="utf-8"))
    assert facts["scenario_file"] == "sevenoaks-2014.toml" and len(facts["scenario_sha256"]) == 64
    assert facts["tfsim_version"] not in ("", "unknown")
    assert (elsewhere / "res" / "summary.csv").is_file()
    # the sample history ships with the package and is found by name, as the scenarios are
    out = _run([tfsim, "backtest", "sevenoaks-2014", "sevenoaks-2014-history.csv", "-n", "3", "--jobs", "1",
                "--out", "bt"], elsewhere, env).stdout
    assert "against sevenoaks-2014-history.csv: 36 months, 3 runs" in out
    assert (elsewhere / "bt" / "backtest-referrals.png").is_file()

    _run([tfsim, "docs"], elsewhere, env)
    assert (elsewhere / "docs" / "scenario-format.md").read_text(encoding="utf-8") == scenario_reference()
    assert (elsewhere / "docs" / "metrics.md").is_file()

    shot = elsewhere / "app.png"
    _run([tfsim, "gui", "--screenshot", shot], elsewhere, env)
    assert shot.stat().st_size > 10_000
    diff = _run([tfsim, "diff", "kent-phase2-threefold", "kent-phase2-expansion"], elsewhere, env).stdout
    assert "Staffing plan: added" in diff
    print(f"wheel built and installed in {built:.1f} s; commands run in {time.perf_counter() - started - built:.1f} s")
