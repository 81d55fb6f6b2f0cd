/**
 * `cordon evidence verify|get`'s options and help. The commands themselves (cli/commands/evidence.ts) are imported
 * when they run, so that the other commands, `--help` and `--version` do not load the S3 SDK.
 */
import type { Command } from 'commander';
import { exitStatusHelp, processIo } from '../kit.js';
import { EMULATOR_EVIDENCE_BUCKET } from './replay-command.js';

export interface EvidenceOptions {
  endpoint?: string;
  bucket: string;
  region: string;
  /** The manifest's SHA-256 as the isolation record or the Security Hub note gives it. */
  manifestSha256?: string;
  out?: string;
}

function common(command: Command): Command {
  return command
    .argument('<ISOLATION_ID>', 'the isolation whose evidence to read (iso-...)')
    .option('--endpoint <url>', 'AWS endpoint of a local emulator (e.g. moto), as for `cordon replay`')
    .option(
      '--bucket <name>',
      `evidence bucket (deployed: <name_prefix>-<environment>-evidence-<account>, see docs/evidence.md)`,
      EMULATOR_EVIDENCE_BUCKET,
    )
    .option('--region <region>', 'AWS region of the bucket', 'us-east-1')
    .option(
      '--manifest-sha256 <hex>',
      "the manifest's SHA-256 from the isolation record or the Security Hub note: the manifest must match it",
    );
}

/** Register `cordon evidence verify` and `cordon evidence get`. */
export function registerEvidenceCommands(program: Command): void {
  const evidence = program
    .command('evidence')
    .description("an isolation's evidence: verify its hashes, or download it (docs/evidence.md)");
  common(evidence.command('verify'))
    .description(
      're-download every artifact of an isolation and compare its SHA-256 and size with the manifest',
    )
    .addHelpText(
      'after',
      exitStatusHelp({
        ok: 'every collected artifact (and the manifest, with --manifest-sha256) matches',
        negative: 'an artifact or the manifest does not match, is missing, or the manifest is not valid',
        usage: 'bad usage, no manifest for that isolation in the bucket, or S3 could not be read',
      }),
    )
    .action(async (id: string, options: EvidenceOptions) => {
      // Loaded on use: the S3 SDK is most of the command's start-up time.
      const { runEvidenceVerify } = await import('./evidence.js');
      process.exitCode = await runEvidenceVerify(id, options, processIo);
    });
  common(evidence.command('get'))
    .description("download an isolation's manifest and artifacts into a directory, checking each hash")
    .option('--out <dir>', 'where to write them (default: ./<ISOLATION_ID>)')
    .addHelpText(
      'after',
      exitStatusHelp({
        ok: 'everything was downloaded and matches the manifest',
        negative: 'downloaded, but an artifact or the manifest does not match or is missing',
        usage:
          'bad usage, no manifest for that isolation in the bucket, S3 could not be read, or the directory could not be written',
      }),
    )
    .action(async (id: string, options: EvidenceOptions) => {
      const { runEvidenceGet } = await import('./evidence.js');
      process.exitCode = await runEvidenceGet(id, options, processIo);
    });
}
