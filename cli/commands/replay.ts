/**
 * `cordon replay EVENT_FILE... [--endpoint URL] [--policy DIR] [--json]`: the deployed pipeline on a laptop.
 *
 * Each event goes through the EventBridge rules' patterns, then the real triage core (or the approve core for
 * custom-action events), then the real worker, in-process, with real SDK clients, against AWS or the given
 * endpoint (a local emulator such as moto). Against an endpoint, the table, the topic and the member role are
 * created there first, and Security Hub writes (which the emulator cannot take) go to a local outbox,
 * `.cordon/securityhub-outbox.jsonl`, and are printed.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { SecurityHub } from '@aws-sdk/client-securityhub';
import type { AwsCredentialIdentity } from '@smithy/types';
import { awsClientConfig } from '../../functions/lib/aws/client-config.js';
import { ConfigurationError, errorMessage, UnsupportedEventError } from '../../functions/lib/errors.js';
import {
  buildRules,
  loadRuleFiles,
  rulesReachedBy,
  type RuleFile,
} from '../../functions/lib/eventbridge/rules.js';
import { loadPolicy } from '../../functions/lib/policy/index.js';
import type { CompiledPolicy } from '../../functions/lib/policy/model.js';
import type { PipelineConfig } from '../../functions/lib/config.js';
import { createPipelineDeps, type PipelineDeps } from '../../functions/lib/pipeline/deps.js';
import { bootstrapEmulator, inProcessWorker } from '../../functions/lib/pipeline/local.js';
import { handleCustomAction } from '../../functions/lib/pipeline/approve.js';
import { triageEvent } from '../../functions/lib/pipeline/triage.js';
import { evaluateEvent } from '../../functions/lib/pipeline/service.js';
import { recordingMetrics, silentLogger } from '../../functions/lib/observability.js';
import {
  AwsSecurityHubWriter,
  OutboxSecurityHubWriter,
  type OutboxEntry,
  type SecurityHubWriter,
} from '../../functions/lib/report/securityhub-writer.js';
import type { IsolationRecord } from '../../functions/lib/store/model.js';

/** Where Security Hub writes go when replaying against an emulator. */
export const OUTBOX_PATH = '.cordon/securityhub-outbox.jsonl';
/** Dummy credentials for emulators (they accept any). */
const EMULATOR_CREDENTIALS: AwsCredentialIdentity = { accessKeyId: 'testing', secretAccessKey: 'testing' };

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
}

/** One line of `--json` output: exactly the documented shape. */
export interface ReplayLine {
  event: string;
  /** Whether any deployed EventBridge rule delivers the event (same meaning as in `cordon policy test --json`). */
  reached: boolean;
  decision: { rule: string | null; mode: string | null; reasons: string[] } | null;
  isolation: { id: string; status: string; steps: { name: string; status: string }[] } | null;
}

/** Where output goes (tests capture it). */
export interface ReplayIO {
  out(line: string): void;
  err(line: string): void;
}

function policyAndRules(options: ReplayOptions): { policy: CompiledPolicy; rules: RuleFile[] } {
  if (options.policy === undefined)
    return { policy: loadPolicy(['policies']), rules: loadRuleFiles(options.rules) };
  const policy = loadPolicy([options.policy]);
  return { policy, rules: buildRules(policy) };
}

async function securityAccount(options: ReplayOptions, credentials?: AwsCredentialIdentity): Promise<string> {
  const sts = new STSClient({
    ...awsClientConfig({
      region: options.region,
      ...(options.endpoint ? { endpoint: options.endpoint } : {}),
    }),
    ...(credentials ? { credentials } : {}),
  });
  const identity = await sts.send(new GetCallerIdentityCommand({}));
  if (!identity.Account) throw new ConfigurationError('GetCallerIdentity returned no account');
  return identity.Account;
}

function describeOutbox(entry: OutboxEntry): string {
  const input = entry.input as {
    Workflow?: { Status?: string };
    Note?: { Text?: string };
    Findings?: { Id?: string }[];
  };
  if (entry.operation === 'BatchImportFindings') {
    return `  security hub (outbox): BatchImportFindings ${input.Findings?.map((f) => f.Id).join(', ') ?? ''}`;
  }
  return `  security hub (outbox): BatchUpdateFindings ${input.Workflow?.Status ?? ''} "${input.Note?.Text ?? ''}"`;
}

/** Build the pipeline for replay: real SDK clients, an in-process worker, the outbox against an emulator. */
async function replayDeps(
  options: ReplayOptions,
  policy: CompiledPolicy,
  io: ReplayIO,
): Promise<{ deps: PipelineDeps; drain: () => Promise<unknown> }> {
  const credentials = options.endpoint ? EMULATOR_CREDENTIALS : undefined;
  const account = await securityAccount(options, credentials);
  let topicArn = options.topicArn;
  if (options.endpoint) {
    const created = await bootstrapEmulator({
      endpoint: options.endpoint,
      region: options.region,
      tableName: options.table,
      topicName: 'cordon-notifications',
      memberRoleName: options.memberRole,
      securityAccountId: account,
    });
    topicArn ??= created.topicArn;
    if (!options.json)
      io.out(
        `emulator ${options.endpoint}: table ${options.table}, topic ${created.topicArn}, role ${created.memberRoleArn}`,
      );
  }
  if (topicArn === undefined) {
    throw new ConfigurationError('--topic-arn is required against AWS (the deployed notifications topic)');
  }
  const config: PipelineConfig = {
    region: options.region,
    securityAccountId: account,
    tableName: options.table,
    topicArn,
    workerFunction: 'in-process',
    memberRoleName: options.memberRole,
    resourcePrefix: 'cordon',
    leaseSeconds: 900,
    maxAttempts: 4,
    // Against an emulator its one default account plays both the security and the member accounts.
    ...(options.endpoint ? { endpoint: options.endpoint, emulatorSingleAccount: true } : {}),
  };
  const securityHub: SecurityHubWriter = options.endpoint
    ? new OutboxSecurityHubWriter(resolve(options.outbox), (entry) =>
        (options.json ? io.err : io.out)(describeOutbox(entry)),
      )
    : new AwsSecurityHubWriter(new SecurityHub(awsClientConfig({ region: options.region })));
  const holder: { deps?: PipelineDeps } = {};
  const worker = inProcessWorker(() => {
    if (!holder.deps) throw new ConfigurationError('replay dependencies are not ready');
    return holder.deps;
  });
  const deps = createPipelineDeps({
    config,
    policy,
    functionName: 'replay',
    ...(credentials ? { credentials } : {}),
    overrides: {
      securityHub,
      startWorker: worker.startWorker,
      readTags: worker.readTags,
      logger: silentLogger(),
      metrics: recordingMetrics(),
    },
  });
  holder.deps = deps;
  return { deps, drain: () => worker.drain() };
}

function stepLine(step: { name: string; status: string; detail: string }): string {
  const mark = step.status === 'done' ? '✓' : step.status === 'failed' ? '✗' : '–';
  return `    ${mark} ${step.name.padEnd(28)} ${step.status.padEnd(7)} ${step.detail}`;
}

/**
 * Replay event files through the pipeline.
 * @returns the exit code: 0 when every file was read and processed (dropped events included), 1 otherwise.
 */
export async function runReplay(
  files: readonly string[],
  options: ReplayOptions,
  io: ReplayIO,
): Promise<number> {
  const { policy, rules } = policyAndRules(options);
  const { deps, drain } = await replayDeps(options, policy, io);
  let exitCode = 0;
  for (const file of files) {
    let event: unknown;
    try {
      event = JSON.parse(readFileSync(file, 'utf8'));
    } catch (error) {
      io.err(`${file}: cannot read: ${errorMessage(error)}`);
      exitCode = 1;
      continue;
    }
    const envelope = (event ?? {}) as { account?: unknown; region?: unknown; 'detail-type'?: unknown };
    const reached = rulesReachedBy(event, rules, {
      account_id: deps.config.securityAccountId,
      region: options.region,
    });
    let decision: ReplayLine['decision'] = null;
    try {
      const evaluation = evaluateEvent(deps, event);
      const first = evaluation.findings[0];
      if (first) {
        decision = {
          rule: first.decision.rule,
          mode: first.decision.mode,
          reasons: first.ignored ? [first.ignored] : first.decision.reasons,
        };
      }
    } catch (error) {
      if (!(error instanceof UnsupportedEventError)) throw error;
      decision = { rule: null, mode: null, reasons: [`unsupported event: ${error.message}`] };
    }
    if (!options.json) {
      io.out(`▶ ${file} (${String(envelope['detail-type'] ?? 'unknown detail-type')})`);
      io.out(
        `  rules: ${reached.length > 0 ? reached.join(', ') : 'none (EventBridge would not deliver it)'}`,
      );
      if (decision) {
        io.out(
          `  decision: ${decision.rule ?? 'no rule'}${decision.mode ? ` (${decision.mode})` : ''}: ${decision.reasons.join(' ')}`,
        );
      }
    }
    const ids: string[] = [];
    try {
      if (reached.some((name) => rules.find((r) => r.name === name)?.target === 'approve')) {
        const result = await handleCustomAction(deps, event);
        if (result.refused && !options.json) io.out(`  approve: refused: ${result.refused}`);
        for (const f of result.findings) {
          ids.push(...f.isolations.map((i) => i.id));
          ids.push(...(f.created ?? []).flatMap((c) => (c.isolationId ? [c.isolationId] : [])));
          if (f.note && !options.json) io.out(`  approve: ${f.note}`);
        }
      } else if (reached.length > 0) {
        const result = await triageEvent(deps, event);
        if (result.dropped && !options.json) io.out(`  triage: dropped: ${result.dropped}`);
        for (const f of result.findings) {
          for (const a of f.refusedAccounts ?? []) {
            if (!options.json)
              io.out(
                `  triage: ${a.action} ${a.resourceId}: refused (${a.refusedCode ?? ''}): ${a.refused ?? ''}`,
              );
          }
          for (const a of f.actions) {
            if (a.isolationId) ids.push(a.isolationId);
            if (!options.json) {
              const what = a.refused
                ? `refused${a.refusedCode ? ` (${a.refusedCode})` : ''}: ${a.refused}`
                : a.created
                  ? `created ${a.isolationId ?? ''} (${a.status ?? ''})${a.downgraded ? `: ${a.downgraded}` : ''}`
                  : `duplicate of ${a.isolationId ?? ''} (${a.status ?? ''})`;
              io.out(`  triage: ${a.action} ${a.resourceId}: ${what}`);
            }
          }
          if (f.notified !== undefined && !options.json)
            io.out(`  triage: notify-only${f.notified ? '' : ' (already notified)'}`);
        }
      }
      await drain();
    } catch (error) {
      io.err(`${file}: ${errorMessage(error)}`);
      exitCode = 1;
    }
    let record: IsolationRecord | undefined;
    for (const id of ids) {
      record = await deps.store.get(id);
      if (record) break;
    }
    if (options.json) {
      const line: ReplayLine = {
        event: file,
        reached: reached.length > 0,
        decision,
        isolation: record
          ? {
              id: record.id,
              status: record.status,
              steps: record.steps.map((s) => ({ name: s.name, status: s.status })),
            }
          : null,
      };
      io.out(JSON.stringify(line));
    } else if (record) {
      io.out(
        `  isolation ${record.id}: ${record.status}${record.failure ? ` (${record.failure.code}: ${record.failure.message})` : ''}`,
      );
      for (const step of record.steps) io.out(stepLine(step));
      for (const warning of record.warnings) io.out(`    ! ${warning}`);
    }
  }
  return exitCode;
}

/** Register `cordon replay`. */
export function registerReplayCommand(program: Command): void {
  program
    .command('replay')
    .description(
      'run event files through the rules, triage, approval and the isolation worker, in-process, against AWS or a local emulator',
    )
    .argument(
      '<EVENT_FILE...>',
      'EventBridge event JSON files (GuardDuty, Security Hub Imported or Custom Action)',
    )
    .option(
      '--endpoint <url>',
      'AWS endpoint of a local emulator (e.g. moto); creates the table, topic and member role there, and writes Security Hub calls to the outbox',
    )
    .option(
      '--policy <dir>',
      'policy directory or file (default: policies/); the rules are generated from it',
    )
    .option('--json', 'print one JSON line per event: {event, reached, decision, isolation}')
    .option('--region <region>', 'AWS region', 'us-east-1')
    .option('--rules <dir>', 'rules directory used without --policy', 'rules')
    .option('--table <name>', 'isolations table', 'cordon-isolations')
    .option('--topic-arn <arn>', 'notifications topic (required against AWS; created against an emulator)')
    .option('--member-role <name>', 'role cordon assumes in member accounts', 'cordon-member')
    .option('--outbox <file>', 'Security Hub outbox used with --endpoint', OUTBOX_PATH)
    .addHelpText(
      'after',
      '\nExample (see docs/pipeline.md):\n  cordon replay .cordon/demo-event.json --endpoint http://127.0.0.1:5000 --policy test/pipeline/fixtures/demo-policy',
    )
    .action(async (files: string[], options: ReplayOptions) => {
      process.exitCode = await runReplay(files, options, {
        out: (line) => process.stdout.write(`${line}\n`),
        err: (line) => process.stderr.write(`${line}\n`),
      });
    });
}
