#!/usr/bin/env bash
# tests/fuzz/build.sh CLANG SRCDIR OUTDIR BLOB... — build the libFuzzer targets with
# clang (-fsanitize=fuzzer,address,undefined) over the tool's own sources.
set -euo pipefail
cc=$1 src=$2 out=$3
shift 3
blobs=("$@")
mkdir -p "$out/obj"
flags=(-g -O1 -std=c11 -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all
       -I"$src" $(pkg-config --cflags libelf libcjson nettle))
objs=()
for f in "$src"/probe/*.c "$src"/probe/checks/*.c "$src"/probe/pkg/*.c "$src"/abi/*.c "$src"/report/*.c "${blobs[@]}"; do
  [ "$(basename "$f")" = main.c ] && continue
  o=$out/obj/$(echo "${f#$src/}" | tr '/' '_').o
  "$cc" "${flags[@]}" -c "$f" -o "$o"
  objs+=("$o")
done
for t in elf ldcache config handshake observe writers; do
  "$cc" "${flags[@]}" -fsanitize=fuzzer "$src/tests/fuzz/fuzz_$t.c" "${objs[@]}" \
    $(pkg-config --libs libelf libcjson nettle) -lstdc++ -lpthread -o "$out/fuzz_$t"
done
