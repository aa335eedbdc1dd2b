#!/usr/bin/env bash
# scripts/package.sh — the npm packages, as esbuild ships its binaries: `abiprobe` (the
# launcher, the JS API, its types and the report's JSON Schema) and one package per platform
# holding a fully static abiprobe (@abiprobe/linux-x64, @abiprobe/linux-arm64, selected by
# npm through their os/cpu fields as optionalDependencies of abiprobe). Writes
# dist/npm/abiprobe-V.tgz, abiprobe-linux-x64-V.tgz and abiprobe-linux-arm64-V.tgz, V being
# the tool's version (CMakeLists.txt).
#
# The static binaries link libelf, zlib and libsupc++ from Debian's archives (for arm64 the
# :arm64 packages, downloaded and unpacked into .cache/arm64-dev, never installed, with
# gcc-aarch64-linux-gnu) and cJSON compiled from Debian's source
# package of the very version the shared build uses (apt-get source, checked by apt against
# the archive's signatures), because Debian ships cJSON only as a shared library.
# scripts/setup.sh --dist installs what this needs.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
out=${ABIPROBE_DIST:-$root/dist/npm}
jobs=$(nproc 2>/dev/null || echo 2)
"$root/scripts/setup.sh" --dist
version=$(sed -nE 's/^project\(abiprobe VERSION ([0-9][0-9.]*).*/\1/p' CMakeLists.txt)
[ -n "$version" ] || { echo "package: no version in CMakeLists.txt's project() line" >&2; exit 2; }

# cJSON's source, the version of the installed libcjson-dev, with Debian's patches applied.
cjv=$(dpkg-query -W -f='${Version}' libcjson-dev)
src=$root/.cache/cjson-src/$cjv
if [ ! -f "$src/.unpacked" ]; then
  echo "package: apt-get source cjson=$cjv"
  rm -rf "$src" && mkdir -p "$src"
  (cd "$src" && apt-get source -qq "cjson=$cjv" >/dev/null 2>"$src/apt.log") ||
    { echo "package: apt-get source cjson=$cjv failed: $(tail -1 "$src/apt.log")" >&2; exit 2; }
  d=$(find "$src" -maxdepth 2 -name cJSON.c -printf '%h\n' | head -1)
  [ -n "$d" ] || { echo "package: no cJSON.c in the unpacked source package" >&2; exit 2; }
  ln -sfn "$d" "$src/tree" && touch "$src/.unpacked"
fi

# The arm64 archives of libelf, zlib and nettle: Debian's :arm64 development packages, unpacked.
arm=$root/.cache/arm64-dev
if [ ! -f "$arm/.unpacked-2" ]; then
  echo "package: apt-get download libelf-dev:arm64 zlib1g-dev:arm64 nettle-dev:arm64 into $arm"
  rm -rf "$arm" && mkdir -p "$arm/debs" "$arm/root"
  (cd "$arm/debs" && apt-get download -qq libelf-dev:arm64 libelf1:arm64 zlib1g-dev:arm64 zlib1g:arm64 \
     nettle-dev:arm64 libnettle8:arm64 libhogweed6:arm64 2>"$arm/apt.log") ||
    { echo "package: apt-get download of the :arm64 archives failed: $(tail -1 "$arm/apt.log")" >&2; exit 2; }
  for d in "$arm"/debs/*.deb; do dpkg-deb -x "$d" "$arm/root"; done
  touch "$arm/.unpacked-2"
fi
export ABIPROBE_ARM64_ROOT=$arm/root

# One static build per machine; each must have no interpreter and no NEEDED entry.
declare -A toolchain=([x64]="" [arm64]="-DCMAKE_TOOLCHAIN_FILE=$root/cmake/aarch64-linux-gnu.cmake")
declare -A strip=([x64]=strip [arm64]=aarch64-linux-gnu-strip)
declare -A machine=([x64]="X86-64" [arm64]="AArch64")
for arch in x64 arm64; do
  b=$root/build-static/$arch; mkdir -p "$b"
  echo "package: static build for linux-$arch in $b"
  # shellcheck disable=SC2086
  cmake -S . -B "$b" ${toolchain[$arch]} -DCMAKE_BUILD_TYPE=Release -DABIPROBE_TESTS=OFF -DABIPROBE_STATIC=ON \
        -DABIPROBE_CJSON_SOURCE="$src/tree" >"$b.configure.log" 2>&1 ||
    { echo "package: cmake for linux-$arch failed:" >&2; tail -5 "$b.configure.log" >&2; exit 2; }
  cmake --build "$b" -j"$jobs" >"$b.build.log" 2>&1 ||
    { echo "package: build for linux-$arch failed:" >&2; grep -m5 -E 'error|Error' "$b.build.log" >&2; exit 2; }
  ${strip[$arch]} -o "$b/abiprobe.stripped" "$b/abiprobe"
  readelf -hW "$b/abiprobe.stripped" | grep -q "Machine:.*${machine[$arch]}" ||
    { echo "package: linux-$arch: the binary is not ${machine[$arch]}" >&2; exit 1; }
  if readelf -lW "$b/abiprobe.stripped" | grep -q INTERP || readelf -dW "$b/abiprobe.stripped" | grep -q NEEDED; then
    echo "package: linux-$arch: the binary is not static (it has an interpreter or NEEDED entries)" >&2
    exit 1
  fi
done
# The binaries run: this machine's directly, the arm64 one under qemu-user.
qemu=$(command -v qemu-aarch64-static || echo "$root/.cache/qemu/usr/bin/qemu-aarch64-static")
[ "$("$root/build-static/x64/abiprobe.stripped" --version)" = "abiprobe $version" ] ||
  { echo "package: the x64 binary does not say abiprobe $version" >&2; exit 1; }
[ "$("$qemu" "$root/build-static/arm64/abiprobe.stripped" --version)" = "abiprobe $version" ] ||
  { echo "package: the arm64 binary, under $qemu, does not say abiprobe $version" >&2; exit 1; }

# The package trees, then npm pack. Versions are the tool's, in every package.json.
stage=$root/build-static/npm
rm -rf "$stage" && mkdir -p "$stage" "$out"
python3 "$root/report/gen-types.py" --check >/dev/null ||
  { echo "package: npm/abiprobe/report.d.ts is stale: run python3 report/gen-types.py" >&2; exit 1; }
cp -r "$root/npm/abiprobe" "$stage/abiprobe"
cp "$root/report/abiprobe-1.schema.json" "$stage/abiprobe/"
mkdir -p "$stage/abiprobe/man" && cp "$root/doc/abiprobe.1" "$stage/abiprobe/man/"   # --help points to abiprobe(1)
python3 - "$stage/abiprobe/package.json" "$version" <<'EOF'
import json, sys
path, version = sys.argv[1:]
p = json.load(open(path))
p["version"] = version
p["optionalDependencies"] = {k: version for k in p.get("optionalDependencies", {})}
json.dump(p, open(path, "w"), indent=2)
open(path, "a").write("\n")
EOF
for arch in x64 arm64; do
  d=$stage/linux-$arch
  mkdir -p "$d/bin"
  install -m 0755 "$root/build-static/$arch/abiprobe.stripped" "$d/bin/abiprobe"
  python3 - "$d/package.json" "$version" "$arch" <<'EOF'
import json, sys
path, version, arch = sys.argv[1:]
json.dump({
    "name": f"@abiprobe/linux-{arch}",
    "version": version,
    "description": f"The static abiprobe executable for Linux on {arch} (glibc, musl and distroless images alike); "
                   "installed by the abiprobe package",
    "os": ["linux"],
    "cpu": [arch],
    "files": ["bin/abiprobe"],
    "preferUnplugged": True,
}, open(path, "w"), indent=2)
open(path, "a").write("\n")
EOF
  printf '# @abiprobe/linux-%s\n\nThe static `abiprobe` %s executable for Linux on %s. Install `abiprobe`, which picks this\npackage through its os and cpu fields; `bin/abiprobe` also runs on its own, in any image.\n' \
    "$arch" "$version" "$arch" > "$d/README.md"
done
rm -f "$out"/abiprobe-*.tgz
for d in abiprobe linux-x64 linux-arm64; do
  (cd "$stage/$d" && npm pack --silent --pack-destination "$out" >/dev/null)
done
for f in "abiprobe-$version.tgz" "abiprobe-linux-x64-$version.tgz" "abiprobe-linux-arm64-$version.tgz"; do
  [ -f "$out/$f" ] || { echo "package: npm pack did not write $out/$f" >&2; exit 1; }
  echo "package: $out/$f ($(du -k "$out/$f" | cut -f1) KiB)"
done
