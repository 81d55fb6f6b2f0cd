/**
 * Evidence collection for one contained isolation: the common artifacts (the finding as recorded, the policy
 * decision with the steps that carried it out), then the resource kind's own (kinds.ts), each stored as one object
 * under `<isolation-id>/`, then `manifest.json` listing every artifact with its SHA-256, size, the AWS calls that
 * produced it and when. A step that fails is listed as failed with its error; the others still run.
 *
 * It runs after the record says ISOLATED (pipeline/worker.ts) and never throws: containment does not depend on it.
 */
import { classifyAwsError } from '../aws/errors.js';
import { servicesForPermissions, type MemberClientFactory } from '../aws/member-clients.js';
import { CordonError, errorMessage } from '../errors.js';
import type { LoggerLike } from '../kernel/logger.js';
import type { RuleEvidence } from '../policy/evidence-schema.js';
import type { IsolationRecord } from '../store/model.js';
import { callOf, type EvidenceStep, type StepContext } from './collector.js';
import { findingEvidence, guardDutyFindingRef, guardDutyFindingStep } from './finding.js';
import { kindEvidenceOf } from './kinds.js';
import { EC2_INSTANCE } from '../resources/ec2-instance.js';
import {
  MEMORY_CAPTURE_NAME,
  captureMemory,
  memoryCaptureEvidence,
  type MemoryCaptureRun,
} from './memory-capture.js';
import { RECEIVED_EVENT_NAME, receivedEventBytes } from './received.js';
import {
  MANIFEST_VERSION,
  artifactKey,
  manifestKey,
  type EvidenceCall,
  type EvidenceRef,
  type Manifest,
  type ManifestArtifact,
} from './model.js';
import { sha256Hex, type EvidenceWriter } from './storage.js';

/** What collection needs from the pipeline. */
export interface EvidenceDeps {
  writer: EvidenceWriter;
  /** The principal the worker runs as (STS GetCallerIdentity's ARN), for the manifest. */
  collectedBy(): Promise<string>;
  memberClients: MemberClientFactory;
  clock: () => Date;
  logger: LoggerLike;
  /** Wait between memory-capture polls (default: a timer; tests pass one that returns at once). */
  sleep?: (ms: number) => Promise<void>;
}

/** Default CloudTrail window: the 24 hours before the finding's first activity (issue: configurable per rule). */
export const DEFAULT_LOOKBACK_HOURS = 24;

/** Options of one collection, from the rule (`evidence: { lookbackHours, lambdaEnvironment, memory }`). */
export type CollectOptions = Partial<Pick<RuleEvidence, 'lookbackHours' | 'lambdaEnvironment' | 'memory'>>;

/** The window history is read over: `lookbackHours` before the finding's first activity, to `now`. */
export function evidenceWindow(
  record: Pick<IsolationRecord, 'finding' | 'createdAt'>,
  now: Date,
  lookbackHours: number,
): { start: string; end: string; lookbackHours: number } {
  const anchor = record.finding?.firstSeenAt ?? record.finding?.createdAt ?? record.createdAt;
  const anchorMs = Date.parse(anchor);
  const from = Number.isNaN(anchorMs) ? now.getTime() : Math.min(anchorMs, now.getTime());
  return {
    start: new Date(from - lookbackHours * 3_600_000).toISOString(),
    end: now.toISOString(),
    lookbackHours,
  };
}

/** Artifacts every isolation gets, from its record (no AWS call). */
const COMMON_STEPS: readonly { name: string; content(record: IsolationRecord): unknown }[] = [
  {
    // The finding as the record holds it (triage's summary, the activity it answered, its Security Hub ids).
    name: 'finding.json',
    content: (r) => ({
      findingKey: r.findingKey ?? null,
      finding: r.finding ?? null,
      trigger: r.trigger ?? null,
      securityHub: r.securityHub ?? null,
      resource: r.resource,
      receivedAt: r.receivedAt ?? null,
    }),
  },
  {
    // Why and how cordon acted: the rule and mode, who asked and approved, the parameters, the steps it ran and
    // the before-state it recorded, and the audit trail up to containment.
    name: 'decision.json',
    content: (r) => ({
      isolationId: r.id,
      rule: r.rule ?? null,
      explanation: r.explanation ?? null,
      mode: r.mode,
      action: r.action,
      params: r.params,
      requester: r.requester,
      approver: r.approver ?? null,
      reason: r.reason ?? null,
      approvalReason: r.approvalReason ?? null,
      ticket: r.ticket ?? null,
      immediate: r.immediate ?? false,
      status: r.status,
      containedAt: r.containedAt ?? null,
      steps: r.steps,
      warnings: r.warnings,
      before: r.before,
      audit: r.audit,
    }),
  },
];

function serialise(content: unknown): Uint8Array {
  return new TextEncoder().encode(`${JSON.stringify(content, null, 2)}\n`);
}

/** A cordon error raised without an AWS cause (a refused document, a hash mismatch) names itself by its code. */
function ownCode(error: unknown): { code: string } | undefined {
  return error instanceof CordonError && error.cause === undefined ? { code: error.code } : undefined;
}

function requestIdOf(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const metadata: unknown = Reflect.get(error, '$metadata');
  if (typeof metadata !== 'object' || metadata === null) return undefined;
  const id: unknown = Reflect.get(metadata, 'requestId');
  return typeof id === 'string' ? id : undefined;
}

/**
 * Collect and store the evidence of a contained isolation; returns what the record should keep. Never throws:
 * a failure to store the manifest (or to start at all) is returned as `failed` with its error.
 */
export async function collectEvidence(
  deps: EvidenceDeps,
  record: IsolationRecord,
  options: CollectOptions = {},
): Promise<EvidenceRef> {
  const startedAt = deps.clock().toISOString();
  const window = evidenceWindow(record, deps.clock(), options.lookbackHours ?? DEFAULT_LOOKBACK_HOURS);
  const { writer } = deps;
  try {
    const collectedBy = await deps.collectedBy();
    const artifacts: ManifestArtifact[] = [];

    const storeBytes = async (name: string, bytes: Uint8Array, calls: EvidenceCall[]): Promise<void> => {
      const sha256 = sha256Hex(bytes);
      const key = artifactKey(record.id, name);
      const stored = await writer.put(key, bytes, sha256);
      artifacts.push({
        name,
        status: 'collected',
        key,
        sha256,
        bytes: bytes.byteLength,
        ...(stored.versionId === undefined ? {} : { versionId: stored.versionId }),
        calls,
        collectedAt: deps.clock().toISOString(),
      });
    };
    const store = (name: string, content: unknown, calls: EvidenceCall[]): Promise<void> =>
      storeBytes(name, serialise(content), calls);
    const failed = (name: string, calls: EvidenceCall[], error: unknown): void => {
      const classified = ownCode(error) ?? classifyAwsError(error);
      deps.logger.warn(`evidence step ${name} failed: ${classified.code}`, { error: errorMessage(error) });
      artifacts.push({
        name,
        status: 'failed',
        calls,
        error: { code: classified.code, message: errorMessage(error) },
        collectedAt: deps.clock().toISOString(),
      });
    };

    const runStep = async (
      step: EvidenceStep<IsolationRecord['resource']>,
      clients: StepContext['clients'],
      scope: { accountId: string; region: string } = record,
    ): Promise<void> => {
      const calls: EvidenceCall[] = [];
      const ctx: StepContext = {
        clients,
        isolationId: record.id,
        accountId: scope.accountId,
        region: scope.region,
        before: record.before,
        findingKey: record.findingKey,
        window,
        settings: { lambdaEnvironment: options.lambdaEnvironment ?? 'hashed' },
        call: async (api, send) => {
          try {
            const output = await send();
            calls.push(callOf(api, ctx, output.$metadata.requestId));
            return output;
          } catch (error) {
            calls.push(callOf(api, ctx, requestIdOf(error)));
            throw error;
          }
        },
      };
      let content: unknown;
      try {
        content = await step.collect(ctx, record.resource);
      } catch (error) {
        failed(step.name, calls, error);
        return;
      }
      try {
        await store(step.name, content, calls);
      } catch (error) {
        failed(step.name, calls, error);
      }
    };

    for (const step of COMMON_STEPS) {
      try {
        await store(step.name, step.content(record), []);
      } catch (error) {
        failed(step.name, [], error);
      }
    }

    // The event exactly as triage hashed it on receipt (API requests have none).
    if (record.receivedEvent !== undefined) {
      try {
        await storeBytes(RECEIVED_EVENT_NAME, receivedEventBytes(record.receivedEvent), []);
      } catch (error) {
        failed(RECEIVED_EVENT_NAME, [], error);
      }
    }

    // GuardDuty's current copy of the finding, through the member role of the account and region it names.
    const guardDutyFinding = guardDutyFindingRef(record.findingKey);
    if (guardDutyFinding !== undefined) {
      const step = guardDutyFindingStep(guardDutyFinding);
      try {
        const clients = await deps.memberClients(
          guardDutyFinding.accountId,
          guardDutyFinding.region,
          record.id,
          servicesForPermissions(findingEvidence.permissions),
        );
        await runStep(step, clients, guardDutyFinding);
      } catch (error) {
        failed(step.name, [], error);
      }
    }

    const kind = kindEvidenceOf(record.resource);
    if (kind !== undefined) {
      let clients: StepContext['clients'] | undefined;
      try {
        clients = await deps.memberClients(
          record.accountId,
          record.region,
          record.id,
          servicesForPermissions(kind.permissions),
        );
      } catch (error) {
        // No member session: every step of the kind is listed as failed with the reason.
        for (const step of kind.steps) failed(step.name, [], error);
      }
      if (clients !== undefined) {
        for (const step of kind.steps) await runStep(step, clients);
      }
    }

    // Memory capture, only when the rule asks for it, and only of an EC2 instance (after its other artifacts).
    if (options.memory !== undefined && record.resource.type === EC2_INSTANCE) {
      const instance = record.resource;
      const run: MemoryCaptureRun = {
        config: options.memory,
        bucket: writer.bucket,
        clock: deps.clock,
        sleep: deps.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms))),
      };
      const step: EvidenceStep<IsolationRecord['resource']> = {
        name: MEMORY_CAPTURE_NAME,
        collect: (ctx) => captureMemory(ctx, instance, run),
      };
      try {
        const clients = await deps.memberClients(
          record.accountId,
          record.region,
          record.id,
          servicesForPermissions(memoryCaptureEvidence.permissions),
        );
        await runStep(step, clients);
      } catch (error) {
        failed(step.name, [], error);
      }
    }

    const manifest: Manifest = {
      version: MANIFEST_VERSION,
      isolationId: record.id,
      resource: {
        type: record.resource.type,
        id: record.resource.id,
        accountId: record.accountId,
        region: record.region,
      },
      bucket: writer.bucket,
      collectedBy,
      startedAt,
      finishedAt: deps.clock().toISOString(),
      artifacts,
    };
    const bytes = serialise(manifest);
    const sha256 = sha256Hex(bytes);
    const key = manifestKey(record.id);
    await writer.put(key, bytes, sha256);
    const failedCount = artifacts.filter((a) => a.status === 'failed').length;
    return {
      status: 'stored',
      bucket: writer.bucket,
      manifestKey: key,
      manifestSha256: sha256,
      collected: artifacts.length - failedCount,
      failed: failedCount,
      at: deps.clock().toISOString(),
    };
  } catch (error) {
    const classified = classifyAwsError(error);
    deps.logger.error('evidence could not be stored', { error: errorMessage(error) });
    return {
      status: 'failed',
      error: { code: classified.code, message: errorMessage(error) },
      at: deps.clock().toISOString(),
    };
  }
}
