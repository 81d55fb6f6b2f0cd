/**
 * The evidence bucket, in the security account, with the worker's own credentials (never the member role).
 * Every object is one PutObject (no multipart) carrying its SHA-256, which S3 verifies on receipt and which
 * Object Lock's default retention requires, encrypted with the evidence key (SSE-KMS).
 */
import type { S3 } from '@aws-sdk/client-s3';
import { clientGetter, type ClientSource } from '../aws/sdk.js';
import { awsErrorName } from '../aws/errors.js';
import type { EvidenceReader, StoredAttributes } from './stored-check.js';

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

/**
 * Reads the evidence bucket for the API's check (stored-check.ts): manifests' content and every object's
 * attributes, never an artifact's content (the key policy lets the API decrypt only manifests).
 */
export class S3EvidenceReader implements EvidenceReader {
  private readonly client: () => Promise<S3>;

  constructor(
    s3: ClientSource<S3>,
    readonly bucket: string,
  ) {
    this.client = clientGetter(s3);
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    try {
      const output = await (await this.client()).getObject({ Bucket: this.bucket, Key: key });
      return (await output.Body?.transformToByteArray()) ?? new Uint8Array();
    } catch (error) {
      if (isMissingObject(error)) return undefined;
      throw error;
    }
  }

  async attributes(key: string, versionId: string | undefined): Promise<StoredAttributes | undefined> {
    try {
      const output = await (
        await this.client()
      ).getObjectAttributes({
        Bucket: this.bucket,
        Key: key,
        ...(versionId === undefined ? {} : { VersionId: versionId }),
        ObjectAttributes: ['Checksum', 'ObjectSize'],
      });
      const checksum = output.Checksum?.ChecksumSHA256;
      return {
        // A single-request PutObject's checksum is of the whole object: base64 of the SHA-256.
        ...(checksum === undefined ? {} : { sha256: Buffer.from(checksum, 'base64').toString('hex') }),
        ...(output.ObjectSize === undefined ? {} : { bytes: output.ObjectSize }),
      };
    } catch (error) {
      if (isMissingObject(error)) return undefined;
      throw error;
    }
  }
}

/** True for S3's answers that mean "no such key or version". */
function isMissingObject(error: unknown): boolean {
  const name = awsErrorName(error);
  return name === 'NoSuchKey' || name === 'NotFound' || name === 'NoSuchVersion';
}
