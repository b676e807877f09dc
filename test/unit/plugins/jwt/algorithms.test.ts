import { constants, createPrivateKey, sign } from 'node:crypto';
import * as jose from 'jose';
import { describe, expect, it } from 'vitest';
import { isHmacAlgorithm, type JwtAlgorithm } from '../../../../src/model/algorithms.js';
import { createVerifiedTokenCache } from '../../../../src/plugins/jwt/verified-token-cache.js';
import type { TestKeyOptions } from '../../../../src/tokens/test-keys.js';
import { ALL_ALGORITHMS, NOW, bearer, credentialFor, keyPairFor, makeAuthenticator, makeCredential, makeSpec, mint } from './fixtures.js';

const INVALID_SIGNATURE = '{"message":"Invalid signature"}';

interface Variant {
  name: string;
  alg: JwtAlgorithm;
  opts: TestKeyOptions;
}

const variants: Variant[] = [
  ...ALL_ALGORITHMS.map((alg) => ({ name: alg, alg, opts: {} })),
  { name: 'EdDSA (Ed448)', alg: 'EdDSA', opts: { edCurve: 'ed448' } },
  { name: 'PS256 with an RSA-PSS key', alg: 'PS256', opts: { rsaPss: true } },
  { name: 'RS256 with a PKCS#1 public key', alg: 'RS256', opts: { pkcs1: true } },
];

function setup(v: Variant) {
  const { credential, signing } = credentialFor(v.alg, 'k', undefined, v.opts);
  const auth = makeAuthenticator([credential], {}, { cache: createVerifiedTokenCache(0) });
  return { credential, signing, auth, token: mint({ algorithm: v.alg, key: 'k', ...signing }) };
}

/** Re-signs `token`'s first two parts with a different signature. */
function withSignature(token: string, signature: Buffer): string {
  return `${token.slice(0, token.lastIndexOf('.'))}.${signature.toString('base64url')}`;
}

function sigOf(token: string): Buffer {
  return Buffer.from(token.slice(token.lastIndexOf('.') + 1), 'base64url');
}

describe.each(variants)('signature verification: $name', (v) => {
  it('accepts a correctly signed token', () => {
    const { auth, token, credential } = setup(v);
    expect(auth.authenticate(bearer(token), NOW)).toMatchObject({ kind: 'authenticated', credential });
  });

  it('rejects a tampered signature', () => {
    const { auth, token } = setup(v);
    const sig = sigOf(token);
    sig[Math.floor(sig.length / 2)]! ^= 0x01;
    expect(auth.authenticate(bearer(withSignature(token, sig)), NOW)).toMatchObject({ body: INVALID_SIGNATURE, status: 401 });
  });

  it('rejects a tampered payload', () => {
    const { auth, token } = setup(v);
    const [h, , s] = token.split('.');
    const forged = Buffer.from(JSON.stringify({ iss: 'k', admin: true })).toString('base64url');
    expect(auth.authenticate(bearer(`${h}.${forged}.${s}`), NOW)).toMatchObject({ body: INVALID_SIGNATURE });
  });

  it('rejects a token signed with another key', () => {
    const { auth } = setup(v);
    const other = isHmacAlgorithm(v.alg) ? { secret: 'another-secret' } : { privateKeyPem: keyPairFor(v.alg, v.opts, 'b').privateKeyPem };
    expect(auth.authenticate(bearer(mint({ algorithm: v.alg, key: 'k', ...other })), NOW)).toMatchObject({ body: INVALID_SIGNATURE });
  });

  it('rejects a token whose alg differs from the credential', () => {
    const { auth } = setup(v);
    const otherAlg: JwtAlgorithm = v.alg === 'HS256' ? 'HS512' : 'HS256';
    const token = mint({ algorithm: otherAlg, key: 'k', secret: 'x' });
    expect(auth.authenticate(bearer(token), NOW)).toMatchObject({ body: '{"message":"Invalid algorithm"}' });
  });

  it.each([0, 1, 7, 200, 1024])('rejects a %i-byte garbage signature without throwing', (length) => {
    const { auth, token } = setup(v);
    expect(auth.authenticate(bearer(withSignature(token, Buffer.alloc(length, 0x5a))), NOW)).toMatchObject({ body: INVALID_SIGNATURE });
  });
});

describe('algorithm-specific signature shapes', () => {
  it.each(['ES256', 'ES384', 'ES512'] as const)('%s: a DER signature (wrong length) is Invalid signature, not 500', (alg) => {
    const { auth, token, signing } = setup({ name: alg, alg, opts: {} });
    const input = token.slice(0, token.lastIndexOf('.'));
    const der = sign(`sha${alg.slice(2)}`, Buffer.from(input), { key: createPrivateKey(signing.privateKeyPem!), dsaEncoding: 'der' });
    expect(auth.authenticate(bearer(withSignature(token, der)), NOW)).toMatchObject({ status: 401, body: INVALID_SIGNATURE });
  });

  it.each(['ES256', 'ES384', 'ES512'] as const)('%s: signature with one byte too many or too few', (alg) => {
    const { auth, token } = setup({ name: alg, alg, opts: {} });
    const sig = sigOf(token);
    expect(auth.authenticate(bearer(withSignature(token, Buffer.concat([sig, Buffer.of(0)]))), NOW)).toMatchObject({ body: INVALID_SIGNATURE });
    expect(auth.authenticate(bearer(withSignature(token, sig.subarray(1))), NOW)).toMatchObject({ body: INVALID_SIGNATURE });
  });

  it.each([
    ['PS256', 0],
    ['PS256', 64],
    ['PS384', 32],
    ['PS512', constants.RSA_PSS_SALTLEN_MAX_SIGN],
  ] as const)('%s: a PSS signature with salt length %i is rejected (salt must equal the digest length)', (alg, saltLength) => {
    const { auth, token, signing } = setup({ name: alg, alg, opts: {} });
    const input = token.slice(0, token.lastIndexOf('.'));
    const sig = sign(`sha${alg.slice(2)}`, Buffer.from(input), {
      key: createPrivateKey(signing.privateKeyPem!),
      padding: constants.RSA_PKCS1_PSS_PADDING,
      saltLength,
    });
    expect(auth.authenticate(bearer(withSignature(token, sig)), NOW)).toMatchObject({ body: INVALID_SIGNATURE });
  });

  it('RS256 rejects a PSS-padded signature and PS256 rejects a PKCS#1 v1.5 one', () => {
    const rs = setup({ name: 'RS256', alg: 'RS256', opts: {} });
    const ps = setup({ name: 'PS256', alg: 'PS256', opts: {} });
    // Same RSA key pair backs both credentials; swap the signatures between schemes.
    const psOnRs = withSignature(rs.token, sigOf(mint({ algorithm: 'PS256', key: 'k', ...rs.signing })));
    const rsOnPs = withSignature(ps.token, sigOf(mint({ algorithm: 'RS256', key: 'k', ...ps.signing })));
    expect(rs.auth.authenticate(bearer(psOnRs), NOW)).toMatchObject({ body: INVALID_SIGNATURE });
    expect(ps.auth.authenticate(bearer(rsOnPs), NOW)).toMatchObject({ body: INVALID_SIGNATURE });
  });

  it('an Ed448 signature does not pass for an Ed25519 credential', () => {
    const ed25519 = setup({ name: 'EdDSA', alg: 'EdDSA', opts: {} });
    const ed448Token = mint({ algorithm: 'EdDSA', key: 'k', privateKeyPem: keyPairFor('EdDSA', { edCurve: 'ed448' }).privateKeyPem });
    expect(ed25519.auth.authenticate(bearer(ed448Token), NOW)).toMatchObject({ body: INVALID_SIGNATURE });
  });

  it('an HS credential with the public key PEM as secret does not accept HS tokens "signed" with it for RS credentials', () => {
    // Classic key confusion: the RS credential's PEM used as an HMAC secret.
    const { credential } = credentialFor('RS256', 'rs');
    const pem = credential.spec.rsaPublicKey!;
    const auth = makeAuthenticator([credential]);
    expect(auth.authenticate(bearer(mint({ algorithm: 'HS256', key: 'rs', secret: pem })), NOW)).toMatchObject({ body: '{"message":"Invalid algorithm"}' });
  });
});

/**
 * Interoperability: our tokens verify with jose, and jose's tokens verify with us. jose 6 (WebCrypto)
 * takes neither Ed448 nor RSA-PSS-typed keys, so those two variants are covered above only.
 */
describe.each(variants.filter((v) => v.opts.edCurve !== 'ed448' && v.opts.rsaPss !== true))('interop with jose: $name', (v) => {
  it('jose verifies a token we minted', async () => {
    const { token, credential, signing } = setup(v);
    const key = isHmacAlgorithm(v.alg) ? new TextEncoder().encode(signing.secret) : credential.publicKey!;
    const { payload } = await jose.jwtVerify(token, key, { algorithms: [v.alg], currentDate: new Date(NOW * 1000) });
    expect(payload.iss).toBe('k');
  });

  it('we verify a token jose signed', async () => {
    const { auth, signing } = setup(v);
    const key = isHmacAlgorithm(v.alg) ? new TextEncoder().encode(signing.secret) : createPrivateKey(signing.privateKeyPem!);
    const token = await new jose.SignJWT({ iss: 'k' }).setProtectedHeader({ alg: v.alg }).sign(key);
    expect(auth.authenticate(bearer(token), NOW).kind).toBe('authenticated');
  });
});

it('key import fixture covers every algorithm', () => {
  for (const alg of ALL_ALGORITHMS) {
    expect(() => credentialFor(alg)).not.toThrow();
  }
  expect(() => makeCredential(makeSpec({ key: 'x', algorithm: 'RS256' }))).toThrow(/required/);
});
