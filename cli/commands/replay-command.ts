/**
 * `cordon replay`'s options and help. The command itself (cli/commands/replay.ts) is imported when it runs, so
 * that the other commands, `--help` and `--version` do not load the pipeline and the AWS SDK.
 */
import type { Command } from 'commander';
import { exitStatusHelp, processIo } from '../kit.js';

/** Where Security Hub writes go when replaying against an emulator. */
export const OUTBOX_PATH = '.cordon/securityhub-outbox.jsonl';

/** The evidence bucket `cordon replay --endpoint` creates, and `cordon evidence` reads by default. */
export const EMULATOR_EVIDENCE_BUCKET = 'cordon-evidence';

export interface ReplayOptions {
  endpoint?: string;
  /** Policy directory or file; the rules are then generated from it (what would be deployed with it). */
  policy?: string;
  json?: boolean;
  region: string;
  rules: string;
  table: string;
  topicArn?: string;
  memberRole: string;
  outbox: string;
  /** Where evidence is stored after containment; default against an emulator: {@link EMULATOR_EVIDENCE_BUCKET}. */
  evidenceBucket?: string;
  /** Live GuardDuty findings to replay, as `<detector-id>:<finding-id>`, fetched with GetFindings. */
  fromGuardduty?: string[];
}

/** Register `cordon replay`. */
export function registerReplayCommand(program: Command): void {
  program
    .command('replay')
    .description(
      'run event files through the rules, triage, approval and the isolation worker, in-process, against AWS or a local emulator',
    )
    .argument(
      '[EVENT_FILE...]',
      'EventBridge event JSON files (GuardDuty, Security Hub Imported or Custom Action)',
    )
    .option(
      '--from-guardduty <detector-id:finding-id...>',
      'fetch live GuardDuty findings with GetFindings (in --region, with these credentials) and replay each as the EventBridge event GuardDuty sends',
    )
    .option(
      '--endpoint <url>',
      'AWS endpoint of a local emulator (e.g. moto); creates the table, topic, member role and evidence bucket there, and writes Security Hub calls to the outbox',
    )
    .option(
      '--policy <dir>',
      'policy directory or file (default: policies/); the rules are generated from it',
    )
    .option('--json', 'print one JSON line per event: {event, reached, decision, isolation, evidence}')
    .option('--region <region>', 'AWS region', 'us-east-1')
    .option('--rules <dir>', 'rules directory used without --policy', 'rules')
    .option('--table <name>', 'isolations table', 'cordon-isolations')
    .option('--topic-arn <arn>', 'notifications topic (required against AWS; created against an emulator)')
    .option('--member-role <name>', 'role cordon assumes in member accounts', 'cordon-member')
    .option('--outbox <file>', 'Security Hub outbox used with --endpoint', OUTBOX_PATH)
    .option(
      '--evidence-bucket <name>',
      `evidence bucket (created with Object Lock against an emulator; default there: ${EMULATOR_EVIDENCE_BUCKET}; against AWS: none, no evidence)`,
    )
    .addHelpText(
      'after',
      '\nExamples (see docs/pipeline.md):\n  cordon replay .cordon/demo-event.json --endpoint http://127.0.0.1:5000 --policy test/pipeline/fixtures/demo-policy\n' +
        '  cordon replay --from-guardduty 12abc34d567e8fa901bc2d34e56789f0:a2b4c6d8e0f2a4b6c8d0e2f4a6b8c0d2 --region eu-west-1 --topic-arn arn:aws:sns:...\n' +
        exitStatusHelp({
          ok: 'every event file was replayed (dropped and undelivered events included)',
          negative: 'the pipeline failed on an event (others are still replayed), or the policy is invalid',
          usage:
            'bad input or usage: an event file that cannot be read or is not JSON, or a GuardDuty finding that cannot be fetched (others are still replayed), ' +
            'no event file and no --from-guardduty, ' +
            'a policy path that does not exist, --topic-arn missing against AWS, no AWS credentials or nothing answering at --endpoint; 2 wins over 1',
        }),
    )
    .action(async (files: string[], options: ReplayOptions) => {
      // Loaded on use: the pipeline and the AWS SDK are most of the CLI's start-up time.
      const { runReplay } = await import('./replay.js');
      process.exitCode = await runReplay(files, options, processIo);
    });
}
