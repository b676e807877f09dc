import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Builds kube-apiserver + etcd from Go modules once (cached under ~/.cache/portcullis).
    globalSetup: ['./test/harness/global-setup.ts'],
    reporters: ['default', './test/summary-reporter.ts'],
    pool: 'forks',
    testTimeout: 20_000,
    hookTimeout: 120_000,
    // Integration and k8s suites start real processes on free ports; keep concurrency modest on 2 cores.
    maxWorkers: 2,
  },
});
