/**
 * The evidence manifest and the record's pointer to it: the wire formats of chain of custody. The manifest is
 * read back by `cordon evidence verify|get` from a bucket anyone with the forensics role can write to only
 * through S3's own rules (Object Lock), so it is parsed with zod, never trusted as a type.
 */
import * as z from 'zod';

/** Version of the manifest format; bump when a field changes meaning. */
export const MANIFEST_VERSION = 1;

/** The manifest's own file name under the isolation's prefix. */
export const MANIFEST_NAME = 'manifest.json';

const Sha256 = z.string().regex(/^[0-9a-f]{64}$/, 'expected a lower-case hex SHA-256');

/** One AWS call that produced (part of) an artifact: what an auditor needs to find it in CloudTrail. */
export const EvidenceCallSchema = z.strictObject({
  /** IAM action form, e.g. `ec2:DescribeInstances`. */
  api: z.string(),
  region: z.string(),
  account: z.string(),
  /** `$metadata.requestId` of the response (absent when AWS returned none, e.g. a failed connection). */
  requestId: z.string().optional(),
});
export type EvidenceCall = z.infer<typeof EvidenceCallSchema>;

const CollectedSchema = z.strictObject({
  name: z.string(),
  status: z.literal('collected'),
  /** S3 key, under `<isolation-id>/`. */
  key: z.string(),
  sha256: Sha256,
  bytes: z.number().int().nonnegative(),
  /** The S3 object version written (the bucket is versioned: a later write is a new version, never this one). */
  versionId: z.string().optional(),
  calls: z.array(EvidenceCallSchema),
  /** UTC ISO time the artifact was stored. */
  collectedAt: z.string(),
});

const FailedSchema = z.strictObject({
  name: z.string(),
  status: z.literal('failed'),
  /** The calls made before the failure (the failing one included, with its request id when AWS gave one). */
  calls: z.array(EvidenceCallSchema),
  error: z.strictObject({ code: z.string(), message: z.string() }),
  collectedAt: z.string(),
});

export const ManifestArtifactSchema = z.discriminatedUnion('status', [CollectedSchema, FailedSchema]);
export type ManifestArtifact = z.infer<typeof ManifestArtifactSchema>;
export type CollectedArtifact = z.infer<typeof CollectedSchema>;

export const ManifestSchema = z.strictObject({
  version: z.literal(MANIFEST_VERSION),
  isolationId: z.string(),
  resource: z.strictObject({
    type: z.string(),
    id: z.string(),
    accountId: z.string(),
    region: z.string(),
  }),
  bucket: z.string(),
  /** The principal that collected and stored the artifacts (the worker's role session; STS GetCallerIdentity). */
  collectedBy: z.string(),
  startedAt: z.string(),
  finishedAt: z.string(),
  artifacts: z.array(ManifestArtifactSchema),
});
export type Manifest = z.infer<typeof ManifestSchema>;

/**
 * What the isolation record keeps about its evidence: where the manifest is and its SHA-256 (the anchor of the
 * chain of custody: the record is in another store, written by another path), or why nothing was stored.
 */
export const EvidenceRefSchema = z.discriminatedUnion('status', [
  z.strictObject({
    status: z.literal('stored'),
    bucket: z.string(),
    manifestKey: z.string(),
    manifestSha256: Sha256,
    collected: z.number().int().nonnegative(),
    failed: z.number().int().nonnegative(),
    at: z.string(),
  }),
  z.strictObject({
    status: z.literal('failed'),
    error: z.strictObject({ code: z.string(), message: z.string() }),
    at: z.string(),
  }),
]);
export type EvidenceRef = z.infer<typeof EvidenceRefSchema>;

/** The S3 key of an artifact of an isolation. */
export function artifactKey(isolationId: string, name: string): string {
  return `${isolationId}/${name}`;
}

/** The S3 key of an isolation's manifest. */
export function manifestKey(isolationId: string): string {
  return artifactKey(isolationId, MANIFEST_NAME);
}
