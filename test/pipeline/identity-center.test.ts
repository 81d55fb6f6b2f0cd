/**
 * The worker runs isolate-identity-center-user in the account that administers IAM Identity Center (policy
 * settings identityCenter), not in the account the finding came from. moto keeps one backend per account, so the
 * Identity Center seeded in IC_ACCOUNT is only reachable through a member role assumed there.
 */
import { describe, expect, it } from 'vitest';
import { STS } from '@aws-sdk/client-sts';
import { SSOAdmin } from '@aws-sdk/client-sso-admin';
import { Identitystore } from '@aws-sdk/client-identitystore';
import { useMoto, type MotoHandle } from '../support/moto.js';
import { loadPolicyFromStrings } from '../../functions/lib/policy/index.js';
import { triageEvent } from '../../functions/lib/pipeline/triage.js';
import { getIsolation, releaseIsolation } from '../../functions/lib/pipeline/service.js';
import { guardDutyEvent } from '../findings/support.js';
import { MEMBER_ROLE, REGION, createWorld } from './support.js';
import { inlinePolicies, seedIdentityCenter, userDenies } from '../actions/support/identity-center-state.js';

const moto = useMoto({ resetEach: false });
const IC_ACCOUNT = '999900001111';
const FINDING_ACCOUNT = '222233334444';
const operator = { type: 'user' as const, id: 'sub-op', name: 'operator' };

function policy() {
  const settings = `settings:\n  identityCenter: { accountId: '${IC_ACCOUNT}', region: ${REGION} }\n`;
  return loadPolicyFromStrings([
    {
      file: 'ic.yaml',
      text: `version: 1\n${settings}rules:\n  - name: ic-users\n    match: { resourceType: identity-center-user }\n    action: isolate-identity-center-user\n    mode: auto\n`,
    },
  ]);
}

/** Identity Center clients in IC_ACCOUNT, through the member role there (as the worker gets them). */
async function identityCenterClients(
  handle: MotoHandle,
): Promise<{ ssoAdmin: SSOAdmin; identityStore: Identitystore }> {
  const config = handle.clientConfig(REGION);
  const assumed = await new STS(config).assumeRole({
    RoleArn: `arn:aws:iam::${IC_ACCOUNT}:role/${MEMBER_ROLE}`,
    RoleSessionName: 'seed',
  });
  const c = assumed.Credentials;
  const credentials = {
    accessKeyId: c?.AccessKeyId ?? '',
    secretAccessKey: c?.SecretAccessKey ?? '',
    sessionToken: c?.SessionToken ?? '',
  };
  return {
    ssoAdmin: new SSOAdmin({ ...config, credentials }),
    identityStore: new Identitystore({ ...config, credentials }),
  };
}

function ssoEvent(userName: string) {
  return guardDutyEvent({
    type: 'UnauthorizedAccess:IAMUser/TorIPCaller',
    severity: 8,
    accountId: FINDING_ACCOUNT,
    region: REGION,
    resource: {
      resourceType: 'AccessKey',
      accessKeyDetails: {
        accessKeyId: 'ASIAEXAMPLEEXAMPLE01',
        principalId: `AROAEXAMPLEEXAMPLE01:${userName}`,
        userName: 'AWSReservedSSO_AdministratorAccess_0123456789abcdef',
        userType: 'AssumedRole',
      },
    },
  });
}

describe('Pipeline: Identity Center users are contained from the Identity Center account', () => {
  it('isolates in the Identity Center account, records the finding account, and releases to the exact policies', async () => {
    // Prepare
    const world = await createWorld(moto, { policy: policy() });
    const ic = await identityCenterClients(moto);
    const seeded = await seedIdentityCenter(ic.ssoAdmin, ic.identityStore, { userName: 'pat@example.com' });
    const before = await inlinePolicies(ic.ssoAdmin, seeded);

    // Act
    const triaged = await triageEvent(world.deps, ssoEvent('pat@example.com'));
    await world.worker.drain();
    const id = triaged.findings[0]?.actions[0]?.isolationId ?? '';
    const isolated = await getIsolation(world.deps, id);
    const during = await inlinePolicies(ic.ssoAdmin, seeded);
    await releaseIsolation(world.deps, id, operator, 'false positive');
    await world.worker.drain();
    const released = await getIsolation(world.deps, id);

    // Assess
    expect(isolated.status).toBe('ISOLATED');
    expect(isolated.accountId).toBe(FINDING_ACCOUNT);
    expect(isolated.resource.type).toBe('identity-center-user');
    expect(userDenies(during['AdministratorAccess'] ?? '', seeded.userId)).toHaveLength(1);
    expect(userDenies(during['ReadOnly'] ?? '', seeded.userId)).toHaveLength(1);
    expect(released.status).toBe('RELEASED');
    expect(await inlinePolicies(ic.ssoAdmin, seeded)).toEqual(before);
  });

  it('ends FAILED, naming the missing setting, when the deployed policy has no identityCenter settings', async () => {
    // Prepare: validation refuses such a policy; the worker still checks (a record approved under an older policy).
    const full = policy();
    const { identityCenter: _dropped, ...settings } = full.settings;
    const world = await createWorld(moto, { policy: { ...full, settings } });

    // Act
    const triaged = await triageEvent(world.deps, ssoEvent('sam@example.com'));
    await world.worker.drain();
    const record = await getIsolation(world.deps, triaged.findings[0]?.actions[0]?.isolationId ?? '');

    // Assess
    expect(record.status).toBe('FAILED');
    expect(record.failure).toMatchObject({ code: 'CONFIGURATION', message: /settings\.identityCenter/ });
    // Nothing was attempted anywhere: no member role assumed, no Identity Center call.
    expect(world.recorder.commands.filter((c) => /^(STS|SSOAdmin|Identitystore)$/.test(c.service))).toEqual(
      [],
    );
  });
});
