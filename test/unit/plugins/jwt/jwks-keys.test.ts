import { generateKeyPairSync } from 'node:crypto';
import type { JWK } from 'jose';
import { describe, expect, it } from 'vitest';
import { importJwks, MAX_JWKS_KEYS } from '../../../../src/plugins/jwt/jwks-keys.js';
import { selectJwksKey } from '../../../../src/plugins/jwt/jwks-select.js';

/** JWK import for JWKS credentials: which key serves which algorithm, and what is never used. */
const rsa = (bits = 2048) => generateKeyPairSync('rsa', { modulusLength: bits });
const RSA = rsa();
const EC = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const ED = generateKeyPairSync('ed25519');
const pub = (pair: { publicKey: { export(o: { format: 'jwk' }): unknown } }, extra: Record<string, unknown> = {}) =>
  ({ ...(pair.publicKey.export({ format: 'jwk' }) as JWK), ...extra }) as JWK;

describe('importJwks', () => {
  it('imports RSA, EC and OKP keys for the allowed algorithms they fit', async () => {
    const r = await importJwks(
      { keys: [pub(RSA, { kid: 'r' }), pub(EC, { kid: 'e' }), pub(ED, { kid: 'd' })] },
      ['RS256', 'PS256', 'ES256', 'ES384', 'EdDSA'],
    );
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    const algs = (kid: string) => [...r.set.byKid.get(kid)![0]!.algorithms].sort();
    expect(algs('r')).toEqual(['PS256', 'RS256']);
    // A P-256 key never verifies ES384.
    expect(algs('e')).toEqual(['ES256']);
    expect(algs('d')).toEqual(['EdDSA']);
  });

  it("uses a key only for its own alg when it names one", async () => {
    const r = await importJwks({ keys: [pub(RSA, { kid: 'r', alg: 'PS256' })] }, ['RS256', 'PS256']);
    expect(r.ok && [...r.set.all[0]!.algorithms]).toEqual(['PS256']);
    const none = await importJwks({ keys: [pub(RSA, { kid: 'r', alg: 'RS256' })] }, ['ES256']);
    expect(none).toMatchObject({ ok: false });
  });

  it.each<[string, Record<string, unknown>, string]>([
    ['a symmetric key', { kty: 'oct', k: 'c2VjcmV0', kid: 'x' }, 'symmetric'],
    ['an encryption key', { ...pub(RSA), use: 'enc', kid: 'x' }, "use is not 'sig'"],
    ['a key not for verify', { ...pub(RSA), key_ops: ['encrypt'], kid: 'x' }, "key_ops does not include 'verify'"],
    ['a private key', { ...(RSA.privateKey.export({ format: 'jwk' }) as JWK), kid: 'x' }, 'private key material'],
    ['a weak RSA key', { ...pub(rsa(1024)), kid: 'x' }, 'at least 2048 bits'],
    ['a non-string kid', { ...pub(RSA), kid: 7 }, 'kid is not a string'],
  ])('skips %s', async (_name, jwk, why) => {
    const r = await importJwks({ keys: [jwk, pub(EC, { kid: 'ok' })] }, ['RS256', 'ES256']);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.set.all.map((k) => k.kid)).toEqual(['ok']);
    expect(r.skipped.join()).toContain(why);
    // Messages never carry key material.
    expect(r.skipped.join()).not.toContain(String(jwk.n ?? jwk.k ?? '~').slice(0, 20));
  });

  it.each<[string, unknown]>([
    ['not an object', []],
    ['no keys array', { keys: {} }],
    ['no usable key', { keys: [{ kty: 'oct', k: 'c2VjcmV0' }] }],
    ['too many keys', { keys: Array.from({ length: MAX_JWKS_KEYS + 1 }, () => pub(EC)) }],
  ])('refuses a document with %s', async (_name, doc) => {
    expect(await importJwks(doc, ['ES256'])).toMatchObject({ ok: false });
  });
});

describe('selectJwksKey', () => {
  it('selects by kid and algorithm; without kid only a single fitting key', async () => {
    const r = await importJwks({ keys: [pub(RSA, { kid: 'r' }), pub(EC, { kid: 'e' })] }, ['RS256', 'ES256']);
    if (!r.ok) throw new Error(r.problem);
    expect(selectJwksKey(r.set, 'r', 'RS256')).toBe(r.set.all[0]!.key);
    expect(selectJwksKey(r.set, 'r', 'ES256')).toBeUndefined();
    expect(selectJwksKey(r.set, 'nope', 'RS256')).toBeUndefined();
    expect(selectJwksKey(r.set, 42, 'RS256')).toBeUndefined();
    expect(selectJwksKey(r.set, undefined, 'ES256')).toBe(r.set.all[1]!.key);
    const two = await importJwks({ keys: [pub(EC, { kid: 'a' }), pub(generateKeyPairSync('ec', { namedCurve: 'P-256' }), { kid: 'b' })] }, ['ES256']);
    if (!two.ok) throw new Error(two.problem);
    expect(selectJwksKey(two.set, undefined, 'ES256')).toBeUndefined();
  });
});
