/** Permission meta-test scenarios of `isolate-identity-center-user`, together covering every optional path. */
import type { Resource } from '../../../functions/lib/findings/model.js';
import { identityCenterUserResource, seedIdentityCenter } from '../support/identity-center-state.js';
import { type Scenario } from './scenario.js';
import { randomBytes } from 'node:crypto';
import { IDENTITY_CENTER_TYPE, guardDutyEvent } from '../../../bench/lib/scenario.js';
import { unique } from '../../pipeline/support.js';
import type { ActionSubject } from '../../resilience/subject.js';

export const action = 'isolate-identity-center-user';

export const scenarios: Scenario[] = [
  {
    label:
      'instance looked up, set reached through a group, session seen on a set no longer assigned (found by name)',
    params: {},
    async seed(ctx) {
      await seedIdentityCenter(ctx.clients.ssoAdmin, ctx.clients.identityStore, { assignDirect: false });
      return identityCenterUserResource();
    },
  },
];

/** The resilience suite's subject: an Identity Center user, and a GuardDuty finding about their session. */
export const subject: ActionSubject = {
  action,
  async create(world) {
    // Identity Center administered in the member account itself (the bench policy's settings.identityCenter).
    const suffix = randomBytes(3).toString('hex');
    const seeded = await seedIdentityCenter(world.ssoAdmin, world.identityStore, {
      userName: `${unique('rs-person')}@example.com`,
      suffix,
    });
    return {
      event: guardDutyEvent(
        {
          kind: 'access-key',
          userName: `AWSReservedSSO_AdministratorAccess${suffix}_0123456789abcdef`,
          accessKeyId: 'ASIARESILIENCE000002',
          userType: 'AssumedRole',
          sessionName: seeded.userName,
        },
        { type: IDENTITY_CENTER_TYPE },
      ),
      resourceId: seeded.userName,
    };
  },
};

/** A resource of the action's type, built offline (the runner's refusal tests make no AWS call). */
export const sample: Resource = {
  type: 'identity-center-user',
  id: 'alice@example.com',
  userName: 'alice@example.com',
  roleName: 'AWSReservedSSO_Admin_0123456789abcdef',
  permissionSetName: 'Admin',
  accountId: '111122223333',
  region: 'us-east-1',
  tags: {},
};
