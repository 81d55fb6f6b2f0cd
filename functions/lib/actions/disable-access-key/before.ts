/** What `disable-access-key` records before changing anything; release reads it. */
import * as z from 'zod';

const accessKeySchema = z.object({
  accessKeyId: z.string(),
  userName: z.string(),
  /** The key's status before isolation: release reactivates it only if it was `Active`. */
  status: z.string(),
  /** Set for an `ASIA…` key: a temporary credential, contained by the session deny alone. */
  temporary: z.boolean().optional(),
  /** Set when apply put the deny-older-sessions policy: its cut-off time. */
  denyOlderSessionsIssuedBefore: z.string().optional(),
});
export type AccessKeyBefore = z.output<typeof accessKeySchema>;

/** The whole before-state: `accessKey` is absent until the first step recorded it. */
export const accessKeyBeforeSchema = z.object({ accessKey: accessKeySchema.optional() });

/** The recorded key, parsed (never cast) from the before-state; undefined when none is recorded. */
export function recordedKey(before: Readonly<Record<string, unknown>>): AccessKeyBefore | undefined {
  const parsed = accessKeySchema.safeParse(before['accessKey']);
  return parsed.success ? parsed.data : undefined;
}
