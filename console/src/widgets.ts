/** Shared view pieces: status badges, error boxes, labelled form fields, fact lists and step timelines. */
import type { IsolationRecord } from '../../functions/lib/store/model.js';
import { ApiError } from './api.js';
import { h, stamp, type Child } from './dom.js';

export function badge(status: string): HTMLElement {
  return h(
    'span',
    { class: `badge badge-${status.toLowerCase().replace(/_/g, '-')}` },
    status.replace(/_/g, ' '),
  );
}

export function errorBox(error: unknown): HTMLElement {
  if (error instanceof ApiError) {
    return h(
      'div',
      { class: 'alert alert-error', role: 'alert' },
      h('strong', {}, `${error.title} (${error.status})`),
      error.detail ? h('p', {}, error.detail) : null,
      error.errors.length > 0 ? h('ul', {}, ...error.errors.map((e) => h('li', {}, e))) : null,
    );
  }
  return h(
    'div',
    { class: 'alert alert-error', role: 'alert' },
    error instanceof Error ? error.message : String(error),
  );
}

export function field(label: string, control: HTMLElement, hint?: string): HTMLElement {
  const id = control.id;
  const hintEl = hint ? h('p', { class: 'hint', id: `${id}-hint` }, hint) : null;
  if (hint) control.setAttribute('aria-describedby', `${id}-hint ${id}-error`);
  else control.setAttribute('aria-describedby', `${id}-error`);
  return h(
    'div',
    { class: 'field' },
    h('label', { for: id }, label),
    control,
    hintEl,
    h('p', { class: 'field-error', id: `${id}-error`, 'aria-live': 'polite' }),
  );
}

export function setFieldError(id: string, message: string | undefined): void {
  const control = document.getElementById(id);
  const err = document.getElementById(`${id}-error`);
  if (!control || !err) return;
  err.textContent = message ?? '';
  if (message) control.setAttribute('aria-invalid', 'true');
  else control.removeAttribute('aria-invalid');
}

export function steps(title: string, list: IsolationRecord['steps']): HTMLElement | null {
  if (list.length === 0) return null;
  return h(
    'section',
    { 'aria-label': title },
    h('h3', {}, title),
    h(
      'ol',
      { class: 'timeline' },
      // Ordered by time: a resumed run records its steps again, and the timeline must read in order.
      ...[...list]
        .sort((a, b) => a.at.localeCompare(b.at))
        .map((s) =>
          h(
            'li',
            { class: `step step-${s.status}` },
            h('span', { class: `badge badge-step-${s.status}` }, s.status),
            h('strong', {}, ` ${s.name}`),
            h('p', {}, s.detail),
            stamp(s.at),
          ),
        ),
    ),
  );
}

export function dl(entries: [string, Child][]): HTMLElement {
  return h(
    'dl',
    { class: 'facts' },
    ...entries
      .filter(([, v]) => v !== undefined && v !== null && v !== '')
      .map(([k, v]) => [h('dt', {}, k), h('dd', {}, v)]),
  );
}
