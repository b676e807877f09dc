import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { JWKS_TIMING_BOUNDS } from '../../../../src/model/jwks.js';
import { parseDeclarative } from '../../../../src/sources/declarative/parse.js';
import { TestPki } from '../../../support/upstream-pki.js';

/** The kong.yml `jwks` extension of jwt_secrets (docs/jwks.md#kongyml): what is accepted, and each refusal's field. */
const CA_ID = '6f0d3c52-2b7e-4d8a-9d6f-1f4b0f0e9a11';
let pki: TestPki;
let CA: string;
let LEAF: string;

beforeAll(async () => {
  pki = await TestPki.create();
  CA = (await pki.root('root')).cert;
  LEAF = (await pki.issue('leaf', 'root', { sans: ['DNS:idp.example'] })).cert;
}, 30_000);
afterAll(() => pki.remove());

function parse(secret: Record<string, unknown>, extra: Record<string, unknown> = {}) {
  const doc = { _format_version: '3.0', consumers: [{ username: 'u', jwt_secrets: [{ key: 'https://idp.example', ...secret }] }], ...extra };
  const { resources } = parseDeclarative(YAML.stringify(doc), 'kong.yml');
  return { credentials: resources.credentials, errors: resources.diagnostics.filter((d) => d.severity === 'error').map((d) => [d.field, d.reason, d.message]) };
}

describe('kong.yml jwt_secrets jwks', () => {
  it('takes an issuer with defaults: the algorithm, no CA, the default bounds', () => {
    const { credentials, errors } = parse({ algorithm: 'RS256', jwks: { issuer: 'https://idp.example' } });
    expect(errors).toEqual([]);
    expect(credentials[0]!.jwks).toEqual({
      issuer: 'https://idp.example',
      field: 'jwks.issuer',
      algorithms: ['RS256'],
      timing: Object.fromEntries(Object.entries(JWKS_TIMING_BOUNDS).map(([k, b]) => [k, b.default])),
    });
  });

  it('takes a url, algorithms, a ca_certificates reference and bounds', () => {
    const { credentials, errors } = parse(
      { jwks: { url: 'https://idp.example/certs', algorithms: ['ES256', 'RS256'], ca_certificates: [CA_ID], refetch_interval: 30, timeout: 2000, max_stale: 600 } },
      { ca_certificates: [{ id: CA_ID, cert: CA }] },
    );
    expect(errors).toEqual([]);
    const jwks = credentials[0]!.jwks!;
    expect(jwks).toMatchObject({ url: 'https://idp.example/certs', algorithms: ['ES256', 'RS256'], caCertificates: [CA] });
    expect(jwks.timing).toMatchObject({ refetchIntervalSeconds: 30, timeoutMs: 2000, maxStaleSeconds: 600 });
  });

  it('takes an inline JWKS as a mapping or as JSON text', () => {
    const keys = { keys: [{ kty: 'EC', crv: 'P-256', x: 'x', y: 'y' }] };
    for (const inline of [keys, JSON.stringify(keys)]) {
      const { credentials, errors } = parse({ algorithm: 'ES256', jwks: { keys: inline } });
      expect(errors).toEqual([]);
      expect(JSON.parse(credentials[0]!.jwks!.inline!)).toEqual(keys);
    }
  });

  it.each<[string, () => Record<string, unknown>, string, string]>([
    ['no source', () => ({ algorithm: 'RS256', jwks: {} }), 'jwks.url', 'MissingField'],
    ['two sources', () => ({ algorithm: 'RS256', jwks: { url: 'https://a', issuer: 'https://b' } }), 'jwks.issuer', 'MissingField'],
    ['an HS default', () => ({ jwks: { url: 'https://a' } }), 'algorithm', 'InvalidValue'],
    ['an HS algorithm in the list', () => ({ jwks: { url: 'https://a', algorithms: ['HS256'] } }), 'jwks.algorithms[0]', 'InvalidValue'],
    ['an algorithm outside the list', () => ({ algorithm: 'ES256', jwks: { url: 'https://a', algorithms: ['RS256'] } }), 'jwks.algorithms', 'InvalidValue'],
    ['a url that is no URL', () => ({ algorithm: 'RS256', jwks: { url: 'idp' } }), 'jwks.url', 'InvalidValue'],
    ['an ftp url', () => ({ algorithm: 'RS256', jwks: { url: 'ftp://idp/x' } }), 'jwks.url', 'InvalidValue'],
    ['inline text that is not JSON', () => ({ algorithm: 'RS256', jwks: { keys: '{nope' } }), 'jwks.keys', 'InvalidKey'],
    ['an unknown field', () => ({ algorithm: 'RS256', jwks: { url: 'https://a', cache: 1 } }), 'jwks.cache', 'UnknownField'],
    ['a bound out of range', () => ({ algorithm: 'RS256', jwks: { url: 'https://a', timeout: 5 } }), 'jwks.timeout', 'InvalidValue'],
    ['min above max', () => ({ algorithm: 'RS256', jwks: { url: 'https://a', min_ttl: 100, max_ttl: 50, cache_ttl: 60 } }), 'jwks.min_ttl', 'InvalidValue'],
    ['an unknown CA', () => ({ algorithm: 'RS256', jwks: { url: 'https://a', ca_certificates: [CA_ID] } }), 'jwks.ca_certificates[0]', 'CertificateNotFound'],
    ['a CA PEM that is no CA', () => ({ algorithm: 'RS256', jwks: { url: 'https://a', ca_pem: LEAF } }), 'jwks.ca_pem', 'InvalidCertificate'],
    ['a PEM next to it', () => ({ algorithm: 'RS256', rsa_public_key: '-----BEGIN PUBLIC KEY-----\nx\n-----END PUBLIC KEY-----', jwks: { url: 'https://a' } }), 'rsa_public_key', 'InvalidValue'],
  ])('refuses %s, naming the field', (_name, secret, field, reason) => {
    const { credentials, errors } = parse(secret());
    expect(credentials).toEqual([]);
    expect(errors.map(([f, r]) => [f, r])).toContainEqual([field, reason]);
  });
});
