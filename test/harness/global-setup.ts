import { ensureBinaries } from './binaries.js';

/**
 * vitest globalSetup: builds (or finds cached) etcd and kube-apiserver once per `npm test`, before
 * any k8s suite starts, so the multi-minute first build is not charged to a suite's hook timeout.
 * Skipped when $KUBECONFIG points the suites at an existing cluster.
 */
export default async function setup(): Promise<void> {
  if (process.env['KUBECONFIG']) {
    process.stderr.write('[harness] KUBECONFIG is set: k8s suites use that cluster, local control plane build skipped\n');
    return;
  }
  const started = Date.now();
  const binaries = await ensureBinaries();
  process.stderr.write(`[harness] control plane binaries ready in ${Date.now() - started} ms: ${binaries.etcd}, ${binaries.kubeApiserver}\n`);
}
