#!/usr/bin/env bash
# tests/lint.sh [--self-test] SRCDIR — grep rules over the tool's tracked sources (probe/,
# report/, abi/) and the repository's own text, in the spirit of pax-utils' tests/source/dotest:
# each violation prints "lint: FILE:LINE: rule" and any one fails the test. --self-test plants
# one violation per rule (and decoys in comments and strings) in a copy of the tree, and fails
# unless exactly the planted ones are reported.
set -u
shopt -s lastpipe
export LC_ALL=C
self=$(readlink -f "$0")

# Exceptions, each an entry FILE or FILE:TEXT; an entry that no longer matches anything fails.
# Files whose includes are not yet root-relative (empty since every include became one).
ALLOW_RELATIVE_INCLUDES=""
# The forked children in dyn_root_possible(), contain_available() and contain_exec() (the
# namespace's reaper, and the runtime that could not be started) must end with _exit(), not return.
ALLOW_EXIT="probe/dynamic.c:_exit(dyn_enter_root( probe/contain.c:_exit(ok probe/contain.c:_exit(127 probe/contain.c:_exit(wr"

self_test=0
[ "${1:-}" = --self-test ] && { self_test=1; shift; }
src=${1:?usage: tests/lint.sh [--self-test] SRCDIR}
cd "$src" || exit 1

# files PATH...: the tracked files under PATH (every file when this is not a git checkout).
files() {
  if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
    git ls-files -- "$@"
  else
    find "$@" -type f 2>/dev/null | sort
  fi | while IFS= read -r f; do [ -f "$f" ] && printf '%s\n' "$f"; done
}

if [ $self_test = 1 ]; then
  t=$(mktemp -d)
  trap 'rm -rf "$t"' EXIT
  files probe report abi tests scripts doc npm action README.md ARCHITECTURE.md action.yml |
    tar -cf - -T - | { mkdir "$t/tree" && tar -C "$t/tree" -xf -; } || exit 1
  git -C "$t/tree" init -q && git -C "$t/tree" add -A || exit 1
  bash "$self" "$t/tree" > "$t/before"
  want=()
  # plant FILE RULE LINE: append LINE to FILE; an empty RULE is a decoy that must not be reported.
  plant() {
    printf '%s\n' "$3" >> "$t/tree/$1"
    [ -n "$2" ] && want+=("lint: $1:$(wc -l < "$t/tree/$1"): $2")
  }
  plant probe/scan.c "libelf outside probe/elf.c" 'static void p1(Elf *e) { GElf_Ehdr h; gelf_getehdr(e, &h); }'
  plant probe/scan.c "libelf outside probe/elf.c" '#include <libelf.h>'
  plant probe/spawn.c "exit() or abort() outside probe/main.c" 'static void p2(void) { exit(1); }'
  plant probe/dynamic.c "exit() or abort() outside probe/main.c" 'static void p3(void) { _exit(2); }'
  plant report/text.c "stdout or stderr outside probe/main.c" 'static void p4(void) { fputs("x", stdout); }'
  plant probe/runtime.c "stdout or stderr outside probe/main.c" 'static void p5(void) { printf("x"); }'
  plant probe/checks/libc.c "output from a check (checks never print)" 'static void p6(FILE *f) { fprintf(f, "x"); }'
  plant probe/main.c "system() or popen() (children go through probe/spawn.c)" 'static void p7(void) { popen("true", "r"); }'
  plant abi/napi.c 'include not from the root (like "probe/elf.h", never "../")' '#include "../probe/elf.h"'
  plant abi/napi.c 'include not from the root (like "probe/elf.h", never "../")' '#include "napi.h"'
  plant abi/napi.c 'include not from the root (like "probe/elf.h", never "../")' '#include <probe/../abi/napi.h>'
  plant abi/napi.c "" '#include "abi/napi.h"'
  plant probe/config.c "getopt outside probe/main.c (one option table)" 'static void p8(void) { getopt_long(0, 0, "", 0, 0); }'
  plant probe/pkg/rules.c "a thread outside probe/check.c, probe/pkg/select.c and main.c's signal watcher (workers never touch the report)" 'static void p9(void) { pthread_create(0, 0, 0, 0); }'
  plant README.md "points outside the repository" "See ../share""d/notes for more."
  plant doc/abiprobe.1 "points outside the repository" '.\" the details are in SPE''C.md'
  printf '#!/usr/bin/env bash\n"$%s" --version\n' ABIPROBE > "$t/tree/tests/plant.sh"
  want+=("lint: tests/plant.sh:2: runs abiprobe without a cache of its own (export XDG_CACHE_HOME)")
  plant probe/scan.c "" '/* exit(1); printf("x"); gelf_getehdr(e, &h); system("x"); #include "../x.h" */'
  plant probe/scan.c "" 'static const char *p10 = "popen( stdout abort() getopt( \"exit(\"";'
  plant probe/scan.c "" "static int p11(void) { return elf_obj_nsyms(0) + elf_hash_sysv(\"x\") + snprintf(0, 0, \"\"); } // puts(x)"
  plant probe/scan.c "" '/* a comment that goes on'
  plant probe/scan.c "" '   exit(1); and ends */ static int p12;'
  git -C "$t/tree" add -A
  bash "$self" "$t/tree" > "$t/after"; rc=$?
  fail=0
  [ $rc = 1 ] || { echo "lint self-test: exit $rc with planted violations, want 1"; fail=1; }
  grep -vxF -f "$t/before" "$t/after" | grep '^lint: [^ ]*:[0-9]*: ' | sort > "$t/new"
  printf '%s\n' "${want[@]}" | sort > "$t/want"
  if ! diff -u "$t/want" "$t/new"; then
    echo "lint self-test: the planted violations (-) and what was reported (+) differ"; fail=1
  fi
  [ $fail = 0 ] && echo "lint self-test: all ${#want[@]} planted violations reported, no decoy"
  exit $fail
fi

bad=0 allowed=0
declare -A used
say() { echo "lint: $1:$2: $3"; bad=$((bad + 1)); }
# allowed LIST FILE TEXT: is FILE (or FILE:SUBSTRING-of-TEXT) an entry of LIST?
allowed() {
  local e
  for e in ${!1}; do
    if [ "$e" = "$2" ] || { [ "${e%%:*}" = "$2" ] && [[ $e == *:* ]] && [[ $3 == *"${e#*:}"* ]]; }; then
      used["$1|$e"]=1 allowed=$((allowed + 1)); return 0
    fi
  done
  return 1
}
# report RULE [ALLOW-LIST]: report each FILE:LINE:TEXT line on stdin unless the list allows it.
report() {
  local f n text
  while IFS=: read -r f n text; do
    [ -n "${2:-}" ] && allowed "$2" "$f" "$text" && continue
    say "$f" "$n" "$1"
  done
}

mapfile -t csrc < <(files probe report abi | grep -E '\.[ch]$')
[ ${#csrc[@]} -gt 0 ] || { echo "lint: no C sources under $src/probe, report, abi"; exit 1; }
# The code: FILE:LINE:TEXT with comments dropped and string and character literals emptied.
code=$(mktemp)
trap 'rm -f "$code"' EXIT
awk 'FNR == 1 { incom = 0 }
{
  s = $0; out = ""; n = length(s); i = 1
  while (i <= n) {
    c = substr(s, i, 1); c2 = substr(s, i, 2)
    if (incom) { if (c2 == "*/") { incom = 0; i += 2 } else i++; continue }
    if (c2 == "//") break
    if (c2 == "/*") { incom = 1; out = out " "; i += 2; continue }
    if (c == "\"" || c == "\047") {
      out = out c c; i++
      while (i <= n && substr(s, i, 1) != c) i += substr(s, i, 1) == "\\" ? 2 : 1
      i++; continue
    }
    out = out c; i++
  }
  print FILENAME ":" FNR ":" out
}' "${csrc[@]}" > "$code"

# rule RULE ERE [EXEMPT-FILES-ERE [ONLY-FILES-ERE [ALLOW-LIST]]]: code lines matching ERE.
rule() {
  grep -E "^(${4:-.*}):" "$code" | grep -vE "^(${3:-/none}):" | grep -E "^[^:]*:[0-9]+:.*($2)" | report "$1" "${5:-}"
}
libelf='gelf_[a-z_]+|elf(32|64)_[a-z_]+|elf_(begin|clone|cntl|compress|compress_gnu|end|errmsg|errno|fill|flagdata'
libelf+='|flagehdr|flagelf|flagphdr|flagscn|flagshdr|getarhdr|getaroff|getarsym|getbase|getdata|getdata_rawchunk|getident'
libelf+='|getphdrnum|getscn|getshdrnum|getshdrstrndx|getshnum|getshstrndx|gnu_hash|hash|kind|memory|ndxscn|newdata|newscn'
libelf+='|next|nextscn|rand|rawdata|rawfile|scnshndx|strptr|update|version)'
s='[[:space:]]*'
rule "libelf outside probe/elf.c" "\b($libelf)$s\(|#${s}include$s<(gelf|libelf)\.h>" probe/elf.c
rule "exit() or abort() outside probe/main.c" "\b(exit|_exit|_Exit|quick_exit|abort)$s\(" probe/main.c '' ALLOW_EXIT
rule "stdout or stderr outside probe/main.c" \
  "\b(printf|vprintf|puts|putchar|perror)$s\(|\b(stdout|stderr)\b|\b(write|dprintf)$s\($s(1|2|STD(OUT|ERR)_FILENO)$s," probe/main.c
rule "output from a check (checks never print)" "\b(f|v|vf|d)?printf$s\(|\b(f?puts|f?putc|putchar|fwrite|perror|write)$s\(" \
  '' 'probe/checks/.*'
rule "system() or popen() (children go through probe/spawn.c)" "\b(system|popen)$s\("
rule "getopt outside probe/main.c (one option table)" "\bgetopt(_long|_long_only)?$s\(|<getopt\.h>" probe/main.c
rule "a thread outside probe/check.c, probe/pkg/select.c and main.c's signal watcher (workers never touch the report)" \
  "\b(pthread|thrd)_create$s\(" 'probe/check\.c|probe/pkg/select\.c|probe/main\.c'
# Includes are read from the raw text, since the path is a string: "../" nowhere, and every
# quoted one from the root.
{ grep -HnE "^$s#${s}include$s[\"<][^\">]*\.\./" "${csrc[@]}"
  grep -HnE "^$s#${s}include$s\"" "${csrc[@]}" | grep -vE "^[^:]*:[0-9]+:$s#${s}include$s\"(probe|report|abi)/"
} | sort -t: -k1,1 -k2,2n -u | report 'include not from the root (like "probe/elf.h", never "../")' ALLOW_RELATIVE_INCLUDES
# Nothing tracked points at files outside the repository (the patterns are bracketed so that
# this file does not match itself).
mapfile -t text < <(files probe report abi tests scripts doc npm action README.md ARCHITECTURE.md action.yml)
grep -HnIE 'SPE[C]\.md|\.\./share[d]|/wor[k]/|acceptanc[e]/' "${text[@]}" | report "points outside the repository"
# A test that runs the tool gives it a cache of its own, so ~/.cache/abiprobe never decides it.
for f in $(printf '%s\n' "${text[@]}" | grep -E '^tests/.*\.sh$'); do
  n=$(grep -nE '\$\{?ABIPROBE\b' "$f" | head -1 | cut -d: -f1)
  [ -n "$n" ] && ! grep -qE "^${s}export$s(.*$s)?XDG_CACHE_HOME=" "$f" &&
    say "$f" "$n" "runs abiprobe without a cache of its own (export XDG_CACHE_HOME)"
done

for list in ALLOW_RELATIVE_INCLUDES ALLOW_EXIT; do
  for e in ${!list}; do
    [ -n "${used["$list|$e"]:-}" ] || say "tests/lint.sh" "$(grep -n "^$list=" "$self" | cut -d: -f1)" "$list: $e allows nothing now: remove it"
  done
done
echo "lint: ${#csrc[@]} C sources and ${#text[@]} files: $bad violations ($allowed allowed by the lists at the top of tests/lint.sh)"
[ $bad = 0 ]
