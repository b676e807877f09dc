import { describe, expect, it } from 'vitest';
import { LruCache } from '../../../src/plugins/jwt/token-cache.js';
import { HS_SECRET, NOW, bearer, credentialFor, makeAuthenticator, makeConsumer, makeCredential, makeSpec, mint } from './fixtures.js';

describe('LruCache', () => {
  it('evicts the least recently used entry when full', () => {
    const lru = new LruCache<number>(2);
    lru.set('a', 1);
    lru.set('b', 2);
    expect(lru.get('a')).toBe(1); // a is now the most recent
    lru.set('c', 3);
    expect(lru.get('b')).toBeUndefined();
    expect(lru.get('a')).toBe(1);
    expect(lru.get('c')).toBe(3);
    expect(lru.size).toBe(2);
  });

  it('size 0 caches nothing', () => {
    const lru = new LruCache<number>(0);
    lru.set('a', 1);
    expect(lru.get('a')).toBeUndefined();
  });
});

describe('verified-token cache in the authenticator', () => {
  const { credential } = credentialFor('ES256', 'es-key');
  const token = mint({ algorithm: 'ES256', key: 'es-key', privateKeyPem: credentialFor('ES256').signing.privateKeyPem, expiresInSeconds: 60 });

  it('an expired token is rejected even after it was cached', () => {
    const auth = makeAuthenticator([credential], { claimsToVerify: ['exp'] });
    expect(auth.authenticate(bearer(token), NOW).kind).toBe('authenticated');
    expect(auth.cacheSize).toBe(1);
    expect(auth.authenticate(bearer(token), NOW + 59).kind).toBe('authenticated');
    expect(auth.authenticate(bearer(token), NOW + 60)).toMatchObject({ body: '{"exp":"token expired"}' });
  });

  it('nbf and maximum_expiration are re-checked against each request time', () => {
    const nbfToken = mint({ algorithm: 'HS256', key: 'hs', secret: HS_SECRET, claims: { nbf: NOW + 10, exp: NOW + 100 } });
    const hs = makeCredential(makeSpec({ key: 'hs', algorithm: 'HS256', secret: HS_SECRET }));
    const auth = makeAuthenticator([hs], { claimsToVerify: ['exp', 'nbf'], maximumExpiration: 60 });
    // Too far from expiry and not valid yet: nbf fails first (claims before maximum_expiration).
    expect(auth.authenticate(bearer(nbfToken), NOW)).toMatchObject({ body: '{"nbf":"token not valid yet"}' });
    expect(auth.authenticate(bearer(nbfToken), NOW + 20)).toMatchObject({ body: '{"exp":"exceeds maximum allowed expiration"}' });
    expect(auth.authenticate(bearer(nbfToken), NOW + 40).kind).toBe('authenticated');
  });

  it('a token that failed a time check is accepted once time allows it', () => {
    const hs = makeCredential(makeSpec({ key: 'hs', algorithm: 'HS256', secret: HS_SECRET }));
    const t = mint({ algorithm: 'HS256', key: 'hs', secret: HS_SECRET, claims: { nbf: NOW + 5 } });
    const auth = makeAuthenticator([hs], { claimsToVerify: ['nbf'] });
    expect(auth.authenticate(bearer(t), NOW).kind).toBe('rejected');
    expect(auth.authenticate(bearer(t), NOW + 5).kind).toBe('authenticated');
  });

  it('failures are not cached', () => {
    const auth = makeAuthenticator([credential]);
    auth.authenticate(bearer(`${token.slice(0, -4)}AAAA`), NOW);
    auth.authenticate(bearer('a.b.c'), NOW);
    expect(auth.cacheSize).toBe(0);
  });

  it('is bounded by cacheSize', () => {
    const hs = makeCredential(makeSpec({ key: 'hs', algorithm: 'HS256', secret: HS_SECRET }));
    const auth = makeAuthenticator([hs], {}, { cacheSize: 5 });
    for (let i = 0; i < 20; i++) {
      const t = mint({ algorithm: 'HS256', key: 'hs', secret: HS_SECRET, claims: { n: i } });
      expect(auth.authenticate(bearer(t), NOW).kind).toBe('authenticated');
    }
    expect(auth.cacheSize).toBe(5);
  });

  it('returns the same frozen outcome from cache and from a fresh verification', () => {
    const auth = makeAuthenticator([credential]);
    const first = auth.authenticate(bearer(token), NOW);
    const second = auth.authenticate(bearer(token), NOW);
    expect(second).toBe(first);
    expect(Object.isFrozen(first)).toBe(true);
  });

  it('a new authenticator (new snapshot) does not see the old cache: a removed credential stops working', () => {
    const before = makeAuthenticator([credential]);
    expect(before.authenticate(bearer(token), NOW).kind).toBe('authenticated');
    const after = makeAuthenticator([]);
    expect(after.authenticate(bearer(token), NOW)).toMatchObject({ body: `{"message":"No credentials found for given 'iss'"}` });
  });

  it('the cache is per instance: a credential for another consumer is not reused across configs', () => {
    const bob = makeConsumer('bob');
    const other = makeCredential(makeSpec({ key: 'es-key', algorithm: 'ES256', rsaPublicKey: credential.spec.rsaPublicKey }), bob);
    const a = makeAuthenticator([credential]);
    const b = makeAuthenticator([other]);
    expect(a.authenticate(bearer(token), NOW)).toMatchObject({ consumer: { username: 'alice' } });
    expect(b.authenticate(bearer(token), NOW)).toMatchObject({ consumer: { username: 'bob' } });
  });
});

it('very long tokens are verified but not cached', () => {
  const hs = makeCredential(makeSpec({ key: 'hs', algorithm: 'HS256', secret: HS_SECRET }));
  const auth = makeAuthenticator([hs]);
  const long = mint({ algorithm: 'HS256', key: 'hs', secret: HS_SECRET, claims: { pad: 'x'.repeat(5000) } });
  expect(auth.authenticate(bearer(long), NOW).kind).toBe('authenticated');
  expect(auth.cacheSize).toBe(0);
});
