/**
 * Forged cursors: well-formed base64url JSON that is not a key of the index and partition being listed answers
 * 400 problem+json, never 500.
 */
import { describe, expect, it } from 'vitest';
import { useApi, userRequest } from './support.js';

function cursorOf(value: unknown): string {
  return Buffer.from(JSON.stringify(value), 'utf8').toString('base64url');
}

const KEY = { pk: 'ISO#iso-20261128070000000-0123456789', sk: 'ISO', createdAt: '2026-11-28T07:00:00.000Z' };

describe('API: forged pagination cursors', () => {
  const api = useApi();

  it.each([
    ['an empty object', {}, {}],
    ['a number as the key', { pk: 7, sk: 'ISO' }, {}],
    [
      'a nested map as the key',
      { pk: { S: 'x' }, sk: 'ISO', kind: 'isolation', createdAt: KEY.createdAt },
      {},
    ],
    ['another item type', { ...KEY, pk: 'ACTIVE#x', kind: 'isolation' }, {}],
    ['an extra attribute', { ...KEY, kind: 'isolation', admin: 'yes' }, {}],
    ['another partition of the index', { ...KEY, accountId: '111111111111' }, { account: '210987654321' }],
    ['another index', { ...KEY, kind: 'isolation' }, { status: 'PENDING_APPROVAL' }],
    ['a bad time', { ...KEY, kind: 'isolation', createdAt: 'yesterday' }, {}],
    ['JSON that is not an object', ['a'], {}],
  ])('answers 400 for %s', async (_name, forged, query) => {
    // Act
    const response = await api.call('GET', '/isolations', {
      token: await api.token('victor'),
      query: { ...query, cursor: cursorOf(forged) },
    });

    // Assess
    expect(response.status, response.text).toBe(400);
    expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(String(response.body['detail'])).toContain('Invalid cursor');
  });

  it('still pages with the cursor the previous page returned', async () => {
    // Prepare
    const token = await api.token('alice');
    for (let i = 0; i < 3; i++) {
      await api.call('POST', '/isolations', { token, body: userRequest({ accountId: '444444444444' }) });
    }

    // Act
    const first = await api.call('GET', '/isolations', {
      token,
      query: { account: '444444444444', limit: '2' },
    });
    const second = await api.call('GET', '/isolations', {
      token,
      query: { account: '444444444444', limit: '2', cursor: String(first.body['cursor']) },
    });

    // Assess
    expect(first.status).toBe(200);
    expect(second.status).toBe(200);
    expect((second.body['items'] as unknown[]).length).toBe(1);
  });
});
