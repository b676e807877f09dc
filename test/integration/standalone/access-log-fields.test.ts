import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mintToken } from '../../../src/tokens/mint.js';
import { refusedPort, startEchoUpstream, type EchoUpstream } from '../../support/http.js';
import { startStandalone, type StandaloneGateway } from '../../support/standalone.js';

/**
 * The access log's fields (docs/access-log.md) on real lines of a real `portcullis standalone`:
 * route and route_id, consumer and consumer_id, status, reason, upstream latency and address,
 * request id and the W3C trace id; and no token in any line.
 */
const SECRET = 'fields-secret-9f8e7d6c-unique';
const ROUTE_ID = '6f1c2a8e-4b7d-4e0a-9c3f-1d2e3f4a5b6c';
const CONSUMER_ID = '2b3c4d5e-6f70-4182-93a4-b5c6d7e8f901';
const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const traceparent = (trace = TRACE) => `00-${trace}-00f067aa0ba902b7-01`;
const now = () => Math.floor(Date.now() / 1000);
const sent: string[] = [];
const token = (exp = now() + 300) => {
  const t = mintToken({ algorithm: 'HS256', key: 'fields-key', secret: SECRET, claims: { exp, nonce: Math.random() } });
  sent.push(t);
  return t;
};

let upstream: EchoUpstream;
let gw: StandaloneGateway;
let deadPort: number;
let lines: Array<Record<string, unknown>> = [];
let output = '';
/** GET /routes on the admin API: the ids an operator looks routes up by. */
let adminRouteIds: Record<string, string> = {};

async function send(path: string, requestId: string, headers: Record<string, string> = {}): Promise<number> {
  const res = await fetch(`${gw.proxy}${path}`, { headers: { 'x-request-id': requestId, ...headers } });
  await res.arrayBuffer();
  return res.status;
}
const line = (requestId: string) => {
  const found = lines.filter((l) => l.request_id === requestId);
  expect(found, `one access line for ${requestId}:\n${output}`).toHaveLength(1);
  return found[0]!;
};

beforeAll(async () => {
  // "/…/fail" answers 500 from the upstream itself: a proxied 5xx, not a refusal.
  upstream = await startEchoUpstream((req, res) => {
    if (!req.url!.includes('fail')) return false;
    res.writeHead(500).end('upstream failed');
    return true;
  });
  deadPort = await refusedPort();
  gw = await startStandalone(
    {
      services: [
        {
          name: 'echo',
          url: upstream.url,
          routes: [
            { name: 'orders', id: ROUTE_ID, paths: ['/orders'], plugins: [{ name: 'jwt', config: { claims_to_verify: ['exp'] } }] },
            { name: 'public', paths: ['/public'] },
          ],
        },
        { name: 'dead', url: `http://127.0.0.1:${deadPort}`, retries: 0, routes: [{ name: 'dead', paths: ['/dead'] }] },
      ],
      consumers: [{ username: 'alice', id: CONSUMER_ID, jwt_secrets: [{ key: 'fields-key', secret: SECRET }] }],
    },
    { args: ['--access-log', 'on'] },
  );
  const statuses = [
    await send('/orders/a', 'f-ok', { authorization: `Bearer ${token()}`, traceparent: traceparent() }),
    await send('/orders/a', 'f-bad-trace', { authorization: `Bearer ${token()}`, traceparent: traceparent(TRACE.toUpperCase()) }),
    await send('/orders/a', 'f-zero-trace', { authorization: `Bearer ${token()}`, traceparent: traceparent('0'.repeat(32)) }),
    await send('/orders/fail', 'f-upstream-500', { authorization: `Bearer ${token()}` }),
    await send(`/orders/a?jwt=${token(now() - 60)}`, 'f-expired', { traceparent: traceparent() }),
    await send('/orders/a', 'f-no-token'),
    await send('/nowhere', 'f-404'),
    await send('/public/x', 'f-public'),
    await send('/dead', 'f-502'),
  ];
  expect(statuses).toEqual([200, 200, 200, 500, 401, 401, 404, 200, 502]);
  const routes = (await (await fetch(`${gw.admin}/routes`)).json()) as { data: Array<{ id: string; name: string }> };
  adminRouteIds = Object.fromEntries(routes.data.map((r) => [r.name, r.id]));
  expect(await gw.close()).toBe(0);
  output = gw.output();
  lines = gw
    .stdout()
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>)
    .filter((l) => l.type === 'access');
}, 60_000);

afterAll(async () => {
  await gw?.close();
  await upstream?.close();
});

describe('access log fields (standalone)', () => {
  it('a proxied, authenticated request: route, route_id, consumer, status, upstream latency and address, request and trace id', () => {
    const l = line('f-ok');
    expect(l).toMatchObject({
      type: 'access',
      request_id: 'f-ok',
      trace_id: TRACE,
      route: 'orders',
      route_id: ROUTE_ID,
      method: 'GET',
      path: '/orders/a',
      status: 200,
      upstream_addr: `127.0.0.1:${upstream.port}`,
      consumer: 'alice',
      consumer_id: CONSUMER_ID,
      client_ip: '127.0.0.1',
    });
    expect(l.upstream_latency_ms).toEqual(expect.any(Number));
    expect(l.latency_ms as number).toBeGreaterThanOrEqual(l.upstream_latency_ms as number);
    expect(l).not.toHaveProperty('reason');
  });

  it('an invalid traceparent (upper-case hex, all-zero trace-id) gives no trace_id; the line is still written', () => {
    for (const id of ['f-bad-trace', 'f-zero-trace']) {
      const l = line(id);
      expect(l).toMatchObject({ status: 200, route_id: ROUTE_ID, consumer: 'alice' });
      expect(l).not.toHaveProperty('trace_id');
    }
  });

  it('an upstream 5xx is proxied, not refused: upstream address and latency, consumer, no reason', () => {
    const l = line('f-upstream-500');
    expect(l).toMatchObject({ status: 500, route: 'orders', consumer_id: CONSUMER_ID, upstream_addr: `127.0.0.1:${upstream.port}` });
    expect(l.upstream_latency_ms).toEqual(expect.any(Number));
    expect(l).not.toHaveProperty('reason');
  });

  it('refusals: the reason code and route, no consumer, no upstream fields', () => {
    expect(line('f-expired')).toMatchObject({ status: 401, reason: 'expired', route: 'orders', route_id: ROUTE_ID, trace_id: TRACE, path: '/orders/a?jwt=REDACTED' });
    expect(line('f-no-token')).toMatchObject({ status: 401, reason: 'no_token', route_id: ROUTE_ID });
    const notFound = line('f-404');
    expect(notFound).toMatchObject({ status: 404, reason: 'no_route', route: null });
    for (const id of ['f-expired', 'f-no-token', 'f-404']) {
      const l = line(id);
      for (const field of ['consumer', 'consumer_id', 'upstream_addr', 'upstream_latency_ms']) expect(l, `${id} ${field}`).not.toHaveProperty(field);
    }
    expect(notFound).not.toHaveProperty('route_id');
  });

  it("route_id is the admin API's route id: kong.yml's id, else the one derived from the name", () => {
    expect(adminRouteIds.orders).toBe(ROUTE_ID);
    expect(adminRouteIds.public).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(line('f-public')).toMatchObject({ status: 200, route: 'public', route_id: adminRouteIds.public, upstream_addr: `127.0.0.1:${upstream.port}` });
  });

  it('an unreachable upstream: 502 with the target asked, no upstream latency, no reason', () => {
    const l = line('f-502');
    expect(l).toMatchObject({ status: 502, route: 'dead', upstream_addr: `127.0.0.1:${deadPort}` });
    expect(l).not.toHaveProperty('upstream_latency_ms');
    expect(l).not.toHaveProperty('reason');
  });

  it('no token, token part or secret anywhere in the output', () => {
    expect(sent.length).toBeGreaterThanOrEqual(5);
    for (const t of sent) {
      const [, payload, sig] = t.split('.');
      expect(output).not.toContain(t);
      expect(output).not.toContain(payload);
      expect(output).not.toContain(sig);
    }
    expect(output).not.toContain(SECRET);
  });
});
