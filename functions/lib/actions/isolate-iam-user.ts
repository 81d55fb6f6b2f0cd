// PLACEHOLDER owned by the containment-actions work: replace apply/release/permissions/steps.
import { z } from 'zod';
import { CordonError } from '../errors.js';
import { defineAction } from './contract.js';

export const isolateIamUser = defineAction({
  name: 'isolate-iam-user',
  description: 'Deny everything to an IAM user and deactivate its access keys.',
  resourceTypes: ['iam-user'],
  params: z
    .object({
    removeConsoleAccess: z.boolean().default(false),
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
