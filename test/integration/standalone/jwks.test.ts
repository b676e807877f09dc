import { createHmac, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEchoUpstream, type EchoUpstream } from '../../support/http.js';
import { JwksProvider, signToken, signingKey, type SigningKey } from '../../support/jwks-provider.js';
import { startStandalone, type StandaloneGateway } from '../../support/standalone.js';
import { openWs, roundTrip, startWsUpstream, wsBase, type WsUpstream } from '../../support/ws-peers.js';

/**
 * JWKS credentials end to end (docs/jwks.md): a real standalone gateway, a real https OIDC
 * provider with a CA the test made (kong.yml ca_certificates), tokens signed by jose. A rotated
 * key works on its first request (one refetch), a flood of unknown kids costs at most one fetch,
 * and no algorithm confusion gets through.
 */
let provider: JwksProvider;
let upstream: EchoUpstream;
let wsUp: WsUpstream;
let gw: StandaloneGateway;
let k1: SigningKey;
let k2: SigningKey;
const CA_ID = '6f0d3c52-2b7e-4d8a-9d6f-1f4b0f0e9a11';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const call = async (token: string) => {
  const res = await fetch(`${gw.proxy}/api`, { headers: { authorization: `Bearer ${token}` } });
  return { status: res.status, body: await res.text() };
};

beforeAll(async () => {
  [provider, upstream, wsUp] = await Promise.all([JwksProvider.start(), startEchoUpstream(), startWsUpstream()]);
  k1 = signingKey('RS256', 'k1');
  k2 = signingKey('ES256', 'k2');
  provider.keys = [k1];
  gw = await startStandalone({
    ca_certificates: [{ id: CA_ID, cert: provider.caPem }],
    services: [
      { name: 's', url: upstream.url, routes: [{ name: 'api', paths: ['/api'], plugins: [{ name: 'jwt', config: { claims_to_verify: ['exp'] } }] }] },
      { name: 'ws', url: wsUp.url, routes: [{ name: 'ws', paths: ['/ws'], plugins: [{ name: 'jwt' }] }] },
    ],
    consumers: [
      {
        username: 'alice',
        jwt_secrets: [
          {
            key: provider.issuer,
            algorithm: 'RS256',
            jwks: { issuer: provider.issuer, algorithms: ['RS256', 'ES256'], ca_certificates: [CA_ID], refetch_interval: 2 },
          },
        ],
      },
    ],
  });
}, 60_000);
afterAll(async () => {
  await gw?.close();
  await upstream?.close();
  await wsUp?.close();
  await provider?.close();
});

describe('JWKS credentials (standalone)', () => {
  it('authenticates a token signed by a key of the issuer\'s JWKS', async () => {
    const res = await call(await signToken(k1, { iss: provider.issuer, sub: 'u1' }));
    expect(res.status).toBe(200);
    const seen = upstream.seen.at(-1)!;
    expect(seen.headers['x-consumer-username']).toBe('alice');
    expect(seen.headers['x-credential-identifier']).toBe(provider.issuer);
    expect(provider.count('/.well-known/openid-configuration')).toBe(1);
  });

  it('accepts a rotated-in key on its first request, with one refetch', async () => {
    provider.keys = [k1, k2];
    const before = provider.count('/jwks');
    const res = await call(await signToken(k2, { iss: provider.issuer }));
    expect(res.status).toBe(200);
    expect(provider.count('/jwks')).toBe(before + 1);
  });

  it('answers a flood of unknown kids with 401 after at most one fetch', async () => {
    await sleep(2_100); // past the refetch interval of the rotation above
    const before = provider.count('/jwks');
    const tokens = await Promise.all(Array.from({ length: 100 }, () => signToken(k1, { iss: provider.issuer }, { kid: randomUUID() })));
    const results = await Promise.all(tokens.map(call));
    for (const r of results) {
      expect(r.status).toBe(401);
      expect(r.body).toBe('{"message":"No signing key found for given \'kid\'"}');
    }
    expect(provider.count('/jwks') - before).toBe(1);
    // The known keys keep working meanwhile.
    expect((await call(await signToken(k1, { iss: provider.issuer }))).status).toBe(200);
  });

  it('refuses HS256 signed with the public key as secret (no algorithm confusion)', async () => {
    const header = Buffer.from(JSON.stringify({ alg: 'HS256', typ: 'JWT', kid: 'k1' })).toString('base64url');
    const payload = Buffer.from(JSON.stringify({ iss: provider.issuer, exp: Math.floor(Date.now() / 1000) + 600 })).toString('base64url');
    const secret = JSON.stringify(k1.publicJwk);
    const sig = createHmac('sha256', secret).update(`${header}.${payload}`).digest('base64url');
    const res = await call(`${header}.${payload}.${sig}`);
    expect(res).toEqual({ status: 401, body: '{"message":"Invalid algorithm"}' });
  });

  it('refuses a token whose kid names a key of another type', async () => {
    // k2 is an EC key: an RS256 token naming it finds no key, whatever it is signed with.
    const res = await call(await signToken(k1, { iss: provider.issuer }, { kid: 'k2' }));
    expect(res.status).toBe(401);
  });

  it('lets a WebSocket handshake with a rotated-in key wait for the refetch too', async () => {
    await sleep(2_100); // past the refetch interval
    const k3 = signingKey('RS256', 'k3');
    provider.keys = [k1, k2, k3];
    const ws = await openWs(`${wsBase(gw.proxy)}/ws`, { headers: { authorization: `Bearer ${await signToken(k3, { iss: provider.issuer })}` } });
    try {
      expect(await roundTrip(ws, 'hi')).toBe('echo:hi');
    } finally {
      ws.close();
    }
  });

  it('shows the source and live kids in the admin API, no key material', async () => {
    const body = (await (await fetch(`${gw.admin}/jwts`)).json()) as { data: Array<Record<string, unknown>> };
    expect(body.data[0]).toMatchObject({ key: provider.issuer, rsa_public_key: null, jwks: { issuer: provider.issuer, algorithms: ['RS256', 'ES256'], usable: true } });
    expect((body.data[0]!.jwks as { kids: string[] }).kids).toEqual(expect.arrayContaining(['k1', 'k2']));
  });

  it('exports fetch counts and the key set age', async () => {
    const text = await (await fetch(`${gw.status}/metrics`)).text();
    expect(text).toMatch(/portcullis_jwks_fetches_total\{provider="https:\/\/127\.0\.0\.1:\d+\/",trigger="unknown_kid",outcome="updated"\} 2/);
    expect(text).toMatch(/portcullis_jwks_key_set_age_seconds\{provider="https:\/\/127\.0\.0\.1:\d+\/"\} /);
  });
});
