/** Permission meta-test scenarios of `isolate-identity-center-user`, together covering every optional path. */
import { identityCenterUserResource, seedIdentityCenter } from '../support/identity-center-state.js';
import { type Scenario } from './scenario.js';

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
