import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mintToken } from '../../src/tokens/mint.js';
import { startFreezableProxy, type FreezableProxy } from '../support/freezable-proxy.js';
import { startGateway, type GatewayProcess } from '../support/gateway-process.js';
import { startEchoUpstream, type EchoUpstream } from '../support/http.js';
import { eventually, GROUP, startController, startKubeEnv, timeUntil, VERSION, type KubeEnv } from '../support/controller-env.js';
import { consumer, credential, join, route, secret } from '../support/crs.js';

/**
 * The controller's watches against the real API server when the connection misbehaves:
 * - a connection that stays open but stops delivering bytes (a TCP relay of our own that freezes)
 *   is noticed within the idle timeout, the watch is restarted and a consumer deleted meanwhile
 *   (directly at the API server) loses access;
 * - when no watch can be re-established at all, /readyz says so, and recovers after;
 * - after a 20 s API server outage, a change is enforced within about two seconds of the server
 *   being back (the retry backoff does not keep the watches asleep);
 * - the shutdown delay in controller mode: still serving and still watching after SIGTERM.
 */
let env: KubeEnv;
let echo: EchoUpstream;
let ns: string;
const IDLE_TIMEOUT_S = 4;
const tokenFor = (key: string, s: string) => mintToken({ algorithm: 'HS256', key, secret: s, expiresInSeconds: 3600 });
const status = async (gw: GatewayProcess, key: string, s: string) =>
  (await fetch(`${gw.proxy}/api`, { headers: { authorization: `Bearer ${tokenFor(key, s)}` } })).status;
const deleteConsumer = (name: string) =>
  env.custom.deleteNamespacedCustomObject({ group: GROUP, version: VERSION, plural: 'kongconsumers', namespace: ns, name });
const user = (name: string) =>
  join(
    consumer(ns, name),
    secret(ns, `${name}-jwt`, { secret: `${name}-secret` }),
    credential(ns, `${name}-hs`, { consumer: name, key: `${name}-key`, secretName: `${name}-jwt` }),
  );

beforeAll(async () => {
  [env, echo] = await Promise.all([startKubeEnv(), startEchoUpstream()]);
  ns = await env.namespace('liveness');
  await env.apply(
    join(
      route(ns, 'api', { paths: ['/api'], backend: { url: `http://127.0.0.1:${echo.port}` }, jwt: true }),
      user('dave'),
      user('erin'),
      user('frank'),
      user('grace'),
      user('heidi'),
      user('ivan'),
    ),
  );
});

afterAll(async () => {
  await echo?.close();
  await env?.stop();
});

describe('through a TCP relay that can freeze', () => {
  let relay: FreezableProxy;
  let dir: string;
  let gw: GatewayProcess;

  beforeAll(async () => {
    relay = await startFreezableProxy(Number(new URL(env.cp.server).port));
    // The controller's kubeconfig points at the relay; the test talks to the API server directly.
    const kc = new KubeConfig();
    kc.loadFromFile(env.cp.kubeconfigPath);
    const cluster = kc.getCurrentCluster()!;
    kc.clusters = kc.clusters.map((c) => (c.name === cluster.name ? { ...c, server: `https://127.0.0.1:${relay.port}` } : c));
    dir = await mkdtemp(path.join(os.tmpdir(), 'pc-liveness-'));
    const kubeconfig = path.join(dir, 'kubeconfig');
    await writeFile(kubeconfig, kc.exportConfig(), { mode: 0o600 });
    // The idle timeout through the environment, so the same test runs against a build without the flag.
    gw = await startGateway(['controller', '--kubeconfig', kubeconfig, '--namespace', ns, '--lease-name', 'liveness'], {
      env: { PORTCULLIS_ACCESS_LOG: 'off', PORTCULLIS_WATCH_IDLE_TIMEOUT: String(IDLE_TIMEOUT_S) },
      timeoutMs: 30_000,
    });
  });

  afterAll(async () => {
    await gw?.stop();
    await relay?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('a watch connection gone silent is noticed and replaced; a consumer deleted meanwhile is refused', async () => {
    expect(await status(gw, 'dave-key', 'dave-secret')).toBe(200);
    // Let every watch be established through the relay, then make those connections go silent
    // (new connections still pass, as after a middlebox dropped the old flows).
    await new Promise((r) => setTimeout(r, 1_000));
    expect(relay.open).toBeGreaterThan(0);
    relay.freeze();
    await deleteConsumer('dave');
    // Noticed within the idle timeout, resumed from the last resourceVersion: the deletion arrives.
    const ms = await timeUntil(async () => (await status(gw, 'dave-key', 'dave-secret')) === 401, (IDLE_TIMEOUT_S + 10) * 1000, 50);
    expect(ms).toBeLessThan((IDLE_TIMEOUT_S + 10) * 1000);
    process.stderr.write(`[liveness] deleted consumer refused ${Math.round(ms)} ms after the freeze (idle timeout ${IDLE_TIMEOUT_S} s)\n`);
    expect(await status(gw, 'erin-key', 'erin-secret')).toBe(200);
    expect(gw.output()).toContain('watch stalled');
    const metrics = await (await fetch(`${gw.status}/metrics`)).text();
    expect(metrics).toMatch(/portcullis_kube_watch_ends_total\{resource="kongconsumers",end="stalled"\} [1-9]/);
    expect((await fetch(`${gw.status}/readyz`)).status).toBe(200);
    relay.unfreeze();
  }, 60_000);

  it('no watch can be re-established: /readyz turns 503 (the data plane keeps serving), and recovers', async () => {
    relay.freeze({ newConnections: true });
    await eventually(async () => (await fetch(`${gw.status}/readyz`)).status === 503, (IDLE_TIMEOUT_S * 5 + 10) * 1000, 'readyz 503');
    const body = (await (await fetch(`${gw.status}/readyz`)).json()) as { reason: string };
    expect(body.reason).toBe('waiting for the Kubernetes watches to recover');
    expect(gw.output()).toContain('no working Kubernetes watch');
    // The last snapshot still serves; a change made during the freeze is enforced once it thaws.
    expect(await status(gw, 'erin-key', 'erin-secret')).toBe(200);
    await deleteConsumer('erin');
    relay.unfreeze();
    await eventually(async () => (await fetch(`${gw.status}/readyz`)).status === 200, (IDLE_TIMEOUT_S * 2 + 10) * 1000, 'readyz 200 again');
    await eventually(async () => (await status(gw, 'erin-key', 'erin-secret')) === 401, 15_000, 'erin refused');
    expect(gw.output()).toContain('Kubernetes watches working again');
  }, 90_000);
});

describe('after a 20 s API server outage', () => {
  let gw: GatewayProcess;

  beforeAll(async () => {
    gw = await startController(env, { namespace: ns, args: ['--lease-name', 'outage'] });
  });
  afterAll(async () => gw?.stop());

  it('a consumer deleted once the server is back is refused within about two seconds', async () => {
    if (env.cp.external) return;
    expect(await status(gw, 'frank-key', 'frank-secret')).toBe(200);
    await env.cp.restartApiServer(20_000);
    // The outage did not touch readiness or the data plane (default: unready only after 60 s without a watch).
    expect((await fetch(`${gw.status}/readyz`)).status).toBe(200);
    expect(await status(gw, 'grace-key', 'grace-secret')).toBe(200);
    await deleteConsumer('frank');
    const ms = await timeUntil(async () => (await status(gw, 'frank-key', 'frank-secret')) === 401, 30_000, 50);
    process.stderr.write(`[liveness] after a 20 s outage, a deletion was enforced in ${Math.round(ms)} ms\n`);
    // About 2 s (one recovery probe, a relist, a rebuild); more headroom for a loaded machine.
    expect(ms, gw.output().slice(-4000)).toBeLessThan(4_000);
    expect(await status(gw, 'grace-key', 'grace-secret')).toBe(200);
  }, 120_000);
});

describe('controller mode: the shutdown delay', () => {
  it('after SIGTERM it keeps serving (connection: close) and enforcing changes, readyz 503, then exits 0', async () => {
    const gw = await startController(env, { namespace: ns, args: ['--lease-name', 'delay'], env: { PORTCULLIS_SHUTDOWN_DELAY: '10' } });
    try {
      expect(await status(gw, 'heidi-key', 'heidi-secret')).toBe(200);
      const sent = performance.now();
      gw.child.kill('SIGTERM');
      await eventually(async () => (await fetch(`${gw.status}/readyz`)).status === 503, 5_000, 'readyz 503');
      // The watches still run during the delay: a revocation made now is enforced.
      await deleteConsumer('heidi');
      await eventually(async () => (await status(gw, 'heidi-key', 'heidi-secret')) === 401, 4_000, 'heidi refused during the delay');
      const res = await fetch(`${gw.proxy}/api`, { headers: { authorization: `Bearer ${tokenFor('ivan-key', 'ivan-secret')}` } });
      expect(res.status).toBe(200);
      expect(res.headers.get('connection')).toBe('close');
      expect(performance.now() - sent).toBeLessThan(10_000); // all of the above inside the delay
      expect(gw.child.exitCode).toBeNull();
      await eventually(() => gw.child.exitCode !== null, 20_000, 'exit');
      expect(gw.child.exitCode).toBe(0);
    } finally {
      await gw.stop();
    }
  }, 60_000);
});
