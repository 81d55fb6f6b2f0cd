// PLACEHOLDER owned by the containment-actions work: replace apply/release/permissions/steps.
import { z } from 'zod';
import { CordonError } from '../errors.js';
import { defineAction } from './contract.js';

export const disableAccessKey = defineAction({
  name: 'disable-access-key',
  description: 'Deactivate one access key, optionally denying sessions issued before now.',
  resourceTypes: ['iam-access-key'],
  params: z
    .object({
    denyOlderSessions: z.boolean().default(false),
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
