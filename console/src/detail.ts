/** The isolation detail view: facts, decision buttons, step timelines, audit trail and before-state. */
import { releasePanel } from './release.js';
import { api } from './api.js';
import { h, replace, when } from './dom.js';
import { config, main, me, scheduleRefresh, type Isolation } from './state.js';
import { badge, dl, errorBox, field, setFieldError, steps } from './widgets.js';

const TRANSIENT = new Set(['APPROVED', 'IN_PROGRESS', 'RELEASING']);

function securityHubLink(r: Isolation): HTMLElement | null {
  if (!r.securityHub) return null;
  // The Security Hub console's findings search, filtered on this finding's Id (the value is encoded twice).
  const search = `Id=%5Coperator%5C%3AEQUALS%5C%3A${encodeURIComponent(r.securityHub.id)}`;
  const url = `https://${r.region}.console.aws.amazon.com/securityhub/home?region=${r.region}#/findings?search=${encodeURIComponent(search)}`;
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

export async function showDetail(id: string): Promise<void> {
  const holder = h('div', { id: 'detail' });
  replace(main(), h('p', {}, h('a', { href: '#/isolations' }, '← All isolations')), holder);
  const render = async (): Promise<void> => {
    let r: Isolation;
    try {
      r = await api<Isolation>('GET', `/isolations/${encodeURIComponent(id)}`);
    } catch (error) {
      replace(holder, errorBox(error));
      return;
    }
    const reasonInput = h('textarea', { id: 'decision-reason', rows: 2, minlength: 10 });
    const incident = releasePanel(r.before, r.allowed.release);
    const message = h('div', { id: 'decision-message', 'aria-live': 'polite' });
    const act = async (verb: 'approve' | 'reject' | 'release' | 'retry'): Promise<void> => {
      const reason = reasonInput.value.trim();
      if ((verb === 'reject' || verb === 'release') && reason.length < 10) {
        setFieldError('decision-reason', 'Give a reason of at least 10 characters.');
        reasonInput.focus();
        return;
      }
      setFieldError('decision-reason', undefined);
      try {
        const body = verb === 'release' ? incident.body(reason) : reason ? { reason } : {};
        await api('POST', `/isolations/${encodeURIComponent(id)}/${verb}`, body);
        await render();
      } catch (error) {
        replace(message, errorBox(error));
      }
    };
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
    ].filter((b): b is HTMLButtonElement => b !== null);
    const user = me();
    // Older records name the requester by the bare subject.
    const declared = config().actions.find((a) => a.name === r.action)?.irreversibleParams ?? [];
    const irreversible = declared.filter((name) => r.params[name] === true);
    const own = r.requester.type === 'user' && (r.requester.id === user?.id || r.requester.id === user?.sub);
    replace(
      holder,
      h(
        'h2',
        {},
        `${r.resource.type} ${r.resource.id} `,
        h('span', { id: 'detail-status' }, badge(r.status)),
      ),
      r.immediate
        ? h('p', { class: 'alert alert-warn' }, 'Emergency isolation: approval was skipped by an approver.')
        : null,
      dl([
        ['Isolation id', h('code', {}, r.id)],
        ['Account / region', `${r.accountId} / ${r.region}`],
        ['Action', r.action],
        ['Parameters', paramsList(r, irreversible)],
        ['Mode', r.mode],
        ['Rule', r.rule],
        ['Requested by', `${r.requester.name} (${r.requester.type})`],
        ['Approved by', r.approver ? `${r.approver.name} at ${when(r.approver.at)}` : undefined],
        ['Reason', r.reason],
        ['Ticket', r.ticket],
        ['Finding', r.finding ? `${r.finding.type} (${r.finding.severity.label})` : undefined],
        ['Security Hub', securityHubLink(r)],
        [
          'Failure',
          r.failure ? `${r.failure.step ?? ''} ${r.failure.code}: ${r.failure.message}` : undefined,
        ],
        ['Created', when(r.createdAt)],
        ['Updated', when(r.updatedAt)],
      ]),
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
            message,
          )
        : own && r.status === 'PENDING_APPROVAL'
          ? h(
              'p',
              { class: 'hint' },
              'You requested this isolation: another approver must approve it (four eyes).',
            )
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
            ...r.audit.map((a) =>
              h(
                'tr',
                {},
                h('td', {}, when(a.at)),
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
        h('pre', { class: 'json', tabindex: 0 }, JSON.stringify(r.before, null, 2)),
      ),
    );
    if (TRANSIENT.has(r.status) || r.status === 'PENDING_APPROVAL') {
      scheduleRefresh(() => {
        if (location.hash === `#/isolations/${encodeURIComponent(id)}`) void render();
      });
    }
  };
  await render();
}
