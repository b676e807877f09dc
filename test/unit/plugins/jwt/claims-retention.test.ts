import { describe, expect, it } from 'vitest';
import { TokenCache } from '../../../../src/plugins/jwt/token-cache.js';
import { createVerifiedTokenCache } from '../../../../src/plugins/jwt/verified-token-cache.js';
import { NOW, bearer, credentialFor, makeAuthenticator, mint } from './fixtures.js';

/**
 * The verified claims a jwt-claims plugin reads (docs/claims.md#memory): only instances it runs
 * after keep them; a cache hit hands out the payload decoded on the miss, never a second decode.
 */
describe('retainClaims', () => {
  const { credential, signing } = credentialFor('HS256', 'k1');
  const token = mint({ algorithm: 'HS256', key: 'k1', ...signing, claims: { sub: 'alice', roles: ['a', 'b'] } });

  it('off (the default): the outcome is the credential\'s shared one, without claims', () => {
    const cache = createVerifiedTokenCache(1 << 20);
    const auth = makeAuthenticator([credential], {}, { cache });
    const out = auth.authenticate(bearer(token), NOW);
    expect(out.kind).toBe('authenticated');
    expect(out).not.toHaveProperty('claims');
    expect(cache.bytes).toBe(TokenCache.entryBytes(token));
  });

  it('on: the verified payload, the same object on every cache hit, charged to the cache budget', () => {
    const cache = createVerifiedTokenCache(1 << 20);
    const auth = makeAuthenticator([credential], {}, { cache, retainClaims: true });
    const first = auth.authenticate(bearer(token), NOW);
    const second = auth.authenticate(bearer(token), NOW);
    expect(first.kind === 'authenticated' && first.claims).toMatchObject({ sub: 'alice', roles: ['a', 'b'], iss: 'k1' });
    expect(second).toBe(first);
    expect(cache.hits).toBe(1);
    const payload = token.split('.')[1]!;
    expect(cache.bytes).toBe(TokenCache.entryBytes(token) + 2 * payload.length);
  });

  it('an entry cached without claims is verified again by an instance that needs them; then both hit', () => {
    const cache = createVerifiedTokenCache(1 << 20);
    const plain = makeAuthenticator([credential], {}, { cache });
    const withClaims = makeAuthenticator([credential], {}, { cache, retainClaims: true });
    plain.authenticate(bearer(token), NOW);
    expect(cache.misses).toBe(1);
    const out = withClaims.authenticate(bearer(token), NOW);
    expect(out.kind === 'authenticated' && out.claims?.sub).toBe('alice');
    expect(cache.misses).toBe(2);
    expect(cache.size).toBe(1);
    expect(plain.authenticate(bearer(token), NOW)).toBe(out);
    expect(withClaims.authenticate(bearer(token), NOW)).toBe(out);
    expect(cache.misses).toBe(2);
  });

  it('anonymous and rejected outcomes carry no claims', () => {
    const auth = makeAuthenticator([credential], {}, { retainClaims: true, cache: createVerifiedTokenCache(1 << 20) });
    const forged = mint({ algorithm: 'HS256', key: 'k1', secret: 'wrong-secret-wrong-secret-wrong!', claims: { sub: 'mallory' } });
    const out = auth.authenticate(bearer(forged), NOW);
    expect(out.kind).toBe('rejected');
    expect(JSON.stringify(out)).not.toContain('mallory');
  });
});
