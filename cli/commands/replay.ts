// PLACEHOLDER: owned by the work that implements `cordon replay`.
import type { Command } from 'commander';

export function registerReplayCommand(program: Command): void {
  program.command('replay').description('not yet available');
}
