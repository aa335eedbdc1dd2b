#!/usr/bin/env bash
# scripts/test.sh — set up, build, and run the whole ctest suite twice: a normal gcc build,
# then a clang ASan+UBSan build that halts on the first error, both with -Werror, so each
# compiler builds and tests the tool. Any failure fails the script.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
"$root/scripts/setup.sh"
"$root/scripts/setup.sh" --dist   # the cross compiler and archives for the static binaries (tests/distribution.sh)
jobs=$(nproc 2>/dev/null || echo 2)

# configure DIR CC CXX ARGS...: CMake ignores CC/CXX in an existing build tree, and when it deletes
# a cache made with another compiler it drops the other -D options too; so such a cache goes first.
configure() {
  local dir=$1 cc=$2 cxx=$3
  shift 3
  grep -qx "CMAKE_C_COMPILER:[A-Z]*=$(command -v "$cc")" "$dir/CMakeCache.txt" 2>/dev/null ||
    rm -rf "$dir/CMakeCache.txt" "$dir/CMakeFiles"
  cmake -S . -B "$dir" -DCMAKE_C_COMPILER="$cc" -DCMAKE_CXX_COMPILER="$cxx" -DCMAKE_C_FLAGS=-Werror "$@" >/dev/null
}

echo "== build (gcc, RelWithDebInfo, -Werror) and test"
configure build gcc g++ -DCMAKE_BUILD_TYPE=RelWithDebInfo
cmake --build build -j"$jobs"
ctest --test-dir build --output-on-failure -j"$jobs"

echo "== build (clang, ASan+UBSan, -Werror) and test"
configure build-asan clang clang++ -DCMAKE_BUILD_TYPE=Debug -DABIPROBE_SANITIZE=ON
cmake --build build-asan -j"$jobs"
ASAN_OPTIONS=halt_on_error=1:detect_leaks=1:abort_on_error=0 \
UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
  ctest --test-dir build-asan --output-on-failure -j"$jobs"
