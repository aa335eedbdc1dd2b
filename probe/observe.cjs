// probe/observe.cjs — the JS side of observed selection: which .node file does each package
// really ask for, in this runtime? abiprobe embeds this file, writes it to a private temporary
// directory and runs it once per runtime for a whole tree (node/bun/electron: `RT observe.cjs`;
// deno: `deno run -A observe.cjs`). It require()s each package as the application would and
// intercepts native loading on both routes the runtimes use: Node and Deno call
// Module._extensions['.node'], Bun's require() calls process.dlopen, and a package may call
// process.dlopen itself. Every path arrives in a file or the environment, never in source text:
//   ABIPROBE_OBSERVE    a JSON file: {"mode":"stub"|"load","first":N,
//                       "packages":[{"spec":..,"from":..,"refuse":[{"file":..,"message":..}]}]}:
//                       require these packages, numbered from N; a load of a "refuse" file fails with
//                       its message instead (the static checks' prediction, under stand-ins);
//                       spec is what require() is given (a package name, or an absolute
//                       directory), from is the directory it resolves from
//   ABIPROBE_HANDSHAKE  where events go, one JSON line each, appended as they happen, so that a
//                       package that kills the process still leaves its trail:
//                       {"i":N,"ev":"start"}                       about to require package N
//                       {"i":N,"ev":"ask","file":..,"from":..,"via":..}  it asks for a .node file
//                       {"i":N,"ev":"loaded","ok":bool,"message":..}     how that load went
//                       {"i":N,"ev":"end","threw":..,"mapped":[..]}      require() returned
//                       {"ev":"done"}                               first..end-1 were tried
// In "stub" mode (--static-only) no native code runs: the interception hands the package a
// stand-in instead of calling dlopen. In "load" mode the real load happens, and the files that
// really got mapped are read from /proc/self/maps.
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const Module = require('node:module');

const env = process.env;
const request = JSON.parse(fs.readFileSync(env.ABIPROBE_OBSERVE, 'utf8'));
const stub = request.mode === 'stub';
const self = __filename;
const out = fs.openSync(env.ABIPROBE_HANDSHAKE, 'a');
// The packages' JavaScript has no business with the driver's own variables.
for (const name of Object.keys(env)) if (name.startsWith('ABIPROBE_')) delete env[name];

function emit(event) {
  fs.writeSync(out, JSON.stringify(event) + '\n');
}

function text(e) {
  const message = e && e.message !== undefined ? String(e.message) : String(e);
  return message.slice(0, 2000);
}

// The loader's own file:line: the first stack frame in a file that is neither this driver
// nor the runtime's internals.
function caller() {
  const lines = String(new Error().stack || '').split('\n').slice(1);
  for (const line of lines) {
    const m = /(?:^|[\s(@])((?:file:\/\/)?\/[^():]+):(\d+)(?::\d+)?\)?\s*$/.exec(line);
    if (m && !m[1].endsWith(self)) return `${m[1].replace(/^file:\/\//, '')}:${m[2]}`;
  }
  return null;
}

// A stand-in for an addon's exports: every property, call and construction gives the
// stand-in again, so a package's top-level code can go on without native code.
function standIn() {
  let proxy;
  const handler = {
    get(_, key) {
      if (key === Symbol.toPrimitive) return () => '';
      if (key === 'then' || key === Symbol.iterator || key === Symbol.asyncIterator) return undefined;
      if (key === 'toString' || key === 'valueOf') return () => '';
      return proxy;
    },
    apply: () => proxy,
    construct: () => proxy,
  };
  proxy = new Proxy(function () {}, handler);
  return proxy;
}

let current = -1; // the package being required, or -1 between packages
let asked = null; // the files it asked for, in order
let inExtension = 0;

let refusals = new Map(); // real path -> the message a refused load throws with

function intercept(module, filename, via, load) {
  const file = String(filename);
  asked.push(file);
  emit({ i: current, ev: 'ask', file, from: caller(), via });
  const refused = refusals.get(real(file));
  if (refused !== undefined) {
    // The static checks predict that this load fails: fail it, so the package's own fallback
    // (or its own error) shows, as it would in the real runtime.
    emit({ i: current, ev: 'loaded', ok: false, message: refused, predicted: true });
    throw Object.assign(new Error(refused), { code: 'ERR_DLOPEN_FAILED' });
  }
  if (stub) {
    module.exports = standIn();
    emit({ i: current, ev: 'loaded', ok: true, stub: true });
    return undefined;
  }
  try {
    const r = load();
    emit({ i: current, ev: 'loaded', ok: true });
    return r;
  } catch (e) {
    emit({ i: current, ev: 'loaded', ok: false, message: text(e) });
    throw e;
  }
}

const extensions = Module._extensions;
const nodeExtension = extensions && extensions['.node'];
if (typeof nodeExtension === 'function') {
  extensions['.node'] = function (module, filename) {
    if (current < 0 || inExtension) return nodeExtension.apply(this, arguments);
    inExtension++;
    try {
      return intercept(module, filename, 'require', () => nodeExtension.apply(this, arguments));
    } finally {
      inExtension--;
    }
  };
}
const dlopen = process.dlopen;
process.dlopen = function (module, filename) {
  if (current < 0 || inExtension) return dlopen.apply(this, arguments);
  return intercept(module, filename, 'process.dlopen', () => dlopen.apply(this, arguments));
};

// The .node files (and asked-for files) mapped into this process now, by real path.
function mappedNow(wanted) {
  let maps = '';
  try {
    maps = fs.readFileSync('/proc/self/maps', 'utf8');
  } catch {
    return null;
  }
  const files = new Set();
  for (const line of maps.split('\n')) {
    const at = line.indexOf('/');
    if (at < 0) continue;
    const file = line.slice(at).replace(/ \(deleted\)$/, '');
    if (file.endsWith('.node') || wanted.has(file)) files.add(file);
  }
  return files;
}

function real(file) {
  try {
    return fs.realpathSync(file);
  } catch {
    return file;
  }
}

async function one(i, pkg) {
  current = i;
  asked = [];
  refusals = new Map((pkg.refuse || []).map((x) => [real(x.file), String(x.message)]));
  emit({ i, ev: 'start' });
  const before = stub ? null : mappedNow(new Set());
  let threw = null;
  try {
    const req = Module.createRequire(path.join(pkg.from, 'noop.js'));
    try {
      req(pkg.spec);
    } catch (e) {
      // An ES module that require() cannot load is imported, as an application would.
      if (!e || (e.code !== 'ERR_REQUIRE_ESM' && e.code !== 'ERR_REQUIRE_ASYNC_MODULE')) throw e;
      const { pathToFileURL } = require('node:url');
      await import(pathToFileURL(req.resolve(pkg.spec)).href);
    }
    // A loader that finishes on the next turn of the event loop still counts.
    await new Promise((resolve) => setImmediate(resolve));
  } catch (e) {
    threw = { message: text(e), code: e && e.code ? String(e.code) : null };
  }
  const end = { i, ev: 'end', threw };
  if (!stub) {
    // No /proc (a chroot into an image without it): the mapping is not known, so none is claimed.
    const wanted = new Set(asked.map(real));
    const after = mappedNow(wanted);
    if (after) end.mapped = [...after].filter((f) => wanted.has(f) || !(before && before.has(f)));
  }
  current = -1;
  emit(end);
}

// A package's asynchronous failure must not end the walk over the others.
process.on('uncaughtException', (e) => emit({ i: current, ev: 'async-error', message: text(e) }));
process.on('unhandledRejection', (e) => emit({ i: current, ev: 'async-error', message: text(e) }));

async function main() {
    // The request holds packages first..end-1 only; events carry their index in the whole list.
  const first = request.first || 0;
  for (let k = 0; k < request.packages.length; k++) await one(first + k, request.packages[k]);
  emit({ ev: 'done' });
}

main().then(
  () => process.exit(0),
  (e) => {
    emit({ ev: 'failed', message: text(e) });
    process.exit(0);
  },
);
