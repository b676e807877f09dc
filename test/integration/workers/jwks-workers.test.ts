import { writeFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { startEchoUpstream, type EchoUpstream } from '../../support/http.js';
import { JwksProvider, signToken, signingKey, type SigningKey } from '../../support/jwks-provider.js';
import { startStandalone, type StandaloneGateway } from '../../support/standalone.js';

/**
 * JWKS credentials with `--workers 2` (docs/jwks.md#workers): every process holding snapshots
 * (the primary and each worker) fetches on its own, once at start; a rebuild with the same
 * settings fetches nothing; tokens verify in whichever worker serves them.
 */
let provider: JwksProvider;
let upstream: EchoUpstream;
let gw: StandaloneGateway;
let k1: SigningKey;

const config = (path: string) => ({
  services: [{ name: 's', url: upstream.url, routes: [{ name: 'api', paths: [path], plugins: [{ name: 'jwt' }] }] }],
  consumers: [{ username: 'alice', jwt_secrets: [{ key: provider.issuer, algorithm: 'ES256', jwks: { url: provider.jwksUrl } }] }],
});

beforeAll(async () => {
  [provider, upstream] = await Promise.all([JwksProvider.start({ tls: false }), startEchoUpstream()]);
  k1 = signingKey('ES256', 'k1');
  provider.keys = [k1];
  gw = await startStandalone(config('/api'), { args: ['--workers', '2', '--jwks-allow-http', 'on'] });
}, 60_000);
afterAll(async () => {
  await gw?.close();
  await upstream?.close();
  await provider?.close();
});

describe('JWKS credentials with workers', () => {
  it('fetches once per process and verifies in every worker', async () => {
    const token = await signToken(k1, { iss: provider.issuer });
    for (let i = 0; i < 20; i++) {
      const res = await fetch(`${gw.proxy}/api`, { headers: { authorization: `Bearer ${token}`, connection: 'close' } });
      expect(res.status).toBe(200);
    }
    // The primary and two workers.
    expect(provider.count('/jwks')).toBe(3);
    const metrics = await (await fetch(`${gw.status}/metrics`)).text();
    expect(metrics).toMatch(/portcullis_jwks_fetches_total\{provider="http:\/\/127\.0\.0\.1:\d+\/jwks",trigger="start",outcome="updated"\} 3/);
  });

  it('refetches nothing when a reload keeps the JWKS settings', async () => {
    await writeFile(gw.configPath, YAML.stringify({ _format_version: '3.0', ...config('/v2') }));
    const token = await signToken(k1, { iss: provider.issuer });
    let status = 0;
    // Until the new route serves in a worker (the reload takes up to a second or so).
    for (let i = 0; i < 100 && status !== 200; i++) {
      status = (await fetch(`${gw.proxy}/v2`, { headers: { authorization: `Bearer ${token}` } })).status;
      if (status !== 200) await new Promise((r) => setTimeout(r, 100));
    }
    expect(status).toBe(200);
    // Give the other processes time to rebuild too: still nothing fetched.
    await new Promise((r) => setTimeout(r, 1_500));
    expect(provider.count('/jwks')).toBe(3);
  });
});
