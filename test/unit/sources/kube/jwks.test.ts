import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toResourceSet } from '../../../../src/sources/kube/to-resource-set.js';
import type { CustomObject, SecretObject, ToResourceSetInput } from '../../../../src/sources/kube/types.js';
import { TestPki } from '../../../support/upstream-pki.js';

/** A JwtCredential's spec.jwks (docs/jwks.md#jwtcredential): Secrets read, defaults filled, problems named. */
let pki: TestPki;
let CA: string;
beforeAll(async () => {
  pki = await TestPki.create();
  CA = (await pki.root('root')).cert;
}, 30_000);
afterAll(() => pki.remove());

const cred = (spec: Record<string, unknown>): CustomObject => ({
  apiVersion: 'portcullis.dev/v1alpha1',
  kind: 'JwtCredential',
  metadata: { name: 'c', namespace: 'ns' },
  spec: { consumerRef: { name: 'alice' }, key: 'https://idp.example', ...spec },
});
const secret = (name: string, data: Record<string, string>): SecretObject =>
  ({ metadata: { name, namespace: 'ns' }, stringData: data }) as unknown as SecretObject;

function run(spec: Record<string, unknown>, secrets: SecretObject[] = []) {
  const input: ToResourceSetInput = {
    consumers: [],
    credentials: [cred(spec)],
    routes: [],
    secrets: new Map(secrets.map((s) => [`ns/${s.metadata!.name}`, s])),
    endpointSlices: new Map(),
    services: new Map(),
  };
  const r = toResourceSet(input);
  return { credential: r.credentials[0], errors: r.diagnostics.map((d) => [d.field, d.reason]) };
}

describe('JwtCredential spec.jwks', () => {
  it('resolves an issuer with its CA Secret and bounds', () => {
    const { credential, errors } = run(
      { algorithm: 'RS256', jwks: { issuer: 'https://idp.example', caSecretRef: { name: 'ca' }, maxStaleSeconds: 120 } },
      [secret('ca', { 'ca.crt': CA })],
    );
    expect(errors).toEqual([]);
    expect(credential!.jwks).toMatchObject({ issuer: 'https://idp.example', field: 'spec.jwks.issuer', algorithms: ['RS256'], caCertificates: [CA] });
    expect(credential!.jwks!.timing.maxStaleSeconds).toBe(120);
    expect(credential!.algorithm).toBe('RS256');
  });

  it('reads a JWKS from a Secret; jwks.algorithms wins over the defaulted algorithm', () => {
    const doc = JSON.stringify({ keys: [] });
    const { credential, errors } = run({ jwks: { secretRef: { name: 'keys', key: 'jwks.json' }, algorithms: ['ES256'] } }, [secret('keys', { 'jwks.json': doc })]);
    expect(errors).toEqual([]);
    expect(credential!.jwks).toMatchObject({ inline: doc, algorithms: ['ES256'], field: 'spec.jwks.secretRef' });
    expect(credential!.algorithm).toBe('ES256');
  });

  it.each<[string, Record<string, unknown>, SecretObject[], string, string]>([
    ['both jwks and publicKeyRef', { algorithm: 'RS256', publicKeyRef: { name: 'x', key: 'y' }, jwks: { url: 'https://a/k' } }, [], 'spec.publicKeyRef', 'InvalidSpec'],
    ['two sources', { algorithm: 'RS256', jwks: { url: 'https://a/k', inline: '{}' } }, [], 'spec.jwks', 'InvalidSpec'],
    ['HS256 without jwks.algorithms', { jwks: { url: 'https://a/k' } }, [], 'spec.algorithm', 'InvalidSpec'],
    ['a missing JWKS Secret', { algorithm: 'RS256', jwks: { secretRef: { name: 'nope', key: 'k' } } }, [], 'spec.jwks.secretRef.name', 'SecretNotFound'],
    ['a JWKS Secret that is not JSON', { algorithm: 'RS256', jwks: { secretRef: { name: 'bad', key: 'k' } } }, [secret('bad', { k: 'nope' })], 'spec.jwks.secretRef.key', 'InvalidKey'],
    ['a CA Secret that is no CA', { algorithm: 'RS256', jwks: { url: 'https://a/k', caSecretRef: { name: 'bad', key: 'k' } } }, [secret('bad', { k: 'nope' })], 'spec.jwks.caSecretRef.key', 'InvalidCertificate'],
    ['inconsistent bounds', { algorithm: 'RS256', jwks: { url: 'https://a/k', minTtlSeconds: 100, maxTtlSeconds: 50, cacheTtlSeconds: 60 } }, [], 'spec.jwks.minTtlSeconds', 'InvalidSpec'],
  ])('refuses %s, naming the field', (_name, spec, secrets, field, reason) => {
    const { credential, errors } = run(spec, secrets);
    expect(credential).toBeUndefined();
    expect(errors).toContainEqual([field, reason]);
  });
});
