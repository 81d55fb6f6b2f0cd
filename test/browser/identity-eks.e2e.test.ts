/**
 * Browser end-to-end for IAM Identity Center users and EKS nodes, in Chromium against the sandbox (one sandbox for
 * the file, no replay). moto emulates sso-admin and identitystore and EC2, so both containments are checked in moto.
 *
 * - EKS node: alice requests isolate-ec2-instance on a node instance (tagged as a node group's) through the form,
 *   bob approves; the node's interfaces are on the isolation group, termination protection is on; release puts
 *   the node back exactly.
 * - Identity Center user: raised once by a GuardDuty finding on an `AWSReservedSSO_*` session through the sandbox's
 *   pipeline, under a policy that opts in to isolate-identity-center-user after approval, as
 *   docs/actions/isolate-identity-center-user.md describes, and once by alice through the form with the session
 *   ARN; bob approves in the console; the user's Deny is in every permission set that reaches them; release
 *   restores the policies exactly.
 */
import { DescribeInstanceAttributeCommand } from '@aws-sdk/client-ec2';
import { describe, expect, it } from 'vitest';
import type { MemberClients } from '../../functions/lib/aws/member-services.js';
import { loadPolicyFromStrings } from '../../functions/lib/policy/index.js';
import { SANDBOX_MEMBER_ACCOUNT, SANDBOX_REGION } from '../../scripts/sandbox/environment.js';
import { useBrowserSandbox, waitForStatus } from './support.js';
import { guardDutyEvent } from '../findings/support.js';
import { inlinePolicies, seedIdentityCenter, userDenies } from '../actions/support/identity-center-state.js';
import { interfaceGroups, launchInstance } from '../pipeline/support.js';

/** The opt-in of policies/default-2-credentials-and-data.yaml, with Identity Center administered in the sandbox's member account. */
const POLICY = `version: 1
settings:
  identityCenter: { accountId: '${SANDBOX_MEMBER_ACCOUNT}', region: ${SANDBOX_REGION} }
rules:
  - name: identity-center-user-malicious-ip
    match:
      source: guardduty
      type: 'UnauthorizedAccess:IAMUser/TorIPCaller'
      resourceType: identity-center-user
    action: isolate-identity-center-user
    mode: approval
`;

describe('Console: an Identity Center user and an EKS node, approved and released in Chromium', () => {
  const browser = useBrowserSandbox({
    sandbox: { replay: false, policy: loadPolicyFromStrings([{ file: 'identity-eks.yaml', text: POLICY }]) },
  });
  const current = () => ({ sandbox: browser.sandbox });
  const as = (username: string) => browser.as(username);

  async function approve(id: string): Promise<void> {
    const { sandbox: s } = current();
    const bob = await as('bob');
    await bob.goto(`${s.url}/#/isolations/${encodeURIComponent(id)}`);
    await bob.waitForSelector('#approve');
    await bob.click('#approve');
    await waitForStatus(bob, 'ISOLATED');
  }

  async function release(id: string): Promise<void> {
    const { sandbox: s } = current();
    const bob = await as('bob');
    await bob.goto(`${s.url}/#/isolations/${encodeURIComponent(id)}`);
    await bob.waitForSelector('#release');
    await bob.fill('#decision-reason', 'Investigation closed: node replaced, sessions reviewed');
    await bob.click('#release');
    await waitForStatus(bob, 'RELEASED');
  }

  const member = () => browser.member('e2e-identity-eks');

  async function nodeState(clients: MemberClients, instanceId: string) {
    const protection = await clients.ec2.send(
      new DescribeInstanceAttributeCommand({ InstanceId: instanceId, Attribute: 'disableApiTermination' }),
    );
    return {
      groups: await interfaceGroups(clients.ec2, instanceId),
      terminationProtection: protection.DisableApiTermination?.Value ?? false,
    };
  }

  it('isolates an EKS node requested by alice and approved by bob, and restores it exactly', async () => {
    // Prepare
    const { sandbox: s } = current();
    const clients = await member();
    const node = await launchInstance(clients.ec2, {
      tags: { 'eks:cluster-name': 'payments-prod', 'eks:nodegroup-name': 'general' },
    });
    const before = await nodeState(clients, node.instanceId);

    // Act
    const alice = await as('alice');
    await alice.goto(`${s.url}/#/request`);
    await alice.selectOption('#resourceType', 'ec2-instance');
    await alice.fill('#accountId', SANDBOX_MEMBER_ACCOUNT);
    await alice.fill('#region', s.env.config.region);
    await alice.fill('#resourceId', node.instanceId);
    await alice.fill('#reason', `Reverse shell in pod checkout on node ${node.instanceId} (ticket SEC-91)`);
    await alice.selectOption('#action', 'isolate-ec2-instance');
    await alice.click('#submit-request');
    await alice.waitForSelector('#detail-status');
    const id = decodeURIComponent(new URL(alice.url()).hash.replace('#/isolations/', ''));
    const pending = await alice.textContent('#detail-status');
    await approve(id);
    const contained = await nodeState(clients, node.instanceId);
    await release(id);
    const after = await nodeState(clients, node.instanceId);

    // Assess
    expect(pending).toBe('PENDING APPROVAL');
    expect(before.groups).toEqual([node.groupId]);
    expect(contained.groups).toHaveLength(1);
    expect(contained.groups).not.toContain(node.groupId);
    expect(contained.terminationProtection).toBe(true);
    expect(after).toEqual(before);
  });

  it('isolates an Identity Center user named by a finding, approved by bob, and restores the policies exactly', async () => {
    // Prepare
    const { sandbox: s } = current();
    const clients = await member();
    const seeded = await seedIdentityCenter(clients.ssoAdmin, clients.identityStore, {
      userName: 'pat@example.com',
    });
    const before = await inlinePolicies(clients.ssoAdmin, seeded);
    const event = guardDutyEvent({
      type: 'UnauthorizedAccess:IAMUser/TorIPCaller',
      severity: 8,
      accountId: SANDBOX_MEMBER_ACCOUNT,
      region: s.env.config.region,
      resource: {
        resourceType: 'AccessKey',
        accessKeyDetails: {
          accessKeyId: 'ASIAEXAMPLEEXAMPLE01',
          principalId: 'AROAEXAMPLEEXAMPLE01:pat@example.com',
          userName: 'AWSReservedSSO_AdministratorAccess_0123456789abcdef',
          userType: 'AssumedRole',
        },
      },
    });

    // Act
    const alice = await as('alice');
    await alice.goto(`${s.url}/#/request`);
    await alice.waitForSelector('#resourceType');
    const requestable = await alice.$$eval('#resourceType option', (options) =>
      options.map((o) => (o instanceof HTMLOptionElement ? o.value : '')),
    );
    const dispatched = await s.env.pipeline.dispatch(event);
    await s.env.idle();
    const delivery = dispatched.deliveries[0];
    const outcome = delivery?.target === 'triage' ? delivery.result.findings[0] : undefined;
    const id = outcome?.actions[0]?.isolationId ?? '';
    const untouched = await inlinePolicies(clients.ssoAdmin, seeded);
    await approve(id);
    const during = await inlinePolicies(clients.ssoAdmin, seeded);
    await release(id);
    const after = await inlinePolicies(clients.ssoAdmin, seeded);

    // Assess
    expect(requestable).toContain('ec2-instance');
    expect(requestable).toContain('identity-center-user');
    expect(outcome).toMatchObject({ rule: 'identity-center-user-malicious-ip', mode: 'approval' });
    expect(untouched).toEqual(before);
    expect(userDenies(during['AdministratorAccess'] ?? '', seeded.userId)).toHaveLength(1);
    expect(userDenies(during['ReadOnly'] ?? '', seeded.userId)).toHaveLength(1);
    expect(during['AdministratorAccess']).toContain('"Sid":"NoIamUsers"');
    expect(after).toEqual(before);
  });

  it('isolates an Identity Center user requested by alice with the session ARN, and restores the policies exactly', async () => {
    // Prepare
    const { sandbox: s } = current();
    const clients = await member();
    const seeded = await seedIdentityCenter(clients.ssoAdmin, clients.identityStore, {
      userName: 'sam@example.com',
      suffix: '-sam',
    });
    const before = await inlinePolicies(clients.ssoAdmin, seeded);
    const session = `arn:aws:sts::${SANDBOX_MEMBER_ACCOUNT}:assumed-role/AWSReservedSSO_AdministratorAccess_0123456789abcdef/sam@example.com`;

    // Act
    const alice = await as('alice');
    await alice.goto(`${s.url}/#/request`);
    await alice.selectOption('#resourceType', 'identity-center-user');
    await alice.fill('#accountId', SANDBOX_MEMBER_ACCOUNT);
    await alice.fill('#region', s.env.config.region);
    await alice.fill('#resourceId', session);
    await alice.fill('#reason', 'Console sign-in from a Tor exit node by sam@example.com (ticket SEC-92)');
    await alice.selectOption('#action', 'isolate-identity-center-user');
    await alice.click('#submit-request');
    await alice.waitForSelector('#detail-status');
    const id = decodeURIComponent(new URL(alice.url()).hash.replace('#/isolations/', ''));
    const pending = await alice.textContent('#detail-status');
    const untouched = await inlinePolicies(clients.ssoAdmin, seeded);
    await approve(id);
    const during = await inlinePolicies(clients.ssoAdmin, seeded);
    await release(id);
    const after = await inlinePolicies(clients.ssoAdmin, seeded);

    // Assess
    expect(pending).toBe('PENDING APPROVAL');
    expect(untouched).toEqual(before);
    expect(userDenies(during['AdministratorAccess'] ?? '', seeded.userId)).toHaveLength(1);
    expect(userDenies(during['ReadOnly'] ?? '', seeded.userId)).toHaveLength(1);
    expect(after).toEqual(before);
  });
});
