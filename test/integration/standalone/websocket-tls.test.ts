import { connect as tlsConnect, type ConnectionOptions } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { waitFor } from '../../support/http.js';
import { portOf, startStandalone, type StandaloneGateway } from '../../support/standalone.js';
import { makeCert } from '../../support/tls.js';
import { closed, openWs, refusal, roundTrip, startWsUpstream, type WsUpstream } from '../../support/ws-peers.js';

/**
 * WebSocket through the TLS listener of a real `portcullis standalone` (docs/websocket.md,
 * docs/tls.md): wss from a `ws` client with a real handshake against a kong.yml certificate chosen
 * by SNI (the listener is node:http2's secure server with allowHTTP1), X-Forwarded-Proto https
 * upstream, https-only routes, and the real client IP of trusted proxies (docs/client-ip.md).
 */
const cert = makeCert('ws.example.com');
let up: WsUpstream;
let gw: StandaloneGateway;
/** --proxy-http2 off: the TLS listener is a plain node:https server. */
let http1Only: StandaloneGateway;
let tlsPort: number;
let plainPort: number;

beforeAll(async () => {
  up = await startWsUpstream();
  gw = await startStandalone(
    {
      certificates: [{ ...cert, snis: ['ws.example.com'] }],
      services: [
        {
          name: 'chat',
          url: up.url,
          routes: [
            { name: 'chat', paths: ['/chat'], strip_path: false },
            { name: 'secure', paths: ['/secure'], protocols: ['https'], strip_path: false },
          ],
        },
      ],
    },
    { args: ['--trusted-ips', '127.0.0.1', '--real-ip-header', 'X-Forwarded-For'] },
  );
  tlsPort = portOf(gw.proxyTls);
  plainPort = portOf(gw.proxy);
  http1Only = await startStandalone({ services: [{ name: 'chat', url: up.url, routes: [{ name: 'chat', paths: ['/chat'], strip_path: false }] }] }, { args: ['--proxy-http2', 'off'] });
}, 60_000);

afterAll(async () => {
  await gw?.close();
  await http1Only?.close();
  await up?.close();
});

/** wss to the TLS listener, verifying the kong.yml certificate for SNI ws.example.com. */
function openWss(path: string, opts: { headers?: Record<string, string>; localAddress?: string; alpn?: string[]; port?: number; ca?: string } = {}): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    // ws hands these to tls.connect (its types omit servername and ALPNProtocols).
    const options: WebSocket.ClientOptions & ConnectionOptions = {
      ca: opts.ca ?? cert.cert,
      servername: opts.ca === undefined ? 'ws.example.com' : 'localhost',
      headers: opts.headers,
      localAddress: opts.localAddress,
      ...(opts.alpn ? { ALPNProtocols: opts.alpn } : {}),
    };
    const ws = new WebSocket(`wss://127.0.0.1:${opts.port ?? tlsPort}${path}`, options);
    ws.once('open', () => resolve(ws));
    ws.once('unexpected-response', (_req, res) => {
      reject(new Error(`handshake answered ${res.statusCode}`));
      ws.terminate();
    });
    ws.once('error', reject);
  });
}

/** The headers the upstream's upgrade request carried (the echo server answers "headers" with them). */
async function upstreamHeaders(ws: WebSocket): Promise<Record<string, string>> {
  return JSON.parse(await roundTrip(ws, 'headers')) as Record<string, string>;
}

async function accessLine(requestId: string): Promise<Record<string, unknown>> {
  const find = () => gw.stdout().split('\n').filter((l) => l.includes(requestId)).map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => l.type === 'access');
  await waitFor(() => find() !== undefined, 5000);
  return find()!;
}

describe('wss to the TLS listener', () => {
  it('the upgrade is tunnelled over TLS; the upstream sees X-Forwarded-Proto https and the TLS port', async () => {
    const ws = await openWss('/chat/room');
    expect((ws as unknown as { _socket: { getPeerCertificate(): { subject: { CN: string } } } })._socket.getPeerCertificate().subject.CN).toBe('ws.example.com');
    expect(await roundTrip(ws, 'over tls')).toBe('echo:over tls');
    const seen = await upstreamHeaders(ws);
    expect(seen['x-forwarded-proto']).toBe('https');
    expect(seen['x-forwarded-port']).toBe(String(tlsPort));
    expect(seen.upgrade?.toLowerCase()).toBe('websocket');
    ws.close();
    await closed(ws);
  });

  it('a client asking for http/1.1 by ALPN (as browsers do for WebSocket connections) gets the tunnel', async () => {
    const ws = await openWss('/chat/alpn', { alpn: ['http/1.1'] });
    expect((ws as unknown as { _socket: { alpnProtocol: string | false } })._socket.alpnProtocol).toBe('http/1.1');
    expect(await roundTrip(ws, 'alpn')).toBe('echo:alpn');
    ws.close();
    await closed(ws);
  });

  it("an https-only route takes the upgrade over TLS and answers it over plaintext with Kong's 426", async () => {
    const ws = await openWss('/secure/x');
    expect((await upstreamHeaders(ws))['x-forwarded-proto']).toBe('https');
    ws.close();
    await closed(ws);
    const plain = await refusal(`ws://127.0.0.1:${plainPort}/secure/x`);
    expect(plain.status).toBe(426);
    expect(up.seen.filter((u) => u.url === '/secure/x')).toHaveLength(1);
  });

  it("plaintext: an untrusted client's X-Forwarded-Proto https is not believed (426); a trusted proxy's is", async () => {
    const denied = await refusal(`ws://127.0.0.1:${plainPort}/secure/x`, { headers: { 'x-forwarded-proto': 'https' }, localAddress: '127.0.0.2' });
    expect(denied.status).toBe(426);
    const ws = await openWs(`ws://127.0.0.1:${plainPort}/secure/x`, { headers: { 'x-forwarded-proto': 'https' } });
    expect((await upstreamHeaders(ws))['x-forwarded-proto']).toBe('https');
    ws.close();
    await closed(ws);
  });
});

describe('the real client IP on upgrades (--trusted-ips 127.0.0.1 --real-ip-header X-Forwarded-For)', () => {
  it('over TLS from a trusted peer: its X-Forwarded-For names the client, upstream and in the access log', async () => {
    const ws = await openWss('/chat/ip', { headers: { 'x-forwarded-for': '198.51.100.4' } });
    const seen = await upstreamHeaders(ws);
    expect(seen).toMatchObject({ 'x-real-ip': '198.51.100.4', 'x-forwarded-for': '198.51.100.4, 127.0.0.1', 'x-forwarded-proto': 'https' });
    ws.close();
    await closed(ws);
    expect(await accessLine(seen['x-request-id']!)).toMatchObject({ client_ip: '198.51.100.4', status: 101 });
  });

  it('over TLS from an untrusted peer: spoofed headers are overwritten, the peer is the client', async () => {
    const ws = await openWss('/chat/ip', { headers: { 'x-forwarded-for': '198.51.100.4', 'x-forwarded-proto': 'http' }, localAddress: '127.0.0.2' });
    const seen = await upstreamHeaders(ws);
    expect(seen).toMatchObject({ 'x-real-ip': '127.0.0.2', 'x-forwarded-for': '198.51.100.4, 127.0.0.2', 'x-forwarded-proto': 'https' });
    ws.close();
    await closed(ws);
    expect(await accessLine(seen['x-request-id']!)).toMatchObject({ client_ip: '127.0.0.2' });
  });
});

describe('--proxy-http2 off (the TLS listener is node:https)', () => {
  it('wss works the same, against the self-signed default certificate', async () => {
    const port = portOf(http1Only.proxyTls);
    // The self-signed "localhost" certificate the gateway made at start: trusted for this handshake.
    const { cert: ca } = await new Promise<{ cert: string }>((resolve, reject) => {
      const s = tlsConnect({ port, host: '127.0.0.1', servername: 'localhost', rejectUnauthorized: false }, () => {
        resolve({ cert: `-----BEGIN CERTIFICATE-----\n${s.getPeerCertificate().raw.toString('base64').replace(/(.{64})/g, '$1\n')}\n-----END CERTIFICATE-----\n` });
        s.end();
      });
      s.once('error', reject);
    });
    const ws = await openWss('/chat/h1', { port, ca });
    expect(await roundTrip(ws, 'h1')).toBe('echo:h1');
    const seen = await upstreamHeaders(ws);
    expect(seen['x-forwarded-proto']).toBe('https');
    expect(seen['x-forwarded-port']).toBe(String(port));
    ws.close();
    await closed(ws);
  });
});
