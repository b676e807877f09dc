import http from 'node:http';
import http2 from 'node:http2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_CLIENT_IP } from '../../../src/model/client-ip-settings.js';
import { startGateway, type TestGateway } from '../../support/gateway.js';
import { EchoClient, grpc, startGrpcEcho, unary, type EchoClientInstance, type GrpcEchoServer } from '../../support/grpc-echo.js';
import { waitFor } from '../../support/http.js';
import { realSnapshot, routeCr } from '../../support/real-snapshot.js';
import { selfSigned, type SelfSigned } from '../../support/self-signed.js';

/**
 * Kong's answers on routes whose protocols are only grpc/grpcs (kong/runloop/handler.lua, access
 * phase; docs/http2-grpc.md#grpc-only-routes): 415 for a request that is not gRPC, 426 for gRPC
 * over HTTP/1.1, grpc-status 1 for gRPC whose forwarded protocol is not https on a grpcs-only
 * route. Real clients: node:http (HTTP/1.1), node:http2 (h2c), @grpc/grpc-js over h2c and TLS;
 * routes from kong.yml and from a Route CR.
 */

let cert: SelfSigned;
let grpcUp: GrpcEchoServer;
let gw: TestGateway;
const clients: EchoClientInstance[] = [];

beforeAll(async () => {
  cert = await selfSigned();
  grpcUp = await startGrpcEcho();
  const upstream = `grpc://127.0.0.1:${grpcUp.port}`;
  const route = (name: string, protocols: string[]) => ({ name, hosts: [`${name}.test`], paths: ['/test.Echo/'], strip_path: false, protocols });
  gw = await startGateway(
    realSnapshot({
      kongYml: { services: [{ name: 'echo', url: upstream, routes: [route('grpc-only', ['grpc', 'grpcs']), route('grpcs-only', ['grpcs'])] }] },
      kube: [routeCr('cr-grpc', { hosts: ['cr-grpc.test'], paths: ['/test.Echo/'], stripPath: false, protocols: ['grpc'], backend: { url: upstream } })],
    }),
    {
      proxy: {
        h2c: true,
        tls: { defaultCertificate: { cert: cert.cert, key: cert.key } },
        clientIp: { ...DEFAULT_CLIENT_IP, trustedIps: ['127.0.0.1/32'] },
      },
    },
  );
});

afterAll(async () => {
  for (const c of clients) c.close();
  await gw?.close();
  await grpcUp?.close();
  await cert?.remove();
});

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

const agent = new http.Agent({ keepAlive: true });
afterAll(() => agent.destroy());

function h1(host: string, headers: Record<string, string> = {}, method = 'GET'): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port: gw.port, method, path: '/test.Echo/Unary', agent, headers: { host, ...headers } }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

function h2c(authority: string, headers: Record<string, string> = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const session = http2.connect(`http://127.0.0.1:${gw.port}`);
    session.on('error', reject);
    const stream = session.request({ ':method': 'POST', ':path': '/test.Echo/Unary', ':authority': authority, ...headers });
    stream.end();
    let head: http2.IncomingHttpHeaders = {};
    let body = '';
    stream.on('response', (h) => (head = h));
    stream.on('data', (c: Buffer) => (body += c.toString()));
    stream.on('end', () => {
      session.close();
      resolve({ status: Number(head[':status']), headers: head as http.IncomingHttpHeaders, body });
    });
    stream.on('error', reject);
  });
}

/** A real gRPC client over h2c, or over TLS to the TLS listener (verifying the test certificate). */
function grpcClient(authority: string, overTls = false): EchoClientInstance {
  const c = overTls
    ? new EchoClient(`127.0.0.1:${gw.tlsPort}`, grpc.credentials.createSsl(Buffer.from(cert.cert)), { 'grpc.default_authority': authority, 'grpc.ssl_target_name_override': 'localhost' })
    : new EchoClient(`127.0.0.1:${gw.port}`, grpc.credentials.createInsecure(), { 'grpc.default_authority': authority });
  clients.push(c);
  return c;
}

describe('a request that is not gRPC on a gRPC-only route: 415', () => {
  it.each(['grpc-only.test', 'cr-grpc.test'])('HTTP/1.1 GET to %s: Kong\'s message, JSON or text by Accept', async (host) => {
    const json = await h1(host);
    expect(json.status).toBe(415);
    expect(json.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(JSON.parse(json.body)).toEqual({ message: 'Non-gRPC request matched gRPC route', request_id: json.headers['x-request-id'] });
    const text = await h1(host, { accept: 'text/plain' });
    expect(text.status).toBe(415);
    expect(text.body).toBe(`Non-gRPC request matched gRPC route\nrequest_id: ${text.headers['x-request-id']}\n`);
  });

  it('HTTP/2 without a content-type, or with a non-gRPC one: 415 too (JSON, not a gRPC status)', async () => {
    for (const headers of [{}, { 'content-type': 'application/json' }] as Array<Record<string, string>>) {
      const r = await h2c('grpc-only.test', headers);
      expect(r.status).toBe(415);
      expect(r.headers['grpc-status']).toBeUndefined();
      expect(JSON.parse(r.body).message).toBe('Non-gRPC request matched gRPC route');
    }
  });

  it('is logged with its status, before any upstream is tried', async () => {
    const r = await h1('grpcs-only.test'); // plaintext: a grpcs-only route does not match (Kong 3.x router)
    expect(r.status).toBe(404);
    const refused = await h1('grpc-only.test');
    await waitFor(() => gw.accessLines.json().some((l) => l.request_id === refused.headers['x-request-id']), 3000);
    expect(gw.accessLines.json().find((l) => l.request_id === refused.headers['x-request-id'])).toMatchObject({ status: 415, route: 'grpc-only' });
  });
});

describe('gRPC over HTTP/1.1: 426', () => {
  it('content-type application/grpc on HTTP/1.1: 426 "Please use HTTP2 protocol" with Connection: Upgrade, Upgrade: HTTP/2', async () => {
    const r = await h1('grpc-only.test', { 'content-type': 'application/grpc' }, 'POST');
    expect(r.status).toBe(426);
    expect(r.headers).toMatchObject({ connection: 'Upgrade', upgrade: 'HTTP/2' });
    expect(JSON.parse(r.body).message).toBe('Please use HTTP2 protocol');
    // The connection stays usable, as any keep-alive answer.
    expect((await h1('grpc-only.test')).status).toBe(415);
  });
});

describe('gRPC over HTTP/2 is proxied', () => {
  it.each(['grpc-only.test', 'cr-grpc.test'])('grpc-js over h2c to %s', async (authority) => {
    const r = await unary(grpcClient(authority), 'Unary', { text: authority });
    expect(r.error).toBeUndefined();
    expect(r.value?.text).toBe(authority);
    expect(r.status?.metadata.get('x-trailer')).toEqual(['done']);
  });

  it('grpc-js over TLS to the grpcs-only route', async () => {
    const r = await unary(grpcClient('grpcs-only.test', true), 'Unary', { text: 'tls' });
    expect(r.error).toBeUndefined();
    expect(r.value?.text).toBe('tls');
  });
});

describe('gRPC on a grpcs-only route whose forwarded protocol is not https', () => {
  it("a trusted proxy's X-Forwarded-Proto: http over TLS: grpc-status 1, Kong's message", async () => {
    const md = new grpc.Metadata();
    md.set('x-forwarded-proto', 'http');
    const r = await unary(grpcClient('grpcs-only.test', true), 'Unary', { text: 'x' }, md);
    expect(r.error?.code).toBe(grpc.status.CANCELLED);
    expect(r.error?.details).toBe('gRPC request matched gRPCs route');
    // A route that also takes grpc is not concerned.
    const both = await unary(grpcClient('grpc-only.test', true), 'Unary', { text: 'both' }, md);
    expect(both.value?.text).toBe('both');
  });
});
