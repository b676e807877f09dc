import { describe, expect, it } from 'vitest';
import { decodeBase64UrlStrict } from '../../../../src/plugins/jwt/base64.js';
import { mintToken } from '../../../../src/tokens/mint.js';
import { generateTestKeyPair, generateTestSecret } from '../../../../src/tokens/test-keys.js';

function parts(token: string) {
  const [h, p] = token.split('.');
  return {
    header: JSON.parse(Buffer.from(h!, 'base64url').toString()) as Record<string, unknown>,
    payload: JSON.parse(Buffer.from(p!, 'base64url').toString()) as Record<string, unknown>,
  };
}

describe('mintToken', () => {
  it.each([
    ['payload (default)', undefined, { payload: 'K', header: undefined }],
    ['header', 'header', { payload: undefined, header: 'K' }],
    ['both', 'both', { payload: 'K', header: 'K' }],
  ] as const)('puts the key claim in the %s', (_name, keyClaimIn, where) => {
    const t = parts(mintToken({ algorithm: 'HS256', key: 'K', secret: 's', keyClaimName: 'kid', keyClaimIn, now: 100 }));
    expect(t.payload.kid).toBe(where.payload);
    expect(t.header.kid).toBe(where.header);
    expect(t.header).toMatchObject({ alg: 'HS256', typ: 'JWT' });
  });

  it('sets iat, exp and extra claims/header fields', () => {
    const t = parts(mintToken({ algorithm: 'HS384', key: 'K', secret: 's', now: 100, expiresInSeconds: 60, claims: { sub: 'u', iat: 1 }, header: { cty: 'x' } }));
    expect(t.payload).toEqual({ iss: 'K', iat: 1, exp: 160, sub: 'u' });
    expect(t.header).toEqual({ alg: 'HS384', typ: 'JWT', cty: 'x' });
  });

  it('defaults now to the current time', () => {
    const before = Math.floor(Date.now() / 1000);
    const t = parts(mintToken({ algorithm: 'HS256', key: 'K', secret: 's', expiresInSeconds: 10 }));
    expect(t.payload.iat).toBeGreaterThanOrEqual(before);
    expect(t.payload.exp).toBe((t.payload.iat as number) + 10);
  });

  it('refuses to sign without key material, without echoing it', () => {
    expect(() => mintToken({ algorithm: 'HS256', key: 'K' })).toThrow(/needs a secret/);
    expect(() => mintToken({ algorithm: 'RS256', key: 'K' })).toThrow(/needs a private key/);
    const bogus = '-----BEGIN PRIVATE KEY-----\nU0VDUkVUU0VDUkVU\n-----END PRIVATE KEY-----';
    expect(() => mintToken({ algorithm: 'RS256', key: 'K', privateKeyPem: bogus })).toThrow(/^the private key could not be parsed$/);
  });

  it('generateTestKeyPair refuses HS algorithms; generateTestSecret gives fresh secrets', () => {
    expect(() => generateTestKeyPair('HS256')).toThrow(/shared secret/);
    expect(generateTestSecret()).not.toBe(generateTestSecret());
    expect(Buffer.from(generateTestSecret(16), 'base64url')).toHaveLength(16);
  });
});

describe('decodeBase64UrlStrict', () => {
  it.each([
    ['', ''],
    ['YQ', 'a'],
    ['YWI', 'ab'],
    ['YWJj', 'abc'],
    ['-_8', Buffer.from([0xfb, 0xff]).toString('latin1')],
  ])('%j decodes', (input, expected) => {
    expect(decodeBase64UrlStrict(input)?.toString('latin1')).toBe(expected);
  });

  it.each([
    ['padding', 'YQ=='],
    ['standard alphabet +', 'a+b/'],
    ['length 4n+1', 'YWJjZ'],
    ['space', 'YW Jj'],
    ['non-ASCII', 'YWJé'],
    ['non-zero spare bits (2 chars)', 'YR'],
    ['non-zero spare bits (3 chars)', 'YWJ'.slice(0, 2) + 'K'],
    ['dot', 'YW.j'],
  ])('rejects %s', (_name, input) => {
    expect(decodeBase64UrlStrict(input)).toBeNull();
  });
});
