import { describe, expect, it } from 'vitest';
import { ENTRY_OVERHEAD_BYTES, TokenCache } from '../../../../src/plugins/jwt/token-cache.js';
import {
  createVerifiedTokenCache,
  defaultTokenCacheBytes,
  dropStaleVerifications,
  processTokenCache,
} from '../../../../src/plugins/jwt/verified-token-cache.js';
import { HS_SECRET, NOW, bearer, credentialFor, makeAuthenticator, makeConsumer, makeCredential, makeSpec, mint } from './fixtures.js';

const MiB = 2 ** 20;

describe('TokenCache', () => {
  const cost = (k: string) => TokenCache.entryBytes(k);

  it('charges each entry its key characters plus a fixed overhead, two bytes a character beyond Latin-1', () => {
    expect(cost('abc')).toBe(ENTRY_OVERHEAD_BYTES + 3);
    expect(cost('é'.repeat(10))).toBe(ENTRY_OVERHEAD_BYTES + 10);
    expect(cost('Ā'.repeat(10))).toBe(ENTRY_OVERHEAD_BYTES + 20);
    const cache = new TokenCache<number>(10 * MiB);
    cache.set('abc', 1);
    cache.set('Ā'.repeat(10), 2);
    expect(cache.bytes).toBe(cost('abc') + cost('Ā'.repeat(10)));
  });

  it('evicts the least recently used entry when over its byte budget, and counts it', () => {
    const cache = new TokenCache<number>(2 * cost('a') + 1);
    cache.set('a', 1);
    cache.set('b', 2);
    cache.set('c', 3);
    expect(cache.get('a')).toBeUndefined();
    expect(cache.get('b')).toBe(2);
    expect(cache.get('c')).toBe(3);
    expect(cache.evictions).toBe(1);
    expect(cache.bytes).toBe(2 * cost('a'));
  });

  it('budget 0 caches nothing; a key costing more than the budget is not kept', () => {
    const none = new TokenCache<number>(0);
    none.set('a', 1);
    expect(none.get('a')).toBeUndefined();
    const small = new TokenCache<number>(cost('x'.repeat(100)));
    small.set('x'.repeat(101), 1);
    expect(small.size).toBe(0);
    small.set('x'.repeat(100), 1);
    expect(small.size).toBe(1);
  });

  it('keeps keys used again while a flood of keys used once passes through', () => {
    const key = (i: number) => `flood-${i}`.padEnd(64, '.');
    const cache = new TokenCache<number>(100 * cost(key(0)));
    const regulars = Array.from({ length: 50 }, (_, i) => `regular-${i}`.padEnd(64, '.'));
    for (const r of regulars) cache.set(r, 1);
    for (const r of regulars) expect(cache.get(r)).toBe(1); // promoted: used twice
    for (let i = 0; i < 10_000; i++) {
      cache.set(key(i), i);
      if (i % 10 === 0) expect(cache.get(regulars[(i / 10) % 50]!)).toBe(1);
    }
    for (const r of regulars) expect(cache.get(r)).toBe(1);
    expect(cache.bytes).toBeLessThanOrEqual(100 * cost(key(0)));
  });

  it('resize evicts down to the new budget at once', () => {
    const cache = new TokenCache<number>(MiB);
    for (let i = 0; i < 1000; i++) cache.set(`key-${i}`, i);
    cache.resize(10 * cost('key-999'));
    expect(cache.size).toBe(10);
    expect(cache.bytes).toBeLessThanOrEqual(cache.budgetBytes);
    expect(cache.get('key-999')).toBe(999);
  });

  it('retain drops what the predicate refuses, and its bytes', () => {
    const cache = new TokenCache<number>(MiB);
    for (let i = 0; i < 10; i++) cache.set(`key-${i}`, i);
    cache.get('key-3'); // one entry in each segment
    expect(cache.retain((v) => v % 2 === 0)).toBe(5);
    expect(cache.size).toBe(5);
    expect(cache.get('key-3')).toBeUndefined();
    expect(cache.get('key-4')).toBe(4);
    expect(cache.bytes).toBe(5 * cost('key-0'));
  });
});

it('the default budget is an eighth of the heap limit, between 1 and 64 MiB', () => {
  expect(defaultTokenCacheBytes(256 * MiB)).toBe(32 * MiB);
  expect(defaultTokenCacheBytes(4096 * MiB)).toBe(64 * MiB);
  expect(defaultTokenCacheBytes(4 * MiB)).toBe(1 * MiB);
});

describe('verified-token cache in the authenticator', () => {
  const { credential } = credentialFor('ES256', 'es-key');
  const token = mint({ algorithm: 'ES256', key: 'es-key', privateKeyPem: credentialFor('ES256').signing.privateKeyPem, expiresInSeconds: 60 });
  const hs = makeCredential(makeSpec({ key: 'hs', algorithm: 'HS256', secret: HS_SECRET }));
  const fresh = () => createVerifiedTokenCache(MiB);

  it('by default every authenticator uses the one process-wide cache', () => {
    const before = processTokenCache.size;
    const t = mint({ algorithm: 'HS256', key: 'hs', secret: HS_SECRET, claims: { n: 'process-wide' } });
    const a = makeAuthenticator([hs]);
    const b = makeAuthenticator([hs]);
    expect(a.authenticate(bearer(t), NOW).kind).toBe('authenticated');
    expect(processTokenCache.size).toBe(before + 1);
    const hits = processTokenCache.hits;
    expect(b.authenticate(bearer(t), NOW).kind).toBe('authenticated');
    expect(processTokenCache.hits).toBe(hits + 1);
  });

  it('an expired token is rejected even after it was cached', () => {
    const auth = makeAuthenticator([credential], { claimsToVerify: ['exp'] }, { cache: fresh() });
    expect(auth.authenticate(bearer(token), NOW).kind).toBe('authenticated');
    expect(auth.cacheSize).toBe(1);
    expect(auth.authenticate(bearer(token), NOW + 59).kind).toBe('authenticated');
    expect(auth.authenticate(bearer(token), NOW + 60)).toMatchObject({ body: '{"exp":"token expired"}' });
  });

  it('nbf and maximum_expiration are re-checked against each request time', () => {
    const nbfToken = mint({ algorithm: 'HS256', key: 'hs', secret: HS_SECRET, claims: { nbf: NOW + 10, exp: NOW + 100 } });
    const auth = makeAuthenticator([hs], { claimsToVerify: ['exp', 'nbf'], maximumExpiration: 60 }, { cache: fresh() });
    // Too far from expiry and not valid yet: nbf fails first (claims before maximum_expiration).
    expect(auth.authenticate(bearer(nbfToken), NOW)).toMatchObject({ body: '{"nbf":"token not valid yet"}' });
    expect(auth.authenticate(bearer(nbfToken), NOW + 20)).toMatchObject({ body: '{"exp":"exceeds maximum allowed expiration"}' });
    expect(auth.authenticate(bearer(nbfToken), NOW + 40).kind).toBe('authenticated');
  });

  it('exp and nbf that are not numbers stay "must be a number" when served from the cache', () => {
    const t = mint({ algorithm: 'HS256', key: 'hs', secret: HS_SECRET, claims: { exp: String(NOW + 100), nbf: { at: 1 } } });
    const cache = fresh();
    const lax = makeAuthenticator([hs], {}, { cache });
    const strict = makeAuthenticator([hs], { claimsToVerify: ['exp', 'nbf'] }, { cache });
    expect(lax.authenticate(bearer(t), NOW).kind).toBe('authenticated');
    expect(strict.authenticate(bearer(t), NOW)).toMatchObject({ body: '{"exp":"must be a number","nbf":"must be a number"}' });
    expect(cache.hits).toBe(1);
  });

  it('a token that failed a time check is accepted once time allows it', () => {
    const t = mint({ algorithm: 'HS256', key: 'hs', secret: HS_SECRET, claims: { nbf: NOW + 5 } });
    const auth = makeAuthenticator([hs], { claimsToVerify: ['nbf'] }, { cache: fresh() });
    expect(auth.authenticate(bearer(t), NOW).kind).toBe('rejected');
    expect(auth.authenticate(bearer(t), NOW + 5).kind).toBe('authenticated');
  });

  it('failures are not cached', () => {
    const auth = makeAuthenticator([credential], {}, { cache: fresh() });
    auth.authenticate(bearer(`${token.slice(0, -4)}AAAA`), NOW);
    auth.authenticate(bearer('a.b.c'), NOW);
    expect(auth.cacheSize).toBe(0);
  });

  it('counts hits and misses', () => {
    const cache = fresh();
    const auth = makeAuthenticator([credential], {}, { cache });
    for (let i = 0; i < 3; i++) auth.authenticate(bearer(token), NOW);
    auth.authenticate(bearer('a.b.c'), NOW);
    expect({ hits: cache.hits, misses: cache.misses }).toEqual({ hits: 2, misses: 2 });
  });

  it('several plugin instances share one byte budget and each other\'s verifications', () => {
    const cache = createVerifiedTokenCache(256 * 1024);
    const routes = Array.from({ length: 6 }, () => makeAuthenticator([hs], {}, { cache }));
    const pad = 'x'.repeat(2800);
    for (let i = 0; i < 600; i++) {
      const t = mint({ algorithm: 'HS256', key: 'hs', secret: HS_SECRET, claims: { n: i, pad } });
      expect(routes[i % 6]!.authenticate(bearer(t), NOW).kind).toBe('authenticated');
    }
    expect(cache.bytes).toBeLessThanOrEqual(256 * 1024);
    expect(cache.size).toBeGreaterThan(40);
    expect(cache.evictions).toBe(600 - cache.size);
    const shared = mint({ algorithm: 'HS256', key: 'hs', secret: HS_SECRET, claims: { n: 'shared' } });
    routes[0]!.authenticate(bearer(shared), NOW);
    const hits = cache.hits;
    for (const r of routes.slice(1)) expect(r.authenticate(bearer(shared), NOW).kind).toBe('authenticated');
    expect(cache.hits).toBe(hits + 5);
  });

  it('returns the same frozen outcome from cache and from a fresh verification', () => {
    const auth = makeAuthenticator([credential], {}, { cache: fresh() });
    const first = auth.authenticate(bearer(token), NOW);
    const second = auth.authenticate(bearer(token), NOW);
    expect(second).toBe(first);
    expect(Object.isFrozen(first)).toBe(true);
  });

  describe('across snapshots (one cache, new credential objects)', () => {
    it('a removed credential stops working at once', () => {
      const cache = fresh();
      expect(makeAuthenticator([credential], {}, { cache }).authenticate(bearer(token), NOW).kind).toBe('authenticated');
      const after = makeAuthenticator([], {}, { cache });
      expect(after.authenticate(bearer(token), NOW)).toMatchObject({ body: `{"message":"No credentials found for given 'iss'"}` });
    });

    it('a credential whose secret changed does not accept tokens signed with the old one', () => {
      const cache = fresh();
      const t = mint({ algorithm: 'HS256', key: 'hs', secret: HS_SECRET });
      expect(makeAuthenticator([hs], {}, { cache }).authenticate(bearer(t), NOW).kind).toBe('authenticated');
      const rotated = makeCredential(makeSpec({ key: 'hs', algorithm: 'HS256', secret: 'a-brand-new-secret-after-rotation' }));
      const after = makeAuthenticator([rotated], {}, { cache });
      expect(after.authenticate(bearer(t), NOW)).toMatchObject({ body: '{"message":"Invalid signature"}' });
      expect(cache.size).toBe(0); // the stale verification is gone, not just bypassed
      expect(after.authenticate(bearer(mint({ algorithm: 'HS256', key: 'hs', secret: 'a-brand-new-secret-after-rotation' })), NOW).kind).toBe('authenticated');
    });

    it('a credential moved to another consumer authenticates as the new one', () => {
      const cache = fresh();
      const bob = makeCredential(makeSpec({ key: 'es-key', algorithm: 'ES256', rsaPublicKey: credential.spec.rsaPublicKey }), makeConsumer('bob'));
      expect(makeAuthenticator([credential], {}, { cache }).authenticate(bearer(token), NOW)).toMatchObject({ consumer: { username: 'alice' } });
      expect(makeAuthenticator([bob], {}, { cache }).authenticate(bearer(token), NOW)).toMatchObject({ consumer: { username: 'bob' } });
    });

    it('dropStaleVerifications forgets what the new credentials no longer hold', () => {
      const cache = fresh();
      makeAuthenticator([credential, hs], {}, { cache }).authenticate(bearer(token), NOW);
      makeAuthenticator([credential, hs], {}, { cache }).authenticate(bearer(mint({ algorithm: 'HS256', key: 'hs', secret: HS_SECRET })), NOW);
      expect(cache.size).toBe(2);
      const next = new Map([['hs', hs]]);
      expect(dropStaleVerifications(cache, next)).toBe(1);
      expect(cache.size).toBe(1);
      // What stays points at the new index: no entry keeps the previous snapshot's alive.
      expect(cache.get(mint({ algorithm: 'HS256', key: 'hs', secret: HS_SECRET }))?.index).toBe(next);
      expect(dropStaleVerifications(cache, new Map([['hs', makeCredential(hs.spec)]]))).toBe(1);
      expect(cache.size).toBe(0);
    });
  });

  describe('instances that verify differently do not use each other\'s results', () => {
    it('key_claim_name: the same token names different credentials', () => {
      const cache = fresh();
      const byIss = makeCredential(makeSpec({ key: 'issuer', algorithm: 'HS256', secret: HS_SECRET }), makeConsumer('alice'));
      const byKid = makeCredential(makeSpec({ key: 'key-id', algorithm: 'HS256', secret: HS_SECRET }), makeConsumer('bob'));
      const t = mint({ algorithm: 'HS256', key: 'issuer', secret: HS_SECRET, header: { kid: 'key-id' } });
      const creds = [byIss, byKid];
      expect(makeAuthenticator(creds, {}, { cache }).authenticate(bearer(t), NOW)).toMatchObject({ consumer: { username: 'alice' } });
      expect(makeAuthenticator(creds, { keyClaimName: 'kid' }, { cache }).authenticate(bearer(t), NOW)).toMatchObject({ consumer: { username: 'bob' } });
    });

    it('secret_is_base64: a token signed with the raw secret is refused where the secret is read as base64', () => {
      const cache = fresh();
      const b64 = makeCredential(makeSpec({ key: 'b64', algorithm: 'HS256', secret: 'c2VjcmV0LXNlY3JldC1zZWNyZXQ=' }));
      const t = mint({ algorithm: 'HS256', key: 'b64', secret: 'c2VjcmV0LXNlY3JldC1zZWNyZXQ=' });
      expect(makeAuthenticator([b64], {}, { cache }).authenticate(bearer(t), NOW).kind).toBe('authenticated');
      expect(makeAuthenticator([b64], { secretIsBase64: true }, { cache }).authenticate(bearer(t), NOW)).toMatchObject({
        body: '{"message":"Invalid signature"}',
      });
    });
  });

  it('very long tokens are verified but not cached', () => {
    const auth = makeAuthenticator([hs], {}, { cache: fresh() });
    const long = mint({ algorithm: 'HS256', key: 'hs', secret: HS_SECRET, claims: { pad: 'x'.repeat(5000) } });
    expect(auth.authenticate(bearer(long), NOW).kind).toBe('authenticated');
    expect(auth.cacheSize).toBe(0);
  });
});
