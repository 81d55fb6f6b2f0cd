/** Permission meta-test scenarios of `revoke-role-sessions`, together covering every optional path. */
import { roleResource, seedRole } from '../support/iam-state.js';
import { nextId, type Scenario } from './scenario.js';

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
