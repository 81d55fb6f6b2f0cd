/**
 * `cordon replay --endpoint` stores an EC2 isolation's evidence in moto and prints where its manifest is;
 * `cordon evidence verify` passes on it and fails, naming the artifact, once one object is modified;
 * `cordon evidence get` downloads what the manifest lists.
 */
import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { EC2Client } from '@aws-sdk/client-ec2';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { runReplay, type ReplayLine } from '../../cli/commands/replay.js';
import { runEvidenceGet, runEvidenceVerify, type EvidenceOptions } from '../../cli/commands/evidence.js';
import { useMoto } from '../support/moto.js';
import { ACCOUNT, REGION, interfaceGroups, launchInstance, unique } from '../pipeline/support.js';

const moto = useMoto({ resetEach: false });

function capture(): { out: string[]; err: string[]; io: { out(l: string): void; err(l: string): void } } {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, io: { out: (l) => out.push(l), err: (l) => err.push(l) } };
}

/** The shared sample GuardDuty EC2 finding, rewritten to name a moto instance. */
function sampleEvent(dir: string, instanceId: string): string {
  const event = JSON.parse(
    readFileSync(
      new URL('../events/guardduty-ec2-backdoor-ccactivity-b-dns.custodian.json', import.meta.url),
      'utf8',
    ),
  ) as {
    account: string;
    detail: { accountId: string; arn: string; resource: { instanceDetails: { instanceId: string } } };
  };
  event.account = ACCOUNT;
  event.detail.accountId = ACCOUNT;
  event.detail.arn = event.detail.arn.replace(/:\d{12}:/, `:${ACCOUNT}:`);
  event.detail.resource.instanceDetails.instanceId = instanceId;
  const file = join(dir, 'event.json');
  writeFileSync(file, JSON.stringify(event));
  return file;
}

describe('CLI: cordon evidence', () => {
  it('replay reports the manifest; verify passes, then fails naming the artifact modified in the bucket; get downloads it', async () => {
    // Prepare
    const dir = mkdtempSync(join(tmpdir(), 'cordon-evidence-'));
    const ec2 = new EC2Client(moto.clientConfig(REGION));
    const instance = await launchInstance(ec2);
    const bucket = unique('evidence');
    const replay = capture();
    const code = await runReplay(
      [sampleEvent(dir, instance.instanceId)],
      {
        endpoint: moto.endpoint,
        region: REGION,
        rules: 'rules',
        table: unique('replay'),
        memberRole: 'cordon-member',
        outbox: join(dir, 'outbox.jsonl'),
        json: true,
        policy: 'test/pipeline/fixtures/demo-policy',
        evidenceBucket: bucket,
      },
      replay.io,
    );
    const line = JSON.parse(replay.out[0] ?? '{}') as ReplayLine;
    const id = line.isolation?.id ?? '';
    const options: EvidenceOptions = { endpoint: moto.endpoint, bucket, region: REGION };
    const before = capture();

    // Act
    const verified = await runEvidenceVerify(id, options, before.io);
    // Tamper: Object Lock keeps the original version, so the only change possible is a new version of the key,
    // which is what a plain GET (and so every reader) now returns.
    const s3 = new S3Client({ ...moto.clientConfig(REGION), forcePathStyle: true });
    await s3.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: `${id}/ec2/console-output.json`,
        Body: '{"Output":"nothing to see here"}\n',
        ChecksumAlgorithm: 'SHA256',
      }),
    );
    const after = capture();
    const tampered = await runEvidenceVerify(id, options, after.io);
    const out = join(dir, 'download');
    const got = capture();
    const downloaded = await runEvidenceGet(id, { ...options, out }, got.io);
    const wrongAnchor = await runEvidenceVerify(
      id,
      { ...options, manifestSha256: '0'.repeat(64) },
      capture().io,
    );

    // Assess
    expect(code).toBe(0);
    expect(line.isolation?.status).toBe('ISOLATED');
    expect(line.evidence).toEqual({
      status: 'stored',
      manifest: `s3://${bucket}/${id}/manifest.json`,
      sha256: expect.stringMatching(/^[0-9a-f]{64}$/),
      // moto lacks GuardDuty GetFindings and EC2 GetConsoleScreenshot: listed as failed, never hidden.
      collected: 11,
      failed: 2,
    });
    expect(verified).toBe(0);
    expect(before.out.at(-1)).toBe('verified: 11 artifact(s) match the manifest');
    expect(before.out[0]).toBe(
      `manifest s3://${bucket}/${id}/manifest.json SHA-256 ${line.evidence?.status === 'stored' ? line.evidence.sha256 : ''}`,
    );
    expect(tampered).toBe(1);
    expect(after.out.filter((l) => l.includes('MISMATCH'))).toEqual([
      expect.stringMatching(
        /^ {2}MISMATCH ec2\/console-output\.json: SHA-256 [0-9a-f]{64} \(\d+ bytes\), manifest says/,
      ),
    ]);
    expect(after.err).toEqual([expect.stringContaining(`evidence of ${id} does NOT match its manifest`)]);
    expect(downloaded).toBe(1);
    const manifest = readFileSync(join(out, 'manifest.json'));
    expect(createHash('sha256').update(manifest).digest('hex')).toBe(
      line.evidence?.status === 'stored' ? line.evidence.sha256 : '',
    );
    expect(JSON.parse(readFileSync(join(out, 'ec2', 'instance.json'), 'utf8'))).toMatchObject({
      Reservations: [{ Instances: [{ InstanceId: instance.instanceId }] }],
    });
    expect(wrongAnchor).toBe(1);
    expect(await interfaceGroups(ec2, instance.instanceId)).not.toContain(instance.groupId);
  });

  it('exits 2 for an isolation without evidence in the bucket, and for a malformed id', async () => {
    // Prepare
    const options: EvidenceOptions = {
      endpoint: moto.endpoint,
      bucket: unique('evidence-none'),
      region: REGION,
    };
    const missing = capture();
    const malformed = capture();

    // Act
    const codes = [
      await runEvidenceVerify('iso-20261205000000-none', options, missing.io),
      await runEvidenceVerify('../etc', options, malformed.io),
    ];

    // Assess
    expect(codes).toEqual([2, 2]);
    expect(missing.err[0]).toMatch(/^cordon: cannot read s3:\/\/evidence-none|^cordon: no evidence for/);
    expect(malformed.err).toEqual(['cordon: ../etc is not an isolation id (iso-...)']);
  });
});
