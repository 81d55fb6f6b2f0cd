// PLACEHOLDER owned by the containment-actions work: replace apply/release/permissions/steps.
import { z } from 'zod';
import { CordonError } from '../errors.js';
import { defineAction } from './contract.js';

export const revokeRoleSessions = defineAction({
  name: 'revoke-role-sessions',
  description: 'Deny every session of a role issued before now (AWS\'s "revoke active sessions").',
  resourceTypes: ['iam-role'],
  params: z
    .object({
    
    })
    .strict(),
  permissions: [],
  steps: { apply: [], release: [] },
  limitations: [],
  async apply() {
    throw new CordonError('not implemented yet');
  },
  async release() {
    throw new CordonError('not implemented yet');
  },
});
