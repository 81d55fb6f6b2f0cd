/**
 * Evidence after containment, against moto: an EC2 finding goes through the pipeline to ISOLATED, then the
 * worker stores the artifacts and the manifest in the evidence bucket (Object Lock), and the record and the
 * Security Hub note carry the manifest's SHA-256.
 */
import { describe, expect, it } from 'vitest';
import { GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { SSM } from '@aws-sdk/client-ssm';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadPolicy } from '../../functions/lib/policy/index.js';
import { createHash } from 'node:crypto';
import { useMoto } from '../support/moto.js';
import { FaultInjector } from '../aws/support/faults.js';
import { ManifestSchema, type Manifest } from '../../functions/lib/evidence/model.js';
import {
  createWorld,
  guardDutyEvent,
  interfaceGroups,
  launchInstance,
  unique,
  REGION,
} from '../pipeline/support.js';

const moto = useMoto({ resetEach: false });

async function object(s3: S3Client, bucket: string, key: string): Promise<Uint8Array> {
  const output = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return (await output.Body?.transformToByteArray()) ?? new Uint8Array();
}

const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

describe('Evidence: collection after containment', () => {
  it('stores the EC2 artifacts and a manifest whose hashes match the stored objects, anchored on the record and the note', async () => {
    // Prepare
    const bucket = unique('evidence');
    const world = await createWorld(moto, { evidenceBucket: bucket });
    const instance = await launchInstance(world.ec2);
    const s3 = new S3Client({ ...moto.clientConfig(REGION), forcePathStyle: true });

    const event = guardDutyEvent(instance.instanceId, { severity: 8 });

    // Act
    const { workerResults } = await world.dispatch(event);
    const id = workerResults[0]?.id ?? '';
    const record = await world.store.require(id);

    // Assess
    expect(record.status).toBe('ISOLATED');
    expect(record.evidence).toMatchObject({
      status: 'stored',
      bucket,
      manifestKey: `${id}/manifest.json`,
      // moto lacks GuardDuty GetFindings and EC2 GetConsoleScreenshot: the manifest lists both as failed.
      collected: 11,
      failed: 2,
    });
    if (record.evidence?.status !== 'stored') throw new Error('no evidence');
    const manifestBytes = await object(s3, bucket, record.evidence.manifestKey);
    expect(sha256(manifestBytes)).toBe(record.evidence.manifestSha256);
    const manifest: Manifest = ManifestSchema.parse(JSON.parse(new TextDecoder().decode(manifestBytes)));
    expect(manifest).toMatchObject({
      isolationId: id,
      bucket,
      resource: { type: 'ec2-instance', id: instance.instanceId },
    });
    expect(manifest.collectedBy).toMatch(/^arn:aws:(sts|iam)::/);
    expect(manifest.artifacts.map((a) => [a.name, a.status])).toEqual([
      ['finding.json', 'collected'],
      ['decision.json', 'collected'],
      ['event.json', 'collected'],
      ['guardduty/finding.json', 'failed'],
      ['ec2/instance.json', 'collected'],
      ['ec2/network-interfaces.json', 'collected'],
      ['ec2/security-groups.json', 'collected'],
      ['ec2/volumes.json', 'collected'],
      ['ec2/console-output.json', 'collected'],
      ['ec2/snapshots.json', 'collected'],
      ['ec2/console-screenshot.json', 'failed'],
      ['ec2/flow-logs.json', 'collected'],
      ['iam/instance-profile.json', 'collected'],
    ]);
    for (const artifact of manifest.artifacts) {
      if (artifact.status !== 'collected') continue;
      const bytes = await object(s3, bucket, artifact.key);
      expect(sha256(bytes), artifact.name).toBe(artifact.sha256);
      expect(bytes.byteLength, artifact.name).toBe(artifact.bytes);
      expect(artifact.key).toBe(`${id}/${artifact.name}`);
    }
    const byName = new Map(manifest.artifacts.map((a) => [a.name, a]));
    // The event as received: the bytes hashed on receipt, before any decision, are the bytes stored.
    const eventBytes = await object(s3, bucket, `${id}/event.json`);
    expect(new TextDecoder().decode(eventBytes)).toBe(JSON.stringify(event));
    expect(record.receivedEvent?.sha256).toBe(sha256(eventBytes));
    expect(byName.get('event.json')).toMatchObject({ sha256: record.receivedEvent?.sha256, calls: [] });
    const decision = JSON.parse(
      new TextDecoder().decode(await object(s3, bucket, `${id}/decision.json`)),
    ) as {
      explanation: string[];
    };
    expect(decision.explanation).toEqual(record.explanation);
    expect(decision.explanation.length).toBeGreaterThan(0);
    expect(byName.get('ec2/instance.json')?.calls).toEqual([
      {
        api: 'ec2:DescribeInstances',
        region: REGION,
        account: record.accountId,
        requestId: expect.any(String),
      },
    ]);
    const described = JSON.parse(
      new TextDecoder().decode(await object(s3, bucket, `${id}/ec2/instance.json`)),
    ) as { Reservations: { Instances: { InstanceId: string }[] }[] };
    expect(described.Reservations[0]?.Instances[0]?.InstanceId).toBe(instance.instanceId);
    const groups = JSON.parse(
      new TextDecoder().decode(await object(s3, bucket, `${id}/ec2/security-groups.json`)),
    ) as { SecurityGroups: { GroupId: string }[] };
    // The group the finding saw and the isolation group the interfaces have now, with their rules.
    expect(groups.SecurityGroups.map((g) => g.GroupId)).toContain(instance.groupId);
    expect(groups.SecurityGroups.length).toBeGreaterThanOrEqual(2);
    const finding = JSON.parse(new TextDecoder().decode(await object(s3, bucket, `${id}/finding.json`))) as {
      finding: { type: string };
    };
    expect(finding.finding.type).toBe('Backdoor:EC2/C&CActivity.B!DNS');
    const notes = world.writeBacks().map((w) => w.Note?.Text ?? '');
    expect(notes.at(-1)).toContain(`Evidence manifest SHA-256 ${record.evidence.manifestSha256}`);
    expect(await interfaceGroups(world.ec2, instance.instanceId)).not.toContain(instance.groupId);
  });

  it('lists a denied step as failed in the manifest, and the isolation stays ISOLATED with the instance contained', async () => {
    // Prepare: moto allows every call, so the denial is injected into the member EC2 client, as the resilience
    // tests do.
    const bucket = unique('evidence');
    const faults = new FaultInjector().inject('GetConsoleOutput', 'access-denied');
    const world = await createWorld(moto, { evidenceBucket: bucket, faults });
    const instance = await launchInstance(world.ec2);
    const s3 = new S3Client({ ...moto.clientConfig(REGION), forcePathStyle: true });

    // Act
    const { workerResults } = await world.dispatch(guardDutyEvent(instance.instanceId, { severity: 8 }));
    const record = await world.store.require(workerResults[0]?.id ?? '');

    // Assess
    expect(faults.raised).toEqual(['GetConsoleOutput:access-denied']);
    expect(record.status).toBe('ISOLATED');
    expect(record.failure).toBeUndefined();
    // GetConsoleOutput denied; GetFindings and GetConsoleScreenshot are not in moto.
    expect(record.evidence).toMatchObject({ status: 'stored', collected: 10, failed: 3 });
    if (record.evidence?.status !== 'stored') throw new Error('no evidence');
    const manifest = ManifestSchema.parse(
      JSON.parse(new TextDecoder().decode(await object(s3, bucket, record.evidence.manifestKey))),
    );
    expect(manifest.artifacts.find((a) => a.name === 'ec2/console-output.json')).toMatchObject({
      status: 'failed',
      error: { code: 'UnauthorizedOperation', message: expect.stringContaining('ec2:GetConsoleOutput') },
    });
    expect(await interfaceGroups(world.ec2, instance.instanceId)).not.toContain(instance.groupId);
  });

  it('records a failed evidence stage when the bucket refuses the writes, and containment is unchanged', async () => {
    // Prepare: every write to the bucket is denied (a writer double: the fault is the point, not S3).
    const world = await createWorld(moto, { evidenceBucket: unique('evidence') });
    const instance = await launchInstance(world.ec2);
    const sink = world.deps.evidence;
    if (sink === undefined) throw new Error('evidence is off');
    world.deps.evidence = {
      ...sink,
      writer: {
        bucket: sink.writer.bucket,
        put: () => Promise.reject(Object.assign(new Error('Access Denied'), { name: 'AccessDenied' })),
      },
    };

    // Act
    const { workerResults } = await world.dispatch(guardDutyEvent(instance.instanceId, { severity: 8 }));
    const record = await world.store.require(workerResults[0]?.id ?? '');

    // Assess
    expect(record.status).toBe('ISOLATED');
    expect(record.evidence).toMatchObject({ status: 'failed', error: { code: 'AccessDenied' } });
    expect(world.writeBacks().at(-1)?.Note?.Text).not.toContain('Evidence manifest');
    expect(await interfaceGroups(world.ec2, instance.instanceId)).not.toContain(instance.groupId);
  });

  it('collects nothing for a rule with evidence: { enabled: false }, and refuses a malformed switch', async () => {
    // Prepare: the demo policy with the switch on its EC2 rule (written as a policy file, read by the loader)
    const dir = mkdtempSync(join(tmpdir(), 'cordon-evidence-policy-'));
    const demo = readFileSync('test/pipeline/fixtures/demo-policy/demo.yaml', 'utf8');
    const off = demo.replace('    mode: auto\n', '    mode: auto\n    evidence: { enabled: false }\n');
    writeFileSync(join(dir, 'demo.yaml'), off);
    const malformed = join(dir, 'bad');
    mkdirSync(malformed);
    writeFileSync(
      join(malformed, 'demo.yaml'),
      demo.replace('    mode: auto\n', "    mode: auto\n    evidence: { enabled: 'no' }\n"),
    );
    const bucket = unique('evidence');
    const world = await createWorld(moto, {
      evidenceBucket: bucket,
      policy: loadPolicy([join(dir, 'demo.yaml')]),
    });
    const instance = await launchInstance(world.ec2);
    const s3 = new S3Client({ ...moto.clientConfig(REGION), forcePathStyle: true });

    // Act
    const { workerResults } = await world.dispatch(guardDutyEvent(instance.instanceId, { severity: 8 }));
    const record = await world.store.require(workerResults[0]?.id ?? '');
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: `${record.id}/` }));

    // Assess
    expect(off).toContain('evidence: { enabled: false }');
    expect(record.rule).toBe('demo-ec2-backdoor');
    expect(record.status).toBe('ISOLATED');
    expect(record.evidence).toBeUndefined();
    expect(listed.KeyCount ?? 0).toBe(0);
    expect(() => loadPolicy([malformed])).toThrow(/evidence\.enabled/);
  });

  it('captures memory for a rule that asks for it, after containment, listed in the manifest', async () => {
    // Prepare: the demo policy's EC2 rule with a memory capture pinned to version 1 of a document in moto.
    const document = unique('Org-AVML');
    const ssm = new SSM(moto.clientConfig(REGION));
    await ssm.createDocument({
      Name: document,
      DocumentType: 'Command',
      DocumentFormat: 'JSON',
      Content: JSON.stringify({
        schemaVersion: '2.2',
        mainSteps: [{ action: 'aws:runShellScript', name: 'capture', inputs: { runCommand: ['avml x'] } }],
      }),
    });
    const dir = mkdtempSync(join(tmpdir(), 'cordon-evidence-memory-'));
    const demo = readFileSync('test/pipeline/fixtures/demo-policy/demo.yaml', 'utf8');
    const rule = `    mode: auto\n    evidence: { memory: { ssmDocument: { name: ${document}, version: "1" } } }\n`;
    writeFileSync(join(dir, 'demo.yaml'), demo.replace('    mode: auto\n', rule));
    const bucket = unique('evidence');
    const world = await createWorld(moto, { evidenceBucket: bucket, policy: loadPolicy([dir]) });
    const instance = await launchInstance(world.ec2);
    const s3 = new S3Client({ ...moto.clientConfig(REGION), forcePathStyle: true });

    // Act
    const { workerResults } = await world.dispatch(guardDutyEvent(instance.instanceId, { severity: 8 }));
    const record = await world.store.require(workerResults[0]?.id ?? '');

    // Assess: contained, and the capture is the manifest's last artifact, stored with its hash.
    expect(record.status).toBe('ISOLATED');
    if (record.evidence?.status !== 'stored') throw new Error('no evidence');
    const manifest = ManifestSchema.parse(
      JSON.parse(new TextDecoder().decode(await object(s3, bucket, record.evidence.manifestKey))),
    );
    const capture = manifest.artifacts.at(-1);
    expect(capture).toMatchObject({ name: 'memory/capture.json', status: 'collected' });
    if (capture?.status !== 'collected') throw new Error('no capture');
    const bytes = await object(s3, bucket, capture.key);
    expect(sha256(bytes)).toBe(capture.sha256);
    expect(JSON.parse(new TextDecoder().decode(bytes))).toMatchObject({
      instanceId: instance.instanceId,
      document: { name: document, version: '1' },
      output: { bucket, prefix: `${record.id}/memory/` },
      status: 'Success',
    });
    expect((await ssm.listCommands({ InstanceId: instance.instanceId })).Commands).toHaveLength(1);
  });
});
