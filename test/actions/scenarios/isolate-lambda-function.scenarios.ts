/** Permission meta-test scenarios of `isolate-lambda-function`, together covering every optional path. */
import type { Resource } from '../../../functions/lib/findings/model.js';
import { functionResource, lambdaFindingEvent, seedFunction } from '../support/lambda-state.js';
import { unique } from '../../pipeline/support.js';
import type { ActionSubject } from '../../resilience/subject.js';
import { nextId, type Scenario } from './scenario.js';

export const action = 'isolate-lambda-function';

export const scenarios: Scenario[] = [
  {
    label: 'public URL, public and cross-account statements, role revocation (release puts all back)',
    params: { revokeExecutionRoleSessions: true },
    async seed(ctx) {
      const name = `meta-fn-${nextId()}`;
      await seedFunction(ctx.clients, name, { url: 'NONE', statements: true, tags: { team: 'media' } });
      return functionResource(name);
    },
  },
  {
    label: 'reserved concurrency set (release puts the value back)',
    params: {},
    async seed(ctx) {
      const name = `meta-fn-${nextId()}`;
      await seedFunction(ctx.clients, name, { reserved: 7 });
      return functionResource(name);
    },
  },
];

/** The resilience suite's subject: a function with a public URL and statements, and a GuardDuty Lambda finding. */
export const subject: ActionSubject = {
  action,
  rule: { type: 'Backdoor:Lambda/C&CActivity.B', resourceType: 'lambda-function' },
  async create(world) {
    const name = unique('rs-fn');
    await seedFunction({ lambda: world.lambda, iam: world.iamRoles }, name, {
      url: 'NONE',
      statements: true,
    });
    return { event: lambdaFindingEvent(name), resourceId: name };
  },
};

/** A resource of the action's type, built offline (the runner's refusal tests make no AWS call). */
export const sample: Resource = {
  type: 'lambda-function',
  id: 'image-thumbnailer',
  accountId: '111122223333',
  region: 'us-east-1',
  tags: {},
};
