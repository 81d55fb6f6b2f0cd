/**
 * The request form. Its checks are the API's own (`requestProblems` of functions/lib/api/contract.ts), and its
 * resource kinds (label, hint, id pattern, whether the owner is needed), actions and action parameters come from
 * `/config.json`: a new resource kind or action reaches the form with no console change.
 */
import { requestProblems, type ActionView } from '../../functions/lib/api/contract.js';
import { api, ApiError } from './api.js';
import { h, replace } from './dom.js';
import { nameLookup } from './name-lookup.js';
import { paramControlId, paramsFieldset, type ParamsFieldset } from './request-params.js';
import { can, config, main, type Isolation } from './state.js';
import { errorBox, field, setFieldError } from './widgets.js';

/** The form's text fields, in the order they are checked and focused. */
const FIELDS = ['accountId', 'region', 'resourceId', 'userName', 'reason', 'ticket'] as const;
type FieldName = (typeof FIELDS)[number];

function isField(name: string): name is FieldName {
  return FIELDS.some((f) => f === name);
}

export function showRequest(): void {
  const settings = config();
  const type = h(
    'select',
    { id: 'resourceType', name: 'resourceType' },
    ...settings.requestableKinds.map((k) => h('option', { value: k.type }, k.label)),
  );
  const regionList = h(
    'datalist',
    { id: 'regions' },
    ...settings.regions.map((r) => h('option', { value: r })),
  );
  const resourceInput = h('input', {
    id: 'resourceId',
    name: 'resourceId',
    autocomplete: 'off',
    required: true,
  });
  const inputs: Record<FieldName, HTMLInputElement | HTMLTextAreaElement> = {
    accountId: h('input', {
      id: 'accountId',
      name: 'accountId',
      inputmode: 'numeric',
      autocomplete: 'off',
      required: true,
    }),
    region: h('input', {
      id: 'region',
      name: 'region',
      list: 'regions',
      value: settings.region,
      required: true,
    }),
    resourceId: resourceInput,
    userName: h('input', { id: 'userName', name: 'userName', autocomplete: 'off' }),
    reason: h('textarea', { id: 'reason', name: 'reason', rows: 3, required: true }),
    ticket: h('input', { id: 'ticket', name: 'ticket', autocomplete: 'off' }),
  };
  const action = h('select', { id: 'action', name: 'action' });
  const immediate = h('input', { id: 'immediate', name: 'immediate', type: 'checkbox' });
  const userField = field('Key owner (IAM user name)', inputs.userName);
  const resourceHint = h('p', { class: 'hint', id: 'resourceId-hint' });
  const paramsHolder = h('div', { id: 'action-params-holder' });
  let params: ParamsFieldset = paramsFieldset(undefined);

  const chosenAction = (): ActionView | undefined => settings.actions.find((a) => a.name === action.value);
  const chosenKind = () => settings.requestableKinds.find((k) => k.type === type.value);
  const needsUserName = (): boolean => chosenKind()?.needsUserName ?? false;
  const lookup = nameLookup(resourceInput);
  /** The resource field holds a Name to resolve, not an id: the kind can be looked up and the id pattern fails. */
  const holdsName = (): boolean => {
    const kind = chosenKind();
    const value = resourceInput.value.trim();
    return (
      kind !== undefined &&
      settings.nameLookupTypes.includes(kind.type) &&
      value !== '' &&
      !new RegExp(kind.idPattern).test(value)
    );
  };
  /** Resolve the Name in the field (the account and region must be valid first); never fills the field itself. */
  const resolveName = async (): Promise<void> => {
    const found = problems();
    for (const name of ['accountId', 'region'] as const) setFieldError(name, found[name]);
    if (found['accountId'] || found['region']) {
      document.getElementById(found['accountId'] ? 'accountId' : 'region')?.focus();
      return;
    }
    await lookup.lookUp(
      resourceInput.value.trim(),
      inputs.accountId.value.trim(),
      inputs.region.value.trim(),
    );
  };
  const fillParams = (): void => {
    params = paramsFieldset(chosenAction());
    replace(paramsHolder, params.element);
  };
  const fillActions = (): void => {
    const fits = settings.actions.filter((a) => a.resourceTypes.includes(type.value));
    replace(action, ...fits.map((a) => h('option', { value: a.name, title: a.description }, a.name)));
    userField.hidden = !needsUserName();
    const kind = chosenKind();
    replace(
      resourceHint,
      kind?.resourceHint ?? '',
      kind !== undefined && settings.nameLookupTypes.includes(kind.type)
        ? ' Or its Name tag: the form shows the instances with that name before anything is requested.'
        : '',
    );
    lookup.clear();
    fillParams();
  };
  type.addEventListener('change', fillActions);
  action.addEventListener('change', fillParams);

  /** The request body, exactly as it is sent. */
  const body = (): Record<string, unknown> => {
    const text = (name: FieldName): string => inputs[name].value.trim();
    return {
      resourceType: type.value,
      accountId: text('accountId'),
      region: text('region'),
      resourceId: text('resourceId'),
      ...(needsUserName() ? { userName: text('userName') } : {}),
      ...(action.value ? { action: action.value } : {}),
      ...(Object.keys(params.values()).length > 0 ? { params: params.values() } : {}),
      reason: inputs.reason.value,
      ...(text('ticket') ? { ticket: text('ticket') } : {}),
      ...(immediate.checked ? { immediate: true } : {}),
    };
  };
  const problems = (): Record<string, string> => ({
    ...requestProblems(body(), {
      actionNames: settings.actions.map((a) => a.name),
      kinds: settings.requestableKinds,
    }),
    ...params.problems(),
  });
  const check = (name: string): boolean => {
    // A Name is resolved on blur and on submit, not flagged as a malformed id.
    const message = name === 'resourceId' && holdsName() ? undefined : problems()[name];
    setFieldError(name, message);
    return !message;
  };
  for (const name of FIELDS) {
    const el = inputs[name];
    el.addEventListener('blur', () => check(name));
    el.addEventListener('input', () => {
      if (el.getAttribute('aria-invalid') === 'true') check(name);
    });
  }
  // Typing in the resource field (or changing where to look) makes the shown matches stale.
  for (const el of [resourceInput, inputs.accountId, inputs.region])
    el.addEventListener('input', () => lookup.clear());
  resourceInput.addEventListener('blur', () => {
    if (holdsName()) void resolveName();
  });
  const result = h('div', { id: 'request-result', 'aria-live': 'polite' });
  const submit = async (e: Event): Promise<void> => {
    e.preventDefault();
    // A Name is never submitted: show what it means and let the person choose an instance id.
    if (holdsName()) {
      await resolveName();
      return;
    }
    const found = problems();
    const shownFields = [...FIELDS, ...Object.keys(params.problems())];
    for (const name of shownFields) setFieldError(name, found[name]);
    const first = shownFields.find((name) => found[name]);
    if (first) {
      document.getElementById(first)?.focus();
      return;
    }
    try {
      const record = await api<Isolation>('POST', '/isolations', body());
      location.hash = `#/isolations/${encodeURIComponent(record.id)}`;
    } catch (error) {
      if (error instanceof ApiError) {
        for (const detail of error.errors) {
          const [name = '', ...rest] = detail.split(':');
          const message = rest.join(':').trim();
          if (isField(name)) setFieldError(name, message);
          else if (name.startsWith('params.')) setFieldError(paramControlId(name.slice(7)), message);
        }
      }
      replace(result, errorBox(error));
    }
  };
  const form = h(
    'form',
    { id: 'request-form', novalidate: true, onsubmit: (e: Event) => void submit(e) },
    regionList,
    field('Resource type', type),
    field('Account id', inputs.accountId, '12 digits: the member account that owns the resource.'),
    field('Region', inputs.region),
    withHint(field('Resource', inputs.resourceId), inputs.resourceId, resourceHint),
    lookup.element,
    userField,
    field('Action', action),
    paramsHolder,
    field('Reason', inputs.reason, 'At least 10 characters. Recorded on the isolation and in Security Hub.'),
    field('Ticket (optional)', inputs.ticket),
    can('approver')
      ? h(
          'div',
          { class: 'field field-check' },
          immediate,
          h(
            'label',
            { for: 'immediate' },
            'Emergency: isolate immediately without a second approver (recorded and notified)',
          ),
        )
      : null,
    h(
      'div',
      { class: 'buttons' },
      h('button', { type: 'submit', id: 'submit-request' }, 'Request isolation'),
    ),
    result,
  );
  fillActions();
  replace(
    main(),
    h('h2', {}, 'Request an isolation'),
    can('requester') || can('approver')
      ? form
      : h(
          'p',
          { class: 'alert alert-warn' },
          'Your account may only read isolations: ask to join cordon-requesters.',
        ),
  );
}

/** Put a hint that changes with the resource type under a field, tied to its control. */
function withHint(row: HTMLElement, control: HTMLElement, hint: HTMLElement): HTMLElement {
  control.setAttribute('aria-describedby', `${control.id}-hint ${control.id}-error`);
  row.insertBefore(hint, row.querySelector('.field-error'));
  return row;
}
