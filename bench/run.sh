#!/usr/bin/env bash
# The load harness, one command per scenario (see BENCHMARKS.md):
#
#   bench/run.sh SCENARIO [sqlite|postgres] [harness options...]
#
# SCENARIO: browse | orders | checkout | flash-sale | login | references | scale-out | all
# Builds the release binaries, then runs `emporium-bench --engine ENGINE SCENARIO`, which
# starts `emporium serve` itself on a generated shop (cached under target/bench-data).
# Needs PostgreSQL's client tools (psql, pgbench) for postgres, and nginx + redis-cli
# for scale-out (Debian: apt-get install nginx).
set -euo pipefail
cd "$(dirname "$0")/.."
scenario="${1:?usage: bench/run.sh SCENARIO [sqlite|postgres] [options]}"
engine="${2:-sqlite}"
shift $(( $# < 2 ? $# : 2 ))
cargo build --release --quiet -p emporium-cli -p emporium-bench
exec "${CARGO_TARGET_DIR:-target}/release/emporium-bench" --engine "$engine" "$@" "$scenario"
