/**
 * The triggering event as cordon received it, kept on the record for the evidence step (`event.json`): its text,
 * SHA-256 and size, computed on receipt before any decision about the event, so the artifact stored later can be
 * proved to be the same bytes.
 *
 * The Lambda runtime hands the handler a parsed object, not the bytes EventBridge sent: the text kept is that
 * object serialised once on receipt (`JSON.stringify`, key order as delivered), and the hash is over that text.
 */
import { CordonError } from '../errors.js';
import { sha256Hex } from './hash.js';

/**
 * The largest event text kept on the record: GuardDuty and Security Hub events are a few KiB, EventBridge allows
 * 256 KiB and a DynamoDB item 400 KiB. A larger event keeps only its hash and size, and its artifact is listed
 * as failed with that reason.
 */
export const RECEIVED_EVENT_MAX_BYTES = 64 * 1024;

/** What the record keeps of the event: `body` is absent when the event was over the cap. */
export interface ReceivedEvent {
  sha256: string;
  bytes: number;
  body?: string;
}

/** Serialise and hash an event on receipt. */
export function receivedEvent(event: unknown): ReceivedEvent {
  const body = JSON.stringify(event) ?? 'null';
  const bytes = new TextEncoder().encode(body);
  return {
    sha256: sha256Hex(bytes),
    bytes: bytes.byteLength,
    ...(bytes.byteLength <= RECEIVED_EVENT_MAX_BYTES ? { body } : {}),
  };
}

/** The artifact's name under the isolation's prefix. */
export const RECEIVED_EVENT_NAME = 'event.json';

/** The event was not kept (over the cap) or its text no longer matches the hash taken on receipt. */
export class ReceivedEventError extends CordonError {
  constructor(code: 'EVENT_NOT_KEPT' | 'EVENT_HASH_MISMATCH', message: string) {
    super(message, { code });
  }
}

/**
 * The bytes to store as `event.json`: the text kept on receipt, checked against the hash taken then.
 * @throws ReceivedEventError when the text was not kept or does not match (the manifest lists the step failed)
 */
export function receivedEventBytes(received: ReceivedEvent): Uint8Array {
  if (received.body === undefined) {
    throw new ReceivedEventError(
      'EVENT_NOT_KEPT',
      `the event was ${received.bytes} bytes, over the ${RECEIVED_EVENT_MAX_BYTES}-byte cap of the record: only its SHA-256 on receipt was kept (${received.sha256})`,
    );
  }
  const bytes = new TextEncoder().encode(received.body);
  if (sha256Hex(bytes) !== received.sha256) {
    throw new ReceivedEventError(
      'EVENT_HASH_MISMATCH',
      `the kept event no longer matches the SHA-256 taken on receipt (${received.sha256})`,
    );
  }
  return bytes;
}
