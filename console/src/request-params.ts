/**
 * The action's parameters in the request form, built from what `/config.json` says about them (derived on the
 * server from the action's zod schema): a checkbox per boolean, a list per enum, a text box otherwise. A
 * parameter whose effect release cannot undo is marked irreversible, and a warning names it while it is on.
 */
import type { ActionParamView, ActionView } from '../../functions/lib/api/contract.js';
import { h, replace } from './dom.js';
import { field } from './widgets.js';

export interface ParamsFieldset {
  /** The fieldset, or null when the action has no parameters. */
  element: HTMLElement | null;
  /** The chosen values, by parameter name (empty text boxes are left out: the action's default applies). */
  values(): Record<string, unknown>;
  /** Problems the form itself can see (a JSON box that is not JSON), by control id. */
  problems(): Record<string, string>;
}

/** The id of a parameter's control, which the form also uses to show the server's error for `params.<name>`. */
export function paramControlId(name: string): string {
  return `param-${name}`;
}

function shown(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

function control(param: ActionParamView): HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement {
  const id = paramControlId(param.name);
  switch (param.kind) {
    case 'boolean':
      return h('input', { id, name: id, type: 'checkbox', checked: param.default === true });
    case 'enum':
      return h(
        'select',
        { id, name: id },
        ...(param.options ?? []).map((o) => h('option', { value: o, selected: o === param.default }, o)),
      );
    case 'json':
      return h('textarea', { id, name: id, rows: 2, class: 'mono', placeholder: 'JSON' });
    default:
      return h('input', {
        id,
        name: id,
        inputmode: param.kind === 'number' ? 'decimal' : undefined,
        placeholder: param.default === undefined ? undefined : shown(param.default),
        autocomplete: 'off',
      });
  }
}

function hint(param: ActionParamView): string {
  const described = param.description ? param.description.replace(/([^.!?])$/, '$1.') : '';
  const parts = [described, param.default === undefined ? '' : `Default: ${shown(param.default)}.`];
  return parts.filter(Boolean).join(' ');
}

function irreversibleFlag(param: ActionParamView): HTMLElement | null {
  return param.irreversible
    ? h(
        'strong',
        { class: 'irreversible', id: `${paramControlId(param.name)}-irreversible` },
        ' Irreversible: release cannot undo it.',
      )
    : null;
}

function booleanField(param: ActionParamView, box: HTMLElement): HTMLElement {
  const id = paramControlId(param.name);
  const text = hint(param);
  box.setAttribute('aria-describedby', `${id}-hint ${id}-error`);
  return h(
    'div',
    { class: 'field field-param' },
    h('div', { class: 'field-check' }, box, h('label', { for: id }, param.name), irreversibleFlag(param)),
    text ? h('p', { class: 'hint', id: `${id}-hint` }, text) : null,
    h('p', { class: 'field-error', id: `${id}-error`, 'aria-live': 'polite' }),
  );
}

/** The fieldset for `action` (undefined: no action fits the resource type). */
export function paramsFieldset(action: ActionView | undefined): ParamsFieldset {
  const params = action?.params ?? [];
  if (params.length === 0) return { element: null, values: () => ({}), problems: () => ({}) };
  const controls = new Map(params.map((p) => [p.name, { param: p, input: control(p) }]));
  const warning = h('p', {
    id: 'irreversible-choice',
    class: 'alert alert-warn',
    role: 'note',
    hidden: true,
  });
  const irreversibleOn = (): string[] =>
    [...controls.values()]
      .filter(({ param, input }) => param.irreversible && input instanceof HTMLInputElement && input.checked)
      .map(({ param }) => param.name);
  const update = (): void => {
    const on = irreversibleOn();
    warning.hidden = on.length === 0;
    replace(
      warning,
      on.length === 0
        ? null
        : `Irreversible: ${on.join(', ')} is on. Release cannot undo it; approvers see this before they approve.`,
    );
  };
  const rows = [...controls.values()].map(({ param, input }) => {
    input.addEventListener('change', update);
    if (param.kind === 'boolean') return booleanField(param, input);
    const row = field(param.name, input, hint(param) || undefined);
    const flag = irreversibleFlag(param);
    if (flag) row.querySelector('label')?.append(flag);
    return row;
  });
  const values = (): Record<string, unknown> => {
    const out: Record<string, unknown> = {};
    for (const { param, input } of controls.values()) {
      if (input instanceof HTMLInputElement && input.type === 'checkbox') out[param.name] = input.checked;
      else if (param.kind === 'enum') out[param.name] = input.value;
      else if (input.value.trim() === '') continue;
      else if (param.kind === 'number') out[param.name] = Number(input.value.trim());
      else if (param.kind === 'json') out[param.name] = parseJson(input.value);
      else out[param.name] = input.value.trim();
    }
    return out;
  };
  const problems = (): Record<string, string> => {
    const out: Record<string, string> = {};
    for (const { param, input } of controls.values()) {
      const id = paramControlId(param.name);
      if (param.kind === 'json' && input.value.trim() && parseJson(input.value) === undefined)
        out[id] = 'This is not valid JSON.';
      if (param.kind === 'number' && input.value.trim() && !Number.isFinite(Number(input.value.trim())))
        out[id] = 'Enter a number.';
    }
    return out;
  };
  update();
  return {
    element: h(
      'fieldset',
      { id: 'action-params', class: 'params' },
      h('legend', {}, `Parameters of ${action?.name ?? ''}`),
      ...rows,
      warning,
    ),
    values,
    problems,
  };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
