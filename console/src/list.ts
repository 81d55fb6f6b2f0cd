/** The isolations list: filters, auto-refresh and "load more" paging. */
import { ISOLATION_STATUSES } from '../../functions/lib/store/model.js';
import { api } from './api.js';
import { h, replace, when } from './dom.js';
import { main, scheduleRefresh, stopRefresh, type Isolation } from './state.js';
import { badge, errorBox, field } from './widgets.js';

export async function showList(): Promise<void> {
  const params = new URLSearchParams(location.hash.split('?')[1] ?? '');
  const status = h(
    'select',
    { id: 'filter-status', name: 'status' },
    h('option', { value: '' }, 'Any status'),
    ...ISOLATION_STATUSES.map((s) =>
      h('option', { value: s, selected: params.get('status') === s }, s.replace(/_/g, ' ')),
    ),
  );
  const account = h('input', {
    id: 'filter-account',
    name: 'account',
    inputmode: 'numeric',
    placeholder: '123456789012',
    value: params.get('account') ?? '',
  });
  const resource = h('input', {
    id: 'filter-resource',
    name: 'resource',
    placeholder: 'i-0abc…, user name',
    value: params.get('resource') ?? '',
  });
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
        if (status.value) q.set('status', status.value);
        if (account.value.trim()) q.set('account', account.value.trim());
        if (resource.value.trim()) q.set('resource', resource.value.trim());
        const qs = q.toString();
        location.hash = `#/isolations${qs ? `?${qs}` : ''}`;
      },
    },
    field('Status', status),
    field('Account', account),
    field('Resource', resource),
    h('div', { class: 'field field-actions' }, h('button', { type: 'submit' }, 'Filter')),
    h('div', { class: 'field field-check' }, auto, h('label', { for: 'auto-refresh' }, 'Auto-refresh')),
  );
  replace(main(), h('h2', {}, 'Isolations'), form, results);

  let cursor: string | undefined;
  let items: Isolation[] = [];
  const load = async (more: boolean): Promise<void> => {
    const q = new URLSearchParams(params);
    if (more && cursor) q.set('cursor', cursor);
    try {
      const page = await api<{ items: Isolation[]; cursor?: string }>('GET', `/isolations?${q.toString()}`);
      items = more ? [...items, ...page.items] : page.items;
      cursor = page.cursor;
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
    if (items.length === 0) {
      replace(results, h('p', { class: 'empty' }, 'No isolations match.'));
      return;
    }
    replace(
      results,
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
            ...['Status', 'Resource', 'Account', 'Action', 'Mode', 'Requested by', 'Created'].map((c) =>
              h('th', { scope: 'col' }, c),
            ),
          ),
        ),
        h(
          'tbody',
          {},
          ...items.map((r) =>
            h(
              'tr',
              { 'data-id': r.id },
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
              h('td', {}, r.accountId),
              h('td', {}, r.action),
              h('td', {}, r.immediate ? 'emergency' : r.mode),
              h('td', {}, r.requester.name),
              h('td', {}, when(r.createdAt)),
            ),
          ),
        ),
      ),
      cursor
        ? h('button', { type: 'button', class: 'secondary', onclick: () => void load(true) }, 'Load more')
        : null,
    );
  };
  await load(false);
}
