/** The one hash of chain of custody (kept apart from storage.ts so the CLI's verify loads no SDK loader). */
import { createHash } from 'node:crypto';

/** Lower-case hex SHA-256 of some bytes. */
export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}
