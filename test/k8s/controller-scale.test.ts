import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { KubeConfig, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mintToken } from '../../src/tokens/mint.js';
import { apiServerMetrics, auditRequests, requestTotal } from '../support/apiserver-requests.js';
import { startFreezableProxy, type FreezableProxy } from '../support/freezable-proxy.js';
import { startGateway, type GatewayProcess } from '../support/gateway-process.js';
import { startEchoUpstream, type EchoUpstream } from '../support/http.js';
import { condition, eventually, getCustom, GROUP, startKubeEnv, VERSION, type CrdPlural, type KubeEnv } from '../support/controller-env.js';
import { consumer, credential, join, route, secret } from '../support/crs.js';
import { metricSum } from '../support/metrics.js';

/**
 * The controller at scale, against the real API server (docs/controller-scale.md):
 * - a status write (ours, or someone else's) causes no rebuild: the rebuild counter stays put
 *   while statuses are written and restored; a spec change moves it;
 * - a watch cut (every connection reset by a relay) resumes from the last resourceVersion: the
 *   API server counts no further LIST, and a deletion made meanwhile is enforced;
 * - Event aggregation: 15 credentials failing the same way make 10 Events and one aggregate whose
 *   series.count counts the other 5;
 * - `--namespace a,b,c`: objects of the listed namespaces serve, others do not;
 * - every request carries the gateway's own User-Agent (the API server's audit log).
 */
let env: KubeEnv;
let echo: EchoUpstream;
let relay: FreezableProxy;
let gw: GatewayProcess;
let dir: string;
let ns: string;
let failing: string;
let third: string;
let unwatched: string;
const BROKEN = 15;

const tokenFor = (key: string, s: string) => mintToken({ algorithm: 'HS256', key, secret: s, expiresInSeconds: 3600 });
const status = async (p: string, key?: string, s?: string) =>
  (await fetch(`${gw.proxy}${p}`, key ? { headers: { authorization: `Bearer ${tokenFor(key, s!)}` } } : {})).status;
const gatewayMetric = (series: string): Promise<number> => metricSum(gw.status, series);
const mergePatch = (plural: CrdPlural, name: string, body: object, subresource?: 'status') => {
  const req = { group: GROUP, version: VERSION, plural, namespace: ns, name, body };
  const opts = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
  return subresource ? env.custom.patchNamespacedCustomObjectStatus(req, opts) : env.custom.patchNamespacedCustomObject(req, opts);
};
const ROUTES = Array.from({ length: 10 }, (_, i) => `r${i}`);

/** Every route's status describes its current generation. */
async function allStatusesCurrent(): Promise<boolean> {
  for (const name of ROUTES) {
    const o = await getCustom(env, 'routes', ns, name);
    if (o.status?.observedGeneration !== o.metadata.generation || condition(o, 'Programmed')?.status !== 'True') return false;
  }
  return true;
}

beforeAll(async () => {
  [env, echo] = await Promise.all([startKubeEnv({ audit: true }), startEchoUpstream()]);
  [ns, failing, third, unwatched] = await Promise.all([env.namespace('scale'), env.namespace('scale-fail'), env.namespace('scale-c'), env.namespace('scale-out')]);
  const backend = { url: `http://127.0.0.1:${echo.port}` };
  await env.apply(
    join(
      ...ROUTES.map((r) => route(ns, r, { paths: [`/${r}`], backend })),
      route(ns, 'api', { paths: ['/api'], backend, jwt: true }),
      consumer(ns, 'alice'),
      secret(ns, 'alice-jwt', { secret: 'alice-secret' }),
      credential(ns, 'alice-hs', { consumer: 'alice', key: 'alice-key', secretName: 'alice-jwt' }),
      consumer(ns, 'bob'),
      secret(ns, 'bob-jwt', { secret: 'bob-secret' }),
      credential(ns, 'bob-hs', { consumer: 'bob', key: 'bob-key', secretName: 'bob-jwt' }),
      route(third, 'c', { paths: ['/third'], backend }),
      route(unwatched, 'out', { paths: ['/unwatched'], backend }),
    ),
  );
  relay = await startFreezableProxy(Number(new URL(env.cp.server).port));
  // The controller reaches the API server through the relay (so the test can cut its connections).
  const kc = new KubeConfig();
  kc.loadFromFile(env.cp.kubeconfigPath);
  const cluster = kc.getCurrentCluster()!;
  kc.clusters = kc.clusters.map((c) => (c.name === cluster.name ? { ...c, server: `https://127.0.0.1:${relay.port}` } : c));
  dir = await mkdtemp(path.join(os.tmpdir(), 'pc-scale-'));
  const kubeconfig = path.join(dir, 'kubeconfig');
  await writeFile(kubeconfig, kc.exportConfig(), { mode: 0o600 });
  gw = await startGateway(['controller', '--kubeconfig', kubeconfig, '--namespace', `${ns},${failing},${third}`, '--lease-name', 'scale'], {
    env: { PORTCULLIS_ACCESS_LOG: 'off' },
    timeoutMs: 30_000,
  });
}, 90_000);

afterAll(async () => {
  await gw?.stop();
  await relay?.close();
  await echo?.close();
  await env?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('status writes and rebuilds', () => {
  it('status written (and restored after someone else edits it) without a single rebuild; a spec change rebuilds', async () => {
    await eventually(allStatusesCurrent, 20_000, 'every route has a current status');
    await new Promise((r) => setTimeout(r, 1_500)); // anything still in flight lands
    const before = await gatewayMetric('portcullis_kube_rebuilds_total');
    expect(before).toBeGreaterThan(0);

    // Someone strips observedGeneration from 5 statuses: the controller puts it back (its own
    // status PATCHes come back through the watch too), and nothing is rebuilt.
    for (const name of ROUTES.slice(0, 5)) await mergePatch('routes', name, { status: { observedGeneration: null } }, 'status');
    await eventually(allStatusesCurrent, 20_000, 'the stripped statuses are written again');
    await new Promise((r) => setTimeout(r, 1_500));
    expect(await gatewayMetric('portcullis_kube_rebuilds_total')).toBe(before);

    // A path no route's prefix matches yet ('/r0-more' would already match '/r0'): served only once rebuilt.
    expect(await status('/more-r0')).toBe(404);
    await mergePatch('routes', 'r0', { spec: { paths: ['/r0', '/more-r0'] } });
    await eventually(async () => (await status('/more-r0')) === 200, 10_000, 'the spec change served');
    expect(await gatewayMetric('portcullis_kube_rebuilds_total')).toBeGreaterThan(before);
  }, 60_000);
});

describe('watch at scale', () => {
  it('a cut watch resumes from its resourceVersion: no LIST at the API server, a deletion meanwhile enforced', async () => {
    expect(await status('/api', 'bob-key', 'bob-secret')).toBe(200);
    // Only the gateway lists our CRDs (the API server's own informers list built-in types).
    const lists = async () => {
      const m = await apiServerMetrics(env.kc);
      return ['kongconsumers', 'jwtcredentials', 'routes'].reduce((sum, resource) => sum + requestTotal(m, { verb: 'LIST', resource }), 0);
    };
    const listsBefore = await lists();
    const errorsBefore = await gatewayMetric('portcullis_kube_watch_ends_total{resource="kongconsumers",end="error"}');
    expect(relay.cut()).toBeGreaterThan(0);
    await env.custom.deleteNamespacedCustomObject({ group: GROUP, version: VERSION, plural: 'kongconsumers', namespace: ns, name: 'bob' });
    await eventually(async () => (await status('/api', 'bob-key', 'bob-secret')) === 401, 10_000, 'bob refused');
    expect(await gatewayMetric('portcullis_kube_watch_ends_total{resource="kongconsumers",end="error"}')).toBeGreaterThan(errorsBefore);
    expect(await gatewayMetric('portcullis_kube_relists_total{resource="kongconsumers",reason="gone"}')).toBe(0);
    // The API server's own count: not one LIST of them since the cut (the watches resumed, nothing relisted).
    expect(await lists()).toBe(listsBefore);
    expect(await status('/api', 'alice-key', 'alice-secret')).toBe(200);
  }, 60_000);

  it('--namespace a,b,c: the listed namespaces serve, another does not', async () => {
    await eventually(async () => (await status('/third')) === 200, 10_000, '/third served');
    expect(await status('/unwatched')).toBe(404);
    // The objects gauge counts a type across its namespaces' watches: 11 routes here, 1 in the third.
    expect(await gatewayMetric('portcullis_kube_objects{resource="routes"}')).toBe(ROUTES.length + 2);
  });
});

describe('Event aggregation', () => {
  it(`${BROKEN} credentials failing alike: 10 Events, then one aggregate whose series.count counts the rest`, async () => {
    await env.apply(
      join(
        consumer(failing, 'carol'),
        ...Array.from({ length: BROKEN }, (_, i) => credential(failing, `broken-${i}`, { consumer: 'carol', key: `${failing}-b${i}`, secretName: 'missing' })),
      ),
    );
    const events = async () =>
      (await env.events.listNamespacedEvent({ namespace: failing })).items.filter((e) => e.regarding?.kind === 'JwtCredential' && e.reason === 'SecretNotFound');
    // The aggregate's count is brought up to date within ~10 s of the last folded event.
    const all = await eventually(
      async () => {
        const list = await events();
        const agg = list.find((e) => e.note?.startsWith('(combined from similar events)'));
        return agg?.series?.count === BROKEN - 10 ? list : undefined;
      },
      30_000,
      'an aggregate Event with series.count 5',
    );
    expect(all).toHaveLength(11);
    expect(all.filter((e) => !e.note?.startsWith('(combined'))).toHaveLength(10);
  }, 60_000);
});

describe('requests as the API server saw them', () => {
  it('connections are reused: Lease renewals every 2 s (and status writes) open no new connection', async () => {
    const before = relay.accepted;
    const leaseRequests = async () => (await auditRequests(env.cp.auditLogPath!)).filter((r) => r.resource === 'leases' && r.name === 'scale').length;
    const leasesBefore = env.cp.auditLogPath ? await leaseRequests() : 0;
    await new Promise((r) => setTimeout(r, 8_000));
    if (env.cp.auditLogPath) expect(await leaseRequests()).toBeGreaterThanOrEqual(leasesBefore + 4);
    // A watch the server ended reconnects at most once in a while; a TLS handshake per request
    // (client-node's default: a new agent each time) would be one per Lease get and update.
    expect(relay.accepted - before).toBeLessThanOrEqual(2);
  }, 30_000);

  it('the gateway\'s requests (watches, lists, status patches, the Lease) carry its own User-Agent', async () => {
    if (env.cp.auditLogPath === undefined) return; // an external cluster: no audit log of ours
    const reqs = await auditRequests(env.cp.auditLogPath);
    const ours = (r: { userAgent: string }) => r.userAgent.startsWith('portcullis-controller');
    const crd = (r: { resource: string }) => ['kongconsumers', 'jwtcredentials', 'routes'].includes(r.resource);
    // Only the gateway watches and lists our CRDs and uses a Lease here: all of those are its own.
    for (const verb of ['watch', 'list']) {
      const all = reqs.filter((r) => r.verb === verb && crd(r));
      expect(all.length, verb).toBeGreaterThan(0);
      expect(all.filter((r) => !ours(r)).map((r) => r.userAgent), verb).toEqual([]);
    }
    const leases = reqs.filter((r) => r.resource === 'leases' && r.name === 'scale');
    expect(leases.length).toBeGreaterThan(0);
    expect(leases.filter((r) => !ours(r)).map((r) => r.userAgent)).toEqual([]);
    expect(reqs.filter((r) => ours(r) && r.verb === 'patch' && r.subresource === 'status').length).toBeGreaterThan(0);
  });
});
