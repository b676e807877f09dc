import {
  ApiextensionsV1Api,
  CoordinationV1Api,
  CoreV1Api,
  CustomObjectsApi,
  DiscoveryV1Api,
  EventsV1Api,
  type KubeConfig,
  type V1CustomResourceDefinition,
} from '@kubernetes/client-node';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startControlPlane } from '../harness/control-plane.js';
import type { Diagnostic } from '../../src/model/diagnostics.js';
import type { KubeObjects } from '../../src/sources/kube/kube-objects.js';
import { startKubeSource, type KubeSource } from '../../src/sources/kube/source.js';
import type { WatchStats } from '../../src/sources/kube/watcher.js';
import { startLeaderElection, type LeaderElector } from '../../src/status/leader-election.js';
import { startStatusReporting } from '../../src/status/index.js';

const logger = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });

/** What the source's watchers report (the controller turns the same calls into metrics). */
const stats = {
  relists: [] as string[],
  listFailures: 0,
  watchEnds: [] as string[],
  events: [] as string[],
  objects: new Map<string, number>(),
};
const statsRecorder: WatchStats = {
  relisted: (resource, reason, count) => (stats.relists.push(`${resource}:${reason}`), stats.objects.set(resource, count)),
  listFailed: () => void stats.listFailures++,
  watchEnded: (resource, end) => void stats.watchEnds.push(`${resource}:${end}`),
  event: (resource, type, count) => (stats.events.push(`${resource}:${type}`), stats.objects.set(resource, count)),
};
// Unique, so the suite can also run against an existing cluster ($KUBECONFIG).
const NS = `pc-watch-${process.pid}-${Date.now().toString(36)}`;
const GROUP = 'portcullis.dev';

type ControlPlane = Awaited<ReturnType<typeof startControlPlane>>;

type Truthy<T> = Exclude<T, false | null | undefined | 0 | ''>;

async function eventually<T>(fn: () => T | Promise<T>, timeoutMs = 15_000, what = 'condition'): Promise<Truthy<T>> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v as Truthy<T>;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function crd(kind: string, plural: string): V1CustomResourceDefinition {
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `${plural}.${GROUP}` },
    spec: {
      group: GROUP,
      scope: 'Namespaced',
      names: { kind, plural, singular: kind.toLowerCase(), listKind: `${kind}List` },
      versions: [
        {
          name: 'v1alpha1',
          served: true,
          storage: true,
          subresources: { status: {} },
          schema: { openAPIV3Schema: { type: 'object', x_kubernetes_preserve_unknown_fields: true } },
        },
      ],
    },
  };
}

describe('kube source and status against a real API server', () => {
  let cp: ControlPlane;
  let kc: KubeConfig;
  let core: CoreV1Api;
  let custom: CustomObjectsApi;
  let source: KubeSource | undefined;
  let latest: KubeObjects | undefined;
  let builds = 0;

  beforeAll(async () => {
    cp = await startControlPlane();
    kc = cp.kubeConfig;
    core = kc.makeApiClient(CoreV1Api);
    custom = kc.makeApiClient(CustomObjectsApi);
    await core.createNamespace({ body: { metadata: { name: NS } } });
  }, 240_000);

  afterAll(async () => {
    await source?.stop();
    if (cp?.external) await core.deleteNamespace({ name: NS }).catch(() => undefined);
    await cp?.stop();
  });

  it('waits for the CRDs (not synced while missing), then syncs', async () => {
    source = startKubeSource({
      kubeConfig: kc,
      namespace: NS,
      debounceMs: 20,
      resyncMs: 60_000,
      backoff: { initialMs: 100, maxMs: 1_000, jitter: 0.5 },
      logger,
      stats: statsRecorder,
      onObjects: (o) => {
        builds++;
        latest = o;
      },
      // A status-only change (our own status PATCH) does not rebuild: it arrives here instead.
      onStatusChange: (o) => {
        latest = o;
      },
    });
    const ext = kc.makeApiClient(ApiextensionsV1Api);
    if (!cp.external) {
      await eventually(() => source!.syncState().secrets, 10_000, 'secrets listed');
      await new Promise((r) => setTimeout(r, 500));
      expect(source.hasSynced()).toBe(false);
      expect(source.syncState().routes).toBe(false);
      expect(builds).toBe(0);
    }
    for (const [kind, plural] of [['KongConsumer', 'kongconsumers'], ['JwtCredential', 'jwtcredentials'], ['Route', 'routes']] as const) {
      await ext.createCustomResourceDefinition({ body: crd(kind, plural) }).catch((err: { code?: number }) => {
        if (err.code !== 409) throw err; // already installed on an external cluster
      });
    }
    await source.synced;
    expect(source.hasSynced()).toBe(true);
    await eventually(() => builds > 0, 5_000, 'first build');
    // Every type listed once for the first sync; the CRD types' lists failed while CRDs were missing.
    for (const r of ['kongconsumers', 'jwtcredentials', 'routes', 'secrets', 'services', 'endpointslices']) {
      expect(stats.relists.filter((x) => x === `${r}:initial`)).toHaveLength(1);
    }
    if (!cp.external) expect(stats.listFailures).toBeGreaterThan(0);
  }, 60_000);

  it('sees create, update and delete of every kind; only labelled Secrets', async () => {
    const obj = (kind: string, name: string, spec: object) => ({ apiVersion: `${GROUP}/v1alpha1`, kind, metadata: { name, namespace: NS }, spec });
    await custom.createNamespacedCustomObject({ group: GROUP, version: 'v1alpha1', namespace: NS, plural: 'kongconsumers', body: obj('KongConsumer', 'alice', { username: 'alice' }) });
    await custom.createNamespacedCustomObject({ group: GROUP, version: 'v1alpha1', namespace: NS, plural: 'jwtcredentials', body: obj('JwtCredential', 'alice-hs', { consumerRef: { name: 'alice' }, key: 'k1', algorithm: 'HS256', secretRef: { name: 'alice-jwt', key: 'secret' } }) });
    await custom.createNamespacedCustomObject({ group: GROUP, version: 'v1alpha1', namespace: NS, plural: 'routes', body: obj('Route', 'api', { paths: ['/api'], backend: { service: { name: 'api', port: 80 } } }) });
    await core.createNamespacedSecret({ namespace: NS, body: { metadata: { name: 'alice-jwt', labels: { 'portcullis.dev/credential': 'true' } }, stringData: { secret: 's1' } } });
    await core.createNamespacedSecret({ namespace: NS, body: { metadata: { name: 'unrelated' }, stringData: { password: 'nope' } } });
    await core.createNamespacedService({ namespace: NS, body: { metadata: { name: 'api' }, spec: { ports: [{ port: 80, targetPort: 8080 }] } } });
    await kc.makeApiClient(DiscoveryV1Api).createNamespacedEndpointSlice({
      namespace: NS,
      body: {
        metadata: { name: 'api-abc', labels: { 'kubernetes.io/service-name': 'api' } },
        addressType: 'IPv4',
        endpoints: [{ addresses: ['10.203.0.2'], conditions: { ready: true } }],
        ports: [{ port: 8080, protocol: 'TCP' }],
      },
    });

    const o = await eventually(
      () => latest && latest.consumers.length === 1 && latest.credentials.length === 1 && latest.routes.length === 1 && latest.services.has(`${NS}/api`) && latest.endpointSlices.has(`${NS}/api`) && latest.secrets.has(`${NS}/alice-jwt`) && latest,
      10_000,
      'all objects',
    );
    expect([...o.secrets.keys()]).toEqual([`${NS}/alice-jwt`]); // the unlabelled Secret is never held
    expect(o.endpointSlices.get(`${NS}/api`)![0]!.endpoints[0]!.addresses).toEqual(['10.203.0.2']);

    // Key rotation: a Secret data change must reach the cache.
    await core.replaceNamespacedSecret({ name: 'alice-jwt', namespace: NS, body: { metadata: { name: 'alice-jwt', labels: { 'portcullis.dev/credential': 'true' } }, stringData: { secret: 's2' } } });
    await eventually(() => Buffer.from(latest!.secrets.get(`${NS}/alice-jwt`)?.data?.secret ?? '', 'base64').toString() === 's2', 10_000, 'secret update');
    await custom.patchNamespacedCustomObject(
      { group: GROUP, version: 'v1alpha1', namespace: NS, plural: 'kongconsumers', name: 'alice', body: { spec: { username: 'alice2' } } },
      (await import('@kubernetes/client-node')).setHeaderOptions('Content-Type', 'application/merge-patch+json'),
    );
    await eventually(() => (latest!.consumers[0]?.spec as { username?: string } | undefined)?.username === 'alice2', 10_000, 'consumer update');

    // Removing the label takes the Secret out of the cache (the watch sees it as deleted).
    await core.replaceNamespacedSecret({ name: 'alice-jwt', namespace: NS, body: { metadata: { name: 'alice-jwt' }, stringData: { secret: 's2' } } });
    await eventually(() => !latest!.secrets.has(`${NS}/alice-jwt`), 10_000, 'unlabelled secret dropped');

    await custom.deleteNamespacedCustomObject({ group: GROUP, version: 'v1alpha1', namespace: NS, plural: 'routes', name: 'api' });
    await kc.makeApiClient(DiscoveryV1Api).deleteNamespacedEndpointSlice({ name: 'api-abc', namespace: NS });
    await core.deleteNamespacedService({ name: 'api', namespace: NS });
    await eventually(() => latest!.routes.length === 0 && !latest!.services.has(`${NS}/api`) && !latest!.endpointSlices.has(`${NS}/api`), 10_000, 'deletes');
    for (const e of ['kongconsumers:ADDED', 'kongconsumers:MODIFIED', 'secrets:MODIFIED', 'secrets:DELETED', 'routes:DELETED', 'services:DELETED', 'endpointslices:DELETED']) {
      expect(stats.events, e).toContain(e);
    }
    expect(stats.objects.get('routes')).toBe(0);
  }, 60_000);

  it('survives an API server restart and catches up', async () => {
    if (!cp.external) await cp.restartApiServer();
    await core.createNamespacedService({ namespace: NS, body: { metadata: { name: 'after-restart' }, spec: { ports: [{ port: 80 }] } } });
    await custom.deleteNamespacedCustomObject({ group: GROUP, version: 'v1alpha1', namespace: NS, plural: 'jwtcredentials', name: 'alice-hs' });
    await eventually(() => latest!.services.has(`${NS}/after-restart`) && latest!.credentials.length === 0, 45_000, 'cache catch-up after restart');
    // The restart ended every type's watch stream (as an error or a close) and the watches resumed.
    if (!cp.external) {
      for (const r of ['kongconsumers', 'secrets', 'services']) {
        expect(stats.watchEnds.some((x) => x === `${r}:error` || x === `${r}:closed`), r).toBe(true);
      }
    }
    // Seen as a watch event, or, when the resumed watch's resourceVersion predates the restarted
    // server's watch cache (410), by the relist that follows (which one depends on timing).
    expect(stats.events.includes('jwtcredentials:DELETED') || stats.relists.includes('jwtcredentials:gone')).toBe(true);
  }, 120_000);

  it('leader election: one leader; crash -> the other leads within the lease; release -> immediate', async () => {
    const mk = (identity: string): LeaderElector =>
      startLeaderElection({ kubeConfig: kc, name: 'le-test', namespace: NS, identity, logger, leaseDurationMs: 3_000, renewIntervalMs: 500 });
    const a = mk('a');
    await eventually(() => a.isLeader(), 10_000, 'a leads');
    const b = mk('b');
    await new Promise((r) => setTimeout(r, 1_500));
    expect(b.isLeader()).toBe(false);

    const crashedAt = Date.now();
    await a.abandon();
    await eventually(() => b.isLeader(), 10_000, 'b takes over');
    const takeoverMs = Date.now() - crashedAt;
    expect(takeoverMs).toBeLessThan(3_000 + 1_500);

    const c = mk('c');
    await new Promise((r) => setTimeout(r, 1_000));
    expect(c.isLeader()).toBe(false);
    const releasedAt = Date.now();
    await b.release();
    await eventually(() => c.isLeader(), 5_000, 'c takes over after release');
    expect(Date.now() - releasedAt).toBeLessThan(1_500);
    const lease = await kc.makeApiClient(CoordinationV1Api).readNamespacedLease({ name: 'le-test', namespace: NS });
    expect(lease.spec?.holderIdentity).toBe('c');
    await c.release();
    logger.info({ takeoverMs }, 'takeover after crash');
  }, 60_000);

  it('the leader patches status conditions and emits deduplicated Warning Events', async () => {
    const status = startStatusReporting({ kubeConfig: kc, leaseName: 'status-test', leaseNamespace: NS, identity: 'writer-1', logger, leaseDurationMs: 3_000, renewIntervalMs: 500 });
    try {
      await custom.createNamespacedCustomObject({
        group: GROUP, version: 'v1alpha1', namespace: NS, plural: 'jwtcredentials',
        body: { apiVersion: `${GROUP}/v1alpha1`, kind: 'JwtCredential', metadata: { name: 'bob-hs', namespace: NS }, spec: { consumerRef: { name: 'bob' }, key: 'kb', algorithm: 'HS256', secretRef: { name: 'missing', key: 'secret' } } },
      });
      const objs = await eventually(() => latest?.credentials.some((c) => c.metadata.name === 'bob-hs') && latest, 10_000, 'bob-hs cached');
      const cred = objs.credentials.find((c) => c.metadata.name === 'bob-hs')!;
      const diags: Diagnostic[] = [
        { severity: 'error', reason: 'SecretNotFound', message: 'Secret missing not found', field: 'spec.secretRef', object: { kind: 'JwtCredential', namespace: NS, name: 'bob-hs', uid: cred.metadata.uid, generation: 1 } },
      ];
      await eventually(() => status.isLeader(), 10_000, 'status leader');
      status.report(diags, objs);

      const written = await eventually(async () => {
        const o = (await custom.getNamespacedCustomObject({ group: GROUP, version: 'v1alpha1', namespace: NS, plural: 'jwtcredentials', name: 'bob-hs' })) as { status?: { conditions?: Array<{ type: string; status: string; reason: string }> } };
        return o.status?.conditions?.length ? o.status.conditions : undefined;
      }, 10_000, 'status written');
      expect(written.map((c) => [c.type, c.status, c.reason])).toEqual([
        ['Accepted', 'True', 'Accepted'],
        ['Programmed', 'False', 'SecretNotFound'],
      ]);

      // Rebuilds with the same diagnostics (before and after the watch caught up) add no Events.
      status.report(diags, objs);
      await eventually(() => latest?.credentials.find((c) => c.metadata.name === 'bob-hs')?.status?.conditions?.length, 10_000, 'status seen by watch');
      status.report(diags, latest!);
      await new Promise((r) => setTimeout(r, 1_000));
      const events = await kc.makeApiClient(EventsV1Api).listNamespacedEvent({ namespace: NS });
      const ours = events.items.filter((e) => e.regarding?.name === 'bob-hs');
      expect(ours.map((e) => [e.type, e.reason, e.reportingController, e.regarding?.kind])).toEqual([['Warning', 'SecretNotFound', 'portcullis.dev/controller', 'JwtCredential']]);
      expect(status.pendingCount()).toBe(0);
    } finally {
      await status.stop();
    }
  }, 60_000);
  it('only the leader writes; a follower writes its pending differences once it leads', async () => {
    const opts = { kubeConfig: kc, leaseName: 'handover-test', leaseNamespace: NS, logger, leaseDurationMs: 3_000, renewIntervalMs: 500 };
    const a = startStatusReporting({ ...opts, identity: 'a' });
    await eventually(() => a.isLeader(), 10_000, 'a leads');
    const b = startStatusReporting({ ...opts, identity: 'b' });
    try {
      await custom.createNamespacedCustomObject({
        group: GROUP, version: 'v1alpha1', namespace: NS, plural: 'routes',
        body: { apiVersion: `${GROUP}/v1alpha1`, kind: 'Route', metadata: { name: 'bad-regex', namespace: NS }, spec: { paths: ['~/(['] } },
      });
      const objs = await eventually(() => latest?.routes.some((r) => r.metadata.name === 'bad-regex') && latest, 10_000, 'route cached');
      const diags: Diagnostic[] = [{ severity: 'error', reason: 'InvalidRegex', message: 'paths[0]: invalid regex', object: { kind: 'Route', namespace: NS, name: 'bad-regex' } }];
      b.report(diags, objs); // follower: computes, queues, does not write
      await new Promise((r) => setTimeout(r, 1_500));
      const read = async () =>
        ((await custom.getNamespacedCustomObject({ group: GROUP, version: 'v1alpha1', namespace: NS, plural: 'routes', name: 'bad-regex' })) as { status?: { conditions?: Array<{ type: string; status: string; reason: string }> } }).status?.conditions;
      expect(b.isLeader()).toBe(false);
      expect(await read()).toBeUndefined();
      expect(b.pendingCount()).toBeGreaterThan(0); // every live object lacking our conditions

      await a.stop(); // releases the lease: b takes over and writes what it has pending
      const conditions = await eventually(read, 10_000, 'status written by the new leader');
      expect(b.isLeader()).toBe(true);
      expect(conditions.map((c) => [c.type, c.status, c.reason])).toEqual([
        ['Accepted', 'False', 'InvalidRegex'],
        ['Programmed', 'False', 'InvalidRegex'],
      ]);
      const events = await kc.makeApiClient(EventsV1Api).listNamespacedEvent({ namespace: NS });
      // Accepted and Programmed fail for the same reason: one Event.
      expect(events.items.filter((e) => e.regarding?.name === 'bad-regex').map((e) => e.reason)).toEqual(['InvalidRegex']);
    } finally {
      await a.stop();
      await b.stop();
    }
  }, 60_000);
});
