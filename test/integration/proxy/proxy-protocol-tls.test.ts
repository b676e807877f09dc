import http from 'node:http';
import http2 from 'node:http2';
import net from 'node:net';
import type tls from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_CLIENT_IP } from '../../../src/model/client-ip-settings.js';
import { loggedClientIp as loggedIp, startGateway, type TestGateway } from '../../support/gateway.js';
import { echoOver, startEchoUpstream, type EchoSeen, type EchoUpstream } from '../../support/http.js';
import { closeWithPendingHeader, tlsAfterPrelude, v1Header, v2Header } from '../../support/proxy-protocol.js';
import { realSnapshot } from '../../support/real-snapshot.js';
import { makeCert } from '../../support/tls.js';

/**
 * The PROXY protocol on the TLS listener (Kong's `proxy_listen … ssl proxy_protocol`,
 * docs/client-ip.md#proxy-protocol): a real TLS client writes the PROXY header on the raw TCP
 * connection, then does its handshake over it, as an L4 balancer in front of the gateway does.
 * Checked where it matters: the headers the upstream receives and the access log's client_ip, for
 * HTTP/1.1 and HTTP/2 (ALPN h2) over TLS, from a trusted and an untrusted peer.
 */

const CERT = makeCert('gw.example');
let up: EchoUpstream;
let gw: TestGateway;

beforeAll(async () => {
  up = await startEchoUpstream();
  gw = await startGateway(
    realSnapshot({ kongYml: { services: [{ name: 'echo', url: up.url, routes: [{ name: 'echo', paths: ['/'], strip_path: false }] }] } }),
    {
      proxy: {
        clientIp: { ...DEFAULT_CLIENT_IP, trustedIps: ['127.0.0.1/32'], realIpHeader: 'proxy_protocol' },
        tls: { defaultCertificate: CERT, proxyProtocol: true },
        proxyHeaderTimeoutMs: 400,
      },
    },
  );
});

afterAll(async () => {
  await gw?.close();
  await up?.close();
});

const tlsOver = (prelude: Buffer | undefined, opts: { from?: string; alpn?: string[]; pauseMs?: number } = {}) => tlsAfterPrelude(gw.tlsPort!, prelude, opts);

const get1 = (socket: tls.TLSSocket): Promise<EchoSeen> => echoOver(socket, '/who', { host: 'gw.example', connection: 'close' });

function get2(socket: tls.TLSSocket): Promise<EchoSeen> {
  return new Promise((resolve, reject) => {
    const session = http2.connect('https://gw.example', { createConnection: () => socket });
    session.on('error', reject);
    const stream = session.request({ ':path': '/who', ':authority': 'gw.example' });
    let body = '';
    let status = 0;
    let requestId = '';
    stream.on('response', (h) => {
      status = Number(h[':status']);
      requestId = String(h['x-request-id']);
    });
    stream.on('data', (c: Buffer) => (body += c.toString()));
    stream.on('end', () => {
      session.close();
      if (status !== 200) return reject(new Error(`status ${status}: ${body}`));
      resolve({ headers: (JSON.parse(body) as { headers: http.IncomingHttpHeaders }).headers, requestId });
    });
    stream.on('error', reject);
  });
}

const loggedClientIp = (requestId: string) => loggedIp(gw, requestId);

const V1 = v1Header({ family: 4, source: ['203.0.113.7', 50000], destination: ['10.0.0.1', 443] });

describe("--proxy-listen-tls 'HOST:PORT proxy_protocol' with --real-ip-header proxy_protocol", () => {
  it('HTTP/1.1 over TLS after a v1 header sent in its own segment: the header\'s source is the client', async () => {
    const seen = await get1(await tlsOver(V1, { pauseMs: 50 }));
    expect(seen.headers).toMatchObject({ 'x-real-ip': '203.0.113.7', 'x-forwarded-for': '203.0.113.7', 'x-forwarded-proto': 'https' });
    expect(await loggedClientIp(seen.requestId)).toBe('203.0.113.7');
  });

  it('HTTP/2 (ALPN h2) after a v2 TCP6 header written right before the ClientHello', async () => {
    const v2 = v2Header({ command: 'proxy', family: 6, source: ['2001:db8::42', 1234], destination: ['2001:db8::1', 443] });
    const socket = await tlsOver(v2, { alpn: ['h2'] });
    expect(socket.alpnProtocol).toBe('h2');
    const seen = await get2(socket);
    expect(seen.headers).toMatchObject({ 'x-real-ip': '2001:db8::42', 'x-forwarded-for': '2001:db8::42', 'x-forwarded-proto': 'https' });
    expect(await loggedClientIp(seen.requestId)).toBe('2001:db8::42');
  });

  it('from an untrusted peer the header is read but its address ignored; LOCAL leaves the peer', async () => {
    const untrusted = await get1(await tlsOver(V1, { from: '127.0.0.2' }));
    expect(untrusted.headers).toMatchObject({ 'x-real-ip': '127.0.0.2', 'x-forwarded-for': '127.0.0.2' });
    expect(await loggedClientIp(untrusted.requestId)).toBe('127.0.0.2');
    const local = await get1(await tlsOver(v2Header({ command: 'local' })));
    expect(local.headers['x-real-ip']).toBe('127.0.0.1');
  });

  it('a ClientHello without the header, or a late header, is closed before any handshake; both are counted', async () => {
    await expect(tlsOver(undefined)).rejects.toThrow(/socket disconnected|ECONNRESET|EPIPE/);
    const t0 = Date.now();
    const slow = net.connect({ port: gw.tlsPort!, host: '127.0.0.1' });
    slow.on('error', () => undefined);
    slow.write('PROXY TCP4 203.0.113.7');
    await new Promise((r) => slow.on('close', r));
    expect(Date.now() - t0).toBeGreaterThanOrEqual(350);
    const text = await gw.metrics.registry.metrics();
    expect(text).toContain('portcullis_proxy_protocol_rejections_total{reason="missing"} 1');
    expect(text).toContain('portcullis_proxy_protocol_rejections_total{reason="timeout"} 1');
  });

  it('the plaintext listener keeps its own setting (no proxy_protocol there): plain requests need no header', async () => {
    const seen = await new Promise<http.IncomingHttpHeaders>((resolve, reject) => {
      http.get({ port: gw.port, host: '127.0.0.1', path: '/who', headers: { host: 'gw.example' } }, (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () => resolve((JSON.parse(body) as { headers: http.IncomingHttpHeaders }).headers));
      }).on('error', reject);
    });
    expect(seen).toMatchObject({ 'x-real-ip': '127.0.0.1', 'x-forwarded-proto': 'http' });
  });

  it('close() does not wait for TLS connections still owing their header', async () => {
    const closing = await startGateway(realSnapshot({ kongYml: { services: [] } }), {
      proxy: { tls: { defaultCertificate: CERT, proxyProtocol: true } },
    });
    expect(await closeWithPendingHeader(closing.tlsPort!, () => closing.close())).toBeLessThan(300);
  });
});
