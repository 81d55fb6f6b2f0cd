/**
 * Runs once before the whole test run: make sure the AWS emulator is available (installing it into a
 * project-local venv when needed), then start one moto server per test worker. A missing emulator fails the run;
 * it is never silently skipped.
 *
 * A worker runs one test file at a time, so the file has its worker's server to itself; `useMoto` resets it
 * before the file starts. Starting moto costs seconds (much more on a loaded machine), once per worker instead
 * of once per file.
 */
import type { TestProject } from 'vitest/node';
import { ensureMoto, startMoto, type MotoServer } from '../../scripts/moto.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** One moto endpoint per worker, indexed by `VITEST_POOL_ID - 1`. */
    motoEndpoints: string[];
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const path = ensureMoto();
  process.env['MOTO_SERVER'] = path;
  const workers = Math.max(1, Number(project.globalConfig.maxWorkers) || 1);
  const servers: MotoServer[] = await Promise.all(Array.from({ length: workers }, () => startMoto()));
  project.provide(
    'motoEndpoints',
    servers.map((server) => server.endpoint),
  );
  return async () => {
    await Promise.all(servers.map((server) => server.stop()));
  };
}
