/** Permission meta-test scenarios of `isolate-iam-user`, together covering every optional path. */
import type { Resource } from '../../../functions/lib/findings/model.js';
import {
  latestCredentialTime,
  seedAttackerCredentials,
  seedUser,
  userResource,
} from '../support/iam-state.js';
import { nextId, type Scenario } from './scenario.js';
import { IAM_USER_TYPE, guardDutyEvent } from '../../../bench/lib/scenario.js';
import { resilienceUser, type ActionSubject } from '../../resilience/subject.js';

export const action = 'isolate-iam-user';

export const scenarios: Scenario[] = [
  {
    label: 'user with keys and a password, password removed',
    params: { removeConsoleAccess: true },
    async seed(ctx) {
      const name = `meta-user-${nextId()}`;
      await seedUser(ctx.clients.iam, name);
      return userResource(name);
    },
  },
  {
    label: 'SSH key and signing certificate created during the incident, restored by name',
    params: {},
    async seed(ctx) {
      const name = `meta-user-${nextId()}`;
      const user = await seedUser(ctx.clients.iam, name);
      // Two keys is IAM's limit: make room for the attacker's.
      await ctx.clients.iam.deleteAccessKey({ UserName: name, AccessKeyId: user.inactiveKeyId });
      ctx.incidentWindowStart = new Date(
        (await latestCredentialTime(ctx.clients.iam, name)) + 1,
      ).toISOString();
      const attacker = await seedAttackerCredentials(ctx.clients.iam, name, { withCertificate: true });
      ctx.restoreKeys = [attacker.sshPublicKeyId, attacker.certificateId ?? ''];
      return userResource(name);
    },
  },
  {
    label: 'inline policy quota full: AWSDenyAll attached and detached',
    params: {},
    async seed(ctx) {
      const name = `meta-user-${nextId()}`;
      await seedUser(ctx.clients.iam, name);
      return userResource(name);
    },
    faults(faults) {
      faults.injectError('PutUserPolicy', () =>
        Object.assign(new Error('Maximum policy size of 2048 bytes exceeded for user'), {
          name: 'LimitExceededException',
          $fault: 'client',
          $metadata: { httpStatusCode: 409 },
        }),
      );
    },
  },
];

/** The resilience suite's subject: a user with a key, and a GuardDuty Tor-caller finding about the key. */
export const subject: ActionSubject = {
  action,
  async create(world) {
    const user = await resilienceUser(world.iam);
    return {
      event: guardDutyEvent({ kind: 'access-key', ...user, userType: 'IAMUser' }, { type: IAM_USER_TYPE }),
      resourceId: user.userName,
    };
  },
};

/** A resource of the action's type, built offline (the runner's refusal tests make no AWS call). */
export const sample: Resource = {
  type: 'iam-user',
  id: 'alice',
  userName: 'alice',
  accountId: '111122223333',
  region: 'us-east-1',
  tags: {},
};
