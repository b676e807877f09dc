import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { expect, it } from 'vitest';
import { createVerifiedTokenCache } from '../../../../src/plugins/jwt/verified-token-cache.js';
import { HS_SECRET, NOW, makeAuthenticator, makeCredential, makeRequest, makeSpec, mint } from './fixtures.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** Heap bytes a cache filled by `fill` holds: the heap with it, minus the heap once it is emptied. */
function heldBy(fill: (cache: ReturnType<typeof createVerifiedTokenCache>) => void): { held: number; charged: number } {
  const cache = createVerifiedTokenCache(2 ** 30);
  fill(cache);
  const charged = cache.bytes;
  gc();
  gc();
  const withCache = process.memoryUsage().heapUsed;
  cache.resize(0);
  gc();
  gc();
  return { held: withCache - process.memoryUsage().heapUsed, charged };
}

const hs = makeCredential(makeSpec({ key: 'hs', algorithm: 'HS256', secret: HS_SECRET }));

it('what the cache charges covers the heap its entries hold', () => {
  const { held, charged } = heldBy((cache) => {
    const auth = makeAuthenticator([hs], {}, { cache });
    for (let i = 0; i < 3000; i++) {
      const t = mint({ algorithm: 'HS256', key: 'hs', secret: HS_SECRET, claims: { n: i, pad: 'x'.repeat(1000) } });
      auth.authenticate(makeRequest({ headers: [['Authorization', `Bearer ${t}`]] }), NOW);
    }
  });
  expect(charged).toBeGreaterThan(3000 * 1300);
  expect(held).toBeLessThanOrEqual(charged);
});

it('a token read from a long query string does not keep the rest of the query alive', () => {
  const neighbour = 'y'.repeat(20_000);
  const { held, charged } = heldBy((cache) => {
    const auth = makeAuthenticator([hs], {}, { cache });
    for (let i = 0; i < 1000; i++) {
      const t = mint({ algorithm: 'HS256', key: 'hs', secret: HS_SECRET, claims: { n: i } });
      auth.authenticate(makeRequest({ query: `jwt=${t}&other=${neighbour}${i}` }), NOW);
    }
  });
  // 1,000 × 20 KB queries would be ~20 MB; the entries themselves are ~0.5 MB.
  expect(held).toBeLessThanOrEqual(2 * charged);
});
