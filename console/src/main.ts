/**
 * cordon web console: a single page without a framework. Hash routes:
 *   #/isolations            list with filters and auto-refresh
 *   #/isolations/<id>       detail: steps timeline, audit trail, before-state, approve/reject/release/retry
 *   #/request               the request form
 *   #/policy                policy playground
 *   #/simulate, #/outbox    sandbox only: fire a simulated finding; Security Hub write-backs the emulator cannot take
 */
import * as z from 'zod/mini';
import { ConfigView, MeView } from '../../functions/lib/api/contract.js';
import { apiParsed } from './api.js';
import { accessToken, completeSignIn, signIn, signOut } from './auth.js';
import { showDetail } from './detail.js';
import { byId, h, replace, type Child } from './dom.js';
import { showList } from './list.js';
import { showPolicy } from './policy.js';
import { showRequest } from './request.js';
import { showOutbox, showSimulate } from './sandbox.js';
import { can, config, main, me, setConfig, setMe, stopRefresh, type Me } from './state.js';
import { errorBox } from './widgets.js';

// zod would probe for `new Function` to compile parsers; the Content-Security-Policy forbids eval, and the probe
// would log a CSP violation. The interpreted parsers are fast enough for the console's few answers.
z.config({ jitless: true });

/** Requesters and approvers act; a viewer only reads (the API refuses them anyway: 403). */
const mayAct = (): boolean => can('requester') || can('approver');

function renderNav(): void {
  const links: [string, string][] = [['#/isolations', 'Isolations']];
  if (mayAct()) links.push(['#/request', 'Request']);
  links.push(['#/policy', 'Policy playground']);
  if (config().sandbox && mayAct()) links.push(['#/simulate', 'Simulate finding']);
  if (config().sandbox) links.push(['#/outbox', 'Security Hub outbox']);
  const current = location.hash.split('?')[0] ?? '';
  replace(
    byId('nav'),
    h(
      'ul',
      {},
      ...links.map(([href, label]) =>
        h('li', {}, h('a', { href, 'aria-current': current.startsWith(href) ? 'page' : undefined }, label)),
      ),
    ),
  );
}

async function route(): Promise<void> {
  stopRefresh();
  if (!me()) return;
  renderNav();
  const hash = location.hash || '#/isolations';
  const detail = /^#\/isolations\/([^?]+)$/.exec(hash);
  if (detail?.[1]) await showDetail(decodeURIComponent(detail[1]));
  else if (hash.startsWith('#/isolations')) await showList();
  else if ((hash.startsWith('#/request') || hash.startsWith('#/simulate')) && !mayAct())
    replace(
      main(),
      h('h2', {}, 'Not available'),
      h(
        'p',
        { id: 'viewer-notice', class: 'alert' },
        'You sign in as a viewer: requesting and simulating need the requesters or approvers group.',
      ),
    );
  else if (hash.startsWith('#/request')) showRequest();
  else if (hash.startsWith('#/policy')) await showPolicy();
  else if (hash.startsWith('#/simulate') && config().sandbox) await showSimulate();
  else if (hash.startsWith('#/outbox') && config().sandbox) await showOutbox();
  else location.hash = '#/isolations';
  byId('main').focus({ preventScroll: true });
}

function renderSignedOut(message?: Child): void {
  replace(byId('user'));
  replace(byId('nav'));
  const auth = config().auth;
  replace(
    main(),
    h('h2', {}, 'Sign in'),
    message ?? null,
    auth
      ? h('button', { type: 'button', id: 'sign-in', onclick: () => void signIn(auth) }, 'Sign in')
      : h(
          'p',
          { class: 'alert alert-error' },
          'Sign-in is not configured for this deployment (see docs/console.md).',
        ),
  );
}

async function start(): Promise<void> {
  const settings = await apiParsed(ConfigView, 'GET', '/config.json');
  setConfig(settings);
  byId('sandbox-banner').hidden = !settings.sandbox;
  if (settings.auth) {
    try {
      const next = await completeSignIn(settings.auth);
      if (next) location.hash = next;
    } catch (error) {
      renderSignedOut(errorBox(error));
      return;
    }
  }
  if (!accessToken()) {
    renderSignedOut();
    return;
  }
  let user: Me;
  try {
    user = await apiParsed(MeView, 'GET', '/me');
    setMe(user);
  } catch (error) {
    renderSignedOut(errorBox(error));
    return;
  }
  const auth = settings.auth;
  replace(
    byId('user'),
    h('span', { id: 'whoami' }, `${user.username} · ${user.roles.join(', ')}`),
    h(
      'button',
      { type: 'button', class: 'secondary', id: 'sign-out', onclick: () => signOut(auth ?? undefined) },
      'Sign out',
    ),
  );
  window.addEventListener('hashchange', () => void route());
  await route();
}

void start().catch((error: unknown) => replace(main(), errorBox(error)));
