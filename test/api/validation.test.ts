/**
 * Validation at the edge: one test per field of every body and query, the 32 KB limit, media type and JSON
 * errors; all answered as problem+json naming the field, never with a stack trace.
 */
import { describe, expect, it } from 'vitest';
import { MAX_BODY_BYTES } from '../../functions/lib/api/validation.js';
import { useApi, userRequest } from './support.js';

describe('API: request validation', () => {
  const api = useApi();

  const FIELD_CASES: { name: string; body: Record<string, unknown>; field: string }[] = [
    {
      name: 'resourceType is missing',
      body: userRequest({ resourceType: undefined }),
      field: 'resourceType',
    },
    {
      name: 'resourceType is not requestable',
      body: userRequest({ resourceType: 'eks-cluster' }),
      field: 'resourceType',
    },
    { name: 'accountId has 11 digits', body: userRequest({ accountId: '21098765432' }), field: 'accountId' },
    { name: 'accountId has letters', body: userRequest({ accountId: '21098765432a' }), field: 'accountId' },
    { name: 'region does not exist', body: userRequest({ region: 'us-east-7' }), field: 'region' },
    { name: 'region is missing', body: userRequest({ region: undefined }), field: 'region' },
    {
      name: 'instance id has 16 hex digits',
      body: userRequest({ resourceType: 'ec2-instance', resourceId: 'i-0123456789abcdef' }),
      field: 'resourceId',
    },
    {
      name: 'instance id is upper-case',
      body: userRequest({ resourceType: 'ec2-instance', resourceId: 'i-0123ABCD' }),
      field: 'resourceId',
    },
    {
      name: 'instance ARN names another account',
      body: userRequest({
        resourceType: 'ec2-instance',
        resourceId: 'arn:aws:ec2:eu-west-1:111111111111:instance/i-0123456789abcdef0',
      }),
      field: 'resourceId',
    },
    { name: 'IAM user name has a space', body: userRequest({ resourceId: 'bad name' }), field: 'resourceId' },
    {
      name: 'IAM user name is 65 characters',
      body: userRequest({ resourceId: 'u'.repeat(65) }),
      field: 'resourceId',
    },
    {
      name: 'IAM role ARN is given for a user',
      body: userRequest({ resourceId: 'arn:aws:iam::210987654321:role/app' }),
      field: 'resourceId',
    },
    {
      name: 'access key is temporary (ASIA)',
      body: userRequest({
        resourceType: 'iam-access-key',
        resourceId: 'ASIAABCDEFGHIJKLMNOP',
        userName: 'ci',
      }),
      field: 'resourceId',
    },
    {
      name: 'access key has no owner',
      body: userRequest({ resourceType: 'iam-access-key', resourceId: 'AKIAABCDEFGHIJKLMNOP' }),
      field: 'userName',
    },
    {
      name: 'access key owner is not an IAM name',
      body: userRequest({
        resourceType: 'iam-access-key',
        resourceId: 'AKIAABCDEFGHIJKLMNOP',
        userName: 'a b',
      }),
      field: 'userName',
    },
    { name: 'action is unknown', body: userRequest({ action: 'delete-everything' }), field: 'action' },
    {
      name: 'action does not fit the resource',
      body: userRequest({ action: 'isolate-ec2-instance' }),
      field: 'action',
    },
    { name: 'params has an unknown key', body: userRequest({ params: { nuke: true } }), field: 'params' },
    {
      name: 'params has a wrong type',
      body: userRequest({ params: { removeConsoleAccess: 'yes' } }),
      field: 'params',
    },
    { name: 'params is not an object', body: userRequest({ params: 'all' }), field: 'params' },
    { name: 'reason is missing', body: userRequest({ reason: undefined }), field: 'reason' },
    { name: 'reason has 9 characters', body: userRequest({ reason: '123456789' }), field: 'reason' },
    {
      name: 'reason is padding around a short word',
      body: userRequest({ reason: '   because       ' }),
      field: 'reason',
    },
    { name: 'ticket has spaces', body: userRequest({ ticket: 'SEC 123' }), field: 'ticket' },
    { name: 'immediate is not a boolean', body: userRequest({ immediate: 'yes' }), field: 'immediate' },
    { name: 'an unknown field is sent', body: userRequest({ owner: 'me' }), field: 'owner' },
  ];

  it.each(FIELD_CASES)('POST /isolations answers 400 when $name', async ({ body, field }) => {
    // Act
    const response = await api.call('POST', '/isolations', { token: await api.token('alice'), body });

    // Assess
    expect(response.status, JSON.stringify(response.body)).toBe(400);
    expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
    const errors = response.body['errors'] as string[];
    expect(
      errors.some((e) => e.startsWith(field)),
      errors.join('\n'),
    ).toBe(true);
    expect(response.text).not.toMatch(/at .*\.ts:\d+|ZodError|stack/);
  });

  it.each([
    ['an instance id with 8 hex digits', { resourceType: 'ec2-instance', resourceId: 'i-0123abcd' }],
    [
      'an instance id with 17 hex digits',
      { resourceType: 'ec2-instance', resourceId: 'i-0123456789abcdef0' },
    ],
    [
      'an instance ARN of the same account and region',
      {
        resourceType: 'ec2-instance',
        resourceId: 'arn:aws:ec2:eu-west-1:210987654321:instance/i-0123456789abcdef1',
      },
    ],
    ['an IAM user ARN with a path', { resourceId: 'arn:aws:iam::210987654321:user/ops/ci-bot' }],
    ['an IAM role name', { resourceType: 'iam-role', resourceId: 'app-server-role' }],
    [
      'an access key with its owner',
      { resourceType: 'iam-access-key', resourceId: 'AKIAABCDEFGHIJKLMNOP', userName: 'ci' },
    ],
    ['a ticket reference', { ticket: 'SEC-1234' }],
  ])('POST /isolations accepts %s', async (_name, overrides) => {
    // Act
    const response = await api.call('POST', '/isolations', {
      token: await api.token('alice'),
      body: userRequest(overrides),
    });

    // Assess
    expect(response.status, JSON.stringify(response.body)).toBe(201);
    expect(response.headers['location']).toBe(`/isolations/${String(response.body['id'])}`);
  });

  it('normalises an ARN to the resource id and keeps the ARN', async () => {
    // Act
    const response = await api.call('POST', '/isolations', {
      token: await api.token('alice'),
      body: userRequest({ resourceId: 'arn:aws:iam::210987654321:user/ops/ci-bot-2' }),
    });

    // Assess
    expect(response.status).toBe(201);
    expect(response.body['resource']).toMatchObject({
      type: 'iam-user',
      id: 'ci-bot-2',
      userName: 'ci-bot-2',
      arn: 'arn:aws:iam::210987654321:user/ops/ci-bot-2',
    });
  });

  it('answers 413 problem+json for a body over 32 KB', async () => {
    // Prepare
    const body = userRequest({ reason: 'x'.repeat(MAX_BODY_BYTES) });

    // Act
    const response = await api.call('POST', '/isolations', { token: await api.token('alice'), body });

    // Assess
    expect(response.status).toBe(413);
    expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(response.body['title']).toBe('Payload too large');
  });

  it('answers 415 for a body that is not JSON', async () => {
    // Act
    const response = await api.call('POST', '/isolations', {
      token: await api.token('alice'),
      rawBody: 'resourceType=iam-user',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });

    // Assess
    expect(response.status).toBe(415);
  });

  it('answers 400 for malformed JSON', async () => {
    // Act
    const response = await api.call('POST', '/isolations', {
      token: await api.token('alice'),
      rawBody: '{"resourceType":',
    });

    // Assess
    expect(response.status).toBe(400);
    expect(response.body['errors']).toEqual(['body: not valid JSON']);
  });

  it.each([
    ['reject', {}],
    ['reject', { reason: 'too short' }],
    ['release', {}],
    ['release', { reason: 'ok', extra: 1 }],
    ['approve', { reason: 'short' }],
  ])('POST /isolations/{id}/%s answers 400 for %j', async (verb, body) => {
    // Prepare
    const created = await api.call('POST', '/isolations', {
      token: await api.token('alice'),
      body: userRequest(),
    });

    // Act
    const response = await api.call('POST', `/isolations/${String(created.body['id'])}/${verb}`, {
      token: await api.token('bob'),
      body,
    });

    // Assess
    expect(response.status).toBe(400);
    expect((response.body['errors'] as string[]).some((e) => /^(reason|extra)/.test(e))).toBe(true);
  });

  it.each([
    ['status', { status: 'CONTAINED' }],
    ['account', { account: '12345' }],
    ['limit', { limit: '0' }],
    ['limit', { limit: '101' }],
    ['cursor', { cursor: 'not a cursor!' }],
    ['sort', { sort: 'asc' }],
  ])('GET /isolations answers 400 for a bad %s', async (field, query) => {
    // Act
    const response = await api.call('GET', '/isolations', { token: await api.token('victor'), query });

    // Assess
    expect(response.status).toBe(400);
    expect((response.body['errors'] as string[]).some((e) => e.startsWith(field))).toBe(true);
  });

  it('answers 400 for a malformed isolation id and 404 for an unknown one', async () => {
    // Act
    const malformed = await api.call('GET', '/isolations/..%2F..%2Fetc', {
      token: await api.token('victor'),
    });
    const unknown = await api.call('GET', '/isolations/iso-20260101000000000-0123456789', {
      token: await api.token('victor'),
    });

    // Assess
    expect(malformed.status).toBe(400);
    expect(unknown.status).toBe(404);
    expect(unknown.headers['content-type']).toMatch(/^application\/problem\+json/);
  });

  it('answers 404 for an unknown route and 405 with Allow for a wrong method', async () => {
    // Act
    const missing = await api.call('GET', '/nope');
    const wrongMethod = await api.call('DELETE', '/isolations');

    // Assess
    expect(missing.status).toBe(404);
    expect(wrongMethod.status).toBe(405);
    expect(wrongMethod.headers['allow']).toBe('POST, GET');
  });
});
