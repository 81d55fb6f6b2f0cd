/**
 * What an approver needs before deciding, from what the record holds: the finding, the resource (Name and owner
 * tags, VPC, current groups), the steps approval will run with the chosen parameters, the request, and the
 * approval expiry. Also the partition-aware AWS console links and copy buttons the detail view uses.
 */
import { h, stamp, type Child } from './dom.js';
import { config, type Isolation } from './state.js';
import { dl } from './widgets.js';

/** Tag keys that name who owns a resource (the notification's owner attributes use the same idea). */
const OWNER_TAG = /owner|team|contact|department|cost-?cent(er|re)|^app(lication)?$/i;

/** Step names per action, injected at build time from each action's definition (console/build.ts). */
function plannedSteps(action: string): { apply: string[]; release: string[] } | undefined {
  return typeof __CORDON_ACTION_STEPS__ === 'undefined' ? undefined : __CORDON_ACTION_STEPS__[action];
}

/** The AWS console's host for a resource's partition (from its ARN, else its region). */
export function consoleHost(region: string, arn: string | undefined): string {
  const partition =
    arn?.split(':')[1] ??
    (region.startsWith('cn-') ? 'aws-cn' : region.startsWith('us-gov-') ? 'aws-us-gov' : 'aws');
  if (partition === 'aws-cn') return `https://${region}.console.amazonaws.cn`;
  if (partition === 'aws-us-gov') return `https://${region}.console.amazonaws-us-gov.com`;
  return `https://${region}.console.aws.amazon.com`;
}

/** The AWS console page of a resource, as its kind declares it (consolePage), or undefined. */
export function resourceConsoleUrl(
  type: string,
  id: string,
  region: string,
  arn?: string,
): string | undefined {
  const page = typeof __CORDON_CONSOLE_PAGES__ === 'undefined' ? undefined : __CORDON_CONSOLE_PAGES__[type];
  if (!page) return undefined;
  const host = consoleHost(region, arn);
  // `{arn/N}`: the Nth `/`-separated part of the ARN's resource (kind.ts, ConsolePage); no ARN part, no link.
  const parts = (arn?.split(':').slice(5).join(':') ?? '').split('/');
  let missing = false;
  const path = page.path
    .replaceAll('{region}', region)
    .replaceAll('{id}', encodeURIComponent(id))
    .replace(/\{arn\/(\d)\}/g, (_, n: string) => {
      const part = parts[Number(n)];
      if (!part) missing = true;
      return encodeURIComponent(part ?? '');
    });
  if (missing) return undefined;
  return `${page.global === true ? host.replace(`${region}.`, '') : host}${path}`;
}

/** A link to the AWS console page of a part of a resource (group, snapshot, VPC, evidence object). */
export function awsConsoleUrl(
  kind: 'security-group' | 'snapshot' | 'vpc' | 's3-object',
  id: string,
  region: string,
  arn?: string,
): string {
  const host = consoleHost(region, arn);
  const q = encodeURIComponent(id);
  switch (kind) {
    case 'security-group':
      return `${host}/ec2/home?region=${region}#SecurityGroup:groupId=${q}`;
    case 'snapshot':
      return `${host}/ec2/home?region=${region}#SnapshotDetails:snapshotId=${q}`;
    case 'vpc':
      return `${host}/vpcconsole/home?region=${region}#VpcDetails:VpcId=${q}`;
    case 's3-object': {
      const [bucket = '', ...key] = id.split('/');
      return `${host.replace(`${region}.`, '')}/s3/object/${bucket}?region=${region}&prefix=${encodeURIComponent(key.join('/'))}`;
    }
  }
}

/** A copy-to-clipboard button for an id. */
export function copyButton(value: string, label: string): HTMLElement {
  const button = h('button', {
    type: 'button',
    class: 'copy',
    'aria-label': `Copy ${label}`,
    title: `Copy ${label}`,
    onclick: () => {
      void navigator.clipboard.writeText(value).then(
        () => (button.textContent = 'Copied'),
        () => (button.textContent = 'Copy failed'),
      );
    },
  });
  button.textContent = 'Copy';
  return button;
}

/** An id in code, linked to its AWS console page when there is one, with a copy button. */
export function idWithLinks(id: string, label: string, url: string | undefined): HTMLElement {
  const code = h('code', {}, id);
  return h(
    'span',
    { class: 'id' },
    url
      ? h(
          'a',
          {
            href: url,
            target: '_blank',
            rel: 'noopener noreferrer',
            title: `Open ${label} in the AWS console`,
          },
          code,
        )
      : code,
    ' ',
    copyButton(id, label),
  );
}

export function section(id: string, title: string, ...children: Child[]): HTMLElement {
  return h(
    'section',
    { id, class: 'context', 'aria-labelledby': `${id}-title` },
    h('h3', { id: `${id}-title` }, title),
    ...children,
  );
}

/** The GuardDuty finding's id, linked to its page in the GuardDuty console (partition-aware), with a copy button. */
function guardDutyLink(r: Isolation): HTMLElement | undefined {
  const key = r.findingKey ?? r.finding?.key ?? '';
  const id = /:detector\/[^/]+\/finding\/([^/]+)$/.exec(key)?.[1];
  if (!id) return undefined;
  const url = `${consoleHost(r.region, key)}/guardduty/home?region=${r.region}#/findings?macros=current&fId=${encodeURIComponent(id)}`;
  return h('span', { id: 'finding-id' }, idWithLinks(id, 'GuardDuty finding', url));
}

/** The finding: title, type, severity, first and last seen, count, and what cordon recorded of it. */
export function findingContext(r: Isolation): HTMLElement | null {
  const f = r.finding;
  if (!f) return null;
  return section(
    'context-finding',
    'Finding',
    dl([
      ['Title', f.title],
      ['Type', h('code', {}, f.type)],
      [
        'Severity',
        h(
          'span',
          { class: `sev sev-${f.severity.label.toLowerCase()}` },
          `${f.severity.label} (${f.severity.score})`,
        ),
      ],
      ['Source', `${f.productName} (${f.source})`],
      ['Finding id', guardDutyLink(r)],
      ['First seen', stamp(f.firstSeenAt ?? f.createdAt)],
      ['Last seen', stamp(r.trigger?.updatedAt)],
      ['Count', r.trigger?.count],
      [
        'Remote IP and location',
        f.remote
          ? h(
              'span',
              { id: 'finding-remote' },
              h('code', {}, f.remote.ip),
              ' ',
              [f.remote.city, f.remote.country].filter(Boolean).join(', '),
              f.remote.organization ? ` (${f.remote.organization})` : '',
            )
          : 'None in the finding (GuardDuty names one for network, API-call, login and probe activity).',
      ],
    ]),
    h(
      'details',
      { id: 'finding-raw' },
      h('summary', {}, 'Finding as recorded'),
      h(
        'pre',
        { class: 'json', tabindex: 0 },
        JSON.stringify({ findingKey: r.findingKey, finding: f, trigger: r.trigger }, null, 2),
      ),
    ),
  );
}

/** The resource: Name and owner tags, VPC, current groups, from what the finding and the record hold. */
export function resourceContext(r: Isolation): HTMLElement {
  const res = r.resource;
  const tags = res.tags;
  const owners = Object.entries(tags).filter(([k]) => OWNER_TAG.test(k));
  const vpc = 'vpcId' in res && typeof res.vpcId === 'string' ? res.vpcId : undefined;
  const groups = 'securityGroupIds' in res && Array.isArray(res.securityGroupIds) ? res.securityGroupIds : [];
  const enis =
    'networkInterfaces' in res && Array.isArray(res.networkInterfaces) ? res.networkInterfaces : [];
  const groupLinks = (ids: readonly string[]): HTMLElement =>
    h(
      'ul',
      { class: 'ids' },
      ...ids.map((g) =>
        h(
          'li',
          {},
          idWithLinks(g, `security group ${g}`, awsConsoleUrl('security-group', g, r.region, res.arn)),
        ),
      ),
    );
  return section(
    'context-resource',
    'Resource',
    dl([
      ['Id', idWithLinks(res.id, res.type, resourceConsoleUrl(res.type, res.id, r.region, res.arn))],
      ['Name', h('span', { id: 'resource-name' }, tags['Name'] ?? '(no Name tag)')],
      [
        'Owner tags',
        owners.length > 0
          ? h(
              'ul',
              { id: 'resource-owners' },
              ...owners.map(([k, v]) => h('li', {}, h('code', {}, `${k} = ${v}`))),
            )
          : '(none)',
      ],
      ['VPC', vpc ? idWithLinks(vpc, 'VPC', awsConsoleUrl('vpc', vpc, r.region, res.arn)) : undefined],
      ['Current groups', groups.length > 0 ? groupLinks(groups) : undefined],
      [
        'Interfaces',
        enis.length > 0
          ? h(
              'ul',
              { id: 'resource-enis' },
              ...enis.map((n) =>
                h(
                  'li',
                  {},
                  h('code', {}, n.id),
                  ` ${n.privateIpAddress ?? ''} groups: ${n.securityGroupIds.join(', ') || '(none)'}`,
                ),
              ),
            )
          : undefined,
      ],
      ['ARN', res.arn ? h('code', {}, res.arn) : undefined],
      [
        'All tags',
        Object.keys(tags).length > 0
          ? h(
              'code',
              {},
              Object.entries(tags)
                .map(([k, v]) => `${k}=${v}`)
                .join(', '),
            )
          : '(none in the finding)',
      ],
    ]),
    h(
      'p',
      { class: 'hint' },
      'As the finding described it: the worker reads the live resource again before acting.',
    ),
  );
}

/** The steps approval will run, in order, with the parameters chosen; irreversible ones flagged. */
export function planContext(
  r: Isolation,
  params: HTMLElement | undefined,
  irreversible: string[],
): HTMLElement | null {
  if (r.status !== 'PENDING_APPROVAL') return null;
  const steps = plannedSteps(r.action);
  const action = config().actions.find((a) => a.name === r.action);
  return section(
    'context-plan',
    'What approval will run',
    h('p', {}, h('code', {}, r.action), action ? ` — ${action.description}` : ''),
    steps
      ? h('ol', { id: 'plan-steps' }, ...steps.apply.map((s) => h('li', {}, h('code', {}, s))))
      : h('p', {}, 'The step list is not available in this build.'),
    params ? h('div', {}, h('strong', {}, 'Parameters'), params) : h('p', {}, 'No parameters.'),
    irreversible.length > 0
      ? h('p', { class: 'alert alert-warn' }, `Irreversible once run: ${irreversible.join(', ')}.`)
      : h(
          'p',
          { class: 'hint' },
          `No irreversible parameter is on. Release runs: ${steps ? steps.release.join(', ') : "the action's release steps"}.`,
        ),
  );
}

/** Time left before a pending request expires, as text (`42 min 10 s left`), or why there is no deadline. */
export function expiryText(expiresAt: string | undefined, now: number): string {
  if (!expiresAt) return 'no expiry reported by the API';
  const ms = new Date(expiresAt).getTime() - now;
  if (Number.isNaN(ms)) return expiresAt;
  if (ms <= 0) return 'expired: the next sweep (every minute) marks it EXPIRED';
  const s = Math.floor(ms / 1000);
  const m = Math.floor(s / 60);
  return m >= 60 ? `${Math.floor(m / 60)} h ${m % 60} min left` : `${m} min ${s % 60} s left`;
}

/** The request: who, why, the ticket, and the approval deadline with a countdown that ticks every second. */
export function requestContext(r: Isolation, expiresAt: string | undefined): HTMLElement {
  const countdown = h('span', { id: 'expiry-countdown' }, expiryText(expiresAt, Date.now()));
  if (r.status === 'PENDING_APPROVAL' && expiresAt) {
    const timer = window.setInterval(() => {
      if (!countdown.isConnected) window.clearInterval(timer);
      else countdown.textContent = expiryText(expiresAt, Date.now());
    }, 1000);
  }
  return section(
    'context-request',
    'Request',
    dl([
      ['Requested by', h('span', { id: 'requested-by' }, `${r.requester.name} (${r.requester.type})`)],
      ['Reason', r.reason],
      ['Why approval is needed', r.approvalReason],
      ['Ticket', r.ticket],
      ['Requested at', stamp(r.createdAt)],
      [
        'Approval expires',
        r.status === 'PENDING_APPROVAL' ? h('span', {}, stamp(expiresAt), ' ', countdown) : undefined,
      ],
    ]),
  );
}
