'use strict';
// lib/binary.cjs — where the abiprobe binary is: $ABIPROBE_BINARY_PATH when set, else the
// platform package (@abiprobe/linux-x64 or @abiprobe/linux-arm64, optional dependencies of
// abiprobe) that npm installed for this machine. Anything else is an Error that says what to
// install and why; never a guess. Plain CommonJS for Node >= 18, Bun and Deno.

const fs = require('node:fs');
const path = require('node:path');

const PACKAGES = { x64: '@abiprobe/linux-x64', arm64: '@abiprobe/linux-arm64' };

// whyNotExecutable(p): null when p is an executable regular file, else why it is not.
function whyNotExecutable(p) {
  let st;
  try {
    st = fs.statSync(p);
  } catch (e) {
    return e.code === 'ENOENT' ? 'no such file' : e.message;
  }
  if (!st.isFile()) return 'not a regular file';
  try {
    fs.accessSync(p, fs.constants.X_OK);
  } catch (e) {
    return 'not executable (chmod +x it)';
  }
  return null;
}

// The platform package for this machine, or an Error naming why there is none.
function platformPackage(platform, arch) {
  if (platform !== 'linux' || !Object.prototype.hasOwnProperty.call(PACKAGES, arch)) {
    return new Error(
      `abiprobe: no prebuilt binary for ${platform}-${arch}: abiprobe is published for Linux only ` +
        `(@abiprobe/linux-x64, @abiprobe/linux-arm64); build it from source and set ABIPROBE_BINARY_PATH to it`
    );
  }
  return PACKAGES[arch];
}

// binaryPath(): the absolute path of the abiprobe executable; throws an Error otherwise.
function binaryPath(env, platform, arch) {
  env = env || process.env;
  platform = platform || process.platform;
  arch = arch || process.arch;
  const override = env.ABIPROBE_BINARY_PATH;
  if (override !== undefined && override !== '') {
    const why = whyNotExecutable(override);
    if (why) throw new Error(`abiprobe: ABIPROBE_BINARY_PATH=${override}: ${why}`);
    return path.resolve(override);
  }
  const pkg = platformPackage(platform, arch);
  if (pkg instanceof Error) throw pkg;
  let file;
  try {
    file = require.resolve(pkg + '/bin/abiprobe');
  } catch (e) {
    const err = new Error(
      `abiprobe: ${pkg} is not installed: it holds the abiprobe binary for ${platform}-${arch} and is an ` +
        `optional dependency of abiprobe, so it is missing when optional dependencies were omitted; ` +
        `reinstall with them (npm install --include=optional, not --omit=optional or --no-optional) ` +
        `or install ${pkg} yourself, or set ABIPROBE_BINARY_PATH`
    );
    err.code = 'ABIPROBE_BINARY_MISSING';
    err.cause = e;
    throw err;
  }
  const why = whyNotExecutable(file);
  if (why) throw new Error(`abiprobe: ${file} (from ${pkg}): ${why}`);
  return file;
}

const DEFAULTED = new Set(['check', 'scan', 'select', 'runtime']);

// namesRuntime(arg): arg names a runtime: --runtime, --config, --default-runtime, with =VALUE or not, and the
// abbreviations getopt_long accepts for them (--run, --conf, --default, ...).
function namesRuntime(arg) {
  const m = /^--([a-z-]+)(=|$)/.exec(arg);
  if (!m) return false;
  const name = m[1];
  return (
    (name.length >= 2 && 'runtime'.startsWith(name)) ||
    (name.length >= 2 && 'config'.startsWith(name)) ||
    (name.length >= 2 && 'default-runtime'.startsWith(name))
  );
}

// launchArgs(argv, execPath): the launcher's arguments for the binary (see bin/abiprobe.cjs).
// The default runtime is one word, --default-runtime=PATH, and so is a runtime option whose
// value is execPath: Deno's child_process rewrites a word equal to Deno's own path, and the
// words after it, as if they were node's arguments.
function launchArgs(argv, execPath) {
  const args = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (/^--(runtime|default-runtime|emulator)$/.test(a) && argv[i + 1] === execPath && !argv.slice(0, i).includes('--')) {
      args.push(`${a}=${execPath}`);
      i++;
    } else {
      args.push(a);
    }
  }
  if (args.length === 0 || !DEFAULTED.has(args[0])) return args;
  const end = args.indexOf('--');
  const opts = end === -1 ? args.slice(1) : args.slice(1, end);
  if (opts.some(namesRuntime)) return args;
  args.splice(1, 0, `--default-runtime=${execPath}`);
  return args;
}

module.exports = { binaryPath, platformPackage, whyNotExecutable, launchArgs, namesRuntime, PACKAGES };
