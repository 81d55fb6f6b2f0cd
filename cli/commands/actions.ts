// PLACEHOLDER: owned by the work that implements `cordon actions`.
import type { Command } from 'commander';

export function registerActionsCommands(program: Command): void {
  program.command('actions').description('not yet available');
}
