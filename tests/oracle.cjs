// tests/oracle.cjs — the truth for tests/packages.sh: require() one package the way an
// application would, in a fresh runtime process, and say whether it loaded and which .node
// files got mapped (from /proc/self/maps). Usage: RT oracle.cjs APPDIR NAME OUT.json
'use strict';
const fs = require('fs');
const path = require('path');
const { createRequire } = require('module');
const [app, name, out] = process.argv.slice(-3);
let ok = true;
let error = null;
try {
  createRequire(path.join(app, 'package.json'))(name);
} catch (e) {
  ok = false;
  error = String((e && e.message) || e).split('\n')[0];
}
const files = fs
  .readFileSync('/proc/self/maps', 'utf8')
  .split('\n')
  .map((l) => l.split(/\s+/).slice(5).join(' '))
  .filter((p) => p.endsWith('.node'));
fs.writeFileSync(out, JSON.stringify({ ok, error, files: [...new Set(files)] }));
