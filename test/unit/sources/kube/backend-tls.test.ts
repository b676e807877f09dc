import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toResourceSet } from '../../../../src/sources/kube/to-resource-set.js';
import { inputFromObjects } from '../../../support/input-from-objects.js';
import { routeCr } from '../../../support/real-snapshot.js';
import { TestPki, type Pem } from '../../../support/upstream-pki.js';

let pki: TestPki;
let root: Pem;
let client: Pem;
let stranger: Pem;

beforeAll(async () => {
  pki = await TestPki.create();
  root = await pki.root('root');
  client = await pki.issue('client', 'root', { client: true });
  stranger = await pki.issue('stranger', 'root', { client: true });
}, 30_000);
afterAll(() => pki.remove());

const b64 = (s: string) => Buffer.from(s).toString('base64');
const secret = (name: string, data: Record<string, string>) => ({
  apiVersion: 'v1', kind: 'Secret', metadata: { name, namespace: 'default' }, data: Object.fromEntries(Object.entries(data).map(([k, v]) => [k, b64(v)])),
});

function build(tls: Record<string, unknown>, objects: unknown[] = [], url = 'https://up.test') {
  const r = toResourceSet(inputFromObjects([routeCr('r', { paths: ['/'], backend: { url, tls } }), ...objects]).input);
  return { route: r.routes[0]!, errors: r.diagnostics.map((d) => [d.reason, d.field, d.message]) };
}

describe('Route backend.tls (docs/upstream-tls.md)', () => {
  it('reads the CA bundle and the kubernetes.io/tls client certificate from Secrets; verify defaults to true', () => {
    const { route, errors } = build(
      { caCertificateRefs: [{ name: 'ca' }], clientCertificateRef: { name: 'client' }, hostname: 'Up.Test', verifyDepth: 2 },
      [secret('ca', { 'ca.crt': root.cert }), secret('client', { 'tls.crt': client.cert, 'tls.key': client.key })],
    );
    expect(errors).toEqual([]);
    expect(route.pluginError).toBeUndefined();
    expect(route.service.tls).toEqual({ verify: true, verifyDepth: 2, serverName: 'up.test', caCertificates: [root.cert], clientCertificate: { cert: client.cert, key: client.key } });
  });

  it.each([
    ['a missing CA Secret', { caCertificateRefs: [{ name: 'nope' }] }, () => [], 'SecretNotFound', 'spec.backend.tls.caCertificateRefs[0].name'],
    ['a missing key', { caCertificateRefs: [{ name: 'ca', key: 'bundle.pem' }] }, () => [secret('ca', { 'ca.crt': root.cert })], 'SecretKeyNotFound', 'spec.backend.tls.caCertificateRefs[0].key'],
    ['a CA Secret holding a leaf', { caCertificateRefs: [{ name: 'ca' }] }, () => [secret('ca', { 'ca.crt': client.cert })], 'InvalidCertificate', 'spec.backend.tls.caCertificateRefs[0].key'],
    ['a client key of another certificate', { clientCertificateRef: { name: 'client' } }, () => [secret('client', { 'tls.crt': client.cert, 'tls.key': stranger.key })], 'InvalidCertificate', 'spec.backend.tls.clientCertificateRef.name'],
    ['a client Secret without tls.key', { clientCertificateRef: { name: 'client' } }, () => [secret('client', { 'tls.crt': client.cert })], 'SecretKeyNotFound', 'spec.backend.tls.clientCertificateRef.key'],
  ])('%s is an error naming the field, and the Route fails closed', (_name, tls, objects, reason, field) => {
    const { route, errors } = build(tls, objects());
    expect(errors.map(([r, f]) => [r, f])).toEqual([[reason, field]]);
    expect(route.pluginError).toBe('upstream TLS settings of Route default/r are invalid');
    expect(route.service.tls).toBeUndefined();
    expect(JSON.stringify(errors)).not.toContain('BEGIN');
  });

  it('needs an https:// or grpcs:// url', () => {
    for (const url of ['http://up.test', 'grpc://up.test']) {
      const { route, errors } = build({ verify: false }, [], url);
      expect(errors).toEqual([['InvalidSpec', 'spec.backend.tls', 'requires an https:// or grpcs:// url (or a service backend)']]);
      expect(route.pluginError).toBeDefined();
    }
    const grpcs = build({ verify: false, hostname: 'orders.internal' }, [], 'grpcs://up.test');
    expect(grpcs.errors).toEqual([]);
    expect(grpcs.route.service.tls).toEqual({ verify: false, serverName: 'orders.internal' });
  });

  it('a grpc Service port with a tls section becomes grpcs', () => {
    const objects = [
      { apiVersion: 'v1', kind: 'Service', metadata: { name: 'orders', namespace: 'default' }, spec: { ports: [{ name: 'grpc', port: 50051, appProtocol: 'kubernetes.io/h2c' }] } },
    ];
    const r = toResourceSet(inputFromObjects([routeCr('r', { paths: ['/'], backend: { service: { name: 'orders', port: 50051 }, tls: { verify: true } } }), ...objects]).input);
    expect(r.routes[0]!.backend).toMatchObject({ kind: 'service', protocol: 'grpcs', hostHeader: 'orders.default.svc:50051' });
    expect(r.routes[0]!.service.tls).toEqual({ verify: true });
  });

  it('makes a Service port TLS whatever its name, with the https default port left out of the Host header', () => {
    const objects = [
      { apiVersion: 'v1', kind: 'Service', metadata: { name: 'app', namespace: 'default' }, spec: { ports: [{ name: 'web', port: 443 }] } },
    ];
    const r = toResourceSet(inputFromObjects([routeCr('r', { paths: ['/'], backend: { service: { name: 'app', port: 443 }, tls: { verify: false } } }), ...objects]).input);
    expect(r.routes[0]!.backend).toMatchObject({ kind: 'service', protocol: 'https', hostHeader: 'app.default.svc' });
    expect(r.routes[0]!.service.tls).toEqual({ verify: false });
  });
});
