/** The console's API client: bearer token in, JSON or a problem+json error out. */
import * as z from 'zod/mini';
import { accessToken } from './auth.js';

/** An API error, carrying the problem document's fields. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly title: string,
    readonly detail: string,
    readonly errors: string[],
  ) {
    super(detail || title);
  }
}

/** Call the API. @throws ApiError for any non-2xx answer */
export async function api<T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  const token = accessToken();
  if (token) headers['authorization'] = `Bearer ${token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(path, {
    method,
    headers,
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await response.text();
  let data: unknown;
  try {
    data = text ? JSON.parse(text) : undefined;
  } catch {
    data = undefined;
  }
  if (!response.ok) {
    const p = (data ?? {}) as { title?: string; detail?: string; errors?: string[] };
    throw new ApiError(response.status, p.title ?? response.statusText, p.detail ?? '', p.errors ?? []);
  }
  return data as T;
}

/**
 * Call the API and check the answer against the contract's schema (functions/lib/api/contract.ts).
 * @throws ApiError for any non-2xx answer; ZodError when the answer is not what the contract says
 */
export async function apiParsed<S extends z.core.$ZodType>(
  schema: S,
  method: 'GET' | 'POST',
  path: string,
  body?: unknown,
): Promise<z.output<S>> {
  return z.parse(schema, await api<unknown>(method, path, body));
}
