import { defineConfig } from 'vitest/config';

/** Runs bench/controller-scale.ts alone (it needs the harness's TypeScript and globalSetup). */
export default defineConfig({
  test: {
    include: ['bench/controller-scale.ts'],
    globalSetup: ['./test/harness/global-setup.ts'],
    pool: 'forks',
    hookTimeout: 120_000,
    testTimeout: 90 * 60_000,
  },
});
