import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mintToken } from '../../src/tokens/mint.js';
import type { GatewayProcess } from '../support/gateway-process.js';
import { refusedPort, startEchoUpstream, type EchoUpstream } from '../support/http.js';
import { eventually, startController, startKubeEnv, type KubeEnv } from '../support/controller-env.js';
import { consumer, credential, join, route, secret } from '../support/crs.js';

/**
 * The access log in controller mode (docs/access-log.md), over objects of a real API server:
 * `portcullis controller --access-log-sample-success 0` writes no success line but every other
 * one, each with the route's and consumer's ids as the admin API shows them, the upstream address
 * and latency, and the client's W3C trace id; the Secret's value and the tokens appear nowhere.
 */
const MARKER = 'Qz8AccessLogSecretInK8s';
const TRACE = '0af7651916cd43dd8448eb211c80319c';
const now = () => Math.floor(Date.now() / 1000);
const sent: string[] = [];

let env: KubeEnv;
let gw: GatewayProcess;
let echo: EchoUpstream;
let ns: string;
let deadPort: number;

const token = (exp = now() + 600) => {
  const t = mintToken({ algorithm: 'HS256', key: `${ns}-key`, secret: MARKER, claims: { exp, nonce: Math.random() } });
  sent.push(t);
  return t;
};

async function send(path: string, requestId: string, headers: Record<string, string> = {}): Promise<number> {
  const res = await fetch(`${gw.proxy}${path}`, { headers: { 'x-request-id': requestId, ...headers } });
  await res.arrayBuffer();
  return res.status;
}

const accessLines = () =>
  gw
    .stdout()
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>)
    .filter((l) => l.type === 'access');

beforeAll(async () => {
  [env, echo, deadPort] = await Promise.all([
    startKubeEnv(),
    startEchoUpstream((req, res) => {
      if (!req.url!.includes('fail')) return false;
      res.writeHead(503).end('upstream busy');
      return true;
    }),
    refusedPort(),
  ]);
  ns = await env.namespace('accesslog');
  gw = await startController(env, {
    namespace: ns,
    args: ['--lease-name', 'accesslog', '--access-log-sample-success', '0'],
    env: { PORTCULLIS_ACCESS_LOG: 'on' },
  });
  await env.apply(
    join(
      consumer(ns, 'erin'),
      secret(ns, 'erin-jwt', { secret: MARKER }),
      credential(ns, 'erin-hs', { consumer: 'erin', key: `${ns}-key`, secretName: 'erin-jwt' }),
      route(ns, 'api', { paths: [`/${ns}`], backend: { url: echo.url }, jwt: { claimsToVerify: ['exp'] } }),
      route(ns, 'dead', { paths: [`/dead-${ns}`], backend: { url: `http://127.0.0.1:${deadPort}` } }),
    ),
  );
  await eventually(async () => (await send(`/${ns}`, 'warm-up', { authorization: `Bearer ${token()}` })) === 200, 15_000, 'the route to serve');
}, 120_000);

afterAll(async () => {
  await gw?.stop();
  await echo?.close();
  await env?.stop();
});

describe('access log in controller mode, --access-log-sample-success 0', () => {
  it('logs every refusal and error with route, consumer, upstream and trace fields, and no success', async () => {
    const auth = () => ({ authorization: `Bearer ${token()}` });
    for (let i = 0; i < 10; i++) expect(await send(`/${ns}/ok`, `k-ok-${i}`, auth())).toBe(200);
    expect(await send(`/${ns}/fail`, 'k-503', { ...auth(), traceparent: `00-${TRACE}-b7ad6b7169203331-01` })).toBe(503);
    expect(await send(`/${ns}`, 'k-expired', { authorization: `Bearer ${token(now() - 60)}` })).toBe(401);
    expect(await send('/elsewhere', 'k-404', { traceparent: `00-${TRACE}-b7ad6b7169203331` })).toBe(404);
    expect(await send(`/dead-${ns}`, 'k-502')).toBe(502);

    const wanted = ['k-503', 'k-expired', 'k-404', 'k-502'];
    // Lines are written in order: once the last refusal's is out, every earlier success's would be too.
    await eventually(() => wanted.every((id) => accessLines().some((l) => l.request_id === id)), 5_000, 'the access lines');
    const byId = new Map(accessLines().map((l) => [l.request_id as string, l]));
    // No success at all (the warm-up's 404s, before the Route was served, are logged like any refusal).
    expect(accessLines().filter((l) => (l.status as number) < 400)).toEqual([]);
    expect([...byId.keys()].filter((id) => id.startsWith('k-ok'))).toEqual([]);

    const routes = (await (await fetch(`${gw.admin}/routes`)).json()) as { data: Array<{ id: string; name: string; paths: string[] }> };
    const routeId = (path: string) => routes.data.find((r) => r.paths.includes(path))?.id;
    const consumers = (await (await fetch(`${gw.admin}/consumers`)).json()) as { data: Array<{ id: string; username: string }> };
    const erin = consumers.data.find((c) => c.username === 'erin')!;
    expect(routeId(`/${ns}`)).toEqual(expect.any(String));

    const upstream503 = byId.get('k-503')!;
    expect(upstream503).toMatchObject({
      status: 503,
      route_id: routeId(`/${ns}`),
      consumer: 'erin',
      consumer_id: erin.id,
      upstream_addr: `127.0.0.1:${echo.port}`,
      trace_id: TRACE,
    });
    // The metrics' route label: the namespace, then the admin API's route name.
    expect(upstream503.route).toBe(`${ns}/${routes.data.find((r) => r.id === routeId(`/${ns}`))!.name}`);
    expect(upstream503.upstream_latency_ms).toEqual(expect.any(Number));
    expect(upstream503).not.toHaveProperty('reason');

    expect(byId.get('k-expired')).toMatchObject({ status: 401, reason: 'expired', route_id: routeId(`/${ns}`), route: upstream503.route });
    expect(byId.get('k-expired')).not.toHaveProperty('consumer_id');
    // A traceparent without its flags is invalid: no trace_id.
    expect(byId.get('k-404')).toMatchObject({ status: 404, reason: 'no_route', route: null });
    expect(byId.get('k-404')).not.toHaveProperty('trace_id');
    expect(byId.get('k-502')).toMatchObject({ status: 502, route_id: routeId(`/dead-${ns}`), upstream_addr: `127.0.0.1:${deadPort}` });

    const output = gw.output();
    expect(output).not.toContain(MARKER);
    for (const t of sent) {
      const [, payload, sig] = t.split('.');
      expect(output).not.toContain(payload);
      expect(output).not.toContain(sig);
    }
  });
});
