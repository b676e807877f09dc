import http from 'node:http';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Snapshot } from '../../../src/snapshot/types.js';
import { realSnapshot, routeCr, serviceWithEndpoints } from '../../support/real-snapshot.js';
import { refusedPort, request, startEchoUpstream, waitFor, type EchoUpstream } from '../../support/http.js';
import { startGateway, type TestGateway } from '../../support/gateway.js';

let up: EchoUpstream;
let gw: TestGateway;
let slowClosed = 0;
let deadPort = 0;

/**
 * The gateway's configuration, built by the production parser and translator: kong.yml services
 * for everything kong.yml can say, Route CRs for a Service without endpoints and a route whose jwt
 * config is invalid (fails closed). `catchAll: false` leaves out the "/" route; `services` and
 * `kube` add entities.
 */
function forwardingSnapshot(opts: { catchAll?: boolean; services?: object[]; kube?: unknown[] } = {}): Snapshot {
  const at = (port: number, path = '') => `http://127.0.0.1:${port}${path}`;
  const services: object[] = [
    ...(opts.services ?? []),
    { name: 'api', url: at(up.port, '/base'), routes: [{ name: 'api', paths: ['/api'] }] },
    // 300 ms read timeout, per read.
    { name: 'short', url: at(up.port), read_timeout: 300, routes: [{ name: 'short', paths: ['/short'], strip_path: false }] },
    { name: 'dead', url: at(deadPort), retries: 2, routes: [{ name: 'dead', paths: ['/dead'] }] },
  ];
  if (opts.catchAll !== false) services.push({ name: 'raw', url: at(up.port), routes: [{ name: 'raw', paths: ['/'], strip_path: false }] });
  const snap = realSnapshot({
    kongYml: { services },
    kube: [
      routeCr('empty', { paths: ['/empty'], backend: { service: { name: 'empty', port: 80 } } }),
      ...serviceWithEndpoints('empty', []),
      routeCr('broken', { paths: ['/broken'], backend: { url: at(up.port, '/base') }, plugins: { jwt: { claimsToVerify: ['bogus'] } } }),
      ...(opts.kube ?? []),
    ],
  });
  // Only the broken jwt config is reported; everything else must have loaded.
  expect(snap.diagnostics.filter((d) => d.severity === 'error').map((d) => d.object.name)).toEqual(['broken']);
  return snap;
}

/** Writes `count` chunks "<prefix><i>\n", `everyMs` apart, then ends. */
function drip(res: http.ServerResponse, prefix: string, count: number, everyMs: number): true {
  res.writeHead(200, { 'content-type': 'text/plain' });
  let n = 0;
  const iv = setInterval(() => {
    res.write(`${prefix}${n}\n`);
    if (++n === count) {
      clearInterval(iv);
      res.end();
    }
  }, everyMs);
  res.on('close', () => clearInterval(iv));
  return true;
}

beforeAll(async () => {
  up = await startEchoUpstream((req, res) => {
    if (req.url?.includes('/slow-headers')) {
      const t = setTimeout(() => res.end('late'), 2000);
      res.on('close', () => clearTimeout(t));
      return true;
    }
    if (req.url?.includes('/stall-body')) {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.write('start\n');
      return true; // never ends
    }
    // Six chunks 100 ms apart: 600 ms in all, longer than a 300 ms read timeout, which is per read.
    if (req.url?.includes('/steady-drip')) return drip(res, 'drip', 6, 100);
    // Three chunks 150 ms apart: the client must see the first before the last is sent.
    if (req.url?.startsWith('/trickle')) return drip(res, 'chunk', 3, 150);
    if (req.url?.startsWith('/big-download')) {
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      const chunk = Buffer.alloc(64 * 1024, 97);
      let left = 80; // 5 MiB, chunked
      const write = () => {
        while (left > 0) {
          left--;
          if (!res.write(chunk)) return void res.once('drain', write);
        }
        res.end();
      };
      write();
      return true;
    }
    if (req.url?.startsWith('/no-content')) {
      res.writeHead(204);
      res.end();
      return true;
    }
    if (req.url?.startsWith('/hang')) {
      res.on('close', () => slowClosed++);
      return true;
    }
    return false;
  });
  deadPort = await refusedPort();
  gw = await startGateway(forwardingSnapshot());
});

afterAll(async () => {
  await gw?.close();
  await up?.close();
});

describe('proxy forwarding', () => {
  it('read timeout is between reads: a body that keeps coming for longer than the timeout completes', async () => {
    const r = await request(gw.port, '/short/steady-drip');
    expect(r.status).toBe(200);
    expect(r.body).toBe('drip0\ndrip1\ndrip2\ndrip3\ndrip4\ndrip5\n');
  });

  it('a request body uploaded slowly, each chunk within the read timeout, is not cut (sending counts as activity, as in undici)', async () => {
    const outcome = await new Promise<{ status?: number; body: string }>((resolve, reject) => {
      const req = http.request({ host: '127.0.0.1', port: gw.port, path: '/short/upload', method: 'POST', headers: { 'content-type': 'text/plain' } }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode, body }));
      });
      req.on('error', reject);
      let n = 0;
      const iv = setInterval(() => {
        req.write(`part${n}\n`);
        if (++n === 6) {
          clearInterval(iv);
          req.end();
        }
      }, 100);
    });
    expect(outcome.status).toBe(200);
    expect(JSON.parse(outcome.body).body).toBe('part0\npart1\npart2\npart3\npart4\npart5\n');
  });

  it('a body that stops for longer than the read timeout cuts the client connection (the status is already out)', async () => {
    const t0 = performance.now();
    const outcome = await new Promise<{ status?: number; body: string; cut: boolean }>((resolve) => {
      const req = http.get({ host: '127.0.0.1', port: gw.port, path: '/short/stall-body' }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode, body, cut: false }));
        res.on('aborted', () => resolve({ status: res.statusCode, body, cut: true }));
        res.on('error', () => resolve({ status: res.statusCode, body, cut: true }));
      });
      req.on('error', () => resolve({ body: '', cut: true }));
    });
    const ms = performance.now() - t0;
    expect(outcome).toMatchObject({ status: 200, body: 'start\n', cut: true });
    expect(ms).toBeGreaterThanOrEqual(300);
    expect(ms).toBeLessThan(1500);
  });

  it('forwards method, stripped path, query and headers; adds Via and X-Request-Id', async () => {
    const r = await request(gw.port, '/api/items/7?x=1&y=%20z', { headers: { 'x-custom': 'v', 'x-consumer-id': 'spoof' } });
    expect(r.status).toBe(200);
    const echo = JSON.parse(r.body);
    expect(echo.method).toBe('GET');
    expect(echo.url).toBe('/base/items/7?x=1&y=%20z');
    expect(echo.headers['x-custom']).toBe('v');
    expect(echo.headers['x-consumer-id']).toBeUndefined();
    expect(echo.headers.host).toBe(`127.0.0.1:${up.port}`);
    expect(echo.headers['x-request-id']).toBe(r.headers['x-request-id']);
    expect(r.headers['x-request-id']).toMatch(/^[0-9a-f]{12}-[0-9a-z]+$/);
    expect(r.headers.via).toBe('1.1 portcullis');
    expect(r.headers['x-upstream']).toBe('echo');
    expect(Number(r.headers['x-portcullis-upstream-latency'])).toBeGreaterThanOrEqual(0);
  });

  it('passes a client X-Request-Id through both ways', async () => {
    const r = await request(gw.port, '/api/x', { headers: { 'x-request-id': 'abc-123' } });
    expect(r.headers['x-request-id']).toBe('abc-123');
    expect(JSON.parse(r.body).headers['x-request-id']).toBe('abc-123');
  });

  const errorCases: Array<[string, string, number, string]> = [
    ['no route', '/zzz', 404, 'no Route matched with those values'],
    ['refused upstream', '/dead/x', 502, 'An invalid response was received from the upstream server'],
    ['read timeout', '/short/slow-headers', 504, 'The upstream server is timing out'],
    ['fail closed plugin error', '/broken/x', 500, 'An unexpected error occurred'],
    ['no targets', '/empty/x', 503, 'failure to get a peer from the ring-balancer'],
    // A malformed escape is what the production path normalization refuses; dot segments it resolves (below).
    ['bad path', '/api/%zz', 400, 'Bad request'],
  ];
  it.each(errorCases)('%s (%s) → %i JSON error with request_id', async (_name, path, status, message) => {
    // '/zzz' would hit the catch-all route: serve it from a snapshot without one.
    if (path === '/zzz') gw.store.swap(forwardingSnapshot({ catchAll: false }));
    try {
      const r = await request(gw.port, path);
      expect(r.status).toBe(status);
      expect(r.headers['content-type']).toBe('application/json; charset=utf-8');
      expect(JSON.parse(r.body)).toEqual({ message, request_id: r.headers['x-request-id'] });
    } finally {
      if (path === '/zzz') gw.store.swap(forwardingSnapshot());
    }
  });

  it('resolves dot segments before matching, as Kong does (docs/kong-compatibility.md#routing)', async () => {
    const r = await request(gw.port, '/api/../etc');
    expect(r.status).toBe(200);
    // "/etc" matched the catch-all route (strip_path false), not /api.
    expect(JSON.parse(r.body).url).toBe('/etc');
  });

  it('answers text when Accept asks for text only', async () => {
    const r = await request(gw.port, '/dead/x', { headers: { accept: 'text/plain' } });
    expect(r.status).toBe(502);
    expect(r.headers['content-type']).toBe('text/plain; charset=utf-8');
    expect(r.body).toContain('An invalid response was received from the upstream server');
  });

  it('streams a large chunked request body upstream', async () => {
    const size = 4 * 1024 * 1024;
    const r = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = http.request({ host: '127.0.0.1', port: gw.port, path: '/api/upload', method: 'POST', agent: false }, (res) => {
        let b = '';
        res.on('data', (c) => (b += c));
        res.on('end', () => resolve({ status: res.statusCode!, body: b }));
      });
      req.on('error', reject);
      const chunk = Buffer.alloc(256 * 1024, 98);
      for (let i = 0; i < size / chunk.length; i++) req.write(chunk);
      req.end();
    });
    expect(r.status).toBe(200);
    const echo = JSON.parse(r.body);
    expect(echo.bodyLength).toBe(size);
    expect(echo.headers['transfer-encoding']).toBe('chunked');
  });

  it('streams a large chunked response body to the client', async () => {
    const r = await request(gw.port, '/big-download');
    expect(r.status).toBe(200);
    expect(r.body.length).toBe(80 * 64 * 1024);
    expect(r.headers['transfer-encoding']).toBe('chunked');
  });

  it('relays a slow upstream stream incrementally', async () => {
    const arrivals: number[] = [];
    const t0 = Date.now();
    await new Promise<void>((resolve, reject) => {
      http.get({ host: '127.0.0.1', port: gw.port, path: '/trickle', agent: false }, (res) => {
        res.on('data', () => arrivals.push(Date.now() - t0));
        res.on('end', resolve);
        res.on('error', reject);
      });
    });
    expect(arrivals.length).toBeGreaterThanOrEqual(2);
    expect(arrivals[arrivals.length - 1]! - arrivals[0]!).toBeGreaterThan(150);
  });

  it('aborts the upstream request when the client disconnects', async () => {
    const before = slowClosed;
    const req = http.get({ host: '127.0.0.1', port: gw.port, path: '/hang', agent: false });
    req.on('error', () => {});
    await new Promise((r) => setTimeout(r, 150));
    req.destroy();
    await waitFor(() => slowClosed > before);
    await waitFor(() => gw.proxy.inFlight === 0);
  });

  it('reuses upstream keep-alive connections', async () => {
    const before = up.connections;
    for (let i = 0; i < 20; i++) expect((await request(gw.port, '/api/k')).status).toBe(200);
    expect(up.connections - before).toBeLessThanOrEqual(1);
  });

  it('retries a refused connect on the next target (bodyless request)', async () => {
    const refused = await refusedPort();
    // A Service with two endpoints (kong.yml has no upstream targets); retries: Kong's default 5.
    gw.store.swap(forwardingSnapshot({
      kube: [
        routeCr('mixed', { paths: ['/mixed'], backend: { service: { name: 'mixed', port: 80 } } }),
        ...serviceWithEndpoints('mixed', [{ host: '127.0.0.1', port: refused }, { host: '127.0.0.1', port: up.port }]),
      ],
    }));
    try {
      for (let i = 0; i < 4; i++) expect((await request(gw.port, '/mixed/x')).status).toBe(200);
      // With a body the request is not replayed: half of them fail.
      const statuses = [];
      for (let i = 0; i < 4; i++) statuses.push((await request(gw.port, '/mixed/x', { method: 'POST', body: 'data' })).status);
      expect(statuses.filter((s) => s === 502).length).toBe(2);
    } finally {
      gw.store.swap(forwardingSnapshot());
    }
  });

  it('replays an idempotent request when a kept-alive connection breaks before any answer (an upstream pod terminating), never a POST', async () => {
    // Answers the first request of every connection, then resets the connection on the second
    // instead of answering: what a terminating upstream does to the gateway's pooled connection.
    let resets = 0;
    const closing = net.createServer((socket) => {
      let seen = 0;
      socket.on('data', (chunk) => {
        seen += chunk.toString('latin1').split('\r\n\r\n').length - 1;
        if (seen === 1) socket.write('HTTP/1.1 200 OK\r\ncontent-length: 5\r\nkeep-alive: timeout=60\r\n\r\nfirst');
        else { resets++; socket.resetAndDestroy(); }
      });
      socket.on('error', () => {});
    });
    await new Promise<void>((r) => closing.listen(0, '127.0.0.1', r));
    const port = (closing.address() as net.AddressInfo).port;
    gw.store.swap(forwardingSnapshot({ services: [{ name: 'closing', url: `http://127.0.0.1:${port}`, routes: [{ name: 'closing', paths: ['/closing'] }] }] }));
    try {
      for (const method of ['GET', 'PUT', 'DELETE']) {
        for (let i = 0; i < 3; i++) {
          // A kept-alive connection's second request is reset; the gateway replays it on a new one.
          const r = await request(gw.port, `/closing/${i}`, { method });
          expect([r.status, r.body]).toEqual([200, 'first']);
        }
      }
      expect(resets).toBeGreaterThan(0);
      // A POST may have reached the upstream: Kong (nginx) does not replay it, neither do we.
      const posts: number[] = [];
      for (let i = 0; i < 4; i++) posts.push((await request(gw.port, `/closing/p${i}`, { method: 'POST' })).status);
      expect(posts).toContain(502);
      expect(posts).toContain(200);
    } finally {
      gw.store.swap(forwardingSnapshot());
      closing.close();
    }
  });

  it('relays HEAD and 204 responses without hanging', async () => {
    const head = await request(gw.port, '/api/h', { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.body).toBe('');
    const nc = await request(gw.port, '/no-content');
    expect(nc.status).toBe(204);
  });

  it('an in-flight request finishes on its snapshot while a swap removes its route', async () => {
    const slow = await startEchoUpstream((_req, res) => {
      setTimeout(() => res.end('old-snapshot'), 300);
      return true;
    });
    gw.store.swap(forwardingSnapshot({ services: [{ name: 'gone', url: `http://127.0.0.1:${slow.port}`, routes: [{ name: 'gone', paths: ['/gone'] }] }] }));
    try {
      const pending = request(gw.port, '/gone/x');
      await new Promise((r) => setTimeout(r, 100));
      // New snapshot without the route: its upstream pool is retired, gracefully.
      gw.store.swap(forwardingSnapshot({ catchAll: false }));
      expect((await request(gw.port, '/gone/x')).status).toBe(404);
      const r = await pending;
      expect(r.status).toBe(200);
      expect(r.body).toBe('old-snapshot');
    } finally {
      gw.store.swap(forwardingSnapshot());
      await slow.close();
    }
  });
});
