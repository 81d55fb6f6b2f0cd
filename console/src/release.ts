/**
 * Release of an isolated IAM user: show the credentials created during the incident before release, and let
 * the releaser name the ones to bring back (`restoreKeys`). Everything not named stays as it is: it may be the
 * attacker's persistence. Values from the API are read field by field and rendered as text only.
 */
import { h } from './dom.js';

/** Kinds release can bring back when named; MFA devices and passwords are only listed. */
const RESTORABLE = new Set(['access-key', 'ssh-public-key', 'signing-certificate']);

const LABELS: Readonly<Record<string, string>> = {
  'access-key': 'Access key',
  'mfa-device': 'MFA device',
  'login-profile': 'Console password',
  'ssh-public-key': 'SSH public key',
  'signing-certificate': 'Signing certificate',
};

export interface IncidentItemView {
  kind: string;
  id: string;
  createdAt: string;
}

function field(value: unknown, key: string): unknown {
  return typeof value === 'object' && value !== null
    ? Object.getOwnPropertyDescriptor(value, key)?.value
    : undefined;
}

/** `before.iamUser.createdDuringIncident` of a record, keeping only well-formed entries. */
export function incidentItems(before: unknown): IncidentItemView[] {
  const list = field(field(before, 'iamUser'), 'createdDuringIncident');
  if (!Array.isArray(list)) return [];
  return list.flatMap((item: unknown) => {
    const kind = field(item, 'kind');
    const id = field(item, 'id');
    const createdAt = field(item, 'createdAt');
    return typeof kind === 'string' && typeof id === 'string' && typeof createdAt === 'string'
      ? [{ kind, id, createdAt }]
      : [];
  });
}

/** The incident window recorded by apply, as text, or undefined. */
function windowText(before: unknown): string | undefined {
  const window = field(field(before, 'iamUser'), 'incidentWindow');
  const from = field(window, 'from');
  const to = field(window, 'to');
  return typeof from === 'string' && typeof to === 'string' ? `${from} to ${to}` : undefined;
}

export interface ReleasePanel {
  /** The section to show, or null when nothing was created during the incident. */
  element: HTMLElement | null;
  /** The release request body: the reason, and the credentials ticked for restore. */
  body(reason: string): { reason: string; restoreKeys?: string[] };
}

/** The panel for a record; `canRelease` adds the restore checkboxes. */
export function releasePanel(before: unknown, canRelease: boolean): ReleasePanel {
  const items = incidentItems(before);
  const boxes = new Map<string, HTMLInputElement>();
  const body = (reason: string): { reason: string; restoreKeys?: string[] } => {
    const restoreKeys = [...boxes].filter(([, box]) => box.checked).map(([id]) => id);
    return restoreKeys.length > 0 ? { reason, restoreKeys } : { reason };
  };
  if (items.length === 0) return { element: null, body };
  const rows = items.map((item) => {
    let restore: HTMLElement | string = 'kept (review and delete by hand)';
    if (canRelease && RESTORABLE.has(item.kind)) {
      const box = h('input', {
        type: 'checkbox',
        id: `restore-${item.id}`,
        name: 'restoreKeys',
        value: item.id,
      });
      boxes.set(item.id, box);
      restore = h('label', { for: `restore-${item.id}` }, box, ' restore on release');
    } else if (RESTORABLE.has(item.kind)) {
      restore = 'kept inactive unless named on release';
    }
    return h(
      'tr',
      {},
      h('td', {}, LABELS[item.kind] ?? item.kind),
      h('td', {}, h('code', {}, item.id)),
      h('td', {}, item.createdAt),
      h('td', {}, restore),
    );
  });
  const window = windowText(before);
  const element = h(
    'section',
    { id: 'incident-credentials', class: 'alert alert-warn', 'aria-label': 'Created during the incident' },
    h('h3', {}, 'Created during the incident'),
    h(
      'p',
      {},
      `These credentials were created inside the incident window${window ? ` (${window})` : ''}, so they may be the attacker's. ` +
        'Release leaves them as they are unless you tick them.',
    ),
    h(
      'table',
      { class: 'list' },
      h(
        'thead',
        {},
        h('tr', {}, ...['Kind', 'Id', 'Created', 'On release'].map((c) => h('th', { scope: 'col' }, c))),
      ),
      h('tbody', {}, ...rows),
    ),
  );
  return { element, body };
}
