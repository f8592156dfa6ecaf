#!/usr/bin/env bash
# Benchmark: pathwarden (demo at 10,000 principals) over pgwire vs. PostgreSQL on the same rows.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/work/target}"
cargo build --release -p pathwarden --locked
VENV="${PATHWARDEN_VENV:-$PWD/.venv}"
[ -x "$VENV/bin/python" ] || { python3 -m venv "$VENV"; "$VENV/bin/pip" install -q -r scripts/requirements-test.txt; }
exec "$VENV/bin/python" bench/pgwire_bench.py --binary "$CARGO_TARGET_DIR/release/pathwarden" --scale "${SCALE:-10000}" --reps "${REPS:-200}" "$@"
