/**
 * `cordon` command-line interface for policy authors and operators.
 * Each sub-command lives in `cli/commands/<name>.ts` and registers itself on the program; what they share (output,
 * reading files, the exit status contract: 0 ok, 1 negative result, 2 bad input or usage) is in `cli/kit.ts`.
 */
import { Command, CommanderError } from 'commander';
import { registerPolicyCommands } from './commands/policy.js';
import { registerRulesCommands } from './commands/rules.js';
import { registerActionsCommands } from './commands/actions.js';
import { registerReplayCommand } from './commands/replay-command.js';
import { registerEvidenceCommands } from './commands/evidence-command.js';
import { EXIT_OK, EXIT_USAGE, processIo, reportError } from './kit.js';

/** Build the program: every command and its help. */
function buildProgram(): Command {
  const program = new Command('cordon')
    .description('cordon: event-driven security incident responder for AWS')
    .version('0.1.0')
    .addHelpText(
      'after',
      '\nExit status (every command): 0 ok; 1 a negative result (invalid policy, no match, stale rules, an event\n' +
        "the pipeline failed on); 2 bad input or usage. Each command's --help says what they mean for it.",
    )
    .showHelpAfterError()
    .exitOverride();
  registerPolicyCommands(program);
  registerRulesCommands(program);
  registerActionsCommands(program);
  registerReplayCommand(program);
  registerEvidenceCommands(program);
  return program;
}

/** Run the CLI and return the process exit code. Never prints a stack trace. */
export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : EXIT_OK;
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help and --version exit through here with code 0; usage errors with 1 (commander already printed them).
      return error.exitCode === 0 ? EXIT_OK : EXIT_USAGE;
    }
    return reportError(processIo, error);
  }
}
