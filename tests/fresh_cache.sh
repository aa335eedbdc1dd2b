#!/usr/bin/env bash
# tests/fresh_cache.sh CMD ARGS... — run CMD with a runtime facts cache of its own (a fresh
# XDG_CACHE_HOME, removed afterwards), so ~/.cache/abiprobe never decides a test program.
set -u
d=$(mktemp -d)
trap 'rm -rf "$d"' EXIT
XDG_CACHE_HOME=$d "$@"
