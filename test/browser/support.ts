/**
 * Shared set-up of the browser end-to-end tests: one sandbox (on this worker's moto) and one headless Chromium
 * (Debian's, driven by playwright-core; never a downloaded browser) per test file, started once in `beforeAll`
 * and shared by the file's cases, plus the sign-in through the local issuer and the wait for a record's status.
 *
 *   describe('Console: ...', () => {
 *     const browser = useBrowserSandbox();
 *     it('...', async () => {
 *       const bob = await browser.as('bob');
 *       await waitForStatus(bob, 'ISOLATED');
 *     });
 *   });
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll } from 'vitest';
import type { MemberClients } from '../../functions/lib/aws/member-services.js';
import { startSandbox, type Sandbox, type SandboxOptions } from '../../scripts/sandbox/app.js';
import { SANDBOX_MEMBER_ACCOUNT } from '../../scripts/sandbox/environment.js';
import { useMoto, type MotoHandle } from '../support/moto.js';

/** Where screenshots go. */
export const OUTPUT = resolve('test-output');

export const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export interface BrowserSandbox {
  readonly moto: MotoHandle;
  /** The running sandbox (throws outside tests and hooks, or when it did not start). */
  readonly sandbox: Sandbox;
  /** The file's browser context (one Chromium profile). */
  readonly context: BrowserContext;
  /** Script errors of every page opened through this helper (and console errors, unless turned off). */
  readonly pageErrors: string[];
  /**
   * A new tab (its own sessionStorage, so its own signed-in user), signed in through the local issuer.
   * @param password defaults to the sandbox's `<username>-sandbox`
   */
  signIn(username: string, password?: string): Promise<Page>;
  /** The user's tab, signed in on first use and reused by every later call (and case) of the file. */
  as(username: string): Promise<Page>;
  /** Member-account clients of the sandbox's demo account. */
  member(label?: string): Promise<MemberClients>;
}

export interface BrowserSandboxOptions {
  /** Also record the pages' console errors in `pageErrors` (default true). */
  consoleErrors?: boolean;
  acceptDownloads?: boolean;
  /** Passed to the sandbox: skip the sample replay, or run under another policy. */
  sandbox?: Pick<SandboxOptions, 'replay' | 'policy'>;
}

/** Start the sandbox and Chromium once for the calling file (call it inside `describe` or at top level). */
export function useBrowserSandbox(options: BrowserSandboxOptions = {}): BrowserSandbox {
  const moto = useMoto({ resetEach: false });
  let sandbox: Sandbox | undefined;
  let context: BrowserContext | undefined;
  let profileDir = '';
  const pageErrors: string[] = [];
  const pages = new Map<string, Promise<Page>>();

  beforeAll(async () => {
    mkdirSync(OUTPUT, { recursive: true });
    profileDir = mkdtempSync(join(tmpdir(), 'cordon-chromium-'));
    // The sandbox (moto HTTP calls) and Chromium's launch do not depend on each other: start them together.
    const [started, launched] = await Promise.allSettled([
      startSandbox({
        port: 0,
        motoEndpoint: moto.endpoint,
        outboxPath: join(profileDir, 'outbox.jsonl'),
        log: () => undefined,
        ...options.sandbox,
      }),
      chromium.launchPersistentContext(join(profileDir, 'profile'), {
        executablePath: '/usr/bin/chromium',
        headless: true,
        args: CHROMIUM_FLAGS,
        viewport: { width: 1360, height: 900 },
        ...(options.acceptDownloads === undefined ? {} : { acceptDownloads: options.acceptDownloads }),
      }),
    ]);
    if (started.status === 'fulfilled') sandbox = started.value;
    if (launched.status === 'fulfilled') context = launched.value;
    if (started.status === 'rejected') throw started.reason;
    if (launched.status === 'rejected') throw launched.reason;
  });

  afterAll(async () => {
    await context?.close();
    await sandbox?.stop();
    if (profileDir) rmSync(profileDir, { recursive: true, force: true });
  });

  async function signIn(username: string, password = `${username}-sandbox`): Promise<Page> {
    const page = await handle.context.newPage();
    if (options.consoleErrors !== false) {
      page.on('console', (m) => {
        if (m.type() === 'error') pageErrors.push(`${username}: ${m.text()}`);
      });
    }
    page.on('pageerror', (e) => pageErrors.push(`${username}: ${e.message}`));
    await page.goto(`${handle.sandbox.url}/`);
    await page.click('#sign-in');
    await page.waitForURL(/\/oauth2\/authorize/);
    await page.fill('#username', username);
    await page.fill('#password', password);
    await page.click('#sign-in');
    await page.waitForSelector('#whoami');
    return page;
  }

  const handle: BrowserSandbox = {
    moto,
    get sandbox() {
      if (!sandbox) throw new Error('the sandbox did not start');
      return sandbox;
    },
    get context() {
      if (!context) throw new Error('the browser did not start');
      return context;
    },
    pageErrors,
    signIn,
    as(username) {
      const known = pages.get(username);
      if (known) return known;
      const signedIn = signIn(username);
      pages.set(username, signedIn);
      // A failed sign-in is not cached: the next case signs in again.
      signedIn.catch(() => pages.delete(username));
      return signedIn;
    },
    member(label = 'e2e') {
      const s = handle.sandbox;
      return s.env.deps.memberClients(SANDBOX_MEMBER_ACCOUNT, s.env.config.region, label);
    },
  };
  return handle;
}

/** Wait until the detail view shows `status`; otherwise fail with what it shows instead (and a screenshot when named). */
export async function waitForStatus(
  page: Page,
  status: string,
  options: { screenshot?: string } = {},
): Promise<void> {
  try {
    await page.waitForFunction((s) => document.getElementById('detail-status')?.textContent === s, status, {
      timeout: 60_000,
    });
  } catch (error) {
    if (options.screenshot !== undefined) {
      await page.screenshot({ path: join(OUTPUT, options.screenshot), fullPage: true });
    }
    const shown = await page.textContent('#detail').catch(() => '(no detail view)');
    throw new Error(`expected ${status}; the detail view shows: ${String(shown).slice(0, 1500)}`, {
      cause: error,
    });
  }
}
