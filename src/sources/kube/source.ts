import { Health, type KubeConfig, type KubernetesObject, type V1EndpointSlice, type V1Secret, type V1Service } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { groupEndpointSlices, type KubeObjects } from './kube-objects.js';
import type { IngressClassObject, IngressObject } from './ingress-types.js';
import type { JwtCredentialObject, KongConsumerObject, RouteObject } from './types.js';
import { RebuildLoop } from './rebuild-loop.js';
import { resourceTypes, type ResourceName, type ResourceType } from './resource-types.js';
import { ResourceWatcher, type WatchStats } from './watcher.js';
import type { BackoffOptions } from './backoff.js';
import { ApiRecovery } from './api-recovery.js';
import { GATEWAY_API_RESOURCES, collectGatewayApi, gatewayApiResourceTypes } from './gateway-api/resource-types.js';
import { KIC_RESOURCES, collectKic, kicResourceTypes } from './kic/resource-types.js';

export interface KubeSourceOptions {
  kubeConfig: KubeConfig;
  /** Watch one namespace; all namespaces when absent (and `namespaces` is too). */
  namespace?: string;
  /** Watch these namespaces (one watch per namespaced type and namespace); wins over `namespace`. */
  namespaces?: readonly string[];
  /** Periodic full relist of every type (default 5 min). */
  resyncMs?: number;
  /** Quiet time before a rebuild (default 20 ms); bursts are coalesced, max wait 250 ms. */
  debounceMs?: number;
  maxWaitMs?: number;
  backoff?: BackoffOptions;
  /** A watch silent for this long is a stalled connection, restarted (default 30 s). */
  watchIdleTimeoutMs?: number;
  /** After an outage, how often the API server is probed so retries resume as soon as it answers (default 1 s). */
  recoveryProbeMs?: number;
  logger: Logger;
  /** Relists, watch restarts and events per type (and rebuilds), for metrics. */
  stats?: WatchStats & { rebuilt?(): void };
  /**
   * Called (coalesced: 500 ms quiet, at most 2 s) when objects changed only in a status the gateway
   * does not read, e.g. our own status PATCHes: no rebuild, but the status writers may look again
   * (someone else edited a status we own). Never before every type has synced.
   */
  onStatusChange?: (objects: KubeObjects) => void;
  /** Also watch Ingresses and IngressClasses (--ingress; docs/ingress.md). */
  ingress?: boolean;
  /** Called by the single rebuild worker with the whole cache, only once every type has synced. */
  onObjects: (objects: KubeObjects, timing: RebuildTiming) => void | Promise<void>;
  /** Also watch the Gateway API kinds and JwtPolicies (docs/gateway-api.md); off by default. */
  gatewayApi?: boolean;
  /** Also watch Kong Ingress Controller's resources (--kic-resources; docs/kong-ingress-controller.md). */
  kic?: boolean;
}

/** Where a rebuild's time went before translation (the controller logs it: docs/controller-scale.md). */
export interface RebuildTiming {
  /** From the first watch event it answers to its start: debounce, and any build still running. */
  waitedMs: number;
  /** Gathering the cache into KubeObjects. */
  collectMs: number;
}

export interface KubeSource {
  /** Resolves after the first complete list of every type (rejects if stopped before). */
  synced: Promise<void>;
  hasSynced(): boolean;
  /** The current cache content (also what onObjects receives). */
  objects(): KubeObjects;
  /** Per-type sync state, for /readyz details and logs. */
  syncState(): Record<ResourceName, boolean>;
  /** Types that have had no working watch for at least `ms` (stalled or failing, not yet re-established). */
  watchesDownFor(ms: number): ResourceName[];
  stop(): Promise<void>;
}

/** Watched once whatever the namespaces (cluster-scoped objects). */
const CLUSTER_SCOPED: ReadonlySet<ResourceName> = new Set(['ingressclasses', 'gatewayclasses', 'namespaces', 'kic-clusterplugins']);

const BASE_ORDER: ResourceName[] = ['kongconsumers', 'jwtcredentials', 'routes', 'secrets', 'services', 'endpointslices'];

export function startKubeSource(opts: KubeSourceOptions): KubeSource {
  const logger = opts.logger.child({ component: 'kube-source' });
  const order: ResourceName[] = [
    ...BASE_ORDER,
    ...(opts.ingress ? (['ingresses', 'ingressclasses'] as const) : []),
    ...(opts.gatewayApi ? GATEWAY_API_RESOURCES : []),
    ...(opts.kic ? KIC_RESOURCES : []),
  ];
  // One set of types per watched namespace (sorted as "ns/" keys sort, so merged views stay in
  // key order); cluster-scoped types are watched once, from the first set.
  const namespaces: Array<string | undefined> = opts.namespaces?.length
    ? [...new Set(opts.namespaces)].sort((a, b) => (a + '/' < b + '/' ? -1 : 1))
    : [opts.namespace];
  const typeSets = namespaces.map(
    (ns) =>
      ({
        ...resourceTypes(opts.kubeConfig, ns),
        ...(opts.gatewayApi ? gatewayApiResourceTypes(opts.kubeConfig, ns) : {}),
        ...(opts.kic ? kicResourceTypes(opts.kubeConfig, ns) : {}),
      }) as Record<ResourceName, ResourceType>,
  );
  let resolveSynced!: () => void;
  let rejectSynced!: (err: Error) => void;
  const synced = new Promise<void>((res, rej) => {
    resolveSynced = res;
    rejectSynced = rej;
  });
  synced.catch(() => undefined); // a caller that never awaits must not crash the process
  let allSynced = false;
  const health = new Health(opts.kubeConfig);
  const recovery = new ApiRecovery(
    () => health.readyz({ signal: AbortSignal.timeout(2_000) }).catch(() => false),
    opts.recoveryProbeMs,
  );

  const loop = new RebuildLoop({
    logger,
    debounceMs: opts.debounceMs,
    maxWaitMs: opts.maxWaitMs,
    // Level-triggered: always from the whole cache; never before every type is listed, so a
    // half-filled cache cannot produce a snapshot that drops routes or credentials.
    build: ({ waitedMs }) => {
      if (!allSynced) return undefined;
      opts.stats?.rebuilt?.();
      const started = performance.now();
      const objects = collect();
      return opts.onObjects(objects, { waitedMs, collectMs: performance.now() - started });
    },
  });
  // Status-only changes: no rebuild; the status writers compare again, coalesced.
  const statusLoop = new RebuildLoop({
    logger,
    debounceMs: 500,
    maxWaitMs: 2_000,
    build: () => (allSynced ? opts.onStatusChange?.(collect()) : undefined),
  });

  const onSynced = (): void => {
    if (allSynced || !order.every((n) => watchers[n].every((w) => w.hasSynced()))) return;
    allSynced = true;
    logger.info('all resource types synced');
    resolveSynced();
    loop.poke();
  };

  // With several namespaces, the objects gauge counts the type across all its watchers.
  const statsFor = (name: ResourceName): WatchStats | undefined => {
    const stats = opts.stats;
    if (!stats || namespaces.length === 1 || CLUSTER_SCOPED.has(name)) return stats;
    const total = (): number => watchers[name].reduce((n, w) => n + w.cache.size, 0);
    return {
      relisted: (r, reason) => stats.relisted(r, reason, total()),
      listFailed: (r) => stats.listFailed(r),
      watchEnded: (r, end) => stats.watchEnded(r, end),
      event: (r, type) => stats.event(r, type, total()),
    };
  };
  const watcherFor = (name: ResourceName, type: ResourceType): ResourceWatcher<KubernetesObject> =>
    new ResourceWatcher({
      kubeConfig: opts.kubeConfig,
      type,
      logger,
      resyncMs: opts.resyncMs,
      backoff: opts.backoff,
      recovery,
      ...(opts.watchIdleTimeoutMs !== undefined && { idleTimeoutMs: opts.watchIdleTimeoutMs }),
      ...(opts.stats !== undefined && { stats: statsFor(name)! }),
      onChange: () => loop.poke(),
      onStatusChange: () => statusLoop.poke(),
      onSynced,
    });
  const watchers = Object.fromEntries(
    order.map((name) => [name, CLUSTER_SCOPED.has(name) ? [watcherFor(name, typeSets[0]![name])] : typeSets.map((t) => watcherFor(name, t[name]))]),
  ) as Record<ResourceName, Array<ResourceWatcher<KubernetesObject>>>;

  /** One type's objects in key order, across its namespaces' watchers. */
  const sorted = (name: ResourceName): readonly KubernetesObject[] => {
    const ws = watchers[name];
    return ws.length === 1 ? ws[0]!.cache.sortedValues() : ws.flatMap((w) => w.cache.sortedValues());
  };
  const entries = (name: ResourceName): Array<[string, KubernetesObject]> => watchers[name].flatMap((w) => w.cache.entries());

  function collect(): KubeObjects {
    const endpointSlices = groupEndpointSlices(watchers.endpointslices.flatMap((w) => w.cache.values()) as V1EndpointSlice[]);
    return {
      consumers: sorted('kongconsumers') as KongConsumerObject[],
      credentials: sorted('jwtcredentials') as JwtCredentialObject[],
      routes: sorted('routes') as RouteObject[],
      secrets: new Map(entries('secrets') as Array<[string, V1Secret]>),
      services: new Map(entries('services') as Array<[string, V1Service]>),
      endpointSlices,
      ...(opts.ingress && {
        ingresses: sorted('ingresses') as IngressObject[],
        ingressClasses: sorted('ingressclasses') as IngressClassObject[],
      }),
      ...(opts.gatewayApi && { gatewayApi: collectGatewayApi((n) => sorted(n)) }),
      ...(opts.kic && { kic: collectKic((n) => sorted(n), () => entries('kic-secrets')) }),
    };
  }

  for (const name of order) for (const w of watchers[name]) w.start();

  return {
    synced,
    hasSynced: () => allSynced,
    objects: collect,
    syncState: () => Object.fromEntries(order.map((n) => [n, watchers[n].every((w) => w.hasSynced())])) as Record<ResourceName, boolean>,
    watchesDownFor: (ms) => {
      const now = Date.now();
      return order.filter((n) => watchers[n].some((w) => w.downForMs(now) >= ms));
    },
    async stop() {
      recovery.stop();
      await Promise.all(order.flatMap((n) => watchers[n].map((w) => w.stop())));
      await Promise.all([loop.stop(), statusLoop.stop()]);
      if (!allSynced) rejectSynced(new Error('kube source stopped before sync'));
    },
  };
}
