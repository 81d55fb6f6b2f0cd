/**
 * Browser end-to-end (Debian's Chromium through playwright-core, against the sandbox with its replayed samples):
 * what a responder sees at 3 a.m. One sandbox, one browser, one signed-in tab per user, shared by the cases:
 *   - the approver context of a pending isolation (finding, resource, planned steps, request, expiry countdown,
 *     "captured at containment"), with every timestamp in ISO 8601 UTC and local time on hover;
 *   - roles: the requester withdraws their own request, the approver is told why Approve is missing on their own
 *     request, a viewer is not offered Request or Simulate;
 *   - search, filters, "waiting for me", the Severity and Name columns; export of a record and the list;
 *   - 390 px wide with no horizontal page overflow, and dark mode from the system setting.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CreateUserCommand } from '@aws-sdk/client-iam';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { loadAction } from '../../functions/lib/actions/registry.js';
import { newIsolationId } from '../../functions/lib/store/items.js';
import type { IsolationRecord } from '../../functions/lib/store/model.js';
import type { Sandbox } from '../../scripts/sandbox/app.js';
import { SANDBOX_MEMBER_ACCOUNT } from '../../scripts/sandbox/environment.js';
import { storedEvidence } from '../evidence/stored-fixture.js';
import { OUTPUT, useBrowserSandbox } from './support.js';

const ISO_UTC = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/;

describe('Console: what a responder needs, in Chromium', () => {
  const browser = useBrowserSandbox({ acceptDownloads: true });
  const { moto, pageErrors } = browser;
  const current = (): Sandbox => browser.sandbox;
  /** The user's tab, signed in once through the local issuer and reused by every case. */
  const as = (username: string): Promise<Page> => browser.as(username);

  async function open(page: Page, id: string): Promise<void> {
    await page.goto(`${current().url}/#/isolations/${encodeURIComponent(id)}`);
    await page.waitForSelector(`#detail-status`);
  }

  /** Request the isolation of a new IAM user through the API, as the signed-in user of `page` (its own token). */
  async function requestAs(page: Page, userName: string): Promise<string> {
    const s = current();
    const clients = await s.env.deps.memberClients(SANDBOX_MEMBER_ACCOUNT, s.env.config.region, 'e2e-resp');
    await clients.iam.send(new CreateUserCommand({ UserName: userName }));
    const body = {
      resourceType: 'iam-user',
      accountId: SANDBOX_MEMBER_ACCOUNT,
      region: s.env.config.region,
      resourceId: userName,
      reason: 'Suspicious console sign-ins seen overnight',
    };
    const answer = await page.evaluate(async (b) => {
      const stored: { accessToken?: string } = JSON.parse(sessionStorage.getItem('cordon.token') ?? '{}');
      const res = await fetch('/isolations', {
        method: 'POST',
        headers: { authorization: `Bearer ${stored.accessToken ?? ''}`, 'content-type': 'application/json' },
        body: JSON.stringify(b),
      });
      const json: { id?: unknown } = await res.json();
      return { status: res.status, id: typeof json.id === 'string' ? json.id : '' };
    }, body);
    expect(answer.status).toBe(201);
    return answer.id;
  }

  it('shows an approver the finding, the resource, the planned steps, the request and the expiry', async () => {
    // Prepare: a pending isolation the replay left, with its finding
    const s = current();
    const pending = await s.env.deps.store.list({ status: 'PENDING_APPROVAL', limit: 100 });
    const record = pending.items.find(
      (r): r is IsolationRecord & { finding: NonNullable<IsolationRecord['finding']> } =>
        r.finding !== undefined,
    );
    if (!record) throw new Error('the replay left no pending isolation with a finding');
    const planned = (await loadAction(record.action)).steps.apply;
    const bob = await as('bob');

    // Act
    await open(bob, record.id);
    await bob.click('#finding-raw summary');
    await bob.screenshot({ path: join(OUTPUT, 'console-approver-context.png'), fullPage: true });
    const finding = (await bob.textContent('#context-finding')) ?? '';
    const raw = (await bob.textContent('#finding-raw pre')) ?? '';
    const name = await bob.textContent('#resource-name');
    const steps = await bob.locator('#plan-steps li').allTextContents();
    const requestedBy = await bob.textContent('#requested-by');
    const countdown = (await bob.textContent('#expiry-countdown')) ?? '';
    const before = (await bob.textContent('#before-state')) ?? '';
    const findingLink = await bob.getAttribute('#finding-id a', 'href');
    const times = await bob
      .locator('#detail time')
      .evaluateAll((els) =>
        els.map((e) => ({ text: e.textContent ?? '', title: e.getAttribute('title') ?? '' })),
      );

    // Assess
    expect(finding).toContain(record.finding.title);
    expect(finding).toContain(record.finding.type);
    expect(finding).toContain(record.finding.severity.label);
    const remote = record.finding.remote;
    if (remote)
      expect(finding).toContain(`${remote.ip} ${[remote.city, remote.country].filter(Boolean).join(', ')}`);
    else expect(finding).toContain('None in the finding');
    expect(raw).toContain(record.finding.type);
    expect(findingLink).toMatch(/^https:\/\/[a-z0-9-]+\.console\.aws\.amazon\.com\/guardduty\/home\?region=/);
    expect(findingLink).toContain(`fId=${record.findingKey?.split('/').at(-1) ?? ''}`);
    expect(name).toBe(record.resource.tags['Name'] ?? '(no Name tag)');
    expect(steps).toEqual([...planned]);
    expect(requestedBy).toContain(record.requester.name);
    expect(countdown).toMatch(/(\d+ min \d+ s|\d+ h \d+ min) left/);
    if (Object.keys(record.before).length === 0) expect(before).toContain('Captured at containment');
    expect(times.length).toBeGreaterThan(2);
    for (const t of times) {
      expect(t.text).toMatch(ISO_UTC);
      expect(t.title).toMatch(/^Local time: /);
    }
    expect(pageErrors).toEqual([]);
  }, 120_000);

  it('lets a requester withdraw, tells an approver why Approve is missing, and offers a viewer no actions', async () => {
    // Prepare: alice's request and bob's own request
    const alice = await as('alice');
    const bob = await as('bob');
    const aliceId = await requestAs(alice, 'withdraw-target');
    const bobId = await requestAs(bob, 'own-target');

    // Act 1: alice withdraws hers
    await open(alice, aliceId);
    await alice.fill('#decision-reason', 'Raised by mistake: wrong user');
    await alice.click('#withdraw');
    await alice.waitForFunction(() => document.getElementById('detail-status')?.textContent === 'REJECTED');
    const focused = await alice.evaluate(() => document.activeElement?.id);
    const announced = await alice.textContent('#status-announcer');
    const stored = await current().env.deps.store.get(aliceId);

    // Act 2: bob opens his own
    await open(bob, bobId);
    const why = await bob.textContent('#no-approve');
    const approveButtons = await bob.locator('#approve').count();

    // Act 3: victor, a viewer
    const victor = await as('victor');
    const nav = await victor.textContent('#nav');
    await victor.goto(`${current().url}/#/request`);
    await victor.waitForSelector('#viewer-notice');
    const forms = await victor.locator('#submit-request').count();

    // Assess
    expect(stored?.status).toBe('REJECTED');
    expect(stored?.audit.at(-1)?.note).toBe('Withdrawn: Raised by mistake: wrong user');
    expect(focused).toBe('detail-status');
    expect(announced).toBe('Status changed from PENDING APPROVAL to REJECTED.');
    expect(approveButtons).toBe(0);
    expect(why).toContain('four eyes');
    expect(nav).not.toContain('Request');
    expect(nav).not.toContain('Simulate');
    expect(forms).toBe(0);
    expect(pageErrors).toEqual([]);
  }, 120_000);

  it('searches, filters, shows the approvals waiting for me, and exports', async () => {
    // Prepare
    const s = current();
    const all = await s.env.deps.store.list({ limit: 100 });
    const named = all.items.find((r) => r.resource.tags['Name'] && r.finding);
    if (!named) throw new Error('the replay left no record with a Name tag and a finding');
    const tag = named.resource.tags['Name'] ?? '';
    const bob = await as('bob');

    // Act 1: free-text search on the Name tag
    await bob.goto(`${s.url}/#/isolations`);
    await bob.waitForSelector('#filter-q');
    await bob.fill('#filter-q', tag);
    await bob.click('#filter-submit');
    // The filtered list has rendered when every row carries the tag (the unfiltered one had other rows).
    await bob.waitForFunction((t) => {
      const cells = [...document.querySelectorAll('#list-results td.col-name')];
      return (
        location.hash.includes('q=') && cells.length > 0 && cells.every((c) => c.textContent?.includes(t))
      );
    }, tag);
    const names = await bob.locator('#list-results td.col-name').allTextContents();
    const headers = await bob.locator('#list-results th').allTextContents();
    const download = bob.waitForEvent('download');
    await bob.click('#export-csv');
    const csv = readFileSync(await (await download).path(), 'utf8');

    // Act 2: waiting for me
    await bob.goto(`${s.url}/#/isolations?mine=1`);
    await bob.waitForSelector('#list-results[data-query="mine=1"]');
    const waiting = await bob
      .locator('#list-results tbody tr')
      .evaluateAll((rows) => rows.map((r) => r.getAttribute('data-id') ?? ''));
    const expected = (await s.env.deps.store.list({ status: 'PENDING_APPROVAL', limit: 100 })).items
      .filter((r) => r.requester.name !== 'bob')
      .map((r) => r.id);

    // Act 3: the incident summary of one record
    await open(bob, named.id);
    const summaryDownload = bob.waitForEvent('download');
    await bob.click('#export-md');
    const summary = readFileSync(await (await summaryDownload).path(), 'utf8');
    const link = await bob.getAttribute('#context-resource a[href^="https://"]', 'href');

    // Act 4: the evidence of a contained record
    // The sandbox collects no evidence: store it in moto as the worker does, give the record its reference, and
    // let the API read that bucket (the API reads deps.evidence when asked).
    const stored = await storedEvidence(moto.clientConfig(s.env.config.region), { id: named.id });
    const evidence = { ...stored.ref, at: new Date().toISOString() };
    s.env.deps.evidence = {
      writer: stored.writer,
      reader: stored.reader,
      collectedBy: async () => 'arn:aws:sts::123456789012:assumed-role/cordon-isolate/worker',
    };
    await s.env.deps.store.saveEvidence(named.id, evidence, evidence.at);
    await bob.reload();
    await bob.waitForSelector('#evidence-sha256');
    const sha = await bob.textContent('#evidence-sha256');
    const verify = await bob.textContent('#evidence-verify');
    await bob.click('#evidence-check-button');
    const verdict = await (await bob.waitForSelector('#evidence-verdict')).textContent();
    const artifacts = await bob.locator('#evidence-artifacts tbody tr').allTextContents();

    // Assess
    expect(names.length).toBeGreaterThan(0);
    for (const n of names) expect(n.toLowerCase()).toContain(tag.toLowerCase());
    expect(headers).toEqual(expect.arrayContaining(['Name', 'Severity']));
    expect(csv.split('\r\n')[0]).toContain('id,status,resourceType,resourceId,name');
    expect(csv).toContain(tag);
    expect(waiting.sort()).toEqual(expected.sort());
    expect(summary).toContain(`# Incident summary: ${named.resource.type}`);
    expect(summary).toContain('## Timeline (UTC)');
    expect(link).toContain(`${s.env.config.region}.console.aws.amazon.com`);
    expect(link).toContain(encodeURIComponent(named.resource.id));
    expect(sha).toBe(evidence.manifestSha256);
    expect(verdict).toMatch(
      /^Verified at .*S3 holds every listed artifact version with the manifest's SHA-256\.$/,
    );
    expect(artifacts).toEqual([
      expect.stringMatching(/^ec2\/describe-instances\.jsonmatches[0-9a-f]{64}/),
      expect.stringMatching(/^finding\.jsonmatches[0-9a-f]{64}/),
      expect.stringMatching(/^ec2\/console-screenshot\.jsonnot collectedUnsupportedOperation/),
    ]);
    expect(verify).toBe(
      `cordon evidence verify ${named.id} --bucket ${evidence.bucket} --manifest-sha256 ${evidence.manifestSha256}`,
    );
    expect(pageErrors).toEqual([]);
  }, 120_000);

  it('fits 390 px without horizontal overflow and follows the system dark mode', async () => {
    // Prepare
    const s = current();
    const bob = await as('bob');
    const any = (await s.env.deps.store.list({ limit: 1 })).items[0];
    if (!any) throw new Error('the replay left no record');
    await bob.setViewportSize({ width: 390, height: 844 });
    await bob.emulateMedia({ colorScheme: 'dark' });

    // Act
    const overflow: Record<string, string[]> = {};
    // Each page with an element that only it renders, so the measure is never of the page before.
    const views: [string, string][] = [
      ['#/isolations', '#list-results[data-query=""] tbody tr'],
      [`#/isolations/${encodeURIComponent(any.id)}`, '#detail-status'],
      ['#/request', '#submit-request'],
    ];
    for (const [hash, ready] of views) {
      await bob.goto(`${s.url}/${hash}`);
      await bob.waitForSelector(ready);
      // The elements reaching past the right edge, named, so a failure says what overflows.
      overflow[hash] = await bob.evaluate(() => {
        const width = document.documentElement.clientWidth;
        if (document.documentElement.scrollWidth <= width) return [];
        return [...document.querySelectorAll('body *')]
          .filter(
            (e) =>
              e.getBoundingClientRect().right > width + 0.5 &&
              !e.parentElement?.closest('.table-scroll, table, pre'),
          )
          .map((e) => `${e.tagName.toLowerCase()}#${e.id}.${e.className}`)
          .slice(0, 8);
      });
    }
    await bob.screenshot({ path: join(OUTPUT, 'console-390-dark.png'), fullPage: true });
    await bob.goto(`${s.url}/#/outbox`);
    await bob.waitForSelector('.outbox');
    const outboxLinks = await bob.locator('.outbox-links a').count();
    const outboxOverflow = await bob.evaluate(
      () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
    );
    const background = await bob.evaluate(() => getComputedStyle(document.documentElement).backgroundColor);
    await bob.emulateMedia({ colorScheme: 'light' });
    const light = await bob.evaluate(() => getComputedStyle(document.documentElement).backgroundColor);
    await bob.setViewportSize({ width: 1360, height: 900 });

    // Assess
    expect(overflow).toEqual({
      '#/isolations': [],
      [`#/isolations/${encodeURIComponent(any.id)}`]: [],
      '#/request': [],
    });
    expect(outboxLinks).toBeGreaterThan(0);
    expect(outboxOverflow).toBe(0);
    expect(background).toBe('rgb(13, 17, 23)');
    expect(light).toBe('rgb(255, 255, 255)');
    expect(pageErrors).toEqual([]);
  }, 120_000);

  it('pages past 100 records and searches across the loaded pages', async () => {
    // Prepare: 101 pending requests by one requester, written straight to the store (cheaper than the API)
    const s = current();
    const bob = await as('bob');
    const base = Date.now();
    for (let batch = 0; batch < 101; batch += 20) {
      await Promise.all(
        Array.from({ length: Math.min(20, 101 - batch) }, (_, i) => {
          const n = batch + i;
          const now = new Date(base + n);
          return s.env.deps.store.create(
            {
              resource: {
                type: 'iam-user',
                id: `pager-${n}`,
                userName: `pager-${n}`,
                accountId: SANDBOX_MEMBER_ACCOUNT,
                region: s.env.config.region,
                tags: {},
              },
              action: 'isolate-iam-user',
              params: {},
              mode: 'manual',
              status: 'PENDING_APPROVAL',
              requester: { type: 'user', id: 'https://issuer#pager', name: 'pager' },
              reason: 'Paging through many pending requests',
            },
            { id: newIsolationId(now), now },
          );
        }),
      );
    }

    // Act
    await bob.goto(`${s.url}/#/isolations?q=pager`);
    await bob.waitForSelector('#list-results[data-query="q=pager"] #load-more');
    const first = await bob.locator('#list-results tbody tr').count();
    await bob.click('#load-more');
    await bob.waitForFunction(() => document.querySelectorAll('#list-results tbody tr').length > 100);
    const all = await bob.locator('#list-results tbody tr').count();

    // Assess: the first page is 100 records, all the requester's; the next page brings the 101st
    expect(first).toBe(100);
    expect(all).toBe(101);
    expect(pageErrors).toEqual([]);
  }, 120_000);
});
