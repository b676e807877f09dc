import { ensureBinaries } from './binaries.js';
import { reapOrphanedControlPlanes } from './reaper.js';

/**
 * vitest globalSetup: builds (or finds cached) etcd and kube-apiserver once per `npm test`, before
 * any k8s suite starts, so the multi-minute first build is not charged to a suite's hook timeout.
 * Skipped when $PORTCULLIS_E2E_KUBECONFIG points the suites at an existing cluster.
 */
export default async function setup(): Promise<() => Promise<void>> {
  const reap = async () => {
    const reaped = await reapOrphanedControlPlanes();
    if (reaped > 0) process.stderr.write(`[harness] stopped ${reaped} control plane(s) left by dead test workers\n`);
  };
  await reap();
  if (process.env['PORTCULLIS_E2E_KUBECONFIG']) {
    process.stderr.write('[harness] PORTCULLIS_E2E_KUBECONFIG is set: k8s suites use that cluster, local control plane build skipped\n');
    return reap;
  }
  const started = Date.now();
  const binaries = await ensureBinaries();
  process.stderr.write(`[harness] control plane binaries ready in ${Date.now() - started} ms: ${binaries.etcd}, ${binaries.kubeApiserver}\n`);
  return reap;
}
