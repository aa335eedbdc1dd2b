#!/usr/bin/env bash
# scripts/setup.sh — install what building and testing abiprobe needs, and nothing that is
# already there: Debian packages (build tools, libelf, cJSON, cmocka, musl-tools, 32-bit
# gcc), Node.js with npm, then the pinned runtimes and addon (fixtures/fetch.sh).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)

pkgs=(cmake make gcc g++ pkg-config libelf-dev libcjson-dev libcmocka-dev musl-tools gcc-multilib
            clang-format bsdutils libxml2-utils clang libclang-rt-dev patchelf
      # what Debian's libnode108 (an embedder's runtime library, unpacked by fetch.sh) links against
      libbrotli1 libc-ares2 libicu72 libnghttp2-14 libssl3 libuv1 zlib1g
      # an arm64 image tree for the --sysroot tests
      libc6-arm64-cross libstdc++6-arm64-cross libgcc-s1-arm64-cross
      # setpriv and unshare: the image test runs again as nobody, through a user namespace
      util-linux)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
# The machine may carry Node.js from elsewhere (e.g. nodesource); only install Debian's if absent.
command -v node >/dev/null || missing+=(nodejs)
command -v npm >/dev/null || missing+=(npm)
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing Debian packages: ${missing[*]}"
  sudo=""
  if [ "$(id -u)" != 0 ]; then
    command -v sudo >/dev/null || { echo "setup: need root (or sudo) to install: ${missing[*]}" >&2; exit 2; }
    sudo=sudo
  fi
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
[ -f /usr/include/node/node.h ] || echo "setup: note: /usr/include/node is missing; fixtures use the npm node package's headers"
"$root/fixtures/fetch.sh"
