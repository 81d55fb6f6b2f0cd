/**
 * `cordon` command-line interface for policy authors and operators.
 * Each sub-command lives in `cli/commands/<name>.ts` and registers itself on the program.
 */
import { Command, CommanderError } from 'commander';
import { registerPolicyCommands } from './commands/policy.js';
import { registerRulesCommands } from './commands/rules.js';
import { registerActionsCommands } from './commands/actions.js';
import { registerReplayCommand } from './commands/replay.js';
import { errorMessage } from '../functions/lib/errors.js';

/** Build the program (exported for tests that want to inspect help text). */
export function buildProgram(): Command {
  const program = new Command('cordon')
    .description('cordon: event-driven security incident responder for AWS')
    .version('0.1.0')
    .showHelpAfterError()
    .exitOverride();
  registerPolicyCommands(program);
  registerRulesCommands(program);
  registerActionsCommands(program);
  registerReplayCommand(program);
  return program;
}

/** Run the CLI and return the process exit code. Never prints a stack trace. */
export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help and --version exit through here with code 0; usage errors with 1 (commander already printed them).
      return error.exitCode === 0 ? 0 : 2;
    }
    process.stderr.write(`cordon: ${errorMessage(error)}\n`);
    return 2;
  }
}
