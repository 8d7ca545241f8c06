#!/usr/bin/env bash
# Quick start, part 1: set up (first time only) and open the desktop app on the bundled
# Sevenoaks scenario. Extra arguments go to `tfsim gui` (e.g. another scenario file).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
if [ $# -eq 0 ]; then set -- scenarios/sevenoaks-2014.toml; fi
if [ -z "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ] && [ "${QT_QPA_PLATFORM:-}" != offscreen ]; then
  echo "run-app: no screen found (DISPLAY is not set); running the forecast on the command line instead." >&2
  exec .venv/bin/tfsim run "$1"
fi
exec .venv/bin/tfsim gui "$@"
