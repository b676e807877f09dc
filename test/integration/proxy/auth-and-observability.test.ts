import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStatusServer } from '../../../src/health/server.js';
import { mintToken } from '../../../src/tokens/mint.js';
import { realSnapshot } from '../../support/real-snapshot.js';
import { request, startEchoUpstream, waitFor, type EchoUpstream } from '../../support/http.js';
import { startGateway, type TestGateway } from '../../support/gateway.js';

// kong.yml consumer ids are UUIDs.
const ALICE_ID = 'a11ce000-0000-4000-8000-000000000001';
const GUEST_ID = '90e57000-0000-4000-8000-000000000002';
const SECRET = 'super-secret-hmac';
const token = (secret: string, expiresInSeconds: number) => mintToken({ algorithm: 'HS256', key: 'alice-key', secret, expiresInSeconds });
/** Real HS256 tokens for alice's credential: valid, expired, and signed with another secret. */
const good = token(SECRET, 3600);
const expired = token(SECRET, -60);
const forged = token('another-secret', 3600);

/** One service on `port` with the four routes the tests use, through the production parser and translator. */
function authSnapshot(port: number) {
  return realSnapshot({
    kongYml: {
      consumers: [
        { username: 'alice', id: ALICE_ID, custom_id: 'alice-custom', jwt_secrets: [{ key: 'alice-key', secret: SECRET, algorithm: 'HS256' }] },
        { username: 'guest', id: GUEST_ID },
      ],
      services: [{
        name: 'echo',
        url: `http://127.0.0.1:${port}`,
        routes: [
          // claims_to_verify exp: the expired token is refused as such.
          { name: 'secure', paths: ['/secure'], plugins: [{ name: 'jwt', config: { uri_param_names: ['jwt', 'token'], claims_to_verify: ['exp'] } }] },
          { name: 'anon', paths: ['/anon'], plugins: [{ name: 'jwt', config: { anonymous: 'guest' } }] },
          { name: 'preflight', paths: ['/preflight'], plugins: [{ name: 'jwt', config: { run_on_preflight: false } }] },
          { name: 'public', paths: ['/public'] },
        ],
      }],
    },
  });
}

/** A catch-all route to `port`, no plugin. */
function catchAllSnapshot(port: number) {
  return realSnapshot({ kongYml: { services: [{ name: 'p', url: `http://127.0.0.1:${port}`, routes: [{ name: 'p', paths: ['/'] }] }] } });
}

let up: EchoUpstream;
let gw: TestGateway;
let status: FastifyInstance;
let statusPort = 0;

beforeAll(async () => {
  up = await startEchoUpstream();
  const snap = authSnapshot(up.port);
  expect(snap.diagnostics).toEqual([]);
  gw = await startGateway(snap);
  status = createStatusServer({ readiness: gw.readiness, metrics: gw.metrics });
  await status.listen({ host: '127.0.0.1', port: 0 });
  statusPort = (status.server.address() as AddressInfo).port;
});

afterAll(async () => {
  await status?.close();
  await gw?.close();
  await up?.close();
});

const upstreamHeaders = (body: string) => JSON.parse(body).headers as Record<string, string>;

describe('auth outcomes', () => {
  it('authenticated: identity headers and X-Credential-Identifier go upstream; spoofed ones do not', async () => {
    const r = await request(gw.port, '/secure/x', {
      headers: { authorization: `Bearer ${good}`, 'x-anonymous-consumer': 'true', 'x-credential-identifier': 'forged' },
    });
    expect(r.status).toBe(200);
    const h = upstreamHeaders(r.body);
    expect(h).toMatchObject({
      'x-consumer-id': ALICE_ID, 'x-consumer-username': 'alice', 'x-consumer-custom-id': 'alice-custom',
      'x-credential-identifier': 'alice-key', authorization: `Bearer ${good}`,
    });
    expect(h['x-anonymous-consumer']).toBeUndefined();
  });

  it.each([
    // The label keeps the test name stable (the tokens change with the clock).
    ['no token', {}, 401, '{"message":"Unauthorized"}', 'Bearer'],
    ['expired token', { authorization: `Bearer ${expired}` }, 401, '{"exp":"token expired"}', 'Bearer error="invalid_token"'],
    ['forged token', { authorization: `Bearer ${forged}` }, 401, '{"message":"Invalid signature"}', 'Bearer error="invalid_token"'],
  ])('rejected (%s) → %i exact body and WWW-Authenticate', async (_label, headers, code, body, www) => {
    const r = await request(gw.port, '/secure/x', { headers });
    expect(r.status).toBe(code);
    expect(r.body).toBe(body);
    expect(r.headers['www-authenticate']).toBe(www);
    expect(r.headers['content-type']).toBe('application/json; charset=utf-8');
  });

  it('anonymous: anonymous consumer headers and X-Anonymous-Consumer: true, no credential id', async () => {
    const r = await request(gw.port, '/anon/x', { headers: { 'x-credential-identifier': 'forged' } });
    expect(r.status).toBe(200);
    const h = upstreamHeaders(r.body);
    expect(h['x-consumer-id']).toBe(GUEST_ID);
    expect(h['x-anonymous-consumer']).toBe('true');
    expect(h['x-credential-identifier']).toBeUndefined();
  });

  it('skipped preflight and public routes carry no identity, spoofed or not', async () => {
    for (const [path, method] of [['/preflight/x', 'OPTIONS'], ['/public/x', 'GET']] as const) {
      const r = await request(gw.port, path, { method, headers: { 'x-consumer-id': 'spoof', 'x-consumer-username': 'root' } });
      expect(r.status).toBe(200);
      const h = upstreamHeaders(r.body);
      expect(h['x-consumer-id']).toBeUndefined();
      expect(h['x-consumer-username']).toBeUndefined();
    }
  });
});

describe('access log', () => {
  it('has one JSON line per request with route, consumer, status, latency; never a token or secret', async () => {
    gw.accessLines.lines = [];
    await request(gw.port, '/secure/a?token=Bearer-secret-token-1&keep=1', { headers: { cookie: 'sid=cookie-token-2' } });
    await request(gw.port, `/secure/b?jwt=${good}`, {});
    await request(gw.port, '/secure/c', { headers: { authorization: `Bearer ${good}`, cookie: 'sid=cookie-token-3' } });
    await waitFor(() => gw.accessLines.lines.length >= 3);
    const all = gw.accessLines.lines.join('\n');
    for (const secret of ['Bearer-secret-token-1', 'cookie-token', SECRET, good, `Bearer ${good}`, `jwt=${good}`]) {
      expect(all).not.toContain(secret);
    }
    const [a, b, c] = gw.accessLines.json();
    expect(a).toMatchObject({ route: 'secure', status: 401, method: 'GET', path: '/secure/a?token=REDACTED&keep=1' });
    expect(b).toMatchObject({ status: 200, path: '/secure/b?jwt=REDACTED', consumer: 'alice', consumer_id: ALICE_ID });
    expect(c).toMatchObject({ status: 200, path: '/secure/c', consumer: 'alice' });
    expect(typeof c!.latency_ms).toBe('number');
    expect(typeof c!.request_id).toBe('string');
  });
});

describe('status listener', () => {
  it('healthz and readyz reflect the snapshot', async () => {
    expect((await request(statusPort, '/healthz')).status).toBe(200);
    const r = await request(statusPort, '/readyz');
    expect(r.status).toBe(200);
    expect(JSON.parse(r.body)).toEqual({ ready: true, reason: 'ready' });
  });

  it('metrics count requests by route/status, auth failures by reason and latency', async () => {
    await request(gw.port, '/public/m');
    await request(gw.port, '/secure/m', { headers: { authorization: `Bearer ${expired}` } });
    await request(gw.port, '/nope');
    const off = gw.metrics.watch(gw.store);
    const snap = gw.store.current()!;
    gw.store.swap({ ...snap, version: snap.version + 1000 });
    off();
    const r = await request(statusPort, '/metrics');
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toContain('text/plain');
    expect(r.body).toMatch(/portcullis_requests_total\{route="public",status="200"\} \d+/);
    expect(r.body).toMatch(/portcullis_requests_total\{route="\(none\)",status="404"\} \d+/);
    expect(r.body).toMatch(/portcullis_auth_failures_total\{route="secure",reason="expired"\} \d+/);
    expect(r.body).toMatch(/portcullis_request_duration_seconds_bucket\{le="0.0005",route="public"\} \d+/);
    expect(r.body).toContain(`portcullis_snapshot_version ${snap.version + 1000}`);
    expect(r.body).toContain('portcullis_snapshot_reloads_total 1');
  });
});

describe('no snapshot yet', () => {
  it('proxy answers 503 and readyz is false until the first snapshot is live', async () => {
    const g = await startGateway(undefined);
    const s = createStatusServer({ readiness: g.readiness, metrics: g.metrics });
    await s.listen({ host: '127.0.0.1', port: 0 });
    try {
      const sp = (s.server.address() as AddressInfo).port;
      expect((await request(sp, '/readyz')).status).toBe(503);
      expect((await request(sp, '/healthz')).status).toBe(200);
      const r = await request(g.port, '/x');
      expect(r.status).toBe(503);
      expect(JSON.parse(r.body).message).toBe('no configuration loaded yet');
      g.store.swap(catchAllSnapshot(up.port));
      expect((await request(sp, '/readyz')).status).toBe(200);
      expect((await request(g.port, '/x')).status).toBe(200);
    } finally {
      await s.close();
      await g.close();
    }
  });
});

describe('graceful shutdown', () => {
  it('flips readiness first, drains an in-flight request, then refuses new connections', async () => {
    const slowUp = await startEchoUpstream((req, res) => {
      setTimeout(() => res.end('done'), 400);
      return true;
    });
    const g2 = await startGateway(catchAllSnapshot(slowUp.port), { drainTimeoutMs: 5000 });
    try {
      const pending = new Promise<{ status: number; body: string }>((resolve, reject) => {
        http.get({ host: '127.0.0.1', port: g2.port, path: '/x', agent: false }, (res) => {
          let b = '';
          res.on('data', (c) => (b += c));
          res.on('end', () => resolve({ status: res.statusCode!, body: b }));
        }).on('error', reject);
      });
      await waitFor(() => g2.proxy.inFlight === 1);
      expect(g2.readiness.isReady()).toBe(true);
      const closing = g2.close();
      expect(g2.readiness.isReady()).toBe(false);
      expect(g2.readiness.reason()).toBe('shutting down');
      const r = await pending;
      expect(r).toEqual({ status: 200, body: 'done' });
      await closing;
      await expect(request(g2.port, '/x')).rejects.toThrow(/ECONNREFUSED/);
    } finally {
      await g2.close();
      await slowUp.close();
    }
  });

  it('cuts requests still running at the drain timeout', async () => {
    const hang = await startEchoUpstream(() => true);
    const g3 = await startGateway(catchAllSnapshot(hang.port), { drainTimeoutMs: 200 });
    try {
      const pending = request(g3.port, '/x').then(() => 'answered', () => 'cut');
      await waitFor(() => g3.proxy.inFlight === 1);
      const t0 = Date.now();
      await g3.close();
      expect(Date.now() - t0).toBeLessThan(2000);
      expect(await pending).toBe('cut');
    } finally {
      await hang.close();
    }
  });
});
