/**
 * How many heap bytes a verified-token cache entry really costs, against what the cache charges
 * for it (ENTRY_OVERHEAD_BYTES + key characters). Fills a cache through the real authenticator
 * (tokens arrive as slices of an Authorization header, from a query string, and with a
 * large parent string that must not be kept alive), collects garbage, and divides what the heap
 * gives back once the cache is emptied by the entries it held.
 * Run: npx tsc -p tsconfig.json --outDir /tmp/pc-bench && node --expose-gc /tmp/pc-bench/bench/token-cache-heap.js
 */
import { jwtPluginConfigSchema } from '../src/model/jwt-config.js';
import { createJwtAuthenticator } from '../src/plugins/jwt/authenticator.js';
import { importCredentialKeys } from '../src/plugins/jwt/keys.js';
import { ENTRY_OVERHEAD_BYTES } from '../src/plugins/jwt/token-cache.js';
import { createVerifiedTokenCache } from '../src/plugins/jwt/verified-token-cache.js';
import type { AuthRequest, Consumer, Credential } from '../src/snapshot/types.js';
import { mintToken } from '../src/tokens/mint.js';

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with node --expose-gc');

const NOW = Math.floor(Date.now() / 1000);
const consumer: Consumer = {
  id: 'c1', username: 'bench', tags: [], scope: '', ref: { kind: 'consumers', name: 'bench' },
  upstreamHeaders: { 'x-consumer-id': 'c1', 'x-consumer-username': 'bench' },
};
const secret = 'bench-secret-bench-secret-bench-secret';
const spec = { ref: { kind: 'jwt_secrets', name: 'k' }, scope: '', consumerRef: 'bench', consumerRefKind: 'username-or-id' as const, key: 'k', algorithm: 'HS256' as const, tags: [], secret };
const imported = importCredentialKeys(spec);
if (!imported.ok) throw new Error(imported.message);
const credential: Credential = { id: 'cred', key: 'k', algorithm: 'HS256', consumer, spec, ...imported.keys };

type Source = 'header' | 'query with a 30 KB neighbour';
const request = (token: string, source: Source): AuthRequest =>
  source === 'header'
    ? { method: 'GET', rawQuery: '', rawHeaders: ['Host', 'x', 'Authorization', `Bearer ${token}`] }
    : { method: 'GET', rawQuery: `jwt=${token}&other=${'y'.repeat(30_000)}`, rawHeaders: ['Host', 'x'] };

function measure(n: number, padChars: number, exp: number, source: Source): void {
  let cache = createVerifiedTokenCache(2 ** 31);
  const auth = createJwtAuthenticator({
    pluginId: 'p', config: jwtPluginConfigSchema.parse({ claimsToVerify: ['exp'] }), credentialsByKey: new Map([['k', credential]]), cache,
  });
  let tokenChars = 0;
  for (let i = 0; i < n; i++) {
    const token = mintToken({ algorithm: 'HS256', key: 'k', secret, now: NOW, claims: { n: i, exp, pad: 'x'.repeat(padChars) } });
    tokenChars = token.length;
    if (auth.authenticate(request(token, source), NOW).kind !== 'authenticated') throw new Error('bench token rejected');
  }
  const entries = cache.size;
  const charged = cache.bytes;
  // What the cache holds = the heap with it, minus the heap once it is emptied and collected.
  gc!();
  gc!();
  const withCache = process.memoryUsage().heapUsed;
  cache.resize(0);
  cache = createVerifiedTokenCache(0);
  gc!();
  gc!();
  const held = withCache - process.memoryUsage().heapUsed;
  process.stdout.write(
    `${String(entries).padStart(6)} tokens of ${String(tokenChars).padStart(4)} chars, exp ${exp > 2 ** 31 ? 'heap number' : 'small int  '}, ${source.padEnd(30)}` +
      `held ${(held / entries).toFixed(0).padStart(5)} B/entry (${((held / entries) - tokenChars).toFixed(0).padStart(3)} beyond the token), ` +
      `charged ${(charged / entries).toFixed(0).padStart(5)} (overhead ${ENTRY_OVERHEAD_BYTES}): ${held <= charged ? 'within' : 'OVER'} the charge\n`,
  );
}

for (const source of ['header', 'query with a 30 KB neighbour'] as const) {
  for (const [n, pad] of [[20_000, 100], [20_000, 2800], [5_000, 2800]] as const) {
    measure(n, pad, NOW + 3600, source);
    measure(n, pad, 2 ** 32, source);
  }
}
