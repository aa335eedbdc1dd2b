'use strict';
// index.cjs — the JavaScript API of abiprobe: check(), scan() and assertCompatible() run the
// abiprobe binary (asynchronously, no shell) with --format json and give back its abiprobe/1
// report. A fail verdict is a report, not an error; a usage error (exit 2), a check that could
// not be carried out (exit 3), a signal or output that is not a report is a rejection. Plain
// CommonJS, no dependencies, for Node >= 18, Bun and Deno; index.mjs re-exports it for ESM.

const { spawn } = require('node:child_process');
const { binaryPath } = require('./lib/binary.cjs');

const COMMON = ['runtimes', 'targets', 'staticOnly', 'smoke', 'expect', 'config', 'timeout', 'cwd', 'env', 'bin'];
const KEYS = {
  check: new Set(COMMON),
  scan: new Set(COMMON.concat('dirs')),
  assertCompatible: new Set(COMMON.concat('dirs')),
};

class AbiprobeIncompatible extends Error {
  constructor(message, report) {
    super(message);
    this.name = 'AbiprobeIncompatible';
    this.report = report;
  }
}

function describe(v) {
  if (v === null || v === undefined) return String(v);
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'string') return JSON.stringify(v.length > 40 ? v.slice(0, 40) + '…' : v);
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return (typeof v === 'object' ? 'an ' : 'a ') + typeof v;
}

function typeError(fn, key, want, v) {
  return new TypeError(`abiprobe.${fn}: options.${key} must be ${want}, not ${describe(v)}`);
}

function stringList(fn, key, v) {
  if (!Array.isArray(v)) throw typeError(fn, key, 'an array of strings', v);
  v.forEach((s, i) => {
    if (typeof s !== 'string' || s === '') throw typeError(fn, `${key}[${i}]`, 'a non-empty string', s);
  });
  return v;
}

function pathString(fn, key, v) {
  if (typeof v !== 'string' || v === '') throw typeError(fn, key, 'a non-empty string (a path)', v);
  return v;
}

// The options, checked: every key known, every value of its type. Undefined counts as absent.
function validate(fn, options) {
  if (options === undefined) options = {};
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new TypeError(`abiprobe.${fn}: options must be an object, not ${describe(options)}`);
  }
  const allowed = KEYS[fn];
  const o = {};
  for (const key of Object.keys(options)) {
    if (!allowed.has(key)) {
      const hint = key === 'dirs' ? ' (dirs is for scan)' : '';
      throw new TypeError(
        `abiprobe.${fn}: unknown option ${JSON.stringify(key)}${hint}; known: ${[...allowed].join(', ')}`
      );
    }
    if (options[key] !== undefined) o[key] = options[key];
  }
  if ('runtimes' in o) stringList(fn, 'runtimes', o.runtimes);
  if ('targets' in o) stringList(fn, 'targets', o.targets);
  if ('dirs' in o) stringList(fn, 'dirs', o.dirs);
  if ('staticOnly' in o && typeof o.staticOnly !== 'boolean') throw typeError(fn, 'staticOnly', 'a boolean', o.staticOnly);
  for (const key of ['smoke', 'config', 'cwd', 'bin']) if (key in o) pathString(fn, key, o[key]);
  if ('expect' in o) {
    const v = o.expect;
    if (typeof v === 'string') {
      if (v === '') throw typeError(fn, 'expect', 'JSON text or a JSON value', v);
      o.expectJSON = v; // JSON text already; abiprobe says so if it is not valid JSON
    } else if (typeof v === 'function' || typeof v === 'symbol' || typeof v === 'bigint') {
      throw typeError(fn, 'expect', 'JSON text or a JSON value', v);
    } else if (typeof v === 'number' && !Number.isFinite(v)) {
      throw typeError(fn, 'expect', 'a finite number (JSON has no NaN or Infinity)', v);
    } else {
      let text;
      try {
        text = JSON.stringify(v);
      } catch (e) {
        throw new TypeError(`abiprobe.${fn}: options.expect cannot be written as JSON: ${e.message}`);
      }
      if (text === undefined) throw typeError(fn, 'expect', 'JSON text or a JSON value', v);
      o.expectJSON = text;
    }
  }
  if ('timeout' in o && (typeof o.timeout !== 'number' || !Number.isInteger(o.timeout) || o.timeout < 1)) {
    throw typeError(fn, 'timeout', 'a whole number of seconds, at least 1', o.timeout);
  }
  if ('env' in o) {
    const e = o.env;
    if (e === null || typeof e !== 'object' || Array.isArray(e)) throw typeError(fn, 'env', 'an object', e);
    for (const [k, v] of Object.entries(e)) {
      if (v !== undefined && typeof v !== 'string') throw typeError(fn, `env.${k}`, 'a string', v);
    }
  }
  return o;
}

// process.env with options.env laid over it (a key set to undefined is removed).
function childEnv(o, extra) {
  const env = Object.assign({}, process.env);
  for (const [k, v] of Object.entries(Object.assign({}, o.env || {}, extra || {}))) {
    if (v === undefined) delete env[k];
    else env[k] = v;
  }
  return env;
}

// The executable: options.bin, else $ABIPROBE_BIN, else the platform package's binary.
function executable(o, env) {
  if (o.bin) return o.bin;
  if (env.ABIPROBE_BIN) return env.ABIPROBE_BIN;
  return binaryPath(env);
}

function firstLine(text) {
  for (const line of String(text).split('\n')) if (line.trim() !== '') return line.trim();
  return '';
}

// run(bin, args, {cwd, env, input}): {code, signal, stdout, stderr}; rejects when bin cannot start.
function run(bin, args, opts) {
  return new Promise((resolve, reject) => {
    let child;
    try {
      child = spawn(bin, args, {
        cwd: opts.cwd,
        env: opts.env,
        stdio: [opts.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
      });
    } catch (e) {
      reject(startError(bin, e));
      return;
    }
    const out = [];
    const err = [];
    child.stdout.on('data', (b) => out.push(b));
    child.stderr.on('data', (b) => err.push(b));
    let failed = false;
    child.on('error', (e) => {
      failed = true;
      reject(startError(bin, e));
    });
    child.on('close', (code, signal) => {
      if (failed) return;
      resolve({
        code,
        signal,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
      });
    });
    if (opts.input !== undefined) {
      child.stdin.on('error', () => {}); // a child that exits early: its status says what went wrong
      child.stdin.end(opts.input);
    }
  });
}

function startError(bin, e) {
  const err = new Error(`abiprobe: cannot run ${bin}: ${e.message}`);
  err.exitCode = null;
  err.stderr = '';
  err.cause = e;
  return err;
}

function parseReport(stdout) {
  let r;
  try {
    r = JSON.parse(stdout);
  } catch (e) {
    return null;
  }
  return r && typeof r === 'object' && r.schema === 'abiprobe/1' ? r : null;
}

// The arguments, each option with its value as one --name=value word: Deno's child_process
// rewrites a word equal to Deno's own path, and the words after it, as if they were node's
// arguments (`--runtime /path/to/deno x.node` arrives as `--runtime /path/to/deno run -A ...`).
function argsFor(command, o) {
  const args = [command, '--format=json'];
  if (o.runtimes && o.runtimes.length) for (const rt of o.runtimes) args.push(`--runtime=${rt}`);
  else if (!o.config) args.push(`--default-runtime=${process.execPath}`);
  if (o.config) args.push(`--config=${o.config}`);
  if (o.staticOnly) args.push('--static-only');
  if (o.smoke) args.push(`--smoke=${o.smoke}`);
  if (o.expectJSON !== undefined) args.push(`--expect=${o.expectJSON}`);
  if (o.timeout !== undefined) args.push(`--timeout=${o.timeout}`);
  args.push('--', ...(o.targets || []), ...(o.dirs || []));
  return args;
}

const VERDICT_OF_EXIT = { 0: 'pass', 1: 'fail' };

async function runCommand(command, o) {
  const env = childEnv(o);
  const bin = executable(o, env);
  const res = await run(bin, argsFor(command, o), { cwd: o.cwd, env });
  const report = parseReport(res.stdout);
  const fail = (message) => {
    const err = new Error(message);
    err.exitCode = res.code;
    err.signal = res.signal;
    err.stderr = res.stderr;
    if (report) err.report = report;
    return err;
  };
  const said = firstLine(res.stderr);
  if (res.signal) {
    throw fail(`abiprobe: ${bin} was killed by ${res.signal}` + (said ? `: ${said}` : ''));
  }
  if (res.code === 0 || res.code === 1) {
    if (!report) {
      const out = firstLine(res.stdout);
      throw fail(
        `abiprobe: ${bin} exited ${res.code} without an abiprobe/1 JSON report` +
          (out ? ` (its output began: ${out.slice(0, 80)})` : ' (no output)') +
          (said ? `: ${said}` : '')
      );
    }
    // Exit 0 without a verdict: nothing was there to judge (a scan that found no native package).
    const nothing = res.code === 0 && report.verdict === undefined && Array.isArray(report.results) && report.results.length === 0;
    if (!nothing && report.verdict !== VERDICT_OF_EXIT[res.code]) {
      throw fail(`abiprobe: ${bin} exited ${res.code} but its report's verdict is ${JSON.stringify(report.verdict)}`);
    }
    return report;
  }
  throw fail(said || `abiprobe: ${bin} exited ${res.code} without saying why`);
}

async function check(options) {
  return runCommand('check', validate('check', options));
}

async function scan(options) {
  return runCommand('scan', validate('scan', options));
}

// The text report of a JSON report, from `abiprobe merge --format text -`.
async function textReport(o, report) {
  const env = childEnv(o, { NO_COLOR: '1' });
  const bin = executable(o, env);
  let res;
  try {
    res = await run(bin, ['merge', '--format=text', '-'], { cwd: o.cwd, env, input: JSON.stringify(report) });
  } catch (e) {
    return { why: e.message };
  }
  if (!res.signal && [0, 1, 3].includes(res.code) && res.stdout.trim() !== '') return { text: res.stdout.trimEnd() };
  const said = firstLine(res.stderr);
  return { why: `${bin} merge ` + (res.signal ? `was killed by ${res.signal}` : `exited ${res.code}`) + (said ? `: ${said}` : '') };
}

// A plain rendering of the failing pairs, for when the binary cannot render its text report.
function fallbackText(report, why) {
  const lines = [`abiprobe: verdict ${report.verdict} (the text report could not be made: ${why})`];
  for (const r of report.results || []) {
    if (!r || r.verdict === 'pass') continue;
    const rt = r.runtime || {};
    const name = (r.addon && r.addon.path) || r.target || '?';
    lines.push(`${name} on ${r.runtime_name || rt.path || '?'} (${rt.kind || '?'} ${rt.product_version || rt.version || ''}): ${r.verdict}`);
    for (const c of r.checks || []) {
      if (c.status === 'pass' || c.status === 'skip') continue;
      lines.push(`  ${c.id} ${c.status}: ${c.message || ''}`);
      if (typeof c.first === 'string') lines.push(`    ld.so stops at: ${c.first}`);
      if (Array.isArray(c.missing) && c.missing.length) {
        lines.push('    missing: ' + c.missing.slice(0, 5).map((m) => (m && (m.name || m.demangled)) || String(m)).join(', '));
      }
    }
  }
  return lines.join('\n');
}

// The one-line summary an error's first line is: the counts, and the first failing pair with
// the check that says why ("isolated-vm 7.0.1 on bun 1.4.4: symbols: 207 symbols missing ...").
function summaryLine(report) {
  const s = report.summary || {};
  let line = `abiprobe: ${s.pass || 0} passed, ${s.fail || 0} failed` + (s.error ? `, ${s.error} could not be checked` : '');
  const bad = (report.results || []).find((r) => r && r.verdict && r.verdict !== 'pass');
  if (bad) {
    const sel = bad.selection;
    const name = sel && sel.name ? `${sel.name}${sel.version ? ' ' + sel.version : ''}` : String(bad.target || '?').split('/').pop();
    const rt = bad.runtime || {};
    const why = (bad.checks || []).find((c) => c && c.status === bad.verdict) || (bad.checks || []).find((c) => c && c.status !== 'pass' && c.status !== 'skip');
    line += `: ${name} on ${rt.kind || '?'} ${rt.product_version || rt.version || ''}`.trimEnd();
    if (why) line += `: ${why.id}: ${why.message || why.status}`;
  }
  return line;
}

async function assertCompatible(options) {
  const o = validate('assertCompatible', options);
  const report = await runCommand(o.dirs ? 'scan' : 'check', o);
  if (report.verdict === 'pass') return report;
  const t = await textReport(o, report);
  let text = t.text !== undefined ? t.text : fallbackText(report, t.why);
  text = (report.verdict === undefined ? 'abiprobe: no verdict, nothing was checked' : summaryLine(report)) + '\n' + text;
  throw new AbiprobeIncompatible(text, report);
}

module.exports = { check, scan, assertCompatible, AbiprobeIncompatible };
