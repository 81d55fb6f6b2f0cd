/**
 * `cordon replay EVENT_FILE... [--endpoint URL] [--policy DIR] [--json]`: the deployed pipeline on a laptop.
 *
 * Each event goes through the EventBridge rules' patterns, then the real triage core (or the approve core for
 * custom-action events), then the real worker, in-process, with real SDK clients, against AWS or the given
 * endpoint (a local emulator such as moto). Against an endpoint, the table, the topic and the member role are
 * created there first, and Security Hub writes (which the emulator cannot take) go to a local outbox,
 * `.cordon/securityhub-outbox.jsonl`, and are printed.
 */
import { resolve } from 'node:path';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import type { AwsCredentialIdentity } from '@smithy/types';
import { awsClientConfig } from '../../functions/lib/aws/client-config.js';
import { ConfigurationError, errorMessage, UnsupportedEventError } from '../../functions/lib/errors.js';
import { buildRules, loadRuleFiles, type RuleFile } from '../../functions/lib/eventbridge/rules.js';
import { loadPolicy } from '../../functions/lib/policy/index.js';
import type { CompiledPolicy } from '../../functions/lib/policy/model.js';
import { evaluateEvent } from '../../functions/lib/pipeline/evaluate-event.js';
import type { OutboxEntry } from '../../functions/lib/report/securityhub-writer.js';
import type { IsolationRecord } from '../../functions/lib/store/model.js';
import {
  createLocalPipeline,
  EMULATOR_CREDENTIALS,
  type Delivery,
  type LocalPipeline,
} from '../../harness/pipeline.js';
import { EMULATOR_EVIDENCE_BUCKET, type ReplayOptions } from './replay-command.js';
import { awsAccessHint } from './aws-hints.js';
import { GuardDutyClient } from '@aws-sdk/client-guardduty';
import { guardDutyEvent, parseGuardDutyRef } from './guardduty-source.js';
import {
  EXIT_NEGATIVE,
  EXIT_OK,
  EXIT_USAGE,
  guardedAsync,
  InputError,
  readJsonFile,
  requirePolicyPaths,
  type CommandIo,
  type ExitCode,
} from '../kit.js';

export { OUTBOX_PATH, type ReplayOptions } from './replay-command.js';
export { awsAccessHint } from './aws-hints.js';

/** One line of `--json` output: exactly the documented shape. */
export interface ReplayLine {
  event: string;
  /** Whether any deployed EventBridge rule delivers the event (same meaning as in `cordon policy test --json`). */
  reached: boolean;
  decision: { rule: string | null; mode: string | null; reasons: string[] } | null;
  isolation: { id: string; status: string; steps: { name: string; status: string }[] } | null;
  /** The isolation's evidence manifest (`s3://bucket/key`) and its SHA-256; null: none was collected. */
  evidence:
    | { status: 'stored'; manifest: string; sha256: string; collected: number; failed: number }
    | { status: 'failed'; error: string }
    | null;
}

/** Where output goes (tests capture it). */
export type ReplayIO = CommandIo;

/** Where events come from besides files; tests pass a GuardDuty client (the emulator has no GetFindings). */
export interface ReplaySources {
  guardDuty?: GuardDutyClient;
}

function guardDutyClient(options: ReplayOptions): GuardDutyClient {
  return new GuardDutyClient({
    ...awsClientConfig({
      region: options.region,
      ...(options.endpoint ? { endpoint: options.endpoint } : {}),
    }),
    ...(options.endpoint ? { credentials: EMULATOR_CREDENTIALS } : {}),
  });
}

function policyAndRules(options: ReplayOptions): { policy: CompiledPolicy; rules: RuleFile[] } {
  if (options.policy === undefined)
    return { policy: loadPolicy(['policies']), rules: loadRuleFiles(options.rules) };
  requirePolicyPaths([options.policy]);
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
  let identity;
  try {
    identity = await sts.send(new GetCallerIdentityCommand({}));
  } catch (error) {
    const hint = awsAccessHint(error, options.endpoint);
    if (hint !== undefined) throw new InputError(hint, { cause: error });
    throw error;
  }
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

/** Build the pipeline for replay with the harness: real SDK clients, the outbox against an emulator. */
async function replayPipeline(
  options: ReplayOptions,
  policy: CompiledPolicy,
  rules: readonly RuleFile[],
  io: ReplayIO,
): Promise<LocalPipeline> {
  if (options.endpoint === undefined && options.topicArn === undefined) {
    throw new InputError('--topic-arn is required against AWS (the deployed notifications topic)');
  }
  const credentials = options.endpoint ? EMULATOR_CREDENTIALS : undefined;
  const evidenceBucket = options.evidenceBucket ?? (options.endpoint ? EMULATOR_EVIDENCE_BUCKET : undefined);
  const pipeline = await createLocalPipeline({
    ...(options.endpoint ? { endpoint: options.endpoint } : {}),
    region: options.region,
    securityAccountId: await securityAccount(options, credentials),
    policy,
    rules,
    tableName: options.table,
    memberRoleName: options.memberRole,
    ...(options.topicArn === undefined ? {} : { topicArn: options.topicArn }),
    ...(evidenceBucket === undefined ? {} : { evidence: { bucket: evidenceBucket } }),
    functionName: 'replay',
    ...(options.endpoint
      ? {
          outbox: {
            path: resolve(options.outbox),
            onEntry: (entry: OutboxEntry) => (options.json ? io.err : io.out)(describeOutbox(entry)),
          },
        }
      : {}),
  });
  const created = pipeline.resources;
  if (created && !options.json) {
    io.out(
      `emulator ${options.endpoint ?? ''}: table ${created.tableName}, topic ${created.topicArn}, role ${created.memberRoleArn}` +
        (created.evidence ? `, evidence bucket ${created.evidence.bucket}` : ''),
    );
  }
  return pipeline;
}

/** Progress lines for one delivery (human output), and the isolations it created or decided. */
function deliveryLines(delivery: Delivery, ids: string[]): string[] {
  const lines: string[] = [];
  if (delivery.target === 'approve') {
    const result = delivery.result;
    if (result.refused) lines.push(`  approve: refused: ${result.refused}`);
    for (const f of result.findings) {
      ids.push(...f.isolations.map((i) => i.id));
      ids.push(...(f.created ?? []).flatMap((c) => (c.isolationId ? [c.isolationId] : [])));
      if (f.note) lines.push(`  approve: ${f.note}`);
    }
    return lines;
  }
  const result = delivery.result;
  if (result.dropped) lines.push(`  triage: dropped: ${result.dropped}`);
  for (const f of result.findings) {
    for (const a of f.refusedAccounts ?? []) {
      lines.push(
        `  triage: ${a.action} ${a.resourceId}: refused (${a.refusedCode ?? ''}): ${a.refused ?? ''}`,
      );
    }
    for (const a of f.actions) {
      if (a.isolationId) ids.push(a.isolationId);
      const what = a.refused
        ? `refused${a.refusedCode ? ` (${a.refusedCode})` : ''}: ${a.refused}`
        : a.created
          ? `created ${a.isolationId ?? ''} (${a.status ?? ''})${a.downgraded ? `: ${a.downgraded}` : ''}`
          : `duplicate of ${a.isolationId ?? ''} (${a.status ?? ''})`;
      lines.push(`  triage: ${a.action} ${a.resourceId}: ${what}`);
    }
    if (f.notified !== undefined)
      lines.push(`  triage: notify-only${f.notified ? '' : ' (already notified)'}`);
  }
  return lines;
}

function stepLine(step: { name: string; status: string; detail: string }): string {
  const mark = step.status === 'done' ? '✓' : step.status === 'failed' ? '✗' : '–';
  return `    ${mark} ${step.name.padEnd(28)} ${step.status.padEnd(7)} ${step.detail}`;
}

/**
 * Replay event files through the pipeline.
 * @returns the exit code: 0 when every file was read and processed (dropped events included); 1 when the pipeline
 *   failed on an event or the policy is invalid; 2 when an event file cannot be read or is not JSON (the other
 *   files are still replayed), or for bad options. 2 wins over 1.
 */
export async function runReplay(
  files: readonly string[],
  options: ReplayOptions,
  io: ReplayIO,
  sources: ReplaySources = {},
): Promise<ExitCode> {
  return guardedAsync(io, async () => {
    const refs = (options.fromGuardduty ?? []).map(parseGuardDutyRef);
    if (files.length === 0 && refs.length === 0)
      throw new InputError('give event files to replay, or --from-guardduty <detector-id>:<finding-id>');
    const { policy, rules } = policyAndRules(options);
    const pipeline = await replayPipeline(options, policy, rules, io);
    let exitCode: ExitCode = EXIT_OK;
    if (refs.length > 0) {
      const guardDuty = sources.guardDuty ?? guardDutyClient(options);
      for (const ref of refs) {
        const label = `guardduty:${ref.detectorId}:${ref.findingId}`;
        let event: Record<string, unknown>;
        try {
          event = await guardDutyEvent(guardDuty, ref, options.region);
        } catch (error) {
          const hint = awsAccessHint(error, options.endpoint);
          io.err(`${label}: ${hint ?? errorMessage(error)}`);
          exitCode = EXIT_USAGE;
          continue;
        }
        const failed = await replayOne(pipeline, label, event, options, io);
        if (failed && exitCode === EXIT_OK) exitCode = EXIT_NEGATIVE;
      }
    }
    for (const file of files) {
      let event: unknown;
      try {
        event = readJsonFile(file, 'event file');
      } catch (error) {
        if (!(error instanceof InputError)) throw error;
        io.err(error.message);
        exitCode = EXIT_USAGE;
        continue;
      }
      const failed = await replayOne(pipeline, file, event, options, io);
      if (failed && exitCode === EXIT_OK) exitCode = EXIT_NEGATIVE;
    }
    return exitCode;
  });
}

/** Replay one event and print what happened; returns whether the pipeline failed on it. */
async function replayOne(
  pipeline: LocalPipeline,
  file: string,
  event: unknown,
  options: ReplayOptions,
  io: ReplayIO,
): Promise<boolean> {
  const { deps } = pipeline;
  const envelope = (event ?? {}) as { 'detail-type'?: unknown };
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
  const reached = pipeline.reached(event);
  if (!options.json) {
    io.out(`▶ ${file} (${String(envelope['detail-type'] ?? 'unknown detail-type')})`);
    io.out(`  rules: ${reached.length > 0 ? reached.join(', ') : 'none (EventBridge would not deliver it)'}`);
    if (decision) {
      io.out(
        `  decision: ${decision.rule ?? 'no rule'}${decision.mode ? ` (${decision.mode})` : ''}: ${decision.reasons.join(' ')}`,
      );
    }
  }
  const ids: string[] = [];
  let failed = false;
  try {
    const dispatched = await pipeline.dispatch(event);
    for (const delivery of dispatched.deliveries) {
      const lines = deliveryLines(delivery, ids);
      if (!options.json) for (const line of lines) io.out(line);
    }
  } catch (error) {
    io.err(`${file}: ${errorMessage(error)}`);
    failed = true;
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
      evidence: record ? evidenceLine(record) : null,
    };
    io.out(JSON.stringify(line));
  } else if (record) {
    io.out(
      `  isolation ${record.id}: ${record.status}${record.failure ? ` (${record.failure.code}: ${record.failure.message})` : ''}`,
    );
    for (const step of record.steps) io.out(stepLine(step));
    for (const warning of record.warnings) io.out(`    ! ${warning}`);
    const evidence = evidenceLine(record);
    if (evidence?.status === 'stored') {
      io.out(
        `  evidence ${evidence.manifest} (SHA-256 ${evidence.sha256}; ${String(evidence.collected)} collected, ${String(evidence.failed)} failed)`,
      );
    } else if (evidence?.status === 'failed') {
      io.out(`  evidence not stored: ${evidence.error}`);
    }
  }
  return failed;
}

/** The record's evidence for the output: where its manifest is, or why there is none. */
function evidenceLine(record: IsolationRecord): ReplayLine['evidence'] {
  const evidence = record.evidence;
  if (evidence === undefined) return null;
  if (evidence.status === 'failed') {
    return { status: 'failed', error: `${evidence.error.code}: ${evidence.error.message}` };
  }
  return {
    status: 'stored',
    manifest: `s3://${evidence.bucket}/${evidence.manifestKey}`,
    sha256: evidence.manifestSha256,
    collected: evidence.collected,
    failed: evidence.failed,
  };
}
