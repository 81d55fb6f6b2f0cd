// PLACEHOLDER owned by the containment-actions work: replace apply/release/permissions/steps.
import { z } from 'zod';
import { CordonError } from '../errors.js';
import { defineAction } from './contract.js';

export const isolateEc2Instance = defineAction({
  name: 'isolate-ec2-instance',
  description: 'Isolate an EC2 instance\'s network, keep its evidence, and make it reversible.',
  resourceTypes: ['ec2-instance'],
  params: z
    .object({
    cutTrackedFlows: z.boolean().default(true),
    autoScaling: z.enum(['standby', 'detach', 'none']).default('standby'),
    deregisterTargets: z.boolean().default(true),
    removeInstanceProfile: z.boolean().default(false),
    revokeRoleSessions: z.boolean().default(false),
    snapshotVolumes: z.boolean().default(true),
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
