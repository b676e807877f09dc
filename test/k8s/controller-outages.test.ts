import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mintToken } from '../../src/tokens/mint.js';
import type { GatewayProcess } from '../support/gateway-process.js';
import { startEchoUpstream, type EchoUpstream } from '../support/http.js';
import { eventually, startController, startKubeEnv, type KubeEnv } from '../support/controller-env.js';
import { consumer, credential, join, route, secret } from '../support/crs.js';

/**
 * Control-plane outages longer than a restart: the API server stopped for a few seconds, then etcd
 * (the API server up but unable to answer). The data plane does not depend on either: the last
 * snapshot keeps serving exactly as before (a valid token 200, no token Kong's 401), /readyz
 * stays 200 (readiness means "a synced snapshot is serving", not "the API server is reachable"),
 * and once the control plane is back, changes are enforced again.
 * (A plain restart is in controller-apiserver-restart.test.ts.)
 */
let env: KubeEnv;
let gw: GatewayProcess;
let echo: EchoUpstream;
let ns: string;
const OUTAGE_MS = 3_000;
const tokenFor = (s: string) => mintToken({ algorithm: 'HS256', key: 'outage-key', secret: s, expiresInSeconds: 3600 });

beforeAll(async () => {
  [env, echo] = await Promise.all([startKubeEnv(), startEchoUpstream()]);
  ns = await env.namespace('outage');
  await env.apply(
    join(
      consumer(ns, 'dave'),
      secret(ns, 'dave-jwt', { secret: 'v1' }),
      credential(ns, 'dave-hs', { consumer: 'dave', key: 'outage-key', secretName: 'dave-jwt' }),
      route(ns, 'api', { paths: ['/api'], backend: { url: `http://127.0.0.1:${echo.port}` }, jwt: true }),
    ),
  );
  gw = await startController(env, { namespace: ns, args: ['--lease-name', 'outage'] });
});

afterAll(async () => {
  await gw?.stop();
  await echo?.close();
  await env?.stop();
});

interface Observed {
  withToken: number[];
  withoutToken: string[];
  ready: number[];
}

/** Runs `outage` while sampling what clients and a readiness probe see. */
async function observe(secretNow: string, outage: () => Promise<void>): Promise<Observed> {
  const seen: Observed = { withToken: [], withoutToken: [], ready: [] };
  let running = true;
  const load = (async () => {
    while (running) {
      try {
        const ok = await fetch(`${gw.proxy}/api`, { headers: { authorization: `Bearer ${tokenFor(secretNow)}` } });
        await ok.arrayBuffer();
        seen.withToken.push(ok.status);
        const denied = await fetch(`${gw.proxy}/api`);
        seen.withoutToken.push(`${denied.status} ${await denied.text()}`);
        seen.ready.push((await fetch(`${gw.status}/readyz`)).status);
      } catch {
        seen.withToken.push(-1);
      }
      await new Promise((r) => setTimeout(r, 25));
    }
  })();
  try {
    await outage();
  } finally {
    running = false;
    await load;
  }
  return seen;
}

function expectUnchanged(seen: Observed): void {
  expect(seen.withToken.length).toBeGreaterThan(20);
  expect(seen.withToken.filter((s) => s !== 200)).toEqual([]);
  expect([...new Set(seen.withoutToken)]).toEqual(['401 {"message":"Unauthorized"}']);
  expect(seen.ready.filter((s) => s !== 200)).toEqual([]);
  expect(gw.child.exitCode).toBeNull();
}

/** A new route and a rotated Secret, both enforced. */
async function expectChangesEnforced(routeName: string, oldSecret: string, newSecret: string): Promise<void> {
  await eventually(
    async () => {
      await env.apply(join(route(ns, routeName, { paths: [`/${routeName}`], backend: { url: `http://127.0.0.1:${echo.port}` } }), secret(ns, 'dave-jwt', { secret: newSecret })));
      return true;
    },
    30_000,
    'the API server accepting writes again',
  );
  await eventually(async () => (await fetch(`${gw.proxy}/${routeName}`)).status === 200, 30_000, `route ${routeName}`);
  await eventually(
    async () => (await fetch(`${gw.proxy}/api`, { headers: { authorization: `Bearer ${tokenFor(newSecret)}` } })).status === 200,
    30_000,
    'the rotated secret',
  );
  const old = await fetch(`${gw.proxy}/api`, { headers: { authorization: `Bearer ${tokenFor(oldSecret)}` } });
  expect([old.status, await old.text()]).toEqual([401, '{"message":"Invalid signature"}']);
}

describe('controller across control-plane outages', () => {
  it('API server stopped for a few seconds: the last snapshot serves, /readyz stays 200; changes enforced after', async () => {
    const seen = await observe('v1', async () => {
      await env.cp.stopApiServer();
      await new Promise((r) => setTimeout(r, OUTAGE_MS));
      await env.cp.startApiServer();
      await new Promise((r) => setTimeout(r, 1_000)); // and while the watches reconnect
    });
    expectUnchanged(seen);
    await expectChangesEnforced('after-apiserver', 'v1', 'v2');
  }, 90_000);

  it('etcd stopped for a few seconds: the same; changes enforced once etcd is back', async () => {
    const seen = await observe('v2', async () => {
      await env.cp.stopEtcd();
      await new Promise((r) => setTimeout(r, OUTAGE_MS));
      await env.cp.startEtcd();
      await new Promise((r) => setTimeout(r, 1_000));
    });
    expectUnchanged(seen);
    await expectChangesEnforced('after-etcd', 'v2', 'v3');
  }, 90_000);
});
