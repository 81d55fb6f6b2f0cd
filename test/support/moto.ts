/**
 * Test helper: one moto server per test file, reset before each test.
 *
 *   const moto = useMoto();
 *   it('...', async () => { const ec2 = new EC2Client(moto.clientConfig()); ... });
 */
import { afterAll, beforeAll, beforeEach } from 'vitest';
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

/** Start moto for this file; reset state before every test unless `resetEach` is false. */
export function useMoto(options: { resetEach?: boolean } = {}): MotoHandle {
  let server: MotoServer | undefined;
  const handle: MotoHandle = {
    get endpoint() {
      if (!server) throw new Error('moto is not started yet: use it inside tests or hooks');
      return server.endpoint;
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
      await server?.reset();
    },
  };
  beforeAll(async () => {
    server = await startMoto();
  });
  afterAll(async () => {
    await server?.stop();
  });
  if (options.resetEach !== false) {
    beforeEach(async () => {
      await server?.reset();
    });
  }
  return handle;
}
