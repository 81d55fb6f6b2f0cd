/** Permission meta-test scenarios of `disable-access-key`, together covering every optional path. */
import { accessKeyResource, seedUser } from '../support/iam-state.js';
import { nextId, type Scenario } from './scenario.js';

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
