/** Permission meta-test scenarios of `revoke-role-sessions`, together covering every optional path. */
import type { Resource } from '../../../functions/lib/findings/model.js';
import { roleResource, seedRole } from '../support/iam-state.js';
import { nextId, type Scenario } from './scenario.js';
import { ROLE_TYPE, guardDutyEvent } from '../../../bench/lib/scenario.js';
import { resilienceRole, type ActionSubject } from '../../resilience/subject.js';

export const action = 'revoke-role-sessions';

export const scenarios: Scenario[] = [
  {
    label: 'ordinary role',
    params: {},
    async seed(ctx) {
      const name = `meta-role-${nextId()}`;
      await seedRole(ctx.clients.iam, name);
      return roleResource(name);
    },
  },
];

/** The resilience suite's subject: a role, and a GuardDuty finding about its credentials used outside AWS. */
export const subject: ActionSubject = {
  action,
  async create(world) {
    const roleName = await resilienceRole(world.iam);
    return {
      event: guardDutyEvent(
        {
          kind: 'access-key',
          userName: roleName,
          accessKeyId: 'ASIARESILIENCE000001',
          userType: 'AssumedRole',
        },
        { type: ROLE_TYPE },
      ),
      resourceId: roleName,
    };
  },
};

/** A resource of the action's type, built offline (the runner's refusal tests make no AWS call). */
export const sample: Resource = {
  type: 'iam-role',
  id: 'app-role',
  roleName: 'app-role',
  accountId: '111122223333',
  region: 'us-east-1',
  tags: {},
};
