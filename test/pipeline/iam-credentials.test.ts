import { readFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { IAM } from '@aws-sdk/client-iam';
import { useMoto } from '../support/moto.js';
import { triageEvent } from '../../functions/lib/pipeline/triage.js';
import { approveIsolation, getIsolation, releaseIsolation } from '../../functions/lib/pipeline/service.js';
import type { Principal } from '../../functions/lib/store/model.js';
import {
  latestCredentialTime,
  seedAttackerCredentials,
  seedUser,
  userPolicy,
  userState,
} from '../actions/support/iam-state.js';
import { ACCOUNT, REGION, createWorld, policyWith, unique } from './support.js';

const moto = useMoto({ resetEach: false });
const approver: Principal = { type: 'user', id: 'approver-subject', name: 'approver' };

/**
 * The shared real GuardDuty TorIPCaller event (resourceType AccessKey), made non-sample and pointed at a user
 * of this emulator, with the access key and principal type the test needs.
 */
function torCallerEvent(options: {
  userName: string;
  accessKeyId: string;
  userType: 'IAMUser' | 'AssumedRole';
  principalId?: string;
  type?: string;
  firstSeenAt?: string;
}): Record<string, unknown> {
  const event = JSON.parse(
    readFileSync(
      new URL('../events/guardduty-iam-accesskey-toripcaller.custodian.json', import.meta.url),
      'utf8',
    ),
  ) as { detail: Record<string, unknown> } & Record<string, unknown>;
  delete event['debug'];
  const findingId = randomBytes(16).toString('hex');
  const now = new Date().toISOString();
  const detail = event.detail;
  event['account'] = ACCOUNT;
  event['time'] = now;
  detail['accountId'] = ACCOUNT;
  detail['id'] = findingId;
  detail['arn'] =
    `arn:aws:guardduty:${REGION}:${ACCOUNT}:detector/0123456789abcdef0123456789abcdef/finding/${findingId}`;
  detail['createdAt'] = now;
  detail['updatedAt'] = now;
  detail['resource'] = {
    resourceType: 'AccessKey',
    accessKeyDetails: {
      userName: options.userName,
      userType: options.userType,
      principalId: options.principalId ?? 'AIDAEXAMPLEPRINCIPAL',
      accessKeyId: options.accessKeyId,
    },
  };
  if (options.type !== undefined) detail['type'] = options.type;
  const service = detail['service'] as Record<string, unknown>;
  service['additionalInfo'] = {};
  if (options.firstSeenAt !== undefined) service['eventFirstSeen'] = options.firstSeenAt;
  return event;
}

describe('Pipeline: temporary credentials of IAM users and roles', () => {
  it("ends ISOLATED with the session deny on the user for an IAM user's ASIA key, and release removes it", async () => {
    // Prepare
    const world = await createWorld(moto);
    const iam = new IAM(moto.clientConfig(REGION));
    const userName = unique('console-user');
    await seedUser(iam, userName);
    const original = await userState(iam, userName);
    const event = torCallerEvent({ userName, accessKeyId: 'ASIAEXAMPLETEMP00001', userType: 'IAMUser' });

    // Act
    const triage = await triageEvent(world.deps, event);
    const id = triage.findings[0]?.actions[0]?.isolationId ?? '';
    await approveIsolation(world.deps, id, approver, 'confirmed with the user');
    await world.worker.drain();
    const isolated = await getIsolation(world.deps, id);
    const policyName = `cordon-revoke-older-sessions-${id}`;
    const document = await userPolicy(iam, userName, policyName);
    const duringIsolation = await userState(iam, userName);
    await releaseIsolation(world.deps, id, approver, 'user signed in again');
    await world.worker.drain();
    const released = await getIsolation(world.deps, id);

    // Assess
    expect(triage.findings[0]).toMatchObject({ rule: 'iam-access-key-malicious-ip', mode: 'approval' });
    expect(isolated.status).toBe('ISOLATED');
    expect(isolated.action).toBe('disable-access-key');
    expect(isolated.before['accessKey']).toMatchObject({
      accessKeyId: 'ASIAEXAMPLETEMP00001',
      temporary: true,
      denyOlderSessionsIssuedBefore: expect.any(String),
    });
    const cutOff = String(
      (isolated.before['accessKey'] as Record<string, unknown>)['denyOlderSessionsIssuedBefore'],
    );
    expect(isolated.steps.find((s) => s.name === 'deny-older-sessions')).toMatchObject({
      status: 'done',
      detail: expect.stringContaining(`denied sessions issued before ${cutOff}`),
    });
    expect(document).toMatchObject({
      Statement: [
        {
          Effect: 'Deny',
          Action: '*',
          Resource: '*',
          Condition: { DateLessThan: { 'aws:TokenIssueTime': cutOff } },
        },
      ],
    });
    // The user's long-term keys are not touched: only sessions are denied.
    expect(duringIsolation.keys).toEqual(original.keys);
    expect(released.status).toBe('RELEASED');
    expect(await userState(iam, userName)).toEqual(original);
  });

  it("routes an assumed role's ASIA key to revoke-role-sessions", async () => {
    // Prepare
    const world = await createWorld(moto);
    const event = torCallerEvent({
      userName: unique('app-role'),
      accessKeyId: 'ASIAEXAMPLETEMP00002',
      userType: 'AssumedRole',
      principalId: 'AROAEXAMPLEROLEID:session-1',
    });

    // Act
    const triage = await triageEvent(world.deps, event);

    // Assess
    expect(triage.findings[0]).toMatchObject({ rule: 'iam-role-session-malicious-ip', mode: 'approval' });
    const planned = triage.findings[0]?.actions[0];
    expect(planned).toMatchObject({ action: 'revoke-role-sessions' });
  });

  it('releases an isolated user without the attacker key unless named, and audits the named key', async () => {
    // Prepare: the finding's first activity comes after the user's own credentials, before the attacker's
    const world = await createWorld(moto, { policy: policyWith({ incidentWindowMarginMinutes: 0 }) });
    const iam = new IAM(moto.clientConfig(REGION));
    const userName = unique('victim');
    const user = await seedUser(iam, userName);
    await iam.deleteAccessKey({ UserName: userName, AccessKeyId: user.inactiveKeyId });
    const firstSeenAt = new Date((await latestCredentialTime(iam, userName)) + 1).toISOString();
    const attacker = await seedAttackerCredentials(iam, userName);
    const event = torCallerEvent({
      userName,
      accessKeyId: user.activeKeyId,
      userType: 'IAMUser',
      type: 'UnauthorizedAccess:IAMUser/ConsoleLoginSuccess.B',
      firstSeenAt,
    });
    const triage = await triageEvent(world.deps, event);
    const id = triage.findings[0]?.actions[0]?.isolationId ?? '';
    await approveIsolation(world.deps, id, approver, 'confirmed compromise');
    await world.worker.drain();
    const isolated = await getIsolation(world.deps, id);

    // Act
    await releaseIsolation(world.deps, id, approver, 'the new key is the user own CI key', {
      restoreKeys: [attacker.accessKeyId],
    });
    await world.worker.drain();
    const released = await getIsolation(world.deps, id);

    // Assess
    expect(isolated.status).toBe('ISOLATED');
    expect(isolated.finding?.firstSeenAt).toBe(firstSeenAt);
    expect(isolated.before['iamUser']).toMatchObject({
      createdDuringIncident: [
        { kind: 'access-key', id: attacker.accessKeyId },
        { kind: 'ssh-public-key', id: attacker.sshPublicKeyId },
      ],
    });
    expect(released.status).toBe('RELEASED');
    expect(released.releaseRestoreKeys).toEqual([attacker.accessKeyId]);
    expect(released.audit.find((a) => a.to === 'RELEASING' && a.by.name === 'approver')?.note).toBe(
      `the new key is the user own CI key [restore credentials created during the incident: ${attacker.accessKeyId}]`,
    );
    expect((await userState(iam, userName)).keys).toEqual({
      [user.activeKeyId]: 'Active',
      [attacker.accessKeyId]: 'Active',
    });
  });
});
