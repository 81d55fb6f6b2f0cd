/**
 * The event as received: triage serialises and hashes it on receipt, the record keeps it, and evidence stores
 * exactly those bytes as `event.json`, or lists the artifact as failed when they were not kept (over the cap) or
 * no longer match the hash taken on receipt. No AWS call: an account resource has no kind collector.
 */
import { describe, expect, it } from 'vitest';
import { collectEvidence } from '../../functions/lib/evidence/collect.js';
import { ManifestSchema, type Manifest } from '../../functions/lib/evidence/model.js';
import { RECEIVED_EVENT_MAX_BYTES, receivedEvent } from '../../functions/lib/evidence/received.js';
import { sha256Hex } from '../../functions/lib/evidence/storage.js';
import type { IsolationRecord } from '../../functions/lib/store/model.js';
import { containedRecord, memoryWriter } from './support.js';

const silent = { debug() {}, info() {}, warn() {}, error() {} };

function accountRecord(event: unknown, tamper?: (text: string) => string): IsolationRecord {
  const received = receivedEvent(event);
  const record = containedRecord({
    type: 'aws-account',
    id: '123456789012',
    accountId: '123456789012',
    region: 'us-east-1',
    tags: {},
    root: false,
  });
  const body = received.body;
  return {
    ...record,
    receivedEvent:
      tamper === undefined || body === undefined ? received : { ...received, body: tamper(body) },
  };
}

async function run(
  record: IsolationRecord,
): Promise<{ manifest: Manifest; objects: Map<string, Uint8Array> }> {
  const writer = memoryWriter();
  const ref = await collectEvidence(
    {
      writer,
      memberClients: () => Promise.reject(new Error('no member call expected')),
      collectedBy: async () => 'arn:aws:sts::123456789012:assumed-role/worker/test',
      clock: () => new Date(),
      logger: silent,
    },
    record,
  );
  if (ref.status !== 'stored') throw new Error(ref.error.message);
  const bytes = writer.objects.get(ref.manifestKey) ?? new Uint8Array();
  return {
    manifest: ManifestSchema.parse(JSON.parse(new TextDecoder().decode(bytes))),
    objects: writer.objects,
  };
}

describe('Evidence: the event as received', () => {
  it('stores the exact text hashed on receipt, with that hash in the manifest', async () => {
    // Prepare: key order and unicode as delivered, which a re-serialisation of a summary would not keep.
    const event = { 'detail-type': 'GuardDuty Finding', id: 'e-1', detail: { z: 1, a: 'é', n: [3, 1] } };
    const record = accountRecord(event);

    // Act
    const { manifest, objects } = await run(record);

    // Assess
    const stored = objects.get(`${record.id}/event.json`) ?? new Uint8Array();
    expect(new TextDecoder().decode(stored)).toBe(JSON.stringify(event));
    expect(sha256Hex(stored)).toBe(record.receivedEvent?.sha256);
    expect(manifest.artifacts.find((a) => a.name === 'event.json')).toMatchObject({
      status: 'collected',
      sha256: record.receivedEvent?.sha256,
      bytes: record.receivedEvent?.bytes,
    });
  });

  it('lists the event as failed, with its hash on receipt, when it was over the cap and not kept', async () => {
    // Prepare
    const record = accountRecord({ detail: { padding: 'x'.repeat(RECEIVED_EVENT_MAX_BYTES) } });

    // Act
    const { manifest, objects } = await run(record);

    // Assess
    expect(record.receivedEvent?.body).toBeUndefined();
    expect(objects.has(`${record.id}/event.json`)).toBe(false);
    expect(manifest.artifacts.find((a) => a.name === 'event.json')).toMatchObject({
      status: 'failed',
      error: { message: expect.stringContaining(record.receivedEvent?.sha256 ?? 'missing') },
    });
  });

  it('refuses to store a kept event that no longer matches its hash on receipt', async () => {
    // Prepare
    const record = accountRecord({ id: 'e-2', detail: { severity: 8 } }, (text) => text.replace('8', '2'));

    // Act
    const { manifest, objects } = await run(record);

    // Assess
    expect(objects.has(`${record.id}/event.json`)).toBe(false);
    expect(manifest.artifacts.find((a) => a.name === 'event.json')).toMatchObject({
      status: 'failed',
      error: { message: expect.stringContaining('no longer matches') },
    });
  });

  it('keeps nothing for an API request (no event)', async () => {
    // Prepare
    const { receivedEvent: _none, ...record } = accountRecord({});

    // Act
    const { manifest } = await run(record);

    // Assess
    expect(manifest.artifacts.map((a) => a.name)).not.toContain('event.json');
  });
});
