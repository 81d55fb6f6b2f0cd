/**
 * What every `cordon` command shares: where output goes, how input files are read, and what the exit status
 * means. One contract for every command (docs/cli.md):
 *
 * - 0: done, and the answer is yes (valid, match, up to date, replayed);
 * - 1: done, and the answer is no: an invalid policy, no match, stale rules, an event the pipeline failed on;
 * - 2: the command could not do its job: bad input (a missing or unreadable file, not JSON, an unsupported event,
 *   an invalid pattern) or bad usage (unknown option, missing argument), or an unexpected error.
 *
 * Commands return their exit code (tests call them directly); the `register*` functions set `process.exitCode`.
 */
import { existsSync, readFileSync } from 'node:fs';
import { CordonError, errorMessage, PolicyValidationError } from '../functions/lib/errors.js';

export const EXIT_OK = 0;
export const EXIT_NEGATIVE = 1;
export const EXIT_USAGE = 2;
export type ExitCode = typeof EXIT_OK | typeof EXIT_NEGATIVE | typeof EXIT_USAGE;

/** Where command output goes, one call per line (tests capture it). */
export interface CommandIo {
  out(line: string): void;
  err(line: string): void;
}

export const processIo: CommandIo = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
};

/** Lines to print and the exit code, for commands that build their output before printing it. */
export interface CommandOutput {
  stdout: string[];
  stderr: string[];
  exitCode: ExitCode;
}

/** Print a {@link CommandOutput} and return its exit code. */
export function emit(output: CommandOutput, io: CommandIo = processIo): ExitCode {
  for (const line of output.stdout) io.out(line);
  for (const line of output.stderr) io.err(line);
  return output.exitCode;
}

/** Input the user gave cannot be used (exit 2). The message is one line and names the file or flag. */
export class InputError extends CordonError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, { code: 'INPUT', ...options });
  }
}

/** The system error code of a failed file read, worded for people. */
function readFailure(error: unknown): string {
  const code = error instanceof Error && 'code' in error ? error.code : undefined;
  if (code === 'ENOENT') return 'no such file';
  if (code === 'EISDIR') return 'is a directory';
  if (code === 'EACCES') return 'permission denied';
  return typeof code === 'string' ? code : errorMessage(error);
}

/**
 * Read a text file the user named.
 * @param what how the file is called in the message (`event file`, `pattern file`): `PATH: cannot read WHAT: why`
 * @throws InputError naming the file when it cannot be read
 */
export function readTextFile(path: string, what: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    throw new InputError(`${path}: cannot read ${what}: ${readFailure(error)}`, { cause: error });
  }
}

/**
 * Read and parse a JSON file the user named.
 * @throws InputError naming the file when it cannot be read or is not JSON (first line of the parser's message)
 */
export function readJsonFile(path: string, what: string): unknown {
  const text = readTextFile(path, what);
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    const reason = errorMessage(error).split('\n')[0] ?? '';
    throw new InputError(`${path}: ${what} is not valid JSON: ${reason}`, { cause: error });
  }
}

/**
 * Refuse policy paths that do not exist before loading them: a typo in a path is bad input (exit 2), not an
 * invalid policy (exit 1).
 * @throws InputError naming the first missing path
 */
export function requirePolicyPaths(paths: readonly string[]): void {
  for (const path of paths) {
    if (!existsSync(path)) throw new InputError(`policy path ${path} does not exist`);
  }
}

/** The exit code an error stands for: an invalid policy is a negative result (1), anything else 2. */
export function exitCodeOf(error: unknown): ExitCode {
  return error instanceof PolicyValidationError ? EXIT_NEGATIVE : EXIT_USAGE;
}

/** Print an error as `cordon: ...` lines (an invalid policy: one `file:line:col: message` per problem). */
export function reportError(io: CommandIo, error: unknown): ExitCode {
  for (const line of errorMessage(error).split('\n')) io.err(`cordon: ${line}`);
  return exitCodeOf(error);
}

/** Run a command body; a thrown error is printed ({@link reportError}) and becomes its exit code. */
export function guarded(io: CommandIo, body: () => ExitCode): ExitCode {
  try {
    return body();
  } catch (error) {
    return reportError(io, error);
  }
}

/** {@link guarded} for asynchronous bodies. */
export async function guardedAsync(io: CommandIo, body: () => Promise<ExitCode>): Promise<ExitCode> {
  try {
    return await body();
  } catch (error) {
    return reportError(io, error);
  }
}

/** What each exit status means for one command, for its `--help`. */
export interface ExitStatusHelp {
  ok: string;
  negative?: string;
  usage: string;
}

/** The `Exit status:` block of a command's `--help` (same wording in every command). */
export function exitStatusHelp(help: ExitStatusHelp): string {
  return [
    '',
    'Exit status:',
    `  0  ${help.ok}`,
    `  1  ${help.negative ?? '(not used by this command)'}`,
    `  2  ${help.usage}`,
  ].join('\n');
}
