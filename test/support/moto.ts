/**
 * Test helper: the moto server of this test worker (started once per worker by global-setup.ts), reset when the
 * file starts and before each test.
 *
 *   const moto = useMoto();
 *   it('...', async () => { const ec2 = new EC2Client(moto.clientConfig()); ... });
 *
 * Outside the project's vitest run (no endpoints provided), the file starts and stops a server of its own.
 */
import { afterAll, beforeAll, beforeEach, inject } from 'vitest';
import { startMoto, type MotoServer } from '../../scripts/moto.js';

export interface MotoHandle {
  readonly endpoint: string;
  /** SDK client config pointing at this emulator with dummy credentials. */
  clientConfig(region?: string): {
    endpoint: string;
    region: string;
    credentials: { accessKeyId: string; secretAccessKey: string };
    maxAttempts: number;
  };
  reset(): Promise<void>;
}

export const TEST_ACCOUNT = '123456789012';

/** Wipe all emulator state (POST /moto-api/reset). */
async function resetMoto(endpoint: string): Promise<void> {
  const response = await fetch(`${endpoint}/moto-api/reset`, { method: 'POST' });
  if (!response.ok) throw new Error(`moto reset failed: HTTP ${response.status}`);
}

/** This worker's server from global-setup.ts, if the run provided them. */
function workerEndpoint(): string | undefined {
  const endpoints = inject('motoEndpoints');
  if (!Array.isArray(endpoints) || endpoints.length === 0) return undefined;
  const poolId = Number(process.env['VITEST_POOL_ID'] ?? '1');
  return endpoints[(Math.max(1, poolId) - 1) % endpoints.length];
}

/** This worker's moto for this file, reset first; also before every test unless `resetEach` is false. */
export function useMoto(options: { resetEach?: boolean } = {}): MotoHandle {
  let endpoint: string | undefined;
  let owned: MotoServer | undefined;
  const handle: MotoHandle = {
    get endpoint() {
      if (endpoint === undefined) throw new Error('moto is not started yet: use it inside tests or hooks');
      return endpoint;
    },
    clientConfig(region = 'us-east-1') {
      return {
        endpoint: handle.endpoint,
        region,
        credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
        maxAttempts: 1,
      };
    },
    async reset() {
      await resetMoto(handle.endpoint);
    },
  };
  beforeAll(async () => {
    endpoint = workerEndpoint();
    if (endpoint === undefined) {
      owned = await startMoto();
      endpoint = owned.endpoint;
    }
    // The previous file's state must not leak into this one.
    await resetMoto(endpoint);
  });
  afterAll(async () => {
    await owned?.stop();
  });
  if (options.resetEach !== false) {
    beforeEach(async () => {
      await handle.reset();
    });
  }
  return handle;
}
