/**
 * The isolations list: server filters (status, account, resource id), then, over the loaded pages, free-text
 * search and filters by action, severity, mode and creation date, and the "waiting for me" view; auto-refresh,
 * "load more" paging (100 a page) and export of what is shown.
 */
import { ISOLATION_STATUSES } from '../../functions/lib/store/model.js';
import { api } from './api.js';
import { h, replace, stamp } from './dom.js';
import { exportButtons } from './export.js';
import { can, config, main, me, scheduleRefresh, stopRefresh, type Isolation } from './state.js';
import { badge, errorBox, field } from './widgets.js';

const PAGE = 100;
const SEVERITIES = ['CRITICAL', 'HIGH', 'MEDIUM', 'LOW', 'INFORMATIONAL'];
const MODES = ['auto', 'approval', 'notify', 'manual'];
/** Query keys the API filters on; the others filter the loaded pages in the browser. */
const SERVER_KEYS = ['status', 'account', 'resource'];

function own(r: Isolation): boolean {
  const user = me();
  return r.requester.type === 'user' && (r.requester.id === user?.id || r.requester.id === user?.sub);
}

/** Whether a record matches the browser-side filters of the query. */
export function matches(r: Isolation, q: URLSearchParams): boolean {
  const text = (q.get('q') ?? '').trim().toLowerCase();
  if (text) {
    const haystack = [
      r.id,
      r.resource.id,
      r.resource.arn,
      r.resource.tags['Name'],
      r.finding?.type,
      r.finding?.title,
      r.rule,
      r.requester.name,
      r.action,
    ]
      .filter((v) => typeof v === 'string')
      .join('\n')
      .toLowerCase();
    if (!text.split(/\s+/).every((word) => haystack.includes(word))) return false;
  }
  if (q.get('action') && r.action !== q.get('action')) return false;
  if (q.get('severity') && r.finding?.severity.label !== q.get('severity')) return false;
  if (q.get('mode') && (r.immediate ? 'emergency' : r.mode) !== q.get('mode')) return false;
  const from = q.get('from');
  const to = q.get('to');
  if (from && r.createdAt < `${from}T00:00:00`) return false;
  if (to && r.createdAt > `${to}T23:59:59.999Z`) return false;
  if (q.get('mine') === '1' && !(r.status === 'PENDING_APPROVAL' && r.allowed.approve)) return false;
  return true;
}

export async function showList(): Promise<void> {
  const params = new URLSearchParams(location.hash.split('?')[1] ?? '');
  const select = (id: string, label: string, values: string[]): HTMLSelectElement =>
    h(
      'select',
      { id: `filter-${id}`, name: id },
      h('option', { value: '' }, label),
      ...values.map((v) => h('option', { value: v, selected: params.get(id) === v }, v.replace(/_/g, ' '))),
    );
  const input = (id: string, attrs: Record<string, string>): HTMLInputElement =>
    h('input', { id: `filter-${id}`, name: id, value: params.get(id) ?? '', ...attrs });
  const controls = {
    q: input('q', { type: 'search', placeholder: 'id, Name tag, finding type, rule, requester' }),
    status: select('status', 'Any status', [...ISOLATION_STATUSES]),
    action: select(
      'action',
      'Any action',
      config().actions.map((a) => a.name),
    ),
    account: input('account', { inputmode: 'numeric', placeholder: '123456789012' }),
    resource: input('resource', { placeholder: 'exact id: i-0abc…, user name' }),
    severity: select('severity', 'Any severity', SEVERITIES),
    mode: select('mode', 'Any mode', [...MODES, 'emergency']),
    from: input('from', { type: 'date' }),
    to: input('to', { type: 'date' }),
  };
  const mine = h('input', { id: 'filter-mine', type: 'checkbox', checked: params.get('mine') === '1' });
  const auto = h('input', { id: 'auto-refresh', type: 'checkbox', checked: true });
  const results = h('div', { id: 'list-results', 'aria-live': 'polite' });
  const form = h(
    'form',
    {
      class: 'filters',
      role: 'search',
      onsubmit: (e: Event) => {
        e.preventDefault();
        const q = new URLSearchParams();
        for (const [key, control] of Object.entries(controls)) {
          if (control.value.trim()) q.set(key, control.value.trim());
        }
        if (mine.checked) q.set('mine', '1');
        const qs = q.toString();
        location.hash = `#/isolations${qs ? `?${qs}` : ''}`;
      },
    },
    field('Search', controls.q),
    field('Status', controls.status),
    field('Action', controls.action),
    field('Account', controls.account),
    field('Resource id', controls.resource),
    field('Severity', controls.severity),
    field('Mode', controls.mode),
    field('Created from (UTC)', controls.from),
    field('to', controls.to),
    can('approver')
      ? h('div', { class: 'field field-check' }, mine, h('label', { for: 'filter-mine' }, 'Waiting for me'))
      : null,
    h(
      'div',
      { class: 'field field-actions' },
      h('button', { type: 'submit', id: 'filter-submit' }, 'Filter'),
    ),
    h('div', { class: 'field field-check' }, auto, h('label', { for: 'auto-refresh' }, 'Auto-refresh')),
  );
  replace(main(), h('h2', {}, 'Isolations'), form, results);

  // "Waiting for me" is pending records only: ask the server for those.
  const server = new URLSearchParams([...params].filter(([k]) => SERVER_KEYS.includes(k)));
  if (params.get('mine') === '1') server.set('status', 'PENDING_APPROVAL');
  server.set('limit', String(PAGE));
  let cursor: string | undefined;
  let items: Isolation[] = [];
  const load = async (more: boolean): Promise<void> => {
    const q = new URLSearchParams(server);
    if (more && cursor) q.set('cursor', cursor);
    try {
      const page = await api<{ items: Isolation[]; cursor?: string }>('GET', `/isolations?${q.toString()}`);
      if (more) {
        items = [...items, ...page.items];
        cursor = page.cursor;
      } else if (items.length > page.items.length) {
        // A refresh with more pages loaded: update the first page, keep the older ones (and their cursor).
        const fresh = new Set(page.items.map((r) => r.id));
        const oldest = page.items.at(-1)?.createdAt ?? '';
        items = [...page.items, ...items.filter((r) => !fresh.has(r.id) && r.createdAt < oldest)];
      } else {
        items = page.items;
        cursor = page.cursor;
      }
      renderRows();
    } catch (error) {
      replace(results, errorBox(error));
    }
    if (
      auto.checked &&
      location.hash.startsWith('#/isolations') &&
      !location.hash.startsWith('#/isolations/')
    ) {
      scheduleRefresh(() => void load(false));
    }
  };
  auto.addEventListener('change', () => (auto.checked ? void load(false) : stopRefresh()));
  const renderRows = (): void => {
    // Says which query the rows answer (tests and scripts wait on it rather than on any table).
    results.setAttribute('data-query', params.toString());
    const shown = items.filter((r) => matches(r, params));
    const count = h(
      'p',
      { id: 'list-count', class: 'hint' },
      `${shown.length} shown of ${items.length} loaded${cursor ? ' (more on the server: search and filters cover the loaded pages)' : ''}.`,
    );
    const more = cursor
      ? h(
          'button',
          { type: 'button', id: 'load-more', class: 'secondary', onclick: () => void load(true) },
          'Load more',
        )
      : null;
    if (shown.length === 0) {
      replace(results, count, h('p', { class: 'empty' }, 'No isolations match.'), more);
      return;
    }
    replace(
      results,
      count,
      exportButtons(shown, 'cordon-isolations'),
      h(
        'div',
        { class: 'table-scroll', tabindex: 0, role: 'region', 'aria-label': 'Isolations table' },
        h(
          'table',
          { class: 'list' },
          h('caption', { class: 'visually-hidden' }, 'Isolations, newest first'),
          h(
            'thead',
            {},
            h(
              'tr',
              {},
              ...[
                'Status',
                'Resource',
                'Name',
                'Severity',
                'Account',
                'Action',
                'Mode',
                'Requested by',
                'Created (UTC)',
              ].map((c) => h('th', { scope: 'col' }, c)),
            ),
          ),
          h(
            'tbody',
            {},
            ...shown.map((r) =>
              h(
                'tr',
                { 'data-id': r.id, class: own(r) ? 'own' : undefined },
                h('td', {}, badge(r.status)),
                h(
                  'td',
                  {},
                  h(
                    'a',
                    { href: `#/isolations/${encodeURIComponent(r.id)}` },
                    `${r.resource.type} ${r.resource.id}`,
                  ),
                ),
                h('td', { class: 'col-name' }, r.resource.tags['Name'] ?? ''),
                h(
                  'td',
                  { class: 'col-severity' },
                  r.finding
                    ? h(
                        'span',
                        { class: `sev sev-${r.finding.severity.label.toLowerCase()}` },
                        r.finding.severity.label,
                      )
                    : '',
                ),
                h('td', {}, r.accountId),
                h('td', {}, r.action),
                h('td', {}, r.immediate ? 'emergency' : r.mode),
                h('td', {}, r.requester.name),
                h('td', {}, stamp(r.createdAt)),
              ),
            ),
          ),
        ),
      ),
      more,
    );
  };
  await load(false);
}
