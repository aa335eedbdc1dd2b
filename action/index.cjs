'use strict';
// action/index.cjs — the GitHub Action (action.yml): runs `abiprobe check|scan` with a JSON
// report in $RUNNER_TEMP, then renders it with `abiprobe merge`: workflow commands (::error
// file=...) on standard output, the Markdown report in the step summary, and the report file in
// the format asked for. Sets the outputs verdict and report, and exits with abiprobe's status.
// Inputs come from INPUT_<NAME> as GitHub sets them. No dependencies; Node >= 18.

const { spawnSync } = require('node:child_process');
const crypto = require('node:crypto');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
// The same test of ABIPROBE_BIN as the launcher's own, from the package in this checkout.
const { whyNotExecutable } = require('../npm/abiprobe/lib/binary.cjs');

const EXIT_USAGE = 2;
const EXIT_NOT_CHECKED = 3;
const FORMATS = { json: 'json', text: 'txt', junit: 'xml', github: 'github.txt', markdown: 'md' };
const BIG = 256 * 1024 * 1024;

function escapeData(s) {
  return String(s).replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

function error(message) {
  process.stdout.write(`::error::${escapeData(message)}\n`);
}

class InputError extends Error {}

// getInput(name): the input as GitHub passes it (INPUT_ + name upper-cased, spaces as _), trimmed.
function getInput(name) {
  const v = process.env[`INPUT_${name.replace(/ /g, '_').toUpperCase()}`];
  return v === undefined ? '' : v.trim();
}

function list(value) {
  return value
    .split(/[\n,]/)
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

function booleanInput(name) {
  const v = getInput(name);
  if (v === '' || ['false', 'False', 'FALSE'].includes(v)) return false;
  if (['true', 'True', 'TRUE'].includes(v)) return true;
  throw new InputError(`abiprobe action: input '${name}' must be "true" or "false", not ${JSON.stringify(v)}`);
}

function readInputs() {
  const command = getInput('command') || 'check';
  if (command !== 'check' && command !== 'scan') {
    throw new InputError(`abiprobe action: input 'command' must be check or scan, not ${JSON.stringify(command)}`);
  }
  const format = getInput('format') || 'json';
  if (!Object.prototype.hasOwnProperty.call(FORMATS, format)) {
    throw new InputError(
      `abiprobe action: input 'format' must be one of ${Object.keys(FORMATS).join(', ')}, not ${JSON.stringify(format)}`
    );
  }
  const config = getInput('config');
  const targets = list(getInput('targets'));
  if (targets.length === 0 && config === '') {
    throw new InputError(
      "abiprobe action: input 'targets' is required (addon files, package directories or node_modules trees)"
    );
  }
  return {
    command,
    format,
    config,
    targets,
    runtimes: list(getInput('runtimes')),
    staticOnly: booleanInput('static-only'),
  };
}


// The version this action is for: the project() line of CMakeLists.txt next to action.yml.
function actionVersion() {
  const file = path.join(__dirname, '..', 'CMakeLists.txt');
  let text;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new Error(`abiprobe action: cannot read ${file} for the version to install: ${e.message}`);
  }
  const m = /project\(\s*abiprobe\s+VERSION\s+([0-9]+\.[0-9]+\.[0-9]+)/.exec(text);
  if (!m) throw new Error(`abiprobe action: ${file} has no "project(abiprobe VERSION x.y.z" line`);
  return m[1];
}

function npmCommand() {
  const beside = path.join(path.dirname(process.execPath), 'npm');
  return fs.existsSync(beside) ? beside : 'npm';
}

// The abiprobe to run, as [command, ...leading args]: $ABIPROBE_BIN, else the npm package's
// launcher installed into $RUNNER_TEMP/abiprobe-npm and run with this node.
function abiprobeCommand(temp) {
  const bin = process.env.ABIPROBE_BIN;
  if (bin !== undefined && bin !== '') {
    const why = whyNotExecutable(bin);
    if (why) throw new InputError(`abiprobe action: ABIPROBE_BIN=${bin}: ${why}`);
    // The launcher (a script, or node_modules/.bin's link to it) runs with this node.
    const real = fs.realpathSync(bin);
    return /\.[cm]?js$/.test(real) ? [process.execPath, real] : [real];
  }
  const version = actionVersion();
  const prefix = path.join(temp, 'abiprobe-npm');
  const npm = npmCommand();
  const args = ['install', '--no-save', '--no-audit', '--no-fund', '--prefix', prefix, `abiprobe@${version}`];
  process.stdout.write(`::group::npm ${args.join(' ')}\n`);
  const r = spawnSync(npm, args, { stdio: ['ignore', 'inherit', 'inherit'] });
  process.stdout.write('::endgroup::\n');
  if (r.error) throw new Error(`abiprobe action: cannot run ${npm}: ${r.error.message}`);
  if (r.status !== 0) {
    throw new Error(`abiprobe action: npm install abiprobe@${version} failed (${r.signal || 'exit ' + r.status})`);
  }
  const launcher = path.join(prefix, 'node_modules', 'abiprobe', 'bin', 'abiprobe.cjs');
  if (!fs.existsSync(launcher)) throw new Error(`abiprobe action: npm installed no ${launcher}`);
  return [process.execPath, launcher];
}

function setOutput(name, value) {
  const file = process.env.GITHUB_OUTPUT;
  let line;
  if (String(value).includes('\n')) {
    const delim = `ghadelimiter_${crypto.randomBytes(8).toString('hex')}`;
    line = `${name}<<${delim}\n${value}\n${delim}\n`;
  } else {
    line = `${name}=${value}\n`;
  }
  if (file) fs.appendFileSync(file, line);
  else process.stdout.write(line);
}

// env without GITHUB_STEP_SUMMARY: --format github appends the Markdown report there by itself,
// and this action appends it once, from merge --format markdown.
function mergeEnv() {
  const env = Object.assign({}, process.env, { NO_COLOR: '1' });
  delete env.GITHUB_STEP_SUMMARY;
  return env;
}

// merge(cmd, args, stdout): runs `abiprobe merge ...`; null when it rendered, else why not.
function merge(cmd, args, stdout) {
  const r = spawnSync(cmd[0], cmd.slice(1).concat('merge', args), {
    env: mergeEnv(),
    stdio: ['ignore', stdout, 'pipe'],
    maxBuffer: BIG,
  });
  if (r.stderr && r.stderr.length) process.stderr.write(r.stderr);
  if (r.error) return { why: `cannot run abiprobe merge: ${r.error.message}` };
  if (r.signal || ![0, 1, EXIT_NOT_CHECKED].includes(r.status)) {
    const said = String(r.stderr || '').split('\n').find((l) => l.trim() !== '');
    return { why: `abiprobe merge ${args.join(' ')}: ${r.signal || 'exit ' + r.status}${said ? ': ' + said : ''}` };
  }
  return { stdout: r.stdout };
}

// The node the job's steps run: the first on PATH (what actions/setup-node put there), not the
// node that GitHub runs this action with; null when PATH has none.
function nodeOnPath() {
  for (const d of String(process.env.PATH || '').split(path.delimiter)) {
    const p = path.join(d || '.', 'node');
    try {
      if (fs.statSync(p).isFile()) {
        fs.accessSync(p, fs.constants.X_OK);
        return p;
      }
    } catch (e) {
      // not here
    }
  }
  return null;
}

function main() {
  let inputs;
  const temp = process.env.RUNNER_TEMP || os.tmpdir();
  let cmd;
  try {
    inputs = readInputs();
    cmd = abiprobeCommand(temp);
  } catch (e) {
    error(e.message);
    setOutput('verdict', 'error');
    setOutput('report', '');
    return e instanceof InputError ? EXIT_USAGE : EXIT_NOT_CHECKED;
  }
  // A directory of this step's own: a job that runs the action twice keeps both reports, and a
  // report left by an earlier step is never read as this one's.
  const dir = fs.mkdtempSync(path.join(temp, 'abiprobe-'));
  const json = path.join(dir, 'abiprobe-report.json');
  const args = [inputs.command, '--format', 'json', '-o', json];
  if (inputs.staticOnly) args.push('--static-only');
  if (inputs.config) args.push('--config', inputs.config);
  if (inputs.runtimes.length) for (const rt of inputs.runtimes) args.push('--runtime', rt);
  else args.push('--default-runtime', nodeOnPath() || process.execPath);
  args.push('--', ...inputs.targets);

  const r = spawnSync(cmd[0], cmd.slice(1).concat(args), { stdio: ['ignore', 'inherit', 'pipe'], maxBuffer: BIG });
  if (r.error) {
    error(`abiprobe action: cannot run ${cmd.join(' ')}: ${r.error.message}`);
    setOutput('verdict', 'error');
    setOutput('report', '');
    return EXIT_NOT_CHECKED;
  }
  let status = r.signal ? EXIT_NOT_CHECKED : r.status;
  const said = String(r.stderr || '')
    .split('\n')
    .filter((l) => l.trim() !== '');
  if (status >= EXIT_USAGE || r.signal) for (const l of said) error(l);
  else if (said.length) process.stderr.write(said.join('\n') + '\n');
  if (r.signal) error(`abiprobe was killed by ${r.signal}`);

  let report = null;
  try {
    report = JSON.parse(fs.readFileSync(json, 'utf8'));
    if (!report || report.schema !== 'abiprobe/1') report = null;
  } catch (e) {
    report = null;
  }
  let verdict = report && typeof report.verdict === 'string' ? report.verdict : 'error';
  // Exit 0 and no verdict: there was nothing to judge (a scan that found no native package).
  const nothing = report && status === 0 && report.verdict === undefined && Array.isArray(report.results) && report.results.length === 0;
  if (nothing) {
    verdict = 'none';
    process.stdout.write(`::warning::${escapeData('abiprobe: nothing was checked' + (report.note ? ': ' + report.note : ''))}\n`);
  }
  let reportPath = report ? json : '';
  const summary = process.env.GITHUB_STEP_SUMMARY;
  const problems = [];
  if (report) {
    const gh = merge(cmd, ['--format', 'github', json], 'inherit');
    if (gh.why) problems.push(gh.why);
    if (summary) {
      const md = merge(cmd, ['--format', 'markdown', json], 'pipe');
      if (md.why) problems.push(md.why);
      else fs.appendFileSync(summary, String(md.stdout).replace(/\n*$/, '\n'));
    }
    if (inputs.format !== 'json') {
      const out = path.join(dir, `abiprobe-report.${FORMATS[inputs.format]}`);
      const f = merge(cmd, ['--format', inputs.format, '-o', out, json], 'inherit');
      if (f.why) problems.push(f.why);
      else if (!fs.existsSync(out)) problems.push(`abiprobe merge wrote no ${out}`);
      reportPath = f.why ? '' : out;
    }
  } else {
    const why = said[0] || `abiprobe exited ${status} without a report`;
    problems.push(`no report: ${why}`);
    if (summary) fs.appendFileSync(summary, `**abiprobe** could not check: ${why.replace(/[|<>]/g, '\\$&')}\n`);
  }
  for (const p of problems) error(p);
  // Never a silent pass: a pass needs exit 0, a pass verdict and every rendering done.
  if (status === 0 && ((verdict !== 'pass' && verdict !== 'none') || problems.length)) status = EXIT_NOT_CHECKED;
  if (status !== 0 && verdict === 'pass') verdict = 'error';
  setOutput('verdict', verdict);
  setOutput('report', reportPath);
  return status;
}

process.exitCode = main();
