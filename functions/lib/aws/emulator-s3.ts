/**
 * moto's S3 (5.2) differs from S3 in two places the evidence check meets; only clients aimed at an emulator
 * (CORDON_AWS_ENDPOINT) get this, so nothing changes against AWS:
 *   - it splits `x-amz-object-attributes` on "," without trimming, so it ignores every name after the first of
 *     the SDK's "Checksum, ObjectSize": the names are sent without spaces;
 *   - it answers GetObjectAttributes with `Last-Modified` in ISO 8601, where S3 sends an RFC 7231 date that the
 *     SDK requires: the header is rewritten before deserialising.
 */
import type { S3 } from '@aws-sdk/client-s3';

/** The `headers` record of an HTTP request or response the middleware sees, when it has one. */
function headersOf(message: unknown): object | undefined {
  if (typeof message !== 'object' || message === null || !('headers' in message)) return undefined;
  const headers: unknown = message.headers;
  return typeof headers === 'object' && headers !== null ? headers : undefined;
}

/** Make an S3 client aimed at moto read object attributes as it would from S3. */
export function tolerateEmulatorS3(client: Pick<S3, 'middlewareStack'>): void {
  client.middlewareStack.add(
    (next) => async (args) => {
      const headers = headersOf(args.request);
      const names: unknown = headers && Reflect.get(headers, 'x-amz-object-attributes');
      if (headers && typeof names === 'string') {
        Object.assign(headers, { 'x-amz-object-attributes': names.replace(/,\s+/g, ',') });
      }
      return next(args);
    },
    { step: 'build', name: 'emulatorObjectAttributes' },
  );
  client.middlewareStack.add(
    (next) => async (args) => {
      const result = await next(args);
      const headers = headersOf(result.response);
      const modified: unknown = headers && Reflect.get(headers, 'last-modified');
      if (headers && typeof modified === 'string' && modified.includes('T')) {
        Object.assign(headers, { 'last-modified': new Date(modified).toUTCString() });
      }
      return result;
    },
    { step: 'deserialize', priority: 'low', name: 'emulatorLastModified' },
  );
}
