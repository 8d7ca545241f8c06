#!/usr/bin/env bash
# Quick start, part 2: set up (first time only) and run the whole test suite: the
# architecture contracts (import-linter), then pytest on two processes, Qt offscreen.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export QT_QPA_PLATFORM=offscreen MPLBACKEND=Agg
echo "== import contracts" >&2
.venv/bin/lint-imports --no-cache
echo "== tests" >&2
exec .venv/bin/python -m pytest -n 2 -q "$@"
