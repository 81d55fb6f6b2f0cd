/** What `revoke-role-sessions` records; release reads it. */
import * as z from 'zod';

const roleSchema = z.object({
  roleName: z.string(),
  arn: z.string().optional(),
  /** Cut-off written into cordon's policy: sessions issued before it are denied. */
  issuedBefore: z.string().optional(),
});
export type RoleBefore = z.output<typeof roleSchema>;

/** The whole before-state: `iamRole` is absent until the first step recorded it. */
export const roleBeforeSchema = z.object({ iamRole: roleSchema.optional() });

/** The recorded role, parsed (never cast) from the before-state; undefined when none is recorded. */
export function recordedRole(before: Readonly<Record<string, unknown>>): RoleBefore | undefined {
  const parsed = roleSchema.safeParse(before['iamRole']);
  return parsed.success ? parsed.data : undefined;
}
