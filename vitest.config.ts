import { defineConfig } from 'vitest/config';

/** Builds (or finds cached under ~/.cache/portcullis) kube-apiserver + etcd from Go modules; only
 * tiers that start a control plane list it, so unit and integration runs never trigger the Go build. */
const controlPlane = ['./test/harness/global-setup.ts'];

/**
 * Test tiers (README, "Development"); `vitest run` runs them all, `--project <name>` one of them.
 * A project's globalSetup runs only when that project has files in the run.
 */
export default defineConfig({
  test: {
    reporters: ['default', './test/summary-reporter.ts'],
    pool: 'forks',
    testTimeout: 20_000,
    hookTimeout: 120_000,
    // Integration and k8s suites start real processes on free ports; keep concurrency modest on 2 cores.
    maxWorkers: 2,
    projects: [
      // src imported directly: no dist/, no Go, no control plane.
      { extends: true, test: { name: 'unit', include: ['test/unit/**/*.test.ts', 'test/golden/**/*.test.ts'] } },
      // The built CLI (dist/) as real processes, with real upstreams; no Kubernetes.
      { extends: true, test: { name: 'integration', include: ['test/integration/**/*.test.ts'] } },
      // Controller mode against a local kube-apiserver + etcd (and the harness that runs them).
      { extends: true, test: { name: 'k8s', include: ['test/k8s/**/*.test.ts', 'test/harness/**/*.test.ts'], globalSetup: controlPlane } },
      // Helm chart, rendered manifests, Dockerfile, CRDs and RBAC, applied to the local control plane.
      { extends: true, test: { name: 'deploy', include: ['test/deploy/**/*.test.ts'], globalSetup: controlPlane } },
      // The image Helm-installed into a real single-node cluster (test/harness/cluster), built and
      // started by its globalSetup. Runs after every other project (groupOrder), one file at a time,
      // so its rollouts under load do not compete with timing-sensitive suites.
      {
        extends: true,
        test: {
          name: 'cluster',
          include: ['test/cluster/**/*.test.ts'],
          globalSetup: ['./test/cluster/global-setup.ts'],
          maxWorkers: 1,
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});
