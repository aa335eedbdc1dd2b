#!/usr/bin/env bash
# scripts/setup.sh — install what building and testing abiprobe needs, and nothing that is
# already there: Debian packages (build tools, libelf, cJSON, cmocka, musl-tools, 32-bit
# gcc, clang for the sanitizer build and the fuzzers), Node.js with npm, then the pinned runtimes and addon (fixtures/fetch.sh).
# scripts/setup.sh --dist installs what scripts/package.sh needs instead: the arm64 cross
# compiler, dpkg's arm64 architecture (so apt can download, never install, the :arm64 archives
# of libelf and zlib: installed, their libc6:arm64 would sit in the arm64 loader's default
# directories and mix with any other arm64 C library, such as the cross toolchain's under
# qemu-user's -L), dpkg-dev with a deb-src entry for the Debian mirror (cJSON's source
# package), and qemu-user-static to run the arm64 binary.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
dist=0
[ "${1:-}" = --dist ] && dist=1
sudo=""
if [ "$(id -u)" != 0 ] && command -v sudo >/dev/null; then sudo=sudo; fi

pkgs=(cmake make gcc g++ pkg-config libelf-dev libcjson-dev nettle-dev libcmocka-dev musl-tools gcc-multilib
            clang-format bsdutils libxml2-utils clang libclang-rt-dev patchelf
      # what Debian's libnode108 (an embedder's runtime library, unpacked by fetch.sh) links against
      libbrotli1 libc-ares2 libicu72 libnghttp2-14 libssl3 libuv1 zlib1g
      # an arm64 image tree for the --sysroot tests
      libc6-arm64-cross libstdc++6-arm64-cross libgcc-s1-arm64-cross
      # setpriv and unshare: the image test runs again as nobody, through a user namespace
      util-linux)
if [ $dist = 1 ]; then
  pkgs=(cmake make gcc g++ pkg-config libelf-dev zlib1g-dev libcjson-dev nettle-dev dpkg-dev binutils
        gcc-aarch64-linux-gnu g++-aarch64-linux-gnu qemu-user-static)
  # The arm64 archives come from the same mirror as multiarch packages.
  if ! dpkg --print-foreign-architectures | grep -qx arm64; then
    echo "setup: dpkg --add-architecture arm64"
    $sudo dpkg --add-architecture arm64
    need_update=1
  fi
  # cJSON's source package: a deb-src entry for the Debian mirror the machine already uses.
  # A fresh Debian 12 has no /etc/apt/sources.list (only sources.list.d/debian.sources): grep is
  # given only the files that exist, since a missing one makes it exit 2 and fail the pipeline.
  srcs=()
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources; do
    [ -f "$f" ] && srcs+=("$f")
  done
  if [ ${#srcs[@]} = 0 ] || ! grep -qsE '^(Types:.*deb-src|deb-src )' "${srcs[@]}"; then
    mirror=$( { [ ${#srcs[@]} = 0 ] || grep -hsE '^URIs: .*debian(/)?$|^deb .*debian(/)? ' "${srcs[@]}"; } |
             grep -v security | head -1 | sed -E 's/^URIs: //; s/^deb (\[[^]]*\] )?//; s/ .*//') || mirror=""
    suite=$(. /etc/os-release && echo "$VERSION_CODENAME")
    [ -n "$mirror" ] && [ -n "$suite" ] || { echo "setup: cannot tell the Debian mirror to add a deb-src entry for" >&2; exit 2; }
    echo "setup: adding deb-src $mirror $suite to /etc/apt/sources.list.d/abiprobe-src.sources"
    printf 'Types: deb-src\nURIs: %s\nSuites: %s %s-updates\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' \
      "$mirror" "$suite" "$suite" | $sudo tee /etc/apt/sources.list.d/abiprobe-src.sources >/dev/null
    need_update=1
  fi
fi
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
# The machine may carry Node.js from elsewhere (e.g. nodesource); only install Debian's if absent.
command -v node >/dev/null || missing+=(nodejs)
command -v npm >/dev/null || missing+=(npm)
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing Debian packages: ${missing[*]}"
  if [ "$(id -u)" != 0 ] && [ -z "$sudo" ]; then
    echo "setup: need root (or sudo) to install: ${missing[*]}" >&2; exit 2
  fi
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
if [ $dist = 1 ]; then
  # A new deb-src entry or architecture needs an update even when no package was missing.
  if [ "${need_update:-0}" = 1 ] && [ ${#missing[@]} = 0 ]; then $sudo apt-get update -qq; fi
  exit 0
fi
[ -f /usr/include/node/node.h ] || echo "setup: note: /usr/include/node is missing; fixtures use the npm node package's headers"
"$root/fixtures/fetch.sh"
