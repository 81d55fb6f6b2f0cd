/**
 * Browser end-to-end for the request form's Name lookup (issue 16: "The Request form accepts a Name tag and
 * resolves it to an instance id, showing the match before submitting"): in Chromium against the sandbox, a Name
 * is never submitted; one match is shown for confirmation, several are offered to pick from, none is said, and
 * only the instance id the person chose is requested.
 */
import { join } from 'node:path';
import { DescribeImagesCommand, RunInstancesCommand } from '@aws-sdk/client-ec2';
import type { Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Sandbox } from '../../scripts/sandbox/app.js';
import { SANDBOX_MEMBER_ACCOUNT } from '../../scripts/sandbox/environment.js';
import { OUTPUT, useBrowserSandbox } from './support.js';

const TWIN = 'e2e-twin';

describe('Console: the request form resolves a Name tag to an instance id before submitting', () => {
  // Only script errors fail these cases, as they always have: console messages are not collected.
  const browser = useBrowserSandbox({ consoleErrors: false, sandbox: { replay: false } });
  const { pageErrors } = browser;
  const twins: string[] = [];

  beforeAll(async () => {
    // Two instances that share a Name, in the demo member account.
    const { ec2 } = await browser.member('e2e-name-lookup');
    const images = await ec2.send(new DescribeImagesCommand({ Owners: ['amazon'] }));
    for (const owner of ['ana', 'ben']) {
      const out = await ec2.send(
        new RunInstancesCommand({
          ImageId: images.Images?.find((i) => i.ImageId)?.ImageId ?? '',
          InstanceType: 't3.micro',
          MinCount: 1,
          MaxCount: 1,
          TagSpecifications: [
            {
              ResourceType: 'instance',
              Tags: [
                { Key: 'Name', Value: TWIN },
                { Key: 'Owner', Value: owner },
              ],
            },
          ],
        }),
      );
      twins.push(out.Instances?.[0]?.InstanceId ?? '');
    }
  });

  /** alice's signed-in tab on a fresh request form for an EC2 instance in the demo account. */
  async function requestForm(): Promise<{ page: Page; sandbox: Sandbox }> {
    const sandbox = browser.sandbox;
    const page = await browser.as('alice');
    await page.goto(`${sandbox.url}/#/request`);
    await page.waitForSelector('#request-form');
    await page.selectOption('#resourceType', 'ec2-instance');
    await page.fill('#accountId', SANDBOX_MEMBER_ACCOUNT);
    await page.fill('#region', sandbox.env.config.region);
    await page.fill('#reason', 'Beaconing to a known C2 domain (ticket SEC-99)');
    return { page, sandbox };
  }

  /** The isolations of a resource, read through the API as alice. */
  async function isolationsOf(s: Sandbox, resourceId: string): Promise<unknown[]> {
    const token = await s.issuer.accessTokenFor('alice');
    const res = await fetch(`${s.url}/isolations?resource=${encodeURIComponent(resourceId)}`, {
      headers: { authorization: `Bearer ${token}` },
    });
    const body: unknown = await res.json();
    return typeof body === 'object' && body !== null && 'items' in body && Array.isArray(body.items)
      ? body.items
      : [];
  }

  it('shows the one instance a Name means, submits nothing until it is chosen, then requests its id', async () => {
    // Prepare
    const { page: p, sandbox: s } = await requestForm();
    const web = s.org.instances.web;

    // Act: submit with a Name in the resource field
    await p.fill('#resourceId', web.name);
    await p.click('#submit-request');
    await p.waitForSelector('#name-summary');
    const summary = await p.textContent('#name-summary');
    const shown = await p.$$eval('.instance-match', (els) =>
      els.map((e) => e.getAttribute('data-instance-id')),
    );
    const stillOnForm = p.url().endsWith('#/request');
    const before = await isolationsOf(s, web.instanceId);
    await p.click(`.instance-match[data-instance-id="${web.instanceId}"] .use-instance`);
    const filled = await p.inputValue('#resourceId');
    const resolved = await p.textContent('#name-resolved');
    await p.click('#submit-request');
    await p.waitForSelector('#detail-status');

    // Assess
    expect(summary).toContain(`One instance is named “${web.name}”`);
    expect(shown).toEqual([web.instanceId]);
    expect(stillOnForm, 'a Name is never submitted').toBe(true);
    expect(before, 'nothing was requested while only a Name was entered').toEqual([]);
    expect(await isolationsOf(s, web.instanceId)).toHaveLength(1);
    expect(filled).toBe(web.instanceId);
    expect(resolved).toContain(web.instanceId);
    expect(await p.textContent('#detail')).toContain(web.instanceId);
    expect(pageErrors).toEqual([]);
  });

  it('offers every instance that shares a Name, with their owners, and uses the one picked', async () => {
    // Prepare
    const { page: p } = await requestForm();
    const [first, second] = [...twins].sort();

    // Act: leaving the field looks the Name up
    await p.fill('#resourceId', TWIN);
    await p.press('#resourceId', 'Tab');
    await p.waitForSelector('#name-summary');
    const summary = await p.textContent('#name-summary');
    const listed = await p.$$eval('.instance-match', (els) =>
      els.map((e) => e.getAttribute('data-instance-id')),
    );
    const owners = await p.textContent('.instance-matches');
    await p.click(`.instance-match[data-instance-id="${String(second)}"] .use-instance`);

    // Assess
    expect(summary).toContain(`2 instances are named “${TWIN}”`);
    expect(listed).toEqual([first, second]);
    expect(owners).toContain('ana');
    expect(owners).toContain('ben');
    expect(await p.inputValue('#resourceId')).toBe(second);
    expect(p.url().endsWith('#/request')).toBe(true);
    expect(pageErrors).toEqual([]);
  });

  it('says when no instance has the Name, and still submits nothing', async () => {
    // Prepare
    const { page: p } = await requestForm();

    // Act
    await p.fill('#resourceId', 'no-such-instance');
    await p.click('#submit-request');
    await p.waitForSelector('#name-none');

    // Assess
    expect(await p.textContent('#name-none')).toContain('No instance is named “no-such-instance”');
    expect(await p.inputValue('#resourceId')).toBe('no-such-instance');
    expect(p.url().endsWith('#/request')).toBe(true);
    await p.screenshot({ path: join(OUTPUT, 'name-lookup-none.png') });
    expect(pageErrors).toEqual([]);
  });
});
