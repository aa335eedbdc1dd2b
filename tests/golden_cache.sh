#!/usr/bin/env bash
# tests/golden_cache.sh — a developer's cache never decides a golden: with XDG_CACHE_HOME and
# HOME both holding a poisoned runtime facts cache (Bun's facts say 9.9.9), which abiprobe is
# first shown to believe, tests/golden.sh must still match runtime-bun.json.
set -u
: "${ABIPROBE:?}" "${FIXTURE_DIR:?}" "${CACHE_DIR:?}" "${SOURCE_DIR:?}"
export LC_ALL=C
BUN=$CACHE_DIR/node_modules/@oven/bun-linux-x64/bin/bun
[ -x "$BUN" ] || { echo "golden_cache: $BUN missing: run fixtures/fetch.sh"; exit 1; }
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT
export XDG_CACHE_HOME=$t/cache   # its own; each run below names the cache it means
XDG_CACHE_HOME=$t/xdg "$ABIPROBE" runtime --format json "$BUN" > /dev/null 2>&1
f=$(ls "$t"/xdg/abiprobe/runtimes/*.json 2>/dev/null | head -1)
[ -n "$f" ] && grep -q '"bun":"1.4.4"' "$f" || { echo "golden_cache: no cached facts of Bun 1.4.4 to poison"; exit 1; }
sed -i 's/"bun":"1\.4\.4"/"bun":"9.9.9"/' "$f"
mkdir -p "$t/home/.cache" && cp -r "$t/xdg/abiprobe" "$t/home/.cache/"
for v in XDG_CACHE_HOME=$t/xdg HOME=$t/home; do
  env -u XDG_CACHE_HOME "$v" "$ABIPROBE" runtime "$BUN" 2>&1 | grep -q 9.9.9 ||
    { echo "golden_cache: the poisoned cache under $v is not believed, so this test proves nothing"; exit 1; }
done
XDG_CACHE_HOME=$t/xdg HOME=$t/home "$SOURCE_DIR/tests/golden.sh" runtime-bun.json runtime --format json "$BUN" ||
  { echo "golden_cache: the poisoned cache decided the golden"; exit 1; }
echo "golden_cache: the golden ignores a poisoned cache"
