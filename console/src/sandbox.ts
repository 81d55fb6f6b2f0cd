/** Sandbox-only panels: fire a simulated finding; the Security Hub write-backs the emulator cannot take. */
import { api } from './api.js';
import { h, replace } from './dom.js';
import { main } from './state.js';
import { badge, errorBox, field } from './widgets.js';

interface SandboxCatalogue {
  findingTypes: { id: string; label: string; target: string }[];
  resources: { id: string; label: string; kind: string }[];
}

export async function showSimulate(): Promise<void> {
  let catalogue: SandboxCatalogue;
  try {
    catalogue = await api<SandboxCatalogue>('GET', '/sandbox/catalogue');
  } catch (error) {
    replace(main(), errorBox(error));
    return;
  }
  const type = h(
    'select',
    { id: 'sim-type' },
    ...catalogue.findingTypes.map((t) => h('option', { value: t.id }, t.label)),
  );
  const resource = h('select', { id: 'sim-resource' });
  const fillResources = (): void => {
    const target = catalogue.findingTypes.find((t) => t.id === type.value)?.target;
    replace(
      resource,
      ...catalogue.resources
        .filter((r) => r.kind === target)
        .map((r) => h('option', { value: r.id }, r.label)),
    );
  };
  type.addEventListener('change', fillResources);
  fillResources();
  const out = h('div', { id: 'sim-result', 'aria-live': 'polite' });
  const form = h(
    'form',
    {
      onsubmit: async (e: Event) => {
        e.preventDefault();
        replace(out, h('p', {}, 'Sending the finding through the rules, triage and the worker…'));
        try {
          const result = await api<{
            summary: string;
            refused?: boolean;
            isolations: { id: string; status: string }[];
          }>('POST', '/sandbox/simulate', { findingType: type.value, resource: resource.value });
          replace(
            out,
            // A refusal is recorded SKIPPED with its reason: shown as a warning, never as a green match.
            result.refused === true
              ? h('p', { class: 'alert alert-warn', id: 'sim-refused' }, `Refused: ${result.summary}`)
              : h('p', { class: 'alert alert-ok' }, result.summary),
            h(
              'ul',
              {},
              ...result.isolations.map((i) =>
                h(
                  'li',
                  {},
                  h('a', { href: `#/isolations/${encodeURIComponent(i.id)}` }, i.id),
                  ' ',
                  badge(i.status),
                ),
              ),
            ),
          );
        } catch (error) {
          replace(out, errorBox(error));
        }
      },
    },
    field('GuardDuty finding type', type),
    field('Sandbox resource', resource),
    h('div', { class: 'buttons' }, h('button', { type: 'submit', id: 'fire-finding' }, 'Fire finding')),
  );
  replace(
    main(),
    h('h2', {}, 'Simulate a finding'),
    h(
      'p',
      {},
      'Sends a GuardDuty finding event for a sandbox resource through the rules, triage and the worker.',
    ),
    form,
    out,
  );
}

export async function showOutbox(): Promise<void> {
  try {
    const data = await api<{ entries: unknown[] }>('GET', '/sandbox/outbox');
    replace(
      main(),
      h('h2', {}, 'Security Hub outbox'),
      h(
        'p',
        {},
        'Write-backs (BatchUpdateFindings, BatchImportFindings) that the local emulator cannot take, newest first.',
      ),
      data.entries.length === 0
        ? h('p', { class: 'empty' }, 'Nothing yet.')
        : h(
            'ol',
            { class: 'outbox' },
            ...data.entries.map((e) => {
              const text = JSON.stringify(e, null, 2);
              // Each isolation the write-back is about, linked to its detail view.
              const ids = [...new Set(text.match(/iso-\d{14,17}-[0-9a-f]{6,32}/g) ?? [])];
              return h(
                'li',
                {},
                ids.length > 0
                  ? h(
                      'p',
                      { class: 'outbox-links' },
                      'Isolation: ',
                      ...ids.flatMap((id, i) => [
                        i > 0 ? ', ' : '',
                        h('a', { href: `#/isolations/${encodeURIComponent(id)}` }, id),
                      ]),
                    )
                  : null,
                h('pre', { class: 'json wrap', tabindex: 0 }, text),
              );
            }),
          ),
    );
  } catch (error) {
    replace(main(), errorBox(error));
  }
}
