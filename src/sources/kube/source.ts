import { Health, type KubeConfig, type KubernetesObject, type V1EndpointSlice, type V1Secret, type V1Service } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { groupEndpointSlices, type KubeObjects } from './kube-objects.js';
import type { IngressClassObject, IngressObject } from './ingress-types.js';
import type { JwtCredentialObject, KongConsumerObject, RouteObject } from './types.js';
import { RebuildLoop } from './rebuild-loop.js';
import { resourceTypes, type ResourceName } from './resource-types.js';
import { ResourceWatcher, type WatchStats } from './watcher.js';
import type { BackoffOptions } from './backoff.js';
import { ApiRecovery } from './api-recovery.js';
import { GATEWAY_API_RESOURCES, collectGatewayApi, gatewayApiResourceTypes } from './gateway-api/resource-types.js';
import { KIC_RESOURCES, collectKic, kicResourceTypes } from './kic/resource-types.js';

export interface KubeSourceOptions {
  kubeConfig: KubeConfig;
  /** Watch one namespace; all namespaces when absent. */
  namespace?: string;
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
  /** Relists, watch restarts and events per type, for metrics. */
  stats?: WatchStats;
  /** Also watch Ingresses and IngressClasses (--ingress; docs/ingress.md). */
  ingress?: boolean;
  /** Called by the single rebuild worker with the whole cache, only once every type has synced. */
  onObjects: (objects: KubeObjects) => void | Promise<void>;
  /** Also watch the Gateway API kinds and JwtPolicies (docs/gateway-api.md); off by default. */
  gatewayApi?: boolean;
  /** Also watch Kong Ingress Controller's resources (--kic-resources; docs/kong-ingress-controller.md). */
  kic?: boolean;
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

const BASE_ORDER: ResourceName[] = ['kongconsumers', 'jwtcredentials', 'routes', 'secrets', 'services', 'endpointslices'];

export function startKubeSource(opts: KubeSourceOptions): KubeSource {
  const logger = opts.logger.child({ component: 'kube-source' });
  const order: ResourceName[] = [
    ...BASE_ORDER,
    ...(opts.ingress ? (['ingresses', 'ingressclasses'] as const) : []),
    ...(opts.gatewayApi ? GATEWAY_API_RESOURCES : []),
    ...(opts.kic ? KIC_RESOURCES : []),
  ];
  const types = {
    ...resourceTypes(opts.kubeConfig, opts.namespace),
    ...(opts.gatewayApi ? gatewayApiResourceTypes(opts.kubeConfig, opts.namespace) : {}),
    ...(opts.kic ? kicResourceTypes(opts.kubeConfig, opts.namespace) : {}),
  } as Record<ResourceName, ReturnType<typeof resourceTypes>['routes']>;
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
    build: () => (allSynced ? opts.onObjects(collect()) : undefined),
  });

  const onSynced = (): void => {
    if (allSynced || !order.every((n) => watchers[n].hasSynced())) return;
    allSynced = true;
    logger.info('all resource types synced');
    resolveSynced();
    loop.poke();
  };

  const watchers = Object.fromEntries(
    order.map((name) => [
      name,
      new ResourceWatcher({
        kubeConfig: opts.kubeConfig,
        type: types[name],
        logger,
        resyncMs: opts.resyncMs,
        backoff: opts.backoff,
        recovery,
        ...(opts.watchIdleTimeoutMs !== undefined && { idleTimeoutMs: opts.watchIdleTimeoutMs }),
        ...(opts.stats !== undefined && { stats: opts.stats }),
        onChange: () => loop.poke(),
        onSynced,
      }),
    ]),
  ) as Record<ResourceName, ResourceWatcher<KubernetesObject>>;

  function collect(): KubeObjects {
    const endpointSlices = groupEndpointSlices(watchers.endpointslices.cache.values() as V1EndpointSlice[]);
    return {
      consumers: watchers.kongconsumers.cache.sortedValues() as KongConsumerObject[],
      credentials: watchers.jwtcredentials.cache.sortedValues() as JwtCredentialObject[],
      routes: watchers.routes.cache.sortedValues() as RouteObject[],
      secrets: new Map(watchers.secrets.cache.entries() as Array<[string, V1Secret]>),
      services: new Map(watchers.services.cache.entries() as Array<[string, V1Service]>),
      endpointSlices,
      ...(opts.ingress && {
        ingresses: watchers.ingresses.cache.sortedValues() as IngressObject[],
        ingressClasses: watchers.ingressclasses.cache.sortedValues() as IngressClassObject[],
      }),
      ...(opts.gatewayApi && { gatewayApi: collectGatewayApi((n) => watchers[n].cache.sortedValues()) }),
      ...(opts.kic && { kic: collectKic((n) => watchers[n].cache.sortedValues(), () => watchers['kic-secrets'].cache.entries()) }),
    };
  }

  for (const name of order) watchers[name].start();

  return {
    synced,
    hasSynced: () => allSynced,
    objects: collect,
    syncState: () => Object.fromEntries(order.map((n) => [n, watchers[n].hasSynced()])) as Record<ResourceName, boolean>,
    watchesDownFor: (ms) => {
      const now = Date.now();
      return order.filter((n) => watchers[n].downForMs(now) >= ms);
    },
    async stop() {
      recovery.stop();
      await Promise.all(order.map((n) => watchers[n].stop()));
      await loop.stop();
      if (!allSynced) rejectSynced(new Error('kube source stopped before sync'));
    },
  };
}
