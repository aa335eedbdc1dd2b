// index.d.ts — types for abiprobe's JavaScript API (index.cjs, index.mjs).
import type { Report } from './report.d.ts';

export type { Report };

/** Options shared by check(), scan() and assertCompatible(). Every key is checked: an unknown
 * key or a value of the wrong type is a TypeError. */
export interface CommonOptions {
  /** Runtimes to check against: paths, or command names looked up on PATH (`--runtime`, once each).
   * Without runtimes and without config, the runtime running this code is used
   * (`--default-runtime process.execPath`). */
  runtimes?: string[];
  /** Addon files (.node) and package directories (for scan: node_modules trees). */
  targets?: string[];
  /** Only the checks that read ELF; no addon code runs (`--static-only`). */
  staticOnly?: boolean;
  /** An ES module whose default export `(addon, ctx) => value` runs inside each runtime (`--smoke`). */
  smoke?: string;
  /** The value the smoke module must return: JSON text (a string, passed as is) or any other JSON
   * value (written with JSON.stringify). A string value must be given as JSON text: `'"text"'`. */
  expect?: string | number | boolean | null | object;
  /** A JSON config file: runtimes, targets, smoke modules and declared expectations (`--config`). */
  config?: string;
  /** Bound on each runtime process, in whole seconds (`--timeout`). */
  timeout?: number;
  /** Working directory of the abiprobe process; relative paths resolve against it. */
  cwd?: string;
  /** Variables laid over process.env for the abiprobe process; `undefined` removes one. */
  env?: Record<string, string | undefined>;
  /** An executable to run instead of the installed binary (else $ABIPROBE_BIN, else
   * $ABIPROBE_BINARY_PATH, else the @abiprobe/linux-* package's binary). */
  bin?: string;
}

export interface CheckOptions extends CommonOptions {}

export interface ScanOptions extends CommonOptions {
  /** Directories to scan (node_modules trees); given after targets. */
  dirs?: string[];
}

/** With dirs, assertCompatible() runs scan; without, check. */
export interface AssertOptions extends ScanOptions {}

/** The rejection of check(), scan() and assertCompatible() when abiprobe could not give a verdict:
 * a usage error (exitCode 2), a check that could not be carried out (3), a signal, or output that
 * is not a report. Its message is abiprobe's first line on standard error, or a description. */
export interface AbiprobeError extends Error {
  /** abiprobe's exit status; null when it did not start or died by a signal. */
  exitCode: number | null;
  /** The signal that ended abiprobe, if one did. */
  signal?: string | null;
  /** All that abiprobe wrote to standard error. */
  stderr: string;
  /** The report, when abiprobe wrote one (exit 3 usually does). */
  report?: Report;
}

/** assertCompatible()'s rejection when the verdict is not pass: its message is the text report. */
export declare class AbiprobeIncompatible extends Error {
  constructor(message: string, report: Report);
  name: 'AbiprobeIncompatible';
  report: Report;
}

/** `abiprobe check`: resolves with the report for a pass or a fail verdict (exit 0 or 1);
 * rejects with an AbiprobeError otherwise. */
export declare function check(options: CheckOptions): Promise<Report>;

/** `abiprobe scan`: like check(), for node_modules trees (targets and dirs). */
export declare function scan(options: ScanOptions): Promise<Report>;

/** check() (or scan(), with dirs): resolves with the report when its verdict is pass, else rejects
 * with an AbiprobeIncompatible whose message is the text report, naming what is missing. */
export declare function assertCompatible(options: AssertOptions): Promise<Report>;
