import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mintToken } from '../../src/tokens/mint.js';
import type { GatewayProcess } from '../support/gateway-process.js';
import { startEchoUpstream, type EchoUpstream } from '../support/http.js';
import {
  GROUP,
  VERSION,
  getCustom,
  startController,
  startKubeEnv,
  startNetnsUpstream,
  timeUntil,
  upstreamNames,
  type KubeEnv,
  type NetnsUpstream,
} from '../support/controller-env.js';
import { consumer, credential, endpointSlice, join, route, secret, service } from '../support/crs.js';

/**
 * Create/update/delete of every kind reaches the data plane quickly (within 1 s), with the real
 * CLI watching a real API server. One controller watches all namespaces; each test has its own.
 */
let env: KubeEnv;
let gw: GatewayProcess;
let echo: EchoUpstream;
const ENFORCED_MS = 1_000;

beforeAll(async () => {
  [env, echo] = await Promise.all([startKubeEnv(), startEchoUpstream()]);
  gw = await startController(env, { args: ['--lease-name', 'lifecycle'] });
});

afterAll(async () => {
  await gw?.stop();
  await echo?.close();
  await env?.stop();
});

const bearer = (t: string) => ({ authorization: `Bearer ${t}` });
const hs = (key: string, secretValue: string, algorithm: 'HS256' | 'HS384' | 'HS512' = 'HS256') =>
  mintToken({ algorithm, key, secret: secretValue, expiresInSeconds: 3600 });
const status = async (path: string, headers: Record<string, string> = {}) => {
  const res = await fetch(`${gw.proxy}${path}`, { headers });
  await res.arrayBuffer();
  return res.status;
};
const statusBecomes = (path: string, want: number, headers: Record<string, string> = {}) =>
  timeUntil(async () => (await status(path, headers)) === want, 10_000);

/** A consumer `alice` with HS256 key `<ns>-key` and a JWT route at /<ns>. */
async function protectedSetup(ns: string, secretValue = 's3cret-one') {
  const key = `${ns}-key`;
  await env.apply(
    join(
      consumer(ns, 'alice'),
      secret(ns, 'alice-jwt', { secret: secretValue }),
      credential(ns, 'alice-hs', { consumer: 'alice', key, secretName: 'alice-jwt' }),
      route(ns, 'api', { paths: [`/${ns}`], backend: { url: `http://127.0.0.1:${echo.port}` }, jwt: true }),
    ),
  );
  await statusBecomes(`/${ns}`, 200, bearer(hs(key, secretValue)));
  return key;
}

describe('controller lifecycle', () => {
  it('route create, path change and delete take effect within 1 s', async () => {
    const ns = await env.namespace('route');
    await env.apply(route(ns, 'public', { paths: [`/${ns}/a`], backend: { url: `http://127.0.0.1:${echo.port}` } }));
    expect(await statusBecomes(`/${ns}/a`, 200)).toBeLessThan(ENFORCED_MS);

    await env.apply(route(ns, 'public', { paths: [`/${ns}/b`], backend: { url: `http://127.0.0.1:${echo.port}` } }));
    expect(await statusBecomes(`/${ns}/b`, 200)).toBeLessThan(ENFORCED_MS);
    expect(await status(`/${ns}/a`)).toBe(404);

    await env.custom.deleteNamespacedCustomObject({ group: GROUP, version: VERSION, plural: 'routes', namespace: ns, name: 'public' });
    expect(await statusBecomes(`/${ns}/b`, 404)).toBeLessThan(ENFORCED_MS);
  });

  it('/metrics shows the watch: one initial list per type, the events applied, the objects held', async () => {
    const ns = await env.namespace('metrics');
    await env.apply(route(ns, 'counted', { paths: [`/${ns}`], backend: { url: `http://127.0.0.1:${echo.port}` } }));
    await statusBecomes(`/${ns}`, 200);
    const text = await (await fetch(`${gw.status}/metrics`)).text();
    const value = (series: string) => Number(text.split('\n').find((l) => l.startsWith(`${series} `))?.split(' ')[1]);
    for (const r of ['kongconsumers', 'jwtcredentials', 'routes', 'secrets', 'services', 'endpointslices']) {
      expect(value(`portcullis_kube_relists_total{resource="${r}",reason="initial"}`), r).toBe(1);
    }
    expect(value('portcullis_kube_watch_events_total{resource="routes",type="ADDED"}')).toBeGreaterThanOrEqual(1);
    expect(value('portcullis_kube_objects{resource="routes"}')).toBeGreaterThanOrEqual(1);
  });

  it('consumer update changes the upstream headers; consumer delete revokes its tokens within 1 s', async () => {
    const ns = await env.namespace('consumer');
    const key = await protectedSetup(ns);
    const token = hs(key, 's3cret-one');
    const seenUsername = async () =>
      ((await (await fetch(`${gw.proxy}/${ns}`, { headers: bearer(token) })).json()) as { headers: Record<string, string> }).headers['x-consumer-username'];
    expect(await seenUsername()).toBe('alice');

    await env.apply(consumer(ns, 'alice', { username: 'alice-renamed', customId: 'c-42' }));
    expect(await timeUntil(async () => (await seenUsername()) === 'alice-renamed')).toBeLessThan(ENFORCED_MS);

    await env.custom.deleteNamespacedCustomObject({ group: GROUP, version: VERSION, plural: 'kongconsumers', namespace: ns, name: 'alice' });
    expect(await statusBecomes(`/${ns}`, 401, bearer(token))).toBeLessThan(ENFORCED_MS);
  });

  it('credential algorithm change: the old algorithm is refused, the new one accepted', async () => {
    const ns = await env.namespace('alg');
    const key = await protectedSetup(ns);
    await env.apply(credential(ns, 'alice-hs', { consumer: 'alice', key, secretName: 'alice-jwt', algorithm: 'HS512' }));
    expect(await statusBecomes(`/${ns}`, 200, bearer(hs(key, 's3cret-one', 'HS512')))).toBeLessThan(ENFORCED_MS);
    const res = await fetch(`${gw.proxy}/${ns}`, { headers: bearer(hs(key, 's3cret-one', 'HS256')) });
    expect(res.status).toBe(401);
    expect(await res.text()).toBe('{"message":"Invalid algorithm"}');
  });

  it('credential delete and re-create', async () => {
    const ns = await env.namespace('cred');
    const key = await protectedSetup(ns);
    await env.custom.deleteNamespacedCustomObject({ group: GROUP, version: VERSION, plural: 'jwtcredentials', namespace: ns, name: 'alice-hs' });
    expect(await statusBecomes(`/${ns}`, 401, bearer(hs(key, 's3cret-one')))).toBeLessThan(ENFORCED_MS);
    await env.apply(credential(ns, 'alice-hs', { consumer: 'alice', key, secretName: 'alice-jwt' }));
    expect(await statusBecomes(`/${ns}`, 200, bearer(hs(key, 's3cret-one')))).toBeLessThan(ENFORCED_MS);
  });

  it('Secret rotation: old token refused, new accepted within 1 s, JwtCredential untouched', async () => {
    const ns = await env.namespace('rotate');
    const key = await protectedSetup(ns, 'before-rotation');
    const credBefore = await getCustom(env, 'jwtcredentials', ns, 'alice-hs');

    await env.apply(secret(ns, 'alice-jwt', { secret: 'after-rotation' }));
    expect(await statusBecomes(`/${ns}`, 200, bearer(hs(key, 'after-rotation')))).toBeLessThan(ENFORCED_MS);
    const old = await fetch(`${gw.proxy}/${ns}`, { headers: bearer(hs(key, 'before-rotation')) });
    expect(old.status).toBe(401);
    expect(await old.text()).toBe('{"message":"Invalid signature"}');

    const credAfter = await getCustom(env, 'jwtcredentials', ns, 'alice-hs');
    // Status writes bump resourceVersion, so "untouched" means same generation and spec.
    expect(credAfter.metadata.generation).toBe(credBefore.metadata.generation);
    expect(credAfter.spec).toEqual(credBefore.spec);
    expect(gw.output()).not.toContain('after-rotation');
  });

  describe('Service backend over an EndpointSlice', () => {
    let up1: NetnsUpstream;
    let up2: NetnsUpstream;
    beforeAll(async () => {
      [up1, up2] = await Promise.all([startNetnsUpstream('lc-up1'), startNetnsUpstream('lc-up2')]);
    });
    afterAll(async () => {
      await Promise.allSettled([up1?.stop(), up2?.stop()]);
    });

    it('round robin over both endpoints; scale down and up follow the slice', async () => {
      const ns = await env.namespace('svc');
      const url = `${gw.proxy}/${ns}`;
      const slice = (eps: Array<{ ip: string; ready?: boolean }>) => endpointSlice(ns, 'web-abc', 'web', eps);
      await env.apply(join(service(ns, 'web'), slice([{ ip: up1.host.ip }, { ip: up2.host.ip }]), route(ns, 'web', { paths: [`/${ns}`], backend: { service: { name: 'web', port: 80 } } })));
      await timeUntil(async () => new Set(await upstreamNames(url, 4)).size === 2, 10_000);
      const both = await upstreamNames(url, 10);
      expect(both.filter((n) => n === 'lc-up1')).toHaveLength(5);
      expect(both.filter((n) => n === 'lc-up2')).toHaveLength(5);

      // Scale down by readiness: only the ready endpoint gets traffic.
      await env.apply(slice([{ ip: up1.host.ip }, { ip: up2.host.ip, ready: false }]));
      expect(await timeUntil(async () => (await upstreamNames(url, 1))[0] === 'lc-up1' && new Set(await upstreamNames(url, 4)).size === 1)).toBeLessThan(ENFORCED_MS + 500);
      expect(new Set(await upstreamNames(url, 10))).toEqual(new Set(['lc-up1']));

      // Scale down by removal.
      await env.apply(slice([{ ip: up2.host.ip }]));
      await timeUntil(async () => new Set(await upstreamNames(url, 4)).size === 1 && (await upstreamNames(url, 1))[0] === 'lc-up2', ENFORCED_MS + 500);
      expect(new Set(await upstreamNames(url, 10))).toEqual(new Set(['lc-up2']));

      // Scale up.
      await env.apply(slice([{ ip: up1.host.ip }, { ip: up2.host.ip }]));
      await timeUntil(async () => new Set(await upstreamNames(url, 4)).size === 2, ENFORCED_MS + 500);
      const again = await upstreamNames(url, 10);
      expect(again.filter((n) => n === 'lc-up1')).toHaveLength(5);

      // No endpoints at all: 503, never a stale endpoint.
      await env.apply(slice([]));
      await timeUntil(async () => (await status(`/${ns}`)) === 503, ENFORCED_MS + 500);
    });
  });
});
