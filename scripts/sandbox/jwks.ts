/**
 * JWKS retrieval for the sandbox's loopback issuer. aws-jwt-verify fetches JWKS over HTTPS only (as it should in
 * production); the local issuer speaks plain HTTP on 127.0.0.1. This cache lets the verifier fetch from loopback
 * and nowhere else, so every other check (signature, issuer, audience, expiry, token use) stays exactly as in
 * production.
 */
import { SimpleJwksCache, type JwksCache } from 'aws-jwt-verify/jwk';
import type { Fetcher } from 'aws-jwt-verify/https';
import { CordonError } from '../../functions/lib/errors.js';

class LoopbackFetcher implements Fetcher {
  async fetch(uri: string): Promise<ArrayBuffer> {
    const url = new URL(uri);
    if (url.protocol !== 'http:' || url.hostname !== '127.0.0.1') {
      throw new CordonError(`the sandbox only fetches JWKS from http://127.0.0.1, not ${url.origin}`);
    }
    const response = await fetch(url, { signal: AbortSignal.timeout(5000) });
    if (!response.ok) throw new CordonError(`JWKS fetch from ${uri} answered ${response.status}`);
    return response.arrayBuffer();
  }
}

/** A JWKS cache whose fetcher reaches the loopback issuer only. */
export function loopbackJwksCache(): JwksCache {
  return new SimpleJwksCache({ fetcher: new LoopbackFetcher() });
}
