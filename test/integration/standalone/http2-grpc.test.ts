import http2 from 'node:http2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mintToken } from '../../../src/tokens/mint.js';
import { EchoClient, grpc, serverStream, startGrpcEcho, unary, type EchoClientInstance, type GrpcEchoServer } from '../../support/grpc-echo.js';
import { refusedPort, startEchoUpstream, type EchoUpstream } from '../../support/http.js';
import { selfSigned, type SelfSigned } from '../../support/self-signed.js';
import { startStandalone, type StandaloneGateway } from '../../support/standalone.js';

/**
 * HTTP/2 with prior knowledge (h2c) on the plaintext listener and gRPC services, through the real
 * process (docs/http2-grpc.md): a real node:http2 client against an HTTP/1.1 upstream, and a real
 * @grpc/grpc-js client against a real @grpc/grpc-js server behind a jwt route.
 */
const SECRET = 'grpc-secret-0123456789abcdef0123';
const token = (): string => mintToken({ algorithm: 'HS256', key: 'alice-key', secret: SECRET });

let upstream: EchoUpstream;
let grpcUp: GrpcEchoServer;
let grpcsUp: GrpcEchoServer;
let upstreamCert: SelfSigned;
let gw: StandaloneGateway;
let client: EchoClientInstance;
let refusedClient: EchoClientInstance;

beforeAll(async () => {
  upstream = await startEchoUpstream();
  grpcUp = await startGrpcEcho();
  upstreamCert = await selfSigned();
  grpcsUp = await startGrpcEcho(
    grpc.ServerCredentials.createSsl(null, [{ cert_chain: Buffer.from(upstreamCert.cert), private_key: Buffer.from(upstreamCert.key) }]),
  );
  const refused = await refusedPort();
  gw = await startStandalone(
    {
      services: [
        {
          name: 'echo',
          url: upstream.url,
          routes: [
            { name: 'open', paths: ['/open'] },
            { name: 'secure', paths: ['/secure'], plugins: [{ name: 'jwt' }] },
            { name: 'by-header', paths: ['/hdr'], headers: { 'x-version': ['v2'] } },
          ],
        },
        {
          name: 'grpc-echo',
          url: `grpc://127.0.0.1:${grpcUp.port}`,
          routes: [{ name: 'grpc', paths: ['/test.Echo/'], strip_path: false, plugins: [{ name: 'jwt' }] }],
        },
        {
          name: 'grpcs-echo',
          url: `grpcs://127.0.0.1:${grpcsUp.port}`,
          routes: [{ name: 'grpcs', hosts: ['tls.grpc.test'], paths: ['/test.Echo/'], strip_path: false }],
        },
        { name: 'grpc-down', protocol: 'grpc', host: '127.0.0.1', port: refused, retries: 0, routes: [{ name: 'down', paths: ['/down.Echo/'], strip_path: false }] },
      ],
      consumers: [{ username: 'alice', jwt_secrets: [{ key: 'alice-key', secret: SECRET }] }],
    },
    // The grpcs upstream's certificate is trusted the way an operator adds a private CA to node.
    { args: ['--proxy-h2c', 'on'], env: { NODE_EXTRA_CA_CERTS: upstreamCert.certPath } },
  );
  const target = gw.proxy.replace(/^http:\/\//, '');
  client = new EchoClient(target, grpc.credentials.createInsecure());
  refusedClient = new (grpc.makeGenericClientConstructor(
    Object.fromEntries(Object.entries((EchoClient as unknown as { service: grpc.ServiceDefinition }).service).map(([k, d]) => [k, { ...d, path: d.path.replace('/test.', '/down.') }])),
    'Down',
  ))(target, grpc.credentials.createInsecure()) as EchoClientInstance;
});

afterAll(async () => {
  client?.close();
  refusedClient?.close();
  await gw?.close();
  await grpcUp?.close();
  await grpcsUp?.close();
  await upstreamCert?.remove();
  await upstream?.close();
});

interface H2Answer {
  status: number;
  headers: http2.IncomingHttpHeaders;
  body: string;
}

function h2get(path: string, headers: http2.OutgoingHttpHeaders = {}): Promise<H2Answer> {
  return new Promise((resolve, reject) => {
    const session = http2.connect(gw.proxy);
    session.on('error', reject);
    const req = session.request({ ':path': path, ...headers });
    let body = '';
    let head: http2.IncomingHttpHeaders = {};
    req.on('response', (h) => (head = h));
    req.setEncoding('utf8');
    req.on('data', (c: string) => (body += c));
    req.on('end', () => {
      session.close();
      resolve({ status: Number(head[':status']), headers: head, body });
    });
    req.on('error', reject);
    req.end();
  });
}

describe('h2c client → HTTP/1.1 upstream', () => {
  it('forwards with :authority as Host, pseudo-headers out, split cookies joined, Via 2', async () => {
    const res = await h2get('/open/x?q=1', { ':authority': 'api.example.com:8443', cookie: ['a=1', 'b=2'], 'x-custom': 'yes' });
    expect(res.status).toBe(200);
    const seen = JSON.parse(res.body) as { url: string; headers: Record<string, string> };
    expect(seen.url).toBe('/x?q=1');
    expect(seen.headers['host']).toBe(`127.0.0.1:${upstream.port}`);
    expect(seen.headers['x-forwarded-host']).toBe('api.example.com');
    expect(seen.headers['cookie']).toBe('a=1; b=2');
    expect(seen.headers['x-custom']).toBe('yes');
    expect(seen.headers['via']).toBe('2 portcullis');
    expect(Object.keys(seen.headers).some((k) => k.startsWith(':'))).toBe(false);
    // Connection-specific fields are illegal in HTTP/2 responses (RFC 9113 §8.2.2).
    for (const h of ['connection', 'keep-alive', 'transfer-encoding', 'upgrade', 'proxy-connection']) expect(res.headers[h]).toBeUndefined();
    expect(res.headers['x-upstream']).toBe('echo');
    expect(res.headers['via']).toBe('1.1 portcullis');
    expect(res.headers['x-request-id']).toMatch(/.+/);
  });

  it('runs the jwt plugin as on HTTP/1.1: 401 with Kong\'s body, then 200 with identity headers', async () => {
    const denied = await h2get('/secure/a');
    expect(denied.status).toBe(401);
    expect(denied.body).toBe('{"message":"Unauthorized"}');
    const ok = await h2get('/secure/a', { authorization: `Bearer ${token()}` });
    expect(ok.status).toBe(200);
    expect((JSON.parse(ok.body) as { headers: Record<string, string> }).headers['x-consumer-username']).toBe('alice');
  });

  it('matches header routes and answers gateway errors as on HTTP/1.1', async () => {
    expect((await h2get('/hdr/z', { 'x-version': 'v2' })).status).toBe(200);
    const miss = await h2get('/nowhere');
    expect(miss.status).toBe(404);
    expect(JSON.parse(miss.body)).toMatchObject({ message: 'no Route matched with those values' });
  });

  it('forwards a request body (no content-length) to the HTTP/1.1 upstream', async () => {
    const session = http2.connect(gw.proxy);
    const req = session.request({ ':path': '/open/post', ':method': 'POST' });
    req.write('hello ');
    req.end('world');
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (body += c));
    await new Promise((r) => req.on('end', r));
    session.close();
    expect(JSON.parse(body)).toMatchObject({ method: 'POST', body: 'hello world' });
  });

  it('keeps serving HTTP/1.1 on the same port', async () => {
    const res = await fetch(`${gw.proxy}/open/h1`);
    expect(res.status).toBe(200);
    expect(((await res.json()) as { headers: Record<string, string> }).headers['via']).toBe('1.1 portcullis');
  });
});

describe('gRPC through a grpc service', () => {
  const bearer = (): grpc.Metadata => {
    const md = new grpc.Metadata();
    md.set('authorization', `Bearer ${token()}`);
    return md;
  };

  it('without a token: UNAUTHENTICATED with Kong\'s message', async () => {
    const r = await unary(client, 'Unary', { text: 'hi' });
    expect(r.error?.code).toBe(grpc.status.UNAUTHENTICATED);
    expect(r.error?.details).toBe('Unauthorized');
  });

  it('with a token: the reply, the consumer headers upstream and the custom trailer', async () => {
    const r = await unary(client, 'Unary', { text: 'hi' }, bearer());
    expect(r.error).toBeUndefined();
    expect(r.value?.text).toBe('hi');
    expect(r.value?.seen?.['x-consumer-username']).toBe('alice');
    expect(r.value?.seen?.['authorization']).toMatch(/^Bearer /);
    expect(r.status?.code).toBe(grpc.status.OK);
    expect(r.status?.metadata.get('x-trailer')).toEqual(['done']);
  });

  it('server streaming: every message, then OK with trailers', async () => {
    const r = await serverStream(client, { text: 's', n: 5 }, bearer());
    expect(r.error).toBeUndefined();
    expect(r.messages.map((m) => m.i)).toEqual([0, 1, 2, 3, 4]);
    expect(r.status.code).toBe(grpc.status.OK);
    expect(r.status.metadata.get('x-trailer')).toEqual(['done']);
  });

  it('relays the upstream\'s error status, message and trailers (trailers-only answer)', async () => {
    const r = await unary(client, 'Fail', { failCode: grpc.status.NOT_FOUND }, bearer());
    expect(r.error?.code).toBe(grpc.status.NOT_FOUND);
    expect(r.error?.details).toBe('no such thing: ü');
    expect(r.status?.metadata.get('x-trailer')).toEqual(['done']);
  });

  it('grpcs service: HTTP/2 over TLS to the upstream, certificate verified', async () => {
    const tlsClient = new EchoClient(gw.proxy.replace(/^http:\/\//, ''), grpc.credentials.createInsecure(), { 'grpc.default_authority': 'tls.grpc.test' });
    try {
      const r = await unary(tlsClient, 'Unary', { text: 'over tls' });
      expect(r.error).toBeUndefined();
      expect(r.value?.text).toBe('over tls');
      expect(r.value?.seen?.['x-forwarded-host']).toBe('tls.grpc.test');
      expect(r.status?.metadata.get('x-trailer')).toEqual(['done']);
    } finally {
      tlsClient.close();
    }
  });

  it("the admin API shows Kong's tls_verify fields for the grpcs service (docs/upstream-tls.md#grpcs), not for grpc", async () => {
    const services = (await (await fetch(`${gw.admin}/services`)).json()) as { data: Array<Record<string, unknown>> };
    const byName = Object.fromEntries(services.data.map((s) => [s.name, s]));
    expect(byName['grpcs-echo']).toMatchObject({ protocol: 'grpcs', tls_verify: null, tls_verify_depth: null });
    expect(byName['grpc-echo']).not.toHaveProperty('tls_verify');
  });

  it('no route: NOT_FOUND with Kong\'s message; upstream down: INTERNAL (Kong\'s 502)', async () => {
    const noRoute = new EchoClient(gw.proxy.replace(/^http:\/\//, ''), grpc.credentials.createInsecure(), {});
    const other = await new Promise<grpc.ServiceError>((resolve) =>
      (noRoute as unknown as { makeUnaryRequest: (...a: unknown[]) => void }).makeUnaryRequest(
        '/nope.Svc/M', (v: unknown) => Buffer.from(JSON.stringify(v)), (b: Buffer) => b, {}, new grpc.Metadata(), (e: grpc.ServiceError) => resolve(e),
      ),
    );
    noRoute.close();
    expect(other.code).toBe(grpc.status.NOT_FOUND);
    expect(other.details).toBe('no Route matched with those values');
    const down = await unary(refusedClient, 'Unary', { text: 'x' });
    expect(down.error?.code).toBe(grpc.status.INTERNAL);
    expect(down.error?.details).toBe('An invalid response was received from the upstream server');
  });
});
