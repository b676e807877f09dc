import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GatewayProcess } from '../support/gateway-process.js';
import { CREDENTIAL_LABEL, condition, eventually, getCustom, startController, startKubeEnv, type KubeEnv } from '../support/controller-env.js';
import { join, secret } from '../support/crs.js';
import { startTlsUpstream, type TlsSeen, type TlsUpstream } from '../support/tls-upstream.js';
import { TestPki, type Pem } from '../support/upstream-pki.js';
import { EchoClient, grpc, startGrpcEcho, unary, type EchoClientInstance, type GrpcEchoServer } from '../support/grpc-echo.js';

/**
 * TLS to upstreams from Route CRs against the real API server (docs/upstream-tls.md): the CA and
 * the client certificate come from labelled Secrets, a missing Secret is a condition on the Route
 * (which fails closed while the others serve), and a rotated Secret applies to new connections.
 */
let env: KubeEnv;
let gw: GatewayProcess;
let pki: TestPki;
let root: Pem;
let other: Pem;
let clientA: Pem;
let clientB: Pem;
let up: TlsUpstream;
let grpcsUp: GrpcEchoServer;
let ns: string;

const tlsSecret = (name: string, pem: Pem) =>
  stringify({
    apiVersion: 'v1', kind: 'Secret', metadata: { name, namespace: ns, labels: CREDENTIAL_LABEL }, type: 'kubernetes.io/tls',
    data: { 'tls.crt': Buffer.from(pem.cert).toString('base64'), 'tls.key': Buffer.from(pem.key).toString('base64') },
  });
const tlsRoute = (name: string, tls: Record<string, unknown>) =>
  stringify({
    apiVersion: 'portcullis.dev/v1alpha1', kind: 'Route', metadata: { name, namespace: ns },
    spec: { paths: [`/${name}`], backend: { url: `https://localhost:${up.port}`, tls } },
  });
const grpcsRoute = (name: string, tls: Record<string, unknown>) =>
  stringify({
    apiVersion: 'portcullis.dev/v1alpha1', kind: 'Route', metadata: { name, namespace: ns },
    spec: { hosts: [`${name}.test`], paths: ['/test.Echo/'], stripPath: false, backend: { url: `grpcs://localhost:${grpcsUp.port}`, tls } },
  });
const grpcClients: EchoClientInstance[] = [];
/** A unary gRPC call over h2c to the gateway, routed by :authority `<name>.test`. */
const grpcCall = (name: string) => {
  const c = new EchoClient(gw.proxy.replace(/^http:\/\//, ''), grpc.credentials.createInsecure(), { 'grpc.default_authority': `${name}.test` });
  grpcClients.push(c);
  return unary(c, 'Unary', { text: name });
};
const get = async (path: string): Promise<{ status: number; seen?: TlsSeen }> => {
  const res = await fetch(`${gw.proxy}${path}`);
  const body = await res.text();
  return { status: res.status, ...(res.status === 200 ? { seen: JSON.parse(body) as TlsSeen } : {}) };
};

beforeAll(async () => {
  pki = await TestPki.create();
  root = await pki.root('root-ca');
  other = await pki.root('other-ca');
  const clientCa = await pki.root('client-ca');
  clientA = await pki.issue('client-a', 'client-ca', { client: true });
  clientB = await pki.issue('client-b', 'client-ca', { client: true });
  const server = await pki.issue('upstream', 'root-ca', { sans: ['DNS:localhost'] });
  [env, up] = await Promise.all([startKubeEnv(), startTlsUpstream({ ...server, clientCa: clientCa.cert })]);
  // A gRPC server on TLS that requires a client certificate from client-ca (docs/upstream-tls.md#grpcs).
  grpcsUp = await startGrpcEcho(
    grpc.ServerCredentials.createSsl(Buffer.from(clientCa.cert), [{ cert_chain: Buffer.from(server.cert), private_key: Buffer.from(server.key) }], true),
  );
  ns = await env.namespace('uptls');
  gw = await startController(env, { namespace: ns, args: ['--lease-name', 'upstream-tls', '--proxy-h2c', 'on'] });
  await env.apply(
    join(
      secret(ns, 'upstream-ca', { 'ca.crt': root.cert }),
      tlsSecret('gateway-client', clientA),
      tlsRoute('mtls', { caCertificateRefs: [{ name: 'upstream-ca' }], clientCertificateRef: { name: 'gateway-client' } }),
      tlsRoute('no-client', { caCertificateRefs: [{ name: 'upstream-ca' }] }),
      tlsRoute('missing', { caCertificateRefs: [{ name: 'not-there' }], clientCertificateRef: { name: 'gateway-client' } }),
      grpcsRoute('grpcs-mtls', { caCertificateRefs: [{ name: 'upstream-ca' }], clientCertificateRef: { name: 'gateway-client' } }),
      grpcsRoute('grpcs-no-client', { caCertificateRefs: [{ name: 'upstream-ca' }] }),
    ),
  );
  await eventually(async () => (await get('/mtls')).status === 200, 20_000, 'the mtls route to serve');
}, 90_000);

afterAll(async () => {
  for (const c of grpcClients) c.close();
  await gw?.stop();
  await up?.close();
  await grpcsUp?.close();
  await env?.stop();
  await pki?.remove();
});

describe('Route backend.tls from Secrets', () => {
  it('verifies the upstream with the CA Secret and presents the kubernetes.io/tls client certificate', async () => {
    const res = await get('/mtls');
    expect(res).toMatchObject({ status: 200, seen: { sni: 'localhost', clientCn: 'client-a' } });
    expect((await get('/no-client')).status).toBe(502); // the upstream requires a client certificate
    const route = await eventually(async () => {
      const o = await getCustom(env, 'routes', ns, 'mtls');
      return condition(o, 'Programmed')?.status === 'True' ? o : undefined;
    }, 10_000, 'mtls Programmed=True');
    expect(condition(route, 'Accepted')?.status).toBe('True');
  });

  it('a missing Secret: Programmed=False naming the field, the Route answers 500, the others keep serving', async () => {
    const route = await eventually(async () => {
      const o = await getCustom(env, 'routes', ns, 'missing');
      return condition(o, 'Programmed')?.status === 'False' ? o : undefined;
    }, 10_000, 'missing Programmed=False');
    expect(condition(route, 'Programmed')).toMatchObject({
      reason: 'SecretNotFound',
      message: expect.stringContaining('spec.backend.tls.caCertificateRefs[0].name'),
    });
    expect((await get('/missing')).status).toBe(500);
    expect((await get('/mtls')).status).toBe(200);
  });

  it('rotation: a new client certificate and a new CA apply to new upstream connections; no PEM in the logs', async () => {
    await env.apply(tlsSecret('gateway-client', clientB));
    await eventually(async () => (await get('/mtls')).seen?.clientCn === 'client-b', 15_000, 'the rotated client certificate');
    // A CA that did not sign the upstream: refused from the next connection on, then back.
    await env.apply(secret(ns, 'upstream-ca', { 'ca.crt': other.cert }));
    await eventually(async () => (await get('/mtls')).status === 502, 15_000, 'the upstream refused with the new CA');
    await env.apply(secret(ns, 'upstream-ca', { 'ca.crt': root.cert }));
    await eventually(async () => (await get('/mtls')).status === 200, 15_000, 'the upstream trusted again');
    // The Secret fixes the missing one too.
    await env.apply(secret(ns, 'not-there', { 'ca.crt': root.cert }));
    await eventually(async () => (await get('/missing')).status === 200, 15_000, 'the fixed Route to serve');
    expect(gw.output()).not.toContain('PRIVATE KEY');
    expect(gw.output()).not.toContain('BEGIN CERTIFICATE');
  });

  it('grpcs backends take the same backend.tls: CA and client certificate from Secrets (mTLS), trailers intact', async () => {
    await eventually(async () => (await grpcCall('grpcs-mtls')).error === undefined, 15_000, 'the grpcs route to serve');
    const r = await grpcCall('grpcs-mtls');
    expect(r.value?.text).toBe('grpcs-mtls');
    expect(r.status?.metadata.get('x-trailer')).toEqual(['done']);
    // Without the client certificate the upstream ends the handshake: Kong's 502, INTERNAL to gRPC.
    expect((await grpcCall('grpcs-no-client')).error?.code).toBe(grpc.status.INTERNAL);
  });
});
