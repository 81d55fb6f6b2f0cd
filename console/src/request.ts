/** The request form, with client-side checks that mirror the API's validation. */
import { api, ApiError } from './api.js';
import { h, replace } from './dom.js';
import { can, config, main, type Isolation } from './state.js';
import { errorBox, field, setFieldError } from './widgets.js';

const CLIENT_RULES: Record<string, (v: string, form: Record<string, string>) => string | undefined> = {
  accountId: (v) => (/^\d{12}$/.test(v) ? undefined : 'Enter the 12-digit account id.'),
  region: (v) => (config().regions.includes(v) ? undefined : 'Choose an AWS Region, such as eu-west-1.'),
  resourceId: (v, f) => {
    if (!v) return 'Enter the resource to isolate.';
    switch (f['resourceType']) {
      case 'ec2-instance':
        return /^(i-([0-9a-f]{8}|[0-9a-f]{17})|arn:aws[\w-]*:ec2:[\w-]+:\d{12}:instance\/i-[0-9a-f]+)$/.test(
          v,
        )
          ? undefined
          : 'An instance id is i- followed by 8 or 17 hex digits.';
      case 'iam-access-key':
        return /^AKIA[A-Z0-9]{16}$/.test(v)
          ? undefined
          : 'An access key id is AKIA followed by 16 letters or digits.';
      default:
        return /^([\w+=,.@-]{1,64}|arn:aws[\w-]*:iam::\d{12}:(user|role)\/.+)$/.test(v)
          ? undefined
          : 'Enter an IAM name (letters, digits, +=,.@_-) or its ARN.';
    }
  },
  userName: (v, f) =>
    f['resourceType'] !== 'iam-access-key' || /^[\w+=,.@-]{1,64}$/.test(v)
      ? undefined
      : 'Enter the user that owns the key.',
  reason: (v) => (v.trim().length >= 10 ? undefined : 'Explain why, in at least 10 characters.'),
  ticket: (v) => (!v || /^[\w.:/#-]{1,128}$/.test(v) ? undefined : 'Use letters, digits and ._:/#- only.'),
};

export function showRequest(): void {
  const type = h(
    'select',
    { id: 'resourceType', name: 'resourceType' },
    h('option', { value: 'ec2-instance' }, 'EC2 instance'),
    h('option', { value: 'iam-user' }, 'IAM user'),
    h('option', { value: 'iam-access-key' }, 'IAM access key'),
    h('option', { value: 'iam-role' }, 'IAM role'),
  );
  const regionList = h(
    'datalist',
    { id: 'regions' },
    ...config().regions.map((r) => h('option', { value: r })),
  );
  const inputs = {
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
      value: config().region,
      required: true,
    }),
    resourceId: h('input', { id: 'resourceId', name: 'resourceId', autocomplete: 'off', required: true }),
    userName: h('input', { id: 'userName', name: 'userName', autocomplete: 'off' }),
    reason: h('textarea', { id: 'reason', name: 'reason', rows: 3, required: true }),
    ticket: h('input', { id: 'ticket', name: 'ticket', autocomplete: 'off' }),
  };
  const action = h('select', { id: 'action', name: 'action' });
  const immediate = h('input', { id: 'immediate', name: 'immediate', type: 'checkbox' });
  const userField = field('Key owner (IAM user name)', inputs.userName);
  const fillActions = (): void => {
    const fits = config().actions.filter((a) => a.resourceTypes.includes(type.value));
    replace(action, ...fits.map((a) => h('option', { value: a.name, title: a.description }, a.name)));
    userField.hidden = type.value !== 'iam-access-key';
  };
  type.addEventListener('change', fillActions);
  const result = h('div', { id: 'request-result', 'aria-live': 'polite' });
  const values = (): Record<string, string> => ({
    resourceType: type.value,
    accountId: inputs.accountId.value.trim(),
    region: inputs.region.value.trim(),
    resourceId: inputs.resourceId.value.trim(),
    userName: inputs.userName.value.trim(),
    reason: inputs.reason.value,
    ticket: inputs.ticket.value.trim(),
  });
  const check = (name: string): boolean => {
    const rule = CLIENT_RULES[name];
    const message = rule ? rule((values()[name] ?? '').toString(), values()) : undefined;
    setFieldError(name, message);
    return !message;
  };
  for (const name of Object.keys(inputs)) {
    const el = inputs[name as keyof typeof inputs];
    el.addEventListener('blur', () => check(name));
    el.addEventListener('input', () => {
      if (el.getAttribute('aria-invalid') === 'true') check(name);
    });
  }
  const form = h(
    'form',
    {
      id: 'request-form',
      novalidate: true,
      onsubmit: async (e: Event) => {
        e.preventDefault();
        const invalid = Object.keys(inputs).filter((n) => !check(n));
        if (invalid.length > 0) {
          document.getElementById(invalid[0] ?? '')?.focus();
          return;
        }
        const v = values();
        const body: Record<string, unknown> = {
          resourceType: v['resourceType'],
          accountId: v['accountId'],
          region: v['region'],
          resourceId: v['resourceId'],
          action: action.value,
          reason: v['reason'],
        };
        if (v['resourceType'] === 'iam-access-key') body['userName'] = v['userName'];
        if (v['ticket']) body['ticket'] = v['ticket'];
        if (immediate.checked) body['immediate'] = true;
        try {
          const record = await api<Isolation>('POST', '/isolations', body);
          location.hash = `#/isolations/${encodeURIComponent(record.id)}`;
        } catch (error) {
          if (error instanceof ApiError) {
            for (const detail of error.errors) {
              const [name, ...rest] = detail.split(':');
              if (name && name in inputs) setFieldError(name, rest.join(':').trim());
            }
          }
          replace(result, errorBox(error));
        }
      },
    },
    regionList,
    field('Resource type', type),
    field('Account id', inputs.accountId, '12 digits: the member account that owns the resource.'),
    field('Region', inputs.region),
    field(
      'Resource',
      inputs.resourceId,
      'Instance id (i-…), IAM user or role name or ARN, or access key id (AKIA…).',
    ),
    userField,
    field('Action', action),
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
