/**
 * Reasons and tickets with control characters or direction overrides are refused (400); Security Hub texts never
 * carry them; the note and the imported finding show the chosen parameters and flag irreversible ones; the note
 * on an API-started isolation points to the console, not to the custom actions.
 */
import { describe, expect, it } from 'vitest';
import { buildImportedFinding, buildNote } from '../../functions/lib/report/securityhub-payload.js';
import type { IsolationRecord } from '../../functions/lib/store/model.js';
import { useApi, userRequest } from './support.js';

// eslint-disable-next-line no-control-regex
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;

function pending(overrides: Partial<IsolationRecord> = {}): IsolationRecord {
  return {
    id: 'iso-20261128070000000-0123456789',
    resource: {
      type: 'iam-user',
      id: 'dev-carol',
      userName: 'dev-carol',
      accountId: '210987654321',
      region: 'eu-west-1',
      tags: {},
    },
    resourceKey: '210987654321#eu-west-1#iam-user#dev-carol',
    resourceId: 'dev-carol',
    accountId: '210987654321',
    region: 'eu-west-1',
    action: 'isolate-iam-user',
    params: { removeConsoleAccess: true },
    mode: 'manual',
    status: 'PENDING_APPROVAL',
    steps: [],
    releaseSteps: [],
    before: {},
    requester: { type: 'user', id: 'https://issuer#alice', name: 'alice' },
    reason: 'Leaked key\u202e\u0000\r\nInjected line',
    ticket: 'SEC-1',
    audit: [],
    warnings: [],
    createdAt: '2026-11-28T07:00:00.000Z',
    updatedAt: '2026-11-28T07:00:00.000Z',
    reports: {},
    pendingReports: [],
    version: 1,
    ...overrides,
  };
}

describe('API: control characters in reasons and tickets', () => {
  const api = useApi();

  it.each([
    ['a NUL', 'Leaked key\u0000 seen in logs'],
    ['a line break', 'Leaked key\r\nApproved by: admin'],
    ['a right-to-left override', 'Leaked key \u202eseen in logs'],
    ['a first-strong isolate', 'Leaked key \u2068seen in logs'],
    ['a trailing newline', 'Leaked key seen in logs\n'],
  ])('answers 400 for a reason with %s, and records nothing', async (_name, reason) => {
    // Act
    const response = await api.call('POST', '/isolations', {
      token: await api.token('alice'),
      body: userRequest({ resourceId: 'text-hostile', reason }),
    });

    // Assess
    expect(response.status).toBe(400);
    expect((response.body['errors'] as string[]).join('\n')).toContain(
      'reason: must not contain control characters',
    );
    expect((await api.env.deps.store.list({ resourceId: 'text-hostile', limit: 5 })).items).toHaveLength(0);
  });

  it('answers 400 for a ticket with a line break, and for a reject reason with a bidi override', async () => {
    // Prepare
    const created = await api.call('POST', '/isolations', {
      token: await api.token('alice'),
      body: userRequest(),
    });

    // Act
    const ticket = await api.call('POST', '/isolations', {
      token: await api.token('alice'),
      body: userRequest({ ticket: 'SEC-1\nX' }),
    });
    const reject = await api.call('POST', `/isolations/${String(created.body['id'])}/reject`, {
      token: await api.token('bob'),
      body: { reason: 'Not needed \u202e after all' },
    });

    // Assess
    expect(ticket.status).toBe(400);
    expect((ticket.body['errors'] as string[]).join('\n')).toContain(
      'ticket: must not contain control characters',
    );
    expect(reject.status).toBe(400);
  });
});

describe('Report: texts people read before approving', () => {
  it('never copies control characters or direction overrides into the note or the imported finding', () => {
    // Act
    const note = buildNote(pending());
    const finding = buildImportedFinding(
      pending(),
      { region: 'eu-west-1', securityAccountId: '999988887777' },
      new Date(),
    );

    // Assess
    expect(note).not.toMatch(UNSAFE);
    expect(finding.Description).not.toMatch(UNSAFE);
    expect(finding.Title).not.toMatch(UNSAFE);
  });

  it('shows the chosen parameters and flags an irreversible one, in the note and the imported finding', () => {
    // Act
    const note = buildNote(pending());
    const finding = buildImportedFinding(
      pending(),
      { region: 'eu-west-1', securityAccountId: '999988887777' },
      new Date(),
    );

    // Assess
    expect(note).toContain('IRREVERSIBLE: removeConsoleAccess (release cannot undo it).');
    expect(note).toContain('Parameters: removeConsoleAccess=true.');
    expect(finding.Description).toContain('IRREVERSIBLE: removeConsoleAccess');
    expect(finding.ProductFields).toMatchObject({
      'cordon/params': 'removeConsoleAccess=true',
      'cordon/irreversibleParams': 'removeConsoleAccess',
    });
  });

  it('does not flag a reversible choice', () => {
    // Act
    const note = buildNote(pending({ params: { removeConsoleAccess: false } }));

    // Assess
    expect(note).not.toContain('IRREVERSIBLE');
    expect(note).toContain('Parameters: removeConsoleAccess=false.');
  });

  it('tells approvers of an API request to use the console, not the custom actions', () => {
    // Act
    const api = buildNote(pending());
    const fromFinding = buildNote(pending({ findingKey: 'guardduty#abc' }));

    // Assess
    expect(api).toContain('Approve or reject it in the cordon console.');
    expect(api).not.toContain('custom action');
    expect(fromFinding).toContain('custom actions');
  });
});
