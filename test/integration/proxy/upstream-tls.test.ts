import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../../src/observability/logger.js';
import { createProxyServer, type ProxyServer } from '../../../src/proxy/server.js';
import { VERIFY_FAILURE_HINT } from '../../../src/proxy/upstream-tls.js';
import { SnapshotStore } from '../../../src/snapshot/store.js';
import type { Snapshot } from '../../../src/snapshot/types.js';
import { LineCapture } from '../../support/gateway.js';
import { realSnapshot, routeCr } from '../../support/real-snapshot.js';
import { startTlsUpstream, type TlsSeen, type TlsUpstream } from '../../support/tls-upstream.js';
import { TestPki, type Pem } from '../../support/upstream-pki.js';

/**
 * TLS to upstreams (docs/upstream-tls.md) through the production parser, translator and proxy,
 * against real node:https upstreams with certificates minted for the test: Kong's tls_verify,
 * tls_verify_depth, ca_certificates and client_certificate in kong.yml, a Route CR's backend.tls
 * with Secrets, the process default (verify; --upstream-tls-verify off is Kong's), SNI, and rotation.
 */

const ROOT_ID = '0b7c8f5e-1d2a-4c3b-9e8f-000000000001';
const CLIENT_ID = '0b7c8f5e-1d2a-4c3b-9e8f-000000000002';
const SANS = ['DNS:localhost', 'DNS:upstream.test', 'DNS:tlsapp.default.svc', 'IP:127.0.0.1'];

let pki: TestPki;
let root: Pem;
let other: Pem;
let client: Pem;
const up: Record<string, TlsUpstream> = {};
let store: SnapshotStore;
let proxy: ProxyServer;
let port: number;
const logs = new LineCapture();

const b64 = (s: string) => Buffer.from(s).toString('base64');
function secret(name: string, data: Record<string, string>): unknown {
  return {
    apiVersion: 'v1', kind: 'Secret', metadata: { name, namespace: 'default', labels: { 'portcullis.dev/credential': 'true' } },
    data: Object.fromEntries(Object.entries(data).map(([k, v]) => [k, b64(v)])),
  };
}

function get(path: string, host?: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path, headers: host !== undefined ? { host } : {} }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode!, body }));
    });
    req.on('error', reject);
    req.end();
  });
}
const seen = (body: string) => JSON.parse(body) as TlsSeen;

function kongYml(cas: string[] = [root.cert]): Record<string, unknown> {
  const at = (name: string, host = 'localhost') => `https://${host}:${up[name]!.port}`;
  const svc = (name: string, url: string, fields: Record<string, unknown> = {}, route: Record<string, unknown> = {}) => ({
    name, url, ...fields, routes: [{ name, paths: [`/${name}`], ...route }],
  });
  // Kong takes one certificate per ca_certificates entity; a service lists several.
  const ids = cas.map((_, i) => ROOT_ID.replace(/1$/, String(i + 1 + 2)));
  const verified = { tls_verify: true, ca_certificates: [ROOT_ID, ...ids.slice(1)] };
  return {
    ca_certificates: cas.map((cert, i) => ({ id: i === 0 ? ROOT_ID : ids[i], cert })),
    certificates: [{ id: CLIENT_ID, cert: client.cert, key: client.key }],
    services: [
      svc('unverified', at('stranger')),
      svc('explicit-off', at('stranger'), { tls_verify: false }),
      svc('good', at('main'), verified),
      svc('unknown-ca', at('stranger'), verified),
      svc('system-roots', at('main'), { tls_verify: true }),
      svc('mismatch', at('wrongname'), verified),
      svc('expired', at('expired'), verified),
      svc('deep', at('deep'), verified),
      svc('deep-2', at('deep'), { ...verified, tls_verify_depth: 2 }),
      svc('direct-0', at('direct'), { ...verified, tls_verify_depth: 0 }),
      svc('main-0', at('main'), { ...verified, tls_verify_depth: 0 }),
      svc('mtls-without', at('mtls'), verified),
      svc('mtls-with', at('mtls'), { ...verified, client_certificate: { id: CLIENT_ID } }),
      svc('by-ip', at('main', '127.0.0.1'), verified),
      svc('preserve', at('main', '127.0.0.1'), verified, { preserve_host: true }),
    ],
  };
}

function crs(caCert = root.cert): unknown[] {
  return [
    secret('upstream-ca', { 'ca.crt': caCert }),
    secret('gateway-client', { 'tls.crt': client.cert, 'tls.key': client.key }),
    routeCr('cr-good', { paths: ['/cr-good'], backend: { url: `https://localhost:${up.main!.port}`, tls: { caCertificateRefs: [{ name: 'upstream-ca' }] } } }),
    routeCr('cr-hostname', {
      paths: ['/cr-hostname'],
      backend: { url: `https://127.0.0.1:${up.main!.port}`, tls: { hostname: 'upstream.test', caCertificateRefs: [{ name: 'upstream-ca' }] } },
    }),
    routeCr('cr-mtls', {
      paths: ['/cr-mtls'],
      backend: { url: `https://localhost:${up.mtls!.port}`, tls: { caCertificateRefs: [{ name: 'upstream-ca' }], clientCertificateRef: { name: 'gateway-client' } } },
    }),
    routeCr('cr-no-secret', { paths: ['/cr-no-secret'], backend: { url: `https://localhost:${up.main!.port}`, tls: { caCertificateRefs: [{ name: 'missing' }] } } }),
    routeCr('cr-unknown-ca', { paths: ['/cr-unknown-ca'], backend: { url: `https://localhost:${up.stranger!.port}`, tls: { caCertificateRefs: [{ name: 'upstream-ca' }] } } }),
    routeCr('cr-service', { paths: ['/cr-service'], backend: { service: { name: 'tlsapp', port: 8443 }, tls: { caCertificateRefs: [{ name: 'upstream-ca' }] } } }),
    { apiVersion: 'v1', kind: 'Service', metadata: { name: 'tlsapp', namespace: 'default' }, spec: { ports: [{ name: 'web', port: 8443 }] } },
    {
      apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice',
      metadata: { name: 'tlsapp-0', namespace: 'default', labels: { 'kubernetes.io/service-name': 'tlsapp' } },
      addressType: 'IPv4', endpoints: [{ addresses: ['127.0.0.1'], conditions: { ready: true } }], ports: [{ name: 'web', port: up.main!.port, protocol: 'TCP' }],
    },
  ];
}

function snapshot(cas: string[] = [root.cert]): Snapshot {
  return realSnapshot({ kongYml: kongYml(cas), kube: crs(cas.join('')) });
}

beforeAll(async () => {
  pki = await TestPki.create();
  root = await pki.root('root-ca');
  const int = await pki.issue('int-ca', 'root-ca', { ca: true });
  const int2 = await pki.issue('int2-ca', 'int-ca', { ca: true });
  other = await pki.root('other-ca');
  const clientCa = await pki.root('client-ca');
  client = await pki.issue('gateway-client', 'client-ca', { client: true });
  const leaf = (name: string, issuer: string, chain: Pem[], o: { sans?: string[]; expired?: boolean } = {}) =>
    pki.issue(name, issuer, { sans: SANS, ...o }).then((p) => ({ cert: p.cert + chain.map((c) => c.cert).join(''), key: p.key }));
  up.main = await startTlsUpstream(await leaf('upstream', 'int-ca', [int]));
  up.direct = await startTlsUpstream(await leaf('direct', 'root-ca', []));
  up.deep = await startTlsUpstream(await leaf('deep', 'int2-ca', [int2, int]));
  up.expired = await startTlsUpstream(await leaf('old', 'root-ca', [], { expired: true }));
  up.stranger = await startTlsUpstream(await leaf('stranger', 'other-ca', []));
  up.wrongname = await startTlsUpstream(await leaf('wrongname', 'root-ca', [], { sans: ['DNS:other.test'] }));
  up.mtls = await startTlsUpstream({ ...(await leaf('mtls', 'int-ca', [int])), clientCa: clientCa.cert });

  store = new SnapshotStore();
  const snap = snapshot();
  expect(snap.diagnostics.filter((d) => d.severity === 'error').map((d) => `${d.object.name}: ${d.reason}`)).toEqual(['cr-no-secret: SecretNotFound']);
  store.swap(snap);
  proxy = createProxyServer({ store, poolOptions: { logger: createLogger({ level: 'info', destination: logs }) } });
  port = (await proxy.listen({ host: '127.0.0.1', port: 0 })).port;
}, 60_000);

afterAll(async () => {
  await proxy?.close();
  await Promise.all(Object.values(up).map((u) => u.close()));
  await pki?.remove();
});

describe('kong.yml services', () => {
  it('verifies by default, unlike Kong: an unknown CA is 502 with a hint on how to opt out; tls_verify: false is 200 with one warning', async () => {
    const res = await get('/unverified');
    expect(res.status).toBe(502);
    expect(JSON.parse(res.body)).toMatchObject({ message: 'An invalid response was received from the upstream server' });
    const failure = logs.json().find((l) => l.msg === 'upstream TLS handshake failed' && l.service === 'unverified');
    expect(failure).toMatchObject({ reason: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE', hint: VERIFY_FAILURE_HINT });
    expect(VERIFY_FAILURE_HINT).toBe("set tls_verify: false on the service, give it ca_certificates, or start with --upstream-tls-verify off (Kong's default)");
    expect((await get('/explicit-off')).status).toBe(200);
    expect((await get('/explicit-off')).status).toBe(200);
    const warnings = logs.json().filter((l) => String(l.msg).startsWith('upstream TLS certificate not verified'));
    expect(warnings.map((l) => l.service)).toEqual(['explicit-off']);
    expect(warnings[0]!.msg).toContain('tls_verify: false');
  });

  it('verifies against the ca_certificates: the right CA passes, another CA or the system roots alone do not', async () => {
    const ok = await get('/good');
    expect(ok.status).toBe(200);
    expect(seen(ok.body)).toMatchObject({ sni: 'localhost' });
    for (const path of ['/unknown-ca', '/system-roots']) {
      const res = await get(path);
      expect(res.status, path).toBe(502);
      expect(JSON.parse(res.body)).toMatchObject({ message: 'An invalid response was received from the upstream server' });
    }
  });

  it('refuses a certificate for another name, and an expired one, with 502 and a log line naming the upstream and the reason', async () => {
    expect((await get('/mismatch')).status).toBe(502);
    expect((await get('/expired')).status).toBe(502);
    const failures = logs.json().filter((l) => l.msg === 'upstream TLS handshake failed');
    const byUpstream = (service: string) => failures.filter((l) => l.service === service).map((l) => l.reason);
    expect(byUpstream('mismatch')).toContain('ERR_TLS_CERT_ALTNAME_INVALID');
    expect(byUpstream('expired')).toContain('CERT_HAS_EXPIRED');
    // Retries (5, Kong's default) hit the same failure: logged once per pool and reason, not per handshake.
    expect(byUpstream('expired')).toHaveLength(1);
    // No certificate text in the logs.
    expect(logs.lines.join('\n')).not.toContain('BEGIN');
  });

  it('applies tls_verify_depth as OpenSSL counts it (intermediate CAs), 1 by default as nginx', async () => {
    expect((await get('/deep')).status).toBe(502); // 2 intermediates
    expect((await get('/deep-2')).status).toBe(200);
    expect((await get('/direct-0')).status).toBe(200); // signed by the root itself
    expect((await get('/main-0')).status).toBe(502); // 1 intermediate
    const failures = logs.json().filter((l) => l.msg === 'upstream TLS handshake failed' && l.service === 'deep');
    expect(failures.map((l) => l.reason)).toEqual(['CERT_CHAIN_TOO_LONG']);
  });

  it('presents the client_certificate to an upstream that requires one (mTLS)', async () => {
    expect((await get('/mtls-without')).status).toBe(502);
    const res = await get('/mtls-with');
    expect(res.status).toBe(200);
    expect(seen(res.body)).toMatchObject({ clientCn: 'gateway-client', sni: 'localhost' });
  });

  it('sends no SNI to an IP address and verifies it against the IP SAN; preserve_host sends and verifies the client Host', async () => {
    const ip = await get('/by-ip');
    expect(ip.status).toBe(200);
    expect(seen(ip.body).sni).toBe(false);
    const preserved = await get('/preserve', 'upstream.test:8000');
    expect(preserved.status).toBe(200);
    expect(seen(preserved.body)).toMatchObject({ sni: 'upstream.test', host: 'upstream.test:8000' });
    expect((await get('/preserve', 'elsewhere.test')).status).toBe(502);
  });
});

describe('Route CRs: backend.tls with Secrets', () => {
  it('verifies by default with the CA Secret, SNI from the Host header sent upstream', async () => {
    const res = await get('/cr-good');
    expect(res.status).toBe(200);
    expect(seen(res.body).sni).toBe('localhost');
    expect((await get('/cr-unknown-ca')).status).toBe(502);
  });

  it('hostname sets SNI and the verified name; clientCertificateRef does mTLS; a Service backend is TLS with a tls section', async () => {
    const named = await get('/cr-hostname');
    expect(named.status).toBe(200);
    expect(seen(named.body)).toMatchObject({ sni: 'upstream.test', host: `127.0.0.1:${up.main!.port}` });
    const mtls = await get('/cr-mtls');
    expect(mtls.status).toBe(200);
    expect(seen(mtls.body).clientCn).toBe('gateway-client');
    const svc = await get('/cr-service');
    expect(svc.status).toBe(200);
    expect(seen(svc.body)).toMatchObject({ sni: 'tlsapp.default.svc', host: 'tlsapp.default.svc:8443' });
  });

  it('a missing Secret fails the Route closed (500), never proxied unverified', async () => {
    const res = await get('/cr-no-secret');
    expect(res.status).toBe(500);
  });
});

describe('rotation and the process default', () => {
  it('new CA material gets a new pool for new connections; the old pool is closed', async () => {
    const before = up.main!.connections;
    expect((await get('/good')).status).toBe(200);
    expect(up.main!.connections).toBe(before); // kept alive
    // The same root, bundled with another CA: still trusted, but new content.
    store.swap(snapshot([root.cert, other.cert]));
    expect((await get('/good')).status).toBe(200);
    expect((await get('/cr-good')).status).toBe(200);
    expect(up.main!.connections).toBe(before + 2);
    const pools = proxy.pools.size;
    // Back to the first material: new pools again, and the replaced ones are gone (closed by the swap).
    store.swap(snapshot());
    expect((await get('/good')).status).toBe(200);
    expect((await get('/cr-good')).status).toBe(200);
    expect(up.main!.connections).toBe(before + 4);
    expect(proxy.pools.size).toBe(pools);
    // A CA that does not sign the upstream: refused from the next connection on.
    store.swap(snapshot([other.cert]));
    expect((await get('/good')).status).toBe(502);
    store.swap(snapshot());
    expect((await get('/good')).status).toBe(200);
  });

  it("--upstream-tls-verify off is Kong's: services that leave tls_verify unset are not verified (one warning each), tls_verify: true still is", async () => {
    const lax = new LineCapture();
    const kong = createProxyServer({ store, poolOptions: { upstreamTlsVerify: false, logger: createLogger({ level: 'info', destination: lax }) } });
    const laxPort = (await kong.listen({ host: '127.0.0.1', port: 0 })).port;
    const status = (path: string) =>
      new Promise<number>((resolve, reject) => http.get({ host: '127.0.0.1', port: laxPort, path }, (r) => (r.resume(), resolve(r.statusCode!))).on('error', reject));
    try {
      expect(await status('/unverified')).toBe(200);
      expect(await status('/unverified')).toBe(200);
      expect(await status('/explicit-off')).toBe(200);
      expect(await status('/good')).toBe(200);
      expect(await status('/unknown-ca')).toBe(502);
      const warnings = lax.json().filter((l) => String(l.msg).startsWith('upstream TLS certificate not verified'));
      expect(warnings.map((l) => l.service)).toEqual(['unverified', 'explicit-off']);
      expect(warnings[0]!.msg).toContain('--upstream-tls-verify off');
      // A service that asks for verification is verified whatever the flag, and its failure carries the hint.
      expect(lax.json().find((l) => l.service === 'unknown-ca')).toMatchObject({ msg: 'upstream TLS handshake failed', reason: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE', hint: VERIFY_FAILURE_HINT });
    } finally {
      await kong.close();
    }
  });
});
