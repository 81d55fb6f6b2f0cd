/**
 * Export: records as JSON or CSV, and an incident summary in Markdown (timeline, actors, before-state, evidence
 * references). Files are built in the browser from what the API returned; nothing is sent anywhere.
 */
import { h, when } from './dom.js';
import type { Isolation } from './state.js';

const CSV_COLUMNS: [string, (r: Isolation) => unknown][] = [
  ['id', (r) => r.id],
  ['status', (r) => r.status],
  ['resourceType', (r) => r.resource.type],
  ['resourceId', (r) => r.resource.id],
  ['name', (r) => r.resource.tags['Name']],
  ['accountId', (r) => r.accountId],
  ['region', (r) => r.region],
  ['action', (r) => r.action],
  ['mode', (r) => r.mode],
  ['rule', (r) => r.rule],
  ['severity', (r) => r.finding?.severity.label],
  ['findingType', (r) => r.finding?.type],
  ['requester', (r) => r.requester.name],
  ['approver', (r) => r.approver?.name],
  ['reason', (r) => r.reason],
  ['createdAt', (r) => r.createdAt],
  ['updatedAt', (r) => r.updatedAt],
];

/** RFC 4180 field; a leading =, +, - or @ is prefixed with ' so a spreadsheet does not run it as a formula. */
function csvField(value: unknown): string {
  let text = value === undefined || value === null ? '' : String(value);
  if (/^[=+\-@]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function toCsv(records: readonly Isolation[]): string {
  const lines = [CSV_COLUMNS.map(([name]) => name).join(',')];
  for (const r of records) lines.push(CSV_COLUMNS.map(([, get]) => csvField(get(r))).join(','));
  return `${lines.join('\r\n')}\r\n`;
}

/** Markdown text in a table cell or list item: no pipes or line breaks that would change the structure. */
function md(value: unknown): string {
  return String(value ?? '')
    .replace(/[|\r\n]/g, ' ')
    .replace(/([\\`*_[\]<>])/g, '\\$1');
}

export function incidentSummary(r: Isolation): string {
  const lines = [
    `# Incident summary: ${md(r.resource.type)} ${md(r.resource.id)}`,
    '',
    `- Isolation: \`${r.id}\`, status **${r.status}**`,
    `- Account / region: ${r.accountId} / ${r.region}`,
    `- Action: ${md(r.action)} (${r.mode}${r.rule ? `, rule ${md(r.rule)}` : ''})`,
    `- Parameters: ${md(JSON.stringify(r.params))}`,
    r.finding
      ? `- Finding: ${md(r.finding.title)} (${md(r.finding.type)}, ${r.finding.severity.label} ${r.finding.severity.score})`
      : '- Finding: none (requested through the API)',
    `- Requested by: ${md(r.requester.name)} (${r.requester.type}); reason: ${md(r.reason ?? '-')}`,
    r.approver
      ? `- Decided by: ${md(r.approver.name)} at ${when(r.approver.at)}`
      : '- Decided by: nobody yet',
    r.evidence ? `- Evidence: ${md(JSON.stringify(r.evidence))}` : '- Evidence: none recorded',
    '',
    '## Timeline (UTC)',
    '',
    '| when | who | from | to | note |',
    '| --- | --- | --- | --- | --- |',
    ...[...r.audit]
      .sort((a, b) => a.at.localeCompare(b.at))
      .map(
        (a) =>
          `| ${when(a.at)} | ${md(a.by.name)} (${a.by.type}) | ${a.from ?? '-'} | ${a.to} | ${md(a.note)} |`,
      ),
    '',
    '## Steps',
    '',
    ...[...r.steps, ...r.releaseSteps]
      .sort((a, b) => a.at.localeCompare(b.at))
      .map((s) => `- ${when(s.at)} ${md(s.name)}: ${s.status}, ${md(s.detail)}`),
    '',
    '## Before-state',
    '',
    '```json',
    JSON.stringify(r.before, null, 2).replace(/```/g, '` ` `'),
    '```',
    '',
  ];
  return lines.join('\n');
}

function download(name: string, type: string, text: string): void {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = h('a', { href: url, download: name });
  document.body.append(a);
  a.click();
  a.remove();
  window.setTimeout(() => URL.revokeObjectURL(url), 1000);
}

/** JSON and CSV export of the records, and the Markdown summary when one record is given. */
export function exportButtons(records: readonly Isolation[], base: string, single?: Isolation): HTMLElement {
  const button = (id: string, label: string, run: () => void): HTMLElement =>
    h('button', { type: 'button', id, class: 'secondary small', onclick: run }, label);
  return h(
    'div',
    { class: 'export', role: 'group', 'aria-label': 'Export' },
    button('export-json', 'Export JSON', () =>
      download(`${base}.json`, 'application/json', `${JSON.stringify(single ?? records, null, 2)}\n`),
    ),
    button('export-csv', 'Export CSV', () => download(`${base}.csv`, 'text/csv', toCsv(records))),
    single
      ? button('export-md', 'Incident summary (Markdown)', () =>
          download(`${base}-summary.md`, 'text/markdown', incidentSummary(single)),
        )
      : null,
  );
}
