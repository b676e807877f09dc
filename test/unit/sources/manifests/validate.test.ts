import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { formatDiagnostic } from '../../../../src/model/diagnostics.js';
import { validateManifests } from '../../../../src/sources/manifests/validate.js';

const consumer = (name: string, spec: string) => `apiVersion: portcullis.dev/v1alpha1
kind: KongConsumer
metadata: { name: ${name}, namespace: demo }
spec: ${spec}
`;
const cred = (name: string, key: string, ref = '{ name: s, key: secret }') => `apiVersion: portcullis.dev/v1alpha1
kind: JwtCredential
metadata: { name: ${name}, namespace: demo }
spec: { consumerRef: { name: c }, key: ${key}, secretRef: ${ref} }
`;
const kidCred = (name: string, key: string, kid: string, consumerName = 'c') => `apiVersion: portcullis.dev/v1alpha1
kind: JwtCredential
metadata: { name: ${name}, namespace: demo }
spec: { consumerRef: { name: ${consumerName} }, key: ${key}, kid: ${kid}, secretRef: { name: s, key: secret } }
`;
const run = (...docs: string[]) => validateManifests(docs.join('---\n'), 'crs.yaml').map(formatDiagnostic);

describe('validateManifests', () => {
  it.each<[string, string[], string[]]>([
    ['valid consumer', [consumer('c', '{ username: u }')], []],
    ['empty documents are skipped', ['', consumer('c', '{ username: u }'), '# comment only\n'], []],
    ['invalid spec names the field and line', ['', consumer('c', '{}')], ["crs.yaml: documents[0] (line 2) (KongConsumer 'c'): spec.username: username or customId is required"]],
    ['second document line number', [consumer('a', '{ username: u }'), consumer('b', '{ customId: "" }')], ["crs.yaml: documents[1] (line 6) (KongConsumer 'b'): spec.customId: must not be empty"]],
    ['unknown kind is a warning', ['apiVersion: example.com/v1\nkind: Widget\nmetadata: { name: w }\n'], ["crs.yaml: documents[0] (line 1) (Widget 'w'): example.com/v1 Widget is not checked"]],
    ['Secret passes through', ['apiVersion: v1\nkind: Secret\nmetadata: { name: s, namespace: demo }\nstringData: { secret: x }\n', cred('k', 'key1')], []],
    ['Secret in file lacks the key', ['apiVersion: v1\nkind: Secret\nmetadata: { name: s, namespace: demo }\ndata: { other: eA== }\n', cred('k', 'key1')], ["crs.yaml: documents[1] (line 6) (JwtCredential 'k'): spec.secretRef.key: Secret 'demo/s' has no key 'secret'"]],
    ['Secret not in file is fine', [cred('k', 'key1', '{ name: elsewhere, key: secret }')], []],
    ['duplicate credential keys', [cred('a', 'same'), cred('b', 'same')], ["crs.yaml: documents[1] (line 6) (JwtCredential 'b'): spec.key: key is also used by JwtCredential demo/a"]],
    // Rotation (docs/key-material.md#rotation): one consumer, distinct kids, at most one without.
    ['a key shared with distinct kids', [cred('a', 'same'), kidCred('b', 'same', 'v2'), kidCred('c', 'same', 'v3')], []],
    ['a repeated kid', [kidCred('a', 'same', 'v2'), kidCred('b', 'same', 'v2')], ["crs.yaml: documents[1] (line 6) (JwtCredential 'b'): spec.kid: key is also used by JwtCredential demo/a (the same kid 'v2')"]],
    ['a kid of another consumer', [kidCred('a', 'same', 'v1'), kidCred('b', 'same', 'v2', 'other')], ["crs.yaml: documents[1] (line 6) (JwtCredential 'b'): spec.key: key is also used by JwtCredential demo/a (another consumer)"]],
    ['a kid with a control character', [kidCred('a', 'k', '"a\\u0001"')], ["crs.yaml: documents[0] (line 1) (JwtCredential 'a'): spec.kid: must not contain control characters"]],
    ['duplicate objects', [consumer('c', '{ username: u }'), consumer('c', '{ username: v }')], ["crs.yaml: documents[1] (line 6) (KongConsumer 'c'): KongConsumer demo/c is defined more than once"]],
    ['wrong version of our group', ['apiVersion: portcullis.dev/v1\nkind: Route\nmetadata: { name: r }\nspec: {}\n'], ["crs.yaml: documents[0] (line 1) (Route 'r'): apiVersion: must be portcullis.dev/v1alpha1"]],
    ['unknown kind in our group', ['apiVersion: portcullis.dev/v1alpha1\nkind: Plugin\nmetadata: { name: p }\n'], ["crs.yaml: documents[0] (line 1) (Plugin 'p'): kind: must be one of KongConsumer, JwtCredential, Route, JwtPolicy"]],
    ['missing kind', ['metadata: { name: x }\n'], ["crs.yaml: documents[0] (line 1) (document 'x'): apiVersion and kind are required"]],
    ['not an object', ['- a\n- b\n'], ["crs.yaml: documents[0] (line 1) (document '#1'): is not a Kubernetes object"]],
  ])('%s', (_n, docs, expected) => {
    expect(run(...docs)).toEqual(expected);
  });

  it('loads the CA of a Route backend.tls Secret in the file, and ignores Secrets that are not (docs/upstream-tls.md)', () => {
    const tlsRoute = (ca: string) => `apiVersion: portcullis.dev/v1alpha1
kind: Route
metadata: { name: r, namespace: demo }
spec: { paths: [/], backend: { url: "https://up.test", tls: { caCertificateRefs: [{ name: ${ca} }], clientCertificateRef: { name: elsewhere } } } }
`;
    const notACa = 'apiVersion: v1\nkind: Secret\nmetadata: { name: ca, namespace: demo }\nstringData: { ca.crt: "not a pem" }\n';
    expect(run(notACa, tlsRoute('ca'))).toEqual([
      "crs.yaml: documents[1] (line 6) (Route 'r'): spec.backend.tls.caCertificateRefs[0].key: holds no PEM certificate (-----BEGIN CERTIFICATE-----) (Secret 'demo/ca' key 'ca.crt')",
    ]);
    expect(run(tlsRoute('in-cluster'))).toEqual([]);
  });

  it('reports YAML syntax errors with their position', () => {
    const d = validateManifests('kind: [unclosed\n', 'bad.yaml');
    expect(d).toHaveLength(1);
    expect(d[0]).toMatchObject({ severity: 'error', reason: 'InvalidYAML' });
    expect(d[0]!.message).toMatch(/line/i);
  });

  describe('YAML errors never quote the input (a Secret line may be quoted)', () => {
    const MARKER = 'Zz9-leaky-secret-marker';
    const secretDoc = (data: string) => `apiVersion: v1\nkind: Secret\nmetadata: { name: s, namespace: demo }\n${data}`;
    it.each([
      ['unterminated quote on the secret line', secretDoc(`stringData:\n  secret: "${MARKER}\n  other: [x\n`)],
      ['bad indentation after the secret', secretDoc(`data:\n  secret: ${MARKER}\n    bad: indent: here\n`)],
      ['duplicate key in data', secretDoc(`data:\n  secret: ${MARKER}\n  secret: ${MARKER}2\n`)],
      ['unclosed flow mapping', secretDoc(`stringData: { secret: ${MARKER}\n`)],
      ['tab indentation', secretDoc(`stringData:\n\tsecret: ${MARKER}\n`)],
      ['in a second document', `${cred('k', 'key1')}---\n${secretDoc(`stringData:\n  secret: '${MARKER}\n`)}`],
    ])('%s', (_name, text) => {
      const d = validateManifests(text, 'leak.yaml');
      expect(d.some((x) => x.reason === 'InvalidYAML'), JSON.stringify(d)).toBe(true);
      expect(JSON.stringify(d)).not.toContain(MARKER);
      expect(d.map(formatDiagnostic).join('\n')).not.toContain(MARKER);
      for (const x of d.filter((x) => x.reason === 'InvalidYAML')) expect(x.message).toMatch(/^syntax error \([A-Z_]+\) at line \d+, column \d+$/);
    });
  });

  describe('key material of Secrets in the file is loaded as the gateway loads it', () => {
    const pem = (bits: number) => generateKeyPairSync('rsa', { modulusLength: bits }).publicKey.export({ type: 'spki', format: 'pem' }) as string;
    const pemSecret = (text: string) => `apiVersion: v1\nkind: Secret\nmetadata: { name: s, namespace: demo }\ndata: { pem: ${Buffer.from(text).toString('base64')} }\n`;
    const rsCred = (alg: string) => `apiVersion: portcullis.dev/v1alpha1
kind: JwtCredential
metadata: { name: k, namespace: demo }
spec: { consumerRef: { name: c }, key: key1, algorithm: ${alg}, publicKeyRef: { name: s, key: pem } }
`;
    it.each([
      ['RS256', 1024],
      ['PS256', 512],
    ])('%s with a %i-bit RSA key is refused', (alg, bits) => {
      expect(run(pemSecret(pem(bits)), rsCred(alg))).toEqual([
        `crs.yaml: documents[1] (line 6) (JwtCredential 'k'): spec.publicKeyRef: ${alg} needs an RSA key of at least 2048 bits, got ${bits}`,
      ]);
    });
    it('a 2048-bit RSA key passes', () => {
      expect(run(pemSecret(pem(2048)), rsCred('RS256'))).toEqual([]);
    });
    it('an EC key on RS256 is refused', () => {
      const ec = generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).publicKey.export({ type: 'spki', format: 'pem' }) as string;
      expect(run(pemSecret(ec), rsCred('RS256'))).toEqual([
        "crs.yaml: documents[1] (line 6) (JwtCredential 'k'): spec.publicKeyRef: RS256 needs an RSA key, got ec",
      ]);
    });
  });

  it('never echoes secret values', () => {
    const text = 'apiVersion: v1\nkind: Secret\nmetadata: { name: s, namespace: demo }\ndata: { secret: "%%top-secret%%" }\n---\n' + cred('k', 'key1');
    const out = JSON.stringify(validateManifests(text, 'x.yaml'));
    expect(out).toContain('InvalidSecret');
    expect(out).not.toContain('top-secret');
  });

  it('severity: errors for bad CRs, warning for unknown kinds', () => {
    const d = validateManifests([consumer('c', '{}'), 'apiVersion: x/v1\nkind: Y\nmetadata: { name: y }\n'].join('---\n'), 'f.yaml');
    expect(d.map((x) => x.severity)).toEqual(['warning', 'error']);
  });
});

describe('validateManifests: JwtCredentials with spec.jwks (docs/jwks.md#jwtcredential)', () => {
  const jwksCred = (jwks: string) => `apiVersion: portcullis.dev/v1alpha1
kind: JwtCredential
metadata: { name: j, namespace: demo }
spec: { consumerRef: { name: c }, key: https://idp.example, algorithm: RS256, jwks: ${jwks} }
`;
  const secret = (data: string) => `apiVersion: v1\nkind: Secret\nmetadata: { name: keys, namespace: demo }\nstringData: ${data}\n`;

  it('accepts an issuer, and a JWKS Secret in the file that is JSON', () => {
    expect(run(jwksCred('{ issuer: "https://idp.example" }'))).toEqual([]);
    expect(run(secret('{ jwks: \'{"keys":[]}\' }'), jwksCred('{ secretRef: { name: keys, key: jwks } }'))).toEqual([]);
  });

  it('refuses a JWKS Secret in the file that is not JSON; a Secret elsewhere is fine', () => {
    expect(run(secret('{ jwks: nope }'), jwksCred('{ secretRef: { name: keys, key: jwks } }'))).toEqual([
      "crs.yaml: documents[1] (line 6) (JwtCredential 'j'): spec.jwks.secretRef.key: Secret 'demo/keys' key 'jwks' is not a JWKS (not JSON)",
    ]);
    expect(run(jwksCred('{ secretRef: { name: elsewhere, key: jwks } }'))).toEqual([]);
  });
});
