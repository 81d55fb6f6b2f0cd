// PLACEHOLDER: owned by the work that implements `cordon rules`.
import type { Command } from 'commander';

export function registerRulesCommands(program: Command): void {
  program.command('rules').description('not yet available');
}
