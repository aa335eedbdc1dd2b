// probe/pkg/observe.cjs — the JS side of observed selection: which .node file does each package
// really ask for, in this runtime? abiprobe embeds this file, writes it to a private temporary
// directory and runs it once per runtime and project (node/bun/electron: `RT observe.cjs`; deno:
// `deno run -A observe.cjs` with the project's configuration). It require()s each package as the
// application would (import() for a package that only an ES module import can load) and
// intercepts native loading on both routes the runtimes use: Node and Deno call
// Module._extensions['.node'], Bun's require() calls process.dlopen, and a package may call
// process.dlopen itself. Every path arrives on stdin or in the environment, never in source text:
//   stdin               a JSON request: {"mode":"stub"|"load","first":N,"packages":[PACKAGE...]}:
//                       require these packages, numbered from N. A PACKAGE is
//                         {"spec":..,"from":..,"dir":..,"own":[DIR...],"candidates":[FILE...],
//                          "refuse":[{"file":..,"message":..}]}
//                       spec is what require() is given (a package name, or an absolute
//                       directory), from the directory it resolves from, dir the package's own
//                       directory, own the directories whose files are the package's (its own and
//                       its platform packages'), candidates its .node files that could load here;
//                       a load of a "refuse" file fails with its message instead (the static
//                       checks' prediction, under stand-ins). When require()
//                       asks for none of its own files (a loader that loads at first use), its
//                       binding modules (bindingModules below) are require()d in turn
//   ABIPROBE_HANDSHAKE  where events go, one JSON line each, appended as they happen, so that a
//                       package that kills the process still leaves its trail. The events:
//     {"i":N,"ev":"start"}                                     about to require package N
//     {"i":N,"ev":"ask","file":..,"real":..,"from":..,"via":..,"binding":..,"copy_of":..}
//                        it asks for a .node file (as given, and its real path): the loader's
//                        file:line, the route, the binding module being required (null: the
//                        package's own require()), and, for a
//                        file outside the package's directories, the package's own file it is a
//                        byte-identical copy of (null when none)
//     {"i":N,"ev":"loaded","ok":bool,"message":..,"stub":bool,"predicted":bool,"now":{"ok","message",
//      "unsupported"},"type":..,"keys":[..]}
//                        how that load went; a real load that succeeded also says how a load with
//                        RTLD_NOW went (tried first) and what its exports are
//     {"i":N,"ev":"required","threw":{"message","code"}|null,"after_stand_in":bool}
//                        the package's require() returned or threw; after_stand_in: it threw after
//                        a stand-in was handed out in it (the stand-in, not the loader, may be why)
//     {"i":N,"ev":"binding","file":..,"threw":{"message","code"}|null}  a binding module was required
//     {"i":N,"ev":"candidates"}  ("load" mode) its require() is done and asked for none of its files:
//                        its candidates (the .node files that could load here) are loaded in turn,
//                        each as an "ask" with "via":"candidate" and its "loaded"
//     {"i":N,"ev":"async-error","message":..}                 an error thrown later, outside require()
//     {"i":N,"ev":"end","mapped":[..]}                        done with package N ("load" mode: the
//                                                             files /proc/self/maps shows it mapped)
//     {"ev":"done"}                                           first..end-1 were tried
//     {"ev":"failed","message":..}                            the driver itself failed (the packages
//                                                             it did not reach are tried again)
// In "stub" mode (--static-only) no native code runs: the interception hands the package a
// stand-in instead of calling dlopen. In "load" mode the real load happens, and the files that
// really got mapped are read from /proc/self/maps. Packages do not see each other: the module
// cache is emptied of what each one loaded of them, so each is required as if it were the first (an ES
// module graph cannot be emptied; an ES module package imported by an earlier one is cached, and a
// loader library that they share stays loaded).
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const Module = require('node:module');

const env = process.env;
// The request arrives on stdin, once its packages are known (the runtime may start before).
const request = JSON.parse(fs.readFileSync(0, 'utf8'));
const stub = request.mode === 'stub';
const self = __filename;
const out = fs.openSync(env.ABIPROBE_HANDSHAKE, 'a');
// The packages' JavaScript has no business with the driver's own variables.
for (const name of Object.keys(env)) if (name.startsWith('ABIPROBE_')) delete env[name];

function emit(event) {
  fs.writeSync(out, JSON.stringify(event) + '\n');
}

// An error's message, at most 2000 characters. Where it names this driver (an import "from" it),
// it says so instead of naming its private, per-run directory.
function text(e) {
  const message = e && e.message !== undefined ? String(e.message) : String(e);
  return message.split(self).join('abiprobe\'s observer').slice(0, 2000);
}

function thrown(e) {
  return { message: text(e), code: e && e.code ? String(e.code) : null };
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

function real(file) {
  try {
    return fs.realpathSync(file);
  } catch {
    return file;
  }
}

function under(file, dir) {
  return file.startsWith(dir.endsWith('/') ? dir : dir + '/');
}

let current = -1; // the package being required, or -1 between packages
let pkg = null; // its request
let asked = null; // the files it asked for, in order
let binding = null; // the binding module being required, or null
let handedStandIn = false; // a stand-in was handed out in the current step
let inExtension = 0;
let refusals = new Map(); // real path -> the message a refused load throws with
let ownFiles = null; // the package's own .node files by size, listed at the first copy check
// A real load's exports by real path: a file is dlopen()ed once per process, as in an application,
// and a later package that asks for it gets what the first load gave (a second dlopen of an addon
// that registers from a constructor would not register again).
const loadedExports = new Map();
// The directories of every package in this request.
const asking = [].concat(...request.packages.map((x) => x.own || []));

// Walk dir depth first, in name order, at most maxDepth levels down and budget entries in all,
// never into node_modules or a hidden directory (nor into a directory skip(name, depth) refuses);
// file(path, name) is called for each regular file.
function walkFiles(dir, maxDepth, budget, skip, file) {
  const walk = (d, depth) => {
    let entries;
    try {
      entries = fs.readdirSync(d, { withFileTypes: true });
    } catch {
      return;
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const e of entries) {
      if (--budget < 0 || e.name.startsWith('.')) continue;
      const p = path.join(d, e.name);
      if (e.isDirectory()) {
        if (depth < maxDepth && e.name !== 'node_modules' && !skip(e.name, depth)) walk(p, depth + 1);
      } else if (e.isFile()) {
        file(p, e.name);
      }
    }
  };
  walk(dir, 0);
}

// The package's own .node files (in its directory and its platform packages'), by size.
function listOwn() {
  const bySize = new Map();
  for (const dir of pkg.own || []) {
    walkFiles(dir, 8, 20000, () => false, (p, name) => {
      if (!name.endsWith('.node')) return;
      try {
        const size = fs.statSync(p).size;
        if (!bySize.has(size)) bySize.set(size, []);
        bySize.get(size).push(p);
      } catch {
        // gone: not a candidate
      }
    });
  }
  return bySize;
}

// The package's own file that file (outside its directories) is a byte-identical copy of, or null.
function copyOf(file) {
  let size;
  try {
    size = fs.statSync(file).size;
  } catch {
    return null;
  }
  if (!ownFiles) ownFiles = listOwn();
  const same = ownFiles.get(size);
  if (!same) return null;
  let bytes;
  try {
    bytes = fs.readFileSync(file);
  } catch {
    return null;
  }
  for (const p of same) {
    try {
      if (bytes.equals(fs.readFileSync(p))) return real(p);
    } catch {
      // unreadable: not this one
    }
  }
  return null;
}

// True when file lies in another installed package (the nearest directory above it with a
// package.json sits in node_modules): that package's file, never a copy of this one's.
function inAnotherPackage(file) {
  for (let dir = path.dirname(file); dir !== path.dirname(dir); dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, 'package.json'))) return /\/node_modules\/(@[^/]+\/)?[^/]+$/.test(dir);
  }
  return false;
}

function isOwn(file) {
  return (pkg.own || []).some((d) => under(file, d));
}

function intercept(module, filename, flags, via, load) {
  const file = String(filename);
  const r = real(file);
  const copy = isOwn(r) || inAnotherPackage(r) ? null : copyOf(r);
  asked.push({ file: r, own: copy !== null || isOwn(r) });
  emit({ i: current, ev: 'ask', file, real: r, from: caller(), via, binding, copy_of: copy });
  const refused = refusals.get(r) || (copy !== null ? refusals.get(copy) : undefined);
  if (refused !== undefined) {
    // The static checks predict that this load fails: fail it, so the package's own fallback
    // (or its own error) shows, as it would in the real runtime.
    emit({ i: current, ev: 'loaded', ok: false, message: refused, predicted: true });
    throw Object.assign(new Error(refused), { code: 'ERR_DLOPEN_FAILED' });
  }
  if (stub) {
    if (!fs.existsSync(file)) {
      // No stand-in for a file that is not there: the runtime's own loader would fail.
      const message = `${file}: cannot open shared object file: No such file or directory`;
      emit({ i: current, ev: 'loaded', ok: false, message });
      throw Object.assign(new Error(message), { code: 'ERR_DLOPEN_FAILED' });
    }
    module.exports = standIn();
    handedStandIn = true;
    emit({ i: current, ev: 'loaded', ok: true, stub: true });
    return undefined;
  }
  const done = loadedExports.get(r);
  if (done) {
    module.exports = done.exports;
    emit({ i: current, ev: 'loaded', ok: true, now: done.now, ...exportsOf(done.exports) });
    return undefined;
  }
  try {
    const now = loadBoth(module, file, flags, load);
    loadedExports.set(r, { exports: module.exports, now });
    emit({ i: current, ev: 'loaded', ok: true, now, ...exportsOf(module.exports) });
    return undefined;
  } catch (e) {
    emit({ i: current, ev: 'loaded', ok: false, message: text(e) });
    throw e;
  }
}

// A real load answers the dlopen check twice over, as the load driver does: with RTLD_NOW first
// (a load that binds every symbol at once succeeds only where a lazy one does too), then, only
// if that failed, with the flags the package asked for (a failed dlopen leaves nothing loaded).
// Returns the RTLD_NOW answer; throws the lazy load's error when that fails too.
const dlopenFlags = (require('node:os').constants || {}).dlopen || {};
function loadBoth(module, file, flags, load) {
  if (dlopenFlags.RTLD_NOW === undefined) {
    load();
    return { ok: false, unsupported: true, message: 'this runtime has no os.constants.dlopen.RTLD_NOW' };
  }
  const lazy = dlopenFlags.RTLD_LAZY || 0;
  try {
    dlopen.call(process, module, file, flags === undefined ? dlopenFlags.RTLD_NOW : (flags & ~lazy) | dlopenFlags.RTLD_NOW);
    return { ok: true };
  } catch (e) {
    const now = { ok: false, message: text(e) };
    load();
    return now;
  }
}

// What the execute check sees of a loaded addon: the exports' type and first keys.
function exportsOf(x) {
  const usable = x !== null && (typeof x === 'object' || typeof x === 'function');
  let keys = [];
  try {
    keys = usable ? Object.keys(x).slice(0, 200) : [];
  } catch {
    // exports that throw on enumeration: no keys
  }
  return { type: typeof x, keys };
}

const extensions = Module._extensions;
const nodeExtension = extensions && extensions['.node'];
if (typeof nodeExtension === 'function') {
  extensions['.node'] = function (module, filename) {
    if (current < 0 || inExtension) return nodeExtension.apply(this, arguments);
    inExtension++;
    try {
      return intercept(module, filename, undefined, 'require', () => nodeExtension.apply(this, arguments));
    } finally {
      inExtension--;
    }
  };
}
const dlopen = process.dlopen;
process.dlopen = function (module, filename) {
  if (current < 0 || inExtension) return dlopen.apply(this, arguments);
  return intercept(module, filename, arguments[2], 'process.dlopen', () => dlopen.apply(this, arguments));
};

let lastMapped = null; // what was mapped when the last package ended (read once at the start)

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

// The file an ES module import of the package loads: its exports map for ".", read with the
// conditions an import has in this runtime, else its module or main field.
const conditions = new Set(['import', 'node', 'default', 'module-sync']);
if (process.versions.bun) conditions.add('bun');
if (process.versions.deno) conditions.add('deno');

function target(t) {
  if (typeof t === 'string') return t;
  if (Array.isArray(t)) {
    for (const x of t) {
      const r = target(x);
      if (r) return r;
    }
    return null;
  }
  if (t && typeof t === 'object') {
    for (const key of Object.keys(t)) if (conditions.has(key)) {
      const r = target(t[key]);
      if (r) return r;
    }
  }
  return null;
}

function esmEntry(dir) {
  const pj = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8'));
  let e = pj.exports;
  if (e && typeof e === 'object' && !Array.isArray(e) && Object.keys(e).some((k) => k.startsWith('.'))) e = e['.'];
  const t = e !== undefined ? target(e) : pj.module || pj.main || 'index.js';
  if (!t) return null;
  return path.resolve(dir, t);
}

// The package's binding modules: its JavaScript files that load a .node file (a string that ends
// in ".node", a loader's name, process.dlopen), never a script that package.json runs (an install
// script that copies or builds the addon must not run here) nor one among its tests, examples or
// tools; the likeliest name first, at most 8. Looked for only in a package that loads lazily.
const MARKS = [".node'", '.node"', '.node`', 'node-gyp-build', "'bindings'", '"bindings"', 'node-pre-gyp',
  'require-addon', 'process.dlopen', 'napi-postinstall'];
const TOOL_DIRS = new Set(['test', 'tests', '__tests__', 'example', 'examples', 'bench', 'benchmark', 'benchmarks',
  'scripts', 'script', 'tools', 'docs', 'bin']);
const TOOL_FILES = new Set(['install.js', 'preinstall.js', 'postinstall.js', 'build.js', 'clean.js', 'prebuild.js',
  'download.js']);
const LIKELY = ['binding', 'native', 'addon', 'load', 'prebuild'];

function bindingModules(dir) {
  let pj = {};
  try {
    pj = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8'));
  } catch {
    return [];
  }
  const bin = typeof pj.bin === 'string' ? [pj.bin] : Object.values(pj.bin || {});
  const run = [...Object.values(pj.scripts || {}), ...bin].map(String);
  const found = [];
  walkFiles(dir, 4, 4000, (name, depth) => depth === 0 && TOOL_DIRS.has(name), (p, name) => {
    const rel = path.relative(dir, p);
    if (!/\.[cm]?js$/.test(name) || TOOL_FILES.has(name) || run.some((cmd) => cmd.includes(rel))) return;
    try {
      if (fs.statSync(p).size > 1 << 20) return;
      const text = fs.readFileSync(p, 'utf8');
      if (MARKS.some((m) => text.includes(m))) found.push(p);
    } catch {
      // unreadable: not one
    }
  });
  const likely = (f) => {
    const i = LIKELY.findIndex((w) => path.basename(f).includes(w));
    return i < 0 ? LIKELY.length : i;
  };
  return found
    .map((f, i) => [likely(f), i, f])
    .sort((a, b) => a[0] - b[0] || a[1] - b[1])
    .slice(0, 8)
    .map((x) => x[2]);
}

// Codes of a require() that cannot load the package at all, where an import() can.
const needsImport = new Set(['ERR_REQUIRE_ESM', 'ERR_REQUIRE_ASYNC_MODULE', 'ERR_PACKAGE_PATH_NOT_EXPORTED']);

async function requirePackage(p) {
  const req = Module.createRequire(path.join(p.from, 'noop.js'));
  try {
    req(p.spec);
  } catch (e) {
    // An ES module package that require() cannot load is imported, as an application would.
    const code = e && e.code;
    const itself = code === 'MODULE_NOT_FOUND' && String(e.message).includes(`'${p.spec}'`);
    if (!needsImport.has(code) && !itself) throw e;
    const entry = p.dir ? esmEntry(p.dir) : null;
    if (!entry) throw e;
    const { pathToFileURL } = require('node:url');
    await import(pathToFileURL(entry).href);
  }
  // A loader that finishes on the next turn of the event loop still counts.
  await new Promise((resolve) => setImmediate(resolve));
}

// The package asked for one of its own files (or a copy of one).
function ownAsked() {
  return asked.some((a) => a.own);
}

async function one(i, p) {
  current = i;
  pkg = p;
  asked = [];
  binding = null;
  ownFiles = null;
  handedStandIn = false;
  refusals = new Map((p.refuse || []).map((x) => [real(x.file), String(x.message)]));
  const cached = new Set(Object.keys(require.cache));
  emit({ i, ev: 'start' });
  const before = stub ? null : lastMapped;
  let failed = null;
  try {
    await requirePackage(p);
  } catch (e) {
    failed = e;
  }
  const onStandIn = failed !== null && handedStandIn;
  emit({ i, ev: 'required', threw: failed ? thrown(failed) : null, after_stand_in: onStandIn });
  // A package that loads its addon at first use asked for none of its own files: its binding
  // modules are required in turn, until one asks for one. A package whose require() threw on
  // its own (not after a stand-in) has refused already.
  if (!ownAsked() && (!failed || onStandIn)) {
    for (const file of p.dir ? bindingModules(p.dir) : []) {
      binding = file;
      handedStandIn = false;
      let threw = null;
      try {
        Module.createRequire(file)(file);
        await new Promise((resolve) => setImmediate(resolve));
      } catch (e) {
        threw = thrown(e);
      }
      emit({ i, ev: 'binding', file, threw });
      if (ownAsked()) break;
    }
    binding = null;
  }
  // A package that asked for none of its files is judged by its files that could load here (the
  // agreement step): in a real run they are loaded here too, so that their loads need no process
  // of their own. They are not what the package asked for, and the events say so.
  if (!stub && !failed && !ownAsked() && (p.candidates || []).length) {
    emit({ i, ev: 'candidates' });
    for (const file of p.candidates) {
      asked.push({ file: real(file), own: false });
      emit({ i, ev: 'ask', file, real: real(file), from: null, via: 'candidate', binding: null, copy_of: null });
      inExtension++; // a runtime whose dlopen goes through Module._extensions: not an ask of the package's
      try {
        const module = { exports: {} };
        const now = loadBoth(module, file, undefined, () => dlopen.call(process, module, file));
        emit({ i, ev: 'loaded', ok: true, now, ...exportsOf(module.exports) });
      } catch (e) {
        emit({ i, ev: 'loaded', ok: false, message: text(e) });
      } finally {
        inExtension--;
      }
    }
  }
  const end = { i, ev: 'end' };
  if (!stub) {
    // No /proc (a chroot into an image without it): the mapping is not known, so none is claimed.
    const wanted = new Set(asked.map((a) => a.file));
    const after = mappedNow(wanted);
    if (after) end.mapped = [...after].filter((f) => wanted.has(f) || !(before && before.has(f)));
    lastMapped = after; // the next package's "before": one read of the maps per package
  }
  // The next package starts from the module cache as it was: what this one loaded of the packages
  // being asked about (their modules and .node files) is forgotten. A loader library they share
  // (node-gyp-build) stays: an ES module that imports it later links against its cached module,
  // and Node's ES module loader does not take a CommonJS module that left the cache.
  for (const key of Object.keys(require.cache)) {
    if (!cached.has(key) && (key.endsWith('.node') || asking.some((d) => under(key, d)))) delete require.cache[key];
  }
  current = -1;
  pkg = null;
  emit(end);
}

// A package's asynchronous failure must not end the walk over the others.
process.on('uncaughtException', (e) => emit({ i: current, ev: 'async-error', message: text(e) }));
process.on('unhandledRejection', (e) => emit({ i: current, ev: 'async-error', message: text(e) }));

async function main() {
  if (!stub) lastMapped = mappedNow(new Set());
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
