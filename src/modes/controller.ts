import { KubeConfig } from '@kubernetes/client-node';
import type { GatewayOptions } from '../cli/gateway-options.js';
import type { HostPolicy } from '../model/host-policy.js';
import { startGatewayRuntime } from '../runtime/gateway.js';
import { startKubeSource, type KubeSource } from '../sources/kube/source.js';
import { kubeWatchMetrics } from '../observability/kube-metrics.js';
import { toResourceSet } from '../sources/kube/to-resource-set.js';
import { defaultIdentity, defaultLeaseNamespace, startStatusReporting, type StatusReporting } from '../status/index.js';

export interface ControllerOptions {
  gateway: GatewayOptions;
  /** Watch one namespace; undefined = all namespaces. */
  namespace?: string;
  /** Kubeconfig file; undefined = in-cluster service-account config. */
  kubeconfig?: string;
  adminExposeSecrets: boolean;
  leaseName: string;
  /** Which namespaces may claim which hosts; undefined = every namespace any host. */
  hostPolicy?: HostPolicy;
}

const SYNC_GATE = 'the first full Kubernetes sync';

/**
 * `portcullis controller`: every replica watches, translates and serves; the Lease holder also
 * writes status conditions and Events. /readyz stays false until every watched type has synced.
 */
export async function runController(opts: ControllerOptions): Promise<number> {
  const kubeConfig = new KubeConfig();
  if (opts.kubeconfig) kubeConfig.loadFromFile(opts.kubeconfig);
  else kubeConfig.loadFromCluster();

  let source: KubeSource | undefined;
  let status: StatusReporting | undefined;
  const runtime = await startGatewayRuntime({
    gateway: opts.gateway,
    mode: 'controller',
    adminExposeSecrets: opts.adminExposeSecrets,
    // Stop watching and hand the Lease over before draining, so another replica leads at once.
    beforeClose: async () => {
      await Promise.allSettled([source?.stop(), status?.stop()]);
    },
  });
  runtime.readiness.setGate(SYNC_GATE, false);

  status = startStatusReporting({
    kubeConfig,
    leaseName: opts.leaseName,
    leaseNamespace: defaultLeaseNamespace(opts.namespace),
    identity: defaultIdentity(),
    logger: runtime.logger,
  });
  const reporting = status;
  source = startKubeSource({
    kubeConfig,
    ...(opts.namespace !== undefined && { namespace: opts.namespace }),
    logger: runtime.logger,
    stats: kubeWatchMetrics(runtime.metrics.registry),
    onObjects: (objects) => {
      runtime.apply(toResourceSet(objects, opts.hostPolicy ? { hostPolicy: opts.hostPolicy } : {}));
      const live = runtime.store.current();
      if (live) reporting.report(live.diagnostics, objects);
    },
  });
  source.synced.then(
    () => runtime.readiness.setGate(SYNC_GATE, true),
    () => undefined,
  );

  return runtime.closed;
}
