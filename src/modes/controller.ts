import { UserAgentKubeConfig } from '../sources/kube/kube-config.js';
import type { WriteBudgetOptions } from '../status/write-budget.js';
import type { GatewayOptions } from '../runtime/options.js';
import type { HostPolicy } from '../model/host-policy.js';
import { registerLeaderMetric } from '../observability/leader-metrics.js';
import type { IngressSettings } from '../model/ingress.js';
import type { IngressPublishing } from '../status/ingress-addresses.js';
import { startGatewayRuntime } from '../runtime/gateway.js';
import { servingAfter } from '../runtime/snapshot-applier.js';
import { startKubeSource, type KubeSource } from '../sources/kube/source.js';
import { kubeWatchMetrics } from '../sources/kube/metrics.js';
import { toResourceSet } from '../sources/kube/to-resource-set.js';
import { ConversionMemo } from '../sources/kube/conversion-memo.js';
import { ResourceHasher } from '../translate/resource-hash.js';
import type { KubeObjects } from '../sources/kube/kube-objects.js';
import type { Diagnostic } from '../model/diagnostics.js';
import { translateGatewayApi, withGatewayApi, type GatewayApiResult } from '../sources/kube/gateway-api/index.js';
import { publishedAddresses } from '../sources/kube/gateway-api/addresses.js';
import type { GatewayDataPlaneSettings } from '../sources/kube/gateway-api/types.js';
import { GatewayServiceWriter } from '../status/gateway-services.js';
import { withSnapshotDiagnostics } from '../sources/kube/gateway-api/snapshot-diagnostics.js';
import { withKicResources, type KicSettings } from '../sources/kube/kic/index.js';
import { withKicHttpRoutePlugins } from '../sources/kube/kic/http-routes.js';
import { defaultIdentity, defaultLeaseNamespace, startStatusReporting, type StatusReporting } from '../status/index.js';

export interface ControllerOptions {
  gateway: GatewayOptions;
  /** Watch these namespaces; undefined = all namespaces (docs/controller-scale.md#namespaces). */
  namespaces?: readonly string[];
  /** Client-side budget of status patches and Events (--api-write-qps / --api-write-burst). */
  writeBudget?: WriteBudgetOptions;
  /** Kubeconfig file; undefined = in-cluster service-account config. */
  kubeconfig?: string;
  adminExposeSecrets: boolean;
  leaseName: string;
  /** A watch that receives nothing (not even a bookmark) for this long is restarted. */
  watchIdleTimeoutSeconds: number;
  /** Which namespaces may claim which hosts; undefined = every namespace any host. */
  hostPolicy?: HostPolicy;
  /** Serve networking.k8s.io/v1 Ingresses of our classes (--ingress; docs/ingress.md). */
  ingress?: { settings: IngressSettings; publishing: IngressPublishing };
  /** --gateway-api: serve Gateways of the portcullis.dev/gateway-controller class (docs/gateway-api.md). */
  gatewayApi?: GatewayApiOptions;
  /** --kic-resources: Kong Ingress Controller's resources (docs/kong-ingress-controller.md). */
  kic?: KicSettings;
}

export interface GatewayApiOptions {
  /** Gateway listener ports served by the plaintext / TLS listener (the chart Service's ports). */
  httpPort: number;
  httpsPort: number;
  /** "namespace/name" of the Service whose addresses go into Gateway status.addresses. */
  publishService?: string;
  /** One Service and pod ports per Gateway (docs/gateway-api.md#one-address-per-gateway); unset: the shared Service. */
  dataPlane?: Omit<GatewayDataPlaneSettings, 'tlsPodPort'>;
}

const SYNC_GATE = 'the first full Kubernetes sync';
const WATCH_GATE = 'the Kubernetes watches to recover';
const WATCH_CHECK_MS = 1_000;

/**
 * `portcullis controller`: every replica watches, translates and serves; the Lease holder also
 * writes status conditions and Events. /readyz stays false until every watched type has synced.
 */
export async function runController(opts: ControllerOptions): Promise<number> {
  // Our own User-Agent on every request, so the API server's audit log and flow metrics tell ours apart.
  const kubeConfig = new UserAgentKubeConfig();
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
    leaseNamespace: defaultLeaseNamespace(opts.namespaces?.[0]),
    identity: defaultIdentity(),
    logger: runtime.logger,
    ...(opts.writeBudget !== undefined && { writeBudget: opts.writeBudget }),
    ...(opts.ingress !== undefined && { ingress: opts.ingress }),
    ...(opts.kic !== undefined && { kic: opts.kic }),
  });
  const reporting = status;
  // Status describes what serves plus the JWKS providers' state (docs/jwks.md#status-and-logs), which
  // changes between snapshots: report again when a provider starts or stops failing.
  let last: { diagnostics: readonly Diagnostic[]; objects: KubeObjects } | undefined;
  // Deferred and coalesced: computing every object's status takes long at scale
  // (docs/controller-memory.md#figures), and run in the build's tick it held the event loop
  // between the swap and the first request served by the new snapshot.
  let reportQueued = false;
  const report = () => {
    if (reportQueued) return;
    reportQueued = true;
    setImmediate(() => {
      reportQueued = false;
      if (last === undefined) return;
      const started = performance.now();
      reporting.report([...last.diagnostics, ...runtime.jwks.diagnostics()], last.objects);
      const ms = performance.now() - started;
      // Incremental, so normally a few ms; a long one holds the event loop (docs/controller-scale.md#change-latency).
      if (ms >= 50) runtime.logger.info({ report_ms: Math.round(ms) }, 'status pass');
    });
  };
  runtime.jwks.onChange(report);
  registerLeaderMetric(runtime.metrics.registry, () => reporting.isLeader());
  // Incremental rebuilds (docs/controller-memory.md#incremental-rebuilds): unchanged objects keep
  // their specs and hashes, and the runtime's translate reuses the stages they feed.
  const translateOptions = {
    ...(opts.hostPolicy !== undefined && { hostPolicy: opts.hostPolicy }),
    ...(opts.ingress !== undefined && { ingress: opts.ingress.settings }),
    memo: new ConversionMemo(),
  };
  const hasher = new ResourceHasher();
  const dataPlane = opts.gatewayApi?.dataPlane;
  // HTTPS listeners keep the pods' TLS listener (SNI tells Gateways apart there).
  const dataPlaneSettings = dataPlane === undefined ? undefined : { ...dataPlane, tlsPodPort: opts.gateway.proxyListenTls?.port ?? 8443 };
  const gatewayServices = dataPlane === undefined ? undefined : new GatewayServiceWriter({ kubeConfig, logger: runtime.logger, isLeader: () => reporting.isLeader(), namespace: dataPlane.podNamespace });
  void runtime.closed.then(() => gatewayServices?.stop());
  source = startKubeSource({
    kubeConfig,
    ...(opts.namespaces !== undefined && { namespaces: opts.namespaces }),
    logger: runtime.logger,
    watchIdleTimeoutMs: opts.watchIdleTimeoutSeconds * 1000,
    stats: kubeWatchMetrics(runtime.metrics.registry),
    ...(opts.ingress !== undefined && { ingress: true }),
    ...(opts.gatewayApi !== undefined && { gatewayApi: true }),
    ...(opts.kic !== undefined && { kic: true }),
    // A status changed and nothing we read: no rebuild; the status writers compare again (someone
    // may have edited a status we own). The diagnostics still describe these objects.
    onStatusChange: (objects) => {
      if (last === undefined) return;
      last = { diagnostics: last.diagnostics, objects };
      report();
    },
    onObjects: (objects, timing) => {
      const started = performance.now();
      let resources = toResourceSet(objects, translateOptions);
      if (opts.kic !== undefined && objects.kic !== undefined) {
        resources = withKicResources(resources, { kic: objects.kic, secrets: objects.secrets, services: objects.services, ...(objects.ingresses !== undefined && { ingresses: objects.ingresses }) }, opts.kic);
      }
      let gatewayApi: GatewayApiResult | undefined;
      const gw = opts.gatewayApi;
      if (gw !== undefined && objects.gatewayApi !== undefined) {
        const settings = {
          httpPort: gw.httpPort,
          httpsPort: gw.httpsPort,
          addresses: gw.publishService === undefined ? [] : publishedAddresses(objects.services.get(gw.publishService)),
          now: new Date(),
          ...(dataPlaneSettings !== undefined && { dataPlane: dataPlaneSettings }),
        };
        gatewayApi = translateGatewayApi({ ...objects, gatewayApi: objects.gatewayApi }, settings);
        if (opts.kic !== undefined && objects.kic !== undefined) {
          // konghq.com/plugins on HTTPRoutes (docs/kong-ingress-controller.md#plugins).
          const kic = withKicHttpRoutePlugins(gatewayApi.rules, objects.gatewayApi.httpRoutes, objects.kic, objects.secrets, opts.kic);
          gatewayApi = { ...gatewayApi, rules: kic.rules, diagnostics: [...gatewayApi.diagnostics, ...kic.diagnostics] };
        }
        resources = withGatewayApi(resources, gatewayApi);
      }
      const translated = performance.now();
      const hash = hasher.hash(resources);
      const hashed = performance.now();
      const result = runtime.apply(resources, hash);
      if (result.kind !== 'unchanged') {
        // Where change → enforced time goes at scale (docs/controller-scale.md#change-latency).
        const ms = (x: number) => Math.round(x * 10) / 10;
        runtime.logger.info(
          { waited_ms: ms(timing.waitedMs), collect_ms: ms(timing.collectMs), resources_ms: ms(translated - started), hash_ms: ms(hashed - translated), apply_ms: ms(performance.now() - hashed) },
          'rebuild timing',
        );
      }
      // Status describes what serves: the new snapshot, or the previous one an unusable change left live.
      const live = servingAfter(result);
      if (live) {
        last = { diagnostics: live.diagnostics, objects };
        report();
      }
      if (gatewayApi?.dataPlane !== undefined) gatewayServices?.apply(gatewayApi.dataPlane.services);
      if (gatewayApi !== undefined) reporting.reportGatewayApi(withSnapshotDiagnostics(gatewayApi.statuses, live?.diagnostics ?? [], new Date()));
    },
  });
  source.synced.then(
    () => runtime.readiness.setGate(SYNC_GATE, true),
    () => undefined,
  );
  const watching = source;
  // A replica that cannot see changes (revocations included) leaves the rotation: unready once a
  // type has had no working watch for two idle timeouts (one minute by default). An API server
  // restart or a short outage stays inside that: every replica would be affected alike, and
  // flipping them all unready would only add an outage of the data plane to the control plane's.
  const downAfterMs = 2 * opts.watchIdleTimeoutSeconds * 1000;
  let watchesUp = true;
  const checkWatches = setInterval(() => {
    const down = watching.watchesDownFor(downAfterMs);
    const up = down.length === 0;
    if (up === watchesUp) return;
    watchesUp = up;
    runtime.readiness.setGate(WATCH_GATE, watchesUp);
    if (watchesUp) runtime.logger.info('Kubernetes watches working again: readiness restored');
    else runtime.logger.error({ resources: down, downForMs: downAfterMs }, 'no working Kubernetes watch: not ready until it is re-established');
  }, WATCH_CHECK_MS);
  checkWatches.unref();
  void runtime.closed.then(() => clearInterval(checkWatches));

  return runtime.closed;
}
