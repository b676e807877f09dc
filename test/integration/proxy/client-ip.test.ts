import http from 'node:http';
import http2 from 'node:http2';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_CLIENT_IP, type ClientIpSettings } from '../../../src/model/client-ip-settings.js';
import { realSnapshot } from '../../support/real-snapshot.js';
import { echoOver, startEchoUpstream, type EchoSeen, type EchoUpstream } from '../../support/http.js';
import { loggedClientIp, startGateway, type TestGateway } from '../../support/gateway.js';
import { closeWithPendingHeader, v1Header, v2Header } from '../../support/proxy-protocol.js';
import { rawRequest } from '../../support/standalone.js';

/**
 * Trusted proxies and the real client IP (docs/client-ip.md) through the real proxy server: real
 * HTTP clients on loopback, bound to 127.0.0.1 or 127.0.0.2 (two different peers: only one is
 * trusted), ::1 for IPv6, and raw sockets writing PROXY protocol headers as a load balancer does.
 * Checked where it matters: the headers the upstream receives and the access log's client_ip.
 */

let up: EchoUpstream;
const gateways: TestGateway[] = [];

async function gateway(clientIp: Partial<ClientIpSettings> | undefined, more: { host?: string; proxyProtocol?: boolean; h2c?: boolean } = {}): Promise<TestGateway> {
  const snap = realSnapshot({ kongYml: { services: [{ name: 'echo', url: up.url, routes: [{ name: 'echo', paths: ['/'], strip_path: false }] }] } });
  const gw = await startGateway(snap, {
    host: more.host,
    proxy: {
      clientIp: clientIp === undefined ? undefined : { ...DEFAULT_CLIENT_IP, ...clientIp },
      proxyProtocol: more.proxyProtocol,
      proxyHeaderTimeoutMs: 400,
      h2c: more.h2c,
    },
  });
  gateways.push(gw);
  return gw;
}

beforeAll(async () => {
  up = await startEchoUpstream();
});

afterAll(async () => {
  for (const gw of gateways) await gw.close();
  await up?.close();
});

/**
 * GET through the gateway from `from` (a local address), optionally writing `prelude` (a PROXY
 * header) first on the raw connection; returns what the upstream saw.
 */
function get(gw: TestGateway, headers: Record<string, string>, opts: { from?: string; to?: string; prelude?: Buffer } = {}): Promise<EchoSeen> {
  const socket = net.connect({ port: gw.port, host: opts.to ?? '127.0.0.1', localAddress: opts.from ?? '127.0.0.1' });
  if (opts.prelude) socket.write(opts.prelude);
  return echoOver(socket, '/echo', { host: 'gw.example', ...headers });
}

const SPOOFED = {
  'x-forwarded-for': '203.0.113.9',
  'x-real-ip': '198.51.100.1',
  'x-forwarded-proto': 'https',
  'x-forwarded-host': 'spoofed.example',
  'x-forwarded-port': '443',
  'x-forwarded-prefix': '/spoofed',
};

describe('no trusted IPs (the default, as in Kong)', () => {
  it('every X-Forwarded-* and X-Real-IP the client sends is replaced; X-Forwarded-For gets the peer appended', async () => {
    const gw = await gateway(undefined);
    const seen = await get(gw, SPOOFED, { from: '127.0.0.2' });
    expect(seen.headers).toMatchObject({
      'x-forwarded-for': '203.0.113.9, 127.0.0.2', 'x-real-ip': '127.0.0.2', 'x-forwarded-proto': 'http',
      'x-forwarded-host': 'gw.example', 'x-forwarded-port': String(gw.port),
    });
    expect(seen.headers['x-forwarded-prefix']).toBeUndefined();
    expect(await loggedClientIp(gw, seen.requestId)).toBe('127.0.0.2');
  });
});

describe('--trusted-ips 127.0.0.1 --real-ip-header X-Forwarded-For', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await gateway({ trustedIps: ['127.0.0.1/32'], realIpHeader: 'x-forwarded-for' });
  });

  it('an untrusted peer (127.0.0.2) is the client; its forwarded headers are overwritten', async () => {
    const seen = await get(gw, SPOOFED, { from: '127.0.0.2' });
    expect(seen.headers).toMatchObject({ 'x-forwarded-for': '203.0.113.9, 127.0.0.2', 'x-real-ip': '127.0.0.2', 'x-forwarded-proto': 'http', 'x-forwarded-host': 'gw.example' });
    expect(seen.headers['x-forwarded-prefix']).toBeUndefined();
    expect(await loggedClientIp(gw, seen.requestId)).toBe('127.0.0.2');
  });

  it('a trusted peer (127.0.0.1): the last X-Forwarded-For address is the client; X-Forwarded-Proto/Host/Port/Prefix are kept', async () => {
    const seen = await get(gw, { ...SPOOFED, 'x-forwarded-for': '198.51.100.7, 203.0.113.9' }, { from: '127.0.0.1' });
    expect(seen.headers).toMatchObject({
      'x-forwarded-for': '198.51.100.7, 203.0.113.9, 127.0.0.1',
      'x-real-ip': '203.0.113.9',
      'x-forwarded-proto': 'https',
      'x-forwarded-host': 'spoofed.example',
      'x-forwarded-port': '443',
      'x-forwarded-prefix': '/spoofed',
    });
    expect(await loggedClientIp(gw, seen.requestId)).toBe('203.0.113.9');
  });

  it('a trusted peer without the header stays the client', async () => {
    const seen = await get(gw, {}, { from: '127.0.0.1' });
    expect(seen.headers).toMatchObject({ 'x-forwarded-for': '127.0.0.1', 'x-real-ip': '127.0.0.1', 'x-forwarded-proto': 'http' });
  });
});

describe('recursive on/off', () => {
  const cases: Array<[string, string, string]> = [
    // header value, real IP with recursive off, with recursive on
    ['198.51.100.1, 10.1.2.3', '10.1.2.3', '198.51.100.1'],
    ['10.9.9.9, 10.1.2.3', '10.1.2.3', '10.9.9.9'],
    ['198.51.100.1, unknown, 10.1.2.3', '10.1.2.3', '10.1.2.3'],
    ['198.51.100.1,203.0.113.4:5678', '203.0.113.4', '203.0.113.4'],
    ['[2001:db8::1]:443, 10.0.0.1', '10.0.0.1', '2001:db8::1'],
  ];
  let off: TestGateway;
  let on: TestGateway;
  beforeAll(async () => {
    off = await gateway({ trustedIps: ['127.0.0.1/32', '10.0.0.0/8'], realIpHeader: 'x-forwarded-for' });
    on = await gateway({ trustedIps: ['127.0.0.1/32', '10.0.0.0/8'], realIpHeader: 'x-forwarded-for', realIpRecursive: true });
  });

  it.each(cases)('X-Forwarded-For: %s → off: %s, on: %s', async (xff, withOff, withOn) => {
    expect((await get(off, { 'x-forwarded-for': xff })).headers['x-real-ip']).toBe(withOff);
    const seen = await get(on, { 'x-forwarded-for': xff });
    expect(seen.headers['x-real-ip']).toBe(withOn);
    expect(await loggedClientIp(on, seen.requestId)).toBe(withOn);
  });

  it('repeated X-Forwarded-For headers read as one list', async () => {
    const r = await rawRequest(on.port, 'GET /x HTTP/1.1\nHost: a\nX-Forwarded-For: 198.51.100.1\nX-Forwarded-For: 10.0.0.1');
    expect(JSON.parse(r.body).headers['x-real-ip']).toBe('198.51.100.1');
  });
});

describe('real IP header X-Real-IP (Kong\'s default)', () => {
  it('believed from a trusted peer only; X-Forwarded-For is not consulted', async () => {
    const gw = await gateway({ trustedIps: ['127.0.0.1/32'] });
    const trusted = await get(gw, { 'x-real-ip': '198.51.100.1', 'x-forwarded-for': '203.0.113.9' }, { from: '127.0.0.1' });
    expect(trusted.headers).toMatchObject({ 'x-real-ip': '198.51.100.1', 'x-forwarded-for': '203.0.113.9, 127.0.0.1' });
    expect(await loggedClientIp(gw, trusted.requestId)).toBe('198.51.100.1');
    const untrusted = await get(gw, { 'x-real-ip': '198.51.100.1' }, { from: '127.0.0.2' });
    expect(untrusted.headers['x-real-ip']).toBe('127.0.0.2');
  });
});

describe('IPv6', () => {
  it('a ::1 peer trusted by ::1/128; an IPv4 peer on a dual-stack listener matches IPv4 blocks', async () => {
    const v6 = await gateway({ trustedIps: ['::1/128'], realIpHeader: 'x-forwarded-for' }, { host: '::1' });
    const seen = await get(v6, { 'x-forwarded-for': '2001:DB8:0:0::5', 'x-forwarded-proto': 'https' }, { from: '::1', to: '::1' });
    expect(seen.headers).toMatchObject({ 'x-real-ip': '2001:db8::5', 'x-forwarded-proto': 'https', 'x-forwarded-for': '2001:DB8:0:0::5, ::1' });
    expect(await loggedClientIp(v6, seen.requestId)).toBe('2001:db8::5');

    const dual = await gateway({ trustedIps: ['127.0.0.1/32'], realIpHeader: 'x-forwarded-for' }, { host: '::' });
    const mapped = await get(dual, { 'x-forwarded-for': '203.0.113.1' }, { from: '127.0.0.1' });
    expect(mapped.headers['x-real-ip']).toBe('203.0.113.1');
    const other = await get(dual, { 'x-forwarded-for': '203.0.113.1' }, { from: '127.0.0.2' });
    expect(other.headers['x-real-ip']).toBe('::ffff:127.0.0.2');
  });
});

describe('PROXY protocol listener with --real-ip-header proxy_protocol', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await gateway({ trustedIps: ['127.0.0.1/32'], realIpHeader: 'proxy_protocol' }, { proxyProtocol: true });
  });
  const v4 = v1Header({ family: 4, source: ['203.0.113.7', 50000], destination: ['10.0.0.1', 80] });

  it('v1 TCP4 and v2 TCP6 from a trusted balancer: the header\'s source is the client', async () => {
    const a = await get(gw, {}, { prelude: v4 });
    expect(a.headers).toMatchObject({ 'x-real-ip': '203.0.113.7', 'x-forwarded-for': '203.0.113.7' });
    expect(await loggedClientIp(gw, a.requestId)).toBe('203.0.113.7');
    const b = await get(gw, { 'x-forwarded-for': '192.0.2.1' }, { prelude: v2Header({ command: 'proxy', family: 6, source: ['2001:db8::42', 1], destination: ['2001:db8::1', 80] }) });
    // A client X-Forwarded-For is kept, and the connecting peer appended, as Kong does.
    expect(b.headers).toMatchObject({ 'x-real-ip': '2001:db8::42', 'x-forwarded-for': '192.0.2.1, 127.0.0.1' });
  });

  it('UNKNOWN and LOCAL headers leave the peer as the client', async () => {
    expect((await get(gw, {}, { prelude: v1Header('unknown') })).headers['x-real-ip']).toBe('127.0.0.1');
    expect((await get(gw, {}, { prelude: v2Header({ command: 'local' }) })).headers['x-real-ip']).toBe('127.0.0.1');
  });

  it('from an untrusted peer the header is accepted but its address ignored (nginx semantics)', async () => {
    const seen = await get(gw, { 'x-forwarded-proto': 'https' }, { from: '127.0.0.2', prelude: v4 });
    expect(seen.headers).toMatchObject({ 'x-real-ip': '127.0.0.2', 'x-forwarded-proto': 'http' });
    expect(await loggedClientIp(gw, seen.requestId)).toBe('127.0.0.2');
  });

  it('no header, a malformed one, or a slow one: the connection is closed without an answer', async () => {
    const exchange = (write: string | Buffer | undefined) => new Promise<{ text: string; ms: number }>((resolve) => {
      const t0 = Date.now();
      const s = net.connect({ port: gw.port, host: '127.0.0.1' });
      let text = '';
      s.on('data', (c: Buffer) => (text += c.toString()));
      s.on('error', () => undefined);
      s.on('close', () => resolve({ text, ms: Date.now() - t0 }));
      if (write !== undefined) s.write(write);
    });
    expect((await exchange('GET / HTTP/1.1\r\nHost: a\r\n\r\n')).text).toBe('');
    expect((await exchange('PROXY TCP4 203.0.113.7 10.0.0.1 50000\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n')).text).toBe('');
    expect((await exchange(Buffer.concat([v2Header({ command: 'local' }).subarray(0, 12), Buffer.from([0x31, 0, 0, 0])]))).text).toBe('');
    const slow = await exchange('PROXY TCP4 203.0.113.7');
    expect(slow.text).toBe('');
    expect(slow.ms).toBeGreaterThanOrEqual(350);
    expect(slow.ms).toBeLessThan(3000);
    const text = await gw.metrics.registry.metrics();
    expect(text).toContain('portcullis_proxy_protocol_rejections_total{reason="missing"} 1');
    expect(text).toContain('portcullis_proxy_protocol_rejections_total{reason="malformed"} 2');
    expect(text).toContain('portcullis_proxy_protocol_rejections_total{reason="timeout"} 1');
  });

  it('close() does not wait for connections still owing their header', async () => {
    const closing = await gateway({ trustedIps: ['127.0.0.1/32'], realIpHeader: 'proxy_protocol' }, { proxyProtocol: true });
    expect(await closeWithPendingHeader(closing.port, () => closing.close())).toBeLessThan(300);
  });
});

describe('PROXY protocol listener with h2c (--proxy-h2c on)', () => {
  it("an HTTP/2 request with prior knowledge after the header: the header's source is the client", async () => {
    const gw = await gateway({ trustedIps: ['127.0.0.1/32'], realIpHeader: 'proxy_protocol' }, { proxyProtocol: true, h2c: true });
    const socket = net.connect({ port: gw.port, host: '127.0.0.1' });
    socket.write(v1Header({ family: 4, source: ['203.0.113.8', 1], destination: ['10.0.0.1', 80] }));
    const session = http2.connect(`http://127.0.0.1:${gw.port}`, { createConnection: () => socket });
    const stream = session.request({ ':path': '/echo', ':authority': 'gw.example' });
    let body = '';
    stream.on('data', (c: Buffer) => (body += c.toString()));
    await new Promise((r) => stream.on('end', r));
    session.close();
    expect((JSON.parse(body) as { headers: http.IncomingHttpHeaders }).headers).toMatchObject({ 'x-real-ip': '203.0.113.8', 'x-forwarded-for': '203.0.113.8' });
  });
});

describe('PROXY protocol listener with an X-Forwarded-For real-IP header', () => {
  it('the header is required, and X-Forwarded-For from the trusted peer decides', async () => {
    const gw = await gateway({ trustedIps: ['127.0.0.1/32'], realIpHeader: 'x-forwarded-for' }, { proxyProtocol: true });
    const seen = await get(gw, { 'x-forwarded-for': '198.51.100.9' }, { prelude: v1Header({ family: 4, source: ['203.0.113.7', 1], destination: ['10.0.0.1', 80] }) });
    expect(seen.headers['x-real-ip']).toBe('198.51.100.9');
  });
});
