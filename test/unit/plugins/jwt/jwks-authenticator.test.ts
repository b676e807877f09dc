import { createHmac, generateKeyPairSync } from 'node:crypto';
import { importJWK, SignJWT, type JWK } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultJwksTiming } from '../../../../src/model/jwks.js';
import { createVerifiedTokenCache } from '../../../../src/plugins/jwt/verified-token-cache.js';
import { JwksRegistry } from '../../../../src/runtime/jwks-registry.js';
import type { Credential } from '../../../../src/snapshot/types.js';
import { bearer, makeAuthenticator, makeConsumer, makeSpec } from './fixtures.js';

/**
 * The jwt plugin with a JWKS credential (an inline key set through the real registry): kid
 * selection, the credential's algorithms, no HMAC through a published key, and the verified-token
 * cache following key set versions.
 */
const registry = new JwksRegistry({ allowHttp: false });
const RSA = generateKeyPairSync('rsa', { modulusLength: 2048 });
const EC = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const rsaJwk = { ...(RSA.publicKey.export({ format: 'jwk' }) as JWK), kid: 'r', use: 'sig' };
const ecJwk = { ...(EC.publicKey.export({ format: 'jwk' }) as JWK), kid: 'e' };
let credential: Credential;
const now = () => Math.floor(Date.now() / 1000);

async function sign(alg: 'RS256' | 'ES256' | 'PS256', kid: string | undefined, iss = 'idp'): Promise<string> {
  const key = await importJWK((alg === 'ES256' ? EC : RSA).privateKey.export({ format: 'jwk' }) as JWK, alg);
  return new SignJWT({ iss }).setProtectedHeader(kid === undefined ? { alg } : { alg, kid }).setExpirationTime('5m').sign(key);
}

beforeAll(async () => {
  const spec = makeSpec({ key: 'idp', algorithm: 'RS256' });
  spec.jwks = { inline: JSON.stringify({ keys: [rsaJwk, ecJwk] }), field: 'jwks.keys', algorithms: ['RS256', 'ES256'], timing: defaultJwksTiming() };
  registry.beginBuild();
  const source = registry.source(spec.jwks, spec.ref);
  registry.commitBuild();
  await source.refetch();
  credential = { id: 'c', key: 'idp', algorithm: 'RS256', consumer: makeConsumer(), spec, jwks: source };
});
afterAll(() => registry.close());

describe('jwt plugin with a JWKS credential', () => {
  it('verifies RS256 and ES256 tokens by kid', async () => {
    const auth = makeAuthenticator([credential], {}, { cache: createVerifiedTokenCache(0) });
    expect(auth.authenticate(bearer(await sign('RS256', 'r')), now())).toMatchObject({ kind: 'authenticated', credential });
    expect(auth.authenticate(bearer(await sign('ES256', 'e')), now())).toMatchObject({ kind: 'authenticated' });
  });

  it('refuses algorithms the credential does not allow, even when the key could verify them', async () => {
    const auth = makeAuthenticator([credential], {}, { cache: createVerifiedTokenCache(0) });
    expect(auth.authenticate(bearer(await sign('PS256', 'r')), now())).toMatchObject({ body: '{"message":"Invalid algorithm"}' });
  });

  it('never verifies HS256 with a published key', () => {
    const auth = makeAuthenticator([credential], {}, { cache: createVerifiedTokenCache(0) });
    const h = Buffer.from(JSON.stringify({ alg: 'HS256', kid: 'r' })).toString('base64url');
    const p = Buffer.from(JSON.stringify({ iss: 'idp' })).toString('base64url');
    const pem = RSA.publicKey.export({ type: 'spki', format: 'pem' }) as string;
    const s = createHmac('sha256', pem).update(`${h}.${p}`).digest('base64url');
    expect(auth.authenticate(bearer(`${h}.${p}.${s}`), now())).toMatchObject({ body: '{"message":"Invalid algorithm"}' });
  });

  it('refuses a kid of another key type, and an unknown kid when no refetch is possible', async () => {
    const auth = makeAuthenticator([credential], {}, { cache: createVerifiedTokenCache(0) });
    // Signed by the RSA key but naming the EC key's kid.
    expect(auth.authenticate(bearer(await sign('RS256', 'e')), now())).toMatchObject({ reason: 'jwks_unknown_kid' });
    expect(auth.authenticate(bearer(await sign('RS256', 'zz')), now())).toMatchObject({ reason: 'jwks_unknown_kid', status: 401 });
    // No kid: the set's one key fitting RS256 answers (two fitting keys would not).
    expect(auth.authenticate(bearer(await sign('RS256', undefined)), now())).toMatchObject({ kind: 'authenticated' });
  });

  it('caches a verification only for the key set it was verified with', async () => {
    const cache = createVerifiedTokenCache(1 << 20);
    const auth = makeAuthenticator([credential], {}, { cache });
    const token = await sign('RS256', 'r');
    auth.authenticate(bearer(token), now());
    auth.authenticate(bearer(token), now());
    expect(cache.hits).toBe(1);
  });
});
