import { defineConfig } from 'vitest/config';

/** Runs bench/reconcile-latency.ts alone (it needs the harness's TypeScript and globalSetup). */
export default defineConfig({
  test: {
    include: ['bench/reconcile-latency.ts'],
    globalSetup: ['./test/harness/global-setup.ts'],
    pool: 'forks',
    hookTimeout: 120_000,
    testTimeout: 30 * 60_000,
  },
});
