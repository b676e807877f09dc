/**
 * Microbenchmark: µs per authenticate() call for HS256/RS256/ES256/EdDSA, with the verified-token
 * cache off (every call decodes and verifies) and on (same token repeated).
 * Run: npx tsc -p tsconfig.json --outDir /tmp/pc-bench && node /tmp/pc-bench/bench/jwt-verify.js
 */
import { jwtPluginConfigSchema } from '../src/model/jwt-config.js';
import type { JwtAlgorithm } from '../src/model/algorithms.js';
import { createJwtAuthenticator } from '../src/plugins/jwt/authenticator.js';
import { createVerifiedTokenCache } from '../src/plugins/jwt/verified-token-cache.js';
import { importCredentialKeys } from '../src/plugins/jwt/keys.js';
import type { AuthRequest, Consumer, Credential } from '../src/snapshot/types.js';
import { mintToken } from '../src/tokens/mint.js';
import { generateTestKeyPair } from '../src/tokens/test-keys.js';

const NOW = Math.floor(Date.now() / 1000);
const consumer: Consumer = {
  id: 'c1', username: 'bench', tags: [], scope: '', ref: { kind: 'consumers', name: 'bench' },
  upstreamHeaders: { 'x-consumer-id': 'c1', 'x-consumer-username': 'bench' },
};

function setup(alg: JwtAlgorithm) {
  const pair = alg.startsWith('HS') ? undefined : generateTestKeyPair(alg);
  const secret = 'bench-secret-bench-secret-bench-secret';
  const spec = {
    ref: { kind: 'jwt_secrets', name: 'k' }, scope: '', consumerRef: 'bench', consumerRefKind: 'username-or-id' as const,
    key: 'k', algorithm: alg, tags: [],
    ...(pair ? { rsaPublicKey: pair.publicKeyPem } : { secret }),
  };
  const imported = importCredentialKeys(spec);
  if (!imported.ok) throw new Error(imported.message);
  const credential: Credential = { id: 'cred', key: 'k', algorithm: alg, consumer, spec, ...imported.keys };
  const token = mintToken({ algorithm: alg, key: 'k', expiresInSeconds: 3600, now: NOW, ...(pair ? { privateKeyPem: pair.privateKeyPem } : { secret }) });
  const req: AuthRequest = { method: 'GET', rawQuery: '', rawHeaders: ['Host', 'x', 'Authorization', `Bearer ${token}`] };
  const make = (cacheBytes: number) =>
    createJwtAuthenticator({
      pluginId: 'p', config: jwtPluginConfigSchema.parse({ claimsToVerify: ['exp'] }),
      credentialsByKey: new Map([['k', credential]]), cache: createVerifiedTokenCache(cacheBytes),
    });
  return { req, uncached: make(0), cached: make(32 << 20) };
}

function measure(fn: () => void, minMs = 400): number {
  for (let i = 0; i < 200; i++) fn();
  let n = 0;
  const start = process.hrtime.bigint();
  let elapsed = 0;
  while (elapsed < minMs * 1e6) {
    for (let i = 0; i < 100; i++) fn();
    n += 100;
    elapsed = Number(process.hrtime.bigint() - start);
  }
  return elapsed / n / 1000;
}

for (const alg of ['HS256', 'RS256', 'ES256', 'EdDSA'] as const) {
  const { req, uncached, cached } = setup(alg);
  if (uncached.authenticate(req, NOW).kind !== 'authenticated') throw new Error(`${alg}: bench token rejected`);
  const u = measure(() => uncached.authenticate(req, NOW));
  const c = measure(() => cached.authenticate(req, NOW));
  process.stdout.write(`${alg.padEnd(6)} uncached ${u.toFixed(2).padStart(7)} µs   cached ${c.toFixed(2).padStart(6)} µs\n`);
}
