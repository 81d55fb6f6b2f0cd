/** Permission meta-test scenarios of `disable-access-key`, together covering every optional path. */
import type { Resource } from '../../../functions/lib/findings/model.js';
import { accessKeyResource, seedUser } from '../support/iam-state.js';
import { nextId, type Scenario } from './scenario.js';
import { ACCESS_KEY_TYPE, guardDutyEvent } from '../../../bench/lib/scenario.js';
import { resilienceUser, type ActionSubject } from '../../resilience/subject.js';

export const action = 'disable-access-key';

export const scenarios: Scenario[] = [
  {
    label: 'active key, older sessions denied',
    params: { denyOlderSessions: true },
    async seed(ctx) {
      const name = `meta-key-${nextId()}`;
      const user = await seedUser(ctx.clients.iam, name);
      return accessKeyResource(name, user.activeKeyId);
    },
  },
];

/** The resilience suite's subject: a user's key, and a GuardDuty malicious-IP finding about it. */
export const subject: ActionSubject = {
  action,
  async create(world) {
    const user = await resilienceUser(world.iam);
    return {
      event: guardDutyEvent({ kind: 'access-key', ...user, userType: 'IAMUser' }, { type: ACCESS_KEY_TYPE }),
      resourceId: user.accessKeyId,
    };
  },
};

/** A resource of the action's type, built offline (the runner's refusal tests make no AWS call). */
export const sample: Resource = {
  type: 'iam-access-key',
  id: 'AKIAEXAMPLE000000001',
  accessKeyId: 'AKIAEXAMPLE000000001',
  userName: 'alice',
  accountId: '111122223333',
  region: 'us-east-1',
  tags: {},
};
