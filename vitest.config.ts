import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Two workers match the 2-core CI machine; each has one moto server (global-setup.ts) for its files.
    pool: 'forks',
    maxWorkers: 2,
    // A worker runs its files one after another in one module graph instead of importing the AWS SDK and cordon
    // afresh for each file (measured: import time 186 s -> 67 s over the 26 unit files). Tests therefore keep no
    // global state: no vi.mock or fake timers, and a class-wide aws-sdk-client-mock is restored in onTestFinished.
    isolate: false,
    testTimeout: 60_000,
    hookTimeout: 120_000,
    globalSetup: ['test/support/global-setup.ts'],
  },
});
