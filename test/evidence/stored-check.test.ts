/**
 * The API's evidence check against moto's S3 (versioned bucket, objects written by the worker's own writer with
 * their SHA-256): it reads the manifest and S3's checksum of each listed version, never an artifact's content,
 * and names every problem: a manifest that is not the one the record anchors, an artifact whose stored checksum
 * is not the manifest's, an artifact that is not there, a collection step that failed.
 */
import { describe, expect, it } from 'vitest';
import { manifestKey } from '../../functions/lib/evidence/model.js';
import { checkStoredEvidence, type EvidenceReader } from '../../functions/lib/evidence/stored-check.js';
import { useMoto } from '../support/moto.js';
import { REGION, unique } from '../pipeline/support.js';
import { NOW, storedEvidence } from './stored-fixture.js';

const moto = useMoto({ resetEach: false });

/** The reader, recording which keys' content it was asked for. */
function spying(reader: EvidenceReader): EvidenceReader & { contentReads: string[] } {
  const contentReads: string[] = [];
  return {
    bucket: reader.bucket,
    contentReads,
    get: async (key) => {
      contentReads.push(key);
      return reader.get(key);
    },
    attributes: (key, versionId) => reader.attributes(key, versionId),
  };
}

describe("evidence check: S3's checksums against the manifest, the manifest against the record", () => {
  it('verifies intact evidence, reading no content but the manifest, and lists the failed step', async () => {
    // Prepare
    const { id, ref, reader } = await storedEvidence(moto.clientConfig(REGION));
    const spy = spying(reader);

    // Act
    const check = await checkStoredEvidence(spy, id, ref, NOW);

    // Assess
    expect(check.problems).toEqual([]);
    expect(check.verified).toBe(true);
    expect(check.manifestSha256).toBe(ref.manifestSha256);
    expect(check.artifacts.map((a) => [a.name, a.status])).toEqual([
      ['ec2/describe-instances.json', 'match'],
      ['finding.json', 'match'],
      ['ec2/console-screenshot.json', 'not-collected'],
    ]);
    const first = check.artifacts[0];
    expect(first?.status === 'match' && first.stored?.sha256).toBe(first?.status === 'match' && first.sha256);
    expect(spy.contentReads).toEqual([manifestKey(id)]);
  });

  it('keeps verifying the listed versions after a later write to the same key (Object Lock keeps them)', async () => {
    // Prepare
    const { s3, bucket, id, ref, reader } = await storedEvidence(moto.clientConfig(REGION));
    await s3.putObject({ Bucket: bucket, Key: `${id}/finding.json`, Body: '{"id":"forged"}\n' });

    // Act
    const check = await checkStoredEvidence(reader, id, ref, NOW);

    // Assess
    expect(check.verified).toBe(true);
  });

  it('fails when the manifest read back is not the one the record anchors', async () => {
    // Prepare
    const { s3, bucket, id, ref, reader } = await storedEvidence(moto.clientConfig(REGION));
    await s3.putObject({ Bucket: bucket, Key: manifestKey(id), Body: '{"forged":true}' });

    // Act
    const check = await checkStoredEvidence(reader, id, ref, NOW);

    // Assess
    expect(check.verified).toBe(false);
    expect(check.problems[0]).toMatch(/^manifest\.json: SHA-256 [0-9a-f]{64}, the record says /);
  });

  it("names an artifact whose stored checksum is not the manifest's, and one missing from the bucket", async () => {
    // Prepare
    const forged = await storedEvidence(moto.clientConfig(REGION), { forgeHashOf: 'finding.json' });
    const missing = await storedEvidence(moto.clientConfig(REGION), { listMissing: true });

    // Act
    const mismatch = await checkStoredEvidence(forged.reader, forged.id, forged.ref, NOW);
    const absent = await checkStoredEvidence(missing.reader, missing.id, missing.ref, NOW);

    // Assess
    expect(mismatch.verified).toBe(false);
    expect(mismatch.artifacts.find((a) => a.name === 'finding.json')?.status).toBe('mismatch');
    expect(mismatch.problems).toEqual([
      expect.stringMatching(/^finding\.json: S3 holds SHA-256 [0-9a-f]{64} \(13 bytes\), the manifest says/),
    ]);
    expect(absent.verified).toBe(false);
    expect(absent.artifacts.find((a) => a.name === 'iam/role.json')?.status).toBe('missing');
    expect(absent.problems).toEqual([`iam/role.json: missing from the bucket (${missing.id}/iam/role.json)`]);
  });

  it('fails without reading further when the manifest is gone', async () => {
    // Prepare
    const { id, ref, reader } = await storedEvidence(moto.clientConfig(REGION));
    const other = unique('iso-none');

    // Act
    const check = await checkStoredEvidence(reader, other, { ...ref, manifestKey: manifestKey(other) }, NOW);

    // Assess
    expect(check.verified).toBe(false);
    expect(check.artifacts).toEqual([]);
    expect(check.problems).toEqual([
      `manifest.json is missing from s3://${ref.bucket}/${manifestKey(other)}`,
    ]);
    expect(id).not.toBe(other);
  });
});
