import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { defaultJwksTiming, type JwksSpec, type JwksTiming } from '../../../src/model/jwks.js';
import { selectJwksKey } from '../../../src/plugins/jwt/jwks-select.js';
import { JwksRegistry } from '../../../src/runtime/jwks-registry.js';
import type { JwksKeySource } from '../../../src/snapshot/jwks.js';
import { JwksProvider, signingKey, type SigningKey } from '../../support/jwks-provider.js';

/**
 * The registry against a real https JWKS / OIDC provider (test CA): TTLs and Cache-Control, the
 * unknown-kid refetch and its rate limit under a flood, single-flight, the last good key set while
 * the provider is down or answers garbage, bounded staleness, timeouts, size limits, http refused.
 * The provider counts the requests it receives: the bounds are asserted on those counts.
 */
let provider: JwksProvider;
let k1: SigningKey;
let k2: SigningKey;
const registries: JwksRegistry[] = [];
const owner = { kind: 'JwtCredential', name: 'c', namespace: 'ns' };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function spec(over: Partial<JwksSpec> = {}, timing: Partial<JwksTiming> = {}): JwksSpec {
  return { url: provider.jwksUrl, field: 'spec.jwks.url', algorithms: ['RS256', 'ES256'], caCertificates: [provider.caPem], timing: { ...defaultJwksTiming(), ...timing }, ...over };
}

function source(s: JwksSpec, allowHttp = false): { registry: JwksRegistry; src: JwksKeySource } {
  const registry = new JwksRegistry({ allowHttp });
  registries.push(registry);
  registry.beginBuild();
  const src = registry.source(s, owner);
  registry.commitBuild();
  return { registry, src };
}

async function settled(src: JwksKeySource): Promise<void> {
  // The first fetch is in flight from the start: refetch() joins it.
  await src.refetch();
}

const kids = (src: JwksKeySource) => [...(src.keys?.byKid.keys() ?? [])];

beforeAll(async () => {
  provider = await JwksProvider.start();
  k1 = signingKey('RS256', 'k1');
  k2 = signingKey('ES256', 'k2');
}, 30_000);
afterEach(() => {
  for (const r of registries.splice(0)) r.close();
  provider.mode = 'ok';
  provider.cacheControl = undefined;
  provider.expires = undefined;
  provider.keys = [k1];
  provider.resetCounts();
});
afterAll(async () => {
  await provider?.close();
});

describe('JWKS registry', () => {
  it('fetches once at start and imports the keys for the allowed algorithms', async () => {
    provider.keys = [k1, k2];
    const { src } = source(spec());
    await settled(src);
    expect(kids(src)).toEqual(['k1', 'k2']);
    expect(selectJwksKey(src.keys!, 'k1', 'RS256')).toBeDefined();
    // k1 is an RSA key: it never verifies an ES256 token, nor k2 an RS256 one.
    expect(selectJwksKey(src.keys!, 'k1', 'ES256')).toBeUndefined();
    expect(selectJwksKey(src.keys!, 'k2', 'RS256')).toBeUndefined();
    expect(provider.count('/jwks')).toBe(1);
  });

  it('discovers jwks_uri from the issuer, and refuses a configuration naming another issuer', async () => {
    provider.keys = [k1];
    const { src, registry } = source(spec({ url: undefined, issuer: provider.issuer, field: 'spec.jwks.issuer' }));
    await settled(src);
    expect(kids(src)).toEqual(['k1']);
    expect(provider.count('/.well-known/openid-configuration')).toBe(1);
    expect(registry.diagnostics()).toEqual([]);

    const other = source(spec({ url: undefined, issuer: `${provider.issuer}/`, field: 'spec.jwks.issuer' }));
    await settled(other.src);
    expect(other.src.keys).toBeUndefined();
    expect(other.registry.diagnostics()).toMatchObject([{ reason: 'JwksUnavailable', field: 'spec.jwks.issuer', severity: 'error' }]);
    expect(other.registry.diagnostics()[0]!.message).toContain('another issuer');
  });

  it('keeps one provider across builds with the same settings (no refetch on rebuild)', async () => {
    const { registry, src } = source(spec());
    await settled(src);
    for (let i = 0; i < 5; i++) {
      registry.beginBuild();
      expect(registry.source(spec(), owner)).toBe(src);
      registry.commitBuild();
    }
    expect(provider.count('/jwks')).toBe(1);
    // A build without it stops it.
    registry.beginBuild();
    registry.commitBuild();
    expect([...registry.providers()]).toEqual([]);
  });

  it('refetches once for an unknown kid, at most once per interval however many kids are tried', async () => {
    const { src } = source(spec({}, { refetchIntervalSeconds: 2 }));
    await settled(src);
    provider.keys = [k1, k2];
    // A flood of unknown kids at once: one fetch, every caller waits for the same one.
    const waits = Array.from({ length: 200 }, () => src.refetch());
    expect(new Set(waits).size).toBe(1);
    await waits[0];
    expect(kids(src)).toEqual(['k1', 'k2']);
    expect(provider.count('/jwks')).toBe(2);
    // Within the interval: refused at once, nothing fetched.
    for (let i = 0; i < 500; i++) expect(src.refetch()).toBeUndefined();
    expect(provider.count('/jwks')).toBe(2);
    await sleep(2_100);
    await src.refetch();
    expect(provider.count('/jwks')).toBe(3);
  });

  it('honours Cache-Control max-age within the clamps', async () => {
    provider.cacheControl = 'public, max-age=1';
    const { src } = source(spec({}, { minTtlSeconds: 1, cacheTtlSeconds: 60 }));
    await settled(src);
    await sleep(2_300);
    expect(provider.count('/jwks')).toBeGreaterThanOrEqual(2);
    expect(provider.count('/jwks')).toBeLessThanOrEqual(3);
  });

  it('clamps a tiny max-age to the minimum TTL', async () => {
    provider.cacheControl = 'max-age=0';
    const { src } = source(spec({}, { minTtlSeconds: 30, cacheTtlSeconds: 60 }));
    await settled(src);
    await sleep(1_500);
    expect(provider.count('/jwks')).toBe(1);
  });

  it('honours Expires when Cache-Control has no max-age, clamped like max-age', async () => {
    provider.expires = 1;
    const { src } = source(spec({}, { minTtlSeconds: 1, cacheTtlSeconds: 60 }));
    await settled(src);
    await sleep(2_300);
    expect(provider.count('/jwks')).toBeGreaterThanOrEqual(2);
    expect(provider.count('/jwks')).toBeLessThanOrEqual(3);
  });

  it('prefers max-age over Expires, and clamps an Expires in the past or invalid to the minimum TTL', async () => {
    provider.cacheControl = 'max-age=60';
    provider.expires = 1;
    const withMaxAge = source(spec({}, { minTtlSeconds: 1, cacheTtlSeconds: 1 }));
    await settled(withMaxAge.src);
    await sleep(1_500);
    expect(provider.count('/jwks')).toBe(1);
    withMaxAge.registry.close();
    provider.cacheControl = undefined;
    for (const expires of [-5, '0']) {
      provider.resetCounts();
      provider.expires = expires;
      const { src, registry } = source(spec({}, { minTtlSeconds: 30, cacheTtlSeconds: 60 }));
      await settled(src);
      await sleep(1_200);
      expect(provider.count('/jwks')).toBe(1);
      expect(src.keys).toBeDefined();
      registry.close();
    }
  });

  it('keeps the last good key set while the provider is down or answers garbage, and reports it', async () => {
    const { src, registry } = source(spec({}, { refetchIntervalSeconds: 1 }));
    await settled(src);
    const good = src.keys;
    for (const mode of ['down', 'garbage', 'error500'] as const) {
      provider.mode = mode;
      await sleep(1_050);
      await src.refetch();
      expect(src.keys, mode).toBe(good);
      expect(registry.diagnostics(), mode).toMatchObject([{ reason: 'JwksFetchFailed', severity: 'warning' }]);
    }
    provider.mode = 'ok';
    await sleep(1_050);
    await src.refetch();
    // Same content: the very same key set object (verified tokens stay cached).
    expect(src.keys).toBe(good);
    expect(registry.diagnostics()).toEqual([]);
  });

  it('drops the key set once it is older than maxStale, and refuses with a reason', async () => {
    const { src, registry } = source(spec({}, { maxStaleSeconds: 1, minTtlSeconds: 1, cacheTtlSeconds: 1 }));
    await settled(src);
    provider.mode = 'down';
    await sleep(1_500);
    expect(src.keys).toBeUndefined();
    expect(registry.diagnostics()).toMatchObject([{ reason: 'JwksUnavailable', severity: 'error', object: owner }]);
    provider.mode = 'ok';
    await sleep(1_100);
    expect(src.keys).toBeDefined();
  });

  it('gives up on a slow provider after the timeout', async () => {
    provider.mode = 'slow';
    const { src, registry } = source(spec({}, { timeoutMs: 300 }));
    const t0 = Date.now();
    await settled(src);
    expect(Date.now() - t0).toBeLessThan(1_500);
    expect(src.keys).toBeUndefined();
    expect(registry.diagnostics()[0]!.message).toContain('within 300 ms');
  });

  it('refuses an answer larger than maxBytes', async () => {
    provider.mode = 'huge';
    const { src, registry } = source(spec({}, { maxBytes: 65_536 }));
    await settled(src);
    expect(src.keys).toBeUndefined();
    expect(registry.diagnostics()[0]!.message).toContain('larger than 65536 bytes');
  });

  it('refuses a provider whose certificate does not chain to the configured CA', async () => {
    const { src, registry } = source(spec({ caCertificates: undefined }));
    await settled(src);
    expect(src.keys).toBeUndefined();
    expect(registry.diagnostics()[0]!.reason).toBe('JwksUnavailable');
  });

  it('refuses plain http unless allowed', async () => {
    const plain = await JwksProvider.start({ tls: false });
    try {
      plain.keys = [k1];
      const refused = source(spec({ url: plain.jwksUrl, caCertificates: undefined }));
      await settled(refused.src);
      expect(refused.src.keys).toBeUndefined();
      expect(refused.registry.diagnostics()[0]!.message).toContain('--jwks-allow-http');
      expect(plain.count('/jwks')).toBe(0);
      const allowed = source(spec({ url: plain.jwksUrl, caCertificates: undefined }), true);
      await settled(allowed.src);
      expect(kids(allowed.src)).toEqual(['k1']);
    } finally {
      await plain.close();
    }
  });

  it('imports an inline JWKS without fetching', async () => {
    const { src } = source(spec({ url: undefined, inline: JSON.stringify({ keys: [k2.publicJwk] }), field: 'jwks.keys' }));
    await settled(src);
    expect(kids(src)).toEqual(['k2']);
    expect(src.refetch()).toBeUndefined();
    expect(provider.count('/jwks')).toBe(0);
  });
});
