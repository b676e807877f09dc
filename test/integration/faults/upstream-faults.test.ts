import http from 'node:http';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStandalone, type StandaloneGateway } from '../../support/standalone.js';

/**
 * A misbehaving upstream, over real TCP, behind the real gateway process: what the client gets
 * (Kong's status and body) for each fault, and that the gateway and its upstream connection
 * pool are fine afterwards — a healthy request right after every fault, and a bystander route
 * on the same upstream that never fails while the faults happen.
 */
const READ_TIMEOUT_MS = 400;
const BAD_GATEWAY = 'An invalid response was received from the upstream server';
const TIMEOUT = 'The upstream server is timing out';

/** Each path is one behaviour; `/ok` (and anything unknown) is a well-formed keep-alive answer. */
const behaviours: Record<string, (socket: net.Socket) => void> = {
  // RST right after the request arrived.
  '/reset': (s) => s.resetAndDestroy(),
  // FIN without a byte of response.
  '/close': (s) => s.end(),
  // Never answers; the gateway's read timeout fires.
  '/hang': () => {},
  // Not HTTP at all.
  '/garbage': (s) => s.end('SSH-2.0-OpenSSH_9.6\r\nthis is not an HTTP response\r\n\r\n'),
  // A status line, then a malformed header line.
  '/bad-header': (s) => s.end('HTTP/1.1 200 OK\r\nContent-Length: 5\r\nno colon here\r\n\r\nhello'),
  // Headers promise 100 bytes; 10 come, then FIN.
  '/early-close': (s) => s.end('HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 100\r\n\r\n0123456789'),
  // Headers, half a body, then silence past the read timeout.
  '/stall': (s) => s.write('HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 100\r\n\r\n0123456789'),
  // A body in chunks, each within the read timeout, longer than it in total.
  '/slow-body': (s) => {
    s.write('HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n');
    let n = 0;
    const iv = setInterval(() => {
      if (s.destroyed) return clearInterval(iv);
      s.write(`2\r\n${n}\n\r\n`);
      if (++n === 6) {
        clearInterval(iv);
        s.write('0\r\n\r\n');
      }
    }, READ_TIMEOUT_MS / 4);
  },
};

function okResponse(s: net.Socket, path: string): void {
  const body = `ok ${path}`;
  s.write(`HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nX-Upstream: raw\r\nContent-Length: ${body.length}\r\n\r\n${body}`);
}

let upstream: net.Server;
const upstreamSockets = new Set<net.Socket>();
let gw: StandaloneGateway;

beforeAll(async () => {
  upstream = net.createServer((s) => {
    upstreamSockets.add(s);
    s.on('close', () => upstreamSockets.delete(s));
    s.on('error', () => {});
    let buf = '';
    s.on('data', (d: Buffer) => {
      buf += d.toString('latin1');
      // Requests carry no body here: each head ends at a blank line; keep-alive serves several.
      for (let end = buf.indexOf('\r\n\r\n'); end !== -1; end = buf.indexOf('\r\n\r\n')) {
        const head = buf.slice(0, end);
        buf = buf.slice(end + 4);
        const path = head.split(' ')[1]!.replace(/^\/up/, '');
        const behave = behaviours[path];
        if (behave) return behave(s);
        okResponse(s, path);
      }
    });
  });
  await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
  const port = (upstream.address() as net.AddressInfo).port;
  gw = await startStandalone(
    {
      services: [
        {
          name: 'raw',
          url: `http://127.0.0.1:${port}/up`,
          read_timeout: READ_TIMEOUT_MS,
          routes: [{ name: 'faults', paths: ['/'] }],
        },
      ],
    },
    { env: { PORTCULLIS_ACCESS_LOG: 'off' } },
  );
});

afterAll(async () => {
  await gw?.close();
  for (const s of upstreamSockets) s.destroy();
  await new Promise<void>((r) => upstream?.close(() => r()));
});

interface ClientView {
  status?: number;
  headers: http.IncomingHttpHeaders;
  body: string;
  /** The response ended cleanly (false: the connection was cut mid-response). */
  complete: boolean;
}

/** One GET on a fresh connection; never rejects: a cut connection is part of what the client sees. */
function get(path: string): Promise<ClientView> {
  return new Promise((resolve) => {
    const req = http.get(`${gw.proxy}${path}`, { agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body, complete: res.complete }));
      res.on('error', () => resolve({ status: res.statusCode, headers: res.headers, body, complete: false }));
      res.on('aborted', () => resolve({ status: res.statusCode, headers: res.headers, body, complete: false }));
    });
    req.on('error', () => resolve({ headers: {}, body: '', complete: false }));
  });
}

/** Kong's JSON error: exactly {message, request_id} with the response's X-Request-Id. */
function expectKongError(r: ClientView, status: number, message: string): void {
  expect(r.status, r.body).toBe(status);
  expect(r.headers['content-type']).toBe('application/json; charset=utf-8');
  expect(JSON.parse(r.body)).toEqual({ message, request_id: r.headers['x-request-id'] });
}

// A bystander on the same upstream for the whole suite: faults on other requests never hurt it.
const bystander: ClientView[] = [];
let bystanderRunning = true;
let bystanderLoop: Promise<void>;
beforeAll(() => {
  bystanderLoop = (async () => {
    while (bystanderRunning) {
      bystander.push(await get('/bystander'));
      await new Promise((r) => setTimeout(r, 10));
    }
  })();
});

async function expectHealthy(): Promise<void> {
  const r = await get('/ok');
  expect([r.status, r.body, r.complete]).toEqual([200, 'ok /ok', true]);
}

describe('upstream faults: the client gets Kong’s answer, the gateway recovers', () => {
  it.each<[string, string, number, string]>([
    ['connection reset after the request', '/reset', 502, BAD_GATEWAY],
    ['connection closed without a response', '/close', 502, BAD_GATEWAY],
    ['no answer within read_timeout', '/hang', 504, TIMEOUT],
    ['garbage instead of HTTP', '/garbage', 502, BAD_GATEWAY],
    ['a malformed header line', '/bad-header', 502, BAD_GATEWAY],
  ])('%s (%s) → %i', async (_n, path, status, message) => {
    const t0 = performance.now();
    expectKongError(await get(path), status, message);
    if (path === '/hang') expect(performance.now() - t0).toBeGreaterThanOrEqual(READ_TIMEOUT_MS - 50);
    await expectHealthy();
  });

  it('closed early mid-body: the status is already out, so the client connection is cut (never a complete short body)', async () => {
    const r = await get('/early-close');
    expect(r.status).toBe(200);
    expect(r.headers['content-length']).toBe('100');
    expect(r.complete).toBe(false);
    expect(r.body.length).toBeLessThan(100);
    await expectHealthy();
  });

  it('stalls mid-body past read_timeout: the client connection is cut after the timeout', async () => {
    const t0 = performance.now();
    const r = await get('/stall');
    expect(performance.now() - t0).toBeGreaterThanOrEqual(READ_TIMEOUT_MS - 50);
    expect([r.status, r.complete]).toEqual([200, false]);
    await expectHealthy();
  });

  it('a slow body, each chunk within read_timeout, arrives whole', async () => {
    const r = await get('/slow-body');
    expect([r.status, r.body, r.complete]).toEqual([200, '0\n1\n2\n3\n4\n5\n', true]);
  });

  it('the bystander route never saw a failure, and the gateway is still the same process', async () => {
    bystanderRunning = false;
    await bystanderLoop;
    expect(bystander.length).toBeGreaterThan(20);
    expect(bystander.filter((r) => !(r.status === 200 && r.body === 'ok /bystander' && r.complete))).toEqual([]);
    expect(gw.child.exitCode).toBeNull();
    await expectHealthy();
  });
});
