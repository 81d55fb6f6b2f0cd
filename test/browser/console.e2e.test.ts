/**
 * Browser end-to-end: Debian's Chromium (headless, driven by playwright-core) against the sandbox (real moto,
 * real local OIDC issuer, real API handler behind the local HTTP adapter):
 *   1. the requester signs in and submits the form for a sandbox instance;
 *   2. the approver signs in and approves;
 *   3. the detail view shows ISOLATED, and moto confirms the isolation group on both network interfaces;
 *   4. release shows RELEASED, and the original groups are back;
 *   5. screenshots are saved under test-output/.
 */
import { join } from 'node:path';
import { DescribeInstancesCommand, DescribeSecurityGroupsCommand } from '@aws-sdk/client-ec2';
import { CreateUserCommand } from '@aws-sdk/client-iam';
import { describe, expect, it } from 'vitest';
import type { MemberClients } from '../../functions/lib/actions/contract.js';
import { requestIsolation } from '../../functions/lib/pipeline/service.js';
import { SANDBOX_MEMBER_ACCOUNT } from '../../scripts/sandbox/environment.js';
import { OUTPUT, useBrowserSandbox, waitForStatus } from './support.js';

async function eniGroups(
  clients: MemberClients,
  instanceId: string,
): Promise<{ id: string; groups: string[] }[]> {
  const out = await clients.ec2.send(new DescribeInstancesCommand({ InstanceIds: [instanceId] }));
  return (out.Reservations?.[0]?.Instances?.[0]?.NetworkInterfaces ?? [])
    .sort((a, b) => (a.Attachment?.DeviceIndex ?? 0) - (b.Attachment?.DeviceIndex ?? 0))
    .map((n) => ({
      id: n.NetworkInterfaceId ?? '',
      groups: (n.Groups ?? []).map((g) => g.GroupId ?? '').sort(),
    }));
}

describe('Console: request, approve, isolate and release in Chromium', () => {
  const browser = useBrowserSandbox();
  const { pageErrors } = browser;

  it('isolates the two-interface instance after approval and restores it on release', async () => {
    // Prepare
    const s = browser.sandbox;
    const web = s.org.instances.web.instanceId;
    const clients = await s.env.deps.memberClients(SANDBOX_MEMBER_ACCOUNT, s.env.config.region, 'e2e-check');
    const original = await eniGroups(clients, web);
    expect(original).toHaveLength(2);

    // Act 1: alice (requester) signs in, sees inline validation, then submits the form
    const alice = await browser.signIn('alice', 'alice-sandbox');
    expect(await alice.textContent('#sandbox-banner')).toContain('SANDBOX');
    await alice.click('a[href="#/request"]');
    await alice.selectOption('#resourceType', 'ec2-instance');
    await alice.fill('#accountId', '2109876543');
    await alice.locator('#accountId').blur();
    const inlineError = await alice.textContent('#accountId-error');
    await alice.fill('#accountId', SANDBOX_MEMBER_ACCOUNT);
    await alice.fill('#region', s.env.config.region);
    await alice.fill('#resourceId', web);
    await alice.fill('#reason', 'Outbound SSH brute force seen from web-1 (ticket SEC-42)');
    await alice.fill('#ticket', 'SEC-42');
    // The action's parameters come from /config.json: alice turns the evidence snapshots off.
    await alice.selectOption('#action', 'isolate-ec2-instance');
    await alice.uncheck('#param-snapshotVolumes');
    await alice.screenshot({ path: join(OUTPUT, 'console-request-form.png'), fullPage: true });
    await alice.click('#submit-request');
    await alice.waitForSelector('#detail-status');
    const requested = await alice.textContent('#detail-status');
    const id = decodeURIComponent(new URL(alice.url()).hash.replace('#/isolations/', ''));
    const aliceSeesApprove = await alice.locator('#approve').count();

    // Assess 1
    expect(inlineError).toBe('must be a 12-digit AWS account id');
    expect(requested).toBe('PENDING APPROVAL');
    expect(id).toMatch(/^iso-/);
    expect(aliceSeesApprove).toBe(0);

    // Act 2: bob (approver) signs in, opens the request and approves it
    const bob = await browser.signIn('bob', 'bob-sandbox');
    await bob.waitForSelector(`#list-results tr[data-id="${id}"]`);
    await bob.screenshot({ path: join(OUTPUT, 'console-list.png'), fullPage: true });
    await bob.goto(`${s.url}/#/isolations/${encodeURIComponent(id)}`);
    await bob.waitForSelector('#approve');
    const chosen = await bob.textContent('#detail-params');
    await bob.click('#approve');
    await waitForStatus(bob, 'ISOLATED', { screenshot: 'console-failure-isolate.png' });
    await bob.screenshot({ path: join(OUTPUT, 'console-isolated.png'), fullPage: true });
    const isolated = await eniGroups(clients, web);
    const isolationGroup = isolated[0]?.groups[0] ?? '';
    const group = await clients.ec2.send(new DescribeSecurityGroupsCommand({ GroupIds: [isolationGroup] }));

    // Assess 2: both interfaces carry only cordon's isolation group
    expect(isolated.map((e) => e.id)).toEqual(original.map((e) => e.id));
    for (const eni of isolated) expect(eni.groups).toEqual([isolationGroup]);
    expect(group.SecurityGroups?.[0]?.GroupName ?? '').toMatch(/^cordon/);
    expect(await bob.textContent('#detail')).toContain('bob (user)');
    expect(chosen).toContain('snapshotVolumes = false');

    // Act 3: bob releases it with a reason
    await bob.fill('#decision-reason', 'Investigation closed: instance rebuilt from a clean image');
    await bob.click('#release');
    await waitForStatus(bob, 'RELEASED', { screenshot: 'console-failure-release.png' });
    await bob.screenshot({ path: join(OUTPUT, 'console-released.png'), fullPage: true });

    // Assess 3: the original groups are back, and the page ran without script or CSP errors
    expect(await eniGroups(clients, web)).toEqual(original);
    expect(pageErrors).toEqual([]);
  }, 240_000);

  it('lets the requester choose a parameter, flags it as irreversible, and shows it to the approver', async () => {
    // Prepare: an IAM user to request
    const s = browser.sandbox;
    const clients = await s.env.deps.memberClients(SANDBOX_MEMBER_ACCOUNT, s.env.config.region, 'e2e-params');
    await clients.iam.send(new CreateUserCommand({ UserName: 'param-target' }));

    // Act 1: alice fills the form for the user and ticks the irreversible removeConsoleAccess
    const alice = await browser.signIn('alice', 'alice-sandbox');
    await alice.click('a[href="#/request"]');
    await alice.selectOption('#resourceType', 'iam-user');
    await alice.fill('#accountId', SANDBOX_MEMBER_ACCOUNT);
    await alice.fill('#region', s.env.config.region);
    await alice.fill('#resourceId', 'param-target');
    await alice.fill('#reason', 'Console sign-ins from an unknown country');
    const flag = await alice.textContent('#param-removeConsoleAccess-irreversible');
    const hint = await alice.textContent('#param-removeConsoleAccess-hint');
    const warnedBefore = await alice.isVisible('#irreversible-choice');
    await alice.check('#param-removeConsoleAccess');
    const warning = await alice.textContent('#irreversible-choice');
    await alice.screenshot({ path: join(OUTPUT, 'console-request-params.png'), fullPage: true });
    await alice.click('#submit-request');
    await alice.waitForSelector('#detail-status');
    const id = decodeURIComponent(new URL(alice.url()).hash.replace('#/isolations/', ''));

    // Assess 1: flagged in the form, and the API recorded the choice
    expect(flag).toContain('Irreversible');
    expect(hint).toContain('Default: false.');
    expect(warnedBefore).toBe(false);
    expect(warning).toContain('removeConsoleAccess');
    expect((await s.env.deps.store.get(id))?.params).toEqual({ removeConsoleAccess: true });

    // Act 2: bob opens the pending request
    const bob = await browser.signIn('bob', 'bob-sandbox');
    await bob.goto(`${s.url}/#/isolations/${encodeURIComponent(id)}`);
    await bob.waitForSelector('#irreversible-warning');

    // Assess 2: the approver sees the chosen parameter, flagged, before approving
    expect(await bob.textContent('#detail-params')).toContain('removeConsoleAccess = true (irreversible)');
    expect(await bob.textContent('#irreversible-warning')).toContain('removeConsoleAccess');
    expect(await bob.locator('#approve').count()).toBe(1);
    expect(pageErrors).toEqual([]);
  }, 120_000);

  it('renders a hostile reason as text, flags an irreversible parameter, and refuses the exempt bastion', async () => {
    // Prepare: a pending request whose reason is markup, with an irreversible parameter switched on.
    const s = browser.sandbox;
    const clients = await s.env.deps.memberClients(SANDBOX_MEMBER_ACCOUNT, s.env.config.region, 'e2e-xss');
    await clients.iam.send(new CreateUserCommand({ UserName: 'xss-target' }));
    const hostile = '<img src=x onerror="window.__xss=1"><script>window.__xss=2</script> exfiltration seen';
    const { record } = await requestIsolation(s.env.deps, {
      resource: {
        type: 'iam-user',
        id: 'xss-target',
        userName: 'xss-target',
        accountId: SANDBOX_MEMBER_ACCOUNT,
        region: s.env.config.region,
        tags: {},
      },
      action: 'isolate-iam-user',
      params: { removeConsoleAccess: true },
      reason: hostile,
      requester: { type: 'user', id: 'https://issuer#mallory', name: '<b>mallory</b>' },
    });

    // Act 1: bob opens it
    const bob = await browser.signIn('bob', 'bob-sandbox');
    await bob.goto(`${s.url}/#/isolations/${encodeURIComponent(record.id)}`);
    await bob.waitForSelector('#irreversible-warning');
    await bob.screenshot({ path: join(OUTPUT, 'console-hostile-detail.png'), fullPage: true });
    const detail = (await bob.textContent('#detail')) ?? '';
    const injected = await bob.evaluate(() => ({
      xss: Reflect.get(window, '__xss'),
      images: document.querySelectorAll('#detail img').length,
      scripts: document.querySelectorAll('#detail script, #detail b').length,
    }));

    // Assess 1: the markup is shown as text, nothing ran, the irreversible parameter is flagged before approval
    expect(detail).toContain(hostile);
    expect(detail).toContain('<b>mallory</b> (user)');
    expect(injected).toEqual({ xss: undefined, images: 0, scripts: 0 });
    expect(await bob.textContent('#irreversible-warning')).toContain('removeConsoleAccess');
    expect(await bob.textContent('#detail-params')).toContain('removeConsoleAccess = true (irreversible)');

    // Act 2: bob requests the isolation of the bastion, tagged cordon:exempt=true
    await bob.goto(`${s.url}/#/request`);
    await bob.selectOption('#resourceType', 'ec2-instance');
    await bob.fill('#accountId', SANDBOX_MEMBER_ACCOUNT);
    await bob.fill('#region', s.env.config.region);
    await bob.fill('#resourceId', s.org.instances.bastion.instanceId);
    await bob.fill('#reason', 'Trying to isolate the exempt bastion');
    await bob.click('#submit-request');
    await bob.waitForSelector('#request-result .alert-error');

    // Assess 2: refused at request time (422), nothing recorded
    expect(await bob.textContent('#request-result')).toContain('(422)');
    const recorded = await s.env.deps.store.list({
      resourceId: s.org.instances.bastion.instanceId,
      limit: 50,
    });
    expect(recorded.items.filter((r) => r.mode === 'manual')).toEqual([]);
    // Chromium logs every non-2xx fetch as a console error; anything else (a CSP violation, a script error) fails.
    expect(pageErrors.filter((e) => !/Failed to load resource: .* 422/.test(e))).toEqual([]);
  }, 120_000);
});
