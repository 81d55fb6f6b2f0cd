/** The isolation detail view: facts, decision buttons, step timelines, audit trail and before-state. */
import { releasePanel } from './release.js';
import { api } from './api.js';
import {
  consoleHost,
  idWithLinks,
  findingContext,
  planContext,
  requestContext,
  resourceContext,
} from './context.js';
import { h, replace, stamp } from './dom.js';
import { evidenceContext } from './evidence.js';
import { exportButtons } from './export.js';
import { can, config, main, me, scheduleRefresh, type Isolation } from './state.js';
import { badge, dl, errorBox, field, setFieldError, steps } from './widgets.js';

const TRANSIENT = new Set(['APPROVED', 'IN_PROGRESS', 'RELEASING']);

function securityHubLink(r: Isolation): HTMLElement | null {
  if (!r.securityHub) return null;
  // The Security Hub console's findings search, filtered on this finding's Id (the value is encoded twice).
  const search = `Id=%5Coperator%5C%3AEQUALS%5C%3A${encodeURIComponent(r.securityHub.id)}`;
  const url = `${consoleHost(r.region, r.securityHub.productArn)}/securityhub/home?region=${r.region}#/findings?search=${encodeURIComponent(search)}`;
  return h(
    'a',
    { href: url, target: '_blank', rel: 'noopener noreferrer' },
    'Open the finding in Security Hub',
  );
}

function showValue(value: unknown): string {
  return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean'
    ? String(value)
    : JSON.stringify(value);
}

/** The parameters the requester chose, as text; irreversible ones that are on are marked. */
function paramsList(r: Isolation, irreversible: string[]): HTMLElement | undefined {
  const entries = Object.entries(r.params);
  if (entries.length === 0) return undefined;
  return h(
    'ul',
    { id: 'detail-params', class: 'params' },
    ...entries.map(([key, value]) =>
      h(
        'li',
        {},
        h('code', {}, `${key} = ${showValue(value)}`),
        irreversible.includes(key) ? h('strong', { class: 'irreversible' }, ' (irreversible)') : null,
      ),
    ),
  );
}

/** Where focus goes back to after an action re-renders the view (the control's id), so keyboard users stay put. */
let focusAfterRender: string | undefined;

export async function showDetail(id: string): Promise<void> {
  const holder = h('div', { id: 'detail' });
  // Announces status changes (the worker moving a record) to screen readers, once per change.
  const announcer = h('p', {
    id: 'status-announcer',
    class: 'visually-hidden',
    'aria-live': 'polite',
    role: 'status',
  });
  replace(main(), h('p', {}, h('a', { href: '#/isolations' }, '← All isolations')), announcer, holder);
  let lastStatus: string | undefined;
  const render = async (): Promise<void> => {
    let r: Isolation;
    try {
      r = await api<Isolation>('GET', `/isolations/${encodeURIComponent(id)}`);
    } catch (error) {
      replace(holder, errorBox(error));
      return;
    }
    // The view re-renders while it polls: keep what the reader typed, opened or focused.
    const previous = document.getElementById('decision-reason');
    const typed = previous instanceof HTMLTextAreaElement ? previous.value : '';
    const rawOpen = document.getElementById('finding-raw')?.hasAttribute('open') ?? false;
    const focused = document.activeElement?.id;
    const reasonInput = h('textarea', { id: 'decision-reason', rows: 2, minlength: 10 });
    reasonInput.value = typed;
    const incident = releasePanel(r.before, r.allowed.release);
    const message = h('div', { id: 'decision-message', 'aria-live': 'polite' });
    const act = async (verb: 'approve' | 'reject' | 'release' | 'retry' | 'withdraw'): Promise<void> => {
      const reason = reasonInput.value.trim();
      if ((verb === 'reject' || verb === 'release' || verb === 'withdraw') && reason.length < 10) {
        setFieldError('decision-reason', 'Give a reason of at least 10 characters.');
        reasonInput.focus();
        return;
      }
      setFieldError('decision-reason', undefined);
      try {
        const body =
          verb === 'release'
            ? incident.body(reason)
            : verb === 'withdraw'
              ? { reason }
              : reason
                ? { reason }
                : {};
        await api('POST', `/isolations/${encodeURIComponent(id)}/${verb}`, body);
        focusAfterRender = verb;
        await render();
      } catch (error) {
        replace(message, errorBox(error));
      }
    };
    const user = me();
    // Older records name the requester by the bare subject.
    const own = r.requester.type === 'user' && (r.requester.id === user?.id || r.requester.id === user?.sub);
    const buttons = [
      r.allowed.approve
        ? h('button', { type: 'button', id: 'approve', onclick: () => void act('approve') }, 'Approve')
        : null,
      r.allowed.reject
        ? h(
            'button',
            { type: 'button', id: 'reject', class: 'danger', onclick: () => void act('reject') },
            'Reject',
          )
        : null,
      r.allowed.retry
        ? h('button', { type: 'button', id: 'retry', onclick: () => void act('retry') }, 'Retry containment')
        : null,
      r.allowed.release
        ? h(
            'button',
            { type: 'button', id: 'release', class: 'secondary', onclick: () => void act('release') },
            'Release',
          )
        : null,
      // POST /isolations/{id}/withdraw: the requester's own pending request (the API checks again).
      own && r.status === 'PENDING_APPROVAL' && (can('requester') || can('approver'))
        ? h(
            'button',
            { type: 'button', id: 'withdraw', class: 'secondary', onclick: () => void act('withdraw') },
            'Withdraw my request',
          )
        : null,
    ].filter((b): b is HTMLButtonElement => b !== null);
    const declared = config().actions.find((a) => a.name === r.action)?.irreversibleParams ?? [];
    const irreversible = declared.filter((name) => r.params[name] === true);
    const params = paramsList(r, irreversible);
    // Why Approve is missing, for whoever could otherwise expect it.
    const noApprove =
      r.status !== 'PENDING_APPROVAL' || r.allowed.approve
        ? undefined
        : own && can('approver')
          ? 'Approve is not offered: you requested this isolation, and another approver must approve it (four eyes).'
          : own
            ? 'You requested this isolation: an approver must approve it. You may withdraw it.'
            : can('approver')
              ? undefined
              : 'Only members of the approvers group can approve or reject.';
    replace(
      holder,
      h(
        'h2',
        {},
        `${r.resource.type} ${r.resource.id} `,
        h('span', { id: 'detail-status', tabindex: -1 }, badge(r.status)),
      ),
      exportButtons([r], `cordon-${r.id}`, r),
      r.immediate
        ? h('p', { class: 'alert alert-warn' }, 'Emergency isolation: approval was skipped by an approver.')
        : null,
      dl([
        ['Isolation id', idWithLinks(r.id, 'isolation id', undefined)],
        ['Account / region', `${r.accountId} / ${r.region}`],
        ['Action', r.action],
        ['Parameters', r.status === 'PENDING_APPROVAL' ? undefined : params],
        ['Mode', r.mode],
        ['Rule', r.rule],
        [
          'Approved by',
          r.approver ? h('span', {}, `${r.approver.name} at `, stamp(r.approver.at)) : undefined,
        ],
        ['Security Hub', securityHubLink(r)],
        [
          'Failure',
          r.failure ? `${r.failure.step ?? ''} ${r.failure.code}: ${r.failure.message}` : undefined,
        ],
        ['Created', stamp(r.createdAt)],
        ['Updated', stamp(r.updatedAt)],
      ]),
      requestContext(r, r.approvalExpiresAt),
      findingContext(r),
      resourceContext(r),
      planContext(r, params, irreversible),
      evidenceContext(r),
      irreversible.length > 0 && r.status === 'PENDING_APPROVAL'
        ? h(
            'p',
            { id: 'irreversible-warning', class: 'alert alert-warn', role: 'note' },
            `Irreversible: ${irreversible.join(', ')} is on. Release cannot undo it; approve only if that is intended.`,
          )
        : null,
      r.warnings.length > 0
        ? h('div', { class: 'alert alert-warn' }, h('ul', {}, ...r.warnings.map((w) => h('li', {}, w))))
        : null,
      incident.element,
      buttons.length > 0
        ? h(
            'section',
            { class: 'decision', 'aria-label': 'Decision' },
            h('h3', {}, 'Decision'),
            field('Reason (required to reject or release)', reasonInput),
            h('div', { class: 'buttons' }, ...buttons),
            noApprove ? h('p', { id: 'no-approve', class: 'hint' }, noApprove) : null,
            message,
          )
        : noApprove
          ? h('p', { id: 'no-approve', class: 'hint' }, noApprove)
          : null,
      steps('Isolation steps', r.steps),
      steps('Release steps', r.releaseSteps),
      h(
        'section',
        { 'aria-label': 'Audit trail' },
        h('h3', {}, 'Audit trail'),
        h(
          'table',
          { class: 'list' },
          h(
            'thead',
            {},
            h('tr', {}, ...['When', 'Who', 'From', 'To', 'Note'].map((c) => h('th', { scope: 'col' }, c))),
          ),
          h(
            'tbody',
            {},
            ...[...r.audit]
              .sort((a, b) => a.at.localeCompare(b.at))
              .map((a) =>
                h(
                  'tr',
                  {},
                  h('td', {}, stamp(a.at)),
                  h('td', {}, `${a.by.name} (${a.by.type})`),
                  h('td', {}, a.from ?? '—'),
                  h('td', {}, a.to),
                  h('td', {}, a.note ?? ''),
                ),
              ),
          ),
        ),
      ),
      h(
        'section',
        { 'aria-label': 'Before-state' },
        h('h3', {}, 'Before-state'),
        Object.keys(r.before).length === 0 &&
          ['PENDING_APPROVAL', 'APPROVED', 'IN_PROGRESS'].includes(r.status)
          ? h(
              'p',
              { id: 'before-state' },
              'Captured at containment: the worker records it before its first change.',
            )
          : h('pre', { id: 'before-state', class: 'json', tabindex: 0 }, JSON.stringify(r.before, null, 2)),
      ),
    );
    if (lastStatus !== undefined && lastStatus !== r.status) {
      announcer.textContent = `Status changed from ${lastStatus.replace(/_/g, ' ')} to ${r.status.replace(/_/g, ' ')}.`;
    }
    lastStatus = r.status;
    if (rawOpen) document.getElementById('finding-raw')?.setAttribute('open', '');
    if (focusAfterRender) {
      // The clicked button may be gone (Approve after approval): then the new status takes focus.
      const target = document.getElementById(focusAfterRender) ?? document.getElementById('detail-status');
      target?.focus();
      focusAfterRender = undefined;
    } else if (focused && holder.querySelector(`#${CSS.escape(focused)}`)) {
      document.getElementById(focused)?.focus();
    }
    if (TRANSIENT.has(r.status) || r.status === 'PENDING_APPROVAL') {
      // Fast while the worker is moving the record, slow while it waits for a person.
      scheduleRefresh(
        () => {
          if (location.hash === `#/isolations/${encodeURIComponent(id)}`) void render();
        },
        TRANSIENT.has(r.status) ? 1000 : 5000,
      );
    }
  };
  await render();
}
