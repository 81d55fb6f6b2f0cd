// PLACEHOLDER: owned by the work that implements `cordon policy`.
import type { Command } from 'commander';

export function registerPolicyCommands(program: Command): void {
  program.command('policy').description('not yet available');
}
