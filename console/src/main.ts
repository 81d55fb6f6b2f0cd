/**
 * cordon web console: a single page without a framework. Hash routes:
 *   #/isolations            list with filters and auto-refresh
 *   #/isolations/<id>       detail: steps timeline, audit trail, before-state, approve/reject/release/retry
 *   #/request               the request form
 *   #/policy                policy playground
 *   #/simulate, #/outbox    sandbox only: fire a simulated finding; Security Hub write-backs the emulator cannot take
 */
import { ISOLATION_STATUSES, type IsolationRecord } from '../../functions/lib/store/model.js';
import { api, ApiError } from './api.js';
import { accessToken, completeSignIn, signIn, signOut, type AuthSettings } from './auth.js';
import { byId, h, replace, when, type Child } from './dom.js';
import { releasePanel } from './release.js';

interface ActionInfo {
  name: string;
  description: string;
  resourceTypes: string[];
}

interface ConsoleConfig {
  sandbox: boolean;
  region: string;
  auth: AuthSettings | null;
  actions: ActionInfo[];
  regions: string[];
}

interface Me {
  sub: string;
  username: string;
  roles: string[];
}

type Isolation = IsolationRecord & {
  allowed: { approve: boolean; reject: boolean; release: boolean; retry: boolean };
};

const REFRESH_MS = 5000;
const TRANSIENT = new Set(['APPROVED', 'IN_PROGRESS', 'RELEASING']);

let config: ConsoleConfig;
let me: Me | undefined;
let refreshTimer: number | undefined;
const main = (): HTMLElement => byId('main');

function stopRefresh(): void {
  if (refreshTimer !== undefined) window.clearTimeout(refreshTimer);
  refreshTimer = undefined;
}

function scheduleRefresh(fn: () => void): void {
  stopRefresh();
  refreshTimer = window.setTimeout(fn, REFRESH_MS);
}

function badge(status: string): HTMLElement {
  return h(
    'span',
    { class: `badge badge-${status.toLowerCase().replace(/_/g, '-')}` },
    status.replace(/_/g, ' '),
  );
}

function errorBox(error: unknown): HTMLElement {
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

function field(label: string, control: HTMLElement, hint?: string): HTMLElement {
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

function setFieldError(id: string, message: string | undefined): void {
  const control = document.getElementById(id);
  const err = document.getElementById(`${id}-error`);
  if (!control || !err) return;
  err.textContent = message ?? '';
  if (message) control.setAttribute('aria-invalid', 'true');
  else control.removeAttribute('aria-invalid');
}

function can(role: string): boolean {
  return me?.roles.includes(role) ?? false;
}

// ---------------------------------------------------------------------------------------------------------------
// Isolations list
// ---------------------------------------------------------------------------------------------------------------

async function showList(): Promise<void> {
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

// ---------------------------------------------------------------------------------------------------------------
// Detail
// ---------------------------------------------------------------------------------------------------------------

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

function steps(title: string, list: IsolationRecord['steps']): HTMLElement | null {
  if (list.length === 0) return null;
  return h(
    'section',
    { 'aria-label': title },
    h('h3', {}, title),
    h(
      'ol',
      { class: 'timeline' },
      ...list.map((s) =>
        h(
          'li',
          { class: `step step-${s.status}` },
          h('span', { class: `badge badge-step-${s.status}` }, s.status),
          h('strong', {}, ` ${s.name}`),
          h('p', {}, s.detail),
          h('time', { datetime: s.at }, when(s.at)),
        ),
      ),
    ),
  );
}

function dl(entries: [string, Child][]): HTMLElement {
  return h(
    'dl',
    { class: 'facts' },
    ...entries
      .filter(([, v]) => v !== undefined && v !== null && v !== '')
      .map(([k, v]) => [h('dt', {}, k), h('dd', {}, v)]),
  );
}

async function showDetail(id: string): Promise<void> {
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
    const message = h('div', { id: 'decision-message', 'aria-live': 'polite' });
    const incident = releasePanel(r.before, r.allowed.release);
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
    const own = r.requester.type === 'user' && r.requester.id === me?.sub;
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

// ---------------------------------------------------------------------------------------------------------------
// Request form
// ---------------------------------------------------------------------------------------------------------------

const CLIENT_RULES: Record<string, (v: string, form: Record<string, string>) => string | undefined> = {
  accountId: (v) => (/^\d{12}$/.test(v) ? undefined : 'Enter the 12-digit account id.'),
  region: (v) => (config.regions.includes(v) ? undefined : 'Choose an AWS Region, such as eu-west-1.'),
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

function showRequest(): void {
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
    ...config.regions.map((r) => h('option', { value: r })),
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
      value: config.region,
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
    const fits = config.actions.filter((a) => a.resourceTypes.includes(type.value));
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

// ---------------------------------------------------------------------------------------------------------------
// Policy playground
// ---------------------------------------------------------------------------------------------------------------

function renderDecision(result: unknown): HTMLElement {
  const parts: Child[] = [];
  const decisions: unknown[] = [];
  const collect = (value: unknown): void => {
    if (!value || typeof value !== 'object') return;
    const v = value as Record<string, unknown>;
    if ('explanation' in v && 'rule' in v) decisions.push(v);
    for (const child of Object.values(v)) {
      if (Array.isArray(child)) child.forEach(collect);
      else if (child && typeof child === 'object') collect(child);
    }
  };
  collect(result);
  for (const d of decisions) {
    const decision = d as {
      rule: string | null;
      mode: string | null;
      reasons: string[];
      actions: { action: string; resource: { type: string; id: string } }[];
      explanation: { rule: string; matched: boolean; reason: string }[];
    };
    parts.push(
      h(
        'div',
        { class: 'decision-result' },
        h(
          'p',
          {},
          decision.rule
            ? `Rule “${decision.rule}” matches: mode ${decision.mode ?? ''}.`
            : 'No rule matches.',
        ),
        decision.actions.length > 0
          ? h(
              'ul',
              {},
              ...decision.actions.map((a) =>
                h('li', {}, `${a.action} on ${a.resource.type} ${a.resource.id}`),
              ),
            )
          : null,
        decision.reasons.length > 0
          ? h('ul', { class: 'reasons' }, ...decision.reasons.map((r) => h('li', {}, r)))
          : null,
        h(
          'table',
          { class: 'list' },
          h(
            'thead',
            {},
            h(
              'tr',
              {},
              h('th', { scope: 'col' }, 'Rule'),
              h('th', { scope: 'col' }, 'Matched'),
              h('th', { scope: 'col' }, 'Why'),
            ),
          ),
          h(
            'tbody',
            {},
            ...decision.explanation.map((e) =>
              h('tr', {}, h('td', {}, e.rule), h('td', {}, e.matched ? 'yes' : 'no'), h('td', {}, e.reason)),
            ),
          ),
        ),
      ),
    );
  }
  return h(
    'div',
    { id: 'policy-result' },
    ...parts,
    h(
      'details',
      {},
      h('summary', {}, 'Full response'),
      h('pre', { class: 'json', tabindex: 0 }, JSON.stringify(result, null, 2)),
    ),
  );
}

function showPolicy(): void {
  const text = h('textarea', { id: 'policy-event', rows: 16, spellcheck: 'false', class: 'mono' });
  const out = h('div', { 'aria-live': 'polite' });
  const form = h(
    'form',
    {
      onsubmit: async (e: Event) => {
        e.preventDefault();
        let event: unknown;
        try {
          event = JSON.parse(text.value);
          setFieldError('policy-event', undefined);
        } catch {
          setFieldError('policy-event', 'This is not valid JSON.');
          return;
        }
        try {
          replace(out, renderDecision(await api('POST', '/policy/evaluate', event)));
        } catch (error) {
          replace(out, errorBox(error));
        }
      },
    },
    field('Finding event (EventBridge JSON: GuardDuty Finding or Security Hub Findings)', text),
    h('div', { class: 'buttons' }, h('button', { type: 'submit' }, 'Evaluate')),
  );
  replace(
    main(),
    h('h2', {}, 'Policy playground'),
    h(
      'p',
      {},
      'Paste a finding event: cordon shows what its policy would decide, and why. Nothing is changed.',
    ),
    form,
    out,
  );
}

// ---------------------------------------------------------------------------------------------------------------
// Sandbox panels
// ---------------------------------------------------------------------------------------------------------------

interface SandboxCatalogue {
  findingTypes: { id: string; label: string; target: string }[];
  resources: { id: string; label: string; kind: string }[];
}

async function showSimulate(): Promise<void> {
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
          const result = await api<{ summary: string; isolations: { id: string; status: string }[] }>(
            'POST',
            '/sandbox/simulate',
            { findingType: type.value, resource: resource.value },
          );
          replace(
            out,
            h('p', { class: 'alert alert-ok' }, result.summary),
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

async function showOutbox(): Promise<void> {
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
            ...data.entries.map((e) =>
              h('li', {}, h('pre', { class: 'json', tabindex: 0 }, JSON.stringify(e, null, 2))),
            ),
          ),
    );
  } catch (error) {
    replace(main(), errorBox(error));
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Shell
// ---------------------------------------------------------------------------------------------------------------

function renderNav(): void {
  const links: [string, string][] = [
    ['#/isolations', 'Isolations'],
    ['#/request', 'Request'],
    ['#/policy', 'Policy playground'],
  ];
  if (config.sandbox) links.push(['#/simulate', 'Simulate finding'], ['#/outbox', 'Security Hub outbox']);
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
  if (!me) return;
  renderNav();
  const hash = location.hash || '#/isolations';
  const detail = /^#\/isolations\/([^?]+)$/.exec(hash);
  if (detail?.[1]) await showDetail(decodeURIComponent(detail[1]));
  else if (hash.startsWith('#/isolations')) await showList();
  else if (hash.startsWith('#/request')) showRequest();
  else if (hash.startsWith('#/policy')) showPolicy();
  else if (hash.startsWith('#/simulate') && config.sandbox) await showSimulate();
  else if (hash.startsWith('#/outbox') && config.sandbox) await showOutbox();
  else location.hash = '#/isolations';
  byId('main').focus({ preventScroll: true });
}

function renderSignedOut(message?: Child): void {
  replace(byId('user'));
  replace(byId('nav'));
  const auth = config.auth;
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
  config = await api<ConsoleConfig>('GET', '/config.json');
  byId('sandbox-banner').hidden = !config.sandbox;
  if (config.auth) {
    try {
      const next = await completeSignIn(config.auth);
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
  try {
    me = await api<Me>('GET', '/me');
  } catch (error) {
    renderSignedOut(errorBox(error));
    return;
  }
  const auth = config.auth;
  replace(
    byId('user'),
    h('span', { id: 'whoami' }, `${me.username} · ${me.roles.join(', ')}`),
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
