/**
 * The machine clients' scopes and configuration (`CORDON_MACHINE_CLIENTS`): what config.ts parses at start and
 * the OpenAPI document lists. How a token's scopes become roles is machine.ts, loaded only for a machine token.
 */
import * as z from 'zod';
import type { Role } from './auth.js';

/** The scopes of the `cordon` resource server and the role each grants. */
export const MACHINE_SCOPE_NAMES = ['cordon/read', 'cordon/request'] as const;
export type MachineScope = (typeof MACHINE_SCOPE_NAMES)[number];
export const MACHINE_SCOPES: Readonly<Record<MachineScope, Role>> = {
  'cordon/read': 'viewer',
  'cordon/request': 'requester',
};
const SCOPE_NAMES = MACHINE_SCOPE_NAMES;

/** A machine client the deployment allows: its OAuth client id, a display name for records, its scopes. */
export interface MachineClient {
  clientId: string;
  name: string;
  scopes: readonly MachineScope[];
}

/**
 * `CORDON_MACHINE_CLIENTS`: a JSON array of {@link MachineClient}. An unknown scope (e.g. `cordon/approve`)
 * is a configuration error, not a silently ignored entry.
 */
export const MachineClientsSchema = z
  .array(
    z.strictObject({
      clientId: z.string().regex(/^[\w-]{1,128}$/),
      name: z.string().regex(/^[\w .@:-]{1,64}$/),
      // No approve scope exists: z.enum refuses cordon/approve with the list of allowed scopes.
      scopes: z.array(z.enum(SCOPE_NAMES)).min(1),
    }),
  )
  .refine((list) => new Set(list.map((c) => c.clientId)).size === list.length, 'duplicate clientId');
