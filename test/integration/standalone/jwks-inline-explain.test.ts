import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEchoUpstream, type EchoUpstream } from '../../support/http.js';
import { JwksProvider, signToken, signingKey, type SigningKey } from '../../support/jwks-provider.js';
import { runCli, startStandalone, type StandaloneGateway } from '../../support/standalone.js';
import { waitFor } from '../../support/gateway-process.js';

/**
 * JWKS in kong.yml mode, the parts jwks.test.ts does not cover (docs/jwks.md, docs/explain.md):
 * an inline `jwks.keys` credential on a real gateway, offline `portcullis explain` and the live
 * `POST /debug/explain` agreeing with the proxy on it, and a `url` credential whose provider goes
 * down past max_stale: refused with jwks_unavailable, one log line naming the provider, the live
 * explain naming the failure, the failure metrics, the access log carrying jwks_* reasons. Tokens are signed by jose.
 */
let provider: JwksProvider;
let upstream: EchoUpstream;
let gw: StandaloneGateway;
let inlineKey: SigningKey;
let urlKey: SigningKey;
const CA_ID = '0b7c5c3e-6f7e-4c0a-9b55-2f0d6c1d9a42';
const INLINE_ISS = 'https://sso.inline.example';

async function call(token: string, requestId: string): Promise<{ status: number; body: string }> {
  const res = await fetch(`${gw.proxy}/api`, { headers: { authorization: `Bearer ${token}`, 'x-request-id': requestId } });
  return { status: res.status, body: await res.text() };
}

async function liveExplain(token: string): Promise<any> {
  const res = await fetch(`${gw.admin}/debug/explain`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ method: 'GET', url: `${gw.proxy}/api`, headers: [`Authorization: Bearer ${token}`] }),
  });
  expect(res.status).toBe(200);
  return res.json();
}

const keyCheck = (explained: any) => explained.auth.checks.find((c: { check: string }) => c.check === 'key');

beforeAll(async () => {
  [provider, upstream] = await Promise.all([JwksProvider.start(), startEchoUpstream()]);
  inlineKey = signingKey('ES256', 'inline-1');
  urlKey = signingKey('RS256', 'url-1');
  provider.keys = [urlKey];
  gw = await startStandalone(
    {
      ca_certificates: [{ id: CA_ID, cert: provider.caPem }],
      services: [{ name: 's', url: upstream.url, routes: [{ name: 'api', paths: ['/api'], plugins: [{ name: 'jwt' }] }] }],
      consumers: [
        { username: 'erin', jwt_secrets: [{ key: INLINE_ISS, algorithm: 'ES256', jwks: { keys: { keys: [inlineKey.publicJwk] } } }] },
        {
          username: 'dave',
          jwt_secrets: [
            { key: provider.issuer, algorithm: 'RS256', jwks: { url: provider.jwksUrl, ca_certificates: [CA_ID], cache_ttl: 1, min_ttl: 1, max_stale: 2, refetch_interval: 1 } },
          ],
        },
      ],
    },
    { args: ['--access-log', 'on'] },
  );
}, 60_000);
afterAll(async () => {
  await gw?.close();
  await upstream?.close();
  await provider?.close();
});

describe('inline JWKS credential (kong.yml)', () => {
  it('authenticates a token signed by the inline key, refuses an unknown kid without fetching anything', async () => {
    const ok = await call(await signToken(inlineKey, { iss: INLINE_ISS }), 'inline-ok');
    expect(ok.status, ok.body).toBe(200);
    const unknown = await call(await signToken(inlineKey, { iss: INLINE_ISS }, { kid: 'inline-9' }), 'inline-unknown-kid');
    expect(unknown).toEqual({ status: 401, body: '{"message":"No signing key found for given \'kid\'"}' });
  });

  it('offline explain and the live explain both verify it, as the proxy does', async () => {
    const token = await signToken(inlineKey, { iss: INLINE_ISS });
    const offline = await runCli(['explain', '--config', gw.configPath, `GET ${gw.proxy}/api`, '-H', `Authorization: Bearer ${token}`, '--json']);
    expect(offline.code, offline.stderr).toBe(0);
    const predicted = JSON.parse(offline.stdout);
    expect(predicted.verdict).toMatchObject({ proxied: true });
    expect(keyCheck(predicted)).toEqual({ check: 'key', result: 'pass', detail: 'JWKS key kid "inline-1" (ec public key)' });
    const live = await liveExplain(token);
    expect(live.verdict).toEqual(predicted.verdict);
    expect(keyCheck(live)).toEqual(keyCheck(predicted));

    const unknown = await signToken(inlineKey, { iss: INLINE_ISS }, { kid: 'inline-9' });
    const refused = await runCli(['explain', '--config', gw.configPath, `GET ${gw.proxy}/api`, '-H', `Authorization: Bearer ${unknown}`, '--json']);
    expect(refused.code).toBe(3);
    expect(JSON.parse(refused.stdout).verdict).toEqual({ proxied: false, status: 401, reason: 'jwks_unknown_kid', by: 'jwt' });
    expect(keyCheck(JSON.parse(refused.stdout)).detail).toContain('the key set has kids "inline-1"');
  });
});

describe('url JWKS credential whose provider goes down (kong.yml)', () => {
  it('serves while the provider is up; offline explain says it is not fetched offline', async () => {
    const token = await signToken(urlKey, { iss: provider.issuer });
    await waitFor(async () => (await call(token, 'url-warmup')).status === 200, 10_000);
    const offline = await runCli(['explain', '--config', gw.configPath, `GET ${gw.proxy}/api`, '-H', `Authorization: Bearer ${token}`, '--json']);
    expect(offline.code).toBe(3);
    const predicted = JSON.parse(offline.stdout);
    expect(predicted.verdict.reason).toBe('jwks_unavailable');
    expect(keyCheck(predicted).detail).toContain(`not fetched offline (JWKS URL ${provider.jwksUrl})`);
    // The live explain uses the fetched key set, and never triggers a fetch (not even for an unknown kid).
    const before = provider.count('/jwks');
    expect((await liveExplain(token)).verdict).toMatchObject({ proxied: true });
    expect((await liveExplain(await signToken(urlKey, { iss: provider.issuer }, { kid: 'nope' }))).verdict.reason).toBe('jwks_unknown_kid');
    expect(provider.count('/jwks') - before).toBeLessThanOrEqual(1); // at most the scheduled 1 s refresh
  });

  it('past max_stale refuses with jwks_unavailable, logs it once naming the provider, and the live explain names the failure', async () => {
    const token = await signToken(urlKey, { iss: provider.issuer });
    provider.mode = 'down';
    await waitFor(async () => (await call(token, 'url-probe')).status === 401, 15_000);
    expect(await call(token, 'url-unavailable')).toEqual({ status: 401, body: '{"message":"Signing keys unavailable"}' });
    const explained = await liveExplain(token);
    expect(explained.verdict.reason).toBe('jwks_unavailable');
    expect(keyCheck(explained).detail).toMatch(/^Signing keys unavailable: \S/);
    const label = provider.jwksUrl;
    const lines = gw.output().split('\n').filter((l) => l.includes('JWKS: no usable key set'));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(label);
    // Metrics: the failures by reason, no key set age while none is usable, the refusals by reason.
    const metrics = await (await fetch(`${gw.status}/metrics`)).text();
    const failures = new RegExp(`portcullis_jwks_fetch_failures_total\\{provider="${label.replace(/[.]/g, '\\.')}",reason="network"\\} (\\d+)`).exec(metrics);
    expect(Number(failures?.[1])).toBeGreaterThanOrEqual(1);
    expect(metrics).not.toContain(`portcullis_jwks_key_set_age_seconds{provider="${label}"}`);
    expect(metrics).toMatch(/portcullis_auth_failures_total\{route="[^"]*",reason="jwks_unavailable"\} [1-9]/);
    expect(metrics).toMatch(/portcullis_auth_failures_total\{route="[^"]*",reason="jwks_unknown_kid"\} [1-9]/);
    provider.mode = 'ok';
  });

  it('the access log carries the jwks reasons', async () => {
    expect(await gw.close()).toBe(0);
    const access = gw
      .output()
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l))
      .filter((l) => l.type === 'access');
    const reasonOf = (id: string) => access.find((l) => l.request_id === id)?.reason;
    expect(reasonOf('inline-ok')).toBeUndefined();
    expect(access.some((l) => l.request_id === 'inline-ok')).toBe(true);
    expect(reasonOf('inline-unknown-kid')).toBe('jwks_unknown_kid');
    expect(reasonOf('url-unavailable')).toBe('jwks_unavailable');
  });
});
