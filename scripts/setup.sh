#!/usr/bin/env bash
# Set up everything tfsim needs, idempotently: the Qt system libraries (Debian, as root),
# a virtual environment in .venv and the package with its test tools. Quick when nothing
# changed: it reinstalls only when pyproject.toml changes.
set -euo pipefail
cd "$(dirname "$0")/.."

# Shared libraries PySide6 needs on a bare Debian machine (offscreen and on a real screen).
QT_LIBS="libegl1 libgl1 libglib2.0-0 libfontconfig1 libdbus-1-3 libxkbcommon0 libxkbcommon-x11-0
libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-image0 libxcb-render-util0 libxcb-shape0 libxcb-xinerama0"
if command -v dpkg >/dev/null 2>&1 && command -v apt-get >/dev/null 2>&1; then
  missing=""
  for p in $QT_LIBS; do dpkg -s "$p" >/dev/null 2>&1 || missing="$missing $p"; done
  if [ -n "$missing" ]; then
    if [ "$(id -u)" = 0 ]; then
      echo "setup: installing system libraries for Qt:$missing" >&2
      apt-get update -qq >/dev/null
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing >/dev/null
    else
      echo "setup: Qt may need these system packages (run as root to install):$missing" >&2
    fi
  fi
fi

PY=${PYTHON:-python3}
if ! "$PY" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
  echo "setup: tfsim needs Python 3.11 or newer ($PY is $("$PY" --version 2>&1))" >&2
  exit 1
fi
stamp=.venv/.tfsim-installed  # written only once an install has completed
want=$(cat pyproject.toml | sha256sum | cut -c1-16)
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] && .venv/bin/python -c '' 2>/dev/null; then
  exit 0  # set up, and nothing changed
fi
# A .venv without pip (python3-venv was missing when it was made, or an install was cut short)
# cannot be repaired in place: make it again.
if [ -d .venv ] && ! .venv/bin/python -m pip --version >/dev/null 2>&1; then
  echo "setup: .venv is incomplete (no pip); making it again" >&2
  rm -rf .venv
fi
if [ ! -x .venv/bin/python ]; then
  if ! "$PY" -m venv .venv; then
    rm -rf .venv  # never leave half a venv behind for the next run to trip over
    echo "setup: could not make a virtual environment; install Python's venv module first" >&2
    echo "       (Debian/Ubuntu: apt-get install python3-venv), then run this again" >&2
    exit 1
  fi
fi
echo "setup: installing tfsim and its dependencies into .venv" >&2
rm -f "$stamp"
.venv/bin/python -m pip install -q --disable-pip-version-check --upgrade pip
.venv/bin/python -m pip install -q --disable-pip-version-check -e ".[dev]"
echo "$want" > "$stamp"
