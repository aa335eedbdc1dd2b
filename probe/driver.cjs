// probe/driver.cjs — the JS side of abiprobe's `dlopen` and `execute` checks. abiprobe embeds
// this file, writes it to a private temporary directory and runs it with the runtime under
// test (node/bun/electron: `RT driver.cjs`; deno: `deno run -A driver.cjs`). It is CommonJS
// because Node starts a CommonJS script about 5 ms sooner than an ES module, a sixth of its
// whole start-up (issue 8); Deno 2 runs .cjs files too. Every path arrives in the environment,
// never in source text:
//   ABIPROBE_ADDON      the addon file to load
//   ABIPROBE_FLAGS      "default" (the runtime's own dlopen flags), "now" (RTLD_NOW), or
//                       "both": RTLD_NOW first, then the default flags only if that failed
//                       (out.now holds the RTLD_NOW result), so one process answers both
//   ABIPROBE_EXECUTE    "1" to run the execute step after a successful load
//   ABIPROBE_SMOKE      an ES module whose default export (addon, ctx) => value is called
//   ABIPROBE_PKG        the package root that ctx.require resolves from
//   ABIPROBE_STAGE      a file that always holds the current stage
//   ABIPROBE_HANDSHAKE  where the result goes, written once, after the work is done
// No handshake means no pass: an addon may end the process while it loads.
'use strict';
const process = require('node:process');
const fs = require('node:fs');
const os = require('node:os');
// node:path, node:module and node:url are needed only for a smoke module: required there.

const env = process.env;
const out = { stage: 'start', versions: process.versions, load: null, execute: null };

function stage(name) {
  out.stage = name;
  try {
    fs.writeFileSync(env.ABIPROBE_STAGE, name);
  } catch {
    // The stage file is a hint for the report; the handshake is what counts.
  }
}

function describe(e) {
  const message = e && e.message !== undefined ? String(e.message) : String(e);
  return { message: message.slice(0, 4000), code: e && e.code ? String(e.code) : null };
}

function serialize(value) {
  try {
    const json = JSON.stringify(value, (_, x) => (typeof x === 'bigint' ? x.toString() : x));
    return { type: typeof value, json: json === undefined ? null : json };
  } catch (e) {
    return { type: typeof value, json: null, unserializable: describe(e).message };
  }
}

// If e is a syntax error in the smoke module at file, its "file:line" (or null when the
// runtime does not say where); undefined when it is another kind of error.
function syntaxError(e, file) {
  const name = e && e.name;
  const text = String((e && e.message) || '');
  if (name !== 'SyntaxError' && name !== 'BuildMessage' && !/^SyntaxError\b/.test(text)) return undefined;
  // Bun: a BuildMessage with a position.
  if (e.position && e.position.line) return `${e.position.file || file}:${e.position.line}`;
  // Deno: "... at file:///path:LINE:COL" in the message.
  const m = /(?:file:\/\/)?(\/[^\s:]+):(\d+)(?::\d+)?/.exec(text + '\n' + String(e.stack || ''));
  if (m && m[1] === file) return `${m[1]}:${m[2]}`;
  // Node: its syntax check names the line ("PATH:LINE" first on stderr); no shell, argv only.
  try {
    const r = require('node:child_process').spawnSync(process.execPath, ['--check', file], {
      encoding: 'utf8',
      timeout: 10000,
    });
    const line = /^(?:file:\/\/)?(\/[^\n:]+):(\d+)/m.exec(String(r.stderr || ''));
    if (line) return `${line[1]}:${line[2]}`;
  } catch {
    // No location, then.
  }
  return null;
}

function usable(x) {
  return x !== null && (typeof x === 'object' || typeof x === 'function');
}

// RTLD_NOW, or undefined where the runtime has none (it cannot load with it then).
const RTLD_NOW = os.constants && os.constants.dlopen && os.constants.dlopen.RTLD_NOW;
const NO_NOW = { ok: false, unsupported: true, message: 'this runtime has no os.constants.dlopen.RTLD_NOW' };

// Load with flags (undefined: the runtime's defaults); the error as a result, or null.
function load(module, addon, flags) {
  stage('loading');
  try {
    if (flags === undefined) process.dlopen(module, addon);
    else process.dlopen(module, addon, flags);
    return null;
  } catch (e) {
    return { ok: false, ...describe(e) };
  }
}

async function main() {
  const addon = env.ABIPROBE_ADDON;
  // A module as require() makes one: Node-API reads its filename (node_api_get_module_file_name,
  // and the loader's messages name the file by it).
  const module = { exports: {}, filename: addon };
  let failed;
  if (env.ABIPROBE_FLAGS === 'both') {
    // A load that binds every symbol at once succeeds only where a lazy load does too, so its
    // success answers both questions. A failed dlopen leaves nothing loaded behind it, so the
    // lazy load that follows sees the process as it was.
    const now = RTLD_NOW === undefined ? NO_NOW : load(module, addon, RTLD_NOW);
    out.now = now || { ok: true };
    failed = now ? load(module, addon) : null;
  } else if (env.ABIPROBE_FLAGS === 'now') {
    failed = RTLD_NOW === undefined ? NO_NOW : load(module, addon, RTLD_NOW);
  } else {
    failed = load(module, addon);
  }
  if (failed) {
    out.load = failed;
    return;
  }
  stage('loaded');
  const ex = module.exports;
  const keys = usable(ex) ? Object.keys(ex).slice(0, 200) : [];
  out.load = { ok: true, type: typeof ex, keys };
  if (env.ABIPROBE_EXECUTE !== '1') return;
  stage('execute');
  if (!env.ABIPROBE_SMOKE) {
    out.execute = { ok: usable(ex), smoke: false, type: typeof ex, keys };
    return;
  }
  try {
    const path = require('node:path');
    const { createRequire } = require('node:module');
    const { pathToFileURL } = require('node:url');
        let smoke;
    try {
      smoke = await import(pathToFileURL(env.ABIPROBE_SMOKE).href);
    } catch (e) {
      const where = syntaxError(e, env.ABIPROBE_SMOKE);
      if (where !== undefined) {
        // The smoke module itself does not parse: the user's mistake, not the addon's.
        out.execute = { ok: false, smoke: true, syntax: true, where, ...describe(e) };
        return;
      }
      throw e;
    }
    if (typeof smoke.default !== 'function') {
      out.execute = { ok: false, smoke: true, message: 'the smoke module has no default export function' };
      return;
    }
    const root = env.ABIPROBE_PKG || path.dirname(addon);
    const ctx = { require: createRequire(path.join(root, 'package.json')), addonPath: addon, packageRoot: root };
    const value = await smoke.default(ex, ctx);
    out.execute = { ok: true, smoke: true, ...serialize(value) };
  } catch (e) {
    out.execute = { ok: false, smoke: true, ...describe(e) };
  }
}

main().then(() => {
  stage('done');
  const tmp = env.ABIPROBE_HANDSHAKE + '.tmp';
  fs.writeFileSync(tmp, JSON.stringify(out));
  fs.renameSync(tmp, env.ABIPROBE_HANDSHAKE);
  // The work is reported; do not wait for handles the addon left open.
  process.exit(0);
});
