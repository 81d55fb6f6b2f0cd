/**
 * The evidence bucket, in the security account, with the worker's own credentials (never the member role).
 * Every object is one PutObject (no multipart) carrying its SHA-256, which S3 verifies on receipt and which
 * Object Lock's default retention requires, encrypted with the evidence key (SSE-KMS).
 */
import type { S3 } from '@aws-sdk/client-s3';
import { clientGetter, type ClientSource } from '../aws/sdk.js';

export { sha256Hex } from './hash.js';

/** What a stored object's PutObject answered. */
export interface StoredObject {
  versionId?: string;
  requestId?: string;
}

/** Where the worker writes evidence. */
export interface EvidenceWriter {
  readonly bucket: string;
  /** Store `bytes` at `key` with their SHA-256 (hex); S3 refuses the write when they do not match. */
  put(key: string, bytes: Uint8Array, sha256: string): Promise<StoredObject>;
}

/** Writes to the evidence bucket through an S3 client. */
export class S3EvidenceWriter implements EvidenceWriter {
  private readonly client: () => Promise<S3>;

  /**
   * @param s3 the client, or a function building it on first use
   * @param bucket the evidence bucket
   * @param keyArn the evidence KMS key; absent: the bucket's default encryption applies
   */
  constructor(
    s3: ClientSource<S3>,
    readonly bucket: string,
    private readonly keyArn: string | undefined,
  ) {
    this.client = clientGetter(s3);
  }

  async put(key: string, bytes: Uint8Array, sha256: string): Promise<StoredObject> {
    const output = await (
      await this.client()
    ).putObject({
      Bucket: this.bucket,
      Key: key,
      Body: bytes,
      ContentLength: bytes.byteLength,
      ContentType: 'application/json',
      ChecksumAlgorithm: 'SHA256',
      ChecksumSHA256: Buffer.from(sha256, 'hex').toString('base64'),
      ...(this.keyArn === undefined ? {} : { ServerSideEncryption: 'aws:kms', SSEKMSKeyId: this.keyArn }),
    });
    return {
      ...(output.VersionId === undefined ? {} : { versionId: output.VersionId }),
      ...(output.$metadata.requestId === undefined ? {} : { requestId: output.$metadata.requestId }),
    };
  }
}
