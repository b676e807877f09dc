import http from 'node:http';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mintToken } from '../../../src/tokens/mint.js';
import { startEchoUpstream, waitFor, type EchoUpstream } from '../../support/http.js';
import { tlsAfterPrelude, v1Header, v2Header } from '../../support/proxy-protocol.js';
import { portOf, runCli, startStandalone, type StandaloneGateway } from '../../support/standalone.js';

/**
 * The trusted-proxy flags on the real CLI (docs/client-ip.md): flags and env vars reach the
 * proxy, also in worker processes (options cross to them as JSON), with a jwt route in the path;
 * the access log on stdout shows the real client IP. Bad values are usage errors (exit 2).
 */
const SECRET = 'client-ip-secret-0123456789';
const token = () => mintToken({ algorithm: 'HS256', key: 'ip-key', secret: SECRET, expiresInSeconds: 300 });

let echo: EchoUpstream;
let byFlags: StandaloneGateway;
let byEnvInWorkers: StandaloneGateway;
let tlsListener: StandaloneGateway;

function config() {
  return {
    services: [{ name: 'echo', url: echo.url, routes: [{ name: 'echo', paths: ['/'], strip_path: false, plugins: [{ name: 'jwt' }] }] }],
    consumers: [{ username: 'ip', jwt_secrets: [{ key: 'ip-key', secret: SECRET }] }],
  };
}

beforeAll(async () => {
  echo = await startEchoUpstream();
  byFlags = await startStandalone(config(), {
    args: ['--trusted-ips', '127.0.0.1,10.0.0.0/8', '--real-ip-header', 'X-Forwarded-For', '--real-ip-recursive', 'on'],
  });
  byEnvInWorkers = await startStandalone(config(), {
    args: ['--workers', '1'],
    env: { PORTCULLIS_TRUSTED_IPS: '127.0.0.1', PORTCULLIS_REAL_IP_HEADER: 'proxy_protocol' },
    proxyListenSuffix: ' proxy_protocol',
  });
  // Only the TLS listener carries the flag: enough for --real-ip-header proxy_protocol, as in Kong.
  tlsListener = await startStandalone(config(), {
    args: ['--trusted-ips', '127.0.0.1', '--real-ip-header', 'proxy_protocol'],
    proxyListenTlsSuffix: ' proxy_protocol',
  });
}, 60_000);

afterAll(async () => {
  await byFlags?.close();
  await byEnvInWorkers?.close();
  await tlsListener?.close();
  await echo?.close();
});

/** An authenticated GET from `from`, after `prelude` (a PROXY header) if given, or over `socket`; what the upstream saw. */
function get(gw: StandaloneGateway, headers: Record<string, string>, opts: { from?: string; prelude?: Buffer; socket?: net.Socket } = {}) {
  return new Promise<{ headers: http.IncomingHttpHeaders; requestId: string }>((resolve, reject) => {
    const socket = opts.socket ?? net.connect({ port: portOf(gw.proxy), host: '127.0.0.1', localAddress: opts.from ?? '127.0.0.1' });
    if (opts.prelude) socket.write(opts.prelude);
    const req = http.request({ createConnection: () => socket, path: '/who', headers: { host: 'gw.example', authorization: `Bearer ${token()}`, ...headers } }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => (res.statusCode === 200 ? resolve({ headers: JSON.parse(body).headers, requestId: String(res.headers['x-request-id']) }) : reject(new Error(`${res.statusCode} ${body}`))));
    });
    req.on('error', reject);
    req.end();
  });
}

async function accessLine(gw: StandaloneGateway, requestId: string): Promise<Record<string, unknown>> {
  const find = () => gw.stdout().split('\n').filter((l) => l.includes(requestId)).map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => l.type === 'access');
  await waitFor(() => find() !== undefined, 5000);
  return find()!;
}

describe('flags: --trusted-ips 127.0.0.1,10.0.0.0/8 --real-ip-header X-Forwarded-For --real-ip-recursive on', () => {
  it('a trusted peer: the last untrusted X-Forwarded-For address is the client, in the access log too', async () => {
    const seen = await get(byFlags, { 'x-forwarded-for': '198.51.100.4, 10.3.3.3', 'x-forwarded-proto': 'https' });
    expect(seen.headers).toMatchObject({ 'x-real-ip': '198.51.100.4', 'x-forwarded-for': '198.51.100.4, 10.3.3.3, 127.0.0.1', 'x-forwarded-proto': 'https', 'x-consumer-username': 'ip' });
    expect(await accessLine(byFlags, seen.requestId)).toMatchObject({ client_ip: '198.51.100.4', consumer: 'ip', status: 200 });
  });

  it('an untrusted peer: spoofed headers are overwritten, the peer is the client', async () => {
    const seen = await get(byFlags, { 'x-forwarded-for': '198.51.100.4', 'x-forwarded-proto': 'https', 'x-forwarded-host': 'evil.example' }, { from: '127.0.0.2' });
    expect(seen.headers).toMatchObject({ 'x-real-ip': '127.0.0.2', 'x-forwarded-for': '198.51.100.4, 127.0.0.2', 'x-forwarded-proto': 'http', 'x-forwarded-host': 'gw.example' });
    expect(await accessLine(byFlags, seen.requestId)).toMatchObject({ client_ip: '127.0.0.2' });
  });
});

describe('env vars and "HOST:PORT proxy_protocol", in a worker process', () => {
  it('the PROXY header\'s source is the client, from v1 and v2 headers', async () => {
    const a = await get(byEnvInWorkers, {}, { prelude: v1Header({ family: 4, source: ['203.0.113.50', 4000], destination: ['10.0.0.1', 80] }) });
    expect(a.headers).toMatchObject({ 'x-real-ip': '203.0.113.50', 'x-forwarded-for': '203.0.113.50' });
    expect(await accessLine(byEnvInWorkers, a.requestId)).toMatchObject({ client_ip: '203.0.113.50', status: 200 });
    const b = await get(byEnvInWorkers, {}, { prelude: v2Header({ command: 'proxy', family: 6, source: ['2001:db8::50', 4000], destination: ['2001:db8::1', 80] }) });
    expect(b.headers['x-real-ip']).toBe('2001:db8::50');
  });

  it('a connection without the header is closed unanswered; the gateway keeps serving', async () => {
    const text = await new Promise<string>((resolve) => {
      const s = net.connect(portOf(byEnvInWorkers.proxy), '127.0.0.1');
      let t = '';
      s.on('data', (c: Buffer) => (t += c.toString()));
      s.on('error', () => undefined);
      s.on('close', () => resolve(t));
      s.write('GET /who HTTP/1.1\r\nHost: gw.example\r\n\r\n');
    });
    expect(text).toBe('');
    const after = await get(byEnvInWorkers, {}, { prelude: v1Header('unknown') });
    expect(after.headers['x-real-ip']).toBe('127.0.0.1');
  });
});

describe("--proxy-listen-tls 'HOST:PORT proxy_protocol' (the header precedes the TLS handshake)", () => {
  it('a TLS client behind a balancer: the PROXY header\'s source is the client, upstream and in the access log', async () => {
    const socket = await tlsAfterPrelude(portOf(tlsListener.proxyTls), v1Header({ family: 4, source: ['203.0.113.60', 4000], destination: ['10.0.0.1', 443] }));
    const seen = await get(tlsListener, {}, { socket });
    expect(seen.headers).toMatchObject({ 'x-real-ip': '203.0.113.60', 'x-forwarded-for': '203.0.113.60', 'x-forwarded-proto': 'https', 'x-consumer-username': 'ip' });
    expect(await accessLine(tlsListener, seen.requestId)).toMatchObject({ client_ip: '203.0.113.60', status: 200 });
  });

  it('a TLS client without the header is cut before the handshake; the plaintext listener needs none', async () => {
    await expect(tlsAfterPrelude(portOf(tlsListener.proxyTls), undefined)).rejects.toThrow();
    const plain = await get(tlsListener, {});
    expect(plain.headers['x-real-ip']).toBe('127.0.0.1');
  });
});

describe('usage errors (exit 2, naming the flag)', () => {
  it.each([
    [['--trusted-ips', '10.0.0.0/40'], '--trusted-ips: expected a comma-separated list'],
    [['--real-ip-header', 'proxy_protocol'], '--real-ip-header: proxy_protocol needs a proxy listener with the proxy_protocol flag'],
    [['--real-ip-recursive', 'yes'], '--real-ip-recursive: expected on or off'],
    [['--proxy-listen', '127.0.0.1:0 ssl'], "--proxy-listen: unknown listener option 'ssl'"],
    [['--proxy-listen-tls', '127.0.0.1:0 ssl'], "--proxy-listen-tls: unknown listener option 'ssl'"],
    [['--proxy-listen-tls', 'off', '--real-ip-header', 'proxy_protocol'], '--real-ip-header: proxy_protocol needs a proxy listener with the proxy_protocol flag'],
  ])('%j', async (args, message) => {
    const r = await runCli(['standalone', '--config', '/nonexistent/kong.yml', ...args]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(message);
  });

  it('the controller takes the same flags', async () => {
    const r = await runCli(['controller', '--kubeconfig', '/nonexistent', '--trusted-ips', '10.0.0.0/40']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--trusted-ips: expected a comma-separated list');
  });
});
