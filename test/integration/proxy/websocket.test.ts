import { readdirSync } from 'node:fs';
import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { consumerId } from '../../../src/model/ids.js';
import { mintToken } from '../../../src/tokens/mint.js';
import { waitFor } from '../../support/gateway-process.js';
import { refusedPort } from '../../support/http.js';
import { selfSignedCert, type TestCert } from '../../support/openssl-cert.js';
import { portOf, startStandalone, type StandaloneGateway } from '../../support/standalone.js';
import { closed, openWs, refusal, roundTrip, startWsUpstream, wsBase, type WsUpstream } from '../../support/ws-peers.js';

/**
 * WebSocket through the real CLI (docs/websocket.md): a real `ws` client, a real `ws` upstream.
 * The upgrade request is admitted like any request (routes, jwt from header/query/cookie, header
 * hygiene), then the 101 is relayed and both sockets piped until either side closes.
 */
const SECRET = 'ws-secret-0123456789abcdef';
const token = () => mintToken({ algorithm: 'HS256', key: 'ws-key', secret: SECRET, expiresInSeconds: 300 });

let up: WsUpstream;
let secureUp: WsUpstream;
let raw: RawUpstream;
let gw: StandaloneGateway;
/** The wss upstream's certificate; the gateway trusts it through NODE_EXTRA_CA_CERTS. */
let tls: TestCert;

/** An upstream answering the upgrade by hand (no ws library): echoes bytes, and answers a FIN with "bye" and its own FIN. */
interface RawUpstream {
  port: number;
  received: Buffer[];
  /** Handshakes on /raw/slow received, and those whose socket closed before the (1 s late) 101. */
  slow: number;
  abandoned: number;
  close(): Promise<void>;
}

async function startRawUpstream(): Promise<RawUpstream> {
  const received: Buffer[] = [];
  let abandoned = 0;
  let slow = 0;
  const server = http.createServer((_req, res) => res.end('plain'));
  server.on('upgrade', (req: http.IncomingMessage, socket: net.Socket, head: Buffer) => {
    if (req.url!.includes('/slow')) {
      slow++;
      const t = setTimeout(() => socket.end('HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n'), 1000);
      // The gateway's FIN or reset before the 101 is due.
      const gone = () => {
        if (!socket.writableEnded) abandoned++;
        clearTimeout(t);
        socket.destroy();
      };
      socket.on('end', gone);
      socket.on('error', gone);
      socket.resume();
      return;
    }
    if (head.length > 0) received.push(head);
    socket.write('HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nX-Raw: yes\r\n\r\n');
    socket.on('data', (d: Buffer) => {
      received.push(d);
      socket.write(d);
    });
    socket.on('end', () => socket.end('bye'));
    socket.on('error', () => {});
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as AddressInfo).port,
    received,
    get slow() {
      return slow;
    },
    get abandoned() {
      return abandoned;
    },
    close: () => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }),
  };
}

/** Sum of a metric's samples whose labels include `labels`. */
function metric(text: string, name: string, labels: Record<string, string> = {}): number {
  let sum = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    if (Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`))) sum += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return sum;
}

const metrics = async () => (await fetch(`${gw.status}/metrics`)).text();

beforeAll(async () => {
  tls = selfSignedCert();
  [up, raw, secureUp] = await Promise.all([startWsUpstream(), startRawUpstream(), startWsUpstream({ tls })]);
  const down = await refusedPort();
  gw = await startStandalone({
    services: [
      { name: 'public', url: `${up.url}/base`, routes: [{ name: 'public', paths: ['/public'] }] },
      {
        name: 'auth', url: up.url,
        routes: [{ name: 'auth', paths: ['/auth'], plugins: [{ name: 'jwt', config: { uri_param_names: ['tk'], cookie_names: ['sess'] } }] }],
      },
      { name: 'idle', url: up.url, read_timeout: 600, routes: [{ name: 'idle', paths: ['/idle'] }] },
      { name: 'down', url: `http://127.0.0.1:${down}`, retries: 0, routes: [{ name: 'down', paths: ['/down'] }] },
      { name: 'raw', url: `http://127.0.0.1:${raw.port}`, routes: [{ name: 'raw', paths: ['/raw'] }] },
      { name: 'hosted', url: up.url, routes: [{ name: 'hosted', hosts: ['chat.example'], paths: ['/hosted'] }] },
      {
        name: 'anon', url: up.url,
        routes: [{ name: 'anon', paths: ['/anon'], plugins: [{ name: 'jwt', config: { anonymous: 'guest' } }] }],
      },
      { name: 'secure', url: `https://localhost:${secureUp.port}/tls`, routes: [{ name: 'secure', paths: ['/secure'] }] },
    ],
    consumers: [{ username: 'wsuser', jwt_secrets: [{ key: 'ws-key', algorithm: 'HS256', secret: SECRET }] }, { username: 'guest' }],
  }, { args: ['--drain-seconds', '2'], env: { NODE_EXTRA_CA_CERTS: tls.certPath } });
});

afterAll(async () => {
  await gw?.close();
  await up?.close();
  await raw?.close();
  await secureUp?.close();
  tls?.remove();
});

describe('an accepted upgrade', () => {
  it('relays messages both ways; the upstream sees the joined path and the forwarding headers', async () => {
    const ws = await openWs(`${wsBase(gw.proxy)}/public/chat?room=1`, { headers: { 'x-request-id': 'ws-req-1' } });
    expect(await roundTrip(ws, 'hello')).toBe('echo:hello');
    const bin = await new Promise<Buffer>((resolve) => {
      ws.once('message', (d) => resolve(d as Buffer));
      ws.send(Buffer.from([0, 1, 2, 255]));
    });
    expect([...bin]).toEqual([0, 1, 2, 255]);
    const seen = JSON.parse(await roundTrip(ws, 'headers')) as Record<string, string>;
    expect(seen).toMatchObject({
      host: `127.0.0.1:${up.port}`,
      upgrade: 'websocket',
      'x-forwarded-for': '127.0.0.1',
      'x-forwarded-proto': 'http',
      'x-forwarded-host': '127.0.0.1',
      'x-forwarded-port': String(portOf(gw.proxy)),
      'x-forwarded-path': '/public/chat',
      'x-forwarded-prefix': '/public',
      'x-real-ip': '127.0.0.1',
      'x-request-id': 'ws-req-1',
      via: '1.1 portcullis',
    });
    expect(seen.connection!.toLowerCase()).toBe('upgrade');
    expect(seen['sec-websocket-key']).toBeTruthy();
    expect(up.seen.at(-1)!.url).toBe('/base/chat?room=1');
    ws.close(1000, 'client bye');
    expect(await closed(ws)).toEqual({ code: 1000, reason: 'client bye' });
    await waitFor(() => up.closes.some((c) => c.reason === 'client bye'));
  });

  it('an https service is reached with wss (a real TLS handshake to the upstream)', async () => {
    const ws = await openWs(`${wsBase(gw.proxy)}/secure/room`);
    expect(await roundTrip(ws, 'over tls')).toBe('echo:over tls');
    expect(secureUp.seen.at(-1)!.url).toBe('/tls/room');
    expect(secureUp.seen.at(-1)!.headers.host).toBe(`localhost:${secureUp.port}`);
    ws.close();
    await closed(ws);
  });

  it("the 101 carries the upstream's headers, Via and the request id", async () => {
    const res = await new Promise<http.IncomingMessage>((resolve, reject) => {
      const req = http.request(`${gw.proxy}/public/h`, {
        headers: { connection: 'Upgrade', upgrade: 'websocket', 'sec-websocket-version': '13', 'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==', 'x-request-id': 'ws-101' },
      });
      req.on('upgrade', (r: http.IncomingMessage, socket: net.Socket) => {
        socket.destroy();
        resolve(r);
      });
      req.on('response', (r) => reject(new Error(`got ${r.statusCode}`)));
      req.on('error', reject);
      req.end();
    });
    expect(res.statusCode).toBe(101);
    expect(res.headers).toMatchObject({
      upgrade: 'websocket', 'sec-websocket-accept': 's3pPLMBiTxaQ9kYGzzhZRbK+xOo=', via: '1.1 portcullis', 'x-request-id': 'ws-101',
    });
    expect(res.headers.connection!.toLowerCase()).toBe('upgrade');
    expect(res.headers['x-portcullis-upstream-latency']).toMatch(/^\d+$/);
  });

  it('a close from the upstream reaches the client with its code and reason', async () => {
    const ws = await openWs(`${wsBase(gw.proxy)}/public/x`);
    ws.send('close-me');
    expect(await closed(ws)).toEqual({ code: 4001, reason: 'server bye' });
  });

  it('early data, half-close both ways, and no socket left behind (raw sockets, no ws library)', async () => {
    const client = net.connect(portOf(gw.proxy), '127.0.0.1');
    let text = '';
    client.setEncoding('latin1');
    client.on('data', (d: string) => (text += d));
    const ended = new Promise<void>((r) => client.on('end', () => r()));
    client.write('GET /raw/x HTTP/1.1\r\nHost: gw\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\nearly');
    await waitFor(async () => text.includes('\r\n\r\nearly'), 3000);
    expect(text).toMatch(/^HTTP\/1\.1 101 Switching Protocols\r\n/);
    expect(text.toLowerCase()).toContain('x-raw: yes');
    client.write('more');
    await waitFor(() => text.endsWith('earlymore'), 3000);
    // Our FIN reaches the upstream, which still answers before its own FIN.
    client.end();
    await ended;
    expect(text.endsWith('earlymorebye')).toBe(true);
    expect(Buffer.concat(raw.received).toString()).toBe('earlymore');
  });

  it('a client leaving during the handshake: the upstream connection is dropped too, counted as client_closed', async () => {
    const client = net.connect(portOf(gw.proxy), '127.0.0.1');
    client.on('error', () => {});
    client.write('GET /raw/slow HTTP/1.1\r\nHost: gw\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n');
    await waitFor(() => raw.slow === 1, 5000);
    client.destroy();
    await waitFor(() => raw.abandoned === 1, 3000);
    await waitFor(async () => metric(await metrics(), 'portcullis_websocket_upgrades_total', { route: 'raw', outcome: 'client_closed' }) === 1, 3000);
  });

  it('tunnels do not leak file descriptors', async () => {
    const fds = () => readdirSync(`/proc/${gw.child.pid}/fd`).length;
    // One warm-up tunnel: the upstream pool and lazy handles exist from then on.
    const warm = await openWs(`${wsBase(gw.proxy)}/public/warm`);
    warm.close();
    await closed(warm);
    await waitFor(async () => metric(await metrics(), 'portcullis_websocket_tunnels_open') === 0, 3000);
    const before = fds();
    const sockets = await Promise.all(Array.from({ length: 20 }, (_v, i) => openWs(`${wsBase(gw.proxy)}/public/n${i}`)));
    expect(fds()).toBeGreaterThanOrEqual(before + 20);
    for (const [i, ws] of sockets.entries()) {
      // Half closed by the client, half by the upstream.
      if (i % 2 === 0) ws.close();
      else ws.send('close-me');
    }
    await Promise.all(sockets.map(closed));
    await waitFor(async () => metric(await metrics(), 'portcullis_websocket_tunnels_open') === 0, 5000);
    // The upstream pool may keep a kept-alive connection or two: never one per tunnel.
    await waitFor(() => fds() <= before + 2, 5000);
  });
});

describe('a rejected upgrade gets the normal HTTP answer, then the connection closes', () => {
  it("no token: Kong's 401 body, and the upstream never sees the request", async () => {
    const before = up.seen.length;
    const r = await refusal(`${wsBase(gw.proxy)}/auth/x`);
    expect(r.status).toBe(401);
    expect(JSON.parse(r.body)).toEqual({ message: 'Unauthorized' });
    expect(r.headers['x-request-id']).toBeTruthy();
    expect(up.seen.length).toBe(before);
  });

  it("a bad signature: Kong's 401 body", async () => {
    const bad = mintToken({ algorithm: 'HS256', key: 'ws-key', secret: 'wrong-secret-0123456789', expiresInSeconds: 300 });
    const r = await refusal(`${wsBase(gw.proxy)}/auth/x`, { headers: { authorization: `Bearer ${bad}` } });
    expect(r.status).toBe(401);
    expect(JSON.parse(r.body)).toEqual({ message: 'Invalid signature' });
  });

  it("no route: 404 with Kong's body", async () => {
    const r = await refusal(`${wsBase(gw.proxy)}/nowhere`);
    expect(r.status).toBe(404);
    expect(JSON.parse(r.body)).toMatchObject({ message: 'no Route matched with those values' });
  });

  it("the upstream cannot be reached: 502 with Kong's body", async () => {
    const r = await refusal(`${wsBase(gw.proxy)}/down/x`);
    expect(r.status).toBe(502);
    expect(JSON.parse(r.body)).toMatchObject({ message: 'An invalid response was received from the upstream server' });
  });

  it("the upstream refuses to switch protocols: its answer is relayed as a response", async () => {
    const r = await refusal(`${wsBase(gw.proxy)}/public/refuse`);
    expect(r.status).toBe(403);
    expect(r.body).toBe('refused');
    expect(r.headers['x-refused-by']).toBe('upstream');
    expect(r.headers.via).toContain('1.1 portcullis');
  });

  it('the raw answer is a complete response followed by a FIN', async () => {
    const client = net.connect(portOf(gw.proxy), '127.0.0.1');
    let text = '';
    client.setEncoding('latin1');
    client.on('data', (d: string) => (text += d));
    client.write('GET /auth/x HTTP/1.1\r\nHost: gw\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n');
    await new Promise<void>((r) => client.on('end', () => r()));
    client.destroy();
    expect(text).toMatch(/^HTTP\/1\.1 401 Unauthorized\r\n/);
    expect(text.toLowerCase()).toContain('connection: close');
    expect(text.endsWith('\r\n\r\n{"message":"Unauthorized"}')).toBe(true);
  });
});

describe('routing', () => {
  it("a host-restricted route: the upgrade matches on the Host header like any request", async () => {
    expect((await refusal(`${wsBase(gw.proxy)}/hosted/x`)).status).toBe(404);
    const ws = await openWs(`${wsBase(gw.proxy)}/hosted/x`, { headers: { host: 'Chat.Example' } });
    expect(await roundTrip(ws, 'h')).toBe('echo:h');
    ws.close();
    await closed(ws);
  });
});

describe('the jwt plugin on an upgrade', () => {
  it.each<[string, (t: string) => { path: string; headers?: Record<string, string> }]>([
    ['Authorization header', (t) => ({ path: '/auth/a', headers: { authorization: `Bearer ${t}` } })],
    ['query parameter', (t) => ({ path: `/auth/a?tk=${t}` })],
    ['cookie', (t) => ({ path: '/auth/a', headers: { cookie: `x=1; sess=${t}` } })],
  ])('token in the %s: admitted, the upstream sees the consumer', async (_n, where) => {
    const { path, headers } = where(token());
    const ws = await openWs(`${wsBase(gw.proxy)}${path}`, { headers });
    const seen = JSON.parse(await roundTrip(ws, 'headers')) as Record<string, string>;
    expect(seen).toMatchObject({ 'x-consumer-username': 'wsuser', 'x-consumer-id': consumerId('wsuser'), 'x-credential-identifier': 'ws-key' });
    ws.close();
    await closed(ws);
  });

  it('anonymous: without a token the upgrade is admitted as the anonymous consumer', async () => {
    const ws = await openWs(`${wsBase(gw.proxy)}/anon/x`, { headers: { 'x-anonymous-consumer': 'spoofed' } });
    const seen = JSON.parse(await roundTrip(ws, 'headers')) as Record<string, string>;
    expect(seen).toMatchObject({ 'x-consumer-username': 'guest', 'x-anonymous-consumer': 'true' });
    ws.close();
    await closed(ws);
  });

  it('spoofed identity headers are dropped on a public route and replaced on an authenticated one', async () => {
    const spoofed = { 'x-consumer-username': 'admin', 'x-consumer-id': 'spoofed', 'x-anonymous-consumer': 'true', 'x-credential-identifier': 'k' };
    const pub = await openWs(`${wsBase(gw.proxy)}/public/s`, { headers: spoofed });
    const seenPub = JSON.parse(await roundTrip(pub, 'headers')) as Record<string, string>;
    for (const name of Object.keys(spoofed)) expect(seenPub[name], name).toBeUndefined();
    pub.close();
    const auth = await openWs(`${wsBase(gw.proxy)}/auth/s`, { headers: { ...spoofed, authorization: `Bearer ${token()}` } });
    const seenAuth = JSON.parse(await roundTrip(auth, 'headers')) as Record<string, string>;
    expect(seenAuth).toMatchObject({ 'x-consumer-username': 'wsuser', 'x-consumer-id': consumerId('wsuser') });
    expect(seenAuth['x-anonymous-consumer']).toBeUndefined();
    auth.close();
    await Promise.all([closed(pub), closed(auth)]);
  });
});

describe('idle timeout', () => {
  it("a tunnel silent for the service's read_timeout is closed; traffic keeps it open", async () => {
    const ws = await openWs(`${wsBase(gw.proxy)}/idle/x`);
    const t0 = Date.now();
    // Traffic every 200 ms for 1.2 s (twice the 600 ms read_timeout): still open.
    for (let i = 0; i < 6; i++) {
      await new Promise((r) => setTimeout(r, 200));
      expect(await roundTrip(ws, `m${i}`)).toBe(`echo:m${i}`);
    }
    const silentFrom = Date.now();
    const c = await closed(ws);
    expect(c.code).toBe(1006); // cut without a close frame: the gateway does not parse frames
    expect(Date.now() - silentFrom).toBeGreaterThanOrEqual(550);
    expect(Date.now() - t0).toBeLessThan(5000);
    await waitFor(async () => metric(await metrics(), 'portcullis_websocket_tunnels_closed_total', { reason: 'idle' }) >= 1, 3000);
  });
});

describe('an Upgrade other than websocket', () => {
  it('is proxied as a plain request with the Upgrade removed, as Kong does', async () => {
    const client = net.connect(portOf(gw.proxy), '127.0.0.1');
    let text = '';
    client.setEncoding('latin1');
    client.on('data', (d: string) => (text += d));
    client.write('GET /public/plain HTTP/1.1\r\nHost: gw\r\nConnection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMAAABkAAQAoAAAAAIAAAAA\r\n\r\n');
    await new Promise<void>((r) => client.on('end', () => r()));
    client.destroy();
    expect(text).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    const seen = up.plain.at(-1)!;
    expect(seen.url).toBe('/base/plain');
    expect(seen.headers.upgrade).toBeUndefined();
    expect(seen.headers['http2-settings']).toBeUndefined();
  });
});

describe('observability', () => {
  it('metrics count upgrades by outcome, open tunnels, bytes; requests_total counts the 101s', async () => {
    const ws = await openWs(`${wsBase(gw.proxy)}/public/m`);
    await roundTrip(ws, 'x'.repeat(1000));
    let text = await metrics();
    expect(metric(text, 'portcullis_websocket_tunnels_open')).toBe(1);
    ws.close();
    await closed(ws);
    await waitFor(async () => metric(await metrics(), 'portcullis_websocket_tunnels_open') === 0, 3000);
    text = await metrics();
    expect(metric(text, 'portcullis_websocket_upgrades_total', { route: 'public', outcome: 'upgraded' })).toBeGreaterThanOrEqual(5);
    expect(metric(text, 'portcullis_websocket_upgrades_total', { route: 'auth', outcome: 'rejected' })).toBeGreaterThanOrEqual(3);
    expect(metric(text, 'portcullis_websocket_upgrades_total', { route: '(none)', outcome: 'rejected' })).toBeGreaterThanOrEqual(1);
    expect(metric(text, 'portcullis_websocket_upgrades_total', { route: 'down', outcome: 'failed' })).toBeGreaterThanOrEqual(1);
    expect(metric(text, 'portcullis_websocket_upgrades_total', { route: 'public', outcome: 'refused' })).toBeGreaterThanOrEqual(1);
    expect(metric(text, 'portcullis_websocket_bytes_total', { direction: 'upstream' })).toBeGreaterThan(1000);
    expect(metric(text, 'portcullis_websocket_bytes_total', { direction: 'downstream' })).toBeGreaterThan(1000);
    expect(metric(text, 'portcullis_requests_total', { route: 'public', status: '101' })).toBeGreaterThanOrEqual(5);
    expect(metric(text, 'portcullis_requests_total', { route: 'auth', status: '401' })).toBeGreaterThanOrEqual(3);
    expect(metric(text, 'portcullis_auth_failures_total', { route: 'auth' })).toBeGreaterThanOrEqual(3);
  });

  it('one access-log line per upgrade, at close: status 101, the whole duration, the token redacted', async () => {
    const t = token();
    const trace = '4bf92f3577b34da6a3ce929d0e0e4736';
    const ws = await openWs(`${wsBase(gw.proxy)}/auth/logged?tk=${t}`, { headers: { 'x-request-id': 'ws-logged', traceparent: `00-${trace}-00f067aa0ba902b7-01` } });
    await new Promise((r) => setTimeout(r, 300));
    ws.close();
    await closed(ws);
    let line: Record<string, unknown> | undefined;
    await waitFor(() => {
      line = gw.stdout().split('\n').filter((l) => l.includes('"ws-logged"')).map((l) => JSON.parse(l) as Record<string, unknown>)[0];
      return line !== undefined;
    }, 5000);
    expect(line).toMatchObject({ type: 'access', route: 'auth', method: 'GET', status: 101, consumer: 'wsuser', path: '/auth/logged?tk=REDACTED' });
    // docs/access-log.md: the tunnel's target and the client's trace id, as on any line.
    expect(line).toMatchObject({ upstream_addr: new URL(up.url).host, trace_id: trace });
    expect(line!.latency_ms as number).toBeGreaterThanOrEqual(300);
    expect(gw.output()).not.toContain(t);
  });
});

describe('shutdown', () => {
  it('the drain lets an open tunnel work until the drain deadline, then cuts it; the process exits 0', async () => {
    const ws = await openWs(`${wsBase(gw.proxy)}/public/drain`);
    const t0 = Date.now();
    const exited = gw.close();
    await new Promise((r) => setTimeout(r, 500));
    expect(await roundTrip(ws, 'still here')).toBe('echo:still here');
    const c = await closed(ws);
    expect(c.code).toBe(1006);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(1800); // --drain-seconds 2
    expect(await exited).toBe(0);
    expect(gw.output()).toContain('drain timeout');
  });
});
