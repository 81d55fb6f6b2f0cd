/**
 * The console's evidence check (`GET /isolations/{id}/evidence`): the manifest read back and hashed against the
 * SHA-256 the record holds, and each collected artifact's SHA-256 and size, as S3 holds them for the exact
 * version written, compared with the manifest. It reads no artifact's content: S3 verified each artifact's
 * SHA-256 on receipt (the writer sends it with the PutObject) and returns it with GetObjectAttributes, so the API
 * needs only the manifests' content, and the KMS key policy lets it decrypt nothing else.
 *
 * This is not `cordon evidence verify`, which re-downloads every artifact with the forensics role and recomputes
 * its hash: it proves that the bucket still holds, under Object Lock, the versions the manifest names, with the
 * hashes it names. The response says which method was used.
 */
import type { ArtifactCheckView, EvidenceCheckView } from '../api/contract.js';
import { errorMessage } from '../errors.js';
import { sha256Hex } from './hash.js';
import { ManifestSchema, manifestKey, type EvidenceRef } from './model.js';

/** S3's record of one stored object version. */
export interface StoredAttributes {
  /** S3's full-object SHA-256, hex; absent when the object was stored without one. */
  sha256?: string;
  bytes?: number;
}

/** Reads the evidence bucket for the check: manifests' content and artifacts' attributes only. */
export interface EvidenceReader {
  readonly bucket: string;
  /** The object's bytes; undefined when there is no such key. */
  get(key: string): Promise<Uint8Array | undefined>;
  /** S3's SHA-256 and size of one version (the latest when `versionId` is absent); undefined when missing. */
  attributes(key: string, versionId: string | undefined): Promise<StoredAttributes | undefined>;
}

export type ArtifactCheck = ArtifactCheckView;
export type StoredEvidenceCheck = EvidenceCheckView;

type StoredRef = Extract<EvidenceRef, { status: 'stored' }>;

/** Check an isolation's stored evidence. Reading errors other than a missing object propagate. */
export async function checkStoredEvidence(
  reader: EvidenceReader,
  isolationId: string,
  ref: StoredRef,
  now: Date,
): Promise<StoredEvidenceCheck> {
  const key = manifestKey(isolationId);
  const base = {
    isolationId,
    method: 's3-checksums' as const,
    checkedAt: now.toISOString(),
    bucket: reader.bucket,
    manifestKey: key,
    recordedManifestSha256: ref.manifestSha256,
  };
  const problems: string[] = [];
  // The record names where it stored the manifest; the reader reads only the configured bucket.
  if (ref.bucket !== reader.bucket || ref.manifestKey !== key) {
    problems.push(`the record names s3://${ref.bucket}/${ref.manifestKey}, not s3://${reader.bucket}/${key}`);
  }
  const bytes = await reader.get(key);
  if (bytes === undefined) {
    problems.push(`manifest.json is missing from s3://${reader.bucket}/${key}`);
    return { ...base, artifacts: [], problems, verified: false };
  }
  const manifestSha256 = sha256Hex(bytes);
  if (manifestSha256 !== ref.manifestSha256) {
    problems.push(`manifest.json: SHA-256 ${manifestSha256}, the record says ${ref.manifestSha256}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder().decode(bytes));
  } catch (error) {
    problems.push(`manifest.json is not JSON: ${errorMessage(error)}`);
    return { ...base, manifestSha256, artifacts: [], problems, verified: false };
  }
  const parsed = ManifestSchema.safeParse(json);
  if (!parsed.success) {
    problems.push(
      `manifest.json is not a valid cordon manifest (${String(parsed.error.issues.length)} issue(s))`,
    );
    return { ...base, manifestSha256, artifacts: [], problems, verified: false };
  }
  const manifest = parsed.data;
  if (manifest.isolationId !== isolationId) {
    problems.push(`manifest.json is the manifest of ${manifest.isolationId}`);
  }
  const artifacts = await Promise.all(
    manifest.artifacts.map(async (artifact): Promise<ArtifactCheck> => {
      if (artifact.status === 'failed') {
        return {
          name: artifact.name,
          status: 'not-collected',
          error: artifact.error,
          collectedAt: artifact.collectedAt,
        };
      }
      const listed = {
        name: artifact.name,
        key: artifact.key,
        sha256: artifact.sha256,
        bytes: artifact.bytes,
        ...(artifact.versionId === undefined ? {} : { versionId: artifact.versionId }),
        collectedAt: artifact.collectedAt,
      };
      const stored = await reader.attributes(artifact.key, artifact.versionId);
      if (stored === undefined) {
        problems.push(`${artifact.name}: missing from the bucket (${artifact.key})`);
        return { ...listed, status: 'missing' };
      }
      const matches = stored.sha256 === artifact.sha256 && stored.bytes === artifact.bytes;
      if (!matches) {
        problems.push(
          `${artifact.name}: S3 holds SHA-256 ${stored.sha256 ?? 'none'} (${String(stored.bytes ?? '?')} bytes), the manifest says ${artifact.sha256} (${String(artifact.bytes)} bytes)`,
        );
      }
      return { ...listed, status: matches ? 'match' : 'mismatch', stored };
    }),
  );
  return {
    ...base,
    manifestSha256,
    collectedBy: manifest.collectedBy,
    startedAt: manifest.startedAt,
    finishedAt: manifest.finishedAt,
    artifacts,
    problems,
    verified: problems.length === 0,
  };
}
