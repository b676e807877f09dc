import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { formatDiagnostic } from '../../../../src/model/diagnostics.js';
import { parseDeclarative } from '../../../../src/sources/declarative/parse.js';
import { TestPki, type Pem } from '../../../support/upstream-pki.js';

const CA = '11111111-1111-4111-8111-111111111111';
const CERT = '22222222-2222-4222-8222-222222222222';
let pki: TestPki;
let root: Pem;
let leaf: Pem;
let other: Pem;

beforeAll(async () => {
  pki = await TestPki.create();
  root = await pki.root('root');
  leaf = await pki.issue('leaf', 'root', { client: true });
  other = await pki.issue('other', 'root', { client: true });
}, 30_000);
afterAll(() => pki.remove());

function parse(doc: Record<string, unknown>) {
  const r = parseDeclarative(YAML.stringify({ _format_version: '3.0', ...doc }), 'kong.yml');
  return { ...r.resources, errors: r.resources.diagnostics.filter((d) => d.severity === 'error').map((d) => [formatDiagnostic(d), d.reason]) };
}
const service = (fields: Record<string, unknown>, url = 'https://up.test') => ({ name: 's', url, ...fields, routes: [{ name: 'r', paths: ['/'] }] });

describe('kong.yml service TLS fields (docs/upstream-tls.md)', () => {
  it('resolves tls_verify, tls_verify_depth, ca_certificates and client_certificate into the service', () => {
    const r = parse({
      ca_certificates: [{ id: CA, cert: root.cert, tags: ['x'] }],
      certificates: [{ id: CERT, cert: leaf.cert, key: leaf.key }],
      services: [service({ tls_verify: true, tls_verify_depth: 3, ca_certificates: [CA], client_certificate: { id: CERT } })],
    });
    expect(r.errors).toEqual([]);
    expect(r.routes[0]!.pluginError).toBeUndefined();
    expect(r.routes[0]!.service.tls).toEqual({ verify: true, verifyDepth: 3, caCertificates: [root.cert], clientCertificate: { cert: leaf.cert, key: leaf.key } });
  });

  it('grpcs services take the same fields (Kong refuses them there: docs/upstream-tls.md#grpcs); grpc ones do not', () => {
    const r = parse({
      ca_certificates: [{ id: CA, cert: root.cert }],
      certificates: [{ id: CERT, cert: leaf.cert, key: leaf.key }],
      services: [service({ tls_verify: true, tls_verify_depth: 2, ca_certificates: [CA], client_certificate: { id: CERT } }, 'grpcs://orders.test:50051')],
    });
    expect(r.errors).toEqual([]);
    expect(r.routes[0]!.service.tls).toEqual({ verify: true, verifyDepth: 2, caCertificates: [root.cert], clientCertificate: { cert: leaf.cert, key: leaf.key } });
    const plain = parse({ services: [service({ tls_verify: true }, 'grpc://orders.test:50051')] });
    expect(plain.errors).toEqual([
      ["kong.yml: services[0] (services 's'): tls_verify: value must be null", 'InvalidValue'],
      ["kong.yml: services[0].routes[0] (routes 'r'): left out: its service 's' is invalid", 'DependencyInvalid'],
    ]);
  });

  it('leaves a service without TLS fields without settings, and tls_verify: false explicit', () => {
    const r = parse({ services: [service({}), { ...service({ tls_verify: false }), name: 't', routes: [{ name: 'r2', paths: ['/t'] }] }] });
    expect(r.routes.map((x) => x.service.tls)).toEqual([undefined, { verify: false }]);
  });

  it.each([
    ['TLS fields on an http service', { services: [service({ tls_verify: true, ca_certificates: [CA] }, 'http://up.test')] }, [
      ["kong.yml: services[0] (services 's'): tls_verify: value must be null", 'InvalidValue'],
      ["kong.yml: services[0] (services 's'): ca_certificates: value must be null", 'InvalidValue'],
    ]],
    ['depth out of range', { services: [service({ tls_verify_depth: 65 })] }, [["kong.yml: services[0] (services 's'): tls_verify_depth: value should be between 0 and 64", 'InvalidValue']]],
    ['ca id not a uuid', { services: [service({ ca_certificates: ['root'] })] }, [["kong.yml: services[0] (services 's'): ca_certificates[0]: expected a valid UUID", 'InvalidValue']]],
  ])('%s is an error on the service (its routes are left out)', (_name, doc, expected) => {
    const r = parse(doc);
    expect(r.errors).toEqual([...expected, ["kong.yml: services[0].routes[0] (routes 'r'): left out: its service 's' is invalid", 'DependencyInvalid']]);
    expect(r.routes).toEqual([]);
  });

  it('a reference to a missing entity fails the routes closed, naming the field', () => {
    const r = parse({ services: [service({ tls_verify: true, ca_certificates: [CA], client_certificate: CERT })] });
    expect(r.errors).toEqual([
      [`kong.yml: services[0] (services 's'): ca_certificates[0]: invalid reference 'ca_certificates[0]: ${CA}' (no such entry in 'ca_certificates'); the service's routes answer 500 until it is fixed`, 'CertificateNotFound'],
      [`kong.yml: services[0] (services 's'): client_certificate: invalid reference 'client_certificate: ${CERT}' (no such entry in 'certificates'); the service's routes answer 500 until it is fixed`, 'CertificateNotFound'],
    ]);
    expect(r.routes.map((x) => [x.pluginError, x.service.tls])).toEqual([["upstream TLS settings of service 's' are invalid", undefined]]);
  });

  it('checks ca_certificates as Kong does: one certificate, a CA; a service using a refused one fails closed', () => {
    const r = parse({
      ca_certificates: [{ id: CA, cert: leaf.cert }, { id: '33333333-3333-4333-8333-333333333333', cert: root.cert + root.cert }, { id: CA, cert: root.cert }],
      services: [service({ tls_verify: true, ca_certificates: [CA] })],
    });
    expect(r.errors).toEqual([
      [`kong.yml: ca_certificates[0] (ca_certificates '${CA}'): cert: certificate does not appear to be a CA because it is missing the "CA" basic constraint`, 'InvalidCertificate'],
      ["kong.yml: ca_certificates[1] (ca_certificates '33333333-3333-4333-8333-333333333333'): cert: please submit only one certificate at a time", 'InvalidCertificate'],
      [`kong.yml: ca_certificates[2] (ca_certificates '${CA}'): id: duplicate ca_certificates: id '${CA}' is already used by ca_certificates[0]`, 'DuplicateName'],
      [`kong.yml: services[0] (services 's'): ca_certificates[0]: ca_certificates '${CA}' is invalid; the service's routes answer 500 until it is fixed`, 'InvalidCertificate'],
    ]);
    expect(r.routes[0]!.pluginError).toBeDefined();
  });

  it('one parse of a certificates entity: one refused for TLS termination (no key, cert_alt) is refused as client_certificate too', () => {
    const OTHER = '33333333-3333-4333-8333-333333333333';
    const r = parse({
      certificates: [{ id: CERT, cert: leaf.cert }, { id: OTHER, cert: leaf.cert, key: leaf.key, cert_alt: leaf.cert }],
      services: [service({ client_certificate: { id: CERT } }), { ...service({ client_certificate: { id: OTHER } }), name: 't', routes: [{ name: 'r2', paths: ['/t'] }] }],
    });
    expect(r.errors).toEqual([
      [`kong.yml: services[0] (services 's'): client_certificate: certificates '${CERT}' is invalid; the service's routes answer 500 until it is fixed`, 'InvalidCertificate'],
      [`kong.yml: services[1] (services 't'): client_certificate: certificates '${OTHER}' is invalid; the service's routes answer 500 until it is fixed`, 'InvalidCertificate'],
      [`kong.yml: certificates[0] (certificates '${CERT}'): key: required field missing`, 'MissingField'],
      [`kong.yml: certificates[1] (certificates '${OTHER}'): cert_alt: an alternate certificate ('cert_alt'/'key_alt') is not supported; left out`, 'Unsupported'],
    ]);
    expect(r.routes.map((x) => x.pluginError)).toEqual(["upstream TLS settings of service 's' are invalid", "upstream TLS settings of service 't' are invalid"]);
    expect(r.certificates).toBeUndefined();
  });

  it('a usable entity serves both: the same CertificateSpec is served by SNI and presented upstream', () => {
    const r = parse({
      certificates: [{ id: CERT, cert: leaf.cert, key: leaf.key, snis: ['gw.test'] }],
      services: [service({ client_certificate: { id: CERT } })],
    });
    expect(r.errors).toEqual([]);
    expect(r.certificates).toHaveLength(1);
    expect(r.certificates![0]).toMatchObject({ id: CERT, snis: [{ name: 'gw.test' }] });
    expect(r.routes[0]!.service.tls?.clientCertificate).toEqual({ cert: r.certificates![0]!.cert, key: r.certificates![0]!.key });
  });

  it('refuses a client certificate whose key does not match, without quoting either', () => {
    const r = parse({ certificates: [{ id: CERT, cert: leaf.cert, key: other.key }], services: [service({ client_certificate: { id: CERT } })] });
    expect(r.errors).toEqual([
      [`kong.yml: services[0] (services 's'): client_certificate: certificates '${CERT}' (certificates[0]): key: certificate does not match key; the service's routes answer 500 until it is fixed`, 'InvalidCertificate'],
    ]);
    expect(JSON.stringify(r.diagnostics)).not.toContain('BEGIN');
  });
});
