import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../../src/observability/logger.js';
import { createProxyServer, type ProxyServer } from '../../../src/proxy/server.js';
import { SnapshotStore } from '../../../src/snapshot/store.js';
import { LineCapture } from '../../support/gateway.js';
import { EchoClient, grpc, startGrpcEcho, unary, type EchoClientInstance, type GrpcEchoServer } from '../../support/grpc-echo.js';
import { realSnapshot, routeCr } from '../../support/real-snapshot.js';
import { TestPki, type Pem } from '../../support/upstream-pki.js';

/**
 * grpcs upstreams with the TLS settings of https ones (docs/upstream-tls.md#grpcs): real
 * @grpc/grpc-js servers on TLS with certificates from a CA the test mints, reached through the
 * production parser, translator and proxy (pooled node:http2 sessions), from kong.yml services
 * (tls_verify, tls_verify_depth, ca_certificates, client_certificate) and Route CRs (backend.tls
 * with Secrets, hostname, a Service backend's in-cluster name as SNI). A real gRPC client calls
 * the gateway over h2c; a refused upstream certificate is Kong's 502, INTERNAL to gRPC.
 */

const ROOT_ID = '5a0c8f5e-1d2a-4c3b-9e8f-000000000001';
const CLIENT_ID = '5a0c8f5e-1d2a-4c3b-9e8f-000000000002';
const SANS = ['DNS:localhost', 'DNS:upstream.test', 'DNS:orders.default.svc', 'IP:127.0.0.1'];

let pki: TestPki;
let root: Pem;
let client: Pem;
const up: Record<string, GrpcEchoServer> = {};
let proxy: ProxyServer;
let target: string;
const logs = new LineCapture();
const clients: EchoClientInstance[] = [];

const b64 = (s: string) => Buffer.from(s).toString('base64');
function secret(name: string, data: Record<string, string>): unknown {
  return {
    apiVersion: 'v1', kind: 'Secret', metadata: { name, namespace: 'default', labels: { 'portcullis.dev/credential': 'true' } },
    data: Object.fromEntries(Object.entries(data).map(([k, v]) => [k, b64(v)])),
  };
}

/** A gRPC server on TLS with `pem` (chain included); with `clientCa`, it requires a client certificate from that CA. */
function grpcsServer(pem: Pem, clientCa?: string): Promise<GrpcEchoServer> {
  const pair = [{ cert_chain: Buffer.from(pem.cert), private_key: Buffer.from(pem.key) }];
  return startGrpcEcho(grpc.ServerCredentials.createSsl(clientCa === undefined ? null : Buffer.from(clientCa), pair, clientCa !== undefined));
}

/** One unary call through the gateway, routed by :authority `<name>.test`. */
async function call(name: string) {
  const c = new EchoClient(target, grpc.credentials.createInsecure(), { 'grpc.default_authority': `${name}.test` });
  clients.push(c);
  return unary(c, 'Unary', { text: name });
}

beforeAll(async () => {
  pki = await TestPki.create();
  root = await pki.root('root-ca');
  const int = await pki.issue('int-ca', 'root-ca', { ca: true });
  await pki.root('other-ca');
  const clientCa = await pki.root('client-ca');
  client = await pki.issue('gateway-client', 'client-ca', { client: true });
  const leaf = async (name: string, issuer: string, chain: Pem[], sans = SANS) => {
    const p = await pki.issue(name, issuer, { sans });
    return { cert: p.cert + chain.map((c) => c.cert).join(''), key: p.key };
  };
  up.main = await grpcsServer(await leaf('upstream', 'int-ca', [int]));
  up.stranger = await grpcsServer(await leaf('stranger', 'other-ca', []));
  up.mtls = await grpcsServer(await leaf('mtls', 'int-ca', [int]), clientCa.cert);

  const at = (name: string, host = 'localhost') => `grpcs://${host}:${up[name]!.port}`;
  const svc = (name: string, url: string, fields: Record<string, unknown> = {}) => ({
    name, url, ...fields, routes: [{ name, hosts: [`${name}.test`], paths: ['/test.Echo/'], strip_path: false }],
  });
  const verified = { tls_verify: true, ca_certificates: [ROOT_ID] };
  const crBackend = (name: string, backend: Record<string, unknown>) => routeCr(name, { hosts: [`${name}.test`], paths: ['/test.Echo/'], stripPath: false, backend });
  const snap = realSnapshot({
    kongYml: {
      ca_certificates: [{ id: ROOT_ID, cert: root.cert }],
      certificates: [{ id: CLIENT_ID, cert: client.cert, key: client.key }],
      services: [
        svc('good', at('main'), verified),
        svc('by-ip', at('main', '127.0.0.1'), verified),
        svc('system-roots', at('main')),
        svc('unknown-ca', at('stranger'), verified),
        svc('explicit-off', at('stranger'), { tls_verify: false }),
        svc('depth-0', at('main'), { ...verified, tls_verify_depth: 0 }),
        svc('depth-1', at('main'), { ...verified, tls_verify_depth: 1 }),
        svc('mtls-without', at('mtls'), verified),
        svc('mtls-with', at('mtls'), { ...verified, client_certificate: { id: CLIENT_ID } }),
      ],
    },
    kube: [
      secret('upstream-ca', { 'ca.crt': root.cert }),
      secret('gateway-client', { 'tls.crt': client.cert, 'tls.key': client.key }),
      crBackend('cr-good', { url: at('main'), tls: { caCertificateRefs: [{ name: 'upstream-ca' }] } }),
      crBackend('cr-hostname', { url: at('main', '127.0.0.1'), tls: { hostname: 'upstream.test', caCertificateRefs: [{ name: 'upstream-ca' }] } }),
      crBackend('cr-wrong-hostname', { url: at('main', '127.0.0.1'), tls: { hostname: 'elsewhere.test', caCertificateRefs: [{ name: 'upstream-ca' }] } }),
      crBackend('cr-mtls', { url: at('mtls'), tls: { caCertificateRefs: [{ name: 'upstream-ca' }], clientCertificateRef: { name: 'gateway-client' } } }),
      // A gRPC Service port with a tls section is grpcs; SNI and verified name: orders.default.svc, the endpoint is an IP.
      crBackend('cr-service', { service: { name: 'orders', port: 50051 }, tls: { caCertificateRefs: [{ name: 'upstream-ca' }] } }),
      { apiVersion: 'v1', kind: 'Service', metadata: { name: 'orders', namespace: 'default' }, spec: { ports: [{ name: 'grpc', port: 50051, appProtocol: 'kubernetes.io/h2c' }] } },
      {
        apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice',
        metadata: { name: 'orders-0', namespace: 'default', labels: { 'kubernetes.io/service-name': 'orders' } },
        addressType: 'IPv4', endpoints: [{ addresses: ['127.0.0.1'], conditions: { ready: true } }], ports: [{ name: 'grpc', port: up.main.port, protocol: 'TCP' }],
      },
    ],
  });
  expect(snap.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  const store = new SnapshotStore();
  store.swap(snap);
  proxy = createProxyServer({ store, h2c: true, poolOptions: { logger: createLogger({ level: 'info', destination: logs }) } });
  target = `127.0.0.1:${(await proxy.listen({ host: '127.0.0.1', port: 0 })).port}`;
}, 60_000);

afterAll(async () => {
  for (const c of clients) c.close();
  await proxy?.close();
  for (const s of Object.values(up)) await s.close();
  await pki?.remove();
});

describe('kong.yml grpcs services: the https TLS fields', () => {
  it.each(['good', 'by-ip', 'explicit-off', 'depth-1', 'mtls-with'])('%s: the call goes through, trailers intact', async (name) => {
    const r = await call(name);
    expect(r.error).toBeUndefined();
    expect(r.value?.text).toBe(name);
    expect(r.status?.metadata.get('x-trailer')).toEqual(['done']);
  });

  it.each([
    ['system-roots', 'verified by default against the system CAs, which do not know the test CA'],
    ['unknown-ca', 'a certificate from another CA'],
    ['depth-0', 'tls_verify_depth 0 with an intermediate CA in the chain'],
    ['mtls-without', 'an upstream that requires a client certificate, none configured'],
  ])('%s (%s): refused, INTERNAL as Kong\'s 502', async (name) => {
    const r = await call(name);
    expect(r.error?.code).toBe(grpc.status.INTERNAL);
    expect(r.error?.details).toBe('An invalid response was received from the upstream server');
  });

  it('a refused certificate is logged once per upstream with OpenSSL\'s reason and the hint, never certificate text', async () => {
    await call('unknown-ca');
    const lines = logs.json().filter((l) => l.msg === 'upstream TLS handshake failed' && l.service === 'unknown-ca');
    expect(lines.length).toBe(1);
    expect(lines[0]).toMatchObject({ service: 'unknown-ca', reason: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' });
    expect(lines[0]!.hint).toBeDefined();
    expect(logs.lines.join('\n')).not.toContain('BEGIN');
    expect(logs.json().some((l) => String(l.msg).startsWith('upstream TLS certificate not verified') && l.service === 'explicit-off')).toBe(true);
  });
});

describe('Route CRs: backend.tls on grpcs backends', () => {
  it.each(['cr-good', 'cr-hostname', 'cr-mtls', 'cr-service'])('%s: the call goes through', async (name) => {
    const r = await call(name);
    expect(r.error).toBeUndefined();
    expect(r.value?.text).toBe(name);
  });

  it('hostname is the name verified: one the certificate does not carry is refused', async () => {
    const r = await call('cr-wrong-hostname');
    expect(r.error?.code).toBe(grpc.status.INTERNAL);
  });
});
