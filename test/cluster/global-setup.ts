// vitest globalSetup of the `cluster` project: builds the images (test/harness/images), starts the
// single-node cluster (test/harness/cluster), imports the images into its containerd and hands the
// suites what they need through `inject('cluster')`. Teardown stops the cluster and fails the run
// if anything was left behind.
import type { TestProject } from 'vitest/node';
import { ensureClusterBinaries } from '../harness/binaries.js';
import { down, importImage, up } from '../harness/cluster/cluster.js';
import { net } from '../harness/cluster/config.js';
import { ensureHostPackages, imagePackages } from '../harness/cluster/host-packages.js';
import { buildImages } from '../harness/images/images.mjs';
import { helmBinary } from '../deploy/helm.js';
import type { ClusterContext } from './support/context.js';

const log = (msg: string) => process.stderr.write(`[cluster-setup] ${msg}\n`);

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const t0 = Date.now();
  const timings: Record<string, number> = {};
  const mark = (name: string) => { timings[name] = Date.now() - t0; log(`${name} at ${timings[name]} ms`); };
  await ensureHostPackages(imagePackages);
  const binaries = await ensureClusterBinaries();
  const helm = helmBinary();
  mark('binaries');
  const built = buildImages({ log: (m) => log(`images: ${m}`) });
  mark('images');
  const cluster = await up();
  mark('cluster up');
  for (const image of built.images) await importImage(image.archive);
  mark('images imported');
  const [gateway, hello] = built.images.map((i) => i.ref);
  const context: ClusterContext = {
    kubeconfig: cluster.kubeconfigPath,
    nodeIp: net.nodeIp,
    kubectl: binaries.kubectl,
    helm,
    gatewayImage: gateway!,
    helloImage: hello!,
    setupMs: { ...timings, ...Object.fromEntries(Object.entries(cluster.timings).map(([k, v]) => [`up: ${k}`, v])) },
  };
  project.provide('cluster', context);
  return async () => {
    const left = await down();
    const dirty = left.processes.length + left.mounts.length + left.links.length + left.cgroups.length + left.routes.length + left.iptablesLines + (left.runDirExists ? 1 : 0);
    if (dirty > 0) throw new Error(`cluster down left things behind: ${JSON.stringify(left)}`);
  };
}

declare module 'vitest' {
  export interface ProvidedContext {
    cluster: ClusterContext;
  }
}
