import http2 from 'node:http2';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import tls from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSecureHttp2ProxyServer } from '../../../src/proxy/secure-h2-server.js';
import { mintToken } from '../../../src/tokens/mint.js';
import { startGateway, type TestGateway } from '../../support/gateway.js';
import { EchoClient, grpc, serverStream, startGrpcEcho, unary, type GrpcEchoServer } from '../../support/grpc-echo.js';
import { startEchoUpstream, type EchoUpstream } from '../../support/http.js';
import { realSnapshot } from '../../support/real-snapshot.js';
import { selfSigned, type SelfSigned } from '../../support/self-signed.js';

/**
 * The TLS listener's HTTP/2 (docs/http2-grpc.md#tls): real TLS handshakes with a certificate the
 * test generates, ALPN h2 and http/1.1 on one port, the same handler as the plaintext listener.
 */
const SECRET = 'tls-grpc-secret-0123456789abcdef';
let cert: SelfSigned;
let upstream: EchoUpstream;
let grpcUp: GrpcEchoServer;
let gw: TestGateway;
let secure: tls.Server;
let h1only: tls.Server;
let port: number;
let h1onlyPort: number;

const listen = (s: tls.Server): Promise<number> =>
  new Promise((r) => s.listen(0, '127.0.0.1', () => r((s.address() as AddressInfo).port)));

beforeAll(async () => {
  cert = await selfSigned();
  upstream = await startEchoUpstream();
  grpcUp = await startGrpcEcho();
  gw = await startGateway(
    realSnapshot({
      kongYml: {
        services: [
          { name: 'echo', url: upstream.url, routes: [{ name: 'open', paths: ['/open'] }] },
          { name: 'g', url: `grpc://127.0.0.1:${grpcUp.port}`, routes: [{ name: 'g', paths: ['/test.Echo/'], strip_path: false, plugins: [{ name: 'jwt' }] }] },
        ],
        consumers: [{ username: 'alice', jwt_secrets: [{ key: 'alice-key', secret: SECRET }] }],
      },
    }),
  );
  const tlsOptions = { cert: cert.cert, key: cert.key, minVersion: 'TLSv1.2' as const };
  secure = gw.proxy.secureServer(tlsOptions);
  h1only = createSecureHttp2ProxyServer(gw.proxy.handlers, tlsOptions, { http2: false });
  port = await listen(secure);
  h1onlyPort = await listen(h1only);
});

afterAll(async () => {
  for (const s of [secure, h1only]) await new Promise((r) => (s ? s.close(r) : r(undefined)));
  await gw?.close();
  await grpcUp?.close();
  await upstream?.close();
  await cert?.remove();
});

describe('TLS listener with ALPN', () => {
  it('negotiates h2 and proxies to the HTTP/1.1 upstream', async () => {
    const session = http2.connect(`https://localhost:${port}`, { ca: cert.cert });
    const req = session.request({ ':path': '/open/tls' });
    let head: http2.IncomingHttpHeaders = {};
    let body = '';
    req.on('response', (h) => (head = h));
    req.setEncoding('utf8');
    req.on('data', (c: string) => (body += c));
    await new Promise((r) => req.on('end', r));
    expect((session.socket as tls.TLSSocket).alpnProtocol).toBe('h2');
    session.close();
    expect(head[':status']).toBe(200);
    expect(head['connection']).toBeUndefined();
    const seen = JSON.parse(body) as { url: string; headers: Record<string, string> };
    expect(seen.url).toBe('/tls');
    expect(seen.headers['x-forwarded-host']).toBe('localhost');
    expect(seen.headers['via']).toBe('2 portcullis');
  });

  it('serves HTTP/1.1 clients on the same port (ALPN http/1.1)', async () => {
    const res = await new Promise<{ status: number; alpn: string | false | null; body: string }>((resolve, reject) => {
      const options: https.RequestOptions & tls.ConnectionOptions = {
        host: '127.0.0.1', port, servername: 'localhost', path: '/open/h1', ca: cert.cert, ALPNProtocols: ['http/1.1'], agent: false,
      };
      const req = https.request(options, (r) => {
        const alpn = (r.socket as tls.TLSSocket).alpnProtocol;
        let body = '';
        r.setEncoding('utf8');
        r.on('data', (c: string) => (body += c));
        r.on('end', () => resolve({ status: r.statusCode!, alpn, body }));
      });
      req.on('error', reject);
      req.end();
    });
    expect(res.status).toBe(200);
    expect(res.alpn).toBe('http/1.1');
    expect((JSON.parse(res.body) as { headers: Record<string, string> }).headers['via']).toBe('1.1 portcullis');
  });

  it('offers only http/1.1 when HTTP/2 is off', async () => {
    const socket = tls.connect({ host: '127.0.0.1', port: h1onlyPort, servername: 'localhost', ca: cert.cert, ALPNProtocols: ['h2', 'http/1.1'] });
    await new Promise((r) => socket.once('secureConnect', r));
    expect(socket.alpnProtocol).toBe('http/1.1');
    socket.destroy();
  });

  it('gRPC over TLS: UNAUTHENTICATED without a token, reply + stream + trailers with one', async () => {
    const client = new EchoClient(`localhost:${port}`, grpc.credentials.createSsl(Buffer.from(cert.cert)));
    try {
      const denied = await unary(client, 'Unary', { text: 'x' });
      expect(denied.error?.code).toBe(grpc.status.UNAUTHENTICATED);
      expect(denied.error?.details).toBe('Unauthorized');
      const md = new grpc.Metadata();
      md.set('authorization', `Bearer ${mintToken({ algorithm: 'HS256', key: 'alice-key', secret: SECRET })}`);
      const ok = await unary(client, 'Unary', { text: 'tls' }, md);
      expect(ok.value?.text).toBe('tls');
      expect(ok.value?.seen?.['x-consumer-username']).toBe('alice');
      expect(ok.status?.metadata.get('x-trailer')).toEqual(['done']);
      const stream = await serverStream(client, { n: 3 }, md);
      expect(stream.messages).toHaveLength(3);
      expect(stream.status.code).toBe(grpc.status.OK);
    } finally {
      client.close();
    }
  });
});
