import { defineConfig } from 'vitest/config';

/** Runs bench/status-scale.ts alone (it needs the harness's TypeScript and globalSetup). */
export default defineConfig({
  test: {
    include: ['bench/status-scale.ts'],
    globalSetup: ['./test/harness/global-setup.ts'],
    pool: 'forks',
    hookTimeout: 120_000,
    testTimeout: 30 * 60_000,
  },
});
