/**
 * Collector tests' support: a contained isolation record for a resource, an in-memory evidence writer (these
 * tests are about the member-account reads, not S3; collection.test.ts is) and one collection run that checks the
 * manifest's hash and parses it.
 */
import { expect } from 'vitest';
import type { MemberClientFactory } from '../../functions/lib/aws/member-clients.js';
import { collectEvidence, type CollectOptions } from '../../functions/lib/evidence/collect.js';
import { ManifestSchema, type Manifest } from '../../functions/lib/evidence/model.js';
import { sha256Hex, type EvidenceWriter } from '../../functions/lib/evidence/storage.js';
import type { Resource } from '../../functions/lib/findings/model.js';
import type { FindingSummary, IsolationRecord } from '../../functions/lib/store/model.js';
import type { TestContext } from '../actions/support/action-context.js';
import { unique } from '../pipeline/support.js';

const silent = { debug() {}, info() {}, warn() {}, error() {} };

export function memoryWriter(): EvidenceWriter & { objects: Map<string, Uint8Array> } {
  const objects = new Map<string, Uint8Array>();
  return {
    bucket: 'memory',
    objects,
    put: async (key, bytes, sha256) => {
      if (sha256Hex(bytes) !== sha256) throw new Error(`checksum mismatch for ${key}`);
      objects.set(key, bytes);
      return {};
    },
  };
}

/** An ISOLATED record of `resource`, with the before-state and the finding given. */
export function containedRecord(
  resource: Resource,
  options: { before?: Record<string, unknown>; finding?: FindingSummary } = {},
): IsolationRecord {
  const at = '2026-12-05T10:00:00.000Z';
  return {
    id: unique('iso-evidence'),
    resource,
    resourceKey: `${resource.accountId}#${resource.region}#${resource.type}#${resource.id}`,
    resourceId: resource.id,
    accountId: resource.accountId,
    region: resource.region,
    action: 'test-action',
    params: {},
    mode: 'auto',
    status: 'ISOLATED',
    steps: [],
    releaseSteps: [],
    before: options.before ?? {},
    requester: { type: 'policy', id: 'rule', name: 'rule' },
    audit: [],
    warnings: [],
    createdAt: at,
    updatedAt: at,
    reports: {},
    pendingReports: [],
    version: 1,
    ...(options.finding === undefined ? {} : { findingKey: options.finding.key, finding: options.finding }),
  };
}

/** Collect the record's evidence through the test's member clients; the manifest, the writer and a reader. */
export async function collect(
  test: TestContext,
  record: IsolationRecord,
  options: CollectOptions & { now?: Date; sleep?: (ms: number) => Promise<void> } = {},
): Promise<{
  manifest: Manifest;
  writer: ReturnType<typeof memoryWriter>;
  read: (name: string) => unknown;
}> {
  const writer = memoryWriter();
  const memberClients: MemberClientFactory = async () => test.ctx.clients;
  // Memory-capture polls wait for nothing here (moto answers at once).
  const { now, sleep = async () => {}, ...collectOptions } = options;
  const ref = await collectEvidence(
    {
      writer,
      memberClients,
      collectedBy: async () => 'arn:aws:sts::123456789012:assumed-role/worker/test',
      clock: () => now ?? new Date(),
      logger: silent,
      sleep,
    },
    record,
    collectOptions,
  );
  if (ref.status !== 'stored') throw new Error(`evidence not stored: ${ref.error.message}`);
  const bytes = writer.objects.get(ref.manifestKey) ?? new Uint8Array();
  expect(sha256Hex(bytes)).toBe(ref.manifestSha256);
  const read = (name: string): unknown =>
    JSON.parse(new TextDecoder().decode(writer.objects.get(`${record.id}/${name}`) ?? new Uint8Array()));
  return { manifest: ManifestSchema.parse(JSON.parse(new TextDecoder().decode(bytes))), writer, read };
}
