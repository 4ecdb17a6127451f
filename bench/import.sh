#!/usr/bin/env bash
# Benchmark: bulk import of 100,000 dispatch rows against the store's raw batch insert of the
# same rows (see bench/README.md). Its own command, never part of the test command.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/ecociv/target}"
exec cargo bench -p ecociv-app --bench import
