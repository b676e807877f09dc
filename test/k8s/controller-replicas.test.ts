import type http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mintToken } from '../../src/tokens/mint.js';
import type { GatewayProcess } from '../support/gateway-process.js';
import { startEchoUpstream, type EchoUpstream } from '../support/http.js';
import {
  condition,
  eventsAbout,
  eventually,
  getCustom,
  startController,
  startKubeEnv,
  type KubeEnv,
} from '../support/controller-env.js';
import { consumer, credential, join, route, secret } from '../support/crs.js';

/**
 * Replicas: every one serves, only the Lease holder writes status; a crashed leader is replaced
 * when its lease expires, a SIGTERMed one hands over at once and drains in-flight requests.
 */
const LEASE = 'replicas';
let env: KubeEnv;
let echo: EchoUpstream;
let ns: string;
const replicas = new Map<string, GatewayProcess>();
const token = mintToken({ algorithm: 'HS256', key: 'rep-key', secret: 'rep-secret', expiresInSeconds: 3600 });

/** /slow/* answers after 1.5 s (an in-flight request during drain). */
function slow(req: http.IncomingMessage, res: http.ServerResponse): boolean {
  if (!req.url?.startsWith('/slow')) return false;
  setTimeout(() => res.end('slow done'), 1_500);
  return true;
}

async function startReplica(podName: string): Promise<GatewayProcess> {
  const gw = await startController(env, { namespace: ns, args: ['--lease-name', LEASE], env: { POD_NAME: podName, POD_NAMESPACE: ns } });
  replicas.set(podName, gw);
  return gw;
}

/** The pod a leader identity (`<POD_NAME>_<8 hex>`, unique per process) belongs to. */
const podOf = (identity: string | undefined) => (identity ?? '').replace(/_[0-9a-f]{8}$/, '');
const holder = async () =>
  podOf((await env.coordination.readNamespacedLease({ name: LEASE, namespace: ns })).spec?.holderIdentity);

const serves = async (gw: GatewayProcess) =>
  (await fetch(`${gw.proxy}/api`, { headers: { authorization: `Bearer ${token}` } })).status === 200;

/** Applies a credential whose consumer is missing; resolves with its status and Events once written. */
async function brokenCredential(name: string) {
  await env.apply(credential(ns, name, { consumer: `ghost-${name}`, key: `k-${name}`, secretName: 'rep-jwt' }));
  const obj = await eventually(async () => {
    const o = await getCustom(env, 'jwtcredentials', ns, name);
    return condition(o, 'Programmed')?.reason === 'ConsumerNotFound' ? o : undefined;
  }, 20_000, `status on ${name}`);
  const events = await eventually(async () => {
    const list = await eventsAbout(env, ns, 'JwtCredential', name);
    return list.length > 0 ? list : undefined;
  }, 10_000, `an Event about ${name}`);
  return { obj, events };
}

beforeAll(async () => {
  [env, echo] = await Promise.all([startKubeEnv(), startEchoUpstream(slow)]);
  ns = await env.namespace('replicas');
  await env.apply(
    join(
      consumer(ns, 'rep'),
      secret(ns, 'rep-jwt', { secret: 'rep-secret' }),
      credential(ns, 'rep-hs', { consumer: 'rep', key: 'rep-key', secretName: 'rep-jwt' }),
      route(ns, 'api', { paths: ['/api'], backend: { url: `http://127.0.0.1:${echo.port}` }, jwt: true }),
      route(ns, 'slow', { paths: ['/slow'], backend: { url: `http://127.0.0.1:${echo.port}/slow` } }),
    ),
  );
  await Promise.all([startReplica('replica-a'), startReplica('replica-b')]);
}, 120_000);

afterAll(async () => {
  await Promise.allSettled([...replicas.values()].map((gw) => gw.stop('SIGKILL')));
  await echo?.close();
  await env?.stop();
});

describe('controller replicas', () => {
  let leader = '';

  it('both replicas serve; exactly one holds the Lease and writes status once', async () => {
    for (const gw of replicas.values()) expect(await serves(gw)).toBe(true);
    leader = await eventually(holder, 10_000, 'a lease holder');
    expect(['replica-a', 'replica-b']).toContain(leader);

    const { obj, events } = await brokenCredential('broken-1');
    // Settle: a second writer would bump resourceVersion again or add a second Event.
    await new Promise((r) => setTimeout(r, 1_500));
    const again = await getCustom(env, 'jwtcredentials', ns, 'broken-1');
    expect(again.metadata.resourceVersion).toBe(obj.metadata.resourceVersion);
    const finalEvents = await eventsAbout(env, ns, 'JwtCredential', 'broken-1');
    expect(finalEvents).toHaveLength(1);
    expect(podOf(events[0]!.reportingInstance)).toBe(leader);
    expect(await holder()).toBe(leader);
  });

  it('kill -9 of the leader: the other replica takes the lease and writes status', async () => {
    const follower = leader === 'replica-a' ? 'replica-b' : 'replica-a';
    await replicas.get(leader)!.stop('SIGKILL');
    replicas.delete(leader);
    expect(await serves(replicas.get(follower)!)).toBe(true);
    // The default 10 s lease must expire first.
    await eventually(async () => (await holder()) === follower, 20_000, `${follower} to take the lease`);
    const { events } = await brokenCredential('broken-2');
    expect(events).toHaveLength(1);
    expect(podOf(events[0]!.reportingInstance)).toBe(follower);
    leader = follower;
  }, 40_000);

  it('SIGTERM of the leader releases the lease at once and drains an in-flight request', async () => {
    const next = await startReplica('replica-c');
    expect(await serves(next)).toBe(true);
    const old = replicas.get(leader)!;

    const inFlight = fetch(`${old.proxy}/slow`).then(async (r) => ({ status: r.status, body: await r.text() }));
    await new Promise((r) => setTimeout(r, 200)); // let the request reach the upstream
    const terminatedAt = Date.now();
    const exited = old.stop('SIGTERM');

    await eventually(async () => (await fetch(`${old.status}/readyz`)).status === 503, 2_000, '/readyz 503 while draining');
    // Released, not expired: well within one 10 s lease duration.
    await eventually(async () => (await holder()) !== leader, 3_000, 'the lease to be released');
    expect(Date.now() - terminatedAt).toBeLessThan(3_000);

    expect(await inFlight).toEqual({ status: 200, body: 'slow done' });
    expect(await exited).toBe(0);
    replicas.delete(leader);

    await eventually(async () => (await holder()) === 'replica-c', 5_000, 'replica-c to lead');
    const { events } = await brokenCredential('broken-3');
    expect(podOf(events[0]!.reportingInstance)).toBe('replica-c');
  }, 40_000);
});
