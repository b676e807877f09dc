import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mintToken } from '../../src/tokens/mint.js';
import type { GatewayProcess } from '../support/gateway-process.js';
import { startEchoUpstream, type EchoUpstream } from '../support/http.js';
import { eventually, startController, startKubeEnv, type KubeEnv } from '../support/controller-env.js';
import { consumer, credential, join, route, secret, service } from '../support/crs.js';

/**
 * POST /debug/explain in controller mode, over the snapshot built from the real API server's
 * objects: each prediction is what the proxy then answers, the access log carries the same reason,
 * and the Secret's value appears in no answer and no log line.
 */
let env: KubeEnv;
let gw: GatewayProcess;
let echo: EchoUpstream;
let ns: string;

const MARKER = 'Cx7ExplainSecretInK8s';
const now = () => Math.floor(Date.now() / 1000);
const token = (o: { exp?: number; secret?: string; key?: string } = {}) =>
  mintToken({ algorithm: 'HS256', key: o.key ?? `${ns}-key`, secret: o.secret ?? MARKER, claims: { exp: o.exp ?? now() + 600 } });

async function explain(path: string, headers: string[]): Promise<any> {
  const res = await fetch(`${gw.admin}/debug/explain`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ url: `${gw.proxy}${path}`, headers }),
  });
  const text = await res.text();
  expect(res.status, text).toBe(200);
  expect(text).not.toContain(MARKER);
  return JSON.parse(text);
}

async function real(path: string, headers: string[]): Promise<{ status: number; body: string; www: string | null }> {
  const res = await fetch(`${gw.proxy}${path}`, { headers: Object.fromEntries(headers.map((h) => [h.slice(0, h.indexOf(':')), h.slice(h.indexOf(':') + 1).trim()])) });
  return { status: res.status, body: await res.text(), www: res.headers.get('www-authenticate') };
}

beforeAll(async () => {
  [env, echo] = await Promise.all([startKubeEnv(), startEchoUpstream()]);
  ns = await env.namespace('explain');
  gw = await startController(env, { namespace: ns, args: ['--lease-name', 'explain'], env: { PORTCULLIS_ACCESS_LOG: 'on' } });
  await env.apply(
    join(
      consumer(ns, 'erin'),
      secret(ns, 'erin-jwt', { secret: MARKER }),
      credential(ns, 'erin-hs', { consumer: 'erin', key: `${ns}-key`, secretName: 'erin-jwt' }),
      route(ns, 'api', { paths: [`/${ns}`], backend: { url: echo.url }, jwt: { claimsToVerify: ['exp'] } }),
      // A Service without endpoints: the route serves 503.
      service(ns, 'idle'),
      route(ns, 'idle', { paths: [`/idle-${ns}`], backend: { service: { name: 'idle', port: 80 } } }),
    ),
  );
  await eventually(async () => (await real(`/${ns}`, [`Authorization: Bearer ${token()}`])).status === 200, 15_000, 'the route to serve');
  await eventually(async () => (await real(`/idle-${ns}`, [])).status === 503, 15_000, 'the idle route to answer 503');
});

afterAll(async () => {
  await gw?.stop();
  await echo?.close();
  await env?.stop();
});

describe('POST /debug/explain in controller mode', () => {
  const cases: Array<[string, () => { path: string; headers: string[] }, string | undefined]> = [
    ['authenticated', () => ({ path: `/${ns}/x`, headers: [`Authorization: Bearer ${token()}`, 'X-Request-ID: k8s-ok'] }), undefined],
    ['expired', () => ({ path: `/${ns}`, headers: [`Authorization: Bearer ${token({ exp: now() - 60 })}`, 'X-Request-ID: k8s-expired'] }), 'expired'],
    ['bad signature', () => ({ path: `/${ns}`, headers: [`Authorization: Bearer ${token({ secret: 'not-it' })}`, 'X-Request-ID: k8s-sig'] }), 'bad_signature'],
    ['no token', () => ({ path: `/${ns}`, headers: ['X-Request-ID: k8s-none'] }), 'no_token'],
    ['no route', () => ({ path: '/elsewhere', headers: ['X-Request-ID: k8s-404'] }), 'no_route'],
    ['no upstream target', () => ({ path: `/idle-${ns}`, headers: ['X-Request-ID: k8s-503'] }), 'no_upstream_target'],
  ];

  it.each(cases)('%s: the prediction is the real answer', async (_name, make, reason) => {
    const { path, headers } = make();
    const predicted = await explain(path, headers);
    const got = await real(path, headers);
    expect(predicted.verdict.reason).toBe(reason);
    if (reason === undefined) {
      expect(predicted.verdict).toMatchObject({ proxied: true, consumer: { username: 'erin' } });
      expect(predicted.auth.lookup.credential).toMatchObject({ key: `${ns}-key`, algorithm: 'HS256' });
      expect(got.status).toBe(200);
      return;
    }
    expect(got.status).toBe(predicted.response.status);
    expect(got.body).toBe(predicted.response.body);
    expect(got.www).toBe(predicted.response.headers['www-authenticate'] ?? null);
  });

  it('the access log carries the same reasons, and no Secret value is anywhere in the output', async () => {
    const lines = await eventually(() => {
      const found = gw.stdout().split('\n').filter((l) => l.includes('"type":"access"')).map((l) => JSON.parse(l));
      return ['k8s-ok', 'k8s-expired', 'k8s-sig', 'k8s-none', 'k8s-404', 'k8s-503'].every((id) => found.some((l) => l.request_id === id)) ? found : undefined;
    }, 10_000, 'the access lines');
    const byId = (id: string) => lines.find((l: any) => l.request_id === id);
    expect(byId('k8s-ok').reason).toBeUndefined();
    expect(byId('k8s-expired').reason).toBe('expired');
    expect(byId('k8s-sig').reason).toBe('bad_signature');
    expect(byId('k8s-none').reason).toBe('no_token');
    expect(byId('k8s-404').reason).toBe('no_route');
    expect(byId('k8s-503').reason).toBe('no_upstream_target');
    expect(gw.output()).not.toContain(MARKER);
    expect(gw.output()).not.toContain(Buffer.from(MARKER).toString('base64'));
  });
});
