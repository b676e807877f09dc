import { createPublicKey, generateKeyPairSync, type JsonWebKey } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { JwtAlgorithm } from '../../../../src/model/algorithms.js';
import { importCredentialKeys } from '../../../../src/plugins/jwt/keys.js';
import { keyPairFor, makeSpec } from './fixtures.js';

const spki = (pem: string) => createPublicKey(pem).export({ type: 'spki', format: 'pem' }).toString();
const rsa = () => keyPairFor('RS256');
const p256 = () => keyPairFor('ES256');
const p384 = () => keyPairFor('ES384');
const p521 = () => keyPairFor('ES512');
const ed25519 = () => keyPairFor('EdDSA');
const ed448 = () => keyPairFor('EdDSA', { edCurve: 'ed448' });
const pss = () => keyPairFor('PS256', { rsaPss: true });
let restricted: string | undefined;
/** An RSA-PSS key whose parameters pin sha256 and a 32-byte minimum salt. */
const pssSha256 = () =>
  (restricted ??= generateKeyPairSync('rsa-pss', {
    modulusLength: 2048,
    hashAlgorithm: 'sha256',
    mgf1HashAlgorithm: 'sha256',
    // @types/node 20 declares saltLength as a string; node wants a number.
    saltLength: 32 as unknown as string,
  })
    .publicKey.export({ type: 'spki', format: 'pem' })
    .toString());

describe('importCredentialKeys: keys that fit', () => {
  it.each([
    ['RS256', rsa],
    ['RS384', rsa],
    ['RS512', rsa],
    ['PS256', rsa],
    ['PS512', rsa],
    ['PS256', pss],
    ['PS256', () => ({ publicKeyPem: pssSha256() })],
    ['ES256', p256],
    ['ES384', p384],
    ['ES512', p521],
    ['EdDSA', ed25519],
    ['EdDSA', ed448],
  ] as const)('%s accepts a fitting key (%#)', (alg, pair) => {
    const result = importCredentialKeys(makeSpec({ key: 'k', algorithm: alg, rsaPublicKey: pair().publicKeyPem }));
    expect(result.ok).toBe(true);
    if (result.ok) expect(result.keys.publicKey?.type).toBe('public');
  });

  it('accepts a PKCS#1 "BEGIN RSA PUBLIC KEY" PEM', () => {
    const pem = keyPairFor('RS256', { pkcs1: true }).publicKeyPem;
    expect(pem).toMatch(/^-----BEGIN RSA PUBLIC KEY-----/);
    expect(importCredentialKeys(makeSpec({ key: 'k', algorithm: 'RS256', rsaPublicKey: pem })).ok).toBe(true);
  });

  it('tolerates surrounding whitespace around the PEM', () => {
    const pem = `\n  ${p256().publicKeyPem}\n\n`;
    expect(importCredentialKeys(makeSpec({ key: 'k', algorithm: 'ES256', rsaPublicKey: pem })).ok).toBe(true);
  });

  it('HS: imports the secret and its base64-decoded form', () => {
    const result = importCredentialKeys(makeSpec({ key: 'k', algorithm: 'HS256', secret: 'c2VjcmV0' }));
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.keys.hmacKey?.export().toString()).toBe('c2VjcmV0');
    expect(result.keys.hmacKeyFromBase64?.export().toString()).toBe('secret');
  });

  it.each([
    ['standard with padding', 'YWJjZA==', 'abcd'],
    ['standard without padding', 'YWJjZA', 'abcd'],
    ['standard alphabet', '+/+/', Buffer.from('+/+/', 'base64').toString('latin1')],
    ['url-safe alphabet', '-_-_', Buffer.from('+/+/', 'base64').toString('latin1')],
  ])('HS: base64 secret %s decodes', (_name, secret, expected) => {
    const result = importCredentialKeys(makeSpec({ key: 'k', algorithm: 'HS512', secret }));
    expect(result.ok && result.keys.hmacKeyFromBase64?.export().toString('latin1')).toBe(expected);
  });

  it.each([
    ['spaces', 'not base64!'],
    ['impossible length', 'abcde'],
    ['bad padding', 'YWJjZA='],
    ['padding in the middle', 'YW=jZA=='],
    ['too much padding', 'YQ==='],
    ['newline', 'YWJj\nZA=='],
    ['only padding', '=='],
  ])('HS: invalid base64 secret (%s) imports, but hmacKeyFromBase64 is null', (_name, secret) => {
    const result = importCredentialKeys(makeSpec({ key: 'k', algorithm: 'HS256', secret }));
    expect(result.ok).toBe(true);
    if (result.ok) {
      expect(result.keys.hmacKey).toBeDefined();
      expect(result.keys.hmacKeyFromBase64).toBeNull();
    }
  });
});

describe('importCredentialKeys: errors', () => {
  const secretPem = '-----BEGIN PUBLIC KEY-----\nTUlJQ0lqQU5CZ2txaGtpRzl3MEJBUUVGQUFPQ0FnOEFNSUlDQ2dLQ0FnRUF0b3BzZWNyZXQ=\n-----END PUBLIC KEY-----\n';
  it.each<[string, JwtAlgorithm, () => string | undefined, string | undefined, string, RegExp]>([
    ['HS without secret', 'HS256', () => undefined, undefined, 'MissingSecret', /secret is required for HS256/],
    ['HS with empty secret', 'HS384', () => undefined, '', 'MissingSecret', /secret is required/],
    ['RS without public key', 'RS256', () => undefined, undefined, 'MissingSecret', /public key is required for RS256/],
    ['garbage PEM', 'RS256', () => 'hello world', undefined, 'InvalidKey', /not a PEM public key/],
    ['a private key instead of a public one', 'RS256', () => rsa().privateKeyPem, undefined, 'InvalidKey', /not a PEM public key/],
    ['corrupt PEM body', 'RS256', () => secretPem, undefined, 'InvalidKey', /could not be parsed/],
    ['EC key on RS256', 'RS256', () => p256().publicKeyPem, undefined, 'InvalidKey', /RS256 needs an RSA key, got ec/],
    ['RSA-PSS key on RS256', 'RS256', () => pss().publicKeyPem, undefined, 'InvalidKey', /RS256 needs an RSA key, got rsa-pss/],
    ['EC key on PS256', 'PS256', () => p256().publicKeyPem, undefined, 'InvalidKey', /PS256 needs an RSA or RSA-PSS key/],
    ['RSA-PSS key restricted to sha256 on PS512', 'PS512', pssSha256, undefined, 'InvalidKey', /restricted to sha256/],
    ['P-384 key on ES256', 'ES256', () => p384().publicKeyPem, undefined, 'InvalidKey', /ES256 needs an EC key on P-256, got P-384/],
    ['P-256 key on ES512', 'ES512', () => p256().publicKeyPem, undefined, 'InvalidKey', /ES512 needs an EC key on P-521, got P-256/],
    ['RSA key on ES256', 'ES256', () => rsa().publicKeyPem, undefined, 'InvalidKey', /ES256 needs an EC key, got rsa/],
    ['Ed25519 key on ES256', 'ES256', () => ed25519().publicKeyPem, undefined, 'InvalidKey', /needs an EC key, got ed25519/],
    ['secp256k1 key on ES256', 'ES256', () => spki(generateKeyPairSync('ec', { namedCurve: 'secp256k1' }).publicKey.export({ type: 'spki', format: 'pem' }).toString()), undefined, 'InvalidKey', /P-256, got secp256k1/],
    ['RSA key on EdDSA', 'EdDSA', () => rsa().publicKeyPem, undefined, 'InvalidKey', /EdDSA needs an Ed25519 or Ed448 key, got rsa/],
    ['X25519 key on EdDSA', 'EdDSA', () => generateKeyPairSync('x25519').publicKey.export({ type: 'spki', format: 'pem' }).toString(), undefined, 'InvalidKey', /got x25519/],
  ])('%s', (_name, algorithm, pem, secret, reason, message) => {
    const rsaPublicKey = pem();
    const result = importCredentialKeys(makeSpec({ key: 'k', algorithm, rsaPublicKey, secret }));
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.reason).toBe(reason);
    expect(result.field).toBe(secret !== undefined || algorithm.startsWith('HS') ? 'secret' : 'rsa_public_key');
    expect(result.message).toMatch(message);
    // Never echo key material.
    if (rsaPublicKey !== undefined) {
      for (const line of rsaPublicKey.split('\n').filter((l) => l.length > 20 && !l.startsWith('-----'))) {
        expect(result.message).not.toContain(line.slice(0, 20));
      }
    }
  });
});

describe('importCredentialKeys: weak RSA keys are refused', () => {
  const weak = new Map<string, string>();
  const rsaPem = (bits: number, type: 'rsa' | 'rsa-pss' = 'rsa') =>
    weak.get(`${type}${bits}`) ??
    weak
      .set(`${type}${bits}`, (generateKeyPairSync(type as 'rsa', { modulusLength: bits }).publicKey.export({ type: 'spki', format: 'pem' }) as string))
      .get(`${type}${bits}`)!;
  /** The 2048-bit test modulus with another public exponent: e=1 makes the "signature" the padded message itself. */
  const withExponent = (e: string) => {
    const jwk = createPublicKey(rsa().publicKeyPem).export({ format: 'jwk' }) as JsonWebKey;
    return createPublicKey({ key: { kty: 'RSA', n: jwk.n!, e }, format: 'jwk' }).export({ type: 'spki', format: 'pem' }) as string;
  };

  it.each<[JwtAlgorithm, number, 'rsa' | 'rsa-pss']>([
    ['RS256', 512, 'rsa'],
    ['RS256', 1024, 'rsa'],
    ['RS384', 1024, 'rsa'],
    ['RS512', 2040, 'rsa'],
    ['PS256', 1024, 'rsa'],
    ['PS384', 512, 'rsa'],
    ['PS256', 1024, 'rsa-pss'],
  ])('%s with a %i-bit %s key', (algorithm, bits, type) => {
    const result = importCredentialKeys(makeSpec({ key: 'k', algorithm, rsaPublicKey: rsaPem(bits, type) }));
    expect(result).toMatchObject({ ok: false, field: 'rsa_public_key', reason: 'InvalidKey' });
    if (!result.ok) expect(result.message).toBe(`${algorithm} needs an RSA key of at least 2048 bits, got ${bits}`);
  });

  it.each([
    ['1 (the signature is the padded digest: anyone can forge it)', 'AQ'],
    ['2 (even)', 'Ag'],
    ['65536 (even)', 'AQAA'],
  ])('RS256 with public exponent %s', (_name, e) => {
    const result = importCredentialKeys(makeSpec({ key: 'k', algorithm: 'RS256', rsaPublicKey: withExponent(e) }));
    expect(result).toMatchObject({ ok: false, field: 'rsa_public_key', reason: 'InvalidKey' });
    if (!result.ok) expect(result.message).toBe('RS256 needs an RSA key whose public exponent is odd and at least 3');
  });

  it('RS256 with a 16392-bit modulus (OpenSSL refuses to verify with it)', () => {
    const n = Buffer.alloc(2049, 0xc5);
    const pem = createPublicKey({ key: { kty: 'RSA', n: n.toString('base64url'), e: 'AQAB' }, format: 'jwk' }).export({ type: 'spki', format: 'pem' }) as string;
    const result = importCredentialKeys(makeSpec({ key: 'k', algorithm: 'RS256', rsaPublicKey: pem }));
    expect(result).toMatchObject({ ok: false, field: 'rsa_public_key', reason: 'InvalidKey' });
    if (!result.ok) expect(result.message).toBe('RS256 needs an RSA key of at most 16384 bits (OpenSSL verifies nothing with more), got 16392');
  });

  it.each([
    ['a 2048-bit key', () => rsaPem(2048)],
    ['a 3072-bit key', () => rsaPem(3072)],
    ['public exponent 3', () => withExponent('Aw')],
  ])('RS256 accepts %s', (_name, pem) => {
    expect(importCredentialKeys(makeSpec({ key: 'k', algorithm: 'RS256', rsaPublicKey: pem() })).ok).toBe(true);
  });
});
