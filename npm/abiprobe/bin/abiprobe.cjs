#!/usr/bin/env node
'use strict';
// bin/abiprobe.cjs — the npm launcher: runs the abiprobe binary with the same arguments,
// standard streams inherited, and exits as it did (re-raising its signal when it died by
// one). For check, scan, select and runtime with no runtime named (no --runtime, no
// --config, no --default-runtime), it adds `--default-runtime <the runtime running this
// file>` right after the command word: `bun node_modules/.bin/abiprobe check X.node` checks
// X.node against that Bun, `npx abiprobe check X.node` against that Node.

const { spawn } = require('node:child_process');
const os = require('node:os');
const { binaryPath, launchArgs } = require('../lib/binary.cjs');

function main() {
  let bin;
  try {
    bin = binaryPath();
  } catch (e) {
    process.stderr.write(e.message + '\n');
    process.exit(3);
  }
  const args = launchArgs(process.argv.slice(2), process.execPath);
  const child = spawn(bin, args, { stdio: 'inherit' });
  const forwarded = ['SIGINT', 'SIGTERM', 'SIGHUP'];
  const forward = (sig) => {
    try {
      child.kill(sig);
    } catch (e) {
      /* the child is already gone: its exit is reported below */
    }
  };
  for (const sig of forwarded) process.on(sig, forward);
  child.on('error', (e) => {
    process.stderr.write(`abiprobe: cannot run ${bin}: ${e.message}\n`);
    process.exit(3);
  });
  child.on('exit', (code, signal) => {
    for (const sig of forwarded) process.removeListener(sig, forward);
    if (signal) {
      const num = (os.constants.signals && os.constants.signals[signal]) || 0;
      try {
        process.kill(process.pid, signal);
      } catch (e) {
        /* fall through to the exit status a shell would show */
      }
      // Still here: the signal is ignored or handled in this process; exit as a shell would report it.
      setTimeout(() => process.exit(128 + num), 200);
      return;
    }
    process.exit(code === null ? 3 : code);
  });
}

main();
