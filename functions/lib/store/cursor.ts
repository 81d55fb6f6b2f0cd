/**
 * The list cursor: DynamoDB's LastEvaluatedKey as base64url JSON, opaque to callers and checked on the way back.
 */
import * as z from 'zod';
import { ValidationError } from '../errors.js';
import { TABLE_KEYS } from './model.js';

export function encodeCursor(key: Record<string, unknown> | undefined): string | undefined {
  return key === undefined ? undefined : Buffer.from(JSON.stringify(key), 'utf8').toString('base64url');
}

/**
 * Decode a cursor and check it is a key of the index and partition being queried: the isolation's table key, the
 * index's partition key with the queried value, and a creation time. Anything else, however well-formed, is a
 * forged cursor: refused (400) before it reaches DynamoDB, which would answer a 500-worthy ValidationException.
 */
export function decodeCursor(
  cursor: string | undefined,
  partition: { attribute: string; value: string },
): Record<string, unknown> | undefined {
  if (cursor === undefined) return undefined;
  const invalid = (cause: unknown): ValidationError =>
    new ValidationError(
      'Invalid cursor: pass back the cursor of a previous page unchanged.',
      ['cursor: is not a cursor of this list'],
      { cause },
    );
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch (error) {
    throw invalid(error);
  }
  const schema = z.strictObject({
    [TABLE_KEYS.partitionKey]: z.string().regex(/^ISO#iso-[\w-]{1,80}$/),
    [TABLE_KEYS.sortKey]: z.literal('ISO'),
    [partition.attribute]: z.literal(partition.value),
    createdAt: z.iso.datetime(),
  });
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw invalid(parsed.error);
  return parsed.data;
}
