import type { KubeConfig } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import type { Diagnostic } from '../model/diagnostics.js';
import type { IngressSettings } from '../model/ingress.js';
import type { KubeObjects } from '../sources/kube/kube-objects.js';
import { EventRecorder } from './events.js';
import type { IngressPublishing } from './ingress-addresses.js';
import { IngressStatusWriter } from './ingress-status-writer.js';
import { startLeaderElection } from './leader-election.js';
import { StatusWriter } from './status-writer.js';
import { GatewayApiStatusWriter } from './gateway-api-status.js';
import { DEFAULT_WRITE_QPS, WriteBudget, type WriteBudgetOptions } from './write-budget.js';
import type { GatewayApiStatus } from '../sources/kube/gateway-api/index.js';
import type { KicSettings } from '../sources/kube/kic/types.js';

export { defaultIdentity } from './leader-election.js';

export interface StatusReportingOptions {
  kubeConfig: KubeConfig;
  leaseName: string;
  leaseNamespace: string;
  identity: string;
  logger: Logger;
  /** Lease timing (defaults 10 s / 2 s); shorter in tests. */
  leaseDurationMs?: number;
  renewIntervalMs?: number;
  /** Served Ingresses get their status addresses and Events (docs/ingress.md#status). */
  ingress?: { settings: IngressSettings; publishing: IngressPublishing };
  /** Client-side budget for status patches and Events (--api-write-qps/--api-write-burst); Lease renewals are exempt. */
  writeBudget?: WriteBudgetOptions;
  /** --kic-resources: Programmed on KIC's objects (docs/kong-ingress-controller.md#status). */
  kic?: KicSettings;
}

export interface StatusReporting {
  /** After each snapshot swap: queue the status differences (cheap, never blocks). */
  report(snapshotDiagnostics: readonly Diagnostic[], objects: KubeObjects): void;
  /** --gateway-api: GatewayClass, Gateway and HTTPRoute status (docs/gateway-api.md#status). */
  reportGatewayApi(statuses: readonly GatewayApiStatus[]): void;
  isLeader(): boolean;
  onLeaderChange(cb: (leader: boolean) => void): () => void;
  /** Queued status writes not yet done (for tests and debug). */
  pendingCount(): number;
  /** Stops writing and releases the lease so a follower takes over at once. */
  stop(): Promise<void>;
}

export function startStatusReporting(opts: StatusReportingOptions): StatusReporting {
  const elector = startLeaderElection({
    kubeConfig: opts.kubeConfig,
    name: opts.leaseName,
    namespace: opts.leaseNamespace,
    identity: opts.identity,
    // The writer and the elector name their own component: a child of the 'status' child would
    // write `component` twice on every line.
    logger: opts.logger,
    leaseDurationMs: opts.leaseDurationMs,
    renewIntervalMs: opts.renewIntervalMs,
  });
  // One budget for every write but the Lease's (docs/controller-scale.md#write-budget).
  const budget = new WriteBudget(opts.writeBudget ?? { qps: DEFAULT_WRITE_QPS, burst: 2 * DEFAULT_WRITE_QPS });
  const events = new EventRecorder(opts.kubeConfig, opts.identity, opts.logger.child({ component: 'events' }), budget);
  const writer = new StatusWriter({
    kubeConfig: opts.kubeConfig,
    logger: opts.logger,
    isLeader: () => elector.isLeader(),
    events,
    budget,
    ...(opts.kic !== undefined && { kic: opts.kic }),
  });
  const ingress = opts.ingress
    ? new IngressStatusWriter({ kubeConfig: opts.kubeConfig, logger: opts.logger, isLeader: () => elector.isLeader(), events, budget, ...opts.ingress })
    : undefined;
  elector.onChange((leader) => {
    writer.onLeadership(leader);
    ingress?.onLeadership(leader);
  });
  const gatewayApi = new GatewayApiStatusWriter({ kubeConfig: opts.kubeConfig, logger: opts.logger, isLeader: () => elector.isLeader(), budget });
  elector.onChange((leader) => gatewayApi.onLeadership(leader));
  return {
    report: (diagnostics, objects) => {
      writer.report(diagnostics, objects);
      ingress?.report(diagnostics, objects);
    },
    reportGatewayApi: (statuses) => gatewayApi.report(statuses),
    isLeader: () => elector.isLeader(),
    onLeaderChange: (cb) => elector.onChange(cb),
    pendingCount: () => writer.pendingCount() + (ingress?.pendingCount() ?? 0) + gatewayApi.pendingCount(),
    async stop() {
      await Promise.all([writer.stop(), ingress?.stop(), gatewayApi.stop()]);
      events.stop();
      await elector.release();
    },
  };
}

/** Lease namespace: POD_NAMESPACE, else the watched namespace, else "default". */
export function defaultLeaseNamespace(watchedNamespace?: string): string {
  return process.env.POD_NAMESPACE || watchedNamespace || 'default';
}

export const DEFAULT_LEASE_NAME = 'portcullis-leader';
