/**
 * Browser end-to-end (Debian's Chromium through playwright-core, against the sandbox): a Backdoor finding on the
 * exempt `bastion` is shown as a refusal, never as a green match, in the policy playground and in the simulate
 * panel; the simulated finding leaves a SKIPPED record with the reason. The playground offers the sample events
 * exactly as the sandbox replays them.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { describeInstance } from '../../scripts/sandbox/demo-org.js';
import { SANDBOX_MEMBER_ACCOUNT } from '../../scripts/sandbox/environment.js';
import { guardDutyEvent, SIMULATED_TYPES } from '../../scripts/sandbox/findings.js';
import { OUTPUT, useBrowserSandbox } from './support.js';

const BACKDOOR = SIMULATED_TYPES.findIndex((t) => t.type.startsWith('Backdoor:EC2/'));

describe('Console: refusals in Chromium', () => {
  const browser = useBrowserSandbox();

  it('shows the exempt bastion as refused in the playground', async () => {
    // Prepare: the Backdoor finding GuardDuty would send for the bastion (its tags included)
    const s = browser.sandbox;
    const clients = await s.env.deps.memberClients(SANDBOX_MEMBER_ACCOUNT, s.env.config.region, 'e2e');
    const simulated = SIMULATED_TYPES[BACKDOOR];
    if (simulated === undefined) throw new Error('no Backdoor type in the catalogue');
    const event = guardDutyEvent({
      simulated,
      target: {
        kind: 'instance',
        instance: await describeInstance(clients, s.org.instances.bastion.instanceId),
      },
      memberAccount: s.org.accountId,
      securityAccount: s.env.config.securityAccountId,
      region: s.env.config.region,
    });
    const page = await browser.signIn('alice', 'alice-sandbox');

    // Act
    await page.goto(`${s.url}/#/policy`);
    await page.fill('#policy-event', JSON.stringify(event));
    await page.click('button:has-text("Evaluate")');
    await page.waitForSelector('#decision-verdict');

    // Assess
    const verdict = page.locator('#decision-verdict');
    expect(await verdict.getAttribute('class')).toContain('alert-warn');
    expect(await verdict.getAttribute('class')).not.toContain('alert-ok');
    const text = (await verdict.textContent()) ?? '';
    expect(text).toContain('Refused');
    expect(text).toContain(s.org.instances.bastion.instanceId);
    expect(text).toContain('exemption tag cordon:exempt=true');
    await page.screenshot({ path: join(OUTPUT, 'playground-refused.png'), fullPage: true });
  });

  it("offers the sandbox's rewritten sample events in the playground, saying what was rewritten", async () => {
    // Prepare
    const s = browser.sandbox;
    const page = await browser.signIn('victor', 'victor-sandbox');
    await page.goto(`${s.url}/#/policy`);
    await page.waitForSelector('#policy-example');
    const files = await page.locator('#policy-example option').allTextContents();
    const ssh = files.find((f) => f.startsWith('guardduty-ec2-ssh-bruteforce'));
    if (ssh === undefined) throw new Error(`no SSH brute-force sample among ${files.join(', ')}`);

    // Act
    await page.selectOption('#policy-example', { label: ssh });
    await page.click('button:has-text("Evaluate")');
    await page.waitForSelector('#decision-verdict');

    // Assess: the event is the replay's (demo account, sample flag cleared), so a rule matches it
    expect(await page.textContent('#policy-example-rewrites')).toMatch(
      new RegExp(`Rewritten: .*account → ${s.org.accountId}`),
    );
    expect(await page.inputValue('#policy-event')).toContain(s.org.accountId);
    expect(await page.textContent('#decision-verdict')).toMatch(/^Rule “.+” matches/);
  });

  it('shows the simulated Backdoor finding on the bastion as refused, and records it SKIPPED', async () => {
    // Prepare
    const s = browser.sandbox;
    const bastion = s.org.instances.bastion.instanceId;
    const page = await browser.signIn('bob', 'bob-sandbox');

    // Act
    await page.goto(`${s.url}/#/simulate`);
    await page.waitForSelector('#sim-type');
    await page.selectOption('#sim-type', String(BACKDOOR));
    await page.selectOption('#sim-resource', `instance:${bastion}`);
    await page.click('#fire-finding');
    await page.waitForSelector('#sim-refused');

    // Assess
    expect(await page.textContent('#sim-refused')).toMatch(/refused \(.*exemption tag cordon:exempt=true/);
    expect(await page.locator('#sim-result .alert-ok').count()).toBe(0);
    const records = (await s.env.deps.store.list({ resourceId: bastion, limit: 10 })).items;
    expect(records.map((r) => [r.status, r.failure?.refusal])).toEqual([['SKIPPED', 'exempt-tag']]);
    await page.screenshot({ path: join(OUTPUT, 'simulate-refused.png'), fullPage: true });
  });
});
