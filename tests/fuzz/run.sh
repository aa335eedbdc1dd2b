#!/usr/bin/env bash
# tests/fuzz/run.sh FUZZER SECONDS SEED_DIR... — a short libFuzzer run as a test: a crash, a
# leak, a sanitizer report or a timeout (10 s per input) fails it. Longer runs: see README.
set -u
fuzzer=$1 secs=$2; shift 2
[ -x "$fuzzer" ] || { echo "fuzz: $fuzzer was not built (clang with libFuzzer is needed: scripts/setup.sh)"; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$fuzzer" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -max_len=65536 -print_final_stats=1 \
  "$work" "$@" 2>&1 | tail -n 25
rc=${PIPESTATUS[0]}
[ "$rc" = 0 ] && echo "fuzz: $(basename "$fuzzer") ran ${secs}s clean" || echo "fuzz: $(basename "$fuzzer") failed (exit $rc)"
exit "$rc"
