#!/usr/bin/env bash
# tests/golden.sh NAME ARGS... — run abiprobe ARGS, put placeholders in for paths and the
# version, append the exit status, and diff -u against tests/golden/NAME.
# UPDATE_GOLDEN=1 rewrites the golden file instead.
set -u
: "${ABIPROBE:?}" "${FIXTURE_DIR:?}" "${CACHE_DIR:?}" "${SOURCE_DIR:?}"
name=$1; shift
golden=$SOURCE_DIR/tests/golden/$name
export LC_ALL=C NO_COLOR=1
# The runtime facts cache of this run: a developer's ~/.cache/abiprobe never decides a golden.
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export XDG_CACHE_HOME=$tmp
out=$("$ABIPROBE" "$@" 2>&1); rc=$?
version=$("$ABIPROBE" --version | awk '{print $2}')
actual=$(printf '%s\nexit: %s\n' "$out" "$rc" |
  sed -e "s#$FIXTURE_DIR#<FIX>#g" -e "s#$CACHE_DIR#<CACHE>#g" -e "s#$SOURCE_DIR#<SRC>#g" \
      -e "s#\"version\":\([[:space:]]*\)\"$version\"#\"version\":\1\"<VERSION>\"#")
if [ "${UPDATE_GOLDEN:-0}" = 1 ]; then
  printf '%s\n' "$actual" > "$golden"
  echo "golden: rewrote $golden"
  exit 0
fi
[ -f "$golden" ] || { echo "golden: $golden does not exist (UPDATE_GOLDEN=1 creates it)"; exit 1; }
if ! diff -u "$golden" <(printf '%s\n' "$actual"); then
  echo "golden: $name differs (UPDATE_GOLDEN=1 rewrites it if the change is intended)"
  exit 1
fi
echo "golden: $name matches"
