/**
 * Evidence as the worker stores it, in moto's S3: a versioned bucket holding two artifacts written by the
 * worker's own writer (with their SHA-256) and a manifest listing them and one failed collection step.
 */
import { S3, type S3ClientConfig } from '@aws-sdk/client-s3';
import { tolerateEmulatorS3 } from '../../functions/lib/aws/emulator-s3.js';
import { manifestKey, type Manifest } from '../../functions/lib/evidence/model.js';
import { S3EvidenceReader, S3EvidenceWriter, sha256Hex } from '../../functions/lib/evidence/storage.js';
import { REGION, unique } from '../pipeline/support.js';

export const NOW = new Date('2026-12-05T12:00:00.000Z');
const encode = (text: string): Uint8Array => new TextEncoder().encode(text);

/** A versioned bucket holding two artifacts and a manifest listing them and one failed step, as the worker writes them. */
export async function storedEvidence(
  clientConfig: S3ClientConfig,
  options: { forgeHashOf?: string; listMissing?: boolean; id?: string } = {},
) {
  const s3 = new S3({ ...clientConfig, forcePathStyle: true });
  // moto's GetObjectAttributes differs from S3's in two headers; the emulator adapter cordon uses evens them out.
  tolerateEmulatorS3(s3);
  const bucket = unique('evidence-check');
  await s3.createBucket({ Bucket: bucket });
  await s3.putBucketVersioning({ Bucket: bucket, VersioningConfiguration: { Status: 'Enabled' } });
  const writer = new S3EvidenceWriter(s3, bucket, undefined);
  const id = options.id ?? unique('iso-check');
  const artifacts: Manifest['artifacts'] = [];
  for (const [name, text] of [
    ['ec2/describe-instances.json', '{"Reservations":[]}\n'],
    ['finding.json', '{"id":"f-1"}\n'],
  ] as const) {
    const bytes = encode(text);
    const sha256 = sha256Hex(bytes);
    const key = `${id}/${name}`;
    const stored = await writer.put(key, bytes, sha256);
    artifacts.push({
      name,
      status: 'collected',
      key,
      sha256: name === options.forgeHashOf ? sha256Hex(encode('something else')) : sha256,
      bytes: bytes.byteLength,
      ...(stored.versionId === undefined ? {} : { versionId: stored.versionId }),
      calls: [{ api: 'ec2:DescribeInstances', region: REGION, account: '123456789012' }],
      collectedAt: NOW.toISOString(),
    });
  }
  if (options.listMissing === true) {
    artifacts.push({
      name: 'iam/role.json',
      status: 'collected',
      key: `${id}/iam/role.json`,
      sha256: sha256Hex(encode('{}')),
      bytes: 2,
      calls: [{ api: 'iam:GetRole', region: REGION, account: '123456789012' }],
      collectedAt: NOW.toISOString(),
    });
  }
  artifacts.push({
    name: 'ec2/console-screenshot.json',
    status: 'failed',
    calls: [{ api: 'ec2:GetConsoleScreenshot', region: REGION, account: '123456789012' }],
    error: { code: 'UnsupportedOperation', message: 'not supported for this instance type' },
    collectedAt: NOW.toISOString(),
  });
  const manifest: Manifest = {
    version: 1,
    isolationId: id,
    resource: { type: 'ec2-instance', id: 'i-0123456789abcdef0', accountId: '123456789012', region: REGION },
    bucket,
    collectedBy: 'arn:aws:sts::123456789012:assumed-role/cordon-isolate/worker',
    startedAt: NOW.toISOString(),
    finishedAt: NOW.toISOString(),
    artifacts,
  };
  const manifestBytes = encode(`${JSON.stringify(manifest, null, 2)}\n`);
  await writer.put(manifestKey(id), manifestBytes, sha256Hex(manifestBytes));
  const ref = {
    status: 'stored' as const,
    bucket,
    manifestKey: manifestKey(id),
    manifestSha256: sha256Hex(manifestBytes),
    collected: 2,
    failed: 1,
    at: NOW.toISOString(),
  };
  return { s3, bucket, id, ref, writer, reader: new S3EvidenceReader(s3, bucket) };
}
