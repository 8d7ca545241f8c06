#!/usr/bin/env bash
# Quick start, part 2: set up (first time only) and run the whole test suite: a lint for
# unused imports and undefined names, the architecture contracts (import-linter), then
# pytest on two processes, Qt offscreen.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export QT_QPA_PLATFORM=offscreen MPLBACKEND=Agg
echo "== lint (unused imports, undefined names)" >&2
.venv/bin/ruff check --quiet tfsim tests benchmarks
echo "== import contracts" >&2
.venv/bin/lint-imports --no-cache
echo "== tests" >&2
exec .venv/bin/python -m pytest -n 2 -q "$@"
