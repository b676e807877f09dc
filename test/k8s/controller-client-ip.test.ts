import http from 'node:http';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { route } from '../support/crs.js';
import { startController, startKubeEnv, type KubeEnv } from '../support/controller-env.js';
import { waitFor, type GatewayProcess } from '../support/gateway-process.js';
import { startEchoUpstream, type EchoUpstream } from '../support/http.js';
import { tlsAfterPrelude, v1Header } from '../support/proxy-protocol.js';

/**
 * Controller mode takes the trusted-proxy flags like standalone (docs/client-ip.md): a Route CR
 * proxied by `portcullis controller --trusted-ips 127.0.0.1 --real-ip-header X-Forwarded-For`,
 * clients on 127.0.0.1 (trusted) and 127.0.0.2 (not), the access log on stdout.
 */
let env: KubeEnv;
let echo: EchoUpstream;
let controller: GatewayProcess;
let ns: string;

beforeAll(async () => {
  [env, echo] = await Promise.all([startKubeEnv(), startEchoUpstream()]);
  ns = await env.namespace('clientip');
  await env.apply(route(ns, 'api', { paths: ['/ip'], backend: { url: `http://127.0.0.1:${echo.port}` } }));
  controller = await startController(env, {
    namespace: ns,
    args: ['--trusted-ips', '127.0.0.1', '--real-ip-header', 'X-Forwarded-For'],
    env: { PORTCULLIS_ACCESS_LOG: 'on' },
    // The TLS listener reads a PROXY header before the handshake; the plaintext one does not.
    proxyListenTlsSuffix: ' proxy_protocol',
  });
}, 120_000);

afterAll(async () => {
  await controller?.stop();
  await echo?.close();
  await env?.stop();
});

function get(from: string, headers: Record<string, string>, over?: net.Socket): Promise<{ status: number; upstream?: http.IncomingHttpHeaders; requestId: string }> {
  const port = Number(new URL(controller.proxy).port);
  return new Promise((resolve, reject) => {
    const socket = over ?? net.connect({ port, host: '127.0.0.1', localAddress: from });
    const req = http.request({ createConnection: () => socket, path: '/ip', headers: { host: 'gw.example', ...headers } }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({
        status: res.statusCode!,
        upstream: res.statusCode === 200 ? (JSON.parse(body) as { headers: http.IncomingHttpHeaders }).headers : undefined,
        requestId: String(res.headers['x-request-id']),
      }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('portcullis controller with trusted proxies', () => {
  it('a trusted peer\'s X-Forwarded-For and X-Forwarded-Proto count; an untrusted peer\'s are overwritten', async () => {
    await waitFor(async () => (await get('127.0.0.1', {})).status === 200, 30_000);
    const trusted = await get('127.0.0.1', { 'x-forwarded-for': '198.51.100.20', 'x-forwarded-proto': 'https' });
    expect(trusted.upstream).toMatchObject({ 'x-real-ip': '198.51.100.20', 'x-forwarded-proto': 'https', 'x-forwarded-for': '198.51.100.20, 127.0.0.1' });
    const untrusted = await get('127.0.0.2', { 'x-forwarded-for': '198.51.100.20', 'x-forwarded-proto': 'https' });
    expect(untrusted.upstream).toMatchObject({ 'x-real-ip': '127.0.0.2', 'x-forwarded-proto': 'http', 'x-forwarded-for': '198.51.100.20, 127.0.0.2' });

    const line = (id: string) => controller.stdout().split('\n').filter((l) => l.includes(id)).map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => l.type === 'access');
    await waitFor(() => line(trusted.requestId) !== undefined && line(untrusted.requestId) !== undefined, 5000);
    expect(line(trusted.requestId)).toMatchObject({ client_ip: '198.51.100.20', status: 200 });
    expect(line(untrusted.requestId)).toMatchObject({ client_ip: '127.0.0.2', status: 200 });
  });

  it("--proxy-listen-tls 'HOST:PORT proxy_protocol': a TLS client behind a balancer is served; its trusted X-Forwarded-For decides", async () => {
    await waitFor(async () => (await get('127.0.0.1', {})).status === 200, 30_000);
    const tlsPort = Number(new URL(controller.proxyTls).port);
    const socket = await tlsAfterPrelude(tlsPort, v1Header({ family: 4, source: ['203.0.113.70', 1], destination: ['10.0.0.1', 443] }));
    const seen = await get('127.0.0.1', { 'x-forwarded-for': '198.51.100.21' }, socket);
    // --real-ip-header X-Forwarded-For: the PROXY address is read and ignored, as nginx does.
    expect(seen.upstream).toMatchObject({ 'x-real-ip': '198.51.100.21', 'x-forwarded-proto': 'https', 'x-forwarded-for': '198.51.100.21, 127.0.0.1' });
    await expect(tlsAfterPrelude(tlsPort, undefined)).rejects.toThrow();
  });
});
